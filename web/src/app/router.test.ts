import { describe, expect, test } from "vitest";
import { formatRoute, parseRoute } from "./router";

describe("the app's routes", () => {
  test("the list is the default, for anything unknown too", () => {
    expect(parseRoute("")).toEqual({ name: "cases" });
    expect(parseRoute("#/")).toEqual({ name: "cases" });
    expect(parseRoute("#/altro/percorso")).toEqual({ name: "cases" });
  });
  test("a new intake, with or without its ticket", () => {
    expect(parseRoute("#/nuova")).toEqual({ name: "new-intake" });
    expect(parseRoute("#/nuova?ticket=A023")).toEqual({ name: "new-intake", ticket: "A023" });
    expect(parseRoute("#/nuova?ticket=%3Cscript%3E")).toEqual({ name: "new-intake" });
  });
  test("a case by its document id, and nothing that is not one", () => {
    expect(parseRoute("#/caso/3XkKZAXBT3mzg6Rweozf3uXu3vSP")).toEqual({ name: "case", documentId: "3XkKZAXBT3mzg6Rweozf3uXu3vSP" });
    expect(parseRoute("#/caso/0OIl")).toEqual({ name: "cases" });
  });
  test("formatting and parsing agree", () => {
    for (const route of [
      { name: "cases" },
      { name: "new-intake" },
      { name: "new-intake", ticket: "B-7" },
      { name: "case", documentId: "3XkKZAXBT3mzg6Rweozf3uXu3vSP" },
    ] as const) {
      expect(parseRoute(formatRoute(route))).toEqual(route);
    }
  });
});

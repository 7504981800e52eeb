import { describe, expect, test } from "vitest";
import { fold, searchCases } from "./case-search";

const rows = [
  { title: "Rossi Mario", fiscalCode: "RSSMRA85T10A562S" },
  { title: "Diallo Amina", fiscalCode: "" },
  { title: "Nicolò Zanè", fiscalCode: "ZNANCL90A01F205X" },
];

describe("searching the cases at the desk", () => {
  test("an empty query lists every case", () => {
    expect(searchCases(rows, "  ")).toHaveLength(3);
  });
  test("names match in any order, whatever the case and accents", () => {
    expect(searchCases(rows, "mario ROSSI").map(r => r.title)).toEqual(["Rossi Mario"]);
    expect(searchCases(rows, "nicolo zane").map(r => r.title)).toEqual(["Nicolò Zanè"]);
    expect(searchCases(rows, "ami").map(r => r.title)).toEqual(["Diallo Amina"]);
  });
  test("a part of the codice fiscale finds its case", () => {
    expect(searchCases(rows, "rssmra85").map(r => r.title)).toEqual(["Rossi Mario"]);
    expect(searchCases(rows, "A562S").map(r => r.title)).toEqual(["Rossi Mario"]);
  });
  test("nothing matches a word no case holds", () => {
    expect(searchCases(rows, "rossi amina")).toEqual([]);
  });
  test("folding removes accents and squeezes spaces", () => {
    expect(fold("  Àngela   Perù ")).toBe("angela peru");
  });
});

// The server's error codes (schema/tests/fixtures/error-codes.json, generated from
// `sportello_schema::api::ErrorCode` by the schema crate's tests): every code the app matches on must be one
// of them, or the branch that waits for it is dead. The app's sources are read as text, so a comparison
// added anywhere is checked without being listed here.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { it as italian } from "../i18n/it";
import { QUEUE_ERROR_CODES } from "./queue";

const serverCodes = new Set(
  (
    JSON.parse(
      readFileSync(new URL("../../../schema/tests/fixtures/error-codes.json", import.meta.url), "utf8"),
    ) as { codes: string[] }
  ).codes,
);

/** Codes the app makes itself (see `ApiError` in `api.ts`), never sent by the server. */
const APP_CODES = new Set(["network"]);

/** Every `.ts` file of the app but its tests. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : [];
  });
}

/** `"x"` in `….code === "x"`, `….code !== "x"` and `error === "x"`, with the file. A sync refusal's code
 *  (`refusal.code`) is another vocabulary (docs/sync-protocol.md §10) and is left out. */
function comparedCodes(): [string, string][] {
  const pattern = /(\w+)\.code\s*[!=]==?\s*"([a-z_]+)"|\berror\s*[!=]==?\s*"([a-z_]+)"/g;
  const found: [string, string][] = [];
  for (const file of sources(fileURLToPath(new URL("..", import.meta.url)))) {
    for (const match of readFileSync(file, "utf8").matchAll(pattern)) {
      const [, owner, code, error] = match;
      if (owner === "refusal") continue;
      const literal = code ?? error;
      if (literal !== undefined && literal !== "string") found.push([file, literal]);
    }
  }
  return found;
}

describe("the error codes the app matches on", () => {
  test("the shared list was read", () => {
    expect(serverCodes.has("token_expired")).toBe(true);
    expect(serverCodes.size).toBeGreaterThan(40);
  });

  test("every code compared in the app's sources is one the server sends", () => {
    const compared = comparedCodes();
    expect(compared.length).toBeGreaterThan(5);
    const unknown = compared.filter(([, code]) => !serverCodes.has(code) && !APP_CODES.has(code));
    expect(unknown).toEqual([]);
  });

  test("every queue error with a message of its own is one the server sends", () => {
    expect(QUEUE_ERROR_CODES.filter(code => !serverCodes.has(code) && !APP_CODES.has(code))).toEqual([]);
  });

  test("every message keyed by a code is for a code the server sends", () => {
    // `errorMessage` looks up `error.<code>`, `queueErrorKey` `queue.error.<code>`; these few keys are the
    // app's own messages, not codes.
    const own = new Set(["unknown", "session_ended", "login_to_sync", "other"]);
    const keyed = Object.keys(italian)
      .map(key => /^(?:queue\.)?error\.([a-z_]+)$/.exec(key)?.[1])
      .filter((code): code is string => code !== undefined);
    expect(keyed.length).toBeGreaterThan(10);
    expect(keyed.filter(code => !serverCodes.has(code) && !APP_CODES.has(code) && !own.has(code))).toEqual([]);
  });
});

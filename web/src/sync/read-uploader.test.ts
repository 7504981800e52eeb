import { describe, expect, it } from "vitest";
import { ApiError } from "../data/api";
import { ReadQueue, type ReadRecords } from "../store/read-queue";
import { ReadUploader } from "./read-uploader";

function memoryRecords(): ReadRecords {
  const values = new Map<string, unknown>();
  return {
    get: async <T>(name: string) => structuredClone(values.get(name)) as T | undefined,
    put: async (name: string, value: unknown) => void values.set(name, structuredClone(value)),
  };
}

describe("the uploader of case openings", () => {
  it("uploads with the current token, and does nothing without one", async () => {
    const queue = new ReadQueue(memoryRecords(), () => 0, () => crypto.randomUUID());
    await queue.record("doc1");
    const tokens: string[] = [];
    let token: string | undefined;
    const uploader = new ReadUploader(
      queue,
      { uploadReads: async (t, reads) => (tokens.push(t), { recorded: reads.length, duplicates: 0, ignored: 0 }) },
      () => token,
      () => undefined,
    );
    await uploader.uploadNow();
    expect(tokens).toEqual([]);
    expect(await queue.size()).toBe(1);
    token = "access";
    await uploader.uploadNow();
    expect(tokens).toEqual(["access"]);
    expect(await queue.size()).toBe(0);
  });

  it("keeps the queue on a failure and hands session_wiped to the session", async () => {
    const queue = new ReadQueue(memoryRecords(), () => 0, () => crypto.randomUUID());
    await queue.record("doc1");
    let answer: ApiError = new ApiError(0, "network", "offline");
    let wiped = 0;
    const uploader = new ReadUploader(
      queue,
      {
        uploadReads: async () => {
          throw answer;
        },
      },
      () => "access",
      () => (wiped += 1),
    );
    await uploader.uploadNow();
    expect(await queue.size()).toBe(1);
    expect(wiped).toBe(0);
    answer = new ApiError(401, "session_wiped", "wiped");
    await uploader.uploadNow();
    expect(wiped).toBe(1);
  });
});

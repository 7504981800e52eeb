import { describe, expect, it } from "vitest";
import { READ_QUEUE_MAX, READS_RECORD, ReadQueue, UPLOAD_BATCH, type ReadEvent, type ReadRecords } from "./read-queue";

function memoryRecords(): ReadRecords & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return {
    values,
    get: async <T>(name: string) => structuredClone(values.get(name)) as T | undefined,
    put: async (name: string, value: unknown) => void values.set(name, structuredClone(value)),
  };
}

function queueWith(records = memoryRecords(), start = Date.UTC(2026, 10, 27, 8, 0, 0)) {
  let clock = start;
  let next = 0;
  const dropped: number[] = [];
  const queue = new ReadQueue(
    records,
    () => clock,
    () => `00000000-0000-4000-8000-${String(next++).padStart(12, "0")}`,
    count => dropped.push(count),
  );
  return { queue, records, dropped, advance: (ms: number) => (clock += ms) };
}

describe("the queue of case openings", () => {
  it("records each opening with its own event id and the time on the injected clock", async () => {
    const { queue, records, advance } = queueWith();
    await queue.record("automerge:3sW2u9bCh4sXe1K1kQyVxGv7HtA");
    advance(90_000);
    await queue.record("3sW2u9bCh4sXe1K1kQyVxGv7HtA");
    expect(records.values.get(READS_RECORD)).toEqual([
      { event_id: "00000000-0000-4000-8000-000000000000", document_id: "3sW2u9bCh4sXe1K1kQyVxGv7HtA", opened_at: "2026-11-27T08:00:00.000Z" },
      { event_id: "00000000-0000-4000-8000-000000000001", document_id: "3sW2u9bCh4sXe1K1kQyVxGv7HtA", opened_at: "2026-11-27T08:01:30.000Z" },
    ]);
  });

  it("uploads in batches and removes what the server answered, keeping what a failure left", async () => {
    const { queue } = queueWith();
    for (let i = 0; i < UPLOAD_BATCH + 5; i++) await queue.record(`doc${i}`);
    const sent: ReadEvent[][] = [];
    let fail = true;
    const send = async (reads: ReadEvent[]) => {
      sent.push(reads);
      if (sent.length === 2 && fail) throw new Error("network");
      return { recorded: reads.length, duplicates: 0, ignored: 0 };
    };
    await expect(queue.upload(send)).rejects.toThrow("network");
    expect(sent[0]).toHaveLength(UPLOAD_BATCH);
    expect(await queue.size()).toBe(5);
    fail = false;
    expect(await queue.upload(send)).toBe(5);
    expect(await queue.size()).toBe(0);
    // The retried batch is the same events (the server de-duplicates by event id).
    expect(sent[2].map(r => r.event_id)).toEqual(sent[1].map(r => r.event_id));
  });

  it("keeps an opening recorded while an upload is in flight", async () => {
    const { queue } = queueWith();
    await queue.record("first");
    let release!: () => void;
    const batches: string[][] = [];
    const upload = queue.upload(reads => {
      batches.push(reads.map(read => read.document_id));
      // The first batch waits; the next (the opening recorded meanwhile) is answered at once.
      if (batches.length > 1) return Promise.resolve({ recorded: reads.length, duplicates: 0, ignored: 0 });
      return new Promise(resolve => {
        release = () => resolve({ recorded: reads.length, duplicates: 0, ignored: 0 });
      });
    });
    await new Promise(resolve => setTimeout(resolve, 0));
    const recording = queue.record("during");
    await recording;
    release();
    expect(await upload).toBe(2);
    expect(batches).toEqual([["first"], ["during"]]);
    expect(await queue.size()).toBe(0);
  });

  it("is bounded: the oldest openings go first when it is full, and the loss is reported", async () => {
    const records = memoryRecords();
    const full: ReadEvent[] = Array.from({ length: READ_QUEUE_MAX }, (_, i) => ({
      event_id: `old-${i}`,
      document_id: "doc",
      opened_at: "2026-11-26T08:00:00.000Z",
    }));
    records.values.set(READS_RECORD, full);
    const { queue, dropped } = queueWith(records);
    await queue.record("newest");
    const kept = records.values.get(READS_RECORD) as ReadEvent[];
    expect(kept).toHaveLength(READ_QUEUE_MAX);
    expect(kept[0].event_id).toBe("old-1");
    expect(kept.at(-1)?.document_id).toBe("newest");
    expect(dropped).toEqual([1]);
  });
});

// The openings of cases on this tablet (docs/security.md "Reads on the tablet"): each opening is recorded
// in the user's encrypted store (record `offline-reads`) with a random event id, and uploaded to
// `POST /api/v1/me/reads` when online. What the server acknowledged (recorded, duplicate, or ignored: it
// would be ignored again) leaves the queue; a failed upload leaves it as it was, to retry later.
//
// Invariants: the queue is bounded (READ_QUEUE_MAX; the oldest go first when full, and the loss is
// reported); every change is one read-modify-write chained after the previous one, so a recording made
// during an upload is never lost; the clock and the id source are injected (tests).

export interface ReadEvent {
  event_id: string;
  document_id: string;
  opened_at: string;
}

export interface ReadsRecorded {
  recorded: number;
  duplicates: number;
  ignored: number;
}

/** Where the queue rests: the encrypted store's records (src/store/local-store.ts). */
export interface ReadRecords {
  get<T>(name: string): Promise<T | undefined>;
  put(name: string, value: unknown): Promise<void>;
}

export const READS_RECORD = "offline-reads";
export const READ_QUEUE_MAX = 2000;
/** At most this many per upload: 200 entries stay well under the server's 64 KiB body limit. */
export const UPLOAD_BATCH = 200;

export class ReadQueue {
  #chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly records: ReadRecords,
    private readonly now: () => number = () => Date.now(),
    private readonly newId: () => string = () => crypto.randomUUID(),
    private readonly onDropped: (count: number) => void = count =>
      console.warn(`sportello: ${count} case openings dropped from the full upload queue`),
  ) {}

  #then<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(work, work);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #load(): Promise<ReadEvent[]> {
    return (await this.records.get<ReadEvent[]>(READS_RECORD)) ?? [];
  }

  /** Records an opening of `documentId` (a bs58 id, without `automerge:`) now. */
  record(documentId: string): Promise<void> {
    const event: ReadEvent = {
      event_id: this.newId(),
      document_id: documentId.replace(/^automerge:/, ""),
      opened_at: new Date(this.now()).toISOString(),
    };
    return this.#then(async () => {
      const queue = [...(await this.#load()), event];
      const over = queue.length - READ_QUEUE_MAX;
      if (over > 0) this.onDropped(over);
      await this.records.put(READS_RECORD, over > 0 ? queue.slice(over) : queue);
    });
  }

  /** How many openings wait to be uploaded. */
  async size(): Promise<number> {
    return this.#then(async () => (await this.#load()).length);
  }

  /**
   * Uploads what waits, a batch at a time, through `send`; removes each batch once answered. Stops at the
   * first failure (thrown back) and leaves the rest for the next time. Returns how many were acknowledged.
   */
  async upload(send: (reads: ReadEvent[]) => Promise<ReadsRecorded>): Promise<number> {
    let acknowledged = 0;
    for (;;) {
      const batch = (await this.#then(() => this.#load())).slice(0, UPLOAD_BATCH);
      if (batch.length === 0) return acknowledged;
      await send(batch);
      const sent = new Set(batch.map(read => read.event_id));
      await this.#then(async () => {
        await this.records.put(
          READS_RECORD,
          (await this.#load()).filter(read => !sent.has(read.event_id)),
        );
      });
      acknowledged += batch.length;
    }
  }
}

// Uploads the openings of cases recorded on this tablet (src/store/read-queue.ts) to `POST
// /api/v1/me/reads`: when the sync connection comes up, and every few minutes while online. One upload at
// a time; a failure leaves the queue for the next time; `session_wiped` is handed to the session.

import { ApiError, type Api } from "../data/api";
import type { ReadQueue } from "../store/read-queue";

export const UPLOAD_EVERY_MS = 5 * 60_000;

export class ReadUploader {
  #timer?: ReturnType<typeof setInterval>;
  #running?: Promise<void>;

  constructor(
    private readonly queue: ReadQueue,
    private readonly api: Pick<Api, "uploadReads">,
    private readonly accessToken: () => string | undefined,
    private readonly onWiped: () => void,
  ) {}

  start(): void {
    this.#timer ??= setInterval(() => void this.uploadNow(), UPLOAD_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Uploads what waits, if signed in online; resolves when done or failed (never rejects). */
  uploadNow(): Promise<void> {
    this.#running ??= this.#upload().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #upload(): Promise<void> {
    const token = this.accessToken();
    if (!token) return;
    try {
      await this.queue.upload(reads => this.api.uploadReads(token, reads));
    } catch (error) {
      if (error instanceof ApiError && error.code === "session_wiped") this.onWiped();
      // Anything else (offline, rate limited, a refused token): the queue waits for the next time.
    }
  }
}

// One run of an async task at a time, with the requests made meanwhile folded into one more run after it:
// the board and the desk reread the server when an event or a settings change asks them to, and a burst
// of such asks must cost one read under way plus one after it (the last ask must see fresh data), never
// one read per ask nor two reads at once. Pure; tested in coalesce.test.ts.

export class Coalesced {
  #running?: Promise<void>;
  #again = false;

  /** `task` is the work; `stopped` ends the repeats (a stopped feed reads no more). */
  constructor(
    private readonly task: () => Promise<void>,
    private readonly stopped: () => boolean = () => false,
  ) {}

  /** Runs the task, or, when a run is under way, asks for one more after it; settles when the runs do. */
  run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.task();
      } while (this.#again && !this.stopped());
    })().finally(() => (this.#running = undefined));
    return this.#running;
  }
}

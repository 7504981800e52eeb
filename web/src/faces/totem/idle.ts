// The totem forgets a citizen's choices (language, priority) after a minute without a touch or a key, so
// the next person finds it in Italian. A timer restarted by every poke; no DOM here (totem-app.ts pokes it
// from its pointer and key listeners).

export interface Timers {
  setTimeout(handler: () => void, ms: number): number;
  clearTimeout(id: number | undefined): void;
}

export class IdleReset {
  #timer?: number;

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
    private readonly timers: Timers = { setTimeout: (handler, ms) => window.setTimeout(handler, ms), clearTimeout: id => window.clearTimeout(id) },
  ) {}

  /** Someone touched the screen or pressed a key: the minute starts again. */
  poke(): void {
    this.timers.clearTimeout(this.#timer);
    this.#timer = this.timers.setTimeout(() => {
      this.#timer = undefined;
      this.onIdle();
    }, this.ms);
  }

  stop(): void {
    this.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

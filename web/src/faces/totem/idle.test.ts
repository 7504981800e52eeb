import { afterEach, describe, expect, it, vi } from "vitest";
import { IdleReset } from "./idle";

const timers = {
  setTimeout: (handler: () => void, ms: number) => setTimeout(handler, ms) as unknown as number,
  clearTimeout: (id: number | undefined) => clearTimeout(id),
};

describe("the idle reset", () => {
  afterEach(() => vi.useRealTimers());

  it("fires a minute after the last touch, not after the first", () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    const idle = new IdleReset(60_000, onIdle, timers);
    idle.poke();
    vi.advanceTimersByTime(50_000);
    idle.poke(); // still choosing
    vi.advanceTimersByTime(50_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(120_000);
    expect(onIdle).toHaveBeenCalledTimes(1); // once per idle spell
  });

  it("does nothing once stopped", () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    const idle = new IdleReset(60_000, onIdle, timers);
    idle.poke();
    idle.stop();
    vi.advanceTimersByTime(120_000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});

import { describe, expect, it } from "vitest";
import { Coalesced } from "./coalesce";

/** A task whose runs are counted and finish only when released. */
function gatedTask() {
  let runs = 0;
  let active = 0;
  let maxActive = 0;
  const gates: (() => void)[] = [];
  const task = async () => {
    runs += 1;
    active += 1;
    maxActive = Math.max(maxActive, active);
    await new Promise<void>(resolve => gates.push(resolve));
    active -= 1;
  };
  const release = async () => {
    gates.shift()?.();
    await new Promise(resolve => setTimeout(resolve, 0));
  };
  return { task, release, runs: () => runs, maxActive: () => maxActive };
}

describe("Coalesced", () => {
  it("runs once when asked once", async () => {
    const t = gatedTask();
    const c = new Coalesced(t.task);
    const done = c.run();
    await t.release();
    await done;
    expect(t.runs()).toBe(1);
  });

  it("folds a burst of asks during a run into one more run, never two at once", async () => {
    const t = gatedTask();
    const c = new Coalesced(t.task);
    const first = c.run();
    const asks = [c.run(), c.run(), c.run()];
    await t.release();
    await t.release();
    await Promise.all([first, ...asks]);
    expect(t.runs()).toBe(2);
    expect(t.maxActive()).toBe(1);
  });

  it("runs again when asked after the runs settled", async () => {
    const t = gatedTask();
    const c = new Coalesced(t.task);
    const first = c.run();
    await t.release();
    await first;
    const second = c.run();
    await t.release();
    await second;
    expect(t.runs()).toBe(2);
  });

  it("does not repeat once stopped", async () => {
    const t = gatedTask();
    let stopped = false;
    const c = new Coalesced(t.task, () => stopped);
    const first = c.run();
    void c.run();
    stopped = true;
    await t.release();
    await first;
    expect(t.runs()).toBe(1);
  });

  it("a failing run settles every waiter with its error and lets the next ask run", async () => {
    let fail = true;
    let runs = 0;
    const c = new Coalesced(async () => {
      runs += 1;
      if (fail) throw new Error("down");
    });
    await expect(c.run()).rejects.toThrow("down");
    fail = false;
    await c.run();
    expect(runs).toBe(2);
  });
});

// A narrow handle on the session's Repo for the browser tests, until the intake screens exist: create a
// document as the app would, read one back. It is installed only when the test harness has set the flag
// `sportello.test-handle` in localStorage before the app starts; an ordinary tablet never has it. It adds
// nothing an attacker running script in the page would not have anyway (same origin, same Repo).
import type { Repo } from "@automerge/automerge-repo/slim";

const FLAG = "sportello.test-handle";

interface TestHandle {
  create(doc: Record<string, unknown>): string;
  read(url: string): Promise<unknown>;
}

function enabled(): boolean {
  try {
    return typeof localStorage !== "undefined" && localStorage.getItem(FLAG) === "on";
  } catch {
    return false;
  }
}

/** Installs (or, with `undefined`, removes) the handle on `window.sportelloTestHandle` when enabled. */
export function exposeTestHandle(repo: Repo | undefined): void {
  if (!enabled()) return;
  const target = globalThis as { sportelloTestHandle?: TestHandle };
  if (!repo) {
    delete target.sportelloTestHandle;
    return;
  }
  target.sportelloTestHandle = {
    create: doc => repo.create(doc).url,
    read: async url => {
      const handle = await repo.find(url as never);
      // Scalar strings come back as ImmutableString: read them as plain strings.
      return JSON.parse(
        JSON.stringify(handle.doc(), (_key, value: unknown) =>
          value && typeof value === "object" && typeof (value as { val?: unknown }).val === "string"
            ? (value as { val: string }).val
            : value,
        ),
      );
    },
  };
}

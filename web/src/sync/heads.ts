// A document's heads, computed once per document state. `DocHandle.heads()` asks the WASM for the heads
// and encodes them every time (about 0.1 ms); the list of cases and the count of waiting changes ask it
// for every open document at each update, which with 1,000 cases was most of the start-up time. An
// Automerge document is an immutable value (every change makes a new object), so its heads can be kept
// beside it.
import type { DocHandle } from "@automerge/automerge-repo/slim";

const known = new WeakMap<object, string[]>();

/** `handle.heads()`, or [] when it is not ready; cached per document state. */
export function headsOf(handle: DocHandle<unknown>): string[] {
  if (!handle.isReady()) return [];
  const doc = handle.doc() as unknown;
  if (!doc || typeof doc !== "object") return handle.heads() ?? [];
  let heads = known.get(doc);
  if (!heads) {
    heads = handle.heads() ?? [];
    known.set(doc, heads);
  }
  return heads;
}

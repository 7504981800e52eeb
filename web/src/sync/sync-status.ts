// What the status bar shows, computed from plain facts so it can be table-tested:
// - the connection: offline (the browser says so, or no server peer), connecting, online, or refused by
//   the server with its reason;
// - the changes waiting to reach the server: documents whose local heads the server has not acknowledged
//   (automerge-repo records, per document, the heads the server's storage id last reported).

export type Connection = "offline" | "connecting" | "online" | "refused";

export interface ConnectionFacts {
  /** `navigator.onLine`. */
  browserOnline: boolean;
  /** The server has answered our join (a `peer` message) and the socket is still open. */
  serverPeer: boolean;
  /** The server's last `error` message, cleared when a connection succeeds. */
  refusal?: string;
}

export function connectionState(facts: ConnectionFacts): Connection {
  if (!facts.browserOnline) return "offline";
  if (facts.serverPeer) return "online";
  if (facts.refusal) return "refused";
  return "connecting";
}

export interface DocHeads {
  local: readonly string[];
  /** The heads the server last reported for this document, if it ever did. */
  server?: readonly string[];
}

/** The number of documents with changes the server has not acknowledged yet. */
export function pendingCount(docs: Iterable<DocHeads>): number {
  let count = 0;
  for (const doc of docs) {
    if (doc.local.length === 0) continue;
    if (!doc.server || !sameHeads(doc.local, doc.server)) count += 1;
  }
  return count;
}

function sameHeads(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every(head => set.has(head));
}

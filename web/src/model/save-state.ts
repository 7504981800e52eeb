// Where a case's changes are: only on this tablet, partly waiting, saved on the server, or refused by it.
// Pure (table-tested); the case library feeds it each document's heads and what the server acknowledged.
//
// "Saved on the server" means durable there: the server answers a sync with heads that include a change
// only after committing it (docs/sync-protocol.md §9). A refusal comes as a `sportello/refused` ephemeral
// message from `sportello-server` (§10); it stands until the server acknowledges every local head again.

export type SaveState = "local" | "pending" | "saved" | "refused";

export interface Refusal {
  code: string;
  /** The server's reason: field paths and rules, never values (`person.phone: …; consent.…: …`). */
  reason: string;
}

export interface SaveInputs {
  localHeads: readonly string[];
  /** The heads the server last acknowledged, or undefined if it never answered for this document. */
  serverHeads?: readonly string[];
  refusal?: Refusal;
}

export function saveState({ localHeads, serverHeads, refusal }: SaveInputs): SaveState {
  const acknowledged = serverHeads !== undefined && serverHeads.length > 0;
  const all = acknowledged && localHeads.every(head => serverHeads.includes(head));
  if (all) return "saved";
  if (refusal) return "refused";
  return acknowledged ? "pending" : "local";
}

/** The refusal an ephemeral message carries, if it is the server's (`sportello/refused`). */
export function refusalOf(senderId: string, message: unknown): Refusal | undefined {
  if (senderId !== "sportello-server" || !message || typeof message !== "object") return undefined;
  const m = message as Record<string, unknown>;
  if (m.type !== "sportello/refused" || typeof m.code !== "string") return undefined;
  return { code: m.code, reason: typeof m.reason === "string" ? m.reason : "" };
}

/** The field paths a refusal's reason names (`person.phone: …; referrals[0].status: …` → the paths). */
export function refusedPaths(reason: string): string[] {
  const paths = new Set<string>();
  for (const part of reason.split("; ")) {
    const colon = part.indexOf(": ");
    if (colon > 0) {
      const path = part.slice(0, colon);
      if (/^[a-z_]+(\[[0-9]+\])?(\.[a-z_]+(\[[0-9]+\])?)*$|^\(root\)$/.test(path)) paths.add(path);
    }
  }
  return [...paths];
}

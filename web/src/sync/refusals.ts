// Changes the server refused, dropped from the tablet; and the list of refusals for the views.
//
// The server refuses a change that breaks a rule (docs/sync-protocol.md §10) and says so with a
// `sportello/refused` ephemeral message from `sportello-server` on that document. Automerge cannot take a
// change back, and every later change would depend on the refused one (so the server would refuse those
// too), so the tablet must return to the server's state (§10.2). automerge-repo 2.5.6 has no "revert":
//
// - `repo.delete(url)` + `repo.find(url)` would hand the views a new handle (the ones they hold die), need
//   the network to get the document back, and race with the storage's removal (a `find` can load the
//   refused chunks again before they are gone);
// - so the document is rebuilt **in place**: `A.clone(A.view(doc, serverHeads))` — the history up to the
//   heads the server last acknowledged (its storage id's `lastHeads`), every change we hold that the server
//   has, none it refused; `clone` forks under a **new actor id**, so the next change cannot reuse the
//   refused change's sequence number — and put into the same handle with `handle.update` (what the Repo
//   itself uses to load documents). The views keep their handle and get a `change` event; the
//   synchronizer sends the server our new heads (which it knows), and syncing goes on.
// - Storage: the refused change was saved locally too, and its chunks would bring it back at the next
//   start. So the document's stored chunks are removed first and the rebuilt document is flushed (as one
//   chunk with its whole history: `saveSince` from heads it lacks saves everything). Everything kept is on
//   the server, so a crash in between loses nothing.
//
// What is lost: the refused change and anything made on the tablet after it (the server refuses those
// anyway). The views show the refusal (document, code, reason) so the user can redo the work, checked.
// A refused **creation** has nothing on the server to return to: its notice says `reverted: false`, and
// the document stays as it is (the intake makes a corrected copy under a new id).

import {
  Automerge as A,
  cbor,
  decodeHeads,
  stringifyAutomergeUrl,
  type DocHandle,
  type DocumentId,
  type Repo,
  type StorageId,
} from "@automerge/automerge-repo/slim";

/** The sender of the server's own ephemeral messages (refusals); peers' messages carry a stamped label. */
export const SERVER_SENDER = "sportello-server";

export interface Refused {
  code: string;
  /** Field paths and rules, never values (`person.fiscal_code: wrong check character: expected S`). */
  reason: string;
}

export interface RefusalNotice extends Refused {
  documentId: string;
  url: string;
  /** When the tablet heard of it (ms since the epoch). */
  at: number;
  /** The refused change was dropped and the document is back to the server's state. */
  reverted: boolean;
}

/** The refusal an ephemeral message carries, if it is the server's (`sportello/refused`). */
export function refusalIn(senderId: string, message: unknown): Refused | undefined {
  if (senderId !== SERVER_SENDER || !message || typeof message !== "object") return undefined;
  const m = message as Record<string, unknown>;
  if (m.type !== "sportello/refused" || typeof m.code !== "string") return undefined;
  return { code: m.code, reason: typeof m.reason === "string" ? m.reason : "" };
}

/**
 * The document as the server holds it: the history up to `serverHeads` (hex), forked under a new actor.
 * Undefined when there is nothing to return to (the server acknowledged none of the heads we hold) or
 * nothing to drop (we are at the server's heads already).
 */
export function atServerHeads<T>(doc: A.Doc<T>, serverHeads: readonly string[] | undefined): A.Doc<T> | undefined {
  const held = (serverHeads ?? []).filter(head => A.hasHeads(doc, [head]));
  if (held.length === 0) return undefined;
  const ours = A.getHeads(doc);
  if (ours.length === held.length && ours.every(head => held.includes(head))) return undefined;
  return A.clone(A.view(doc, held));
}

interface Watched {
  notice: RefusalNotice;
  /** The heads right after the revert: newer work acknowledged by the server ends the notice. */
  revertedHeads?: string[];
  off?: () => void;
}

/**
 * Listens to the server's refusals on every document of a Repo, drops the refused changes, and keeps the
 * notices for the views (until dismissed, or until newer work on that document reaches the server).
 */
export class RefusalKeeper {
  #repo?: Repo;
  #serverStorage: () => StorageId | undefined = () => undefined;
  #watched = new Map<string, Watched>();
  #listeners = new Set<(notices: RefusalNotice[]) => void>();
  #off?: () => void;

  /** Starts listening on `repo`'s network; `serverStorage` names the server's storage id while connected. */
  attach(repo: Repo, serverStorage: () => StorageId | undefined): void {
    this.#repo = repo;
    this.#serverStorage = serverStorage;
    const onMessage = (message: { type: string; senderId: string; documentId?: DocumentId; data?: Uint8Array }) => {
      if (message.type !== "ephemeral" || message.senderId !== SERVER_SENDER || !message.documentId || !message.data)
        return;
      let payload: unknown;
      try {
        payload = cbor.decode(new Uint8Array(message.data));
      } catch {
        return;
      }
      const refused = refusalIn(message.senderId, payload);
      if (refused) void this.#onRefused(message.documentId, refused);
    };
    repo.networkSubsystem.on("message", onMessage as never);
    this.#off = () => repo.networkSubsystem.off("message", onMessage as never);
  }

  detach(): void {
    this.#off?.();
    for (const watched of this.#watched.values()) watched.off?.();
    this.#watched.clear();
    this.#listeners.clear();
    this.#repo = undefined;
  }

  /** The current notices, newest first. */
  notices(): RefusalNotice[] {
    return [...this.#watched.values()].map(w => w.notice).sort((a, b) => b.at - a.at);
  }

  /** The notice for one document (`automerge:` URL or document id), if any. */
  noticeFor(urlOrId: string): RefusalNotice | undefined {
    const id = urlOrId.replace(/^automerge:/, "");
    return this.#watched.get(id)?.notice;
  }

  /** The user has seen it. */
  dismiss(urlOrId: string): void {
    const id = urlOrId.replace(/^automerge:/, "");
    const watched = this.#watched.get(id);
    if (!watched) return;
    watched.off?.();
    this.#watched.delete(id);
    this.#emit();
  }

  /** Called with the notices now and after every change. */
  subscribe(listener: (notices: RefusalNotice[]) => void): () => void {
    this.#listeners.add(listener);
    listener(this.notices());
    return () => this.#listeners.delete(listener);
  }

  async #onRefused(documentId: DocumentId, refused: Refused): Promise<void> {
    const repo = this.#repo;
    if (!repo) return;
    const handle = repo.handles[documentId] as DocHandle<unknown> | undefined;
    const notice: RefusalNotice = {
      ...refused,
      documentId,
      url: stringifyAutomergeUrl({ documentId }),
      at: Date.now(),
      reverted: false,
    };
    this.#watched.get(documentId)?.off?.();
    const watched: Watched = { notice };
    this.#watched.set(documentId, watched);
    if (handle?.isReady()) {
      const storage = this.#serverStorage();
      const lastHeads = storage ? handle.getSyncInfo(storage)?.lastHeads : undefined;
      const rebuilt = atServerHeads(handle.doc(), lastHeads ? decodeHeads(lastHeads) : undefined);
      if (rebuilt) {
        await repo.storageSubsystem?.removeDoc(documentId).catch(() => undefined);
        handle.update(() => rebuilt);
        await repo.flush([documentId]).catch(() => undefined);
        notice.reverted = true;
      } else if (lastHeads) {
        // Already at the server's heads (dropped before, or nothing local beyond them).
        notice.reverted = decodeHeads(lastHeads).length > 0;
      }
      watched.revertedHeads = A.getHeads(handle.doc());
      const onRemote = () => this.#maybeDone(documentId, handle);
      handle.on("remote-heads", onRemote);
      watched.off = () => handle.off("remote-heads", onRemote);
    }
    this.#emit();
  }

  /** Newer work on the document reached the server: the refusal no longer describes it. */
  #maybeDone(documentId: string, handle: DocHandle<unknown>): void {
    const watched = this.#watched.get(documentId);
    const storage = this.#serverStorage();
    if (!watched?.revertedHeads || !storage) return;
    const local = A.getHeads(handle.doc());
    const server = handle.getSyncInfo(storage)?.lastHeads;
    const acknowledged = server ? decodeHeads(server) : [];
    const newer = local.some(head => !watched.revertedHeads!.includes(head));
    if (newer && local.every(head => acknowledged.includes(head))) this.dismiss(documentId);
  }

  #emit(): void {
    const notices = this.notices();
    for (const listener of this.#listeners) listener(notices);
  }
}

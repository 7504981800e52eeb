// Who wrote a value: Automerge records the actor id of every change, not the user. The server knows which
// user owns each actor id (it stamps them: docs/sync-protocol.md §10 `foreign_actor`), but does not tell
// tablets. So each tablet, when it opens a case, announces on that document (an ephemeral message, never
// stored) "actor X is me, <display name>"; the server relays it to the others that have the case open and
// stamps the sender as `user-<user id>-<connection>`. A tablet remembers, per case, the actor ids it heard
// announced, and answers once each new announcement with its own, so both sides learn each other.
//
// What this gives: the name of the person who wrote a conflicting value when both tablets had the case
// open at the same time at least once. Otherwise (the other tablet was never online with this one), the
// conflict says "un altro tablet". The name is a hint for the user, as announced by the other tablet under
// a sender id the server stamped; the record of who changed what is the server's audit log.

import * as A from "@automerge/automerge/slim";
import type { DocHandle } from "@automerge/automerge-repo/slim";

export const AUTHOR_MESSAGE = "sportello/author";
const REANNOUNCE_MS = 5000;

export interface Announcement {
  actor: string;
  name: string;
  userId: string;
}

const STAMPED_SENDER = /^user-([0-9a-fA-F-]{36})-[0-9]+$/;

/** An author announcement relayed by the server, with the user id the server stamped; else undefined. */
export function announcementOf(senderId: string, message: unknown): Announcement | undefined {
  const stamped = STAMPED_SENDER.exec(senderId);
  if (!stamped || !message || typeof message !== "object") return undefined;
  const m = message as Record<string, unknown>;
  if (m.type !== AUTHOR_MESSAGE || typeof m.actor !== "string" || !/^[0-9a-f]{2,64}$/.test(m.actor)) return undefined;
  const name = typeof m.name === "string" ? m.name.slice(0, 100) : "";
  return { actor: m.actor, name, userId: stamped[1] };
}

export class AuthorBook {
  /** Per document URL: actor id → announcement. */
  #known = new Map<string, Map<string, Announcement>>();
  #listening = new WeakSet<object>();
  #lastSent = new WeakMap<object, number>();
  #trailing = new WeakSet<object>();

  constructor(private readonly me: { name: string }) {}

  /** Announces this tablet's actor on `handle` and listens for the others'. */
  announce(handle: DocHandle<unknown>): void {
    if (!this.#listening.has(handle)) {
      this.#listening.add(handle);
      handle.on("ephemeral-message", ({ senderId, message }) => {
        const heard = announcementOf(senderId, message);
        if (!heard) return;
        const book = this.#book(handle.url);
        const isNew = !book.has(heard.actor);
        // The first announcement of an actor id stands: a later one cannot rename it.
        if (isNew) book.set(heard.actor, heard);
        if (isNew) this.#send(handle);
      });
      // An announcement made before the document reached the server went nowhere: say it again when the
      // server answers for the document (after a reconnection too), at most every few seconds.
      // A suppressed one is sent when the few seconds are over: right after a reconnection the other tablet
      // may not be listening yet, and the burst of sync traffic that follows would otherwise be the last
      // chance (CI saw a conflict's author stay unnamed that way).
      handle.on("remote-heads", () => {
        const since = Date.now() - (this.#lastSent.get(handle) ?? 0);
        if (since > REANNOUNCE_MS) this.#send(handle);
        else if (!this.#trailing.has(handle)) {
          this.#trailing.add(handle);
          setTimeout(() => {
            this.#trailing.delete(handle);
            this.#send(handle);
          }, REANNOUNCE_MS - since);
        }
      });
    }
    this.#send(handle);
  }

  /** The name announced for `actor` on the document at `url`, if any. */
  nameOf(url: string, actor: string): string | undefined {
    return this.#known.get(url)?.get(actor)?.name || undefined;
  }

  #book(url: string): Map<string, Announcement> {
    let book = this.#known.get(url);
    if (!book) this.#known.set(url, (book = new Map()));
    return book;
  }

  #send(handle: DocHandle<unknown>): void {
    this.#lastSent.set(handle, Date.now());
    try {
      handle.broadcast({ type: AUTHOR_MESSAGE, actor: A.getActorId(handle.doc() as A.Doc<unknown>), name: this.me.name });
    } catch {
      // Not ready yet, or offline: the next opening announces again.
    }
  }
}

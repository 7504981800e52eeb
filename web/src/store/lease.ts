// The offline lease (docs/security.md "Offline lease"): a tablet may be unlocked offline only for a while
// after its last contact with the server (the last authenticated answer). Pure functions of the times, so
// that tests run them on an injected clock.

/** The default when the server never said (an older server): 72 hours, as the server's default. */
export const DEFAULT_LEASE_SECONDS = 72 * 3600;

export interface Contact {
  /** Milliseconds since the epoch of the last authenticated answer from the server. */
  lastContactAt?: number;
  /** The lease the server last sent, in seconds. */
  leaseSeconds?: number;
  /** The session that last opened the store (the wipe check asks about it). */
  sessionId?: string;
}

/** Milliseconds left on the lease at `now` (0 or less: run out). A store never contacted has none left. */
export function leaseRemainingMs(contact: Contact, now: number): number {
  if (contact.lastContactAt === undefined) return 0;
  const lease = (contact.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  return contact.lastContactAt + lease - now;
}

/** Whether an offline unlock is refused at `now`. */
export function leaseExpired(contact: Contact, now: number): boolean {
  return leaseRemainingMs(contact, now) <= 0;
}

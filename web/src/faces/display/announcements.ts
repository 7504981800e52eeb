// What the waiting-room display says aloud, and in which order: the phrasing of a call in each language the
// display can speak ("Numero A 7, sportello 2"), and the queue that makes two calls never talk over each
// other. No DOM and no audio here: the queue is given a `speak` function (speaker.ts plays the chime and
// drives `speechSynthesis`), so the whole behaviour is unit-tested (announcements.test.ts).
//
// Invariants:
// - Only calls and recalls are announced (`ticket.call`, `ticket.recall` with a desk); everything else is
//   silent.
// - The same event is never announced twice: events carry increasing sequence numbers, and the queue
//   remembers the highest it has taken. A stream that resumes after a dropped connection (and so may be
//   handed an event again) or a board reloaded meanwhile cannot repeat a call. A recall is its own event,
//   so it is announced again.
// - One announcement at a time, in the order the calls were made. A ticket already waiting in the queue to
//   be announced is not queued twice (a call and its recall during an outage are said once), and calls older
//   than `MAX_AGE_MS` (a display coming back after a long outage) are shown but not said. Their age is
//   measured on the server's clock, learnt from the events themselves (an event never arrives before it
//   happened), so a display whose own clock is wrong neither drops nor repeats anything because of it.
// - Nothing about a person: a number, a line letter and a desk.

import type { QueueEvent } from "../../data/queue";

/** The languages a call may be repeated in, after Italian (the admin chooses; the server stores the choice). */
export const ANNOUNCE_LANGUAGES = ["en", "fr", "ar", "es", "ro", "uk"] as const;
export type AnnounceLanguage = (typeof ANNOUNCE_LANGUAGES)[number];
export type SpokenLanguage = "it" | AnnounceLanguage;

/** The BCP 47 tag each language is spoken with (the voice is chosen by it). */
export const SPEECH_TAG: Record<SpokenLanguage, string> = {
  it: "it-IT",
  en: "en-GB",
  fr: "fr-FR",
  ar: "ar",
  es: "es-ES",
  ro: "ro-RO",
  uk: "uk-UA",
};

/** The language's own name, as the console lists it. */
export const LANGUAGE_NAME: Record<SpokenLanguage, string> = {
  it: "Italiano",
  en: "English",
  fr: "Français",
  ar: "العربية",
  es: "Español",
  ro: "Română",
  uk: "Українська",
};

export function isAnnounceLanguage(code: string): code is AnnounceLanguage {
  return (ANNOUNCE_LANGUAGES as readonly string[]).includes(code);
}

/** The ticket number as a voice reads it well: the line letter, a pause, the number without its leading
 *  zeros ("A007" → "A 7", "M500" → "M 500"). Anything else is said as it is. */
export function spokenNumber(number: string): string {
  const found = /^([A-Z])(\d{1,3})$/.exec(number.trim());
  if (!found) return number.trim();
  return `${found[1]} ${Number(found[2])}`;
}

/** The desk's number when the desk is named the usual way ("Sportello 2", what the tablets send). */
export function deskNumber(desk: string): number | undefined {
  const found = /^\s*sportello\s+0*(\d{1,3})\s*$/i.exec(desk);
  return found ? Number(found[1]) : undefined;
}

const NUMBER_WORD: Record<SpokenLanguage, string> = {
  it: "Numero",
  en: "Number",
  fr: "Numéro",
  ar: "الرقم",
  es: "Número",
  ro: "Numărul",
  uk: "Номер",
};

const DESK_WORD: Record<SpokenLanguage, string> = {
  it: "sportello",
  en: "desk",
  fr: "guichet",
  ar: "الشباك",
  es: "ventanilla",
  ro: "ghișeul",
  uk: "віконце",
};

/** One call in one language: "Numero A 7, sportello 2", "Number A 7, desk 2". A desk with another name is
 *  said by its name in every language. */
export function phrase(language: SpokenLanguage, number: string, desk: string): string {
  const n = deskNumber(desk);
  const where = n === undefined ? desk.trim() : `${DESK_WORD[language]} ${n}`;
  const comma = language === "ar" ? "،" : ",";
  return `${NUMBER_WORD[language]} ${spokenNumber(number)}${comma} ${where}`;
}

export interface Utterance {
  text: string;
  /** The BCP 47 tag to speak it with. */
  lang: string;
  language: SpokenLanguage;
}

export interface Announcement {
  /** The event's sequence number (never announced twice). */
  seq: number;
  ticketId: string;
  number: string;
  desk: string;
  recall: boolean;
  /** Italian first, then the chosen languages in their order. */
  utterances: Utterance[];
}

/** The announcement an event asks for, or undefined (not a call, no desk). Unknown or repeated language
 *  codes are left out; Italian is always first and never repeated. */
export function announcementFor(event: QueueEvent, languages: readonly string[]): Announcement | undefined {
  if (event.kind !== "ticket.call" && event.kind !== "ticket.recall") return undefined;
  const ticket = event.ticket;
  if (!ticket?.desk || !ticket.number) return undefined;
  const chosen = [...new Set(languages.filter(isAnnounceLanguage))];
  const utterances = (["it", ...chosen] as SpokenLanguage[]).map(language => ({
    text: phrase(language, ticket.number, ticket.desk!),
    lang: SPEECH_TAG[language],
    language,
  }));
  return {
    seq: event.seq,
    ticketId: ticket.id,
    number: ticket.number,
    desk: ticket.desk,
    recall: event.kind === "ticket.recall",
    utterances,
  };
}

/** Calls older than this when they reach the display are shown, not said. */
export const MAX_AGE_MS = 10 * 60_000;
/** At most this many announcements wait; past it the oldest are dropped (they are on the screen). */
export const MAX_PENDING = 8;

export interface AnnouncerOptions {
  /** Plays one announcement (the chime, then each utterance); resolves when it is over, never rejects. */
  speak: (announcement: Announcement) => Promise<void>;
  /** This machine's clock, epoch ms. */
  now?: () => number;
}

/**
 * The announcement queue. `offer` each event of the stream in order; `skipThrough(seq)` when the display
 * reads the board (what it shows then is not news). One announcement plays at a time.
 */
export class Announcer {
  #pending: Announcement[] = [];
  #highest = 0;
  #playing?: Announcement;
  #idle?: Promise<void>;
  #languages: readonly string[] = [];
  #enabled = true;
  /** The server's clock minus this one, as far as the events tell: the largest `at − arrival` seen. */
  #offsetMs?: number;

  constructor(private readonly options: AnnouncerOptions) {}

  /** The languages calls are repeated in, after Italian (the board's `announce_languages`). */
  setLanguages(languages: readonly string[]): void {
    this.#languages = [...languages];
  }

  /** Nothing before `seq` (inclusive) will be announced: the board just read already shows it. */
  skipThrough(seq: number): void {
    this.#highest = Math.max(this.#highest, seq);
  }

  /** Audio off (muted by the admin's page, or not yet allowed): events are still taken, so nothing is said
   *  late when it comes on. */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
  }

  get highest(): number {
    return this.#highest;
  }

  /** What is waiting to be said (for tests and the screen's status). */
  get pending(): readonly Announcement[] {
    return this.#pending;
  }

  get playing(): Announcement | undefined {
    return this.#playing;
  }

  /** Takes one event of the stream: true when it was queued to be said. */
  offer(event: QueueEvent): boolean {
    if (!Number.isFinite(event.seq) || event.seq <= this.#highest) return false;
    this.#highest = event.seq;
    const at = event.at ? Date.parse(event.at) : NaN;
    const now = this.options.now?.() ?? Date.now();
    if (Number.isFinite(at)) this.#offsetMs = Math.max(this.#offsetMs ?? -Infinity, at - now);
    const announcement = announcementFor(event, this.#languages);
    if (!announcement || !this.#enabled) return false;
    if (Number.isFinite(at) && now + (this.#offsetMs ?? 0) - at > MAX_AGE_MS) return false;
    // The same ticket already waiting to be said (called then recalled during an outage): say it once, to
    // the desk it was called to last.
    const same = this.#pending.findIndex(pending => pending.ticketId === announcement.ticketId);
    if (same >= 0) this.#pending.splice(same, 1);
    this.#pending.push(announcement);
    if (this.#pending.length > MAX_PENDING) this.#pending.splice(0, this.#pending.length - MAX_PENDING);
    this.#run();
    return true;
  }

  /** Resolves once nothing is playing or waiting. */
  idle(): Promise<void> {
    return this.#idle ?? Promise.resolve();
  }

  #run(): void {
    if (this.#idle) return;
    this.#idle = (async () => {
      for (let next = this.#pending.shift(); next; next = this.#pending.shift()) {
        this.#playing = next;
        try {
          await this.options.speak(next);
        } catch {
          // A failed chime or voice must not stop the calls after it.
        }
        this.#playing = undefined;
      }
    })().finally(() => {
      this.#idle = undefined;
      // Offered between the loop's end and here: play it too.
      if (this.#pending.length) this.#run();
    });
  }
}

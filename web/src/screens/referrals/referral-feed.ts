// The social worker's referrals, live: the cases the index lists (the case library opens them in the
// background and tells us when any changes), read into inbox rows (referral-rows.ts). No DOM.

import type { DocHandle } from "@automerge/automerge-repo/slim";
import { readCase, type CaseDocument } from "../../model/case-doc";
import type { CaseLibrary } from "../../model/case-library";
import type { IndexEntry } from "../../sync/index-entries";
import { referralRows, type ReferralRow } from "./referral-rows";

/** What the feed needs of the sync engine: the index's entries, as they change. */
export interface IndexSource {
  subscribe(listener: (view: { index: { entries: IndexEntry[] } }) => void): () => void;
}

export class ReferralFeed {
  #handles = new Map<string, DocHandle<CaseDocument>>();
  #opening = new Set<string>();
  #rows: ReferralRow[] = [];
  #listeners = new Set<(rows: ReferralRow[]) => void>();
  #unsubscribe: (() => void)[] = [];
  #listed = new Set<string>();
  #stopped = false;

  constructor(
    private readonly library: CaseLibrary,
    private readonly index: IndexSource,
    private readonly areas: readonly string[],
  ) {}

  start(): void {
    this.#unsubscribe.push(
      this.index.subscribe(view => {
        const listed = new Set(view.index.entries.filter(e => e.kind === "case").map(e => e.url));
        if ([...listed].join() !== [...this.#listed].join()) {
          this.#listed = listed;
          this.#refresh();
        }
      }),
    );
    this.#unsubscribe.push(this.library.subscribe(() => this.#refresh()));
    this.#refresh();
  }

  stop(): void {
    this.#stopped = true;
    for (const off of this.#unsubscribe) off();
    this.#listeners.clear();
  }

  get rows(): ReferralRow[] {
    return this.#rows;
  }

  subscribe(listener: (rows: ReferralRow[]) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#rows);
    return () => this.#listeners.delete(listener);
  }

  #refresh(): void {
    if (this.#stopped) return;
    // The index says what the user may open now: a case whose referral they rejected leaves it.
    const listed = this.#listed;
    for (const url of listed) {
      if (this.#handles.has(url) || this.#opening.has(url)) continue;
      this.#opening.add(url);
      void this.library
        .open(url)
        .then(handle => {
          this.#handles.set(url, handle);
          this.#refresh();
        })
        .catch(() => undefined)
        .finally(() => this.#opening.delete(url));
    }
    const cases = [...this.#handles]
      .filter(([url, handle]) => listed.has(url) && handle.isReady())
      .map(([url, handle]) => ({ url, view: readCase(handle.doc()) }));
    this.#rows = referralRows(cases, this.areas);
    for (const listener of this.#listeners) listener(this.#rows);
  }
}

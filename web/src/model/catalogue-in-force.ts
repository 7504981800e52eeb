// The catalogue in force on this tablet: the `directory` document's (which admins edit on the server and
// the server pushes to every tablet that has it open, docs/sync-protocol.md §14.2), or the defaults until
// it has arrived. The screens read it through `CatalogueController`, which re-renders them when it
// changes, so a new need shows in an open intake form without a reload.
//
// `follow` finds the directory's URL in the user's index (the entry of kind `directory`), opens it in the
// session's Repo (the local store keeps it, so it is there offline after a restart) and follows its
// changes. Not pure (it holds handles), but free of DOM.

import type { DocHandle, Repo } from "@automerge/automerge-repo/slim";
import type { ReactiveController, ReactiveControllerHost } from "lit";
import { DEFAULT_CATALOGUE, catalogueFromDirectory, sameCatalogue, type Catalogue } from "../rules/catalogue";
import { plain } from "../sync/index-entries";

/** The URL of the directory an index document lists, if it lists one. */
export function directoryUrlOf(indexDoc: unknown): string | undefined {
  const entries = (indexDoc as { entries?: unknown } | undefined)?.entries;
  if (!Array.isArray(entries)) return undefined;
  for (const entry of entries) {
    const record = entry as Record<string, unknown> | null;
    if (record && plain(record.kind) === "directory") {
      const url = plain(record.url);
      if (url.startsWith("automerge:")) return url;
    }
  }
  return undefined;
}

/** What `follow` needs of the sync engine (`SyncClient`): its Repo, and word when the index is ready. */
export interface DirectorySource {
  whenStarted(): Promise<Repo>;
  subscribe(listener: (view: { index: { status: string } }) => void): () => void;
}

export class CatalogueInForce {
  #current: Catalogue = DEFAULT_CATALOGUE;
  #fromDirectory = false;
  #listeners = new Set<(catalogue: Catalogue) => void>();

  get current(): Catalogue {
    return this.#current;
  }

  /** True once the directory's catalogue has replaced the defaults. */
  get fromDirectory(): boolean {
    return this.#fromDirectory;
  }

  subscribe(listener: (catalogue: Catalogue) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  set(catalogue: Catalogue): void {
    this.#fromDirectory = true;
    if (sameCatalogue(catalogue, this.#current)) return;
    this.#current = catalogue;
    for (const listener of this.#listeners) listener(catalogue);
  }

  /** Back to the defaults (the session ended). */
  reset(): void {
    this.#fromDirectory = false;
    if (this.#current === DEFAULT_CATALOGUE) return;
    this.#current = DEFAULT_CATALOGUE;
    for (const listener of this.#listeners) listener(DEFAULT_CATALOGUE);
  }

  /**
   * Follows the directory listed by the index at `indexUrl`, in the session's Repo. Tries again whenever
   * the sync engine reports (the index or the directory may be unavailable offline at first). Returns the
   * function that stops following.
   */
  follow(source: DirectorySource, indexUrl: string): () => void {
    let stopped = false;
    let repo: Repo | undefined;
    let index: DocHandle<unknown> | undefined;
    let directory: DocHandle<unknown> | undefined;
    let directoryUrl: string | undefined;
    let finding = false;

    const onDirectory = () => {
      const catalogue = catalogueFromDirectory(directory?.doc());
      if (catalogue && !stopped) this.set(catalogue);
    };
    const openDirectory = (url: string) => {
      if (!repo || finding || url === directoryUrl) return;
      finding = true;
      repo
        .find<unknown>(url as never)
        .then(handle => {
          if (stopped) return;
          directory?.off("change", onDirectory);
          directory = handle;
          directoryUrl = url;
          handle.on("change", onDirectory);
          onDirectory();
        })
        .catch(() => undefined)
        .finally(() => (finding = false));
    };
    const onIndex = () => {
      const url = directoryUrlOf(index?.doc());
      if (url) openDirectory(url);
    };
    let findingIndex = false;
    const tryIndex = () => {
      if (stopped || !repo) return;
      if (index) {
        onIndex();
        return;
      }
      if (findingIndex) return;
      findingIndex = true;
      repo
        .find<unknown>(indexUrl as never)
        .then(handle => {
          if (stopped) return;
          index = handle;
          handle.on("change", onIndex);
          onIndex();
        })
        .catch(() => undefined)
        .finally(() => (findingIndex = false));
    };

    let unsubscribe: (() => void) | undefined;
    void source.whenStarted().then(started => {
      if (stopped) return;
      repo = started;
      unsubscribe = source.subscribe(view => {
        if (view.index.status === "ready") tryIndex();
      });
    });
    return () => {
      stopped = true;
      unsubscribe?.();
      index?.off("change", onIndex);
      directory?.off("change", onDirectory);
    };
  }
}

/** The tablet's one catalogue in force (one session at a time). */
export const catalogueInForce = new CatalogueInForce();

/** Gives a screen the catalogue in force and re-renders it when the catalogue changes. */
export class CatalogueController implements ReactiveController {
  #unsubscribe?: () => void;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly source: CatalogueInForce = catalogueInForce,
  ) {
    host.addController(this);
  }

  get value(): Catalogue {
    return this.source.current;
  }

  hostConnected(): void {
    this.#unsubscribe = this.source.subscribe(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}

// The root: renders the screen the session is on and runs one sync engine per signed-in session.
import { LitElement, html } from "lit";
import { customElement, state } from "lit/decorators.js";
import { createApi } from "../data/api";
import { ReadQueue } from "../store/read-queue";
import { ReadUploader } from "../sync/read-uploader";
import { Session, type SessionState } from "../data/session";
import { SyncClient, type SyncView } from "../sync/sync-client";
import { movedIndexId } from "../sync/index-move";
import { Vault } from "../store/vault";
import { AuthorBook } from "../model/authors";
import { CaseLibrary } from "../model/case-library";
import { catalogueInForce } from "../model/catalogue-in-force";
import "../screens/login/login-screen";
import "../screens/login/wiped-screen";
import "../screens/password/password-change-screen";
import "../screens/second-factor/second-factor-screen";
import "../screens/shell/app-shell";

@customElement("sportello-app")
export class SportelloApp extends LitElement {
  readonly api = createApi();
  readonly session = new Session(this.api, undefined, new Vault());
  /** Issue 12: uploads the openings of cases recorded on this tablet. */
  #reads?: ReadUploader;
  @state() private sessionState: SessionState = this.session.state;
  @state() private view?: SyncView;
  #sync?: SyncClient;
  /** Stops following the session's directory (the catalogue in force). */
  #unfollowCatalogue?: () => void;
  #stopping: Promise<void> = Promise.resolve();
  /** Issue 12: moves to a new index, one after the other. */
  #moving: Promise<void> = Promise.resolve();
  @state() private cases?: CaseLibrary;
  #recordOpening?: (documentId: string) => void;
  @state() private authors?: AuthorBook;

  // Light DOM: the screens are the page (one <main> each), no wrapper shadow root.
  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback() {
    super.connectedCallback();
    this.session.subscribe(state => this.onSession(state));
    // The sync engine flushes into the store before the session closes it (logout, session end, lock).
    this.session.beforeRelease = () => this.stopSync();
    // Any touch or key keeps the inactivity lock away; the network coming back resumes a session
    // unlocked offline.
    addEventListener("pointerdown", this.onActivity, { capture: true, passive: true });
    addEventListener("keydown", this.onActivity, { capture: true, passive: true });
    addEventListener("online", this.onNetworkBack);
    // Issue 12: before anything syncs, ask whether an admin marked a session of this tablet lost.
    void this.session.wipeCheck();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    removeEventListener("pointerdown", this.onActivity, { capture: true });
    removeEventListener("keydown", this.onActivity, { capture: true });
    removeEventListener("online", this.onNetworkBack);
  }

  private onActivity = () => this.session.touch();
  private onNetworkBack = () => this.session.networkBack();

  private onSession(state: SessionState) {
    const previous = this.sessionState;
    this.sessionState = state;
    if (state.kind === "signed-in" && previous.kind !== "signed-in") this.startSync(state);
    else if (state.kind === "signed-in") this.followTokens(state);
    if (state.kind !== "signed-in") void this.stopSync();
  }

  /**
   * New tokens while signed in (a refresh). Issue 12: when they name another index than the one the sync
   * engine follows (the index moved after an erasure), the engine is replaced; else it resumes.
   */
  private followTokens(state: Extract<SessionState, { kind: "signed-in" }>) {
    if (movedIndexId(this.#sync?.indexUrl, state.tokens.index_doc) === undefined) {
      this.#sync?.resume();
      return;
    }
    this.#moving = this.#moving.then(() => this.moveIndex());
  }

  /**
   * The index moved: stop the engine (its documents flushed into the store, the old index's in-memory copy
   * dropped with its Repo), then start one on the new index, which deletes the old index from the store
   * before opening anything (sync/index-move.ts). The cases the new index lists stay; one it no longer
   * lists departs by the departure rules.
   */
  private async moveIndex(): Promise<void> {
    const before = this.session.state;
    // Moved already (two refreshes named the new index), or stopped by another path.
    if (before.kind !== "signed-in" || movedIndexId(this.#sync?.indexUrl, before.tokens.index_doc) === undefined) return;
    const store = this.session.store;
    await this.stopSync();
    const now = this.session.state;
    // Signed out, locked or signed in again meanwhile: that path started (or will start) its own engine.
    if (now.kind !== "signed-in" || this.#sync || this.session.store !== store) return;
    this.startSync(now);
  }

  private startSync(state: Extract<SessionState, { kind: "signed-in" }>) {
    const indexUrl = state.tokens.index_doc;
    if (!indexUrl) return;
    const sync = new SyncClient({
      indexUrl,
      accessToken: () => this.session.accessToken(),
      onSessionEnded: () => this.session.end("error.session_ended"),
      onTokenExpired: () => void this.session.refreshNow(),
      // Issue 12: the answer names the new index; `followTokens` moves the engine to it.
      onIndexMoved: () => void this.session.refreshNow(),
      store: this.session.store,
      // Issue 12: a marked session deletes the local data, pushing nothing more.
      onSessionWiped: () => void this.session.wiped(),
      beforeConnect: async () => (await this.session.wipeCheck()) === "clear",
    });
    const store = this.session.store;
    if (store) {
      // One queue for recording and uploading: its writes are chained, so none is lost.
      const queue = new ReadQueue(store.records);
      const uploader = new ReadUploader(queue, this.api, () => this.session.accessToken(), () => void this.session.wiped());
      this.#reads = uploader;
      uploader.start();
      this.#recordOpening = documentId => void queue.record(documentId).catch(() => undefined);
    }
    this.#sync = sync;
    sync.subscribe(view => {
      // Connected: upload the openings recorded meanwhile.
      if (view.connection === "online" && this.view?.connection !== "online") void this.#reads?.uploadNow();
      this.view = view;
    });
    void sync.start();
    this.#unfollowCatalogue = catalogueInForce.follow(sync, indexUrl);
    this.cases = new CaseLibrary(sync);
    this.cases.onOpened = documentId => this.#recordOpening?.(documentId);
    this.authors = new AuthorBook({ name: state.tokens.user.display_name });
    void this.cases.start();
  }

  /** Stops the sync engine; the promise (the same for every caller) settles once it has flushed. */
  private stopSync(): Promise<void> {
    this.#reads?.stop();
    this.#reads = undefined;
    this.#recordOpening = undefined;
    const sync = this.#sync;
    this.#sync = undefined;
    this.view = undefined;
    this.#unfollowCatalogue?.();
    this.#unfollowCatalogue = undefined;
    catalogueInForce.reset();
    this.cases?.stop();
    this.cases = undefined;
    this.authors = undefined;
    if (sync) this.#stopping = sync.stop();
    return this.#stopping;
  }

  override render() {
    const state = this.sessionState;
    switch (state.kind) {
      case "signed-out":
        return html`<login-screen .session=${this.session} .notice=${state.notice}></login-screen>`;
      case "locked":
        return html`<login-screen .session=${this.session} .locked=${state.username}></login-screen>`;
      case "wiped":
        return html`<wiped-screen .session=${this.session}></wiped-screen>`;
      case "password-change":
        return html`<password-change-screen .session=${this.session}></password-change-screen>`;
      case "second-factor-enrol":
        return html`<second-factor-screen .session=${this.session} .username=${state.tokens.user.username}></second-factor-screen>`;
      case "signed-in":
        return html`<app-shell
          .session=${this.session}
          .tokens=${state.tokens}
          .cases=${this.cases}
          .authors=${this.authors}
          .sync=${this.#sync}
          .view=${this.view ?? { connection: "connecting", pending: 0, index: { status: "loading", entries: [] } }}
        ></app-shell>`;
    }
  }
}

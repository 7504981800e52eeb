// The social worker's work area under the shell: the referrals to their areas (the inbox) or one case, by
// the route in the URL's hash (app/router.ts: `#/` the inbox, `#/caso/<id>` a case). Mounted by the shell
// when the signed-in user's role is `social_worker`.
import { LitElement, html } from "lit";
import { customElement, property, state } from "lit/decorators.js";
import type { UserSummary } from "../../data/api";
import { currentRoute, navigate, type Route } from "../../app/router";
import type { CaseLibrary } from "../../model/case-library";
import { shared } from "../../styles/shared";
import type { SyncClient, SyncView } from "../../sync/sync-client";
import { ReferralFeed } from "./referral-feed";
import type { ReferralRow } from "./referral-rows";
import "./referral-inbox";
import "./referral-case";

@customElement("referral-desk")
export class ReferralDesk extends LitElement {
  @property({ attribute: false }) library?: CaseLibrary;
  @property({ attribute: false }) sync?: SyncClient;
  @property({ attribute: false }) user!: UserSummary;
  @property({ attribute: false }) indexStatus: SyncView["index"]["status"] = "loading";
  @state() private route: Route = currentRoute();
  @state() private rows: ReferralRow[] = [];
  /** What the last decision did, said once on the inbox (role=status). */
  @state() private done = "";
  #feed?: ReferralFeed;
  #feedOf?: CaseLibrary;

  static override styles = [shared];

  #onHash = () => {
    this.route = currentRoute();
  };

  override connectedCallback() {
    super.connectedCallback();
    addEventListener("hashchange", this.#onHash);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    removeEventListener("hashchange", this.#onHash);
    this.#feed?.stop();
    this.#feed = undefined;
    this.#feedOf = undefined;
  }

  protected override willUpdate() {
    if (this.library && this.sync && this.library !== this.#feedOf) {
      this.#feed?.stop();
      this.#feedOf = this.library;
      this.#feed = new ReferralFeed(this.library, this.sync, this.user.areas);
      this.#feed.subscribe(rows => (this.rows = rows));
      this.#feed.start();
    }
  }

  override render() {
    const route = this.route;
    if (route.name === "case" && this.library) {
      return html`<referral-case
        .library=${this.library}
        .sync=${this.sync}
        .user=${this.user}
        .documentId=${route.documentId}
        @referral-decided=${(e: CustomEvent<{ message: string; leave: boolean }>) => {
          this.done = e.detail.message;
          if (e.detail.leave) navigate({ name: "cases" });
        }}
      ></referral-case>`;
    }
    return html`<referral-inbox .rows=${this.rows} .user=${this.user} .indexStatus=${this.indexStatus} .done=${this.done}></referral-inbox>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "referral-desk": ReferralDesk;
  }
}

// The tablet's enrolment of the second factor: shown while `/me` (the login's user) says
// `second_factor: "required"`, after any forced password change. The server opens nothing else until it
// is done, and the app syncs nothing. The steps are the shared `second-factor-enrol` (src/ui/).
import { LitElement, css, html } from "lit";
import { customElement, property } from "lit/decorators.js";
import { errorMessage } from "../../data/errors";
import type { Session } from "../../data/session";
import { t } from "../../i18n";
import { shared } from "../../styles/shared";
import { secondFactorStyles, type EnrolActions, type EnrolWords } from "../../ui/second-factor-enrol";
import "../../ui/second-factor-enrol";

@customElement("second-factor-screen")
export class SecondFactorScreen extends LitElement {
  @property({ attribute: false }) session!: Session;
  @property() username = "";

  static override styles = [
    shared,
    secondFactorStyles,
    css`
      main {
        display: grid;
        place-items: center;
        min-block-size: 100vh;
        padding: 1.5rem;
      }
    `,
  ];

  private words(): EnrolWords {
    return {
      title: t("secondFactor.title"),
      intro: t("secondFactor.intro"),
      loading: t("secondFactor.loading"),
      qrLabel: t("secondFactor.qrLabel"),
      manualKey: t("secondFactor.manualKey"),
      manualHint: t("secondFactor.manualHint"),
      code: t("secondFactor.code"),
      codeHint: t("secondFactor.codeHint"),
      codeMissing: t("secondFactor.codeMissing"),
      confirm: t("secondFactor.confirm"),
      confirming: t("secondFactor.confirming"),
      retry: t("secondFactor.retry"),
      cancel: t("secondFactor.cancel"),
      codesTitle: t("secondFactor.codesTitle"),
      codesIntro: t("secondFactor.codesIntro"),
      codesHeading: t("secondFactor.codesHeading", { username: this.username }),
      copy: t("secondFactor.copy"),
      copied: t("secondFactor.copied"),
      copyFailed: t("secondFactor.copyFailed"),
      print: t("secondFactor.print"),
      saved: t("secondFactor.saved"),
      savedMissing: t("secondFactor.savedMissing"),
      continue: t("secondFactor.continue"),
    };
  }

  #actions: EnrolActions = {
    setup: () => this.session.setupSecondFactor(),
    confirm: code => this.session.confirmSecondFactor(code),
    done: () => this.session.finishEnrolment(),
    cancel: () => void this.session.logout(),
    errorText: error => errorMessage(error),
  };

  override render() {
    return html`<main>
      <second-factor-enrol .words=${this.words()} .actions=${this.#actions}></second-factor-enrol>
    </main>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "second-factor-screen": SecondFactorScreen;
  }
}

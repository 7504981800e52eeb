// The always-visible sync state: online / offline / connecting / refused, and how many documents have
// changes the server has not acknowledged. Shown in words and colour (never colour alone), announced
// politely to screen readers when it changes.
import { LitElement, css, html } from "lit";
import { customElement, property } from "lit/decorators.js";
import type { SyncView } from "../../sync/sync-client";
import { t } from "../../i18n";
import { shared } from "../../styles/shared";

@customElement("connection-status")
export class ConnectionStatus extends LitElement {
  @property({ attribute: false }) view!: SyncView;

  static override styles = [
    shared,
    css`
      :host {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .pill {
        display: inline-flex;
        align-items: center;
        gap: 0.45rem;
        min-block-size: 44px;
        padding-inline: 0.8rem;
        border-radius: 22px;
        font-weight: 600;
        border: 2px solid currentColor;
        max-inline-size: 100%;
      }
      .dot {
        inline-size: 0.7rem;
        block-size: 0.7rem;
        border-radius: 50%;
        background: currentColor;
      }
      .online {
        color: var(--ok);
        background: var(--ok-bg);
      }
      .offline,
      .refused {
        color: var(--danger);
        background: var(--danger-bg);
      }
      .connecting {
        color: var(--warn);
        background: var(--warn-bg);
      }
      .pill .dot {
        background: currentColor;
      }
      .pill .dot.offline,
      .pill .dot.refused {
        border-radius: 2px;
      }
      .pending {
        color: var(--muted);
        background: var(--surface);
        border-color: var(--line);
      }
      .pending.some {
        color: var(--warn);
        background: var(--warn-bg);
        border-color: currentColor;
      }
    `,
  ];

  override render() {
    const { connection, pending, refusal } = this.view;
    const label =
      connection === "online"
        ? t("shell.online")
        : connection === "offline"
          ? t("shell.offline")
          : connection === "refused"
            ? t("shell.refused", { reason: refusal ?? "" })
            : t("shell.connecting");
    return html`<span class="pill ${connection}" data-connection=${connection} role="status"
        ><span class="dot ${connection}" aria-hidden="true"></span>${label}</span
      >
      <span class="pill pending ${pending > 0 ? "some" : ""}" data-pending=${pending} role="status"
        >${pending > 0 ? t("shell.pending.some", { count: pending }) : t("shell.pending.none")}</span
      >`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "connection-status": ConnectionStatus;
  }
}

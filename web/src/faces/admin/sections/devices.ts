// Devices: enrol a totem or a waiting-room display (docs/api.md §3.9), see them all (kind, name, enrolled,
// last seen, revoked) and revoke one after a confirmation. An enrolment shows its credential once, with a
// copy button, and a QR code of the enrolment link `<origin>/<kind>#enrol=<credential>` that the device's
// page reads (device/device-session.ts): the credential is in the fragment, which no browser sends to a
// server or a proxy.
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import type { AdminClient } from "../admin-client";
import type { DeviceInfo, DeviceKind, EnrolledDevice } from "../api-types";
import { errorText, formatDateTime, LanguageController, m } from "../messages";
import type { AdminConfirm } from "../ui/confirm-dialog";
import "../ui/confirm-dialog";
import "../ui/copy-once";
import "../../../ui/qr-code";
import { consoleStyles } from "../ui/styles";

/** The link a device opens to enrol itself; the credential rides in the fragment. */
export function enrolmentLink(origin: string, kind: DeviceKind, credential: string): string {
  return `${origin}/${kind}#enrol=${credential}`;
}

@customElement("admin-devices")
export class AdminDevices extends LitElement {
  @property({ attribute: false }) client?: AdminClient;
  @state() private devices: DeviceInfo[] = [];
  @state() private loading = true;
  @state() private loadError = "";
  @state() private notice = "";
  @state() private error = "";
  @state() private formError = "";
  @state() private busy = false;
  @state() private enrolled?: EnrolledDevice;
  @query("admin-confirm") private confirm!: AdminConfirm;

  static override styles = [
    ...consoleStyles,
    css`
      .enrolled {
        border-inline-start: 4px solid var(--warn);
      }
      .enrolled h3:focus {
        outline: none;
      }
      .enrolled-body {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 1.5rem;
        align-items: start;
      }
      @media (max-width: 800px) {
        .enrolled-body {
          grid-template-columns: 1fr;
        }
      }
      form.enrol {
        display: grid;
        grid-template-columns: minmax(12rem, 1fr) minmax(12rem, 2fr) auto;
        gap: 0 1rem;
        align-items: start;
      }
      form.enrol button {
        margin-block-start: 2rem;
      }
      @media (max-width: 800px) {
        form.enrol {
          grid-template-columns: 1fr;
        }
        form.enrol button {
          margin-block-start: 0;
        }
      }
      tr.revoked > * {
        color: var(--muted);
      }
    `,
  ];

  constructor() {
    super();
    new LanguageController(this);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load() {
    if (!this.client) return;
    this.loadError = "";
    try {
      const devices = await this.client.get<DeviceInfo[]>("/admin/devices");
      // Active first, then by name.
      this.devices = devices.sort((a, b) => Number(!!a.revoked_at) - Number(!!b.revoked_at) || a.name.localeCompare(b.name));
    } catch (error) {
      this.loadError = errorText(error);
    } finally {
      this.loading = false;
    }
  }

  override render() {
    return html`<h2>${m("devices.title")}</h2>
      <p class="intro">${m("devices.intro")}</p>
      <div role="status">${this.notice ? html`<p class="notice">${this.notice}</p>` : nothing}</div>
      <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : nothing}</div>
      ${this.enrolled ? this.renderEnrolled(this.enrolled) : nothing}
      <section class="card" aria-labelledby="enrol-title">
        <h3 id="enrol-title">${m("devices.enrolTitle")}</h3>
        <form class="enrol" @submit=${this.enrol} novalidate>
          <div class="field">
            <label for="device-kind">${m("devices.kind")}</label>
            <select id="device-kind" name="kind">
              <option value="totem">${m("devices.kind.totem")}</option>
              <option value="display">${m("devices.kind.display")}</option>
            </select>
          </div>
          <div class="field">
            <label for="device-name">${m("devices.name")}</label>
            <input
              id="device-name"
              name="name"
              required
              maxlength="64"
              autocomplete="off"
              aria-describedby="device-name-hint ${this.formError ? "device-form-error" : ""}"
              aria-invalid=${this.formError ? "true" : "false"}
            />
            <span class="hint" id="device-name-hint">${m("devices.nameHint")}</span>
            ${this.formError ? html`<p class="field-error" id="device-form-error" role="alert">${this.formError}</p>` : nothing}
          </div>
          <button type="submit" ?disabled=${this.busy}>${m("devices.enrol")}</button>
        </form>
      </section>
      ${this.loading
        ? html`<p>${m("common.loading")}</p>`
        : this.loadError
          ? html`<p class="error">${this.loadError}</p>
              <button type="button" @click=${() => this.load()}>${m("common.retry")}</button>`
          : this.renderList()}
      <admin-confirm></admin-confirm>`;
  }

  private renderEnrolled(enrolled: EnrolledDevice) {
    const { device, credential } = enrolled;
    const link = enrolmentLink(location.origin, device.kind, credential);
    return html`<section class="card enrolled" aria-labelledby="enrolled-title" data-enrolled>
      <h3 id="enrolled-title" tabindex="-1">${m("devices.enrolled", { name: device.name })}</h3>
      <div class="enrolled-body">
        <div>
          <p>${m("devices.enrolHow", { path: `${location.origin}/${device.kind}` })}</p>
          <admin-copy-once .label=${m("devices.credentialLabel")} .value=${credential} warn></admin-copy-once>
          <admin-copy-once .label=${m("devices.linkLabel")} .value=${link}></admin-copy-once>
        </div>
        <sportello-qr-code .text=${link} .label=${m("devices.qrLabel", { name: device.name })}></sportello-qr-code>
      </div>
      <button type="button" class="secondary" @click=${() => (this.enrolled = undefined)}>${m("common.close")}</button>
    </section>`;
  }

  private renderList() {
    return html`<div class="table-wrap" tabindex="0">
      <table data-devices>
        <thead>
          <tr>
            <th scope="col">${m("devices.col.name")}</th>
            <th scope="col">${m("devices.col.kind")}</th>
            <th scope="col">${m("devices.col.created")}</th>
            <th scope="col">${m("devices.col.lastSeen")}</th>
            <th scope="col">${m("devices.col.state")}</th>
            <th scope="col">${m("common.actions")}</th>
          </tr>
        </thead>
        <tbody>
          ${this.devices.length === 0
            ? html`<tr>
                <td colspan="6" class="empty">${m("devices.empty")}</td>
              </tr>`
            : this.devices.map(
                d => html`<tr class=${d.revoked_at ? "revoked" : ""} data-device=${d.name}>
                  <th scope="row">${d.name}</th>
                  <td>${m(d.kind === "totem" ? "devices.kind.totem" : "devices.kind.display")}</td>
                  <td>${formatDateTime(d.created_at)}</td>
                  <td>${d.last_seen_at ? formatDateTime(d.last_seen_at) : m("common.never")}</td>
                  <td>
                    ${d.revoked_at
                      ? html`<span class="badge bad">${m("devices.state.revoked", { time: formatDateTime(d.revoked_at, "date") })}</span>`
                      : html`<span class="badge ok">${m("devices.state.active")}</span>`}
                  </td>
                  <td>
                    ${d.revoked_at
                      ? nothing
                      : html`<button
                          type="button"
                          class="small secondary danger"
                          aria-label="${m("devices.revoke")} ${d.name}"
                          ?disabled=${this.busy}
                          @click=${() => this.revoke(d)}
                        >
                          ${m("devices.revoke")}
                        </button>`}
                  </td>
                </tr>`,
              )}
        </tbody>
      </table>
    </div>`;
  }

  private async enrol(event: SubmitEvent) {
    event.preventDefault();
    const client = this.client;
    if (!client) return;
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const kind = String(data.get("kind")) as DeviceKind;
    const name = String(data.get("name") ?? "").trim();
    if (!name) {
      this.formError = m("devices.nameHint");
      return;
    }
    this.formError = "";
    this.busy = true;
    try {
      this.enrolled = await client.post<EnrolledDevice>("/admin/devices", { kind, name });
      this.notice = "";
      this.error = "";
      form.reset();
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>("#enrolled-title")?.focus());
      await this.load();
    } catch (error) {
      this.formError = errorText(error);
    } finally {
      this.busy = false;
    }
  }

  private async revoke(device: DeviceInfo) {
    const client = this.client;
    if (!client) return;
    const yes = await this.confirm.ask({
      title: `${m("devices.revoke")}: ${device.name}`,
      body: m("devices.revokeConfirm", { name: device.name }),
      confirm: m("devices.revoke"),
      danger: true,
    });
    if (!yes) return;
    this.busy = true;
    try {
      await client.post(`/admin/devices/${device.id}/revoke`);
      if (this.enrolled?.device.id === device.id) this.enrolled = undefined;
      this.error = "";
      this.notice = m("devices.revoked", { name: device.name });
      await this.load();
    } catch (error) {
      this.notice = "";
      this.error = errorText(error);
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-devices": AdminDevices;
  }
}

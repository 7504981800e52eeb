// Users: the accounts (filter by role, search by name), the requests that wait for a second admin (four
// eyes, docs/api.md §3.5–3.5.1), creating and editing accounts, disabling and enabling, password resets,
// and each user's live sessions (§3.6). Creating, changing role or areas and resetting a password answer
// `202` with a request: the part of the one-time password each admin gets is shown once, in a read-only
// field with a copy button, and is gone when the panel closes.
import { LitElement, css, html, nothing } from "lit";
import { customElement, property, query, state } from "lit/decorators.js";
import type { AdminClient } from "../admin-client";
import type { AccountGrant, GrantApproved, GrantRequested, Role, SessionInfo, UserAccount } from "../api-types";
import { ACCOUNT_AREAS, areaLabel } from "../areas";
import { errorText, formatDateTime, LanguageController, m, type MessageKey } from "../messages";
import type { AdminConfirm } from "../ui/confirm-dialog";
import "../ui/confirm-dialog";
import "./tablet-settings";
import "../ui/copy-once";
import { consoleStyles } from "../ui/styles";
import { approvalBlock, filterUsers, isValidUsername, patchOf, type UserFilter } from "./users-model";

const ROLES: readonly Role[] = ["operator", "social_worker", "admin", "privacy_officer"];

/** A secret part shown once, with what it is for. */
interface Secret {
  title: MessageKey;
  body: string;
  label: MessageKey;
  value: string;
}

type Editor = { kind: "create" } | { kind: "edit"; user: UserAccount };

@customElement("admin-users")
export class AdminUsers extends LitElement {
  @property({ attribute: false }) client?: AdminClient;
  @state() private users: UserAccount[] = [];
  @state() private grants: AccountGrant[] = [];
  @state() private loading = true;
  @state() private loadError = "";
  @state() private filter: UserFilter = { role: "", search: "" };
  @state() private notice = "";
  @state() private error = "";
  @state() private secret?: Secret;
  @state() private editor?: Editor;
  @state() private editorRole: Role = "operator";
  @state() private formError = "";
  @state() private busy = false;
  @state() private sessionsOf?: UserAccount;
  @state() private sessions: SessionInfo[] = [];
  @state() private mySession = "";
  @query("admin-confirm") private confirm!: AdminConfirm;

  static override styles = [
    ...consoleStyles,
    css`
      .panel {
        border-inline-start: 4px solid var(--accent);
      }
      .panel h3:focus {
        outline: none;
      }
      .secret {
        border-inline-start-color: var(--warn);
      }
      td.actions-cell .actions {
        display: grid;
        grid-template-columns: repeat(2, max-content);
      }
      @media (max-width: 1000px) {
        td.actions-cell .actions {
          grid-template-columns: max-content;
        }
      }
      .actions.stack {
        flex-direction: column;
        align-items: flex-start;
      }
      .actions.stack .sub {
        max-inline-size: 14rem;
      }
      .heading-row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: baseline;
      }
      .areas {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 17rem), 1fr));
        gap: 0 1rem;
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
      const [users, grants] = await Promise.all([
        this.client.get<UserAccount[]>("/admin/users"),
        this.client.get<AccountGrant[]>("/admin/grants?status=pending"),
      ]);
      this.users = users;
      this.grants = grants;
    } catch (error) {
      this.loadError = errorText(error);
    } finally {
      this.loading = false;
    }
  }

  /** Another admin may have asked or decided meanwhile: read the accounts and the requests again. */
  private async refresh() {
    this.busy = true;
    await this.load();
    this.busy = false;
  }

  private nameOf(id: string): string {
    const user = this.users.find(u => u.id === id);
    return user ? user.username : id;
  }

  private say(notice: string) {
    this.error = "";
    this.notice = notice;
  }

  private fail(error: unknown) {
    this.notice = "";
    this.error = errorText(error);
  }

  override render() {
    const me = this.client?.user.id ?? "";
    return html`<h2>${m("users.title")}</h2>
      <p class="intro">${m("users.intro")}</p>
      <div role="status">${this.notice ? html`<p class="notice">${this.notice}</p>` : nothing}</div>
      <div role="alert">${this.error ? html`<p class="error">${this.error}</p>` : nothing}</div>
      ${this.secret ? this.renderSecret(this.secret) : nothing}
      ${this.loading
        ? html`<p>${m("common.loading")}</p>`
        : this.loadError
          ? html`<p class="error">${this.loadError}</p>
              <button type="button" @click=${() => this.load()}>${m("common.retry")}</button>`
          : html`${this.renderGrants(me)} ${this.editor ? this.renderEditor(this.editor) : nothing}
            ${this.sessionsOf ? this.renderSessions(this.sessionsOf) : nothing} ${this.renderUsers(me)}
            <admin-tablet-settings .client=${this.client}></admin-tablet-settings>`}
      <admin-confirm></admin-confirm>`;
  }

  private renderSecret(secret: Secret) {
    return html`<section class="card panel secret" aria-labelledby="secret-title" data-secret>
      <h3 id="secret-title" tabindex="-1">${m(secret.title)}</h3>
      <p>${secret.body}</p>
      <admin-copy-once .label=${m(secret.label)} .value=${secret.value} warn></admin-copy-once>
      <button type="button" class="secondary" @click=${() => (this.secret = undefined)}>${m("common.close")}</button>
    </section>`;
  }

  private renderGrants(me: string) {
    return html`<section aria-labelledby="grants-title">
      <div class="heading-row">
        <h3 id="grants-title">${m("grants.title")}</h3>
        <button type="button" class="small secondary" ?disabled=${this.busy} @click=${this.refresh}>${m("common.refresh")}</button>
      </div>
      <p class="intro">${m("grants.intro")}</p>
      ${this.grants.length === 0
        ? html`<p class="empty card">${m("grants.empty")}</p>`
        : html`<div class="table-wrap" tabindex="0">
            <table data-grants>
              <thead>
                <tr>
                  <th scope="col">${m("grants.col.request")}</th>
                  <th scope="col">${m("grants.col.account")}</th>
                  <th scope="col">${m("grants.col.grants")}</th>
                  <th scope="col">${m("grants.col.by")}</th>
                  <th scope="col">${m("grants.col.expires")}</th>
                  <th scope="col">${m("common.actions")}</th>
                </tr>
              </thead>
              <tbody>
                ${this.grants.map(grant => {
                  const block = approvalBlock(grant, me);
                  return html`<tr data-grant=${grant.username}>
                    <td>${m(`grants.kind.${grant.kind}` as MessageKey)}</td>
                    <td>
                      ${grant.username}
                      ${grant.display_name && grant.display_name !== grant.username ? html`<span class="sub">${grant.display_name}</span>` : nothing}
                    </td>
                    <td>
                      ${grant.role ? m(`role.${grant.role}` as MessageKey) : "—"}
                      ${grant.areas?.length ? html`<span class="sub">${grant.areas.map(areaLabel).join(", ")}</span>` : nothing}
                    </td>
                    <td>${this.nameOf(grant.requested_by)}</td>
                    <td>${formatDateTime(grant.expires_at)}</td>
                    <td>
                      <div class="actions stack">
                        ${block
                          ? html`<span class="sub">${m(block === "ownRequest" ? "grants.ownRequest" : "grants.ownAccount")}</span>`
                          : html`<button type="button" class="small" ?disabled=${this.busy} @click=${() => this.approve(grant)}>
                              ${m("grants.approve")}
                            </button>`}
                        <button type="button" class="small secondary danger" ?disabled=${this.busy} @click=${() => this.reject(grant, me)}>
                          ${grant.requested_by === me ? m("grants.withdraw") : m("grants.reject")}
                        </button>
                      </div>
                    </td>
                  </tr>`;
                })}
              </tbody>
            </table>
          </div>`}
    </section>`;
  }

  private renderUsers(me: string) {
    const shown = filterUsers(this.users, this.filter);
    return html`<section aria-labelledby="users-list-title">
      <h3 id="users-list-title" class="sr-only">${m("users.title")}</h3>
      <div class="toolbar" role="search">
        <div class="field">
          <label for="user-search">${m("users.search")}</label>
          <input
            id="user-search"
            type="search"
            .value=${this.filter.search}
            @input=${(e: InputEvent) => (this.filter = { ...this.filter, search: (e.target as HTMLInputElement).value })}
          />
        </div>
        <div class="field">
          <label for="user-role">${m("users.roleFilter")}</label>
          <select id="user-role" @change=${(e: Event) => (this.filter = { ...this.filter, role: (e.target as HTMLSelectElement).value as Role | "" })}>
            <option value="" ?selected=${this.filter.role === ""}>${m("role.any")}</option>
            ${ROLES.map(role => html`<option value=${role} ?selected=${this.filter.role === role}>${m(`role.${role}` as MessageKey)}</option>`)}
          </select>
        </div>
        <button type="button" @click=${this.openCreate}>${m("users.new")}</button>
      </div>
      <div class="table-wrap" tabindex="0">
        <table data-users>
          <caption>
            ${m("users.count", { count: shown.length })}
          </caption>
          <thead>
            <tr>
              <th scope="col">${m("users.col.username")}</th>
              <th scope="col">${m("grants.col.grants")}</th>
              <th scope="col">${m("users.col.status")}</th>
              <th scope="col">${m("common.actions")}</th>
            </tr>
          </thead>
          <tbody>
            ${shown.length === 0
              ? html`<tr>
                  <td colspan="4" class="empty">${m("users.empty")}</td>
                </tr>`
              : shown.map(user => this.renderUser(user, me))}
          </tbody>
        </table>
      </div>
    </section>`;
  }

  private renderUser(user: UserAccount, me: string) {
    const locked = user.locked_until && new Date(user.locked_until).getTime() > Date.now();
    return html`<tr data-user=${user.username}>
      <th scope="row">
        ${user.username} ${user.id === me ? html`<span class="sub">${m("users.you")}</span>` : nothing}
        ${user.display_name !== user.username ? html`<span class="sub">${user.display_name}</span>` : nothing}
      </th>
      <td>
        ${m(`role.${user.role}` as MessageKey)}
        ${user.areas.length ? html`<span class="sub">${user.areas.map(areaLabel).join(", ")}</span>` : nothing}
      </td>
      <td>
        ${user.disabled
          ? html`<span class="badge bad">${m("users.status.disabled")}</span>`
          : html`<span class="badge ok">${m("users.status.active")}</span>`}
        ${user.must_change_password ? html`<span class="sub">${m("users.status.mustChange")}</span>` : nothing}
        ${locked ? html`<span class="sub">${m("users.status.locked", { time: formatDateTime(user.locked_until, "time") })}</span>` : nothing}
        ${user.second_factor_enrolled ? html`<span class="sub">${m("users.status.secondFactor")}</span>` : nothing}
      </td>
      <td class="actions-cell">
        <div class="actions">
          <button type="button" class="small secondary" aria-label="${m("common.edit")} ${user.username}" @click=${() => this.openEdit(user)}>
            ${m("common.edit")}
          </button>
          <button type="button" class="small secondary" aria-label="${m("users.sessions")} ${user.username}" @click=${() => this.openSessions(user)}>
            ${m("users.sessions")}
          </button>
          <button type="button" class="small secondary" aria-label="${m("users.reset")} ${user.username}" ?disabled=${this.busy} @click=${() => this.reset(user)}>
            ${m("users.reset")}
          </button>
          ${user.second_factor_enrolled
            ? html`<button type="button" class="small secondary" aria-label="${m("users.resetSecondFactor")} ${user.username}" ?disabled=${this.busy} @click=${() => this.resetSecondFactor(user)}>
                ${m("users.resetSecondFactor")}
              </button>`
            : nothing}
          ${user.disabled
            ? html`<button type="button" class="small secondary" aria-label="${m("users.enable")} ${user.username}" ?disabled=${this.busy} @click=${() => this.setDisabled(user, false)}>
                ${m("users.enable")}
              </button>`
            : html`<button type="button" class="small secondary danger" aria-label="${m("users.disable")} ${user.username}" ?disabled=${this.busy} @click=${() => this.setDisabled(user, true)}>
                ${m("users.disable")}
              </button>`}
        </div>
      </td>
    </tr>`;
  }

  private renderEditor(editor: Editor) {
    const user = editor.kind === "edit" ? editor.user : undefined;
    const role = this.editorRole;
    return html`<section class="card panel" aria-labelledby="editor-title">
      <h3 id="editor-title" tabindex="-1">${user ? m("form.editTitle", { name: user.username }) : m("form.createTitle")}</h3>
      <form @submit=${this.submitEditor} novalidate>
        <div role="alert">${this.formError ? html`<p class="error">${this.formError}</p>` : nothing}</div>
        <div class="grid">
          ${user
            ? nothing
            : html`<div class="field">
                <label for="new-username">${m("form.username")}</label>
                <input id="new-username" name="username" required autocapitalize="none" spellcheck="false" autocomplete="off" aria-describedby="new-username-hint" />
                <span class="hint" id="new-username-hint">${m("form.usernameHint")}</span>
              </div>`}
          <div class="field">
            <label for="display-name">${m("form.displayName")}</label>
            <input id="display-name" name="display_name" autocomplete="off" .value=${user?.display_name ?? ""} aria-describedby="display-name-hint" />
            <span class="hint" id="display-name-hint">${m("form.displayNameHint")}</span>
          </div>
          <div class="field">
            <label for="role">${m("form.role")}</label>
            <select id="role" name="role" @change=${(e: Event) => (this.editorRole = (e.target as HTMLSelectElement).value as Role)}>
              ${ROLES.map(r => html`<option value=${r} ?selected=${r === role}>${m(`role.${r}` as MessageKey)}</option>`)}
            </select>
          </div>
        </div>
        ${role === "social_worker"
          ? html`<fieldset aria-describedby="areas-hint">
              <legend>${m("form.areas")}</legend>
              <span class="hint" id="areas-hint">${m("form.areasHint")}</span>
              <div class="areas">
                ${ACCOUNT_AREAS.map(
                  code => html`<label class="check">
                    <input type="checkbox" name="areas" value=${code} ?checked=${user?.areas.includes(code) ?? false} />
                    ${areaLabel(code)}
                  </label>`,
                )}
              </div>
            </fieldset>`
          : nothing}
        <div class="actions">
          <button type="submit" ?disabled=${this.busy}>${user ? m("form.submitEdit") : m("form.submitCreate")}</button>
          <button type="button" class="secondary" @click=${() => (this.editor = undefined)}>${m("common.cancel")}</button>
        </div>
      </form>
    </section>`;
  }

  private renderSessions(user: UserAccount) {
    return html`<section class="card panel" aria-labelledby="sessions-title" data-sessions>
      <h3 id="sessions-title" tabindex="-1">${m("sessions.title", { name: user.username })}</h3>
      ${this.sessions.length === 0
        ? html`<p class="empty">${m("sessions.empty")}</p>`
        : html`<div class="table-wrap" tabindex="0">
            <table>
              <thead>
                <tr>
                  <th scope="col">${m("sessions.col.device")}</th>
                  <th scope="col">${m("sessions.col.started")}</th>
                  <th scope="col">${m("sessions.col.refreshed")}</th>
                  <th scope="col">${m("sessions.col.expires")}</th>
                  <th scope="col">${m("common.actions")}</th>
                </tr>
              </thead>
              <tbody>
                ${this.sessions.map(
                  s => html`<tr>
                    <td>
                      ${s.device_name ?? html`<span class="sub">${m("sessions.unnamed")}</span>`}
                      ${s.id === this.mySession ? html`<span class="badge warn">${m("sessions.current")}</span>` : nothing}
                    </td>
                    <td>${formatDateTime(s.created_at)}</td>
                    <td>${formatDateTime(s.last_refreshed_at)}</td>
                    <td>${formatDateTime(s.expires_at)}</td>
                    <td class="actions-cell">
                      <div class="actions">
                        <button type="button" class="small secondary danger" ?disabled=${this.busy} @click=${() => this.endSession(s)}>
                          ${m("sessions.end")}
                        </button>
                        <button
                          type="button"
                          class="small secondary danger"
                          data-wipe
                          aria-label=${m("sessions.wipeLabel", { device: s.device_name ?? m("sessions.unnamed") })}
                          ?disabled=${this.busy}
                          @click=${() => this.wipeSession(s)}
                        >
                          ${m("sessions.wipe")}
                        </button>
                      </div>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`}
      <div class="actions">
        ${this.sessions.length
          ? html`<button type="button" class="danger" ?disabled=${this.busy} @click=${() => this.endAll(user)}>${m("sessions.endAll")}</button>`
          : nothing}
        <button type="button" class="secondary" @click=${() => (this.sessionsOf = undefined)}>${m("common.close")}</button>
      </div>
    </section>`;
  }

  private focusPanel(id: string) {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#${id}`)?.focus());
  }

  private openCreate() {
    this.formError = "";
    this.editorRole = "operator";
    this.editor = { kind: "create" };
    this.focusPanel("editor-title");
  }

  private openEdit(user: UserAccount) {
    this.formError = "";
    this.editorRole = user.role;
    this.editor = { kind: "edit", user };
    this.focusPanel("editor-title");
  }

  private showSecret(secret: Secret) {
    this.secret = secret;
    this.focusPanel("secret-title");
  }

  private async submitEditor(event: SubmitEvent) {
    event.preventDefault();
    const client = this.client;
    const editor = this.editor;
    if (!client || !editor) return;
    const data = new FormData(event.target as HTMLFormElement);
    const role = String(data.get("role")) as Role;
    const areas = data.getAll("areas").map(String);
    const displayName = String(data.get("display_name") ?? "").trim();
    if (role === "social_worker" && areas.length === 0) {
      this.formError = m("form.areasNeeded");
      return;
    }
    this.formError = "";
    this.busy = true;
    try {
      if (editor.kind === "create") {
        const username = String(data.get("username") ?? "").trim();
        if (!isValidUsername(username)) {
          this.formError = m("form.usernameInvalid");
          return;
        }
        const body = { username, role, areas: role === "social_worker" ? areas : [], ...(displayName ? { display_name: displayName } : {}) };
        const requested = await client.post<GrantRequested>("/admin/users", body);
        this.editor = undefined;
        this.notice = "";
        this.error = "";
        if (requested.one_time_password_part)
          this.showSecret({
            title: "otp.requestedTitle",
            body: m("otp.requestedBody", { name: username }),
            label: "otp.firstPart",
            value: requested.one_time_password_part,
          });
      } else {
        const patch = patchOf(editor.user, { display_name: displayName, role, areas });
        if (!patch) {
          this.editor = undefined;
          return;
        }
        const answer = await client.patch<UserAccount | GrantRequested>(`/admin/users/${editor.user.id}`, patch);
        this.editor = undefined;
        this.say(m("grant" in answer ? "users.accessRequested" : "users.updated", { name: editor.user.username }));
      }
      await this.load();
    } catch (error) {
      this.formError = errorText(error);
    } finally {
      this.busy = false;
    }
  }

  private async approve(grant: AccountGrant) {
    const client = this.client;
    if (!client) return;
    this.busy = true;
    try {
      const approved = await client.post<GrantApproved>(`/admin/grants/${grant.id}/approve`);
      if (approved.one_time_password_part) {
        this.notice = "";
        this.error = "";
        this.showSecret({
          title: "otp.approvedTitle",
          body: m("otp.approvedBody", { name: grant.username }),
          label: "otp.secondPart",
          value: approved.one_time_password_part,
        });
      } else
        this.say(
          m(grant.kind === "second_factor_reset" ? "grants.approvedSecondFactor" : "grants.approvedAccess", {
            name: grant.username,
          }),
        );
      await this.load();
    } catch (error) {
      this.fail(error);
      await this.load();
    } finally {
      this.busy = false;
    }
  }

  private async reject(grant: AccountGrant, me: string) {
    const client = this.client;
    if (!client) return;
    const withdraw = grant.requested_by === me;
    const yes = await this.confirm.ask({
      title: withdraw ? m("grants.withdraw") : m("grants.reject"),
      body: `${m(`grants.kind.${grant.kind}` as MessageKey)}: ${grant.username}`,
      confirm: withdraw ? m("grants.withdraw") : m("grants.reject"),
      danger: true,
    });
    if (!yes) return;
    this.busy = true;
    try {
      await client.post(`/admin/grants/${grant.id}/reject`);
      this.say(withdraw ? m("grants.withdrawn") : m("grants.rejected"));
      await this.load();
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }

  private async reset(user: UserAccount) {
    const client = this.client;
    if (!client) return;
    const yes = await this.confirm.ask({
      title: m("users.reset"),
      body: m("users.resetConfirm", { name: user.username }),
      confirm: m("users.reset"),
    });
    if (!yes) return;
    this.busy = true;
    try {
      const requested = await client.post<GrantRequested>(`/admin/users/${user.id}/reset-password`);
      this.notice = "";
      this.error = "";
      if (requested.one_time_password_part)
        this.showSecret({
          title: "otp.requestedTitle",
          body: m("otp.resetRequestedBody", { name: user.username }),
          label: "otp.firstPart",
          value: requested.one_time_password_part,
        });
      await this.load();
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }

  /** Issue 12: asks for the user's second factor to be removed (a grant: another admin approves). */
  private async resetSecondFactor(user: UserAccount) {
    const client = this.client;
    if (!client) return;
    const yes = await this.confirm.ask({
      title: m("users.resetSecondFactor"),
      body: m("users.resetSecondFactorConfirm", { name: user.username }),
      confirm: m("users.resetSecondFactor"),
      danger: true,
    });
    if (!yes) return;
    this.busy = true;
    try {
      await client.post<GrantRequested>(`/admin/users/${user.id}/reset-second-factor`);
      this.say(m("users.resetSecondFactorRequested", { name: user.username }));
      await this.load();
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }

  private async setDisabled(user: UserAccount, disabled: boolean) {
    const client = this.client;
    if (!client) return;
    if (disabled) {
      const yes = await this.confirm.ask({
        title: m("users.disable"),
        body: m("users.disableConfirm", { name: user.username }),
        confirm: m("users.disable"),
        danger: true,
      });
      if (!yes) return;
    }
    this.busy = true;
    try {
      await client.patch(`/admin/users/${user.id}`, { disabled });
      this.say(m(disabled ? "users.disabled" : "users.enabled", { name: user.username }));
      await this.load();
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }

  private async openSessions(user: UserAccount) {
    const client = this.client;
    if (!client) return;
    try {
      const [sessions, me] = await Promise.all([
        client.get<SessionInfo[]>(`/admin/sessions?user_id=${encodeURIComponent(user.id)}`),
        this.mySession ? Promise.resolve({ session_id: this.mySession }) : client.get<{ session_id: string }>("/me"),
      ]);
      this.sessions = sessions;
      this.mySession = me.session_id;
      this.sessionsOf = user;
      this.focusPanel("sessions-title");
    } catch (error) {
      this.fail(error);
    }
  }

  /** Issue 12: marks a tablet's session lost; the tablet deletes its local data at its next contact. */
  private async wipeSession(session: SessionInfo) {
    const client = this.client;
    const user = this.sessionsOf;
    if (!client || !user) return;
    const yes = await this.confirm.ask({
      title: m("sessions.wipe"),
      body: m("sessions.wipeBody"),
      confirm: m("sessions.wipe"),
      danger: true,
    });
    if (!yes) return;
    this.busy = true;
    try {
      await client.post(`/admin/sessions/${session.id}/wipe`);
      this.say(m("sessions.wiped"));
      this.sessions = await client.get<SessionInfo[]>(`/admin/sessions?user_id=${encodeURIComponent(user.id)}`);
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }

  private async endSession(session: SessionInfo) {
    const client = this.client;
    const user = this.sessionsOf;
    if (!client || !user) return;
    // Ending a session from the console also marks it for wipe (issue 12): say so before.
    const yes = await this.confirm.ask({
      title: m("sessions.end"),
      body: m("sessions.endBody"),
      confirm: m("sessions.end"),
      danger: true,
    });
    if (!yes) return;
    this.busy = true;
    try {
      await client.delete(`/admin/sessions/${session.id}`);
      this.say(m("sessions.endedOne"));
      this.sessions = await client.get<SessionInfo[]>(`/admin/sessions?user_id=${encodeURIComponent(user.id)}`);
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }

  private async endAll(user: UserAccount) {
    const client = this.client;
    if (!client) return;
    const yes = await this.confirm.ask({
      title: m("sessions.endAll"),
      body: m("sessions.endAllBody", { name: user.username }),
      confirm: m("sessions.endAll"),
      danger: true,
    });
    if (!yes) return;
    this.busy = true;
    try {
      const killed = await client.delete<{ sessions_ended: number }>(`/admin/users/${user.id}/sessions`);
      this.say(m("sessions.ended", { count: killed.sessions_ended }));
      this.sessions = await client.get<SessionInfo[]>(`/admin/sessions?user_id=${encodeURIComponent(user.id)}`);
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    "admin-users": AdminUsers;
  }
}

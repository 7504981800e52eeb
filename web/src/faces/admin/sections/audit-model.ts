// The audit log's filters as the query of `GET /api/v1/admin/audit` (docs/api.md §3.7), the names shown
// beside ids, and the CSV of the rows. Pure, tested.
import type { AuditEntry } from "../api-types";
import { toCsv } from "../ui/csv";

export interface AuditFilters {
  actor_id: string;
  action: string;
  target: string;
  outcome: "" | "success" | "failure" | "denied";
  /** `YYYY-MM-DDTHH:MM` from a datetime-local field, in this browser's time zone; "" for none. */
  from: string;
  to: string;
}

export const NO_FILTERS: AuditFilters = { actor_id: "", action: "", target: "", outcome: "", from: "", to: "" };

/** The actions of docs/api.md §6.2, for the action filter. */
export const AUDIT_ACTIONS = [
  "auth.login",
  "auth.lockout",
  "auth.refresh",
  "auth.refresh_reuse",
  "auth.logout",
  "auth.password_change",
  "access.denied",
  "system.bootstrap_admin",
  "system.backup",
  "admin.user_create",
  "admin.user_update",
  "admin.user_disable",
  "admin.user_enable",
  "admin.user_list",
  "admin.user_read",
  "admin.password_reset",
  "admin.grant_request",
  "admin.grant_approve",
  "admin.grant_reject",
  "admin.grant_list",
  "admin.sessions_list",
  "admin.sessions_kill",
  "admin.session_kill",
  "admin.audit_read",
  "admin.device_enrol",
  "admin.device_revoke",
  "admin.device_list",
  "device.token",
  "admin.queue_line_update",
  "admin.queue_schedule_update",
  "queue.ticket_issue",
  "queue.ticket_update",
  "queue.ticket_import",
  "queue.lease",
  "queue.expire",
  "queue.stats_read",
  // Issue 12: the second factor.
  "auth.second_factor_setup",
  "auth.second_factor_enrol",
  "auth.second_factor_recovery_used",
  "admin.second_factor_reset",
  "privacy.lookup",
  "privacy.access_report",
  "privacy.erasure_request",
  "privacy.erasure_approve",
  "privacy.erasure_reject",
  "privacy.retention_erase",
  "doc.erased",
] as const;

/** A datetime-local value (local time) as RFC 3339 UTC; undefined when it is not one. */
export function localToRfc3339(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The query string (with its `?`) for one page: filters that are set, `before` for the next page. */
export function auditQuery(filters: AuditFilters, before?: number | null, limit = 100): string {
  const params = new URLSearchParams();
  if (filters.actor_id) params.set("actor_id", filters.actor_id);
  if (filters.action.trim()) params.set("action", filters.action.trim());
  if (filters.target.trim()) params.set("target", filters.target.trim());
  if (filters.outcome) params.set("outcome", filters.outcome);
  const from = localToRfc3339(filters.from);
  const to = localToRfc3339(filters.to);
  if (from) params.set("from", from);
  if (to) params.set("to", to);
  if (before !== undefined && before !== null) params.set("before", String(before));
  params.set("limit", String(limit));
  return `?${params}`;
}

/** True when both ends are set and the start is not before the end. */
export function badRange(filters: AuditFilters): boolean {
  const from = localToRfc3339(filters.from);
  const to = localToRfc3339(filters.to);
  return from !== undefined && to !== undefined && from >= to;
}

/** The name shown beside an id: a user's username (or a device's name), from the lists the console has. */
export type NameOf = (id: string) => string | undefined;

/** The name of a target: a plain id, or the id before a `:` (`<ticket id>:<move>`); routes and the rest have none. */
export function targetName(target: string | null, nameOf: NameOf): string | undefined {
  if (!target) return undefined;
  return nameOf(target) ?? nameOf(target.split(":")[0]);
}

export const AUDIT_CSV_HEADER = [
  "seq",
  "at",
  "actor_id",
  "actor_name",
  "actor_role",
  "session_id",
  "action",
  "target",
  "target_name",
  "outcome",
  "request_id",
] as const;

/** The rows as CSV, one record per entry, in the order given (newest first, as shown). */
export function auditCsv(entries: readonly AuditEntry[], nameOf: NameOf): string {
  return toCsv(
    AUDIT_CSV_HEADER,
    entries.map(e => [
      e.seq,
      e.at,
      e.actor_id,
      e.actor_id ? nameOf(e.actor_id) : undefined,
      e.actor_role,
      e.session_id,
      e.action,
      e.target,
      targetName(e.target, nameOf),
      e.outcome,
      e.request_id,
    ]),
  );
}

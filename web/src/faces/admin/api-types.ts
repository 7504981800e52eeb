// The wire shapes the console reads and sends (schema::api, docs/api.md §3.5–3.10): only the fields it uses.
import type { Role } from "../../data/api";

export type { Role };

export interface UserAccount {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  areas: string[];
  disabled: boolean;
  must_change_password: boolean;
  locked_until: string | null;
  /** Issue 12: a confirmed second factor (absent from an older server: false). */
  second_factor_enrolled?: boolean;
  created_at: string;
  updated_at: string;
}

export type GrantKind = "user_create" | "access_change" | "password_reset" | "second_factor_reset";

export interface AccountGrant {
  id: string;
  kind: GrantKind;
  status: "pending" | "approved" | "rejected" | "expired";
  user_id: string;
  username: string;
  display_name: string | null;
  role: Role | null;
  areas: string[] | null;
  requested_by: string;
  requested_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
}

/** `202` of a create, a reset or a role/areas change. */
export interface GrantRequested {
  grant: AccountGrant;
  one_time_password_part?: string | null;
}

export interface GrantApproved {
  grant: AccountGrant;
  user: UserAccount;
  one_time_password_part?: string | null;
}

export interface SessionInfo {
  id: string;
  user_id: string;
  username: string;
  device_name: string | null;
  created_at: string;
  last_refreshed_at: string;
  expires_at: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor_id: string | null;
  actor_role: string;
  session_id: string | null;
  action: string;
  target: string | null;
  outcome: "success" | "failure" | "denied";
  request_id: string | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  next_before: number | null;
}

export type DeviceKind = "totem" | "display";

export interface DeviceInfo {
  id: string;
  kind: DeviceKind;
  name: string;
  created_at: string;
  revoked_at: string | null;
  last_seen_at: string | null;
}

export interface EnrolledDevice {
  device: DeviceInfo;
  credential: string;
}

export interface ServiceLine {
  code: string;
  name_it: string;
  name_en: string;
  active: boolean;
  daily_cap: number | null;
}

export interface OpeningInterval {
  weekday: number;
  opens: string;
  closes: string;
}

export interface QueueSchedule {
  hours: OpeningInterval[];
  closed_dates: string[];
}

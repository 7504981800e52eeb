// What the users section decides without the network (pure, tested): which accounts a filter shows, whether
// a username keeps the rule of docs/api.md §4.1, what an edit asks the server for, and how a grant is told.
import type { AccountGrant, Role, UserAccount } from "../api-types";

export interface UserFilter {
  role: Role | "";
  search: string;
}

/** Lower case, accents gone: "Lucía" matches "lucia". */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .trim();
}

/** The accounts `filter` keeps: its role (any when empty) and every word of the search in the username or
 *  the display name. Order kept (the server sorts by username). */
export function filterUsers(users: readonly UserAccount[], filter: UserFilter): UserAccount[] {
  const words = fold(filter.search).split(/\s+/).filter(Boolean);
  return users.filter(user => {
    if (filter.role && user.role !== filter.role) return false;
    const haystack = fold(`${user.username} ${user.display_name}`);
    return words.every(word => haystack.includes(word));
  });
}

/** docs/api.md §4.1: 3–64 characters, a–z, digits, `.`, `_`, `-`, starting with a letter. */
export function isValidUsername(name: string): boolean {
  return /^[a-z][a-z0-9._-]{2,63}$/.test(name);
}

export interface AccessEdit {
  display_name: string;
  role: Role;
  areas: string[];
}

/** The `PATCH` body for an edit: only what changed (`null` when nothing did). Areas go only with a social
 *  worker; a role change away from it drops them on the server (§3.5). */
export function patchOf(user: UserAccount, edit: AccessEdit): Record<string, unknown> | null {
  const body: Record<string, unknown> = {};
  const name = edit.display_name.trim();
  if (name && name !== user.display_name) body.display_name = name;
  const areas = edit.role === "social_worker" ? [...edit.areas].sort() : [];
  const sameAreas = areas.length === user.areas.length && areas.every((a, i) => a === [...user.areas].sort()[i]);
  if (edit.role !== user.role) {
    body.role = edit.role;
    if (edit.role === "social_worker") body.areas = areas;
  } else if (edit.role === "social_worker" && !sameAreas) {
    body.areas = areas;
  }
  return Object.keys(body).length ? body : null;
}

/** Why the signed-in admin may not approve `grant` (the server would answer `self_approval`), or undefined. */
export function approvalBlock(grant: AccountGrant, me: string): "ownRequest" | "ownAccount" | undefined {
  if (grant.requested_by === me) return "ownRequest";
  if (grant.user_id === me) return "ownAccount";
  return undefined;
}

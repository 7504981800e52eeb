// The console's sections, in the order of its navigation. Each section is a custom element in its own file
// (`admin-<id>`) that takes the console's `AdminClient` as its `client` property and fetches what it shows;
// adding a section is one row here and one file.
import "./users";
import "./devices";
import "./queue-settings";
import "./catalogue";
import "./audit";
import "./statistics";
import "./privacy";
import "./erasures";
import "./password";
import type { Role } from "../api-types";

export interface Section {
  id: string;
  /** The element that renders it. */
  tag: string;
  label_it: string;
  label_en: string;
  /** Who sees it; admins only when absent. */
  roles?: readonly Role[];
}

export const SECTIONS: readonly Section[] = [
  { id: "users", tag: "admin-users", label_it: "Utenti", label_en: "Users" },
  { id: "devices", tag: "admin-devices", label_it: "Dispositivi", label_en: "Devices" },
  { id: "queue", tag: "admin-queue-settings", label_it: "Coda", label_en: "Queue" },
  { id: "catalogue", tag: "admin-catalogue", label_it: "Catalogo", label_en: "Catalogue" },
  { id: "audit", tag: "admin-audit", label_it: "Registro accessi", label_en: "Audit log" },
  { id: "statistics", tag: "admin-statistics", label_it: "Statistiche", label_en: "Statistics" },
  { id: "privacy", tag: "admin-privacy", label_it: "Diritti dell'interessato", label_en: "Data subject rights", roles: ["privacy_officer"] },
  { id: "erasures", tag: "admin-erasures", label_it: "Cancellazioni", label_en: "Erasures", roles: ["privacy_officer"] },
  { id: "password", tag: "admin-password", label_it: "La mia password", label_en: "My password", roles: ["privacy_officer"] },
];

/** The roles the console admits: admins, and privacy officers (their own sections only). */
export const CONSOLE_ROLES: readonly Role[] = ["admin", "privacy_officer"];

/** The sections `role` sees, in the navigation's order. */
export function sectionsFor(role: Role): Section[] {
  return SECTIONS.filter(s => (s.roles ?? ["admin"]).includes(role));
}

/** The section a URL hash names (`#users`, `#audit`) among those `role` sees, the first one when it names none. */
export function sectionOfHash(hash: string, role: Role = "admin"): Section {
  const id = decodeURIComponent(hash.replace(/^#/, "")).split(/[?&/]/)[0];
  const visible = sectionsFor(role);
  return visible.find(s => s.id === id) ?? visible[0];
}

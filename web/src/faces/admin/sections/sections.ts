// The console's sections, in the order of its navigation. Each section is a custom element in its own file
// (`admin-<id>`) that takes the console's `AdminClient` as its `client` property and fetches what it shows;
// adding a section is one row here and one file.
import "./users";
import "./devices";
import "./queue-settings";
import "./catalogue";
import "./audit";
import "./statistics";

export interface Section {
  id: string;
  /** The element that renders it. */
  tag: string;
  label_it: string;
  label_en: string;
}

export const SECTIONS: readonly Section[] = [
  { id: "users", tag: "admin-users", label_it: "Utenti", label_en: "Users" },
  { id: "devices", tag: "admin-devices", label_it: "Dispositivi", label_en: "Devices" },
  { id: "queue", tag: "admin-queue-settings", label_it: "Coda", label_en: "Queue" },
  { id: "catalogue", tag: "admin-catalogue", label_it: "Catalogo", label_en: "Catalogue" },
  { id: "audit", tag: "admin-audit", label_it: "Registro accessi", label_en: "Audit log" },
  { id: "statistics", tag: "admin-statistics", label_it: "Statistiche", label_en: "Statistics" },
];

/** The section a URL hash names (`#users`, `#audit`), the first one when it names none. */
export function sectionOfHash(hash: string): Section {
  const id = decodeURIComponent(hash.replace(/^#/, "")).split(/[?&/]/)[0];
  return SECTIONS.find(s => s.id === id) ?? SECTIONS[0];
}

// The areas an account may be given (docs/api.md §4.5): the staffed areas of the default catalogue, the one
// list the server checks accounts against. Read from the pure rules/catalogue.ts (never the sync engine: the
// console has no directory document), with English labels beside the Italian ones.
import { DEFAULT_CATALOGUE } from "../../rules/catalogue";
import { adminLanguage } from "./messages";

const ENGLISH: Record<string, string> = {
  minors_families: "Minors and families",
  elderly: "Elderly",
  disability: "Disability",
  adults_inclusion: "Adults and social inclusion",
  housing: "Housing",
  migrants: "Migrants and intercultural desk",
  services_company: "Municipal social services company",
  territorial_network: "Territorial network",
};

/** The area codes an account may hold, in the catalogue's order. */
export const ACCOUNT_AREAS: readonly string[] = DEFAULT_CATALOGUE.areas.filter(a => a.hasStaff && a.active).map(a => a.code);

/** An area's label in the console's language; the code itself when unknown. */
export function areaLabel(code: string): string {
  if (adminLanguage() === "en" && ENGLISH[code]) return ENGLISH[code];
  return DEFAULT_CATALOGUE.areas.find(a => a.code === code)?.labelIt ?? code;
}

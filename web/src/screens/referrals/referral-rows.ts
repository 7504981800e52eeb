// The social worker's inbox as rows: every referral of the cases they may open that goes to one of their
// areas, grouped as the work goes — proposals to decide (newest first), referrals taken in charge, and
// the area's history (closed: read-only, policy::area_access). Pure (table-tested); the feed
// (referral-feed.ts) gives it the cases as the Repo holds them.

import type { CaseView, Referral } from "../../model/case-doc";
import type { ReferralStatus } from "../../rules/transitions";

export type Group = "to_decide" | "in_charge" | "history" | "other";

export interface ReferralRow {
  /** `automerge:` URL of the case. */
  url: string;
  documentId: string;
  /** Family name then given name; "" while unknown. */
  title: string;
  referral: Referral;
  group: Group;
  /** When the row last moved (proposed: created; otherwise decided), for ordering. */
  at: string;
}

const GROUP: Record<ReferralStatus, Group> = {
  proposed: "to_decide",
  accepted: "in_charge",
  closed: "history",
  rejected: "other",
  cancelled: "other",
};

const ORDER: Group[] = ["to_decide", "in_charge", "history", "other"];

export function groupOf(status: ReferralStatus): Group {
  return GROUP[status] ?? "other";
}

/** The referrals to `areas` among `cases`, in inbox order: group, then newest first. */
export function referralRows(cases: readonly { url: string; view: CaseView }[], areas: readonly string[]): ReferralRow[] {
  const rows: ReferralRow[] = [];
  for (const { url, view } of cases) {
    const title = `${view.person.family_name.trim()} ${view.person.given_name.trim()}`.trim();
    for (const referral of view.referrals) {
      if (!areas.includes(referral.area)) continue;
      const group = groupOf(referral.status);
      rows.push({
        url,
        documentId: url.replace(/^automerge:/, ""),
        title,
        referral,
        group,
        at: group === "to_decide" ? referral.createdAt : (referral.decidedAt ?? referral.createdAt),
      });
    }
  }
  return rows.sort(
    (a, b) =>
      ORDER.indexOf(a.group) - ORDER.indexOf(b.group) ||
      b.at.localeCompare(a.at) ||
      a.title.localeCompare(b.title, "it") ||
      a.url.localeCompare(b.url),
  );
}

/** What the social worker may do with the case: decide (read-write) or only read it (history). */
export function mayWriteCase(view: CaseView, areas: readonly string[]): boolean {
  return view.referrals.some(r => areas.includes(r.area) && (r.status === "proposed" || r.status === "accepted"));
}

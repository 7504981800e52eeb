// The referral status machine (`validate::referral_transition`, docs/documents.md):
//
//   (new) ─operator→ proposed ─area's social worker→ accepted ─area's social worker→ closed
//                     proposed ─area's social worker→ rejected
//                     proposed ─operator→ cancelled
//                     proposed ─operator, areas without staff only→ closed
//
// The server sees versions, not steps, so the question is reachability by steps the actor may take.

export type ReferralStatus = "proposed" | "accepted" | "rejected" | "closed" | "cancelled";
export type Role = "operator" | "social_worker" | "admin" | "privacy_officer";

export interface Actor {
  userId: string;
  role: Role;
  areas: string[];
}

/** Why a move is refused: nobody may, only the area's social workers may, or not this role. */
export type TransitionRefusal = "impossible" | "other_area" | "not_permitted";

type Mover = "desk" | "area_staff";
type From = ReferralStatus | undefined;

function steps(hasStaff: boolean): [From, ReferralStatus, Mover][] {
  const all: [From, ReferralStatus, Mover][] = [
    [undefined, "proposed", "desk"],
    ["proposed", "cancelled", "desk"],
  ];
  if (hasStaff) {
    all.push(["proposed", "accepted", "area_staff"], ["proposed", "rejected", "area_staff"], ["accepted", "closed", "area_staff"]);
  } else {
    all.push(["proposed", "closed", "desk"]);
  }
  return all;
}

function reachable(from: From, to: ReferralStatus, hasStaff: boolean, movers: Mover[]): boolean {
  const usable = steps(hasStaff).filter(([, , m]) => movers.includes(m));
  const seen: From[] = [from];
  const frontier: From[] = [from];
  while (frontier.length > 0) {
    const current = frontier.pop();
    for (const [stepFrom, stepTo] of usable) {
      if (stepFrom === current && !seen.includes(stepTo)) {
        if (stepTo === to) return true;
        seen.push(stepTo);
        frontier.push(stepTo);
      }
    }
  }
  return false;
}

/** May `actor` move a referral to `area` from `from` (undefined: new) to `to`? Undefined when it may. */
export function referralTransition(
  from: From,
  to: ReferralStatus,
  actor: Pick<Actor, "role" | "areas">,
  area: string,
  hasStaff: boolean,
): TransitionRefusal | undefined {
  if (from === to) return undefined;
  if (!reachable(from, to, hasStaff, ["desk", "area_staff"])) return "impossible";
  let movers: Mover[];
  if (actor.role === "operator") movers = ["desk"];
  else if (actor.role === "social_worker" && actor.areas.includes(area)) movers = ["area_staff"];
  else if (actor.role === "social_worker") return reachable(from, to, hasStaff, ["area_staff"]) ? "other_area" : "not_permitted";
  else movers = [];
  return reachable(from, to, hasStaff, movers) ? undefined : "not_permitted";
}

/** The statuses `actor` may set next on a referral in `from` (for the buttons a screen offers). */
export function nextStatuses(from: ReferralStatus, actor: Pick<Actor, "role" | "areas">, area: string, hasStaff: boolean): ReferralStatus[] {
  return steps(hasStaff)
    .filter(([stepFrom]) => stepFrom === from)
    .map(([, to]) => to)
    .filter(to => referralTransition(from, to, actor, area, hasStaff) === undefined);
}

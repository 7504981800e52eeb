// The app's few routes, in the URL's hash so that a reload (or the service worker's offline copy of
// index.html) lands on the same screen and the server never sees them:
//
//   #/                     the cases at the desk (the list)
//   #/nuova                a new intake; #/nuova?ticket=A023 fills in the queue ticket it starts from
//   #/caso/<document id>   one case, for editing
//
// `startIntake({ticket})` is how other screens (the queue panel) open a new intake for a called ticket.
// Pure parsing and formatting; `navigate` and `currentRoute` touch `location` only.

export type Route = { name: "cases" } | { name: "new-intake"; ticket?: string } | { name: "case"; documentId: string };

const TICKET = /^[A-Za-z0-9-]{1,16}$/;
const DOCUMENT_ID = /^[1-9A-HJ-NP-Za-km-z]{16,64}$/;

export function parseRoute(hash: string): Route {
  const [path, query = ""] = hash.replace(/^#/, "").split("?", 2);
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "nuova" && parts.length === 1) {
    const ticket = new URLSearchParams(query).get("ticket") ?? undefined;
    return ticket && TICKET.test(ticket) ? { name: "new-intake", ticket } : { name: "new-intake" };
  }
  if (parts[0] === "caso" && parts.length === 2 && DOCUMENT_ID.test(parts[1])) return { name: "case", documentId: parts[1] };
  return { name: "cases" };
}

export function formatRoute(route: Route): string {
  switch (route.name) {
    case "cases":
      return "#/";
    case "new-intake":
      return route.ticket ? `#/nuova?ticket=${encodeURIComponent(route.ticket)}` : "#/nuova";
    case "case":
      return `#/caso/${route.documentId}`;
  }
}

export function currentRoute(): Route {
  return parseRoute(location.hash);
}

/** Goes to `route`; `replace` keeps the browser's Back from returning to the screen being left. */
export function navigate(route: Route, { replace = false } = {}): void {
  const hash = formatRoute(route);
  if (location.hash === hash) return;
  if (replace) {
    history.replaceState(history.state, "", hash);
    dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    location.hash = hash;
  }
}

/** Opens a new intake, with the ticket number it starts from (the queue panel calls this). */
export function startIntake(options: { ticket?: string } = {}): void {
  navigate({ name: "new-intake", ticket: options.ticket });
}

/** The document id of an `automerge:` URL. */
export function documentIdOf(url: string): string {
  return url.replace(/^automerge:/, "");
}

// The app's five faces, chosen by the first segment of the URL's path (the server answers every such path
// with the same index.html, and so does the service worker offline):
//
//   /          the tablet app (operators and social workers): cases, intake, referrals, the desk's queue
//   /totem     the ticket totem (a device)
//   /display   the waiting-room display (a device)
//   /admin     the admin console (accounts, devices, queue settings, catalogue, audit, statistics)
//
// Each face is its own chunk, loaded on demand, so the totem, the display and the console never download
// the sync engine or Automerge: they need no case document. Pure; `main.ts` does the loading.

export type Face = "tablet" | "totem" | "display" | "admin";

/** The face a path belongs to: `/totem`, `/totem/`, `/totem/anything` is the totem; anything unknown is the
 *  tablet app (its own routes live in the hash). */
export function faceOf(pathname: string): Face {
  const first = pathname.split("/").filter(Boolean)[0]?.toLowerCase();
  switch (first) {
    case "totem":
      return "totem";
    case "display":
      return "display";
    case "admin":
      return "admin";
    default:
      return "tablet";
  }
}

/** The custom element each face mounts into the page. */
export const ROOT_ELEMENT: Record<Face, string> = {
  tablet: "sportello-app",
  totem: "sportello-totem",
  display: "sportello-display",
  admin: "sportello-admin",
};

// Entry point: pick the face the path asks for (faces/faces.ts), load only its chunk, mount its root
// element, and register the service worker (from this module: the CSP allows no inline script) so every
// face opens with no network.
import { registerSW } from "virtual:pwa-register";
import { faceOf, ROOT_ELEMENT, type Face } from "./faces/faces";

async function load(face: Face): Promise<void> {
  switch (face) {
    case "totem":
      await import("./faces/totem/totem-app");
      return;
    case "display":
      await import("./faces/display/display-app");
      return;
    case "admin":
      await import("./faces/admin/admin-app");
      return;
    case "tablet":
      await import("./app/start-tablet");
      return;
  }
}

const face = faceOf(location.pathname);
void load(face).then(() => {
  document.getElementById("root")?.replaceChildren(document.createElement(ROOT_ELEMENT[face]));
});

// Not for the admin console: it works only online (its tokens live in memory), and the service worker's
// precache would download automerge.wasm, which the console never needs, onto every admin's computer.
if ("serviceWorker" in navigator && face !== "admin") {
  registerSW({ immediate: true });
}

// Entry point: choose the language, start the app, and register the service worker (from this module:
// the CSP allows no inline script) so the app shell and automerge.wasm open with no network.
import { registerSW } from "virtual:pwa-register";
import { pickLanguage, setLanguage } from "./i18n";
import "./app/sportello-app";
import { prepareWasm } from "./sync/sync-client";

setLanguage(pickLanguage(navigator.languages ?? [navigator.language]));

if ("serviceWorker" in navigator) {
  registerSW({ immediate: true });
}

// The sync engine's WASM compiles while the login screen waits for the password.
addEventListener("load", () => setTimeout(prepareWasm, 0), { once: true });

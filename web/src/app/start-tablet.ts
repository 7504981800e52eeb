// The tablet app's start: its language from the browser's preferences, its root element, and the sync
// engine's WASM compiled while the login screen waits for the password.
import { pickLanguage, setLanguage } from "../i18n";
import "./sportello-app";
import { prepareWasm } from "../sync/sync-client";

setLanguage(pickLanguage(navigator.languages ?? [navigator.language]));

if (document.readyState === "complete") setTimeout(prepareWasm, 0);
else addEventListener("load", () => setTimeout(prepareWasm, 0), { once: true });

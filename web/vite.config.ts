import { defineConfig } from "vitest/config";
import { VitePWA } from "vite-plugin-pwa";

// The app is served by `sportello serve` at `/`, beside `/api` and `/sync` (same origin, strict CSP:
// no inline script, so the service worker is registered from our own module, never an injected snippet).
export default defineConfig({
  build: {
    target: "es2022",
    // Hashed names for everything but index.html, the manifest and the service worker: the server caches
    // `/assets/*` as immutable.
    assetsDir: "assets",
    // automerge.wasm (3.6 MB) is a file of its own, never inlined.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
  // `npm run dev` proxies the API and sync to a server on 8080.
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8080",
      "/sync": { target: "ws://127.0.0.1:8080", ws: true },
    },
  },
  plugins: [
    VitePWA({
      registerType: "autoUpdate",
      injectRegister: false,
      filename: "sw.js",
      manifestFilename: "manifest.webmanifest",
      includeAssets: ["icons/icon.svg"],
      manifest: {
        name: "Sportello di Accoglienza",
        short_name: "Sportello",
        description: "Accoglienza e invii ai servizi sociali",
        lang: "it",
        start_url: "/",
        scope: "/",
        display: "standalone",
        orientation: "any",
        background_color: "#f6f7f9",
        theme_color: "#1d4f91",
        icons: [
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "/icons/icon-maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      workbox: {
        // automerge.wasm (3.6 MB) is not precached: the totem and the display never use it, and precaching
        // would download it onto every kiosk. The tablet app stores it in its own cache when it first loads
        // it (sync/sync-client.ts, `keepWasmForOffline`) and the worker answers it from there, so the app
        // still starts offline.
        globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"],
        runtimeCaching: [
          {
            urlPattern: ({ url }) => url.pathname.startsWith("/assets/") && url.pathname.endsWith(".wasm"),
            handler: "CacheFirst",
            options: { cacheName: "sportello-wasm", expiration: { maxEntries: 2 } },
          },
        ],
        navigateFallback: "/index.html",
        // Never answer these from the app shell: they belong to the server.
        navigateFallbackDenylist: [/^\/api\//, /^\/sync/, /^\/t\//, /^\/healthz/, /^\/metrics/],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});

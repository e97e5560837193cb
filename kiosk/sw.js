// The kiosk's service worker: keeps the app shell (page, scripts, styles and the QR
// decoder with its WebAssembly) so the kiosk opens and scans with no network at all.
// The API and the live feed are never cached: events go through the IndexedDB outbox.
const CACHE = "shelter-kiosk-v4";
const SHELL = [
  "/kiosk",
  "/static/kiosk/kiosk.js",
  "/static/kiosk/state.js",
  "/static/kiosk/strings.js",
  "/static/kiosk/enrol.js",
  "/static/kiosk/inputs.js",
  "/static/kiosk/scan.js",
  "/static/kiosk/result.js",
  "/static/kiosk/sound.js",
  "/static/kiosk/header.js",
  "/static/kiosk/recent.js",
  "/static/kiosk/walkin.js",
  "/static/kiosk/stay.js",
  "/static/kiosk/pass.js",
  "/static/kiosk/outbox.js",
  "/static/kiosk/scanner.js",
  "/static/kiosk/kiosk.css",
  "/static/kiosk/manifest.webmanifest",
  "/static/kiosk/icon.svg",
  "/static/dashboard/common/base.css",
  "/static/dashboard/common/api.js",
  "/static/dashboard/common/dom.js",
  "/static/dashboard/common/feed.js",
  "/static/dashboard/common/i18n.js",
  "/static/dashboard/common/strings.js",
  "/kiosk/vendor/barcode-detector.js",
  "/kiosk/vendor/zxing_reader.wasm",
];
const SHELL_PATHS = new Set(SHELL);

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One at a time, so a missing decoder (npm not installed) does not lose the rest.
    await Promise.all(SHELL.map((path) => cache.add(new Request(path, { cache: "reload" })).catch(() => {})));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

// The shell: answer from the cache at once (a kiosk in a queue must not wait on a dying
// network), and refresh the cached copy in the background for the next load.
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (!SHELL_PATHS.has(url.pathname)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(url.pathname);
    const fresh = fetch(event.request, { cache: "no-cache" }).then((response) => {
      if (response.ok) cache.put(url.pathname, response.clone());
      return response;
    });
    if (cached) {
      event.waitUntil(fresh.catch(() => {}));
      return cached;
    }
    return fresh;
  })());
});

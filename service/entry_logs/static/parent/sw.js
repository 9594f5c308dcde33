// The parent's barcode page keeps working offline: each page is fetched from the network first and a copy kept;
// without a network the kept copy is shown. A link the service no longer honours (revoked) loses its copy.
"use strict";

const CACHE = "daicho-parent-barcode-v1";

/** The page that registered the worker was loaded before it ran: keep a copy of it (and of any other open one). */
async function keepOpenPages() {
  const cache = await caches.open(CACHE);
  const pages = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  await Promise.all(pages.map((page) => cache.add(page.url).catch((e) => console.warn(e))));
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(keepOpenPages().then(() => self.clients.claim())));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || request.mode !== "navigate") return;
  event.respondWith(
    caches.open(CACHE).then((cache) =>
      fetch(request)
        .then((response) => {
          if (response.ok) cache.put(request, response.clone());
          else if (response.status === 404) cache.delete(request);
          return response;
        })
        .catch(() => cache.match(request).then((kept) => kept || Response.error())),
    ),
  );
});

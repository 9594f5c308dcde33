// The station's service worker: the page, its files and its wording are kept so the station opens offline.
// Every GET in scope goes to the network first (so an update shows at once) and falls back to the kept copy.
"use strict";

const CACHE = "daicho-station-v1";
const SHELL = ["./", "station.css", "station.js", "vocabulary.json", "manifest.webmanifest", "icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  const stale = (keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key)));
  event.waitUntil(caches.keys().then(stale).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(self.registration.scope)) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request, { ignoreSearch: true }).then((kept) => kept || Response.error())),
  );
});

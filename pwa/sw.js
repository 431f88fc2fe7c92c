// Service worker: caches the app shell so the app opens with no signal.
// Import-free on purpose (classic worker), so every browser of the city's phones runs it.
const PREFIX = 'tsunagu-shell-';
const VERSION = 'v1';
const CACHE = PREFIX + VERSION;
const SHELL = [
  '/',
  '/manifest.webmanifest',
  '/css/app.css',
  '/icons/icon.svg',
  '/js/app.js',
  '/js/api.js',
  '/js/db.js',
  '/js/i18n.js',
  '/js/session.js',
  '/js/ui/devices.js',
  '/js/ui/home.js',
  '/js/ui/signin.js',
  '/js/ui/status.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(
    names.filter((name) => name.startsWith(PREFIX) && name !== CACHE)
      .map((name) => caches.delete(name)),
  )));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin
      || url.pathname.startsWith('/api/')) {
    return;
  }
  // Network first, so a deployed update shows at once; the cache answers with no signal.
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request, { ignoreSearch: true })
        .then((cached) => cached ?? caches.match('/'))),
  );
});

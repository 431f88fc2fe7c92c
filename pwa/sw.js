// Service worker: keeps the app shell so the app opens at once, also with no signal.
// Import-free on purpose (classic worker), so every browser of the city's phones runs it.
// The server fills in VERSION and SHELL from the files it serves: any change to the shell
// makes a new worker, which waits until the user taps "再読み込み" (see js/ui/update.js).
const PREFIX = 'tsunagu-shell-';
const VERSION = '__SHELL_VERSION__';
const SHELL = ['__SHELL_FILES__'];
const CACHE = PREFIX + VERSION;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(
    names.filter((name) => name.startsWith(PREFIX) && name !== CACHE)
      .map((name) => caches.delete(name)),
  )).then(() => self.clients.claim()));
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

// Background Sync: wake the open app to send its outbox (the app owns sync and its
// bookkeeping; with no page open, the outbox goes the next time the app opens).
self.addEventListener('sync', (event) => {
  if (event.tag !== 'tsunagu-outbox') return;
  event.waitUntil(self.clients.matchAll({ type: 'window' })
    .then((clients) => clients.forEach((client) => client.postMessage({ type: 'sync' }))));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin
      || url.pathname.startsWith('/api/') || url.pathname.startsWith('/c/')) {
    return;
  }
  // Cache first: the shell is versioned as a whole, so what is cached is current until a
  // new worker brings the next version; anything else falls back to the network.
  event.respondWith(
    caches.open(CACHE).then((cache) => cache.match(event.request, { ignoreSearch: true })
      .then((cached) => cached ?? fetch(event.request).catch(() => (
        event.request.mode === 'navigate' ? cache.match('/') : Response.error())))),
  );
});

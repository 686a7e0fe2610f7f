// The field app's service worker: keeps this build's app shell (page, scripts, styles, icons) in
// the Cache API so the app opens with no network. The server writes VERSION and PRECACHE when it
// serves this file; a new build therefore changes this file, the browser installs the new worker,
// which caches the new shell and deletes the old one.
//
// The worker never touches the REST API (/api/…): task data, drafts and queued actions live in
// IndexedDB, owned by the page (js/store.js), and go to the network only from the page, so a
// cached answer can never be mistaken for the server's current one.

const VERSION = '{{VERSION}}';
const PRECACHE = {{PRECACHE}};
const CACHE = `gridassist-app-${VERSION}`;
const SHELL = '/app/';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith('gridassist-app-') && k !== CACHE).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith('/app')) return;
  if (request.mode === 'navigate') {
    // The app is one page, its route in the fragment; other pages under /app/ (the printable
    // sign-up sheet at /app/install) are the server's, never the shell.
    if (url.pathname !== '/app/' && url.pathname !== '/app') return;
    event.respondWith(caches.match(SHELL, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
});

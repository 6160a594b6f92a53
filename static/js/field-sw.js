// The field page's service worker: the page, its scripts and the last worklist stay on the phone, so the
// page opens and works without a network. Network first (fresh data whenever there is a signal), the
// cached copy when there is none. A login page (a redirect) is never cached as the field page.
const CACHE = 'sampark-field-v2';
const PAGE = '/field/';
const WORKLIST = '/api/v1/field/worklist';
const SHELL = ['/static/js/field.js', '/static/js/field-card.js', '/static/js/field-store.js', '/static/css/sampark.css', '/static/css/field.css',
  '/static/vendor/jsqr-1.4.0/jsQR.js', '/static/favicon.svg'];

async function keep(cache, request) {
  const response = await fetch(request, { credentials: 'same-origin' });
  if (response.ok && !response.redirected) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then(async (cache) => {
    await cache.addAll(SHELL);
    await keep(cache, PAGE).catch(() => null);
  }).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('sampark-field') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (path !== PAGE && path !== WORKLIST && !SHELL.includes(path)) return;
  const key = path === PAGE || path === WORKLIST ? path : event.request;
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    try {
      const response = await fetch(event.request);
      if (response.ok && !response.redirected) await cache.put(key, response.clone());
      return response;
    } catch (err) {
      const cached = await cache.match(key);
      if (cached) return cached;
      throw err;
    }
  }));
});

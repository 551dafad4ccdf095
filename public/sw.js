// The Serverless Playground's service worker: the site works offline after the first
// visit. Same-origin GETs go to the network first (so a new version is picked up at
// once) and fall back to the copy cached by the last successful fetch; the files the
// page needs are cached at install, so the first visit is enough.
const CACHE = 'serverless-playground-v2';
const FILES = [
  './', './index.html', './style.css', './playground-app.js', './playground-app_bg.wasm',
  './worker.js', './worker_bg.wasm', './worker_loader.js', './editor.js',
  // The gallery's examples are fetched when opened; cached here for offline use
  // (app/build.rs fails the build if one is missing from this list).
  './examples/alias-canary.yaml',
  './examples/async-destinations.yaml',
  './examples/canary-deployment.yaml',
  './examples/eventbridge-orders.yaml',
  './examples/execution-role.yaml',
  './examples/kinesis-shards.yaml',
  './examples/provisioned-concurrency.yaml',
  './examples/reserved-concurrency.yaml',
  './examples/s3-events.yaml',
  './examples/short-vs-long-polling.yaml',
  './examples/sns-fanout.yaml',
  './examples/sqs-dlq.yaml',
  './examples/sqs-fifo-groups.yaml',
  './examples/sqs-scaling.yaml',
  './examples/step-functions-jsonata.yaml',
  './examples/step-functions-map.yaml',
  './examples/step-functions-order.yaml',
  './examples/sync-vs-async.yaml',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(req)
      .then((res) => {
        if (res.ok) {
          const copy = res.clone();
          caches.open(CACHE).then((c) => c.put(req, copy));
        }
        return res;
      })
      .catch(() => caches.match(req, { ignoreSearch: true })
        .then((hit) => hit || (req.mode === 'navigate' ? caches.match('./index.html') : undefined))
        .then((hit) => hit || Response.error())),
  );
});

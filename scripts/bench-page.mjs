// The page's own numbers (part of scripts/bench.sh): time until the page is
// interactive (canvas drawn and engine ready), frame times while 1,000 messages are in
// flight on the canvas, and the gzip size of everything the first visit downloads.
import { chromium } from 'playwright-core';
import { gzipSync, deflateRawSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

import { startServer } from '../tests/e2e/serve.mjs';

const SITE = process.env.SITE_URL || await startServer(new URL('../dist/', import.meta.url).pathname);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

// First visit: every response's body, gzipped as a static host would serve it.
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const page = await context.newPage();
const bodies = [];
page.on('response', async (r) => {
  if (r.url().startsWith(SITE)) bodies.push(r.body().then((b) => [r.url(), b]).catch(() => [r.url(), Buffer.alloc(0)]));
});
await page.goto(SITE);
await page.waitForSelector('[data-engine="ready"]', { state: 'attached' });
const interactive = await page.evaluate(() => performance.now());
await page.waitForTimeout(500);
const files = await Promise.all(bodies);
let raw = 0; let gz = 0;
for (const [, b] of files) { raw += b.length; gz += gzipSync(b, { level: 9 }).length; }
console.log(`page    first visit      ${files.length} files, ${(raw / 1024).toFixed(0)} KB raw, ${(gz / 1024).toFixed(0)} KB gzip (goal ≤ 2,048 KB)`);
console.log(`page    interactive      ${interactive.toFixed(0)} ms after navigation (canvas drawn, engine ready; local server)`);

// 1,000 messages in flight: a queue fed every millisecond of virtual time at 10×.
const busy = readFileSync(new URL('../tests/e2e/scenarios/busy-queue.yaml', import.meta.url), 'utf8');
const link = `${SITE}#s=1.${deflateRawSync(Buffer.from(busy)).toString('base64url')}`;
const p2 = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
await p2.goto(link);
await p2.waitForSelector('[data-engine="ready"]', { state: 'attached' });
await p2.click('button.speed[data-speed="10×"]');
await p2.click('#play');
await p2.waitForFunction(() => Number(document.querySelector('canvas.messages').dataset.inFlight) >= 1000, null, { timeout: 30000 });
const frames = await p2.evaluate(() => new Promise((resolve) => {
  const deltas = []; const dots = []; let last = performance.now(); const end = last + 3000;
  const frame = (t) => {
    deltas.push(t - last); last = t; dots.push(Number(document.querySelector('canvas.messages').dataset.inFlight));
    if (t < end) requestAnimationFrame(frame); else resolve({ deltas, dots });
  };
  requestAnimationFrame(frame);
}));
const d = frames.deltas.slice(1).sort((a, b) => a - b);
const mean = d.reduce((a, b) => a + b, 0) / d.length;
const p95 = d[Math.floor(d.length * 0.95)];
const dots = frames.dots.reduce((a, b) => a + b, 0) / frames.dots.length;
const pace = (await p2.isVisible('#pace')) ? `makes ${(await p2.textContent('#pace')).replace('running at', '').trim()} of the 10× asked` : 'keeps the 10× asked';
console.log(`page    1,000 in flight  frame time mean ${mean.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms (${(1000 / mean).toFixed(0)} fps) with ${dots.toFixed(0)} messages on screen on average (headless, software rendering; the run ${pace})`);
await browser.close();

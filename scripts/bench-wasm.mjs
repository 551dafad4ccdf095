// The wasm half of scripts/bench.sh: runs the shared benchmark scenarios inside the
// engine worker in headless Chromium, measures the page's start time, and prints the
// site's sizes raw and gzipped.
import { chromium } from 'playwright-core';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

import { startServer } from '../tests/e2e/serve.mjs';

const SITE = process.env.SITE_URL || await startServer(new URL('../dist/', import.meta.url).pathname);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const page = await browser.newPage();
const t0 = Date.now();
await page.goto(SITE);
await page.waitForSelector('g[data-resource="Worker"]');
const drawn = Date.now() - t0;
await page.waitForSelector('[data-engine="ready"]', { state: 'attached' });
const ready = Date.now() - t0;
console.log(`wasm    page start       first canvas in ${drawn} ms, engine worker ready in ${ready} ms (local server)`);

const result = await page.evaluate(() => new Promise((resolve, reject) => {
  const w = new Worker('./worker_loader.js');
  w.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === 'ready') w.postMessage(JSON.stringify({ type: 'bench', messages: 10000, invocations: 2000, executions: 2000 }));
    else { w.terminate(); msg.type === 'bench' ? resolve(msg) : reject(new Error(JSON.stringify(msg))); }
  };
}));
const secs = result.pipeline_ms / 1000;
console.log(`wasm    sqs->lambda      ${result.messages} messages in ${secs.toFixed(3)} s = ${(result.messages / secs).toFixed(0)} messages/s`);
console.log(`wasm    trivial handler  ${(result.invoke_ms * 1000 / result.invocations).toFixed(1)} µs per warm synchronous invocation = ${(result.invocations * 1000 / result.invoke_ms).toFixed(0)} invocations/s (${result.invocations} invocations)`);
console.log(`wasm    one SQS call     ${(result.sqs_call_ms * 1000 / result.invocations).toFixed(1)} µs per warm synchronous invocation = ${(result.invocations * 1000 / result.sqs_call_ms).toFixed(0)} invocations/s (${result.invocations} invocations, each sending one message)`);
console.log(`wasm    sqs round trip  ${result.roundtrip_messages} messages sent, received and deleted (batches of 10) in ${(result.roundtrip_ms / 1000).toFixed(3)} s = ${(result.roundtrip_messages * 1000 / result.roundtrip_ms).toFixed(0)} messages/s`);
console.log(`wasm    burst 1000/100  1000 async invocations, reserved concurrency 100, one SQS call each: ${(result.burst_ms / 1000).toFixed(3)} s (${result.burst_throttles} throttles)`);
for (const [label, r] of [['sfn chain ', result.sfn_chain], ['sfn map1000', result.sfn_map]]) {
  console.log(`wasm    ${label}      ${r.executions} executions in ${(r.ms / 1000).toFixed(3)} s = ${(r.executions * 1000 / r.ms).toFixed(0)} executions/s (median of 5 rounds)`);
}
await browser.close();

let raw = 0, gz = 0;
for (const f of readdirSync('dist').filter((f) => /\.(wasm|js|css|html)$/.test(f)).sort()) {
  const bytes = readFileSync(join('dist', f));
  const z = gzipSync(bytes, { level: 9 }).length;
  raw += statSync(join('dist', f)).size; gz += z;
  console.log(`size    ${f.padEnd(24)} ${(bytes.length / 1024).toFixed(0).padStart(6)} KB raw ${(z / 1024).toFixed(0).padStart(6)} KB gzip`);
}
console.log(`size    total                    ${(raw / 1024).toFixed(0).padStart(6)} KB raw ${(gz / 1024).toFixed(0).padStart(6)} KB gzip`);

// Shared helpers for the end-to-end tests: Debian's Chromium through playwright-core
// (never a downloaded browser), the site URL, and share links made the way the page
// makes them (raw DEFLATE, base64url, version prefix "1.").
import { chromium } from 'playwright-core';
import { deflateRawSync } from 'node:zlib';
import { readFileSync, mkdirSync } from 'node:fs';

import { startServer } from './serve.mjs';

// The built site (`dist/`, from `trunk build`), served on a free port by this process.
export const SITE = process.env.SITE_URL || await startServer(new URL('../../dist/', import.meta.url).pathname);
export const SHOTS = new URL('../../target/e2e-screenshots/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function openPage(browser, url = SITE) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}

// A page in a browser context of its own (its own storage, service worker, downloads),
// with the page's uncaught errors collected.
export async function freshPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

export function shareLink(templateText) {
  return `${SITE}#s=1.${deflateRawSync(Buffer.from(templateText, 'utf8')).toString('base64url')}`;
}

export function scenario(name) {
  return readFileSync(new URL(`./scenarios/${name}`, import.meta.url), 'utf8');
}

export async function nodeIds(page) {
  return page.$$eval('[data-resource]', (els) => els.filter((e) => e.tagName === 'g').map((e) => e.dataset.resource).sort());
}

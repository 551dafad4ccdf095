// Autosave: the user's scenario survives a reload, and a share link never replaces it
// without asking (dismissing keeps the user's work; accepting opens the link).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, shareLink, SITE, freshPage } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const OTHER = `Resources:
  Shared: { Type: AWS::SQS::Queue }
`;

test('autosaved work is restored and a link asks before replacing it', async () => {
  const { context, page, errors } = await freshPage(browser);
  await page.goto(SITE);
  await page.waitForSelector('g[data-resource="Worker"]');
  const mine = (await page.inputValue('#template')) + '\n# my own notes\n';
  await page.fill('#template', mine);
  await page.reload();
  await page.waitForSelector('g[data-resource="Worker"]');
  assert.equal(await page.inputValue('#template'), mine, 'restored after a reload');
  await page.locator('.banner.notice', { hasText: 'restored from this browser' }).waitFor();

  // A link to another scenario: dismissing the question keeps the user's work.
  let asked = 0;
  page.once('dialog', (d) => { asked += 1; d.dismiss(); });
  await page.goto('about:blank');
  await page.goto(shareLink(OTHER));
  await page.waitForSelector('g[data-resource="Worker"]');
  assert.equal(asked, 1);
  assert.equal(await page.inputValue('#template'), mine);
  await page.locator('.banner.notice', { hasText: 'the shared link was not opened' }).waitFor();

  // Accepting opens the link.
  page.once('dialog', (d) => { asked += 1; d.accept(); });
  await page.goto('about:blank');
  await page.goto(shareLink(OTHER));
  await page.waitForSelector('g[data-resource="Shared"]');
  assert.equal(asked, 2);
  assert.deepEqual(errors, []);
  await context.close();
});

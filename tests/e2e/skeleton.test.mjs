// The walking skeleton as a user meets it: open the site, see the scenario, play it,
// read the handler's logs, share it, and survive runaway handler code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, shareLink, scenario, nodeIds, SITE, SHOTS } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('opens on the built-in example and draws one node per resource with its wires', async () => {
  const { page, errors } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  assert.deepEqual(await nodeIds(page), ['Inbox', 'InboxDLQ', 'Worker']);
  assert.equal(await page.locator('line[data-wire="Inbox->Worker"]').count(), 1, 'event source wire');
  assert.equal(await page.locator('line[data-wire="Inbox->InboxDLQ"].dead-letter').count(), 1, 'dead-letter wire');
  await page.screenshot({ path: `${SHOTS}skeleton-open.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('play runs the scenario: the handler logs, the poison message lands in the DLQ', async () => {
  const { page, errors } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.click('#play');
  // Messages travel along the wires as the trace says: the driver's send, then the batch.
  // Messages move on the canvas overlay, which says which kinds are in flight.
  await page.waitForSelector('canvas.messages[data-kinds~="call"]', { timeout: 10000, state: 'attached' });
  await page.waitForSelector('canvas.messages[data-kinds~="delivery"]', { timeout: 10000, state: 'attached' });
  await page.locator('.log-line', { hasText: 'processed order 0' }).first().waitFor({ timeout: 20000 });
  await page.screenshot({ path: `${SHOTS}skeleton-playing.png` });
  // Messages travel along wires while playing.
  await page.click('[data-speed="max"]');
  await page.locator('g[data-resource="InboxDLQ"] .badge', { hasText: '1 visible' }).waitFor({ timeout: 30000 });
  const lines = await page.locator('.log-line code').allTextContents();
  assert.ok(lines.some((l) => /^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/.test(l)), 'START line');
  assert.ok(lines.some((l) => /^REPORT RequestId: .*\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB/.test(l)), 'REPORT line');
  assert.ok(lines.some((l) => l.includes('Invoke Error') && l.includes('cannot process order 2')), 'the poison message fails');
  await page.screenshot({ path: `${SHOTS}skeleton-dlq.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a share link opens the same (edited) scenario in a fresh page', async () => {
  const { page } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  const original = await page.inputValue('#template');
  await page.fill('#template', original.replaceAll('InboxDLQ', 'ParkingLot'));
  await page.click('#apply');
  await page.waitForSelector('g[data-resource="ParkingLot"]');
  await page.click('#share');
  const url = await page.inputValue('#share-url');
  assert.ok(url.includes('#s=1.'), url);
  assert.equal(page.url(), url, 'the address bar holds the link');
  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await other.goto(url);
  await other.waitForSelector('g[data-resource="ParkingLot"]');
  assert.deepEqual(await nodeIds(other), ['Inbox', 'ParkingLot', 'Worker']);
  await fresh.close();
  await page.close();
});

test('a damaged link says so and keeps a working scenario', async () => {
  const { page } = await openPage(browser, `${SITE}#s=1.AAAAdamaged`);
  const banner = page.locator('#error');
  await banner.waitFor();
  assert.match(await banner.textContent(), /share link is damaged/);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.close();
});

test('a template error names its place and keeps the text', async () => {
  const { page } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  const bad = (await page.inputValue('#template')).replace('Queue: !GetAtt Inbox.Arn', 'Queue: !GetAtt Inbx.Arn');
  await page.fill('#template', bad);
  await page.click('#apply');
  await page.locator('#error').waitFor();
  assert.match(await page.textContent('#error'),
    /Resources\.Worker\.Properties\.Events\.FromInbox\.Properties\.Queue: Fn::GetAtt refers to unknown resource 'Inbx'/);
  assert.equal(await page.inputValue('#template'), bad, 'the text is kept');
  assert.deepEqual(await nodeIds(page), ['Inbox', 'InboxDLQ', 'Worker'], 'the last good scenario is still drawn');
  await page.close();
});

test('runaway handlers end as Lambda timeouts while the page keeps answering', async () => {
  const { page, errors } = await openPage(browser, shareLink(scenario('runaway.yaml')));
  await page.waitForSelector('g[data-resource="Chain"]');
  await page.click('#play');
  // The page answers clicks while the engine works: the speed buttons respond at once.
  for (const speed of ['10×', '100×', '1×', 'max']) {
    await page.click(`[data-speed="${speed}"]`, { timeout: 2000 });
    assert.equal(await page.getAttribute(`[data-speed="${speed}"]`, 'aria-checked'), 'true');
  }
  await page.fill('#log-filter', 'timed out');
  const timedOut = page.locator('.log-line', { hasText: 'Task timed out after 3.00 seconds' });
  await timedOut.nth(1).waitFor({ timeout: 30000 });
  const who = await timedOut.evaluateAll((els) => els.map((e) => e.dataset.resource).sort());
  assert.deepEqual(who, ['Chain', 'Spin']);
  await page.screenshot({ path: `${SHOTS}runaway.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

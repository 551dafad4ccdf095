// Watching a run as a user does: Step to the next event, scrub the timeline back to an
// earlier moment (the run replayed exactly), follow one message in the trace, the
// minimap, the queue browser with a DLQ redrive, and the metric sparklines — on the built-in SQS → Lambda → DLQ example.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, SITE, SHOTS, freshPage, scenario } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const clock = (page) => page.$eval('#clock', (e) => e.textContent);
const seconds = async (page) => {
  const t = await clock(page);
  const m = t.match(/(\d+)m ([\d.]+)s/);
  return m ? Number(m[1]) * 60 + Number(m[2]) : Number(t.match(/([\d.]+) s/)[1]);
};

test('step, timeline, queue browser with redrive, metrics', async () => {
  const { context, page, errors } = await freshPage(browser);
  await page.goto(SITE);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.waitForFunction(() => document.querySelector('.engine-state')?.dataset.engine === 'ready');

  // Step: to the next event, and stays paused.
  await page.waitForFunction(() => !document.querySelector('#step').disabled);
  await page.click('#step');
  await page.waitForFunction(() => !document.querySelector('#clock').textContent.includes('t = 0.000 s'));
  const afterStep = await seconds(page);
  assert.ok(afterStep > 0 && afterStep < 2, `one step moved to ${afterStep}`);
  assert.match(await page.textContent('#play'), /Play/);

  // Run until the poison message has reached the dead-letter queue.
  await page.click('button.speed[data-speed="max"]');
  await page.click('#play');
  await page.click('#tab-queues');
  await page.locator('section.queue[data-queue="InboxDLQ"] tbody tr').first().waitFor({ timeout: 30000 });
  await page.click('#play'); // pause
  assert.match(await page.textContent('section.queue[data-queue="InboxDLQ"] header'), /dead-letter queue/);
  const reached = await seconds(page);
  const logsAtEnd = await page.$$eval('.log-line', (l) => l.length);

  // The timeline: back to t = 5 s shows the run as it was then, fewer log lines.
  await page.click('#tab-logs');
  await page.$eval('#timeline', (el) => { el.value = '5000'; el.dispatchEvent(new Event('change', { bubbles: true })); });
  await page.waitForFunction(() => document.querySelector('#clock').textContent.includes('5.000 s'));
  const logsThen = await page.$$eval('.log-line', (l) => l.length);
  assert.ok(logsThen > 0 && logsThen < logsAtEnd, `${logsThen} lines at 5 s, ${logsAtEnd} at ${reached} s`);
  const times = await page.$$eval('.log-line .t', (ts) => ts.map((t) => t.textContent));
  assert.ok(times.length > 0);
  // ... and forward again to where the run had reached: the same number of lines.
  await page.$eval('#timeline', (el) => { el.value = el.max; el.dispatchEvent(new Event('change', { bubbles: true })); });
  await page.waitForFunction((n) => document.querySelectorAll('.log-line').length === n, logsAtEnd);

  // Trace: follow the poison order by its body, then by its MessageId (pressing the
  // entry): its redeliveries and the move to the dead-letter queue.
  await page.click('#tab-trace');
  await page.fill('#trace-input', '"orderId": 2');
  await page.keyboard.press('Enter');
  await page.locator('.trace-row[data-kind="delivery"]').first().waitFor();
  await page.locator('.trace-row[data-kind="delivery"]').first().click();
  await page.waitForFunction(() => document.querySelectorAll('.panel.trace .term').length === 2);
  await page.locator('.trace-row[data-kind="dead_letter"]').first().waitFor();
  assert.ok(await page.locator('.trace-row[data-kind="redelivery"]').count() >= 2, 'redelivered after each visibility timeout');
  await page.screenshot({ path: `${SHOTS}trace.png` });

  // The minimap: zoomed in, a click on the minimap looks there.
  await page.click('#zoom-in');
  await page.click('#zoom-in');
  const before = await page.getAttribute('.canvas > svg', 'viewBox');
  const mm = await page.locator('.minimap').boundingBox();
  await page.mouse.click(mm.x + 5, mm.y + mm.height - 5);
  await page.waitForFunction((b) => document.querySelector('.canvas > svg').getAttribute('viewBox') !== b, before);
  await page.click('#zoom-fit');

  // Redrive the DLQ: the message goes back to Inbox.
  await page.click('#tab-queues');
  await page.click('button.redrive[data-redrive="InboxDLQ"]');
  await page.locator('#notice', { hasText: 'start-message-move-task' }).waitFor();
  await page.click('#step');
  await page.locator('section.queue[data-queue="InboxDLQ"] .move-task', { hasText: 'COMPLETED: 1 of 1 moved' }).waitFor();
  await page.screenshot({ path: `${SHOTS}queues.png` });

  // Metrics: sparklines with CloudWatch names.
  await page.click('#tab-metrics');
  for (const m of ['Worker/Invocations', 'Worker/ConcurrentExecutions', 'Inbox/ApproximateNumberOfMessagesVisible']) {
    await page.waitForSelector(`.metric[data-metric="${m}"] polyline`, { state: "attached" });
  }
  await page.screenshot({ path: `${SHOTS}metrics.png` });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a scenario too heavy for the chosen speed says how fast it really runs', async () => {
  const { context, page, errors } = await freshPage(browser);
  // The built-in example at 1×: the engine keeps up, nothing is said.
  await page.goto(SITE);
  await page.waitForFunction(() => document.querySelector('.engine-state')?.dataset.engine === 'ready');
  await page.click('#play');
  await page.waitForTimeout(2500);
  assert.equal(await page.isHidden('#pace'), true, 'at 1× the built-in example runs at 1×');
  await page.click('#play');
  // A queue fed every virtual millisecond, at 100×: 100,000 messages a second is more
  // than the engine makes here, so the controls show the speed it does make.
  const busy = scenario('busy-queue.yaml');
  await page.fill('#template', busy);
  await page.click('#apply');
  await page.waitForSelector('g[data-resource="Drain"]');
  await page.click('button.speed[data-speed="100×"]');
  await page.click('#play');
  await page.locator('#pace', { hasText: /running at \d+(\.\d)?×/ }).waitFor({ timeout: 20000 });
  const shown = Number((await page.textContent('#pace')).match(/([\d.]+)×/)[1]);
  assert.ok(shown > 0 && shown < 80, `running at ${shown}×`);
  // The logs draw the newest 500 lines, following the newest; older ones are counted.
  await page.locator('#log-older', { hasText: /\d+ older lines not shown/ }).waitFor({ timeout: 20000 });
  assert.equal(await page.locator('.log-line').count(), 500);
  const inView = await page.$eval('.log-lines', (box) => {
    const last = [...box.querySelectorAll('.log-line')].pop().getBoundingClientRect();
    const b = box.getBoundingClientRect();
    return last.bottom <= b.bottom + 1 && last.top >= b.top - 1;
  });
  assert.ok(inView, 'the newest line is in view');
  // Max asks for no particular speed: nothing to say.
  await page.click('button.speed[data-speed="max"]');
  await page.waitForSelector('#pace', { state: 'hidden', timeout: 10000 });
  await page.click('#play');
  assert.deepEqual(errors, []);
  await context.close();
});

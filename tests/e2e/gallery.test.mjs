// The example gallery: opening an example, running it, and never replacing the user's
// own scenario without asking.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, nodeIds, SHOTS } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the async example runs: retries end in the DLQ, successes reach the audit function', async () => {
  const { page, errors } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.selectOption('#example', 'async-destinations');
  await page.waitForSelector('g[data-resource="Audit"]');
  assert.deepEqual(await nodeIds(page), ['Audit', 'FailedOrders', 'Processor', 'ProcessorDLQ', 'Shipping']);
  assert.equal(await page.locator('line[data-wire="Processor->Audit"].on-success').count(), 1);
  assert.equal(await page.locator('line[data-wire="Processor->FailedOrders"].on-failure').count(), 1);
  assert.equal(await page.locator('line[data-wire="Processor->ProcessorDLQ"].dead-letter').count(), 1);
  await page.click('#play');
  await page.click('[data-speed="max"]');
  await page.locator('.log-line', { hasText: 'Success: order 0' }).waitFor({ timeout: 20000 });
  await page.locator('g[data-resource="ProcessorDLQ"] .badge', { hasText: '1 visible' }).waitFor({ timeout: 30000 });
  await page.screenshot({ path: `${SHOTS}gallery-async.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the execution-role example: the denied call is in the logs with the policy template that grants it', async () => {
  const { page, errors } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.selectOption('#example', 'execution-role');
  await page.waitForSelector('g[data-resource="Intern"]');
  await page.click('#play');
  await page.click('[data-speed="max"]');
  const hint = page.locator('.log-line[data-resource="Intern"]', { hasText: 'IAM: AccessDenied' }).first();
  await hint.waitFor({ timeout: 20000 });
  const text = await hint.textContent();
  assert.match(text, /is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:playground-Shipping-/);
  assert.match(text, /SAM policy template SQSSendMessagePolicy: \{ QueueName: !GetAtt Shipping.QueueName \} grants sqs:SendMessage on .*: add it to the Policies of Intern\./);
  await page.locator('g[data-resource="Shipping"] .badge', { hasText: '3 visible' }).waitFor({ timeout: 20000 });
  await page.screenshot({ path: `${SHOTS}gallery-execution-role.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the SNS fan-out example draws subscriptions as wires and filters deliveries', async () => {
  const { page, errors } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.selectOption('#example', 'sns-fanout');
  await page.waitForSelector('g[data-resource="OrderEvents"]');
  assert.deepEqual(await nodeIds(page), ['AuditQueue', 'BillingFn', 'BillingQueue', 'OrderEvents', 'ShippingFn'],
    'subscriptions are wires, not boxes');
  for (const wire of ['OrderEvents->BillingQueue', 'OrderEvents->AuditQueue', 'OrderEvents->ShippingFn']) {
    assert.equal(await page.locator(`line[data-wire="${wire}"].subscription`).count(), 1, wire);
  }
  await page.click('#play');
  await page.click('[data-speed="max"]');
  await page.locator('.log-line', { hasText: 'shipping {"orderId": 2' }).waitFor({ timeout: 20000 });
  await page.locator('g[data-resource="AuditQueue"] .badge', { hasText: '5 visible' }).waitFor({ timeout: 20000 });
  const shipping = await page.locator('.log-line[data-resource="ShippingFn"]', { hasText: 'INFO' }).count();
  assert.equal(shipping, 3, 'the filter policy let only the three large order_placed events through');
  await page.screenshot({ path: `${SHOTS}gallery-sns.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('switching examples asks before replacing the user\'s own scenario', async () => {
  const { page } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  const mine = (await page.inputValue('#template')) + '\n# my notes\n';
  await page.fill('#template', mine);
  let asked = 0;
  page.once('dialog', (d) => { asked += 1; d.dismiss(); });
  await page.selectOption('#example', 'async-destinations');
  await page.waitForTimeout(300);
  assert.equal(asked, 1, 'a confirmation was shown');
  assert.equal(await page.inputValue('#template'), mine, 'dismissed: the user\'s text stays');
  page.once('dialog', (d) => d.accept());
  await page.selectOption('#example', 'async-destinations');
  await page.waitForSelector('g[data-resource="Audit"]');
  await page.close();
});

test('the EventBridge example draws bus → rule → target wires and routes by pattern', async () => {
  const { page, errors } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.selectOption('#example', 'eventbridge-orders');
  await page.waitForSelector('g[data-resource="Shop"]');
  assert.deepEqual(await nodeIds(page), ['Fulfilment', 'LargeOrders', 'Notifier', 'Reporter', 'RuleDLQ', 'Shop']);
  assert.equal(await page.locator('line[data-wire="Shop->LargeOrders"].rule').count(), 1);
  assert.equal(await page.locator('line[data-wire="Shop->Notifier"].rule').count(), 1, 'the SAM rule on the function');
  assert.equal(await page.locator('line[data-wire="LargeOrders->Fulfilment"].target').count(), 1);
  assert.equal(await page.locator('line[data-wire="LargeOrders->RuleDLQ"].dead-letter').count(), 1);
  await page.click('#play');
  await page.click('[data-speed="max"]');
  await page.locator('g[data-resource="Fulfilment"] .badge', { hasText: '3 visible' }).waitFor({ timeout: 20000 });
  await page.locator('g[data-resource="RuleDLQ"] .badge', { hasText: '3 visible' }).waitFor({ timeout: 20000 });
  await page.locator('.log-line', { hasText: 'Scheduled Event at 1970-01-01T00:01:00Z' }).waitFor({ timeout: 20000 });
  await page.screenshot({ path: `${SHOTS}gallery-eventbridge.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('each example says what to watch', async () => {
  const { page, errors } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.click('#about summary');
  assert.match(await page.textContent('#about p'), /poison message/);
  await page.selectOption('#example', 'sync-vs-async');
  await page.waitForSelector('g[data-resource="Greeter"]');
  // Opened once, it stays open for the next scenario.
  await page.locator('#about p', { hasText: 'RequestResponse' }).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

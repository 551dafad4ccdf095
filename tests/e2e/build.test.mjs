// Building on the canvas as a user does: search the palette, drag a resource onto the
// canvas, click to add another, draw wires from a box's port (a possible one, one AWS
// has no such link for, one with several meanings), select and delete a wire and a box,
// undo and redo, move a box — each change landing in the template text as AWS needs it,
// shown as a diff.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, shareLink, SHOTS, freshPage } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const START = `# A queue and a function, not wired yet (this comment stays)
Transform: AWS::Serverless-2016-10-31
Metadata:
  Playground:
    Layout:
      Inbox: [100, 100]
      Worker: [460, 100]
Resources:
  Inbox:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: |
        exports.handler = async (event) => event.Records.length;
`;

async function center(page, selector) {
  const b = await page.locator(selector).first().boundingBox();
  assert.ok(b, `${selector} is on the page`);
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

// Presses on `from`'s port, moves over `to` and returns the hint shown there (before release).
async function dragWire(page, from, to) {
  const a = await center(page, `circle[data-port="${from}"]`);
  const b = await center(page, `g[data-resource="${to}"] rect`);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
  await page.mouse.move(b.x, b.y, { steps: 4 });
  const hint = await page.locator('#wire-hint').textContent();
  const cls = await page.locator(`g[data-resource="${to}"]`).getAttribute('class');
  await page.mouse.up();
  return { hint, cls };
}

const template = (page) => page.inputValue('#template');

test('palette, wires, delete, undo/redo and move edit the template', async () => {
  const { context, page, errors } = await freshPage(browser);
  await page.goto(shareLink(START));
  await page.waitForSelector('g[data-resource="Worker"]');

  // Search filters the palette.
  await page.fill('#palette-search', 'fifo');
  assert.deepEqual(await page.$$eval('.palette .kind', (els) => els.map((e) => e.dataset.kind)), ['sqs-fifo-queue', 'sns-fifo-topic']);
  await page.fill('#palette-search', 'zzz-nothing');
  await page.locator('.palette .empty', { hasText: 'No resource type matches' }).waitFor();
  await page.fill('#palette-search', '');

  // Drag an SQS queue onto the canvas: it lands where it was dropped.
  await page.dragAndDrop('.palette .kind[data-kind="sqs-queue"]', '.canvas svg', { targetPosition: { x: 300, y: 380 } });
  await page.waitForSelector('g[data-resource="Queue"]');
  let t = await template(page);
  assert.match(t, /\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 30\n/);
  assert.match(t, /      Queue: \[-?\d+, -?\d+\]\n/, 'the drop position is in the layout');
  assert.ok(t.startsWith('# A queue and a function, not wired yet (this comment stays)\n'));
  assert.match(await page.textContent('#change-summary'), /Added SQS queue Queue/);
  assert.ok((await page.textContent('#diff')).includes('+   Queue:'), 'the diff shows the new resource');

  // Press a palette entry: a topic is added too.
  await page.click('.palette .kind[data-kind="sns-topic"]');
  await page.waitForSelector('g[data-resource="Topic"]');

  // Queue → function: one meaning, an SQS event source on the function.
  let w = await dragWire(page, 'Inbox', 'Worker');
  assert.match(w.hint, /Release to wire Inbox → Worker/);
  assert.match(w.cls, /wire-ok/);
  await page.waitForSelector('line[data-wire="Inbox->Worker"].event-source', { state: 'attached' });
  assert.match(await template(page), /      Events:\n        InboxMessages:\n          Type: SQS\n          Properties:\n            Queue: !GetAtt Inbox.Arn\n            BatchSize: 10\n/);

  // Queue → topic: AWS has no such link; the box says so while dragging.
  w = await dragWire(page, 'Inbox', 'Topic');
  assert.match(w.hint, /a queue only holds messages/);
  assert.match(w.cls, /wire-refused/);
  await page.locator('#error', { hasText: 'No wire' }).waitFor();
  assert.equal(await page.locator('line[data-wire="Inbox->Topic"]').count(), 0);
  await page.click('#error button');

  // Function → queue: several meanings; the user picks the on-failure destination.
  w = await dragWire(page, 'Worker', 'Queue');
  assert.match(w.hint, /choose what Worker → Queue means/);
  await page.locator('#wire-choice').waitFor();
  const labels = await page.$$eval('#wire-choice .choice', (els) => els.map((e) => e.textContent));
  assert.ok(labels.some((l) => l.startsWith('OnFailure destination')), labels.join(' | '));
  assert.ok(labels.some((l) => l.startsWith('Dead-letter queue')), labels.join(' | '));
  await page.locator('#wire-choice .choice', { hasText: 'OnFailure destination' }).click();
  await page.waitForSelector('line[data-wire="Worker->Queue"].on-failure', { state: 'attached' });
  assert.match(await template(page), /      EventInvokeConfig:\n        DestinationConfig:\n          OnFailure:\n            Type: SQS\n            Destination: !GetAtt Queue.Arn\n/);
  await page.screenshot({ path: `${SHOTS}build-wired.png` });

  // Select the event-source wire and delete it: exactly its property goes.
  const before = await template(page);
  await page.locator('line.wire-hit[data-from="Inbox"][data-to="Worker"]').click({ force: true });
  await page.waitForSelector('line[data-wire="Inbox->Worker"].selected', { state: 'attached' });
  await page.keyboard.press('Delete');
  await page.waitForSelector('line[data-wire="Inbox->Worker"]', { state: 'detached' });
  t = await template(page);
  assert.ok(!t.includes('InboxMessages'), t);
  assert.ok(t.includes('OnFailure'), 'the other wire stays');
  assert.match(await page.textContent('#diff'), /-         InboxMessages:/);

  // Undo brings it back exactly; redo removes it again.
  await page.keyboard.press('Control+z');
  await page.waitForSelector('line[data-wire="Inbox->Worker"]', { state: 'attached' });
  assert.equal(await template(page), before);
  await page.keyboard.press('Control+Shift+z');
  await page.waitForSelector('line[data-wire="Inbox->Worker"]', { state: 'detached' });
  await page.click('#undo');
  await page.waitForSelector('line[data-wire="Inbox->Worker"]', { state: 'attached' });

  // Move a box: its position is written to the layout.
  const c = await center(page, 'g[data-resource="Worker"] rect');
  await page.mouse.move(c.x, c.y);
  await page.mouse.down();
  await page.mouse.move(c.x + 60, c.y + 80, { steps: 6 });
  await page.mouse.up();
  await page.waitForFunction(() => !document.querySelector('#template').value.includes('Worker: [460, 100]'));
  assert.match(await template(page), /      Worker: \[\d+, \d+\]\n/);

  // Select the topic and delete it.
  await page.locator('g[data-resource="Topic"] rect').click();
  await page.waitForSelector('g[data-resource="Topic"].selected');
  await page.keyboard.press('Delete');
  await page.waitForSelector('g[data-resource="Topic"]', { state: 'detached' });
  assert.ok(!(await template(page)).includes('Topic:'));

  // The edited scenario runs.
  await page.click('#play');
  await page.waitForFunction(() => document.querySelector('.engine-state')?.dataset.engine === 'ready');
  await page.screenshot({ path: `${SHOTS}build-final.png` });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the inspector edits properties within AWS limits and invokes a function with a test event', async () => {
  const { context, page, errors } = await freshPage(browser);
  await page.goto(shareLink(START));
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.locator('g[data-resource="Worker"] rect').click();
  await page.locator('.inspector h2', { hasText: 'Worker' }).waitFor();
  assert.match(await page.textContent('.inspector .field:has(#field-MemorySize) .limit'), /128–10,240 · default 128/);

  // Outside AWS's limit: said at the field, nothing written.
  const before = await template(page);
  await page.fill('#field-Timeout', '1000');
  await page.locator('#field-Timeout').press('Tab');
  await page.locator('.field-error', { hasText: 'between 1 and 900' }).waitFor();
  assert.equal(await template(page), before);
  await page.fill('#field-Timeout', '20');
  await page.locator('#field-Timeout').press('Tab');
  await page.waitForFunction(() => document.querySelector('#template').value.includes('      Timeout: 20\n'));
  assert.match(await page.textContent('#change-summary'), /Set Worker.Timeout/);

  // A choice, and a queue's fields.
  await page.selectOption('#field-Runtime', 'nodejs20.x');
  await page.waitForFunction(() => document.querySelector('#template').value.includes('Runtime: nodejs20.x'));
  await page.locator('g[data-resource="Inbox"] rect').click();
  await page.locator('.inspector h2', { hasText: 'Inbox' }).waitFor();
  assert.equal(await page.inputValue('#field-VisibilityTimeout'), '30');

  // Test event: the function's answer, with its log tail decoded.
  await page.locator('g[data-resource="Worker"] rect').click();
  await page.locator('.inspector h2', { hasText: 'Worker' }).waitFor();
  await page.fill('#test-payload', '{"Records": [{"body": "hi"}, {"body": "there"}]}');
  await page.click('#invoke');
  await page.locator('#invoke-result', { hasText: '"StatusCode": 200' }).waitFor();
  const result = await page.textContent('#invoke-result');
  assert.match(result, /"Payload": "2"/);
  assert.match(result, /REPORT RequestId/);

  // The handler's code in CodeMirror: a syntax error is marked before any run; the
  // fixed code is saved into the template.
  await page.locator('#code-host .cm-content').waitFor();
  await page.locator('#code-host .cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nconst broken = (;');
  await page.waitForFunction(() => Number(document.querySelector('#code-host').dataset.syntaxErrors) > 0);
  assert.match(await page.getAttribute('#code-host', 'data-first-error'), /Syntax error at line 3, column 17/);
  await page.locator('#code-host .cm-lintRange-error').first().waitFor({ state: 'attached' });
  for (let i = 0; i < '\nconst broken = (;'.length; i++) await page.keyboard.press('Backspace');
  await page.keyboard.type('\nexports.version = 2;');
  await page.waitForFunction(() => document.querySelector('#code-host').dataset.syntaxErrors === '0');
  await page.keyboard.press('Control+s');
  await page.waitForFunction(() => document.querySelector('#template').value.includes('        exports.version = 2;\n'));
  assert.match(await page.textContent('#change-summary'), /Saved Worker's handler code/);
  await page.screenshot({ path: `${SHOTS}inspector.png` });
  assert.deepEqual(errors, []);
  await context.close();
});

test('command palette, duplicate, arrange and named scenarios', async () => {
  const { context, page, errors } = await freshPage(browser);
  await page.goto(shareLink(START));
  await page.waitForSelector('g[data-resource="Worker"]');

  // Ctrl+K, type, Enter: the first match runs.
  await page.keyboard.press('Control+k');
  await page.locator('#command-input').waitFor();
  await page.keyboard.type('add sns');
  assert.match(await page.textContent('#command-list li.active'), /Add SNS topic/);
  await page.keyboard.press('Enter');
  await page.waitForSelector('g[data-resource="Topic"]');
  assert.equal(await page.locator('#commands').count(), 0, 'the palette closes');

  // Duplicate the selection (it is the new topic) with Ctrl+D.
  await page.locator('g[data-resource="Topic"] rect').click();
  await page.keyboard.press('Control+d');
  await page.waitForSelector('g[data-resource="Topic2"]');

  // Arrange: the layout goes, the automatic one draws the boxes.
  await page.click('#arrange');
  await page.waitForFunction(() => !document.querySelector('#template').value.includes('Layout:'));

  // Named scenarios: save under a name, reopen it from the picker after a reload.
  page.once('dialog', (d) => d.accept('lesson one'));
  await page.click('#save-as');
  await page.locator('#notice', { hasText: 'Saved as “lesson one”' }).waitFor();
  const mine = await page.inputValue('#template');
  await page.reload();
  await page.waitForSelector('g[data-resource="Worker"]');
  assert.equal(await page.locator('#example option[value="saved:lesson one"]').count(), 1);
  // Saved work is not "own unsaved work": opening an example does not ask.
  await page.selectOption('#example', 'sqs-fifo-groups');
  await page.waitForSelector('g[data-resource="Worker"]', { state: 'detached' });
  await page.selectOption('#example', 'saved:lesson one');
  await page.waitForFunction((t) => document.querySelector('#template').value === t, mine);
  page.once('dialog', (d) => d.accept());
  await page.click('#delete-saved');
  await page.waitForFunction(() => !document.querySelector('#example option[value="saved:lesson one"]'));
  assert.deepEqual(errors, []);
  await context.close();
});

test('multi-select, copy and paste (also into another scenario), delete several at once', async () => {
  const { context, page, errors } = await freshPage(browser);
  await page.goto(shareLink(START));
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.locator('g[data-resource="Inbox"] rect').click();
  await page.locator('g[data-resource="Worker"] rect').click({ modifiers: ['Shift'] });
  await page.waitForSelector('g[data-resource="Inbox"].selected');
  await page.waitForSelector('g[data-resource="Worker"].selected');
  await page.keyboard.press('Control+c');
  await page.locator('#notice', { hasText: 'Copied Inbox, Worker' }).waitFor();
  await page.keyboard.press('Control+v');
  await page.waitForSelector('g[data-resource="Inbox2"]');
  await page.waitForSelector('g[data-resource="Worker2"]');

  // Both copies selected and deleted in one step; one undo brings both back.
  await page.locator('g[data-resource="Inbox2"] rect').click();
  await page.locator('g[data-resource="Worker2"] rect').click({ modifiers: ['Shift'] });
  await page.keyboard.press('Delete');
  await page.waitForSelector('g[data-resource="Worker2"]', { state: 'detached' });
  assert.equal(await page.locator('g[data-resource="Inbox2"]').count(), 0);
  assert.match(await page.textContent('#change-summary'), /Deleted Inbox2, Worker2/);
  await page.keyboard.press('Control+z');
  await page.waitForSelector('g[data-resource="Worker2"]');

  // Into another scenario (the example asks first: this one is the user's own).
  page.once('dialog', (d) => d.accept());
  await page.selectOption('#example', 'sns-fanout');
  await page.waitForSelector('g[data-resource="Worker"]', { state: 'detached' });
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('Control+v');
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.waitForSelector('g[data-resource="Inbox"]');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a multi-selection moves together, by dragging one of its boxes or with the arrow keys', async () => {
  const { context, page, errors } = await freshPage(browser);
  await page.goto(shareLink(START));
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.locator('g[data-resource="Inbox"] rect').click();
  await page.locator('g[data-resource="Worker"] rect').click({ modifiers: ['Shift'] });
  await page.waitForSelector('g[data-resource="Worker"].selected');
  // Drag Inbox down: Worker follows while dragging and lands by the same offset.
  const a = await center(page, 'g[data-resource="Inbox"] rect');
  const before = await page.locator('g[data-resource="Worker"]').getAttribute('transform');
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(a.x, a.y + 40, { steps: 4 });
  await page.mouse.move(a.x, a.y + 80, { steps: 4 });
  assert.notEqual(await page.locator('g[data-resource="Worker"]').getAttribute('transform'), before, 'the group moves live');
  await page.mouse.up();
  await page.waitForFunction(() => /Worker: \[460, 1[6-9]\d\]/.test(document.querySelector('#template').value));
  const t = await template(page);
  const y = (id) => Number(t.match(new RegExp(`${id}: \\[(\\d+), (\\d+)\\]`))[2]);
  assert.equal(y('Inbox') - 100, y('Worker') - 100, 'both moved by the same offset');
  assert.match(await page.textContent('#change-summary'), /Moved Inbox, Worker/);
  // One undo puts both back.
  await page.keyboard.press('Control+z');
  await page.waitForFunction(() => document.querySelector('#template').value.includes('Worker: [460, 100]'));
  assert.ok((await template(page)).includes('Inbox: [100, 100]'));
  // Arrow keys nudge the whole selection (still selected after the moves).
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('#template').value.includes('Worker: [470, 100]'));
  assert.ok((await template(page)).includes('Inbox: [110, 100]'));
  await page.keyboard.press('Shift+ArrowDown');
  await page.waitForFunction(() => document.querySelector('#template').value.includes('Worker: [470, 150]'));
  await page.screenshot({ path: `${SHOTS}/multi-move.png` });
  assert.deepEqual(errors, []);
  await context.close();
});

test('wiring with the keyboard alone: W on a box, Tab to another, Enter', async () => {
  const { context, page, errors } = await freshPage(browser);
  await page.goto(shareLink(START));
  await page.waitForSelector('g[data-resource="Worker"]');
  // Tab to the queue (boxes are focusable; focus selects), start a wire with W.
  await page.locator('g[data-resource="Inbox"]').focus();
  await page.waitForSelector('g[data-resource="Inbox"].selected');
  await page.keyboard.press('w');
  await page.locator('#wire-hint', { hasText: 'Wiring from Inbox' }).waitFor();
  // Tab on to the function: the hint says what Enter will do.
  await page.keyboard.press('Tab');
  await page.waitForSelector('g[data-resource="Worker"].selected');
  await page.locator('#wire-hint', { hasText: 'Enter wires Inbox → Worker' }).waitFor();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#template').value.includes('Type: SQS'));
  assert.match(await template(page), /Queue: !GetAtt Inbox\.Arn/);
  assert.equal(await page.locator('#wire-hint').count(), 0, 'the hint is gone once wired');
  // Escape cancels a keyboard wire.
  await page.keyboard.press('w');
  await page.locator('#wire-hint').waitFor();
  await page.keyboard.press('Escape');
  await page.waitForSelector('#wire-hint', { state: 'detached' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the template text becomes a CodeMirror editor on the first click, in sync with the canvas', async () => {
  const { context, page, errors } = await freshPage(browser);
  await page.goto(shareLink(START));
  await page.waitForSelector('g[data-resource="Worker"]');
  // The first visit does not fetch the editor bundle: the text is a plain textarea.
  assert.equal(await page.locator('#pg-editor-js').count(), 0, 'no editor bundle before a click');
  assert.ok(await page.locator('#template').isVisible());
  // A click on the first line swaps in CodeMirror, caret where the click put it.
  await page.click('#template', { position: { x: 60, y: 14 } });
  await page.waitForSelector('#template-host .cm-editor');
  await page.waitForSelector('#template', { state: 'hidden' });
  assert.ok(await page.locator('#template-host .cm-content').evaluate((el) => el.contains(document.activeElement) || el === document.activeElement), 'the editor has the focus');
  // Typing there edits the scenario's text; Ctrl+Enter applies it (no blank line added).
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('# typed in CodeMirror');
  await page.waitForFunction(() => document.querySelector('#template').value.includes('(this comment stays)\n# typed in CodeMirror\nTransform:'));
  assert.equal(await page.locator('#apply').isDisabled(), false, 'the edit is not applied yet');
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction(() => document.querySelector('#apply').disabled);
  assert.ok((await template(page)).includes('# typed in CodeMirror\nTransform:'), 'Ctrl+Enter applied without inserting a line');
  // A canvas edit shows in the editor at once.
  await page.click('.palette .kind[data-kind="sns-topic"]');
  await page.waitForSelector('g[data-resource="Topic"]');
  await page.waitForFunction(() => document.querySelector('#template-host .cm-content').textContent.includes('Type: AWS::SNS::Topic'));
  // A YAML syntax error is marked in the editor.
  await page.locator('#template-host .cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nBroken: ] stray');
  await page.waitForFunction(() => Number(document.querySelector('#template-host').dataset.syntaxErrors) > 0);
  await page.screenshot({ path: `${SHOTS}template-codemirror.png` });
  assert.deepEqual(errors, []);
  await context.close();
});

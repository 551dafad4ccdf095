// Step Functions on the page: the order-workflow example draws task wires, runs, lists
// its executions; choosing one lights its states and shows the history table. The API
// console answers AWS CLI commands against the running scenario.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, nodeIds, shareLink, SHOTS } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the Step Functions example runs and its executions show their history', async () => {
  const { page, errors } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.selectOption('#example', 'step-functions-order');
  await page.waitForSelector('g[data-resource="OrderFlow"]');
  assert.deepEqual(await nodeIds(page), ['Approvals', 'Approver', 'ChargeCard', 'CheckOrder', 'OrderFlow', 'Shipments']);
  for (const wire of ['OrderFlow->CheckOrder', 'OrderFlow->ChargeCard', 'OrderFlow->Approvals', 'OrderFlow->Shipments']) {
    assert.equal(await page.locator(`line[data-wire="${wire}"].task`).count(), 1, wire);
  }
  await page.click('#play');
  await page.click('[data-speed="max"]');
  await page.locator('g[data-resource="Shipments"] .badge', { hasText: '2 visible' }).waitFor({ timeout: 30000 });
  await page.click('#tab-executions');
  await page.locator('.exec[data-execution="order-2"]', { hasText: 'FAILED' }).waitFor({ timeout: 20000 });
  await page.locator('.exec[data-execution="order-1"]', { hasText: 'SUCCEEDED' }).waitFor();

  await page.click('.exec[data-execution="order-2"]');
  await page.locator('tr[data-type="ExecutionFailed"]').waitFor({ timeout: 10000 });
  assert.equal(await page.locator('.state.caught[data-state="Check order"]').count(), 1, 'the Lambda error was caught');
  assert.equal(await page.locator('.state.failed[data-state="Out of stock"]').count(), 1);
  assert.equal(await page.locator('.state.idle[data-state="Ship"]').count(), 1, 'never reached');

  await page.click('.exec[data-execution="order-1"]');
  await page.locator('tr[data-type="TaskSubmitted"]').waitFor({ timeout: 10000 });
  assert.equal(await page.locator('.state.succeeded[data-state="Ask for approval"]').count(), 1);
  assert.equal(await page.locator('.state.succeeded[data-state="Charge card"]').count(), 1, 'nested Parallel branch states are shown');
  await page.screenshot({ path: `${SHOTS}stepfunctions-executions.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the API console runs AWS CLI commands and reports AWS errors', async () => {
  const { page, errors } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.click('#tab-console');
  await page.fill('#console-input', 'aws sqs list-queues');
  await page.press('#console-input', 'Enter');
  await page.locator('.console-out pre', { hasText: 'QueueUrls' }).waitFor({ timeout: 10000 });
  const url = await page.locator('.console-out pre').first().innerText();
  const queue = JSON.parse(url).QueueUrls[0];
  await page.fill('#console-input', `aws sqs send-message --queue-url ${queue} --message-body 'from the console'`);
  await page.press('#console-input', 'Enter');
  await page.locator('.console-out pre', { hasText: 'MD5OfMessageBody' }).waitFor({ timeout: 10000 });
  await page.fill('#console-input', 'aws sqs get-queue-url --queue-name nope');
  await page.press('#console-input', 'Enter');
  await page.locator('.console-out .bad pre', { hasText: 'QueueDoesNotExist' }).waitFor({ timeout: 10000 });
  await page.fill('#console-input', 'aws sqs send-message --queue-url');
  await page.press('#console-input', 'ArrowUp');
  assert.match(await page.inputValue('#console-input'), /get-queue-url/, 'Up recalls the last command');
  await page.screenshot({ path: `${SHOTS}console.png` });
  assert.deepEqual(errors, []);
  await page.close();
});

test('the state machine graph: lit by an execution, errors located while editing, saved', async () => {
  const { page, errors } = await openPage(browser);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.selectOption('#example', 'step-functions-order');
  await page.waitForSelector('g[data-resource="OrderFlow"]');
  await page.click('#play');
  await page.click('[data-speed="max"]');
  await page.click('#tab-executions');
  await page.locator('.exec[data-execution="order-2"]', { hasText: 'FAILED' }).waitFor({ timeout: 30000 });
  await page.click('#play'); // pause
  await page.click('.exec[data-execution="order-2"]');
  await page.locator('tr[data-type="ExecutionFailed"]').waitFor({ timeout: 10000 });

  // The inspector draws the machine, lit by the chosen execution.
  await page.locator('g[data-resource="OrderFlow"] rect').click();
  await page.locator('.asl-graph').waitFor();
  await page.locator('.asl-graph g.caught[data-state="Check order"]').waitFor();
  await page.locator('.asl-graph g.failed[data-state="Out of stock"]').waitFor();
  assert.equal(await page.locator('.asl-graph g.group[data-state="Charge and reserve"], .asl-graph g[data-state="Charge and reserve"] rect.group').count() > 0, true, 'Parallel drawn as a group');
  assert.equal(await page.locator('.asl-graph path.asl-edge.catch').count() > 0, true);
  await page.screenshot({ path: `${SHOTS}stepfunctions-graph.png` });

  // The data-flow view of a state: run on the input the execution gave it, with its
  // Task's recorded outcome as the mock.
  await page.locator('.asl-graph g[data-state="Check order"]').click();
  await page.locator('#dataflow dd[data-stage="input"]').waitFor();
  assert.match(await page.textContent('#dataflow dd[data-stage="input"]'), /"orderId":2/);
  assert.match(await page.textContent('#dataflow dd[data-stage="status"]'), /OutOfStock/);
  await page.locator('.asl-graph g[data-state="Large order?"]').click();
  await page.fill('#dataflow-input', '{"amount": 500}');
  await page.locator('#dataflow dd[data-stage="status"]', { hasText: '→ Ask for approval' }).waitFor();

  // Edit the definition: an error is listed with its location and marked on the graph.
  await page.locator('#definition-host .cm-line').first().click();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}');
  await page.locator('#definition-problems li', { hasText: 'MISSING_TRANSITION_TARGET at /States/A/Next' }).waitFor();
  await page.locator('.asl-graph g.invalid[data-state="A"]').waitFor();
  assert.equal(await page.isDisabled('#save-definition'), false);
  // Fixed: no problems; saved into the template.
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await page.keyboard.type('{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}');
  await page.waitForFunction(() => document.querySelectorAll('#definition-problems li').length === 0);
  await page.click('#save-definition');
  await page.waitForFunction(() => document.querySelector('#template').value.includes('        StartAt: A\n'));
  assert.match(await page.textContent('#change-summary'), /Saved OrderFlow's definition/);

  // Edit from the graph: press a state (keyboard too), add one after it, rename it,
  // point a Next, delete — each edit lands in the definition text, then Save.
  const definition = () => page.locator('#definition-host .cm-content').textContent();
  await page.locator('.asl-graph g[data-state="A"]').focus();
  await page.keyboard.press('Enter');
  await page.locator('#state-tools', { hasText: 'State A' }).waitFor();
  await page.selectOption('#add-state', 'Wait');
  await page.locator('.asl-graph g[data-state="Wait"]').waitFor();
  await page.locator('.asl-graph path[data-edge="A->Wait"]').waitFor({ state: 'attached' });
  assert.match(await definition(), /"A": \{\s*"Type": "Pass",\s*"Next": "Wait"\s*\}/);
  await page.locator('#state-tools', { hasText: 'State Wait' }).waitFor();
  page.once('dialog', (d) => d.accept('Pause'));
  await page.click('#rename-state');
  await page.locator('.asl-graph g[data-state="Pause"]').waitFor();
  assert.match(await definition(), /"Next": "Pause"/);
  // A wire dragged from Pause's port onto A makes A its Next: a loop.
  await page.setViewportSize({ width: 1400, height: 1400 }); // the whole graph in view
  await page.$eval('.definition-graph', (g) => g.scrollIntoView({ block: 'start' }));
  const port = await page.locator('.asl-graph circle[data-port="Pause"]').boundingBox();
  const target = await page.locator('.asl-graph g[data-state="A"] rect').boundingBox();
  await page.mouse.move(port.x + port.width / 2, port.y + port.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 5 });
  assert.equal(await page.locator('.asl-graph line.asl-drag').count(), 1, 'the wire follows the pointer');
  await page.mouse.up();
  await page.locator('.asl-graph path[data-edge="Pause->A"]').waitFor({ state: 'attached' });
  assert.equal(await page.locator('.asl-graph line.asl-drag').count(), 0);
  assert.match(await definition(), /"Pause": \{\s*"Type": "Wait",\s*"Seconds": 5,\s*"Next": "A"\s*\}/);
  await page.locator('#definition-problems li', { hasText: 'no terminal state' }).waitFor();
  // A refused edit says why and changes nothing.
  await page.locator('.asl-graph g[data-state="A"]').click();
  await page.selectOption('#add-state', 'Succeed');
  await page.locator('.asl-graph g[data-state="Succeed"]').waitFor();
  await page.locator('.asl-graph g[data-state="Succeed"]').click();
  await page.selectOption('#add-state', 'Pass');
  await page.locator('#error', { hasText: 'Succeed ends the execution' }).waitFor();
  await page.click('#error button');
  // The toolbar points a Next too: Pause on to Succeed.
  await page.locator('.asl-graph g[data-state="Pause"]').click();
  await page.selectOption('#state-next', 'Succeed');
  await page.locator('.asl-graph path[data-edge="Pause->Succeed"]').waitFor({ state: 'attached' });
  // Delete the state left unreachable: the machine is valid again.
  await page.locator('.asl-graph g[data-state="Pause"]').click();
  await page.click('#delete-state');
  await page.waitForSelector('.asl-graph g[data-state="Pause"]', { state: 'detached' });
  await page.waitForFunction(() => document.querySelectorAll('#definition-problems li').length === 0);
  // Drag a Wait from the state palette onto A: it runs after A, before Succeed.
  await page.$eval('.definition-graph', (g) => g.scrollIntoView({ block: 'start' }));
  await page.dragAndDrop('.state-palette .state-chip[data-kind="Wait"]', '.asl-graph g[data-state="A"] rect');
  await page.locator('.asl-graph path[data-edge="A->Wait"]').waitFor({ state: 'attached' });
  await page.locator('.asl-graph path[data-edge="Wait->Succeed"]').waitFor({ state: 'attached' });
  await page.locator('.asl-graph g[data-state="A"]').click();
  await page.$eval('.definition-graph', (g) => g.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${SHOTS}asl-graph-edit.png` });
  await page.click('#save-definition');
  await page.waitForFunction(() => document.querySelector('#template').value.includes('Type: Succeed'));
  assert.match(await page.inputValue('#template'), /Type: Wait\n\s+Seconds: 5\n\s+Next: Succeed/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('dragging a wire near the edge of a tall graph scrolls it to the states out of sight', async () => {
  const states = Array.from({ length: 12 }, (_, i) => `          S${i}: { Type: Pass, ${i < 11 ? `Next: S${i + 1}` : 'End: true'} }`).join('\n');
  const { page, errors } = await openPage(browser, shareLink(`Resources:
  Long:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        StartAt: S0
        States:
${states}
`));
  await page.setViewportSize({ width: 1400, height: 1400 }); // the graph's box in view
  await page.locator('g[data-resource="Long"] rect').click();
  await page.$eval('.definition-graph', (g) => g.scrollIntoView({ block: 'start' }));
  const box = await page.locator('.definition-graph').boundingBox();
  assert.equal(await page.$eval('.definition-graph', (g) => g.scrollTop), 0);
  const port = await page.locator('.asl-graph circle[data-port="S0"]').boundingBox();
  await page.mouse.move(port.x + port.width / 2, port.y + port.height / 2);
  await page.mouse.down();
  for (let i = 0; i < 60; i++) await page.mouse.move(box.x + box.width / 2, box.y + box.height - 8 - (i % 2));
  const scrolled = await page.$eval('.definition-graph', (g) => g.scrollTop);
  assert.ok(scrolled > 300, `the box scrolled by ${scrolled}px`);
  // Dropped on a state brought into sight (out of sight before): S0 now goes there.
  const seen = await page.$eval('.definition-graph', (g) => {
    const b = g.getBoundingClientRect();
    return [...g.querySelectorAll('g[data-state]')].map((s) => [s.dataset.state, s.getBoundingClientRect()])
      .filter(([n, r]) => /^S([5-9]|1[01])$/.test(n) && r.top >= b.top && r.bottom <= b.bottom - 30)
      .map(([n]) => n)[0];
  });
  assert.ok(seen, 'a state from the lower half is in sight');
  const target = await page.locator(`.asl-graph g[data-state="${seen}"] rect`).boundingBox();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 3 });
  await page.mouse.up();
  await page.locator(`.asl-graph path[data-edge="S0->${seen}"]`).waitFor({ state: 'attached' });
  assert.deepEqual(errors, []);
  await page.close();
});

const ACTIVITY = `Metadata:
  Playground:
    Layout: { Review: [80, 120], Flow: [420, 120] }
    Drivers:
      - { At: 1s, Action: "states:StartExecution", Target: Flow, Params: { name: needs-review, input: '{"doc": "d-1"}' } }
Resources:
  Review:
    Type: AWS::StepFunctions::Activity
    Properties: { Name: review }
  Flow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: flow
      Definition:
        StartAt: Human review
        States:
          Human review: { Type: Task, Resource: !Ref Review, TimeoutSeconds: 3600, End: true }
`;

test('an activity box is a worker: get the waiting task, send its result', async () => {
  const { page, errors } = await openPage(browser, shareLink(ACTIVITY));
  await page.waitForSelector('g[data-resource="Review"]');
  await page.click('#play');
  await page.click('[data-speed="max"]');
  await page.click('#tab-executions');
  await page.locator('.exec[data-execution="needs-review"]', { hasText: 'RUNNING' }).waitFor({ timeout: 20000 });
  await page.click('#play');
  await page.locator('g[data-resource="Review"] .badge', { hasText: '1 task waiting · 0 workers polling' }).waitFor({ timeout: 10000 });
  await page.locator('g[data-resource="Review"] rect').click();
  await page.click('#worker-poll');
  await page.locator('#worker-input', { hasText: '"doc":"d-1"' }).waitFor({ timeout: 20000 });
  await page.locator('g[data-resource="Review"] .badge', { hasText: '0 tasks waiting' }).waitFor({ timeout: 10000 });
  await page.fill('#worker-output', '{"approved": true}');
  await page.click('#worker-heartbeat');
  await page.locator('#worker-result', { hasText: 'SendTaskHeartbeat: done' }).waitFor({ timeout: 10000 });
  await page.click('#worker-success');
  await page.locator('#worker-result', { hasText: 'SendTaskSuccess: done' }).waitFor({ timeout: 10000 });
  await page.locator('.exec[data-execution="needs-review"]', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 20000 });
  await page.screenshot({ path: `${SHOTS}activity-worker.png` });
  // Polling again: nothing waits now.
  await page.click('#worker-poll');
  await page.locator('#worker-result', { hasText: 'No task was waiting' }).waitFor({ timeout: 20000 });
  assert.deepEqual(errors, []);
  await page.close();
});

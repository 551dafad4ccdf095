// Sharing and embedding as users do: the address bar follows the editor (template and
// panel), a link too long for chat warns and offers the file, templates are exported
// and imported, the embed snippet is generated, an embedded page obeys its options and
// talks to its host with postMessage, the theme is remembered, and the site works
// offline after the first visit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { launch, shareLink, freshPage, SITE, SHOTS } from './helpers.mjs';
import { startServer } from './serve.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const SMALL = `Resources:
  Inbox: { Type: AWS::SQS::Queue }
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      InlineCode: "exports.handler = async () => 1;"
      Events:
        In: { Type: SQS, Properties: { Queue: !GetAtt Inbox.Arn } }
Metadata:
  Playground:
    Drivers:
      - { At: 0s, Every: 1s, Count: 3, Action: sqs:SendMessage, Target: Inbox, Params: { MessageBody: hi } }
`;

function decodeFragment(url) {
  const s = new URL(url).hash.slice(1).split('&').find((p) => p.startsWith('s='));
  assert.ok(s, `a share fragment in ${url}`);
  return inflateRawSync(Buffer.from(s.slice('s=1.'.length), 'base64url')).toString('utf8');
}

const fresh = () => freshPage(browser);

test('the address bar follows the editor and the chosen panel', async () => {
  const { context, page, errors } = await fresh();
  await page.goto(shareLink(SMALL));
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.fill('#template', SMALL + '# edited\n');
  await page.waitForFunction(() => location.hash.includes('&tab=logs'));
  assert.equal(decodeFragment(page.url()), SMALL + '# edited\n');
  await page.click('#tab-executions');
  await page.waitForFunction(() => location.hash.endsWith('&tab=executions'));
  // The link opens the same text and panel in a new browser (no saved work there).
  const other = await fresh();
  await other.page.goto(page.url());
  await other.page.waitForSelector('g[data-resource="Worker"]');
  assert.equal(await other.page.inputValue('#template'), SMALL + '# edited\n');
  assert.equal(await other.page.getAttribute('#tab-executions', 'aria-selected'), 'true');
  await other.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a long link warns and offers the file; export and import', async () => {
  const { context, page, errors } = await fresh();
  // Random text does not compress: the link gets long.
  const big = SMALL.replace('exports.handler = async () => 1;', `exports.handler = async () => '${randomBytes(2400).toString('base64')}';`);
  await page.goto(shareLink(SMALL));
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.fill('#template', big);
  await page.click('#apply');
  await page.click('#share');
  await page.locator('#link-warning', { hasText: 'too long for some chat apps' }).waitFor();
  let [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-template')]);
  assert.equal(download.suggestedFilename(), 'template.yaml');
  assert.equal(readFileSync(await download.path(), 'utf8'), big);

  [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  assert.equal(download.suggestedFilename(), 'template.json');
  const json = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.deepEqual(json.Resources.Worker.Properties.Events.In.Properties.Queue, { 'Fn::GetAtt': ['Inbox', 'Arn'] });

  // Import a file: it replaces the editor's text as one undoable step.
  const imported = 'Resources:\n  FromFile: { Type: AWS::SNS::Topic }\n';
  await page.setInputFiles('#import', { name: 'mine.yaml', mimeType: 'application/yaml', buffer: Buffer.from(imported) });
  await page.waitForSelector('g[data-resource="FromFile"]');
  assert.match(await page.textContent('#change-summary'), /Imported mine.yaml/);
  await page.click('#undo');
  await page.waitForSelector('g[data-resource="Worker"]');
  assert.equal(await page.inputValue('#template'), big);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the embed snippet, and an embedded page with its options and postMessage', async () => {
  const { context, page, errors } = await fresh();
  await page.goto(shareLink(SMALL));
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.click('#embed-button');
  await page.selectOption('#embed-mode', 'canvas');
  await page.selectOption('#embed-panel-choice', 'executions');
  await page.check('#embed-readonly');
  await page.check('#embed-autoplay');
  const snippet = await page.inputValue('#embed-snippet');
  const src = snippet.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
  assert.match(src, /\?embed&mode=canvas&panel=executions&readOnly&autoplay#s=1\./);
  assert.equal(decodeFragment(src), SMALL);

  // The visitor's own saved work, which the embed must leave alone.
  await page.evaluate(() => localStorage.setItem('serverless-playground.autosave.v1', 'Resources: {} # mine'));

  // A course page embeds it.
  const host = `<!doctype html><title>Course</title><h1>Lesson 3</h1>
    <script>window.msgs = []; addEventListener('message', (e) => window.msgs.push(e.data));</script>
    <iframe id="pg" src="${src.replace('&', '&amp;')}" width="1200" height="700"></iframe>`;
  // The course page is served from another origin (a second server on this machine).
  const dir = mkdtempSync(join(tmpdir(), 'course-'));
  writeFileSync(join(dir, 'course.html'), host);
  await page.goto(new URL('course.html', await startServer(dir)).href);
  const types = () => page.evaluate(() => window.msgs.filter((m) => m.source === 'serverless-playground').map((m) => m.type));
  await page.waitForFunction(() => window.msgs.some((m) => m.type === 'progress'), null, { timeout: 20000 });
  const seen = await types();
  for (const t of ['ready', 'loaded', 'play', 'progress']) assert.ok(seen.includes(t), `${t} in ${seen}`);
  const frame = page.frameLocator('#pg');
  await frame.locator('g[data-resource="Worker"]').waitFor();
  assert.equal(await frame.locator('#open-full').count(), 1);
  assert.equal(await frame.locator('#share').count(), 0);
  assert.equal(await frame.locator('.palette').isVisible(), false, 'read-only: no palette');
  assert.equal(await frame.locator('.side').isVisible(), false, 'canvas mode: no template');
  assert.equal(await frame.locator('#tab-executions').getAttribute('aria-selected'), 'true');
  // The host pauses it.
  await page.evaluate(() => document.querySelector('#pg').contentWindow.postMessage({ type: 'pause' }, '*'));
  await page.waitForFunction(() => window.msgs.some((m) => m.type === 'pause'));
  await frame.locator('#play', { hasText: 'Play' }).waitFor();
  await page.screenshot({ path: `${SHOTS}embed.png` });
  // The embed never wrote the visitor's autosave.
  const saved = await page.frames()[1].evaluate(() => localStorage.getItem('serverless-playground.autosave.v1'));
  assert.equal(saved, 'Resources: {} # mine');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the dark theme is remembered', async () => {
  const { context, page, errors } = await fresh();
  await page.goto(shareLink(SMALL));
  await page.waitForSelector('g[data-resource="Worker"]');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
  await page.click('#theme');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  await page.reload();
  await page.waitForSelector('g[data-resource="Worker"]');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  await page.screenshot({ path: `${SHOTS}dark.png` });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the site works offline after the first visit', async () => {
  const { context, page, errors } = await fresh();
  await page.goto(SITE);
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20000 });
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector('g[data-resource="Worker"]');
  await page.click('#play');
  await page.waitForFunction(() => !document.querySelector('#clock').textContent.includes('0.000 s'), null, { timeout: 20000 });
  // Examples are fetched when opened, and the code editor when first clicked: both
  // come from the service worker's cache, though never fetched online.
  await page.selectOption('#example', 'kinesis-shards');
  await page.waitForSelector('g[data-resource="Readings"]');
  await page.click('#template', { position: { x: 60, y: 14 } });
  await page.waitForSelector('#template-host .cm-editor');
  await context.setOffline(false);
  assert.deepEqual(errors, []);
  await context.close();
});

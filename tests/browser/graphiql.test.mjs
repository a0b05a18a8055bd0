// GraphiQL at /graphql in headless Chromium: it renders from the binary's embedded assets with
// no other network access, the docs explorer shows the schema, and the seed's three operations
// (triggerMLRetraining, mlRetrainingJobs, mlRetrainingJob) typed into the query editor show the
// expected data in the result pane. Run by tests/browser/run, which sets:
//   RETRAIN_URL, RETRAIN_MODEL, RETRAIN_RECORDS, SCREENSHOT_DIR, PLAYWRIGHT_DIR, CHROMIUM.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';

const env = process.env;
const base = env.RETRAIN_URL;
const model = env.RETRAIN_MODEL;
const records = Number(env.RETRAIN_RECORDS);
const require = createRequire(path.join(env.PLAYWRIGHT_DIR, 'node_modules', 'noop.js'));
const { chromium } = require('playwright-core');

const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';
const RESULT_EDITOR = '.graphiql-response .CodeMirror';

let browser;
let page;
const requests = [];
const pageErrors = [];
let shot = 0;

async function screenshot(name) {
  shot += 1;
  await page.screenshot({ path: path.join(env.SCREENSHOT_DIR, `graphiql-${shot}-${name}.png`) });
}

function editorValue(selector) {
  return page.evaluate((s) => document.querySelector(s).CodeMirror.getValue(), selector);
}

// Types `text` into the query editor the way a user does (replacing what is there) and checks
// that the editor holds exactly that text afterwards.
async function typeQuery(text) {
  await page.locator(QUERY_EDITOR).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text, { delay: 2 });
  await page.keyboard.press('Escape');  // closes an autocompletion popup, if any
  assert.equal(await editorValue(QUERY_EDITOR), text);
  // GraphiQL re-parses the document (to know its operations) debounced after the last edit;
  // the execute button runs what it parsed last.
  await page.waitForTimeout(500);
}

// Runs the editor's operation with the execute button and returns the parsed result pane.
async function run() {
  const previous = await editorValue(RESULT_EDITOR);
  const sent = requests.length;
  const request = page.waitForRequest((r) => r.method() === 'POST' && r.url() === `${base}/graphql`,
                                      { timeout: 5000 });
  await page.locator('button.graphiql-execute-button').click();
  await request;
  try {
    const handle = await page.waitForFunction(([s, prev]) => {
      const text = document.querySelector(s).CodeMirror.getValue();
      if (!text || text === prev) return null;
      try { JSON.parse(text); return text; } catch { return null; }
    }, [RESULT_EDITOR, previous], { timeout: 15000 });
    return JSON.parse(await handle.jsonValue());
  } catch (e) {
    await screenshot('no-result');
    throw new Error(`no result in the result pane (requests since the click: ` +
                    `${JSON.stringify(requests.slice(sent))}; result pane: ` +
                    `${JSON.stringify(await editorValue(RESULT_EDITOR))}): ${e.message}`);
  }
}

before(async () => {
  browser = await chromium.launch({
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => pageErrors.push(String(e)));
});

after(async () => {
  if (browser) await browser.close();
});

test('GraphiQL renders from the embedded assets, offline', async () => {
  const resp = await page.goto(`${base}/graphql`);
  assert.equal(resp.status(), 200);
  await page.locator('.graphiql-container').waitFor({ timeout: 20000 });
  await page.locator(QUERY_EDITOR).waitFor();
  await page.locator(RESULT_EDITOR).waitFor();
  // The default document of the page is in the editor.
  assert.match(await editorValue(QUERY_EDITOR), /mlRetrainingJobs/);
  const foreign = requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], 'the page must load nothing from outside the server');
  assert.ok(requests.some((u) => u.includes('/graphql/assets/graphiql.min.js')));
  assert.deepEqual(pageErrors, []);
  await screenshot('loaded');
});

test('the docs explorer lists the schema', async () => {
  await page.locator('button[aria-label="Show Documentation Explorer"]').click();
  const explorer = page.locator('.graphiql-doc-explorer');
  await explorer.waitFor();
  await explorer.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).click();
  const fields = explorer.locator('a.graphiql-doc-explorer-field-name');
  await fields.first().waitFor();
  assert.deepEqual(await fields.allTextContents(), ['mlRetrainingJobs', 'mlRetrainingJob', 'mlModels']);
  await screenshot('docs-query');
  await explorer.locator('.graphiql-doc-explorer-back').click();
  await explorer.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Mutation$/ }).click();
  await explorer.locator('a.graphiql-doc-explorer-field-name', { hasText: 'rollbackMLModel' }).waitFor();
  assert.deepEqual(await explorer.locator('a.graphiql-doc-explorer-field-name').allTextContents(),
                   ['triggerMLRetraining', 'cancelMLRetraining', 'promoteMLModel', 'rollbackMLModel']);
  await screenshot('docs-mutation');
});

let jobId;

test('triggerMLRetraining from the editor', async () => {
  await typeQuery(`mutation { triggerMLRetraining(modelId: "${model}", reason: "manual backfill") ` +
                  '{ id modelId status trigger reason records } }');
  const result = await run();
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  const job = result.data.triggerMLRetraining;
  assert.match(job.id, /^[0-9a-f]{32}$/);
  assert.deepEqual({ ...job, id: undefined }, {
    id: undefined, modelId: model, status: 'PENDING', trigger: 'graphql', reason: 'manual backfill',
    records,
  });
  jobId = job.id;
  await screenshot('trigger');
});

test('mlRetrainingJobs from the editor', async () => {
  await typeQuery('{ mlRetrainingJobs { id modelId trigger reason records } }');
  const result = await run();
  assert.deepEqual(result, {
    data: { mlRetrainingJobs: [
      { id: jobId, modelId: model, trigger: 'graphql', reason: 'manual backfill', records }] },
  });
  await screenshot('jobs');
});

test('mlRetrainingJob(jobId) from the editor', async () => {
  await typeQuery(`{ mlRetrainingJob(jobId: "${jobId}") { id modelId records events { seq status } } }`);
  const result = await run();
  const job = result.data.mlRetrainingJob;
  assert.deepEqual({ id: job.id, modelId: job.modelId, records: job.records },
                   { id: jobId, modelId: model, records });
  assert.deepEqual(job.events[0], { seq: 1, status: 'PENDING' });
  // The same job over REST, for the exact id and window.
  const rest = await (await fetch(`${base}/retraining/jobs/${jobId}`)).json();
  assert.equal(rest.id, jobId);
  assert.equal(rest.records, job.records);
  assert.deepEqual(pageErrors, []);
  await screenshot('job');
});

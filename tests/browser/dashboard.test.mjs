// The dashboard at / in headless Chromium, after graphiql.test.mjs has started a job: the
// models and jobs tables fill from the REST API, clicking a job opens its events, and a retrain
// request the API refuses (no unseen records left) is shown in the page with the API's reason until the user dismisses it.
// Run by tests/browser/run (same environment as graphiql.test.mjs).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';

const env = process.env;
const base = env.RETRAIN_URL;
const model = env.RETRAIN_MODEL;
const require = createRequire(path.join(env.PLAYWRIGHT_DIR, 'node_modules', 'noop.js'));
const { chromium } = require('playwright-core');

let browser;
let page;
const pageErrors = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: env.CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(`${base}/`);
});

after(async () => {
  await browser?.close();
});

test('models and jobs come from the API', async () => {
  const api = await (await fetch(`${base}/retraining/jobs`)).json();
  assert.ok(api.jobs.length >= 1, 'graphiql.test.mjs left a job behind');
  await page.locator('#models tbody tr').filter({ hasText: model }).waitFor();
  const firstJob = api.jobs[0];
  const row = page.locator(`#jobs tbody tr[data-job="${firstJob.id}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), new RegExp(firstJob.status));
  assert.deepEqual(pageErrors, []);
  await page.screenshot({ path: path.join(env.SCREENSHOT_DIR, 'dashboard-1-tables.png') });
});

test('a job opens with its events', async () => {
  const api = await (await fetch(`${base}/retraining/jobs`)).json();
  const job = api.jobs[0];
  await page.locator(`#jobs tbody tr[data-job="${job.id}"]`).click();
  await page.locator('#detail').waitFor({ state: 'visible' });
  assert.match(await page.locator('#detail-title').innerText(), new RegExp(job.id));
  const events = (await (await fetch(`${base}/retraining/jobs/${job.id}/events`)).json()).events;
  await page.waitForFunction((n) => document.querySelectorAll('#events tbody tr').length >= n, events.length);
  assert.match(await page.locator('#events tbody tr').first().innerText(), /pending/);
  await page.screenshot({ path: path.join(env.SCREENSHOT_DIR, 'dashboard-2-job.png') });
});

test('a refused retrain shows the API reason', async () => {
  // The job started from GraphiQL trains its window and ends; then nothing is left unseen and
  // the button is enabled again.
  await page.waitForFunction((id) => !document.querySelector(`#models button[data-trigger="${id}"]`).disabled,
                              model, { timeout: 60000 });
  const answer = await (await fetch(`${base}/models/${model}/trigger-preview`)).json();
  if (answer.manual.wouldFire) {
    assert.fail(`expected the API to refuse; it would start a job (${JSON.stringify(answer.manual)})`);
  }
  await page.locator(`#models button[data-trigger="${model}"]`).click();
  const notice = page.locator('#notice');
  await notice.waitFor({ state: 'visible' });
  const message = await page.locator('#notice-text').innerText();
  assert.match(message, new RegExp(`^Retrain ${model}: .*(unseen records|active job)`));
  await page.screenshot({ path: path.join(env.SCREENSHOT_DIR, 'dashboard-3-refused.png') });
  // Dismissing the notice hides it; the models table is still there behind it.
  await page.locator('#notice button[data-dismiss]').click();
  await notice.waitFor({ state: 'hidden' });
  await page.locator('#models tbody tr').filter({ hasText: model }).waitFor();
  assert.deepEqual(pageErrors, []);
});

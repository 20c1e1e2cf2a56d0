// The public lookup page in headless Chromium: autocomplete by pinyin initials,
// keyboard choice, the place record with its SVG map, a search and its results,
// a Chinese error message, Esc and the English toggle. Every request the page
// makes is recorded; any that leaves 127.0.0.1 is blocked and fails the run.
//
// Run by web/browser_test.go (go test ./web), which starts the service. By hand:
//   BASE_URL=http://127.0.0.1:8080 node web/e2e/lookup.mjs
// Environment:
//   BASE_URL        the service (required)
//   CHROMIUM        the browser (default /usr/bin/chromium)
//   SCREENSHOT_DIR  where the screenshots go (default: a new temp folder)
//   REPORT          a file to write {"requests": [...], "screenshots": [...]} to
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BASE = process.env.BASE_URL;
if (!BASE) {
  console.error('BASE_URL is required, e.g. BASE_URL=http://127.0.0.1:8080');
  process.exit(2);
}
const EXE = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOT_DIR || mkdtempSync(path.join(tmpdir(), 'diming-browser-'));
mkdirSync(SHOTS, { recursive: true });
const STEP_MS = 15000;

// The flags known to work with Debian's chromium here (DESIGN.md, "Browser tests").
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
  '--ignore-gpu-blocklist', '--disable-background-networking', '--no-first-run'];

const requests = [];
const offHost = [];
const problems = []; // console errors, page errors, failed requests not expected by the step
const screenshots = [];
let expectHTTPErrors = false;

function isLocal(url) {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.href === 'about:blank') return true;
  return u.hostname === '127.0.0.1';
}

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}
// soft records a failure and goes on, so later steps still run.
function soft(cond, msg) {
  if (!cond) problems.push(`${step}: ${msg}`);
}

let step = '';
function log(s) {
  step = s;
  console.log('step: ' + s);
}

async function shot(page, name) {
  const file = path.join(SHOTS, name);
  await page.screenshot({ path: file, fullPage: true });
  screenshots.push(file);
  console.log('screenshot: ' + file);
}

const browser = await chromium.launch({ executablePath: EXE, headless: true, args: ARGS, timeout: 60000 });
const context = await browser.newContext({
  locale: 'zh-CN', viewport: { width: 1200, height: 860 }, deviceScaleFactor: 1, serviceWorkers: 'block',
});
// Block (and record) anything that is not for the service itself.
await context.route(url => !isLocal(url.href), route => route.abort('blockedbyclient'));
context.on('request', r => {
  requests.push(r.method() + ' ' + r.url());
  if (!isLocal(r.url())) offHost.push(r.url());
});
const page = await context.newPage();
page.setDefaultTimeout(STEP_MS);
page.on('pageerror', e => problems.push('page error: ' + e.message));
page.on('console', m => {
  if (m.type() !== 'error') return;
  if (expectHTTPErrors && /Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
  problems.push('console error: ' + m.text());
});
page.on('response', r => {
  if (r.status() >= 400 && !expectHTTPErrors) problems.push(`HTTP ${r.status()} for ${r.url()}`);
});

const placeResponse = () => page.waitForResponse(r => /^\/api\/v1\/places\/\d+$/.test(new URL(r.url()).pathname) && r.ok());

let failed = null;
try {
  log('open the page');
  const res = await page.goto(BASE + '/', { waitUntil: 'load' });
  check(res.ok(), `GET / answered ${res.status()}`);
  check((res.headers()['content-security-policy'] || '').includes("default-src 'self'"), 'no strict Content-Security-Policy on /');
  await page.locator('#q').waitFor();
  check((await page.title()).includes('沙坪坝区标准地名查询'), 'the title is not the lookup page: ' + await page.title());
  check(await page.locator('label[for=q]').count() === 1, 'the search box has no label');
  check(await page.locator('#results-status[aria-live]').count() === 1, 'the results status is not a live region');

  log('type "spb": 沙坪坝街道 is suggested');
  const q = page.locator('#q');
  await q.click();
  await q.pressSequentially('spb', { delay: 50 });
  const options = page.locator('#suggestions [role=option]');
  const spb = options.filter({ hasText: '沙坪坝街道' }).first();
  await spb.waitFor({ state: 'visible' });
  check(await page.locator('#suggestions[role=listbox]').isVisible(), 'the suggestions are not a visible listbox');
  check(await q.getAttribute('aria-expanded') === 'true', 'aria-expanded is not true while suggestions show');
  const names = await options.locator('.s-name').allTextContents();
  console.log('suggestions for spb: ' + names.join(', '));
  const idx = names.indexOf('沙坪坝街道');
  check(idx >= 0, 'no suggestion named exactly 沙坪坝街道: ' + names.join(', '));

  log('choose it with ↓ and Enter');
  for (let i = 0; i <= idx; i++) await q.press('ArrowDown');
  const active = await q.getAttribute('aria-activedescendant');
  check(active && await page.locator('#' + active + ' .s-name').textContent() === '沙坪坝街道',
    `aria-activedescendant ${active} is not 沙坪坝街道 after ${idx + 1} × ArrowDown`);
  check(await page.locator('#' + active).getAttribute('aria-selected') === 'true', 'the active option is not aria-selected');
  const spbResp = placeResponse();
  await q.press('Enter');
  const spbRecord = await (await spbResp).json();

  log('the record of 沙坪坝街道: pinyin, badges, map');
  await page.waitForURL(/#\/place\/\d+$/);
  await page.locator('#place-name', { hasText: '沙坪坝街道' }).waitFor();
  check(await page.locator('#suggestions').isHidden(), 'the suggestions stay open after choosing');
  const pinyin = (await page.locator('#place-pinyin').textContent()).trim();
  check(pinyin === 'Shapingba Jiedao', `pinyin shown is "${pinyin}", want "Shapingba Jiedao"`);
  check(await page.locator('#place-facts').getByText('Shapingba Jiedao').count() > 0, 'the romanization is not among the facts');
  check((await page.locator('#place-facts').textContent()).includes('沙坪坝区'), 'the division path is not shown');
  for (const h of ['含义', '来历', '历史沿革']) {
    check(await page.locator('#place-texts h3', { hasText: h }).count() === 1, `no ${h} section`);
  }
  // 历史沿革 is a text field of the record; the version list is something else.
  const historyText = typeof spbRecord.history === 'string' ? spbRecord.history : spbRecord.history_text;
  soft(typeof historyText === 'string', 'the API record has no 历史沿革 text: its "history" is ' +
    (Array.isArray(spbRecord.history) ? 'the version list (the text and the versions share the JSON key "history")' : typeof spbRecord.history));
  const shownTexts = await page.locator('#place-texts').textContent();
  for (const [label, text] of [['含义', spbRecord.meaning], ['来历', spbRecord.origin], ['历史沿革', historyText]]) {
    if (text) check(shownTexts.includes(text), `${label} is not shown`);
  }
  check(await page.locator('.badge-synthetic').count() === (spbRecord.synthetic ? 1 : 0), '演示数据 badge does not match the record');
  check(await page.locator('.badge-protected').count() === (spbRecord.protected ? 1 : 0), '历史地名保护 badge does not match the record');
  if (spbRecord.synthetic) check(await page.locator('.badge-synthetic').textContent() === '演示数据', 'the synthetic badge is not 演示数据');
  await checkMap(page, '沙坪坝街道');
  await noJunk(page, '沙坪坝街道');
  await shot(page, '1-spb-detail.png');

  log('search 磁器口 and see results with pinyin, category and division path');
  await q.fill('');
  await q.pressSequentially('磁器口', { delay: 30 });
  await q.press('Enter');
  await page.waitForURL(/#\/search\?q=/);
  const results = page.locator('#results li.result');
  await results.first().waitFor();
  await page.locator('#results-status', { hasText: '磁器口' }).waitFor();
  const n = await results.count();
  console.log(`results for 磁器口: ${n}: ` + (await results.locator('.r-name').allTextContents()).join(', '));
  check((await results.first().locator('.r-name').textContent()).includes('磁器口'), 'the first result does not contain 磁器口');
  for (let i = 0; i < n; i++) {
    const r = results.nth(i);
    const name = await r.locator('.r-name').textContent();
    check((await r.locator('.r-pinyin').count()) === 1 && (await r.locator('.r-pinyin').textContent()).trim() !== '', `result ${name} has no pinyin`);
    check((await r.locator('.chip').count()) === 1, `result ${name} has no category`);
    check((await r.locator('.r-path').textContent()).startsWith('沙坪坝区'), `result ${name} has no division path from 沙坪坝区`);
  }
  await page.mouse.move(0, 0);
  await noJunk(page, 'results');
  await shot(page, '2-ciqikou-results.png');

  log('open the first result');
  const firstName = (await results.first().locator('.r-name').textContent()).trim();
  const cqkResp = placeResponse();
  await results.first().locator('.r-name').click();
  const cqkRecord = await (await cqkResp).json();
  await page.locator('#place-name', { hasText: firstName }).waitFor();
  check((await page.locator('#place-pinyin').textContent()).trim() === (cqkRecord.romanization || ''), 'the pinyin is not the record\'s romanization');
  check(await page.locator('.badge-protected').count() === (cqkRecord.protected ? 1 : 0), '历史地名保护 badge does not match the record');
  if (cqkRecord.protected) check(await page.locator('.badge-protected').textContent() === '历史地名保护', 'the protected badge is not 历史地名保护');
  for (const alias of [...(cqkRecord.aliases || []), ...(cqkRecord.former_names || [])]) {
    check((await page.locator('#place-facts').textContent()).includes(alias), `alias or former name ${alias} is not shown`);
  }
  await checkMap(page, firstName);
  await noJunk(page, firstName);
  await shot(page, '3-ciqikou-detail.png');

  log('back to the results with the browser\'s back button');
  await page.goBack();
  await results.first().waitFor();

  log('Esc closes the suggestions');
  await q.fill('');
  await q.pressSequentially('cqk', { delay: 50 });
  await options.first().waitFor({ state: 'visible' });
  await q.press('Escape');
  await page.locator('#suggestions').waitFor({ state: 'hidden' });
  check(await q.getAttribute('aria-expanded') === 'false', 'aria-expanded stays true after Esc');

  log('an API error is shown in Chinese');
  expectHTTPErrors = true;
  await page.goto(BASE + '/#/place/987654321');
  const err = page.locator('#error');
  await err.waitFor({ state: 'visible' });
  const errText = (await err.textContent()).trim();
  console.log('error shown: ' + errText);
  check(/[\u4e00-\u9fff]/.test(errText) && errText.includes('987654321'), `the error is not a Chinese message about the id: "${errText}"`);
  check(await err.getAttribute('role') === 'alert', 'the error box is not role=alert');
  await page.goto(BASE + '/#/');
  expectHTTPErrors = false;

  log('the English toggle');
  await page.locator('#lang').click();
  await page.locator('h1', { hasText: 'Shapingba Standard Place Names' }).waitFor();
  check(await page.locator('html').getAttribute('lang') === 'en', 'html lang is not en after the toggle');
  await page.locator('#lang').click();
  await page.locator('h1', { hasText: '沙坪坝区标准地名查询' }).waitFor();
} catch (e) {
  failed = `${step}: ${e.message}`;
  try { await shot(page, 'failure.png'); } catch { /* the page may be gone */ }
}

// No "null", "undefined" or "[object …]" leaked into the visible text.
async function noJunk(page, where) {
  const text = await page.locator('main').innerText();
  const m = /\b(null|undefined|NaN)\b|\[object /.exec(text);
  check(!m, `${where}: the page shows "${m && m[0]}"`);
}

async function checkMap(page, name) {
  const svg = page.locator('#map svg.map-svg');
  await svg.waitFor();
  const box = await svg.boundingBox();
  check(box && box.width > 200 && box.height > 150, `the map is too small: ${JSON.stringify(box)}`);
  check(await svg.locator('path.district').count() === 1, 'the map has no district outline');
  const d = await svg.locator('path.district').getAttribute('d');
  check(d && d.split('L').length > 50, 'the district outline has too few points');
  check(await svg.locator('g.place-geom > *').count() > 0, 'the map does not draw the place');
  check(await svg.locator('text.place-label', { hasText: name }).count() === 1, `the map does not label ${name}`);
  check((await svg.locator('title').textContent()).includes(name), 'the map has no accessible title');
  // Drawn inside the frame.
  const inside = await svg.evaluate(el => {
    const vb = el.viewBox.baseVal;
    const b = el.querySelector('g.place-geom').getBBox();
    return b.x >= 0 && b.y >= 0 && b.x + b.width <= vb.width && b.y + b.height <= vb.height;
  });
  check(inside, 'the place is drawn outside the map frame');
}

await browser.close();

if (process.env.REPORT) writeFileSync(process.env.REPORT, JSON.stringify({ requests, screenshots }, null, 1));
console.log(`requests: ${requests.length}, of which off 127.0.0.1: ${offHost.length}`);
if (offHost.length) console.error('requests that left 127.0.0.1:\n  ' + offHost.join('\n  '));
if (problems.length) console.error('problems:\n  ' + problems.join('\n  '));
if (failed) console.error('FAIL ' + failed);
if (failed || offHost.length || problems.length) process.exit(1);
console.log('ok: the lookup page works');

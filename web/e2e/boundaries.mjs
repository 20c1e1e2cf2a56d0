// The boundaries page (/boundaries, 界线与界桩) in headless Chromium:
//   - it draws one township polygon per feature of /api/v1/divisions?level=township
//     and one line per feature of /api/v1/boundaries/lines?level=township (the
//     outer district lines thicker), and the two markers of the test (MARKER_ON
//     intact on LINE_ID, MARKER_OFF damaged OFF_DISTANCE m off it), counted in
//     the legend by state and listed in the marker table;
//   - hovering a line shows its two sides and length, hovering a marker its
//     number, state and distance to its line;
//   - the 社区/村 switch redraws with the village lines;
//   - without a session the officials' part offers a link to /admin; after
//     logging in as the reviewer (API login in the same browser context, the
//     CSRF token where the console keeps it) the topology check says there are
//     no problems on the demo data, at both levels, and the marker check lists
//     MARKER_OFF only;
//   - the English toggle.
// Every request is recorded; one that leaves 127.0.0.1 is blocked and fails
// the run, and so does any console error or failed request.
//
// Run by web/boundaries_test.go (go test -run Boundar ./web), which creates the
// reviewer and the markers. Environment:
//   BASE_URL, CONSOLE_PASSWORD, REVIEWER, MARKER_ON, MARKER_OFF, LINE_ID, OFF_DISTANCE (required)
//   CHROMIUM, SCREENSHOT_DIR, REPORT  as in console.mjs
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const { BASE_URL: BASE, CONSOLE_PASSWORD: PASSWORD, REVIEWER, MARKER_ON, MARKER_OFF, LINE_ID, OFF_DISTANCE } = process.env;
if (!BASE || !PASSWORD || !REVIEWER || !MARKER_ON || !MARKER_OFF || !LINE_ID || !OFF_DISTANCE) {
  console.error('BASE_URL, CONSOLE_PASSWORD, REVIEWER, MARKER_ON, MARKER_OFF, LINE_ID and OFF_DISTANCE are required');
  process.exit(2);
}
const EXE = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOT_DIR || mkdtempSync(path.join(tmpdir(), 'diming-boundaries-'));
mkdirSync(SHOTS, { recursive: true });
const STEP_MS = 15000;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
  '--ignore-gpu-blocklist', '--disable-background-networking', '--no-first-run'];
const CSRF_KEY = 'diming.console.csrf';

const requests = [];
const offHost = [];
const problems = [];
const screenshots = [];
let step = '';

function isLocal(url) {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.href === 'about:blank') return true;
  return u.hostname === '127.0.0.1';
}
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}
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
async function getJSON(p) {
  const res = await fetch(BASE + p, { headers: { Accept: 'application/json' } });
  check(res.ok, `GET ${p}: ${res.status}`);
  return res.json();
}
const count = (page, sel) => page.locator(sel).count();

// hoverOn moves the mouse onto an SVG element where nothing else covers it:
// a point along a path, or the middle of a shape.
async function hoverOn(page, sel) {
  const el = page.locator(sel).first();
  await el.scrollIntoViewIfNeeded();
  const at = await el.evaluate(el => {
    const svg = el.ownerSVGElement;
    const toScreen = p => {
      const q = svg.createSVGPoint();
      q.x = p.x; q.y = p.y;
      const r = q.matrixTransform(el.getScreenCTM());
      return { x: r.x, y: r.y };
    };
    if (!el.getTotalLength) {
      const b = el.getBBox();
      return toScreen({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
    }
    const len = el.getTotalLength();
    for (const f of [0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.1, 0.9]) {
      const p = toScreen(el.getPointAtLength(len * f));
      if (document.elementFromPoint(p.x, p.y) === el) return p;
    }
    return null;
  });
  if (!at) throw new Error(`no uncovered point on ${sel}`);
  await page.mouse.move(at.x - 30, at.y - 30);
  await page.mouse.move(at.x, at.y, { steps: 4 });
}

const browser = await chromium.launch({ executablePath: EXE, headless: true, args: ARGS, timeout: 60000 });
const context = await browser.newContext({
  locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, serviceWorkers: 'block',
});
await context.route(url => !isLocal(url.href), route => route.abort('blockedbyclient'));
context.on('request', r => {
  requests.push(r.method() + ' ' + r.url());
  if (!isLocal(r.url())) offHost.push(r.url());
});
const page = await context.newPage();
page.setDefaultTimeout(STEP_MS);
page.on('pageerror', e => problems.push(`${step}: page error: ${e.message}`));
page.on('console', m => { if (m.type() === 'error') problems.push(`${step}: console error: ${m.text()}`); });
page.on('response', r => { if (r.status() >= 400) problems.push(`${step}: HTTP ${r.status()} for ${r.request().method()} ${r.url()}`); });

let failed = '';
try {
  log('what the API says');
  const towns = (await getJSON('/api/v1/divisions?level=township')).features;
  const tLines = (await getJSON('/api/v1/boundaries/lines?level=township')).features;
  const vLines = (await getJSON('/api/v1/boundaries/lines?level=village')).features;
  const mks = (await getJSON('/api/v1/boundaries/markers')).features;
  check(towns.length >= 5 && tLines.length > towns.length && vLines.length > tLines.length,
    `unexpected feature counts: ${towns.length} townships, ${tLines.length} township lines, ${vLines.length} village lines`);
  check(mks.length === 2, `${mks.length} markers, want the test's 2`);
  const line = tLines.find(f => f.properties.id === LINE_ID);
  check(line && !line.properties.outer, `no shared township line ${LINE_ID}`);
  const tOuter = tLines.filter(f => f.properties.outer).length;
  check(tOuter > 0, 'no outer township lines');

  log('the page draws the township polygons, lines and markers');
  const res = await page.goto(BASE + '/boundaries', { waitUntil: 'load' });
  check(res.ok(), `GET /boundaries answered ${res.status()}`);
  await page.locator('body[data-ready=township]').waitFor({ state: 'attached' });
  await page.locator('h1', { hasText: '界线与界桩' }).waitFor();
  check(await count(page, '#map-svg path.unit') === towns.length, `${await count(page, '#map-svg path.unit')} township polygons drawn, the API has ${towns.length}`);
  check(await count(page, '#map-svg text.unit-label') === towns.length, 'not every township is named on the map');
  for (const f of towns.slice(0, 3)) await page.locator('#map-svg text.unit-label', { hasText: f.properties.name }).first().waitFor();
  check(await count(page, '#map-svg path.bline') === tLines.length, `${await count(page, '#map-svg path.bline')} lines drawn, the API has ${tLines.length}`);
  check(await count(page, '#map-svg path.bline.outer') === tOuter, 'the outer lines are not drawn as outer lines');
  const widths = await page.evaluate(() => ({
    outer: parseFloat(getComputedStyle(document.querySelector('#map-svg path.bline.outer')).strokeWidth),
    inner: parseFloat(getComputedStyle(document.querySelector('#map-svg path.bline:not(.outer)')).strokeWidth),
  }));
  check(widths.outer > widths.inner * 1.5, `the district line (${widths.outer}px) is not thicker than the others (${widths.inner}px)`);
  check(await count(page, '#lines-table tbody tr') === tLines.length, 'the line table does not list every line');
  check(await count(page, '#map-svg g.marker') === 2, 'the map does not show the two markers');
  for (const [num, st, label] of [[MARKER_ON, 'intact', '● 完好'], [MARKER_OFF, 'damaged', '▲ 损坏']]) {
    await page.locator(`#map-svg g.marker.st-${st}[data-number="${num}"]`).waitFor();
    const row = page.locator(`#markers-table tbody tr[data-number="${num}"]`);
    check((await row.innerText()).includes(label), `the marker table does not show ${num} as ${label}`);
    const lg = page.locator(`#legend li[data-state=${st}]`);
    check((await lg.innerText()).includes(label.slice(2)) && (await lg.locator('.count').innerText()) === '1', `the legend does not count 1 ${label}`);
  }
  check((await page.locator(`#markers-table tbody tr[data-number="${MARKER_OFF}"]`).innerText()).includes('偏离'), 'the off-line marker is not marked 偏离');
  // The shapes differ as well as the colours.
  check(await count(page, `#map-svg g.marker[data-number="${MARKER_ON}"] circle.sym`) === 1 &&
    await count(page, `#map-svg g.marker[data-number="${MARKER_OFF}"] path.sym`) === 1, 'intact and damaged markers have the same shape');
  await page.locator('#login-hint a[href="/admin"]').waitFor();
  check(await page.locator('#officials-body').isHidden(), 'the officials\' checks show without a login');

  log('hover: a line and a marker');
  await hoverOn(page, `#map-svg path.bline-hit[data-id="${LINE_ID}"]`);
  const info = page.locator(`#info-line[data-id="${LINE_ID}"]`);
  await info.waitFor();
  const infoText = await info.innerText();
  const lp = line.properties;
  check(infoText.includes(lp.left_name) && infoText.includes(lp.right_name) && /米/.test(infoText), `the line details say: ${infoText}`);
  await hoverOn(page, `#map-svg g.marker[data-number="${MARKER_OFF}"] .sym`);
  const minfo = page.locator(`#info-marker[data-number="${MARKER_OFF}"]`);
  await minfo.waitFor();
  const mText = await minfo.innerText();
  const want = Number(OFF_DISTANCE).toFixed(1);
  check(mText.includes('损坏') && mText.includes(`${want} 米`) && mText.includes(lp.left_name), `the marker details say: ${mText} (want 损坏, ${want} 米)`);
  await shot(page, 'boundaries-1-township.png');

  log('the village level');
  await page.getByLabel('社区 / 村').check();
  await page.locator('body[data-ready=village]').waitFor({ state: 'attached' });
  check(await count(page, '#map-svg path.bline') === vLines.length, `${await count(page, '#map-svg path.bline')} village lines drawn, the API has ${vLines.length}`);
  check(await count(page, '#map-svg path.unit') === towns.length, 'the township polygons are gone at the village level');
  check(await count(page, '#lines-table tbody tr') === vLines.length, 'the line table does not list every village line');
  check(await count(page, '#map-svg g.marker') === 2, 'the markers are gone at the village level');
  await shot(page, 'boundaries-2-village.png');
  const mapShot = path.join(SHOTS, 'boundaries-2-village-map.png');
  await page.locator('#map').screenshot({ path: mapShot });
  screenshots.push(mapShot);

  log('log in as the reviewer');
  await page.getByLabel('街道 / 镇').check();
  await page.locator('body[data-ready=township]').waitFor({ state: 'attached' });
  const login = await page.request.post(BASE + '/api/v1/login', { data: { name: REVIEWER, password: PASSWORD } });
  check(login.ok(), `API login as ${REVIEWER}: ${login.status()}`);
  const { csrf_token: csrf } = await login.json();
  check(csrf, 'the login gave no CSRF token');
  await page.evaluate(([k, v]) => localStorage.setItem(k, v), [CSRF_KEY, csrf]);
  await page.reload({ waitUntil: 'load' });
  await page.locator('#officials-body[data-ready=township]').waitFor({ state: 'attached' });
  check(await page.locator('#login-hint').isHidden(), 'the login hint still shows');
  await page.locator('#who-role', { hasText: '审核人' }).waitFor();
  const topo = await page.locator('#topology-summary').innerText();
  check(topo.includes('未发现拓扑问题'), `the topology check says: ${topo}`);
  check(await count(page, '#map-svg path.topo') === 0 && await page.locator('#topology-table').isHidden(), 'topology problems are drawn on the demo data');
  const rows = page.locator('#check-table tbody tr');
  check(await rows.count() === 1, `the marker check lists ${await rows.count()} markers, want 1`);
  check(await rows.first().getAttribute('data-number') === MARKER_OFF, `the marker check lists ${await rows.first().getAttribute('data-number')}, want ${MARKER_OFF}`);
  check((await page.locator('#check-summary').innerText()).includes('1 个距其界线超过 5 米'), 'the marker check summary does not say one marker is off');
  check((await rows.first().innerText()).includes(`${want} 米`), 'the marker check does not give the distance');
  await page.locator('#officials').scrollIntoViewIfNeeded();
  await shot(page, 'boundaries-3-reviewer.png');

  log('the village topology as the reviewer');
  await page.getByLabel('社区 / 村').check();
  await page.locator('#officials-body[data-ready=village]').waitFor({ state: 'attached' });
  const vt = await page.locator('#topology-summary').innerText();
  check(vt.includes('未发现拓扑问题') && vt.includes('社区'), `the village topology check says: ${vt}`);
  await page.getByLabel('街道 / 镇').check();
  await page.locator('#officials-body[data-ready=township]').waitFor({ state: 'attached' });

  log('the English toggle');
  await page.locator('#lang').click();
  await page.locator('h1', { hasText: 'Boundaries and markers' }).waitFor();
  check(await page.locator('html').getAttribute('lang') === 'en', 'html lang is not en after the toggle');
  check((await page.locator('#legend li[data-state=damaged]').innerText()).includes('▲ Damaged'), 'the legend is not in English');
  check((await page.locator('#topology-summary').innerText()).includes('No topology problems'), 'the topology summary is not in English');
  await page.locator('#who-role', { hasText: 'Reviewer' }).waitFor();
  await shot(page, 'boundaries-4-english.png');
  await page.locator('#lang').click();
  await page.locator('h1', { hasText: '界线与界桩' }).waitFor();
} catch (e) {
  failed = `${step}: ${e.message}`;
  try { await shot(page, 'boundaries-failure.png'); } catch { /* the page may be gone */ }
}

await context.close().catch(() => {});
await browser.close();

if (process.env.REPORT) writeFileSync(process.env.REPORT, JSON.stringify({ requests, screenshots }, null, 1));
console.log(`requests: ${requests.length}, of which off 127.0.0.1: ${offHost.length}`);
if (offHost.length) console.error('requests that left 127.0.0.1:\n  ' + offHost.join('\n  '));
if (problems.length) console.error('problems:\n  ' + problems.join('\n  '));
if (failed) console.error('FAIL ' + failed);
if (failed || offHost.length || problems.length) process.exit(1);
console.log('ok: the boundaries page works');

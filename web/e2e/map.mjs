// The planners' map (/map, 规划地图) in headless Chromium (MapLibre GL JS on
// WebGL through SwiftShader):
//   - the public (a fresh context) gets the map, and in place of the report links a
//     note on logging in; the reports answer it 401. Then a planner logs in (the
//     console's session cookie) and the rest runs as that planner;
//   - the page loads MapLibre from this service (/vendor/maplibre/…), the map's
//     `idle` event fires, and every tile layer's source is a vector-tile source;
//   - vector tiles are requested (the .mvt responses are counted) and rendered:
//     queryRenderedFeatures at the canvas centre finds a township feature from the
//     tiles, and it is the township that GET /api/v1/reverse says contains that
//     point; the district polygon is there as well;
//   - switching the township layer off removes it from what renders (at that pixel
//     and in the whole view), switching it on brings it back; so for a facility
//     group;
//   - the indicator selector recolours the villages and rewrites the legend;
//     a click opens a popup that gives the value and what it means;
//   - the township filter fits the map to the township and leaves only its
//     villages in the village layers;
//   - the 2025 plan switch (含 2025 规划设施): off by default, and then no
//     planned facility renders; on, planned facilities render (the open ones
//     stay), the coverage sources' TileJSON and tile URLs carry
//     include_planned=true and such tiles load, the village that gains most
//     from the plan (by the reports) shows the value of the report with
//     include_planned=true (off: the one without), a planned facility's
//     15-minute circle renders, and every report and .xlsx link carries
//     include_planned=true and answers; off again, all of it goes back;
//   - the search box: autocomplete, ↓ and Enter fly the map to the place; the
//     place-name labels (Chinese, drawn from local fonts) render there;
//   - the report links and the .xlsx export answer; the English toggle.
// Screenshots are written to SCREENSHOT_DIR. Every request is recorded; one
// that leaves 127.0.0.1 is blocked and fails the run, and so does any page
// error, console error or failed request.
//
// Run by web/map_test.go (go test -run Map ./web). Environment:
//   BASE_URL (required); CHROMIUM, SCREENSHOT_DIR, REPORT as in lookup.mjs;
//   TOWNSHIP (a township name, default 磁器口街道), QUERY (default cqk).
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BASE = process.env.BASE_URL;
if (!BASE) {
  console.error('BASE_URL is required');
  process.exit(2);
}
const EXE = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOT_DIR || mkdtempSync(path.join(tmpdir(), 'diming-map-'));
mkdirSync(SHOTS, { recursive: true });
const TOWNSHIP = process.env.TOWNSHIP || '磁器口街道';
const QUERY = process.env.QUERY || 'cqk';
const STEP_MS = 30000;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
  '--ignore-gpu-blocklist', '--disable-background-networking', '--no-first-run'];
const TILE_LAYERS = ['divisions-district', 'divisions-township', 'divisions-village', 'boundary-lines', 'markers',
  'places', 'facilities', 'coverage-villages', 'coverage-isochrones'];
const MVT = /\/tiles\/([a-z0-9-]+)\/(\d+)\/(\d+)\/(\d+)\.mvt(\?|$)/;
const PLAN_LAYERS = ['coverage-villages', 'coverage-isochrones'];

const requests = [];
const offHost = [];
const problems = [];
const screenshots = [];
const mvt = new Map(); // layer → tiles answered 200
const planMVT = new Map(); // layer → tiles with include_planned=true answered 200
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
  await page.screenshot({ path: file });
  screenshots.push(file);
  console.log('screenshot: ' + file);
}
// getJSON reads the API; the planners' routes (reports, indicators) with
// the planner's token.
async function getJSON(p) {
  const headers = { Accept: 'application/json' };
  if (/^\/api\/v1\/(coverage|indicators)/.test(p)) headers.Authorization = 'Bearer ' + process.env.PLANNER_TOKEN;
  const res = await fetch(BASE + p, { headers });
  check(res.ok, `GET ${p}: ${res.status}`);
  return res.json();
}
const mvtCount = () => [...mvt.values()].reduce((a, b) => a + b, 0);

// idle waits until the map has nothing left to load or draw.
async function idle(page) {
  await page.evaluate(() => new Promise(resolve => {
    const m = window.dimingMap;
    if (m.loaded() && !m.isMoving()) { m.once('idle', resolve); m.triggerRepaint(); } else m.once('idle', resolve);
  }));
}
// rendered returns what queryRenderedFeatures finds: at a point [x, y] or in
// the whole view, in the given layers; with each feature's source type.
function rendered(page, layers, at) {
  return page.evaluate(([layers, at]) => {
    const m = window.dimingMap;
    const fs = at ? m.queryRenderedFeatures(at, { layers }) : m.queryRenderedFeatures({ layers });
    return fs.map(f => ({ layer: f.layer.id, source: f.source, sourceType: m.getSource(f.source).type, sourceLayer: f.sourceLayer, props: f.properties }));
  }, [layers, at || null]);
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
page.on('response', r => {
  if (r.status() >= 400) problems.push(`${step}: HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
  const m = MVT.exec(r.url());
  if (m && r.status() === 200) mvt.set(m[1], (mvt.get(m[1]) || 0) + 1);
  if (m && r.status() === 200 && new URL(r.url()).searchParams.get('include_planned') === 'true') planMVT.set(m[1], (planMVT.get(m[1]) || 0) + 1);
});

let failed = '';
try {
  log('what the API says');
  const list = await getJSON('/tiles');
  const ids = (Array.isArray(list) ? list : list.layers || []).map(l => l.id);
  for (const id of TILE_LAYERS) check(ids.includes(id), `GET /tiles does not list ${id} (it lists ${ids.join(', ')})`);
  const towns = (await getJSON('/api/v1/divisions?level=township')).features;
  check(towns.length === 26, `${towns.length} townships, want 26`);
  const town = towns.find(f => f.properties.name === TOWNSHIP);
  check(town, `no township named ${TOWNSHIP}`);
  const code = town.properties.code;
  const villages = (await getJSON('/api/v1/divisions?level=village&parent=' + code)).features;
  check(villages.length > 0, `${TOWNSHIP} has no villages`);

  log('the public sees the map but not the planners\' reports');
  {
    const anon = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 }, serviceWorkers: 'block' });
    await anon.route(url => !isLocal(url.href), route => route.abort('blockedbyclient'));
    const p = await anon.newPage();
    p.setDefaultTimeout(STEP_MS);
    await p.goto(BASE + '/map', { waitUntil: 'load' });
    await p.locator('body[data-planner="0"]').waitFor({ state: 'attached' });
    check(await p.locator('#reports-login').isVisible(), 'no note on logging in for the reports');
    check(await p.locator('#reports-login a[href="/admin"]').count() === 1, 'the note does not link to the console');
    check(!(await p.locator('.m-links').isVisible()), 'the report links show to the public');
    const r = await p.request.get(BASE + '/api/v1/coverage/eldercare');
    check(r.status() === 401, `an anonymous report request answered ${r.status()}, want 401`);
    await anon.close();
  }

  log('a planner logs in (the console\'s session cookie)');
  const login = await page.request.post(BASE + '/api/v1/login', { data: { name: process.env.PLANNER_NAME, password: process.env.PLANNER_PASSWORD } });
  check(login.ok(), `login answered ${login.status()}`);

  log('the page loads and the map goes idle');
  const res = await page.goto(BASE + '/map', { waitUntil: 'load' });
  check(res.ok(), `GET /map answered ${res.status()}`);
  await page.locator('h1', { hasText: '沙坪坝区规划地图' }).waitFor();
  await page.locator('body[data-ready="1"]').waitFor({ state: 'attached' });
  check(await page.locator('body[data-planner="1"]').count() === 1 && await page.locator('.m-links').isVisible() && !(await page.locator('#reports-login').isVisible()),
    'a logged-in planner does not see the report links');
  const types = await page.evaluate(ids => ids.map(id => window.dimingMap.getSource(id).type), TILE_LAYERS);
  check(types.every(x => x === 'vector'), `source types: ${types.join(', ')}, want all vector`);
  check(await page.locator('#township option').count() === 27, 'the township filter does not list the 26 townships and 全区');

  log('tiles are requested and rendered');
  await idle(page);
  for (const id of ['divisions-district', 'divisions-township', 'coverage-villages']) {
    check(mvt.get(id) > 0, `no .mvt tile of ${id} was loaded (tiles: ${JSON.stringify(Object.fromEntries(mvt))})`);
  }
  const size = await page.evaluate(() => { const c = window.dimingMap.getCanvas(); return [c.clientWidth, c.clientHeight]; });
  const px = [Math.round(size[0] / 2), Math.round(size[1] / 2)];
  const at = await page.evaluate(p => window.dimingMap.unproject(p).toArray(), px);
  const rev = await getJSON(`/api/v1/reverse?lon=${at[0]}&lat=${at[1]}`);
  check(rev.township && rev.township.code, `the canvas centre ${at} is in no township`);
  let here = await rendered(page, ['township-fill'], px);
  check(here.length >= 1, `queryRenderedFeatures at the canvas centre ${px} finds no township`);
  check(here.every(f => f.sourceType === 'vector' && f.sourceLayer === 'divisions-township'), `the township at the centre does not come from the tiles: ${JSON.stringify(here[0])}`);
  check(here[0].props.code === rev.township.code, `the map shows ${here[0].props.name} (${here[0].props.code}) at ${at}, the API says ${rev.township.name}`);
  check((await rendered(page, ['district-fill'], px)).length === 1, 'the district polygon is not rendered at the centre');
  const townsInView = new Set((await rendered(page, ['township-fill'])).map(f => f.props.code));
  check(townsInView.size === 26, `${townsInView.size} townships rendered in the whole-district view, want 26`);
  const villagesShown = await rendered(page, ['choropleth']);
  check(villagesShown.length > 0 && villagesShown.every(f => f.sourceType === 'vector'), 'the village choropleth does not render from the tiles');
  const labels = await rendered(page, ['township-label']);
  check(labels.length >= 10, `only ${labels.length} township names are placed on the map`);
  console.log(`tiles loaded: ${mvtCount()} (${JSON.stringify(Object.fromEntries(mvt))}); at ${px}: ${here[0].props.name}`);
  await shot(page, 'map-1-district.png');

  log('switching a layer off and on changes what renders');
  await page.locator('input[data-layer="township"]').uncheck();
  await idle(page);
  check((await rendered(page, ['township-fill'], px)).length === 0, 'the township layer still renders at the centre after switching it off');
  check((await rendered(page, ['township-fill', 'township-label'])).length === 0, 'township polygons or names still render after switching them off');
  check((await rendered(page, ['district-fill'], px)).length === 1, 'switching the townships off hid the district');
  await page.locator('input[data-layer="township"]').check();
  await idle(page);
  check((await rendered(page, ['township-fill'], px)).length >= 1, 'the township layer does not come back');

  log('the indicator choropleth, its legend and a popup');
  await page.locator('#indicator').selectOption('area_per_100');
  await page.locator('body[data-indicator="area_per_100"]').waitFor({ state: 'attached' });
  const legend = await page.locator('#legend').innerText();
  check(legend.includes('平方米') && legend.includes('未达标') && legend.includes('达标'), `the legend for m² per 100 households says: ${legend}`);
  check((await page.locator('#legend-caption').innerText()).includes('每百户'), 'the legend caption does not name the indicator');
  await idle(page);
  const fillColor = await page.evaluate(() => JSON.stringify(window.dimingMap.getPaintProperty('choropleth', 'fill-color')));
  check(fillColor.includes('area_per_100'), `the villages are not coloured by area_per_100: ${fillColor}`);
  // A pixel near the centre where only areas are (no facility, line or label
  // within the click tolerance), so the click opens the village's popup.
  const quiet = await page.evaluate(([cx, cy]) => {
    const m = window.dimingMap;
    const points = ['facilities', 'markers', 'places-label', 'lines-township', 'lines-village', 'circle-fill', 'search-hit'];
    for (let r = 0; r < 200; r += 6) {
      for (const [dx, dy] of [[r, 0], [-r, 0], [0, r], [0, -r], [r, r], [-r, -r], [r, -r], [-r, r]]) {
        const x = cx + dx, y = cy + dy;
        const box = [[x - 8, y - 8], [x + 8, y + 8]];
        if (!m.queryRenderedFeatures(box, { layers: points.filter(id => m.getLayoutProperty(id, 'visibility') !== 'none') }).length &&
          m.queryRenderedFeatures([x, y], { layers: ['choropleth'] }).length) return [x, y];
      }
    }
    return null;
  }, px);
  check(quiet, 'no pixel near the centre with a village and nothing else to click');
  const canvas = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(canvas.x + quiet[0], canvas.y + quiet[1]);
  const pop = page.locator('.maplibregl-popup .pop[data-kind="indicator"]');
  await pop.waitFor();
  const popText = await pop.innerText();
  check(popText.includes('每百户') && /平方米|没有数据/.test(popText), `the popup says: ${popText}`);
  await shot(page, 'map-2-indicator-popup.png');
  await page.locator('.maplibregl-popup-close-button').click();
  await page.locator('#indicator').selectOption('eldercare_share');

  log('the township filter');
  const zoomBefore = await page.evaluate(() => window.dimingMap.getZoom());
  await page.locator('#township').selectOption(code);
  await page.locator(`body[data-township="${code}"]`).waitFor({ state: 'attached' });
  await page.waitForFunction(() => !window.dimingMap.isMoving());
  await idle(page);
  const view = await page.evaluate(() => ({ z: window.dimingMap.getZoom(), c: window.dimingMap.getCenter().toArray() }));
  check(view.z > zoomBefore + 0.5, `the map did not zoom in to ${TOWNSHIP} (zoom ${zoomBefore} → ${view.z})`);
  const tb = await page.evaluate(g => { const b = [180, 90, -180, -90]; const walk = c => { if (typeof c[0] === 'number') { b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]); } else c.forEach(walk); }; walk(g.coordinates); return b; }, town.geometry);
  check(view.c[0] > tb[0] && view.c[0] < tb[2] && view.c[1] > tb[1] && view.c[1] < tb[3], `the map centre ${view.c} is outside ${TOWNSHIP}`);
  const shown = await rendered(page, ['choropleth', 'village-fill']);
  check(shown.length > 0, `no village of ${TOWNSHIP} renders after filtering`);
  const others = shown.filter(f => f.props.parent_code !== code);
  check(others.length === 0, `villages of other townships still render: ${[...new Set(others.map(f => f.props.name))].join(', ')}`);
  const names = new Set(shown.map(f => f.props.code));
  check(villages.every(v => names.has(v.properties.code)), `not every village of ${TOWNSHIP} renders (${names.size} of ${villages.length})`);
  await page.locator('#status', { hasText: TOWNSHIP }).waitFor();

  log('facility groups and the eldercare circle (from zoom 11)');
  const elder = async () => (await rendered(page, ['facilities'])).filter(f => f.props.group === 'eldercare').length;
  const before = await elder();
  check(before > 0, 'no eldercare facility is rendered');
  await page.locator('input[data-group="eldercare"]').uncheck();
  await idle(page);
  check(await elder() === 0, 'eldercare facilities still render after switching the group off');
  await page.locator('input[data-group="eldercare"]').check();
  await idle(page);
  check(await elder() === before, 'the eldercare facilities do not all come back');
  await page.locator('input[data-layer="circle"]').check();
  await idle(page);
  check(mvt.get('coverage-isochrones') > 0, 'no tile of the eldercare circle was loaded');
  check((await rendered(page, ['circle-fill'])).length > 0, 'the eldercare circle does not render');
  await page.locator('input[data-layer="circle"]').uncheck();
  await shot(page, 'map-3-township.png');
  await page.locator('#township').selectOption('');
  await page.locator('body[data-township=""]').waitFor({ state: 'attached' });
  await page.waitForFunction(() => !window.dimingMap.isMoving());

  log('the 2025 plan switch');
  // From the reports: the village-level unit whose share of households
  // within 15 minutes of eldercare grows most when planned facilities count.
  const repOpen = await getJSON('/api/v1/coverage/eldercare?uncovered_limit=0');
  const repPlan = await getJSON('/api/v1/coverage/eldercare?uncovered_limit=0&include_planned=true');
  const shareOpen = new Map(repOpen.villages.map(v => [v.code, v.households.share]));
  let gainer = null;
  for (const v of repPlan.villages) if (v.households.share - shareOpen.get(v.code) > (gainer ? gainer.households.share - shareOpen.get(gainer.code) : 0)) gainer = v;
  check(gainer, 'the reports say the 2025 plan adds no eldercare coverage anywhere');
  const statuses = async () => {
    const n = {};
    for (const f of await rendered(page, ['facilities'])) n[f.props.status] = (n[f.props.status] || 0) + 1;
    return n;
  };
  // The gainer's eldercare_share as the choropleth renders it (from its tiles).
  const gainerShare = async () => {
    const fs = (await rendered(page, ['choropleth'])).filter(f => f.props.code === gainer.code);
    check(fs.length > 0, `${gainer.name} (${gainer.code}) is not rendered in the choropleth`);
    return Number(fs[0].props.eldercare_share);
  };
  const sources = () => page.evaluate(ids => ids.map(id => { const s = window.dimingMap.getSource(id); return { id, url: s.url, tiles: s.tiles || [] }; }), PLAN_LAYERS);
  const links = async () => Promise.all((await page.locator('.m-links a').all()).map(a => a.getAttribute('href')));
  // Wait until both coverage sources have loaded the TileJSON of the wanted
  // variant, then until the map is idle again.
  const planSettled = async on => {
    await page.locator(`body[data-plan="${on ? 'on' : 'off'}"]`).waitFor({ state: 'attached' });
    await page.waitForFunction(([ids, on]) => ids.every(id => {
      const t = window.dimingMap.getSource(id).tiles || [];
      return t.length > 0 && t.every(u => u.includes('include_planned=true') === on);
    }), [PLAN_LAYERS, on]);
    await idle(page);
  };
  await idle(page);
  check(!(await page.locator('#plan').isChecked()), 'the plan switch is on when the page opens');
  check((await page.locator('#plan-label').innerText()).includes('含 2025 规划设施'), 'the plan switch is not labelled 含 2025 规划设施');
  const off = await statuses();
  check(off.open > 0 && !off.planned && !off.closed, `with the plan off the map draws facilities by status ${JSON.stringify(off)}, want open ones only`);
  const offShare = await gainerShare();
  check(offShare === shareOpen.get(gainer.code), `${gainer.name} shows ${offShare} with the plan off, the report ${shareOpen.get(gainer.code)}`);
  check((await sources()).every(s => !s.url.includes('include_planned') && s.tiles.every(u => !u.includes('include_planned'))), 'a coverage source asks for the plan while the switch is off');
  check((await links()).every(h => !h.includes('include_planned')), 'a report link carries include_planned while the switch is off');

  await page.locator('#plan').check();
  await planSettled(true);
  const srcOn = await sources();
  for (const s of srcOn) {
    check(new URL(s.url).searchParams.get('include_planned') === 'true', `${s.id}: the source's TileJSON URL ${s.url} lacks include_planned=true`);
    check(s.tiles.every(u => /\/\{z\}\/\{x\}\/\{y\}\.mvt\?include_planned=true$/.test(u)), `${s.id}: tile URLs ${s.tiles.join(' ')}`);
  }
  check(planMVT.get('coverage-villages') > 0, `no coverage-villages tile with include_planned=true was loaded (${JSON.stringify(Object.fromEntries(planMVT))})`);
  const on = await statuses();
  check(on.planned > 0 && on.open === off.open && !on.closed, `with the plan on the map draws facilities by status ${JSON.stringify(on)}, want the ${off.open} open ones and planned ones`);
  const onShare = await gainerShare();
  check(onShare === gainer.households.share && onShare > offShare,
    `${gainer.name} shows ${onShare} with the plan on, the report with include_planned=true ${gainer.households.share} (without: ${offShare})`);
  check((await page.locator('#legend').innerText()).includes('规划设施'), 'the legend does not show planned facilities');
  check((await page.locator('#legend-caption').innerText()).includes('规划'), 'the legend caption does not say the plan is counted');
  await page.locator('input[data-layer="circle"]').check();
  await idle(page);
  check(planMVT.get('coverage-isochrones') > 0, 'no coverage-isochrones tile with include_planned=true was loaded');
  const circles = await rendered(page, ['circle-fill']);
  check(circles.some(f => f.props.status === 'planned') && circles.some(f => f.props.status === 'open'), 'the 15-minute circle with the plan lacks the planned or the open facilities');
  const hrefs = await links();
  check(hrefs.length === 6, `${hrefs.length} report links, want 6`);
  for (const href of hrefs) {
    check(new URL(href, BASE).searchParams.get('include_planned') === 'true', `the report link ${href} lacks include_planned=true`);
    const r = await page.request.get(BASE + href);
    check(r.ok(), `${href} answered ${r.status()}`);
    if (href.startsWith('/api/v1/coverage/eldercare')) check((await r.json()).params.include_planned === true, `${href} is not the report with planned facilities`);
    if (href.includes('xlsx')) check((r.headers()['content-type'] || '').includes('spreadsheetml'), `${href} is not an .xlsx file`);
  }
  await shot(page, 'map-3b-plan.png');

  await page.locator('input[data-layer="circle"]').uncheck();
  await page.locator('#plan').uncheck();
  await planSettled(false);
  const back = await statuses();
  check(!back.planned && back.open === off.open, `with the plan off again the map draws facilities by status ${JSON.stringify(back)}`);
  check(await gainerShare() === offShare, `${gainer.name} does not go back to today's value`);
  check((await links()).every(h => !h.includes('include_planned')), 'a report link keeps include_planned after the switch is off');

  log('the search box flies to a place');
  const sugg = (await getJSON('/api/v1/places/autocomplete?q=' + encodeURIComponent(QUERY))).suggestions;
  check(sugg.length > 0, `no suggestions for ${QUERY}`);
  const target = sugg[0];
  await page.locator('#q').pressSequentially(QUERY, { delay: 40 });
  await page.locator('#suggestions li').first().waitFor();
  check((await page.locator('#suggestions li').first().innerText()).includes(target.name), `the first suggestion is not ${target.name}`);
  await page.locator('#q').press('ArrowDown');
  await page.locator('#q').press('Enter');
  await page.locator(`body[data-flown-to="${target.id}"]`).waitFor({ state: 'attached' });
  await idle(page);
  const after = await page.evaluate(() => ({ z: window.dimingMap.getZoom(), c: window.dimingMap.getCenter().toArray() }));
  const [tx, ty] = target.location.coordinates;
  check(Math.abs(after.c[0] - tx) < 1e-4 && Math.abs(after.c[1] - ty) < 1e-4 && after.z >= 15, `the map is at ${after.c} zoom ${after.z}, want ${target.location.coordinates} zoom ≥ 15`);
  const hit = await rendered(page, ['search-hit', 'search-label']);
  check(hit.length >= 1 && hit[0].props.name === target.name, 'the search result is not marked on the map');
  check(mvt.get('places') > 0, 'no place-name tile was loaded');
  const placeLabels = await rendered(page, ['places-label']);
  check(placeLabels.length > 0 && placeLabels.every(f => f.sourceType === 'vector'), 'no place-name label renders from the tiles at zoom 15');
  check(placeLabels.some(f => /\p{Script=Han}/u.test(f.props.name)), 'the place-name labels are not Chinese');
  await shot(page, 'map-4-search.png');
  await page.locator('#q').fill('');
  await page.locator('#search button[type=submit]').click();

  log('a search with results');
  await page.locator('#q').fill('磁器口');
  await page.locator('#search button[type=submit]').click();
  await page.locator('#results li[data-id]').first().waitFor();
  const first = page.locator('#results li[data-id]').first();
  const firstId = await first.getAttribute('data-id');
  await first.click();
  await page.locator(`body[data-flown-to="${firstId}"]`).waitFor({ state: 'attached' });

  log('the report links and the .xlsx export');
  for (const href of ['/api/v1/coverage/eldercare', '/api/v1/coverage/facility-area', '/api/v1/coverage/lottery', '/api/v1/coverage/funeral', '/api/v1/indicators', '/api/v1/indicators?format=xlsx']) {
    const a = page.locator(`.m-links a[href="${href}"]`);
    check(await a.count() === 1, `no link to ${href}`);
    const r = await page.request.get(BASE + href);
    check(r.ok(), `${href} answered ${r.status()}`);
    if (href.endsWith('xlsx')) check((r.headers()['content-type'] || '').includes('spreadsheetml'), `${href} is not an .xlsx file`);
  }

  log('the English toggle');
  await page.locator('#lang').click();
  await page.locator('h1', { hasText: 'Shapingba planning map' }).waitFor();
  check(await page.locator('html').getAttribute('lang') === 'en', 'html lang is not en after the toggle');
  check((await page.locator('#legend').innerText()).includes('full coverage'), 'the legend is not in English');
  check((await page.locator('#indicator option:checked').innerText()).includes('15-minute walk'), 'the indicator selector is not in English');
  check((await page.locator('#plan-label').innerText()).includes('Include the 2025 plan'), 'the plan switch is not in English');
  await shot(page, 'map-5-english.png');
  await page.locator('#lang').click();
  await page.locator('h1', { hasText: '沙坪坝区规划地图' }).waitFor();
} catch (e) {
  failed = `${step}: ${e.message}`;
  try { await shot(page, 'map-failure.png'); } catch { /* the page may be gone */ }
}

await context.close().catch(() => {});
await browser.close();

if (process.env.REPORT) writeFileSync(process.env.REPORT, JSON.stringify({ requests, screenshots, mvt: Object.fromEntries(mvt) }, null, 1));
console.log(`requests: ${requests.length}, of which off 127.0.0.1: ${offHost.length}; .mvt tiles loaded: ${mvtCount()}`);
if (offHost.length) console.error('requests that left 127.0.0.1:\n  ' + offHost.join('\n  '));
if (problems.length) console.error('problems:\n  ' + problems.join('\n  '));
if (failed) console.error('FAIL ' + failed);
if (failed || offHost.length || problems.length) process.exit(1);
console.log('ok: the planners\' map works');

// The officials' console (/admin.html) in headless Chromium: the whole
// naming procedure through the browser, by three officials in three browser
// contexts (three separate logins):
//   applicant shenqing: logs in (after a wrong password shown in Chinese),
//     files a naming application for 青杠林路 (城市道路 0801) in 青木关镇
//     青木湖村 with a point inside the village and a 位置描述, checks the name
//     (no blocking result, pinyin Qingganglin Lu), saves the draft, attaches a
//     PDF, submits; applicants see no overdue filter and no filing report;
//     a proposal duplicating 华岩镇 (镇 0403, whole district) shows a blocking
//     duplicate check naming 九龙坡区华岩镇 and a blocking homophone (花岩镇);
//   reviewer shenhe: finds it in the queue, starts the review, puts it on a
//     0-day public notice (start = end = today; the form says empty dates mean
//     7 days from today); it is listed by /api/v1/notices;
//   approver shenpi: approves (备案期限 and 公告期限 = today + 15, not overdue)
//     and publishes; then files it (备案) and sees 备案日期 = today; the public
//     page shows the new standard name with its pinyin, and
//     /api/v1/places?q=青杠林路 finds it; the queue shows the deadlines, the
//     overdue filter (/api/v1/filings?overdue=true) says nothing is overdue,
//     and the 地名公告 and 备案报表 export links download .xlsx and CSV.
// Every request is recorded; one that leaves 127.0.0.1 is blocked and fails
// the run, and so does any console error the step did not expect.
//
// Run by web/console_test.go (go test ./web), which starts the service and
// creates the accounts. By hand, against a server with those accounts:
//   BASE_URL=http://127.0.0.1:8080 CONSOLE_PASSWORD=… node web/e2e/console.mjs
// Environment:
//   BASE_URL          the service (required)
//   CONSOLE_PASSWORD  the password of shenqing, shenhe and shenpi (required)
//   CHROMIUM          the browser (default /usr/bin/chromium)
//   SCREENSHOT_DIR    where the screenshots go (default: a new temp folder)
//   REPORT            a file to write {"requests": [...], "screenshots": [...]} to
//   TODAY             the service's date, YYYY-MM-DD (default: today in UTC)
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const BASE = process.env.BASE_URL;
const PASSWORD = process.env.CONSOLE_PASSWORD;
// The service's today (YYYY-MM-DD): a notice ending today may be approved today.
const TODAY = process.env.TODAY || new Date().toISOString().slice(0, 10);
if (!BASE || !PASSWORD) {
  console.error('BASE_URL and CONSOLE_PASSWORD are required');
  process.exit(2);
}
const EXE = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOT_DIR || mkdtempSync(path.join(tmpdir(), 'diming-console-'));
mkdirSync(SHOTS, { recursive: true });
const STEP_MS = 15000;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
  '--ignore-gpu-blocklist', '--disable-background-networking', '--no-first-run'];

const ROAD = '青杠林路';
const ROAD_PINYIN = 'Qingganglin Lu';
const ROAD_WHERE = '东起青木湖村村民委员会，西至青杠林场。';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
// Filing and announcement are due 15 days after approval (gazetteer.DeadlineDays).
const DUE = (() => { const d = new Date(TODAY + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 15); return d.toISOString().slice(0, 10); })();
const TOWN = '500106104000';    // 青木关镇
const VILLAGE = '500106104202'; // 青木湖村村民委员会

const requests = [];
const offHost = [];
const problems = [];
const screenshots = [];
let expectHTTPErrors = false;
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
  return { status: res.status, body: await res.json().catch(() => null) };
}
const hasCJK = s => /[\u4e00-\u9fff]/.test(s);

// apiAs logs in through the API (not the browser) and returns a caller
// that sends the session cookie and the CSRF token: it sets up applications
// for the approver's other cases without clicking through them again.
async function apiAs(name) {
  const res = await fetch(BASE + '/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password: PASSWORD }) });
  check(res.ok, `API login as ${name}: ${res.status}`);
  const { csrf_token: csrf } = await res.json();
  const cookie = res.headers.getSetCookie().map(c => c.split(';')[0]).join('; ');
  return async (method, p, body) => {
    const r = await fetch(BASE + p, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, Cookie: cookie },
      body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await r.json().catch(() => null);
    check(r.ok, `${name}: ${method} ${p}: ${r.status} ${JSON.stringify(data)}`);
    return data;
  };
}

// onNotice files an application as shenqing and takes it to a 0-day notice as shenhe.
async function onNotice(applicant, reviewer, body) {
  const a = await applicant('POST', '/api/v1/applications', body);
  await applicant('POST', `/api/v1/applications/${a.id}/submit`, {});
  await reviewer('POST', `/api/v1/applications/${a.id}/review`, {});
  await reviewer('POST', `/api/v1/applications/${a.id}/notice`, { start: TODAY, end: TODAY });
  return a.id;
}

const browser = await chromium.launch({ executablePath: EXE, headless: true, args: ARGS, timeout: 60000 });
const contexts = [];

// A browser context of its own (cookies, storage) for each official.
async function newPage(who) {
  const context = await browser.newContext({
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1, serviceWorkers: 'block',
  });
  contexts.push(context);
  await context.route(url => !isLocal(url.href), route => route.abort('blockedbyclient'));
  context.on('request', r => {
    requests.push(r.method() + ' ' + r.url());
    if (!isLocal(r.url())) offHost.push(r.url());
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', e => problems.push(`${who}: ${step}: page error: ${e.message}`));
  page.on('console', m => {
    if (m.type() !== 'error') return;
    if (expectHTTPErrors && /Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
    problems.push(`${who}: ${step}: console error: ${m.text()}`);
  });
  page.on('response', r => {
    if (r.status() >= 400 && !expectHTTPErrors) problems.push(`${who}: ${step}: HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
  });
  return page;
}

// No "null", "undefined" or "[object …]" leaked into the visible text.
async function noJunk(page, where) {
  const text = await page.locator('main').innerText();
  const m = /\b(null|undefined|NaN)\b|\[object /.exec(text);
  check(!m, `${where}: the page shows "${m && m[0]}"`);
}

async function login(page, name, roleLabel) {
  const res = await page.goto(BASE + '/admin', { waitUntil: 'load' });
  check(res.ok(), `GET /admin answered ${res.status()}`);
  await page.locator('#login-name').waitFor();
  await page.getByLabel('用户名').fill(name);
  await page.getByLabel('密码').fill(PASSWORD);
  const resp = page.waitForResponse(r => new URL(r.url()).pathname === '/api/v1/login');
  await page.getByRole('button', { name: '登录' }).click();
  check((await resp).ok(), `login as ${name} failed`);
  await page.locator('#who-role', { hasText: roleLabel }).waitFor();
  check((await page.locator('#who-name').textContent()).includes(name), 'the header does not name the user');
  await page.locator('#list-view').waitFor();
}

async function logout(page) {
  const resp = page.waitForResponse(r => new URL(r.url()).pathname === '/api/v1/logout');
  await page.getByRole('button', { name: '退出登录' }).click();
  check((await resp).ok(), 'logout failed');
  await page.locator('#login-view').waitFor();
  check(await page.locator('#who').isHidden(), 'the user is still shown after logout');
}

// The status of the application shown, from its badge.
async function statusIs(page, status, label) {
  await page.locator(`#app-badges .st-${status}`, { hasText: label }).waitFor();
}

// fact is the text of a fact on the application page (its <dd data-fact=key>),
// after checking the term it is shown under.
async function fact(page, key, term) {
  const dd = page.locator(`#app-facts dd[data-fact=${key}]`);
  await dd.waitFor();
  const dt = (await dd.evaluate(el => el.previousElementSibling && el.previousElementSibling.textContent)) || '';
  check(dt === term, `the fact ${key} is shown as "${dt}", want "${term}"`);
  return (await dd.textContent()).trim();
}

// fetchFromPage fetches a same-origin link as the page would (with its cookie).
async function fetchFromPage(page, href) {
  return page.evaluate(async u => {
    const r = await fetch(u, { credentials: 'same-origin' });
    const b = new Uint8Array(await r.arrayBuffer());
    return { status: r.status, type: r.headers.get('content-type') || '', disposition: r.headers.get('content-disposition') || '',
      magic: String.fromCharCode(...b.slice(0, 2)), text: new TextDecoder().decode(b) };
  }, href);
}

// act clicks an action button and waits for the API's answer.
async function act(page, action, label) {
  const resp = page.waitForResponse(r => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/' + action));
  await page.getByRole('button', { name: label, exact: true }).click();
  const r = await resp;
  check(r.ok(), `${action} answered ${r.status()}: ${await r.text()}`);
  check((r.request().headers()['x-csrf-token'] || '').length > 10, `${action} was sent without X-CSRF-Token`);
  return r.json();
}

// A small, valid one-page PDF.
function tinyPDF() {
  const objs = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>'];
  let out = '%PDF-1.4\n';
  const offs = [];
  objs.forEach((o, i) => { offs.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n` + offs.map(o => String(o).padStart(10, '0') + ' 00000 n \n').join('');
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

let failed = null;
let page;
try {
  // ------------------------------------------------------------ applicant
  page = await newPage('shenqing');
  log('open the console: strict CSP, a labelled login form, no request before login');
  const res = await page.goto(BASE + '/admin', { waitUntil: 'load' });
  check(res.ok(), `GET /admin answered ${res.status()}`);
  check((res.headers()['content-security-policy'] || '').includes("default-src 'self'"), 'no strict Content-Security-Policy on /admin');
  check((await page.title()).includes('地名网上审批'), 'the title is not the console: ' + await page.title());
  await page.locator('#login-view').waitFor();
  check(await page.locator('label[for=login-name]').count() === 1 && await page.locator('label[for=login-password]').count() === 1, 'the login fields have no labels');
  check(await page.locator('#login-password').getAttribute('type') === 'password', 'the password is not a password field');
  check(await page.locator('html').getAttribute('lang') === 'zh-CN', 'html lang is not zh-CN');

  log('a wrong password is refused in Chinese');
  expectHTTPErrors = true;
  await page.getByLabel('用户名').fill('shenqing');
  await page.getByLabel('密码').fill('not-the-password');
  await page.getByRole('button', { name: '登录' }).click();
  const loginErr = page.locator('#login-error');
  await loginErr.waitFor({ state: 'visible' });
  const loginErrText = (await loginErr.textContent()).trim();
  console.log('login error shown: ' + loginErrText);
  check(hasCJK(loginErrText) && loginErrText.includes('密码'), `the login error is not Chinese: "${loginErrText}"`);
  check(await loginErr.getAttribute('role') === 'alert', 'the login error is not role=alert');
  expectHTTPErrors = false;

  log('the applicant logs in');
  await login(page, 'shenqing', '申请人');
  await noJunk(page, 'the queue');
  check(await page.locator('#filters a[data-status=overdue]').count() === 0, 'the applicant is offered the overdue filter');
  check(await page.locator('#exports a[data-export=announcements-xlsx]').isVisible(), 'the applicant has no 地名公告 export');
  check(await page.locator('#exports a[data-export=filings-xlsx]').isHidden(), 'the applicant is offered the filing report');

  log('the duplicate of a Chongqing township name is blocked: 华岩镇');
  await page.getByRole('link', { name: '新建申请' }).click();
  await page.locator('#form-view[data-ready=new]').waitFor();
  await page.getByLabel('拟用名称', { exact: true }).fill('华岩镇');
  await page.getByLabel('地名类别').selectOption('0403');
  check(await page.getByLabel('街道 / 镇').inputValue() === '500106000000', 'the division is not the whole district by default');
  let checkResp = page.waitForResponse(r => new URL(r.url()).pathname === '/api/v1/checks/name');
  await page.getByRole('button', { name: '检查名称' }).click();
  let cr = await checkResp;
  check(cr.ok(), `checks/name answered ${cr.status()}`);
  check((cr.request().headers()['x-csrf-token'] || '').length > 10, 'checks/name was sent without X-CSRF-Token');
  const dupBody = cr.request().postDataJSON();
  check(dupBody.name === '华岩镇' && dupBody.category === '0403' && dupBody.division_code === '500106000000' && dupBody.kind === 'naming',
    'the check request is not the form: ' + JSON.stringify(dupBody));
  await page.locator('#f-checks').waitFor({ state: 'visible' });
  const summary = page.locator('#f-checks .check-summary');
  check(await summary.getAttribute('data-blocked') === 'true', 'the summary does not say the proposal is blocked');
  check((await summary.textContent()).includes('阻止'), 'the summary does not say 阻止');
  const dup = page.locator('#f-checks li.check[data-check=duplicate]');
  check(await dup.count() === 1, 'no duplicate result shown');
  check(await dup.getAttribute('data-severity') === 'block', 'the duplicate result is not a block');
  check(await dup.locator('.sev-block', { hasText: '阻止' }).count() === 1, 'the duplicate result has no 阻止 label');
  const dupText = await dup.textContent();
  check(dupText.includes('华岩镇') && dupText.includes('九龙坡区'), 'the duplicate result does not name 九龙坡区华岩镇: ' + dupText);
  check(await dup.locator('.evidence-item', { hasText: '华岩镇' }).count() >= 1, 'the conflicting record is not listed as evidence');
  const colour = await dup.evaluate(el => getComputedStyle(el).borderLeftColor);
  check(colour === 'rgb(176, 0, 32)', 'the blocking result is not coloured red: ' + colour);
  const homophone = page.locator('#f-checks li.check[data-check=homophone]');
  check(await homophone.count() === 1 && (await homophone.textContent()).includes('花岩镇'), 'the homophone 花岩镇 is not shown');
  check(await page.locator('#f-checks li.check').first().getAttribute('data-severity') === 'block', 'blocking results are not listed first');
  const warn = page.locator('#f-checks li.check[data-severity=warn]');
  if (await warn.count()) {
    const wc = await warn.first().evaluate(el => getComputedStyle(el).borderLeftColor);
    check(wc !== colour, 'warnings have the same colour as blocks');
  }
  await noJunk(page, 'the duplicate check');
  log('a naming application cannot be saved without a location (said in the page, in Chinese)');
  await page.getByRole('button', { name: '保存为草稿' }).click();
  await page.locator('#form-error', { hasText: '命名申请须给出位置' }).waitFor();
  check(await page.getByLabel('经度').getAttribute('aria-invalid') === 'true', 'the missing longitude is not marked invalid');
  check(!requests.some(r => r === `POST ${BASE}/api/v1/applications`), 'the application was sent without a location');
  await shot(page, 'console-1-duplicate-blocked.png');

  log('a new road: 青杠林路 in 青木关镇 青木湖村, a point inside the village');
  await page.getByRole('link', { name: '← 返回申请列表' }).first().click();
  await page.locator('#list-view').waitFor();
  await page.getByRole('link', { name: '新建申请' }).click();
  await page.locator('#form-view[data-ready=new]').waitFor();
  check(await page.getByLabel('拟用名称', { exact: true }).inputValue() === '', 'the form keeps the last proposal');
  await page.getByLabel('申请类型').selectOption('naming');
  await page.getByLabel('拟用名称', { exact: true }).fill(ROAD);
  await page.getByLabel('地名类别').selectOption('0801');
  const villages = page.waitForResponse(r => new URL(r.url()).pathname === '/api/v1/divisions' && new URL(r.url()).searchParams.get('parent') === TOWN);
  await page.getByLabel('街道 / 镇').selectOption(TOWN);
  await villages;
  await page.locator(`#f-village option[value="${VILLAGE}"]`).waitFor({ state: 'attached' });
  await page.getByLabel('社区 / 村').selectOption(VILLAGE);
  check((await page.locator('#f-division-code').textContent()) === VILLAGE, 'the division code shown is not the village');
  await page.getByRole('button', { name: '取所选政区内一点' }).click();
  await page.waitForFunction(() => document.getElementById('f-lon').value !== '');
  const lon = Number(await page.getByLabel('经度').inputValue());
  const lat = Number(await page.getByLabel('纬度').inputValue());
  check(await page.getByLabel('坐标系').inputValue() === 'wgs84', 'the CRS is not WGS84 for a picked point');
  const rev = await getJSON(`/api/v1/reverse?lon=${lon}&lat=${lat}`);
  check(rev.status === 200 && rev.body.village && rev.body.village.code === VILLAGE,
    `the point ${lon},${lat} is not in ${VILLAGE}: ${JSON.stringify(rev.body && rev.body.village)}`);
  console.log(`point inside the village: ${lon}, ${lat}`);
  await page.locator('#f-map svg.map-svg path.township').waitFor();
  check(await page.locator('#f-map svg circle.place-point').count() === 1, 'the form map does not show the point');
  await page.getByLabel('位置描述').fill(ROAD_WHERE);
  await page.getByLabel('方案及理由').fill('青木关镇青木湖村新建道路，东接青木湖，西连林场；以所在地青杠林命名，便于群众识记。');
  await page.getByLabel('含义').fill('以沿线成片的青杠树林得名。');
  await page.getByLabel('来历').fill('当地群众历来称此地为青杠林。');

  log('检查名称: nothing blocks; the pinyin is proposed');
  checkResp = page.waitForResponse(r => new URL(r.url()).pathname === '/api/v1/checks/name');
  await page.getByRole('button', { name: '检查名称' }).click();
  cr = await checkResp;
  check(cr.ok(), `checks/name answered ${cr.status()}`);
  const roadCheck = await cr.json();
  const sent = cr.request().postDataJSON();
  check(sent.geometry && sent.geometry.type === 'Point' && sent.crs === 'wgs84' && sent.division_code === VILLAGE, 'the check request lacks the point: ' + JSON.stringify(sent));
  await page.locator('#f-checks .check-summary[data-blocked=false]').waitFor();
  check(!roadCheck.blocked, 'the road is blocked: ' + JSON.stringify(roadCheck.results));
  check(!roadCheck.results.some(r => r.check === 'geometry'), 'a geometry result: the point is not accepted as inside the village');
  check(await page.locator('#f-checks li.check[data-severity=block]').count() === 0, 'a blocking result is shown for the road');
  check(await page.getByLabel('罗马字母拼写').inputValue() === ROAD_PINYIN, 'the romanization is not filled with ' + ROAD_PINYIN);
  await noJunk(page, 'the road check');
  await shot(page, 'console-2-new-road-checked.png');

  log('save the draft');
  const createResp = page.waitForResponse(r => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/applications');
  await page.getByRole('button', { name: '保存为草稿' }).click();
  const created = await createResp;
  check(created.status() === 201, `POST /api/v1/applications answered ${created.status()}: ${await created.text()}`);
  check((created.request().headers()['x-csrf-token'] || '').length > 10, 'the application was filed without X-CSRF-Token');
  const app = await created.json();
  const filed = created.request().postDataJSON();
  for (const k of ['reasons', 'meaning', 'origin', 'romanization']) check(filed[k], `the application was filed without ${k}`);
  check(filed.location_description === ROAD_WHERE, 'the application was filed without its location_description: ' + filed.location_description);
  const ID = app.id;
  await page.waitForURL(new RegExp(`#/app/${ID}$`));
  await page.locator('#app-name', { hasText: ROAD }).waitFor();
  await statusIs(page, 'draft', '草稿');
  check((await page.locator('#flash').textContent()).includes('已保存'), 'no confirmation that the draft was saved');
  check((await page.locator('#app-pinyin').textContent()).trim() === ROAD_PINYIN, 'the detail does not show the pinyin');
  check((await page.locator('#app-facts').textContent()).includes('青木湖村'), 'the detail does not show the village');
  check((await page.locator('#app-texts').textContent()).includes('青杠树林'), 'the detail does not show the meaning');
  check((await page.locator('#app-texts [data-text=locationDescription]').textContent()).includes(ROAD_WHERE), 'the detail does not show the 位置描述');
  check(await page.locator('#app-facts dd[data-fact=f_filingDue]').count() === 0, 'a draft shows a filing deadline');
  await page.locator('#app-checks .check-summary').waitFor();
  await page.locator('#app-map svg circle.place-point').waitFor();
  check(await page.locator('#act-submit').count() === 1 && await page.locator('#act-withdraw').count() === 1, 'the owner of a draft cannot submit or withdraw');
  check(await page.locator('#act-review, #act-approve, #act-publish').count() === 0, 'the applicant is offered review, approval or publication');

  log('edit the draft: PATCH with its version');
  await page.getByRole('link', { name: '修改申请' }).click();
  await page.waitForURL(new RegExp(`#/app/${ID}/edit$`));
  await page.locator(`#form-view[data-ready="${ID}"]`).waitFor();
  check(await page.locator('#form-title').textContent() === `修改申请 #${ID}`, 'the edit form has no title naming the application');
  check(await page.getByLabel('拟用名称', { exact: true }).inputValue() === ROAD, 'the edit form does not hold the name');
  check(await page.getByLabel('社区 / 村').inputValue() === VILLAGE, 'the edit form does not hold the village');
  check(await page.getByLabel('位置描述').inputValue() === ROAD_WHERE, 'the edit form does not hold the 位置描述');
  check(Number(await page.getByLabel('经度').inputValue()) === lon, 'the edit form does not hold the point');
  await page.getByLabel('含义').fill('以沿线成片的青杠（青冈）树林得名。');
  const patchResp = page.waitForResponse(r => r.request().method() === 'PATCH');
  await page.getByRole('button', { name: '保存修改' }).click();
  const patched = await patchResp;
  check(patched.ok(), `PATCH answered ${patched.status()}: ${await patched.text()}`);
  const patchBody = patched.request().postDataJSON();
  check(patchBody.version === app.version, `PATCH sent version ${patchBody.version}, want ${app.version}`);
  check(patchBody.location_description === ROAD_WHERE, 'PATCH dropped the 位置描述');
  check((patched.request().headers()['x-csrf-token'] || '').length > 10, 'PATCH was sent without X-CSRF-Token');
  await page.waitForURL(new RegExp(`#/app/${ID}$`));
  await page.locator('#app-texts', { hasText: '青冈' }).waitFor();
  await statusIs(page, 'draft', '草稿');

  log('attach a PDF report');
  await page.getByLabel('附件类型').selectOption('assessment');
  await page.getByLabel('PDF 文件（不超过 10 MB）').setInputFiles({ name: '综合评估报告.pdf', mimeType: 'application/pdf', buffer: tinyPDF() });
  const upResp = page.waitForResponse(r => r.request().method() === 'POST' && /\/attachments$/.test(new URL(r.url()).pathname));
  await page.getByRole('button', { name: '上传' }).click();
  const up = await upResp;
  check(up.ok(), `the upload answered ${up.status()}: ${await up.text()}`);
  check((up.request().headers()['x-csrf-token'] || '').length > 10, 'the upload was sent without X-CSRF-Token');
  check((up.request().headers()['content-type'] || '').startsWith('multipart/form-data'), 'the upload is not multipart/form-data');
  await page.locator('#app-attachments li[data-kind=assessment]', { hasText: '综合评估报告.pdf' }).waitFor();
  const attHref = await page.locator('#app-attachments a', { hasText: '综合评估报告.pdf' }).getAttribute('href');
  const pdf = await page.request.get(BASE + attHref);
  check(pdf.ok() && (await pdf.body()).subarray(0, 5).toString() === '%PDF-', `the attachment does not download as a PDF: ${pdf.status()}`);

  log('a non-PDF is refused in the page, in Chinese');
  await page.getByLabel('PDF 文件（不超过 10 MB）').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await page.getByRole('button', { name: '上传' }).click();
  await page.locator('#error', { hasText: 'PDF' }).waitFor();
  check(hasCJK(await page.locator('#error').textContent()), 'the upload error is not in Chinese');
  await page.getByLabel('PDF 文件（不超过 10 MB）').setInputFiles([]);

  log('submit');
  await act(page, 'submit', '提交申请');
  await statusIs(page, 'submitted', '已提交');
  check(await page.locator('#act-submit').count() === 0, 'submit is still offered after submitting');
  check(await page.locator('#app-events tr[data-action]').count() >= 2, 'the record does not list the filing and the submission');
  await noJunk(page, 'the submitted application');
  await shot(page, 'console-3-submitted.png');
  await logout(page);

  // ------------------------------------------------------------ reviewer
  page = await newPage('shenhe');
  log('the reviewer logs in and finds it in the queue');
  await login(page, 'shenhe', '审核人');
  const row = page.locator(`#app-rows tr[data-id="${ID}"]`);
  await row.waitFor();
  check(await row.getAttribute('data-status') === 'submitted', 'the queue does not show it as submitted');
  await page.locator('#filters a[data-status=submitted]').click();
  await page.waitForURL(/status=submitted/);
  await row.waitFor();
  check(await page.locator('#filters a[aria-current=page]').getAttribute('data-status') === 'submitted', 'the chosen filter is not marked aria-current');
  await shot(page, 'console-4-reviewer-queue.png');
  await row.getByRole('link', { name: ROAD }).click();
  await page.locator('#app-name', { hasText: ROAD }).waitFor();

  log('review, then a 0-day public notice');
  await act(page, 'review', '受理审核');
  await statusIs(page, 'under_review', '审核中');
  const today = TODAY;
  check(await page.getByLabel('公示开始日期').inputValue() === '' && await page.getByLabel('公示结束日期').inputValue() === '',
    'the notice dates are not empty by default');
  check((await page.locator('.action-notice .hint').textContent()).includes('留空则自今日起公示 7 天'), 'the notice form does not say empty dates mean 7 days from today');
  await page.getByLabel('公示开始日期').fill(today);
  await page.getByLabel('公示结束日期').fill(today);
  const noticed = await act(page, 'notice', '发布公示');
  check(noticed.notice_start === today && noticed.notice_end === today, `the notice is not ${today}–${today}: ${noticed.notice_start}–${noticed.notice_end}`);
  await statusIs(page, 'on_notice', '公示中');
  check((await page.locator('#app-facts').textContent()).includes(today), 'the notice period is not shown');
  const notices = await getJSON('/api/v1/notices');
  check(notices.status === 200 && notices.body.notices.some(n => n.id === ID && n.name === ROAD), 'the name is not among the public notices');
  const commented = await fetch(`${BASE}/api/v1/notices/${ID}/comments`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ author: '青木湖村村民', text: '赞成，这里一直叫青杠林。' }) });
  check(commented.status === 201, `a public comment answered ${commented.status}`);
  check(await page.locator('#act-approve, #act-publish').count() === 0, 'the reviewer is offered approval or publication');
  await shot(page, 'console-5-on-notice.png');
  await logout(page);

  log('set up through the API: renaming the protected 磁器口古镇 to 龙隐古镇, and 华岩镇 once more, both on notice');
  const applicantAPI = await apiAs('shenqing');
  const reviewerAPI = await apiAs('shenhe');
  const old = (await getJSON('/api/v1/places?q=' + encodeURIComponent('磁器口古镇'))).body.results.find(r => r.name === '磁器口古镇');
  check(old, '磁器口古镇 is not in the demo data');
  const protectedID = await onNotice(applicantAPI, reviewerAPI, { kind: 'renaming', place_id: old.id, name: '龙隐古镇',
    reasons: '恢复古镇旧名龙隐镇。' });
  const dupID = await onNotice(applicantAPI, reviewerAPI, { kind: 'naming', name: '华岩镇', category: '0403', division_code: '500106',
    geometry: { type: 'Point', coordinates: [lon, lat] }, crs: 'wgs84' });

  // ------------------------------------------------------------ approver
  page = await newPage('shenpi');
  log('the approver approves and publishes');
  await login(page, 'shenpi', '审批人');
  await page.locator(`#app-rows tr[data-id="${ID}"]`).waitFor();
  await page.locator(`#app-rows tr[data-id="${ID}"] a.app-link`).click();
  await page.locator('#app-name', { hasText: ROAD }).waitFor();
  check(await page.locator('#act-approve').isEnabled(), 'approve is not enabled on the last day of a 0-day notice');
  await page.locator('#app-comments li.comment', { hasText: '一直叫青杠林' }).waitFor();
  check((await page.locator('#app-comments').textContent()).includes('青木湖村村民'), 'the comment\'s author is not shown');
  await page.getByLabel('审批意见').fill('同意命名。');
  const approved = await act(page, 'approve', '批准');
  check(approved.status === 'approved', 'the answer to approve is not approved: ' + approved.status);
  await statusIs(page, 'approved', '已批准');
  check(approved.approved_by && (await page.locator('#app-facts').textContent()).includes(approved.approved_by), 'the approving authority is not shown');
  check(approved.filing_due === DUE && approved.publication_due === DUE, `the deadlines are ${approved.filing_due}/${approved.publication_due}, want ${DUE}`);
  check((await fact(page, 'f_filingDue', '备案期限')).startsWith(DUE), 'the 备案期限 is not shown');
  check((await fact(page, 'f_publicationDue', '公告期限')).startsWith(DUE), 'the 公告期限 is not shown');
  check(await page.locator('#detail-view .badge-overdue').count() === 0, 'a name approved today is shown as overdue');
  check(await page.locator('#act-publish').count() === 1 && await page.locator('#act-file').count() === 1, 'the approver is not offered publication and filing');
  const published = await act(page, 'publish', '公告（写入标准地名）');
  check(published.published_place_id > 0, 'publish did not answer with published_place_id');
  await statusIs(page, 'published', '已公告');
  check(await fact(page, 'f_publishedOn', '公告日期') === TODAY, 'the 公告日期 is not today');
  check(await page.locator('#app-actions .action').count() === 1 && await page.locator('#act-file').count() === 1,
    'a published name that is not filed offers other actions than 备案');
  await noJunk(page, 'the published application');
  await shot(page, 'console-6-published.png');

  log('the approver files it (备案): 备案日期 is today');
  await page.getByLabel('备案说明（选填，如报送机关、文号）').fill('报重庆市民政局备案，沙民〔2025〕1 号。');
  const filedApp = await act(page, 'file', '备案');
  check(filedApp.filed_on === TODAY && filedApp.status === 'published', `filing answered ${filedApp.status} filed_on ${filedApp.filed_on}, want published on ${TODAY}`);
  await page.locator('#app-facts dd[data-fact=f_filedOn]').waitFor();
  check(await fact(page, 'f_filedOn', '备案日期') === TODAY, 'the 备案日期 is not today');
  check((await page.locator('#flash').textContent()).includes('已备案'), 'no confirmation of the filing');
  await statusIs(page, 'published', '已公告');
  check(await page.locator('#app-actions .action').count() === 0, 'actions are still offered on a published, filed name');
  await page.locator('#app-events tr[data-action=file]', { hasText: '沙民〔2025〕1 号' }).waitFor();
  const events = await page.locator('#app-events tr[data-action]').count();
  check(events >= 7, `the record has ${events} events, want the filing, submission, review, notice, approval, publication and 备案`);
  await noJunk(page, 'the filed application');
  await shot(page, 'console-6b-filed.png');

  log('public search finds the standard name with its pinyin');
  let found = null;
  for (let i = 0; i < 20 && !found; i++) {
    const r = await getJSON('/api/v1/places?q=' + encodeURIComponent(ROAD));
    found = r.status === 200 && (r.body.results || []).find(x => x.name === ROAD);
    if (!found) await new Promise(res => setTimeout(res, 250));
  }
  check(found, `/api/v1/places?q=${ROAD} does not find it within 5 s`);
  check(found.pinyin === ROAD_PINYIN, `its pinyin is "${found.pinyin}", want "${ROAD_PINYIN}"`);
  check(found.id === published.published_place_id, `the search finds place ${found.id}, publish said ${published.published_place_id}`);
  await page.locator('#published-link').click();
  await page.waitForURL(/\/#\/place\/\d+$/);
  await page.locator('#place-name', { hasText: ROAD }).waitFor();
  check((await page.locator('#place-pinyin').textContent()).trim() === ROAD_PINYIN, 'the public page does not show the pinyin');
  await shot(page, 'console-7-public-record.png');

  log('a protected name: approval needs a written override reason');
  await page.goto(`${BASE}/admin#/app/${protectedID}`);
  await page.locator('#app-name', { hasText: '龙隐古镇' }).waitFor();
  check(await page.locator('#who-role', { hasText: '审批人' }).count() === 1, 'the login did not survive a reload');
  const prot = page.locator('#app-checks li.check[data-check=protected]');
  check(await prot.getAttribute('data-severity') === 'block', 'the protected-name result is not a block');
  check((await prot.textContent()).includes('可由审批人书面说明理由后豁免'), 'the protected-name result does not say it can be overridden');
  await page.locator('#old-place-link', { hasText: '磁器口古镇' }).waitFor();
  check((await page.locator('#app-checks .check-summary').textContent()).includes('豁免'), 'the summary does not say the blocks can be overridden');
  const override = page.getByLabel('豁免理由（必填：存在可豁免的阻止项）');
  await override.waitFor();
  let approvePosts = requests.filter(r => r.endsWith(`/applications/${protectedID}/approve`)).length;
  await page.getByRole('button', { name: '批准', exact: true }).click();
  await page.locator('.action-approve .error', { hasText: '豁免理由' }).waitFor();
  check(await override.getAttribute('aria-invalid') === 'true', 'the empty override reason is not marked invalid');
  check(requests.filter(r => r.endsWith(`/applications/${protectedID}/approve`)).length === approvePosts, 'approval was sent without an override reason');
  await override.fill('龙隐镇为磁器口明清旧名，恢复旧名有利于历史地名保护，经专家论证同意。');
  const overridden = await act(page, 'approve', '批准');
  check(overridden.override_reason && overridden.status === 'approved', 'the override was not recorded: ' + JSON.stringify(overridden));
  await statusIs(page, 'approved', '已批准');
  check((await page.locator('#app-facts').textContent()).includes('龙隐镇为磁器口明清旧名'), 'the override reason is not shown');
  await shot(page, 'console-8-override-approved.png');

  log('a duplicate that cannot be overridden: approval is disabled; rejection needs a reason');
  await page.goto(`${BASE}/admin#/app/${dupID}`);
  await page.locator('#app-name', { hasText: '华岩镇' }).waitFor();
  check((await page.locator('#app-checks li.check[data-check=duplicate]').textContent()).includes('九龙坡区'), 'the duplicate is not named on the application page');
  check(await page.locator('#act-approve').isDisabled(), 'approve is enabled despite a block that cannot be overridden');
  check((await page.locator('.action-approve').textContent()).includes('不可豁免'), 'no explanation why approval is disabled');
  await page.getByRole('button', { name: '不予批准（驳回）' }).click();
  await page.locator('.action-reject .error', { hasText: '驳回理由' }).waitFor();
  await page.getByLabel('驳回理由（必填）').fill('与九龙坡区华岩镇重名，与潼南区花岩镇同音。');
  const rejected = await act(page, 'reject', '不予批准（驳回）');
  check(rejected.status === 'rejected', 'not rejected: ' + rejected.status);
  await statusIs(page, 'rejected', '未予批准');
  check((await page.locator('#app-facts').textContent()).includes('与九龙坡区华岩镇重名'), 'the rejection reason is not shown');
  await noJunk(page, 'the rejected application');

  log('the queue shows the deadlines; nothing is overdue');
  await page.goto(`${BASE}/admin#/?status=all`);
  const roadRow = page.locator(`#app-rows tr[data-id="${ID}"]`);
  await roadRow.waitFor();
  check((await roadRow.locator('[data-deadline=filing]').textContent()).includes('已备案 ' + TODAY), 'the queue does not show the filing date');
  check((await roadRow.locator('[data-deadline=publication]').textContent()).includes('已公告 ' + TODAY), 'the queue does not show the announcement date');
  const protRow = page.locator(`#app-rows tr[data-id="${protectedID}"]`);
  check((await protRow.locator('[data-deadline=filing]').textContent()).includes('备案期限 ' + DUE), 'the queue does not show the 备案期限 of an approved name');
  check((await protRow.locator('[data-deadline=publication]').textContent()).includes('公告期限 ' + DUE), 'the queue does not show the 公告期限 of an approved name');
  check(await page.locator('#app-rows .badge-overdue').count() === 0, 'the queue shows something as overdue');
  const overdueResp = page.waitForResponse(r => new URL(r.url()).pathname === '/api/v1/filings');
  await page.locator('#filters a[data-status=overdue]', { hasText: '逾期未备案/公告' }).click();
  const od = await overdueResp;
  check(od.ok() && new URL(od.url()).searchParams.get('overdue') === 'true', `the overdue filter asked ${od.url()}: ${od.status()}`);
  await page.locator('#list-status', { hasText: '没有逾期' }).waitFor();
  check(await page.locator('#filing-table').isHidden() && await page.locator('#app-table').isHidden(), 'an empty overdue list still shows a table');
  check(await page.locator('#filters a[aria-current=page]').getAttribute('data-status') === 'overdue', 'the overdue filter is not marked current');
  await noJunk(page, 'the overdue list');

  log('the export links: 地名公告 and 备案报表 as .xlsx and CSV');
  const links = {};
  for (const [key, text] of [['announcements-xlsx', '地名公告（Excel）'], ['announcements-csv', '地名公告（CSV）'],
    ['filings-xlsx', '备案报表（Excel）'], ['filings-csv', '备案报表（CSV）']]) {
    const a = page.getByRole('link', { name: text, exact: true });
    check(await a.isVisible(), `no visible export link ${text}`);
    check(await a.getAttribute('data-export') === key, `the link ${text} is not ${key}`);
    links[key] = await a.getAttribute('href');
  }
  check(links['announcements-xlsx'] === '/api/v1/announcements?format=xlsx' && links['filings-xlsx'] === '/api/v1/filings?format=xlsx',
    'the export links are not the API\'s: ' + JSON.stringify(links));
  for (const key of ['announcements-xlsx', 'filings-xlsx']) {
    const r = await fetchFromPage(page, links[key]);
    check(r.status === 200, `${links[key]} answered ${r.status}`);
    check(r.type === XLSX, `${links[key]} is ${r.type}, want ${XLSX}`);
    check(r.magic === 'PK' && r.disposition.includes('.xlsx'), `${links[key]} is not an .xlsx attachment`);
  }
  const csv = await fetchFromPage(page, links['announcements-csv']);
  check(csv.status === 200 && csv.type.startsWith('text/csv'), `the 地名公告 CSV answered ${csv.status} ${csv.type}`);
  check(csv.text.includes(ROAD) && csv.text.includes(ROAD_PINYIN) && csv.text.includes(ROAD_WHERE), 'the 地名公告 CSV does not list 青杠林路 with its 位置描述');
  const fcsv = await fetchFromPage(page, links['filings-csv']);
  check(fcsv.status === 200 && fcsv.text.includes(ROAD) && fcsv.text.includes('龙隐古镇') && fcsv.text.includes(DUE), 'the 备案报表 CSV does not list the approved names with their deadlines');
  await shot(page, 'console-9-overdue-and-exports.png');

  log('the English toggle');
  await page.goto(BASE + '/admin.html#/app/' + ID);
  await page.locator('#app-name', { hasText: ROAD }).waitFor();
  await page.locator('#lang').click();
  await page.locator('h1', { hasText: 'Place-name approval' }).waitFor();
  await statusIs(page, 'published', 'Published');
  check(await page.locator('html').getAttribute('lang') === 'en', 'html lang is not en after the toggle');
  await page.locator('#lang').click();
  await page.locator('h1', { hasText: '地名网上审批' }).waitFor();
  await logout(page);
} catch (e) {
  failed = `${step}: ${e.message}`;
  try { if (page) await shot(page, 'console-failure.png'); } catch { /* the page may be gone */ }
}

for (const c of contexts) await c.close().catch(() => {});
await browser.close();

if (process.env.REPORT) writeFileSync(process.env.REPORT, JSON.stringify({ requests, screenshots }, null, 1));
console.log(`requests: ${requests.length}, of which off 127.0.0.1: ${offHost.length}`);
if (offHost.length) console.error('requests that left 127.0.0.1:\n  ' + offHost.join('\n  '));
if (problems.length) console.error('problems:\n  ' + problems.join('\n  '));
if (failed) console.error('FAIL ' + failed);
if (failed || offHost.length || problems.length) process.exit(1);
console.log('ok: the console works');

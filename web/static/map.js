// The planners' map (/map, 规划地图): MapLibre GL JS (from the npm registry,
// bundled by `make` and served by this service under /vendor/maplibre/) over
// the service's own vector tiles (GET /tiles lists them; /tiles/{layer}.json
// is each one's TileJSON). No basemap and nothing from another host.
//
// Labels: the style has no `glyphs` URL, so MapLibre draws every glyph
// (Chinese, Latin, digits) in the browser with TinySDF from the local font
// named in `text-font` ("Noto Sans CJK SC", which scripts/browser.sh installs;
// the browser falls back to its sans-serif) and `localIdeographFontFamily`.
// No glyph server, no PBF glyph files.
//
// What is on it: divisions (district, townships, villages), boundary lines
// and markers, place-name labels, facilities by group, the 15-minute
// eldercare circle, and the villages coloured by one coverage indicator with
// its legend; click popups; a township filter (fits the map, filters the
// village layers by parent_code); the place-name search (autocomplete, then
// fly to the result); links to the reports and the .xlsx export; the switch
// "含 2025 规划设施 / Include the 2025 plan" (see PLAN_LAYERS).
//
// For the browser test (web/e2e/map.mjs) the map is window.dimingMap, and
// body[data-ready] is set once the first render is complete.
import * as maplibregl from '/vendor/maplibre/maplibre-gl.mjs';

const { $, h, fill } = window.DimingDOM;
const DEBOUNCE_MS = 150;
const FONT = ['Noto Sans CJK SC'];
const LOCAL_FONTS = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";
const NODATA = '#d0d4da';
const PLANNED_OPACITY = 0.55; // planned facilities are drawn paler

// The tile layers this page draws (the source-layer name is the layer id).
const TILE_LAYERS = ['divisions-district', 'divisions-township', 'divisions-village', 'boundary-lines', 'markers',
  'places', 'facilities', 'coverage-villages', 'coverage-isochrones'];

// The 2025 plan switch. Off (the default): planned facilities are not drawn,
// and the coverage layers, the reports and the .xlsx are today's (open
// facilities only). On: planned facilities are drawn paler, and these tile
// layers, the report links and the .xlsx switch to their
// include_planned=true variant, in which the service counts planned
// facilities as if open (the same reports, so the map and the reports
// agree). The MVT layer inside the tiles keeps its name: only the sources'
// TileJSON URL changes.
const PLAN_LAYERS = ['coverage-villages', 'coverage-isochrones'];

const GROUPS = [
  { id: 'eldercare', color: '#e8590c', on: true },
  { id: 'community', color: '#1c7ed6', on: true },
  { id: 'lottery', color: '#c2255c', on: false },
  { id: 'funeral', color: '#343a40', on: true },
  { id: 'minors', color: '#7048e8', on: true },
  { id: 'school', color: '#2b8a3e', on: false },
];

// The indicators that can colour the villages: the coverage-villages
// property, its classes (lower bounds after the first) and colours, and how
// a value reads. `better` says which way is good.
const SHARE_BREAKS = [0.5, 0.7, 0.9, 1];
const GOOD_UP = ['#c92a2a', '#f08c00', '#ffd43b', '#94d82d', '#2b8a3e'];
const INDICATORS = [
  { id: 'eldercare_share', breaks: SHARE_BREAKS, colors: GOOD_UP, fmt: 'pct' },
  { id: 'aged_60_share', breaks: SHARE_BREAKS, colors: GOOD_UP, fmt: 'pct' },
  { id: 'area_per_100', breaks: [15, 30, 45], colors: ['#c92a2a', '#f08c00', '#94d82d', '#2b8a3e'], fmt: 'm2', target: 30 },
  { id: 'lottery_share', breaks: SHARE_BREAKS, colors: GOOD_UP, fmt: 'pct' },
  { id: 'funeral_walk_m', breaks: [2000, 5000, 10000], colors: ['#2b8a3e', '#94d82d', '#f08c00', '#c92a2a'], fmt: 'km' },
];

// ---------------------------------------------------------------- i18n
const I18N = {
  zh: {
    skip: '跳到图层与查询',
    title: '沙坪坝区规划地图',
    subtitle: '行政区划、界线、地名与公共服务设施覆盖（演示数据）',
    lookupLink: '地名查询', boundariesLink: '界线与界桩',
    langButton: 'English', langButtonLabel: 'Switch to English',
    mapLabel: '沙坪坝区规划地图',
    searchLabel: '地名搜索', placeholder: '汉字、拼音或首字母，如 磁器口、cqk', searchButton: '查询',
    townshipLabel: '街道 / 镇', wholeDistrict: '全区',
    planSwitch: '含 2025 规划设施',
    planNote: '打开后，规划设施以浅色显示，专题图、15 分钟养老服务圈和报告把规划设施按已建成计算；关闭时只显示和计算在运营的设施。',
    planOn: '专题图、15 分钟养老服务圈和报告已按 2025 规划计算（规划设施视为已建成）。',
    planOff: '专题图、15 分钟养老服务圈和报告按在运营的设施计算。',
    planCaption: '（含 2025 规划设施）', legendPlanned: '规划设施（浅色）',
    planBasis: '按 2025 规划计算：规划设施视为已建成。', circlePlanned: '这是规划设施，尚未建成。',
    layersTitle: '图层', lgDivisions: '行政区划', lgFacilities: '公共服务设施', lgCoverage: '覆盖分析',
    layer_district: '区界', layer_township: '街道、镇', layer_village: '社区、村', layer_lines: '行政区域界线',
    layer_markers: '界桩', layer_places: '地名注记', layer_circle: '15 分钟养老服务圈', layer_choropleth: '村、社区指标专题图',
    group_eldercare: '养老服务', group_community: '社区综合服务', group_lottery: '福彩网点', group_funeral: '殡葬设施',
    group_minors: '未成年人保护', group_school: '学校',
    indicatorLabel: '专题图指标',
    ind_eldercare_share: '15 分钟步行可达养老设施的户数比例',
    ind_aged_60_share: '15 分钟步行可达养老设施的 60 岁以上老人比例',
    ind_area_per_100: '每百户社区综合服务设施面积（目标 30 平方米）',
    ind_lottery_share: '10 分钟步行可达福彩网点的户数比例',
    ind_funeral_walk_m: '到最近治丧点的步行距离',
    legendTitle: '图例', legendNoData: '无数据', legendNoArea: '无数据（无户数或无设施）', legendUnreachable: '无法步行到达或无数据',
    lgCircle: '15 分钟养老服务圈（步行 810 米范围）', lgSearch: '搜索结果',
    reportsTitle: '报告与导出',
    report_eldercare: '养老服务设施覆盖（JSON）', report_area: '社区综合服务设施面积（JSON）', report_lottery: '福利彩票网点覆盖（JSON）',
    report_funeral: '殡葬设施可达性（JSON）', report_indicators: '规划指标（JSON）', report_xlsx: '规划指标表（Excel .xlsx）',
    reportsLogin: '报告与导出仅供规划人员使用，请先登录：', reportsLoginLink: '管理台登录',
    note: '所有数据来自本服务（矢量瓦片和接口），地图不加载任何外部底图。',
    loading: '正在加载地图…',
    ready: '地图已加载。点击地图上的区域或设施查看详情。',
    tilesFailed: m => `无法读取矢量瓦片列表（GET /tiles）：${m}`,
    tilesMissing: ids => `本服务没有这些矢量瓦片图层，地图上相应内容为空：${ids}`,
    noWebGL: '浏览器无法创建 WebGL 画布，地图无法显示。',
    nSuggestions: n => n ? `${n} 条建议` : '没有匹配的地名',
    noResults: q => `没有找到与「${q}」匹配的地名。`,
    searchFailed: m => `查询失败：${m}`,
    flownTo: n => `已定位到「${n}」。`,
    filtered: n => `只显示${n}的社区、村。`,
    households: '户数', population: '人口', population60: '60 岁以上', code: '代码', level: '层级',
    level_district: '区', level_township: '街道、镇', level_village: '社区、村',
    category: '类别', status: '状态', status_open: '在运营', status_planned: '规划', status_closed: '已关闭',
    facilityCode: '编号', markerNumber: '界桩编号', markerKind: '类型', markerState: '状态',
    state_intact: '完好', state_damaged: '损坏', state_missing: '丢失', state_moved: '移位',
    kind_single: '单立', kind_double: '双立', kind_triple: '三立',
    romanization: '罗马字母拼写', circleOf: n => `「${n}」的 15 分钟步行范围`,
    circleMeaning: '从该设施出发沿道路步行 15 分钟（约 810 米）可到达的范围。',
    sides: '两侧', outside: '区外', line: '界线',
    value: '指标值', met: '达标', notMet: '未达标', target: '目标',
    mean_eldercare_share: v => `本村、社区 ${v} 的住户步行 15 分钟内可到达养老服务设施。`,
    mean_aged_60_share: v => `本村、社区 ${v} 的 60 岁以上老人步行 15 分钟内可到达养老服务设施。`,
    mean_area_per_100: (v, met) => `每百户拥有社区综合服务设施 ${v}，规划目标 30 平方米：${met ? '达标' : '未达标'}。`,
    mean_lottery_share: v => `本村、社区 ${v} 的住户步行 10 分钟内可到达福利彩票销售网点。`,
    mean_funeral_walk_m: v => `从本村、社区沿道路步行到最近的治丧点约 ${v}。`,
    noValue: '该指标在本村、社区没有数据。',
    eldercareHere: n => `本村、社区有养老服务设施 ${n} 个。`, lotteryHere: n => `本村、社区有福彩网点 ${n} 个。`,
    networkError: '无法连接服务，请检查网络后重试。',
    httpError: s => `服务返回错误（HTTP ${s}）。`,
    badResponse: '服务返回的内容无法解析。',
    pct: v => `${v}%`, m2: v => `${v} 平方米`, km: v => `${v} 千米`, m: v => `${v} 米`,
    below: v => `低于 ${v}`, from: (a, b) => `${a}–${b}`, atLeast: v => `${v} 及以上`, full: '100%（全覆盖）',
    zoomIn: z => `（放大到 ${z} 级显示）`,
    toUnder100: v => `${v} 至不足 100%`, withMet: (s, met) => `${s}（${met ? '达标' : '未达标'}）`,
  },
  en: {
    skip: 'Skip to layers and search',
    title: 'Shapingba planning map',
    subtitle: 'Divisions, boundary lines, place names and public-service coverage (demo data)',
    lookupLink: 'Place-name lookup', boundariesLink: 'Boundaries and markers',
    langButton: '中文', langButtonLabel: '切换到中文',
    mapLabel: 'Planning map of Shapingba District',
    searchLabel: 'Place-name search', placeholder: 'Chinese, pinyin or initials, e.g. 磁器口, cqk', searchButton: 'Search',
    townshipLabel: 'Subdistrict / town', wholeDistrict: 'Whole district',
    planSwitch: 'Include the 2025 plan',
    planNote: 'On: planned facilities are drawn paler and count as open in the indicator map, the 15-minute circle and the reports. Off: only open facilities are shown and counted.',
    planOn: 'The indicator map, the 15-minute circle and the reports now count the 2025 plan\'s facilities as open.',
    planOff: 'The indicator map, the 15-minute circle and the reports count open facilities only.',
    planCaption: ' (with the 2025 plan)', legendPlanned: 'Planned facility (paler)',
    planBasis: 'With the 2025 plan: planned facilities count as open.', circlePlanned: 'A planned facility, not built yet.',
    layersTitle: 'Layers', lgDivisions: 'Divisions', lgFacilities: 'Public facilities', lgCoverage: 'Coverage',
    layer_district: 'District', layer_township: 'Subdistricts, towns', layer_village: 'Communities, villages', layer_lines: 'Boundary lines',
    layer_markers: 'Boundary markers', layer_places: 'Place names', layer_circle: '15-minute eldercare circle', layer_choropleth: 'Village indicator map',
    group_eldercare: 'Eldercare', group_community: 'Community service', group_lottery: 'Lottery outlets', group_funeral: 'Funeral',
    group_minors: 'Minor protection', group_school: 'Schools',
    indicatorLabel: 'Indicator',
    ind_eldercare_share: 'Households within a 15-minute walk of eldercare',
    ind_aged_60_share: 'Residents aged 60+ within a 15-minute walk of eldercare',
    ind_area_per_100: 'Community service floor area per 100 households (target 30 m²)',
    ind_lottery_share: 'Households within a 10-minute walk of a lottery outlet',
    ind_funeral_walk_m: 'Walk to the nearest mourning point',
    legendTitle: 'Legend', legendNoData: 'No data', legendNoArea: 'No data (no households or no facility)', legendUnreachable: 'Not reachable on foot, or no data',
    lgCircle: '15-minute eldercare circle (810 m walk)', lgSearch: 'Search result',
    reportsTitle: 'Reports and export',
    report_eldercare: 'Eldercare coverage (JSON)', report_area: 'Community service floor area (JSON)', report_lottery: 'Lottery outlet coverage (JSON)',
    report_funeral: 'Funeral service access (JSON)', report_indicators: 'Plan indicators (JSON)', report_xlsx: 'Plan indicators (Excel .xlsx)',
    reportsLogin: 'Reports and exports are for planners; log in first:', reportsLoginLink: 'log in at the console',
    note: 'All data comes from this service (vector tiles and API); the map loads no outside basemap.',
    loading: 'Loading the map…',
    ready: 'The map is ready. Click an area or a facility for details.',
    tilesFailed: m => `Could not read the list of vector tiles (GET /tiles): ${m}`,
    tilesMissing: ids => `This service has no vector tiles for these layers, which stay empty: ${ids}`,
    noWebGL: 'The browser could not create a WebGL canvas: the map cannot be shown.',
    nSuggestions: n => n ? `${n} suggestion${n === 1 ? '' : 's'}` : 'No matching names',
    noResults: q => `No place names match “${q}”.`,
    searchFailed: m => `Search failed: ${m}`,
    flownTo: n => `Showing ${n}.`,
    filtered: n => `Showing the communities and villages of ${n} only.`,
    households: 'Households', population: 'Population', population60: 'Aged 60+', code: 'Code', level: 'Level',
    level_district: 'District', level_township: 'Subdistrict, town', level_village: 'Community, village',
    category: 'Category', status: 'Status', status_open: 'Open', status_planned: 'Planned', status_closed: 'Closed',
    facilityCode: 'Code', markerNumber: 'Marker', markerKind: 'Kind', markerState: 'State',
    state_intact: 'Intact', state_damaged: 'Damaged', state_missing: 'Missing', state_moved: 'Moved',
    kind_single: 'Single', kind_double: 'Double', kind_triple: 'Triple',
    romanization: 'Romanization', circleOf: n => `15-minute walk from ${n}`,
    circleMeaning: 'Where one can walk to along the roads in 15 minutes (about 810 m) from this facility.',
    sides: 'Sides', outside: 'outside the district', line: 'Boundary line',
    value: 'Value', met: 'met', notMet: 'not met', target: 'Target',
    mean_eldercare_share: v => `${v} of the households here live within a 15-minute walk of an eldercare facility.`,
    mean_aged_60_share: v => `${v} of the residents aged 60+ here live within a 15-minute walk of an eldercare facility.`,
    mean_area_per_100: (v, met) => `${v} of community service floor area per 100 households; the plan's target is 30 m²: ${met ? 'met' : 'not met'}.`,
    mean_lottery_share: v => `${v} of the households here live within a 10-minute walk of a welfare-lottery outlet.`,
    mean_funeral_walk_m: v => `The nearest mourning point (治丧点) is about ${v} away on foot.`,
    noValue: 'No value for this indicator here.',
    eldercareHere: n => `${n} eldercare facilit${n === 1 ? 'y' : 'ies'} here.`, lotteryHere: n => `${n} lottery outlet${n === 1 ? '' : 's'} here.`,
    networkError: 'Cannot reach the service; check the network and try again.',
    httpError: s => `The service answered with an error (HTTP ${s}).`,
    badResponse: 'The service\'s answer could not be read.',
    pct: v => `${v}%`, m2: v => `${v} m²`, km: v => `${v} km`, m: v => `${v} m`,
    below: v => `under ${v}`, from: (a, b) => `${a}–${b}`, atLeast: v => `${v} or more`, full: '100% (full coverage)',
    zoomIn: z => ` (from zoom ${z})`,
    toUnder100: v => `${v} to under 100%`, withMet: (s, met) => `${s} (${met ? 'met' : 'not met'})`,
  },
};
let lang = 'zh';
try { if (localStorage.getItem('diming.lang') === 'en') lang = 'en'; } catch { /* storage blocked */ }
function t(key, ...args) {
  const v = key in I18N[lang] ? I18N[lang][key] : I18N.zh[key];
  return typeof v === 'function' ? v(...args) : (v === undefined ? key : v);
}
const has = key => key in I18N.zh;
const num = (v, digits = 0) => Number(v).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { maximumFractionDigits: digits });

// formatValue writes an indicator value in its unit.
function formatValue(ind, v) {
  switch (ind.fmt) {
    case 'pct': return t('pct', num(v * 100, v < 1 && v > 0.995 ? 1 : 0));
    case 'm2': return t('m2', num(v, 1));
    case 'km': return v >= 1000 ? t('km', num(v / 1000, 1)) : t('m', num(v));
    default: return num(v, 2);
  }
}

// ---------------------------------------------------------------- API
class APIError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}
async function api(path, opts = {}) {
  let res;
  try {
    res = await fetch(path, { headers: { Accept: 'application/json', 'Accept-Language': lang === 'en' ? 'en' : 'zh-CN,zh;q=0.9' }, signal: opts.signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new APIError(0, t('networkError'));
  }
  let data = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const e = data && data.error;
    throw new APIError(res.status, (e && (lang === 'en' ? (e.message_en || e.message) : e.message)) || t('httpError', res.status));
  }
  if (data === null || typeof data !== 'object') throw new APIError(res.status, t('badResponse'));
  return data;
}
// checkPlanner: the reports and the .xlsx export are the planners' (the
// service answers others with 401 or 403), so for anyone else their links
// give way to a note on where to log in. The map itself is public.
async function checkPlanner() {
  let role = '';
  try { role = (await api('/api/v1/me')).user.role; } catch { /* not logged in */ }
  const ok = role === 'planner' || role === 'admin';
  document.body.dataset.planner = ok ? '1' : '0';
  $('reports-login').hidden = ok;
  document.querySelector('.m-links').hidden = !ok;
}
function showError(msg) {
  $('error').textContent = msg;
  $('error').hidden = !msg;
}

// ---------------------------------------------------------------- geometry helpers
function bboxOf(geom) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = c => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else c.forEach(walk);
  };
  if (geom && geom.coordinates) walk(geom.coordinates);
  return b[0] <= b[2] ? b : null;
}
const unionBox = (a, c) => (!a ? c : !c ? a : [Math.min(a[0], c[0]), Math.min(a[1], c[1]), Math.max(a[2], c[2]), Math.max(a[3], c[3])]);
const boundsOf = b => [[b[0], b[1]], [b[2], b[3]]];
const pointOf = loc => (loc && loc.type === 'Point' ? loc.coordinates : loc ? (b => b && [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])(bboxOf(loc)) : null);

// ---------------------------------------------------------------- sources
// Every layer comes from the service's vector tiles: GET /tiles lists them
// with their TileJSON. A layer the list lacks stays empty (an empty GeoJSON
// source keeps the style valid) and the page says which.
const EMPTY = { type: 'FeatureCollection', features: [] };
const features = fc => (fc && Array.isArray(fc.features) ? fc.features : []);

let tileList = new Map(); // layer id → TileJSON URL
async function discoverTiles() {
  try {
    const list = await api('/tiles');
    tileList = new Map((Array.isArray(list) ? list : []).filter(l => l && l.id).map(l => [l.id, l.tilejson || `/tiles/${l.id}.json`]));
  } catch (e) {
    tileList = new Map();
    showError(t('tilesFailed', e.message));
    return;
  }
  const missing = TILE_LAYERS.filter(id => !tileList.has(id));
  if (missing.length) showError(t('tilesMissing', missing.join(', ')));
}
const vector = id => tileList.has(id);
// withPlan sets or removes include_planned=true on a URL as the plan
// switch says; same-origin URLs stay relative.
function withPlan(href, absolute = false) {
  const u = new URL(href, location.href);
  if (plan) u.searchParams.set('include_planned', 'true'); else u.searchParams.delete('include_planned');
  return absolute || u.origin !== location.origin ? u.href : u.pathname + u.search;
}
function sourceURL(id) {
  const url = new URL(tileList.get(id), location.href).href;
  return PLAN_LAYERS.includes(id) ? withPlan(url, true) : url;
}
function sourceSpec(id) {
  return vector(id) ? { type: 'vector', url: sourceURL(id) } : { type: 'geojson', data: EMPTY };
}
// lyr adds what a layer over source `src` needs: the source-layer for tiles.
function lyr(src, def) {
  const l = { ...def, source: src };
  if (vector(src)) l['source-layer'] = src;
  return l;
}

// ---------------------------------------------------------------- style
function indicatorPaint(ind) {
  const v = ['to-number', ['get', ind.id]];
  const step = ['step', v, ind.colors[0]];
  ind.breaks.forEach((b, i) => step.push(b, ind.colors[i + 1]));
  return ['case', ['has', ind.id], step, NODATA];
}

function buildStyle(indicator) {
  const sources = {};
  for (const id of TILE_LAYERS) sources[id] = sourceSpec(id);
  sources['search-hit'] = { type: 'geojson', data: EMPTY };
  const text = (size, color = '#1f2328') => ({
    paint: { 'text-color': color, 'text-halo-color': '#ffffff', 'text-halo-width': 1.6 },
    layout: { 'text-font': FONT, 'text-size': size, 'text-max-width': 8, 'text-padding': 2 },
  });
  const label = (src, id, extra) => {
    const s = text(extra.size, extra.color);
    const def = { id, type: 'symbol', minzoom: extra.minzoom || 0, maxzoom: extra.maxzoom || 24, layout: { ...s.layout, 'text-field': ['get', 'name'], ...extra.layout }, paint: s.paint };
    if (extra.filter) def.filter = extra.filter;
    return lyr(src, def);
  };
  return {
    version: 8,
    // No "glyphs": MapLibre draws every label glyph locally (see the top).
    sources,
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#eef2f5' } },
      lyr('divisions-district', { id: 'district-fill', type: 'fill', paint: { 'fill-color': '#ffffff' } }),
      lyr('divisions-township', { id: 'township-fill', type: 'fill', paint: { 'fill-color': '#f3efe6', 'fill-opacity': 0.9 } }),
      lyr('coverage-villages', { id: 'choropleth', type: 'fill', paint: { 'fill-color': indicatorPaint(indicator), 'fill-opacity': 0.72 } }),
      lyr('divisions-village', { id: 'village-fill', type: 'fill', paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.01 } }),
      lyr('divisions-village', { id: 'village-line', type: 'line', paint: { 'line-color': '#868e96', 'line-width': 0.6 } }),
      lyr('coverage-isochrones', { id: 'circle-fill', type: 'fill', paint: { 'fill-color': '#e8590c', 'fill-opacity': 0.12 } }),
      lyr('coverage-isochrones', { id: 'circle-line', type: 'line', paint: { 'line-color': '#e8590c', 'line-width': 0.8, 'line-opacity': 0.6 } }),
      lyr('divisions-township', { id: 'township-line', type: 'line', paint: { 'line-color': '#9c6b5b', 'line-width': 1 } }),
      lyr('boundary-lines', { id: 'lines-village', type: 'line', minzoom: 12, filter: ['==', ['get', 'level'], 'village'],
        paint: { 'line-color': '#495057', 'line-width': 1, 'line-dasharray': [3, 2] } }),
      lyr('boundary-lines', { id: 'lines-township', type: 'line', filter: ['!=', ['get', 'level'], 'village'],
        paint: { 'line-color': '#7b2d26', 'line-width': ['case', ['==', ['coalesce', ['get', 'right_name'], ''], ''], 3, 1.6], 'line-dasharray': [4, 1.5] } }),
      lyr('divisions-district', { id: 'district-line', type: 'line', paint: { 'line-color': '#343a40', 'line-width': 2.5 } }),
      lyr('divisions-township', { id: 'township-selected', type: 'line', filter: ['==', ['get', 'code'], ''],
        paint: { 'line-color': '#b3261e', 'line-width': 3.5 } }),
      lyr('facilities', { id: 'facilities', type: 'circle',
        paint: {
          'circle-color': ['match', ['get', 'group'], ...GROUPS.flatMap(g => [g.id, g.color]), '#868e96'],
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2.5, 14, 5.5, 17, 8],
          'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1,
          'circle-opacity': ['case', ['==', ['get', 'status'], 'planned'], PLANNED_OPACITY, 1],
        } }),
      lyr('markers', { id: 'markers', type: 'circle',
        paint: {
          'circle-color': ['match', ['get', 'state'], 'intact', '#2b8a3e', 'damaged', '#e03131', 'missing', '#868e96', 'moved', '#f08c00', '#495057'],
          'circle-radius': 5, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5,
        } }),
      { id: 'search-hit', type: 'circle', source: 'search-hit',
        paint: { 'circle-color': '#b3261e', 'circle-radius': 8, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 } },
      // Area names are placed once per tile a polygon touches: shown only while
      // the tiles are large; deeper, the place-name layer names them.
      label('divisions-village', 'village-label', { size: 11, minzoom: 12.5, maxzoom: 15, color: '#495057' }),
      label('places', 'places-label', { size: 12, minzoom: 13.5, color: '#1c3d5a', filter: ['!=', ['slice', ['coalesce', ['get', 'category'], ''], 0, 2], '04'] }),
      label('divisions-township', 'township-label', { size: 14, maxzoom: 13.5, color: '#5c2b25' }),
      { id: 'search-label', type: 'symbol', source: 'search-hit',
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 14, 'text-offset': [0, 1.3], 'text-anchor': 'top' },
        paint: { 'text-color': '#b3261e', 'text-halo-color': '#ffffff', 'text-halo-width': 2 } },
    ],
  };
}

// Which map layers each switch shows and hides.
const SWITCHES = {
  district: ['district-fill', 'district-line'],
  township: ['township-fill', 'township-line', 'township-label'],
  village: ['village-fill', 'village-line', 'village-label'],
  lines: ['lines-township', 'lines-village'],
  markers: ['markers'],
  places: ['places-label'],
  circle: ['circle-fill', 'circle-line'],
  choropleth: ['choropleth'],
};
// The layers a click can open a popup on, the first that has a feature wins.
const CLICKABLE = ['search-hit', 'facilities', 'markers', 'places-label', 'lines-township', 'lines-village', 'circle-fill',
  'choropleth', 'village-fill', 'township-fill', 'district-fill'];
// The village layers the township filter applies to.
const VILLAGE_LAYERS = ['choropleth', 'village-fill', 'village-line', 'village-label'];

// ---------------------------------------------------------------- state
let map = null;
let townships = [];          // township features from the API (for the select and fitting)
let indicator = INDICATORS[0];
let township = '';           // the filter
let popup = null;
let popupFeature = null;     // re-rendered on a language switch
let plan = false;            // the 2025 plan switch

// ---------------------------------------------------------------- controls
function renderFacilitySwitches() {
  fill($('facility-switches'), h('legend', { text: t('lgFacilities') }),
    GROUPS.map(g => h('label', {},
      h('input', { type: 'checkbox', 'data-group': g.id, checked: g.on, onchange: e => { g.on = e.target.checked; applyFacilityFilter(); } }),
      ' ', h('span', { class: 'swatch', style: `background:${g.color}` }), t('group_' + g.id))));
}
function renderIndicatorSelect() {
  fill($('indicator'), INDICATORS.map(ind => h('option', { value: ind.id, selected: ind === indicator }, t('ind_' + ind.id))));
}
function renderTownshipSelect() {
  const sel = $('township');
  fill(sel, h('option', { value: '' }, t('wholeDistrict')),
    townships.map(f => h('option', { value: f.properties.code, selected: f.properties.code === township }, f.properties.name)));
}
function classLabels(ind) {
  const f = v => formatValue(ind, v);
  const out = [];
  const bs = ind.breaks;
  if (ind.fmt === 'pct') {
    out.push(t('below', f(bs[0])));
    for (let i = 1; i < bs.length - 1; i++) out.push(t('from', f(bs[i - 1]), f(bs[i])));
    out.push(t('toUnder100', f(bs[bs.length - 2])));
    out.push(t('full'));
    return out;
  }
  out.push(t('below', f(bs[0])));
  for (let i = 1; i < bs.length; i++) out.push(t('from', f(bs[i - 1]), f(bs[i])));
  out.push(t('atLeast', f(bs[bs.length - 1])));
  if (ind.target) return out.map((s, i) => t('withMet', s, (i === 0 ? 0 : bs[i - 1]) >= ind.target));
  return out;
}
function renderLegend() {
  const ind = indicator;
  const choro = $('legend').dataset.choropleth = String(isOn('choropleth'));
  const items = [];
  if (choro === 'true') {
    $('legend-caption').textContent = t('ind_' + ind.id) + (plan ? t('planCaption') : '');
    classLabels(ind).forEach((label, i) => items.push(h('li', { 'data-class': i }, h('span', { class: 'box', style: `background:${ind.colors[i]}` }), label)));
    const nodata = ind.id === 'area_per_100' ? t('legendNoArea') : ind.id === 'funeral_walk_m' ? t('legendUnreachable') : t('legendNoData');
    items.push(h('li', { 'data-class': 'nodata' }, h('span', { class: 'box', style: `background:${NODATA}` }), nodata));
  } else {
    $('legend-caption').textContent = '';
  }
  if (isOn('circle')) items.push(h('li', {}, h('span', { class: 'box', style: 'background:rgba(232,89,12,.18);border-color:#e8590c' }), t('lgCircle')));
  for (const g of GROUPS.filter(x => x.on)) items.push(h('li', {}, h('span', { class: 'box', style: `background:${g.color};border-radius:50%;width:.8rem;height:.8rem;margin:0 .4rem` }), t('group_' + g.id)));
  if (plan && GROUPS.some(x => x.on)) {
    items.push(h('li', { 'data-class': 'planned' }, h('span', { class: 'box', style: `background:#868e96;opacity:${PLANNED_OPACITY};border-radius:50%;width:.8rem;height:.8rem;margin:0 .4rem` }), t('legendPlanned')));
  }
  fill($('legend'), items);
}
const isOn = key => { const el = document.querySelector(`input[data-layer="${key}"]`); return !!(el && el.checked); };

// ---------------------------------------------------------------- zoom hints
// The tiles of some layers start at a deeper zoom (their TileJSON minzoom,
// e.g. facilities from 11): a switch whose layers cannot show at this zoom
// says from which zoom they do.
function minZoomOf(layerIds) {
  let need = Infinity; // the shallowest zoom at which one of the layers shows
  for (const id of layerIds) {
    const l = map.getLayer(id);
    if (!l) continue;
    const src = map.getSource(l.source);
    need = Math.min(need, Math.max(l.minzoom || 0, (src && src.minzoom) || 0));
  }
  return need === Infinity ? 0 : need;
}
function updateZoomHints() {
  const z = map.getZoom();
  const hint = (el, need) => {
    let span = el.querySelector(':scope > .zoomin');
    if (z + 1e-6 >= need) { if (span) span.remove(); return; }
    if (!span) { span = h('span', { class: 'zoomin' }); el.append(span); }
    span.textContent = t('zoomIn', Math.ceil(need * 10) / 10);
  };
  for (const el of document.querySelectorAll('input[data-layer]')) hint(el.parentElement, minZoomOf(SWITCHES[el.dataset.layer]));
  hint($('facility-switches').querySelector('legend'), minZoomOf(['facilities']));
}

// ---------------------------------------------------------------- map state
function setVisibility(key) {
  const vis = isOn(key) ? 'visible' : 'none';
  for (const id of SWITCHES[key]) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', vis);
}
function applyFacilityFilter() {
  const on = GROUPS.filter(g => g.on).map(g => g.id);
  // Closed facilities are history, not service: never drawn. Planned ones
  // only with the 2025 plan switch on, and paler (see the layer's paint).
  const hidden = plan ? ['closed'] : ['closed', 'planned'];
  map.setFilter('facilities', ['all', ['in', ['get', 'group'], ['literal', on]], ['!', ['in', ['get', 'status'], ['literal', hidden]]]]);
  map.setLayoutProperty('facilities', 'visibility', on.length ? 'visible' : 'none');
  renderLegend();
}
// applyPlan makes the map, the report links and the legend follow the
// 2025 plan switch.
function applyPlan() {
  document.body.dataset.plan = plan ? 'on' : 'off';
  for (const a of document.querySelectorAll('.m-links a')) {
    if (!a.dataset.href) a.dataset.href = a.getAttribute('href');
    a.setAttribute('href', withPlan(a.dataset.href));
  }
  if (!map) return;
  for (const id of PLAN_LAYERS) {
    const src = map.getSource(id);
    if (src && src.type === 'vector' && vector(id) && src.url !== sourceURL(id)) src.setUrl(sourceURL(id));
  }
  applyFacilityFilter();
  // A coverage popup shows the other variant's values: close it.
  if (popup && popupFeature && popup.isOpen()) {
    if (['choropleth', 'circle-fill'].includes(popupFeature.f.layer.id)) popup.remove();
    else popup.setDOMContent(popupContent(popupFeature.f));
  }
}
function applyTownshipFilter() {
  const f = township ? ['==', ['get', 'parent_code'], township] : null;
  for (const id of VILLAGE_LAYERS) map.setFilter(id, f);
  map.setFilter('township-selected', ['==', ['get', 'code'], township || '']);
  document.body.dataset.township = township;
}
function fitTo(code, animate = true) {
  let box = null;
  for (const f of townships) if (!code || f.properties.code === code) box = unionBox(box, bboxOf(f.geometry));
  if (box) map.fitBounds(boundsOf(box), { padding: 30, duration: animate ? 600 : 0 });
}
function chooseTownship(code) {
  township = code;
  applyTownshipFilter();
  fitTo(code);
  if (code) {
    // The village layer shows the filtered villages' outlines.
    const v = document.querySelector('input[data-layer="village"]');
    if (!v.checked) { v.checked = true; setVisibility('village'); }
    const f = townships.find(x => x.properties.code === code);
    $('status').textContent = t('filtered', f ? f.properties.name : code);
  } else {
    $('status').textContent = '';
  }
}
function chooseIndicator(id) {
  indicator = INDICATORS.find(i => i.id === id) || INDICATORS[0];
  map.setPaintProperty('choropleth', 'fill-color', indicatorPaint(indicator));
  document.body.dataset.indicator = indicator.id;
  renderLegend();
}

// ---------------------------------------------------------------- popups
function dl(rows) {
  return h('dl', {}, rows.filter(r => r && r[1] !== undefined && r[1] !== null && r[1] !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}
function popupContent(f) {
  const p = f.properties || {};
  const layer = f.layer.id;
  switch (layer) {
    case 'search-hit':
      return h('div', { class: 'pop', 'data-kind': 'place' }, h('h3', {}, p.name), dl([[t('romanization'), p.pinyin], [t('category'), p.category_name]]));
    case 'facilities':
      return h('div', { class: 'pop', 'data-kind': 'facility' }, h('h3', {}, p.name),
        dl([[t('category'), p.category_name || p.category], [t('status'), has('status_' + p.status) ? t('status_' + p.status) : p.status], [t('facilityCode'), p.code]]));
    case 'markers':
      return h('div', { class: 'pop', 'data-kind': 'marker' }, h('h3', {}, `${t('markerNumber')} ${p.number}`),
        dl([[t('markerKind'), has('kind_' + p.kind) ? t('kind_' + p.kind) : p.kind], [t('markerState'), has('state_' + p.state) ? t('state_' + p.state) : p.state]]));
    case 'places-label':
      return h('div', { class: 'pop', 'data-kind': 'place' }, h('h3', {}, p.name), dl([[t('romanization'), p.romanization]]));
    case 'lines-township':
    case 'lines-village':
      return h('div', { class: 'pop', 'data-kind': 'line' }, h('h3', {}, t('line')), dl([[t('sides'), `${p.left_name || ''} | ${p.right_name || t('outside')}`]]));
    case 'circle-fill':
      return h('div', { class: 'pop', 'data-kind': 'circle' }, h('h3', {}, t('circleOf', p.name)), h('p', {}, t('circleMeaning')),
        p.status === 'planned' ? h('p', {}, t('circlePlanned')) : null);
    case 'choropleth': {
      const ind = indicator;
      const v = p[ind.id];
      const present = v !== undefined && v !== null && v !== '';
      const lines = [h('p', { class: 'meaning' }, present ? t('mean_' + ind.id, formatValue(ind, Number(v)), p.area_met === true || p.area_met === 'true') : t('noValue'))];
      if (ind.id.startsWith('eldercare') || ind.id.startsWith('aged')) lines.push(h('p', {}, t('eldercareHere', Number(p.eldercare_facilities || 0))));
      if (ind.id === 'lottery_share') lines.push(h('p', {}, t('lotteryHere', Number(p.lottery_outlets || 0))));
      if (plan) lines.push(h('p', { class: 'plan-basis' }, t('planBasis')));
      return h('div', { class: 'pop', 'data-kind': 'indicator', 'data-indicator': ind.id }, h('h3', {}, p.name),
        h('p', { class: 'ind-name' }, t('ind_' + ind.id)), h('p', { class: 'ind-value' }, present ? formatValue(ind, Number(v)) : '—'), lines);
    }
    default: // divisions
      return h('div', { class: 'pop', 'data-kind': 'division', 'data-code': p.code }, h('h3', {}, p.name),
        dl([[t('level'), has('level_' + p.level) ? t('level_' + p.level) : p.level], [t('households'), p.households != null ? num(p.households) : null],
          [t('population'), p.population != null ? num(p.population) : null], [t('population60'), p.population_60 != null ? num(p.population_60) : null],
          [t('code'), p.code]]));
  }
}
function openPopup(f, lngLat) {
  popupFeature = { f, lngLat };
  if (popup) popup.remove();
  popup = new maplibregl.Popup({ maxWidth: '320px', closeButton: true }).setLngLat(lngLat).setDOMContent(popupContent(f)).addTo(map);
  popup.on('close', () => { if (popupFeature && popupFeature.f === f) popupFeature = null; });
}
function onClick(e) {
  const layers = CLICKABLE.filter(id => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
  const pad = 4;
  const box = [[e.point.x - pad, e.point.y - pad], [e.point.x + pad, e.point.y + pad]];
  const hits = map.queryRenderedFeatures(box, { layers });
  if (!hits.length) return;
  hits.sort((a, b) => CLICKABLE.indexOf(a.layer.id) - CLICKABLE.indexOf(b.layer.id));
  openPopup(hits[0], e.lngLat);
}

// ---------------------------------------------------------------- search
let acTimer = 0;
let acAbort = null;
let acItems = [];
let acIndex = -1;
function closeSuggestions() {
  $('suggestions').hidden = true;
  $('q').setAttribute('aria-expanded', 'false');
  acItems = [];
  acIndex = -1;
}
function placeItem(p, i, onPick) {
  const meta = [p.category_name, (p.division_path || []).slice(1).join(' · ')].filter(Boolean).join(' · ');
  return h('li', { role: 'option', id: `ac-${i}`, 'data-id': p.id, tabindex: -1, class: 'suggestion', onmousedown: e => { e.preventDefault(); onPick(p); } },
    h('span', { class: 's-name' }, p.name), h('span', { class: 's-pinyin' }, p.pinyin || ''), meta ? h('span', { class: 's-meta' }, meta) : null);
}
async function suggest(q) {
  if (acAbort) acAbort.abort();
  if (!q) { closeSuggestions(); return; }
  acAbort = new AbortController();
  try {
    const data = await api('/api/v1/places/autocomplete?q=' + encodeURIComponent(q), { signal: acAbort.signal });
    acItems = data.suggestions || [];
    acIndex = -1;
    fill($('suggestions'), acItems.map((p, i) => placeItem(p, i, flyToPlace)));
    $('suggestions').hidden = acItems.length === 0;
    $('q').setAttribute('aria-expanded', String(acItems.length > 0));
  } catch (e) {
    if (e.name !== 'AbortError') showError(t('searchFailed', e.message));
  }
}
function highlight(i) {
  acIndex = i;
  const lis = $('suggestions').querySelectorAll('li');
  lis.forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
  if (lis[i]) { $('q').setAttribute('aria-activedescendant', lis[i].id); lis[i].scrollIntoView({ block: 'nearest' }); }
}
async function search(q) {
  closeSuggestions();
  showError('');
  if (!q) return;
  try {
    const data = await api('/api/v1/places?limit=20&q=' + encodeURIComponent(q));
    const rs = data.results || [];
    const ul = $('results');
    ul.hidden = false;
    if (!rs.length) { fill(ul, h('li', { class: 'none' }, t('noResults', q))); return; }
    fill(ul, rs.map(p => h('li', { tabindex: 0, 'data-id': p.id, onclick: () => flyToPlace(p), onkeydown: e => { if (e.key === 'Enter') flyToPlace(p); } },
      h('strong', {}, p.name), ' ', h('span', { class: 'muted' }, p.pinyin || ''),
      h('span', { class: 'meta' }, [p.category_name, (p.division_path || []).slice(1).join(' · ')].filter(Boolean).join(' · ')))));
  } catch (e) {
    showError(t('searchFailed', e.message));
  }
}
function flyToPlace(p) {
  closeSuggestions();
  const at = pointOf(p.location || p.geometry);
  if (!at) return;
  $('q').value = p.name;
  const props = { name: p.name, pinyin: p.pinyin || '', category_name: p.category_name || '', id: p.id };
  map.getSource('search-hit').setData({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: props }] });
  document.body.dataset.flownTo = '';
  map.once('moveend', () => { document.body.dataset.flownTo = String(p.id); });
  map.flyTo({ center: at, zoom: Math.max(map.getZoom(), 15), speed: 1.6, essential: true });
  $('status').textContent = t('flownTo', p.name);
}

// ---------------------------------------------------------------- language
function applyLang() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
  const b = $('lang');
  b.textContent = t('langButton');
  b.lang = lang === 'en' ? 'zh-CN' : 'en';
  b.setAttribute('aria-label', t('langButtonLabel'));
  document.title = `${t('title')} · diming`;
  renderFacilitySwitches();
  renderIndicatorSelect();
  if (townships.length) renderTownshipSelect();
  if (map) {
    renderLegend();
    updateZoomHints();
    if (popup && popupFeature && popup.isOpen()) popup.setDOMContent(popupContent(popupFeature.f));
  }
}

// ---------------------------------------------------------------- start
async function start() {
  applyLang();
  $('status').textContent = t('loading');
  maplibregl.setWorkerUrl(new URL('/vendor/maplibre/maplibre-gl-worker.mjs', location.href).href);
  const [, towns] = await Promise.all([discoverTiles(), api('/api/v1/divisions?level=township').catch(e => { showError(e.message); return EMPTY; }), checkPlanner()]);
  townships = features(towns).sort((a, b) => a.properties.code.localeCompare(b.properties.code));
  renderTownshipSelect();
  let box = null;
  for (const f of townships) box = unionBox(box, bboxOf(f.geometry));
  try {
    map = new maplibregl.Map({
      container: 'map',
      style: buildStyle(indicator),
      bounds: box ? boundsOf(box) : [[106.24, 29.5], [106.5, 29.8]],
      fitBoundsOptions: { padding: 20 },
      maxZoom: 18,
      minZoom: 8,
      localIdeographFontFamily: LOCAL_FONTS,
      attributionControl: false,
      hash: false,
    });
  } catch (e) {
    showError(t('noWebGL') + ' ' + e.message);
    return;
  }
  window.dimingMap = map;
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.on('error', e => { if (e && e.error) console.warn('map:', e.error.message || e.error); });
  map.on('click', onClick);
  map.on('mousemove', e => {
    const layers = ['facilities', 'markers', 'choropleth', 'village-fill', 'township-fill', 'circle-fill'].filter(id => map.getLayoutProperty(id, 'visibility') !== 'none');
    map.getCanvas().style.cursor = map.queryRenderedFeatures(e.point, { layers }).length ? 'pointer' : '';
  });
  await new Promise(resolve => map.once('load', resolve));
  for (const key of Object.keys(SWITCHES)) setVisibility(key);
  applyPlan();
  applyTownshipFilter();
  document.body.dataset.indicator = indicator.id;
  renderLegend();
  updateZoomHints();
  map.on('zoomend', updateZoomHints);
  map.once('idle', () => {
    document.body.dataset.ready = '1';
    if ($('status').textContent === t('loading')) $('status').textContent = t('ready');
  });
  map.triggerRepaint();
}

// ---------------------------------------------------------------- events
$('lang').addEventListener('click', () => {
  lang = lang === 'en' ? 'zh' : 'en';
  try { localStorage.setItem('diming.lang', lang); } catch { /* storage blocked */ }
  applyLang();
});
for (const el of document.querySelectorAll('input[data-layer]')) {
  el.addEventListener('change', () => {
    if (!map) return;
    setVisibility(el.dataset.layer);
    renderLegend();
  });
}
$('indicator').addEventListener('change', e => { if (map) chooseIndicator(e.target.value); });
$('plan').addEventListener('change', e => {
  plan = e.target.checked;
  applyPlan();
  $('status').textContent = t(plan ? 'planOn' : 'planOff');
});
$('township').addEventListener('change', e => { if (map) chooseTownship(e.target.value); });
$('q').addEventListener('input', e => {
  clearTimeout(acTimer);
  const q = e.target.value.trim();
  acTimer = setTimeout(() => suggest(q), DEBOUNCE_MS);
});
$('q').addEventListener('keydown', e => {
  if ($('suggestions').hidden || !acItems.length) return;
  if (e.key === 'ArrowDown') { e.preventDefault(); highlight((acIndex + 1) % acItems.length); }
  else if (e.key === 'ArrowUp') { e.preventDefault(); highlight((acIndex - 1 + acItems.length) % acItems.length); }
  else if (e.key === 'Escape') { closeSuggestions(); }
  else if (e.key === 'Enter' && acIndex >= 0) { e.preventDefault(); flyToPlace(acItems[acIndex]); }
});
$('q').addEventListener('blur', () => setTimeout(closeSuggestions, 150));
$('search').addEventListener('submit', e => {
  e.preventDefault();
  clearTimeout(acTimer);
  if (acAbort) acAbort.abort();
  search($('q').value.trim());
});

plan = $('plan').checked; // a browser may restore the checkbox on reload
applyPlan();
start().catch(e => showError(e.message));

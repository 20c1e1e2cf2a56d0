'use strict';
// Lists townships; a click lists that township's village-level units.
const tbody = document.querySelector('#divisions tbody');
const title = document.getElementById('title');
const back = document.getElementById('back');
const errorBox = document.getElementById('error');
const fmt = new Intl.NumberFormat('zh-CN');

async function load(params, heading) {
  errorBox.hidden = true;
  const res = await fetch('/api/v1/divisions?' + new URLSearchParams(params));
  const body = await res.json();
  if (!res.ok) {
    errorBox.textContent = body.error ? body.error.message : res.statusText;
    errorBox.hidden = false;
    return;
  }
  title.textContent = heading + '（' + body.features.length + ' 个）';
  tbody.replaceChildren(...body.features.map(f => {
    const p = f.properties;
    const tr = document.createElement('tr');
    const cells = [p.code, p.name, fmt.format(p.households), fmt.format(p.population), fmt.format(p.population_60)];
    cells.forEach((text, i) => {
      const td = document.createElement('td');
      if (i === 1 && p.level === 'township') {
        const a = document.createElement('a');
        a.href = '#' + p.code;
        a.textContent = text;
        td.appendChild(a);
      } else {
        td.textContent = text;
      }
      if (i >= 2) td.className = 'num';
      tr.appendChild(td);
    });
    return tr;
  }));
}

function route() {
  const code = location.hash.slice(1);
  if (/^\d{12}$/.test(code)) {
    back.hidden = false;
    fetch('/api/v1/divisions/' + code).then(r => r.json()).then(f => {
      load({ parent: code }, (f.properties ? f.properties.name : code) + ' 的社区和村');
    });
  } else {
    back.hidden = true;
    load({ level: 'township' }, '街道和镇');
  }
}
back.addEventListener('click', e => { e.preventDefault(); location.hash = ''; });
window.addEventListener('hashchange', route);
route();

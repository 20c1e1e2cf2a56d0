'use strict';
// Shared by every page: small DOM helpers (no framework, nothing from another host).
window.DimingDOM = (() => {
  function $(id) { return document.getElementById(id); }

  // h('li', {class: 'x', id: 'y', onclick: f}, child, 'text', …): an element; null/false children are skipped.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  // fill replaces el's children, skipping null/false ones.
  function fill(el, ...children) {
    el.replaceChildren(...children.flat().filter(c => c !== null && c !== undefined && c !== false));
  }

  return { $, h, fill };
})();

'use strict';
// Shared by the public page and the console: the SVG sketch maps drawn from
// GeoJSON, with no tiles and nothing from another host.
window.DimingSketch = (() => {
  const SVGNS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, v);
    for (const c of children) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }

  // Every [lon, lat] of a GeoJSON geometry.
  function coordsOf(g, out = []) {
    if (!g) return out;
    const walk = c => {
      if (typeof c[0] === 'number') out.push(c);
      else for (const x of c) walk(x);
    };
    if (g.type === 'GeometryCollection') for (const x of g.geometries || []) coordsOf(x, out);
    else if (g.coordinates) walk(g.coordinates);
    return out;
  }

  function boundsOf(coords) {
    const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
    for (const [x, y] of coords) {
      if (x < b.minX) b.minX = x;
      if (x > b.maxX) b.maxX = x;
      if (y < b.minY) b.minY = y;
      if (y > b.maxY) b.maxY = y;
    }
    return isFinite(b.minX) ? b : null;
  }
  function union(a, b) {
    if (!a || !b) return a || b;
    return { minX: Math.min(a.minX, b.minX), minY: Math.min(a.minY, b.minY), maxX: Math.max(a.maxX, b.maxX), maxY: Math.max(a.maxY, b.maxY) };
  }

  const f1 = n => n.toFixed(1);
  function pathOf(px, g) {
    const run = (pts, close) => pts.map((c, i) => { const [x, y] = px(c); return (i ? 'L' : 'M') + f1(x) + ' ' + f1(y); }).join('') + (close ? 'Z' : '');
    if (!g) return '';
    switch (g.type) {
      case 'Polygon': return g.coordinates.map(r => run(r, true)).join('');
      case 'MultiPolygon': return g.coordinates.map(poly => poly.map(r => run(r, true)).join('')).join('');
      case 'LineString': return run(g.coordinates, false);
      case 'MultiLineString': return g.coordinates.map(l => run(l, false)).join('');
    }
    return '';
  }

  return { SVGNS, s, coordsOf, boundsOf, union, f1, pathOf };
})();

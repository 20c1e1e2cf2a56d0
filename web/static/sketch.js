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

  // interiorPoint returns a point inside a (Multi)Polygon: on the horizontal
  // line through the middle of the largest part, the middle of the widest
  // stretch that lies inside it.
  function interiorPoint(g) {
    if (!g) return null;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    let best = null, bestArea = -1;
    for (const p of polys) {
      const b = boundsOf(p[0] || []);
      if (!b) continue;
      const area = (b.maxX - b.minX) * (b.maxY - b.minY);
      if (area > bestArea) { best = [p, b]; bestArea = area; }
    }
    if (!best) return null;
    const [poly, b] = best;
    for (const frac of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
      const y = b.minY + (b.maxY - b.minY) * frac;
      const xs = [];
      for (const ring of poly) {
        for (let i = 0; i + 1 < ring.length; i++) {
          const [ax, ay] = ring[i], [bx, by] = ring[i + 1];
          if ((ay > y) !== (by > y)) xs.push(ax + (y - ay) * (bx - ax) / (by - ay));
        }
      }
      xs.sort((p, q) => p - q);
      let wide = null;
      for (let i = 0; i + 1 < xs.length; i += 2) if (!wide || xs[i + 1] - xs[i] > wide[1] - wide[0]) wide = [xs[i], xs[i + 1]];
      if (wide && wide[1] > wide[0]) return [(wide[0] + wide[1]) / 2, y];
    }
    return null;
  }

  return { SVGNS, s, coordsOf, boundsOf, union, f1, pathOf, interiorPoint };
})();

package tiles

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/maptile"
)

// Extent is the side of a tile's integer grid (the MVT default).
const Extent = 4096

// Buffer is how far beyond a tile's edges geometry is kept, in tile units
// (64/4096 of the tile), so that lines and polygon outlines do not show
// seams and labels near an edge are not cut.
const Buffer = 64

// clipBox is a tile plus its buffer, in tile units.
var clipBox = orb.Bound{Min: orb.Point{-Buffer, -Buffer}, Max: orb.Point{Extent + Buffer, Extent + Buffer}}

// maxLat is the latitude where Web Mercator's square ends.
const maxLat = 85.05112877980659

// toWorld projects a lon/lat point to Web Mercator (EPSG:3857) scaled to the
// unit square with y down: the tile grid of zoom 0, in which a tile (z, x, y)
// covers [x, x+1] × [y, y+1] / 2^z. This is the same projection as PostGIS's
// ST_Transform(…, 3857) with ST_TileEnvelope, up to the scale.
func toWorld(p orb.Point) orb.Point {
	lat := math.Max(-maxLat, math.Min(maxLat, p[1]))
	s := math.Sin(lat * math.Pi / 180)
	return orb.Point{(p[0] + 180) / 360, 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)}
}

// fromWorld is the inverse of toWorld.
func fromWorld(p orb.Point) orb.Point {
	return orb.Point{p[0]*360 - 180, math.Atan(math.Sinh(math.Pi*(1-2*p[1]))) * 180 / math.Pi}
}

// worldGeometry returns a copy of g (lon/lat) in world coordinates.
func worldGeometry(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return toWorld(g)
	case orb.LineString:
		return worldLine(g)
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, ls := range g {
			out[i] = worldLine(ls)
		}
		return out
	case orb.Polygon:
		return worldPolygon(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = worldPolygon(p)
		}
		return out
	}
	return nil
}

func worldLine(ls orb.LineString) orb.LineString {
	out := make(orb.LineString, len(ls))
	for i, p := range ls {
		out[i] = toWorld(p)
	}
	return out
}

func worldPolygon(p orb.Polygon) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		out[i] = orb.Ring(worldLine(orb.LineString(r)))
	}
	return out
}

// transform maps world coordinates to one tile's units.
type transform struct{ scale, ox, oy float64 }

func newTransform(t maptile.Tile) transform {
	return transform{scale: float64(uint64(1)<<t.Z) * Extent, ox: float64(t.X) * Extent, oy: float64(t.Y) * Extent}
}

func (tr transform) point(p orb.Point) orb.Point {
	return orb.Point{p[0]*tr.scale - tr.ox, p[1]*tr.scale - tr.oy}
}

// world is the world-coordinate box of the tile plus its buffer.
func (tr transform) world() orb.Bound {
	return orb.Bound{
		Min: orb.Point{(tr.ox - Buffer) / tr.scale, (tr.oy - Buffer) / tr.scale},
		Max: orb.Point{(tr.ox + Extent + Buffer) / tr.scale, (tr.oy + Extent + Buffer) / tr.scale},
	}
}

func snap(p orb.Point) orb.Point { return orb.Point{math.Round(p[0]), math.Round(p[1])} }

// cross is the z component of (b-a) × (c-b); exact on the integer grid.
func cross(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-b[1]) - (b[1]-a[1])*(c[0]-b[0])
}

// snapRing rounds a ring (closed or not) to the integer grid and removes
// what the grid leaves degenerate: repeated points, points on the straight
// line through their neighbours, and spikes that go out and come back the
// same way. It returns the ring open (first point not repeated), or nil when
// fewer than three points are left.
func snapRing(r orb.Ring) orb.Ring {
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n--
	}
	out := make(orb.Ring, 0, n)
	for _, p := range r[:n] {
		out = pushVertex(out, snap(p))
	}
	// The seam between the last and first points.
	for len(out) >= 3 {
		k := len(out)
		switch {
		case out[k-1] == out[0]:
			out = out[:k-1]
		case cross(out[k-2], out[k-1], out[0]) == 0:
			out = out[:k-1]
		case cross(out[k-1], out[0], out[1]) == 0:
			out = out[1:]
		default:
			return out
		}
	}
	return nil
}

// pushVertex appends q to an open ring or line being built, first removing
// trailing points that q makes redundant (collinear or spikes).
func pushVertex(out orb.Ring, q orb.Point) orb.Ring {
	for len(out) >= 2 && cross(out[len(out)-2], out[len(out)-1], q) == 0 {
		out = out[:len(out)-1]
	}
	if len(out) > 0 && out[len(out)-1] == q {
		return out
	}
	return append(out, q)
}

// area2 is twice the signed area of an open ring by the surveyor's formula
// in tile coordinates: positive for what MVT calls an exterior ring
// (clockwise on screen, y down), negative for an interior one.
func area2(r orb.Ring) float64 {
	if len(r) == 0 {
		return 0
	}
	// Relative to the first point, so that the products stay exact on the
	// global grid of deep zooms (coordinates up to 2^30).
	o := r[0]
	var s float64
	for i := 1; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		s += (a[0]-o[0])*(b[1]-o[1]) - (b[0]-o[0])*(a[1]-o[1])
	}
	return s
}

// levelPolygon generalises nothing; it takes a polygon already simplified in
// world coordinates to one zoom's global pixel grid (world × scale, where
// a tile (x, y) spans [x, x+1) × [y, y+1) × Extent): it snaps the rings to
// the integer grid, removes what that leaves degenerate (repeated and
// collinear points, spikes, rings under minArea), winds exterior rings
// positive and interior rings negative in tile coordinates (MVT 2.1,
// 4.3.4.4), and checks validity; what the grid made invalid is repaired
// (repairPolygon) or, failing that, dropped. Rings come out open (first
// point not repeated).
func levelPolygon(p orb.Polygon, scale, minArea float64) (polys [][]orb.Ring, repaired, dropped int) {
	px := make(orb.Polygon, len(p))
	for i, r := range p {
		q := make(orb.Ring, len(r))
		for k, pt := range r {
			q[k] = orb.Point{pt[0] * scale, pt[1] * scale}
		}
		px[i] = q
	}
	rings, ok := snapPolygon(px, minArea)
	if !ok {
		return nil, 0, 0
	}
	if polygonValid(rings) {
		return [][]orb.Ring{rings}, 0, 0
	}
	fixed := repairPolygon(rings, minArea)
	if len(fixed) == 0 {
		return nil, 0, 1
	}
	return fixed, 1, 0
}

// clipRings clips a polygon in tile units — integer vertices, open rings,
// exterior positive, interior negative, valid — to the buffered tile. It
// is the classic ring-stitching clip against a rectangle: each ring is cut
// into the runs that lie inside the box; each run, from where it leaves
// the box, is joined to the next run that enters, walking the box's border
// in the exterior's direction (picking up its corners); rings wholly
// inside are kept as they are, and rings wholly outside count only when
// they hold the box. So a polygon that leaves the tile and comes back on
// the same side gives separate parts (where Sutherland–Hodgman would join
// them with edges running back and forth along the border), and interior
// rings crossing the border open bays in the exterior. The output is valid
// before its new border points are rounded to the grid.
func clipRings(p []orb.Ring) []orb.Polygon {
	var (
		chains   []chain
		inside   []orb.Ring // rings wholly inside, exterior or interior
		holeBox  bool       // an interior ring holds the whole box
		shellBox bool       // the exterior holds the whole box
	)
	for i, rr := range p {
		cs, whole := cutRing(rr)
		switch {
		case whole:
			inside = append(inside, rr)
		case len(cs) > 0:
			chains = append(chains, cs...)
		case ringContains(rr, clipBox.Center()):
			if i == 0 {
				shellBox = true
			} else {
				holeBox = true
			}
		}
	}
	if holeBox {
		return nil
	}
	var exteriors, holes []orb.Ring
	for _, r := range inside {
		if area2(r) > 0 {
			exteriors = append(exteriors, r)
		} else {
			holes = append(holes, r)
		}
	}
	if len(chains) > 0 {
		exteriors = append(exteriors, stitch(chains)...)
	} else if shellBox {
		exteriors = append(exteriors, boxRing())
	}
	out := make([]orb.Polygon, len(exteriors))
	for i, e := range exteriors {
		out[i] = orb.Polygon{e}
	}
	for _, h := range holes {
		for i, e := range exteriors {
			if ringContains(e, h[0]) {
				out[i] = append(out[i], h)
				break
			}
		}
	}
	return out
}

// chain is a run of a ring inside the box, from where it enters to where it
// leaves; in and out are their places along the box's border.
type chain struct {
	pts     []orb.Point
	in, out float64
}

// cutRing cuts an open ring into its runs inside the (closed) box; whole
// says it never leaves the box.
func cutRing(r orb.Ring) ([]chain, bool) {
	start := -1
	for i, p := range r {
		if !clipBox.Contains(p) {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, true
	}
	var out []chain
	var cur *chain
	n := len(r)
	for k := 0; k < n; k++ {
		a, b := r[(start+k)%n], r[(start+k+1)%n]
		t0, t1, ok := liangBarsky(a, b)
		if !ok {
			continue
		}
		if cur == nil {
			// a is outside (every run starts at an outside point or the
			// border): enter at t0.
			p := borderPoint(lerp(a, b, t0))
			out = append(out, chain{pts: []orb.Point{p}, in: perimeter(p)})
			cur = &out[len(out)-1]
		}
		if t1 < 1 {
			p := borderPoint(lerp(a, b, t1))
			cur.pts = append(cur.pts, p)
			cur.out = perimeter(p)
			if alongBorder(cur.pts) {
				// The ring only touched the border or ran along it: no
				// area inside, and along the border the walk from one run
				// to the next covers it.
				out = out[:len(out)-1]
			}
			cur = nil
			continue
		}
		cur.pts = append(cur.pts, b)
	}
	return out, false
}

// alongBorder says whether every segment of a run lies on one side of the
// box (or has no length).
func alongBorder(pts []orb.Point) bool {
	for i := 1; i < len(pts); i++ {
		p, q := pts[i-1], pts[i]
		if p == q {
			continue
		}
		if !(p[0] == q[0] && (p[0] == clipBox.Min[0] || p[0] == clipBox.Max[0]) ||
			p[1] == q[1] && (p[1] == clipBox.Min[1] || p[1] == clipBox.Max[1])) {
			return false
		}
	}
	return true
}

// liangBarsky returns the part [t0, t1] of the segment ab inside the box.
func liangBarsky(a, b orb.Point) (t0, t1 float64, ok bool) {
	t0, t1 = 0, 1
	d := orb.Point{b[0] - a[0], b[1] - a[1]}
	for _, c := range [4][2]float64{{-d[0], a[0] - clipBox.Min[0]}, {d[0], clipBox.Max[0] - a[0]}, {-d[1], a[1] - clipBox.Min[1]}, {d[1], clipBox.Max[1] - a[1]}} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
	}
	return t0, t1, t0 <= t1
}

func lerp(a, b orb.Point, t float64) orb.Point {
	switch t {
	case 0:
		return a
	case 1:
		return b
	}
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
}

// borderPoint puts a point computed on the border exactly on it.
func borderPoint(p orb.Point) orb.Point {
	const eps = 1e-9
	for axis := 0; axis < 2; axis++ {
		for _, v := range []float64{clipBox.Min[axis], clipBox.Max[axis]} {
			if math.Abs(p[axis]-v) < eps {
				p[axis] = v
			}
		}
		p[axis] = math.Max(clipBox.Min[axis], math.Min(clipBox.Max[axis], p[axis]))
	}
	return p
}

// perimeter is where a border point lies along the box's border, walked in
// the exterior rings' direction: along y = min from x = min, up x = max,
// back along y = max, down x = min.
func perimeter(p orb.Point) float64 {
	w, h := clipBox.Max[0]-clipBox.Min[0], clipBox.Max[1]-clipBox.Min[1]
	x, y := p[0]-clipBox.Min[0], p[1]-clipBox.Min[1]
	d := [4]float64{y, w - x, h - y, x} // distance to each side
	side := 0
	for i := 1; i < 4; i++ {
		if d[i] < d[side] {
			side = i
		}
	}
	switch side {
	case 0:
		return x
	case 1:
		return w + y
	case 2:
		return w + h + (w - x)
	}
	return 2*w + h + (h - y)
}

func boxRing() orb.Ring {
	return orb.Ring{clipBox.Min, {clipBox.Max[0], clipBox.Min[1]}, clipBox.Max, {clipBox.Min[0], clipBox.Max[1]}}
}

// stitch joins the runs into closed rings: from where a run leaves, along
// the border in the positive direction, to the nearest place a run enters.
func stitch(chains []chain) []orb.Ring {
	w, h := clipBox.Max[0]-clipBox.Min[0], clipBox.Max[1]-clipBox.Min[1]
	total := 2 * (w + h)
	corners := []struct {
		at float64
		p  orb.Point
	}{{w, orb.Point{clipBox.Max[0], clipBox.Min[1]}}, {w + h, clipBox.Max}, {2*w + h, orb.Point{clipBox.Min[0], clipBox.Max[1]}}, {total, clipBox.Min}}
	order := make([]int, len(chains))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return chains[order[i]].in < chains[order[j]].in })
	used := make([]bool, len(chains))
	var rings []orb.Ring
	for first := range chains {
		if used[first] {
			continue
		}
		var ring orb.Ring
		cur := first
		for steps := 0; steps <= len(chains); steps++ {
			used[cur] = true
			ring = append(ring, chains[cur].pts...)
			from := chains[cur].out
			// The next entry at or after from, cyclically.
			k := sort.Search(len(order), func(i int) bool { return chains[order[i]].in >= from })
			next := order[k%len(order)]
			to := chains[next].in
			if to < from {
				to += total
			}
			for lap := 0.0; lap <= total; lap += total {
				for _, c := range corners {
					if at := c.at + lap; at > from && at < to {
						ring = append(ring, c.p)
					}
				}
			}
			if next == first || used[next] {
				break
			}
			cur = next
		}
		if len(ring) >= 3 {
			rings = append(rings, ring)
		}
	}
	return rings
}

// snapPolygon snaps a polygon's rings to the grid, drops rings under
// minArea and winds them as MVT wants. ok is false when the exterior ring
// is gone.
func snapPolygon(p orb.Polygon, minArea float64) ([]orb.Ring, bool) {
	rings := make([]orb.Ring, 0, len(p))
	for i, r := range p {
		s := snapRing(r)
		if s == nil {
			if i == 0 {
				return nil, false
			}
			continue
		}
		a := area2(s)
		if math.Abs(a)/2 < minArea {
			if i == 0 {
				return nil, false
			}
			continue
		}
		if (i == 0) != (a > 0) {
			slices.Reverse(s)
		}
		rings = append(rings, s)
	}
	return rings, true
}

// segment is one edge of an open ring on the integer grid.
type segment struct {
	a, b       orb.Point
	ring, k, n int // ring number, edge number, edges in the ring
	minX, maxX float64
}

// polygonValid checks open, snapped rings (exterior first) for what MVT 2.1
// forbids: repeated points and spikes, a ring that crosses or touches
// itself, rings that cross or touch each other, and interior rings outside
// the exterior or inside one another. Small polygons are checked pair by
// pair; larger ones by sweeping the edges in x order, which costs O(n log
// n) plus the pairs whose x ranges overlap. The arithmetic is exact on the
// grid.
func polygonValid(rings []orb.Ring) bool {
	n := 0
	for _, r := range rings {
		if len(r) < 3 {
			return false
		}
		for k := range r {
			a, b, c := r[k], r[(k+1)%len(r)], r[(k+2)%len(r)]
			if a == b || cross(a, b, c) == 0 && (b[0]-a[0])*(c[0]-b[0])+(b[1]-a[1])*(c[1]-b[1]) <= 0 {
				return false // a repeated point or a spike
			}
		}
		n += len(r)
	}
	var ok bool
	if n <= 64 {
		ok = edgesApartSmall(rings)
	} else {
		ok = edgesApartSweep(rings)
	}
	if !ok {
		return false
	}
	// No edges meet, so each interior ring is wholly inside or outside every
	// other ring: one vertex tells.
	for i := 1; i < len(rings); i++ {
		if !ringContains(rings[0], rings[i][0]) {
			return false
		}
		for j := 1; j < len(rings); j++ {
			if j != i && ringContains(rings[j], rings[i][0]) {
				return false
			}
		}
	}
	return true
}

// neighbours says whether edges k and l of a ring of n edges share a vertex.
// snapRing removed collinear neighbours and polygonValid spikes, so such
// edges meet nowhere else — also in a ring of three edges, where every pair
// are neighbours.
func neighbours(k, l, n int) bool { return l == (k+1)%n || k == (l+1)%n }

func edgesApartSmall(rings []orb.Ring) bool {
	for ri, r := range rings {
		for k := range r {
			a, b := r[k], r[(k+1)%len(r)]
			for rj := ri; rj < len(rings); rj++ {
				q := rings[rj]
				l0 := 0
				if rj == ri {
					l0 = k + 1
				}
				for l := l0; l < len(q); l++ {
					if rj == ri && neighbours(k, l, len(r)) {
						continue
					}
					c, d := q[l], q[(l+1)%len(q)]
					if math.Max(a[0], b[0]) < math.Min(c[0], d[0]) || math.Max(c[0], d[0]) < math.Min(a[0], b[0]) ||
						math.Max(a[1], b[1]) < math.Min(c[1], d[1]) || math.Max(c[1], d[1]) < math.Min(a[1], b[1]) {
						continue
					}
					if segmentsMeet(a, b, c, d) {
						return false
					}
				}
			}
		}
	}
	return true
}

func edgesApartSweep(rings []orb.Ring) bool {
	var segs []segment
	for ri, r := range rings {
		for k := range r {
			a, b := r[k], r[(k+1)%len(r)]
			segs = append(segs, segment{a: a, b: b, ring: ri, k: k, n: len(r), minX: math.Min(a[0], b[0]), maxX: math.Max(a[0], b[0])})
		}
	}
	slices.SortFunc(segs, func(s, t segment) int { return cmp.Compare(s.minX, t.minX) })
	for i := range segs {
		s := &segs[i]
		for j := i + 1; j < len(segs) && segs[j].minX <= s.maxX; j++ {
			t := &segs[j]
			if math.Max(s.a[1], s.b[1]) < math.Min(t.a[1], t.b[1]) || math.Max(t.a[1], t.b[1]) < math.Min(s.a[1], s.b[1]) {
				continue
			}
			if s.ring == t.ring && neighbours(s.k, t.k, s.n) {
				continue
			}
			if segmentsMeet(s.a, s.b, t.a, t.b) {
				return false
			}
		}
	}
	return true
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// orient is the side of c relative to the line a→b.
func orient(a, b, c orb.Point) int {
	return sign((b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0]))
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsMeet says whether the closed segments ab and cd share a point.
func segmentsMeet(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	return o1 == 0 && onSegment(a, b, c) || o2 == 0 && onSegment(a, b, d) ||
		o3 == 0 && onSegment(c, d, a) || o4 == 0 && onSegment(c, d, b)
}

// ringContains is the even-odd test for a point strictly inside or outside
// an open ring (no edges touch it, as polygonValid has checked).
func ringContains(r orb.Ring, p orb.Point) bool {
	in := false
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// repairPolygon fixes what snapping to the grid breaks in a valid polygon:
// two parts of the outline that came within half a unit now touch, at a
// shared vertex or with a vertex on an edge (a pinch). Vertices lying on
// other edges are first inserted into them; then each ring is cut at its
// repeated vertices into loops. Loops wound like their ring keep its role;
// loops wound the other way are slivers the grid turned inside out and are
// dropped. Interior rings go to the exterior loop that contains them and
// are kept when the polygon stays valid with them. A polygon still invalid
// after that (edges crossing) is dropped.
func repairPolygon(rings []orb.Ring, minArea float64) [][]orb.Ring {
	rings = nodeVertices(rings)
	var exteriors, holes []orb.Ring
	for i, r := range rings {
		for _, loop := range splitLoops(r) {
			a := area2(loop)
			if math.Abs(a)/2 < minArea {
				continue
			}
			if i == 0 && a > 0 {
				exteriors = append(exteriors, loop)
			} else if i > 0 && a < 0 {
				holes = append(holes, loop)
			}
		}
	}
	var out [][]orb.Ring
	for _, e := range exteriors {
		p := []orb.Ring{e}
		if !polygonValid(p) {
			continue
		}
		for _, h := range holes {
			if ringContains(e, h[0]) && polygonValid(append(p, h)) {
				p = append(p, h)
			}
		}
		out = append(out, p)
	}
	return out
}

// nodeVertices inserts into every edge the vertices of the polygon that lie
// on it (other than its ends), so that a ring touching an edge shares a
// vertex with it.
func nodeVertices(rings []orb.Ring) []orb.Ring {
	var pts []orb.Point
	for _, r := range rings {
		pts = append(pts, r...)
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i][0] < pts[j][0] })
	out := make([]orb.Ring, len(rings))
	for ri, r := range rings {
		nr := make(orb.Ring, 0, len(r))
		for k := range r {
			a, b := r[k], r[(k+1)%len(r)]
			nr = append(nr, a)
			lo, hi := math.Min(a[0], b[0]), math.Max(a[0], b[0])
			var on []orb.Point
			for i := sort.Search(len(pts), func(i int) bool { return pts[i][0] >= lo }); i < len(pts) && pts[i][0] <= hi; i++ {
				p := pts[i]
				if p != a && p != b && orient(a, b, p) == 0 && onSegment(a, b, p) {
					on = append(on, p)
				}
			}
			sort.Slice(on, func(i, j int) bool {
				return math.Abs(on[i][0]-a[0])+math.Abs(on[i][1]-a[1]) < math.Abs(on[j][0]-a[0])+math.Abs(on[j][1]-a[1])
			})
			for i, p := range on {
				if i == 0 || p != on[i-1] {
					nr = append(nr, p)
				}
			}
		}
		out[ri] = nr
	}
	return out
}

// splitLoops cuts an open ring at each vertex it visits twice.
func splitLoops(r orb.Ring) []orb.Ring {
	var loops []orb.Ring
	seen := make(map[orb.Point]int, len(r))
	stack := make(orb.Ring, 0, len(r))
	for _, p := range r {
		if i, ok := seen[p]; ok {
			if loop := snapRing(append(orb.Ring(nil), stack[i:]...)); loop != nil {
				loops = append(loops, loop)
			}
			for _, q := range stack[i+1:] {
				delete(seen, q)
			}
			stack = stack[:i+1]
			continue
		}
		seen[p] = len(stack)
		stack = append(stack, p)
	}
	if loop := snapRing(stack); loop != nil {
		loops = append(loops, loop)
	}
	return loops
}

// levelLine snaps a line already simplified in world coordinates to one
// zoom's global pixel grid and drops repeated points; nil when fewer than
// two points are left.
func levelLine(ls orb.LineString, scale float64) orb.LineString {
	out := make(orb.LineString, 0, len(ls))
	for _, p := range ls {
		q := snap(orb.Point{p[0] * scale, p[1] * scale})
		if len(out) == 0 || out[len(out)-1] != q {
			out = append(out, q)
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// clipLine clips a line in tile units to the buffered tile, snaps the new
// end points to the grid and drops repeated points; parts left with fewer
// than two points are dropped.
func clipLine(out orb.MultiLineString, px orb.LineString) orb.MultiLineString {
	for _, part := range clip.LineString(clipBox, px) {
		s := part[:0]
		for _, p := range part {
			q := snap(p)
			if len(s) == 0 || s[len(s)-1] != q {
				s = append(s, q)
			}
		}
		if len(s) >= 2 {
			out = append(out, s)
		}
	}
	return out
}

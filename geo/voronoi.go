package geo

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	sf "github.com/peterstace/simplefeatures/geom"
)

// Edge labels of a Voronoi cell under construction: a seed index (≥ 0) for
// an edge on the perpendicular bisector with that seed, or one of the sides
// of the clipping box.
const (
	sideBottom = -1 - iota // y = box.Min[1]
	sideRight              // x = box.Max[0]
	sideTop                // y = box.Max[1]
	sideLeft               // x = box.Min[0]
)

type labelledVertex struct {
	p    orb.Point
	edge int // label of the edge from this vertex to the next
}

// VoronoiCells returns the Voronoi cell of every seed within box: cell i is
// the convex polygon of the points of box that are at least as close to
// seeds[i] as to any other seed. Each cell is box clipped by the half-planes
// of the perpendicular bisectors between its seed and every other seed
// (O(n²), meant for tens of seeds).
//
// Coordinates are planar (for instance metres of a LocalProjection), not
// longitude and latitude. Rings are closed and counter-clockwise. Every vertex
// is recomputed from the seeds that define it, taken in index order, so
// neighbouring cells share bit-identical vertices. A cell is nil when its seed
// lies outside box. Seeds must be finite and distinct.
func VoronoiCells(seeds []orb.Point, box orb.Bound) ([]orb.Ring, error) {
	if err := checkSeeds(seeds); err != nil {
		return nil, err
	}
	cells := make([]orb.Ring, len(seeds))
	for i, s := range seeds {
		if !box.Contains(s) {
			continue
		}
		poly := []labelledVertex{
			{orb.Point{box.Min[0], box.Min[1]}, sideBottom},
			{orb.Point{box.Max[0], box.Min[1]}, sideRight},
			{orb.Point{box.Max[0], box.Max[1]}, sideTop},
			{orb.Point{box.Min[0], box.Max[1]}, sideLeft},
		}
		for j, t := range seeds {
			if j == i {
				continue
			}
			poly = clipBisector(poly, s, t, j)
			if len(poly) == 0 {
				break
			}
		}
		if len(poly) < 3 {
			continue
		}
		cells[i] = canonicalRing(poly, i, seeds, box)
	}
	return cells, nil
}

func checkSeeds(seeds []orb.Point) error {
	seen := make(map[orb.Point]int, len(seeds))
	for i, s := range seeds {
		if math.IsNaN(s[0]) || math.IsNaN(s[1]) || math.IsInf(s[0], 0) || math.IsInf(s[1], 0) {
			return fmt.Errorf("voronoi: seed %d is not finite", i)
		}
		if j, ok := seen[s]; ok {
			return fmt.Errorf("voronoi: seeds %d and %d coincide at %v", j, i, s)
		}
		seen[s] = i
	}
	return nil
}

// clipBisector keeps the part of the convex polygon poly that is at least as
// close to s as to t; the new edge along the bisector is labelled j.
func clipBisector(poly []labelledVertex, s, t orb.Point, j int) []labelledVertex {
	d := orb.Point{t[0] - s[0], t[1] - s[1]}
	m := orb.Point{(s[0] + t[0]) / 2, (s[1] + t[1]) / 2}
	f := func(p orb.Point) float64 { return (p[0]-m[0])*d[0] + (p[1]-m[1])*d[1] }
	out := make([]labelledVertex, 0, len(poly)+1)
	n := len(poly)
	for k := 0; k < n; k++ {
		cur, nxt := poly[k], poly[(k+1)%n]
		fc, fn := f(cur.p), f(nxt.p)
		switch {
		case fc <= 0 && fn <= 0:
			out = append(out, cur)
		case fc <= 0 && fn > 0:
			if fc == 0 {
				out = append(out, labelledVertex{cur.p, j})
				continue
			}
			out = append(out, cur)
			r := fc / (fc - fn)
			x := orb.Point{cur.p[0] + r*(nxt.p[0]-cur.p[0]), cur.p[1] + r*(nxt.p[1]-cur.p[1])}
			out = append(out, labelledVertex{x, j})
		case fc > 0 && fn <= 0:
			if fn == 0 {
				continue // nxt is on the bisector and comes next
			}
			r := fc / (fc - fn)
			x := orb.Point{cur.p[0] + r*(nxt.p[0]-cur.p[0]), cur.p[1] + r*(nxt.p[1]-cur.p[1])}
			out = append(out, labelledVertex{x, cur.edge})
		}
	}
	return out
}

// canonicalRing recomputes every vertex of cell i from the two lines that
// meet there, in an order that does not depend on which cell asks, and
// closes the ring.
func canonicalRing(poly []labelledVertex, i int, seeds []orb.Point, box orb.Bound) orb.Ring {
	n := len(poly)
	ring := make(orb.Ring, 0, n+1)
	for k := 0; k < n; k++ {
		in := poly[(k+n-1)%n].edge // edge ending at vertex k
		out := poly[k].edge        // edge starting at vertex k
		p, ok := lineMeet(i, in, out, seeds, box)
		if !ok {
			p = poly[k].p
		}
		if len(ring) > 0 && ring[len(ring)-1] == p {
			continue
		}
		ring = append(ring, p)
	}
	for len(ring) > 1 && ring[0] == ring[len(ring)-1] {
		ring = ring[:len(ring)-1]
	}
	if len(ring) < 3 {
		return nil
	}
	return append(ring, ring[0])
}

// lineMeet returns where the lines labelled a and b of cell i meet.
func lineMeet(i, a, b int, seeds []orb.Point, box orb.Bound) (orb.Point, bool) {
	switch {
	case a >= 0 && b >= 0:
		ids := []int{i, a, b}
		sort.Ints(ids)
		return circumcentre(seeds[ids[0]], seeds[ids[1]], seeds[ids[2]])
	case a < 0 && b < 0:
		return boxCorner(a, b, box)
	case a >= 0:
		return bisectorMeetsSide(seeds, i, a, b, box)
	default:
		return bisectorMeetsSide(seeds, i, b, a, box)
	}
}

func circumcentre(p, q, r orb.Point) (orb.Point, bool) {
	ax, ay := q[0]-p[0], q[1]-p[1]
	bx, by := r[0]-p[0], r[1]-p[1]
	d := 2 * (ax*by - ay*bx)
	if d == 0 {
		return orb.Point{}, false
	}
	a2, b2 := ax*ax+ay*ay, bx*bx+by*by
	ux := (by*a2 - ay*b2) / d
	uy := (ax*b2 - bx*a2) / d
	return orb.Point{p[0] + ux, p[1] + uy}, true
}

func boxCorner(a, b int, box orb.Bound) (orb.Point, bool) {
	var x, y float64
	var hasX, hasY bool
	for _, s := range []int{a, b} {
		switch s {
		case sideBottom:
			y, hasY = box.Min[1], true
		case sideTop:
			y, hasY = box.Max[1], true
		case sideLeft:
			x, hasX = box.Min[0], true
		case sideRight:
			x, hasX = box.Max[0], true
		}
	}
	return orb.Point{x, y}, hasX && hasY
}

// bisectorMeetsSide intersects the bisector of seeds i and j with a box side.
func bisectorMeetsSide(seeds []orb.Point, i, j, side int, box orb.Bound) (orb.Point, bool) {
	if j < i {
		i, j = j, i
	}
	s, t := seeds[i], seeds[j]
	dx, dy := t[0]-s[0], t[1]-s[1]
	mx, my := (s[0]+t[0])/2, (s[1]+t[1])/2
	// The bisector: dx·(x − mx) + dy·(y − my) = 0.
	switch side {
	case sideLeft, sideRight:
		if dy == 0 {
			return orb.Point{}, false
		}
		x := box.Min[0]
		if side == sideRight {
			x = box.Max[0]
		}
		return orb.Point{x, my - dx*(x-mx)/dy}, true
	default:
		if dx == 0 {
			return orb.Point{}, false
		}
		y := box.Min[1]
		if side == sideTop {
			y = box.Max[1]
		}
		return orb.Point{mx - dy*(y-my)/dx, y}, true
	}
}

// VoronoiPartition divides region into one part per seed: the Voronoi cell of
// each seed (VoronoiCells over a box around region and seeds) intersected
// with region. Coordinates are planar. Where a cell meets a non-convex
// region in several pieces, each piece that does not hold the seed (or, when
// none does, every piece but the largest) is handed to the neighbouring part
// it shares the longest bisector edge with, so that parts are connected
// whenever the region allows it. The parts cover region without overlap up
// to floating-point noise. Every seed must lie inside region.
func VoronoiPartition(region orb.MultiPolygon, seeds []orb.Point) ([]orb.MultiPolygon, error) {
	if len(seeds) == 0 {
		return nil, errors.New("voronoi: no seeds")
	}
	for i, s := range seeds {
		if !planar.MultiPolygonContains(region, s) {
			return nil, fmt.Errorf("voronoi: seed %d at %v lies outside the region", i, s)
		}
	}
	box := region.Bound()
	for _, s := range seeds {
		box = box.Extend(s)
	}
	pad := math.Max(box.Max[0]-box.Min[0], box.Max[1]-box.Min[1])
	box = box.Pad(pad)
	cells, err := VoronoiCells(seeds, box)
	if err != nil {
		return nil, err
	}
	regionG := ToSF(region).AsGeometry()
	parts := make([]orb.MultiPolygon, len(seeds))
	for i, c := range cells {
		if c == nil {
			return nil, fmt.Errorf("voronoi: seed %d has an empty cell", i)
		}
		g, err := sf.Intersection(ToSF(orb.MultiPolygon{{c}}).AsGeometry(), regionG)
		if err != nil {
			return nil, fmt.Errorf("voronoi: clipping cell %d: %w", i, err)
		}
		parts[i] = FromSF(g)
		if len(parts[i]) == 0 {
			return nil, fmt.Errorf("voronoi: cell %d does not meet the region", i)
		}
	}
	if err := mergeFragments(parts, seeds); err != nil {
		return nil, err
	}
	return parts, nil
}

// mergeFragments moves the pieces of a part that do not hold its seed to the
// neighbour across the longest bisector edge of the piece.
func mergeFragments(parts []orb.MultiPolygon, seeds []orb.Point) error {
	scale := 0.0
	for _, mp := range parts {
		b := mp.Bound()
		scale = math.Max(scale, math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]))
	}
	tol := 1e-9 * scale
	for i := range parts {
		if len(parts[i]) < 2 {
			continue
		}
		keep := -1
		for k, p := range parts[i] {
			if planar.PolygonContains(p, seeds[i]) {
				keep = k
				break
			}
		}
		if keep < 0 {
			best := -1.0
			for k, p := range parts[i] {
				if a := planar.Area(p); a > best {
					best, keep = a, k
				}
			}
		}
		var kept orb.MultiPolygon
		for k, piece := range parts[i] {
			if k == keep {
				kept = append(kept, piece)
				continue
			}
			j := bisectorNeighbour(piece, i, seeds, tol)
			if j < 0 {
				kept = append(kept, piece) // a piece of region on its own
				continue
			}
			u, err := sf.Union(ToSF(parts[j]).AsGeometry(), ToSF(orb.MultiPolygon{piece}).AsGeometry())
			if err != nil {
				return fmt.Errorf("voronoi: merging a piece of cell %d into cell %d: %w", i, j, err)
			}
			parts[j] = dropSpecks(FromSF(u), tol)
		}
		parts[i] = kept
	}
	return nil
}

// bisectorNeighbour returns the seed j whose bisector with seed i carries the
// greatest length of the piece's boundary, or -1.
func bisectorNeighbour(piece orb.Polygon, i int, seeds []orb.Point, tol float64) int {
	length := make(map[int]float64)
	for _, r := range piece {
		for k := 0; k+1 < len(r); k++ {
			a, b := r[k], r[k+1]
			l := math.Hypot(b[0]-a[0], b[1]-a[1])
			if l <= tol {
				continue
			}
			m := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
			di := planar.Distance(m, seeds[i])
			for j, s := range seeds {
				if j != i && math.Abs(planar.Distance(m, s)-di) <= 1e-6*di+tol {
					length[j] += l
				}
			}
		}
	}
	best, bestLen := -1, 0.0
	for j, l := range length {
		if l > bestLen || (l == bestLen && j < best) {
			best, bestLen = j, l
		}
	}
	return best
}

// dropSpecks removes holes and pieces whose area is negligible (left by
// floating-point noise where two shapes meet).
func dropSpecks(mp orb.MultiPolygon, tol float64) orb.MultiPolygon {
	minArea := tol * tol * 1e6
	out := mp[:0]
	for _, p := range mp {
		if len(p) == 0 || planar.Area(p[0]) <= minArea {
			continue
		}
		q := orb.Polygon{p[0]}
		for _, h := range p[1:] {
			if planar.Area(h) > minArea {
				q = append(q, h)
			}
		}
		out = append(out, q)
	}
	return out
}

// NodeShared makes shared boundaries explicit: wherever a vertex of any of
// the multipolygons lies within tol of the inside of a ring edge (and farther
// than tol from its ends), it is inserted into that edge. After this,
// neighbouring and nested shapes whose boundaries coincide have the same
// vertices along them, so rounding every coordinate to a grid coarser than
// tol moves them together and keeps them tiling. The input is not modified.
func NodeShared(mps []orb.MultiPolygon, tol float64) []orb.MultiPolygon {
	var pts []orb.Point
	var all orb.Bound
	first := true
	for _, mp := range mps {
		for _, p := range mp {
			for _, r := range p {
				for _, pt := range r {
					pts = append(pts, pt)
					if first {
						all, first = orb.Bound{Min: pt, Max: pt}, false
					} else {
						all = all.Extend(pt)
					}
				}
			}
		}
	}
	out := make([]orb.MultiPolygon, len(mps))
	if len(pts) == 0 {
		for i, mp := range mps {
			out[i] = mp.Clone()
		}
		return out
	}
	g := newPointGrid(pts, all)
	var cand []float64
	var candPts []orb.Point
	for i, mp := range mps {
		out[i] = make(orb.MultiPolygon, len(mp))
		for pi, p := range mp {
			out[i][pi] = make(orb.Polygon, len(p))
			for ri, r := range p {
				nr := make(orb.Ring, 0, len(r))
				for k := 0; k+1 < len(r); k++ {
					a, b := r[k], r[k+1]
					nr = append(nr, a)
					dx, dy := b[0]-a[0], b[1]-a[1]
					l2 := dx*dx + dy*dy
					if l2 <= tol*tol {
						continue
					}
					cand, candPts = cand[:0], candPts[:0]
					eb := orb.Bound{Min: a, Max: a}.Extend(b).Pad(tol)
					g.search(eb, func(v orb.Point) {
						t := ((v[0]-a[0])*dx + (v[1]-a[1])*dy) / l2
						if t <= 0 || t >= 1 {
							return
						}
						cx, cy := a[0]+t*dx-v[0], a[1]+t*dy-v[1]
						if cx*cx+cy*cy > tol*tol || planar.Distance(v, a) <= tol || planar.Distance(v, b) <= tol {
							return
						}
						cand = append(cand, t)
						candPts = append(candPts, v)
					})
					if len(cand) == 0 {
						continue
					}
					idx := make([]int, len(cand))
					for q := range idx {
						idx[q] = q
					}
					sort.Slice(idx, func(x, y int) bool {
						if cand[idx[x]] != cand[idx[y]] {
							return cand[idx[x]] < cand[idx[y]]
						}
						px, py := candPts[idx[x]], candPts[idx[y]]
						if px[0] != py[0] {
							return px[0] < py[0]
						}
						return px[1] < py[1]
					})
					last := a
					for _, q := range idx {
						v := candPts[q]
						if planar.Distance(v, last) <= tol {
							continue
						}
						nr = append(nr, v)
						last = v
					}
				}
				if len(r) > 0 {
					nr = append(nr, r[len(r)-1])
				}
				out[i][pi][ri] = nr
			}
		}
	}
	return out
}

// pointGrid is a uniform bucket grid over points for NodeShared.
type pointGrid struct {
	b      orb.Bound
	nx, ny int
	cw, ch float64
	cells  [][]orb.Point
}

func newPointGrid(pts []orb.Point, b orb.Bound) *pointGrid {
	n := int(math.Sqrt(float64(len(pts)))) + 1
	g := &pointGrid{b: b, nx: n, ny: n}
	g.cw = (b.Max[0] - b.Min[0]) / float64(n)
	g.ch = (b.Max[1] - b.Min[1]) / float64(n)
	if g.cw == 0 {
		g.cw = 1
	}
	if g.ch == 0 {
		g.ch = 1
	}
	g.cells = make([][]orb.Point, n*n)
	seen := make(map[orb.Point]bool, len(pts))
	for _, p := range pts {
		if seen[p] {
			continue
		}
		seen[p] = true
		x, y := g.cell(p)
		g.cells[y*n+x] = append(g.cells[y*n+x], p)
	}
	return g
}

func (g *pointGrid) cell(p orb.Point) (int, int) {
	x := int((p[0] - g.b.Min[0]) / g.cw)
	y := int((p[1] - g.b.Min[1]) / g.ch)
	return min(max(x, 0), g.nx-1), min(max(y, 0), g.ny-1)
}

func (g *pointGrid) search(b orb.Bound, fn func(orb.Point)) {
	x0, y0 := g.cell(b.Min)
	x1, y1 := g.cell(b.Max)
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			for _, p := range g.cells[y*g.nx+x] {
				if b.Contains(p) {
					fn(p)
				}
			}
		}
	}
}

// RoundMultiPolygon rounds every coordinate to a multiple of step (1e-7 for
// about a centimetre in degrees), drops vertices that fall onto the previous
// one and rings left with fewer than four points. Validate the result: rounding
// can make a very thin shape self-intersect.
func RoundMultiPolygon(mp orb.MultiPolygon, step float64) orb.MultiPolygon {
	inv := 1 / step
	rnd := func(v float64) float64 { return math.Round(v*inv) / inv }
	var out orb.MultiPolygon
	for _, p := range mp {
		var np orb.Polygon
		for ri, r := range p {
			nr := make(orb.Ring, 0, len(r))
			for _, pt := range r {
				q := orb.Point{rnd(pt[0]), rnd(pt[1])}
				if len(nr) > 0 && nr[len(nr)-1] == q {
					continue
				}
				nr = append(nr, q)
			}
			if len(nr) < 4 || nr[0] != nr[len(nr)-1] {
				if ri == 0 {
					break // the shell collapsed: drop the polygon
				}
				continue
			}
			np = append(np, nr)
		}
		if len(np) > 0 {
			out = append(out, np)
		}
	}
	return out
}

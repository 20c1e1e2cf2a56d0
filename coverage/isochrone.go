package coverage

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"diming"
	"diming/geo"
)

// Defaults and bounds of IsochroneOptions.
const (
	DefaultIsochroneResolution = 20        // metres
	DefaultIsochroneOffNetwork = 50        // metres
	DefaultIsochroneMaxCells   = 4_000_000 // grid points
	// MinIsochroneResolution is the finest grid allowed: finer is pointless
	// for a walk and would bring vertices within the 1e-7° rounding.
	MinIsochroneResolution = 1 // metre
	// MinIsochroneMaxCells and MaxIsochroneMaxCells bound MaxCells: the grid
	// around even one point needs some dozens of cells, and a grid beyond
	// 2^26 points (256 MB) is a mistake, not a map.
	MinIsochroneMaxCells = 1_000
	MaxIsochroneMaxCells = 1 << 26
)

// isochroneVertexGap keeps a contour vertex at least this many metres from
// a grid point, so that vertices of neighbouring cell edges never coincide
// nor come within reach of the 1e-7° (≤ 1.1 cm) rounding of each other.
const isochroneVertexGap = 0.05

// IsochroneOptions tunes IsochronePolygon. The zero value means the defaults.
type IsochroneOptions struct {
	// Resolution is the grid cell size in metres (default 20, at least 1).
	Resolution float64
	// OffNetwork is how far people may walk off the network into plazas,
	// yards and building entrances, in metres (default 50). It counts
	// against the limit: a point x metres off the network at a place the
	// walk reached after d metres is inside when d+x < limit and x <= OffNetwork.
	OffNetwork float64
	// MaxCells caps the number of grid points (default 4,000,000, between
	// 1,000 and 2^26): when the reached extent needs more, the resolution
	// grows to fit and Isochrone.Resolution says what was used.
	MaxCells int
}

// Isochrone is the area reachable within a walking limit, for the map.
type Isochrone struct {
	// Polygon is in lon/lat, valid (OGC), shells counter-clockwise, holes
	// clockwise, coordinates rounded to 1e-7°. Empty when nothing is reached.
	Polygon    orb.MultiPolygon
	Limit      float64 // metres
	Resolution float64 // the grid cell size actually used, metres
	OffNetwork float64 // metres
	Area       float64 // m², geodesic (geo.Area)
}

// IsochronePolygon draws the isochrone of the part of the walking network a
// search reached: the area within limit metres of walking, where the last
// stretch (at most OffNetwork metres, counted against the limit) may leave
// the network in a straight line.
//
// Method. The edges are projected to local metres (geo.NewLocalProjection
// about the centre of the reached edges) and a distance grid of Resolution
// cells is laid over the reached extent plus OffNetwork + 2 cells on every
// side. Each edge is sampled every Resolution/2 metres or less, ends
// included, with its walking distance d(s) = min(DStart+s, DEnd+(length-s));
// a sample reaches the disk of radius r = min(OffNetwork, limit-d) around it.
// The sample lowers the grid points within r + Resolution of it to
// limit - r + (straight distance): below limit exactly inside its disk, and
// where the limit tapers the disk (r = limit-d) this is the walking distance
// d + straight distance itself. The one extra cell keeps the field
// continuous across the disk's rim, so the contour is interpolated between
// finite values rather than against +Inf, which every other grid point
// holds. Marching squares then traces the level limit (a grid point is
// inside when its value < limit; >= is outside, so contours never
// degenerate into touching), with linear interpolation along cell edges
// (vertices kept 5 cm from grid points) and saddle cells decided by
// the average of their four corners (the cell centre). The grid's outer
// row and column are always outside, so every contour closes. Contours are
// followed from cell to cell through the shared cell edge (integer keys, no
// floating-point matching), inside on the left, so shells come out
// counter-clockwise and holes clockwise; each hole goes to the smallest
// shell containing it, and rings below one cell of area are dropped.
// Finally the rings are projected back to lon/lat and rounded to 1e-7°.
//
// Empty input, or nothing within the limit, gives an empty MultiPolygon and
// no error. A limit that is not a positive finite number, bad options, or an
// edge with bad coordinates or distances give an EINVALID error.
func IsochronePolygon(edges []ReachedEdge, limit float64, opt IsochroneOptions) (Isochrone, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Isochrone{}, err
	}
	if math.IsNaN(limit) || math.IsInf(limit, 0) || limit <= 0 {
		return Isochrone{}, diming.Errorf(diming.EINVALID,
			"等时圈的步行距离上限必须是正数（米），收到 %g",
			"the isochrone's walking limit must be a positive number of metres, got %g", limit)
	}
	res := Isochrone{
		Polygon:    orb.MultiPolygon{},
		Limit:      limit,
		Resolution: opt.Resolution,
		OffNetwork: opt.OffNetwork,
	}
	if err := checkReachedEdges(edges); err != nil {
		return Isochrone{}, err
	}

	// The projection's origin: the centre of the edges that reach anything.
	lonlat := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	reachedAny := false
	for _, e := range edges {
		if len(e.Line) == 0 || min(e.DStart, e.DEnd) >= limit {
			continue
		}
		reachedAny = true
		for _, p := range e.Line {
			lonlat = lonlat.Extend(p)
		}
	}
	if !reachedAny {
		return res, nil
	}
	proj := geo.NewLocalProjection(lonlat.Center())

	// Project the reached edges and find the extent of their reached parts.
	b := isoBuilder{limit: limit, off: opt.OffNetwork}
	b.prepare(edges, proj)
	if len(b.edges) == 0 {
		return res, nil
	}
	b.sizeGrid(opt.Resolution, opt.MaxCells)
	res.Resolution = b.res
	b.stamp()
	shells := b.trace()
	if len(shells) == 0 {
		return res, nil
	}
	mp := make(orb.MultiPolygon, 0, len(shells))
	for _, poly := range shells {
		out := make(orb.Polygon, len(poly))
		for i, r := range poly {
			ll := make(orb.Ring, len(r))
			for k, p := range r {
				ll[k] = proj.Inverse(p)
			}
			out[i] = ll
		}
		mp = append(mp, out)
	}
	mp = geo.RoundMultiPolygon(mp, 1e-7)
	if mp == nil {
		mp = orb.MultiPolygon{}
	}
	res.Polygon = mp
	res.Area = geo.Area(mp)
	return res, nil
}

func (o IsochroneOptions) withDefaults() (IsochroneOptions, error) {
	if o.Resolution == 0 {
		o.Resolution = DefaultIsochroneResolution
	}
	if o.OffNetwork == 0 {
		o.OffNetwork = DefaultIsochroneOffNetwork
	}
	if o.MaxCells == 0 {
		o.MaxCells = DefaultIsochroneMaxCells
	}
	if math.IsNaN(o.Resolution) || math.IsInf(o.Resolution, 0) || o.Resolution < MinIsochroneResolution {
		return o, diming.Errorf(diming.EINVALID,
			"等时圈的网格分辨率必须是不小于 %d 米的有限数，收到 %g",
			"the isochrone's grid resolution must be a finite number of at least %d m, got %g",
			MinIsochroneResolution, o.Resolution)
	}
	if math.IsNaN(o.OffNetwork) || math.IsInf(o.OffNetwork, 0) || o.OffNetwork < 0 {
		return o, diming.Errorf(diming.EINVALID,
			"离开路网步行的距离必须是正的有限数（米），收到 %g",
			"the off-network walking distance must be a positive finite number of metres, got %g", o.OffNetwork)
	}
	if o.MaxCells < MinIsochroneMaxCells || o.MaxCells > MaxIsochroneMaxCells {
		return o, diming.Errorf(diming.EINVALID,
			"等时圈的网格点数上限必须在 %d 到 %d 之间，收到 %d",
			"the isochrone's grid cell cap must be between %d and %d, got %d",
			MinIsochroneMaxCells, MaxIsochroneMaxCells, o.MaxCells)
	}
	return o, nil
}

func checkReachedEdges(edges []ReachedEdge) error {
	for i, e := range edges {
		for _, d := range [2]float64{e.DStart, e.DEnd} {
			if math.IsNaN(d) || d < 0 {
				return diming.Errorf(diming.EINVALID,
					"第 %d 条已到达路段的步行距离无效（%g）",
					"reached edge %d has an invalid walking distance (%g)", i, d)
			}
		}
		for _, p := range e.Line {
			if err := geo.CheckPoint(p); err != nil {
				zh, en := geo.Reasons(err)
				return &diming.Error{
					Code:      diming.EINVALID,
					Message:   fmt.Sprintf("第 %d 条已到达路段的坐标无效：%s", i, zh),
					MessageEN: fmt.Sprintf("reached edge %d has an invalid coordinate: %s", i, en),
					Err:       err,
				}
			}
		}
	}
	return nil
}

// isoEdge is an edge in local metres: its points, the geodesic distance
// along it at each point, and its walking distances at the ends.
type isoEdge struct {
	pts          []orb.Point
	s            []float64
	dStart, dEnd float64
}

// reached returns the parts of the edge where the walking distance is below
// the limit, as up to two intervals of s.
func (e *isoEdge) reached(limit float64) (iv [2][2]float64, n int) {
	l := e.s[len(e.s)-1]
	if a := limit - e.dStart; a > 0 {
		iv[n] = [2]float64{0, min(a, l)}
		n++
	}
	if a := limit - e.dEnd; a > 0 {
		lo := max(0, l-a)
		if n == 1 && lo <= iv[0][1] {
			iv[0][1] = l
		} else {
			iv[n] = [2]float64{lo, l}
			n++
		}
	}
	return iv, n
}

func (e *isoEdge) dist(s float64) float64 {
	return min(e.dStart+s, e.dEnd+(e.s[len(e.s)-1]-s))
}

type isoBuilder struct {
	limit, off float64
	edges      []isoEdge
	ext        orb.Bound // the reached parts, local metres

	res    float64
	x0, y0 float64 // grid point (0, 0)
	nx, ny int
	grid   []float32 // row-major, j*nx+i; +Inf where unreached
}

func (b *isoBuilder) prepare(edges []ReachedEdge, proj geo.LocalProjection) {
	b.ext = orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, re := range edges {
		if len(re.Line) == 0 || min(re.DStart, re.DEnd) >= b.limit {
			continue
		}
		e := isoEdge{pts: make([]orb.Point, len(re.Line)), s: make([]float64, len(re.Line)), dStart: re.DStart, dEnd: re.DEnd}
		for k, p := range re.Line {
			e.pts[k] = proj.Forward(p)
			if k > 0 {
				e.s[k] = e.s[k-1] + geo.Distance(re.Line[k-1], p)
			}
		}
		iv, n := e.reached(b.limit)
		if n == 0 {
			continue
		}
		for _, in := range iv[:n] {
			e.walk(in[0], in[1], func(p orb.Point, _ float64) { b.ext = b.ext.Extend(p) }, math.Inf(1))
		}
		b.edges = append(b.edges, e)
	}
}

// walk calls fn at points of the edge between s = lo and hi (both included):
// at every vertex in between and, when step is finite, every step metres
// or less along each segment.
func (e *isoEdge) walk(lo, hi float64, fn func(p orb.Point, s float64), step float64) {
	if len(e.pts) == 1 {
		fn(e.pts[0], 0)
		return
	}
	for k := 0; k+1 < len(e.pts); k++ {
		s0, s1 := e.s[k], e.s[k+1]
		u0, u1 := max(lo, s0), min(hi, s1)
		if u0 > u1 {
			continue
		}
		p0, p1 := e.pts[k], e.pts[k+1]
		at := func(u float64) orb.Point {
			if s1 == s0 {
				return p0
			}
			f := (u - s0) / (s1 - s0)
			return orb.Point{p0[0] + f*(p1[0]-p0[0]), p0[1] + f*(p1[1]-p0[1])}
		}
		n := 1
		if !math.IsInf(step, 1) && s1 > s0 {
			// Spacing is measured in the projection, where the disks are drawn.
			plen := math.Hypot(p1[0]-p0[0], p1[1]-p0[1]) * (u1 - u0) / (s1 - s0)
			n = max(1, int(math.Ceil(plen/step)))
		}
		for i := 0; i <= n; i++ {
			if i == 0 && k > 0 && u0 == s0 {
				continue // the previous segment ended here
			}
			u := u0 + (u1-u0)*float64(i)/float64(n)
			if i == n {
				u = u1
			}
			fn(at(u), u)
		}
	}
}

// sizeGrid lays the grid over the extent plus OffNetwork + 2 cells, growing
// the resolution until the grid has at most maxCells points.
func (b *isoBuilder) sizeGrid(res float64, maxCells int) {
	for {
		pad := b.off + 2*res
		nx := int(math.Ceil((b.ext.Max[0]-b.ext.Min[0]+2*pad)/res)) + 1
		ny := int(math.Ceil((b.ext.Max[1]-b.ext.Min[1]+2*pad)/res)) + 1
		if float64(nx)*float64(ny) <= float64(maxCells) {
			b.res, b.nx, b.ny = res, nx, ny
			b.x0, b.y0 = b.ext.Min[0]-pad, b.ext.Min[1]-pad
			return
		}
		res *= math.Max(1.01, math.Sqrt(float64(nx)*float64(ny)/float64(maxCells)))
	}
}

// stamp fills the grid: limit - r + distance around every sample.
func (b *isoBuilder) stamp() {
	b.grid = make([]float32, b.nx*b.ny)
	inf := float32(math.Inf(1))
	for i := range b.grid {
		b.grid[i] = inf
	}
	res, inv := b.res, 1/b.res
	for ei := range b.edges {
		e := &b.edges[ei]
		iv, n := e.reached(b.limit)
		for _, in := range iv[:n] {
			e.walk(in[0], in[1], func(p orb.Point, s float64) {
				r := min(b.off, b.limit-e.dist(s))
				if r <= 0 {
					return
				}
				base := b.limit - r
				reach := r + res
				gx, gy := (p[0]-b.x0)*inv, (p[1]-b.y0)*inv
				i0, i1 := max(0, int(math.Ceil(gx-reach*inv))), min(b.nx-1, int(gx+reach*inv))
				j0, j1 := max(0, int(math.Ceil(gy-reach*inv))), min(b.ny-1, int(gy+reach*inv))
				r2 := reach * reach
				for j := j0; j <= j1; j++ {
					dy := b.y0 + float64(j)*res - p[1]
					dy2 := dy * dy
					row := b.grid[j*b.nx : (j+1)*b.nx]
					for i := i0; i <= i1; i++ {
						dx := b.x0 + float64(i)*res - p[0]
						d2 := dx*dx + dy2
						if d2 > r2 {
							continue
						}
						if v := float32(base + math.Sqrt(d2)); v < row[i] {
							row[i] = v
						}
					}
				}
			}, res/2)
		}
	}
}

// Cell sides, counter-clockwise from the bottom: side k joins corner k and
// corner k+1 (corners: 0 bottom-left, 1 bottom-right, 2 top-right, 3 top-left).
var (
	isoCornerDI = [4]int{0, 1, 1, 0}
	isoCornerDJ = [4]int{0, 0, 1, 1}
	// The neighbouring cell across each side, and that side's number there.
	isoAcrossDI   = [4]int{0, 1, 0, -1}
	isoAcrossDJ   = [4]int{-1, 0, 1, 0}
	isoAcrossSide = [4]int{2, 3, 0, 1}
)

// cellSegments returns the contour segments of cell (i, j) as pairs of
// sides (from, to), inside on the left, and how many there are.
func (b *isoBuilder) cellSegments(i, j int) (seg [2][2]int8, n int) {
	var v [4]float32
	var in [4]bool
	count := 0
	for k := 0; k < 4; k++ {
		v[k] = b.grid[(j+isoCornerDJ[k])*b.nx+i+isoCornerDI[k]]
		in[k] = float64(v[k]) < b.limit
		if in[k] {
			count++
		}
	}
	if count == 0 || count == 4 {
		return seg, 0
	}
	// Going round the cell counter-clockwise, side k is an exit when the
	// walk leaves the inside there and an entry when it comes back in.
	// Each segment runs from an exit to an entry, keeping the inside on
	// its left.
	var exits, entries [2]int8
	ne, nn := 0, 0
	for k := 0; k < 4; k++ {
		a, c := in[k], in[(k+1)%4]
		if a && !c {
			exits[ne] = int8(k)
			ne++
		} else if !a && c {
			entries[nn] = int8(k)
			nn++
		}
	}
	if ne == 1 {
		return [2][2]int8{{exits[0], entries[0]}}, 1
	}
	// A saddle: two inside corners opposite each other. When the cell
	// centre (the corners' average) is inside they join: each exit goes
	// to the entry of the next inside corner; otherwise to its own.
	joined := (float64(v[0])+float64(v[1])+float64(v[2])+float64(v[3]))/4 < b.limit
	for x := 0; x < 2; x++ {
		own := 0 // the entry just before this exit, going round
		for y := 0; y < 2; y++ {
			if (exits[x]-entries[y]+4)%4 == 1 {
				own = y
			}
		}
		to := own
		if joined {
			to = 1 - own
		}
		seg[x] = [2]int8{exits[x], entries[to]}
	}
	return seg, 2
}

// crossing returns where the contour crosses side k of cell (i, j).
func (b *isoBuilder) crossing(i, j, k int) orb.Point {
	k1 := (k + 1) % 4
	ia, ja := i+isoCornerDI[k], j+isoCornerDJ[k]
	ib, jb := i+isoCornerDI[k1], j+isoCornerDJ[k1]
	va, vb := float64(b.grid[ja*b.nx+ia]), float64(b.grid[jb*b.nx+ib])
	t := 0.5
	if !math.IsInf(va, 0) && !math.IsInf(vb, 0) && va != vb {
		t = (b.limit - va) / (vb - va)
	}
	clamp := isochroneVertexGap / b.res
	t = min(max(t, clamp), 1-clamp)
	xa, ya := b.x0+float64(ia)*b.res, b.y0+float64(ja)*b.res
	xb, yb := b.x0+float64(ib)*b.res, b.y0+float64(jb)*b.res
	return orb.Point{xa + t*(xb-xa), ya + t*(yb-ya)}
}

// trace follows every contour and returns the polygons, local metres.
func (b *isoBuilder) trace() []orb.Polygon {
	type ring struct {
		pts  orb.Ring
		area float64 // signed: > 0 counter-clockwise
		box  orb.Bound
	}
	var shells, holes []ring
	minArea := b.res * b.res
	cw := b.nx - 1
	// used[cell] has bit k set once the cell's segment that starts on side
	// k has been followed.
	used := make([]uint8, cw*(b.ny-1))
	for j := 0; j < b.ny-1; j++ {
		for i := 0; i < cw; i++ {
			seg, n := b.cellSegments(i, j)
			for x := 0; x < n; x++ {
				from := seg[x][0]
				if used[j*cw+i]&(1<<from) != 0 {
					continue
				}
				var pts orb.Ring
				ci, cj, side := i, j, int(from)
				for {
					cell := cj*cw + ci
					if used[cell]&(1<<side) != 0 {
						break // back at the start
					}
					used[cell] |= 1 << side
					pts = append(pts, b.crossing(ci, cj, side))
					s, m := b.cellSegments(ci, cj)
					to := -1
					for y := 0; y < m; y++ {
						if int(s[y][0]) == side {
							to = int(s[y][1])
						}
					}
					if to < 0 {
						break // cannot happen: every entry has a segment
					}
					ci, cj, side = ci+isoAcrossDI[to], cj+isoAcrossDJ[to], isoAcrossSide[to]
					if ci < 0 || cj < 0 || ci >= cw || cj >= b.ny-1 {
						break // cannot happen: the grid's border is outside
					}
				}
				if len(pts) < 3 {
					continue
				}
				pts = append(pts, pts[0])
				a := isoRingArea(pts)
				if math.Abs(a) < minArea {
					continue
				}
				r := ring{pts: pts, area: a, box: orb.Ring(pts).Bound()}
				if a > 0 {
					shells = append(shells, r)
				} else {
					holes = append(holes, r)
				}
			}
		}
	}
	polys := make([]orb.Polygon, len(shells))
	for k, s := range shells {
		polys[k] = orb.Polygon{s.pts}
	}
	for _, h := range holes {
		best, bestArea := -1, math.Inf(1)
		p := h.pts[0]
		for k, s := range shells {
			if s.area < bestArea && s.area > -h.area && s.box.Contains(p) && isoRingContains(s.pts, p) {
				best, bestArea = k, s.area
			}
		}
		if best >= 0 {
			polys[best] = append(polys[best], h.pts)
		}
	}
	return polys
}

// isoRingArea is the shoelace area, positive when counter-clockwise.
func isoRingArea(r orb.Ring) float64 {
	s := 0.0
	for k := 0; k+1 < len(r); k++ {
		s += r[k][0]*r[k+1][1] - r[k+1][0]*r[k][1]
	}
	return s / 2
}

// isoRingContains is the crossing-number test.
func isoRingContains(r orb.Ring, p orb.Point) bool {
	in := false
	for k, l := 0, len(r)-1; k < len(r); l, k = k, k+1 {
		a, c := r[l], r[k]
		if (a[1] > p[1]) != (c[1] > p[1]) {
			if x := a[0] + (p[1]-a[1])*(c[0]-a[0])/(c[1]-a[1]); p[0] < x {
				in = !in
			}
		}
	}
	return in
}

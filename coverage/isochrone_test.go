package coverage_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"diming"
	"diming/coverage"
	"diming/geo"
)

// isoOrigin is where the test networks lie (Shapingba, Chongqing).
var isoOrigin = orb.Point{106.45, 29.55}

// isoTestEdge is a road in local metres about isoOrigin with the walking
// distances at its ends.
type isoTestEdge struct {
	pts          []orb.Point
	dStart, dEnd float64
}

func (e isoTestEdge) length() float64 {
	l := 0.0
	for k := 1; k < len(e.pts); k++ {
		l += isoPlanar(e.pts[k], e.pts[k-1])
	}
	return l
}

// isoReached converts test edges to lon/lat ReachedEdges.
func isoReached(edges []isoTestEdge) []coverage.ReachedEdge {
	proj := geo.NewLocalProjection(isoOrigin)
	out := make([]coverage.ReachedEdge, len(edges))
	for i, e := range edges {
		ls := make(orb.LineString, len(e.pts))
		for k, p := range e.pts {
			ls[k] = proj.Inverse(p)
		}
		out[i] = coverage.ReachedEdge{Line: ls, DStart: e.dStart, DEnd: e.dEnd}
	}
	return out
}

// isoArms returns roads leaving the source at (0, 0) at the given angles
// (degrees), each length metres long; the far end counts as reached only
// within the limit, as a bounded search would report it.
func isoArms(length, limit float64, angles ...float64) []isoTestEdge {
	var out []isoTestEdge
	for _, a := range angles {
		rad := a * math.Pi / 180
		end := orb.Point{length * math.Cos(rad), length * math.Sin(rad)}
		dEnd := length
		if dEnd >= limit {
			dEnd = math.Inf(1)
		}
		out = append(out, isoTestEdge{pts: []orb.Point{{0, 0}, end}, dStart: 0, dEnd: dEnd})
	}
	return out
}

// isoLattice returns an n×n grid of roads with blocks of the given size,
// centred on (0, 0), with walking distances from node src (Manhattan
// distances are the network distances on a lattice). Only edges reached
// within limit are returned; an end beyond the limit is +Inf.
func isoLattice(n int, block float64, src [2]int, limit float64) []isoTestEdge {
	c := float64(n-1) / 2
	at := func(i, j int) orb.Point { return orb.Point{(float64(i) - c) * block, (float64(j) - c) * block} }
	dist := func(i, j int) float64 {
		d := block * float64(isoAbs(i-src[0])+isoAbs(j-src[1]))
		if d >= limit {
			return math.Inf(1)
		}
		return d
	}
	var out []isoTestEdge
	add := func(i, j, k, l int) {
		e := isoTestEdge{pts: []orb.Point{at(i, j), at(k, l)}, dStart: dist(i, j), dEnd: dist(k, l)}
		if min(e.dStart, e.dEnd) < limit {
			out = append(out, e)
		}
	}
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			if i+1 < n {
				add(i, j, i+1, j)
			}
			if j+1 < n {
				add(i, j, i, j+1)
			}
		}
	}
	return out
}

func isoPlanar(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

func isoAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// isoStadiumArea is the analytic isochrone of one straight road through the
// source, reached both ways to the limit or to its ends (half-length
// metres each way). It is the union of the disks of radius
// min(off, limit-|s|) about the road's points; each disk past
// |s| = limit-off lies inside the one there (the radius shrinks as fast as
// the centre moves), so the taper ends in a half-disk: a band of
// half-width min(off, limit) plus two half-disk caps.
func isoStadiumArea(halfLength, limit, off float64) float64 {
	r := min(off, limit)
	a := min(halfLength, limit-r)
	return 4*a*r + math.Pi*r*r
}

// checkIsochrone asserts what every result promises: a valid polygon (by
// geo.ValidateMultiPolygon and simplefeatures), shells counter-clockwise,
// holes clockwise, coordinates on the 1e-7° grid, the geodesic area.
func checkIsochrone(tb testing.TB, iso coverage.Isochrone) {
	tb.Helper()
	if len(iso.Polygon) == 0 {
		tb.Fatal("empty isochrone")
	}
	if err := geo.ValidateMultiPolygon(iso.Polygon); err != nil {
		tb.Fatalf("invalid isochrone: %v", err)
	}
	if err := geo.ToSF(iso.Polygon).Validate(); err != nil {
		tb.Fatalf("simplefeatures: invalid isochrone: %v", err)
	}
	for pi, poly := range iso.Polygon {
		for ri, r := range poly {
			a := 0.0
			for k := 0; k+1 < len(r); k++ {
				a += r[k][0]*r[k+1][1] - r[k+1][0]*r[k][1]
				for _, v := range r[k] {
					if f := v * 1e7; math.Abs(f-math.Round(f)) > 1e-6 {
						tb.Fatalf("polygon %d ring %d: coordinate %v is not rounded to 1e-7°", pi, ri, r[k])
					}
				}
			}
			if ri == 0 && a <= 0 {
				tb.Fatalf("polygon %d: shell is not counter-clockwise", pi)
			}
			if ri > 0 && a >= 0 {
				tb.Fatalf("polygon %d: hole %d is not clockwise", pi, ri)
			}
		}
	}
	if got := geo.Area(iso.Polygon); got != iso.Area {
		tb.Fatalf("Area = %g, geo.Area of the polygon = %g", iso.Area, got)
	}
}

func isoHoles(mp orb.MultiPolygon) int {
	n := 0
	for _, p := range mp {
		n += len(p) - 1
	}
	return n
}

func mustIsochrone(tb testing.TB, edges []isoTestEdge, limit float64, opt coverage.IsochroneOptions) coverage.Isochrone {
	tb.Helper()
	iso, err := coverage.IsochronePolygon(isoReached(edges), limit, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return iso
}

func TestIsochroneStraightRoad(t *testing.T) {
	for _, tc := range []struct {
		name              string
		halfLength, limit float64
		off               float64
		angle             float64
	}{
		{"beyond the limit, east-west", 1200, 810, 50, 0},
		{"beyond the limit, at 37°", 1200, 810, 50, 37},
		{"dead ends within the limit", 300, 810, 50, 62},
		{"wider off-network walk", 1000, 600, 120, 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := isoStadiumArea(tc.halfLength, tc.limit, tc.off)
			edges := isoArms(tc.halfLength, tc.limit, tc.angle, tc.angle+180)
			errs := map[float64]float64{}
			for _, res := range []float64{40, 20, 10, 5} {
				iso := mustIsochrone(t, edges, tc.limit, coverage.IsochroneOptions{Resolution: res, OffNetwork: tc.off})
				checkIsochrone(t, iso)
				if len(iso.Polygon) != 1 || isoHoles(iso.Polygon) != 0 {
					t.Fatalf("res %g: %d polygons, %d holes; want one without holes", res, len(iso.Polygon), isoHoles(iso.Polygon))
				}
				if iso.Resolution != res || iso.OffNetwork != tc.off || iso.Limit != tc.limit {
					t.Fatalf("res %g: reported resolution %g, off-network %g, limit %g", res, iso.Resolution, iso.OffNetwork, iso.Limit)
				}
				errs[res] = math.Abs(iso.Area-want) / want
				t.Logf("res %2g m: area %.0f m², analytic %.0f m², error %.2f%%", res, iso.Area, want, 100*errs[res])
			}
			for _, res := range []float64{20, 10} {
				if errs[res] > 0.02 {
					t.Errorf("res %g: area error %.2f%% > 2%%", res, 100*errs[res])
				}
			}
			if errs[5] > errs[20] || errs[5] > 0.005 {
				t.Errorf("no convergence: error %.3f%% at 5 m, %.3f%% at 20 m", 100*errs[5], 100*errs[20])
			}
		})
	}
}

// TestIsochroneShortLimit: a limit below OffNetwork leaves the disk of
// radius limit about the source.
func TestIsochroneShortLimit(t *testing.T) {
	iso := mustIsochrone(t, isoArms(500, 30, 10, 190), 30, coverage.IsochroneOptions{Resolution: 2})
	checkIsochrone(t, iso)
	want := math.Pi * 30 * 30
	if e := math.Abs(iso.Area-want) / want; e > 0.02 {
		t.Fatalf("area %.0f m², the disk %.0f m² (%.2f%%)", iso.Area, want, 100*e)
	}
}

func TestIsochroneCross(t *testing.T) {
	const limit, off = 810.0, 50.0
	edges := isoArms(1200, limit, 20, 110, 200, 290)
	// Two perpendicular stadiums overlapping in the square about the source.
	want := 2*isoStadiumArea(1200, limit, off) - 4*off*off
	for _, res := range []float64{20, 10} {
		iso := mustIsochrone(t, edges, limit, coverage.IsochroneOptions{Resolution: res})
		checkIsochrone(t, iso)
		if len(iso.Polygon) != 1 || isoHoles(iso.Polygon) != 0 {
			t.Fatalf("res %g: %d polygons, %d holes", res, len(iso.Polygon), isoHoles(iso.Polygon))
		}
		if e := math.Abs(iso.Area-want) / want; e > 0.02 {
			t.Errorf("res %g: area %.0f m², analytic %.0f m² (%.2f%%)", res, iso.Area, want, 100*e)
		}
	}
}

func TestIsochroneLatticeHoles(t *testing.T) {
	const block, off = 400.0, 50.0
	t.Run("whole network reached", func(t *testing.T) {
		// 4×4 nodes, every point within 1600 m of the source: each of the
		// 9 blocks keeps a 300 m square hole; the outside is the road
		// square grown by 50 m with rounded corners.
		edges := isoLattice(4, block, [2]int{1, 1}, 2000)
		span := 3 * block
		want := (span+2*off)*(span+2*off) - (4-math.Pi)*off*off - 9*(block-2*off)*(block-2*off)
		for _, res := range []float64{20, 10} {
			iso := mustIsochrone(t, edges, 2000, coverage.IsochroneOptions{Resolution: res})
			checkIsochrone(t, iso)
			if len(iso.Polygon) != 1 || isoHoles(iso.Polygon) != 9 {
				t.Fatalf("res %g: %d polygons, %d holes; want 1 with 9", res, len(iso.Polygon), isoHoles(iso.Polygon))
			}
			if e := math.Abs(iso.Area-want) / want; e > 0.02 {
				t.Errorf("res %g: area %.0f m², analytic %.0f m² (%.2f%%)", res, iso.Area, want, 100*e)
			}
		}
	})
	t.Run("partly reached", func(t *testing.T) {
		// From the centre of 7×7 nodes with 1300 m: the four blocks at
		// the source are ringed by reached road, the outer ones are not.
		edges := isoLattice(7, block, [2]int{3, 3}, 1300)
		iso := mustIsochrone(t, edges, 1300, coverage.IsochroneOptions{})
		checkIsochrone(t, iso)
		if h := isoHoles(iso.Polygon); h < 4 {
			t.Fatalf("%d holes, want at least the 4 blocks about the source", h)
		}
		proj := geo.NewLocalProjection(isoOrigin)
		for _, c := range []orb.Point{{200, 200}, {-200, 200}, {-200, -200}, {200, -200}} {
			if geo.MultiPolygonContains(iso.Polygon, proj.Inverse(c)) {
				t.Errorf("the middle of the block at %v is inside", c)
			}
		}
	})
}

// TestIsochroneSaddle: two walk-up points (zero-length edges) whose disks
// meet, or nearly meet, across one grid cell. The grid starts OffNetwork + 2
// cells below the lower point A, so the cell [x, x+res]² (relative to A)
// is chosen on that lattice and B = A + (2x+res)(1, 1) puts the cell's
// centre halfway between them: corners 0 and 2 inside, 1 and 3 outside,
// and the cell centre (the corners' average) decides.
func TestIsochroneSaddle(t *testing.T) {
	for _, tc := range []struct {
		name         string
		res, off, x  float64
		wantPolygons int
		disksOverlap bool
	}{
		// Corners 42.71 m and 50.28 m from the nearer point; average
		// 46.49 m < 49.8: joined, as the disks (99.56 m apart) overlap.
		{"centre inside joins", 10, 49.8, 30.2, 1, true},
		// Corners 42.43 m and 58.31 m; average 50.37 m >= 50: apart, as
		// the disks (113 m apart) are.
		{"centre outside separates", 20, 50, 30, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pad := tc.off + 2*tc.res
			if o := math.Mod(tc.x+pad, tc.res); math.Abs(o) > 1e-9 && math.Abs(o-tc.res) > 1e-9 {
				t.Fatalf("x = %g is not on the grid (offset %g)", tc.x, o)
			}
			b := 2*tc.x + tc.res
			if overlap := b*math.Sqrt2 < 2*tc.off; overlap != tc.disksOverlap {
				t.Fatalf("test setup: disks overlap %v", overlap)
			}
			edges := []isoTestEdge{
				{pts: []orb.Point{{0, 0}, {0, 0}}},
				{pts: []orb.Point{{b, b}, {b, b}}},
			}
			iso := mustIsochrone(t, edges, 500, coverage.IsochroneOptions{Resolution: tc.res, OffNetwork: tc.off})
			checkIsochrone(t, iso)
			if len(iso.Polygon) != tc.wantPolygons {
				t.Fatalf("%d polygons, want %d", len(iso.Polygon), tc.wantPolygons)
			}
		})
	}
}

// isoSample is a point of the network with its walking distance.
type isoSample struct {
	p orb.Point
	d float64
}

// isoSampleNetwork samples every edge every 2 m or less.
func isoSampleNetwork(edges []isoTestEdge) []isoSample {
	var out []isoSample
	for _, e := range edges {
		l := e.length()
		s0 := 0.0
		for k := 1; k < len(e.pts); k++ {
			a, b := e.pts[k-1], e.pts[k]
			seg := isoPlanar(a, b)
			n := max(1, int(math.Ceil(seg/2)))
			for i := 0; i <= n; i++ {
				f := float64(i) / float64(n)
				s := s0 + f*seg
				d := min(e.dStart+s, e.dEnd+(l-s))
				out = append(out, isoSample{orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}, d})
			}
			s0 += seg
		}
	}
	return out
}

// isoClearance returns g(p) = min over samples of
// max(|p-s| - off, d + |p-s| - limit): negative inside the reachable area,
// -g metres from its rim; positive outside, g metres from it (or more).
func isoClearance(samples []isoSample, limit, off, cap float64) func(orb.Point) float64 {
	cell := off + cap
	buckets := map[[2]int][]isoSample{}
	key := func(p orb.Point) [2]int { return [2]int{int(math.Floor(p[0] / cell)), int(math.Floor(p[1] / cell))} }
	for _, s := range samples {
		if s.d < limit {
			buckets[key(s.p)] = append(buckets[key(s.p)], s)
		}
	}
	return func(p orb.Point) float64 {
		g := cap // beyond one bucket: at least cap outside
		k := key(p)
		for dj := -1; dj <= 1; dj++ {
			for di := -1; di <= 1; di++ {
				for _, s := range buckets[[2]int{k[0] + di, k[1] + dj}] {
					// max(r-off, d+r-limit) = r + c with c = max(-off, d-limit)
					c := max(-off, s.d-limit)
					if g <= c {
						continue
					}
					dx, dy := p[0]-s.p[0], p[1]-s.p[1]
					if r2 := dx*dx + dy*dy; r2 < (g-c)*(g-c) {
						g = math.Sqrt(r2) + c
					}
				}
			}
		}
		return g
	}
}

// isoContainment returns a point-in-polygon test (local metres about
// isoOrigin) for a valid multipolygon: the even-odd rule over all its rings,
// with the ring edges bucketed by 5 m bands of y.
func isoContainment(mp orb.MultiPolygon) func(orb.Point) bool {
	const band = 5.0
	proj := geo.NewLocalProjection(isoOrigin)
	bands := map[int][][2]orb.Point{}
	for _, poly := range mp {
		for _, r := range poly {
			for k := 0; k+1 < len(r); k++ {
				a, b := proj.Forward(r[k]), proj.Forward(r[k+1])
				for y := int(math.Floor(min(a[1], b[1]) / band)); y <= int(math.Floor(max(a[1], b[1])/band)); y++ {
					bands[y] = append(bands[y], [2]orb.Point{a, b})
				}
			}
		}
	}
	return func(p orb.Point) bool {
		in := false
		for _, e := range bands[int(math.Floor(p[1]/band))] {
			a, b := e[0], e[1]
			if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
				in = !in
			}
		}
		return in
	}
}

// TestIsochroneContainment: every sample walked within limit - 2 cells is
// inside, every point more than 2 cells beyond what any sample reaches is
// outside, on a lattice and on a random tangle of roads.
func TestIsochroneContainment(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 15))
	var tangle []isoTestEdge
	for i := 0; i < 40; i++ {
		p := orb.Point{rng.Float64()*1200 - 600, rng.Float64()*1200 - 600}
		pts := []orb.Point{p}
		dir := rng.Float64() * 2 * math.Pi
		for k := 0; k < 1+rng.IntN(4); k++ {
			dir += rng.Float64() - 0.5
			step := 30 + rng.Float64()*250
			p = orb.Point{p[0] + step*math.Cos(dir), p[1] + step*math.Sin(dir)}
			pts = append(pts, p)
		}
		e := isoTestEdge{pts: pts, dStart: rng.Float64() * 700}
		e.dEnd = e.dStart + e.length()
		if rng.IntN(3) == 0 {
			e.dEnd = math.Inf(1)
		}
		if rng.IntN(4) == 0 {
			e.dStart, e.dEnd = math.Inf(1), rng.Float64()*600
		}
		tangle = append(tangle, e)
	}
	networks := []struct {
		name  string
		edges []isoTestEdge
		limit float64
		off   float64
	}{
		{"lattice of 100 m", isoLattice(21, 100, [2]int{10, 10}, 810), 810, 50},
		{"lattice of 250 m, 80 m off the network", isoLattice(9, 250, [2]int{3, 5}, 900), 900, 80},
		{"random tangle", tangle, 810, 50},
	}
	proj := geo.NewLocalProjection(isoOrigin)
	for _, nw := range networks {
		for _, res := range []float64{20, 10} {
			t.Run(fmt.Sprintf("%s at %g m", nw.name, res), func(t *testing.T) {
				iso := mustIsochrone(t, nw.edges, nw.limit, coverage.IsochroneOptions{Resolution: res, OffNetwork: nw.off})
				checkIsochrone(t, iso)
				samples := isoSampleNetwork(nw.edges)
				inside := isoContainment(iso.Polygon)
				for i, s := range samples {
					if i%97 == 0 && inside(s.p) != geo.MultiPolygonContains(iso.Polygon, proj.Inverse(s.p)) {
						t.Fatalf("the test's point-in-polygon disagrees with geo.MultiPolygonContains at %v", s.p)
					}
				}
				nIn := 0
				for _, s := range samples {
					if s.d <= nw.limit-2*res {
						nIn++
						if !inside(s.p) {
							t.Fatalf("sample %v walked %.1f m of %g is outside", s.p, s.d, nw.limit)
						}
					}
				}
				g := isoClearance(samples, nw.limit, nw.off, 2*res)
				var box orb.Bound
				for i, s := range samples {
					if i == 0 {
						box = orb.Bound{Min: s.p, Max: s.p}
					}
					box = box.Extend(s.p)
				}
				box = box.Pad(nw.off + 4*res)
				nOut, nDeep := 0, 0
				const step = 4.1 // off the isochrone's grid
				for y := box.Min[1]; y <= box.Max[1]; y += step {
					for x := box.Min[0]; x <= box.Max[0]; x += step {
						p := orb.Point{x, y}
						v := g(p)
						switch {
						case v >= 2*res:
							nOut++
							if inside(p) {
								t.Fatalf("%v is %.1f m beyond the reachable area but inside", p, v)
							}
						case v <= -2*res:
							nDeep++
							if !inside(p) {
								t.Fatalf("%v is %.1f m inside the reachable area but outside", p, -v)
							}
						}
					}
				}
				if nIn == 0 || nOut == 0 {
					t.Fatalf("vacuous: %d samples inside, %d points outside", nIn, nOut)
				}
				t.Logf("%d samples and %d off-network points inside, %d points outside; %d polygons, %d holes",
					nIn, nDeep, nOut, len(iso.Polygon), isoHoles(iso.Polygon))
			})
		}
	}
}

func TestIsochroneMaxCells(t *testing.T) {
	edges := isoLattice(41, 100, [2]int{20, 20}, 5000) // 4 km square, all reached
	fine := mustIsochrone(t, edges, 5000, coverage.IsochroneOptions{})
	if fine.Resolution != coverage.DefaultIsochroneResolution {
		t.Fatalf("default: resolution %g, want %d", fine.Resolution, coverage.DefaultIsochroneResolution)
	}
	const maxCells = 20_000
	iso := mustIsochrone(t, edges, 5000, coverage.IsochroneOptions{MaxCells: maxCells})
	checkIsochrone(t, iso)
	// The grid spans the 4 km network plus OffNetwork and two cells each side.
	side := 4000 + 2*(50+2*iso.Resolution)
	if cells := (side/iso.Resolution + 1) * (side/iso.Resolution + 1); cells > maxCells*1.01 {
		t.Errorf("resolution %g m gives about %.0f grid points, over %d", iso.Resolution, cells, maxCells)
	}
	if iso.Resolution < 25 || iso.Resolution > 40 {
		t.Errorf("MaxCells %d: resolution %g m, want about 30 m", maxCells, iso.Resolution)
	}
	if e := math.Abs(iso.Area-fine.Area) / fine.Area; e > 0.03 {
		t.Errorf("area at %g m %.0f m², at 20 m %.0f m² (%.1f%%)", iso.Resolution, iso.Area, fine.Area, 100*e)
	}
	t.Logf("MaxCells %d: resolution %.2f m, area %.0f m² (20 m: %.0f m²)", maxCells, iso.Resolution, iso.Area, fine.Area)
}

func TestIsochroneEmpty(t *testing.T) {
	far := isoReached([]isoTestEdge{{pts: []orb.Point{{0, 0}, {100, 0}}, dStart: 900, dEnd: 1000}})
	unreached := isoReached([]isoTestEdge{{pts: []orb.Point{{0, 0}, {100, 0}}, dStart: math.Inf(1), dEnd: math.Inf(1)}})
	for name, edges := range map[string][]coverage.ReachedEdge{
		"no edges":              nil,
		"all beyond the limit":  far,
		"no end reached":        unreached,
		"an edge without lines": {{DStart: 0, DEnd: 0}},
	} {
		t.Run(name, func(t *testing.T) {
			iso, err := coverage.IsochronePolygon(edges, 810, coverage.IsochroneOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if iso.Polygon == nil || len(iso.Polygon) != 0 || iso.Area != 0 || iso.Limit != 810 {
				t.Fatalf("got %+v, want an empty polygon", iso)
			}
		})
	}
}

func TestIsochroneInvalid(t *testing.T) {
	road := isoReached(isoArms(500, 810, 0))
	bad := func(mod func(*coverage.ReachedEdge)) []coverage.ReachedEdge {
		e := isoReached(isoArms(500, 810, 0))
		mod(&e[0])
		return e
	}
	for _, tc := range []struct {
		name  string
		edges []coverage.ReachedEdge
		limit float64
		opt   coverage.IsochroneOptions
	}{
		{"zero limit", road, 0, coverage.IsochroneOptions{}},
		{"negative limit", road, -810, coverage.IsochroneOptions{}},
		{"NaN limit", road, math.NaN(), coverage.IsochroneOptions{}},
		{"infinite limit", road, math.Inf(1), coverage.IsochroneOptions{}},
		{"negative resolution", road, 810, coverage.IsochroneOptions{Resolution: -20}},
		{"NaN resolution", road, 810, coverage.IsochroneOptions{Resolution: math.NaN()}},
		{"sub-metre resolution", road, 810, coverage.IsochroneOptions{Resolution: 0.5}},
		{"negative off-network", road, 810, coverage.IsochroneOptions{OffNetwork: -1}},
		{"infinite off-network", road, 810, coverage.IsochroneOptions{OffNetwork: math.Inf(1)}},
		{"negative MaxCells", road, 810, coverage.IsochroneOptions{MaxCells: -1}},
		{"tiny MaxCells", road, 810, coverage.IsochroneOptions{MaxCells: 10}},
		{"NaN distance", bad(func(e *coverage.ReachedEdge) { e.DStart = math.NaN() }), 810, coverage.IsochroneOptions{}},
		{"negative distance", bad(func(e *coverage.ReachedEdge) { e.DEnd = -1 }), 810, coverage.IsochroneOptions{}},
		{"NaN coordinate", bad(func(e *coverage.ReachedEdge) { e.Line[1][0] = math.NaN() }), 810, coverage.IsochroneOptions{}},
		{"latitude out of range", bad(func(e *coverage.ReachedEdge) { e.Line[0] = orb.Point{29.55, 106.45} }), 810, coverage.IsochroneOptions{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := coverage.IsochronePolygon(tc.edges, tc.limit, tc.opt)
			if diming.Code(err) != diming.EINVALID {
				t.Fatalf("error %v, want %s", err, diming.EINVALID)
			}
			zh, en := diming.Messages(err)
			if zh == "" || en == "" || zh == en {
				t.Fatalf("messages %q / %q: want Chinese and English", zh, en)
			}
		})
	}
}

// ExampleIsochronePolygon draws the 15-minute walk (810 m) along one street
// that runs 1.2 km each way from the source: a band 50 m either side of it,
// ending in half-disks where the walk runs out.
func ExampleIsochronePolygon() {
	proj := geo.NewLocalProjection(orb.Point{106.45, 29.55})
	edges := []coverage.ReachedEdge{
		{Line: orb.LineString{proj.Inverse(orb.Point{0, 0}), proj.Inverse(orb.Point{1200, 0})}, DStart: 0, DEnd: math.Inf(1)},
		{Line: orb.LineString{proj.Inverse(orb.Point{0, 0}), proj.Inverse(orb.Point{-1200, 0})}, DStart: 0, DEnd: math.Inf(1)},
	}
	iso, err := coverage.IsochronePolygon(edges, 810, coverage.IsochroneOptions{Resolution: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d polygon, %.1f ha (analytic %.1f ha) at %g m\n",
		len(iso.Polygon), iso.Area/1e4, (2*760*100+math.Pi*50*50)/1e4, iso.Resolution)
	// Output: 1 polygon, 16.0 ha (analytic 16.0 ha) at 10 m
}

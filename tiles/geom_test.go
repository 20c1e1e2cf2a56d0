package tiles

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	sf "github.com/peterstace/simplefeatures/geom"

	"diming/geo"
)

// sfValid is simplefeatures' OGC validity check, a second opinion on
// polygonValid.
func sfValid(rings []orb.Ring) bool {
	p := make(orb.Polygon, len(rings))
	for i, r := range rings {
		p[i] = append(append(orb.Ring(nil), r...), r[0])
	}
	return geo.ToSF(orb.MultiPolygon{p}).Validate() == nil
}

// sfArea is the area of polygons with simplefeatures.
func sfArea(polys []orb.Polygon) float64 {
	a := 0.0
	for _, p := range polys {
		closed := make(orb.Polygon, len(p))
		for i, r := range p {
			closed[i] = append(append(orb.Ring(nil), r...), r[0])
		}
		a += geo.ToSF(orb.MultiPolygon{closed}).Area()
	}
	return a
}

func square(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}} // positive (exterior) in tile coordinates
}

func TestSnapRing(t *testing.T) {
	cases := []struct {
		name string
		in   orb.Ring
		want orb.Ring
	}{
		{"rounds and closes open", orb.Ring{{0.4, 0.4}, {10.2, 0}, {10, 9.6}, {0, 10}, {0.4, 0.4}}, orb.Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}}},
		{"repeated points", orb.Ring{{0, 0}, {0.2, 0}, {10, 0}, {10, 10}, {10.1, 10.2}, {0, 10}}, orb.Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}}},
		{"collinear point", orb.Ring{{0, 0}, {5, 0}, {10, 0}, {10, 10}, {0, 10}}, orb.Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}}},
		{"spike", orb.Ring{{0, 0}, {10, 0}, {10, 5}, {20, 5}, {10, 5}, {10, 10}, {0, 10}}, orb.Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}}},
		{"seam collinear", orb.Ring{{5, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, orb.Ring{{10, 0}, {10, 10}, {0, 10}, {0, 0}}},
		{"collapses to a line", orb.Ring{{0, 0}, {10, 0.2}, {20, 0.4}, {0, 0}}, nil},
		{"collapses to a point", orb.Ring{{0.1, 0.1}, {0.2, 0.3}, {0.4, 0.1}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := snapRing(tc.in)
			if !orb.Equal(got, tc.want) && !(got == nil && tc.want == nil) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWinding(t *testing.T) {
	// MVT 2.1 4.3.4.4: an exterior ring has a positive area by the
	// surveyor's formula in tile coordinates (y down), i.e. it runs
	// clockwise on screen; interior rings the other way.
	cw := orb.Ring{{0, 0}, {100, 0}, {100, 100}, {0, 100}}   // on screen (y down): right, down, left: clockwise
	hole := orb.Ring{{10, 10}, {10, 20}, {20, 20}, {20, 10}} // on screen: counter-clockwise
	if area2(cw) <= 0 || area2(hole) >= 0 {
		t.Fatalf("area2: %v, %v", area2(cw), area2(hole))
	}
	// Whatever the input winding, snapPolygon winds exterior positive and
	// interior negative.
	for _, p := range []orb.Polygon{{cw, hole}, {reversed(cw), reversed(hole)}, {reversed(cw), hole}} {
		rings, ok := snapPolygon(p, 1)
		if !ok || len(rings) != 2 || area2(rings[0]) <= 0 || area2(rings[1]) >= 0 {
			t.Errorf("%v: %v", p, rings)
		}
	}
	// area2 is exact far from the origin (global grid at zoom 18).
	far := orb.Ring{{1 << 30, 1 << 30}, {1<<30 + 1, 1 << 30}, {1<<30 + 1, 1<<30 + 1}}
	if area2(far) != 1 {
		t.Errorf("area2 far from the origin = %v, want 1", area2(far))
	}
}

func reversed(r orb.Ring) orb.Ring {
	out := append(orb.Ring(nil), r...)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func TestPolygonValid(t *testing.T) {
	cases := []struct {
		name  string
		rings []orb.Ring
		want  bool
	}{
		{"square", []orb.Ring{square(0, 0, 10, 10)}, true},
		{"square with hole", []orb.Ring{square(0, 0, 10, 10), reversed(square(2, 2, 4, 4))}, true},
		{"bow tie", []orb.Ring{{{0, 0}, {10, 10}, {10, 0}, {0, 10}}}, false},
		{"pinch at a vertex", []orb.Ring{{{0, 0}, {10, 0}, {5, 5}, {10, 10}, {0, 10}, {5, 5}}}, false},
		{"vertex on an edge", []orb.Ring{{{0, 0}, {10, 0}, {10, 10}, {5, 0}, {0, 10}}}, false},
		{"hole touching the shell", []orb.Ring{square(0, 0, 10, 10), reversed(square(0, 2, 4, 4))}, false},
		{"hole outside", []orb.Ring{square(0, 0, 10, 10), reversed(square(20, 2, 24, 4))}, false},
		{"hole in a hole", []orb.Ring{square(0, 0, 10, 10), reversed(square(1, 1, 9, 9)), reversed(square(3, 3, 5, 5))}, false},
		{"crossing holes", []orb.Ring{square(0, 0, 10, 10), reversed(square(1, 1, 5, 5)), reversed(square(3, 3, 7, 7))}, false},
		{"spike", []orb.Ring{{{0, 0}, {10, 0}, {20, 0}, {10, 0}, {10, 10}, {0, 10}}}, false},
		{"two points", []orb.Ring{{{0, 0}, {10, 0}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := polygonValid(tc.rings); got != tc.want {
				t.Fatalf("polygonValid = %v, want %v", got, tc.want)
			}
			if got := sfValid(tc.rings); got != tc.want && tc.name != "hole touching the shell" {
				// OGC allows a hole to touch the shell at a point, MVT 2.1
				// does not; simplefeatures otherwise agrees.
				t.Errorf("simplefeatures says %v", got)
			}
		})
	}
	// The sweep (used from 65 vertices) and the pairwise check agree on
	// random polygons.
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 300; i++ {
		n := 20 + rng.IntN(60)
		r := make(orb.Ring, n)
		for k := range r {
			a := 2 * math.Pi * float64(k) / float64(n)
			rad := 100 + rng.Float64()*float64(50+rng.IntN(300))
			r[k] = snap(orb.Point{1000 + rad*math.Cos(a), 1000 + rad*math.Sin(a)})
		}
		r = snapRing(r)
		if r == nil {
			continue
		}
		if edgesApartSmall([]orb.Ring{r}) != edgesApartSweep([]orb.Ring{r}) {
			t.Fatalf("sweep and pairwise disagree on %v", r)
		}
		if pv, sv := polygonValid([]orb.Ring{r}), sfValid([]orb.Ring{r}); pv && !sv {
			t.Fatalf("polygonValid accepts what simplefeatures rejects: %v", r)
		}
	}
}

// clipBoth clips rings (tile units) with clipRings and compares the area
// with the exact intersection by simplefeatures; the parts must be valid.
func clipBoth(t *testing.T, rings []orb.Ring) []orb.Polygon {
	t.Helper()
	parts := clipRings(rings)
	for _, p := range parts {
		// Before snapping, the parts are valid but for zero-area pieces
		// along the border, which snapping removes (as Render does).
		if snapped, ok := snapPolygon(p, 0.5); ok && (!sfValid(snapped) || !polygonValid(snapped)) {
			t.Fatalf("invalid part %v", p)
		}
	}
	closed := make(orb.Polygon, len(rings))
	for i, r := range rings {
		closed[i] = append(append(orb.Ring(nil), r...), r[0])
	}
	want, err := sf.Intersection(geo.ToSF(orb.MultiPolygon{closed}).AsGeometry(), boxGeometryForTest())
	if err != nil {
		t.Fatal(err)
	}
	if got := sfArea(parts); math.Abs(got-want.Area()) > 1e-6*math.Max(1, want.Area()) {
		t.Fatalf("clipped area %v, exact %v (parts %v)", got, want.Area(), parts)
	}
	return parts
}

func boxGeometryForTest() sf.Geometry {
	return sf.NewEnvelope(sf.XY{X: clipBox.Min[0], Y: clipBox.Min[1]}, sf.XY{X: clipBox.Max[0], Y: clipBox.Max[1]}).AsGeometry()
}

func TestClipRings(t *testing.T) {
	const lo, hi = -Buffer, Extent + Buffer
	t.Run("inside", func(t *testing.T) {
		if parts := clipBoth(t, []orb.Ring{square(10, 10, 20, 20)}); len(parts) != 1 || len(parts[0][0]) != 4 {
			t.Fatal(parts)
		}
	})
	t.Run("outside", func(t *testing.T) {
		if parts := clipBoth(t, []orb.Ring{square(hi+10, 0, hi+20, 10)}); len(parts) != 0 {
			t.Fatal(parts)
		}
	})
	t.Run("holds the box", func(t *testing.T) {
		parts := clipBoth(t, []orb.Ring{square(-9000, -9000, 9000, 9000)})
		if len(parts) != 1 || !orb.Equal(parts[0][0], boxRing()) {
			t.Fatal(parts)
		}
	})
	t.Run("hole holds the box", func(t *testing.T) {
		if parts := clipBoth(t, []orb.Ring{square(-9000, -9000, 9000, 9000), reversed(square(-8000, -8000, 8000, 8000))}); len(parts) != 0 {
			t.Fatal(parts)
		}
	})
	t.Run("crosses one side", func(t *testing.T) {
		if parts := clipBoth(t, []orb.Ring{square(100, -500, 200, 200)}); len(parts) != 1 {
			t.Fatal(parts)
		}
	})
	t.Run("corner", func(t *testing.T) {
		clipBoth(t, []orb.Ring{{{-200, 300}, {300, -200}, {600, 600}}})
	})
	t.Run("out and back on the same side", func(t *testing.T) {
		// An upside-down U whose bridge lies beyond the top: two separate
		// arms, where Sutherland–Hodgman gives one ring running back and
		// forth along the border.
		u := orb.Ring{{100, 500}, {100, -500}, {400, -500}, {400, 500}, {300, 500}, {300, -300}, {200, -300}, {200, 500}}
		if area2(u) < 0 {
			u = reversed(u)
		}
		if parts := clipBoth(t, []orb.Ring{u}); len(parts) != 2 {
			t.Fatalf("%d parts: %v", len(parts), parts)
		}
	})
	t.Run("hole across the border", func(t *testing.T) {
		shell := square(-1000, -1000, 1000, 1000)
		h := reversed(square(100, -300, 300, 300))
		parts := clipBoth(t, []orb.Ring{shell, h})
		if len(parts) != 1 || len(parts[0]) != 1 {
			t.Fatalf("want one polygon with the hole opened into a bay: %v", parts)
		}
	})
	t.Run("hole inside", func(t *testing.T) {
		parts := clipBoth(t, []orb.Ring{square(-1000, -1000, 1000, 1000), reversed(square(100, 100, 300, 300))})
		if len(parts) != 1 || len(parts[0]) != 2 {
			t.Fatal(parts)
		}
	})
	t.Run("along the border", func(t *testing.T) {
		clipBoth(t, []orb.Ring{square(lo, 100, 200, 300)})
		clipBoth(t, []orb.Ring{square(lo-50, 100, lo, 300)})
	})
	t.Run("random", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 500; i++ {
			n := 5 + rng.IntN(40)
			cx, cy := rng.Float64()*6000-1000, rng.Float64()*6000-1000
			r := make(orb.Ring, n)
			for k := range r {
				a := 2 * math.Pi * float64(k) / float64(n)
				rad := 200 + rng.Float64()*3000
				r[k] = snap(orb.Point{cx + rad*math.Cos(a), cy + rad*math.Sin(a)})
			}
			r = snapRing(r)
			if r == nil || !polygonValid([]orb.Ring{r}) {
				continue
			}
			if area2(r) < 0 {
				r = reversed(r)
			}
			clipBoth(t, []orb.Ring{r})
		}
	})
}

func TestRepairPolygon(t *testing.T) {
	// Two squares the grid made touch at a corner, as one ring.
	eight := orb.Ring{{0, 0}, {10, 0}, {10, 10}, {20, 10}, {20, 20}, {10, 20}, {10, 10}, {0, 10}}
	if polygonValid([]orb.Ring{eight}) {
		t.Fatal("a figure eight is valid?")
	}
	fixed := repairPolygon([]orb.Ring{eight}, 1)
	if len(fixed) != 2 || !polygonValid(fixed[0]) || !polygonValid(fixed[1]) || area2(fixed[0][0])+area2(fixed[1][0]) != 400 {
		t.Fatalf("repair: %v", fixed)
	}
	// A notch whose tip the grid put on the opposite edge.
	notch := orb.Ring{{0, 0}, {20, 0}, {20, 10}, {12, 10}, {10, 0}, {8, 10}, {0, 10}}
	if polygonValid([]orb.Ring{notch}) {
		t.Fatal("a vertex on an edge is valid?")
	}
	if fixed := repairPolygon([]orb.Ring{notch}, 1); len(fixed) != 2 {
		t.Fatalf("notch: %v", fixed)
	}
	// A bow tie cannot be repaired by cutting at vertices: dropped.
	if fixed := repairPolygon([]orb.Ring{{{0, 0}, {10, 10}, {10, 0}, {0, 10}}}, 1); len(fixed) != 0 {
		t.Fatalf("bow tie: %v", fixed)
	}
}

// TestGeneraliseKeepsValidity: Douglas–Peucker on its own can make a
// polygon invalid (a ring crossing itself or a hole); generalise then
// backs off, so every generalised polygon is valid.
func TestGeneraliseKeepsValidity(t *testing.T) {
	// A round shell (a 64-gon of radius 100) with a hole close to its
	// edge: Douglas–Peucker cuts the shell's arc across the hole.
	var shell orb.Ring
	for k := 0; k <= 64; k++ {
		a := -2 * math.Pi * float64(k%64) / 64
		shell = append(shell, orb.Point{100 * math.Cos(a), 100 * math.Sin(a)})
	}
	// An 8 × 8 hole reaching to 1.25 from the shell near -π/16, where
	// Douglas–Peucker replaces the arc by a chord (from 0 to -π/8 at
	// tolerance 5) that passes more than 6 inside.
	c := orb.Point{94 * math.Cos(-math.Pi/16), 94 * math.Sin(-math.Pi/16)}
	hole := orb.Ring{{c[0] - 4, c[1] - 4}, {c[0] + 4, c[1] - 4}, {c[0] + 4, c[1] + 4}, {c[0] - 4, c[1] + 4}, {c[0] - 4, c[1] - 4}}
	p := orb.Polygon{shell, hole}
	if err := geo.ToSF(orb.MultiPolygon{p}).Validate(); err != nil {
		t.Fatalf("the test polygon is invalid: %v", err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	invalidRaw := 0
	for _, tol := range []float64{0.5, 2, 5, 20, 60} {
		g := generalise(p, tol).(orb.MultiPolygon)
		if err := geo.ToSF(g).Validate(); err != nil {
			t.Errorf("tolerance %v: invalid: %v", tol, err)
		}
		// Plain Douglas–Peucker (what generalise guards against).
		if s := simplifyPolygon(p, tol); s != nil && geo.ToSF(orb.MultiPolygon{s}).Validate() != nil {
			invalidRaw++
		}
	}
	// Random star polygons with holes.
	for i := 0; i < 200; i++ {
		n := 30 + rng.IntN(100)
		r := make(orb.Ring, n+1)
		for k := 0; k < n; k++ {
			a := -2 * math.Pi * float64(k) / float64(n)
			rad := 50 + rng.Float64()*50
			r[k] = orb.Point{rad * math.Cos(a), rad * math.Sin(a)}
		}
		r[n] = r[0]
		h := orb.Ring{{-5, -5}, {-5, 5}, {5, 5}, {5, -5}, {-5, -5}}
		poly := orb.Polygon{r, h}
		if planar.Area(poly) <= 0 || geo.ToSF(orb.MultiPolygon{poly}).Validate() != nil {
			continue
		}
		for _, tol := range []float64{1, 8, 30} {
			if err := geo.ToSF(generalise(poly, tol).(orb.MultiPolygon)).Validate(); err != nil {
				t.Fatalf("tolerance %v: %v", tol, err)
			}
		}
	}
	t.Logf("plain Douglas–Peucker made the polygon invalid at %d of 5 tolerances", invalidRaw)
	if invalidRaw == 0 {
		t.Error("the polygon never became invalid under plain Douglas–Peucker: the test proves nothing")
	}
}

package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	sf "github.com/peterstace/simplefeatures/geom"
)

func randomSeeds(r *rand.Rand, n int, b orb.Bound) []orb.Point {
	out := make([]orb.Point, n)
	for i := range out {
		out[i] = orb.Point{
			b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]),
			b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1]),
		}
	}
	return out
}

func nearest(seeds []orb.Point, p orb.Point) (int, float64) {
	best, bd := -1, math.Inf(1)
	for i, s := range seeds {
		if d := planar.DistanceSquared(p, s); d < bd {
			best, bd = i, d
		}
	}
	return best, bd
}

func TestVoronoiCells(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	box := orb.Bound{Min: orb.Point{-1000, -500}, Max: orb.Point{3000, 2500}}
	seeds := randomSeeds(r, 40, box)
	cells, err := VoronoiCells(seeds, box)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	vertices := map[orb.Point]int{}
	for i, c := range cells {
		if len(c) < 4 || c[0] != c[len(c)-1] {
			t.Fatalf("cell %d is not a closed ring: %v", i, c)
		}
		if planar.Area(c) <= 0 {
			t.Errorf("cell %d is not counter-clockwise", i)
		}
		if !planar.RingContains(c, seeds[i]) {
			t.Errorf("cell %d does not hold its seed", i)
		}
		sum += math.Abs(planar.Area(c))
		for _, p := range c[:len(c)-1] {
			vertices[p]++
		}
	}
	boxArea := (box.Max[0] - box.Min[0]) * (box.Max[1] - box.Min[1])
	if math.Abs(sum-boxArea) > 1e-9*boxArea {
		t.Errorf("cells cover %.6f, box %.6f", sum, boxArea)
	}
	// Every vertex inside the box is shared by at least three cells, bit for bit;
	// on the box sides by two, the corners by one.
	for p, n := range vertices {
		onX := p[0] == box.Min[0] || p[0] == box.Max[0]
		onY := p[1] == box.Min[1] || p[1] == box.Max[1]
		want := 3
		switch {
		case onX && onY:
			want = 1
		case onX || onY:
			want = 2
		}
		if n < want {
			t.Errorf("vertex %v is in %d cells, want at least %d", p, n, want)
		}
	}
	// Points belong to the cell of their nearest seed.
	for k := 0; k < 2000; k++ {
		p := randomSeeds(r, 1, box)[0]
		i, _ := nearest(seeds, p)
		if !planar.RingContains(cells[i], p) {
			t.Fatalf("%v is nearest to seed %d but outside its cell", p, i)
		}
	}
}

func TestVoronoiCellsErrors(t *testing.T) {
	box := orb.Bound{Max: orb.Point{10, 10}}
	if _, err := VoronoiCells([]orb.Point{{1, 1}, {1, 1}}, box); err == nil {
		t.Error("duplicate seeds accepted")
	}
	if _, err := VoronoiCells([]orb.Point{{1, math.NaN()}}, box); err == nil {
		t.Error("NaN seed accepted")
	}
	cells, err := VoronoiCells([]orb.Point{{1, 1}, {20, 20}}, box)
	if err != nil {
		t.Fatal(err)
	}
	if cells[1] != nil || planar.Area(cells[0]) != 100 {
		t.Errorf("seed outside the box: got cells %v", cells)
	}
	// Collinear and symmetric seeds (degenerate circumcentres) still work.
	cells, err = VoronoiCells([]orb.Point{{2, 5}, {5, 5}, {8, 5}}, box)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{35, 30, 35} {
		if a := planar.Area(cells[i]); math.Abs(a-want) > 1e-9 {
			t.Errorf("cell %d area %v, want %v", i, a, want)
		}
	}
}

func sfArea(t *testing.T, g sf.Geometry) float64 {
	t.Helper()
	return math.Abs(planar.Area(FromSF(g)))
}

// A U-shaped region: the cell of a seed in the middle of the bottom bar
// reaches up into both arms, but the arms' pieces go to the arms' seeds.
func TestVoronoiPartitionNonConvex(t *testing.T) {
	u := orb.MultiPolygon{{{
		{0, 0}, {30, 0}, {30, 30}, {20, 30}, {20, 10}, {10, 10}, {10, 30}, {0, 30}, {0, 0},
	}}}
	seeds := []orb.Point{{15, 5}, {5, 25}, {25, 25}, {5, 11}}
	parts, err := VoronoiPartition(u, seeds)
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, u, parts, seeds)

	// Here the cell of the seed at the top of the left arm also takes the top
	// of the right arm: that piece must go to the right arm's seed.
	seeds = []orb.Point{{5, 28}, {2, 2}, {25, 2}}
	cells, err := VoronoiCells(seeds, orb.Bound{Min: orb.Point{-100, -100}, Max: orb.Point{100, 100}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sf.Intersection(ToSF(orb.MultiPolygon{{cells[0]}}).AsGeometry(), ToSF(u).AsGeometry())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(FromSF(raw)); n != 2 {
		t.Fatalf("test set-up: the raw cell has %d pieces, want 2", n)
	}
	parts, err = VoronoiPartition(u, seeds)
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, u, parts, seeds)
	if !planar.MultiPolygonContains(parts[2], orb.Point{25, 29}) {
		t.Error("the top of the right arm did not go to the right arm's seed")
	}
}

func TestVoronoiPartitionRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	region := orb.MultiPolygon{{{
		{0, 0}, {5000, 400}, {4200, 2600}, {6000, 5000}, {2500, 4200}, {2400, 2000}, {800, 4800}, {-300, 2500}, {0, 0},
	}}}
	var seeds []orb.Point
	for len(seeds) < 30 {
		p := randomSeeds(r, 1, region.Bound())[0]
		if planar.MultiPolygonContains(region, p) {
			seeds = append(seeds, p)
		}
	}
	parts, err := VoronoiPartition(region, seeds)
	if err != nil {
		t.Fatal(err)
	}
	checkPartition(t, region, parts, seeds)
}

func checkPartition(t *testing.T, region orb.MultiPolygon, parts []orb.MultiPolygon, seeds []orb.Point) {
	t.Helper()
	ra := planar.Area(region)
	sum := 0.0
	gs := make([]sf.Geometry, len(parts))
	for i, p := range parts {
		if err := ToSF(p).Validate(); err != nil {
			t.Errorf("part %d invalid: %v", i, err)
		}
		if len(p) != 1 {
			t.Errorf("part %d has %d pieces", i, len(p))
		}
		if !planar.MultiPolygonContains(p, seeds[i]) {
			t.Errorf("part %d does not hold its seed", i)
		}
		sum += math.Abs(planar.Area(p))
		gs[i] = ToSF(p).AsGeometry()
	}
	if math.Abs(sum-ra) > 1e-9*ra {
		t.Errorf("parts cover %.9g, region %.9g", sum, ra)
	}
	for i := range gs {
		for j := i + 1; j < len(gs); j++ {
			g, err := sf.Intersection(gs[i], gs[j])
			if err != nil {
				t.Fatal(err)
			}
			if a := sfArea(t, g); a > 1e-9*ra {
				t.Errorf("parts %d and %d overlap by %g", i, j, a)
			}
		}
	}
	un, err := sf.UnionMany(gs)
	if err != nil {
		t.Fatal(err)
	}
	x, err := sf.SymmetricDifference(un, ToSF(region).AsGeometry())
	if err != nil {
		t.Fatal(err)
	}
	if a := sfArea(t, x); a > 1e-9*ra {
		t.Errorf("union of the parts differs from the region by %g", a)
	}
}

func TestVoronoiPartitionErrors(t *testing.T) {
	sq := orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}
	if _, err := VoronoiPartition(sq, nil); err == nil {
		t.Error("no seeds accepted")
	}
	if _, err := VoronoiPartition(sq, []orb.Point{{0.5, 0.5}, {2, 2}}); err == nil {
		t.Error("seed outside the region accepted")
	}
	parts, err := VoronoiPartition(sq, []orb.Point{{0.5, 0.5}})
	if err != nil || len(parts) != 1 || math.Abs(planar.Area(parts[0])-1) > 1e-12 {
		t.Errorf("one seed: %v, %v", parts, err)
	}
}

func TestNodeSharedAndRound(t *testing.T) {
	// A square and a smaller square against the middle of its right side:
	// the big square gets the small one's two vertices on its side.
	big := orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}
	small := orb.MultiPolygon{{{{1, 0.25}, {1.5, 0.25}, {1.5, 0.75}, {1, 0.75}, {1, 0.25}}}}
	// A third shape whose vertex is 1e-12 off the big square's top side.
	near := orb.MultiPolygon{{{{0.3, 1 + 1e-12}, {0.6, 2}, {0.2, 2}, {0.3, 1 + 1e-12}}}}
	out := NodeShared([]orb.MultiPolygon{big, small, near}, 1e-9)
	want := orb.Ring{{0, 0}, {1, 0}, {1, 0.25}, {1, 0.75}, {1, 1}, {0.3, 1 + 1e-12}, {0, 1}, {0, 0}}
	if !out[0][0][0].Equal(want) {
		t.Errorf("noded big square %v, want %v", out[0][0][0], want)
	}
	if !out[1].Equal(small) || !out[2].Equal(near) {
		t.Errorf("shapes without vertices on them changed: %v %v", out[1], out[2])
	}
	if !big[0][0].Equal(orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}) {
		t.Error("NodeShared changed its input")
	}
	r := RoundMultiPolygon(out[0], 1e-7)
	want[5] = orb.Point{0.3, 1}
	if !r[0][0].Equal(want) {
		t.Errorf("rounded %v, want %v", r[0][0], want)
	}
	// A ring that rounds to nothing is dropped, and duplicates are removed.
	tiny := orb.MultiPolygon{
		{{{0, 0}, {1e-9, 0}, {1e-9, 1e-9}, {0, 0}}},
		{{{0, 0}, {1, 0}, {1, 1e-9}, {1, 1}, {0, 0}}},
	}
	r = RoundMultiPolygon(tiny, 1e-7)
	if len(r) != 1 || !r[0][0].Equal(orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}) {
		t.Errorf("rounded %v", r)
	}
	if got := RoundMultiPolygon(orb.MultiPolygon{{{{106.45343199999996, 29.67152399999999}}}}, 1e-7); len(got) != 0 {
		t.Errorf("a one-point ring survived: %v", got)
	}
	if v := RoundMultiPolygon(orb.MultiPolygon{{{{106.45343199999996, 29.67152399999999}, {107, 29.67152399999999}, {107, 30}, {106.45343199999996, 29.67152399999999}}}}, 1e-7)[0][0][0]; v != (orb.Point{106.453432, 29.671524}) {
		t.Errorf("rounded to %v", v)
	}
}

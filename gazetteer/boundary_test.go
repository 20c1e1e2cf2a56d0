package gazetteer_test

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"

	"diming/demo"
	"diming/gazetteer"
	"diming/geo"
)

func demoDivisions(tb testing.TB) []gazetteer.Division {
	tb.Helper()
	ds, err := demo.Divisions()
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

func relClose(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// TestBoundaryDemoClean: the demo tiles exactly, so no level has overlaps,
// gaps or parts outside the parent, and the lines account for every metre of
// every boundary.
func TestBoundaryDemoClean(t *testing.T) {
	ds := demoDivisions(t)
	byCode := map[string]gazetteer.Division{}
	perimeter := map[gazetteer.Level]float64{}
	count := map[gazetteer.Level]int{}
	for _, d := range ds {
		byCode[d.Code] = d
		perimeter[d.Level] += geo.Length(d.Geometry)
		count[d.Level]++
	}
	district := perimeter[gazetteer.LevelDistrict]

	for _, level := range gazetteer.Levels {
		t.Run(string(level), func(t *testing.T) {
			rep, err := gazetteer.CheckTopology(ds, level, gazetteer.TopologyConfig{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Overlaps)+len(rep.Gaps)+len(rep.Outside) != 0 {
				t.Fatalf("demo %s: %d overlaps %+v, %d gaps, %d outside", level,
					len(rep.Overlaps), rep.Overlaps, len(rep.Gaps), len(rep.Outside))
			}
			if rep.Checked != count[level] || rep.SliverM2 != 1 || rep.Level != level {
				t.Fatalf("report header %+v, want %d checked, sliver 1", rep, count[level])
			}

			lines := gazetteer.DeriveBoundaryLines(ds, level)
			var internal, outer float64
			ids := map[string]bool{}
			for k, l := range lines {
				if k > 0 && lines[k-1].ID >= l.ID {
					t.Fatalf("lines not ordered by ID: %s then %s", lines[k-1].ID, l.ID)
				}
				ids[l.ID] = true
				if l.Level != level || l.ID != l.LeftCode+"|"+l.RightCode || len(l.Geometry) == 0 {
					t.Fatalf("bad line %+v", l)
				}
				if got := geo.Length(l.Geometry); got != l.LengthM || got <= 0 {
					t.Fatalf("%s: LengthM %.3f, geometry %.3f", l.ID, l.LengthM, got)
				}
				left := byCode[l.LeftCode]
				if left.Level != level || left.Name != l.LeftName {
					t.Fatalf("%s: left %q is not a %s unit", l.ID, l.LeftCode, level)
				}
				checkLeftSide(t, l, left.Geometry)
				if l.RightCode == "" {
					outer += l.LengthM
					continue
				}
				internal += l.LengthM
				right := byCode[l.RightCode]
				if right.Level != level || right.Name != l.RightName || l.LeftCode >= l.RightCode {
					t.Fatalf("%s: bad right side %q", l.ID, l.RightCode)
				}
				// Real neighbours: the polygons touch (boundaries meet, interiors do not).
				touch, err := sf.Touches(geo.ToSF(left.Geometry).AsGeometry(), geo.ToSF(right.Geometry).AsGeometry())
				if err != nil || !touch {
					t.Fatalf("%s: %s and %s do not touch (%v)", l.ID, l.LeftName, l.RightName, err)
				}
			}
			if level == gazetteer.LevelDistrict && (len(lines) != 1 || lines[0].ID != "500106000000|") {
				t.Fatalf("district lines: %+v", lines)
			}
			// Σ perimeters = 2 × internal + outer, and the outer lines are the district outline.
			if sum := 2*internal + outer; !relClose(sum, perimeter[level], 1e-3) {
				t.Fatalf("Σ perimeter %.1f m, 2×internal + outer = %.1f m", perimeter[level], sum)
			}
			if !relClose(outer, district, 1e-3) {
				t.Fatalf("outer lines %.1f m, district outline %.1f m", outer, district)
			}
			t.Logf("%s: %d lines, internal %.1f km, outer %.1f km", level, len(lines), internal/1000, outer/1000)
			if level == gazetteer.LevelTownship && len(ids) < 40 {
				t.Fatalf("only %d township lines", len(ids))
			}
		})
	}
}

// checkLeftSide checks that the left unit lies to the left of the first
// segment of each part of l, half a metre (or a twentieth of the segment)
// off its middle.
func checkLeftSide(t *testing.T, l gazetteer.BoundaryLine, left orb.MultiPolygon) {
	t.Helper()
	for _, ls := range l.Geometry {
		if len(ls) < 2 {
			t.Fatalf("%s: degenerate part %v", l.ID, ls)
		}
		// The longest segment, so half a metre stays inside the unit.
		best := 1
		for i := 2; i < len(ls); i++ {
			if geo.Distance(ls[i-1], ls[i]) > geo.Distance(ls[best-1], ls[best]) {
				best = i
			}
		}
		a, b := ls[best-1], ls[best]
		mid := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
		proj := geo.NewLocalProjection(mid)
		pa, pb := proj.Forward(a), proj.Forward(b)
		dx, dy := pb[0]-pa[0], pb[1]-pa[1]
		n := math.Hypot(dx, dy)
		off := math.Min(0.5, n/20)
		probe := proj.Inverse(orb.Point{-dy / n * off, dx / n * off})
		if !geo.MultiPolygonContains(left, probe) {
			t.Fatalf("%s: %s is not on the left of the line", l.ID, l.LeftCode)
		}
	}
}

// brokenDataset is the demo with two deliberate faults and the expected
// findings, built so the areas can be checked by hand.
type brokenDataset struct {
	ds []gazetteer.Division
	// A village V pushed about 50 m into its neighbour W of the same
	// township: a triangle on a shared edge of length base with apex 50 m
	// inside W.
	overlapA, overlapB string
	overlapTri         orb.Polygon
	overlapBase        float64
	// A street (街道) T pulled 3 m back from its neighbouring street S: a
	// triangle on a shared edge that is now in the district but in no
	// township; the village X of T on that edge now sticks out of T.
	gapT, gapS, gapVillage string
	gapTri                 orb.Polygon
	gapBase                float64
}

const (
	overlapDepth = 50.0 // m
	gapDepth     = 3.0  // m
)

func newBrokenDataset(tb testing.TB) brokenDataset {
	tb.Helper()
	ds := demoDivisions(tb)
	var b brokenDataset
	idx := map[string]int{}
	for i, d := range ds {
		idx[d.Code] = i
	}
	// Gap first: two streets with a long shared edge.
	tIdx, ti, tri, base, sCode := pushEdge(tb, ds, gazetteer.LevelTownship, gapDepth, false, func(a, c gazetteer.Division) bool {
		return strings.HasSuffix(a.Name, "街道") && strings.HasSuffix(c.Name, "街道")
	})
	b.gapT, b.gapS, b.gapTri, b.gapBase = ds[tIdx].Code, sCode, tri, base
	p, q := ds[tIdx].Geometry[0][0][ti-1], ds[tIdx].Geometry[0][0][ti+1]
	for _, d := range ds {
		if d.Level == gazetteer.LevelVillage && d.ParentCode == b.gapT && hasEdge(d.Geometry, p, q) {
			b.gapVillage = d.Code
		}
	}
	if b.gapVillage == "" {
		tb.Fatal("no village of the street on the gap edge")
	}
	// Overlap: a village pushed into its neighbour, away from both streets.
	vIdx, _, tri, base, wCode := pushEdge(tb, ds, gazetteer.LevelVillage, overlapDepth, true, func(a, c gazetteer.Division) bool {
		return a.ParentCode == c.ParentCode && a.ParentCode != b.gapT && a.ParentCode != b.gapS
	})
	b.overlapA, b.overlapB, b.overlapTri, b.overlapBase = ds[vIdx].Code, wCode, tri, base
	if b.overlapB < b.overlapA {
		b.overlapA, b.overlapB = b.overlapB, b.overlapA
	}
	for _, d := range ds {
		if err := d.Validate(); err != nil {
			tb.Fatal(err)
		}
	}
	b.ds = ds
	return b
}

func hasEdge(mp orb.MultiPolygon, p, q orb.Point) bool {
	for _, poly := range mp {
		for _, r := range poly {
			for i := 1; i < len(r); i++ {
				if (r[i-1] == p && r[i] == q) || (r[i-1] == q && r[i] == p) {
					return true
				}
			}
		}
	}
	return false
}

// pushEdge finds a unit of level with an outer-ring edge of 150 m or more
// shared with another unit for which ok holds, and inserts a vertex in the
// middle of that edge, depth metres out into the neighbour (outward) or into
// the unit itself (inward). It returns the unit's position in ds, the new
// vertex's position in its first ring, the triangle cut or added, the edge's
// length in metres and the neighbour's code.
func pushEdge(tb testing.TB, ds []gazetteer.Division, level gazetteer.Level, depth float64, outward bool,
	ok func(a, c gazetteer.Division) bool) (int, int, orb.Polygon, float64, string) {
	tb.Helper()
	for ui, u := range ds {
		if u.Level != level || len(u.Geometry) != 1 {
			continue
		}
		ring := u.Geometry[0][0]
		for i := 1; i < len(ring); i++ {
			p, q := ring[i-1], ring[i]
			mid := orb.Point{(p[0] + q[0]) / 2, (p[1] + q[1]) / 2}
			proj := geo.NewLocalProjection(mid)
			pp, pq := proj.Forward(p), proj.Forward(q)
			base := math.Hypot(pq[0]-pp[0], pq[1]-pp[1])
			if base < 150 {
				continue
			}
			for _, c := range ds {
				if c.Level != level || c.Code == u.Code || !ok(u, c) || !hasEdge(c.Geometry, p, q) {
					continue
				}
				target := c.Geometry // the unit the apex must lie in
				if !outward {
					target = u.Geometry
				}
				nx, ny := -(pq[1]-pp[1])/base, (pq[0]-pp[0])/base
				for _, s := range []float64{1, -1} {
					apex := proj.Inverse(orb.Point{s * depth * nx, s * depth * ny})
					tri := orb.Polygon{orb.Ring{p, apex, q, p}}
					if !geo.MultiPolygonContains(target, apex) || !within(tri, target) {
						continue
					}
					nr := append(append(append(orb.Ring{}, ring[:i]...), apex), ring[i:]...)
					ds[ui].Geometry = orb.MultiPolygon{append(orb.Polygon{nr}, u.Geometry[0][1:]...)}
					return ui, i, tri, base, c.Code
				}
			}
		}
	}
	tb.Fatalf("no %s edge to push", level)
	return 0, 0, nil, 0, ""
}

// within says whether tri lies inside mp (up to float noise).
func within(tri orb.Polygon, mp orb.MultiPolygon) bool {
	d, err := sf.Difference(geo.ToSF(orb.MultiPolygon{tri}).AsGeometry(), geo.ToSF(mp).AsGeometry())
	return err == nil && geo.Area(geo.FromSF(d)) < 1e-3
}

func TestTopologyFindsOverlapAndGap(t *testing.T) {
	b := newBrokenDataset(t)
	overlapArea := geo.Area(b.overlapTri)
	gapArea := geo.Area(b.gapTri)
	// Hand check of the construction: a triangle of base × depth / 2.
	if !relClose(overlapArea, b.overlapBase*overlapDepth/2, 2e-3) || !relClose(gapArea, b.gapBase*gapDepth/2, 2e-3) {
		t.Fatalf("triangles %.1f m² and %.1f m², expected %.1f and %.1f", overlapArea, gapArea,
			b.overlapBase*overlapDepth/2, b.gapBase*gapDepth/2)
	}
	t.Logf("overlap %s/%s %.1f m² (edge %.0f m); gap %s/%s %.1f m² (edge %.0f m), village %s",
		b.overlapA, b.overlapB, overlapArea, b.overlapBase, b.gapT, b.gapS, gapArea, b.gapBase, b.gapVillage)

	town, err := gazetteer.CheckTopology(b.ds, gazetteer.LevelTownship, gazetteer.TopologyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(town.Overlaps) != 0 || len(town.Outside) != 0 || len(town.Gaps) != 1 {
		t.Fatalf("township report: %+v", town)
	}
	g := town.Gaps[0]
	if g.ParentCode != "500106000000" || g.Level != gazetteer.LevelTownship || g.ParentName == "" ||
		!relClose(g.AreaM2, gapArea, 1e-3) || !relClose(geo.Area(g.Geometry), g.AreaM2, 1e-9) {
		t.Fatalf("gap %+v, want %.1f m² in the district", g, gapArea)
	}
	// The gap lies on the two streets' edge.
	lines := gazetteer.DeriveBoundaryLines(b.ds, gazetteer.LevelTownship)
	var ts gazetteer.BoundaryLine
	for _, l := range lines {
		if (l.LeftCode == b.gapT && l.RightCode == b.gapS) || (l.LeftCode == b.gapS && l.RightCode == b.gapT) {
			ts = l
		}
	}
	clean := gazetteer.DeriveBoundaryLines(demoDivisions(t), gazetteer.LevelTownship)
	for _, l := range clean {
		if l.ID == ts.ID && !relClose(l.LengthM-ts.LengthM, b.gapBase, 2e-3) {
			t.Fatalf("%s: %.1f m before, %.1f m after cutting a %.1f m edge", l.ID, l.LengthM, ts.LengthM, b.gapBase)
		}
	}

	vil, err := gazetteer.CheckTopology(b.ds, gazetteer.LevelVillage, gazetteer.TopologyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(vil.Overlaps) != 1 || len(vil.Gaps) != 0 || len(vil.Outside) != 1 {
		t.Fatalf("village report: %+v", vil)
	}
	o := vil.Overlaps[0]
	if o.A != b.overlapA || o.B != b.overlapB || o.NameA == "" || o.NameB == "" || !relClose(o.AreaM2, overlapArea, 1e-3) {
		t.Fatalf("overlap %s/%s %.1f m², want %s/%s %.1f m²", o.A, o.B, o.AreaM2, b.overlapA, b.overlapB, overlapArea)
	}
	out := vil.Outside[0]
	if out.Code != b.gapVillage || out.ParentCode != b.gapT || !relClose(out.AreaM2, gapArea, 1e-3) {
		t.Fatalf("outside %+v, want %s in %s, %.1f m²", out, b.gapVillage, b.gapT, gapArea)
	}

	// A threshold above the gap hides it; the overlap stays.
	big, err := gazetteer.CheckTopology(b.ds, gazetteer.LevelTownship, gazetteer.TopologyConfig{SliverM2: gapArea * 1.01})
	if err != nil || len(big.Gaps) != 0 {
		t.Fatalf("sliver %.0f m²: %+v %v", gapArea*1.01, big.Gaps, err)
	}
}

// TestTopologyChildlessParent: a parent none of whose children are given is
// one gap of its whole area.
func TestTopologyChildlessParent(t *testing.T) {
	ds := demoDivisions(t)
	var kept []gazetteer.Division
	var town gazetteer.Division
	for _, d := range ds {
		if d.Code == "500106001000" {
			town = d
		}
		if d.Level == gazetteer.LevelVillage && d.ParentCode == "500106001000" {
			continue
		}
		kept = append(kept, d)
	}
	rep, err := gazetteer.CheckTopology(kept, gazetteer.LevelVillage, gazetteer.TopologyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Gaps) != 1 || rep.Gaps[0].ParentCode != town.Code || !relClose(rep.Gaps[0].AreaM2, geo.Area(town.Geometry), 1e-6) {
		t.Fatalf("gaps %+v", rep.Gaps)
	}
	if _, err := gazetteer.CheckTopology(ds, gazetteer.Level("county"), gazetteer.TopologyConfig{}); err == nil {
		t.Fatal("unknown level accepted")
	}
}

// TestMergeLinesEnclave: an enclave's whole boundary is one closed line.
func TestBoundaryLinesEnclave(t *testing.T) {
	sq := func(x0, y0, x1, y1 float64) orb.Ring {
		return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	}
	outer := sq(106.40, 29.50, 106.42, 29.52)
	inner := sq(106.405, 29.505, 106.41, 29.51)
	ds := []gazetteer.Division{
		{Code: "500106001000", Name: "甲街道", Level: gazetteer.LevelTownship, ParentCode: "500106000000",
			Geometry: orb.MultiPolygon{{outer, inner.Clone()}}},
		{Code: "500106002000", Name: "乙街道", Level: gazetteer.LevelTownship, ParentCode: "500106000000",
			Geometry: orb.MultiPolygon{{inner}}},
	}
	lines := gazetteer.DeriveBoundaryLines(ds, gazetteer.LevelTownship)
	if len(lines) != 2 || lines[0].ID != "500106001000|" || lines[1].ID != "500106001000|500106002000" {
		t.Fatalf("lines %+v", lines)
	}
	in := lines[1].Geometry
	if len(in) != 1 || len(in[0]) != 5 || in[0][0] != in[0][4] {
		t.Fatalf("enclave line %v", in)
	}
	if !relClose(lines[1].LengthM, geo.Length(inner), 1e-9) || !relClose(lines[0].LengthM, geo.Length(outer), 1e-9) {
		t.Fatalf("lengths %.1f %.1f", lines[0].LengthM, lines[1].LengthM)
	}
	checkLeftSide(t, lines[1], ds[0].Geometry)
}

package coverage_test

import (
	"math"
	"testing"

	"github.com/paulmach/orb"

	"diming/coverage"
	"diming/geo"
)

// offset returns the point dx metres east and dy metres north of o (roughly).
func offset(o orb.Point, dx, dy float64) orb.Point {
	const mPerDegLat = 110_574.0 // near 29.6° N; exact values do not matter here
	return orb.Point{o[0] + dx/(mPerDegLat*math.Cos(o[1]*math.Pi/180)*1.0037), o[1] + dy/mPerDegLat}
}

// A main road, a side road drawn 6 m short of it, a lane ending 45 m from
// it, and a loop of its own: one gap within 30 m (the side road), two
// within 50 m, and the loop and the main road's own ends are no gaps.
func TestGaps(t *testing.T) {
	o := orb.Point{106.45, 29.58}
	seg := func(id int64, pts ...orb.Point) coverage.RoadSegment {
		return coverage.RoadSegment{ID: id, Geometry: orb.LineString(pts)}
	}
	segs := []coverage.RoadSegment{
		seg(1, o, offset(o, 400, 0)),                     // main road, west to east
		seg(2, offset(o, 100, 6), offset(o, 100, 200)),   // side road, 6 m short
		seg(3, offset(o, 300, 45), offset(o, 300, 150)),  // lane, 45 m short
		seg(4, offset(o, 300, 150), offset(o, 350, 150)), // continues the lane
		seg(5, offset(o, 0, -300), offset(o, 50, -300), offset(o, 50, -250), offset(o, 0, -250), offset(o, 0, -300)), // a loop
	}
	g, err := coverage.NewWalkingGraph(segs, coverage.GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep := g.Gaps(30, 10)
	if rep.ComponentsNow != 4 {
		t.Fatalf("components %d, want 4", rep.ComponentsNow)
	}
	// Dead ends: the main road's two ends, the side road's two, the
	// lane's far end and its start (the lane+continuation is one path).
	if rep.DeadEnds != 6 {
		t.Errorf("dead ends %d, want 6", rep.DeadEnds)
	}
	if rep.Total != 1 || len(rep.Gaps) != 1 {
		t.Fatalf("gaps within 30 m: %+v, want the side road's end", rep.Gaps)
	}
	gp := rep.Gaps[0]
	if d := geo.Distance(gp.From, offset(o, 100, 6)); d > 0.01 {
		t.Errorf("gap from %v, %.2f m from the side road's end", gp.From, d)
	}
	if d := geo.Distance(gp.To, offset(o, 100, 0)); d > 0.05 {
		t.Errorf("gap to %v, %.2f m from the foot of the perpendicular on the main road", gp.To, d)
	}
	if math.Abs(gp.DistanceM-geo.Distance(gp.From, gp.To)) > 1e-9 || math.Abs(gp.DistanceM-6) > 0.05 {
		t.Errorf("gap distance %.3f m, want ≈6", gp.DistanceM)
	}
	if gp.FromComponent == gp.ToComponent {
		t.Error("a gap within one component")
	}
	if rep.ComponentsIfClosed != 3 {
		t.Errorf("components if closed %d, want 3", rep.ComponentsIfClosed)
	}

	rep = g.Gaps(50, 1)
	if rep.Total != 2 || len(rep.Gaps) != 1 || math.Abs(rep.Gaps[0].DistanceM-6) > 0.05 {
		t.Errorf("within 50 m, nearest one listed: total %d, %+v", rep.Total, rep.Gaps)
	}
	if rep.ComponentsIfClosed != 2 {
		t.Errorf("components if both closed %d, want 2 (the loop stays apart)", rep.ComponentsIfClosed)
	}
	// Closing the gap with the merge tolerance joins the side road.
	g2, err := coverage.NewWalkingGraph(segs, coverage.GraphOptions{MergeTolerance: 10, JoinEndsToLines: true})
	if err != nil {
		t.Fatal(err)
	}
	if tol, join := g2.MergeTolerance(); tol != 10 || !join {
		t.Errorf("MergeTolerance() = %v, %v", tol, join)
	}
	if rep := g2.Gaps(30, 10); rep.ComponentsNow != 3 || rep.Total != 0 {
		t.Errorf("with a 10 m tolerance: %d components, %d gaps; want 3 and 0", rep.ComponentsNow, rep.Total)
	}
	for _, d := range []float64{0, -5, math.NaN()} {
		if rep := g.Gaps(d, 10); rep.Total != 0 || len(rep.Gaps) != 0 {
			t.Errorf("Gaps(%v) listed %d", d, rep.Total)
		}
	}
}

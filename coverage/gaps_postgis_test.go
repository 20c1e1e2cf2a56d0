package coverage_test

import (
	"math"
	"testing"

	"diming/coverage"
)

// TestGapsAgainstPostGIS: on the real Shapingba roads, the dead ends and
// their distances to the nearest part of the network they are not
// connected to, as PostGIS and pgRouting find them from the same edges:
// components by pgr_connectedComponents, dead ends by counting edge ends,
// distances by ST_Distance on the spheroid.
func TestGapsAgainstPostGIS(t *testing.T) {
	g, err := coverage.NewWalkingGraph(shapingbaRoads(t), coverage.GraphOptions{JoinEndsToLines: true})
	if err != nil {
		t.Fatal(err)
	}
	const within = 30.0
	rep := g.Gaps(within, math.MaxInt)
	if rep.Total == 0 || rep.Total != len(rep.Gaps) {
		t.Fatalf("gaps on the real roads: %d listed of %d", len(rep.Gaps), rep.Total)
	}
	ctx, conn := connectEmpty(t)
	loadEdges(t, ctx, conn, g)
	rows, err := conn.Query(ctx, `
WITH comp AS (
  SELECT node, component FROM pgr_connectedComponents('`+pgrEdgesSQL+`')
), ends AS (
  SELECT n AS node, count(*) AS degree FROM (SELECT source AS n FROM edges UNION ALL SELECT target FROM edges) x GROUP BY n
), pts AS (
  SELECT DISTINCT ON (node) node, pt FROM (
    SELECT source AS node, ST_StartPoint(geom) AS pt FROM edges UNION ALL SELECT target, ST_EndPoint(geom) FROM edges) y
)
SELECT e.node, (SELECT min(ST_Distance(p.pt::geography, ed.geom::geography))
                  FROM edges ed JOIN comp c2 ON c2.node = ed.source
                 WHERE c2.component <> c.component AND ST_DWithin(p.pt::geography, ed.geom::geography, $1))
  FROM ends e JOIN comp c ON c.node = e.node JOIN pts p ON p.node = e.node
 WHERE e.degree = 1 AND NOT EXISTS (SELECT 1 FROM edges l WHERE l.source = e.node AND l.target = e.node)`, within*1.01)
	if err != nil {
		t.Fatal(err)
	}
	pg := map[int32]float64{}
	deadEnds := 0
	for rows.Next() {
		var node int64
		var d *float64
		if err := rows.Scan(&node, &d); err != nil {
			t.Fatal(err)
		}
		deadEnds++
		if d != nil {
			pg[int32(node-1)] = *d
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if deadEnds != rep.DeadEnds {
		t.Errorf("dead ends: %d, PostGIS %d", rep.DeadEnds, deadEnds)
	}
	near := func(d float64) bool { return math.Abs(d-within) < 0.005*within } // on the border, either answer
	seen := map[int32]bool{}
	worst := 0.0
	for _, gp := range rep.Gaps {
		seen[gp.Node] = true
		want, ok := pg[gp.Node]
		if !ok {
			if !near(gp.DistanceM) {
				t.Errorf("gap at node %d (%.2f m) that PostGIS does not find within %.0f m", gp.Node, gp.DistanceM, within)
			}
			continue
		}
		// The nearest point is found in the graph's local projection:
		// within 0.2 % (and a centimetre) of the spheroid's minimum.
		if diff := gp.DistanceM - want; math.Abs(diff) > 0.002*want+0.01 {
			t.Errorf("node %d: gap %.3f m, PostGIS %.3f m", gp.Node, gp.DistanceM, want)
		} else {
			worst = max(worst, math.Abs(diff)/max(want, 1))
		}
	}
	for node, d := range pg {
		if !seen[node] && d <= within && !near(d) {
			t.Errorf("PostGIS finds a gap of %.2f m at node %d that Gaps missed", d, node)
		}
	}
	t.Logf("%d dead ends, %d gaps within %.0f m (PostGIS %d); worst relative difference %.2e; components %d, %d if closed",
		rep.DeadEnds, rep.Total, within, len(pg), worst, rep.ComponentsNow, rep.ComponentsIfClosed)
}

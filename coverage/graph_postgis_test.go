package coverage_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"diming/coverage"
	"diming/internal/pgtest"
	"diming/internal/refdata"
)

// shapingbaRoads reads the real Shapingba road network (test data only).
func shapingbaRoads(tb testing.TB) []coverage.RoadSegment {
	tb.Helper()
	f, err := os.Open(refdata.TestOnly(tb, "shapingba/roads.wgs84.geojson"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	ri, err := coverage.ReadRoadsGeoJSON(f)
	if err != nil {
		tb.Fatal(err)
	}
	return ri.Segments
}

// pgrEdgesSQL is the edge query pgRouting runs on the table loadEdges
// writes: ids are the graph's edge and node ids plus one.
const pgrEdgesSQL = "SELECT id, source, target, cost, reverse_cost FROM edges"

// loadEdges writes g's edges into a table edges (id, source, target, cost,
// reverse_cost, geom) as pgRouting expects.
func loadEdges(tb testing.TB, ctx context.Context, conn *pgx.Conn, g *coverage.WalkingGraph) {
	tb.Helper()
	if _, err := conn.Exec(ctx, `CREATE TABLE edges_in (id bigint, source bigint, target bigint, cost float8, wkt text)`); err != nil {
		tb.Fatal(err)
	}
	rows := make([][]any, g.NumEdges())
	for i := range rows {
		e := g.Edge(int32(i))
		rows[i] = []any{int64(i + 1), int64(e.From + 1), int64(e.To + 1), e.Length, lineWKT(g.EdgeGeometry(int32(i)))}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"edges_in"}, []string{"id", "source", "target", "cost", "wkt"}, pgx.CopyFromRows(rows)); err != nil {
		tb.Fatal(err)
	}
	for _, sql := range []string{
		`CREATE TABLE edges AS SELECT id, source, target, cost, cost AS reverse_cost, ST_GeomFromText(wkt, 4326) AS geom FROM edges_in`,
		`ALTER TABLE edges ADD PRIMARY KEY (id)`,
		`ANALYZE edges`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			tb.Fatalf("%s: %v", sql, err)
		}
	}
}

// lineWKT writes a line with every digit kept.
func lineWKT(ls orb.LineString) string {
	var b strings.Builder
	b.WriteString("LINESTRING(")
	for i, p := range ls {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(p[0], 'g', -1, 64))
		b.WriteByte(' ')
		b.WriteString(strconv.FormatFloat(p[1], 'g', -1, 64))
	}
	b.WriteByte(')')
	return b.String()
}

func connectEmpty(tb testing.TB) (context.Context, *pgx.Conn) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	tb.Cleanup(cancel)
	conn, err := pgx.Connect(ctx, pgtest.NewEmptyDatabase(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return ctx, conn
}

// TestGraphAgainstPostGIS checks the walking graph of the real Shapingba
// roads and of a street lattice against PostGIS and pgRouting: every edge
// length against ST_Length(geography); 200 node-to-node walks against
// pgr_dijkstraCost; multi-source searches against pgr_drivingDistance
// (equicost: each node goes to its nearest start).
func TestGraphAgainstPostGIS(t *testing.T) {
	for _, c := range []struct {
		name string
		segs []coverage.RoadSegment
	}{
		{"shapingba", shapingbaRoads(t)},
		{"lattice", coverage.GridRoadsForTest(40, 40, 80, orb.Point{106.40, 29.60})},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := coverage.NewWalkingGraph(c.segs, coverage.GraphOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, conn := connectEmpty(t)
			loadEdges(t, ctx, conn, g)
			rng := rand.New(rand.NewPCG(41, 43))
			t.Run("lengths", func(t *testing.T) { checkLengths(t, ctx, conn, g) })
			t.Run("dijkstraCost", func(t *testing.T) { checkDijkstraCost(t, ctx, conn, g, rng) })
			t.Run("drivingDistance", func(t *testing.T) { checkDrivingDistance(t, ctx, conn, g, rng) })
		})
	}
}

func checkLengths(t *testing.T, ctx context.Context, conn *pgx.Conn, g *coverage.WalkingGraph) {
	rows, err := conn.Query(ctx, `SELECT id, ST_Length(geom::geography) FROM edges ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, worst := 0, 0.0
	for rows.Next() {
		var id int64
		var want float64
		if err := rows.Scan(&id, &want); err != nil {
			t.Fatal(err)
		}
		got := g.Edge(int32(id - 1)).Length
		rel := math.Abs(got-want) / want
		worst = max(worst, rel)
		if rel > 1e-6 {
			t.Errorf("edge %d: %.6f m, PostGIS %.6f m (%.1e)", id-1, got, want, rel)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != g.NumEdges() {
		t.Fatalf("PostGIS has %d edges of %d", n, g.NumEdges())
	}
	t.Logf("%d edges; largest relative difference from ST_Length(geography) %.1e", n, worst)
}

func checkDijkstraCost(t *testing.T, ctx context.Context, conn *pgx.Conn, g *coverage.WalkingGraph, rng *rand.Rand) {
	// 200 pairs; most within one component (the real network has many),
	// some across (pgRouting leaves those out, the searcher does not reach).
	byComp := map[int][]int32{}
	for n := range int32(g.NumNodes()) {
		byComp[g.ComponentOf(n)] = append(byComp[g.ComponentOf(n)], n)
	}
	type pair struct{ a, b int32 }
	pairs := make([]pair, 200)
	var values []string
	for i := range pairs {
		a := int32(rng.IntN(g.NumNodes()))
		b := int32(rng.IntN(g.NumNodes()))
		if i%5 != 0 {
			same := byComp[g.ComponentOf(a)]
			b = same[rng.IntN(len(same))]
		}
		pairs[i] = pair{a, b}
		values = append(values, fmt.Sprintf("(%d,%d)", a+1, b+1))
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE pairs AS SELECT * FROM (VALUES `+strings.Join(values, ",")+`) AS p(source, target)`); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCost($1, 'SELECT source, target FROM pairs', directed => false)`, pgrEdgesSQL)
	if err != nil {
		t.Fatal(err)
	}
	want := map[pair]float64{}
	for rows.Next() {
		var a, b int64
		var d float64
		if err := rows.Scan(&a, &b, &d); err != nil {
			t.Fatal(err)
		}
		want[pair{int32(a - 1), int32(b - 1)}] = d
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	s := g.NewSearcher()
	reached := 0
	for _, p := range pairs {
		s.Run([]coverage.Snap{g.NodeSnap(p.a)}, math.Inf(1))
		got, ok := s.NodeDist(p.b)
		w, found := want[p]
		if p.a == p.b {
			w, found = 0, true // pgRouting leaves out a walk to itself
		}
		if ok != found || ok && math.Abs(got-w) > 1e-6 {
			t.Errorf("walk %d→%d: %.9f (%v), pgr_dijkstraCost %.9f (%v)", p.a, p.b, got, ok, w, found)
		}
		if ok {
			reached++
		}
	}
	if reached < 150 {
		t.Errorf("only %d of 200 pairs are connected", reached)
	}
	t.Logf("200 pairs, %d connected, all equal to pgr_dijkstraCost within 1e-6 m", reached)
}

func checkDrivingDistance(t *testing.T, ctx context.Context, conn *pgx.Conn, g *coverage.WalkingGraph, rng *rand.Rand) {
	for round, k := range []int{1, 5, 12, 40} {
		limit := []float64{810, 810, 500, 1200}[round]
		starts := make([]int32, 0, k)
		seen := map[int32]bool{}
		for len(starts) < k {
			n := int32(rng.IntN(g.NumNodes()))
			if !seen[n] {
				seen[n] = true
				starts = append(starts, n)
			}
		}
		ids := make([]int64, k)
		sources := make([]coverage.Snap, k)
		index := map[int64]int{}
		for i, n := range starts {
			ids[i] = int64(n + 1)
			sources[i] = g.NodeSnap(n)
			index[ids[i]] = i
		}
		rows, err := conn.Query(ctx, `SELECT from_v, node, agg_cost FROM pgr_drivingDistance($1, $2::bigint[], $3, directed => false, equicost => true)`,
			pgrEdgesSQL, ids, limit)
		if err != nil {
			t.Fatal(err)
		}
		type result struct {
			from int
			d    float64
		}
		want := map[int32]result{}
		for rows.Next() {
			var from, node int64
			var d float64
			if err := rows.Scan(&from, &node, &d); err != nil {
				t.Fatal(err)
			}
			want[int32(node-1)] = result{index[from], d}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		s := g.NewSearcher()
		s.Run(sources, limit)
		// truth is the walk from the nearest start by pgr_dijkstraCost,
		// asked where the two disagree.
		truth := func(n int32) float64 {
			var d *float64
			if err := conn.QueryRow(ctx, `SELECT min(agg_cost) FROM pgr_dijkstraCost($1, $2::bigint[], $3::bigint, directed => false)`,
				pgrEdgesSQL, ids, int64(n+1)).Scan(&d); err != nil {
				t.Fatal(err)
			}
			if d == nil {
				return math.Inf(1)
			}
			return *d
		}
		nodes := map[int32]bool{}
		for _, n := range s.Reached() {
			nodes[n] = true
		}
		for n := range want {
			nodes[n] = true
		}
		single := g.NewSearcher()
		worse, excess := 0, 0.0
		for n := range nodes {
			d, ok := s.NodeDist(n)
			w, found := want[n]
			if !ok || !found || math.Abs(d-w.d) > 1e-6 {
				// pgr_drivingDistance with equicost does not always find
				// the shortest walk: where its answer differs, ours must be
				// pgr_dijkstraCost's and pgRouting's no shorter.
				tr := truth(n)
				if ok != (tr <= limit) || ok && math.Abs(d-tr) > 1e-6 || found && w.d < tr-1e-6 {
					t.Errorf("round %d: node %d: ours %.9f (%v), pgr_drivingDistance %.9f (%v), pgr_dijkstraCost %.9f", round, n, d, ok, w.d, found, tr)
				}
				if found {
					excess = max(excess, w.d-tr)
				}
				worse++
				continue
			}
			if src := s.NodeSource(n); src != w.from {
				// Equal walks from two starts: either is the nearest.
				single.Run(sources[w.from:w.from+1], math.Inf(1))
				if alt, _ := single.NodeDist(n); math.Abs(alt-d) > 1e-6 {
					t.Errorf("round %d: node %d nearest start %d, pgRouting says %d (%.6f m against %.6f)", round, n, src, w.from, d, alt)
				}
			}
		}
		if worse > len(nodes)/100 {
			t.Errorf("round %d: pgr_drivingDistance differs at %d of %d nodes", round, worse, len(nodes))
		}
		if worse > 0 {
			t.Logf("round %d: at %d of %d nodes pgr_drivingDistance (equicost) is longer than the shortest walk pgr_dijkstraCost finds (by up to %.2f mm); ours is the shortest", round, worse, len(nodes), excess*1000)
		}
		t.Logf("round %d: %d starts, limit %.0f m: %d nodes reached", round, k, limit, len(s.Reached()))
	}
}

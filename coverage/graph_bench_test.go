package coverage_test

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"diming/coverage"
	"diming/internal/pgtest"
)

// The district-sized network of the search benchmarks: a 16 km street
// lattice of 100 m blocks (160 × 160 crossings, 50,880 edges), 200
// facilities at random crossings, and the 15-minute walk of the norm for
// older people: 15 min × 0.9 m/s = 810 m.
const (
	benchRows, benchCols = 160, 160
	benchBlock           = 100.0
	benchSources         = 200
	benchLimit           = 810.0
)

var benchOrigin = orb.Point{106.45, 29.58}

type benchNetwork struct {
	segs    []coverage.RoadSegment
	g       *coverage.WalkingGraph
	build   time.Duration
	starts  []int32         // facility nodes
	sources []coverage.Snap // the same, as snaps
	points  []orb.Point     // random points over the district (households)
}

var (
	benchOnce sync.Once
	benchNet  *benchNetwork
)

func districtNetwork(b *testing.B) *benchNetwork {
	b.Helper()
	benchOnce.Do(func() {
		n := &benchNetwork{segs: coverage.GridRoadsForTest(benchRows, benchCols, benchBlock, benchOrigin)}
		start := time.Now()
		g, err := coverage.NewWalkingGraph(n.segs, coverage.GraphOptions{})
		if err != nil {
			panic(err)
		}
		n.build = time.Since(start)
		n.g = g
		rng := rand.New(rand.NewPCG(2026, 810))
		seen := map[int32]bool{}
		for len(n.starts) < benchSources {
			v := int32(rng.IntN(g.NumNodes()))
			if !seen[v] {
				seen[v] = true
				n.starts = append(n.starts, v)
				n.sources = append(n.sources, g.NodeSnap(v))
			}
		}
		bd := g.NodePoint(0).Bound()
		for i := range g.NumNodes() {
			bd = bd.Extend(g.NodePoint(int32(i)))
		}
		for range 4096 {
			n.points = append(n.points, orb.Point{bd.Min[0] + rng.Float64()*(bd.Max[0]-bd.Min[0]), bd.Min[1] + rng.Float64()*(bd.Max[1]-bd.Min[1])})
		}
		benchNet = n
	})
	if benchNet.g.NumEdges() < 50_000 {
		b.Fatalf("%d edges", benchNet.g.NumEdges())
	}
	return benchNet
}

// BenchmarkMultiSourceSearch: from 200 facilities at once, every node of
// a 50,880-edge district network within 810 m, with its distance and its
// nearest facility. diming: Searcher.Run, then reading each reached node's
// distance and source. pgrouting: pgr_drivingDistance with the 200 start
// vertices and equicost on the same edges (loopback pgx), which builds its
// graph from the edge table on every call as pgRouting does. The pgrouting
// side skips without DIMING_TEST_DATABASE_URL (fails under CI=true).
func BenchmarkMultiSourceSearch(b *testing.B) {
	n := districtNetwork(b)
	s := n.g.NewSearcher()
	s.Run(n.sources, benchLimit)
	reached := len(s.Reached())
	b.Run("diming", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.Run(n.sources, benchLimit)
			sum := 0.0
			for _, v := range s.Reached() {
				d, _ := s.NodeDist(v)
				sum += d + float64(s.NodeSource(v))
			}
			if len(s.Reached()) != reached || math.IsNaN(sum) {
				b.Fatalf("%d nodes", len(s.Reached()))
			}
		}
		b.ReportMetric(float64(reached), "nodes")
		b.ReportMetric(n.build.Seconds()*1000, "build-ms")
	})
	b.Run("pgrouting", func(b *testing.B) {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, pgtest.NewEmptyDatabase(b))
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(context.Background())
		loadEdges(b, ctx, conn, n.g)
		ids := make([]int64, len(n.starts))
		for i, v := range n.starts {
			ids[i] = int64(v + 1)
		}
		const sql = `SELECT from_v, node, agg_cost FROM pgr_drivingDistance($1, $2::bigint[], $3, directed => false, equicost => true)`
		b.ReportAllocs()
		for b.Loop() {
			rows, err := conn.Query(ctx, sql, pgrEdgesSQL, ids, benchLimit)
			if err != nil {
				b.Fatal(err)
			}
			count := 0
			for rows.Next() {
				var from, node int64
				var d float64
				if err := rows.Scan(&from, &node, &d); err != nil {
					b.Fatal(err)
				}
				count++
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
			// The same nodes (equicost drops none; at most a node at the
			// limit itself could differ by rounding).
			if math.Abs(float64(count-reached)) > 2 {
				b.Fatalf("pgRouting reached %d nodes, diming %d", count, reached)
			}
		}
	})
}

// BenchmarkSnap places random points of the district on the network.
func BenchmarkSnap(b *testing.B) {
	n := districtNetwork(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, ok := n.g.Snap(n.points[i%len(n.points)]); !ok {
			b.Fatal("no snap")
		}
	}
}

// BenchmarkNearestByWalk: the 3 facilities nearest to a random point of
// the district by walking, within 2 km.
func BenchmarkNearestByWalk(b *testing.B) {
	n := districtNetwork(b)
	ts := n.g.NewTargetSet(n.sources)
	from := make([]coverage.Snap, len(n.points))
	for i, p := range n.points {
		from[i], _ = n.g.Snap(p)
	}
	b.ReportAllocs()
	found := 0
	for i := 0; b.Loop(); i++ {
		found += len(n.g.NearestByWalk(from[i%len(from)], ts, 3, 2000))
	}
	if found == 0 {
		b.Fatal("nothing found")
	}
}

// BenchmarkNewWalkingGraph builds the district network's graph.
func BenchmarkNewWalkingGraph(b *testing.B) {
	n := districtNetwork(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := coverage.NewWalkingGraph(n.segs, coverage.GraphOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSingleSourceSearch: the 810 m walk from one facility (an
// isochrone's search), cycling through the 200.
func BenchmarkSingleSourceSearch(b *testing.B) {
	n := districtNetwork(b)
	s := n.g.NewSearcher()
	b.ReportAllocs()
	reached := 0
	for i := 0; b.Loop(); i++ {
		s.Run(n.sources[i%len(n.sources):i%len(n.sources)+1], benchLimit)
		reached += len(s.Reached())
	}
	if reached == 0 {
		b.Fatal("nothing reached")
	}
}

package coverage

import (
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"diming"
	"diming/geo"
	"diming/internal/refdata"
)

// shapingba is a point in Shapingba; tests build their lines around it in
// metres with metres().
var shapingba = orb.Point{106.45, 29.58}

// metres maps points given in metres east and north of shapingba to lon/lat.
func metres(xy ...float64) orb.LineString {
	proj := geo.NewLocalProjection(shapingba)
	ls := make(orb.LineString, 0, len(xy)/2)
	for i := 0; i+1 < len(xy); i += 2 {
		ls = append(ls, proj.Inverse(orb.Point{xy[i], xy[i+1]}))
	}
	return ls
}

func mustGraph(tb testing.TB, segs []RoadSegment, opt GraphOptions) *WalkingGraph {
	tb.Helper()
	g, err := NewWalkingGraph(segs, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func seg(id int64, ls orb.LineString) RoadSegment { return RoadSegment{ID: id, Geometry: ls} }

// nodeAt returns the node at p (to a millimetre) or fails.
func nodeAt(tb testing.TB, g *WalkingGraph, p orb.Point) int32 {
	tb.Helper()
	for i := range g.NumNodes() {
		if geo.Distance(g.NodePoint(int32(i)), p) < 1e-3 {
			return int32(i)
		}
	}
	tb.Fatalf("no node at %v", p)
	return -1
}

// realRoads reads the Shapingba road network (test data, never shipped).
func realRoads(tb testing.TB) []RoadSegment {
	tb.Helper()
	f, err := os.Open(refdata.TestOnly(tb, "shapingba/roads.wgs84.geojson"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	ri, err := ReadRoadsGeoJSON(f)
	if err != nil {
		tb.Fatal(err)
	}
	return ri.Segments
}

func TestGraphLine(t *testing.T) {
	ls := metres(0, 0, 100, 0, 100, 50)
	g := mustGraph(t, []RoadSegment{seg(7, ls)}, GraphOptions{})
	if g.NumNodes() != 2 || g.NumEdges() != 1 {
		t.Fatalf("%d nodes, %d edges; want 2, 1", g.NumNodes(), g.NumEdges())
	}
	e := g.Edge(0)
	if e.Segment != 7 || e.From == e.To {
		t.Errorf("edge %+v", e)
	}
	if want := geo.Length(ls); e.Length != want || math.Abs(want-150) > 0.01 || g.TotalLength() != want {
		t.Errorf("length %.6f, total %.6f; want %.6f (≈150 m)", e.Length, g.TotalLength(), want)
	}
	if got := g.EdgeGeometry(0); !slices.Equal(got, ls) {
		t.Errorf("geometry %v, want %v", got, ls)
	}
	// The geometry is a copy: changing it does not change the graph.
	g.EdgeGeometry(0)[1] = orb.Point{}
	if g.EdgeGeometry(0)[1] != ls[1] {
		t.Error("EdgeGeometry shares the graph's memory")
	}
}

func TestGraphT(t *testing.T) {
	// A west-east street with a vertex at x=100 where a street goes north.
	main := metres(0, 0, 100, 0, 250, 0)
	side := metres(100, 0, 100, 80)
	g := mustGraph(t, []RoadSegment{seg(1, main), seg(2, side)}, GraphOptions{})
	if g.NumNodes() != 4 || g.NumEdges() != 3 {
		t.Fatalf("%d nodes, %d edges; want 4, 3", g.NumNodes(), g.NumEdges())
	}
	w, x, e, n := nodeAt(t, g, main[0]), nodeAt(t, g, main[1]), nodeAt(t, g, main[2]), nodeAt(t, g, side[1])
	s := g.NewSearcher()
	s.Run([]Snap{g.NodeSnap(w)}, math.Inf(1))
	for _, c := range []struct {
		node int32
		want float64
	}{{w, 0}, {x, 100}, {e, 250}, {n, 180}} {
		if d, ok := s.NodeDist(c.node); !ok || math.Abs(d-c.want) > 1e-3 {
			t.Errorf("node %d: %.4f %v, want %.0f", c.node, d, ok, c.want)
		}
	}
	if c := g.Components(); c.Count != 1 || c.Sizes[0] != 4 || math.Abs(c.Lengths[0]-330) > 1e-3 {
		t.Errorf("components %+v", c)
	}
}

func TestGraphGrid(t *testing.T) {
	g := mustGraph(t, gridRoads(3, 4, 100, shapingba), GraphOptions{})
	if g.NumNodes() != 12 || g.NumEdges() != 3*3+4*2 {
		t.Fatalf("%d nodes, %d edges; want 12, 17", g.NumNodes(), g.NumEdges())
	}
	for i := range g.NumEdges() {
		if l := g.Edge(int32(i)).Length; math.Abs(l-100) > 1e-3 {
			t.Errorf("edge %d: %.6f m, want 100", i, l)
		}
	}
	// From the south-west corner the walk is the Manhattan distance.
	proj := geo.NewLocalProjection(shapingba)
	corner := nodeAt(t, g, proj.Inverse(orb.Point{-150, -100}))
	s := g.NewSearcher()
	s.Run([]Snap{g.NodeSnap(corner)}, math.Inf(1))
	for i := range g.NumNodes() {
		xy := proj.Forward(g.NodePoint(int32(i)))
		want := math.Abs(xy[0]+150) + math.Abs(xy[1]+100)
		// The local projection's scale drifts by about 1e-5 over 100 m of
		// latitude, so the geodesic walk differs from the plan's metres.
		if d, ok := s.NodeDist(int32(i)); !ok || math.Abs(d-want) > 1e-5*want+1e-9 {
			t.Errorf("node %d at %v: %.4f, want %.1f", i, xy, d, want)
		}
	}
}

func TestGraphMergeTolerance(t *testing.T) {
	// Two lines whose ends are 0.3 m apart, and a third 2 m from them.
	a := metres(0, 0, 100, 0)
	b := metres(100.3, 0, 200, 0)
	c := metres(202, 0, 300, 0)
	segs := []RoadSegment{seg(1, a), seg(2, b), seg(3, c)}
	for _, tc := range []struct {
		tol   float64
		nodes int
		comps int
	}{{0, 5, 2}, {0.5, 5, 2}, {0.1, 6, 3}, {-1, 6, 3}, {2.5, 4, 1}} {
		g := mustGraph(t, segs, GraphOptions{MergeTolerance: tc.tol})
		if g.NumNodes() != tc.nodes || g.Components().Count != tc.comps {
			t.Errorf("tolerance %v: %d nodes, %d components; want %d, %d", tc.tol, g.NumNodes(), g.Components().Count, tc.nodes, tc.comps)
		}
		if g.NumEdges() != 3 {
			t.Errorf("tolerance %v: %d edges", tc.tol, g.NumEdges())
		}
		// Merged ends move onto one node: the edge lines meet there.
		for i := range g.NumEdges() {
			e, ls := g.Edge(int32(i)), g.EdgeGeometry(int32(i))
			if ls[0] != g.NodePoint(e.From) || ls[len(ls)-1] != g.NodePoint(e.To) {
				t.Errorf("tolerance %v: edge %d line %v does not run from node %v to node %v", tc.tol, i, ls, g.NodePoint(e.From), g.NodePoint(e.To))
			}
			if math.Abs(e.Length-geo.Length(ls)) > 1e-9 {
				t.Errorf("edge %d length %v, line %v", i, e.Length, geo.Length(ls))
			}
		}
	}
	if _, err := NewWalkingGraph(segs, GraphOptions{MergeTolerance: math.NaN()}); diming.Code(err) != diming.EINVALID {
		t.Errorf("NaN tolerance: %v", err)
	}
}

func TestGraphSharedVertices(t *testing.T) {
	// Two streets crossing at a vertex they share become four edges; two
	// crossing where neither has a vertex (a bridge) stay apart.
	cross := []RoadSegment{seg(1, metres(-50, 0, 0, 0, 50, 0)), seg(2, metres(0, -50, 0, 0, 0, 50))}
	g := mustGraph(t, cross, GraphOptions{})
	if g.NumNodes() != 5 || g.NumEdges() != 4 || g.Components().Count != 1 {
		t.Errorf("crossing: %d nodes, %d edges, %d components", g.NumNodes(), g.NumEdges(), g.Components().Count)
	}
	bridge := []RoadSegment{seg(1, metres(-50, 0, 50, 0)), seg(2, metres(0, -50, 0, 50))}
	g = mustGraph(t, bridge, GraphOptions{})
	if g.NumNodes() != 4 || g.NumEdges() != 2 || g.Components().Count != 2 {
		t.Errorf("bridge: %d nodes, %d edges, %d components", g.NumNodes(), g.NumEdges(), g.Components().Count)
	}
	// A loop that comes back through its own vertex is split there; a
	// repeated vertex and a segment of no length add nothing.
	loop := metres(0, 0, 100, 0, 100, 100, 50, 100, 100, 0, 200, 0)
	g = mustGraph(t, []RoadSegment{seg(1, loop), seg(2, metres(300, 0, 300, 0)), seg(3, metres(0, 10, 0, 10, 0, 20))}, GraphOptions{})
	// Nodes: loop ends, the revisited vertex (100,0), seg 3's ends; the
	// zero-length segment 2 gives no node.
	if g.NumNodes() != 5 || g.NumEdges() != 4 {
		t.Errorf("loop: %d nodes, %d edges; want 5, 4", g.NumNodes(), g.NumEdges())
	}
	for i := range g.NumEdges() {
		if g.Edge(int32(i)).Length <= 0 {
			t.Errorf("edge %d has no length", i)
		}
	}
	if g.Components().Count != 2 {
		t.Errorf("loop: %d components", g.Components().Count)
	}
	if math.Abs(g.TotalLength()-(100+100+50+math.Hypot(50, 100)+100+10)) > 1e-3 {
		t.Errorf("total length %.4f", g.TotalLength())
	}
}

func TestGraphJoinEndsToLines(t *testing.T) {
	// A side street ends 0.3 m north of a main street, away from its
	// vertices (a T-junction drawn without a shared vertex); another ends
	// 2 m south of it.
	main := metres(0, 0, 200, 0)
	near := metres(100, 0.3, 100, 80)
	far := metres(150, -2, 150, -60)
	segs := []RoadSegment{seg(1, main), seg(2, near), seg(3, far)}
	for _, c := range []struct {
		opt          GraphOptions
		nodes, edges int
		comps        int
	}{
		{GraphOptions{}, 6, 3, 3},
		{GraphOptions{JoinEndsToLines: true}, 6, 4, 2},
		{GraphOptions{JoinEndsToLines: true, MergeTolerance: 2.5}, 6, 5, 1},
		{GraphOptions{JoinEndsToLines: true, MergeTolerance: -1}, 6, 3, 3},
	} {
		g := mustGraph(t, segs, c.opt)
		if g.NumNodes() != c.nodes || g.NumEdges() != c.edges || g.Components().Count != c.comps {
			t.Errorf("%+v: %d nodes, %d edges, %d components; want %d, %d, %d", c.opt, g.NumNodes(), g.NumEdges(), g.Components().Count, c.nodes, c.edges, c.comps)
		}
		if c.comps > 2 {
			continue
		}
		// The walk from the main street's west end to the side street's
		// north end turns at the joined end, which the main street now
		// passes through: √(100² + 0.3²) + 79.7 m.
		s := g.NewSearcher()
		s.Run([]Snap{g.NodeSnap(nodeAt(t, g, main[0]))}, math.Inf(1))
		if d, ok := s.NodeDist(nodeAt(t, g, near[1])); !ok || math.Abs(d-(math.Hypot(100, 0.3)+79.7)) > 1e-3 {
			t.Errorf("%+v: walk %.4f %v", c.opt, d, ok)
		}
		// The main street bends by the offsets only (a few centimetres).
		if math.Abs(g.TotalLength()-geo.Length(main)-geo.Length(near)-geo.Length(far)) > 0.1 {
			t.Errorf("%+v: total %.4f", c.opt, g.TotalLength())
		}
	}
	// The caller's lines are not changed.
	if len(main) != 2 {
		t.Error("the input line was modified")
	}
}

func TestGraphComponents(t *testing.T) {
	// Two islands: a 3×3 grid (9 nodes, 12 edges of 50 m) and, 2 km east,
	// a single 120 m lane.
	segs := gridRoads(3, 3, 50, shapingba)
	segs = append(segs, seg(99, metres(2000, 0, 2120, 0)))
	g := mustGraph(t, segs, GraphOptions{})
	c := g.Components()
	if c.Count != 2 || !slices.Equal(c.Sizes, []int{9, 2}) || math.Abs(c.Lengths[0]-600) > 1e-3 || math.Abs(c.Lengths[1]-120) > 1e-3 {
		t.Fatalf("components %+v", c)
	}
	lane := nodeAt(t, g, metres(2000, 0)[0])
	if g.ComponentOf(lane) != 1 || g.ComponentOf(nodeAt(t, g, shapingba)) != 0 {
		t.Errorf("ComponentOf: lane %d, grid %d", g.ComponentOf(lane), g.ComponentOf(nodeAt(t, g, shapingba)))
	}
	// The lane is unreachable from the grid.
	s := g.NewSearcher()
	s.Run([]Snap{g.NodeSnap(nodeAt(t, g, shapingba))}, math.Inf(1))
	if _, ok := s.NodeDist(lane); ok || len(s.Reached()) != 9 {
		t.Errorf("reached %d nodes, lane reached %v", len(s.Reached()), ok)
	}
}

func TestGraphInvalid(t *testing.T) {
	good := metres(0, 0, 10, 0)
	for name, ls := range map[string]orb.LineString{
		"one point":    {good[0]},
		"empty":        {},
		"NaN":          {good[0], {math.NaN(), 29.5}},
		"Inf":          {good[0], {math.Inf(1), 29.5}},
		"lon range":    {good[0], {181, 29.5}},
		"lat range":    {good[0], {106, -90.5}},
		"projected xy": {{590000, 3270000}, {590100, 3270000}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewWalkingGraph([]RoadSegment{seg(1, good), {ID: 42, Geometry: ls, Source: "roads.geojson#2"}}, GraphOptions{})
			var e *diming.Error
			if diming.Code(err) != diming.EINVALID || !asError(err, &e) {
				t.Fatalf("err %v, want EINVALID", err)
			}
			if !strings.Contains(e.Message, "道路 42（roads.geojson#2）") || !strings.Contains(e.MessageEN, "road 42 (roads.geojson#2)") {
				t.Errorf("messages %q / %q do not name the road", e.Message, e.MessageEN)
			}
		})
	}
	// An empty network is a graph with nothing in it.
	g := mustGraph(t, nil, GraphOptions{})
	if g.NumNodes() != 0 || g.NumEdges() != 0 || g.Components().Count != 0 {
		t.Errorf("empty graph: %d nodes", g.NumNodes())
	}
	if _, ok := g.Snap(shapingba); ok {
		t.Error("Snap on an empty graph")
	}
}

func asError(err error, target **diming.Error) bool {
	e, ok := err.(*diming.Error)
	*target = e
	return ok
}

func TestSnap(t *testing.T) {
	// An L: 200 m east, then 100 m north.
	ls := metres(0, 0, 200, 0, 200, 100)
	g := mustGraph(t, []RoadSegment{seg(1, ls)}, GraphOptions{})
	for _, c := range []struct {
		name          string
		p             orb.Point
		along, offset float64 // along from ls[0]
		onto          orb.Point
	}{
		{"south of the first leg", metres(50, -30)[0], 50, 30, metres(50, 0)[0]},
		{"on the line", metres(120, 0)[0], 120, 0, metres(120, 0)[0]},
		{"east of the second leg", metres(230, 40)[0], 240, 30, metres(200, 40)[0]},
		{"beyond the start", metres(-40, -30)[0], 0, 50, ls[0]},
		{"beyond the end", metres(200, 130)[0], 300, 30, ls[2]},
		{"inside the corner, nearer the first leg", metres(190, 5)[0], 190, 5, metres(190, 0)[0]},
		{"inside the corner, nearer the second leg", metres(197, 20)[0], 220, 3, metres(200, 20)[0]},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, ok := g.Snap(c.p)
			if !ok {
				t.Fatal("no snap")
			}
			along := s.Along
			if g.Edge(s.Edge).From != nodeAt(t, g, ls[0]) {
				along = g.Edge(s.Edge).Length - along
			}
			if math.Abs(along-c.along) > 0.01 || math.Abs(s.Offset-c.offset) > 0.01 || geo.Distance(s.Point, c.onto) > 0.01 {
				t.Errorf("along %.3f offset %.3f at %v; want %.1f, %.1f at %v", along, s.Offset, s.Point, c.along, c.offset, c.onto)
			}
			// Offset is the geodesic distance to the snapped point, and
			// Along is on Edge.Length's measure.
			if math.Abs(s.Offset-geo.Distance(c.p, s.Point)) > 1e-9 {
				t.Errorf("offset %.9f, distance to the point %.9f", s.Offset, geo.Distance(c.p, s.Point))
			}
			if pa := g.PointAlong(s.Edge, s.Along); geo.Distance(pa, s.Point) > 1e-7 {
				t.Errorf("PointAlong(%.3f) = %v, snap point %v", s.Along, pa, s.Point)
			}
		})
	}
	if _, ok := g.Snap(orb.Point{math.NaN(), 0}); ok {
		t.Error("Snap of NaN")
	}
}

// TestSnapNearest checks Snap against a scan of every edge segment on
// the real network.
func TestSnapNearest(t *testing.T) {
	g := mustGraph(t, realRoads(t), GraphOptions{})
	rng := newRand(5)
	b := orb.Bound{Min: g.NodePoint(0), Max: g.NodePoint(0)}
	for i := range g.NumNodes() {
		b = b.Extend(g.NodePoint(int32(i)))
	}
	for range 300 {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		s, ok := g.Snap(p)
		if !ok {
			t.Fatal("no snap")
		}
		best := math.Inf(1)
		q := g.proj.Forward(p)
		for v := 0; v+1 < len(g.xy); v++ {
			if g.vertEd[v] != g.vertEd[v+1] {
				continue
			}
			if d2, _ := segmentDist2(q, g.xy[v], g.xy[v+1]); d2 < best {
				best = d2
			}
		}
		if got := geo.Distance(p, s.Point); math.Abs(got-math.Sqrt(best)) > 1e-3*math.Sqrt(best)+1e-6 {
			t.Fatalf("Snap(%v): %.4f m off, the nearest segment is %.4f m", p, got, math.Sqrt(best))
		}
		if e := g.Edge(s.Edge); s.Along < 0 || s.Along > e.Length {
			t.Fatalf("along %v outside [0, %v]", s.Along, e.Length)
		}
	}
}

// TestRealRoadsGraph builds the Shapingba network and checks what is
// known of it. PostGIS measures its 1,187 lines at 363.80 km
// (ST_Length(geography); the README's 364.5 km is a Web Mercator figure).
// The lines often meet without a shared vertex, so the network falls into
// many pieces: merging ends within 0.5 m and joining ends to lines helps,
// larger tolerances barely do.
func TestRealRoadsGraph(t *testing.T) {
	segs := realRoads(t)
	total := 0.0
	for _, s := range segs {
		total += geo.Length(s.Geometry)
	}
	if math.Abs(total/1000-363.80) > 0.01 {
		t.Errorf("the file holds %.3f km of roads, PostGIS says 363.80", total/1000)
	}
	prev := math.MaxInt
	for _, c := range []struct {
		opt                 GraphOptions
		nodes, edges, comps int
	}{
		{GraphOptions{MergeTolerance: -1}, 1326, 1200, 222},
		{GraphOptions{}, 1244, 1200, 171},
		{GraphOptions{MergeTolerance: 2}, 1219, 1199, 160},
		{GraphOptions{MergeTolerance: 5}, 1207, 1199, 157},
		{GraphOptions{MergeTolerance: 5, JoinEndsToLines: true}, 1207, 1270, 130},
	} {
		g := mustGraph(t, segs, c.opt)
		comps := g.Components()
		t.Logf("%+v: %d nodes, %d edges, %.3f km, %d components; largest %d nodes (%.1f km), then %v",
			c.opt, g.NumNodes(), g.NumEdges(), g.TotalLength()/1000, comps.Count, comps.Sizes[0], comps.Lengths[0]/1000, comps.Sizes[1:8])
		if g.NumNodes() != c.nodes || g.NumEdges() != c.edges || comps.Count != c.comps {
			t.Errorf("%+v: %d nodes, %d edges, %d components; want %d, %d, %d", c.opt, g.NumNodes(), g.NumEdges(), comps.Count, c.nodes, c.edges, c.comps)
		}
		if comps.Count > prev {
			t.Errorf("%+v: more components (%d) than with less merging (%d)", c.opt, comps.Count, prev)
		}
		prev = comps.Count
		// Merging moves ends by at most the tolerance: the length barely changes.
		if math.Abs(g.TotalLength()-total) > 1e-3*total {
			t.Errorf("%+v: graph holds %.1f m, segments %.1f m", c.opt, g.TotalLength(), total)
		}
		sum, nodes := 0.0, 0
		for k := range comps.Count {
			sum += comps.Lengths[k]
			nodes += comps.Sizes[k]
			if k > 0 && comps.Sizes[k] > comps.Sizes[k-1] {
				t.Fatalf("components not largest first: %v", comps.Sizes)
			}
		}
		if nodes != g.NumNodes() || math.Abs(sum-g.TotalLength()) > 1e-6 {
			t.Errorf("components hold %d nodes and %.3f m of %d and %.3f", nodes, sum, g.NumNodes(), g.TotalLength())
		}
	}
}

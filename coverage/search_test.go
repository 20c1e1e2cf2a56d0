package coverage

import (
	"cmp"
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"diming/geo"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x77616c6b)) }

// refItem and refHeap make a textbook Dijkstra on container/heap, the
// reference the Searcher is checked against.
type refItem struct {
	d float64
	n int32
}
type refHeap []refItem

func (h refHeap) Len() int           { return len(h) }
func (h refHeap) Less(i, j int) bool { return h[i].d < h[j].d }
func (h refHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *refHeap) Push(x any)        { *h = append(*h, x.(refItem)) }
func (h *refHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// refDistances returns, for every node, the unbounded walking distance
// from the nearest source (sources entering at both ends of their edge)
// and that source's index, from an adjacency list built from Edge alone.
func refDistances(g *WalkingGraph, sources []Snap) ([]float64, []int) {
	type arc struct {
		to int32
		w  float64
	}
	adj := make([][]arc, g.NumNodes())
	for i := range g.NumEdges() {
		e := g.Edge(int32(i))
		adj[e.From] = append(adj[e.From], arc{e.To, e.Length})
		adj[e.To] = append(adj[e.To], arc{e.From, e.Length})
	}
	dist := make([]float64, g.NumNodes())
	src := make([]int, g.NumNodes())
	for i := range dist {
		dist[i], src[i] = math.Inf(1), -1
	}
	h := &refHeap{}
	offer := func(n int32, d float64, s int) {
		if d < dist[n] {
			dist[n], src[n] = d, s
			heap.Push(h, refItem{d, n})
		}
	}
	for i, s := range sources {
		e := g.Edge(s.Edge)
		offer(e.From, s.Offset+s.Along, i)
		offer(e.To, s.Offset+e.Length-s.Along, i)
	}
	for h.Len() > 0 {
		it := heap.Pop(h).(refItem)
		if it.d > dist[it.n] {
			continue
		}
		for _, a := range adj[it.n] {
			offer(a.to, it.d+a.w, src[it.n])
		}
	}
	return dist, src
}

// randomSnaps snaps n random points of g's bounding box.
func randomSnaps(tb testing.TB, g *WalkingGraph, rng *rand.Rand, n int) []Snap {
	tb.Helper()
	b := g.NodePoint(0).Bound()
	for i := range g.NumNodes() {
		b = b.Extend(g.NodePoint(int32(i)))
	}
	out := make([]Snap, n)
	for i := range out {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		s, ok := g.Snap(p)
		if !ok {
			tb.Fatal("no snap")
		}
		out[i] = s
	}
	return out
}

func TestSearchAgreesWithReference(t *testing.T) {
	rng := newRand(11)
	for _, tc := range []struct {
		name string
		g    *WalkingGraph
	}{
		{"shapingba", mustGraph(t, realRoads(t), GraphOptions{})},
		{"grid", mustGraph(t, gridRoads(30, 40, 75, shapingba), GraphOptions{})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			s := g.NewSearcher() // reused across runs, as in production
			for run := range 40 {
				sources := randomSnaps(t, g, rng, 1+rng.IntN(12))
				// A few sources sit exactly on nodes.
				if run%3 == 0 {
					sources = append(sources, g.NodeSnap(int32(rng.IntN(g.NumNodes()))))
				}
				limit := []float64{810, 300, 2000, math.Inf(1)}[run%4]
				want, wantSrc := refDistances(g, sources)
				s.Run(sources, limit)
				reached := map[int32]bool{}
				prev := 0.0
				for _, n := range s.Reached() {
					d, _ := s.NodeDist(n)
					if d < prev {
						t.Fatalf("run %d: Reached is not nearest first", run)
					}
					prev = d
					reached[n] = true
				}
				for n := range int32(g.NumNodes()) {
					d, ok := s.NodeDist(n)
					if ok != (want[n] <= limit && !math.IsInf(want[n], 1)) || ok != reached[n] {
						t.Fatalf("run %d, limit %v: node %d reached %v (in Reached %v), reference %.6f", run, limit, n, ok, reached[n], want[n])
					}
					if !ok {
						if s.NodeSource(n) != -1 {
							t.Fatalf("unreached node %d has source %d", n, s.NodeSource(n))
						}
						continue
					}
					if math.Abs(d-want[n]) > 1e-9 {
						t.Fatalf("run %d: node %d at %.9f, reference %.9f", run, n, d, want[n])
					}
					if got := s.NodeSource(n); got != wantSrc[n] {
						// A tie: the other source must be as near.
						alt, _ := refDistances(g, sources[got:got+1])
						if math.Abs(alt[n]-want[n]) > 1e-9 {
							t.Fatalf("run %d: node %d source %d (%.6f m), reference %d (%.6f m)", run, n, got, alt[n], wantSrc[n], want[n])
						}
					}
				}
			}
		})
	}
}

func TestSearchHandChecked(t *testing.T) {
	// A 1 km lane with a 100 m spur at x=600.
	lane := metres(0, 0, 600, 0, 1000, 0)
	spur := metres(600, 0, 600, 100)
	g := mustGraph(t, []RoadSegment{seg(1, lane), seg(2, spur)}, GraphOptions{})
	west, mid, east, north := nodeAt(t, g, lane[0]), nodeAt(t, g, lane[1]), nodeAt(t, g, lane[2]), nodeAt(t, g, spur[1])
	snap := func(x, y float64) Snap {
		s, ok := g.Snap(metres(x, y)[0])
		if !ok {
			t.Fatal("no snap")
		}
		return s
	}
	// Sources: 20 m south of x=100 and 10 m north of x=900.
	a, b := snap(100, -20), snap(900, 10)
	s := g.NewSearcher()
	s.Run([]Snap{a, b}, 450)
	for _, c := range []struct {
		node int32
		d    float64
		src  int
		ok   bool
	}{
		{west, 120, 0, true}, {mid, 310, 1, true}, {east, 110, 1, true}, {north, 410, 1, true},
	} {
		d, ok := s.NodeDist(c.node)
		if ok != c.ok || ok && (math.Abs(d-c.d) > 0.01 || s.NodeSource(c.node) != c.src) {
			t.Errorf("node %d: %.3f %v from %d; want %.0f from %d", c.node, d, ok, s.NodeSource(c.node), c.d, c.src)
		}
	}
	// With a 300 m limit the middle node (310 m) is out of reach.
	s.Run([]Snap{a, b}, 300)
	if _, ok := s.NodeDist(mid); ok || len(s.Reached()) != 2 {
		t.Errorf("limit 300: reached %v", s.Reached())
	}
	// DistanceTo a point 5 m off x=400: from a along the lane (300 m + 20 + 5),
	// not from b (500 + 10 + 5).
	if d, src, ok := s.DistanceTo(snap(400, 5)); ok {
		t.Errorf("limit 300: DistanceTo x=400 = %.2f from %d, want out of reach (325 m)", d, src)
	}
	s.Run([]Snap{a, b}, 330)
	if d, src, ok := s.DistanceTo(snap(400, 5)); !ok || src != 0 || math.Abs(d-325) > 0.01 {
		t.Errorf("DistanceTo x=400 = %.2f from %d %v, want 325 from 0", d, src, ok)
	}
}

// TestSearchDistanceToSameEdge: with both ends of a long edge out of reach, a
// target on the source's edge is reached straight along it.
func TestSearchDistanceToSameEdge(t *testing.T) {
	g := mustGraph(t, []RoadSegment{seg(1, metres(0, 0, 500, 0, 1000, 0))}, GraphOptions{})
	src, _ := g.Snap(metres(300, 10)[0])
	near, _ := g.Snap(metres(350, -5)[0])
	behind, _ := g.Snap(metres(240, 3)[0])
	far, _ := g.Snap(metres(450, 0)[0])
	s := g.AcquireSearcher()
	defer g.ReleaseSearcher(s)
	s.Run([]Snap{src}, 100)
	if len(s.Reached()) != 0 {
		t.Fatalf("reached %v: both ends are 310 m and 710 m away", s.Reached())
	}
	for _, c := range []struct {
		p    Snap
		want float64
		ok   bool
	}{{near, 65, true}, {behind, 73, true}, {src, 20, true}, {far, 160, false}} {
		d, i, ok := s.DistanceTo(c.p)
		if ok != c.ok || ok && (math.Abs(d-c.want) > 0.01 || i != 0) {
			t.Errorf("DistanceTo along %.1f: %.3f from %d %v; want %.0f %v", c.p.Along, d, i, ok, c.want, c.ok)
		}
	}
	// Two sources on the edge: the nearer one wins.
	other, _ := g.Snap(metres(360, 1)[0])
	s.Run([]Snap{src, other}, 100)
	if d, i, ok := s.DistanceTo(near); !ok || i != 1 || math.Abs(d-16) > 0.01 {
		t.Errorf("two sources: %.3f from %d %v; want 16 from 1", d, i, ok)
	}
}

// TestSearchDistanceToAgreesWithAccessRoads checks Run + DistanceTo against an
// independent construction: the same network with each source and target
// point joined to it by an access road (its Offset long) that meets the
// road at the snapped point, searched node to node.
func TestSearchDistanceToAgreesWithAccessRoads(t *testing.T) {
	segs := realRoads(t)
	opt := GraphOptions{MergeTolerance: -1} // no merging, so the access roads cannot move
	g := mustGraph(t, segs, opt)
	rng := newRand(3)
	for round := range 12 {
		pts := randomSnaps(t, g, rng, 6)
		if round%2 == 0 { // a target on the first source's edge
			e := g.Edge(pts[0].Edge)
			x := rng.Float64() * e.Length
			pts[5] = Snap{Edge: pts[0].Edge, Along: x, Offset: 3, Point: g.PointAlong(pts[0].Edge, x)}
		}
		// The access roads and the snapped points inserted into the roads.
		aug := slices.Clone(segs)
		origin := make([]orb.Point, len(pts))
		for i, p := range pts {
			bearing := rng.Float64() * 2 * math.Pi
			proj := geo.NewLocalProjection(p.Point)
			origin[i] = proj.Inverse(orb.Point{p.Offset * math.Cos(bearing), p.Offset * math.Sin(bearing)})
			if p.Offset == 0 || geo.Distance(origin[i], p.Point) == 0 {
				t.Fatalf("point %d has no offset", i)
			}
			pts[i].Offset = geo.Distance(origin[i], p.Point) // what the access road measures
			aug = insertVertex(t, aug, g.Edge(p.Edge).Segment, p.Point)
			aug = append(aug, RoadSegment{ID: int64(1_000_000 + i), Geometry: orb.LineString{origin[i], p.Point}})
		}
		ag := mustGraph(t, aug, opt)
		sources, targets := pts[:3], pts[3:]
		s := g.NewSearcher()
		s.Run(sources, math.Inf(1))
		for ti, tp := range targets {
			got, gotSrc, ok := s.DistanceTo(tp)
			want := math.Inf(1)
			for si := range sources {
				as := ag.NewSearcher()
				as.Run([]Snap{ag.NodeSnap(nodeAt(t, ag, origin[si]))}, math.Inf(1))
				if d, ok := as.NodeDist(nodeAt(t, ag, origin[3+ti])); ok {
					want = min(want, d)
				}
			}
			if ok != !math.IsInf(want, 1) || ok && math.Abs(got-want) > 1e-6 {
				t.Fatalf("round %d target %d: DistanceTo %.6f (from %d, %v), access-road graph %.6f", round, ti, got, gotSrc, ok, want)
			}
		}
	}
}

// insertVertex puts p into the line of segment id where it lies (within a
// millimetre of one of its pieces).
func insertVertex(tb testing.TB, segs []RoadSegment, id int64, p orb.Point) []RoadSegment {
	tb.Helper()
	for i := range segs {
		if segs[i].ID != id {
			continue
		}
		ls := segs[i].Geometry
		proj := geo.NewLocalProjection(p)
		for j := 0; j+1 < len(ls); j++ {
			if d2, _ := segmentDist2(orb.Point{}, proj.Forward(ls[j]), proj.Forward(ls[j+1])); d2 < 1e-6 {
				if ls[j] == p || ls[j+1] == p {
					return segs
				}
				segs[i].Geometry = slices.Insert(slices.Clone(ls), j+1, p)
				return segs
			}
		}
	}
	tb.Fatalf("segment %d does not pass through %v", id, p)
	return nil
}

// TestSearchReachedEdgesContract checks the pieces of ReachedEdges: at every
// sampled point the contract's min(DStart+s, DEnd+(length−s)) is the
// searcher's DistanceTo on that edge, and every reachable point is on a
// piece.
func TestSearchReachedEdgesContract(t *testing.T) {
	g := mustGraph(t, realRoads(t), GraphOptions{})
	rng := newRand(17)
	s := g.NewSearcher()
	for round := range 10 {
		sources := randomSnaps(t, g, rng, 1+rng.IntN(8))
		// Two sources on one edge, and one far off the network.
		e := g.Edge(sources[0].Edge)
		x := rng.Float64() * e.Length
		sources = append(sources, Snap{Edge: sources[0].Edge, Along: x, Offset: 4, Point: g.PointAlong(sources[0].Edge, x)})
		if round%2 == 1 {
			sources[len(sources)-1].Offset = 2000
		}
		limit := 400 + 200*float64(round%3)
		s.Run(sources, limit)
		pieces := s.reachedPieces()
		covered := map[int32][][2]float64{}
		for _, p := range pieces {
			covered[p.e] = append(covered[p.e], [2]float64{p.x0, p.x1})
			for k := 0; k <= 10; k++ {
				x := p.x0 + (p.x1-p.x0)*float64(k)/10
				want := min(p.dFrom+(x-p.x0), p.dTo+(p.x1-x))
				d, _, ok := s.DistanceTo(Snap{Edge: p.e, Along: x})
				if ok != (want <= limit) || ok && math.Abs(d-want) > 1e-9 {
					t.Fatalf("round %d edge %d at %.3f (piece %.3f–%.3f, ends %.3f/%.3f): DistanceTo %.6f %v, contract %.6f",
						round, p.e, x, p.x0, p.x1, p.dFrom, p.dTo, d, ok, want)
				}
			}
		}
		// Every point the search reaches lies on a piece.
		for e := range int32(g.NumEdges()) {
			l := g.Edge(e).Length
			for k := 0; k <= 20; k++ {
				x := l * float64(k) / 20
				if k == 20 {
					x = l
				}
				if _, _, ok := s.DistanceTo(Snap{Edge: e, Along: x}); ok && !slices.ContainsFunc(covered[e], func(r [2]float64) bool { return r[0] <= x && x <= r[1] }) {
					t.Fatalf("round %d: edge %d at %.3f is reached but on no piece %v", round, e, x, covered[e])
				}
			}
		}
		// The public lines are the pieces: same count, ends and lengths.
		res := s.ReachedEdges()
		if len(res) != len(pieces) {
			t.Fatalf("%d lines for %d pieces", len(res), len(pieces))
		}
		for i, r := range res {
			p := pieces[i]
			if r.DStart != p.dFrom || r.DEnd != p.dTo || math.Abs(geo.Length(r.Line)-(p.x1-p.x0)) > 1e-6*(p.x1-p.x0)+1e-9 {
				t.Fatalf("line %d: %.3f m (%v/%v), piece %.3f m (%v/%v)", i, geo.Length(r.Line), r.DStart, r.DEnd, p.x1-p.x0, p.dFrom, p.dTo)
			}
			if geo.Distance(r.Line[0], g.PointAlong(p.e, p.x0)) > 1e-6 || geo.Distance(r.Line[len(r.Line)-1], g.PointAlong(p.e, p.x1)) > 1e-6 {
				t.Fatalf("line %d does not run from %.3f to %.3f along edge %d", i, p.x0, p.x1, p.e)
			}
		}
	}
}

// TestSearchReachedEdgesOnGrid samples ReachedEdges the way a consumer sees
// them: points along each line, snapped back onto the network.
func TestSearchReachedEdgesOnGrid(t *testing.T) {
	g := mustGraph(t, gridRoads(12, 12, 90, shapingba), GraphOptions{})
	rng := newRand(23)
	sources := randomSnaps(t, g, rng, 3)
	s := g.NewSearcher()
	s.Run(sources, 350)
	res := s.ReachedEdges()
	if len(res) == 0 {
		t.Fatal("nothing reached")
	}
	reachedNodes := 0
	for _, r := range res {
		length := geo.Length(r.Line)
		for k := 1; k < 10; k++ {
			sAlong := length * float64(k) / 10
			q := pointOnLine(r.Line, sAlong)
			want := min(r.DStart+sAlong, r.DEnd+(length-sAlong))
			snap, _ := g.Snap(q)
			d, _, ok := s.DistanceTo(snap)
			if ok != (want <= 350) || ok && math.Abs(d-snap.Offset-want) > 1e-5 {
				t.Fatalf("at %.2f of a %.2f m line (%v/%v): DistanceTo %.6f %v, contract %.6f", sAlong, length, r.DStart, r.DEnd, d, ok, want)
			}
		}
		if !math.IsInf(r.DStart, 1) {
			reachedNodes++
		}
	}
	if reachedNodes == 0 || len(s.Reached()) == 0 {
		t.Error("no reached ends")
	}
}

// pointOnLine walks s metres along ls.
func pointOnLine(ls orb.LineString, s float64) orb.Point {
	for i := 0; i+1 < len(ls); i++ {
		d := geo.Distance(ls[i], ls[i+1])
		if s <= d {
			t := s / d
			return orb.Point{ls[i][0] + t*(ls[i+1][0]-ls[i][0]), ls[i][1] + t*(ls[i+1][1]-ls[i][1])}
		}
		s -= d
	}
	return ls[len(ls)-1]
}

func TestSearchNearestByWalk(t *testing.T) {
	g := mustGraph(t, gridRoads(25, 25, 80, shapingba), GraphOptions{})
	rng := newRand(29)
	targets := randomSnaps(t, g, rng, 60)
	ts := g.NewTargetSet(targets)
	if ts.Len() != 60 {
		t.Fatalf("Len %d", ts.Len())
	}
	s := g.NewSearcher()
	for round := range 30 {
		from := randomSnaps(t, g, rng, 1)[0]
		if round%5 == 0 { // from on a target's edge
			tg := targets[rng.IntN(len(targets))]
			from = Snap{Edge: tg.Edge, Along: rng.Float64() * g.Edge(tg.Edge).Length, Offset: 7}
		}
		k := 1 + rng.IntN(8)
		limit := []float64{math.Inf(1), 600}[round%2]
		// Brute force: the walk to every target.
		s.Run([]Snap{from}, math.Inf(1))
		type cand struct {
			t int
			d float64
		}
		var all []cand
		for i, tg := range targets {
			if d, _, ok := s.DistanceTo(tg); ok && d <= limit {
				all = append(all, cand{i, d})
			}
		}
		slices.SortFunc(all, func(a, b cand) int { return cmp.Compare(a.d, b.d) })
		hits := g.NearestByWalk(from, ts, k, limit)
		if len(hits) != min(k, len(all)) {
			t.Fatalf("round %d: %d hits, want %d", round, len(hits), min(k, len(all)))
		}
		for i, h := range hits {
			if math.Abs(h.Distance-all[i].d) > 1e-9 {
				t.Fatalf("round %d hit %d: target %d at %.6f, brute force %d at %.6f", round, i, h.Target, h.Distance, all[i].t, all[i].d)
			}
			// The hit's distance is that target's.
			if d, _, _ := s.DistanceTo(targets[h.Target]); math.Abs(d-h.Distance) > 1e-9 {
				t.Fatalf("round %d: target %d reported at %.6f, is %.6f", round, h.Target, h.Distance, d)
			}
		}
	}
	if hits := g.NearestByWalk(targets[0], ts, 0, math.Inf(1)); hits != nil {
		t.Errorf("k=0: %v", hits)
	}
	other := mustGraph(t, gridRoads(2, 2, 80, shapingba), GraphOptions{})
	if hits := other.NearestByWalk(targets[0], ts, 3, math.Inf(1)); hits != nil {
		t.Errorf("a target set of another graph: %v", hits)
	}
}

// TestSearcherDoesNotAllocate: repeated runs reuse the searcher's arrays.
func TestSearcherDoesNotAllocate(t *testing.T) {
	g := mustGraph(t, gridRoads(40, 40, 80, shapingba), GraphOptions{})
	sources := randomSnaps(t, g, newRand(31), 20)
	s := g.NewSearcher()
	s.Run(sources, 810) // grow the heap once
	if a := testing.AllocsPerRun(20, func() { s.Run(sources, 810) }); a != 0 {
		t.Errorf("Run allocates %.1f times", a)
	}
	if a := testing.AllocsPerRun(20, func() { s.DistanceTo(sources[3]) }); a != 0 {
		t.Errorf("DistanceTo allocates %.1f times", a)
	}
	// NearestByWalk allocates its hits only (on a searcher from the pool,
	// which the race detector empties at random, hence the searcher here).
	ts := g.NewTargetSet(sources)
	s.nearest(sources[0], ts, 3, 2000)
	if a := testing.AllocsPerRun(20, func() { s.nearest(sources[0], ts, 3, 2000) }); a > 1 {
		t.Errorf("NearestByWalk allocates %.1f times", a)
	}
}

// TestSearchersConcurrently: pooled searchers on one graph from many
// goroutines (run with -race).
func TestSearchersConcurrently(t *testing.T) {
	g := mustGraph(t, gridRoads(20, 20, 80, shapingba), GraphOptions{})
	rng := newRand(37)
	froms := randomSnaps(t, g, rng, 16)
	ts := g.NewTargetSet(randomSnaps(t, g, rng, 30))
	want := make([][]Hit, len(froms))
	for i, f := range froms {
		want[i] = g.NearestByWalk(f, ts, 4, 1500)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rep := range 20 {
				i := (w + rep) % len(froms)
				if got := g.NearestByWalk(froms[i], ts, 4, 1500); !slices.Equal(got, want[i]) {
					t.Errorf("goroutine %d: %v, want %v", w, got, want[i])
					return
				}
				s := g.AcquireSearcher()
				s.Run(froms[i:i+1], 500)
				if d, _, ok := s.DistanceTo(froms[i]); !ok || math.Abs(d-2*froms[i].Offset) > 1e-9 {
					t.Errorf("DistanceTo itself: %v %v", d, ok)
				}
				g.ReleaseSearcher(s)
			}
		}()
	}
	wg.Wait()
}

// A facility and a household near a T of two streets: the walk from the
// facility reaches the household along the streets, off the network at
// both ends: 11 m + 174 m east + 277 m north + 10 m.
func ExampleSearcher_DistanceTo() {
	segs := []RoadSegment{
		{ID: 1, Geometry: orb.LineString{{106.4500, 29.5800}, {106.4520, 29.5800}, {106.4540, 29.5800}}}, // about 390 m east
		{ID: 2, Geometry: orb.LineString{{106.4520, 29.5800}, {106.4520, 29.5830}}},                      // about 330 m north
	}
	g, err := NewWalkingGraph(segs, GraphOptions{})
	if err != nil {
		panic(err)
	}
	facility, _ := g.Snap(orb.Point{106.4502, 29.5799})
	household, _ := g.Snap(orb.Point{106.4521, 29.5825})
	s := g.AcquireSearcher()
	defer g.ReleaseSearcher(s)
	s.Run([]Snap{facility}, 810) // 15 minutes at 0.9 m/s
	d, _, ok := s.DistanceTo(household)
	fmt.Printf("%d nodes, %d edges; walk %.0f m (%.0f m and %.0f m off the streets), within 810 m: %v\n",
		g.NumNodes(), g.NumEdges(), d, facility.Offset, household.Offset, ok)
	// Output: 4 nodes, 3 edges; walk 472 m (11 m and 10 m off the streets), within 810 m: true
}

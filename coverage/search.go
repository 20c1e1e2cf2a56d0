package coverage

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Searcher runs walking searches on one graph: a multi-source Dijkstra
// bounded by a distance (binary heap with decrease-key), whose results
// stay readable until the next Run. Its arrays are sized to the graph once
// and reset by a generation counter, so repeated runs do not allocate. A
// Searcher is not safe for concurrent use: take one per goroutine
// (AcquireSearcher).
type Searcher struct {
	g *WalkingGraph

	// state holds one entry per node, then (for NearestByWalk) one per
	// target: entry NumNodes+t is target t.
	state []searchState
	epoch uint32

	heap    []heapItem
	reached []int32
	limit   float64

	sources []Snap
	// bySource lists source indices sorted by edge; srcEdge marks (with
	// epoch) the edges that hold a source.
	bySource []int32
	srcEdge  []uint32
}

// searchState is a node's (or target's) search state, in one place so a
// relaxation touches one cache line: the tentative distance and nearest
// source are valid when seen == epoch, final when done == epoch; pos is
// its place in the heap while it is there.
type searchState struct {
	dist float64
	src  int32
	seen uint32
	done uint32
	pos  int32
}

// heapItem is a heap entry: a node, or a target (n ≥ NumNodes) for
// NearestByWalk.
type heapItem struct {
	d float64
	n int32
}

// NewSearcher returns a searcher for g.
func (g *WalkingGraph) NewSearcher() *Searcher {
	return &Searcher{
		g:       g,
		state:   make([]searchState, len(g.nodes)),
		srcEdge: make([]uint32, len(g.edges)),
	}
}

// AcquireSearcher takes a searcher from the graph's pool; give it back
// with ReleaseSearcher.
func (g *WalkingGraph) AcquireSearcher() *Searcher { return g.pool.Get().(*Searcher) }

// ReleaseSearcher returns a searcher to the pool. Its results must not be
// read afterwards.
func (g *WalkingGraph) ReleaseSearcher(s *Searcher) {
	if s != nil && s.g == g {
		g.pool.Put(s)
	}
}

// begin starts a new generation.
func (s *Searcher) begin(limit float64) {
	s.epoch++
	if s.epoch == 0 { // wrapped: clear the stamps once
		clear(s.state)
		clear(s.srcEdge)
		s.epoch = 1
	}
	s.limit = limit
	s.heap = s.heap[:0]
	s.reached = s.reached[:0]
	s.sources = s.sources[:0]
	s.bySource = s.bySource[:0]
}

// up moves heap item i towards the root to its place.
func (s *Searcher) up(i int) {
	h := s.heap
	it := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if h[p].d <= it.d {
			break
		}
		h[i] = h[p]
		s.state[h[i].n].pos = int32(i)
		i = p
	}
	h[i] = it
	s.state[it.n].pos = int32(i)
}

// pop removes and returns the nearest heap item. It moves the hole at the
// root down to a leaf along the smaller children, then lets the last item
// rise from there (Floyd's bottom-up sift): the last item is usually among
// the farthest, so this saves a comparison per level.
func (s *Searcher) pop() heapItem {
	h := s.heap
	top := h[0]
	last := h[len(h)-1]
	h = h[:len(h)-1]
	s.heap = h
	if len(h) == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && h[c+1].d < h[c].d {
			c++
		}
		h[i] = h[c]
		s.state[h[i].n].pos = int32(i)
		i = c
	}
	h[i] = last
	s.up(i)
	return top
}

// relax offers distance d from source src to node (or target) n.
func (s *Searcher) relax(n int32, d float64, src int32) {
	if d > s.limit {
		return
	}
	st := &s.state[n]
	switch {
	case st.seen != s.epoch:
		st.seen, st.dist, st.src = s.epoch, d, src
		s.heap = append(s.heap, heapItem{d, n})
		s.up(len(s.heap) - 1)
	case d < st.dist && st.done != s.epoch:
		st.dist, st.src = d, src
		s.heap[st.pos].d = d
		s.up(int(st.pos))
	}
}

// settle pops the nearest node (or target) off the heap and marks it done.
func (s *Searcher) settle() (int32, float64) {
	it := s.pop()
	s.state[it.n].done = s.epoch
	return it.n, it.d
}

// validSnap says whether p's edge exists in the graph.
func (s *Searcher) validSnap(p Snap) bool {
	return p.Edge >= 0 && int(p.Edge) < len(s.g.edges) && !math.IsNaN(p.Along) && !math.IsNaN(p.Offset)
}

// Run searches from every source at once: each node gets the walking
// distance from its nearest source. A source's cost starts at its Offset
// (the walk onto the network) plus the distance along its edge to each
// end. Nothing farther than limit metres is settled; math.Inf(1) searches
// the whole graph. Sources on edges of another graph are ignored.
func (s *Searcher) Run(sources []Snap, limit float64) {
	s.begin(limit)
	g := s.g
	s.sources = append(s.sources, sources...)
	for i, p := range sources {
		if !s.validSnap(p) {
			continue
		}
		e := g.edges[p.Edge]
		a := min(max(p.Along, 0), e.Length)
		s.relax(e.From, p.Offset+a, int32(i))
		s.relax(e.To, p.Offset+e.Length-a, int32(i))
		s.bySource = append(s.bySource, int32(i))
		s.srcEdge[p.Edge] = s.epoch
	}
	slices.SortFunc(s.bySource, func(a, b int32) int {
		return cmp.Or(cmp.Compare(sources[a].Edge, sources[b].Edge), cmp.Compare(a, b))
	})
	for len(s.heap) > 0 {
		u, d := s.settle()
		s.reached = append(s.reached, u)
		src := s.state[u].src
		for k := g.adjStart[u]; k < g.adjStart[u+1]; k++ {
			s.relax(g.adjNode[k], d+g.adjLen[k], src)
		}
	}
}

// NodeDist returns the walking distance to node n from the nearest source
// of the last Run, and false when n was not reached within the limit.
func (s *Searcher) NodeDist(n int32) (float64, bool) {
	if n < 0 || int(n) >= len(s.g.nodes) || s.state[n].done != s.epoch || s.epoch == 0 {
		return math.Inf(1), false
	}
	return s.state[n].dist, true
}

// NodeSource returns the index (into Run's sources) of node n's nearest
// source, or -1 when n was not reached.
func (s *Searcher) NodeSource(n int32) int {
	if _, ok := s.NodeDist(n); !ok {
		return -1
	}
	return int(s.state[n].src)
}

// Reached returns the nodes the last Run settled, nearest first. The slice
// is the searcher's own: it is overwritten by the next Run.
func (s *Searcher) Reached() []int32 { return s.reached }

// sourcesOn returns the indices of the sources on edge e (sorted).
func (s *Searcher) sourcesOn(e int32) []int32 {
	if s.srcEdge[e] != s.epoch {
		return nil
	}
	i, _ := slices.BinarySearchFunc(s.bySource, e, func(k, e int32) int { return cmp.Compare(s.sources[k].Edge, e) })
	j := i
	for j < len(s.bySource) && s.sources[s.bySource[j]].Edge == e {
		j++
	}
	return s.bySource[i:j]
}

// DistanceTo returns the walk from the nearest source of the last Run to
// the snapped point p: through either end of p's edge, or straight along
// the edge from a source on the same edge, plus p's Offset. ok is true
// only when that walk is within the limit.
func (s *Searcher) DistanceTo(p Snap) (d float64, source int, ok bool) {
	if s.epoch == 0 || !s.validSnap(p) {
		return math.Inf(1), -1, false
	}
	e := s.g.edges[p.Edge]
	a := min(max(p.Along, 0), e.Length)
	d, source = math.Inf(1), -1
	if dn, ok := s.NodeDist(e.From); ok && dn+a < d {
		d, source = dn+a, int(s.state[e.From].src)
	}
	if dn, ok := s.NodeDist(e.To); ok && dn+e.Length-a < d {
		d, source = dn+e.Length-a, int(s.state[e.To].src)
	}
	for _, k := range s.sourcesOn(p.Edge) {
		q := s.sources[k]
		if dq := q.Offset + math.Abs(min(max(q.Along, 0), e.Length)-a); dq < d || dq == d && int(k) < source {
			d, source = dq, int(k)
		}
	}
	d += p.Offset
	if d > s.limit || source < 0 {
		return math.Inf(1), -1, false
	}
	return d, source, true
}

// ReachedEdges returns every edge with an end the last Run reached, with
// the walking distance at both ends (+Inf at an end not reached), as
// ReachedEdge's contract says. Edges that hold sources are split at each
// source point, so the distance along every piece is the smaller of its
// two ends' plus the way from them; pieces with neither end reached are
// left out. The lines are new slices the caller owns.
func (s *Searcher) ReachedEdges() []ReachedEdge {
	pieces := s.reachedPieces()
	g := s.g
	npts := 0
	for _, p := range pieces {
		npts += int(g.off[p.e+1]-g.off[p.e]) + 2
	}
	out := make([]ReachedEdge, len(pieces))
	buf := make(orb.LineString, 0, npts)
	for i, p := range pieces {
		start := len(buf)
		buf = g.subLine(buf, p.e, p.x0, p.x1)
		out[i] = ReachedEdge{Line: buf[start:len(buf):len(buf)], DStart: p.dFrom, DEnd: p.dTo}
	}
	return out
}

// reachedPiece is the part of edge e from x0 to x1 metres along it, with
// the walking distances at both ends.
type reachedPiece struct {
	e          int32
	x0, x1     float64
	dFrom, dTo float64
}

func (s *Searcher) reachedPieces() []reachedPiece {
	if s.epoch == 0 {
		return nil
	}
	g := s.g
	inf := math.Inf(1)
	var pieces []reachedPiece
	nodeDist := func(n int32) float64 {
		d, _ := s.NodeDist(n)
		return d
	}
	// Edges without sources, from their lower reached end.
	for _, u := range s.reached {
		for k := g.adjStart[u]; k < g.adjStart[u+1]; k++ {
			e, v := g.adjEdge[k], g.adjNode[k]
			if s.srcEdge[e] == s.epoch || v < u && s.state[v].done == s.epoch {
				continue
			}
			ed := g.edges[e]
			pieces = append(pieces, reachedPiece{e, 0, ed.Length, nodeDist(ed.From), nodeDist(ed.To)})
		}
	}
	// Edges with sources, split at each source point.
	var xs []float64
	for i := 0; i < len(s.bySource); {
		e := s.sources[s.bySource[i]].Edge
		on := s.sourcesOn(e)
		i += len(on)
		ed := g.edges[e]
		dFrom, dTo := nodeDist(ed.From), nodeDist(ed.To)
		at := func(x float64) float64 {
			d := min(dFrom+x, dTo+ed.Length-x)
			for _, k := range on {
				q := s.sources[k]
				d = min(d, q.Offset+math.Abs(min(max(q.Along, 0), ed.Length)-x))
			}
			if d > s.limit {
				return inf
			}
			return d
		}
		xs = append(xs[:0], 0, ed.Length)
		for _, k := range on {
			xs = append(xs, min(max(s.sources[k].Along, 0), ed.Length))
		}
		slices.Sort(xs)
		xs = slices.Compact(xs)
		for j := 0; j+1 < len(xs); j++ {
			d0, d1 := at(xs[j]), at(xs[j+1])
			if math.IsInf(d0, 1) && math.IsInf(d1, 1) {
				continue
			}
			pieces = append(pieces, reachedPiece{e, xs[j], xs[j+1], d0, d1})
		}
	}
	return pieces
}

// TargetSet is a set of snapped points (facilities, say) indexed by edge
// for NearestByWalk. It is immutable and may be shared by goroutines.
type TargetSet struct {
	g       *WalkingGraph
	targets []Snap
	// Targets on edge e: byEdge[start[e]:start[e+1]].
	start  []int32
	byEdge []int32
}

// NewTargetSet indexes targets; Hit.Target is an index into targets.
// Targets whose edge is not in g are left out.
func (g *WalkingGraph) NewTargetSet(targets []Snap) *TargetSet {
	ts := &TargetSet{g: g, targets: slices.Clone(targets), start: make([]int32, len(g.edges)+1)}
	for _, t := range targets {
		if t.Edge >= 0 && int(t.Edge) < len(g.edges) {
			ts.start[t.Edge+1]++
		}
	}
	for i := 1; i < len(ts.start); i++ {
		ts.start[i] += ts.start[i-1]
	}
	ts.byEdge = make([]int32, ts.start[len(g.edges)])
	fill := slices.Clone(ts.start[:len(g.edges)])
	for i, t := range targets {
		if t.Edge >= 0 && int(t.Edge) < len(g.edges) {
			ts.byEdge[fill[t.Edge]] = int32(i)
			fill[t.Edge]++
		}
	}
	return ts
}

// Len is the number of targets.
func (ts *TargetSet) Len() int { return len(ts.targets) }

// Hit is a target found by NearestByWalk.
type Hit struct {
	Target   int     // index into the targets of the TargetSet
	Distance float64 // metres, both offsets included
}

// NearestByWalk returns the k targets nearest to from by walking (off the
// network at from, along it, off it at the target), nearest first, within
// limit metres (math.Inf(1) for no limit). It stops as soon as the k-th
// target is settled. Fewer than k hits means no more targets are within
// the limit.
func (g *WalkingGraph) NearestByWalk(from Snap, ts *TargetSet, k int, limit float64) []Hit {
	if ts == nil || ts.g != g || k <= 0 || len(ts.byEdge) == 0 {
		return nil
	}
	s := g.AcquireSearcher()
	defer g.ReleaseSearcher(s)
	return s.nearest(from, ts, k, limit)
}

func (s *Searcher) nearest(from Snap, ts *TargetSet, k int, limit float64) []Hit {
	s.begin(limit)
	if !s.validSnap(from) {
		return nil
	}
	g := s.g
	n := int32(len(g.nodes))
	if need := len(g.nodes) + len(ts.targets); len(s.state) < need {
		s.state = append(s.state, make([]searchState, need-len(s.state))...)
	}
	relaxTarget := func(t int32, d float64) { s.relax(n+t, d+ts.targets[t].Offset, 0) }
	alongOf := func(p Snap, length float64) float64 { return min(max(p.Along, 0), length) }
	e := g.edges[from.Edge]
	a := alongOf(from, e.Length)
	s.relax(e.From, from.Offset+a, 0)
	s.relax(e.To, from.Offset+e.Length-a, 0)
	for _, t := range ts.byEdge[ts.start[from.Edge]:ts.start[from.Edge+1]] {
		relaxTarget(t, from.Offset+math.Abs(alongOf(ts.targets[t], e.Length)-a))
	}
	hits := make([]Hit, 0, min(k, len(ts.targets)))
	for len(s.heap) > 0 {
		u, d := s.settle()
		if u >= n {
			hits = append(hits, Hit{Target: int(u - n), Distance: d})
			if len(hits) == k {
				break
			}
			continue
		}
		s.reached = append(s.reached, u)
		for j := g.adjStart[u]; j < g.adjStart[u+1]; j++ {
			ei := g.adjEdge[j]
			if on := ts.byEdge[ts.start[ei]:ts.start[ei+1]]; len(on) > 0 {
				ed := g.edges[ei]
				for _, t := range on {
					at := alongOf(ts.targets[t], ed.Length)
					w := math.Inf(1)
					if ed.From == u {
						w = at
					}
					if ed.To == u {
						w = min(w, ed.Length-at)
					}
					relaxTarget(t, d+w)
				}
			}
			s.relax(g.adjNode[j], d+g.adjLen[j], 0)
		}
	}
	return hits
}

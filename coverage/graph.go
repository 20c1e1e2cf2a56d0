package coverage

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"diming"
	"diming/geo"
	"diming/internal/unionfind"
)

// DefaultMergeTolerance is the distance in metres under which line ends
// become one node when GraphOptions leaves it unset.
const DefaultMergeTolerance = 0.5

// vertexPrecision is the grid (1e-7°, about 1 cm) on which vertices are
// compared: two vertices that round to the same point are the same place.
const vertexPrecision = 1e7

// GraphOptions tunes how road segments become a walking graph.
type GraphOptions struct {
	// MergeTolerance is in metres: line ends (and vertices shared by
	// lines) closer than this become one node. Zero means
	// DefaultMergeTolerance; a negative value merges only vertices that
	// are equal to 1e-7°.
	MergeTolerance float64
	// JoinEndsToLines makes a line end that lies within MergeTolerance of
	// another line's interior (a T-junction drawn without a shared vertex)
	// a node on that line: the end point is inserted into the other line
	// as a vertex, moving it by at most the tolerance.
	JoinEndsToLines bool
}

// Edge is one piece of a road segment between two nodes.
type Edge struct {
	From, To int32
	// Length is the geodesic length of the edge's line in metres on the
	// WGS84 ellipsoid (as geo.Length).
	Length float64
	// Segment is the RoadSegment.ID the edge is a piece of.
	Segment int64
}

// WalkingGraph is the walking network as an undirected graph: nodes are
// segment ends, vertices shared by two or more segments and ends merged
// within the merge tolerance; edges are the polyline pieces between nodes.
// Ids are dense int32 (nodes 0..NumNodes-1, edges 0..NumEdges-1). It is
// immutable once built and safe for concurrent readers; searches run on a
// Searcher, one per goroutine.
type WalkingGraph struct {
	nodes []orb.Point // lon/lat
	edges []Edge

	// Edge i's line is pts[off[i]:off[i+1]]; cum holds, per vertex, the
	// geodesic distance from the edge's From node along it.
	off []int32
	pts []orb.Point
	cum []float64

	// CSR adjacency: node n's incident edges are adjEdge[adjStart[n]:
	// adjStart[n+1]], reaching adjNode with weight adjLen. A self-loop is
	// listed once.
	adjStart []int32
	adjEdge  []int32
	adjNode  []int32
	adjLen   []float64

	// Snapping: vertices in projected metres (parallel to pts), the edge of
	// each vertex, and an R-tree over the segments keyed by the index of
	// their first vertex.
	proj   geo.LocalProjection
	xy     []orb.Point
	vertEd []int32
	tree   rtree.RTreeGN[float64, int32]

	comp  []int32 // component of each node, in Components order
	comps Components
	total float64

	tol      float64 // the merge tolerance used, metres
	joinEnds bool

	pool sync.Pool // *Searcher
}

// Components describes the connected pieces of a graph, largest first.
type Components struct {
	Count int
	// Sizes is the number of nodes of each component, largest first.
	Sizes []int
	// Lengths is the total edge length of each component in metres, in the
	// same order.
	Lengths []float64
}

// candidate is a distinct vertex (to 1e-7°) of the input.
type candidate struct {
	p      orb.Point
	visits int32 // how many times lines pass through it
	end    bool  // a segment starts or ends here
}

func (c *candidate) isNode() bool { return c.end || c.visits >= 2 }

// NewWalkingGraph builds the walking graph of segs. A segment with fewer
// than two points or with a coordinate that is not a finite longitude and
// latitude is EINVALID.
func NewWalkingGraph(segs []RoadSegment, opt GraphOptions) (*WalkingGraph, error) {
	tol := opt.MergeTolerance
	switch {
	case math.IsNaN(tol) || math.IsInf(tol, 0):
		return nil, diming.Errorf(diming.EINVALID, "合并容差 %v 无效", "invalid merge tolerance %v", tol)
	case tol == 0:
		tol = DefaultMergeTolerance
	case tol < 0:
		tol = 0
	}
	nv := 0
	for i := range segs {
		if err := checkRoadGeometry(i, &segs[i]); err != nil {
			return nil, err
		}
		nv += len(segs[i].Geometry)
	}
	if nv >= math.MaxInt32/2 {
		return nil, diming.Errorf(diming.ETOOLARGE, "路网过大（%d 个顶点）", "the road network is too large (%d vertices)", nv)
	}

	geoms := make([]orb.LineString, len(segs))
	var bound orb.Bound
	for i := range segs {
		geoms[i] = segs[i].Geometry
		if i == 0 {
			bound = geoms[0][0].Bound()
		}
		bound = bound.Extend(geoms[i].Bound().Min).Extend(geoms[i].Bound().Max)
	}
	proj := geo.NewLocalProjection(bound.Center())
	if opt.JoinEndsToLines && tol > 0 {
		geoms = joinEndsToLines(geoms, tol, proj)
	}

	// Pass 1: distinct vertices and how often lines pass through them. A
	// vertex repeated right after itself is one visit; vid is -1 for it.
	ids := make(map[[2]int64]int32, nv)
	cands := make([]candidate, 0, nv/2)
	vid := make([]int32, 0, nv)
	for i := range geoms {
		ls := geoms[i]
		prev := int32(-1)
		for j, p := range ls {
			k := vertexKey(p)
			id, ok := ids[k]
			if !ok {
				id = int32(len(cands))
				ids[k] = id
				cands = append(cands, candidate{p: p})
			}
			if j == 0 || j == len(ls)-1 {
				cands[id].end = true
			}
			if id == prev {
				vid = append(vid, -1)
				continue
			}
			cands[id].visits++
			vid = append(vid, id)
			prev = id
		}
	}

	// Pass 2: nodes closer than the tolerance become one (union-find, the
	// lowest candidate id is the root and gives the node's position).
	sets := unionfind.New(len(cands))
	find := sets.Find
	if tol > 0 {
		cells := make(map[[2]int64][]int32)
		cellOf := func(q orb.Point) [2]int64 {
			return [2]int64{int64(math.Floor(q[0] / tol)), int64(math.Floor(q[1] / tol))}
		}
		for i := range cands {
			if !cands[i].isNode() {
				continue
			}
			c := cellOf(proj.Forward(cands[i].p))
			for dx := int64(-1); dx <= 1; dx++ {
				for dy := int64(-1); dy <= 1; dy++ {
					for _, o := range cells[[2]int64{c[0] + dx, c[1] + dy}] {
						if geo.Distance(cands[i].p, cands[o].p) < tol {
							ra, rb := find(int32(i)), find(o)
							if ra != rb {
								sets[max(ra, rb)] = min(ra, rb)
							}
						}
					}
				}
			}
			cells[c] = append(cells[c], int32(i))
		}
	}

	// Pass 3: edges, the pieces of each segment between nodes, with their
	// ends moved onto their node's position.
	g := &WalkingGraph{proj: proj, tol: tol, joinEnds: opt.JoinEndsToLines}
	nodeOf := make([]int32, len(cands)) // root candidate -> node id
	for i := range nodeOf {
		nodeOf[i] = -1
	}
	nodeID := func(c int32) int32 {
		r := find(c)
		if nodeOf[r] < 0 {
			nodeOf[r] = int32(len(g.nodes))
			g.nodes = append(g.nodes, cands[r].p)
		}
		return nodeOf[r]
	}
	g.off = append(g.off, 0)
	var piece []orb.Point
	k := 0
	for i := range geoms {
		ls := geoms[i]
		start := int32(-1)
		for _, p := range ls {
			c := vid[k]
			k++
			if c < 0 {
				continue
			}
			if !cands[c].isNode() {
				piece = append(piece, p)
				continue
			}
			at := cands[find(c)].p
			if start >= 0 {
				piece = append(piece, at)
				g.addEdge(piece, start, c, segs[i].ID, nodeID)
			}
			start = c
			piece = append(piece[:0], at)
		}
		piece = piece[:0]
	}
	if len(g.edges) >= math.MaxInt32/2 {
		return nil, diming.Errorf(diming.ETOOLARGE, "路网过大（%d 条边）", "the road network is too large (%d edges)", len(g.edges))
	}
	g.buildAdjacency()
	g.buildIndex()
	g.buildComponents()
	g.pool.New = func() any { return g.NewSearcher() }
	return g, nil
}

// joinEndsToLines returns the lines with each dangling end (one no other
// line starts, ends or passes at) inserted as a vertex into the nearest
// other line piece closer than tol metres, if any. Lines it changes are
// copies.
func joinEndsToLines(geoms []orb.LineString, tol float64, proj geo.LocalProjection) []orb.LineString {
	type pieceRef struct{ line, k int32 }
	var tree rtree.RTreeGN[float64, pieceRef]
	xy := make([][]orb.Point, len(geoms))
	uses := make(map[[2]int64]int32)
	for i, ls := range geoms {
		xy[i] = make([]orb.Point, len(ls))
		seen := make(map[[2]int64]bool, len(ls))
		for k, p := range ls {
			xy[i][k] = proj.Forward(p)
			if key := vertexKey(p); !seen[key] {
				seen[key] = true
				uses[key]++
			}
			if k > 0 {
				a, b := xy[i][k-1], xy[i][k]
				tree.Insert([2]float64{min(a[0], b[0]), min(a[1], b[1])}, [2]float64{max(a[0], b[0]), max(a[1], b[1])}, pieceRef{int32(i), int32(k - 1)})
			}
		}
	}
	type insertion struct {
		ref pieceRef
		t   float64
		p   orb.Point
	}
	var ins []insertion
	for i, ls := range geoms {
		for _, end := range []int{0, len(ls) - 1} {
			if uses[vertexKey(ls[end])] > 1 {
				continue
			}
			q := xy[i][end]
			best, bestD2, bestT := pieceRef{-1, -1}, tol*tol, 0.0
			tree.Search([2]float64{q[0] - tol, q[1] - tol}, [2]float64{q[0] + tol, q[1] + tol}, func(_, _ [2]float64, r pieceRef) bool {
				// Not the line's own piece at this end.
				if r.line == int32(i) && (end == 0 && r.k == 0 || end > 0 && int(r.k) == end-1) {
					return true
				}
				d2, t := segmentDist2(q, xy[r.line][r.k], xy[r.line][r.k+1])
				if d2 < bestD2 || d2 == bestD2 && best.line >= 0 && (r.line < best.line || r.line == best.line && r.k < best.k) {
					best, bestD2, bestT = r, d2, t
				}
				return true
			})
			if best.line >= 0 {
				ins = append(ins, insertion{best, bestT, ls[end]})
			}
		}
	}
	if len(ins) == 0 {
		return geoms
	}
	slices.SortFunc(ins, func(a, b insertion) int {
		return cmp.Or(cmp.Compare(a.ref.line, b.ref.line), cmp.Compare(a.ref.k, b.ref.k), cmp.Compare(a.t, b.t))
	})
	out := slices.Clone(geoms)
	for j := 0; j < len(ins); {
		line := ins[j].ref.line
		old := geoms[line]
		ls := make(orb.LineString, 0, len(old)+4)
		for k := range old {
			ls = append(ls, old[k])
			for j < len(ins) && ins[j].ref.line == line && int(ins[j].ref.k) == k {
				ls = append(ls, ins[j].p)
				j++
			}
		}
		out[line] = ls
	}
	return out
}

func vertexKey(p orb.Point) [2]int64 {
	return [2]int64{int64(math.Round(p[0] * vertexPrecision)), int64(math.Round(p[1] * vertexPrecision))}
}

// addEdge appends the piece (vertices from node candidate a to b) as an
// edge unless it has no length.
func (g *WalkingGraph) addEdge(piece []orb.Point, a, b int32, seg int64, nodeID func(int32) int32) {
	first := len(g.pts)
	length := 0.0
	for j, p := range piece {
		if j > 0 && p == g.pts[len(g.pts)-1] {
			continue
		}
		if j > 0 {
			length += geo.Distance(g.pts[len(g.pts)-1], p)
		}
		g.pts = append(g.pts, p)
		g.cum = append(g.cum, length)
	}
	if len(g.pts)-first < 2 || length == 0 {
		g.pts, g.cum = g.pts[:first], g.cum[:first]
		return
	}
	g.edges = append(g.edges, Edge{From: nodeID(a), To: nodeID(b), Length: length, Segment: seg})
	g.off = append(g.off, int32(len(g.pts)))
	g.total += length
}

func (g *WalkingGraph) buildAdjacency() {
	n := len(g.nodes)
	g.adjStart = make([]int32, n+1)
	for _, e := range g.edges {
		g.adjStart[e.From+1]++
		if e.To != e.From {
			g.adjStart[e.To+1]++
		}
	}
	for i := 1; i <= n; i++ {
		g.adjStart[i] += g.adjStart[i-1]
	}
	m := g.adjStart[n]
	g.adjEdge = make([]int32, m)
	g.adjNode = make([]int32, m)
	g.adjLen = make([]float64, m)
	fill := slices.Clone(g.adjStart[:n])
	put := func(u, v, e int32, w float64) {
		k := fill[u]
		fill[u]++
		g.adjEdge[k], g.adjNode[k], g.adjLen[k] = e, v, w
	}
	for i, e := range g.edges {
		put(e.From, e.To, int32(i), e.Length)
		if e.To != e.From {
			put(e.To, e.From, int32(i), e.Length)
		}
	}
}

func (g *WalkingGraph) buildIndex() {
	g.xy = make([]orb.Point, len(g.pts))
	g.vertEd = make([]int32, len(g.pts))
	for i, p := range g.pts {
		g.xy[i] = g.proj.Forward(p)
	}
	for e := range g.edges {
		for v := g.off[e]; v < g.off[e+1]; v++ {
			g.vertEd[v] = int32(e)
			if v+1 < g.off[e+1] {
				a, b := g.xy[v], g.xy[v+1]
				g.tree.Insert([2]float64{min(a[0], b[0]), min(a[1], b[1])}, [2]float64{max(a[0], b[0]), max(a[1], b[1])}, v)
			}
		}
	}
}

func (g *WalkingGraph) buildComponents() {
	n := len(g.nodes)
	raw := make([]int32, n)
	for i := range raw {
		raw[i] = -1
	}
	var sizes []int
	var lengths []float64
	var stack []int32
	for s := range n {
		if raw[s] >= 0 {
			continue
		}
		c := int32(len(sizes))
		size, length := 0, 0.0
		raw[s] = c
		stack = append(stack[:0], int32(s))
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			size++
			for k := g.adjStart[u]; k < g.adjStart[u+1]; k++ {
				if e := g.edges[g.adjEdge[k]]; e.From == u {
					length += e.Length // each edge counted from its From end
				}
				if v := g.adjNode[k]; raw[v] < 0 {
					raw[v] = c
					stack = append(stack, v)
				}
			}
		}
		sizes = append(sizes, size)
		lengths = append(lengths, length)
	}
	order := make([]int, len(sizes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(sizes[b], sizes[a]); c != 0 {
			return c
		}
		return cmp.Compare(lengths[b], lengths[a])
	})
	rank := make([]int32, len(sizes))
	g.comps = Components{Count: len(sizes), Sizes: make([]int, len(sizes)), Lengths: make([]float64, len(sizes))}
	for r, c := range order {
		rank[c] = int32(r)
		g.comps.Sizes[r], g.comps.Lengths[r] = sizes[c], lengths[c]
	}
	g.comp = raw
	for i, c := range raw {
		g.comp[i] = rank[c]
	}
}

// checkRoadGeometry says why a segment's line cannot be a walking edge.
func checkRoadGeometry(i int, s *RoadSegment) error {
	label := func() (string, string) {
		zh, en := fmt.Sprintf("第 %d 条道路", i+1), fmt.Sprintf("road %d", i+1)
		if s.ID != 0 {
			zh, en = fmt.Sprintf("道路 %d", s.ID), fmt.Sprintf("road %d", s.ID)
		}
		if s.Source != "" {
			zh += "（" + s.Source + "）"
			en += " (" + s.Source + ")"
		}
		return zh, en
	}
	if len(s.Geometry) < 2 {
		zh, en := label()
		return diming.Errorf(diming.EINVALID, "%[1]s的线少于两个点", "%[2]s: a line needs at least two points", zh, en)
	}
	for j, p := range s.Geometry {
		if !validLonLat(p) {
			zh, en := label()
			return diming.Errorf(diming.EINVALID, "%[1]s的第 %[2]d 个点 (%[3]v, %[4]v) 不是有效的经纬度",
				"%[5]s: point %[2]d (%[3]v, %[4]v) is not a valid lon/lat", zh, j+1, p[0], p[1], en)
		}
	}
	return nil
}

func validLonLat(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
}

// NumNodes is the number of nodes.
func (g *WalkingGraph) NumNodes() int { return len(g.nodes) }

// NumEdges is the number of edges.
func (g *WalkingGraph) NumEdges() int { return len(g.edges) }

// NodePoint is node i's position (lon/lat).
func (g *WalkingGraph) NodePoint(i int32) orb.Point { return g.nodes[i] }

// Edge returns edge i.
func (g *WalkingGraph) Edge(i int32) Edge { return g.edges[i] }

// EdgeGeometry returns a copy of edge i's line (lon/lat), from its From
// node to its To node.
func (g *WalkingGraph) EdgeGeometry(i int32) orb.LineString {
	return slices.Clone(orb.LineString(g.pts[g.off[i]:g.off[i+1]]))
}

// MergeTolerance is the merge tolerance the graph was built with, in
// metres, and whether line ends were joined to lines (GraphOptions).
func (g *WalkingGraph) MergeTolerance() (metres float64, joinEndsToLines bool) {
	return g.tol, g.joinEnds
}

// TotalLength is the length of all edges in metres.
func (g *WalkingGraph) TotalLength() float64 { return g.total }

// Components returns the connected components, largest first.
func (g *WalkingGraph) Components() Components {
	return Components{Count: g.comps.Count, Sizes: slices.Clone(g.comps.Sizes), Lengths: slices.Clone(g.comps.Lengths)}
}

// ComponentOf returns the component of a node: an index into the Sizes
// and Lengths of Components.
func (g *WalkingGraph) ComponentOf(node int32) int { return int(g.comp[node]) }

// Snap is a point placed on the network.
type Snap struct {
	// Edge is the edge the point lies on.
	Edge int32
	// Along is the distance in metres from the edge's From node along its
	// line, on the same measure as Edge.Length (0 ≤ Along ≤ Length).
	Along float64
	// Offset is the straight-line distance in metres from the snapped
	// point to the network.
	Offset float64
	// Point is the point on the edge (lon/lat).
	Point orb.Point
}

// Snap places p on the nearest point of any edge (nearest in the graph's
// local projection, which at district scale is the geodesic nearest to
// within 0.1 %). It is false for an empty graph or a p that is not a
// valid lon/lat.
func (g *WalkingGraph) Snap(p orb.Point) (Snap, bool) {
	if len(g.edges) == 0 || !validLonLat(p) {
		return Snap{}, false
	}
	q := g.proj.Forward(p)
	best := g.nearestSegment(q)
	if best < 0 {
		return Snap{}, false
	}
	_, t := segmentDist2(q, g.xy[best], g.xy[best+1])
	at := g.onSegment(best, t)
	along := g.cum[best] + geo.Distance(g.pts[best], at)
	along = min(max(along, g.cum[best]), g.cum[best+1])
	return Snap{Edge: g.vertEd[best], Along: along, Offset: geo.Distance(p, at), Point: at}, true
}

// onSegment is the point at position t (0…1, from segmentDist2) along the
// segment from vertex v to v+1, in lon/lat; exactly a vertex at 0 and 1.
func (g *WalkingGraph) onSegment(v int32, t float64) orb.Point {
	a, b := g.pts[v], g.pts[v+1]
	switch t {
	case 0:
		return a
	case 1:
		return b
	}
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
}

// nearestSegment returns the first vertex of the segment nearest to q
// (projected metres). It searches boxes around q of growing size, and
// stops when the best segment found is within the box's half width (no
// segment outside can be nearer); most points lie within 50 m of a road.
func (g *WalkingGraph) nearestSegment(q orb.Point) int32 {
	best, bestD2 := int32(-1), math.Inf(1)
	tmin, tmax := g.tree.Bounds()
	span := max(tmax[0]-tmin[0], tmax[1]-tmin[1], 1)
	for r := 50.0; ; r *= 4 {
		g.tree.Search([2]float64{q[0] - r, q[1] - r}, [2]float64{q[0] + r, q[1] + r}, func(_, _ [2]float64, v int32) bool {
			if d2, _ := segmentDist2(q, g.xy[v], g.xy[v+1]); d2 < bestD2 || d2 == bestD2 && v < best {
				best, bestD2 = v, d2
			}
			return true
		})
		if bestD2 <= r*r {
			return best
		}
		// Far from everything: one more box that holds the whole tree.
		if dx, dy := max(tmin[0]-q[0], q[0]-tmax[0], 0), max(tmin[1]-q[1], q[1]-tmax[1], 0); r > span+dx+dy {
			return best
		}
	}
}

// NodeSnap returns a Snap at node n (on one of its edges, with no offset),
// for a search that starts at a node.
func (g *WalkingGraph) NodeSnap(n int32) Snap {
	e := g.adjEdge[g.adjStart[n]]
	s := Snap{Edge: e, Point: g.nodes[n]}
	if g.edges[e].From != n {
		s.Along = g.edges[e].Length
	}
	return s
}

// PointAlong returns the point at distance along metres from edge e's From
// node (clamped to the edge).
func (g *WalkingGraph) PointAlong(e int32, along float64) orb.Point {
	lo, hi := int(g.off[e]), int(g.off[e+1])-1
	if along <= 0 {
		return g.pts[lo]
	}
	if along >= g.cum[hi] {
		return g.pts[hi]
	}
	// The last vertex at or before along.
	i := lo + sort.Search(hi-lo, func(k int) bool { return g.cum[lo+k+1] > along })
	return g.interpolate(i, along)
}

// interpolate returns the point of the piece from vertex i to i+1 whose
// geodesic distance from vertex i is along−cum[i]. The distance is not
// quite linear in the lon/lat fraction (the east-west scale changes with
// latitude, about 1e-5 over a few hundred metres), so the linear guess is
// corrected twice, which makes it exact to well under a micrometre.
func (g *WalkingGraph) interpolate(i int, along float64) orb.Point {
	a, b := g.pts[i], g.pts[i+1]
	want := along - g.cum[i]
	t := want / (g.cum[i+1] - g.cum[i])
	at := func(t float64) orb.Point { return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])} }
	for range 2 {
		if d := geo.Distance(a, at(t)); d > 0 {
			t *= want / d
		}
	}
	return at(min(max(t, 0), 1))
}

// subLine appends to buf the part of edge e between along x0 and x1
// (x0 < x1) and returns it.
func (g *WalkingGraph) subLine(buf orb.LineString, e int32, x0, x1 float64) orb.LineString {
	lo, hi := int(g.off[e]), int(g.off[e+1])-1
	if x0 <= 0 && x1 >= g.cum[hi] {
		return append(buf, g.pts[lo:hi+1]...)
	}
	buf = append(buf, g.PointAlong(e, x0))
	for v := lo + 1; v < hi; v++ {
		if g.cum[v] > x0 && g.cum[v] < x1 {
			buf = append(buf, g.pts[v])
		}
	}
	return append(buf, g.PointAlong(e, x1))
}

// segmentDist2 returns the squared distance from q to segment ab and the
// position t in [0, 1] of the nearest point on it.
func segmentDist2(q, a, b orb.Point) (float64, float64) {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = ((q[0]-a[0])*dx + (q[1]-a[1])*dy) / l2
		t = min(max(t, 0), 1)
	}
	x, y := a[0]+t*dx-q[0], a[1]+t*dy-q[1]
	return x*x + y*y, t
}

package demo

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/paulmach/orb"

	"diming/coverage"
	"diming/gazetteer"
	"diming/internal/unionfind"
)

// Roads returns a synthetic walking network over the district: a jittered
// lattice of 140 m blocks in the 社区 of the 街道, 210 m blocks in the 社区 of
// the 镇 and 420 m blocks in the 村, with trunk roads between the township
// centres, every segment a two-point LineString between lattice nodes,
// inside the district outline, all of it one connected network. Every
// segment is Synthetic with Source "synthetic"; IDs are left for the store.
// The same divisions give the same network; the result is a copy the caller
// may change. See data/coverage-synthetic.md.
func Roads(ds []gazetteer.Division) ([]coverage.RoadSegment, error) {
	set, err := coverageData(ds)
	if err != nil {
		return nil, err
	}
	out := make([]coverage.RoadSegment, len(set.roads))
	for i, s := range set.roads {
		out[i] = s
		out[i].Geometry = append(orb.LineString(nil), s.Geometry...)
	}
	return out, nil
}

// Lattice parameters (metres).
const (
	roadBlock  = 420.0         // side of a base cell: the block of a 村
	roadUnit   = roadBlock / 6 // the fine grid: a 社区 block is 2 units, a town-centre block 3
	roadJitter = 0.18          // node jitter, as a share of the smallest block at the node
	roadMargin = 15.0          // what nodes and segments keep from the district outline
)

// Road classes of the synthetic network (OSM highway=* values).
const (
	classPrimary      = "primary"
	classSecondary    = "secondary"
	classTertiary     = "tertiary"
	classResidential  = "residential"
	classUnclassified = "unclassified"
	classTrack        = "track"
	classFootway      = "footway"
)

// roadNet is the generated network in projected metres.
type roadNet struct {
	nodes []orb.Point
	edges []roadEdge
}

type roadEdge struct {
	a, b  int32
	class string
}

// latEdge is an edge while the lattice is built.
type latEdge struct {
	a, b      int32
	factor    int  // subdivision of the base cell(s) it lies in: 3, 2 or 1
	base      bool // on a base-cell line (every 420 m)
	connector bool // added to join a piece cut off by the outline
	trunk     int  // 0, or 1 for a trunk of the spanning tree of township centres, 2 for an extra one
}

// lattice is the jittered grid before thinning.
type lattice struct {
	w              *covWorld
	origin         orb.Point
	nx, ny, ni, nj int
	factor         []int8  // per base cell: 3, 2 or 1
	mark           []bool  // per fine-grid point: a lattice crossing
	id             []int32 // per fine-grid point: node id or -1
	nodes          []orb.Point
	edges          []latEdge
	diags          []diagonal
}

// diagonal is a candidate trunk shortcut across an empty face of the
// lattice; the two diagonals of a face cross, so a face lends at most one.
type diagonal struct {
	a, b int32
	face int32
}

func (l *lattice) idx(i, j int) int { return j*l.ni + i }

// isMark says whether fine point (i, j) is a lattice crossing.
func (l *lattice) isMark(i, j int) bool {
	return i >= 0 && j >= 0 && i < l.ni && j < l.nj && l.mark[l.idx(i, j)]
}

// cellFactor is the subdivision of base cell (ci, cj); outside the grid, 1.
func (l *lattice) cellFactor(ci, cj int) int {
	if ci < 0 || cj < 0 || ci >= l.nx || cj >= l.ny {
		return 1
	}
	return int(l.factor[cj*l.nx+ci])
}

// around returns the base-cell indices along one axis that touch fine
// coordinate i.
func around(i int) []int {
	if i%6 == 0 {
		return []int{i/6 - 1, i / 6}
	}
	return []int{i / 6}
}

// buildRoadNet generates the network.
func buildRoadNet(w *covWorld) (*roadNet, error) {
	l := &lattice{w: w}
	l.cells()
	l.placeNodes()
	l.linkNodes()
	if len(l.edges) == 0 {
		return nil, fmt.Errorf("demo: roads: the lattice is empty")
	}
	l.connect()
	l.faces()
	if err := l.trunks(); err != nil {
		return nil, err
	}
	return l.thin(), nil
}

// cells decides every base cell's subdivision from the village-level units
// under it: 3 (140 m blocks) in a 社区 of a 街道, 2 (210 m) in a 社区 of a 镇,
// 1 (420 m) elsewhere.
func (l *lattice) cells() {
	b := l.w.district.Bound()
	l.origin = orb.Point{b.Min[0] - roadUnit, b.Min[1] - roadUnit}
	l.nx = int(math.Ceil((b.Max[0]-l.origin[0])/roadBlock)) + 1
	l.ny = int(math.Ceil((b.Max[1]-l.origin[1])/roadBlock)) + 1
	l.ni, l.nj = 6*l.nx+1, 6*l.ny+1
	l.factor = make([]int8, l.nx*l.ny)
	samples := [][2]float64{{.5, .5}, {.25, .25}, {.75, .25}, {.25, .75}, {.75, .75}}
	for cj := 0; cj < l.ny; cj++ {
		for ci := 0; ci < l.nx; ci++ {
			f := 1
			for _, q := range samples {
				p := orb.Point{l.origin[0] + (float64(ci)+q[0])*roadBlock, l.origin[1] + (float64(cj)+q[1])*roadBlock}
				if v := l.w.villageAt(p); v >= 0 {
					f = max(f, l.w.villages[v].factor)
				}
			}
			l.factor[cj*l.nx+ci] = int8(f)
		}
	}
}

// placeNodes puts a node at every lattice crossing, moved by a smooth warp
// and a jitter, and keeps those inside the district.
func (l *lattice) placeNodes() {
	l.mark = make([]bool, l.ni*l.nj)
	mark := l.mark
	for cj := 0; cj < l.ny; cj++ {
		for ci := 0; ci < l.nx; ci++ {
			f := l.cellFactor(ci, cj)
			s := 6 / f
			for a := 0; a <= f; a++ {
				for b := 0; b <= f; b++ {
					mark[l.idx(6*ci+a*s, 6*cj+b*s)] = true
				}
			}
		}
	}
	l.id = make([]int32, l.ni*l.nj)
	for j := 0; j < l.nj; j++ {
		for i := 0; i < l.ni; i++ {
			k := l.idx(i, j)
			l.id[k] = -1
			if !mark[k] {
				continue
			}
			p := l.nodePos(i, j)
			if l.w.insideDistrict(p, roadMargin) {
				l.id[k] = int32(len(l.nodes))
				l.nodes = append(l.nodes, p)
			}
		}
	}
}

// nodePos is the position of fine-grid point (i, j): the grid point, moved
// by a smooth warp (a few tens of metres over kilometres, so streets bend)
// and a jitter of up to roadJitter of the smallest block at the node.
func (l *lattice) nodePos(i, j int) orb.Point {
	x := l.origin[0] + float64(i)*roadUnit
	y := l.origin[1] + float64(j)*roadUnit
	s := 6
	for _, ci := range around(i) {
		for _, cj := range around(j) {
			s = min(s, 6/l.cellFactor(ci, cj))
		}
	}
	// Where blocks of 140 m and 210 m meet, a line has nodes 70 m apart.
	for g := 1; g < s; g++ {
		if l.isMark(i-g, j) || l.isMark(i+g, j) || l.isMark(i, j-g) || l.isMark(i, j+g) {
			s = g
			break
		}
	}
	amp := roadJitter * float64(s) * roadUnit
	u1, u2 := hash2(uint64(i), uint64(j), 0x726f616473)
	const tau = 2 * math.Pi
	dx := 40*math.Sin(tau*y/2300+1.3) + 15*math.Sin(tau*(x+y)/1700+0.4)
	dy := 40*math.Sin(tau*x/2600+2.1) + 15*math.Sin(tau*(x-y)/1900+5.0)
	return orb.Point{x + dx + (2*u1-1)*amp, y + dy + (2*u2-1)*amp}
}

// hash2 returns two uniforms in [0, 1) determined by (a, b, salt)
// (splitmix64), for per-node randomness independent of visiting order.
func hash2(a, b, salt uint64) (float64, float64) {
	mix := func(z uint64) uint64 {
		z += 0x9e3779b97f4a7c15
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		return z ^ (z >> 31)
	}
	h := mix(a ^ mix(b^mix(salt)))
	g := mix(h)
	return float64(h>>11) / (1 << 53), float64(g>>11) / (1 << 53)
}

// linkNodes joins consecutive nodes along every drawn lattice line, when
// both are kept and the segment stays clear of the outline.
func (l *lattice) linkNodes() {
	hd := make([]bool, l.ni*l.nj) // the unit step (i, j)→(i+1, j) is drawn
	vd := make([]bool, l.ni*l.nj) // the unit step (i, j)→(i, j+1) is drawn
	for cj := 0; cj < l.ny; cj++ {
		for ci := 0; ci < l.nx; ci++ {
			f := l.cellFactor(ci, cj)
			s := 6 / f
			for b := 0; b <= f; b++ {
				for i := 6 * ci; i < 6*ci+6; i++ {
					hd[l.idx(i, 6*cj+b*s)] = true
				}
			}
			for a := 0; a <= f; a++ {
				for j := 6 * cj; j < 6*cj+6; j++ {
					vd[l.idx(6*ci+a*s, j)] = true
				}
			}
		}
	}
	link := func(i0, j0, i1, j1 int, horizontal bool) {
		a, b := l.id[l.idx(i0, j0)], l.id[l.idx(i1, j1)]
		if a < 0 || b < 0 || !l.w.segmentClear(l.nodes[a], l.nodes[b], roadMargin) {
			return
		}
		e := latEdge{a: a, b: b}
		if horizontal {
			e.base = j0%6 == 0
			for _, cj := range around(j0) {
				e.factor = max(e.factor, l.cellFactor(i0/6, cj))
			}
		} else {
			e.base = i0%6 == 0
			for _, ci := range around(i0) {
				e.factor = max(e.factor, l.cellFactor(ci, j0/6))
			}
		}
		l.edges = append(l.edges, e)
	}
	marked := func(i, j int) bool { return l.mark[l.idx(i, j)] }
	for j := 0; j < l.nj; j++ {
		prev, broken := -1, false
		for i := 0; i < l.ni; i++ {
			if marked(i, j) {
				if prev >= 0 && !broken {
					link(prev, j, i, j, true)
				}
				prev, broken = i, false
			}
			if !hd[l.idx(i, j)] {
				broken = true
			}
		}
	}
	for i := 0; i < l.ni; i++ {
		prev, broken := -1, false
		for j := 0; j < l.nj; j++ {
			if marked(i, j) {
				if prev >= 0 && !broken {
					link(i, prev, i, j, false)
				}
				prev, broken = j, false
			}
			if !vd[l.idx(i, j)] {
				broken = true
			}
		}
	}
}

// connect joins the pieces the outline cut off (where the district is
// narrow or concave) to the rest with footways: for each piece, the
// shortest link to another piece that stays inside the district and
// crosses no road. Pieces that cannot be joined are dropped.
func (l *lattice) connect() {
	used := make([]bool, len(l.nodes))
	for _, e := range l.edges {
		used[e.a], used[e.b] = true, true
	}
	grid := newSegGrid(500)
	for k, e := range l.edges {
		grid.add(k, l.nodes[e.a], l.nodes[e.b])
	}
	for round := 0; round < 50; round++ {
		uf := unionfind.New(len(l.nodes))
		for _, e := range l.edges {
			uf.Union(e.a, e.b)
		}
		members := map[int32][]int32{}
		for n := range l.nodes {
			if used[n] {
				r := uf.Find(int32(n))
				members[r] = append(members[r], int32(n))
			}
		}
		if len(members) <= 1 {
			return
		}
		roots := make([]int32, 0, len(members))
		var main int32 = -1
		for r, m := range members {
			roots = append(roots, r)
			if main < 0 || len(m) > len(members[main]) || (len(m) == len(members[main]) && r < main) {
				main = r
			}
		}
		sort.Slice(roots, func(a, b int) bool { return roots[a] < roots[b] })
		progress := false
		for _, r := range roots {
			if r == main || uf.Find(r) != r {
				continue
			}
			if a, b, ok := l.bestLink(members[r], uf, r, used, grid); ok {
				grid.add(len(l.edges), l.nodes[a], l.nodes[b])
				l.edges = append(l.edges, latEdge{a: a, b: b, factor: 1, connector: true})
				uf.Union(a, b)
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	// Keep the largest piece only.
	uf := unionfind.New(len(l.nodes))
	for _, e := range l.edges {
		uf.Union(e.a, e.b)
	}
	size := map[int32]int{}
	for _, e := range l.edges {
		size[uf.Find(e.a)]++
	}
	var main int32 = -1
	for r, n := range size {
		if main < 0 || n > size[main] || (n == size[main] && r < main) {
			main = r
		}
	}
	kept := l.edges[:0]
	for _, e := range l.edges {
		if uf.Find(e.a) == main {
			kept = append(kept, e)
		}
	}
	l.edges = kept
}

// bestLink finds the shortest clear link from a piece to a node of another.
func (l *lattice) bestLink(piece []int32, uf unionfind.Sets, root int32, used []bool, grid *segGrid) (int32, int32, bool) {
	type cand struct {
		a, b int32
		d    float64
	}
	var cs []cand
	for _, a := range piece {
		pa := l.nodes[a]
		for b, pb := range l.nodes {
			if !used[b] || uf.Find(int32(b)) == root {
				continue
			}
			if d := math.Hypot(pa[0]-pb[0], pa[1]-pb[1]); d < 2000 {
				cs = append(cs, cand{a, int32(b), d})
			}
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		if cs[i].a != cs[j].a {
			return cs[i].a < cs[j].a
		}
		return cs[i].b < cs[j].b
	})
	for k, c := range cs {
		if k >= 200 {
			break
		}
		pa, pb := l.nodes[c.a], l.nodes[c.b]
		if !l.w.segmentClear(pa, pb, roadMargin) {
			continue
		}
		if grid.crosses(pa, pb, func(e int) (orb.Point, orb.Point) { return l.nodes[l.edges[e].a], l.nodes[l.edges[e].b] }) {
			continue
		}
		return c.a, c.b, true
	}
	return 0, 0, false
}

// faces lists the candidate diagonals of the lattice's empty faces (the
// sub-cells of every base cell) for the trunk roads.
func (l *lattice) faces() {
	var conns []latEdge
	for _, e := range l.edges {
		if e.connector {
			conns = append(conns, e)
		}
	}
	face := int32(0)
	for cj := 0; cj < l.ny; cj++ {
		for ci := 0; ci < l.nx; ci++ {
			f := l.cellFactor(ci, cj)
			s := 6 / f
			for a := 0; a < f; a++ {
				for b := 0; b < f; b++ {
					i, j := 6*ci+a*s, 6*cj+b*s
					c := [4]int32{l.id[l.idx(i, j)], l.id[l.idx(i+s, j)], l.id[l.idx(i+s, j+s)], l.id[l.idx(i, j+s)]}
					for _, d := range [][2]int32{{c[0], c[2]}, {c[1], c[3]}} {
						if d[0] < 0 || d[1] < 0 || !l.w.segmentClear(l.nodes[d[0]], l.nodes[d[1]], roadMargin) {
							continue
						}
						clear := true
						for _, e := range conns {
							if segmentsTouch(l.nodes[d[0]], l.nodes[d[1]], l.nodes[e.a], l.nodes[e.b]) {
								clear = false
								break
							}
						}
						if clear {
							l.diags = append(l.diags, diagonal{a: d[0], b: d[1], face: face})
						}
					}
					face++
				}
			}
		}
	}
}

// trunks routes trunk roads between township centres along the lattice and
// the face diagonals: the links of the shortest spanning tree of the
// centres, and each centre's second-nearest neighbour where that is not
// already linked and within 8 km.
func (l *lattice) trunks() error {
	type arc struct {
		to   int32
		edge int32 // ≥ 0: lattice edge; < 0: diagonal -edge-1
	}
	adj := make([][]arc, len(l.nodes))
	for k, e := range l.edges {
		adj[e.a] = append(adj[e.a], arc{e.b, int32(k)})
		adj[e.b] = append(adj[e.b], arc{e.a, int32(k)})
	}
	for k, d := range l.diags {
		adj[d.a] = append(adj[d.a], arc{d.b, int32(-k - 1)})
		adj[d.b] = append(adj[d.b], arc{d.a, int32(-k - 1)})
	}
	inNet := make([]bool, len(l.nodes))
	for _, e := range l.edges {
		inNet[e.a], inNet[e.b] = true, true
	}
	// The node nearest each township centre.
	centres := make([]int32, len(l.w.towns))
	for t, tw := range l.w.towns {
		best, bd := int32(-1), math.Inf(1)
		for n, p := range l.nodes {
			if !inNet[n] {
				continue
			}
			if d := math.Hypot(p[0]-tw.centre[0], p[1]-tw.centre[1]); d < bd {
				best, bd = int32(n), d
			}
		}
		if best < 0 {
			return fmt.Errorf("demo: roads: no road near the centre of %s", tw.d.Name)
		}
		centres[t] = best
	}
	links := trunkLinks(l.w.towns)

	diagUsed := map[int32]int32{} // face → the diagonal it lends
	trunkEdge := map[int32]int{}  // lattice edge → trunk kind
	trunkDiag := map[int32]int{}  // diagonal → trunk kind
	dist := make([]float64, len(l.nodes))
	via := make([]arc, len(l.nodes))
	for _, lk := range links {
		src, dst := centres[lk.a], centres[lk.b]
		if src == dst {
			continue
		}
		for i := range dist {
			dist[i] = math.Inf(1)
		}
		dist[src] = 0
		pq := &nodeHeap{{src, 0}}
		for pq.Len() > 0 {
			it := heap.Pop(pq).(nodeItem)
			if it.d > dist[it.n] {
				continue
			}
			if it.n == dst {
				break
			}
			for _, a := range adj[it.n] {
				w := 1.0
				if a.edge >= 0 {
					if trunkEdge[a.edge] > 0 {
						w = 0.7
					}
				} else {
					dg := -a.edge - 1
					if u, ok := diagUsed[l.diags[dg].face]; ok {
						if u != dg {
							continue
						}
						w = 0.7
					}
				}
				p, q := l.nodes[it.n], l.nodes[a.to]
				nd := it.d + w*math.Hypot(p[0]-q[0], p[1]-q[1])
				if nd < dist[a.to] {
					dist[a.to] = nd
					via[a.to] = arc{it.n, a.edge}
					heap.Push(pq, nodeItem{a.to, nd})
				}
			}
		}
		if math.IsInf(dist[dst], 1) {
			return fmt.Errorf("demo: roads: no route between %s and %s", l.w.towns[lk.a].d.Name, l.w.towns[lk.b].d.Name)
		}
		for n := dst; n != src; n = via[n].to {
			e := via[n].edge
			if e >= 0 {
				if k := trunkEdge[e]; k == 0 || lk.kind < k {
					trunkEdge[e] = lk.kind
				}
			} else {
				dg := -e - 1
				diagUsed[l.diags[dg].face] = dg
				if k := trunkDiag[dg]; k == 0 || lk.kind < k {
					trunkDiag[dg] = lk.kind
				}
			}
		}
	}
	for e, k := range trunkEdge {
		l.edges[e].trunk = k
	}
	dgs := make([]int32, 0, len(trunkDiag))
	for dg := range trunkDiag {
		dgs = append(dgs, dg)
	}
	sort.Slice(dgs, func(a, b int) bool { return dgs[a] < dgs[b] })
	for _, dg := range dgs {
		d := l.diags[dg]
		l.edges = append(l.edges, latEdge{a: d.a, b: d.b, factor: 1, trunk: trunkDiag[dg]})
	}
	return nil
}

type nodeItem struct {
	n int32
	d float64
}

type nodeHeap []nodeItem

func (h nodeHeap) Len() int { return len(h) }
func (h nodeHeap) Less(i, j int) bool {
	if h[i].d != h[j].d {
		return h[i].d < h[j].d
	}
	return h[i].n < h[j].n
}
func (h nodeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *nodeHeap) Push(x any)   { *h = append(*h, x.(nodeItem)) }
func (h *nodeHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// trunkLink joins two townships (positions in covWorld.towns).
type trunkLink struct {
	a, b int
	kind int // 1: spanning tree (primary), 2: extra (secondary)
}

// trunkLinks are the shortest spanning tree of the township centres (Prim)
// and, for each centre, its second-nearest neighbour within 8 km when not
// already linked.
func trunkLinks(towns []covTown) []trunkLink {
	n := len(towns)
	d := func(a, b int) float64 {
		return math.Hypot(towns[a].centre[0]-towns[b].centre[0], towns[a].centre[1]-towns[b].centre[1])
	}
	if n < 2 {
		return nil
	}
	in := make([]bool, n)
	in[0] = true
	linked := map[[2]int]bool{}
	var out []trunkLink
	for len(out) < n-1 {
		ba, bb, bd := -1, -1, math.Inf(1)
		for a := 0; a < n; a++ {
			if !in[a] {
				continue
			}
			for b := 0; b < n; b++ {
				if !in[b] && d(a, b) < bd {
					ba, bb, bd = a, b, d(a, b)
				}
			}
		}
		in[bb] = true
		out = append(out, trunkLink{ba, bb, 1})
		linked[[2]int{min(ba, bb), max(ba, bb)}] = true
	}
	for a := 0; a < n; a++ {
		order := make([]int, 0, n-1)
		for b := 0; b < n; b++ {
			if b != a {
				order = append(order, b)
			}
		}
		sort.SliceStable(order, func(i, j int) bool { return d(a, order[i]) < d(a, order[j]) })
		b := order[1]
		if k := [2]int{min(a, b), max(a, b)}; !linked[k] && d(a, b) < 8000 {
			linked[k] = true
			out = append(out, trunkLink{a, b, 2})
		}
	}
	return out
}

// thin keeps a random spanning tree of the lattice plus most other edges
// (fewer in the country: 420 m blocks merge into larger ones), always the
// trunks and connectors, so the network stays connected; then classes the
// edges and drops unused nodes.
func (l *lattice) thin() *roadNet {
	r := rand.New(rand.NewPCG(500106, 0x726f616473))
	order := make([]int, len(l.edges))
	for i := range order {
		order[i] = i
	}
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	sort.SliceStable(order, func(i, j int) bool {
		pi := l.edges[order[i]].trunk > 0 || l.edges[order[i]].connector
		pj := l.edges[order[j]].trunk > 0 || l.edges[order[j]].connector
		return pi && !pj
	})
	uf := unionfind.New(len(l.nodes))
	keep := make([]bool, len(l.edges))
	for _, k := range order {
		e := l.edges[k]
		tree := uf.Union(e.a, e.b)
		drop := map[int]float64{3: 0.06, 2: 0.10, 1: 0.22}[e.factor]
		keep[k] = tree || e.trunk > 0 || e.connector || r.Float64() >= drop
	}
	net := &roadNet{}
	newID := make([]int32, len(l.nodes))
	for i := range newID {
		newID[i] = -1
	}
	node := func(n int32) int32 {
		if newID[n] < 0 {
			newID[n] = int32(len(net.nodes))
			net.nodes = append(net.nodes, l.nodes[n])
		}
		return newID[n]
	}
	for k, e := range l.edges {
		if !keep[k] {
			continue
		}
		var class string
		u := r.Float64()
		switch {
		case e.trunk == 1:
			class = classPrimary
		case e.trunk == 2:
			class = classSecondary
		case e.connector:
			class = classFootway
		case e.factor >= 2 && e.base:
			class = classTertiary
		case e.factor == 3 && u < 0.10:
			class = classFootway // steps and lanes of a hill city
		case e.factor >= 2:
			class = classResidential
		case u < 0.35:
			class = classTrack
		default:
			class = classUnclassified
		}
		net.edges = append(net.edges, roadEdge{a: node(e.a), b: node(e.b), class: class})
	}
	return net
}

// segGrid is a uniform grid over segments, for crossing tests.
type segGrid struct {
	size  float64
	cells map[[2]int][]int
}

func newSegGrid(size float64) *segGrid { return &segGrid{size: size, cells: map[[2]int][]int{}} }

func (g *segGrid) span(a, b orb.Point) (int, int, int, int) {
	return int(math.Floor(min(a[0], b[0]) / g.size)), int(math.Floor(min(a[1], b[1]) / g.size)),
		int(math.Floor(max(a[0], b[0]) / g.size)), int(math.Floor(max(a[1], b[1]) / g.size))
}

func (g *segGrid) add(k int, a, b orb.Point) {
	x0, y0, x1, y1 := g.span(a, b)
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			g.cells[[2]int{x, y}] = append(g.cells[[2]int{x, y}], k)
		}
	}
}

// crosses says whether ab crosses a stored segment anywhere but at a shared
// end.
func (g *segGrid) crosses(a, b orb.Point, seg func(int) (orb.Point, orb.Point)) bool {
	x0, y0, x1, y1 := g.span(a, b)
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			for _, k := range g.cells[[2]int{x, y}] {
				c, d := seg(k)
				if c == a || c == b || d == a || d == b {
					continue
				}
				if segmentsTouch(a, b, c, d) {
					return true
				}
			}
		}
	}
	return false
}

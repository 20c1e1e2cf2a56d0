package coverage

import (
	"cmp"
	"slices"

	"github.com/paulmach/orb"

	"diming/geo"
	"diming/internal/unionfind"
)

// Gaps: where the walking network is broken.
//
// Road data drawn for traffic models or copied from CAD often stops a road
// a few metres short of the road it meets, so on the graph the two are not
// connected and a walk cannot turn there. Coverage then undercounts. A gap
// here is a dead end (a node with one edge) that lies within some distance
// of a part of the network it is not connected to; the nearest point of
// that other part is where the road should probably meet it. GIS staff fix
// the data or raise the merge tolerance (--network-tolerance) with the
// list in hand; ComponentsIfClosed says what closing every gap found (all
// Total of them, listed or not) would do to the number of connected parts.

// Gap is a dead end near a part of the network it is not connected to.
type Gap struct {
	// Node is the dead end; From is where it is, To the nearest point of
	// the other part, DistanceM the geodesic distance between them.
	Node      int32
	From, To  orb.Point
	DistanceM float64
	// FromComponent and ToComponent index Components (largest first).
	FromComponent, ToComponent int
}

// GapReport lists the gaps of a graph up to a distance.
type GapReport struct {
	MaxDistanceM float64
	// DeadEnds is the number of nodes with one edge.
	DeadEnds int
	// Total is the number of gaps; Gaps the nearest ones (at most the
	// limit asked for), nearest first.
	Total int
	Gaps  []Gap
	// ComponentsNow and ComponentsIfClosed: connected parts of the network
	// as it is, and if every gap (all Total of them) were closed.
	ComponentsNow, ComponentsIfClosed int
}

// DefaultGapDistance is the distance in metres within which a dead end
// near another part of the network counts as a gap by default.
const DefaultGapDistance = 30

// MaxGapDistance bounds the search distance of Gaps in metres.
const MaxGapDistance = 500

// Gaps finds the dead ends within maxDist metres (0 < maxDist ≤
// MaxGapDistance) of a part of the network they are not connected to,
// listing the nearest limit of them.
func (g *WalkingGraph) Gaps(maxDist float64, limit int) GapReport {
	rep := GapReport{MaxDistanceM: maxDist, ComponentsNow: g.comps.Count, ComponentsIfClosed: g.comps.Count}
	if len(g.edges) == 0 || !(maxDist > 0) {
		return rep
	}
	maxDist = min(maxDist, MaxGapDistance)
	// The search is in projected metres, where a district's distances are
	// within 0.1 % of geodesic ones; a little slack keeps gaps at the edge.
	r := maxDist * 1.01
	parts := unionfind.New(g.comps.Count)
	var all []Gap
	for n := range int32(len(g.nodes)) {
		if g.adjStart[n+1]-g.adjStart[n] != 1 || g.adjNode[g.adjStart[n]] == n {
			continue // not a dead end (a lone self-loop has no end either)
		}
		rep.DeadEnds++
		own := g.comp[n]
		q := g.proj.Forward(g.nodes[n])
		best, bestD2, bestT := int32(-1), r*r, 0.0
		g.tree.Search([2]float64{q[0] - r, q[1] - r}, [2]float64{q[0] + r, q[1] + r}, func(_, _ [2]float64, v int32) bool {
			if g.comp[g.edges[g.vertEd[v]].From] == own {
				return true
			}
			if d2, t := segmentDist2(q, g.xy[v], g.xy[v+1]); d2 < bestD2 || d2 == bestD2 && v < best {
				best, bestD2, bestT = v, d2, t
			}
			return true
		})
		if best < 0 {
			continue
		}
		to := g.onSegment(best, bestT)
		d := geo.Distance(g.nodes[n], to)
		if d > maxDist {
			continue
		}
		other := g.comp[g.edges[g.vertEd[best]].From]
		all = append(all, Gap{Node: n, From: g.nodes[n], To: to, DistanceM: d, FromComponent: int(own), ToComponent: int(other)})
		if parts.Union(own, other) {
			rep.ComponentsIfClosed--
		}
	}
	slices.SortFunc(all, func(x, y Gap) int {
		return cmp.Or(cmp.Compare(x.DistanceM, y.DistanceM), cmp.Compare(x.Node, y.Node))
	})
	rep.Total = len(all)
	rep.Gaps = all[:min(len(all), max(limit, 0))]
	return rep
}

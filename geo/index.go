package geo

import (
	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// PolygonIndex finds which of a fixed set of multipolygons contain a point:
// an R-tree over the boxes of their parts, then an exact point-in-polygon
// test against that part. It indexes positions in the caller's slice, not
// records; it is immutable once built and safe for concurrent readers.
type PolygonIndex struct {
	tree  rtree.RTreeG[int32] // part number → parts
	parts []part
	n     int
}

// part is one polygon of a multipolygon with its rings' boxes precomputed.
type part struct {
	owner  int
	rings  []orb.Ring
	bounds []orb.Bound
}

// NewPolygonIndex indexes polys; the ids it returns are positions in polys.
func NewPolygonIndex(polys []orb.MultiPolygon) *PolygonIndex {
	ix := &PolygonIndex{n: len(polys)}
	for i, mp := range polys {
		for _, poly := range mp {
			if len(poly) == 0 || len(poly[0]) == 0 {
				continue
			}
			pt := part{owner: i, rings: poly, bounds: make([]orb.Bound, len(poly))}
			for k, r := range poly {
				pt.bounds[k] = r.Bound()
			}
			ix.tree.Insert(pt.bounds[0].Min, pt.bounds[0].Max, int32(len(ix.parts)))
			ix.parts = append(ix.parts, pt)
		}
	}
	return ix
}

// Containing calls fn with the position of each polygon that contains p
// (boundary points count as inside), until fn returns false. A multipolygon
// whose parts touch may be reported once per part that holds p.
func (ix *PolygonIndex) Containing(p orb.Point, fn func(i int) bool) {
	ix.tree.Search(p, p, func(_, _ [2]float64, k int32) bool {
		if ix.parts[k].contains(p) {
			return fn(ix.parts[k].owner)
		}
		return true
	})
}

// Intersecting calls fn with the position of each polygon part whose
// bounding box intersects b, until fn returns false.
func (ix *PolygonIndex) Intersecting(b orb.Bound, fn func(i int) bool) {
	ix.tree.Search(b.Min, b.Max, func(_, _ [2]float64, k int32) bool { return fn(ix.parts[k].owner) })
}

// Len is the number of indexed polygons.
func (ix *PolygonIndex) Len() int { return ix.n }

func (pt *part) contains(p orb.Point) bool {
	if !ringContains(pt.rings[0], p) {
		return false
	}
	for k := 1; k < len(pt.rings); k++ {
		if pt.bounds[k].Contains(p) && ringContains(pt.rings[k], p) && !onRing(pt.rings[k], p) {
			return false // strictly inside a hole
		}
	}
	return true
}

// ringContains is the crossing-number test; points on the ring count as inside.
func ringContains(r orb.Ring, p orb.Point) bool {
	inside := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[j], r[i]
		if onSegment(a, b, p) {
			return true
		}
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				inside = !inside
			}
		}
	}
	return inside
}

func onRing(r orb.Ring, p orb.Point) bool {
	for i := 1; i < len(r); i++ {
		if onSegment(r[i-1], r[i], p) {
			return true
		}
	}
	return false
}

func onSegment(a, b, p orb.Point) bool {
	if p[0] < min(a[0], b[0]) || p[0] > max(a[0], b[0]) || p[1] < min(a[1], b[1]) || p[1] > max(a[1], b[1]) {
		return false
	}
	return (b[0]-a[0])*(p[1]-a[1])-(b[1]-a[1])*(p[0]-a[0]) == 0
}

// MultiPolygonContains says whether mp contains p; boundary points count as
// inside, points strictly inside a hole do not.
func MultiPolygonContains(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		if len(poly) == 0 || !ringContains(poly[0], p) {
			continue
		}
		inHole := false
		for _, h := range poly[1:] {
			if ringContains(h, p) && !onRing(h, p) {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}

package geo

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"
)

// PolygonIndex finds which of a fixed set of multipolygons contain a point:
// an R-tree over their bounding boxes, then an exact point-in-polygon test.
// It indexes positions in the caller's slice, not records; it is immutable
// once built and safe for concurrent readers.
type PolygonIndex struct {
	tree  rtree.RTreeG[int]
	polys []orb.MultiPolygon
}

// NewPolygonIndex indexes polys; the ids it returns are positions in polys.
func NewPolygonIndex(polys []orb.MultiPolygon) *PolygonIndex {
	ix := &PolygonIndex{polys: polys}
	for i, mp := range polys {
		if len(mp) == 0 {
			continue
		}
		b := mp.Bound()
		ix.tree.Insert(b.Min, b.Max, i)
	}
	return ix
}

// Containing calls fn with the position of each polygon that contains p
// (boundary points count as inside), until fn returns false.
func (ix *PolygonIndex) Containing(p orb.Point, fn func(i int) bool) {
	ix.tree.Search(p, p, func(_, _ [2]float64, i int) bool {
		if planar.MultiPolygonContains(ix.polys[i], p) {
			return fn(i)
		}
		return true
	})
}

// Intersecting calls fn with the position of each polygon whose bounding box
// intersects b, until fn returns false.
func (ix *PolygonIndex) Intersecting(b orb.Bound, fn func(i int) bool) {
	ix.tree.Search(b.Min, b.Max, func(_, _ [2]float64, i int) bool { return fn(i) })
}

// Len is the number of indexed polygons.
func (ix *PolygonIndex) Len() int { return ix.tree.Len() }

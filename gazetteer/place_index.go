package gazetteer

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"diming/geo"
)

// PlaceIndex finds the place names nearest to a point: an R-tree over the
// places' boxes in a local metric projection, then the exact distance from
// the point to each candidate's geometry (0 inside a polygon). It is
// immutable once built and safe for concurrent readers.
type PlaceIndex struct {
	proj   geo.LocalProjection
	tree   rtree.RTreeG[int32]
	places []Place
	byID   map[int64]int32
}

// NewPlaceIndex indexes places, projecting about origin (the district's
// centre keeps the distance error under 0.1 %).
func NewPlaceIndex(places []Place, origin orb.Point) *PlaceIndex {
	ix := &PlaceIndex{proj: geo.NewLocalProjection(origin), places: places, byID: make(map[int64]int32, len(places))}
	for i, p := range places {
		ix.byID[p.ID] = int32(i)
		if p.Geometry == nil {
			continue
		}
		b := p.Geometry.Bound()
		lo, hi := ix.proj.Forward(b.Min), ix.proj.Forward(b.Max)
		ix.tree.Insert(lo, hi, int32(i))
	}
	return ix
}

// Len is the number of places.
func (ix *PlaceIndex) Len() int { return len(ix.places) }

// All returns the indexed places in id order; the slice must not be modified.
func (ix *PlaceIndex) All() []Place { return ix.places }

// Place returns a place by id.
func (ix *PlaceIndex) Place(id int64) (Place, bool) {
	i, ok := ix.byID[id]
	if !ok {
		return Place{}, false
	}
	return ix.places[i], true
}

// NearbyPlace is a place and its distance in metres from the query point.
type NearbyPlace struct {
	Place     Place
	DistanceM float64
}

// Nearest returns up to k places within maxM metres of p, nearest first
// (ties by id). Cancelled names are skipped unless withCancelled.
func (ix *PlaceIndex) Nearest(p orb.Point, k int, maxM float64, withCancelled bool) []NearbyPlace {
	if k <= 0 {
		return nil
	}
	q := ix.proj.Forward(p)
	var out []NearbyPlace
	for r := math.Min(250, maxM); ; r = math.Min(r*2, maxM) {
		out = out[:0]
		ix.tree.Search([2]float64{q[0] - r, q[1] - r}, [2]float64{q[0] + r, q[1] + r}, func(_, _ [2]float64, i int32) bool {
			pl := ix.places[i]
			if pl.CancelledOn != "" && !withCancelled {
				return true
			}
			if d := ix.distance(q, pl.Geometry); d <= r {
				out = append(out, NearbyPlace{Place: pl, DistanceM: d})
			}
			return true
		})
		if len(out) >= k || r >= maxM {
			break
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].DistanceM != out[b].DistanceM {
			return out[a].DistanceM < out[b].DistanceM
		}
		return out[a].Place.ID < out[b].Place.ID
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// distance from projected point q to geometry g, in metres.
func (ix *PlaceIndex) distance(q orb.Point, g orb.Geometry) float64 {
	seg := func(a, b orb.Point) float64 {
		a, b = ix.proj.Forward(a), ix.proj.Forward(b)
		dx, dy := b[0]-a[0], b[1]-a[1]
		t := 0.0
		if l := dx*dx + dy*dy; l > 0 {
			t = math.Max(0, math.Min(1, ((q[0]-a[0])*dx+(q[1]-a[1])*dy)/l))
		}
		return math.Hypot(q[0]-a[0]-t*dx, q[1]-a[1]-t*dy)
	}
	line := func(ls []orb.Point) float64 {
		d := math.Inf(1)
		if len(ls) == 1 {
			return seg(ls[0], ls[0])
		}
		for i := 1; i < len(ls); i++ {
			d = math.Min(d, seg(ls[i-1], ls[i]))
		}
		return d
	}
	switch g := g.(type) {
	case orb.Point:
		return seg(g, g)
	case orb.MultiPoint:
		d := math.Inf(1)
		for _, p := range g {
			d = math.Min(d, seg(p, p))
		}
		return d
	case orb.LineString:
		return line(g)
	case orb.MultiLineString:
		d := math.Inf(1)
		for _, ls := range g {
			d = math.Min(d, line(ls))
		}
		return d
	case orb.Polygon:
		return ix.distance(q, orb.MultiPolygon{g})
	case orb.MultiPolygon:
		pt := ix.proj.Inverse(q)
		if geo.MultiPolygonContains(g, pt) {
			return 0
		}
		d := math.Inf(1)
		for _, poly := range g {
			for _, r := range poly {
				d = math.Min(d, line(r))
			}
		}
		return d
	}
	return math.Inf(1)
}

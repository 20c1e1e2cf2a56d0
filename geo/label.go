package geo

import (
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// LabelPoint returns one point that stands for a geometry on a map and in
// search results: the point itself, the middle of a line (by length), and for
// polygons the centroid when it lies inside, else the middle of the widest
// horizontal chord through the centroid's latitude.
func LabelPoint(g orb.Geometry) orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return g
	case orb.MultiPoint:
		if len(g) > 0 {
			return g[0]
		}
	case orb.LineString:
		return alongLine(g, 0.5)
	case orb.MultiLineString:
		best := -1.0
		var out orb.Point
		for _, ls := range g {
			if l := Length(ls); l > best {
				best, out = l, alongLine(ls, 0.5)
			}
		}
		return out
	case orb.Polygon:
		return LabelPoint(orb.MultiPolygon{g})
	case orb.MultiPolygon:
		if len(g) == 0 {
			break
		}
		// The largest part.
		big := g[0]
		for _, p := range g[1:] {
			if Area(p) > Area(big) {
				big = p
			}
		}
		c, _ := planar.CentroidArea(big)
		if MultiPolygonContains(orb.MultiPolygon{big}, c) {
			return c
		}
		return chordMiddle(big, c[1])
	}
	if g == nil {
		return orb.Point{}
	}
	return g.Bound().Center()
}

// alongLine returns the point at fraction t of the line's length.
func alongLine(ls orb.LineString, t float64) orb.Point {
	if len(ls) == 0 {
		return orb.Point{}
	}
	target := Length(ls) * t
	for i := 1; i < len(ls); i++ {
		d := Distance(ls[i-1], ls[i])
		if d >= target && d > 0 {
			f := target / d
			return orb.Point{ls[i-1][0] + f*(ls[i][0]-ls[i-1][0]), ls[i-1][1] + f*(ls[i][1]-ls[i-1][1])}
		}
		target -= d
	}
	return ls[len(ls)-1]
}

// chordMiddle intersects the horizontal line at latitude y with the
// polygon's rings and returns the middle of the widest inside stretch.
func chordMiddle(p orb.Polygon, y float64) orb.Point {
	var xs []float64
	for _, r := range p {
		for i := 1; i < len(r); i++ {
			a, b := r[i-1], r[i]
			if (a[1] > y) != (b[1] > y) {
				xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
			}
		}
	}
	if len(xs) < 2 {
		return p.Bound().Center()
	}
	slices.Sort(xs)
	best, bx := -1.0, 0.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > best {
			best, bx = w, (xs[i]+xs[i+1])/2
		}
	}
	return orb.Point{bx, y}
}

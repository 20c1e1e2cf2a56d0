package geo

import (
	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"
)

// ToSF converts an orb multipolygon to a simplefeatures one without
// validating it (call Validate on the result to check it).
func ToSF(mp orb.MultiPolygon) sf.MultiPolygon {
	polys := make([]sf.Polygon, 0, len(mp))
	for _, p := range mp {
		polys = append(polys, polygonToSF(p))
	}
	return sf.NewMultiPolygon(polys)
}

// PolygonToSF converts an orb polygon to simplefeatures.
func polygonToSF(p orb.Polygon) sf.Polygon {
	rings := make([]sf.LineString, 0, len(p))
	for _, r := range p {
		coords := make([]float64, 0, 2*len(r))
		for _, pt := range r {
			coords = append(coords, pt[0], pt[1])
		}
		rings = append(rings, sf.NewLineString(sf.NewSequence(coords, sf.DimXY)))
	}
	return sf.NewPolygon(rings)
}

// FromSF returns the polygonal part of a simplefeatures geometry as an orb
// multipolygon: points and lines in a collection are dropped.
func FromSF(g sf.Geometry) orb.MultiPolygon {
	var out orb.MultiPolygon
	switch g.Type() {
	case sf.TypePolygon:
		out = append(out, polygonFromSF(g.MustAsPolygon()))
	case sf.TypeMultiPolygon:
		mp := g.MustAsMultiPolygon()
		for i := 0; i < mp.NumPolygons(); i++ {
			out = append(out, polygonFromSF(mp.PolygonN(i)))
		}
	case sf.TypeGeometryCollection:
		gc := g.MustAsGeometryCollection()
		for i := 0; i < gc.NumGeometries(); i++ {
			out = append(out, FromSF(gc.GeometryN(i))...)
		}
	}
	return out
}

func polygonFromSF(p sf.Polygon) orb.Polygon {
	var out orb.Polygon
	for _, ls := range p.DumpRings() {
		seq := ls.Coordinates()
		ring := make(orb.Ring, seq.Length())
		for i := range ring {
			xy := seq.GetXY(i)
			ring[i] = orb.Point{xy.X, xy.Y}
		}
		if len(ring) > 0 {
			out = append(out, ring)
		}
	}
	return out
}

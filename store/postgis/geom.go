package postgis

import (
	"encoding/binary"
	"fmt"

	"github.com/paulmach/orb"
	geom "github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"
)

// SRID of every geometry column: WGS84 longitude, latitude (CGCS2000 is
// used interchangeably at this scale).
const SRID = 4326

// multiPolygonEWKB encodes an orb multipolygon as EWKB with SRID 4326.
func multiPolygonEWKB(mp orb.MultiPolygon) ([]byte, error) {
	coords := make([][][]geom.Coord, len(mp))
	for i, poly := range mp {
		coords[i] = make([][]geom.Coord, len(poly))
		for j, ring := range poly {
			cs := make([]geom.Coord, len(ring))
			for k, p := range ring {
				cs[k] = geom.Coord{p[0], p[1]}
			}
			coords[i][j] = cs
		}
	}
	g, err := geom.NewMultiPolygon(geom.XY).SetCoords(coords)
	if err != nil {
		return nil, fmt.Errorf("postgis: encode multipolygon: %w", err)
	}
	return ewkb.Marshal(g.SetSRID(SRID), binary.LittleEndian)
}

// multiPolygonFromEWKB decodes EWKB (a polygon or multipolygon) into orb.
func multiPolygonFromEWKB(b []byte) (orb.MultiPolygon, error) {
	g, err := ewkb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("postgis: decode geometry: %w", err)
	}
	switch g := g.(type) {
	case *geom.MultiPolygon:
		out := make(orb.MultiPolygon, g.NumPolygons())
		for i := range out {
			out[i] = polygonToOrb(g.Polygon(i))
		}
		return out, nil
	case *geom.Polygon:
		return orb.MultiPolygon{polygonToOrb(g)}, nil
	}
	return nil, fmt.Errorf("postgis: geometry is a %T, not a multipolygon", g)
}

func polygonToOrb(p *geom.Polygon) orb.Polygon {
	out := make(orb.Polygon, p.NumLinearRings())
	for i := range out {
		cs := p.LinearRing(i).Coords()
		r := make(orb.Ring, len(cs))
		for k, c := range cs {
			r[k] = orb.Point{c[0], c[1]}
		}
		out[i] = r
	}
	return out
}

package postgis

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
)

// SRID of every geometry column: WGS84 longitude, latitude (CGCS2000 is
// used interchangeably at this scale).
const SRID = 4326

// toEWKB encodes a geometry as EWKB with SRID 4326. orb's own EWKB codec is
// used rather than go-geom's: it encodes orb values directly, so the
// adapter needs no second geometry type.
func toEWKB(g orb.Geometry) ([]byte, error) {
	b, err := ewkb.Marshal(g, SRID)
	if err != nil {
		return nil, fmt.Errorf("postgis: encode %s: %w", g.GeoJSONType(), err)
	}
	return b, nil
}

// fromEWKB decodes EWKB written by PostGIS (ST_AsEWKB).
func fromEWKB(b []byte) (orb.Geometry, error) {
	g, srid, err := ewkb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("postgis: decode geometry: %w", err)
	}
	if srid != SRID && srid != 0 {
		return nil, fmt.Errorf("postgis: geometry has SRID %d, want %d", srid, SRID)
	}
	return g, nil
}

// multiPolygonFromEWKB decodes a polygon or multipolygon.
func multiPolygonFromEWKB(b []byte) (orb.MultiPolygon, error) {
	g, err := fromEWKB(b)
	if err != nil {
		return nil, err
	}
	switch g := g.(type) {
	case orb.MultiPolygon:
		return g, nil
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	}
	return nil, fmt.Errorf("postgis: geometry is a %s, not a multipolygon", g.GeoJSONType())
}

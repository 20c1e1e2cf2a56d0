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

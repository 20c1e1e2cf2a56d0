package postgis

import (
	"fmt"

	"github.com/paulmach/orb"

	"diming/store/internal/rowstore"
)

var _ rowstore.Store = (*Store)(nil)

// boundaryLinesLock is the advisory lock key serialising line rewrites.
const boundaryLinesLock = 0x64696d626c // "dimbl"

// dialect is how PostGIS's SQL differs (rowstore builds the statements):
// typed geometry columns crossing as EWKB, dates, row locks, and an advisory
// lock so that one boundary-line rewrite runs at a time (a concurrent writer
// waits until the other commits, then reads what that one left).
var dialect = rowstore.Dialect{
	Dollar:   true,
	Lock:     " FOR UPDATE",
	GeomOut:  func(col string) string { return "ST_AsEWKB(" + col + ")" },
	DateOut:  func(col string) string { return "coalesce(to_char(" + col + ", 'YYYY-MM-DD'), '')" },
	PointOut: "ST_X(geom), ST_Y(geom)",
	GeomIn: func(_, multi bool) []rowstore.Col {
		if multi {
			return []rowstore.Col{{Name: "geom", Value: "ST_Multi(ST_GeomFromEWKB(?))"}}
		}
		return []rowstore.Col{{Name: "geom", Value: "ST_GeomFromEWKB(?)"}}
	},
	PointIn: []rowstore.Col{{Name: "geom", Value: "ST_SetSRID(ST_MakePoint(?, ?), 4326)"}},
	InBox: func(w *rowstore.Where, b orb.Bound) string {
		return fmt.Sprintf("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", w.Arg(b.Min[0]), w.Arg(b.Min[1]), w.Arg(b.Max[0]), w.Arg(b.Max[1]))
	},
	IDIn:              func(w *rowstore.Where, ids []int64) string { return "id = ANY(" + w.Arg(ids) + ")" },
	LockBoundaryLines: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", boundaryLinesLock),
}

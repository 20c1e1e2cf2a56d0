package sqlite

import (
	"encoding/json"

	"github.com/paulmach/orb"

	"diming/store/internal/rowstore"
)

var _ rowstore.Store = (*Store)(nil)

// dialect is how SQLite's SQL differs (rowstore builds the statements):
// geometry is WKB with its bounding box in four columns, points are lon and
// lat, dates are text, and reads for a write lock nothing: the writer holds
// the database's write lock from BEGIN IMMEDIATE.
var dialect = rowstore.Dialect{
	GeomOut:  func(col string) string { return col },
	DateOut:  func(col string) string { return "coalesce(" + col + ", '')" },
	PointOut: "lon, lat",
	GeomIn: func(box, _ bool) []rowstore.Col {
		if !box {
			return []rowstore.Col{{Name: "geom", Value: "?"}}
		}
		return []rowstore.Col{{Name: "geom", Value: "?"}, {Name: "minx", Value: "?"}, {Name: "miny", Value: "?"}, {Name: "maxx", Value: "?"}, {Name: "maxy", Value: "?"}}
	},
	PointIn: []rowstore.Col{{Name: "lon", Value: "?"}, {Name: "lat", Value: "?"}},
	InBox: func(w *rowstore.Where, b orb.Bound) string {
		return "maxx >= " + w.Arg(b.Min[0]) + " AND minx <= " + w.Arg(b.Max[0]) + " AND maxy >= " + w.Arg(b.Min[1]) + " AND miny <= " + w.Arg(b.Max[1])
	},
	IDIn: func(w *rowstore.Where, ids []int64) string {
		b, _ := json.Marshal(ids)
		return "id IN (SELECT value FROM json_each(" + w.Arg(string(b)) + "))"
	},
}

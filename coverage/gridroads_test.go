package coverage

import (
	"fmt"

	"github.com/paulmach/orb"

	"diming/geo"
)

// gridRoads returns a street lattice of rows × cols crossings spacing
// metres apart, centred on origin (lon/lat): one RoadSegment per street
// running the whole width (rows of them, west to east) or height (cols,
// south to north), crossing the others at shared vertices. Its walking
// graph has rows·cols nodes and rows·(cols−1) + cols·(rows−1) edges.
// Segment ids are 1..rows+cols.
func gridRoads(rows, cols int, spacing float64, origin orb.Point) []RoadSegment {
	proj := geo.NewLocalProjection(origin)
	at := func(r, c int) orb.Point {
		return proj.Inverse(orb.Point{(float64(c) - float64(cols-1)/2) * spacing, (float64(r) - float64(rows-1)/2) * spacing})
	}
	segs := make([]RoadSegment, 0, rows+cols)
	for r := range rows {
		ls := make(orb.LineString, cols)
		for c := range cols {
			ls[c] = at(r, c)
		}
		segs = append(segs, RoadSegment{ID: int64(len(segs) + 1), Geometry: ls, Class: "residential",
			Name: fmt.Sprintf("横%d路", r+1), Source: "grid", Synthetic: true})
	}
	for c := range cols {
		ls := make(orb.LineString, rows)
		for r := range rows {
			ls[r] = at(r, c)
		}
		segs = append(segs, RoadSegment{ID: int64(len(segs) + 1), Geometry: ls, Class: "residential",
			Name: fmt.Sprintf("纵%d路", c+1), Source: "grid", Synthetic: true})
	}
	return segs
}

// GridRoadsForTest is gridRoads for the package's external tests
// (coverage_test, which PostGIS tests must be: internal/pgtest imports the
// PostGIS store, which imports coverage).
var GridRoadsForTest = gridRoads

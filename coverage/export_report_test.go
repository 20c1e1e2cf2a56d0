package coverage

import (
	"testing"

	"github.com/paulmach/orb"
)

// DistrictCase exposes the district-sized case to the external tests that
// compare with PostGIS (package coverage_test, which may import pgtest).
func DistrictCase(tb testing.TB) (*Model, []Facility, []orb.Point) {
	dc := districtModel(tb)
	return dc.model, dc.facilities, dc.queries
}

package demo_test

import (
	"testing"

	"github.com/paulmach/orb"

	"diming/demo"
)

// Every ring of every demo division has RFC 7946 orientation (exterior
// rings counter-clockwise, holes clockwise), as GeoJSON clients expect;
// the district outline it comes from is drawn clockwise.
func TestDemoDivisionsRFC7946Orientation(t *testing.T) {
	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	rings := 0
	for _, d := range ds {
		for pi, poly := range d.Geometry {
			for ri, r := range poly {
				rings++
				want := orb.CCW
				if ri > 0 {
					want = orb.CW
				}
				if got := r.Orientation(); got != want {
					t.Errorf("%s %s polygon %d ring %d: orientation %v, want %v", d.Code, d.Name, pi, ri, got, want)
				}
			}
		}
	}
	if rings < len(ds) {
		t.Fatalf("%d rings in %d divisions", rings, len(ds))
	}
}

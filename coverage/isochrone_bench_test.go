package coverage_test

import (
	"testing"

	"diming/coverage"
)

// BenchmarkIsochrone draws the 15-minute walk (810 m) from a crossing of a
// lattice of streets 100 m apart: the few hundred edges a search reaches,
// at the default 20 m resolution and 50 m off the network.
func BenchmarkIsochrone(b *testing.B) {
	edges := isoReached(isoLattice(21, 100, [2]int{10, 10}, 810))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := coverage.IsochronePolygon(edges, 810, coverage.IsochroneOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(edges)), "edges")
}

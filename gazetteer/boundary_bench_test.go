package gazetteer_test

import (
	"testing"

	"diming/gazetteer"
)

// BenchmarkBoundaryTopology derives every boundary line (district, township
// and village levels) and the full topology report (township and village
// levels) for the demo district of 26 + 200 units: once in the engine, once
// as the equivalent SQL in PostGIS on the same rows (runPostGISAll, whose
// results TestPostGISBenchQuery checks against the engine's). The PostGIS
// side skips without DIMING_TEST_DATABASE_URL (fails under CI=true).
func BenchmarkBoundaryTopology(b *testing.B) {
	ds := demoDivisions(b)
	b.Run("diming", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, level := range gazetteer.Levels {
				if len(gazetteer.DeriveBoundaryLines(ds, level)) == 0 {
					b.Fatal("no lines")
				}
			}
			for _, level := range []gazetteer.Level{gazetteer.LevelTownship, gazetteer.LevelVillage} {
				rep, err := gazetteer.CheckTopology(ds, level, gazetteer.TopologyConfig{})
				if err != nil || len(rep.Overlaps)+len(rep.Gaps)+len(rep.Outside) != 0 {
					b.Fatalf("%s: %+v %v", level, rep, err)
				}
			}
		}
	})
	b.Run("postgis", func(b *testing.B) {
		pool := loadPostGIS(b, ds)
		for b.Loop() {
			runPostGISAll(b, pool)
		}
	})
}

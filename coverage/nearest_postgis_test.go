package coverage_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"diming/coverage"
	"diming/internal/pgtest"
)

// nearestDatabase loads the district case's facilities into PostGIS as
// geography points with a GiST index.
func nearestDatabase(tb testing.TB, fs []coverage.Facility) *pgxpool.Pool {
	tb.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.NewEmptyDatabase(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	if _, err := pool.Exec(ctx, `CREATE TABLE fac (id bigint PRIMARY KEY, geog geography(Point, 4326) NOT NULL)`); err != nil {
		tb.Fatal(err)
	}
	for _, f := range fs {
		if _, err := pool.Exec(ctx, `INSERT INTO fac VALUES ($1, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography)`, f.ID, f.Point[0], f.Point[1]); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `CREATE INDEX ON fac USING gist (geog); ANALYZE fac`); err != nil {
		tb.Fatal(err)
	}
	return pool
}

const knnSQL = `SELECT id FROM fac ORDER BY geog <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography LIMIT 1`

// BenchmarkNearestFacility: the nearest of 200 facilities by straight line,
// diming's R-tree against PostGIS KNN on the same points and queries.
func BenchmarkNearestFacility(b *testing.B) {
	model, facilities, queries := coverage.DistrictCase(b)
	f := coverage.FacilityFilter{Categories: []coverage.Category{coverage.CommunityEldercareStation}}
	b.Run("diming", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if len(model.NearestStraight(queries[i%len(queries)], 1, f)) != 1 {
				b.Fatal("no facility")
			}
		}
	})
	b.Run("postgis", func(b *testing.B) {
		pool := nearestDatabase(b, facilities)
		ctx := context.Background()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			q := queries[i%len(queries)]
			var id int64
			if err := pool.QueryRow(ctx, knnSQL, q[0], q[1]).Scan(&id); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestNearestFacilityAgreesWithPostGIS: on 2,000 query points, diming's
// nearest facility is PostGIS's KNN answer, or one no farther on the
// spheroid (KNN on geography orders by sphere distance), and diming's
// distance equals PostGIS's ST_Distance on the spheroid.
func TestNearestFacilityAgreesWithPostGIS(t *testing.T) {
	model, facilities, queries := coverage.DistrictCase(t)
	pool := nearestDatabase(t, facilities)
	ctx := context.Background()
	f := coverage.FacilityFilter{Categories: []coverage.Category{coverage.CommunityEldercareStation}}
	same := 0
	for i, q := range queries[:2000] {
		got := model.NearestStraight(q, 1, f)
		if len(got) != 1 {
			t.Fatal("no answer")
		}
		var pgID int64
		var pgDist, ourDist float64
		err := pool.QueryRow(ctx, `WITH q AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS g),
			knn AS (SELECT id, geog FROM fac, q ORDER BY geog <-> q.g LIMIT 1)
			SELECT knn.id, ST_Distance(knn.geog, q.g, true), (SELECT ST_Distance(geog, q.g, true) FROM fac WHERE id = $3)
			FROM knn, q`, q[0], q[1], got[0].Facility.ID).Scan(&pgID, &pgDist, &ourDist)
		if err != nil {
			t.Fatal(err)
		}
		if pgID == got[0].Facility.ID {
			same++
		} else if ourDist > pgDist+1e-6 {
			t.Errorf("query %d: diming chose %d at %.3f m, PostGIS %d at %.3f m", i, got[0].Facility.ID, ourDist, pgID, pgDist)
		}
		if d := got[0].DistanceM - ourDist; d > 1e-3 || d < -1e-3 {
			t.Errorf("query %d: diming says %.4f m, PostGIS ST_Distance %.4f m", i, got[0].DistanceM, ourDist)
		}
	}
	t.Logf("same facility as PostGIS KNN on %d of 2000 queries (the rest: equally near on the spheroid)", same)
}

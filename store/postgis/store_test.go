package postgis_test

import (
	"context"
	"math"
	"testing"

	"diming"
	"diming/gazetteer"
	"diming/internal/pgtest"
	"diming/internal/storetest"
	"diming/migrations"
	"diming/store/postgis"
)

func open(tb testing.TB) *postgis.Store {
	tb.Helper()
	st, err := postgis.Open(context.Background(), postgis.Config{URL: pgtest.NewDatabase(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(tb testing.TB) storetest.Harness {
		st := open(tb)
		return storetest.Harness{
			Store:         st,
			Accounts:      st,
			Apps:          st,
			Migrate:       st.Migrate,
			SchemaVersion: st.SchemaVersion,
			LatestVersion: migrations.Latest(migrations.PostGIS),
			Exec: func(ctx context.Context, sql string) error {
				_, err := st.Pool().Exec(ctx, sql)
				return err
			},
		}
	})
}

func TestCheckSchema(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	if err := st.CheckSchema(ctx); err != nil {
		t.Fatalf("CheckSchema on a migrated database: %v", err)
	}
	if _, err := st.Pool().Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES (999, 'future')"); err != nil {
		t.Fatal(err)
	}
	if err := st.CheckSchema(ctx); diming.Code(err) != diming.EUNAVAILABLE {
		t.Fatalf("CheckSchema on a newer schema: %v, want unavailable", err)
	}
	if err := st.Migrate(ctx); diming.Code(err) != diming.EUNAVAILABLE {
		t.Fatalf("Migrate on a newer schema: %v, want unavailable", err)
	}
}

func TestCheckSchemaEmptyDatabase(t *testing.T) {
	url := pgtest.NewDatabase(t)
	st, err := postgis.Open(context.Background(), postgis.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Pool().Exec(context.Background(), "DROP TABLE schema_migrations"); err != nil {
		t.Fatal(err)
	}
	if err := st.CheckSchema(context.Background()); diming.Code(err) != diming.EUNAVAILABLE {
		t.Fatalf("CheckSchema without schema_migrations: %v, want unavailable (run diming migrate)", err)
	}
}

func TestBoundaryLinesStored(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	fx := storetest.Fixtures()
	if err := st.PutDivisions(ctx, "test", fx); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, l := range gazetteer.Levels {
		want += len(gazetteer.DeriveBoundaryLines(fx, l))
	}
	// The stored lines are real PostGIS lines whose lengths PostGIS agrees with.
	var n int
	var ours, theirs float64
	if err := st.Pool().QueryRow(ctx, "SELECT count(*), sum(length_m), sum(ST_Length(geom::geography)) FROM boundary_lines").Scan(&n, &ours, &theirs); err != nil {
		t.Fatal(err)
	}
	if n != want || n == 0 || math.Abs(ours-theirs) > 1e-3*theirs {
		t.Fatalf("%d stored lines (want %d), lengths %.1f m vs PostGIS %.1f m", n, want, ours, theirs)
	}
}

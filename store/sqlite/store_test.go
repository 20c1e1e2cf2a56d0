package sqlite_test

import (
	"context"
	"testing"

	"diming"
	"diming/gazetteer"
	"diming/internal/storetest"
	"diming/migrations"
	"diming/store/sqlite"
)

func open(tb testing.TB) *sqlite.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
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
			LatestVersion: migrations.Latest(migrations.SQLite),
			Exec: func(ctx context.Context, sql string) error {
				_, err := st.DB().ExecContext(ctx, sql)
				return err
			},
		}
	})
}

func TestRefusesNewerSchema(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	if _, err := st.DB().ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2030-01-01T00:00:00Z')"); err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); diming.Code(err) != diming.EUNAVAILABLE {
		t.Fatalf("Migrate on a newer schema: %v, want an unavailable error", err)
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
	var n int
	var total float64
	if err := st.DB().QueryRow("SELECT count(*), coalesce(sum(length_m), 0) FROM boundary_lines").Scan(&n, &total); err != nil {
		t.Fatal(err)
	}
	if n != want || n == 0 || total <= 0 {
		t.Fatalf("%d stored lines (total %.0f m), want %d", n, total, want)
	}
}

package postgis_test

import (
	"context"
	"math"
	"testing"

	"diming"
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
		pool := st.Pool()
		return storetest.HarnessOf(st, migrations.Latest(migrations.PostGIS), storetest.Raw{
			Exec: func(ctx context.Context, sql string) error { _, err := pool.Exec(ctx, sql); return err },
			Count: func(ctx context.Context, sql string) (n int, err error) {
				return n, pool.QueryRow(ctx, sql).Scan(&n)
			},
			RefuseAudit: `CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN RAISE EXCEPTION 'the test refuses audit entries'; END $$;
				CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()`,
		})
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

// TestBoundaryLineLengths: the stored lines are real PostGIS lines whose
// lengths PostGIS agrees with (the contract suite counts them).
func TestBoundaryLineLengths(t *testing.T) {
	st := open(t)
	ctx := context.Background()
	if err := st.PutDivisions(ctx, "test", storetest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	var n int
	var ours, theirs float64
	if err := st.Pool().QueryRow(ctx, "SELECT count(*), sum(length_m), sum(ST_Length(geom::geography)) FROM boundary_lines").Scan(&n, &ours, &theirs); err != nil {
		t.Fatal(err)
	}
	if n == 0 || math.Abs(ours-theirs) > 1e-3*theirs {
		t.Fatalf("%d stored lines, lengths %.1f m vs PostGIS %.1f m", n, ours, theirs)
	}
}

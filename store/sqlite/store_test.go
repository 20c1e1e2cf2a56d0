package sqlite_test

import (
	"context"
	"testing"

	"diming"
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
		return storetest.HarnessOf(st, migrations.Latest(migrations.SQLite), storetest.RawDB(st.DB(),
			"CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'the test refuses audit entries'); END"))
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

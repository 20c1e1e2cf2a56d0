// Package storetest is the store contract suite: the same tests run on every
// Store implementation (store/sqlite and store/postgis), so the two stores
// behave alike wherever the service relies on them.
package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"diming"
	"diming/auth"
	"diming/gazetteer"
)

// Harness is one store under test plus the raw access some tests need.
type Harness struct {
	Store gazetteer.Store
	// Accounts is the same store seen as an auth.Store.
	Accounts auth.Store
	// Apps is the same store seen as an ApplicationStore.
	Apps gazetteer.ApplicationStore
	// Migrate applies the migrations again (it must be idempotent).
	Migrate func(ctx context.Context) error
	// SchemaVersion reports the applied schema version.
	SchemaVersion func(ctx context.Context) (int, error)
	// LatestVersion is the newest migration the binary knows.
	LatestVersion int
	// Exec runs raw SQL against the store's database, bypassing the Store.
	Exec func(ctx context.Context, sql string) error
	// Count runs a raw SELECT of one integer (count(*) …).
	Count func(ctx context.Context, sql string) (int, error)
	// RefuseAudit is the engine's SQL for a trigger that makes every
	// insert into audit_log fail: a write whose audit entry fails must
	// leave nothing behind.
	RefuseAudit string
}

// Store is what each store is, with its schema operations.
type Store interface {
	gazetteer.Store
	gazetteer.ApplicationStore
	auth.Store
	Migrate(ctx context.Context) error
	SchemaVersion(ctx context.Context) (int, error)
}

// Raw is the SQL access to a store's database that some tests need,
// bypassing the store (see Harness).
type Raw struct {
	Exec        func(ctx context.Context, sql string) error
	Count       func(ctx context.Context, sql string) (int, error)
	RefuseAudit string
}

// RawDB is the Raw of a store behind database/sql; refuseAudit is the
// engine's SQL for Harness.RefuseAudit.
func RawDB(db *sql.DB, refuseAudit string) Raw {
	return Raw{
		Exec: func(ctx context.Context, q string) error { _, err := db.ExecContext(ctx, q); return err },
		Count: func(ctx context.Context, q string) (n int, err error) {
			return n, db.QueryRowContext(ctx, q).Scan(&n)
		},
		RefuseAudit: refuseAudit,
	}
}

// HarnessOf is the Harness of st, whose newest migration is latest.
func HarnessOf(st Store, latest int, raw Raw) Harness {
	return Harness{Store: st, Accounts: st, Apps: st, Migrate: st.Migrate, SchemaVersion: st.SchemaVersion,
		LatestVersion: latest, Exec: raw.Exec, Count: raw.Count, RefuseAudit: raw.RefuseAudit}
}

// Opener returns a fresh, migrated, empty store for one test.
type Opener func(tb testing.TB) Harness

// Run runs the whole contract suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"MigrateIsIdempotent", testMigrateIdempotent},
		{"PutAndGetRoundTrip", testRoundTrip},
		{"FilterDivisions", testFilter},
		{"UnknownCodeIsNotFound", testNotFound},
		{"AuditRecordsEveryChange", testAudit},
		{"InvalidBatchWritesNothing", testAllOrNothing},
		{"AuditLogIsAppendOnly", testAuditAppendOnly},
		{"ConcurrentWriters", testConcurrentWriters},
		{"PlacesRoundTrip", testPlacesRoundTrip},
		{"PlaceFilter", testPlaceFilter},
		{"PlaceHistoryAndConflicts", testPlaceHistory},
		{"PlaceInvalidBatchWritesNothing", testPlaceInvalidBatch},
		{"Accounts", testAccounts},
		{"Applications", testApplications},
		{"Markers", testMarkers},
		{"Facilities", testFacilities},
		{"FacilityImport", testFacilityImport},
		{"RoadsAndHouseholds", testRoadsAndHouseholds},
		{"ManyHouseholds", testManyHouseholds},
		{"CoverageRuns", testRuns},
		{"ChangeMarkOf", testChangeMarkOf},
		{"BoundaryLinesStored", testBoundaryLinesStored},
		{"VersionConflicts", testVersionConflicts},
		{"AuditInTheWritersTransaction", testAuditInTransaction},
		{"NameClaims", testNameClaims},
		{"ConcurrentClaimsOfOneName", testConcurrentClaims},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := open(t)
			tc.fn(t, h)
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func square(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

// Fixtures is a small nested set: a district, two townships, three villages,
// with Chinese names and a polygon with a hole.
func Fixtures() []gazetteer.Division {
	withHole := orb.MultiPolygon{{
		{{106.4, 29.5}, {106.5, 29.5}, {106.5, 29.7}, {106.4, 29.7}, {106.4, 29.5}},
		{{106.44, 29.55}, {106.44, 29.56}, {106.45, 29.56}, {106.45, 29.55}, {106.44, 29.55}},
	}}
	return []gazetteer.Division{
		{Code: "500106000000", Name: "沙坪坝区", Level: gazetteer.LevelDistrict, ParentCode: "500100000000",
			Geometry: square(106.3, 29.5, 106.5, 29.7), Households: 300, Population: 780, Population60: 130},
		{Code: "500106001000", Name: "小龙坎街道", Level: gazetteer.LevelTownship, ParentCode: "500106000000",
			Geometry: square(106.3, 29.5, 106.4, 29.7), Households: 200, Population: 520, Population60: 90, Synthetic: true},
		{Code: "500106104000", Name: "青木关镇", Level: gazetteer.LevelTownship, ParentCode: "500106000000",
			Geometry: square(106.4, 29.5, 106.5, 29.7), Households: 100, Population: 260, Population60: 40, Synthetic: true},
		{Code: "500106001001", Name: "龙泉路社区居民委员会", Level: gazetteer.LevelVillage, ParentCode: "500106001000",
			Geometry: square(106.3, 29.5, 106.4, 29.6), Households: 120, Population: 300, Population60: 50, UrbanRuralCode: "111", Synthetic: true},
		{Code: "500106001004", Name: "嘉新社区居民委员会", Level: gazetteer.LevelVillage, ParentCode: "500106001000",
			Geometry: square(106.3, 29.6, 106.4, 29.7), Households: 80, Population: 220, Population60: 40, UrbanRuralCode: "111", Synthetic: true},
		{Code: "500106104200", Name: "覃家岗村村民委员会", Level: gazetteer.LevelVillage, ParentCode: "500106104000",
			Geometry: withHole, Households: 100, Population: 260, Population60: 40, UrbanRuralCode: "220", Synthetic: true},
	}
}

func put(t *testing.T, h Harness, ds []gazetteer.Division) {
	t.Helper()
	if err := h.Store.PutDivisions(ctx(t), "test", ds); err != nil {
		t.Fatalf("PutDivisions: %v", err)
	}
}

func testMigrateIdempotent(t *testing.T, h Harness) {
	if err := h.Migrate(ctx(t)); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	v, err := h.SchemaVersion(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if v != h.LatestVersion || v < 1 {
		t.Fatalf("schema version %d, want %d", v, h.LatestVersion)
	}
}

func testRoundTrip(t *testing.T, h Harness) {
	start := time.Now().Add(-time.Minute)
	fx := Fixtures()
	put(t, h, fx)
	for _, want := range fx {
		got, err := h.Store.Division(ctx(t), want.Code)
		if err != nil {
			t.Fatalf("Division(%s): %v", want.Code, err)
		}
		if got.UpdatedAt.Before(start) || got.UpdatedAt.After(time.Now().Add(time.Minute)) {
			t.Errorf("%s: UpdatedAt %v not set to the time of writing", want.Code, got.UpdatedAt)
		}
		got.UpdatedAt = time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Division(%s) =\n%+v\nwant\n%+v", want.Code, got, want)
		}
	}
	n, err := h.Store.CountDivisions(ctx(t))
	if err != nil || n != len(fx) {
		t.Fatalf("CountDivisions = %d, %v; want %d", n, err, len(fx))
	}
}

func codes(ds []gazetteer.Division) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.Code)
	}
	return out
}

func testFilter(t *testing.T, h Harness) {
	put(t, h, Fixtures())
	cases := []struct {
		name string
		f    gazetteer.DivisionFilter
		want []string
	}{
		{"all", gazetteer.DivisionFilter{}, []string{"500106000000", "500106001000", "500106001001", "500106001004", "500106104000", "500106104200"}},
		{"townships", gazetteer.DivisionFilter{Level: gazetteer.LevelTownship}, []string{"500106001000", "500106104000"}},
		{"children of 小龙坎", gazetteer.DivisionFilter{ParentCode: "500106001000"}, []string{"500106001001", "500106001004"}},
		{"villages of 青木关", gazetteer.DivisionFilter{Level: gazetteer.LevelVillage, ParentCode: "500106104000"}, []string{"500106104200"}},
		{"bbox east", gazetteer.DivisionFilter{Level: gazetteer.LevelVillage, BBox: &orb.Bound{Min: orb.Point{106.45, 29.51}, Max: orb.Point{106.46, 29.52}}}, []string{"500106104200"}},
		{"bbox outside", gazetteer.DivisionFilter{BBox: &orb.Bound{Min: orb.Point{100, 20}, Max: orb.Point{101, 21}}}, []string{}},
		{"unknown parent", gazetteer.DivisionFilter{ParentCode: "500106999000"}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.Store.Divisions(ctx(t), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(codes(got), tc.want) {
				t.Fatalf("got %v, want %v", codes(got), tc.want)
			}
		})
	}
}

func testNotFound(t *testing.T, h Harness) {
	put(t, h, Fixtures())
	_, err := h.Store.Division(ctx(t), "500106999999")
	if diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("Division(unknown) error = %v, want code %s", err, diming.ENOTFOUND)
	}
}

func testAudit(t *testing.T, h Harness) {
	fx := Fixtures()
	put(t, h, fx)
	entries, err := h.Store.Audit(ctx(t), diming.AuditFilter{Entity: "division"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(fx) {
		t.Fatalf("%d audit entries after creating %d divisions", len(entries), len(fx))
	}
	for _, e := range entries {
		if e.Action != "create" || e.Actor != "test" || e.Before != nil || len(e.After) == 0 || e.At.IsZero() {
			t.Fatalf("bad create entry %+v", e)
		}
	}
	// Writing the same again changes nothing and logs nothing.
	put(t, h, fx)
	again, _ := h.Store.Audit(ctx(t), diming.AuditFilter{})
	if len(again) != len(fx) {
		t.Fatalf("rewriting unchanged divisions added %d audit entries", len(again)-len(fx))
	}
	// A rename is one update entry with before and after.
	renamed := fx[3]
	renamed.Name = "龙泉社区居民委员会"
	if err := h.Store.PutDivisions(ctx(t), "official:张三", []gazetteer.Division{renamed}); err != nil {
		t.Fatal(err)
	}
	upd, err := h.Store.Audit(ctx(t), diming.AuditFilter{Entity: "division", EntityID: renamed.Code})
	if err != nil {
		t.Fatal(err)
	}
	if len(upd) != 2 || upd[0].Action != "update" || upd[0].Actor != "official:张三" {
		t.Fatalf("audit of %s = %+v, want update then create", renamed.Code, upd)
	}
	var before, after struct{ Name string }
	if json.Unmarshal(upd[0].Before, &before) != nil || json.Unmarshal(upd[0].After, &after) != nil {
		t.Fatalf("before/after are not JSON: %s / %s", upd[0].Before, upd[0].After)
	}
	if before.Name != fx[3].Name || after.Name != renamed.Name {
		t.Fatalf("update entry before %q after %q", before.Name, after.Name)
	}
	if upd[0].ID <= upd[1].ID || upd[0].At.Before(upd[1].At) {
		t.Fatalf("audit entries not newest first: %+v", upd)
	}
}

func testAllOrNothing(t *testing.T, h Harness) {
	fx := Fixtures()
	put(t, h, fx[:2])
	bowtie := orb.MultiPolygon{{{{106.4, 29.5}, {106.5, 29.7}, {106.5, 29.5}, {106.4, 29.7}, {106.4, 29.5}}}}
	changed := fx[1]
	changed.Name = "改名街道"
	bad := fx[2]
	bad.Geometry = bowtie
	noName := fx[3]
	noName.Name = "龙泉路\x00社区"
	for _, batch := range [][]gazetteer.Division{
		{changed, fx[3], bad},
		{changed, noName},
		{changed, fx[4], fx[4]},
		{changed, {Code: "500106002000", Name: "沙坪坝街道", Level: gazetteer.LevelVillage, ParentCode: "500106000000", Geometry: fx[1].Geometry}},
	} {
		err := h.Store.PutDivisions(ctx(t), "test", batch)
		if diming.Code(err) != diming.EINVALID {
			t.Fatalf("invalid batch: error %v, want code %s", err, diming.EINVALID)
		}
	}
	n, _ := h.Store.CountDivisions(ctx(t))
	got, _ := h.Store.Division(ctx(t), fx[1].Code)
	audit, _ := h.Store.Audit(ctx(t), diming.AuditFilter{})
	if n != 2 || got.Name != fx[1].Name || len(audit) != 2 {
		t.Fatalf("after rejected batches: %d divisions (want 2), name %q (want %q), %d audit entries (want 2)",
			n, got.Name, fx[1].Name, len(audit))
	}
}

func testAuditAppendOnly(t *testing.T, h Harness) {
	put(t, h, Fixtures())
	for _, sql := range []string{
		"UPDATE audit_log SET actor = 'intruder'",
		"DELETE FROM audit_log",
	} {
		if err := h.Exec(ctx(t), sql); err == nil {
			t.Errorf("%s: succeeded on the append-only audit log", sql)
		}
	}
	entries, _ := h.Store.Audit(ctx(t), diming.AuditFilter{})
	for _, e := range entries {
		if e.Actor != "test" {
			t.Fatalf("audit entry changed: %+v", e)
		}
	}
	if len(entries) != len(Fixtures()) {
		t.Fatalf("%d audit entries, want %d", len(entries), len(Fixtures()))
	}
}

func testConcurrentWriters(t *testing.T, h Harness) {
	fx := Fixtures()
	put(t, h, fx[:1])
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			d := fx[1+i%2]
			d.Households = 1000 + i
			errs <- h.Store.PutDivisions(context.Background(), diming.Actor("writer"), []gazetteer.Division{d})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	audit, _ := h.Store.Audit(ctx(t), diming.AuditFilter{Limit: 100})
	if len(audit) != 9 {
		t.Fatalf("%d audit entries after 1 + 8 changing writes, want 9", len(audit))
	}
}

func jsonHas(raw json.RawMessage, key, want string) bool {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	return m[key] == want
}

package app_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"diming"
	"diming/app"
	"diming/coverage"
	"diming/gazetteer"
	"diming/internal/pgtest"
	"diming/internal/storetest"
	"diming/readmodel"
	"diming/store/postgis"
	"diming/store/sqlite"
)

// testStore is what these tests need of a real store.
type testStore interface {
	gazetteer.Store
	coverage.Store
	coverage.ChangeMarker
}

// stores runs fn on a migrated embedded store and on a fresh PostGIS
// database (skipped loudly without DIMING_TEST_DATABASE_URL, a failure
// under CI=true), each holding the fixture divisions unless empty is set.
func stores(t *testing.T, empty bool, fn func(t *testing.T, st testStore)) {
	t.Run("sqlite", func(t *testing.T) {
		ctx := context.Background()
		st, err := sqlite.Open(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		fill(t, st, empty)
		fn(t, st)
	})
	t.Run("postgis", func(t *testing.T) {
		st, err := postgis.Open(context.Background(), postgis.Config{URL: pgtest.NewDatabase(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fill(t, st, empty)
		fn(t, st)
	})
}

func fill(t *testing.T, st testStore, empty bool) {
	t.Helper()
	if empty {
		return
	}
	if err := st.PutDivisions(context.Background(), "test", storetest.Fixtures()); err != nil {
		t.Fatal(err)
	}
}

// holder is a real read model over st, built once.
func holder(t *testing.T, st testStore) *readmodel.Holder {
	t.Helper()
	h := readmodel.NewHolder(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.Coverage = st
	if _, err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

func station(name string, lon, lat float64) coverage.Facility {
	return coverage.Facility{Name: name, Category: coverage.CommunityEldercareStation, Point: orb.Point{lon, lat}, Status: coverage.StatusOpen}
}

func audit(t *testing.T, st testStore, id string) []diming.AuditEntry {
	t.Helper()
	es, err := st.Audit(context.Background(), diming.AuditFilter{Entity: coverage.EntityFacility, EntityID: id})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// Points by where they lie against the fixture divisions.
var (
	inVillage  = orb.Point{106.35, 29.55}   // 龙泉路社区
	inHole     = orb.Point{106.445, 29.555} // the hole of 覃家岗村, still 青木关镇
	nearby     = orb.Point{106.55, 29.6}    // east of the district, in no division's box
	otherCity  = orb.Point{116.40, 39.90}   // Beijing
	gcjShifted = orb.Point{106.5003, 29.6}  // just past the district's east edge
)

func TestCreateFacilityInsideTheDistrictIsStoredAuditedAndPublished(t *testing.T) {
	stores(t, false, func(t *testing.T, st testStore) {
		ctx := context.Background()
		h := holder(t, st)
		uc := app.Facilities{Store: st, Publisher: h}
		f, ch, err := uc.Create(ctx, "planner:wang", "新建站点", station("龙泉路养老服务站", inVillage[0], inVillage[1]))
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		id := strconv.FormatInt(f.ID, 10)
		if f.ID == 0 || f.Version != 1 || ch.Entity != coverage.EntityFacility || ch.Action != "create" || len(ch.IDs) != 1 || ch.IDs[0] != id || !ch.Published {
			t.Fatalf("created %+v, change %+v", f, ch)
		}
		es := audit(t, st, id)
		if len(es) != 1 || es[0].Action != "create" || es[0].Reason != "新建站点" || es[0].Actor != "planner:wang" {
			t.Fatalf("audit %+v", es)
		}
		pf, ok := h.Load().Coverage.Facility(f.ID)
		if !ok || pf.Village != "500106001001" || pf.Version != 1 {
			t.Fatalf("the read model after Create: %+v, %v (want it in 500106001001)", pf, ok)
		}
	})
}

// failingPublisher is a read model whose refresh fails (the database went
// away just after the commit).
type failingPublisher struct{}

func (failingPublisher) Refresh(context.Context) (*readmodel.Model, error) {
	return nil, diming.Errorf(diming.EUNAVAILABLE, "数据库不可用", "the database is away")
}

// A failed refresh does not undo or hide a committed change: the use case
// reports the change, stored, with why it is not published yet.
func TestCreateFacilityCommittedWhenTheRefreshFails(t *testing.T) {
	stores(t, false, func(t *testing.T, st testStore) {
		ctx := context.Background()
		f, ch, err := app.Facilities{Store: st, Publisher: failingPublisher{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}.
			Create(ctx, "planner:wang", "", station("站", inVillage[0], inVillage[1]))
		if err != nil || ch.Published || diming.Code(ch.PublishErr) != diming.EUNAVAILABLE {
			t.Fatalf("Create with a failing refresh: %+v, %v", ch, err)
		}
		if got, err := st.Facility(ctx, f.ID); err != nil || got.Name != "站" {
			t.Fatalf("stored: %+v, %v", got, err)
		}
	})
}

func TestCreateFacilityOutsideTheDistrictIsRefusedAndNothingWritten(t *testing.T) {
	stores(t, false, func(t *testing.T, st testStore) {
		ctx := context.Background()
		uc := app.Facilities{Store: st}
		for _, p := range []orb.Point{nearby, otherCity, gcjShifted} {
			_, ch, err := uc.Create(ctx, "planner:wang", "", station("站", p[0], p[1]))
			if diming.Code(err) != diming.EINVALID || ch.Entity != "" {
				t.Errorf("Create at %v: %v, change %+v (want EINVALID, no change)", p, err, ch)
			}
		}
		if _, _, err := uc.Create(ctx, "planner:wang", "", coverage.Facility{Name: "站", Category: "bathhouse", Point: inVillage, Status: coverage.StatusOpen}); diming.Code(err) != diming.EINVALID {
			t.Errorf("unknown category: %v", err)
		}
		fs, err := st.Facilities(ctx)
		if err != nil || len(fs) != 0 {
			t.Fatalf("facilities after refusals: %v, %v", fs, err)
		}
		if es := audit(t, st, ""); len(es) != 0 {
			t.Fatalf("audit after refusals: %+v", es)
		}
	})
}

func TestFacilityAnywhereWhileTheStoreHasNoDivisions(t *testing.T) {
	stores(t, true, func(t *testing.T, st testStore) {
		f, _, err := app.Facilities{Store: st}.Create(context.Background(), "planner:wang", "", station("站", otherCity[0], otherCity[1]))
		if err != nil || f.ID == 0 {
			t.Fatalf("Create without divisions: %+v, %v", f, err)
		}
	})
}

// The create and the import doors decide "inside the district" by the same
// rule on the same (the store's) divisions: every point gets the same
// answer from both.
func TestCreateAndImportAgreeOnTheDistrict(t *testing.T) {
	stores(t, false, func(t *testing.T, st testStore) {
		ctx := context.Background()
		uc := app.Facilities{Store: st}
		points := []orb.Point{inVillage, inHole, nearby, otherCity, gcjShifted}
		for i, p := range points {
			f := station("站"+strconv.Itoa(i), p[0], p[1])
			f.Code = "T" + strconv.Itoa(i)
			res, _, ierr := uc.Import(ctx, "cli:test", "", []coverage.FacilityRow{{Line: 2, Facility: f}}, app.ImportOptions{DryRun: true})
			if ierr != nil {
				t.Fatal(ierr)
			}
			_, _, cerr := uc.Create(ctx, "planner:wang", "", f)
			importOK, createOK := len(res.Rejected) == 0, cerr == nil
			if importOK != createOK {
				t.Errorf("%v: the import accepts it %v, create %v (%v, %+v)", p, importOK, createOK, cerr, res.Rejected)
			}
			if want := p != nearby && p != otherCity && p != gcjShifted; createOK != want {
				t.Errorf("%v: accepted %v, want %v", p, createOK, want)
			}
		}
	})
}

func TestPatchFacility(t *testing.T) {
	stores(t, false, func(t *testing.T, st testStore) {
		ctx := context.Background()
		h := holder(t, st)
		uc := app.Facilities{Store: st, Publisher: h}
		f, _, err := uc.Create(ctx, "planner:wang", "", station("站", inVillage[0], inVillage[1]))
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(f.ID, 10)
		// Nothing changes: the stored facility, no version, no audit entry.
		same, ch, err := uc.Patch(ctx, "planner:li", "", f.ID, 1, func(g *coverage.Facility) error { g.Name = "站"; return nil })
		if err != nil || same.Version != 1 || ch.Entity != "" || len(audit(t, st, id)) != 1 {
			t.Fatalf("a patch that changes nothing: %+v, %+v, %v, audit %d", same, ch, err, len(audit(t, st, id)))
		}
		// Moving out of the district is refused; the stored one stays.
		if _, _, err := uc.Patch(ctx, "planner:li", "", f.ID, 1, func(g *coverage.Facility) error { g.Point = nearby; return nil }); diming.Code(err) != diming.EINVALID {
			t.Fatalf("move outside: %v", err)
		}
		// A field that breaks a rule is refused by the use case's check.
		if _, _, err := uc.Patch(ctx, "planner:li", "", f.ID, 1, func(g *coverage.Facility) error { g.Status = "demolished"; return nil }); diming.Code(err) != diming.EINVALID {
			t.Fatalf("bad status: %v", err)
		}
		moved, ch, err := uc.Patch(ctx, "planner:li", "迁址", f.ID, 1, func(g *coverage.Facility) error { g.Point = inHole; return nil })
		if err != nil || moved.Version != 2 || ch.Action != "update" || ch.IDs[0] != id {
			t.Fatalf("move inside: %+v, %+v, %v", moved, ch, err)
		}
		if pf, ok := h.Load().Coverage.Facility(f.ID); !ok || pf.Version != 2 || pf.Township != "500106104000" {
			t.Fatalf("the read model after the move: %+v %v", pf, ok)
		}
		if _, _, err := uc.Patch(ctx, "planner:li", "", f.ID, 1, func(g *coverage.Facility) error { g.Name = "新站"; return nil }); diming.Code(err) != diming.ECONFLICT {
			t.Fatalf("stale version: %v", err)
		}
		if es := audit(t, st, id); len(es) != 2 || es[0].Action != "update" && es[1].Action != "update" {
			t.Fatalf("audit: %+v", es)
		}
	})
}

// A facility stored outside the district (before the check, or before the
// divisions) can still be edited and closed where it stands.
func TestPatchFacilityStoredOutsideWithoutMovingIt(t *testing.T) {
	stores(t, false, func(t *testing.T, st testStore) {
		ctx := context.Background()
		old, err := st.PutFacility(ctx, "legacy", station("老站", nearby[0], nearby[1]))
		if err != nil {
			t.Fatal(err)
		}
		closed, _, err := app.Facilities{Store: st}.Patch(ctx, "planner:li", "", old.ID, old.Version, func(g *coverage.Facility) error {
			g.Status = coverage.StatusClosed
			return nil
		})
		if err != nil || closed.Status != coverage.StatusClosed || closed.Point != nearby {
			t.Fatalf("closing it in place: %+v, %v", closed, err)
		}
	})
}

func TestDeleteFacility(t *testing.T) {
	stores(t, false, func(t *testing.T, st testStore) {
		ctx := context.Background()
		h := holder(t, st)
		uc := app.Facilities{Store: st, Publisher: h}
		f, _, err := uc.Create(ctx, "planner:wang", "", station("站", inVillage[0], inVillage[1]))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := uc.Delete(ctx, "planner:wang", "", f.ID, 7); diming.Code(err) != diming.ECONFLICT {
			t.Fatalf("stale delete: %v", err)
		}
		ch, err := uc.Delete(ctx, "planner:wang", "撤销", f.ID, 1)
		if err != nil || ch.Action != "delete" {
			t.Fatalf("Delete: %+v, %v", ch, err)
		}
		if _, ok := h.Load().Coverage.Facility(f.ID); ok {
			t.Fatal("the read model still has the deleted facility")
		}
		if _, err := st.Facility(ctx, f.ID); diming.Code(err) != diming.ENOTFOUND {
			t.Fatalf("stored after delete: %v", err)
		}
		es := audit(t, st, strconv.FormatInt(f.ID, 10))
		if len(es) != 2 || (es[0].Action != "delete" && es[1].Action != "delete") {
			t.Fatalf("audit: %+v", es)
		}
	})
}

func TestImportFacilities(t *testing.T) {
	stores(t, false, func(t *testing.T, st testStore) {
		ctx := context.Background()
		uc := app.Facilities{Store: st}
		a := station("甲站", inVillage[0], inVillage[1])
		a.Code = "A1"
		b := station("乙站", inHole[0], inHole[1])
		b.Code = "B1"
		out := station("外站", nearby[0], nearby[1])
		dup := a
		dup.Name = "甲站重复"
		rows := []coverage.FacilityRow{{Line: 2, Facility: a}, {Line: 3, Facility: b}, {Line: 4, Facility: out}, {Line: 5, Facility: dup}}

		res, ch, err := uc.Import(ctx, "cli:test", "导入 f.csv", rows, app.ImportOptions{})
		if err != nil || res.Written || ch.Entity != "" || len(res.Rejected) != 2 || res.Rejected[0].Line != 4 || res.Rejected[1].Line != 5 {
			t.Fatalf("an import with bad rows: %+v, %+v, %v", res, ch, err)
		}
		if fs, _ := st.Facilities(ctx); len(fs) != 0 {
			t.Fatalf("written without --skip-invalid: %d", len(fs))
		}
		res, ch, err = uc.Import(ctx, "cli:test", "导入 f.csv", rows, app.ImportOptions{SkipInvalid: true})
		if err != nil || !res.Written || res.Added != 2 || res.Updated != 0 || ch.Action != "import" {
			t.Fatalf("import --skip-invalid: %+v, %+v, %v", res, ch, err)
		}
		b.Name = "乙站（新）"
		res, _, err = uc.Import(ctx, "cli:test", "", []coverage.FacilityRow{{Line: 2, Facility: a}, {Line: 3, Facility: b}}, app.ImportOptions{DryRun: true})
		if err != nil || res.Written || res.Added != 0 || res.Updated != 1 || res.Unchanged != 1 {
			t.Fatalf("dry run of an update: %+v, %v", res, err)
		}
		res, _, err = uc.Import(ctx, "cli:test", "", []coverage.FacilityRow{{Line: 2, Facility: a}, {Line: 3, Facility: b}}, app.ImportOptions{})
		if err != nil || !res.Written || res.Added != 0 || res.Updated != 1 || res.Unchanged != 1 {
			t.Fatalf("the update: %+v, %v", res, err)
		}
		fs, err := st.Facilities(ctx)
		if err != nil || len(fs) != 2 {
			t.Fatalf("stored: %v, %v", fs, err)
		}
		es, err := st.Audit(ctx, diming.AuditFilter{Entity: coverage.EntityFacility})
		if err != nil || len(es) != 3 {
			t.Fatalf("audit entries: %d, %v (want 2 creates and 1 update)", len(es), err)
		}
	})
}

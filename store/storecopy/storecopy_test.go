package storecopy

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
	"diming/internal/pgtest"
	"diming/internal/storetest"
	"diming/store/postgis"
	"diming/store/sqlite"
)

// TestCanonicalJSON: the spellings jsonb may turn a document into have the
// same canonical text; different values do not.
func TestCanonicalJSON(t *testing.T) {
	same := [][2]string{
		{`{"b":1,"a":[1.0,2]}`, `{"a": [1, 2.00], "b": 1}`},
		{`{"n":1e2,"s":"\u00e9\u6c99"}`, `{"s":"é沙","n":100}`},
		{`{"a":1,"a":2}`, `{"a":2}`},
		{`0.1`, `1e-1`},
	}
	for _, p := range same {
		a, err1 := canonicalJSON([]byte(p[0]))
		b, err2 := canonicalJSON([]byte(p[1]))
		if err1 != nil || err2 != nil || a != b {
			t.Errorf("%s → %q, %s → %q (%v %v)", p[0], a, p[1], b, err1, err2)
		}
	}
	different := [][2]string{
		{`{"a":1}`, `{"a":"1"}`},
		{`[1,2]`, `[2,1]`},
		{`{"a":0.1}`, `{"a":0.10000000000000001}`},
		{`{"a":null}`, `{}`},
	}
	for _, p := range different {
		a, _ := canonicalJSON([]byte(p[0]))
		b, _ := canonicalJSON([]byte(p[1]))
		if a == b {
			t.Errorf("%s and %s both → %q", p[0], p[1], a)
		}
	}
	if _, err := canonicalJSON([]byte(`{"a":1} x`)); err == nil {
		t.Error("trailing data accepted")
	}
}

func TestKindOf(t *testing.T) {
	for _, c := range []struct {
		col   pgColumn
		point bool
		want  column
		bad   bool
	}{
		{pgColumn{dataType: "bigint", name: "id"}, false, column{name: "id", kind: kInt}, false},
		{pgColumn{dataType: "character", name: "code"}, false, column{name: "code", kind: kText}, false},
		{pgColumn{dataType: "timestamp with time zone", name: "at"}, false, column{name: "at", kind: kTime}, false},
		{pgColumn{dataType: "ARRAY", udt: "_text", name: "aliases"}, false, column{name: "aliases", kind: kList}, false},
		{pgColumn{dataType: "USER-DEFINED", udt: "geometry", geomType: "MULTIPOLYGON", name: "geom"}, false, column{name: "geom", kind: kGeom, multi: true}, false},
		{pgColumn{dataType: "USER-DEFINED", udt: "geometry", geomType: "LINESTRING", name: "geom"}, false, column{name: "geom", kind: kGeom}, false},
		{pgColumn{dataType: "USER-DEFINED", udt: "geometry", geomType: "POINT", name: "geom"}, true, column{name: "geom", kind: kPoint}, false},
		{pgColumn{dataType: "USER-DEFINED", udt: "geometry", geomType: "POINT", name: "geom"}, false, column{name: "geom", kind: kGeom}, false},
		{pgColumn{dataType: "ARRAY", udt: "_int4", name: "xs"}, false, column{}, true},
		{pgColumn{dataType: "numeric", name: "n"}, false, column{}, true},
		{pgColumn{dataType: "USER-DEFINED", udt: "hstore", name: "h"}, false, column{}, true},
	} {
		got, err := kindOf(c.col, c.point)
		if (err != nil) != c.bad || (!c.bad && got != c.want) {
			t.Errorf("%+v: %+v, %v", c.col, got, err)
		}
	}
}

func TestDependencyOrder(t *testing.T) {
	got, err := dependencyOrder([]string{"places", "audit_log", "place_versions", "divisions"},
		map[string][]string{"place_versions": {"places"}, "places": {"divisions"}, "coverage_runs": {"nowhere"}})
	if err != nil || fmt.Sprint(got) != "[audit_log divisions places place_versions]" {
		t.Errorf("order %v, %v", got, err)
	}
	if _, err := dependencyOrder([]string{"a", "b"}, map[string][]string{"a": {"b"}, "b": {"a"}}); diming.Code(err) != diming.EUNAVAILABLE {
		t.Errorf("a cycle: %v", err)
	}
}

// pilot is an embedded store with rows of every geometry kind: divisions
// (multipolygons, one with a hole), facilities and households (lon/lat
// points), roads (lines) and a saved run (multipolygon units, points), a
// deleted facility (its id must not come back) and the audit log of it all.
func pilot(t *testing.T) (string, *sqlite.Store) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.PutDivisions(ctx, "test", storetest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	for i, p := range []orb.Point{{106.35, 29.55}, {106.445, 29.555}, {106.3123456789, 29.6987654321}} {
		f := coverage.Facility{Name: fmt.Sprintf("站%d", i), Code: fmt.Sprintf("F%d", i), Category: coverage.CommunityEldercareStation, Point: p, Status: coverage.StatusOpen, Beds: i}
		if f, err = st.PutFacility(diming.WithReason(ctx, "理由"), "planner:wang", f); err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			if err := st.DeleteFacility(ctx, "planner:wang", f.ID, f.Version); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := st.PutRoadSegments(ctx, "cli:test", []coverage.RoadSegment{
		{Geometry: orb.LineString{{106.35, 29.55}, {106.36, 29.55}, {106.36, 29.56}}, Class: "footway", Name: "步道"},
		{Geometry: orb.LineString{{106.36, 29.56}, {106.37, 29.57}}, Class: "residential"},
	}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutHouseholds(ctx, "cli:test", []coverage.HouseholdPoint{{Point: orb.Point{106.351, 29.551}, Households: 3, Residents: 8, Aged60: 2}}, false); err != nil {
		t.Fatal(err)
	}
	return dir, st
}

// TestCopyToPostGIS copies a pilot into PostGIS and checks, through both
// adapters and PostGIS itself, that the ids, versions, geometries and the
// audit log are the source's, and that the sequences continue after the
// largest id ever handed out.
func TestCopyToPostGIS(t *testing.T) {
	ctx := context.Background()
	target := pgtest.NewEmptyDatabase(t)
	dir, src := pilot(t)
	var progress strings.Builder
	results, err := Copy(ctx, Options{From: dir, To: target, Progress: &progress})
	if err != nil {
		t.Fatalf("Copy: %v\n%s", err, progress.String())
	}
	for _, r := range results {
		if !r.OK() {
			t.Errorf("%s: %+v", r.Table, r)
		}
	}
	dst, err := postgis.Open(ctx, postgis.Config{URL: target})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()

	wantD, err := src.Divisions(ctx, gazetteer.DivisionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	gotD, err := dst.Divisions(ctx, gazetteer.DivisionFilter{})
	if err != nil || len(gotD) != len(wantD) || len(gotD) == 0 {
		t.Fatalf("divisions: %d, %v (want %d)", len(gotD), err, len(wantD))
	}
	for i := range wantD {
		if !orb.Equal(wantD[i].Geometry, gotD[i].Geometry) || wantD[i].Code != gotD[i].Code || wantD[i].Households != gotD[i].Households {
			t.Errorf("division %s differs after the copy", wantD[i].Code)
		}
	}
	// PostGIS itself: the hole survived, every geometry is valid, in SRID 4326.
	var holes, invalid, srid int
	if err := dst.Pool().QueryRow(ctx, `SELECT ST_NumInteriorRings(ST_GeometryN(geom, 1)) FROM divisions WHERE code = '500106104200'`).Scan(&holes); err != nil || holes != 1 {
		t.Errorf("the polygon's hole in PostGIS: %d, %v", holes, err)
	}
	if err := dst.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT ST_IsValid(geom)), min(ST_SRID(geom)) FROM divisions`).Scan(&invalid, &srid); err != nil || invalid != 0 || srid != postgis.SRID {
		t.Errorf("divisions in PostGIS: %d invalid, SRID %d, %v", invalid, srid, err)
	}
	var x, y float64
	if err := dst.Pool().QueryRow(ctx, `SELECT ST_X(geom), ST_Y(geom) FROM facilities WHERE code = 'F1'`).Scan(&x, &y); err != nil || x != 106.445 || y != 29.555 {
		t.Errorf("facility F1 in PostGIS: %v %v, %v", x, y, err)
	}

	wantF, _ := src.Facilities(ctx)
	gotF, err := dst.Facilities(ctx)
	if err != nil || len(gotF) != 2 || len(wantF) != 2 {
		t.Fatalf("facilities: %d → %d, %v", len(wantF), len(gotF), err)
	}
	for i := range wantF {
		w, g := wantF[i], gotF[i]
		if w.ID != g.ID || w.Version != g.Version || !coverage.SameFacility(w, g) || !w.UpdatedAt.Truncate(time.Microsecond).Equal(g.UpdatedAt) {
			t.Errorf("facility %d: %+v → %+v", w.ID, w, g)
		}
	}
	wantR, _ := src.RoadSegments(ctx)
	gotR, err := dst.RoadSegments(ctx)
	if err != nil || len(gotR) != 2 || !reflect.DeepEqual(wantR, gotR) {
		t.Errorf("roads: %+v → %+v, %v", wantR, gotR, err)
	}
	wantH, _ := src.Households(ctx)
	gotH, err := dst.Households(ctx)
	if err != nil || !reflect.DeepEqual(wantH, gotH) {
		t.Errorf("households: %+v → %+v, %v", wantH, gotH, err)
	}
	wantA, _ := src.Audit(ctx, diming.AuditFilter{})
	gotA, err := dst.Audit(ctx, diming.AuditFilter{})
	if err != nil || len(gotA) != len(wantA) || len(wantA) < 5 {
		t.Fatalf("audit: %d → %d, %v", len(wantA), len(gotA), err)
	}
	for i := range wantA {
		w, g := wantA[i], gotA[i]
		if w.ID != g.ID || w.Action != g.Action || w.Entity != g.Entity || w.EntityID != g.EntityID || w.Actor != g.Actor || w.Reason != g.Reason {
			t.Errorf("audit entry %d: %+v → %+v", w.ID, w, g)
		}
	}
	// The deleted facility's id (3) is not handed out again.
	f, err := dst.PutFacility(ctx, "planner:li", coverage.Facility{Name: "新站", Category: coverage.School, Point: orb.Point{106.36, 29.56}, Status: coverage.StatusOpen})
	if err != nil || f.ID <= 3 {
		t.Errorf("a new facility after the copy: id %d, %v (want > 3)", f.ID, err)
	}
}

// A column a new migration adds is copied without a change to the copier
// (its columns come from the schema); one only the source has is refused
// before anything is written.
func TestCopyFollowsTheSchema(t *testing.T) {
	ctx := context.Background()
	t.Run("a new column on both sides is copied", func(t *testing.T) {
		target := pgtest.NewDatabase(t)
		dir, src := pilot(t)
		if _, err := src.DB().Exec(`ALTER TABLE facilities ADD COLUMN inspected_on TEXT; UPDATE facilities SET inspected_on = '2026-11-20' WHERE code = 'F0'`); err != nil {
			t.Fatal(err)
		}
		conn, err := pgx.Connect(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `ALTER TABLE facilities ADD COLUMN inspected_on date`); err != nil {
			t.Fatal(err)
		}
		// The new migration, as the source's check sees it.
		withColumn := func(ctx context.Context) (map[string][]string, error) {
			m, err := migratedTables(ctx)
			if err == nil {
				m["facilities"] = append(m["facilities"], "inspected_on")
			}
			return m, err
		}
		if _, err := Copy(ctx, Options{From: dir, To: target}); err == nil || !strings.Contains(err.Error(), "unknown column facilities.inspected_on") {
			t.Fatalf("Copy without the migration: %v", err)
		}
		if _, err := Copy(ctx, Options{From: dir, To: target, migrated: withColumn}); err != nil {
			t.Fatalf("Copy: %v", err)
		}
		var on *string
		if err := conn.QueryRow(ctx, `SELECT to_char(inspected_on, 'YYYY-MM-DD') FROM facilities WHERE code = 'F0'`).Scan(&on); err != nil || on == nil || *on != "2026-11-20" {
			t.Errorf("the new column after the copy: %v, %v", on, err)
		}
	})
	t.Run("a column only the source has is refused", func(t *testing.T) {
		target := pgtest.NewDatabase(t)
		dir, src := pilot(t)
		if _, err := src.DB().Exec(`ALTER TABLE households ADD COLUMN building TEXT`); err != nil {
			t.Fatal(err)
		}
		_, err := Copy(ctx, Options{From: dir, To: target})
		var de *diming.Error
		if !errors.As(err, &de) || !strings.Contains(de.MessageEN, "unknown column households.building") {
			t.Fatalf("Copy: %v", err)
		}
		conn, err := pgx.Connect(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM divisions) + (SELECT count(*) FROM audit_log)`).Scan(&n); err != nil || n != 0 {
			t.Errorf("the refused copy wrote %d rows, %v", n, err)
		}
	})
}

package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"diming"
	"diming/coverage"
)

// coverageOf is the store under test seen as a coverage store.
func coverageOf(t *testing.T, h Harness) interface {
	coverage.Store
	coverage.ChangeMarker
} {
	t.Helper()
	cs, ok := h.Store.(interface {
		coverage.Store
		coverage.ChangeMarker
	})
	if !ok {
		t.Fatalf("%T is not a coverage.Store and coverage.ChangeMarker", h.Store)
	}
	return cs
}

// FacilityFixtures are three facilities in 沙坪坝区, two with a bureau code.
func FacilityFixtures() []coverage.Facility {
	return []coverage.Facility{
		{Code: "YL-001", Name: "小龙坎街道养老服务中心", Category: coverage.StreetEldercareCentre, Point: orb.Point{106.35, 29.55},
			Address: "小龙坎正街 1 号", Status: coverage.StatusOpen, OpenedOn: "2021-06-01", Synthetic: true},
		{Code: "SQ-007", Name: "龙泉路社区综合服务站", Category: coverage.CommunityServiceFacility, Point: orb.Point{106.36, 29.56},
			FloorArea: 612.5, VolunteerStation: true, Status: coverage.StatusOpen, OpenedOn: "2019", Synthetic: true},
		{Name: "青木关敬老院", Category: coverage.EldercareInstitution, Point: orb.Point{106.45, 29.66}, Beds: 120,
			Comprehensive: true, Status: coverage.StatusPlanned, Note: "规划中", Synthetic: true},
	}
}

// sameTime says two stored times are the same instant to the microsecond
// (PostgreSQL keeps microseconds).
func sameTime(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

func auditOf(t *testing.T, h Harness, entity string) []diming.AuditEntry {
	t.Helper()
	es, err := h.Store.Audit(ctx(t), diming.AuditFilter{Entity: entity, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func testFacilities(t *testing.T, h Harness) {
	cs := coverageOf(t, h)
	fx := FacilityFixtures()
	var stored []coverage.Facility
	for _, f := range fx {
		s, err := cs.PutFacility(ctx(t), "user:minzheng", f)
		if err != nil {
			t.Fatalf("PutFacility(%s): %v", f.Name, err)
		}
		if s.ID == 0 || s.Version != 1 || time.Since(s.UpdatedAt) > time.Minute {
			t.Fatalf("created %+v", s)
		}
		got, err := cs.Facility(ctx(t), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !sameTime(got.UpdatedAt, s.UpdatedAt) {
			t.Errorf("UpdatedAt %v, returned %v", got.UpdatedAt, s.UpdatedAt)
		}
		want := f
		want.ID, want.Version, want.UpdatedAt = s.ID, 1, got.UpdatedAt
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Facility(%d) =\n%+v\nwant\n%+v", s.ID, got, want)
		}
		stored = append(stored, s)
	}
	all, err := cs.Facilities(ctx(t))
	if err != nil || len(all) != 3 || all[0].ID >= all[1].ID || all[1].ID >= all[2].ID {
		t.Fatalf("Facilities: %d, %v (want 3 by id)", len(all), err)
	}
	if _, err := cs.Facility(ctx(t), 999999); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("unknown facility: %v", err)
	}

	// Invalid input is refused before anything is written.
	bad := fx[2]
	bad.Status = "demolished"
	if _, err := cs.PutFacility(ctx(t), "user:x", bad); diming.Code(err) != diming.EINVALID {
		t.Fatalf("bad status: %v", err)
	}
	// A taken code conflicts, on create and on update; facilities without a code do not clash.
	dup := fx[1]
	dup.Name = "另一个服务站"
	if _, err := cs.PutFacility(ctx(t), "user:x", dup); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("duplicate code on create: %v", err)
	}
	steal := stored[2]
	steal.Code = "YL-001"
	if _, err := cs.PutFacility(ctx(t), "user:x", steal); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("duplicate code on update: %v", err)
	}
	noCode := fx[2]
	noCode.Name = "另一所敬老院"
	if _, err := cs.PutFacility(ctx(t), "user:x", noCode); err != nil {
		t.Fatalf("a second facility without a code: %v", err)
	}

	// Updates need the current version.
	upd := stored[0]
	upd.Name, upd.Beds = "小龙坎街道养老服务中心（新址）", 30
	v2, err := cs.PutFacility(ctx(t), "user:minzheng", upd)
	if err != nil || v2.Version != 2 || v2.ID != upd.ID {
		t.Fatalf("update: %+v %v", v2, err)
	}
	if _, err := cs.PutFacility(ctx(t), "user:x", upd); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("stale update: %v", err)
	}
	missing := upd
	missing.ID = 999999
	if _, err := cs.PutFacility(ctx(t), "user:x", missing); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("update of an unknown facility: %v", err)
	}
	if got, _ := cs.Facility(ctx(t), upd.ID); got.Name != upd.Name || got.Beds != 30 || got.Version != 2 {
		t.Fatalf("after update: %+v", got)
	}

	// Deletes need the current version too.
	if err := cs.DeleteFacility(ctx(t), "user:x", stored[1].ID, 7); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("stale delete: %v", err)
	}
	if err := cs.DeleteFacility(ctx(t), "user:minzheng", stored[1].ID, 1); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := cs.Facility(ctx(t), stored[1].ID); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("deleted facility: %v", err)
	}
	if err := cs.DeleteFacility(ctx(t), "user:x", stored[1].ID, 1); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
	// A deleted facility's code is free again.
	if _, err := cs.PutFacility(ctx(t), "user:x", fx[1]); err != nil {
		t.Fatalf("reusing a deleted facility's code: %v", err)
	}

	// Every change is audited with the facility's record, the reason included.
	audit := auditOf(t, h, coverage.EntityFacility)
	actions := map[string]int{}
	for _, e := range audit {
		actions[e.Action]++
	}
	if actions["create"] != 5 || actions["update"] != 1 || actions["delete"] != 1 || len(audit) != 7 {
		t.Fatalf("facility audit %v (%d entries)", actions, len(audit))
	}
	del := audit[1]
	if del.Action != "delete" || del.EntityID != fmt.Sprint(stored[1].ID) || del.After != nil || !jsonHas(del.Before, "code", "SQ-007") {
		t.Fatalf("delete entry %+v", del)
	}
	var rec struct {
		Name     string
		Version  int
		Lon, Lat float64
	}
	for _, e := range audit {
		if e.Action == "update" {
			if json.Unmarshal(e.After, &rec) != nil || rec.Name != upd.Name || rec.Version != 2 || rec.Lon != 106.35 {
				t.Fatalf("update entry after %s", e.After)
			}
			if !jsonHas(e.Before, "name", fx[0].Name) {
				t.Fatalf("update entry before %s", e.Before)
			}
		}
	}
	why := stored[2]
	why.Note = "已批复"
	if _, err := cs.PutFacility(diming.WithReason(ctx(t), "区民政局批复"), "user:minzheng", why); err != nil {
		t.Fatal(err)
	}
	if e := auditOf(t, h, coverage.EntityFacility)[0]; e.Reason != "区民政局批复" || e.Action != "update" {
		t.Fatalf("reason not recorded: %+v", e)
	}
}

func testFacilityImport(t *testing.T, h Harness) {
	cs := coverageOf(t, h)
	fx := FacilityFixtures()
	created, updated, err := cs.ImportFacilities(ctx(t), "system:import", fx)
	if err != nil || created != 3 || updated != 0 {
		t.Fatalf("first import: %d created, %d updated, %v", created, updated, err)
	}
	// The same file again: the coded rows are unchanged and skipped, the row without a code is new again.
	created, updated, err = cs.ImportFacilities(ctx(t), "system:import", fx)
	if err != nil || created != 1 || updated != 0 {
		t.Fatalf("second import: %d created, %d updated, %v (want 1, 0)", created, updated, err)
	}
	// A changed row updates the facility with its code; a new code is created.
	changed := fx[1]
	changed.FloorArea, changed.ID, changed.Version = 800, 0, 0
	fresh := coverage.Facility{Code: "FC-101", Name: "沙坪坝福彩站", Category: coverage.LotteryOutlet, Point: orb.Point{106.4, 29.6}, Status: coverage.StatusOpen}
	created, updated, err = cs.ImportFacilities(ctx(t), "system:import", []coverage.Facility{fx[0], changed, fresh})
	if err != nil || created != 1 || updated != 1 {
		t.Fatalf("third import: %d created, %d updated, %v (want 1, 1)", created, updated, err)
	}
	all, _ := cs.Facilities(ctx(t))
	if len(all) != 5 {
		t.Fatalf("%d facilities after the imports, want 5", len(all))
	}
	for _, f := range all {
		if f.Code == "SQ-007" && (f.FloorArea != 800 || f.Version != 2) {
			t.Fatalf("updated facility %+v", f)
		}
		if f.Code == "YL-001" && f.Version != 1 {
			t.Fatalf("unchanged facility was rewritten: %+v", f)
		}
	}
	audit := auditOf(t, h, coverage.EntityFacility)
	if len(audit) != 6 || audit[1].Action != "update" || audit[1].Actor != "system:import" {
		t.Fatalf("%d audit entries (want 6: 5 creates, 1 update), newest %+v", len(audit), audit[:2])
	}

	// All or nothing: a bad row at the end, or codes repeated in the file, write nothing.
	badLast := fx[2]
	badLast.Point = orb.Point{200, 29}
	again := changed
	again.FloorArea = 900
	for name, batch := range map[string][]coverage.Facility{
		"bad last row":   {again, {Code: "NEW-1", Name: "新站", Category: coverage.MourningPoint, Point: orb.Point{106.4, 29.6}, Status: coverage.StatusOpen}, badLast},
		"repeated codes": {again, fresh, fresh},
		"bad category":   {again, {Name: "某设施", Category: "hospital", Point: orb.Point{106.4, 29.6}, Status: coverage.StatusOpen}},
	} {
		c, u, err := cs.ImportFacilities(ctx(t), "system:import", batch)
		if diming.Code(err) != diming.EINVALID || c != 0 || u != 0 {
			t.Fatalf("%s: %d, %d, %v; want an invalid error", name, c, u, err)
		}
		if name == "bad last row" {
			if zh, en := diming.Messages(err); !strings.Contains(zh, "第 3 行") || !strings.Contains(en, "row 3") {
				t.Fatalf("the error does not name the row: %s / %s", zh, en)
			}
		}
	}
	after, _ := cs.Facilities(ctx(t))
	if !reflect.DeepEqual(after, all) || len(auditOf(t, h, coverage.EntityFacility)) != 6 {
		t.Fatalf("a rejected import wrote something: %d facilities, %d audit entries", len(after), len(auditOf(t, h, coverage.EntityFacility)))
	}
}

func road(i int) coverage.RoadSegment {
	x := 106.3 + float64(i)*0.001
	return coverage.RoadSegment{Geometry: orb.LineString{{x, 29.5}, {x + 0.0005, 29.5005}, {x + 0.001, 29.501}},
		Class: "residential", Name: fmt.Sprintf("测试路%d", i), Source: fmt.Sprintf("osm:way/%d", i), Synthetic: i%2 == 0}
}

func household(i int) coverage.HouseholdPoint {
	return coverage.HouseholdPoint{Point: orb.Point{106.3 + float64(i%1000)*1e-4, 29.5 + float64(i/1000)*1e-4},
		Households: 1 + i%40, Residents: 3 + i%90, Aged60: i % 3, Source: "test", Synthetic: i%5 == 0}
}

func testRoadsAndHouseholds(t *testing.T, h Harness) {
	cs := coverageOf(t, h)
	// Roads: append adds, replace swaps the whole network.
	if n, err := cs.PutRoadSegments(ctx(t), "system:import", []coverage.RoadSegment{road(0), road(1), road(2)}, false); err != nil || n != 3 {
		t.Fatalf("PutRoadSegments: %d, %v", n, err)
	}
	if _, err := cs.PutRoadSegments(ctx(t), "system:import", []coverage.RoadSegment{road(3)}, false); err != nil {
		t.Fatal(err)
	}
	segs, err := cs.RoadSegments(ctx(t))
	if err != nil || len(segs) != 4 {
		t.Fatalf("RoadSegments: %d, %v", len(segs), err)
	}
	for i, s := range segs {
		want := road(i)
		want.ID = s.ID
		if !reflect.DeepEqual(s, want) || (i > 0 && s.ID <= segs[i-1].ID) {
			t.Fatalf("segment %d =\n%+v\nwant\n%+v", i, s, want)
		}
	}
	if _, err := cs.PutRoadSegments(ctx(t), "system:import", []coverage.RoadSegment{road(7), road(8)}, true); err != nil {
		t.Fatal(err)
	}
	if segs, _ = cs.RoadSegments(ctx(t)); len(segs) != 2 || segs[0].Name != "测试路7" {
		t.Fatalf("after replace: %+v", segs)
	}
	for name, bad := range map[string]orb.LineString{
		"one point":    {{106.3, 29.5}},
		"out of range": {{106.3, 29.5}, {186.3, 29.5}},
		"not a number": {{106.3, 29.5}, {math.NaN(), 29.5}},
		"infinite":     {{106.3, 29.5}, {106.4, math.Inf(1)}},
	} {
		r := road(9)
		r.Geometry = bad
		if _, err := cs.PutRoadSegments(ctx(t), "system:import", []coverage.RoadSegment{road(10), r}, true); diming.Code(err) != diming.EINVALID {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if segs, _ = cs.RoadSegments(ctx(t)); len(segs) != 2 {
		t.Fatalf("a rejected import changed the network: %d segments", len(segs))
	}
	audit := auditOf(t, h, coverage.EntityRoads)
	if len(audit) != 3 || audit[0].Action != "replace" || audit[2].Action != "import" || audit[0].Actor != "system:import" {
		t.Fatalf("road audit %+v", audit)
	}
	var sum struct {
		Segments int  `json:"segments"`
		Replace  bool `json:"replace"`
	}
	if json.Unmarshal(audit[0].After, &sum) != nil || sum.Segments != 2 || !sum.Replace {
		t.Fatalf("replace entry after %s", audit[0].After)
	}
	if json.Unmarshal(audit[1].After, &sum) != nil || sum.Segments != 1 || sum.Replace {
		t.Fatalf("import entry after %s", audit[1].After)
	}

	// Households: the same, with counts checked.
	if _, err := cs.PutHouseholds(ctx(t), "system:import", []coverage.HouseholdPoint{household(0), household(1)}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.PutHouseholds(ctx(t), "system:import", []coverage.HouseholdPoint{household(2)}, false); err != nil {
		t.Fatal(err)
	}
	hs, err := cs.Households(ctx(t))
	if err != nil || len(hs) != 3 {
		t.Fatalf("Households: %d, %v", len(hs), err)
	}
	for i, got := range hs {
		want := household(i)
		want.ID = got.ID
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("household %d =\n%+v\nwant\n%+v", i, got, want)
		}
	}
	for name, mod := range map[string]func(*coverage.HouseholdPoint){
		"negative households": func(p *coverage.HouseholdPoint) { p.Households = -1 },
		"negative residents":  func(p *coverage.HouseholdPoint) { p.Residents, p.Aged60 = -2, 0 },
		"more aged than all":  func(p *coverage.HouseholdPoint) { p.Residents, p.Aged60 = 2, 3 },
		"out of range":        func(p *coverage.HouseholdPoint) { p.Point = orb.Point{106, 95} },
		"not a number":        func(p *coverage.HouseholdPoint) { p.Point = orb.Point{math.NaN(), 29} },
	} {
		p := household(5)
		mod(&p)
		if _, err := cs.PutHouseholds(ctx(t), "system:import", []coverage.HouseholdPoint{household(4), p}, true); diming.Code(err) != diming.EINVALID {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := cs.PutHouseholds(ctx(t), "system:import", []coverage.HouseholdPoint{household(9)}, true); err != nil {
		t.Fatal(err)
	}
	if hs, _ = cs.Households(ctx(t)); len(hs) != 1 || hs[0].Households != household(9).Households {
		t.Fatalf("after replace: %+v", hs)
	}
	audit = auditOf(t, h, coverage.EntityHouseholds)
	if len(audit) != 3 || audit[0].Action != "replace" || audit[1].Action != "import" || !jsonHasNumber(audit[0].After, "points", 1) {
		t.Fatalf("household audit %+v", audit)
	}
}

func jsonHasNumber(raw json.RawMessage, key string, want float64) bool {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	return m[key] == want
}

// testManyHouseholds writes and reads back 200,000 household points, the size
// of a district's address points, and reports how long it took.
func testManyHouseholds(t *testing.T, h Harness) {
	const n = 200_000
	if testing.Short() {
		t.Skip("200k household points: not in -short")
	}
	cs := coverageOf(t, h)
	c, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	hs := make([]coverage.HouseholdPoint, n)
	for i := range hs {
		hs[i] = household(i)
	}
	start := time.Now()
	if k, err := cs.PutHouseholds(c, "system:import", hs, true); err != nil || k != n {
		t.Fatalf("PutHouseholds: %d, %v", k, err)
	}
	wrote := time.Since(start)
	start = time.Now()
	got, err := cs.Households(c)
	if err != nil {
		t.Fatal(err)
	}
	read := time.Since(start)
	t.Logf("%d household points: write %v, read %v", n, wrote.Round(time.Millisecond), read.Round(time.Millisecond))
	if len(got) != n {
		t.Fatalf("%d points read back, want %d", len(got), n)
	}
	for i := range got {
		want := hs[i]
		want.ID = got[i].ID
		if got[i] != want {
			t.Fatalf("point %d = %+v, want %+v", i, got[i], want)
		}
	}
	if wrote+read > 90*time.Second {
		t.Fatalf("200k household points took %v to write and %v to read", wrote, read)
	}
	if audit := auditOf(t, h, coverage.EntityHouseholds); len(audit) != 1 || !jsonHasNumber(audit[0].After, "points", n) {
		t.Fatalf("one audit entry for the import, got %+v", audit)
	}
}

func runFixture(report string) coverage.Run {
	units := []coverage.RunUnit{
		{DivisionCode: "500106001001", Name: "龙泉路社区居民委员会", Level: "village", Total: 120, Covered: 96, Value: 0.8, Met: true,
			Geometry: square(106.3, 29.5, 106.4, 29.6), Extra: json.RawMessage(`{"aged_60":50}`)},
		{DivisionCode: "500106104200", Name: "覃家岗村村民委员会", Level: "village", Total: 100, Covered: 12.5, Value: 0.125,
			Geometry: orb.MultiPolygon{
				{{{106.4, 29.5}, {106.5, 29.5}, {106.5, 29.7}, {106.4, 29.7}, {106.4, 29.5}},
					{{106.44, 29.55}, {106.44, 29.56}, {106.45, 29.56}, {106.45, 29.55}, {106.44, 29.55}}},
				{{{106.6, 29.5}, {106.7, 29.5}, {106.7, 29.6}, {106.6, 29.5}}},
			}},
		{DivisionCode: "500106001004", Name: "无边界单元", Level: "village", Total: 0, Covered: 0, Value: 0},
	}
	points := []coverage.RunPoint{
		{Kind: "uncovered_household", RefID: 17, Value: 812.25, Point: orb.Point{106.41, 29.61}},
		{Kind: "site", Value: 340, Point: orb.Point{106.42, 29.62}, Extra: json.RawMessage(`{"rank":1,"covers":[3,4]}`)},
	}
	return coverage.Run{Report: report, Params: json.RawMessage(`{"walk_minutes":15,"include_planned":false}`), DataVersion: 42,
		ComputedAt: time.Date(2026, 11, 20, 9, 30, 0, 123456000, time.UTC), Summary: json.RawMessage(`{"share":0.48,"units":3}`),
		Units: units, Points: points}
}

// jsonEqual says two JSON texts hold the same value (PostGIS's jsonb does not
// keep the spelling).
func jsonEqual(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

func testRuns(t *testing.T, h Harness) {
	cs := coverageOf(t, h)
	in := runFixture("eldercare")
	saved, err := cs.SaveRun(ctx(t), "user:guihua", in)
	if err != nil || saved.ID == 0 || saved.CreatedBy != "user:guihua" || time.Since(saved.CreatedAt) > time.Minute {
		t.Fatalf("SaveRun: %+v, %v", saved, err)
	}
	got, err := cs.Run(ctx(t), saved.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Report != in.Report || got.DataVersion != 42 || !got.ComputedAt.Equal(in.ComputedAt) || got.CreatedBy != "user:guihua" ||
		!sameTime(got.CreatedAt, saved.CreatedAt) || !jsonEqual(got.Params, in.Params) || !jsonEqual(got.Summary, in.Summary) {
		t.Fatalf("Run =\n%+v\nwant\n%+v", got, saved)
	}
	if len(got.Units) != len(in.Units) || len(got.Points) != len(in.Points) {
		t.Fatalf("%d units and %d points, want %d and %d", len(got.Units), len(got.Points), len(in.Units), len(in.Points))
	}
	for i, u := range got.Units {
		want := in.Units[i]
		if !jsonEqual(u.Extra, want.Extra) {
			t.Errorf("unit %d extra %s, want %s", i, u.Extra, want.Extra)
		}
		u.Extra, want.Extra = nil, nil
		if len(want.Geometry) == 0 {
			want.Geometry = nil
		}
		if !reflect.DeepEqual(u, want) {
			t.Errorf("unit %d =\n%+v\nwant\n%+v", i, u, want)
		}
	}
	for i, p := range got.Points {
		want := in.Points[i]
		if !jsonEqual(p.Extra, want.Extra) {
			t.Errorf("point %d extra %s, want %s", i, p.Extra, want.Extra)
		}
		p.Extra, want.Extra = nil, nil
		if !reflect.DeepEqual(p, want) {
			t.Errorf("point %d = %+v, want %+v", i, p, want)
		}
	}

	// Listing: newest first, by report, limited, without units and points.
	for _, report := range []string{"lottery", "eldercare", "funeral"} {
		r := runFixture(report)
		r.Params, r.Summary, r.ComputedAt = nil, nil, time.Time{}
		if _, err := cs.SaveRun(ctx(t), "user:guihua", r); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := cs.Runs(ctx(t), coverage.RunFilter{})
	if err != nil || len(runs) != 4 || runs[0].Report != "funeral" || runs[3].ID != saved.ID {
		t.Fatalf("Runs: %+v, %v", runs, err)
	}
	for _, r := range runs {
		if r.Units != nil || r.Points != nil {
			t.Fatalf("Runs returned units or points: %+v", r)
		}
	}
	if runs[0].Params != nil || runs[0].Summary != nil || time.Since(runs[0].ComputedAt) > time.Minute {
		t.Fatalf("a run saved without params, summary and time: %+v", runs[0])
	}
	if runs, _ := cs.Runs(ctx(t), coverage.RunFilter{Report: "eldercare"}); len(runs) != 2 || runs[1].ID != saved.ID {
		t.Fatalf("Runs(eldercare): %+v", runs)
	}
	if runs, _ := cs.Runs(ctx(t), coverage.RunFilter{Limit: 1}); len(runs) != 1 || runs[0].Report != "funeral" {
		t.Fatalf("Runs(limit 1): %+v", runs)
	}
	if _, err := cs.Run(ctx(t), 999999); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("unknown run: %v", err)
	}

	// Invalid runs write nothing.
	for name, mod := range map[string]func(*coverage.Run){
		"no report":  func(r *coverage.Run) { r.Report = "" },
		"bad params": func(r *coverage.Run) { r.Params = json.RawMessage(`{"walk":`) },
		"open ring": func(r *coverage.Run) {
			r.Units[0].Geometry = orb.MultiPolygon{{{{106, 29}, {106.1, 29}, {106.1, 29.1}}}}
		},
		"NaN value":     func(r *coverage.Run) { r.Units[1].Value = math.NaN() },
		"point outside": func(r *coverage.Run) { r.Points[1].Point = orb.Point{106, -91} },
		"point no kind": func(r *coverage.Run) { r.Points[0].Kind = "" },
	} {
		r := runFixture("eldercare")
		mod(&r)
		if _, err := cs.SaveRun(ctx(t), "user:guihua", r); diming.Code(err) != diming.EINVALID {
			t.Fatalf("%s: %v", name, err)
		}
	}
	audit := auditOf(t, h, coverage.EntityRun)
	if len(audit) != 4 || audit[3].EntityID != fmt.Sprint(saved.ID) || audit[3].Action != "create" {
		t.Fatalf("run audit %+v", audit)
	}
	var small map[string]any
	if json.Unmarshal(audit[3].After, &small) != nil || small["report"] != "eldercare" || small["data_version"] != 42.0 ||
		small["units"] != 3.0 || small["points"] != 2.0 || len(small) != 4 {
		t.Fatalf("run audit entry after %s (want report, data_version and counts only)", audit[3].After)
	}
}

func testChangeMarkOf(t *testing.T, h Harness) {
	cs := coverageOf(t, h)
	mark := func(entities ...string) int64 {
		t.Helper()
		m, err := cs.ChangeMarkOf(ctx(t), entities...)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	all := []string{coverage.EntityFacility, coverage.EntityRoads, coverage.EntityHouseholds, coverage.EntityRun}
	for _, e := range all {
		if m := mark(e); m != 0 {
			t.Fatalf("ChangeMarkOf(%s) on an empty store = %d", e, m)
		}
	}
	if mark() != 0 {
		t.Fatal("ChangeMarkOf() without entities is not 0")
	}
	put(t, h, Fixtures()[:1]) // a division change moves none of the coverage marks
	if m := mark(all...); m != 0 {
		t.Fatalf("a division change moved the coverage marks to %d", m)
	}
	if mark("division") == 0 {
		t.Fatal("ChangeMarkOf(division) is 0 after a division change")
	}
	if _, err := cs.PutFacility(ctx(t), "user:x", FacilityFixtures()[0]); err != nil {
		t.Fatal(err)
	}
	fac := mark(coverage.EntityFacility)
	if fac == 0 || mark(coverage.EntityRoads) != 0 || mark(coverage.EntityHouseholds) != 0 {
		t.Fatalf("after a facility change: facility %d, roads %d, households %d", fac, mark(coverage.EntityRoads), mark(coverage.EntityHouseholds))
	}
	if _, err := cs.PutRoadSegments(ctx(t), "system:import", []coverage.RoadSegment{road(1), road(2)}, false); err != nil {
		t.Fatal(err)
	}
	roads := mark(coverage.EntityRoads)
	if roads <= fac || mark(coverage.EntityFacility) != fac || mark(coverage.EntityHouseholds) != 0 {
		t.Fatalf("after a road import: roads %d (facility was %d), facility %d", roads, fac, mark(coverage.EntityFacility))
	}
	if m := mark(coverage.EntityFacility, coverage.EntityHouseholds); m != fac {
		t.Fatalf("ChangeMarkOf(facility, households) = %d, want %d", m, fac)
	}
	if m := mark(all...); m != roads {
		t.Fatalf("ChangeMarkOf(all) = %d, want %d", m, roads)
	}
	newest, _ := h.Store.ChangeMark(ctx(t))
	if newest != roads {
		t.Fatalf("ChangeMark %d, newest coverage mark %d", newest, roads)
	}
	// A rejected write moves nothing.
	if _, err := cs.PutHouseholds(ctx(t), "system:import", []coverage.HouseholdPoint{{Point: orb.Point{106, 29}, Residents: 1, Aged60: 2}}, true); diming.Code(err) != diming.EINVALID {
		t.Fatalf("bad household: %v", err)
	}
	if mark(coverage.EntityHouseholds) != 0 {
		t.Fatal("a rejected write moved the households mark")
	}
	if mark("no such entity") != 0 {
		t.Fatal("an unknown entity has a mark")
	}
}

package coverage

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"diming"
	"diming/gazetteer"
	"diming/geo"
)

func TestCheckInDistrict(t *testing.T) {
	st := newSmallTown(t)
	in := st.facility(1, CommunityEldercareStation, -100, 100)
	if err := in.CheckInDistrict(st.divs); err != nil {
		t.Errorf("inside: %v", err)
	}
	for _, p := range []orb.Point{{116.39, 39.9}, st.at(700, 0), st.at(0, -650)} {
		for _, status := range []string{StatusOpen, StatusPlanned, StatusClosed} {
			f := in
			f.Point, f.Status = p, status
			err := f.CheckInDistrict(st.divs)
			zh, en := diming.Messages(err)
			if diming.Code(err) != diming.EINVALID || !strings.Contains(zh, "不在辖区内") || !strings.Contains(zh, in.Name) || !strings.Contains(en, "outside the district") {
				t.Errorf("%v (%s): %v", p, status, err)
			}
		}
	}
	// No divisions loaded: nothing to check against, every point is taken.
	far := in
	far.Point = orb.Point{116.39, 39.9}
	for _, divs := range []*gazetteer.DivisionIndex{nil, gazetteer.NewDivisionIndex(nil)} {
		if err := far.CheckInDistrict(divs); err != nil {
			t.Errorf("no divisions: %v", err)
		}
	}
}

func TestPlanFacilityImport(t *testing.T) {
	st := newSmallTown(t)
	csv := "code,name,category,lon,lat,status\n" +
		"A-1,甲站,school,%s,open\n" + // stored, unchanged
		"A-2,乙站,school,%s,open\n" + // stored, moved
		"A-3,丙站,school,%s,planned\n" + // new
		",丁站,school,%s,open\n" + // no code: always new
		"A-4,北京站,school,116.39,39.9,planned\n" + // outside
		"A-3,丙站重复,school,%s,open\n" + // repeats line 4
		"A-5,坏站,school,%s,demolished\n" // bad status
	pt := func(x, y float64) string {
		p := st.at(x, y)
		return strconv.FormatFloat(p[0], 'f', -1, 64) + "," + strconv.FormatFloat(p[1], 'f', -1, 64)
	}
	text := fmt.Sprintf(csv, pt(-100, 100), pt(100, 100), pt(200, 200), pt(-200, -200), pt(300, 300), pt(0, 50))
	rows, err := ParseFacilitiesCSV(strings.NewReader(text), geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	existing := []Facility{
		{ID: 1, Code: "A-1", Name: "甲站", Category: School, Point: rows[0].Facility.Point, Status: StatusOpen, Version: 3},
		{ID: 2, Code: "A-2", Name: "乙站", Category: School, Point: st.at(0, 0), Status: StatusOpen, Version: 1},
		{ID: 3, Code: "Z-9", Name: "别的站", Category: School, Point: st.at(0, 0), Status: StatusOpen, Version: 1},
	}
	plan := PlanFacilityImport(rows, existing, st.divs)
	if plan.Added != 2 || plan.Updated != 1 || plan.Unchanged != 1 || len(plan.Valid) != 4 {
		t.Errorf("added %d, updated %d, unchanged %d, %d valid; want 2, 1, 1, 4", plan.Added, plan.Updated, plan.Unchanged, len(plan.Valid))
	}
	want := map[int]string{6: "不在辖区内", 7: "与第 4 行重复", 8: "状态"}
	if len(plan.Rejected) != len(want) {
		t.Fatalf("rejected %+v", plan.Rejected)
	}
	for _, r := range plan.Rejected {
		if w, ok := want[r.Line]; !ok || !strings.Contains(r.Reason, w) || r.ReasonEN == "" {
			t.Errorf("line %d rejected for %q / %q, want %q", r.Line, r.Reason, r.ReasonEN, w)
		}
	}
	// Without divisions the point is not checked; without stored
	// facilities every row is new.
	plan = PlanFacilityImport(rows, nil, nil)
	if plan.Added != 5 || len(plan.Rejected) != 2 {
		t.Errorf("no divisions, nothing stored: added %d, rejected %+v", plan.Added, plan.Rejected)
	}
}

func TestSitingDistancesExplicitZero(t *testing.T) {
	_, m := smallTownModel(t)
	def, err := m.LotterySiting(SitingParams{Sites: 2})
	if err != nil {
		t.Fatal(err)
	}
	if def.Params.MinSpacingM != DefaultMinSpacingM || def.Params.SchoolDistanceM != DefaultSchoolDistanceM {
		t.Errorf("absent: %+v, want the defaults", def.Params)
	}
	if def.TooCloseOutlet == 0 || def.TooCloseSchool == 0 {
		t.Fatalf("the case excludes nothing by default (%d, %d): the test proves nothing", def.TooCloseOutlet, def.TooCloseSchool)
	}
	zero := 0.0
	r, err := m.LotterySiting(SitingParams{Sites: 2, MinSpacingM: &zero, SchoolDistanceM: &zero})
	if err != nil {
		t.Fatal(err)
	}
	if r.Params.MinSpacingM != 0 || r.Params.SchoolDistanceM != 0 || r.TooCloseOutlet != 0 || r.TooCloseSchool != 0 {
		t.Errorf("explicit 0: params %+v, excluded %d near outlets and %d near schools; want 0s", r.Params, r.TooCloseOutlet, r.TooCloseSchool)
	}
	if r.Candidates <= def.Candidates {
		t.Errorf("no rules keep %d candidates, the default rules %d", r.Candidates, def.Candidates)
	}
	given := []orb.Point{m.proj.Inverse(orb.Point{0, 0}), m.proj.Inverse(orb.Point{100, 0})}
	r, err = m.LotterySiting(SitingParams{Sites: 1, Candidates: given})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r.Params)
	if r.Params.GivenCandidates != 2 || strings.Contains(string(b), "[") {
		t.Errorf("params echo %s, want the count of given candidates", b)
	}
}

func TestEldercareParamsSayTheLimitUsed(t *testing.T) {
	_, m := smallTownModel(t)
	r, err := m.Eldercare(EldercareParams{Walk: DefaultEldercareWalk})
	if err != nil {
		t.Fatal(err)
	}
	if r.Params.UncoveredLimit != DefaultUncoveredLimit {
		t.Errorf("params say uncovered_limit %d, want %d", r.Params.UncoveredLimit, DefaultUncoveredLimit)
	}
	run, err := NewRun(r, m.Divisions())
	if err != nil {
		t.Fatal(err)
	}
	var p EldercareParams
	if err := json.Unmarshal(run.Params, &p); err != nil || p.UncoveredLimit != DefaultUncoveredLimit {
		t.Errorf("run params %s", run.Params)
	}
	r, _ = m.Eldercare(EldercareParams{Walk: DefaultEldercareWalk, UncoveredLimit: 2})
	if r.Params.UncoveredLimit != 2 || len(r.Uncovered) != 2 {
		t.Errorf("limit 2: params %d, %d listed", r.Params.UncoveredLimit, len(r.Uncovered))
	}
}

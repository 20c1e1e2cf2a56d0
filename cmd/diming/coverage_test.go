package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/xuri/excelize/v2"

	"diming/demo"
	"diming/gazetteer"
	"diming/geo"
	"diming/internal/refdata"
)

// getJSON fetches a public route and decodes its JSON answer into v.
func getJSON(t *testing.T, base, path string, v any) int {
	t.Helper()
	return getJSONAs(t, "", base, path, v)
}

// getJSONAs is getJSON with a bearer token (none when empty).
func getJSONAs(t *testing.T, token, base, path string, v any) int {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if v != nil && res.StatusCode == 200 {
		if err := json.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s: %v: %.300s", path, err, raw)
		}
	}
	if res.StatusCode != 200 {
		var e struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(raw, &e); err != nil || e.Error.Message == "" {
			t.Errorf("%s: status %d without a JSON error: %.300s", path, res.StatusCode, raw)
		}
	}
	return res.StatusCode
}

type count struct{ Total, Covered, Uncovered int }

func (c count) check(t *testing.T, what string) {
	t.Helper()
	if c.Covered+c.Uncovered != c.Total || c.Covered < 0 || c.Uncovered < 0 {
		t.Errorf("%s does not add up: %+v", what, c)
	}
}

// The demo's census figures.
const (
	demoHouseholds = 568213
	demoResidents  = 1477354
	demoAged60     = 247900
)

func TestCoverageReportsOnDemoData(t *testing.T) {
	data := []string{"--data-dir", t.TempDir()}
	planner := addOfficial(t, data, "zhang.gui", "planner")
	reviewer := addOfficial(t, data, "zhang.shen", "reviewer")
	base := startServe(t, data...)

	// The reports are the planners': the public and other officials are
	// refused (the map's public tiles carry the per-village values).
	for _, p := range []string{"/api/v1/coverage/eldercare", "/api/v1/coverage/lottery?format=geojson", "/api/v1/indicators?format=xlsx", "/api/v1/coverage/runs"} {
		if code := getJSON(t, base, p, nil); code != 401 {
			t.Errorf("%s without a login: %d, want 401", p, code)
		}
		if code := getJSONAs(t, reviewer, base, p, nil); code != 403 {
			t.Errorf("%s as a reviewer: %d, want 403", p, code)
		}
	}

	var ec struct {
		LimitM     float64 `json:"limit_m"`
		Facilities int
		Households count
		Residents  count
		Aged60     count `json:"aged_60"`
		Villages   []struct {
			Code        string
			Households  count
			HasFacility bool `json:"has_facility"`
		}
		Townships            []struct{ Households count }
		Unplaced             count
		VillagesWithFacility count `json:"villages_with_facility"`
		Uncovered            []struct {
			Households int
			WalkM      *float64 `json:"walk_m"`
		}
		UncoveredPoints int   `json:"uncovered_points"`
		DataVersion     int64 `json:"data_version"`
	}
	if code := getJSONAs(t, planner, base, "/api/v1/coverage/eldercare", &ec); code != 200 {
		t.Fatalf("eldercare: %d", code)
	}
	if ec.LimitM != 810 || ec.Facilities != 140 || ec.DataVersion == 0 {
		t.Errorf("limit %v, facilities %d (want 810 m, 140), version %d", ec.LimitM, ec.Facilities, ec.DataVersion)
	}
	if ec.Households.Total != demoHouseholds || ec.Residents.Total != demoResidents || ec.Aged60.Total != demoAged60 {
		t.Errorf("totals: %+v %+v %+v", ec.Households, ec.Residents, ec.Aged60)
	}
	for what, c := range map[string]count{"households": ec.Households, "residents": ec.Residents, "aged 60+": ec.Aged60, "villages": ec.VillagesWithFacility} {
		c.check(t, what)
	}
	var sum, tsum count
	for _, v := range ec.Villages {
		v.Households.check(t, "village "+v.Code)
		sum.Total += v.Households.Total
		sum.Covered += v.Households.Covered
	}
	for _, tw := range ec.Townships {
		tsum.Total += tw.Households.Total
		tsum.Covered += tw.Households.Covered
	}
	if len(ec.Villages) != 200 || sum.Total+ec.Unplaced.Total != ec.Households.Total || sum.Covered+ec.Unplaced.Covered != ec.Households.Covered ||
		tsum.Total != ec.Households.Total || tsum.Covered != ec.Households.Covered {
		t.Errorf("rows do not add up: %d villages, sum %+v + unplaced %+v, townships %+v, total %+v", len(ec.Villages), sum, ec.Unplaced, tsum, ec.Households)
	}
	if ec.Households.Covered == 0 || ec.Households.Uncovered == 0 || ec.UncoveredPoints == 0 || len(ec.Uncovered) != 100 {
		t.Errorf("a demo should have both covered and uncovered households: %+v, %d uncovered points listed %d", ec.Households, ec.UncoveredPoints, len(ec.Uncovered))
	}
	for i := 1; i < len(ec.Uncovered); i++ {
		if ec.Uncovered[i].Households > ec.Uncovered[i-1].Households {
			t.Errorf("uncovered list not by households: %d after %d", ec.Uncovered[i].Households, ec.Uncovered[i-1].Households)
		}
	}
	if ec.VillagesWithFacility.Total != 200 || ec.VillagesWithFacility.Covered < 100 {
		t.Errorf("villages with a facility: %+v", ec.VillagesWithFacility)
	}
	t.Logf("eldercare: %d of %d households (%.1f %%) within 810 m; %d of 200 villages have a facility",
		ec.Households.Covered, ec.Households.Total, 100*float64(ec.Households.Covered)/float64(ec.Households.Total), ec.VillagesWithFacility.Covered)

	// The 2025 plan's facilities cover more.
	var planned struct {
		Facilities int
		Households count
	}
	getJSONAs(t, planner, base, "/api/v1/coverage/eldercare?include_planned=true&uncovered_limit=0", &planned)
	if planned.Facilities != 140+67 || planned.Households.Covered <= ec.Households.Covered {
		t.Errorf("with the plan: %d facilities covering %d, before %d", planned.Facilities, planned.Households.Covered, ec.Households.Covered)
	}

	var fa struct {
		Households     int
		Facilities     int
		FloorArea      float64 `json:"floor_area"`
		PerHundred     float64 `json:"per_100_households"`
		VolunteerShare float64 `json:"volunteer_share"`
		VillagesMet    count   `json:"villages_met"`
		Under          []struct{ Code string }
	}
	getJSONAs(t, planner, base, "/api/v1/coverage/facility-area", &fa)
	if fa.Households != demoHouseholds || fa.Facilities != 200 || fa.VolunteerShare != 0.75 {
		t.Errorf("facility area: %+v", fa)
	}
	fa.VillagesMet.check(t, "villages meeting 30 m²")
	if len(fa.Under) != fa.VillagesMet.Uncovered || math.Abs(fa.PerHundred-math.Round(fa.FloorArea/float64(fa.Households)*1000)/10) > 0.05 {
		t.Errorf("under list %d vs %+v; per 100 %v from %v m² / %d", len(fa.Under), fa.VillagesMet, fa.PerHundred, fa.FloorArea, fa.Households)
	}

	var lot struct {
		Outlets, Target int
		Met             bool
		Residents       count
	}
	getJSONAs(t, planner, base, "/api/v1/coverage/lottery", &lot)
	if lot.Outlets != 307 || lot.Target != 350 || lot.Met || lot.Residents.Total != demoResidents {
		t.Errorf("lottery: %+v", lot)
	}
	lot.Residents.check(t, "lottery residents")

	var fu struct {
		Points   int   `json:"funeral_points"`
		Towns    count `json:"townships_with_interment"`
		Villages []struct {
			WalkM     *float64 `json:"walk_m"`
			StraightM *float64 `json:"straight_m"`
		}
		Unreachable int `json:"unreachable_villages"`
	}
	getJSONAs(t, planner, base, "/api/v1/coverage/funeral", &fu)
	if fu.Points != 5 || fu.Towns.Total != 26 || fu.Towns.Covered != 1 || len(fu.Villages) != 200 || fu.Unreachable != 0 {
		t.Errorf("funeral: points %d, towns %+v, villages %d, unreachable %d", fu.Points, fu.Towns, len(fu.Villages), fu.Unreachable)
	}
	for _, v := range fu.Villages {
		if v.WalkM == nil || v.StraightM == nil || *v.WalkM < *v.StraightM-1 {
			t.Errorf("a walk shorter than the straight line: %v < %v", v.WalkM, v.StraightM)
			break
		}
	}

	var ind struct {
		Indicators []struct {
			ID         int
			Value      float64
			Target     float64
			Met        bool
			ByTownship []struct{ Code string } `json:"by_township"`
		}
	}
	getJSONAs(t, planner, base, "/api/v1/indicators", &ind)
	ids := []int{}
	for _, i := range ind.Indicators {
		ids = append(ids, i.ID)
		if len(i.ByTownship) != 26 {
			t.Errorf("indicator %d: %d townships", i.ID, len(i.ByTownship))
		}
		switch i.ID {
		case 5:
			if i.Value != 307 || i.Met {
				t.Errorf("indicator 5: %+v", i)
			}
		case 9:
			if i.Value != 0.75 || i.Met {
				t.Errorf("indicator 9: %+v", i)
			}
		case 13:
			if math.Abs(i.Value-1.0/26) > 1e-3 || i.Met {
				t.Errorf("indicator 13: %+v", i)
			}
		case 11:
			if math.Abs(i.Value-20.0/26) > 1e-3 {
				t.Errorf("indicator 11: %+v", i)
			}
		}
	}
	if fmt.Sprint(ids) != "[5 6 9 11 13 16 20]" {
		t.Errorf("indicators %v", ids)
	}

	// The choropleth for the map.
	var fc geojson.FeatureCollection
	getJSONAs(t, planner, base, "/api/v1/coverage/eldercare?format=geojson", &fc)
	if len(fc.Features) != 200 {
		t.Fatalf("choropleth: %d features", len(fc.Features))
	}
	for _, f := range fc.Features {
		if v, ok := f.Properties["value"].(float64); !ok || v < 0 || v > 1 {
			t.Fatalf("choropleth value %v", f.Properties["value"])
		}
	}

	// Bad parameters: 400 with a message, never 500.
	for _, q := range []string{"/api/v1/coverage/eldercare?minutes=-1", "/api/v1/coverage/eldercare?speed=0", "/api/v1/coverage/eldercare?minutes=abc",
		"/api/v1/coverage/eldercare?minutes=1e308", "/api/v1/coverage/lottery?speed=NaN", "/api/v1/coverage/eldercare?uncovered_limit=99999999",
		"/api/v1/coverage/eldercare?include_planned=maybe", "/api/v1/coverage/eldercare?x=1", "/api/v1/coverage/funeral?minutes=15",
		"/api/v1/indicators?format=pdf", "/api/v1/isochrone?lon=106.4&lat=29.6&minutes=0", "/api/v1/isochrone?lon=999&lat=29.6",
		"/api/v1/isochrone?lon=106.4&lat=29.6&speed=-1", "/api/v1/isochrone?lon=106.4&lat=29.6&resolution=0.001",
		"/api/v1/isochrone?lon=120&lat=40", "/api/v1/nearest?lon=106.4&lat=29.6&k=0", "/api/v1/nearest?lon=106.4&lat=29.6&k=1000000",
		"/api/v1/nearest?lon=106.4&lat=29.6&by=car", "/api/v1/nearest?lon=106.4&lat=29.6&category=bank", "/api/v1/nearest?lat=29.6",
		"/api/v1/coverage/runs/abc", "/api/v1/facilities?category=x%27%3B--", "/api/v1/facilities?division=500106%27"} {
		if code := getJSONAs(t, planner, base, q, nil); code != 400 {
			t.Errorf("%s: %d, want 400", q, code)
		}
	}
	if code := getJSONAs(t, planner, base, "/api/v1/coverage/everything", nil); code != 404 {
		t.Errorf("unknown report: %d, want 404", code)
	}
}

func TestIsochroneAndNearestOnDemoData(t *testing.T) {
	base := startServe(t, "--data-dir", t.TempDir())
	fs, err := demo.Facilities(mustDemoDivisions(t))
	if err != nil {
		t.Fatal(err)
	}
	var station orb.Point
	for _, f := range fs {
		if f.Category == "community_eldercare_station" && f.Status == "open" {
			station = f.Point
			break
		}
	}
	var f geojson.Feature
	if code := getJSON(t, base, fmt.Sprintf("/api/v1/isochrone?lon=%v&lat=%v", station[0], station[1]), &f); code != 200 {
		t.Fatalf("isochrone: %d", code)
	}
	mp, ok := f.Geometry.(orb.MultiPolygon)
	if !ok || len(mp) == 0 {
		t.Fatalf("isochrone geometry %T", f.Geometry)
	}
	if err := geo.ValidateMultiPolygon(mp); err != nil {
		t.Fatalf("invalid isochrone: %v", err)
	}
	area := geo.Area(mp)
	// A 810 m walk with 50 m off the network: more than a few blocks, less
	// than the 810 m disc.
	if area < 0.05*math.Pi*810*810 || area > math.Pi*860*860 {
		t.Errorf("isochrone area %.0f m²", area)
	}
	if !geo.MultiPolygonContains(mp, station) {
		t.Errorf("the isochrone does not contain its start")
	}
	if f.Properties["limit_m"].(float64) != 810 || f.Properties["resolution_m"].(float64) != 20 {
		t.Errorf("properties %v", f.Properties)
	}

	type hit struct {
		DistanceM float64  `json:"distance_m"`
		WalkM     *float64 `json:"walk_m"`
		Facility  struct {
			Properties map[string]any
		}
	}
	var straight, walk struct{ Results []hit }
	q := fmt.Sprintf("lon=%v&lat=%v&category=lottery_outlet&k=5", station[0]+0.003, station[1]+0.002)
	getJSON(t, base, "/api/v1/nearest?"+q, &straight)
	getJSON(t, base, "/api/v1/nearest?by=walk&"+q, &walk)
	if len(straight.Results) != 5 || len(walk.Results) != 5 {
		t.Fatalf("nearest: %d straight, %d walk", len(straight.Results), len(walk.Results))
	}
	for i, h := range walk.Results {
		if h.WalkM == nil || *h.WalkM < h.DistanceM-1 {
			t.Errorf("walk %d: %v m for %v m straight", i, h.WalkM, h.DistanceM)
		}
		if i > 0 && *h.WalkM < *walk.Results[i-1].WalkM {
			t.Errorf("walk results not sorted")
		}
		if h.Facility.Properties["category"] != "lottery_outlet" {
			t.Errorf("category %v", h.Facility.Properties["category"])
		}
	}
	if straight.Results[0].DistanceM > *walk.Results[0].WalkM {
		t.Errorf("the nearest by straight line (%v m) is farther than the nearest walk (%v m)", straight.Results[0].DistanceM, *walk.Results[0].WalkM)
	}

	var net struct {
		Edges, Components int
		LargestShare      float64 `json:"largest_component_length_share"`
		HouseholdPoints   int     `json:"household_points"`
	}
	getJSON(t, base, "/api/v1/network", &net)
	if net.Edges < 10000 || net.Components != 1 || net.LargestShare != 1 || net.HouseholdPoints == 0 {
		t.Errorf("network: %+v", net)
	}
}

func mustDemoDivisions(t *testing.T) []gazetteer.Division {
	t.Helper()
	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestFacilitiesSitingAndRuns(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	if code, out := runCmd(t, append([]string{"demo"}, data...)...); code != 0 {
		t.Fatal(out)
	}
	planner := official{t: t, token: addOfficial(t, data, "wang.gui", "planner")}
	reviewer := official{t: t, token: addOfficial(t, data, "li.shen", "reviewer")}
	base := startServe(t, data...)
	planner.base, reviewer.base = base, base
	anon := official{t: t, base: base}

	var before struct {
		Facilities  int
		DataVersion int64 `json:"data_version"`
	}
	getJSONAs(t, planner.token, base, "/api/v1/coverage/eldercare", &before)

	// A new community eldercare station: created by a planner, not by others.
	station := map[string]any{"name": "新桥社区第二养老服务站", "category": "community_eldercare_station", "lon": 106.4, "lat": 29.58, "reason": "新建"}
	if code, _ := anon.call("POST", "/api/v1/facilities", station); code != 401 {
		t.Errorf("anonymous create: %d", code)
	}
	if code, _ := reviewer.call("POST", "/api/v1/facilities", station); code != 403 {
		t.Errorf("reviewer create: %d", code)
	}
	created := planner.must(201, "POST", "/api/v1/facilities", station)
	props := created["properties"].(map[string]any)
	id := int64(props["id"].(float64))
	if props["village_code"] == "" || props["version"].(float64) != 1 {
		t.Errorf("created: %v", props)
	}
	var after struct {
		Facilities  int
		DataVersion int64 `json:"data_version"`
	}
	getJSONAs(t, planner.token, base, "/api/v1/coverage/eldercare", &after)
	if after.Facilities != before.Facilities+1 || after.DataVersion <= before.DataVersion {
		t.Errorf("the report did not see the new station: %+v then %+v", before, after)
	}
	// Stale version, bad input, then a move and a delete.
	if code, _ := planner.call("PATCH", fmt.Sprintf("/api/v1/facilities/%d", id), map[string]any{"version": 7, "name": "x站"}); code != 409 {
		t.Errorf("stale version: %d", code)
	}
	for _, bad := range []map[string]any{{"version": 1, "lat": 95.0, "lon": 106.4}, {"version": 1, "category": "casino"}, {"version": 1, "name": ""},
		{"version": 1, "floor_area": -3}, {"version": 1, "nonsense": true}, {"version": 1, "status": "'; DROP TABLE facilities; --"}} {
		if code, m := planner.call("PATCH", fmt.Sprintf("/api/v1/facilities/%d", id), bad); code != 400 {
			t.Errorf("PATCH %v: %d %v", bad, code, m)
		}
	}
	moved := planner.must(200, "PATCH", fmt.Sprintf("/api/v1/facilities/%d", id), map[string]any{"version": 1, "lon": 106.401, "lat": 29.581})
	if moved["properties"].(map[string]any)["version"].(float64) != 2 {
		t.Errorf("moved: %v", moved)
	}
	var detail struct{ Properties map[string]any }
	getJSON(t, base, fmt.Sprintf("/api/v1/facilities/%d", id), &detail)
	if h, _ := detail.Properties["history"].([]any); len(h) != 2 {
		t.Errorf("history: %v", detail.Properties["history"])
	}
	req, _ := http.NewRequest("DELETE", fmt.Sprintf("%s/api/v1/facilities/%d?version=2&reason=%s", base, id, url.QueryEscape("重复录入")), nil)
	req.Header.Set("Authorization", "Bearer "+planner.token)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 204 {
		t.Fatalf("delete: %v %v", res, err)
	}
	if code := getJSON(t, base, fmt.Sprintf("/api/v1/facilities/%d", id), nil); code != 404 {
		t.Errorf("deleted facility: %d", code)
	}

	// An HTTP import with one bad row writes nothing.
	var all geojson.FeatureCollection
	getJSON(t, base, "/api/v1/facilities?status=all", &all)
	csv := "code,name,category,lon,lat,floor_area\nT-1,测试站,community_eldercare_station,106.40,29.58,\nT-2,测试中心,community_service_facility,106.41,29.58,abc\n"
	req, _ = http.NewRequest("POST", base+"/api/v1/facilities/import?format=csv", strings.NewReader(csv))
	req.Header.Set("Authorization", "Bearer "+planner.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(string(raw), "floor_area") {
		t.Errorf("import with a bad row: %d %s", res.StatusCode, raw)
	}
	var again geojson.FeatureCollection
	getJSON(t, base, "/api/v1/facilities?status=all", &again)
	if len(again.Features) != len(all.Features) {
		t.Errorf("a refused import wrote: %d → %d facilities", len(all.Features), len(again.Features))
	}

	// Siting: planners only; the sites keep their distances.
	body := map[string]any{"sites": 5}
	if code, _ := anon.call("POST", "/api/v1/coverage/lottery/siting", body); code != 401 {
		t.Errorf("anonymous siting: %d", code)
	}
	for _, bad := range []map[string]any{{"sites": 0}, {"sites": 100000}, {"sites": 3, "minutes": -5}, {"sites": 3, "speed": -1},
		{"sites": 3, "min_spacing_m": -1}, {"sites": 3, "candidates": [][]float64{{500, 29}}}, {"sites": "many"}, {"sites": 3, "township": "x"}} {
		if code, m := planner.call("POST", "/api/v1/coverage/lottery/siting", bad); code != 400 {
			t.Errorf("siting %v: %d %v", bad, code, m)
		}
	}
	site := planner.must(200, "POST", "/api/v1/coverage/lottery/siting", body)
	sites := site["sites"].([]any)
	if len(sites) != 5 {
		t.Fatalf("%d sites", len(sites))
	}
	prev := math.Inf(1)
	for _, s := range sites {
		s := s.(map[string]any)
		added := s["added_residents"].(float64)
		if added > prev || added <= 0 || s["nearest_outlet_m"].(float64) < 200 || (s["nearest_school_m"].(float64) >= 0 && s["nearest_school_m"].(float64) < 200) {
			t.Errorf("site %v", s)
		}
		prev = added
	}

	// Saving a run, then reading it back as JSON and GeoJSON.
	run := planner.must(201, "POST", "/api/v1/coverage/runs", map[string]any{"report": "eldercare", "params": map[string]any{"minutes": 10, "speed": 0.9}})
	runID := idOf(run)
	if code, _ := anon.call("POST", "/api/v1/coverage/runs", map[string]any{"report": "eldercare"}); code != 401 {
		t.Errorf("anonymous run: %d", code)
	}
	if code, _ := planner.call("POST", "/api/v1/coverage/runs", map[string]any{"report": "eldercare", "params": map[string]any{"minutes": -1}}); code != 400 {
		t.Errorf("run with bad params: %d", code)
	}
	var saved struct {
		Report string
		Params struct{ Minutes, Speed float64 }
		Units  []struct {
			DivisionCode string `json:"division_code"`
		}
	}
	getJSONAs(t, planner.token, base, fmt.Sprintf("/api/v1/coverage/runs/%d", runID), &saved)
	if saved.Report != "eldercare" || saved.Params.Minutes != 10 || len(saved.Units) != 200 {
		t.Errorf("saved run: %s %+v %d units", saved.Report, saved.Params, len(saved.Units))
	}
	var runFC geojson.FeatureCollection
	getJSONAs(t, planner.token, base, fmt.Sprintf("/api/v1/coverage/runs/%d?format=geojson", runID), &runFC)
	if len(runFC.Features) < 200 {
		t.Errorf("run as GeoJSON: %d features", len(runFC.Features))
	}
}

func TestCoverageImportsAndIndicatorReport(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	if code, out := runCmd(t, append([]string{"demo"}, data...)...); code != 0 {
		t.Fatal(out)
	}
	// Facilities: a bad row and nothing is written; fixed, both are.
	bad := writeFile(t, "f.csv", "code,name,category,lon,lat,beds\nX-1,测试养老院,eldercare_institution,106.40,29.58,120\nX-2,测试站,community_eldercare_station,106.41,91,\n")
	if code, out := runCmd(t, append([]string{"import", "facilities", bad}, data...)...); code == 0 || !strings.Contains(out, "nothing was written") {
		t.Errorf("import with a bad row: %d\n%s", code, out)
	}
	good := writeFile(t, "g.csv", "code,name,category,lon,lat,beds\nX-1,测试养老院,eldercare_institution,106.40,29.58,120\nX-2,测试站,community_eldercare_station,106.41,29.58,\n")
	if code, out := runCmd(t, append([]string{"import", "facilities", good}, data...)...); code != 0 || !strings.Contains(out, "added 2") {
		t.Errorf("import: %d\n%s", code, out)
	}
	if code, out := runCmd(t, append([]string{"import", "facilities", good}, data...)...); code != 0 || !strings.Contains(out, "unchanged 2") {
		t.Errorf("second import: %d\n%s", code, out)
	}
	// Households: replace them with two points.
	hh := writeFile(t, "h.csv", "households,residents,aged_60,lon,lat\n100,260,40,106.40,29.58\n50,130,30,106.45,29.60\n")
	if code, out := runCmd(t, append([]string{"import", "households", hh, "--replace"}, data...)...); code != 0 {
		t.Errorf("households: %d\n%s", code, out)
	}
	// Roads: the real network (test data only) replaces the demo's, and an
	// OSM XML file adds to it.
	roads := refdata.TestOnly(t, "shapingba/roads.wgs84.geojson")
	code, out := runCmd(t, append([]string{"import", "roads", roads, "--replace", "--json"}, data...)...)
	var sum struct {
		Rows    int
		Written bool
	}
	if code != 0 || json.Unmarshal([]byte(out[strings.Index(out, "{\n"):strings.LastIndex(out, "}")+1]), &sum) != nil || sum.Rows < 1000 || !sum.Written {
		t.Fatalf("roads: %d %+v\n%s", code, sum, out)
	}
	osmFile := writeFile(t, "w.osm", `<?xml version="1.0"?><osm version="0.6">
<node id="1" lat="29.58" lon="106.40"/><node id="2" lat="29.581" lon="106.401"/><node id="3" lat="29.582" lon="106.402"/>
<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>
<way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="motorway"/></way></osm>`)
	if code, out := runCmd(t, append([]string{"import", "roads", osmFile}, data...)...); code != 0 || !strings.Contains(out, "1 rows") || !strings.Contains(out, "motorway") {
		t.Errorf("osm roads: %d\n%s", code, out)
	}
	brokenRoads := writeFile(t, "b.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[106.4,29.5],[181,29.6]]},"properties":{}}]}`)
	if code, out := runCmd(t, append([]string{"import", "roads", brokenRoads}, data...)...); code == 0 {
		t.Errorf("a road off the globe was accepted:\n%s", out)
	}

	// The indicator report as .xlsx, CSV and JSON.
	xlsx := filepath.Join(t.TempDir(), "指标.xlsx")
	if code, out := runCmd(t, append([]string{"report", "indicators", "--format", "xlsx", "-o", xlsx}, data...)...); code != 0 {
		t.Fatalf("report: %d\n%s", code, out)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 2 || sheets[0] != "指标" || sheets[1] != "分街镇" {
		t.Fatalf("sheets %v", sheets)
	}
	rows, _ := f.GetRows("指标")
	if len(rows) != 3+7 || !strings.HasPrefix(rows[3][1], "福利彩票销售网点数") || rows[3][3] != "307" {
		t.Errorf("summary sheet: %q", rows)
	}
	towns, _ := f.GetRows("分街镇")
	if len(towns) != 27 {
		t.Errorf("township sheet: %d rows", len(towns))
	}
	code, out = runCmd(t, append([]string{"report", "indicators", "--format", "csv", "-o", "-"}, data...)...)
	if code != 0 || !strings.Contains(out, "\ufeff数据版本") || !strings.Contains(out, "社区居家养老服务设施覆盖率") {
		t.Errorf("csv: %d\n%.300s", code, out)
	}
	for _, args := range [][]string{{"--format", "pdf", "-o", "x"}, {"--format", "json"}, {"--format", "json", "-o", "-", "--minutes", "-3"}} {
		if code, out := runCmd(t, append(append([]string{"report", "indicators"}, args...), data...)...); code == 0 {
			t.Errorf("report %v accepted:\n%s", args, out)
		}
	}
}

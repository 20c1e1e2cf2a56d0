package httpapi_test

// Checks of facility writes, lottery siting and saved runs on the demo
// dataset: a facility outside the district is refused everywhere it can
// come in, a PATCH that changes nothing writes nothing, an explicit 0
// distance in siting is honoured, and a saved run records the parameters
// it was computed with.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"diming"
	"diming/auth"
	"diming/coverage"
	"diming/store/sqlite"
)

// fcClient calls the service as a planner.
type fcClient struct {
	t     *testing.T
	f     *tileFixture
	token string
}

func fcPlanner(t *testing.T, f *tileFixture) fcClient {
	t.Helper()
	ctx := context.Background()
	h, err := auth.HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.store.CreateUser(ctx, "test", auth.User{Name: "fc.planner", Role: auth.RolePlanner}, h)
	if err != nil {
		t.Fatal(err)
	}
	secret, hash, _ := auth.NewSecret(auth.TokenPrefix)
	if _, err := f.store.CreateToken(ctx, "test", u.ID, hash, "", nil); err != nil {
		t.Fatal(err)
	}
	return fcClient{t: t, f: f, token: secret}
}

// call sends body (JSON unless it is a string, sent as it stands) and
// decodes the answer.
func (c fcClient) call(method, path string, body any) (int, map[string]any, []byte) {
	c.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "text/csv"
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.f.srv.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := c.f.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			c.t.Fatalf("%s %s: %d, not JSON: %.300s", method, path, res.StatusCode, raw)
		}
	}
	return res.StatusCode, m, raw
}

func (c fcClient) must(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	code, m, raw := c.call(method, path, body)
	if code != want {
		c.t.Fatalf("%s %s: %d, want %d: %.500s", method, path, code, want, raw)
	}
	return m
}

// fcError returns the error body's code and messages.
func fcError(m map[string]any) (code, zh, en string) {
	e, _ := m["error"].(map[string]any)
	code, _ = e["code"].(string)
	zh, _ = e["message"].(string)
	en, _ = e["message_en"].(string)
	return code, zh, en
}

func fcProps(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	p, ok := m["properties"].(map[string]any)
	if !ok {
		t.Fatalf("not a feature: %v", m)
	}
	return p
}

// fcState is what a refused write must leave alone.
type fcState struct {
	facilities int
	newestID   int64 // newest audit entry
}

func fcSnapshot(t *testing.T, st *sqlite.Store) fcState {
	t.Helper()
	fs, err := st.Facilities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := fcState{facilities: len(fs)}
	es, err := st.Audit(context.Background(), diming.AuditFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) > 0 {
		s.newestID = es[0].ID
	}
	return s
}

// Beijing's Tiananmen, far outside the district (Chongqing's Shapingba).
const fcBeijingLon, fcBeijingLat = 116.39, 39.9

func TestFacilityOutsideDistrictRefused(t *testing.T) {
	f := newTileFixture(t, true)
	pl := fcPlanner(t, f)
	before := fcSnapshot(t, f.store)

	// Create: open and planned facilities alike.
	for _, status := range []string{"open", "planned"} {
		code, m, raw := pl.call("POST", "/api/v1/facilities", map[string]any{"name": "测试站3", "category": "community_eldercare_station",
			"lon": fcBeijingLon, "lat": fcBeijingLat, "status": status})
		ec, zh, en := fcError(m)
		if code != 400 || ec != string(diming.EINVALID) || !strings.Contains(zh, "不在辖区内") || !strings.Contains(en, "outside the district") {
			t.Errorf("create %s in Beijing: %d %.300s", status, code, raw)
		}
	}
	if after := fcSnapshot(t, f.store); after != before {
		t.Fatalf("a refused create wrote: %+v → %+v", before, after)
	}

	// Inside the district it is taken; a PATCH moving it out is refused.
	created := pl.must(201, "POST", "/api/v1/facilities", map[string]any{"name": "测试站4", "category": "community_eldercare_station", "lon": 106.40, "lat": 29.58})
	id := int64(fcProps(t, created)["id"].(float64))
	before = fcSnapshot(t, f.store)
	code, m, raw := pl.call("PATCH", fmt.Sprintf("/api/v1/facilities/%d", id), map[string]any{"version": 1, "lon": fcBeijingLon, "lat": fcBeijingLat})
	if _, zh, _ := fcError(m); code != 400 || !strings.Contains(zh, "不在辖区内") {
		t.Errorf("PATCH to Beijing: %d %.300s", code, raw)
	}
	// The check is made on the converted (WGS84) point: far away is far
	// away in any datum.
	if code, _, raw := pl.call("PATCH", fmt.Sprintf("/api/v1/facilities/%d", id), map[string]any{"version": 1, "lon": fcBeijingLon, "lat": fcBeijingLat, "crs": "gcj02"}); code != 400 {
		t.Errorf("PATCH to Beijing (GCJ-02): %d %.300s", code, raw)
	}
	if after := fcSnapshot(t, f.store); after != before {
		t.Fatalf("a refused PATCH wrote: %+v → %+v", before, after)
	}
	if fac, err := f.store.Facility(context.Background(), id); err != nil || fac.Version != 1 || fac.Point[0] != 106.40 {
		t.Fatalf("after the refused move: %+v %v", fac, err)
	}

	// Imports (CSV and GeoJSON, dry run or not): the row is rejected with
	// its line, and nothing is written.
	csv := "code,name,category,lon,lat,status\nFC-IN-1,区内站,community_eldercare_station,106.41,29.58,open\n" +
		fmt.Sprintf("FC-OUT-1,区外站,community_eldercare_station,%v,%v,planned\n", fcBeijingLon, fcBeijingLat)
	gj := fmt.Sprintf(`{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"FC-IN-2","name":"区内站二","category":"lottery_outlet"},"geometry":{"type":"Point","coordinates":[106.41,29.58]}},
{"type":"Feature","properties":{"code":"FC-OUT-2","name":"区外站二","category":"lottery_outlet"},"geometry":{"type":"Point","coordinates":[%v,%v]}}]}`, fcBeijingLon, fcBeijingLat)
	for _, c := range []struct {
		path, body, name string
		line             float64
	}{
		{"/api/v1/facilities/import?format=csv", csv, "区外站", 3},
		{"/api/v1/facilities/import?format=csv&dry_run=true", csv, "区外站", 3},
		{"/api/v1/facilities/import?format=geojson", gj, "区外站二", 2},
	} {
		code, m, raw := pl.call("POST", c.path, c.body)
		rej, _ := m["rejected"].([]any)
		if code != 400 || len(rej) != 1 {
			t.Errorf("%s: %d %.500s", c.path, code, raw)
			continue
		}
		r := rej[0].(map[string]any)
		if r["line"] != c.line || r["name"] != c.name || !strings.Contains(r["reason"].(string), "不在辖区内") || !strings.Contains(r["reason_en"].(string), "outside the district") {
			t.Errorf("%s: rejected %v", c.path, r)
		}
	}
	if after := fcSnapshot(t, f.store); after != before {
		t.Fatalf("a refused import wrote: %+v → %+v", before, after)
	}
}

// TestFacilityAnywhereWithoutDivisions: a store with no divisions at all
// (a new pilot store) has nothing to check a point against, and takes it.
func TestFacilityAnywhereWithoutDivisions(t *testing.T) {
	f := newTileFixtureWith(t, true, slog.New(slog.NewTextHandler(io.Discard, nil)), func(context.Context, *sqlite.Store) error { return nil })
	pl := fcPlanner(t, f)
	pl.must(201, "POST", "/api/v1/facilities", map[string]any{"name": "试点站", "category": "community_eldercare_station", "lon": fcBeijingLon, "lat": fcBeijingLat})
}

func TestFacilityPatchThatChangesNothing(t *testing.T) {
	f := newTileFixture(t, true)
	pl := fcPlanner(t, f)
	created := pl.must(201, "POST", "/api/v1/facilities", map[string]any{"name": "不变站", "category": "community_service_facility",
		"lon": 106.40, "lat": 29.58, "floor_area": 320.5, "volunteer_station": true, "note": "原注"})
	props := fcProps(t, created)
	id := int64(props["id"].(float64))
	path := fmt.Sprintf("/api/v1/facilities/%d", id)
	before := fcSnapshot(t, f.store)
	mark := f.model.Load().ChangeMark

	for _, body := range []map[string]any{
		{"version": 1},
		{"version": 1, "reason": "核对"},
		{"version": 1, "name": "不变站", "lon": 106.40, "lat": 29.58, "floor_area": 320.5, "volunteer_station": true, "note": "原注", "status": "open"},
	} {
		got := fcProps(t, pl.must(200, "PATCH", path, body))
		if got["version"] != 1.0 || got["name"] != "不变站" || got["note"] != "原注" {
			t.Errorf("PATCH %v: %v", body, got)
		}
	}
	if after := fcSnapshot(t, f.store); after != before {
		t.Errorf("a PATCH that changes nothing wrote: %+v → %+v", before, after)
	}
	if fac, _ := f.store.Facility(context.Background(), id); fac.Version != 1 {
		t.Errorf("version %d after no-op PATCHes, want 1", fac.Version)
	}
	if m, _ := f.model.Refresh(context.Background()); m.ChangeMark != mark {
		t.Errorf("the change mark moved %d → %d: the caches would be dropped", mark, m.ChangeMark)
	}
	hist, err := f.store.Audit(context.Background(), diming.AuditFilter{Entity: coverage.EntityFacility, EntityID: fmt.Sprint(id)})
	if err != nil || len(hist) != 1 || hist[0].Action != "create" {
		t.Errorf("history %+v %v, want the create only", hist, err)
	}

	// The version is still checked.
	if code, _, raw := pl.call("PATCH", path, map[string]any{"version": 7}); code != 409 {
		t.Errorf("stale no-op PATCH: %d %.300s", code, raw)
	}
	// null is not "leave it": a field that cannot be null says so.
	for _, body := range []string{`{"version":1,"lon":null}`, `{"version":1,"lon":null,"lat":null}`, `{"version":1,"name":null}`, `{"version":1,"beds":null}`} {
		code, m, raw := pl.call("PATCH", path, []byte(body))
		_, zh, en := fcError(m)
		if code != 400 || !strings.Contains(zh, "null") || !strings.Contains(en, "cannot be null") {
			t.Errorf("%s: %d %.300s", body, code, raw)
		}
	}
	if code, m, raw := pl.call("PATCH", path, []byte(`{"version":1,"lon":200}`)); code != 400 || !strings.Contains(fmt.Sprint(m), "give lon and lat together") {
		t.Errorf("lon alone: %d %.300s", code, raw)
	}
	if after := fcSnapshot(t, f.store); after != before {
		t.Errorf("refused PATCHes wrote: %+v → %+v", before, after)
	}

	// A real change still makes a version and an audit entry.
	if got := fcProps(t, pl.must(200, "PATCH", path, map[string]any{"version": 1, "note": "新注"})); got["version"] != 2.0 || got["note"] != "新注" {
		t.Errorf("a change: %v", got)
	}
	if hist, _ := f.store.Audit(context.Background(), diming.AuditFilter{Entity: coverage.EntityFacility, EntityID: fmt.Sprint(id)}); len(hist) != 2 {
		t.Errorf("%d history entries after a change, want 2", len(hist))
	}
}

func TestFacilityImportDryRunCounts(t *testing.T) {
	f := newTileFixture(t, true)
	pl := fcPlanner(t, f)
	first := "code,name,category,lon,lat\nFC-D-1,试运行站一,community_eldercare_station,106.40,29.58\nFC-D-2,试运行站二,lottery_outlet,106.41,29.58\n"
	got := pl.must(200, "POST", "/api/v1/facilities/import?format=csv", first)
	if got["created"] != 2.0 || got["written"] != true {
		t.Fatalf("first import: %v", got)
	}
	before := fcSnapshot(t, f.store)
	// One unchanged, one changed, one new; and a row without a code is always new.
	next := "code,name,category,lon,lat\nFC-D-1,试运行站一,community_eldercare_station,106.40,29.58\nFC-D-2,试运行站二（迁）,lottery_outlet,106.42,29.58\nFC-D-3,试运行站三,school,106.43,29.58\n,无编号站,school,106.43,29.59\n"
	dry := pl.must(200, "POST", "/api/v1/facilities/import?format=csv&dry_run=true", next)
	if dry["rows"] != 4.0 || dry["created"] != 2.0 || dry["updated"] != 1.0 || dry["unchanged"] != 1.0 || dry["written"] != false {
		t.Errorf("dry run: %v, want 4 rows: 2 created, 1 updated, 1 unchanged, not written", dry)
	}
	if after := fcSnapshot(t, f.store); after != before {
		t.Fatalf("a dry run wrote: %+v → %+v", before, after)
	}
	// The real import does what the dry run said.
	real := pl.must(200, "POST", "/api/v1/facilities/import?format=csv", next)
	for _, k := range []string{"rows", "created", "updated", "unchanged"} {
		if real[k] != dry[k] {
			t.Errorf("%s: the import did %v, the dry run said %v", k, real[k], dry[k])
		}
	}
	// A code repeated in the file is rejected with its line.
	code, m, raw := pl.call("POST", "/api/v1/facilities/import?format=csv&dry_run=true", "code,name,category,lon,lat\nFC-D-9,甲,school,106.40,29.58\nFC-D-9,乙,school,106.41,29.58\n")
	if rej, _ := m["rejected"].([]any); code != 400 || len(rej) != 1 || rej[0].(map[string]any)["line"] != 3.0 {
		t.Errorf("repeated code: %d %.300s", code, raw)
	}
}

func TestSitingExplicitZeroAndEcho(t *testing.T) {
	f := newTileFixture(t, true)
	pl := fcPlanner(t, f)
	params := func(m map[string]any) map[string]any {
		t.Helper()
		p, ok := m["params"].(map[string]any)
		if !ok {
			t.Fatalf("no params: %v", m)
		}
		return p
	}
	def := pl.must(200, "POST", "/api/v1/coverage/lottery/siting", map[string]any{"sites": 3})
	if p := params(def); p["min_spacing_m"] != 200.0 || p["school_distance_m"] != 200.0 {
		t.Errorf("absent distances: %v, want the 200 m defaults", p)
	}
	if def["excluded_near_outlet"].(float64) == 0 {
		t.Fatalf("the demo data excludes no candidate near an outlet by default: %v; the test proves nothing", def["excluded_near_outlet"])
	}
	zero := pl.must(200, "POST", "/api/v1/coverage/lottery/siting", map[string]any{"sites": 3, "min_spacing_m": 0, "school_distance_m": 0})
	if p := params(zero); p["min_spacing_m"] != 0.0 || p["school_distance_m"] != 0.0 {
		t.Errorf("explicit 0: %v, want 0 and 0", p)
	}
	if zero["excluded_near_outlet"] != 0.0 || zero["excluded_near_school"] != 0.0 {
		t.Errorf("explicit 0 still excluded candidates: %v near outlets, %v near schools", zero["excluded_near_outlet"], zero["excluded_near_school"])
	}
	one := pl.must(200, "POST", "/api/v1/coverage/lottery/siting", map[string]any{"sites": 1, "min_spacing_m": 150})
	if p := params(one); p["min_spacing_m"] != 150.0 || p["school_distance_m"] != 200.0 {
		t.Errorf("one given: %v", p)
	}

	// Given candidates are counted in the echo, not listed.
	var cands [][2]float64
	for i := range 2000 {
		cands = append(cands, [2]float64{106.30 + float64(i%50)*0.003, 29.52 + float64(i/50)*0.004})
	}
	_, m, raw := pl.call("POST", "/api/v1/coverage/lottery/siting", map[string]any{"sites": 2, "candidates": cands})
	p := params(m)
	if _, listed := p["candidates"]; listed || p["given_candidates"] != 2000.0 {
		t.Errorf("params echo %v", p)
	}
	t.Logf("siting with %d given candidates: %d bytes", len(cands), len(raw))
	if len(raw) > 20000 {
		t.Errorf("the answer is %d bytes for 2 sites: the candidates are echoed", len(raw))
	}
}

func TestRunRecordsEffectiveParams(t *testing.T) {
	f := newTileFixture(t, true)
	pl := fcPlanner(t, f)
	run := pl.must(201, "POST", "/api/v1/coverage/runs", map[string]any{"report": "eldercare", "params": map[string]any{"minutes": 15, "speed": 0.9}})
	p, _ := run["params"].(map[string]any)
	if p["uncovered_limit"] != 100.0 || p["minutes"] != 15.0 || p["speed"] != 0.9 {
		t.Errorf("run params %v, want uncovered_limit 100, minutes 15, speed 0.9", p)
	}
	saved := pl.must(200, "GET", fmt.Sprintf("/api/v1/coverage/runs/%d", int64(run["id"].(float64))), nil)
	sp, _ := saved["params"].(map[string]any)
	points, _ := saved["points"].([]any)
	if sp["uncovered_limit"] != 100.0 || len(points) != 100 {
		t.Errorf("stored params %v with %d points, want uncovered_limit 100 and 100 points", sp, len(points))
	}
	// Siting runs record the distances used, 0 included.
	run = pl.must(201, "POST", "/api/v1/coverage/runs", map[string]any{"report": "lottery-siting", "params": map[string]any{"sites": 2, "min_spacing_m": 0}})
	if p, _ := run["params"].(map[string]any); p["min_spacing_m"] != 0.0 || p["school_distance_m"] != 200.0 {
		t.Errorf("siting run params %v", p)
	}
}

// TestDecodeErrorsSayFieldAndKind: through the routes, type errors name
// the field and the kind of value in both languages, never a Go type, and
// unknown fields (in a run's params too) are named as sent.
func TestDecodeErrorsSayFieldAndKind(t *testing.T) {
	f := newTileFixture(t, true)
	pl := fcPlanner(t, f)
	for _, c := range []struct {
		method, path, body string
		zh, en             []string
	}{
		{"POST", "/api/v1/facilities", `{"name":"测试","category":"school","lon":"106.4","lat":29.58}`,
			[]string{`"lon"`, "数值", "字符串"}, []string{`field "lon"`, "a number", "not a string"}},
		{"POST", "/api/v1/facilities", `{"name":"测试","category":"school","lon":106.4,"lat":29.58,"beds":1.5}`,
			[]string{`"beds"`, "整数"}, []string{`field "beds"`, "integer"}},
		{"POST", "/api/v1/facilities", `{"name":"测试","category":"school","lon":106.4,"lat":29.58,"volunteer_station":"是"}`,
			[]string{`"volunteer_station"`, "true/false"}, []string{`field "volunteer_station"`, "true/false"}},
		{"POST", "/api/v1/facilities", `{"name":["测试"],"category":"school","lon":106.4,"lat":29.58}`,
			[]string{`"name"`, "字符串", "数组"}, []string{`field "name"`, "a string", "not an array"}},
		{"POST", "/api/v1/facilities", `{"name":"测试","category":"school","lon":106.4,"lat":29.58,"synthetic":true}`,
			[]string{`未知字段 "synthetic"`}, []string{`unknown field "synthetic"`}},
		{"POST", "/api/v1/coverage/lottery/siting", `{"sites":"3"}`,
			[]string{`"sites"`, "数值"}, []string{`field "sites"`, "a number"}},
		{"POST", "/api/v1/coverage/lottery/siting", `{"sites":3,"candidates":{"a":1}}`,
			[]string{`"candidates"`, "数组", "对象"}, []string{`field "candidates"`, "an array", "not an object"}},
		{"POST", "/api/v1/coverage/runs", `{"report":"eldercare","params":{"minutes":15,"radius":800}}`,
			[]string{`未知字段 "params.radius"`}, []string{`unknown field "params.radius"`}},
		{"POST", "/api/v1/coverage/runs", `{"report":"eldercare","params":{"minutes":"15"}}`,
			[]string{`"params.minutes"`, "数值"}, []string{`field "params.minutes"`, "a number"}},
		{"POST", "/api/v1/coverage/runs", `{"report":"eldercare","params":[15]}`,
			[]string{`"params"`, "对象", "数组"}, []string{`field "params"`, "an object", "not an array"}},
		{"POST", "/api/v1/coverage/runs", `{"report":7}`,
			[]string{`"report"`, "字符串"}, []string{`field "report"`, "a string"}},
		{"POST", "/api/v1/coverage/runs", `[]`,
			[]string{"请求体", "对象", "数组"}, []string{"the body must be an object, not an array"}},
	} {
		code, m, raw := pl.call(c.method, c.path, []byte(c.body))
		_, zh, en := fcError(m)
		if code != 400 {
			t.Errorf("%s: %d %.300s", c.body, code, raw)
			continue
		}
		for _, s := range c.zh {
			if !strings.Contains(zh, s) {
				t.Errorf("%s: %q does not say %q", c.body, zh, s)
			}
		}
		for _, s := range c.en {
			if !strings.Contains(en, s) {
				t.Errorf("%s: %q does not say %q", c.body, en, s)
			}
		}
		for _, goName := range []string{"float64", "int64", "int", "bool", "struct", "[]", "map[", "json:", "Go ", "coverage.", "httpapi."} {
			if strings.Contains(zh, goName) || strings.Contains(strings.ReplaceAll(en, "integer", ""), goName) {
				t.Errorf("%s: the message names a Go type (%q): %s / %s", c.body, goName, zh, en)
			}
		}
	}
}

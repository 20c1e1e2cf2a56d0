package main

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"diming/demo"
	"diming/gazetteer"
	"diming/geo"
)

// TestBoundaryMarkers: officials set markers on a line and inspect them;
// a marker 20 m off its line is listed by the check, one on it is not.
func TestBoundaryMarkers(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	reviewer := official{t: t, token: addOfficial(t, data, "shenhe", "reviewer")}
	applicant := official{t: t, token: addOfficial(t, data, "shenqing", "applicant")}
	base := startServe(t, data...)
	reviewer.base, applicant.base = base, base
	public := official{t: t, base: base}

	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	lines := gazetteer.DeriveBoundaryLines(ds, gazetteer.LevelTownship)
	var line gazetteer.BoundaryLine
	for _, l := range lines {
		if l.RightCode != "" && l.LengthM > 1000 {
			line = l
			break
		}
	}
	// A point on the line (the middle of its first segment) and one 20 m to the side of it.
	a, b := line.Geometry[0][0], line.Geometry[0][1]
	on := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
	proj := geo.NewLocalProjection(on)
	pa, pb := proj.Forward(a), proj.Forward(b)
	dx, dy := pb[0]-pa[0], pb[1]-pa[1]
	n := math.Hypot(dx, dy)
	off := proj.Inverse(orb.Point{-dy / n * 20, dx / n * 20})
	if d := gazetteer.DistanceToLine(off, line.Geometry); d < 19 || d > 21 {
		t.Fatalf("test point %.1f m from the line, want 20", d)
	}

	mk := reviewer.must(201, "POST", "/api/v1/boundaries/markers", map[string]any{"number": "沙坪坝-001", "kind": "double",
		"line_id": line.ID, "lon": on[0], "lat": on[1], "set_on": "2020-05-01"})
	props := mk["properties"].(map[string]any)
	if props["off_line"] != false || props["distance_m"].(float64) > 0.5 || props["level"] != "township" {
		t.Fatalf("marker on the line: %v", props)
	}
	reviewer.must(201, "POST", "/api/v1/boundaries/markers", map[string]any{"number": "沙坪坝-002", "kind": "single",
		"line_id": line.ID, "lon": off[0], "lat": off[1]})
	// GCJ-02 coordinates (copied from a web map) land on the same point.
	gcj, _ := geo.FromWGS84(on, geo.GCJ02)
	m3 := reviewer.must(201, "POST", "/api/v1/boundaries/markers", map[string]any{"number": "沙坪坝-003", "kind": "triple",
		"line_id": line.ID, "lon": gcj[0], "lat": gcj[1], "crs": "gcj02"})
	if d := m3["properties"].(map[string]any)["distance_m"].(float64); d > 0.5 {
		t.Fatalf("GCJ-02 marker %.2f m off", d)
	}

	check := reviewer.must(200, "GET", "/api/v1/boundaries/markers/check", nil)
	listed := fmt.Sprint(check["markers"])
	if !strings.Contains(listed, "沙坪坝-002") || strings.Contains(listed, "沙坪坝-001") || strings.Contains(listed, "沙坪坝-003") {
		t.Fatalf("check lists %v", listed)
	}
	if c := reviewer.must(200, "GET", "/api/v1/boundaries/markers/check?tolerance=25", nil); strings.Contains(fmt.Sprint(c["markers"]), "沙坪坝-002") {
		t.Fatal("a 25 m tolerance still lists the 20 m marker")
	}

	// Inspections change the state and are kept.
	id := int64(props["id"].(float64))
	path := fmt.Sprintf("/api/v1/boundaries/markers/%d", id)
	reviewer.must(201, "POST", path+"/inspections", map[string]any{"inspected_on": "2026-11-20", "state": "damaged", "note": "桩体倾斜"})
	got := public.must(200, "GET", path, nil)["properties"].(map[string]any)
	if got["state"] != "damaged" || got["state_name"] != "损坏" || len(got["inspections"].([]any)) != 1 {
		t.Fatalf("after inspection %v", got)
	}
	all := public.must(200, "GET", "/api/v1/boundaries/markers", nil)
	if len(all["features"].([]any)) != 3 {
		t.Fatalf("markers %v", all)
	}
	// Stale versions, bad input and the wrong role are refused.
	reviewer.must(409, "PATCH", path, map[string]any{"note": "x", "version": 1})
	reviewer.must(200, "PATCH", path, map[string]any{"note": "已扶正", "version": got["version"]})
	for _, bad := range []map[string]any{
		{"number": "沙坪坝-001", "line_id": line.ID, "lon": on[0], "lat": on[1]},
		{"number": "x", "line_id": "nope", "lon": on[0], "lat": on[1]},
		{"number": "x", "line_id": line.ID, "lon": 500, "lat": 29},
		{"number": "x", "line_id": line.ID, "lon": on[0], "lat": on[1], "state": "stolen"},
		{"number": "x", "line_id": line.ID},
	} {
		if code, m := reviewer.call("POST", "/api/v1/boundaries/markers", bad); code != 400 && code != 409 {
			t.Errorf("%v: %d %v", bad, code, m)
		}
	}
	reviewer.must(400, "POST", path+"/inspections", map[string]any{"inspected_on": "yesterday", "state": "intact"})
	applicant.must(403, "POST", "/api/v1/boundaries/markers", map[string]any{"number": "y", "line_id": line.ID, "lon": on[0], "lat": on[1]})
	public.must(401, "GET", "/api/v1/boundaries/markers/check", nil)
}

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"diming/demo"
)

// TestBoundaryAdjustment: a new polygon for 小龙坎街道 that reaches into its
// neighbours is checked, refused until accepted, then written with its
// reason; the old boundary stays in the history and the topology follows.
func TestBoundaryAdjustment(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	reviewer := official{t: t, token: addOfficial(t, data, "shenhe", "reviewer")}
	applicant := official{t: t, token: addOfficial(t, data, "shenqing", "applicant")}
	base := startServe(t, data...)
	reviewer.base, applicant.base = base, base
	ds, _ := demo.Divisions()
	var town orb.MultiPolygon
	for _, d := range ds {
		if d.Code == "500106001000" {
			town = d.Geometry
		}
	}
	// 3 % larger about its centroid: it overlaps its neighbours and leaves land its villages do not cover.
	c, _ := planar.CentroidArea(town)
	grown := orb.MultiPolygon{}
	for _, poly := range town {
		np := orb.Polygon{}
		for _, ring := range poly {
			nr := orb.Ring{}
			for _, p := range ring {
				nr = append(nr, orb.Point{c[0] + (p[0]-c[0])*1.03, c[1] + (p[1]-c[1])*1.03})
			}
			np = append(np, nr)
		}
		grown = append(grown, np)
	}
	geom := geojson.NewGeometry(grown)
	req := map[string]any{"code": "500106001", "geometry": geom, "reason": "勘界调整：依据 2026 年界线联检成果", "dry_run": true}

	dry := reviewer.must(200, "POST", "/api/v1/boundaries/adjustments", req)
	issues := fmt.Sprint(dry["new_issues"])
	if dry["applied"] != false || !strings.Contains(issues, "overlap") || !strings.Contains(issues, "gap") {
		t.Fatalf("dry run: %v", dry)
	}
	req["dry_run"] = false
	reviewer.must(409, "POST", "/api/v1/boundaries/adjustments", req)
	applicant.must(403, "POST", "/api/v1/boundaries/adjustments", req)
	req["accept_issues"] = true
	if done := reviewer.must(200, "POST", "/api/v1/boundaries/adjustments", req); done["applied"] != true {
		t.Fatalf("accepted adjustment: %v", done)
	}
	hist := reviewer.must(200, "GET", "/api/v1/divisions/500106001/history", nil)
	versions := hist["versions"].([]any)
	last := versions[len(versions)-1].(map[string]any)
	if len(versions) != 2 || last["action"] != "update" || last["reason"] != "勘界调整：依据 2026 年界线联检成果" || last["actor"] != "user:shenhe" {
		t.Fatalf("history %v", hist)
	}
	if !strings.Contains(fmt.Sprint(versions[0].(map[string]any)["record"]), "geometry") {
		t.Fatal("the old boundary is not kept in the history")
	}
	topo := reviewer.must(200, "GET", "/api/v1/boundaries/topology?level=township", nil)
	if len(topo["overlaps"].([]any)) == 0 {
		t.Fatalf("the accepted overlap is not in the topology report: %v", topo)
	}
	// Bad input: a bowtie, no reason, an unknown code.
	bow := map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{106.4, 29.5}, {106.5, 29.6}, {106.5, 29.5}, {106.4, 29.6}, {106.4, 29.5}}}}
	if code, m := reviewer.call("POST", "/api/v1/boundaries/adjustments", map[string]any{"code": "500106001", "geometry": bow, "reason": "x"}); code != 400 || !strings.Contains(fmt.Sprint(m), "自相交") {
		t.Fatalf("bowtie: %d %v", code, m)
	}
	reviewer.must(400, "POST", "/api/v1/boundaries/adjustments", map[string]any{"code": "500106001", "geometry": geom})
	reviewer.must(404, "POST", "/api/v1/boundaries/adjustments", map[string]any{"code": "500106099", "geometry": geom, "reason": "x"})
}

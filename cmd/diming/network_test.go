package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming/app"
	"diming/geo"
	"diming/internal/refdata"
)

// importShape runs `diming import roads FILE --json` and returns the
// network shape it reports.
func importShape(t *testing.T, args ...string) app.NetworkShape {
	t.Helper()
	code, out := runCmd(t, append([]string{"import", "roads"}, append(args, "--json")...)...)
	var sum coverageSummary
	if code != 0 || json.Unmarshal([]byte(out[strings.Index(out, "{\n"):strings.LastIndex(out, "}")+1]), &sum) != nil || sum.Network == nil {
		t.Fatalf("import roads %v: exit %d\n%s", args, code, out)
	}
	return *sum.Network
}

// The real Shapingba roads (a traffic model's network, test data only)
// stop many roads metres short of the road they meet. The import says so,
// /api/v1/network/gaps lists where, and --network-tolerance joins them.
func TestNetworkGapsAndTolerance(t *testing.T) {
	dir := t.TempDir()
	roads := refdata.TestOnly(t, "shapingba/roads.wgs84.geojson")
	asIs := importShape(t, roads, "--data-dir", dir)
	if asIs.MergeToleranceM != 0.5 || asIs.Components < 100 || asIs.LargestShare > 0.3 || asIs.NearGaps < 50 || asIs.NearGaps > asIs.DeadEnds {
		t.Errorf("the real roads as drawn: %+v (want 0.5 m, over 100 parts, the largest under 30 %%, over 50 gaps within 30 m)", asIs)
	}
	joined := importShape(t, roads, "--data-dir", t.TempDir(), "--dry-run", "--network-tolerance", "30")
	if joined.MergeToleranceM != 30 || joined.Components > 10 || joined.LargestShare < 0.5 || joined.NearGaps >= asIs.NearGaps {
		t.Errorf("joined within 30 m: %+v (want at most 10 parts, the largest over half the length, fewer gaps than %d)", joined, asIs.NearGaps)
	}
	t.Logf("as drawn: %+v; within 30 m: %+v", asIs, joined)
	for _, bad := range []string{"0", "-1", "51", "NaN"} {
		if code, out := runCmd(t, "import", "roads", roads, "--data-dir", t.TempDir(), "--network-tolerance", bad); code == 0 || !strings.Contains(out, "0.1 到 50") {
			t.Errorf("--network-tolerance %s: exit %d\n%s", bad, code, out)
		}
	}

	base := startServe(t, "--data-dir", dir, "--no-demo")
	var fc geojson.FeatureCollection
	if code := getJSON(t, base, "/api/v1/network/gaps?max_m=30&limit=20", &fc); code != 200 {
		t.Fatalf("gaps: %d", code)
	}
	num := func(k string) int {
		v, _ := fc.ExtraMembers[k].(float64)
		return int(v)
	}
	if num("gaps") != asIs.NearGaps || num("dead_ends") != asIs.DeadEnds || num("components") != asIs.Components || num("returned") != 20 || len(fc.Features) != 20 {
		t.Errorf("gaps answer %v with %d features; the import said %+v", fc.ExtraMembers, len(fc.Features), asIs)
	}
	if ifClosed := num("components_if_closed"); ifClosed >= asIs.Components || ifClosed < 1 {
		t.Errorf("closing every gap leaves %d of %d parts", ifClosed, asIs.Components)
	}
	prev := 0.0
	for i, f := range fc.Features {
		ls, ok := f.Geometry.(orb.LineString)
		d, _ := f.Properties["distance_m"].(float64)
		if !ok || len(ls) != 2 || math.Abs(geo.Distance(ls[0], ls[1])-d) > 0.01 || d > 30 || d < prev {
			t.Errorf("gap %d: %v, distance %v (want a line of the stated length, nearest first, within 30 m)", i, f.Geometry, d)
		}
		if f.Properties["from_component"] == f.Properties["to_component"] {
			t.Errorf("gap %d joins a part to itself: %v", i, f.Properties)
		}
		prev = d
	}

	base = startServe(t, "--data-dir", dir, "--no-demo", "--network-tolerance", "30")
	var sum struct {
		MergeToleranceM float64 `json:"merge_tolerance_m"`
		Components      int     `json:"components"`
		NearGaps        int     `json:"near_gaps"`
	}
	if code := getJSON(t, base, "/api/v1/network", &sum); code != 200 || sum.MergeToleranceM != 30 || sum.Components != joined.Components || sum.NearGaps != joined.NearGaps {
		t.Errorf("served with --network-tolerance 30: %d %+v; the dry run said %+v", code, sum, joined)
	}
}

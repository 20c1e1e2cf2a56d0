package main

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"diming/internal/pgtest"
)

// waitFor polls check every 10 ms until it is true or the deadline passes,
// and returns how long it took.
func waitFor(t *testing.T, within time.Duration, what string, check func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if check() {
			return time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v", what, within)
	return 0
}

// Two service processes on one PostGIS: a name published through one is
// found by search on the other within a second, and the other's tiles
// change with a facility written through the first. Both poll only once an
// hour, so it is the change notification (LISTEN/NOTIFY) that carries it.
func TestTwoInstancesOnePostGIS(t *testing.T) {
	data := []string{"--database-url", pgtest.NewDatabase(t)}
	if code, out := runCmd(t, append([]string{"demo"}, data...)...); code != 0 {
		t.Fatalf("demo: %s", out)
	}
	applicant := official{t: t, token: addOfficial(t, data, "shenqing", "applicant")}
	reviewer := official{t: t, token: addOfficial(t, data, "shenhe", "reviewer")}
	approver := official{t: t, token: addOfficial(t, data, "shenpi", "approver")}
	planner := official{t: t, token: addOfficial(t, data, "guihua", "planner")}
	a := startServe(t, append([]string{"--refresh-interval", "1h"}, data...)...)
	b := startServe(t, append([]string{"--refresh-interval", "1h"}, data...)...)
	for _, o := range []*official{&applicant, &reviewer, &approver, &planner} {
		o.base = a
	}

	found := func(base string) bool {
		_, rs, _ := search(t, base, "/api/v1/places", url.Values{"q": {"青杠林路"}})
		return len(rs) > 0 && rs[0].Name == "青杠林路"
	}
	if found(b) {
		t.Fatal("the name is found before it is published")
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	path := fmt.Sprintf("/api/v1/applications/%d", idOf(applicant.must(201, "POST", "/api/v1/applications", newRoad)))
	applicant.must(200, "POST", path+"/submit", nil)
	reviewer.must(200, "POST", path+"/review", nil)
	reviewer.must(200, "POST", path+"/notice", map[string]any{"start": today, "end": today})
	approver.must(200, "POST", path+"/approve", nil)
	approver.must(200, "POST", path+"/publish", nil)
	took := waitFor(t, time.Second, "the name published on A found by search on B", func() bool { return found(b) })
	t.Logf("published on A, found on B after %v", took)

	// Tiles: B's facility tile at the new facility's place changes (a new ETag).
	const lon, lat, z = 106.4567, 29.5678, 14
	x, y := tileOf(lon, lat, z)
	tilePath := fmt.Sprintf("%s/tiles/facilities/%d/%d/%d.mvt", b, z, x, y)
	etag := func() string {
		res, err := http.Get(tilePath)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 && res.StatusCode != 204 {
			t.Fatalf("tile: %d", res.StatusCode)
		}
		return res.Header.Get("ETag")
	}
	before := etag()
	planner.must(201, "POST", "/api/v1/facilities", map[string]any{"name": "双实例测试养老服务站", "category": "community_eldercare_station", "lon": lon, "lat": lat})
	took = waitFor(t, time.Second, "a facility written on A changes B's tile", func() bool { return etag() != before })
	t.Logf("facility written on A, B's tile changed after %v", took)
}

// tileOf is the Web Mercator tile holding lon, lat at zoom z.
func tileOf(lon, lat float64, z int) (int, int) {
	n := math.Exp2(float64(z))
	x := int((lon + 180) / 360 * n)
	y := int((1 - math.Log(math.Tan(lat*math.Pi/180)+1/math.Cos(lat*math.Pi/180))/math.Pi) / 2 * n)
	return x, y
}

package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"diming"
	"diming/auth"
	"diming/demo"
	"diming/gazetteer"
	"diming/httpapi"
	"diming/readmodel"
	"diming/store/sqlite"
	"diming/web"
)

// boundaryMarkers are the two markers the boundaries test puts through the
// store: one on a township line, one 20 m off it (damaged).
type boundaryMarkers struct {
	OnLine, Off  string  // numbers
	LineID       string  // the line both stand on
	OffDistanceM float64 // how far the second one is from the line
}

// startBoundariesService is startService with a reviewer (jiexian) and two
// boundary markers on the first township line between two townships.
func startBoundariesService(t *testing.T) (string, boundaryMarkers) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	loadDemo(t, ctx, st)
	hash, err := auth.HashPassword(consolePassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, "test", auth.User{Name: "jiexian", DisplayName: "区划地名科界线员", Role: auth.RoleReviewer}, hash); err != nil {
		t.Fatalf("create user: %v", err)
	}

	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	var line gazetteer.BoundaryLine
	for _, l := range gazetteer.DeriveBoundaryLines(ds, gazetteer.LevelTownship) {
		if l.RightCode != "" && len(l.Geometry) > 0 && len(l.Geometry[0]) > 2 {
			line = l
			break
		}
	}
	if line.ID == "" {
		t.Fatal("the demo data has no line between two townships")
	}
	on := line.Geometry[0][0]
	// 20 m from the line: from its middle vertex, the direction (of eight)
	// that ends farthest from it.
	mid := line.Geometry[0][len(line.Geometry[0])/2]
	var off orb.Point
	best := -1.0
	for i := range 8 {
		a := float64(i) * math.Pi / 4
		dLat := 20 * math.Cos(a) / 111320
		dLon := 20 * math.Sin(a) / (111320 * math.Cos(mid[1]*math.Pi/180))
		p := orb.Point{math.Round((mid[0]+dLon)*1e7) / 1e7, math.Round((mid[1]+dLat)*1e7) / 1e7}
		if d := gazetteer.DistanceToLine(p, line.Geometry); d > best {
			best, off = d, p
		}
	}
	if best < 15 || best > 21 {
		t.Fatalf("the off-line marker is %.2f m from its line, want about 20", best)
	}
	mk := boundaryMarkers{OnLine: "沙坪坝-001", Off: "沙坪坝-002", LineID: line.ID, OffDistanceM: best}
	for _, m := range []gazetteer.Marker{
		{Number: mk.OnLine, Kind: "double", LineID: line.ID, Level: line.Level, Point: on, SetOn: "2020-05-01", State: "intact"},
		{Number: mk.Off, Kind: "double", LineID: line.ID, Level: line.Level, Point: off, SetOn: "2020-05-01", State: "damaged"},
	} {
		if _, err := st.PutMarker(ctx, diming.Actor("test"), m); err != nil {
			t.Fatalf("put marker %s: %v", m.Number, err)
		}
	}

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	model := readmodel.NewHolder(st, log)
	if _, err := model.Refresh(ctx); err != nil {
		t.Fatalf("build read model: %v", err)
	}
	cfg := httpapi.DefaultConfig()
	cfg.StoreKind = "sqlite"
	srv := httptest.NewServer(httpapi.New(cfg, st, model, log, web.Handler()).Handler())
	t.Cleanup(srv.Close)
	return srv.URL, mk
}

// The boundaries page (/boundaries, web/e2e/boundaries.mjs) in headless
// Chromium: township polygons, the township lines and the two markers (one
// damaged, 20 m off its line) drawn as many as the API returns, the legend
// and the tables; the village level redraws; after logging in as a reviewer
// the topology check reports no problems on the demo data and the marker
// check lists only the off-line marker. No request leaves 127.0.0.1; no
// console errors.
func TestBoundariesPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is not short")
	}
	node := needBrowser(t)
	base, mk := startBoundariesService(t)

	for _, p := range []string{"/boundaries", "/boundaries.html", "/boundaries.js", "/boundaries.css"} {
		res, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d, want 200", p, res.StatusCode)
		}
	}

	rep, saw := runE2E(t, node, "boundaries.mjs", base, 3*time.Minute,
		"CONSOLE_PASSWORD="+consolePassword, "REVIEWER=jiexian", "MARKER_ON="+mk.OnLine, "MARKER_OFF="+mk.Off,
		"LINE_ID="+mk.LineID, fmt.Sprintf("OFF_DISTANCE=%.2f", mk.OffDistanceM))
	for _, p := range []string{"GET /boundaries", "GET /boundaries.js", "GET /boundaries.css", "GET /sketch.js",
		"GET /api/v1/divisions", "GET /api/v1/boundaries/lines", "GET /api/v1/boundaries/markers", "GET /api/v1/me",
		"GET /api/v1/boundaries/topology", "GET /api/v1/boundaries/markers/check"} {
		if !saw[p] {
			t.Errorf("the page never made the request %s", p)
		}
	}
	if len(rep.Screenshots) < 3 {
		t.Errorf("screenshots: %v, want at least 3", rep.Screenshots)
	}
}

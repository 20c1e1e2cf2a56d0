package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"diming/auth"
	"diming/coverage"
	"diming/httpapi"
	"diming/readmodel"
	"diming/store/sqlite"
	"diming/web"
)

// needMapLibre fails under CI=true, and otherwise skips loudly, when the
// binary under test was built without the MapLibre files (`make maplibre`
// copies them into web/vendor/maplibre; make test runs it first).
func needMapLibre(t *testing.T) {
	t.Helper()
	missing := web.MissingMapLibre()
	if len(missing) == 0 {
		return
	}
	msg := "MAP TEST NOT RUN: MapLibre GL JS is not bundled (missing " + strings.Join(missing, ", ") + "); run `make maplibre` (make test does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	fmt.Fprintln(os.Stderr, "!!! "+msg)
	t.Skip(msg)
}

// startMapService is startService with the coverage model as `diming serve`
// builds it (facilities, households, the walking network), which the
// facility and coverage layers of the map need.
func startMapService(t *testing.T) (base string, planner []string) {
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
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	model := readmodel.NewHolder(st, log)
	model.Coverage = st
	model.Graph = coverage.GraphOptions{JoinEndsToLines: true} // as cmd/diming serve
	if _, err := model.Refresh(ctx); err != nil {
		t.Fatalf("build read model: %v", err)
	}
	// A planner, for the reports the map links to (they are the planners').
	const name, password = "map.planner", "a long enough password"
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, "test", auth.User{Name: name, Role: auth.RolePlanner}, hash)
	if err != nil {
		t.Fatal(err)
	}
	secret, tokenHash, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateToken(ctx, "test", u.ID, tokenHash, "map test", nil); err != nil {
		t.Fatal(err)
	}
	cfg := httpapi.DefaultConfig()
	cfg.StoreKind = "sqlite"
	srv := httptest.NewServer(httpapi.New(cfg, st, model, log, web.Handler()).Handler())
	t.Cleanup(srv.Close)
	return srv.URL, []string{"PLANNER_NAME=" + name, "PLANNER_PASSWORD=" + password, "PLANNER_TOKEN=" + secret}
}

// The planners' map (/map, web/e2e/map.mjs) in headless Chromium on the
// demo data: MapLibre from this service, the map goes idle, vector tiles are
// requested and rendered (queryRenderedFeatures at the canvas centre finds
// the township GET /api/v1/reverse names, from the tiles), layer switches
// change what renders, the indicator selector recolours the villages and
// its popup explains the value, the township filter fits the map and keeps
// only that township's villages, the 2025 plan switch shows or hides the
// planned facilities and switches the coverage layers and the report links
// to include_planned=true (the map's values are the report's), the search
// box flies to a place and its Chinese labels render, the report and .xlsx
// links answer. No request
// leaves 127.0.0.1; screenshots go to $DIMING_SCREENSHOTS or
// $TMPDIR/diming-browser-screenshots (the path is logged).
func TestMapPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is not short")
	}
	needMapLibre(t)
	node := needBrowser(t)
	base, planner := startMapService(t)

	res, err := http.Get(base + "/tiles")
	if err != nil {
		t.Fatal(err)
	}
	var list []struct{ ID, TileJSON string }
	err = json.NewDecoder(res.Body).Decode(&list)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("GET /tiles: %d (%v), want 200 and the list of tile layers the map draws", res.StatusCode, err)
	}
	for _, p := range []string{"/map", "/map.js", "/map.css", "/vendor/maplibre/maplibre-gl.mjs", "/vendor/maplibre/maplibre-gl-worker.mjs", "/vendor/maplibre/maplibre-gl.css"} {
		res, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d, want 200", p, res.StatusCode)
		}
	}

	rep, saw := runE2E(t, node, "map.mjs", base, 5*time.Minute, planner...)
	for _, p := range []string{"/map", "/map.js", "/map.css", "/dom.js", "/vendor/maplibre/maplibre-gl.mjs", "/vendor/maplibre/maplibre-gl-worker.mjs",
		"/vendor/maplibre/maplibre-gl.css", "/tiles", "/tiles/divisions-township.json", "/tiles/coverage-villages.json",
		"/api/v1/divisions", "/api/v1/places/autocomplete", "/api/v1/places"} {
		if !saw["GET "+p] {
			t.Errorf("the page never requested %s", p)
		}
	}
	tiles := map[string]int{}
	planned := map[string]int{} // tiles of the include_planned=true variant
	for _, r := range rep.Requests {
		_, u, ok := strings.Cut(r, " ")
		path, query, _ := strings.Cut(u, "?")
		if ok && strings.Contains(path, "/tiles/") && strings.HasSuffix(path, ".mvt") {
			layer, _, _ := strings.Cut(path[strings.Index(path, "/tiles/")+len("/tiles/"):], "/")
			tiles[layer]++
			if query == "include_planned=true" {
				planned[layer]++
			}
		}
	}
	t.Logf("of which with include_planned=true: %v", planned)
	for _, l := range []string{"coverage-villages", "coverage-isochrones"} {
		if planned[l] == 0 {
			t.Errorf("the page requested no tile of %s with include_planned=true", l)
		}
	}
	for l := range planned {
		if l != "coverage-villages" && l != "coverage-isochrones" {
			t.Errorf("the page asked for %s tiles with include_planned=true", l)
		}
	}
	t.Logf("vector tiles requested by the page: %v", tiles)
	for _, l := range []string{"divisions-district", "divisions-township", "coverage-villages", "facilities", "places", "coverage-isochrones"} {
		if tiles[l] == 0 {
			t.Errorf("the page requested no tile of %s", l)
		}
	}
	if len(rep.Screenshots) < 6 {
		t.Errorf("screenshots: %v, want 6", rep.Screenshots)
	}
	for _, s := range rep.Screenshots {
		t.Logf("screenshot: %s", s)
	}
}

// /map without the MapLibre files (a plain `go build` without make) says
// so in Chinese and English instead of a broken page; with them it serves
// map.html, MapLibre with a JavaScript type and ETags, and nothing else of
// the vendor folder. The other pages are served as before.
func TestMapPageBundle(t *testing.T) {
	pages := fstest.MapFS{
		"map.html":   {Data: []byte("<!doctype html><title>map</title>")},
		"index.html": {Data: []byte("<!doctype html><title>lookup</title>")},
		"admin.html": {Data: []byte("<!doctype html><title>admin</title>")},
	}
	get := func(h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}

	t.Run("not bundled", func(t *testing.T) {
		h := web.NewHandler(pages, fstest.MapFS{"README.md": {Data: []byte("# vendor")}})
		w := get(h, "/map")
		body := w.Body.String()
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(body, "make") || !strings.Contains(body, "MapLibre") ||
			!strings.Contains(body, "规划地图") || !strings.Contains(body, "web/vendor/maplibre/maplibre-gl.mjs") {
			t.Errorf("GET /map without MapLibre: %d\n%s", w.Code, body)
		}
		if w := get(h, "/admin"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "admin") {
			t.Errorf("GET /admin: %d", w.Code)
		}
		if w := get(h, "/vendor/README.md"); w.Code != http.StatusNotFound {
			t.Errorf("GET /vendor/README.md: %d, want 404", w.Code)
		}
	})

	t.Run("bundled", func(t *testing.T) {
		vendor := fstest.MapFS{"README.md": {Data: []byte("# vendor")}}
		for _, f := range web.MapLibreFiles {
			vendor["maplibre/"+f] = &fstest.MapFile{Data: []byte("/* " + f + " */")}
		}
		h := web.NewHandler(pages, vendor)
		if w := get(h, "/map"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "<title>map</title>") {
			t.Errorf("GET /map: %d %q", w.Code, w.Body.String())
		}
		w := get(h, "/vendor/maplibre/maplibre-gl-worker.mjs")
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
			t.Fatalf("GET the worker: %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
		}
		tag := w.Header().Get("ETag")
		if tag == "" {
			t.Fatal("no ETag on the MapLibre files")
		}
		if w := get(h, "/vendor/maplibre/maplibre-gl-worker.mjs", "If-None-Match", tag); w.Code != http.StatusNotModified {
			t.Errorf("If-None-Match: %d, want 304", w.Code)
		}
		if w := get(h, "/", "If-None-Match", get(h, "/").Header().Get("ETag")); w.Code != http.StatusNotModified {
			t.Errorf("GET / with If-None-Match: %d, want 304", w.Code)
		}
		if w := get(h, "/vendor/maplibre/nope.js"); w.Code != http.StatusNotFound {
			t.Errorf("GET an unknown vendor file: %d, want 404", w.Code)
		}
	})

	t.Run("embedded pages", func(t *testing.T) {
		h := web.Handler()
		for _, p := range []string{"/", "/admin", "/boundaries", "/map.js", "/map.css", "/dom.js"} {
			if w := get(h, p); w.Code != http.StatusOK {
				t.Errorf("GET %s: %d, want 200", p, w.Code)
			}
		}
		want := http.StatusOK
		if len(web.MissingMapLibre()) > 0 {
			want = http.StatusServiceUnavailable
		}
		if w := get(h, "/map"); w.Code != want {
			t.Errorf("GET /map: %d, want %d (missing: %v)", w.Code, want, web.MissingMapLibre())
		}
	})
}

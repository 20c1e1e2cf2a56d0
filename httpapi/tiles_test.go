package httpapi_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"diming/auth"
	"diming/coverage"
	"diming/demo"
	"diming/geo"
	"diming/httpapi"
	"diming/internal/storetest"
	"diming/readmodel"
	"diming/store/sqlite"
	"diming/tiles"
)

// tileFixture is the service on the demo dataset (with coverage) on SQLite.
type tileFixture struct {
	srv    *httptest.Server
	store  *sqlite.Store
	model  *readmodel.Holder
	client *http.Client // no transparent gzip: the tests see what is sent
}

func newTileFixture(tb testing.TB, withCoverage bool) *tileFixture {
	tb.Helper()
	return newTileFixtureWith(tb, withCoverage, slog.New(slog.NewTextHandler(io.Discard, nil)), loadDemo)
}

func loadDemo(ctx context.Context, st *sqlite.Store) error {
	_, err := demo.Load(ctx, st)
	return err
}

func newTileFixtureWith(tb testing.TB, withCoverage bool, log *slog.Logger, load func(context.Context, *sqlite.Store) error) *tileFixture {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := load(ctx, st); err != nil {
		tb.Fatal(err)
	}
	model := readmodel.NewHolder(st, log)
	if withCoverage {
		model.Coverage = st
	}
	if _, err := model.Refresh(ctx); err != nil {
		tb.Fatal(err)
	}
	cfg := httpapi.DefaultConfig()
	cfg.StoreKind = "sqlite"
	srv := httptest.NewServer(httpapi.New(cfg, st, model, log, nil).Handler())
	tb.Cleanup(func() { srv.Close(); st.Close() })
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64}
	tb.Cleanup(tr.CloseIdleConnections)
	return &tileFixture{srv: srv, store: st, model: model, client: &http.Client{Transport: tr, Timeout: time.Minute}}
}

func (f *tileFixture) get(t testing.TB, path string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// centreTile is the tile of zoom z at the middle of the demo district.
func centreTile(z maptile.Zoom) maptile.Tile {
	return maptile.At(orb.Point{106.37, 29.62}, z)
}

func tilePath(layer string, t maptile.Tile) string {
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, t.Z, t.X, t.Y)
}

// decodeTile checks a tile body against the MVT rules and decodes it.
func decodeTile(t testing.TB, body []byte, layer string) map[uint64]map[string]any {
	t.Helper()
	out := map[uint64]map[string]any{}
	if len(body) == 0 {
		return out
	}
	if err := tiles.Validate(body, tiles.EncoderRules); err != nil {
		t.Fatalf("%s: %v", layer, err)
	}
	ls, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 1 || ls[0].Name != layer || ls[0].Version != 2 || ls[0].Extent != 4096 {
		t.Fatalf("layers %v", ls)
	}
	for _, f := range ls[0].Features {
		out[uint64(f.ID.(float64))] = f.Properties
	}
	return out
}

// TestTiles runs the tile routes' tests on one service with the demo
// dataset (loading it is most of the time they take); the last one changes
// a facility.
func TestTiles(t *testing.T) {
	f := newTileFixture(t, true)
	for _, tc := range []struct {
		name string
		test func(*testing.T, *tileFixture)
	}{
		{"layer list", testTileLayerList},
		{"TileJSON", testTileJSON},
		{"every layer", testTilesOfEveryLayer},
		{"gzip, ETag, caching", testTileGzipETagAndCaching},
		{"bad coordinates", testTileBadCoordinates},
		{"planned variant", testTilePlannedVariant},
		{"facility change", testTileFacilityChange},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, f) })
	}
}

func testTileLayerList(t *testing.T, f *tileFixture) {
	res, body := f.get(t, "/tiles", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var list []struct{ ID, Title, TileJSON string }
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range list {
		ids = append(ids, l.ID)
		if !strings.ContainsFunc(l.Title, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("%s: title %q is not Chinese", l.ID, l.Title)
		}
		if want := f.srv.URL + "/tiles/" + l.ID + ".json"; l.TileJSON != want {
			t.Errorf("%s: tilejson %q, want %q", l.ID, l.TileJSON, want)
		}
	}
	want := []string{"divisions-district", "divisions-township", "divisions-village", "boundary-lines", "markers",
		"places", "facilities", "coverage-villages", "coverage-isochrones"}
	if !slices.Equal(ids, want) {
		t.Fatalf("layers %v, want %v", ids, want)
	}
	// Forwarded headers from a peer that is not a trusted proxy (none is
	// configured here) are ignored; proxy_test.go covers trusted ones.
	_, body = f.get(t, "/tiles", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tiles.example.cn"})
	if !strings.Contains(string(body), `"`+f.srv.URL+`/tiles/places.json"`) {
		t.Errorf("forwarded headers from an untrusted peer were used: %s", body)
	}
}

func testTileJSON(t *testing.T, f *tileFixture) {
	m := f.model.Load()
	for _, l := range tiles.Layers() {
		t.Run(l.ID, func(t *testing.T) {
			res, body := f.get(t, "/tiles/"+l.ID+".json", nil)
			if res.StatusCode != 200 {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			var doc struct {
				TileJSON     string     `json:"tilejson"`
				Name         string     `json:"name"`
				Tiles        []string   `json:"tiles"`
				MinZoom      int        `json:"minzoom"`
				MaxZoom      int        `json:"maxzoom"`
				Bounds       [4]float64 `json:"bounds"`
				Center       [3]float64 `json:"center"`
				DataVersion  int64      `json:"data_version"`
				VectorLayers []struct {
					ID     string            `json:"id"`
					Fields map[string]string `json:"fields"`
				} `json:"vector_layers"`
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.TileJSON != "3.0.0" || doc.Name != l.Title || len(doc.Tiles) != 1 ||
				doc.Tiles[0] != f.srv.URL+"/tiles/"+l.ID+"/{z}/{x}/{y}.mvt" || doc.MinZoom != l.MinZoom || doc.MaxZoom != l.MaxZoom {
				t.Fatalf("tilejson %s", body)
			}
			if doc.DataVersion != l.Version(m) {
				t.Errorf("data_version %d, want %d", doc.DataVersion, l.Version(m))
			}
			// The demo's layers lie in and around Shapingba.
			b := doc.Bounds
			if b[0] < 106.1 || b[2] > 106.6 || b[1] < 29.4 || b[3] > 29.85 || b[0] >= b[2] || b[1] >= b[3] {
				t.Errorf("bounds %v", b)
			}
			if c := doc.Center; c[0] < b[0] || c[0] > b[2] || c[1] < b[1] || c[1] > b[3] || int(c[2]) < l.MinZoom || int(c[2]) > l.MaxZoom {
				t.Errorf("center %v", c)
			}
			if len(doc.VectorLayers) != 1 || doc.VectorLayers[0].ID != l.ID || len(doc.VectorLayers[0].Fields) != len(l.Fields) {
				t.Fatalf("vector_layers %s", body)
			}
			for _, fl := range l.Fields {
				if doc.VectorLayers[0].Fields[fl.Name] != fl.Type {
					t.Errorf("field %s: %q", fl.Name, doc.VectorLayers[0].Fields[fl.Name])
				}
			}
		})
	}
}

// testTilesOfEveryLayer fetches the z14 tile at the district's centre of
// every layer (z12 for the sparser point layers) and checks it: a valid MVT
// of version 2 with the layer's name, ids, and no property the TileJSON
// does not list.
func testTilesOfEveryLayer(t *testing.T, f *tileFixture) {
	for _, l := range tiles.Layers() {
		t.Run(l.ID, func(t *testing.T) {
			tl := centreTile(14)
			res, body := f.get(t, tilePath(l.ID, tl), nil)
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
				t.Fatalf("status %d, %s", res.StatusCode, res.Header.Get("Content-Type"))
			}
			feats := decodeTile(t, body, l.ID)
			if len(feats) == 0 && l.ID != "markers" { // the demo has no markers
				res, body = f.get(t, tilePath(l.ID, centreTile(12)), nil)
				if feats = decodeTile(t, body, l.ID); res.StatusCode != 200 || len(feats) == 0 {
					t.Fatalf("no features at z14 or z12")
				}
			}
			fields := map[string]bool{}
			for _, fl := range l.Fields {
				fields[fl.Name] = true
			}
			for id, props := range feats {
				for k := range props {
					if !fields[k] {
						t.Errorf("feature %d: property %q not in the layer's fields", id, k)
					}
				}
			}
		})
	}
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func testTileGzipETagAndCaching(t *testing.T, f *tileFixture) {
	path := tilePath("divisions-village", centreTile(14))
	plain, body := f.get(t, path, nil)
	if plain.StatusCode != 200 || plain.Header.Get("Content-Encoding") != "" || len(body) == 0 {
		t.Fatalf("status %d, encoding %q, %d bytes", plain.StatusCode, plain.Header.Get("Content-Encoding"), len(body))
	}
	etag := plain.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"divisions-village.v`) || plain.Header.Get("Cache-Control") != "public, no-cache" ||
		plain.Header.Get("Vary") != "Accept-Encoding" || plain.Header.Get("Content-Length") != fmt.Sprint(len(body)) {
		t.Fatalf("headers %v", plain.Header)
	}
	zipped, zbody := f.get(t, path, map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if zipped.Header.Get("Content-Encoding") != "gzip" || zipped.Header.Get("ETag") != tiles.GzipETag(etag) {
		t.Fatalf("gzip: encoding %q, etag %q", zipped.Header.Get("Content-Encoding"), zipped.Header.Get("ETag"))
	}
	if !bytes.Equal(gunzip(t, zbody), body) || len(zbody) >= len(body) {
		t.Fatalf("the gzip body (%d bytes) is not the tile (%d bytes) compressed", len(zbody), len(body))
	}
	// HEAD: the same headers, no body.
	req, _ := http.NewRequest("HEAD", f.srv.URL+path, nil)
	if res, err := f.client.Do(req); err != nil || res.StatusCode != 200 || res.Header.Get("ETag") != etag || res.ContentLength != int64(len(body)) {
		t.Errorf("HEAD: %v %v", err, res)
	} else {
		res.Body.Close()
	}
	if res, _ := f.get(t, path, map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got %q", res.Header.Get("Content-Encoding"))
	}
	// If-None-Match: either encoding's tag, weak or strong, in a list, or *.
	for _, inm := range []string{etag, tiles.GzipETag(etag), "W/" + etag, `"other", ` + etag, "*"} {
		res, b := f.get(t, path, map[string]string{"If-None-Match": inm})
		if res.StatusCode != 304 || len(b) != 0 || res.Header.Get("ETag") != etag || res.Header.Get("Cache-Control") == "" {
			t.Errorf("If-None-Match %s: status %d, %d bytes, etag %q", inm, res.StatusCode, len(b), res.Header.Get("ETag"))
		}
	}
	if res, _ := f.get(t, path, map[string]string{"If-None-Match": `"divisions-village.v1.0-0-0.r1"`}); res.StatusCode != 200 {
		t.Errorf("another tile's tag: status %d", res.StatusCode)
	}
	// A tile no feature reaches: 200, empty, still tagged.
	res, b := f.get(t, "/tiles/divisions-village/14/0/0.mvt", map[string]string{"Accept-Encoding": "gzip"})
	if res.StatusCode != 200 || len(b) != 0 || res.Header.Get("Content-Encoding") != "" || res.Header.Get("ETag") == "" ||
		res.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
		t.Errorf("empty tile: status %d, %d bytes, headers %v", res.StatusCode, len(b), res.Header)
	}
	// Deeper than the layer's maxzoom: rendered, at full detail.
	deep := centreTile(18)
	if res, b := f.get(t, tilePath("divisions-village", deep), nil); res.StatusCode != 200 || len(decodeTile(t, b, "divisions-village")) == 0 {
		t.Errorf("z18: status %d, %d bytes", res.StatusCode, len(b))
	}
}

func testTileBadCoordinates(t *testing.T, f *tileFixture) {
	cases := []struct {
		path   string
		status int
		code   string
	}{
		{"/tiles/places/19/0/0.mvt", 400, "invalid"},
		{"/tiles/places/99/0/0.mvt", 400, "invalid"},
		{"/tiles/places/2/4/0.mvt", 400, "invalid"},
		{"/tiles/places/2/0/4.mvt", 400, "invalid"},
		{"/tiles/places/0/1/0.mvt", 400, "invalid"},
		{"/tiles/places/-1/0/0.mvt", 400, "invalid"},
		{"/tiles/places/14/-3/0.mvt", 400, "invalid"},
		{"/tiles/places/a/0/0.mvt", 400, "invalid"},
		{"/tiles/places/14/x/0.mvt", 400, "invalid"},
		{"/tiles/places/14/0/1e3.mvt", 400, "invalid"},
		{"/tiles/places/14/0/0x10.mvt", 400, "invalid"},
		{"/tiles/places/1.5/0/0.mvt", 400, "invalid"},
		{"/tiles/places/14/999999999999/0.mvt", 400, "invalid"},
		{"/tiles/places/14/0/%20.mvt", 400, "invalid"},
		{"/tiles/places/14/13160/6781.mvt?v=1", 400, "invalid"},
		{"/tiles/nowhere/14/0/0.mvt", 404, "not_found"},
		{"/tiles/nowhere.json", 404, "not_found"},
		{"/tiles/places/14/0/0.pbf", 404, "not_found"},
		{"/tiles/places/14/0.mvt", 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			res, body := f.get(t, tc.path, nil)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			var e apiError
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("not a JSON error: %s", body)
			}
			hasHan := strings.ContainsFunc(e.Error.Message, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff })
			if e.Error.Code != tc.code || !hasHan || e.Error.MessageEN == "" {
				t.Fatalf("error %+v", e.Error)
			}
		})
	}
}

// testTilePlannedVariant: ?include_planned=true on the coverage layers.
// The village whose 15-minute eldercare share grows most with the plan
// (from GET /api/v1/coverage/eldercare with and without include_planned)
// is drawn with the report's values in each variant of its z14 tile (the
// lottery share and floor area too); the two tiles differ, their ETags
// differ and do not answer for each other; the variant's TileJSON points
// at the variant's tiles and both TileJSONs list both variants; the circle
// gains the planned facilities' isochrones. Bad values of the parameter,
// and the parameter on a layer without the variant, get a 400.
func testTilePlannedVariant(t *testing.T, f *tileFixture) {
	type village struct {
		Code       string
		Households struct{ Share float64 }
		Aged60     struct{ Share float64 } `json:"aged_60"`
		Facilities int
	}
	// The reports are the planners'.
	hash, err := auth.HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.store.CreateUser(context.Background(), "test", auth.User{Name: "tile.planner", Role: auth.RolePlanner}, hash)
	if err != nil {
		t.Fatal(err)
	}
	secret, hash, _ := auth.NewSecret(auth.TokenPrefix)
	if _, err := f.store.CreateToken(context.Background(), "test", u.ID, hash, "", nil); err != nil {
		t.Fatal(err)
	}
	report := func(path string, out any) {
		t.Helper()
		res, body := f.get(t, path, map[string]string{"Authorization": "Bearer " + secret})
		if res.StatusCode != 200 || json.Unmarshal(body, out) != nil {
			t.Fatalf("GET %s: %d %.300s", path, res.StatusCode, body)
		}
	}
	var open, plan struct{ Villages []village }
	report("/api/v1/coverage/eldercare?uncovered_limit=0", &open)
	report("/api/v1/coverage/eldercare?uncovered_limit=0&include_planned=true", &plan)
	before := map[string]village{}
	for _, v := range open.Villages {
		before[v.Code] = v
	}
	var best village
	gain := 0.0
	for _, v := range plan.Villages {
		if g := v.Households.Share - before[v.Code].Households.Share; g > gain {
			best, gain = v, g
		}
	}
	if best.Code == "" {
		t.Fatal("the reports say no village-level unit gains from the planned facilities")
	}
	var lottery struct {
		Villages []struct {
			Code       string
			Households struct{ Share float64 }
		}
	}
	report("/api/v1/coverage/lottery?include_planned=true", &lottery)
	var area struct {
		Villages []struct {
			Code       string
			PerHundred *float64 `json:"per_100_households"`
		}
	}
	report("/api/v1/coverage/facility-area?include_planned=true", &area)

	d, err := f.model.Load().Divisions.Division(best.Code)
	if err != nil {
		t.Fatal(err)
	}
	tl := maptile.At(geo.LabelPoint(d.Geometry), 14)
	id, _ := strconv.ParseUint(best.Code, 10, 64)
	path := tilePath("coverage-villages", tl)
	resOpen, bodyOpen := f.get(t, path, nil)
	resPlan, bodyPlan := f.get(t, path+"?include_planned=true", nil)
	if resOpen.StatusCode != 200 || resPlan.StatusCode != 200 {
		t.Fatalf("status %d and %d", resOpen.StatusCode, resPlan.StatusCode)
	}
	if bytes.Equal(bodyOpen, bodyPlan) {
		t.Fatal("the tile with include_planned=true is the tile without")
	}
	pOpen, pPlan := decodeTile(t, bodyOpen, "coverage-villages")[id], decodeTile(t, bodyPlan, "coverage-villages")[id]
	if pOpen["eldercare_share"] != before[best.Code].Households.Share || pOpen["eldercare_facilities"] != float64(before[best.Code].Facilities) {
		t.Errorf("%s without the plan: tile %v, report %+v", best.Code, pOpen, before[best.Code])
	}
	if pPlan["eldercare_share"] != best.Households.Share || pPlan["aged_60_share"] != best.Aged60.Share || pPlan["eldercare_facilities"] != float64(best.Facilities) {
		t.Errorf("%s with the plan: tile %v, report with include_planned=true %+v", best.Code, pPlan, best)
	}
	for _, v := range lottery.Villages {
		if v.Code == best.Code && pPlan["lottery_share"] != v.Households.Share {
			t.Errorf("%s: lottery_share %v, the report with include_planned=true %v", v.Code, pPlan["lottery_share"], v.Households.Share)
		}
	}
	for _, v := range area.Villages {
		if v.Code == best.Code && v.PerHundred != nil && pPlan["area_per_100"] != *v.PerHundred {
			t.Errorf("%s: area_per_100 %v, the report with include_planned=true %v", v.Code, pPlan["area_per_100"], *v.PerHundred)
		}
	}
	t.Logf("%s: households within 15 minutes %.4f → %.4f with the plan", best.Code, pOpen["eldercare_share"], pPlan["eldercare_share"])

	// ETags: one per variant; each revalidates only its own tile.
	etagOpen, etagPlan := resOpen.Header.Get("ETag"), resPlan.Header.Get("ETag")
	if etagOpen == etagPlan || !strings.HasPrefix(etagPlan, `"coverage-villages+planned.v`) || !strings.HasPrefix(etagOpen, `"coverage-villages.v`) {
		t.Errorf("ETags %s and %s", etagOpen, etagPlan)
	}
	if res, _ := f.get(t, path+"?include_planned=true", map[string]string{"If-None-Match": etagOpen}); res.StatusCode != 200 {
		t.Errorf("the plain tile's ETag revalidates the planned one: %d", res.StatusCode)
	}
	if res, _ := f.get(t, path, map[string]string{"If-None-Match": etagPlan}); res.StatusCode != 200 {
		t.Errorf("the planned tile's ETag revalidates the plain one: %d", res.StatusCode)
	}
	if res, _ := f.get(t, path+"?include_planned=true", map[string]string{"If-None-Match": etagPlan}); res.StatusCode != 304 || res.Header.Get("ETag") != etagPlan {
		t.Errorf("If-None-Match with its own ETag: %d %s", res.StatusCode, res.Header.Get("ETag"))
	}
	if res, b := f.get(t, path+"?include_planned=false", nil); res.StatusCode != 200 || res.Header.Get("ETag") != etagOpen || !bytes.Equal(b, bodyOpen) {
		t.Errorf("include_planned=false: %d %s", res.StatusCode, res.Header.Get("ETag"))
	}

	// The circle gains the planned facilities.
	statuses := func(body []byte) map[string]int {
		out := map[string]int{}
		for _, p := range decodeTile(t, body, "coverage-isochrones") {
			out[p["status"].(string)]++
		}
		return out
	}
	isoPath := tilePath("coverage-isochrones", centreTile(12))
	_, isoOpen := f.get(t, isoPath, nil)
	_, isoPlan := f.get(t, isoPath+"?include_planned=true", nil)
	so, sp := statuses(isoOpen), statuses(isoPlan)
	if so[coverage.StatusPlanned] != 0 || sp[coverage.StatusPlanned] == 0 || sp[coverage.StatusOpen] != so[coverage.StatusOpen] || so[coverage.StatusOpen] == 0 {
		t.Errorf("isochrones in a z12 tile: %v without the plan, %v with it", so, sp)
	}

	// TileJSON.
	type variant struct {
		IncludePlanned bool `json:"include_planned"`
		Name, TileJSON string
		Tiles          []string
	}
	type doc struct {
		Name           string
		Tiles          []string
		IncludePlanned *bool `json:"include_planned"`
		Variants       []variant
		DataVersion    int64 `json:"data_version"`
	}
	base := f.srv.URL + "/tiles/coverage-villages"
	var plain, planned doc
	report("/tiles/coverage-villages.json", &plain)
	report("/tiles/coverage-villages.json?include_planned=true", &planned)
	if len(plain.Tiles) != 1 || plain.Tiles[0] != base+"/{z}/{x}/{y}.mvt" || plain.IncludePlanned == nil || *plain.IncludePlanned {
		t.Errorf("TileJSON: %+v", plain)
	}
	if len(planned.Tiles) != 1 || planned.Tiles[0] != base+"/{z}/{x}/{y}.mvt?include_planned=true" || planned.IncludePlanned == nil ||
		!*planned.IncludePlanned || !strings.Contains(planned.Name, "规划") || planned.DataVersion != plain.DataVersion {
		t.Errorf("TileJSON with include_planned=true: %+v", planned)
	}
	for _, d := range []doc{plain, planned} {
		if len(d.Variants) != 2 || d.Variants[0].IncludePlanned || d.Variants[0].Tiles[0] != plain.Tiles[0] || d.Variants[0].TileJSON != base+".json" ||
			!d.Variants[1].IncludePlanned || d.Variants[1].Tiles[0] != planned.Tiles[0] || d.Variants[1].TileJSON != base+".json?include_planned=true" {
			t.Errorf("variants %+v", d.Variants)
		}
	}
	var places map[string]any
	report("/tiles/places.json", &places)
	if _, ok := places["variants"]; ok {
		t.Errorf("the places TileJSON lists variants: %v", places["variants"])
	}

	// Bad values, and the variant where there is none.
	for _, p := range []string{path + "?include_planned=2025", path + "?include_planned=yes", path + "?include_planned=true&include_planned=false",
		path + "?plan=2025", tilePath("places", tl) + "?include_planned=true", tilePath("facilities", tl) + "?include_planned=1",
		"/tiles/coverage-isochrones.json?include_planned=maybe", "/tiles/places.json?include_planned=true"} {
		res, body := f.get(t, p, nil)
		var e apiError
		if res.StatusCode != 400 || json.Unmarshal(body, &e) != nil || e.Error.Code != "invalid" || e.Error.MessageEN == "" ||
			!strings.ContainsFunc(e.Error.Message, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) ||
			!strings.Contains(e.Error.Message+e.Error.MessageEN, "include_planned") && !strings.Contains(e.Error.MessageEN, "plan") {
			t.Errorf("GET %s: %d %s", p, res.StatusCode, body)
		}
	}
	if res, body := f.get(t, tilePath("places", tl)+"?include_planned=false", nil); res.StatusCode != 200 {
		t.Errorf("include_planned=false on places: %d %s", res.StatusCode, body)
	}
}

// testTileFacilityChange: a facility edited through the store (and the read
// model refreshed, as after any committed change) shows in the next tile
// fetched, with a new ETag, and so does the coverage built from it; the
// division tiles keep their ETags and still answer 304.
func testTileFacilityChange(t *testing.T, f *tileFixture) {
	ctx := context.Background()
	m := f.model.Load()
	var fac coverage.PlacedFacility
	for _, pf := range m.Coverage.Facilities() {
		if pf.Category == coverage.CommunityEldercareStation && pf.Status == coverage.StatusOpen {
			fac = pf
			break
		}
	}
	if fac.ID == 0 {
		t.Fatal("no open community eldercare station in the demo")
	}
	tl := maptile.At(fac.Point, 14)
	paths := map[string]string{}
	etags := map[string]string{}
	for _, layer := range []string{"facilities", "divisions-village", "divisions-township", "places", "coverage-villages"} {
		paths[layer] = tilePath(layer, tl)
		res, body := f.get(t, paths[layer], nil)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", layer, res.StatusCode, body)
		}
		etags[layer] = res.Header.Get("ETag")
		if layer == "facilities" {
			if got := decodeTile(t, body, layer)[uint64(fac.ID)]["name"]; got != fac.Name {
				t.Fatalf("facility %d is %v in its tile, want %q", fac.ID, got, fac.Name)
			}
		}
	}

	// Rename it and close it.
	changed := fac.Facility
	changed.Name = fac.Name + "（迁建）"
	changed.Status = coverage.StatusClosed
	if _, err := f.store.PutFacility(ctx, "test", changed); err != nil {
		t.Fatal(err)
	}
	if _, err := f.model.Refresh(ctx); err != nil {
		t.Fatal(err)
	}

	res, body := f.get(t, paths["facilities"], nil)
	props := decodeTile(t, body, "facilities")[uint64(fac.ID)]
	if res.StatusCode != 200 || props["name"] != changed.Name || props["status"] != coverage.StatusClosed {
		t.Fatalf("after the change the tile says %v (status %d)", props, res.StatusCode)
	}
	if res.Header.Get("ETag") == etags["facilities"] {
		t.Errorf("facilities tile kept its ETag %s", etags["facilities"])
	}
	if res, _ := f.get(t, paths["facilities"], map[string]string{"If-None-Match": etags["facilities"]}); res.StatusCode != 200 {
		t.Errorf("the old facilities ETag still gets %d", res.StatusCode)
	}
	if res, _ := f.get(t, paths["coverage-villages"], map[string]string{"If-None-Match": etags["coverage-villages"]}); res.StatusCode != 200 {
		t.Errorf("the coverage tile was not invalidated (status %d)", res.StatusCode)
	}
	for _, layer := range []string{"divisions-village", "divisions-township", "places"} {
		res, body := f.get(t, paths[layer], map[string]string{"If-None-Match": etags[layer]})
		if res.StatusCode != 304 || res.Header.Get("ETag") != etags[layer] {
			t.Errorf("%s: status %d, ETag %q, was %q: %s", layer, res.StatusCode, res.Header.Get("ETag"), etags[layer], body)
		}
	}
}

// TestTilesWithoutCoverage: with no coverage store the coverage and facility
// layers are empty, not errors (the store holds a facility all the same).
func TestTilesWithoutCoverage(t *testing.T) {
	f := newTileFixtureWith(t, false, slog.New(slog.NewTextHandler(io.Discard, nil)), func(ctx context.Context, st *sqlite.Store) error {
		if err := st.PutDivisions(ctx, "test", storetest.Fixtures()); err != nil {
			return err
		}
		_, err := st.PutFacility(ctx, "test", coverage.Facility{Name: "龙泉路社区养老服务站", Category: coverage.CommunityEldercareStation,
			Point: orb.Point{106.35, 29.55}, Status: coverage.StatusOpen})
		return err
	})
	tl := maptile.At(orb.Point{106.35, 29.55}, 14)
	for _, layer := range []string{"facilities", "coverage-villages", "coverage-isochrones"} {
		res, body := f.get(t, tilePath(layer, tl), nil)
		if res.StatusCode != 200 || len(body) != 0 {
			t.Errorf("%s tile: status %d, %d bytes", layer, res.StatusCode, len(body))
		}
		if res, body := f.get(t, "/tiles/"+layer+".json", nil); res.StatusCode != 200 {
			t.Errorf("%s TileJSON: %d %s", layer, res.StatusCode, body)
		}
	}
	if res, body := f.get(t, tilePath("divisions-village", tl), nil); res.StatusCode != 200 || len(decodeTile(t, body, "divisions-village")) == 0 {
		t.Errorf("divisions tile: status %d, %d bytes", res.StatusCode, len(body))
	}
}

// BenchmarkTileHTTPCached measures cached tiles over HTTP on loopback, the
// way wrk does: 64 concurrent keep-alive connections (b.RunParallel, so
// bounded by -benchtime), each writing a GET with Accept-Encoding: gzip and
// reading the response (status line, headers, Content-Length body) with a
// minimal parser, for 320 tiles of five layers already in the cache. The
// server is the whole service handler (request ids, metrics, routing,
// ETag, cache) with request log lines below its level, as a tile server
// would run. It reports requests a second, the 99th-percentile latency and
// the errors (a failed exchange or any status but 200), and fails on any
// error.
func BenchmarkTileHTTPCached(b *testing.B) {
	f := newTileFixtureWith(b, true, slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})), loadDemo)
	var paths []string
	c := centreTile(14)
	for _, layer := range []string{"divisions-village", "facilities", "places", "coverage-villages", "boundary-lines"} {
		for dx := uint32(0); dx < 8; dx++ {
			for dy := uint32(0); dy < 8; dy++ {
				paths = append(paths, tilePath(layer, maptile.New(c.X-4+dx, c.Y-4+dy, 14)))
			}
		}
	}
	host := strings.TrimPrefix(f.srv.URL, "http://")
	requests := make([][]byte, len(paths))
	for i, p := range paths {
		requests[i] = []byte("GET " + p + " HTTP/1.1\r\nHost: " + host + "\r\nAccept-Encoding: gzip\r\nUser-Agent: diming-bench\r\n\r\n")
		res, err := f.client.Get(f.srv.URL + p) // warm the cache
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		firstErr  error
	)
	const clients = 64
	b.SetParallelism(clients / runtime.GOMAXPROCS(0))
	cpu0 := cpuTime(b)
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		bad := 0
		var last error
		conn, err := net.Dial("tcp", host)
		if err != nil {
			mu.Lock()
			errs++
			firstErr = err
			mu.Unlock()
			for pb.Next() {
			}
			return
		}
		defer conn.Close()
		br := bufio.NewReaderSize(conn, 64<<10)
		body := make([]byte, 0, 64<<10)
		i := rand.IntN(len(requests))
		for pb.Next() {
			i = (i + 7) % len(requests)
			t0 := time.Now()
			if _, err := conn.Write(requests[i]); err != nil {
				bad, last = bad+1, err
				break
			}
			status, err := readResponse(br, &body)
			if err != nil {
				bad, last = bad+1, err
				break
			}
			mine = append(mine, time.Since(t0))
			if status != 200 {
				bad, last = bad+1, fmt.Errorf("status %d for %s", status, paths[i])
			}
		}
		for pb.Next() { // after a broken connection, count the rest as failed
			bad++
		}
		mu.Lock()
		latencies = append(latencies, mine...)
		errs += bad
		if last != nil && firstErr == nil {
			firstErr = last
		}
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cpuTime(b) - cpu0
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	if len(latencies) > 0 {
		b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds()), "p99-µs")
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	// The machine is shared: req/s depends on what else runs. The CPU time
	// the process (server and load generator together) spent per request
	// does not, and says what two cores of our own would sustain.
	perReq := cpu.Seconds() / float64(b.N)
	b.ReportMetric(perReq*1e6, "cpu-µs/req")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0))/perReq, "req/s-if-2-cores-free")
	b.ReportMetric(float64(errs), "errors")
	if errs > 0 {
		b.Errorf("%d of %d requests failed; first: %v", errs, b.N, firstErr)
	}
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// readResponse reads one HTTP/1.1 response with a Content-Length body and
// returns its status.
func readResponse(br *bufio.Reader, body *[]byte) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length := -1
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) <= 2 {
			break
		}
		if len(line) > 16 && bytes.EqualFold(line[:15], []byte("Content-Length:")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(line[15:]))); err != nil {
				return 0, fmt.Errorf("bad Content-Length %q", line)
			}
		}
	}
	if length < 0 {
		return 0, fmt.Errorf("no Content-Length (status %d)", status)
	}
	if cap(*body) < length {
		*body = make([]byte, length)
	}
	_, err = io.ReadFull(br, (*body)[:length])
	return status, err
}

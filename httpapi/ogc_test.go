package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"diming/demo"
	"diming/gazetteer"
	"diming/httpapi"
	"diming/readmodel"
	"diming/store/sqlite"
)

// ogcCollectionIDs are the collections /ogc must list, in order.
var ogcCollectionIDs = []string{"divisions-district", "divisions-township", "divisions-village",
	"boundary-lines-township", "boundary-lines-village", "markers", "places", "facilities"}

// newDemoFixture serves the whole demo dataset (divisions, places,
// facilities) plus a few boundary markers, and dates on two place names.
func newDemoFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	lines := gazetteer.DeriveBoundaryLines(ds, gazetteer.LevelTownship)
	states := []string{"intact", "damaged", "missing", "intact"}
	for i := 0; i < 12; i++ {
		l := lines[i*7%len(lines)]
		mk := gazetteer.Marker{Number: fmt.Sprintf("沙坪坝-%03d", i+1), Kind: "double", State: states[i%len(states)],
			LineID: l.ID, Level: l.Level, Point: l.Geometry[0][len(l.Geometry[0])/2]}
		if i%3 != 0 {
			mk.SetOn = fmt.Sprintf("%d-0%d-15", 2010+i, 1+i%9)
		}
		if _, err := st.PutMarker(ctx, "test", mk); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := st.Places(ctx, gazetteer.PlaceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ps[10].NamedOn = "2001-06-01"
	ps[11].NamedOn, ps[11].CancelledOn = "1990-01-01", "2015-03-01"
	if _, err := st.PutPlaces(ctx, "test", "测试日期", ps[10:12]); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	model := readmodel.NewHolder(st, log)
	model.Coverage = st
	if _, err := model.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := httpapi.DefaultConfig()
	cfg.StoreKind = "sqlite"
	srv := httptest.NewServer(httpapi.New(cfg, st, model, log, nil).Handler())
	t.Cleanup(func() { srv.Close(); st.Close() })
	return &fixture{srv: srv, store: st, model: model}
}

type ogcLink struct {
	Href, Rel, Type, Title string
}

// items is an /items answer.
type items struct {
	geojson.FeatureCollection
	NumberMatched  int       `json:"numberMatched"`
	NumberReturned int       `json:"numberReturned"`
	TimeStamp      string    `json:"timeStamp"`
	Links          []ogcLink `json:"links"`
}

func (it *items) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &it.FeatureCollection); err != nil {
		return err
	}
	var meta struct {
		NumberMatched, NumberReturned *int
		TimeStamp                     string
		Links                         []ogcLink
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return err
	}
	if meta.NumberMatched == nil || meta.NumberReturned == nil {
		return fmt.Errorf("numberMatched or numberReturned missing")
	}
	it.NumberMatched, it.NumberReturned, it.TimeStamp, it.Links = *meta.NumberMatched, *meta.NumberReturned, meta.TimeStamp, meta.Links
	return nil
}

func link(links []ogcLink, rel string) *ogcLink {
	for i := range links {
		if links[i].Rel == rel {
			return &links[i]
		}
	}
	return nil
}

// getJSON fetches a path or absolute URL, wants 200 and decodes into v.
func (f *fixture) getJSON(t *testing.T, path string, v any) *http.Response {
	t.Helper()
	path = strings.TrimPrefix(path, f.srv.URL)
	res, body := f.do(t, "GET", path, nil)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v\n%.300s", path, err, body)
	}
	return res
}

// all fetches every feature of a collection in one page.
func (f *fixture) all(t *testing.T, id string) *items {
	t.Helper()
	var it items
	f.getJSON(t, "/ogc/collections/"+id+"/items?limit=10000", &it)
	if it.NumberReturned != it.NumberMatched || len(it.Features) != it.NumberMatched {
		t.Fatalf("%s: numberReturned %d, numberMatched %d, %d features", id, it.NumberReturned, it.NumberMatched, len(it.Features))
	}
	return &it
}

func fid(ft *geojson.Feature) string { return fmt.Sprint(ft.ID) }

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

func TestOGC(t *testing.T) {
	f := newDemoFixture(t)
	t.Run("landing", func(t *testing.T) { testOGCLanding(t, f) })
	t.Run("conformance", func(t *testing.T) { testOGCConformance(t, f) })
	t.Run("openapi", func(t *testing.T) { testOGCOpenAPI(t, f) })
	t.Run("collections", func(t *testing.T) { testOGCCollections(t, f) })
	t.Run("paging", func(t *testing.T) { testOGCPaging(t, f) })
	t.Run("bbox", func(t *testing.T) { testOGCBBox(t, f) })
	t.Run("item", func(t *testing.T) { testOGCItem(t, f) })
	t.Run("filters", func(t *testing.T) { testOGCFilters(t, f) })
	t.Run("datetime", func(t *testing.T) { testOGCDatetime(t, f) })
	t.Run("schema", func(t *testing.T) { testOGCSchema(t, f) })
	t.Run("negotiation", func(t *testing.T) { testOGCNegotiation(t, f) })
	t.Run("bad requests", func(t *testing.T) { testOGCBadRequests(t, f) })
	t.Run("builders", func(t *testing.T) { testOGCSameAsAPI(t, f) })
}

func testOGCLanding(t *testing.T, f *fixture) {
	var lp struct {
		Title, Description string
		Links              []ogcLink
	}
	for _, path := range []string{"/ogc", "/ogc/", "/ogc?f=json"} {
		res := f.getJSON(t, path, &lp)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
	}
	if lp.Title != "沙坪坝区地名与公共服务设施" {
		t.Errorf("title %q", lp.Title)
	}
	want := map[string]string{"self": "application/json", "service-desc": "application/vnd.oai.openapi+json;version=3.0",
		"conformance": "application/json", "data": "application/json"}
	for rel, typ := range want {
		l := link(lp.Links, rel)
		if l == nil || l.Type != typ || !strings.HasPrefix(l.Href, f.srv.URL+"/ogc") {
			t.Errorf("link %s: %+v", rel, l)
			continue
		}
		// Every link leads somewhere that answers in its type.
		res, body := f.do(t, "GET", strings.TrimPrefix(l.Href, f.srv.URL), nil)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != typ && !strings.HasPrefix(res.Header.Get("Content-Type"), typ+";") {
			t.Errorf("%s → %d %s: %.200s", l.Href, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
}

func testOGCConformance(t *testing.T, f *fixture) {
	var c struct{ ConformsTo []string }
	f.getJSON(t, "/ogc/conformance", &c)
	want := []string{
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	}
	if got := slices.Sorted(slices.Values(c.ConformsTo)); !slices.Equal(got, want) {
		t.Errorf("conformsTo %v, want %v", got, want)
	}
}

func testOGCOpenAPI(t *testing.T, f *fixture) {
	res, body := f.do(t, "GET", "/ogc/api", nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/vnd.oai.openapi+json;version=3.0" {
		t.Fatalf("/ogc/api: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi %q", v)
	}
	servers, _ := doc["servers"].([]any)
	if len(servers) != 1 || servers[0].(map[string]any)["url"] != f.srv.URL+"/ogc" {
		t.Errorf("servers %v", servers)
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range []string{"/", "/api", "/conformance", "/collections", "/collections/{collectionId}",
		"/collections/{collectionId}/items", "/collections/{collectionId}/items/{featureId}",
		"/collections/{collectionId}/queryables", "/collections/{collectionId}/schema"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("path %s missing", p)
		}
	}
	// Each collection's items path lists its queryables (GDAL sends
	// attribute filters for these).
	for _, id := range ogcCollectionIDs {
		var q struct{ Properties map[string]any }
		f.getJSON(t, "/ogc/collections/"+id+"/queryables", &q)
		op, _ := paths["/collections/"+id+"/items"].(map[string]any)
		if op == nil {
			t.Errorf("no path for %s items", id)
			continue
		}
		names := map[string]bool{}
		for _, p := range op["get"].(map[string]any)["parameters"].([]any) {
			if n, ok := p.(map[string]any)["name"].(string); ok {
				names[n] = true
			}
		}
		for name := range q.Properties {
			if !names[name] {
				t.Errorf("%s: queryable %s not in the OpenAPI parameters", id, name)
			}
		}
	}
	// Every $ref resolves.
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				var cur any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := cur.(map[string]any)
					cur = m[part]
				}
				if cur == nil {
					t.Errorf("unresolved $ref %s", ref)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
}

type collectionDoc struct {
	ID, Title, Description, ItemType string
	CRS                              []string
	Extent                           struct {
		Spatial struct {
			BBox [][]float64
			CRS  string
		}
		Temporal *struct {
			Interval [][]*string
			TRS      string
		}
	}
	Links []ogcLink
}

func testOGCCollections(t *testing.T, f *fixture) {
	var cs struct {
		Links       []ogcLink
		Collections []collectionDoc
	}
	f.getJSON(t, "/ogc/collections", &cs)
	var ids []string
	for _, c := range cs.Collections {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, ogcCollectionIDs) {
		t.Fatalf("collections %v, want %v", ids, ogcCollectionIDs)
	}
	if l := link(cs.Links, "self"); l == nil {
		t.Error("no self link")
	}
	for _, c := range cs.Collections {
		if !hasHan(c.Title) || c.ItemType != "feature" || !slices.Contains(c.CRS, "http://www.opengis.net/def/crs/OGC/1.3/CRS84") {
			t.Errorf("%s: title %q, itemType %q, crs %v", c.ID, c.Title, c.ItemType, c.CRS)
		}
		itemsLink := link(c.Links, "items")
		if itemsLink == nil || itemsLink.Type != "application/geo+json" || link(c.Links, "self") == nil {
			t.Errorf("%s: links %+v", c.ID, c.Links)
		}
		// The extent is the union of the features' boxes.
		all := f.all(t, c.ID)
		var b orb.Bound
		for i, ft := range all.Features {
			if i == 0 {
				b = ft.Geometry.Bound()
			} else {
				b = b.Union(ft.Geometry.Bound())
			}
		}
		if len(c.Extent.Spatial.BBox) != 1 || !slices.Equal(c.Extent.Spatial.BBox[0], []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}) ||
			c.Extent.Spatial.CRS != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
			t.Errorf("%s: extent %v, features span %v", c.ID, c.Extent.Spatial, b)
		}
		if b.Min[0] < 106.2 || b.Max[0] > 106.6 || b.Min[1] < 29.4 || b.Max[1] > 29.8 {
			t.Errorf("%s: features outside Shapingba (lon/lat order?): %v", c.ID, b)
		}
		// The same description alone, and through the items link.
		var one collectionDoc
		f.getJSON(t, "/ogc/collections/"+c.ID, &one)
		if one.ID != c.ID || one.Title != c.Title || !slices.Equal(one.Extent.Spatial.BBox[0], c.Extent.Spatial.BBox[0]) {
			t.Errorf("/collections/%s differs from the list: %+v", c.ID, one)
		}
		if itemsLink != nil {
			var it items
			f.getJSON(t, itemsLink.Href, &it)
		}
	}
	res, body := f.do(t, "GET", "/ogc/collections/streets", nil)
	wantError(t, res, body, 404, "not_found")
}

func wantError(t *testing.T, res *http.Response, body []byte, status int, code string) {
	t.Helper()
	var e apiError
	if res.StatusCode != status || json.Unmarshal(body, &e) != nil || e.Error.Code != code || !hasHan(e.Error.Message) || e.Error.MessageEN == "" {
		t.Errorf("%s: %d %s, want %d with a %s error in Chinese and English", res.Request.URL, res.StatusCode, body, status, code)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: error Content-Type %q", res.Request.URL, ct)
	}
}

// pages follows next links from path and returns the features and the
// pages' numberMatched.
func (f *fixture) pages(t *testing.T, path string) ([]*geojson.Feature, int) {
	t.Helper()
	var out []*geojson.Feature
	matched := -1
	for n := 0; path != ""; n++ {
		if n > 2000 {
			t.Fatal("too many pages")
		}
		var it items
		f.getJSON(t, path, &it)
		if matched >= 0 && it.NumberMatched != matched {
			t.Fatalf("numberMatched changed from %d to %d", matched, it.NumberMatched)
		}
		matched = it.NumberMatched
		if it.NumberReturned != len(it.Features) {
			t.Fatalf("%s: numberReturned %d, %d features", path, it.NumberReturned, len(it.Features))
		}
		if it.TimeStamp == "" || link(it.Links, "self") == nil {
			t.Fatalf("%s: timeStamp %q, links %v", path, it.TimeStamp, it.Links)
		}
		if (n > 0) != (link(it.Links, "prev") != nil) {
			t.Errorf("%s: page %d, prev link %v", path, n, link(it.Links, "prev"))
		}
		out = append(out, it.Features...)
		path = ""
		if next := link(it.Links, "next"); next != nil {
			if len(it.Features) == 0 {
				t.Fatalf("%s: an empty page with a next link", path)
			}
			path = next.Href
		}
	}
	return out, matched
}

func testOGCPaging(t *testing.T, f *fixture) {
	for _, tc := range []struct {
		id, query string
	}{
		{"divisions-township", "limit=7"},
		{"divisions-village", "limit=33"},
		{"boundary-lines-township", "limit=10"},
		{"markers", "limit=5"},
		{"places", "limit=100"},
		{"facilities", "limit=250&category=lottery_outlet"},
		{"places", "limit=9&bbox=106.40,29.52,106.46,29.58"},
		{"facilities", ""}, // the default page of 100
	} {
		t.Run(tc.id+"?"+tc.query, func(t *testing.T) {
			got, matched := f.pages(t, "/ogc/collections/"+tc.id+"/items?"+tc.query)
			if len(got) != matched {
				t.Errorf("pages returned %d features, numberMatched %d", len(got), matched)
			}
			seen := map[string]bool{}
			for _, ft := range got {
				if seen[fid(ft)] {
					t.Errorf("feature %s twice", fid(ft))
				}
				seen[fid(ft)] = true
			}
			// The same features as one big page.
			q, _ := url.ParseQuery(tc.query)
			q.Set("limit", "10000")
			var one items
			f.getJSON(t, "/ogc/collections/"+tc.id+"/items?"+q.Encode(), &one)
			var want []string
			for _, ft := range one.Features {
				want = append(want, fid(ft))
			}
			var ids []string
			for _, ft := range got {
				ids = append(ids, fid(ft))
			}
			if !slices.Equal(ids, want) || matched == 0 {
				t.Errorf("paged ids %d, one page %d (matched %d)", len(ids), len(want), matched)
			}
		})
	}
	// Past the end: an empty page with a prev link and no next.
	var it items
	f.getJSON(t, "/ogc/collections/divisions-township/items?offset=500&limit=10", &it)
	if it.NumberMatched != 26 || it.NumberReturned != 0 || link(it.Links, "next") != nil || link(it.Links, "prev") == nil {
		t.Errorf("past the end: %d/%d, links %v", it.NumberReturned, it.NumberMatched, it.Links)
	}
	// A limit above the maximum is served with the maximum.
	f.getJSON(t, "/ogc/collections/facilities/items?limit=20000", &it)
	if it.NumberReturned != it.NumberMatched || !strings.Contains(link(it.Links, "self").Href, "limit=10000") {
		t.Errorf("limit=20000: %d of %d, self %v", it.NumberReturned, it.NumberMatched, link(it.Links, "self"))
	}
}

// boxHits is the brute-force oracle for bbox: does g share a point with b?
func boxHits(g orb.Geometry, b orb.Bound) bool {
	corners := []orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}}
	edges := [][2]orb.Point{{corners[0], corners[1]}, {corners[1], corners[2]}, {corners[2], corners[3]}, {corners[3], corners[0]}}
	segHits := func(a, c orb.Point) bool {
		if b.Contains(a) || b.Contains(c) {
			return true
		}
		for _, e := range edges {
			if segmentsCross(a, c, e[0], e[1]) {
				return true
			}
		}
		return false
	}
	lineHits := func(ls orb.LineString) bool {
		if len(ls) == 1 {
			return b.Contains(ls[0])
		}
		for i := 1; i < len(ls); i++ {
			if segHits(ls[i-1], ls[i]) {
				return true
			}
		}
		return false
	}
	switch g := g.(type) {
	case orb.Point:
		return b.Contains(g)
	case orb.LineString:
		return lineHits(g)
	case orb.MultiLineString:
		for _, ls := range g {
			if lineHits(ls) {
				return true
			}
		}
		return false
	case orb.Polygon:
		return boxHits(orb.MultiPolygon{g}, b)
	case orb.MultiPolygon:
		for _, c := range corners {
			if planar.MultiPolygonContains(g, c) {
				return true
			}
		}
		for _, p := range g {
			for _, r := range p {
				if lineHits(orb.LineString(r)) {
					return true
				}
			}
		}
		return false
	}
	panic(fmt.Sprintf("oracle: geometry %T", g))
}

func segmentsCross(p1, p2, p3, p4 orb.Point) bool {
	d := func(a, b, c orb.Point) float64 { return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0]) }
	d1, d2, d3, d4 := d(p3, p4, p1), d(p3, p4, p2), d(p1, p2, p3), d(p1, p2, p4)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	on := func(a, b, c orb.Point) bool {
		return math.Min(a[0], b[0]) <= c[0] && c[0] <= math.Max(a[0], b[0]) && math.Min(a[1], b[1]) <= c[1] && c[1] <= math.Max(a[1], b[1])
	}
	return d1 == 0 && on(p3, p4, p1) || d2 == 0 && on(p3, p4, p2) || d3 == 0 && on(p1, p2, p3) || d4 == 0 && on(p1, p2, p4)
}

func testOGCBBox(t *testing.T, f *fixture) {
	boxes := []orb.Bound{
		{Min: orb.Point{106.40, 29.52}, Max: orb.Point{106.46, 29.58}},
		{Min: orb.Point{106.3, 29.6}, Max: orb.Point{106.32, 29.62}},
		{Min: orb.Point{106.452, 29.553}, Max: orb.Point{106.4525, 29.5535}}, // smaller than most polygons
		{Min: orb.Point{106.0, 29.0}, Max: orb.Point{107.0, 30.0}},           // everything
		{Min: orb.Point{100, 20}, Max: orb.Point{101, 21}},                   // nothing
	}
	for _, id := range []string{"divisions-village", "divisions-township", "boundary-lines-village", "places", "facilities", "markers"} {
		all := f.all(t, id)
		for _, b := range boxes {
			bbox := fmt.Sprintf("%v,%v,%v,%v", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
			var it items
			f.getJSON(t, "/ogc/collections/"+id+"/items?limit=10000&bbox="+bbox, &it)
			var got, want []string
			for _, ft := range it.Features {
				got = append(got, fid(ft))
			}
			for _, ft := range all.Features {
				if boxHits(ft.Geometry, b) {
					want = append(want, fid(ft))
				}
			}
			if !slices.Equal(got, want) || it.NumberMatched != len(want) {
				t.Errorf("%s bbox=%s: got %d %v…, brute force %d %v…", id, bbox, len(got), head(got), len(want), head(want))
			}
		}
	}
	// The box that is smaller than the polygons must find the village and
	// township it lies in, which a vertex test alone would miss.
	var it items
	f.getJSON(t, "/ogc/collections/divisions-township/items?bbox=106.452,29.553,106.4525,29.5535", &it)
	if it.NumberMatched == 0 {
		t.Error("a small box inside a township finds nothing")
	}
	// A 3-D box (six numbers) and an explicit CRS84 select the same.
	var two, six, crs items
	f.getJSON(t, "/ogc/collections/places/items?limit=10000&bbox=106.40,29.52,106.46,29.58", &two)
	f.getJSON(t, "/ogc/collections/places/items?limit=10000&bbox=106.40,29.52,-10,106.46,29.58,100", &six)
	f.getJSON(t, "/ogc/collections/places/items?limit=10000&bbox=106.40,29.52,106.46,29.58&bbox-crs="+
		url.QueryEscape("http://www.opengis.net/def/crs/OGC/1.3/CRS84"), &crs)
	if two.NumberMatched == 0 || six.NumberMatched != two.NumberMatched || crs.NumberMatched != two.NumberMatched {
		t.Errorf("bbox 2-D %d, 3-D %d, with bbox-crs %d", two.NumberMatched, six.NumberMatched, crs.NumberMatched)
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

func testOGCItem(t *testing.T, f *fixture) {
	for _, id := range ogcCollectionIDs {
		all := f.all(t, id)
		if len(all.Features) == 0 {
			t.Errorf("%s: no features", id)
			continue
		}
		for _, k := range []int{0, len(all.Features) / 2, len(all.Features) - 1} {
			want := all.Features[k]
			path := "/ogc/collections/" + id + "/items/" + url.PathEscape(fid(want))
			res, body := f.do(t, "GET", path, nil)
			if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/geo+json") {
				t.Fatalf("%s: %d %s %.200s", path, res.StatusCode, res.Header.Get("Content-Type"), body)
			}
			var got geojson.Feature
			var meta struct{ Links []ogcLink }
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(body, &meta); err != nil {
				t.Fatal(err)
			}
			got.ExtraMembers = nil // the links
			a, _ := json.Marshal(want)
			b, _ := json.Marshal(&got)
			if string(a) != string(b) {
				t.Errorf("%s differs from the list:\n%s\n%s", path, b, a)
			}
			if l := link(meta.Links, "self"); l == nil || l.Href != f.srv.URL+path+"?f=geojson" {
				t.Errorf("%s: self %v", path, l)
			}
			if link(meta.Links, "collection") == nil {
				t.Errorf("%s: no collection link", path)
			}
		}
	}
	// A boundary line's id has a |: it works escaped and as is.
	for _, p := range []string{"/ogc/collections/boundary-lines-township/items/500106001000%7C"} {
		res, body := f.do(t, "GET", p, nil)
		if res.StatusCode != 200 {
			t.Errorf("%s: %d %s", p, res.StatusCode, body)
		}
	}
	for _, p := range []string{"/ogc/collections/facilities/items/999999", "/ogc/collections/divisions-village/items/500106001999",
		"/ogc/collections/boundary-lines-village/items/x%7Cy", "/ogc/collections/nope/items/1", "/ogc/collections/nope/items"} {
		res, body := f.do(t, "GET", p, nil)
		wantError(t, res, body, 404, "not_found")
	}
}

func testOGCFilters(t *testing.T, f *fixture) {
	for _, tc := range []struct{ id, prop, value string }{
		{"facilities", "category", "lottery_outlet"},
		{"facilities", "status", "planned"},
		{"facilities", "group", "eldercare"},
		{"places", "category", "0501"},
		{"places", "protected", "false"},
		{"divisions-village", "parent_code", "500106001000"},
		{"boundary-lines-township", "outer", "true"},
		{"markers", "state", "damaged"},
	} {
		all := f.all(t, tc.id)
		var want []string
		for _, ft := range all.Features {
			if fmt.Sprint(ft.Properties[tc.prop]) == tc.value {
				want = append(want, fid(ft))
			}
		}
		var it items
		f.getJSON(t, "/ogc/collections/"+tc.id+"/items?limit=10000&"+tc.prop+"="+tc.value, &it)
		var got []string
		for _, ft := range it.Features {
			got = append(got, fid(ft))
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s?%s=%s: got %d, want %d", tc.id, tc.prop, tc.value, len(got), len(want))
		}
	}
}

func testOGCDatetime(t *testing.T, f *fixture) {
	// Facilities by opened_on (a year or a day, in Beijing time).
	all := f.all(t, "facilities")
	count := func(id, q string) int {
		t.Helper()
		var it items
		f.getJSON(t, "/ogc/collections/"+id+"/items?limit=10000&datetime="+url.QueryEscape(q), &it)
		return it.NumberMatched
	}
	in := func(from, to string) int { // opened_on years in [from, to]
		n := 0
		for _, ft := range all.Features {
			y := fmt.Sprint(ft.Properties["opened_on"])
			if y != "" && y[:4] >= from && y[:4] <= to {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		q    string
		want int
	}{
		{"2018-01-01T00:00:00+08:00/2018-12-31T23:59:59+08:00", in("2018", "2018")},
		{"2018-06-30", in("2018", "2018")},
		{"2017-12-31T16:00:00Z", in("2018", "2018")}, // 2018-01-01 00:00 in Beijing
		{"2017-12-31T15:59:59Z", in("2017", "2017")},
		{"../2009-12-31T23:59:59+08:00", in("0000", "2009")},
		{"2015-01-01T00:00:00+08:00/..", in("2015", "9999")},
		{"../..", in("0000", "9999")},
	} {
		if got := count("facilities", tc.q); got != tc.want || tc.want == 0 {
			t.Errorf("facilities datetime=%s: %d, want %d", tc.q, got, tc.want)
		}
	}
	// Places are valid from naming to cancellation; without dates, always.
	places := f.all(t, "places")
	if got := count("places", "2020-01-01"); got != len(places.Features)-1 {
		t.Errorf("places valid on 2020-01-01: %d, want all but the one cancelled in 2015 (%d)", got, len(places.Features)-1)
	}
	if got := count("places", "2000-01-01"); got != len(places.Features)-1 {
		t.Errorf("places valid on 2000-01-01: %d, want all but the one named in 2001 (%d)", got, len(places.Features)-1)
	}
	if got := count("places", "1980-01-01T00:00:00+08:00/1989-12-31T00:00:00+08:00"); got != len(places.Features)-2 {
		t.Errorf("places valid in the 1980s: %d, want all but two (%d)", got, len(places.Features)-2)
	}
	// Markers by set_on: those without a date are not in any time.
	if got := count("markers", "2011-02-15"); got != 1 {
		t.Errorf("markers set on 2011-02-15: %d, want 1", got)
	}
	if got := count("markers", "../.."); got != 8 {
		t.Errorf("markers with a date: %d, want 8", got)
	}
}

// testOGCSchema: every property of every feature is declared in the
// collection's schema with the type it has; the queryables are declared
// properties.
func testOGCSchema(t *testing.T, f *fixture) {
	for _, id := range ogcCollectionIDs {
		var schema struct {
			Properties struct {
				Properties struct {
					Properties map[string]struct{ Type, Title string }
				}
			}
		}
		f.getJSON(t, "/ogc/collections/"+id+"/schema", &schema)
		declared := schema.Properties.Properties.Properties
		if len(declared) == 0 {
			t.Fatalf("%s: empty schema", id)
		}
		for name, p := range declared {
			if !hasHan(p.Title) {
				t.Errorf("%s.%s: title %q", id, name, p.Title)
			}
		}
		seen := map[string]bool{}
		for _, ft := range f.all(t, id).Features {
			for name, v := range ft.Properties {
				p, ok := declared[name]
				if !ok {
					t.Errorf("%s: feature %s has undeclared property %s", id, fid(ft), name)
					continue
				}
				seen[name] = true
				if typ := jsonType(v); typ != p.Type && !(p.Type == "number" && typ == "integer") {
					t.Errorf("%s: feature %s: %s is %s (%v), declared %s", id, fid(ft), name, typ, v, p.Type)
				}
			}
		}
		var unseen []string
		for name := range declared {
			if !seen[name] {
				unseen = append(unseen, name)
			}
		}
		sort.Strings(unseen)
		if len(unseen) > 0 {
			t.Logf("%s: declared but absent from the data: %v", id, unseen)
		}
		var q struct {
			Properties map[string]struct{ Type string }
		}
		f.getJSON(t, "/ogc/collections/"+id+"/queryables", &q)
		for name, p := range q.Properties {
			if declared[name].Type != p.Type {
				t.Errorf("%s: queryable %s (%s) not declared as such", id, name, p.Type)
			}
		}
	}
}

func jsonType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case []any:
		for _, e := range x {
			if _, ok := e.(string); !ok {
				return "array of non-strings"
			}
		}
		return "array"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func testOGCNegotiation(t *testing.T, f *fixture) {
	for _, tc := range []struct {
		path, accept, want string
	}{
		{"/ogc/collections/markers/items", "", "application/geo+json"},
		{"/ogc/collections/markers/items", "application/geo+json, application/json", "application/geo+json"},
		{"/ogc/collections/markers/items", "application/json", "application/json"},
		{"/ogc/collections/markers/items", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/geo+json"},
		{"/ogc/collections/markers/items?f=json", "", "application/json"},
		{"/ogc/collections/markers/items?f=geojson", "application/json", "application/geo+json"},
		{"/ogc/collections/markers/items/1", "application/json;q=0.5, application/geo+json;q=0.4", "application/json"},
		{"/ogc/collections", "application/*", "application/json"},
		{"/ogc/api", "application/vnd.oai.openapi+json;version=3.0, application/json", "application/vnd.oai.openapi+json;version=3.0"},
	} {
		res, body := f.do(t, "GET", tc.path, map[string]string{"Accept": tc.accept})
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.want) {
			t.Errorf("%s Accept %q: %d %s, want %s: %.200s", tc.path, tc.accept, res.StatusCode, res.Header.Get("Content-Type"), tc.want, body)
		}
	}
	for _, tc := range []struct{ path, accept string }{
		{"/ogc/collections/markers/items", "text/html"},
		{"/ogc", "application/xml"},
		{"/ogc/collections/places/items", "application/geo+json;q=0, application/json;q=0"},
	} {
		res, body := f.do(t, "GET", tc.path, map[string]string{"Accept": tc.accept})
		wantError(t, res, body, 406, "invalid")
	}
}

func testOGCBadRequests(t *testing.T, f *fixture) {
	for _, q := range []string{
		"/ogc/collections/places/items?bbox=1,2,3",
		"/ogc/collections/places/items?bbox=a,b,c,d",
		"/ogc/collections/places/items?bbox=106.5,29.6,106.4,29.5",
		"/ogc/collections/places/items?bbox=200,0,201,1",
		"/ogc/collections/places/items?bbox=106,29,NaN,30",
		"/ogc/collections/places/items?bbox=",
		"/ogc/collections/places/items?bbox-crs=EPSG:4326&bbox=106,29,107,30",
		"/ogc/collections/places/items?limit=0",
		"/ogc/collections/places/items?limit=-5",
		"/ogc/collections/places/items?limit=ten",
		"/ogc/collections/places/items?limit=",
		"/ogc/collections/places/items?limit=1&limit=2",
		"/ogc/collections/places/items?offset=-1",
		"/ogc/collections/places/items?offset=x",
		"/ogc/collections/places/items?name=沙坪坝区",
		"/ogc/collections/places/items?resultType=hits",
		"/ogc/collections/places/items?filter=name%3D'x'",
		"/ogc/collections/places/items?protected=maybe",
		"/ogc/collections/divisions-village/items?datetime=2020-01-01",
		"/ogc/collections/places/items?datetime=yesterday",
		"/ogc/collections/places/items?datetime=2020-02-01/2020-01-01",
		"/ogc/collections/places/items?datetime=2020-13-01",
		"/ogc/collections/places/items?f=html",
		"/ogc/collections/places/items/1?f=html",
		"/ogc/collections/places/items/1?limit=3",
		"/ogc/collections?f=geojson",
		"/ogc/collections?bbox=106,29,107,30",
		"/ogc?x=1",
		"/ogc/conformance?f=xml",
	} {
		res, body := f.do(t, "GET", q, nil)
		wantError(t, res, body, 400, "invalid")
	}
}

// testOGCSameAsAPI: /ogc serves the features the JSON API builds.
func testOGCSameAsAPI(t *testing.T, f *fixture) {
	for _, tc := range []struct{ ogc, api string }{
		{"divisions-township", "/api/v1/divisions?level=township"},
		{"boundary-lines-village", "/api/v1/boundaries/lines?level=village"},
		{"markers", "/api/v1/boundaries/markers"},
		{"facilities", "/api/v1/facilities?status=all"},
	} {
		var api geojson.FeatureCollection
		f.getJSON(t, tc.api, &api)
		ogc := f.all(t, tc.ogc)
		a, _ := json.Marshal(api.Features)
		b, _ := json.Marshal(ogc.Features)
		if len(api.Features) == 0 || string(a) != string(b) {
			t.Errorf("%s: %d features, %s: %d, or they differ", tc.ogc, len(ogc.Features), tc.api, len(api.Features))
		}
	}
	// Places carry what /api/v1/places/{id} says.
	places := f.all(t, "places")
	for _, ft := range places.Features[:20] {
		var rec struct {
			Name, Category, Romanization string
			DivisionCode                 string `json:"division_code"`
		}
		f.getJSON(t, "/api/v1/places/"+fid(ft), &rec)
		p := ft.Properties
		if p["name"] != rec.Name || p["category"] != rec.Category || p["pinyin"] != rec.Romanization || p["division_code"] != rec.DivisionCode {
			t.Errorf("place %s: %v, record %+v", fid(ft), p, rec)
		}
	}
}

package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"diming/geo"
	"diming/internal/storetest"
)

func (f *fixture) withPlaces(t *testing.T) []int64 {
	t.Helper()
	ps, err := f.store.PutPlaces(context.Background(), "test", "", storetest.PlaceFixtures())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.model.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids := []int64{}
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

type reverseBody struct {
	District, Township, Village *struct{ Code, Name string }
	Nearby                      []struct {
		ID        int64
		Name      string
		DistanceM float64 `json:"distance_m"`
	}
}

func TestReverseGeocoding(t *testing.T) {
	f := newFixture(t)
	f.withPlaces(t)
	get := func(query string) reverseBody {
		t.Helper()
		res, body := f.do(t, "GET", "/api/v1/reverse?"+query, nil)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", query, res.StatusCode, body)
		}
		var rb reverseBody
		if err := json.Unmarshal(body, &rb); err != nil {
			t.Fatal(err)
		}
		return rb
	}
	wgs := orb.Point{106.3501, 29.5502}
	rb := get(fmt.Sprintf("lon=%v&lat=%v", wgs[0], wgs[1]))
	if rb.District.Name != "沙坪坝区" || rb.Township.Name != "小龙坎街道" || rb.Village.Name != "龙泉路社区居民委员会" {
		t.Fatalf("reverse %+v %+v %+v", rb.District, rb.Township, rb.Village)
	}
	want := geo.Distance(wgs, orb.Point{106.35, 29.55})
	if len(rb.Nearby) == 0 || rb.Nearby[0].Name != "磁器口古镇" || rb.Nearby[0].DistanceM < want-0.2 || rb.Nearby[0].DistanceM > want+0.2 {
		t.Fatalf("nearby %+v (want 磁器口古镇 at %.1f m)", rb.Nearby, want)
	}
	// The same point as a Chinese web map shows it gives the same answer.
	for _, crs := range []geo.CRS{geo.GCJ02, geo.BD09} {
		shifted, err := geo.FromWGS84(wgs, crs)
		if err != nil {
			t.Fatal(err)
		}
		if geo.Distance(shifted, wgs) < 100 {
			t.Fatalf("%s shift of only %.0f m: the test would prove nothing", crs, geo.Distance(shifted, wgs))
		}
		other := get(fmt.Sprintf("lon=%v&lat=%v&crs=%s", shifted[0], shifted[1], crs))
		if !reflect.DeepEqual(other, rb) {
			t.Fatalf("%s answer %+v differs from WGS84 %+v", crs, other, rb)
		}
	}
	// Inside 沙坪公园: distance 0.
	in := get("lon=106.465&lat=29.605&limit=1")
	if len(in.Nearby) != 1 || in.Nearby[0].Name != "沙坪公园" || in.Nearby[0].DistanceM != 0 {
		t.Fatalf("inside the park: %+v", in.Nearby)
	}
	// Outside the district: no units, still a 200.
	out := get("lon=100&lat=30")
	if out.District != nil || len(out.Nearby) != 0 {
		t.Fatalf("far away: %+v", out)
	}
}

func TestReverseBadInput(t *testing.T) {
	f := newFixture(t)
	for _, q := range []string{"", "lon=106.3", "lon=abc&lat=29", "lon=106&lat=91", "lon=NaN&lat=29", "lon=106&lat=29&crs=mercator",
		"lon=106&lat=29&limit=0", "lon=106&lat=29&limit=51", "lon=106&lat=29&radius=99999", "lon=106&lat=29&zoom=3", "lon=1e999&lat=2"} {
		res, body := f.do(t, "GET", "/api/v1/reverse?"+q, nil)
		if res.StatusCode != 400 || !strings.Contains(string(body), `"invalid"`) {
			t.Errorf("%q: %d %s", q, res.StatusCode, body)
		}
	}
}

func TestPlaceDetail(t *testing.T) {
	f := newFixture(t)
	ids := f.withPlaces(t)
	res, body := f.do(t, "GET", fmt.Sprintf("/api/v1/places/%d", ids[0]), nil)
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	var d struct {
		Name, Romanization, Meaning, Origin, History string
		FormerNames                                  []string `json:"former_names"`
		CategoryNameJSON                             string   `json:"category_name"`
		DivisionPath                                 []string `json:"division_path"`
		Protected                                    bool
		Geometry                                     struct{ Type string }
		Versions                                     []struct {
			Version int
			Actor   string
		} `json:"versions"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	if d.Name != "磁器口古镇" || d.Romanization != "Ciqikou Guzhen" || d.Meaning == "" || !d.Protected ||
		strings.Join(d.FormerNames, ",") != "白岩场,龙隐镇" || d.CategoryNameJSON != "公园、景区" ||
		strings.Join(d.DivisionPath, "/") != "沙坪坝区/小龙坎街道/龙泉路社区居民委员会" || d.Geometry.Type != "Point" ||
		d.History != "旧称白岩场" || len(d.Versions) != 1 || d.Versions[0].Version != 1 || d.Versions[0].Actor != "test" {
		t.Fatalf("detail %+v\n%s", d, body)
	}
	for path, want := range map[string]int{"/api/v1/places/999999": 404, "/api/v1/places/0": 400, "/api/v1/places/abc": 400,
		"/api/v1/places/1;DROP": 400, "/api/v1/places/99999999999999999999": 400} {
		if res, body := f.do(t, "GET", path, nil); res.StatusCode != want {
			t.Errorf("%s: %d %s", path, res.StatusCode, body)
		}
	}
	if res, body := f.do(t, "GET", "/api/v1/categories", nil); res.StatusCode != 200 || !strings.Contains(string(body), "群众自治组织") {
		t.Errorf("categories: %d", res.StatusCode)
	}
}

func TestRomanizeProposal(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ query, standard, tones, initials string }{
		{"name=覃家岗街道&category=0402", "Qinjiagang Jiedao", "Qínjiāgǎng Jiēdào", "qjgjd"},
		{"name=曾家镇", "Zengjia Zhen", "Zēngjiā Zhèn", "zjz"},
		{"name=" + url.QueryEscape("李家湾") + "&category=0702", "Lijiawan", "Lǐjiāwān", "ljw"},
	} {
		res, body := f.do(t, "GET", "/api/v1/romanize?"+tc.query, nil)
		var got struct{ Standard, Tones, Initials string }
		_ = json.Unmarshal(body, &got)
		if res.StatusCode != 200 || got.Standard != tc.standard || got.Tones != tc.tones || got.Initials != tc.initials {
			t.Errorf("%s: %d %+v, want %s / %s / %s", tc.query, res.StatusCode, got, tc.standard, tc.tones, tc.initials)
		}
	}
	for _, q := range []string{"", "name=", "name=%20x", "name=沙坪坝&category=77", "name=a%01b"} {
		if res, body := f.do(t, "GET", "/api/v1/romanize?"+q, nil); res.StatusCode != 400 {
			t.Errorf("%q: %d %s", q, res.StatusCode, body)
		}
	}
}

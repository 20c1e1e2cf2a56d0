package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"diming/httpapi"
	"diming/internal/storetest"
	"diming/readmodel"
	"diming/store/sqlite"
)

type apiError struct {
	Error struct {
		Code, Message, MessageEN, RequestID string
	} `json:"error"`
}

func (e *apiError) UnmarshalJSON(b []byte) error {
	var raw struct {
		Error struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			MessageEN string `json:"message_en"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	e.Error.Code, e.Error.Message, e.Error.MessageEN, e.Error.RequestID = raw.Error.Code, raw.Error.Message, raw.Error.MessageEN, raw.Error.RequestID
	return nil
}

type fixture struct {
	srv   *httptest.Server
	store *sqlite.Store
	model *readmodel.Holder
}

// fixtureStore is a migrated SQLite store holding the fixture divisions,
// closed when the test ends.
func fixtureStore(t *testing.T) *sqlite.Store {
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
	if err := st.PutDivisions(ctx, "test", storetest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	return st
}

func newFixture(t *testing.T, opts ...func(*httpapi.Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	st := fixtureStore(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	model := readmodel.NewHolder(st, log)
	if _, err := model.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := httpapi.DefaultConfig()
	cfg.StoreKind = "sqlite"
	for _, o := range opts {
		o(&cfg)
	}
	srv := httptest.NewServer(httpapi.New(cfg, st, model, log, nil).Handler())
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, store: st, model: model}
}

func (f *fixture) do(t *testing.T, method, path string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

type featureCollection struct {
	Type     string `json:"type"`
	Features []struct {
		ID         string         `json:"id"`
		Geometry   map[string]any `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

func TestListDivisions(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		query string
		names []string
	}{
		{"level=township", []string{"小龙坎街道", "青木关镇"}},
		{"level=village&parent=500106001", []string{"龙泉路社区居民委员会", "嘉新社区居民委员会"}},
		{"parent=500106001000", []string{"龙泉路社区居民委员会", "嘉新社区居民委员会"}},
		{"level=district", []string{"沙坪坝区"}},
		{"level=village&bbox=106.45,29.51,106.46,29.52", []string{"覃家岗村村民委员会"}},
		{"bbox=100,20,101,21", []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			res, body := f.do(t, "GET", "/api/v1/divisions?"+tc.query, nil)
			if res.StatusCode != 200 {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/geo+json") {
				t.Errorf("Content-Type %q", ct)
			}
			var fc featureCollection
			if err := json.Unmarshal(body, &fc); err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, ft := range fc.Features {
				got = append(got, ft.Properties["name"].(string))
				if ft.Geometry["type"] != "MultiPolygon" || ft.ID != ft.Properties["code"] {
					t.Errorf("feature %v: geometry %v, id %q", ft.Properties["name"], ft.Geometry["type"], ft.ID)
				}
			}
			if fc.Type != "FeatureCollection" || strings.Join(got, ",") != strings.Join(tc.names, ",") {
				t.Fatalf("got %v, want %v", got, tc.names)
			}
		})
	}
}

func TestDivisionProperties(t *testing.T) {
	f := newFixture(t)
	res, body := f.do(t, "GET", "/api/v1/divisions/500106001001", nil)
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	var ft struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(body, &ft); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"code": "500106001001", "name": "龙泉路社区居民委员会", "level": "village",
		"parent_code": "500106001000", "households": 120.0, "population": 300.0, "population_60": 50.0,
		"urban_rural_code": "111", "synthetic": true,
		"path": []any{"沙坪坝区", "小龙坎街道", "龙泉路社区居民委员会"}}
	if !reflect.DeepEqual(ft.Properties, want) {
		t.Fatalf("properties\n%v\nwant\n%v", ft.Properties, want)
	}
	// The short codes people write resolve to the 12-digit ones.
	for _, code := range []string{"500106", "500106001", "500106001000"} {
		res, body := f.do(t, "GET", "/api/v1/divisions/"+code, nil)
		if res.StatusCode != 200 {
			t.Errorf("%s: status %d: %s", code, res.StatusCode, body)
		}
	}
}

func TestBadRequestsGetClearErrors(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		method, path string
		status       int
		code         string
		mentions     string // a word the Chinese message must contain
	}{
		{"GET", "/api/v1/divisions?level=county", 400, "invalid", "级别"},
		{"GET", "/api/v1/divisions?level=", 400, "invalid", "级别"},
		{"GET", "/api/v1/divisions?parent=abc", 400, "invalid", "区划代码"},
		{"GET", "/api/v1/divisions?parent=5001060", 400, "invalid", "区划代码"},
		{"GET", "/api/v1/divisions?bbox=1,2,3", 400, "invalid", "bbox"},
		{"GET", "/api/v1/divisions?bbox=106,29,x,30", 400, "invalid", "bbox"},
		{"GET", "/api/v1/divisions?bbox=106,29,105,30", 400, "invalid", "最小值大于最大值"},
		{"GET", "/api/v1/divisions?bbox=106,29,107,95", 400, "invalid", "范围"},
		{"GET", "/api/v1/divisions?bbox=NaN,29,107,30", 400, "invalid", "bbox"},
		{"GET", "/api/v1/divisions?bbox=1e400,29,107,30", 400, "invalid", "bbox"},
		{"GET", "/api/v1/divisions?level=township&level=village", 400, "invalid", "只能出现一次"},
		{"GET", "/api/v1/divisions?leve=township", 400, "invalid", "未知的参数"},
		{"GET", "/api/v1/divisions?level=" + url.QueryEscape("township'; DROP TABLE divisions;--"), 400, "invalid", "级别"},
		{"GET", "/api/v1/divisions?level=%ff%fe", 400, "invalid", "无效字符"},
		{"GET", "/api/v1/divisions?level=town%00ship", 400, "invalid", "控制字符"},
		{"GET", "/api/v1/divisions?level=" + strings.Repeat("a", 5000), 400, "invalid", "过长"},
		{"GET", "/api/v1/divisions?%zz", 400, "invalid", "查询字符串"},
		{"GET", "/api/v1/divisions/500106999999", 404, "not_found", "500106999999"},
		{"GET", "/api/v1/divisions/500106999", 404, "not_found", "500106999000"},
		{"GET", "/api/v1/divisions/沙坪坝", 400, "invalid", "区划代码"},
		{"GET", "/api/v1/divisions/..%2f..%2fetc%2fpasswd", 400, "invalid", "区划代码"},
		{"GET", "/api/v1/divisions/500106?x=1", 400, "invalid", "未知的参数"},
		{"GET", "/api/v1/nothing-here", 404, "not_found", "没有这个地址"},
		{"POST", "/api/v1/divisions", 405, "invalid", "不支持"},
		{"DELETE", "/api/v1/divisions/500106", 405, "invalid", "不支持"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path[:min(len(tc.path), 60)], func(t *testing.T) {
			res, body := f.do(t, tc.method, tc.path, nil)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			var e apiError
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body is not a JSON error: %s", body)
			}
			if e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.mentions) || e.Error.MessageEN == "" {
				t.Fatalf("error %+v: want code %s and a message mentioning %q, with an English version", e.Error, tc.code, tc.mentions)
			}
			if e.Error.RequestID == "" || e.Error.RequestID != res.Header.Get("X-Request-ID") {
				t.Errorf("request id %q in body, %q in header", e.Error.RequestID, res.Header.Get("X-Request-ID"))
			}
		})
	}
	// Nothing was written by any of it.
	n, _ := f.store.CountDivisions(context.Background())
	if n != len(storetest.Fixtures()) {
		t.Fatalf("%d divisions after bad requests", n)
	}
}

func TestEnglishErrors(t *testing.T) {
	f := newFixture(t)
	// Every error has an English version with no Chinese in it.
	for _, path := range []string{"/api/v1/divisions?level=county", "/api/v1/divisions?bbox=1,2,3", "/api/v1/divisions/abc",
		"/api/v1/reverse?lon=106&lat=29&crs=mercator", "/api/v1/reverse?lon=106&lat=95", "/api/v1/places?q=", "/api/v1/places?q=a&near=1,95",
		"/api/v1/places/0", "/api/v1/romanize?name=", "/api/v1/me", "/nope"} {
		res, body := f.do(t, "GET", path, map[string]string{"Accept-Language": "en"})
		var e apiError
		_ = json.Unmarshal(body, &e)
		if res.StatusCode < 400 || e.Error.Message == "" || strings.ContainsFunc(e.Error.Message, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
			t.Errorf("%s: %d, English message %q", path, res.StatusCode, e.Error.Message)
		}
	}
	res, body := f.do(t, "GET", "/api/v1/divisions?level=county", map[string]string{"Accept-Language": "en-US,en;q=0.9"})
	var e apiError
	_ = json.Unmarshal(body, &e)
	if res.StatusCode != 400 || !strings.HasPrefix(e.Error.Message, "invalid division level") {
		t.Fatalf("status %d, message %q", res.StatusCode, e.Error.Message)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	f := newFixture(t)
	if res, body := f.do(t, "GET", "/healthz", nil); res.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("healthz %d %s", res.StatusCode, body)
	}
	res, body := f.do(t, "GET", "/readyz", nil)
	var ready struct {
		Status    string
		Divisions int
	}
	_ = json.Unmarshal(body, &ready)
	if res.StatusCode != 200 || ready.Status != "ready" || ready.Divisions != len(storetest.Fixtures()) {
		t.Fatalf("readyz %d %s", res.StatusCode, body)
	}
	f.do(t, "GET", "/api/v1/divisions?level=township", nil)
	res, body = f.do(t, "GET", "/metrics", nil)
	for _, want := range []string{
		`diming_http_requests_total{method="GET",route="/api/v1/divisions",status="200"} 1`,
		`diming_read_model_divisions 6`,
	} {
		if res.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("metrics lack %q", want)
		}
	}
	// With the store gone, readiness says so.
	f.store.Close()
	res, body = f.do(t, "GET", "/readyz", nil)
	if res.StatusCode != 503 || !strings.Contains(string(body), "not ready") {
		t.Fatalf("readyz with a closed store: %d %s", res.StatusCode, body)
	}
}

func TestNotReadyBeforeModel(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_ = st.Migrate(ctx)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(httpapi.New(httpapi.DefaultConfig(), st, readmodel.NewHolder(st, log), log, nil).Handler())
	defer srv.Close()
	for path, want := range map[string]int{"/readyz": 503, "/api/v1/divisions": 503} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
	}
}

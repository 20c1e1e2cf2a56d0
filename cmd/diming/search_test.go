package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type searchResult struct {
	ID           int64
	Name, Pinyin string
	Match        string
	DivisionPath []string `json:"division_path"`
}

func search(t *testing.T, base, path string, params url.Values) (int, []searchResult, string) {
	t.Helper()
	res, err := http.Get(base + path + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Results     []searchResult
		Suggestions []searchResult
		Error       struct{ Code, Message string }
	}
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s: status %d, not JSON: %.200s", path, res.StatusCode, raw)
	}
	return res.StatusCode, append(body.Results, body.Suggestions...), body.Error.Message
}

// TestSearchOnDemoData is issue 3's list of queries that must put the right
// record first, on the demo data through the running service.
func TestSearchOnDemoData(t *testing.T) {
	base := startServe(t, "--data-dir", t.TempDir())
	cases := []struct{ q, first, pinyin string }{
		{"沙坪坝", "沙坪坝区", "Shapingba Qu"},
		{"shapingba", "沙坪坝区", "Shapingba Qu"},
		{"Shapingba Jiedao", "沙坪坝街道", "Shapingba Jiedao"},
		{"spb", "沙坪坝区", "Shapingba Qu"},
		{"cqk", "磁器口街道", "Ciqikou Jiedao"},
		{"覃家岗", "覃家岗街道", "Qinjiagang Jiedao"},
		{"qinjiagang", "覃家岗街道", "Qinjiagang Jiedao"},
		{"曾家", "曾家镇", "Zengjia Zhen"},
		// One typo in the pinyin, one wrong character, one transposition.
		{"shapingda", "沙坪坝区", "Shapingba Qu"},
		{"沙平坝街道", "沙坪坝街道", "Shapingba Jiedao"},
		{"qinjaigang", "覃家岗街道", "Qinjiagang Jiedao"},
		{"磁器口古镇", "磁器口古镇", "Ciqikou Guzhen"},
	}
	for _, tc := range cases {
		code, rs, msg := search(t, base, "/api/v1/places", url.Values{"q": {tc.q}})
		if code != 200 || len(rs) == 0 {
			t.Errorf("q=%s: status %d, %d results %s", tc.q, code, len(rs), msg)
			continue
		}
		if rs[0].Name != tc.first || rs[0].Pinyin != tc.pinyin {
			t.Errorf("q=%s: first %s (%s, %s), want %s (%s)", tc.q, rs[0].Name, rs[0].Pinyin, rs[0].Match, tc.first, tc.pinyin)
		}
	}
	// Autocomplete for the lookup page: spb suggests 沙坪坝街道.
	code, rs, _ := search(t, base, "/api/v1/places/autocomplete", url.Values{"q": {"spb"}})
	found := false
	for _, r := range rs {
		found = found || r.Name == "沙坪坝街道"
	}
	if code != 200 || !found {
		t.Errorf("autocomplete spb: %d %+v", code, rs)
	}
	// Filters: roads in 小龙坎街道 only.
	code, rs, _ = search(t, base, "/api/v1/places", url.Values{"q": {"路"}, "category": {"0801"}, "division": {"500106001"}, "limit": {"50"}})
	if code != 200 || len(rs) == 0 {
		t.Fatalf("filtered search: %d, %d results", code, len(rs))
	}
	for _, r := range rs {
		if len(r.DivisionPath) < 2 || r.DivisionPath[1] != "小龙坎街道" {
			t.Errorf("filtered result %s lies in %v", r.Name, r.DivisionPath)
		}
	}
	// Bad queries get a clear 400.
	for _, q := range []url.Values{
		{"q": {""}},
		{"q": {strings.Repeat("沙", 10000)}},
		{"q": {"沙\x01坪"}},
		{"q": {"沙坪坝"}, "near": {"abc"}},
		{"q": {"沙坪坝"}, "near": {"106.4,95"}},
		{"q": {"沙坪坝"}, "limit": {"1000"}},
		{"q": {"沙坪坝"}, "category": {"99"}},
		{"q": {"沙坪坝"}, "division": {"abc"}},
		{"q": {"沙坪坝"}, "crs": {"gcj02"}},
		{"q": {"' OR 1=1 --"}, "sort": {"name"}},
	} {
		code, _, msg := search(t, base, "/api/v1/places", q)
		if code != 400 || msg == "" {
			t.Errorf("%v: status %d, message %q", q, code, msg)
		}
	}
	if code, _, msg := search(t, base, "/api/v1/places/autocomplete", url.Values{"q": {""}}); code != 400 || msg == "" {
		t.Errorf("empty autocomplete: %d %q", code, msg)
	}
}

package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRateLimiterBucket(t *testing.T) {
	l := newRateLimiter(10, 5)
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 5 {
		if ok, _ := l.allow("a", t0); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.allow("a", t0)
	if ok || wait <= 0 || wait > 100*time.Millisecond {
		t.Fatalf("the 6th request at once: ok %v, wait %v (want refused, ≈100 ms)", ok, wait)
	}
	if ok, _ := l.allow("b", t0); !ok {
		t.Fatal("another address shares the bucket")
	}
	if ok, _ := l.allow("a", t0.Add(150*time.Millisecond)); !ok {
		t.Fatal("a token did not come back after 150 ms at 10/s")
	}
	// Idle buckets are swept.
	l.allow("c", t0.Add(3*time.Minute))
	if _, ok := l.buckets["b"]; ok {
		t.Error("an idle bucket was kept")
	}
}

func limitedServer(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	s := &Server{cfg: cfg, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	srv := httptest.NewServer(s.cors(s.limitRate(ok)))
	t.Cleanup(srv.Close)
	return srv
}

func TestRateLimitAnswers429(t *testing.T) {
	srv := limitedServer(t, Config{RateLimit: 1, RateBurst: 3})
	codes := []int{}
	for range 5 {
		res, err := http.Get(srv.URL + "/api/v1/places?q=x")
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode == 429 {
			var body struct {
				Error struct {
					Code      string `json:"code"`
					Message   string `json:"message"`
					MessageEN string `json:"message_en"`
				}
			}
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil || body.Error.Code != "rate_limited" || !strings.Contains(body.Error.Message, "请求过于频繁") {
				t.Errorf("429 body: %+v %v", body, err)
			}
			if res.Header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		}
		res.Body.Close()
		codes = append(codes, res.StatusCode)
	}
	if codes[0] != 200 || codes[2] != 200 || codes[3] != 429 || codes[4] != 429 {
		t.Errorf("statuses %v, want 3 × 200 then 429", codes)
	}
	// Health checks are never limited.
	for range 5 {
		res, _ := http.Get(srv.URL + "/healthz")
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("/healthz limited: %d", res.StatusCode)
		}
	}
}

func TestCORS(t *testing.T) {
	srv := limitedServer(t, Config{CORSOrigins: []string{"https://map.example.gov.cn"}})
	do := func(method, origin string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+"/api/v1/divisions", nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := do("GET", "https://map.example.gov.cn", nil); res.Header.Get("Access-Control-Allow-Origin") != "https://map.example.gov.cn" || res.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("allowed origin: %v", res.Header)
	}
	if res := do("GET", "https://evil.example.com", nil); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin got %q", res.Header.Get("Access-Control-Allow-Origin"))
	}
	res := do("OPTIONS", "https://map.example.gov.cn", map[string]string{"Access-Control-Request-Method": "POST"})
	if res.StatusCode != 204 || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", res.StatusCode, res.Header)
	}
	// No origins configured: no CORS headers at all.
	plain := limitedServer(t, Config{})
	req, _ := http.NewRequest("GET", plain.URL+"/", nil)
	req.Header.Set("Origin", "https://map.example.gov.cn")
	res2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS headers without configured origins")
	}
}

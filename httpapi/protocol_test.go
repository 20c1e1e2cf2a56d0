package httpapi_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// HTTP as clients and load balancers use it: HEAD on every GET route,
// Allow on a 405, JSON 404s under /api, WWW-Authenticate on a 401.
func TestHTTPMethodsAndStatuses(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/healthz", "/readyz", "/api/v1/divisions", "/api/v1/divisions/500106", "/ogc", "/tiles"} {
		get, getBody := f.do(t, "GET", p, nil)
		head, headBody := f.do(t, "HEAD", p, nil)
		if head.StatusCode != get.StatusCode || head.StatusCode != 200 || len(headBody) != 0 ||
			head.Header.Get("Content-Type") != get.Header.Get("Content-Type") || len(getBody) == 0 {
			t.Errorf("HEAD %s: %d %q, %d bytes; GET: %d %q", p, head.StatusCode, head.Header.Get("Content-Type"), len(headBody), get.StatusCode, get.Header.Get("Content-Type"))
		}
	}
	for _, c := range []struct{ method, path, allow string }{
		{"DELETE", "/api/v1/divisions/500106", "GET, HEAD"},
		{"PUT", "/api/v1/facilities/1", "GET, HEAD, PATCH, DELETE"},
		{"GET", "/api/v1/login", "POST"},
		{"POST", "/healthz", "GET, HEAD"},
	} {
		res, body := f.do(t, c.method, c.path, nil)
		if res.StatusCode != 405 || res.Header.Get("Allow") != c.allow || !strings.Contains(string(body), `"message"`) {
			t.Errorf("%s %s: %d, Allow %q (want 405, %q): %s", c.method, c.path, res.StatusCode, res.Header.Get("Allow"), c.allow, body)
		}
	}
	for _, p := range []string{"/api/nope", "/api", "/api/v2/places"} {
		res, body := f.do(t, "GET", p, nil)
		var e struct {
			Error struct{ Code, Message string }
		}
		if res.StatusCode != 404 || json.Unmarshal(body, &e) != nil || e.Error.Code != "not_found" {
			t.Errorf("GET %s: %d %q %s, want a JSON 404", p, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
	res, _ := f.do(t, "GET", "/api/v1/me", nil)
	if res.StatusCode != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without WWW-Authenticate: %d %v", res.StatusCode, res.Header)
	}
}

// Errors are in the language the client prefers by RFC 9110 q-values,
// Chinese when it names neither.
func TestErrorLanguageNegotiation(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		accept  string
		english bool
	}{
		{"", false},
		{"en", true},
		{"en-US,en;q=0.9", true},
		{"zh-CN,zh;q=0.9,en;q=0.8", false},
		{"en;q=0", false},
		{"en;q=0, zh;q=0.1", false},
		{"fr, en;q=0.5", true},
		{"fr, de", false},
		{"zh;q=0.5, en;q=0.6", true},
		{"en;q=abc", false},
		{"*", false},
	} {
		res, body := f.do(t, "GET", "/api/v1/divisions/999999", map[string]string{"Accept-Language": c.accept})
		var e struct {
			Error struct {
				Message   string `json:"message"`
				MessageEN string `json:"message_en"`
			}
		}
		if err := json.Unmarshal(body, &e); err != nil || res.StatusCode != 404 {
			t.Fatalf("%q: %d %s", c.accept, res.StatusCode, body)
		}
		english := e.Error.MessageEN == "" && !strings.ContainsFunc(e.Error.Message, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff })
		if english != c.english {
			t.Errorf("Accept-Language %q: message %q (en %q), want English %v", c.accept, e.Error.Message, e.Error.MessageEN, c.english)
		}
	}
}

// A request without a Host (HTTP/1.0) still gets absolute links that work.
func TestLinksWithoutHost(t *testing.T) {
	f := newFixture(t)
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(f.srv.URL, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "GET /tiles HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(body), `"`+f.srv.URL+`/tiles/places.json"`) {
		t.Errorf("GET /tiles without Host: %d %.300s", res.StatusCode, body)
	}
}

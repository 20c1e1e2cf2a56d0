package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The service behind a reverse proxy on the same machine, as deploy/README.md
// sets it up: --trusted-proxies names the proxy, which then decides the
// client (rate limit, login throttling), the links' host and the cookie's
// Secure flag; a peer that is not the proxy decides none of them.
func TestServeBehindTrustedProxy(t *testing.T) {
	dir := t.TempDir()
	if code, out := runStdin(t, "a long enough password\n", "user", "add", "--name", "wang.wu", "--role", "reviewer", "--data-dir", dir); code != 0 {
		t.Fatalf("user add: %d %s", code, out)
	}
	base := startServe(t, "--data-dir", dir, "--no-demo", "--trusted-proxies", "127.0.0.1,::1", "--rate-limit", "0.01", "--rate-burst", "4")
	via := func(client string, extra map[string]string) map[string]string {
		h := map[string]string{"X-Forwarded-For": client, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "dimingbj.example.gov.cn"}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	do := func(method, path, body string, hdr map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	// Links use the host and scheme the client reached the proxy with.
	res, body := do("GET", "/tiles", "", via("198.51.100.1", nil))
	if res.StatusCode != 200 || !strings.Contains(body, `"https://dimingbj.example.gov.cn/tiles/places.json"`) {
		t.Errorf("/tiles behind the proxy: %d %s", res.StatusCode, body)
	}
	res, body = do("GET", "/ogc/collections", "", via("198.51.100.1", nil))
	var coll struct {
		Links []struct{ Href string } `json:"links"`
	}
	if err := json.Unmarshal([]byte(body), &coll); err != nil || res.StatusCode != 200 || len(coll.Links) == 0 {
		t.Fatalf("/ogc/collections: %d %v %.300s", res.StatusCode, err, body)
	}
	for _, l := range coll.Links {
		if !strings.HasPrefix(l.Href, "https://dimingbj.example.gov.cn/ogc") {
			t.Errorf("OGC link %q does not use the public host", l.Href)
		}
	}

	// Through https at the proxy the session cookie is Secure, though the
	// service itself speaks plain HTTP and --secure-cookies is off.
	res, body = do("POST", "/api/v1/login", `{"name":"wang.wu","password":"a long enough password"}`, via("198.51.100.2", nil))
	if res.StatusCode != 200 {
		t.Fatalf("login through the proxy: %d %s", res.StatusCode, body)
	}
	if cs := res.Cookies(); len(cs) == 0 || !cs[0].Secure {
		t.Errorf("session cookie through an https proxy is not Secure: %v", res.Header.Values("Set-Cookie"))
	}
	res, _ = do("POST", "/api/v1/login", `{"name":"wang.wu","password":"a long enough password"}`, via("198.51.100.2", map[string]string{"X-Forwarded-Proto": "http"}))
	if cs := res.Cookies(); res.StatusCode != 200 || len(cs) == 0 || cs[0].Secure {
		t.Errorf("plain http at the proxy: %d, cookie %v (want not Secure, or browsers drop it)", res.StatusCode, res.Header.Values("Set-Cookie"))
	}

	// Each client behind the proxy has its own rate budget: 198.51.100.1
	// used two of its four above (the tile and OGC requests) …
	limited := false
	for range 5 {
		if res, _ := do("GET", "/api/v1/divisions", "", via("198.51.100.1", nil)); res.StatusCode == 429 {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("client 198.51.100.1 was never limited at 0.01/s with bursts of 4")
	}
	// … and another client behind the same proxy is not limited with it.
	if res, body := do("GET", "/api/v1/divisions", "", via("203.0.113.9", nil)); res.StatusCode != 200 {
		t.Errorf("another client behind the proxy shares the budget: %d %s", res.StatusCode, body)
	}
}

func TestServeRefusesBadTrustedProxies(t *testing.T) {
	code, out := runCmd(t, "serve", "--data-dir", t.TempDir(), "--trusted-proxies", "127.0.0.1,nginx")
	if code == 0 || !strings.Contains(out, "可信代理") || !strings.Contains(out, "nginx") {
		t.Fatalf("exit %d, want a refusal naming the bad entry:\n%s", code, out)
	}
}

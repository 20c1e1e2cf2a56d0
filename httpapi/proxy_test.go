package httpapi

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"diming"

	"github.com/prometheus/client_golang/prometheus"
)

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 127.0.0.1, ::1 ,10.1.2.3/8,, ::ffff:192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1/32", "::1/128", "10.0.0.0/8", "192.0.2.1/32"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("entry %d: %s, want %s", i, got[i], want[i])
		}
	}
	if got, err := ParseTrustedProxies(""); err != nil || len(got) != 0 {
		t.Errorf("empty list: %v %v", got, err)
	}
	for _, bad := range []string{"localhost", "10.0.0.0/33", "1.2.3", "127.0.0.1; DROP TABLE places", "10.0.0.0/8,nginx"} {
		_, err := ParseTrustedProxies(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		var de *diming.Error
		if !errors.As(err, &de) || de.Code != diming.EINVALID || !strings.Contains(de.Message, "可信代理") || !strings.Contains(de.MessageEN, "not an IP address or CIDR prefix") {
			t.Errorf("%q: error %#v does not say what is wrong in Chinese and English", bad, err)
		}
	}
}

func TestResolveClient(t *testing.T) {
	trusted, err := ParseTrustedProxies("127.0.0.1, 10.0.0.0/8, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		peer       string
		hdr        [][2]string
		ip, base   string
		proxied    bool
		trustNoone bool
	}{
		{name: "no proxy", peer: "203.0.113.7:5000", ip: "203.0.113.7", base: "http://diming.test"},
		{name: "untrusted peer's headers are ignored", peer: "203.0.113.7:5000",
			hdr: [][2]string{{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "evil.example"}},
			ip:  "203.0.113.7", base: "http://diming.test"},
		{name: "nothing trusted", peer: "127.0.0.1:5000", trustNoone: true,
			hdr: [][2]string{{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-Host", "evil.example"}},
			ip:  "127.0.0.1", base: "http://diming.test"},
		{name: "one trusted proxy", peer: "127.0.0.1:5000",
			hdr: [][2]string{{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "dm.example.gov.cn"}},
			ip:  "198.51.100.1", base: "https://dm.example.gov.cn", proxied: true},
		{name: "a client's own X-Forwarded-For is not believed", peer: "127.0.0.1:5000",
			hdr: [][2]string{{"X-Forwarded-For", "1.1.1.1, 198.51.100.1"}},
			ip:  "198.51.100.1", base: "http://diming.test", proxied: true},
		{name: "a chain of trusted proxies", peer: "127.0.0.1:5000",
			hdr: [][2]string{{"X-Forwarded-For", "1.1.1.1, 198.51.100.1, 10.0.0.2"}, {"X-Forwarded-For", "10.9.9.9"}},
			ip:  "198.51.100.1", base: "http://diming.test", proxied: true},
		{name: "every hop trusted: the leftmost", peer: "127.0.0.1:5000",
			hdr: [][2]string{{"X-Forwarded-For", "10.0.0.5, 10.0.0.2"}},
			ip:  "10.0.0.5", base: "http://diming.test", proxied: true},
		{name: "garbage stops the walk at the last proxy", peer: "127.0.0.1:5000",
			hdr: [][2]string{{"X-Forwarded-For", "1.1.1.1, <script>, 10.0.0.2"}},
			ip:  "10.0.0.2", base: "http://diming.test", proxied: true},
		{name: "a port on the client's address", peer: "127.0.0.1:5000",
			hdr: [][2]string{{"X-Forwarded-For", "198.51.100.1:5678"}},
			ip:  "198.51.100.1", base: "http://diming.test", proxied: true},
		{name: "bracketed IPv6, with and without a port, and empty items", peer: "127.0.0.1:5000",
			hdr: [][2]string{{"X-Forwarded-For", "[2001:db8::9]:443, [2001:db8::7], "}},
			ip:  "2001:db8::7", base: "http://diming.test", proxied: true},
		{name: "IPv6 client through an IPv6 proxy", peer: "[fd00::1]:443",
			hdr: [][2]string{{"X-Forwarded-For", "2001:db8::7"}, {"X-Forwarded-Proto", "https, http"}},
			ip:  "2001:db8::7", base: "https://diming.test", proxied: true},
		{name: "malformed scheme and host are ignored", peer: "127.0.0.1:5000",
			hdr: [][2]string{{"X-Forwarded-Proto", "gopher"}, {"X-Forwarded-Host", "evil.cn/x?y"}},
			ip:  "127.0.0.1", base: "http://diming.test", proxied: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://diming.test/tiles", nil)
			r.RemoteAddr = c.peer
			for _, h := range c.hdr {
				r.Header.Add(h[0], h[1])
			}
			tr := trusted
			if c.trustNoone {
				tr = nil
			}
			r = withClient(r, tr)
			if got := clientIP(r); got != c.ip {
				t.Errorf("client %q, want %q", got, c.ip)
			}
			if got := publicBase(r); got != c.base {
				t.Errorf("base %q, want %q", got, c.base)
			}
			if got := clientOf(r).proxied; got != c.proxied {
				t.Errorf("proxied %v, want %v", got, c.proxied)
			}
		})
	}
}

// proxiedServer runs the real outer middleware (observe, which resolves
// the client, and the rate limit) around a handler that answers with the
// client and base URL the handlers see.
func proxiedServer(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	s := &Server{cfg: cfg, log: slog.New(slog.NewTextHandler(io.Discard, nil)), metrics: newMetrics(prometheus.NewRegistry())}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, clientIP(r)+" "+publicBase(r))
	})
	srv := httptest.NewServer(s.observe(s.limitRate(echo)))
	t.Cleanup(srv.Close)
	return srv
}

func getWith(t *testing.T, url string, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// Behind a trusted proxy each client has its own rate budget; without the
// setting a client cannot buy a new budget by writing X-Forwarded-For.
func TestRateLimitPerClientBehindTrustedProxy(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	srv := proxiedServer(t, Config{RateLimit: 0.001, RateBurst: 2, TrustedProxies: loopback})
	as := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	for i := range 2 {
		if code, body := getWith(t, srv.URL+"/api/v1/places", as("198.51.100.1")); code != 200 || !strings.HasPrefix(body, "198.51.100.1 ") {
			t.Fatalf("client A request %d: %d %q", i+1, code, body)
		}
	}
	if code, _ := getWith(t, srv.URL+"/api/v1/places", as("198.51.100.1")); code != 429 {
		t.Errorf("client A over its burst: %d, want 429", code)
	}
	if code, body := getWith(t, srv.URL+"/api/v1/places", as("198.51.100.2")); code != 200 {
		t.Errorf("client B behind the same proxy was limited with A: %d %q", code, body)
	}
	// Forwarded scheme and host from the trusted proxy make the base URL.
	_, body := getWith(t, srv.URL+"/tiles", map[string]string{"X-Forwarded-For": "198.51.100.3", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "dm.example.gov.cn"})
	if body != "198.51.100.3 https://dm.example.gov.cn" {
		t.Errorf("behind the proxy the handler saw %q", body)
	}

	open := proxiedServer(t, Config{RateLimit: 0.001, RateBurst: 2})
	for i := range 2 {
		if code, _ := getWith(t, open.URL+"/api/v1/places", as("198.51.100."+string(rune('1'+i)))); code != 200 {
			t.Fatalf("request %d: %d", i+1, code)
		}
	}
	if code, body := getWith(t, open.URL+"/api/v1/places", as("198.51.100.9")); code != 429 {
		t.Errorf("a new X-Forwarded-For from an untrusted peer bought a new budget: %d %q", code, body)
	}
}

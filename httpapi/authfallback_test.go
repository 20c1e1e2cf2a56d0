package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"diming"
	"diming/auth"
	"diming/httpapi"
	"diming/readmodel"
	"diming/store/sqlite"
)

// downStore is the SQLite store with a switch that makes the account
// lookups and Ping fail as an unreachable database does.
type downStore struct {
	*sqlite.Store
	down atomic.Bool
}

func unreachable() error {
	return diming.Errorf(diming.EUNAVAILABLE, "无法连接数据库", "cannot reach the database")
}

func (d *downStore) TokenByHash(ctx context.Context, h string, now time.Time) (auth.Token, error) {
	if d.down.Load() {
		return auth.Token{}, unreachable()
	}
	return d.Store.TokenByHash(ctx, h, now)
}

func (d *downStore) SessionByHash(ctx context.Context, h string, now time.Time) (auth.Session, error) {
	if d.down.Load() {
		return auth.Session{}, unreachable()
	}
	return d.Store.SessionByHash(ctx, h, now)
}

func (d *downStore) UserByID(ctx context.Context, id int64) (auth.User, error) {
	if d.down.Load() {
		return auth.User{}, unreachable()
	}
	return d.Store.UserByID(ctx, id)
}

func (d *downStore) Ping(ctx context.Context) error {
	if d.down.Load() {
		return unreachable()
	}
	return d.Store.Ping(ctx)
}

// What a token or session checked before an outage may do during it, and
// what it may not: only reads, only while the store is really down, never
// after a revocation, a disabled account or a logout seen while it was up.
func TestAuthFallbackDuringOutage(t *testing.T) {
	ctx := context.Background()
	st := fixtureStore(t)
	ds := &downStore{Store: st}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	model := readmodel.NewHolder(ds, log)
	if _, err := model.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.DefaultConfig(), ds, model, log, nil).Handler())
	defer srv.Close()

	hash, _ := auth.HashPassword("a long enough password")
	u, err := st.CreateUser(ctx, "test", auth.User{Name: "gui.hua", Role: auth.RolePlanner}, hash)
	if err != nil {
		t.Fatal(err)
	}
	token := func(label string) string {
		secret, h, _ := auth.NewSecret(auth.TokenPrefix)
		if _, err := st.CreateToken(ctx, "test", u.ID, h, label, nil); err != nil {
			t.Fatal(err)
		}
		return secret
	}
	used, revoked, unused := token("used"), token("revoked"), token("unused")
	do := func(method, path, bearer string, cookie *http.Cookie, csrf string) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	login := func() (*http.Cookie, string) {
		res, err := http.Post(srv.URL+"/api/v1/login", "application/json", strings.NewReader(`{"name":"gui.hua","password":"a long enough password"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var me struct {
			CSRFToken string `json:"csrf_token"`
		}
		_ = json.NewDecoder(res.Body).Decode(&me)
		for _, c := range res.Cookies() {
			if c.Name == httpapi.SessionCookie {
				return c, me.CSRFToken
			}
		}
		t.Fatalf("login: %d, no session cookie", res.StatusCode)
		return nil, ""
	}

	// While the store is up, every token is checked.
	for _, tok := range []string{used, revoked} {
		if code := do("GET", "/api/v1/me", tok, nil, ""); code != 200 {
			t.Fatalf("GET /me with a fresh token: %d", code)
		}
	}
	if _, err := st.DB().Exec(`UPDATE api_tokens SET revoked_at = '2026-11-28T00:00:00Z' WHERE label = 'revoked'`); err != nil {
		t.Fatal(err)
	}
	if code := do("GET", "/api/v1/me", revoked, nil, ""); code != 401 {
		t.Errorf("a revoked token while the store is up: %d, want 401 (the cache is no second opinion)", code)
	}
	stayed, _ := login()
	left, leftCSRF := login()
	if code := do("GET", "/api/v1/me", "", left, ""); code != 200 {
		t.Errorf("fresh session: %d", code)
	}
	if code := do("POST", "/api/v1/logout", "", left, leftCSRF); code != 200 {
		t.Fatalf("logout: %d", code)
	}
	if code := do("GET", "/api/v1/me", "", stayed, ""); code != 200 {
		t.Fatalf("session: %d", code)
	}

	ds.down.Store(true)
	for _, c := range []struct {
		what         string
		method, path string
		bearer       string
		cookie       *http.Cookie
		want         int
	}{
		{"a token checked before, reading", "GET", "/api/v1/me", used, nil, 200},
		{"a session checked before, reading", "GET", "/api/v1/me", "", stayed, 200},
		{"a token checked before, writing", "POST", "/api/v1/facilities", used, nil, 503},
		{"a token never checked", "GET", "/api/v1/me", unused, nil, 503},
		{"a token revoked while the store was up", "GET", "/api/v1/me", revoked, nil, 503},
		{"a session logged out before", "GET", "/api/v1/me", "", left, 503},
	} {
		if got := do(c.method, c.path, c.bearer, c.cookie, ""); got != c.want {
			t.Errorf("store down, %s: %d, want %d", c.what, got, c.want)
		}
	}
	ds.down.Store(false)
	if code := do("GET", "/api/v1/me", revoked, nil, ""); code != 401 {
		t.Errorf("the revoked token after the outage: %d, want 401", code)
	}
}

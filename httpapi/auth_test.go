package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"diming/auth"
	"diming/httpapi"
)

func (f *fixture) user(t *testing.T, name string, role auth.Role, pw string) auth.User {
	t.Helper()
	h, _ := auth.HashPassword(pw)
	u, err := f.store.CreateUser(context.Background(), "test", auth.User{Name: name, Role: role}, h)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) post(t *testing.T, path, body string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
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

func TestLoginSessionAndCSRF(t *testing.T) {
	f := newFixture(t)
	f.user(t, "li.si", auth.RoleReviewer, "a long enough password")
	res, body := f.post(t, "/api/v1/login", `{"name":"li.si","password":"a long enough password"}`, nil)
	if res.StatusCode != 200 {
		t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	var me struct {
		User      struct{ Name, Role string }
		CSRFToken string `json:"csrf_token"`
	}
	_ = json.Unmarshal(body, &me)
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "diming_session" {
			cookie = c
		}
	}
	if me.User.Name != "li.si" || me.User.Role != "reviewer" || me.CSRFToken == "" || cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login answer %+v, cookie %+v", me, cookie)
	}
	if strings.Contains(string(body), "argon2") || strings.Contains(string(body), "password") {
		t.Fatalf("login answer leaks the password hash: %s", body)
	}
	withCookie := map[string]string{"Cookie": "diming_session=" + cookie.Value}
	if res, body := f.do(t, "GET", "/api/v1/me", withCookie); res.StatusCode != 200 || !strings.Contains(string(body), "li.si") {
		t.Fatalf("me with cookie: %d %s", res.StatusCode, body)
	}
	if res, _ := f.do(t, "GET", "/api/v1/me", nil); res.StatusCode != 401 {
		t.Fatalf("me without cookie: %d", res.StatusCode)
	}
	// A write with the cookie but no CSRF token is refused; with it, it works.
	if res, body := f.post(t, "/api/v1/logout", `{}`, withCookie); res.StatusCode != 403 || !strings.Contains(string(body), "CSRF") {
		t.Fatalf("logout without CSRF: %d %s", res.StatusCode, body)
	}
	withCookie["X-CSRF-Token"] = "wrong"
	if res, _ := f.post(t, "/api/v1/logout", `{}`, withCookie); res.StatusCode != 403 {
		t.Fatalf("logout with a wrong CSRF token: %d", res.StatusCode)
	}
	withCookie["X-CSRF-Token"] = me.CSRFToken
	if res, body := f.post(t, "/api/v1/logout", `{}`, withCookie); res.StatusCode != 200 {
		t.Fatalf("logout: %d %s", res.StatusCode, body)
	}
	if res, _ := f.do(t, "GET", "/api/v1/me", withCookie); res.StatusCode != 401 {
		t.Fatalf("me after logout: %d", res.StatusCode)
	}
}

func TestLoginFailuresAndThrottling(t *testing.T) {
	f := newFixture(t)
	f.user(t, "wang.wu", auth.RoleApplicant, "a long enough password")
	for _, body := range []string{`{"name":"wang.wu","password":"nope"}`, `{"name":"nobody","password":"a long enough password"}`} {
		res, b := f.post(t, "/api/v1/login", body, nil)
		if res.StatusCode != 401 || !strings.Contains(string(b), "用户名或密码错误") {
			t.Fatalf("%s: %d %s", body, res.StatusCode, b)
		}
	}
	for _, bad := range []struct{ body, ct string }{{`{"name":"x","password":"y","admin":true}`, "application/json"}, {`{"name":`, "application/json"}, {`name=x`, "application/x-www-form-urlencoded"}, {``, "application/json"}, {`{"name":1}`, "application/json"}} {
		res, b := f.post(t, "/api/v1/login", bad.body, map[string]string{"Content-Type": bad.ct})
		if res.StatusCode != 400 {
			t.Errorf("%q: %d %s", bad.body, res.StatusCode, b)
		}
	}
	// Three more failures (five in all from this address) lock out even the right password.
	for i := 0; i < 3; i++ {
		f.post(t, "/api/v1/login", `{"name":"wang.wu","password":"wrong again"}`, nil)
	}
	res, b := f.post(t, "/api/v1/login", `{"name":"wang.wu","password":"a long enough password"}`, nil)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after 5 failures: %d %s", res.StatusCode, b)
	}
}

func TestBearerTokens(t *testing.T) {
	f := newFixture(t)
	u := f.user(t, "zhao.liu", auth.RoleApprover, "a long enough password")
	secret, hash, _ := auth.NewSecret(auth.TokenPrefix)
	if _, err := f.store.CreateToken(context.Background(), "test", u.ID, hash, "", nil); err != nil {
		t.Fatal(err)
	}
	old, oldHash, _ := auth.NewSecret(auth.TokenPrefix)
	past := time.Now().Add(-time.Minute)
	if _, err := f.store.CreateToken(context.Background(), "test", u.ID, oldHash, "", &past); err != nil {
		t.Fatal(err)
	}
	if res, body := f.do(t, "GET", "/api/v1/me", map[string]string{"Authorization": "Bearer " + secret}); res.StatusCode != 200 || !strings.Contains(string(body), "approver") {
		t.Fatalf("me with token: %d %s", res.StatusCode, body)
	}
	for _, h := range []string{"Bearer " + old, "Bearer dmt_forged", "Basic eDp5", "Bearer", secret} {
		res, body := f.do(t, "GET", "/api/v1/divisions?level=district", map[string]string{"Authorization": h})
		if res.StatusCode != 401 || !strings.Contains(string(body), `"unauthorized"`) {
			t.Errorf("Authorization %q: %d %s", h, res.StatusCode, body)
		}
	}
}

// A browser that still holds a session cookie but lost its CSRF token can
// log in again.
func TestLoginWithStaleCookie(t *testing.T) {
	f := newFixture(t)
	f.user(t, "qian.shi", auth.RoleReviewer, "a long enough password")
	res, _ := f.post(t, "/api/v1/login", `{"name":"qian.shi","password":"a long enough password"}`, nil)
	var cookie string
	for _, c := range res.Cookies() {
		if c.Name == "diming_session" {
			cookie = c.Value
		}
	}
	res, body := f.post(t, "/api/v1/login", `{"name":"qian.shi","password":"a long enough password"}`, map[string]string{"Cookie": "diming_session=" + cookie})
	if res.StatusCode != 200 {
		t.Fatalf("second login with the old cookie and no CSRF token: %d %s", res.StatusCode, body)
	}
	// Other writes with that cookie still need the token.
	if res, _ := f.post(t, "/api/v1/checks/name", `{"name":"某路"}`, map[string]string{"Cookie": "diming_session=" + cookie}); res.StatusCode != 403 {
		t.Fatalf("write without CSRF token: %d", res.StatusCode)
	}
}

func TestSessionExpires(t *testing.T) {
	f := newFixture(t, func(c *httpapi.Config) { c.SessionTTL = 1500 * time.Millisecond })
	f.user(t, "li.si", auth.RoleReviewer, "a long enough password")
	res, body := f.post(t, "/api/v1/login", `{"name":"li.si","password":"a long enough password"}`, nil)
	if res.StatusCode != 200 {
		t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	cookies := res.Cookies()
	me := func() int {
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/me", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := me(); got != 200 {
		t.Fatalf("/me within the session: %d", got)
	}
	time.Sleep(2 * time.Second)
	if got := me(); got != 401 {
		t.Fatalf("/me after the session expired: %d, want 401", got)
	}
}

package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"diming"
	"diming/auth"
)

// SessionCookie is the name of the login cookie.
const SessionCookie = "diming_session"

type ctxUser struct{}

type principal struct {
	user      auth.User
	viaCookie bool
}

// userOf returns the authenticated user of a request, if any.
func userOf(ctx context.Context) (auth.User, bool) {
	p, ok := ctx.Value(ctxUser{}).(principal)
	return p.user, ok
}

// authenticate finds who is calling: a bearer token (a bad one is a 401:
// scripts should hear that their token is wrong) or a session cookie (a
// stale one is ignored: the caller is anonymous). Unsafe methods with a
// cookie must carry the session's CSRF token in X-CSRF-Token.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		now := time.Now()
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, secret, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(secret, auth.TokenPrefix) {
				writeError(w, r, diming.Errorf(diming.EUNAUTHORIZED, "Authorization 头应为 \"Bearer dmt_…\"", "the Authorization header must be \"Bearer dmt_…\""))
				return
			}
			u, err := s.tokenUser(ctx, auth.HashSecret(secret), now, !unsafeMethod(r.Method))
			if err != nil {
				writeError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, ctxUser{}, principal{user: u})))
			return
		}
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			u, csrfHash, err := s.sessionUser(ctx, auth.HashSecret(c.Value), now, !unsafeMethod(r.Method))
			if err == nil {
				if unsafeMethod(r.Method) && !auth.SameSecret(r.Header.Get("X-CSRF-Token"), csrfHash) {
					if r.URL.Path == "/api/v1/login" {
						// Logging in again needs no session: a browser that lost
						// its CSRF token must not be locked out until the cookie expires.
						next.ServeHTTP(w, r)
						return
					}
					writeError(w, r, diming.Errorf(diming.EFORBIDDEN, "缺少或错误的 CSRF 令牌（X-CSRF-Token）", "missing or wrong CSRF token (X-CSRF-Token)"))
					return
				}
				next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, ctxUser{}, principal{user: u, viaCookie: true})))
				return
			} else if diming.Code(err) == diming.EUNAVAILABLE {
				writeError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// tokenUser is the account of a bearer token (its hash): from the store,
// or, for a read (safe) while the store is down, from the last time the
// token was checked if that was within authFallback (see authCache).
func (s *Server) tokenUser(ctx context.Context, hash string, now time.Time, read bool) (auth.User, error) {
	key := "t:" + hash
	tok, err := s.store.TokenByHash(ctx, hash, now)
	var u auth.User
	if err == nil {
		u, err = s.store.UserByID(ctx, tok.UserID)
		if err == nil && u.Disabled {
			err = diming.Errorf(diming.ENOTFOUND, "账号已停用", "the account is disabled")
		}
		if err != nil && diming.Code(err) != diming.EUNAVAILABLE {
			s.auths.drop(key)
			return auth.User{}, diming.Errorf(diming.EUNAUTHORIZED, "令牌所属账号不可用", "the token's account is not available")
		}
	}
	if err != nil {
		if diming.Code(err) == diming.EUNAVAILABLE {
			if e, ok := s.fallback(ctx, key, now, read); ok {
				return e.user, nil
			}
			return auth.User{}, err
		}
		s.auths.drop(key)
		return auth.User{}, unauthorized(err)
	}
	var expires time.Time
	if tok.ExpiresAt != nil {
		expires = *tok.ExpiresAt
	}
	s.auths.put(key, authEntry{user: u, seen: now, expires: expires})
	return u, nil
}

// sessionUser is the account and CSRF hash of a console session (its
// hash), with the same fallback as tokenUser. An unknown or expired
// session is ENOTFOUND: the caller is anonymous.
func (s *Server) sessionUser(ctx context.Context, hash string, now time.Time, read bool) (auth.User, string, error) {
	key := "s:" + hash
	sess, err := s.store.SessionByHash(ctx, hash, now)
	if err == nil {
		var u auth.User
		if u, err = s.store.UserByID(ctx, sess.UserID); err == nil && !u.Disabled {
			s.auths.put(key, authEntry{user: u, csrfHash: sess.CSRFHash, seen: now, expires: sess.ExpiresAt})
			return u, sess.CSRFHash, nil
		}
		if err == nil {
			err = diming.Errorf(diming.ENOTFOUND, "账号已停用", "the account is disabled")
		}
	}
	if diming.Code(err) == diming.EUNAVAILABLE {
		if e, ok := s.fallback(ctx, key, now, read); ok {
			return e.user, e.csrfHash, nil
		}
		return auth.User{}, "", err
	}
	s.auths.drop(key)
	return auth.User{}, "", err
}

// fallback is the cached check of key, for a read only, and only when the
// store is down (a ping fails too), not after one failed query while it
// is up (a full connection pool, a timeout): there the caller gets the 503.
func (s *Server) fallback(ctx context.Context, key string, now time.Time, read bool) (authEntry, bool) {
	if !read {
		return authEntry{}, false
	}
	e, ok := s.auths.get(key, now)
	if !ok {
		return authEntry{}, false
	}
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	err := s.store.Ping(pctx)
	s.noteStoreHealth(now, err)
	if err == nil {
		return authEntry{}, false
	}
	return e, true
}

// authFallback is how long a token or session checked against the store
// stays good for reading while the store is down: officials keep reading
// through a short database outage (writes never use it). A token revoked
// from the command line just before an outage is honoured for reading
// that long at most.
const authFallback = 5 * time.Minute

// authCache remembers the last successful check of each token and session
// (by hash), for authFallback. It is only read when the store is down.
type authCache struct {
	mu sync.Mutex
	m  map[string]authEntry
}

type authEntry struct {
	user     auth.User
	csrfHash string
	seen     time.Time
	expires  time.Time // zero: none
	// gone marks a logged-out session: not honoured, and not put back by
	// a request that checked it just before the logout.
	gone bool
}

// authCacheMax bounds the cache: when full, stale entries go first, and if
// that frees nothing it starts again.
const authCacheMax = 10_000

func (c *authCache) put(key string, e authEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]authEntry{}
	}
	if old, ok := c.m[key]; ok && old.gone && e.seen.Sub(old.seen) <= authFallback {
		return
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= authCacheMax {
		for k, old := range c.m {
			if e.seen.Sub(old.seen) > authFallback || (!old.expires.IsZero() && !e.seen.Before(old.expires)) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= authCacheMax {
			c.m = map[string]authEntry{}
		}
	}
	c.m[key] = e
}

func (c *authCache) get(key string, now time.Time) (authEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.gone || now.Sub(e.seen) > authFallback || (!e.expires.IsZero() && !now.Before(e.expires)) {
		return authEntry{}, false
	}
	return e, true
}

func (c *authCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

// logout marks key as logged out (see authEntry.gone).
func (c *authCache) logout(key string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]authEntry{}
	}
	c.m[key] = authEntry{gone: true, seen: now}
}

func unauthorized(err error) error {
	if c := diming.Code(err); c == diming.EUNAVAILABLE {
		return err
	}
	zh, en := diming.Messages(err)
	return &diming.Error{Code: diming.EUNAUTHORIZED, Message: "令牌无效：" + zh, MessageEN: "invalid token: " + en, Err: err}
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// requireRole wraps a handler that only users holding one of roles may call.
func requireRole(f apiHandler, roles ...auth.Role) apiHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, ok := userOf(r.Context())
		if !ok {
			return diming.Errorf(diming.EUNAUTHORIZED, "请先登录", "log in first")
		}
		if !u.Has(roles...) {
			return diming.Errorf(diming.EFORBIDDEN, "账号 %s（%s）无权执行此操作", "account %s (%s) may not do this", u.Name, u.Role)
		}
		return f(w, r)
	}
}

// loginThrottle counts failed logins per account name and per client
// address: after MaxFailures within Window, further attempts are refused
// until the window has passed.
type loginThrottle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
	max      int
	window   time.Duration
}

func newLoginThrottle(max int, window time.Duration) *loginThrottle {
	return &loginThrottle{failures: map[string][]time.Time{}, max: max, window: window}
}

func (t *loginThrottle) recent(key string, now time.Time) []time.Time {
	fs := t.failures[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) > t.window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(t.failures, key)
	} else {
		t.failures[key] = fs
	}
	return fs
}

// blocked returns how long keys must wait, or 0.
func (t *loginThrottle) blocked(now time.Time, keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		if fs := t.recent(k, now); len(fs) >= t.max {
			if w := t.window - now.Sub(fs[len(fs)-t.max]); w > wait {
				wait = w
			}
		}
	}
	return wait
}

func (t *loginThrottle) fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		t.failures[k] = append(t.recent(k, now), now)
	}
}

func (t *loginThrottle) succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}

type meBody struct {
	User      auth.User `json:"user"`
	CSRFToken string    `json:"csrf_token,omitempty"`
	ExpiresAt string    `json:"expires_at,omitempty"`
	// NoticeDays is the default public-notice period, for the console's forms.
	NoticeDays int `json:"notice_days"`
}

// login: POST /api/v1/login {"name","password"} → a session cookie and the
// CSRF token the console sends back in X-CSRF-Token.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	now := time.Now()
	nameKey, ipKey := "name:"+strings.ToLower(body.Name), "ip:"+clientIP(r)
	if wait := s.throttle.blocked(now, nameKey, ipKey); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return diming.Errorf(diming.ETOOMANY, "登录失败次数过多，请 %d 分钟后再试", "too many failed logins; try again in %d minutes", int(wait.Minutes())+1)
	}
	u, hash, err := s.store.UserByName(r.Context(), body.Name)
	if diming.Code(err) == diming.EUNAVAILABLE {
		return err
	}
	if err != nil {
		hash = dummyHash // spend the same time whether or not the account exists
	}
	if !auth.VerifyPassword(body.Password, hash) || err != nil || u.Disabled {
		s.throttle.fail(now, nameKey, ipKey)
		logger(r.Context()).Warn("failed login", "name", truncate(body.Name, 64), "remote", clientIP(r))
		return diming.Errorf(diming.EUNAUTHORIZED, "用户名或密码错误", "wrong user name or password")
	}
	s.throttle.succeed(nameKey)
	sid, sidHash, err := auth.NewSecret("")
	if err != nil {
		return err
	}
	csrf, csrfHash, err := auth.NewSecret("")
	if err != nil {
		return err
	}
	expires := now.Add(s.cfg.SessionTTL)
	if err := s.store.CreateSession(r.Context(), sidHash, auth.Session{UserID: u.ID, CSRFHash: csrfHash, ExpiresAt: expires}); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: clientOf(r).scheme == "https" || s.cfg.SecureCookies, Expires: expires, MaxAge: int(s.cfg.SessionTTL.Seconds())})
	logger(r.Context()).Info("login", "user", u.Name)
	return writeJSON(w, http.StatusOK, "", meBody{User: u, CSRFToken: csrf, ExpiresAt: expires.UTC().Format(time.RFC3339), NoticeDays: s.cfg.NoticeDays})
}

// dummyHash is verified against when the account does not exist.
var dummyHash, _ = auth.HashPassword("no such account: constant-time filler")

// logout: POST /api/v1/logout ends the session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		hash := auth.HashSecret(c.Value)
		s.auths.logout("s:"+hash, time.Now())
		if err := s.store.DeleteSession(r.Context(), hash); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	return writeJSON(w, http.StatusOK, "", map[string]string{"status": "logged out"})
}

// me: GET /api/v1/me: who is logged in.
func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	u, ok := userOf(r.Context())
	if !ok {
		return diming.Errorf(diming.EUNAUTHORIZED, "未登录", "not logged in")
	}
	return writeJSON(w, http.StatusOK, "", meBody{User: u, NoticeDays: s.cfg.NoticeDays})
}

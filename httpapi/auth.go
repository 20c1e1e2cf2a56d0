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
			tok, err := s.store.TokenByHash(ctx, auth.HashSecret(secret), now)
			if err != nil {
				writeError(w, r, unauthorized(err))
				return
			}
			u, err := s.store.UserByID(ctx, tok.UserID)
			if err != nil || u.Disabled {
				writeError(w, r, diming.Errorf(diming.EUNAUTHORIZED, "令牌所属账号不可用", "the token's account is not available"))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, ctxUser{}, principal{user: u})))
			return
		}
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			sess, err := s.store.SessionByHash(ctx, auth.HashSecret(c.Value), now)
			if err == nil {
				u, err := s.store.UserByID(ctx, sess.UserID)
				if err == nil && !u.Disabled {
					if unsafeMethod(r.Method) && !auth.SameSecret(r.Header.Get("X-CSRF-Token"), sess.CSRFHash) {
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
				}
			} else if diming.Code(err) == diming.EUNAVAILABLE {
				writeError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
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
		if err := s.store.DeleteSession(r.Context(), auth.HashSecret(c.Value)); err != nil {
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

package httpapi

import (
	"fmt"
	"testing"
	"time"

	"diming/auth"
)

// The fallback for a store outage honours a check for authFallback only,
// never past the token's or session's own expiry, and forgets on drop.
func TestAuthCacheFallback(t *testing.T) {
	var c authCache
	t0 := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	u := auth.User{ID: 7, Name: "guihua", Role: auth.RolePlanner}
	c.put("t:a", authEntry{user: u, seen: t0})
	c.put("s:b", authEntry{user: u, csrfHash: "x", seen: t0, expires: t0.Add(time.Minute)})
	if e, ok := c.get("t:a", t0.Add(authFallback)); !ok || e.user.ID != 7 {
		t.Errorf("a check %v old was not honoured", authFallback)
	}
	if _, ok := c.get("t:a", t0.Add(authFallback+time.Second)); ok {
		t.Error("a check older than authFallback was honoured")
	}
	if e, ok := c.get("s:b", t0.Add(59*time.Second)); !ok || e.csrfHash != "x" {
		t.Error("a session within its lifetime was not honoured")
	}
	if _, ok := c.get("s:b", t0.Add(time.Minute)); ok {
		t.Error("a session was honoured at its expiry")
	}
	c.drop("t:a")
	if _, ok := c.get("t:a", t0); ok {
		t.Error("a dropped token was honoured")
	}
	if _, ok := c.get("t:never", t0); ok {
		t.Error("an unknown token was honoured")
	}
	// A logout is not undone by a request that checked the session just
	// before it.
	c.logout("s:b", t0.Add(10*time.Second))
	c.put("s:b", authEntry{user: u, seen: t0.Add(11 * time.Second)})
	if _, ok := c.get("s:b", t0.Add(12*time.Second)); ok {
		t.Error("a logged-out session came back")
	}
	// Full: stale entries go first, fresh ones stay.
	c = authCache{}
	for i := range authCacheMax {
		seen := t0
		if i%2 == 0 {
			seen = t0.Add(-2 * authFallback)
		}
		c.put(fmt.Sprint("k", i), authEntry{user: u, seen: seen})
	}
	c.put("new", authEntry{user: u, seen: t0})
	if len(c.m) != authCacheMax/2+1 {
		t.Errorf("after a put into a full cache: %d entries, want the %d fresh ones and the new one", len(c.m), authCacheMax/2)
	}
	if _, ok := c.get("k1", t0); !ok {
		t.Error("a fresh entry was evicted")
	}
	if _, ok := c.get("new", t0); !ok {
		t.Error("the new entry is missing")
	}
}

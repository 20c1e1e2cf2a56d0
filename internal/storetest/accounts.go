package storetest

import (
	"strings"
	"testing"
	"time"

	"diming"
	"diming/auth"
)

func testAccounts(t *testing.T, h Harness) {
	st := h.Accounts
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx(t), "admin:setup", auth.User{Name: "zhang.san", DisplayName: "张三", Role: auth.RoleReviewer}, hash)
	if err != nil || u.ID == 0 {
		t.Fatalf("CreateUser: %+v, %v", u, err)
	}
	if _, err := st.CreateUser(ctx(t), "admin:setup", auth.User{Name: "zhang.san", Role: auth.RoleAdmin}, hash); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("duplicate user name: %v", err)
	}
	for _, bad := range []auth.User{{Name: "Zhang San", Role: auth.RoleAdmin}, {Name: "x", Role: auth.RoleAdmin}, {Name: "li.si", Role: "god"}, {Name: "li.si'--", Role: auth.RoleAdmin}} {
		if _, err := st.CreateUser(ctx(t), "admin:setup", bad, hash); diming.Code(err) != diming.EINVALID {
			t.Errorf("bad user %+v: %v", bad, err)
		}
	}
	// Every role can be stored (the planner role came with migration 0009).
	for _, role := range auth.Roles {
		name := "role." + string(role)
		if _, err := st.CreateUser(ctx(t), "admin:setup", auth.User{Name: name, Role: role}, hash); err != nil {
			t.Errorf("a %s account: %v", role, err)
		}
		if got, _, err := st.UserByName(ctx(t), name); err != nil || got.Role != role {
			t.Errorf("a %s account reads back as %+v, %v", role, got, err)
		}
	}
	got, gotHash, err := st.UserByName(ctx(t), "zhang.san")
	if err != nil || got.ID != u.ID || got.Role != auth.RoleReviewer || got.DisplayName != "张三" || !auth.VerifyPassword("correct horse battery", gotHash) {
		t.Fatalf("UserByName: %+v %v", got, err)
	}
	if _, _, err := st.UserByName(ctx(t), "nobody"); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("unknown user: %v", err)
	}

	secret, tokenHash, _ := auth.NewSecret(auth.TokenPrefix)
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(time.Hour)
	tok, err := st.CreateToken(ctx(t), u.Actor(), u.ID, tokenHash, "脚本", &future)
	if err != nil {
		t.Fatal(err)
	}
	if live, err := st.TokenByHash(ctx(t), auth.HashSecret(secret), time.Now()); err != nil || live.ID != tok.ID || live.UserID != u.ID {
		t.Fatalf("TokenByHash: %+v %v", live, err)
	}
	if _, err := st.TokenByHash(ctx(t), auth.HashSecret(secret), future.Add(time.Second)); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("expired token accepted: %v", err)
	}
	_, oldHash, _ := auth.NewSecret(auth.TokenPrefix)
	if _, err := st.CreateToken(ctx(t), u.Actor(), u.ID, oldHash, "", &past); err != nil {
		t.Fatal(err)
	}
	if _, err := st.TokenByHash(ctx(t), oldHash, time.Now()); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("token that expired an hour ago accepted: %v", err)
	}
	if _, err := st.CreateToken(ctx(t), u.Actor(), 999999, auth.HashSecret("x"), "", nil); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("token for an unknown user: %v", err)
	}

	sid, sidHash, _ := auth.NewSecret("")
	_, csrfHash, _ := auth.NewSecret("")
	if err := st.CreateSession(ctx(t), sidHash, auth.Session{UserID: u.ID, CSRFHash: csrfHash, ExpiresAt: future}); err != nil {
		t.Fatal(err)
	}
	sess, err := st.SessionByHash(ctx(t), auth.HashSecret(sid), time.Now())
	if err != nil || sess.UserID != u.ID || sess.CSRFHash != csrfHash {
		t.Fatalf("SessionByHash: %+v %v", sess, err)
	}
	if _, err := st.SessionByHash(ctx(t), sidHash, future.Add(time.Minute)); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("expired session accepted: %v", err)
	}
	// A new password ends every session of the user.
	newHash, _ := auth.HashPassword("another long password")
	if err := st.SetPassword(ctx(t), "admin:setup", u.ID, newHash); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SessionByHash(ctx(t), sidHash, time.Now()); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("session survived a password change: %v", err)
	}
	sid2, sid2Hash, _ := auth.NewSecret("")
	_ = st.CreateSession(ctx(t), sid2Hash, auth.Session{UserID: u.ID, CSRFHash: csrfHash, ExpiresAt: future})
	if err := st.DeleteSession(ctx(t), auth.HashSecret(sid2)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SessionByHash(ctx(t), sid2Hash, time.Now()); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("deleted session accepted: %v", err)
	}
	// The audit log has the account changes and no secret.
	audit, _ := h.Store.Audit(ctx(t), diming.AuditFilter{})
	entities := map[string]int{}
	for _, e := range audit {
		entities[e.Entity]++
		for _, secretish := range []string{"argon2", tokenHash, oldHash, hash} {
			if strings.Contains(string(e.After), secretish) || strings.Contains(string(e.Before), secretish) {
				t.Fatalf("audit entry %d holds a secret: %s", e.ID, e.After)
			}
		}
	}
	if want := 2 + len(auth.Roles); entities["user"] != want || entities["token"] != 2 {
		t.Fatalf("audit entries by entity: %v, want %d user (creates, password) and 2 token", entities, want)
	}
}

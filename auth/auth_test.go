package auth_test

import (
	"strings"
	"testing"

	"diming/auth"
)

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "correct") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := auth.HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !auth.VerifyPassword("correct horse battery", h) || auth.VerifyPassword("correct horse batterz", h) || auth.VerifyPassword("", h) {
		t.Fatal("VerifyPassword")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=2,p=1$AAAA$AAAA", "$argon2id$v=19$m=19456,t=2,p=1$!!$AAAA"} {
		if auth.VerifyPassword("x", bad) {
			t.Errorf("%q verified", bad)
		}
	}
}

func TestSecrets(t *testing.T) {
	s, h, err := auth.NewSecret(auth.TokenPrefix)
	if err != nil || !strings.HasPrefix(s, "dmt_") || len(s) < 40 || len(h) != 64 || strings.Contains(h, s[4:]) {
		t.Fatalf("secret %q hash %q %v", s, h, err)
	}
	if !auth.SameSecret(s, h) || auth.SameSecret(s+"x", h) {
		t.Fatal("SameSecret")
	}
}

func TestRoles(t *testing.T) {
	if _, err := auth.ParseRole("root"); err == nil {
		t.Fatal("unknown role accepted")
	}
	reviewer := auth.User{ID: 1, Role: auth.RoleReviewer}
	admin := auth.User{ID: 2, Role: auth.RoleAdmin}
	disabled := auth.User{ID: 3, Role: auth.RoleAdmin, Disabled: true}
	if !reviewer.Has(auth.RoleReviewer, auth.RoleApprover) || reviewer.Has(auth.RoleApprover) || !admin.Has(auth.RoleApplicant) || disabled.Has(auth.RoleAdmin) || (auth.User{Role: auth.RoleAdmin}).Has(auth.RoleAdmin) {
		t.Fatal("Has")
	}
	if err := auth.CheckPassword("short"); err == nil {
		t.Fatal("short password accepted")
	}
}

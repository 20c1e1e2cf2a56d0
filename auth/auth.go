package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"diming"
)

// Role is what an official may do.
type Role string

// The roles, from the least to the most trusted.
const (
	// RoleApplicant files naming applications (a township office, a developer).
	RoleApplicant Role = "applicant"
	// RoleReviewer is the place-name section (区划地名科): reviews, puts on notice.
	RoleReviewer Role = "reviewer"
	// RoleApprover is the bureau: approves, rejects, publishes.
	RoleApprover Role = "approver"
	// RolePlanner is the planning and eldercare services section: keeps the
	// facilities and the walking network, suggests sites, saves coverage results.
	RolePlanner Role = "planner"
	// RoleAdmin manages accounts and reference data.
	RoleAdmin Role = "admin"
)

// Roles lists every role.
var Roles = []Role{RoleApplicant, RoleReviewer, RoleApprover, RolePlanner, RoleAdmin}

// ParseRole checks a role given by a person.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", diming.Errorf(diming.EINVALID, "角色 %q 无效：应为 applicant（申请人）、reviewer（审核人）、approver（审批人）、planner（规划人员）或 admin（管理员）",
		"invalid role %q: use applicant, reviewer, approver, planner or admin", s)
}

// User is an official's account.
type User struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Role        Role      `json:"role"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
}

// Actor is how the audit log names the user.
func (u User) Actor() diming.Actor { return diming.Actor("user:" + u.Name) }

// Has says whether the user is active and holds one of roles. Admins hold
// every role.
func (u User) Has(roles ...Role) bool {
	if u.Disabled || u.ID == 0 {
		return false
	}
	for _, r := range roles {
		if u.Role == r || u.Role == RoleAdmin {
			return true
		}
	}
	return false
}

// Token is an API token's record; the secret itself is never stored.
type Token struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Label     string     `json:"label"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Session is a browser login.
type Session struct {
	UserID    int64
	CSRFHash  string
	ExpiresAt time.Time
}

// Store keeps accounts. Secrets arrive already hashed. Errors are
// *diming.Error values: ECONFLICT for a taken user name, ENOTFOUND for an
// unknown user, token or session.
type Store interface {
	CreateUser(ctx context.Context, actor diming.Actor, u User, passwordHash string) (User, error)
	// UserByName returns the user and the password hash.
	UserByName(ctx context.Context, name string) (User, string, error)
	UserByID(ctx context.Context, id int64) (User, error)
	SetPassword(ctx context.Context, actor diming.Actor, userID int64, passwordHash string) error
	CreateToken(ctx context.Context, actor diming.Actor, userID int64, tokenHash, label string, expires *time.Time) (Token, error)
	// TokenByHash returns a token that is neither revoked nor expired at now.
	TokenByHash(ctx context.Context, tokenHash string, now time.Time) (Token, error)
	CreateSession(ctx context.Context, idHash string, s Session) error
	// SessionByHash returns a session that has not expired at now.
	SessionByHash(ctx context.Context, idHash string, now time.Time) (Session, error)
	DeleteSession(ctx context.Context, idHash string) error
}

// ValidateUser checks a new account.
func ValidateUser(u User) error {
	if len(u.Name) < 2 || len(u.Name) > 64 || strings.Trim(u.Name, "abcdefghijklmnopqrstuvwxyz0123456789._-") != "" {
		return diming.Errorf(diming.EINVALID, "用户名 %q 无效：2 至 64 个小写字母、数字、点、下划线或连字符",
			"invalid user name %q: 2 to 64 lower-case letters, digits, dots, underscores or hyphens", u.Name)
	}
	if utf8.RuneCountInString(u.DisplayName) > 50 || strings.ContainsFunc(u.DisplayName, func(r rune) bool { return r < 0x20 || r == 0x7f }) || !utf8.ValidString(u.DisplayName) {
		return diming.Errorf(diming.EINVALID, "显示名称过长或含有控制字符", "display name too long or has control characters")
	}
	_, err := ParseRole(string(u.Role))
	return err
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// CheckPassword rejects passwords too short or too long to be sensible.
func CheckPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > 1024 {
		return diming.Errorf(diming.EINVALID, "密码至少 %d 个字符", "the password needs at least %d characters", MinPasswordLen)
	}
	return nil
}

// argon2id parameters (OWASP's recommended minimum: 19 MiB, 2 passes).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword compares pw with a PHC argon2id hash in constant time.
func VerifyPassword(pw, hash string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 10 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// TokenPrefix starts every API token, so leaked ones are easy to find.
const TokenPrefix = "dmt_"

// NewSecret returns a random secret with a prefix, and its hash for storage.
func NewSecret(prefix string) (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("auth: random: %w", err)
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret), nil
}

// HashSecret is how tokens, session ids and CSRF tokens are stored: they are
// 256-bit random, so a plain SHA-256 is enough (no slow hash needed).
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SameSecret compares a secret with a stored hash in constant time.
func SameSecret(secret, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(hash)) == 1
}

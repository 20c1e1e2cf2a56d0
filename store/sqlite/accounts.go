package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"diming"
	"diming/auth"
)

var _ auth.Store = (*Store)(nil)

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTS(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// CreateUser adds an account, audited.
func (s *Store) CreateUser(ctx context.Context, actor diming.Actor, u auth.User, passwordHash string) (_ auth.User, err error) {
	if err := auth.ValidateUser(u); err != nil {
		return u, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return u, classify(err, "开始创建账号", "begin creating the account")
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	now := s.now().UTC()
	u.CreatedAt = now
	res, err := tx.ExecContext(ctx, "INSERT INTO users (name, display_name, role, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		u.Name, u.DisplayName, string(u.Role), passwordHash, boolInt(u.Disabled), ts(now))
	if err := classify(err, "创建账号", "create the account"); diming.Code(err) == diming.ECONFLICT {
		return u, diming.Errorf(diming.ECONFLICT, "用户名 %s 已被使用", "user name %s is taken", u.Name)
	} else if err != nil {
		return u, err
	}
	if u.ID, err = res.LastInsertId(); err != nil {
		return u, classify(err, "创建账号", "create the account")
	}
	after, _ := json.Marshal(u)
	if err := appendAudit(ctx, tx, ts(now), diming.AuditEntry{Actor: actor, Action: "create", Entity: "user", EntityID: u.Name, After: after}); err != nil {
		return u, err
	}
	if err := tx.Commit(); err != nil {
		return u, classify(err, "提交账号", "commit the account")
	}
	return u, nil
}

const userColumns = "id, name, display_name, role, disabled, created_at"

func scanUser(sc scanner, extra ...any) (auth.User, error) {
	var u auth.User
	var role, created string
	var disabled int
	err := sc.Scan(append([]any{&u.ID, &u.Name, &u.DisplayName, &role, &disabled, &created}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return u, diming.Errorf(diming.ENOTFOUND, "没有这个账号", "no such account")
	}
	if err != nil {
		return u, classify(err, "读取账号", "read the account")
	}
	u.Role, u.Disabled = auth.Role(role), disabled == 1
	u.CreatedAt, err = parseTS(created)
	return u, err
}

// UserByName returns the user and the password hash.
func (s *Store) UserByName(ctx context.Context, name string) (auth.User, string, error) {
	var hash string
	u, err := scanUser(s.db.QueryRowContext(ctx, "SELECT "+userColumns+", password_hash FROM users WHERE name = ?", name), &hash)
	return u, hash, err
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id int64) (auth.User, error) {
	return scanUser(s.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

// SetPassword replaces a user's password hash, audited (without the hash).
func (s *Store) SetPassword(ctx context.Context, actor diming.Actor, userID int64, passwordHash string) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return classify(err, "开始修改口令", "begin changing the password")
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	res, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", passwordHash, userID)
	if err != nil {
		return classify(err, "修改口令", "change the password")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return diming.Errorf(diming.ENOTFOUND, "没有这个账号", "no such account")
	}
	// Every session of the user ends with the old password.
	if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
		return classify(err, "修改口令", "change the password")
	}
	if err := appendAudit(ctx, tx, ts(s.now()), diming.AuditEntry{Actor: actor, Action: "update", Entity: "user", EntityID: fmt.Sprint(userID),
		After: json.RawMessage(`{"password":"changed"}`)}); err != nil {
		return err
	}
	return classify(tx.Commit(), "修改口令", "change the password")
}

// CreateToken stores a token's hash, audited (without the hash).
func (s *Store) CreateToken(ctx context.Context, actor diming.Actor, userID int64, tokenHash, label string, expires *time.Time) (_ auth.Token, err error) {
	t := auth.Token{UserID: userID, Label: label, ExpiresAt: expires}
	if _, err := s.UserByID(ctx, userID); err != nil {
		return t, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return t, classify(err, "开始创建令牌", "begin creating the token")
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	t.CreatedAt = s.now().UTC()
	var exp any
	if expires != nil {
		exp = ts(*expires)
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		userID, tokenHash, label, ts(t.CreatedAt), exp)
	if err != nil {
		return t, classify(err, "创建令牌", "create the token")
	}
	if t.ID, err = res.LastInsertId(); err != nil {
		return t, classify(err, "创建令牌", "create the token")
	}
	after, _ := json.Marshal(t)
	if err := appendAudit(ctx, tx, ts(t.CreatedAt), diming.AuditEntry{Actor: actor, Action: "create", Entity: "token", EntityID: fmt.Sprint(t.ID), After: after}); err != nil {
		return t, err
	}
	return t, classify(tx.Commit(), "创建令牌", "create the token")
}

// TokenByHash returns a live token.
func (s *Store) TokenByHash(ctx context.Context, tokenHash string, now time.Time) (auth.Token, error) {
	var t auth.Token
	var created string
	var expires, revoked sql.NullString
	err := s.db.QueryRowContext(ctx, "SELECT id, user_id, label, created_at, expires_at, revoked_at FROM api_tokens WHERE token_hash = ?", tokenHash).
		Scan(&t.ID, &t.UserID, &t.Label, &created, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return t, diming.Errorf(diming.ENOTFOUND, "没有这个令牌", "unknown token")
	}
	if err != nil {
		return t, classify(err, "读取令牌", "read the token")
	}
	if revoked.Valid {
		return t, diming.Errorf(diming.ENOTFOUND, "令牌已吊销", "the token is revoked")
	}
	if expires.Valid {
		e, err := parseTS(expires.String)
		if err != nil {
			return t, err
		}
		if !now.Before(e) {
			return t, diming.Errorf(diming.ENOTFOUND, "令牌已过期", "the token has expired")
		}
		t.ExpiresAt = &e
	}
	t.CreatedAt, err = parseTS(created)
	return t, err
}

// CreateSession stores a login session.
func (s *Store) CreateSession(ctx context.Context, idHash string, sess auth.Session) error {
	// Expired sessions go whenever a new one comes.
	if _, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at < ?", ts(s.now())); err != nil {
		return classify(err, "清理会话", "clean up sessions")
	}
	_, err := s.db.ExecContext(ctx, "INSERT INTO sessions (id_hash, user_id, csrf_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		idHash, sess.UserID, sess.CSRFHash, ts(s.now()), ts(sess.ExpiresAt))
	return classify(err, "创建会话", "create the session")
}

// SessionByHash returns a live session.
func (s *Store) SessionByHash(ctx context.Context, idHash string, now time.Time) (auth.Session, error) {
	var sess auth.Session
	var expires string
	err := s.db.QueryRowContext(ctx, "SELECT user_id, csrf_hash, expires_at FROM sessions WHERE id_hash = ?", idHash).Scan(&sess.UserID, &sess.CSRFHash, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, diming.Errorf(diming.ENOTFOUND, "会话不存在或已结束", "no such session")
	}
	if err != nil {
		return sess, classify(err, "读取会话", "read the session")
	}
	if sess.ExpiresAt, err = parseTS(expires); err != nil {
		return sess, err
	}
	if !now.Before(sess.ExpiresAt) {
		return sess, diming.Errorf(diming.ENOTFOUND, "会话已过期，请重新登录", "the session has expired; log in again")
	}
	return sess, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = ?", idHash)
	return classify(err, "结束会话", "end the session")
}

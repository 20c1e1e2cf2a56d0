package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"diming"
	"diming/auth"
)

var _ auth.Store = (*Store)(nil)

// CreateUser adds an account, audited.
func (s *Store) CreateUser(ctx context.Context, actor diming.Actor, u auth.User, passwordHash string) (auth.User, error) {
	if err := auth.ValidateUser(u); err != nil {
		return u, err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO users (name, display_name, role, password_hash, disabled)
			VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`, u.Name, u.DisplayName, string(u.Role), passwordHash, u.Disabled).
			Scan(&u.ID, &u.CreatedAt)
		if err := classify(err, "创建账号", "create the account"); diming.Code(err) == diming.ECONFLICT {
			return diming.Errorf(diming.ECONFLICT, "用户名 %s 已被使用", "user name %s is taken", u.Name)
		} else if err != nil {
			return err
		}
		after, _ := json.Marshal(u)
		return appendAudit(ctx, tx, diming.AuditEntry{Actor: actor, Action: "create", Entity: "user", EntityID: u.Name, After: after})
	})
	return u, classify(err, "创建账号", "create the account")
}

const userColumns = "id, name, display_name, role, disabled, created_at"

func scanUser(row pgx.Row, extra ...any) (auth.User, error) {
	var u auth.User
	var role string
	err := row.Scan(append([]any{&u.ID, &u.Name, &u.DisplayName, &role, &u.Disabled, &u.CreatedAt}, extra...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, diming.Errorf(diming.ENOTFOUND, "没有这个账号", "no such account")
	}
	u.Role = auth.Role(role)
	return u, classify(err, "读取账号", "read the account")
}

// UserByName returns the user and the password hash.
func (s *Store) UserByName(ctx context.Context, name string) (auth.User, string, error) {
	var hash string
	u, err := scanUser(s.pool.QueryRow(ctx, "SELECT "+userColumns+", password_hash FROM users WHERE name = $1", name), &hash)
	return u, hash, err
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id int64) (auth.User, error) {
	return scanUser(s.pool.QueryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = $1", id))
}

// SetPassword replaces a user's password hash and ends their sessions, audited.
func (s *Store) SetPassword(ctx context.Context, actor diming.Actor, userID int64, passwordHash string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", passwordHash, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return diming.Errorf(diming.ENOTFOUND, "没有这个账号", "no such account")
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = $1", userID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, diming.AuditEntry{Actor: actor, Action: "update", Entity: "user", EntityID: fmt.Sprint(userID),
			After: json.RawMessage(`{"password":"changed"}`)})
	})
	return classify(err, "修改口令", "change the password")
}

// CreateToken stores a token's hash, audited (without the hash).
func (s *Store) CreateToken(ctx context.Context, actor diming.Actor, userID int64, tokenHash, label string, expires *time.Time) (auth.Token, error) {
	t := auth.Token{UserID: userID, Label: label, ExpiresAt: expires}
	if _, err := s.UserByID(ctx, userID); err != nil {
		return t, err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (user_id, token_hash, label, expires_at) VALUES ($1, $2, $3, $4)
			RETURNING id, created_at`, userID, tokenHash, label, expires).Scan(&t.ID, &t.CreatedAt); err != nil {
			return err
		}
		after, _ := json.Marshal(t)
		return appendAudit(ctx, tx, diming.AuditEntry{Actor: actor, Action: "create", Entity: "token", EntityID: fmt.Sprint(t.ID), After: after})
	})
	return t, classify(err, "创建令牌", "create the token")
}

// TokenByHash returns a live token.
func (s *Store) TokenByHash(ctx context.Context, tokenHash string, now time.Time) (auth.Token, error) {
	var t auth.Token
	err := s.pool.QueryRow(ctx, "SELECT id, user_id, label, created_at, expires_at, revoked_at FROM api_tokens WHERE token_hash = $1", tokenHash).
		Scan(&t.ID, &t.UserID, &t.Label, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return t, diming.Errorf(diming.ENOTFOUND, "没有这个令牌", "unknown token")
	case err != nil:
		return t, classify(err, "读取令牌", "read the token")
	case t.RevokedAt != nil:
		return t, diming.Errorf(diming.ENOTFOUND, "令牌已吊销", "the token is revoked")
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return t, diming.Errorf(diming.ENOTFOUND, "令牌已过期", "the token has expired")
	}
	return t, nil
}

// CreateSession stores a login session (and drops expired ones).
func (s *Store) CreateSession(ctx context.Context, idHash string, sess auth.Session) error {
	if _, err := s.pool.Exec(ctx, "DELETE FROM sessions WHERE expires_at < now()"); err != nil {
		return classify(err, "清理会话", "clean up sessions")
	}
	_, err := s.pool.Exec(ctx, "INSERT INTO sessions (id_hash, user_id, csrf_hash, expires_at) VALUES ($1, $2, $3, $4)",
		idHash, sess.UserID, sess.CSRFHash, sess.ExpiresAt)
	return classify(err, "创建会话", "create the session")
}

// SessionByHash returns a live session.
func (s *Store) SessionByHash(ctx context.Context, idHash string, now time.Time) (auth.Session, error) {
	var sess auth.Session
	err := s.pool.QueryRow(ctx, "SELECT user_id, csrf_hash, expires_at FROM sessions WHERE id_hash = $1", idHash).Scan(&sess.UserID, &sess.CSRFHash, &sess.ExpiresAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return sess, diming.Errorf(diming.ENOTFOUND, "会话不存在或已结束", "no such session")
	case err != nil:
		return sess, classify(err, "读取会话", "read the session")
	case !now.Before(sess.ExpiresAt):
		return sess, diming.Errorf(diming.ENOTFOUND, "会话已过期，请重新登录", "the session has expired; log in again")
	}
	return sess, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.pool.Exec(ctx, "DELETE FROM sessions WHERE id_hash = $1", idHash)
	return classify(err, "结束会话", "end the session")
}

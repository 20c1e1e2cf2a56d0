package sqlite

import (
	"context"
	"time"

	"diming/auth"
	"diming/store/internal/rowstore"
)

var _ auth.Store = (*Store)(nil)

const userColumns = "id, name, display_name, role, disabled, created_at"

// UserByName returns the user and the password hash.
func (s *Store) UserByName(ctx context.Context, name string) (auth.User, string, error) {
	var hash string
	u, err := rowstore.One(classifyOp, rowstore.OpReadUser, rowstore.NoUser, func(row rowstore.Scanner) (auth.User, error) { return dec.User(row, &hash) },
		s.db.QueryRowContext(ctx, "SELECT "+userColumns+", password_hash FROM users WHERE name = ?", name))
	return u, hash, err
}

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id int64) (auth.User, error) {
	return rowstore.One(classifyOp, rowstore.OpReadUser, rowstore.NoUser, dec.Users,
		s.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

// TokenByHash returns a live token.
func (s *Store) TokenByHash(ctx context.Context, tokenHash string, now time.Time) (auth.Token, error) {
	t, err := rowstore.One(classifyOp, rowstore.OpReadToken, rowstore.NoToken, dec.Token,
		s.db.QueryRowContext(ctx, "SELECT id, user_id, label, created_at, expires_at, revoked_at FROM api_tokens WHERE token_hash = ?", tokenHash))
	if err != nil {
		return t, err
	}
	return t, rowstore.LiveToken(t, now)
}

// CreateSession stores a login session (and drops expired ones).
func (s *Store) CreateSession(ctx context.Context, idHash string, sess auth.Session) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at < ?", ts(s.now())); err != nil {
		return classifyOp(err, rowstore.OpCleanSessions)
	}
	_, err := s.db.ExecContext(ctx, "INSERT INTO sessions (id_hash, user_id, csrf_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		idHash, sess.UserID, sess.CSRFHash, ts(s.now()), ts(sess.ExpiresAt))
	return classifyOp(err, rowstore.OpCreateSession)
}

// SessionByHash returns a live session.
func (s *Store) SessionByHash(ctx context.Context, idHash string, now time.Time) (auth.Session, error) {
	sess, err := rowstore.One(classifyOp, rowstore.OpReadSession, rowstore.NoSession, dec.Session,
		s.db.QueryRowContext(ctx, "SELECT user_id, csrf_hash, expires_at FROM sessions WHERE id_hash = ?", idHash))
	if err != nil {
		return sess, err
	}
	return sess, rowstore.LiveSession(sess, now)
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE id_hash = ?", idHash)
	return classifyOp(err, rowstore.OpDeleteSession)
}

// ---- rows of a write (rowstore.AccountRows)

func (t *tx) InsertUser(ctx context.Context, u auth.User, passwordHash string) (int64, error) {
	return t.insert(ctx, "INSERT INTO users (name, display_name, role, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		u.Name, u.DisplayName, string(u.Role), passwordHash, boolInt(u.Disabled), ts(u.CreatedAt))
}

func (t *tx) ReadUser(ctx context.Context, id int64) (auth.User, error) {
	return dec.User(t.tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
}

func (t *tx) SetPasswordHash(ctx context.Context, userID int64, passwordHash string) (bool, error) {
	n, err := t.exec(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", passwordHash, userID)
	return n == 1, err
}

func (t *tx) DeleteSessionsOf(ctx context.Context, userID int64) error {
	_, err := t.exec(ctx, "DELETE FROM sessions WHERE user_id = ?", userID)
	return err
}

func (t *tx) InsertToken(ctx context.Context, tk auth.Token, tokenHash string) (int64, error) {
	var expires any
	if tk.ExpiresAt != nil {
		expires = ts(*tk.ExpiresAt)
	}
	return t.insert(ctx, "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		tk.UserID, tokenHash, tk.Label, ts(tk.CreatedAt), expires)
}

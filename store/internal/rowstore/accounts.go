package rowstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"diming"
	"diming/auth"
)

// CreateUser adds an account, audited (without the password hash).
func (e Engine) CreateUser(ctx context.Context, actor diming.Actor, u auth.User, passwordHash string) (auth.User, error) {
	if err := guardUser(u); err != nil {
		return u, err
	}
	err := e.inTx(ctx, OpCreateUser, func(tx Tx) error {
		var err error
		if u.CreatedAt, err = tx.Now(ctx); err != nil {
			return err
		}
		u.ID, err = tx.Insert(ctx, e.sql.InsertUser, u.Name, u.DisplayName, string(u.Role), passwordHash, u.Disabled, e.codec.Time(u.CreatedAt))
		if err := e.classify(err, OpCreateUser); diming.Code(err) == diming.ECONFLICT {
			return UserNameTaken(u.Name)
		} else if err != nil {
			return err
		}
		return e.audit(ctx, tx, created(actor, "user", u.Name, jsonOf(u)))
	})
	return u, err
}

// SetPassword replaces a user's password hash and ends their sessions,
// audited (without the hash).
func (e Engine) SetPassword(ctx context.Context, actor diming.Actor, userID int64, passwordHash string) error {
	return e.inTx(ctx, OpSetPassword, func(tx Tx) error {
		found, err := tx.Exec(ctx, e.sql.SetPassword, passwordHash, userID)
		if err != nil {
			return err
		}
		if found != 1 {
			return NoUser()
		}
		// Every session of the user ends with the old password.
		if _, err := tx.Exec(ctx, e.sql.DeleteSessionsOf, userID); err != nil {
			return err
		}
		return e.audit(ctx, tx, changed(actor, "update", "user", fmt.Sprint(userID), nil, json.RawMessage(`{"password":"changed"}`)))
	})
}

// CreateToken stores a token's hash for an existing user, audited (without
// the hash).
func (e Engine) CreateToken(ctx context.Context, actor diming.Actor, userID int64, tokenHash, label string, expires *time.Time) (auth.Token, error) {
	t := auth.Token{UserID: userID, Label: label, ExpiresAt: expires}
	err := e.inTx(ctx, OpCreateToken, func(tx Tx) error {
		if _, err := e.codec.Users(tx.QueryRow(ctx, e.sql.UserByID, userID)); NoRows(err) {
			return NoUser()
		} else if err != nil {
			return e.classify(err, OpReadUser)
		}
		var err error
		if t.CreatedAt, err = tx.Now(ctx); err != nil {
			return err
		}
		if t.ID, err = tx.Insert(ctx, e.sql.InsertToken, userID, tokenHash, label, e.codec.Time(t.CreatedAt), e.codec.NullTime(expires)); err != nil {
			return err
		}
		return e.audit(ctx, tx, created(actor, "token", fmt.Sprint(t.ID), jsonOf(t)))
	})
	return t, err
}

// LiveToken is nil for a token that is neither revoked nor expired at now.
func LiveToken(t auth.Token, now time.Time) error {
	switch {
	case t.RevokedAt != nil:
		return diming.Errorf(diming.ENOTFOUND, "令牌已吊销", "the token is revoked")
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return diming.Errorf(diming.ENOTFOUND, "令牌已过期", "the token has expired")
	}
	return nil
}

// LiveSession is nil for a session that has not expired at now.
func LiveSession(s auth.Session, now time.Time) error {
	if !now.Before(s.ExpiresAt) {
		return diming.Errorf(diming.ENOTFOUND, "会话已过期，请重新登录", "the session has expired; log in again")
	}
	return nil
}

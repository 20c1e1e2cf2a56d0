package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"diming"
	"diming/store/internal/rowstore"
)

// tx is one transaction: it implements rowstore.Tx, each method one
// statement. The handle begins with BEGIN IMMEDIATE (_txlock=immediate), so
// a writer holds the database's write lock from its first statement: reads
// for a write need no row locks.
type tx struct {
	tx  *sql.Tx
	now time.Time
}

var _ rowstore.Tx = (*tx)(nil)

// begin runs fn in one transaction (rowstore.Engine's begin).
func (s *Store) begin(ctx context.Context, fn func(rowstore.Tx) error) (err error) {
	t, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = t.Rollback()
		}
	}()
	if err := fn(&tx{tx: t, now: s.now().UTC()}); err != nil {
		return err
	}
	return t.Commit()
}

// Now is the time the transaction began.
func (t *tx) Now(context.Context) (time.Time, error) { return t.now, nil }

// exec runs a statement: how many rows it touched.
func (t *tx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// insert runs an INSERT: the new row's id.
func (t *tx) insert(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// insertInto is "INSERT INTO table (cols) VALUES (?, …)".
func insertInto(table, cols string) string {
	return "INSERT INTO " + table + " (" + cols + ") VALUES (?" + strings.Repeat(", ?", strings.Count(cols, ",")) + ")"
}

// updateSet is "UPDATE table SET col = ?, … WHERE id = ?".
func updateSet(table, cols string) string {
	return "UPDATE " + table + " SET " + strings.ReplaceAll(cols, ",", " = ?,") + " = ? WHERE id = ?"
}

func (t *tx) InsertAudit(ctx context.Context, e diming.AuditEntry) error {
	_, err := t.exec(ctx, `INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ts(t.now), string(e.Actor), e.Action, e.Entity, e.EntityID,
		nullJSON(e.Before), nullJSON(e.After), e.Reason)
	return err
}

// ---- columns as SQLite keeps them

// ts is how a time is stored: RFC 3339 text in UTC, to the nanosecond.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTS(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// dec scans the columns that are text here into times and lists.
var dec = rowstore.Decoder{
	Time:     func(dst *time.Time) any { return timeText{dst} },
	NullTime: func(dst **time.Time) any { return nullTimeText{dst} },
	Strings:  func(dst *[]string) any { return jsonText{dst} },
}

type timeText struct{ dst *time.Time }

func (t timeText) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("sqlite: a time stored as %T, not text", src)
	}
	v, err := parseTS(s)
	*t.dst = v
	return err
}

type nullTimeText struct{ dst **time.Time }

func (t nullTimeText) Scan(src any) error {
	if src == nil {
		*t.dst = nil
		return nil
	}
	var v time.Time
	if err := (timeText{&v}).Scan(src); err != nil {
		return err
	}
	*t.dst = &v
	return nil
}

type jsonText struct{ dst *[]string }

func (j jsonText) Scan(src any) error {
	s, ok := src.(string)
	if !ok {
		return fmt.Errorf("sqlite: a list stored as %T, not text", src)
	}
	return json.Unmarshal([]byte(s), j.dst)
}

func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func jsonList(s []string) string {
	b, _ := json.Marshal(nonNil(s))
	return string(b)
}

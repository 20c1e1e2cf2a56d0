package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"diming/store/internal/rowstore"
)

// conn runs rowstore's statements on the handle or in a transaction.
type conn struct {
	q interface {
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	}
}

func (c conn) Query(ctx context.Context, query string, args ...any) (rowstore.Rows, error) {
	rows, err := c.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (c conn) QueryRow(ctx context.Context, query string, args ...any) rowstore.Scanner {
	return c.q.QueryRowContext(ctx, query, args...)
}

func (c conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Insert runs an INSERT: the new row's id.
func (c conn) Insert(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// tx is one transaction (rowstore.Tx). The handle begins with BEGIN
// IMMEDIATE (_txlock=immediate), so a writer holds the database's write
// lock from its first statement: reads for a write need no row locks.
type tx struct {
	conn
	tx  *sql.Tx
	now time.Time
}

var _ rowstore.Tx = (*tx)(nil)

// begin runs fn in one transaction (rowstore.Config.Begin).
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
	if err := fn(&tx{conn: conn{t}, tx: t, now: s.now().UTC()}); err != nil {
		return err
	}
	return t.Commit()
}

// Now is the time the transaction began.
func (t *tx) Now(context.Context) (time.Time, error) { return t.now, nil }

// ---- columns as SQLite keeps them

// ts is how a time is stored: RFC 3339 text in UTC, to the nanosecond.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTS(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// codec: times are RFC 3339 text, lists JSON text, geometry WKB with its
// bounding box in four columns.
var codec = rowstore.Codec{
	ScanTime:     func(dst *time.Time) any { return timeText{dst} },
	ScanNullTime: func(dst **time.Time) any { return nullTimeText{dst} },
	ScanStrings:  func(dst *[]string) any { return jsonText{dst} },
	Time:         func(t time.Time) any { return ts(t) },
	NullTime: func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return ts(*t)
	},
	Strings: func(s []string) any {
		b, _ := json.Marshal(s)
		return string(b)
	},
	Geometry: func(g orb.Geometry, box bool) ([]any, error) {
		b, err := wkb.Marshal(g)
		if err != nil {
			return nil, err
		}
		if !box {
			return []any{b}, nil
		}
		r := g.Bound()
		return []any{b, r.Min[0], r.Min[1], r.Max[0], r.Max[1]}, nil
	},
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

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

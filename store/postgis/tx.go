package postgis

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"diming/store/internal/rowstore"
)

// conn runs rowstore's statements on the pool or in a transaction.
type conn struct {
	q interface {
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
		QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	}
}

func (c conn) Query(ctx context.Context, sql string, args ...any) (rowstore.Rows, error) {
	return c.q.Query(ctx, sql, args...)
}

func (c conn) QueryRow(ctx context.Context, sql string, args ...any) rowstore.Scanner {
	return c.q.QueryRow(ctx, sql, args...)
}

func (c conn) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

// Insert runs an INSERT, RETURNING id.
func (c conn) Insert(ctx context.Context, sql string, args ...any) (int64, error) {
	var id int64
	err := c.q.QueryRow(ctx, sql+" RETURNING id", args...).Scan(&id)
	return id, err
}

// tx is one transaction (rowstore.Tx).
type tx struct {
	conn
	tx  pgx.Tx
	now time.Time
}

var _ rowstore.Tx = (*tx)(nil)

// begin runs fn in one transaction (rowstore.Config.Begin).
func (s *Store) begin(ctx context.Context, fn func(rowstore.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error { return fn(&tx{conn: conn{t}, tx: t}) })
}

// Now is the database's clock at the first call, the same for the rest of
// the transaction.
func (t *tx) Now(ctx context.Context) (time.Time, error) {
	if t.now.IsZero() {
		if err := t.tx.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&t.now); err != nil {
			return time.Time{}, err
		}
	}
	return t.now, nil
}

// codec: pgx reads and writes every column as its Go type itself; geometry
// goes as EWKB.
var codec = rowstore.Codec{
	ScanTime:     func(dst *time.Time) any { return dst },
	ScanNullTime: func(dst **time.Time) any { return dst },
	ScanStrings:  func(dst *[]string) any { return dst },
	Time:         func(t time.Time) any { return t },
	NullTime:     func(t *time.Time) any { return t },
	Strings:      func(s []string) any { return s },
	Geometry: func(g orb.Geometry, _ bool) ([]any, error) {
		b, err := toEWKB(g)
		return []any{b}, err
	},
	TimeResolution: time.Microsecond,
}

package postgis

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"diming"
	"diming/store/internal/rowstore"
)

// tx is one transaction: it implements rowstore.Tx, each method one
// statement. Reads for a write lock their row (FOR UPDATE).
type tx struct {
	tx  pgx.Tx
	now time.Time
}

var _ rowstore.Tx = (*tx)(nil)

// begin runs fn in one transaction (rowstore.Engine's begin).
func (s *Store) begin(ctx context.Context, fn func(rowstore.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error { return fn(&tx{tx: t}) })
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

// exec runs a statement: how many rows it touched.
func (t *tx) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

// insert runs an INSERT … RETURNING id.
func (t *tx) insert(ctx context.Context, sql string, args ...any) (int64, error) {
	var id int64
	err := t.tx.QueryRow(ctx, sql, args...).Scan(&id)
	return id, err
}

func (t *tx) InsertAudit(ctx context.Context, e diming.AuditEntry) error {
	_, err := t.exec(ctx, `INSERT INTO audit_log (actor, action, entity, entity_id, before, after, reason)
		VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)`, string(e.Actor), e.Action, e.Entity, e.EntityID,
		nullJSON(e.Before), nullJSON(e.After), e.Reason)
	return err
}

// lock is the clause that locks the rows a write reads.
const lock = " FOR UPDATE"

// dec scans rows: pgx reads every column into its Go type itself.
var dec = rowstore.Decoder{
	Time:     func(dst *time.Time) any { return dst },
	NullTime: func(dst **time.Time) any { return dst },
	Strings:  func(dst *[]string) any { return dst },
}

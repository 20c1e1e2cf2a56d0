package rowstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"diming"
	"diming/auth"
	"diming/coverage"
	"diming/gazetteer"
)

// Op names what a store was doing, in Chinese and English; an error's
// message starts with it.
type Op struct{ ZH, EN string }

// Scanner is one row: pgx.Row and *sql.Row, or the current row of Rows.
type Scanner interface {
	Scan(dest ...any) error
}

// Rows is what pgx.Rows and *sql.Rows have in common (both are closed by
// List, whichever Close they have).
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Classifier turns a driver's error into a *diming.Error where it can (by
// SQLSTATE or SQLite result code, never by message text) and wraps the
// rest; the message starts with op. nil stays nil.
type Classifier func(err error, op Op) error

// NoRows reports whether err says a query found no row. pgx.ErrNoRows wraps
// sql.ErrNoRows, so one test serves both drivers.
func NoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// List reads every row with scan and closes rows. Its arguments are what a
// driver's Query returns, so a read is
//
//	rowstore.List(classify, op, scanThing)(s.pool.Query(ctx, q, args...))
//
// The answer is an empty, not nil, slice when there is no row.
func List[T any](c Classifier, op Op, scan func(Scanner) (T, error)) func(Rows, error) ([]T, error) {
	return func(rows Rows, err error) ([]T, error) {
		if err != nil {
			return nil, c(err, op)
		}
		defer closeRows(rows)
		out := []T{}
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return nil, c(err, op)
			}
			out = append(out, v)
		}
		if err := rows.Err(); err != nil {
			return nil, c(err, op)
		}
		return out, nil
	}
}

// ListOrNil is List whose answer is nil when there is no row (for the reads
// that have always answered so).
func ListOrNil[T any](c Classifier, op Op, scan func(Scanner) (T, error)) func(Rows, error) ([]T, error) {
	return func(rows Rows, err error) ([]T, error) {
		out, err := List(c, op, scan)(rows, err)
		if len(out) == 0 {
			return nil, err
		}
		return out, err
	}
}

func closeRows(rows Rows) {
	switch r := rows.(type) {
	case interface{ Close() error }:
		_ = r.Close()
	case interface{ Close() }:
		r.Close()
	}
}

// One scans a single row: notFound's error when there is none, otherwise
// scan's error classified under op.
func One[T any](c Classifier, op Op, notFound func() error, scan func(Scanner) (T, error), row Scanner) (T, error) {
	v, err := scan(row)
	if NoRows(err) {
		return v, notFound()
	}
	return v, c(err, op)
}

// Conn runs statements: the store's pool or database handle, or one
// transaction.
type Conn interface {
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Scanner
	// Exec runs a statement: how many rows it touched.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// Insert runs an INSERT and returns the new row's id (PostgreSQL's
	// adapter adds RETURNING id).
	Insert(ctx context.Context, sql string, args ...any) (int64, error)
}

// Tx is one open transaction of an adapter: its statements, its clock and
// its bulk loads (COPY, or batched INSERTs).
type Tx interface {
	Conn
	// Now is the time this transaction writes into updated_at and the
	// like: the database's clock where it has one (PostGIS), the same
	// value on every call.
	Now(ctx context.Context) (time.Time, error)
	InsertRoadSegments(ctx context.Context, segs []coverage.RoadSegment) error
	InsertHouseholds(ctx context.Context, hs []coverage.HouseholdPoint) error
	InsertRunUnits(ctx context.Context, runID int64, us []coverage.RunUnit) error
	InsertRunPoints(ctx context.Context, runID int64, ps []coverage.RunPoint) error
}

// Config is what an adapter gives rowstore.
type Config struct {
	// DB runs the reads outside a transaction.
	DB Conn
	// Begin runs fn in one transaction: commit when fn returns nil, roll
	// back otherwise, returning the driver's errors as they are. Reads for
	// a write lock their rows where the engine locks rows (the SQL's FOR
	// UPDATE); SQLite's writers hold the database lock from BEGIN IMMEDIATE.
	Begin func(ctx context.Context, fn func(Tx) error) error
	// Classify is the adapter's error classification (NewClassifier).
	Classify Classifier
	// Dialect is what the adapter's SQL does differently.
	Dialect Dialect
	// Codec is how the adapter's columns and arguments carry Go values.
	Codec Codec
}

// Engine is a store made of an adapter's Config: its exported methods are
// the store's reads and writes (an adapter embeds it in its Store).
type Engine struct {
	db       Conn
	begin    func(ctx context.Context, fn func(Tx) error) error
	classify Classifier
	sql      SQL
	codec    Codec
	rebind   func(string) string
}

// New is the Engine of an adapter.
func New(c Config) Engine {
	return Engine{db: c.DB, begin: c.Begin, classify: c.Classify, sql: buildSQL(c.Dialect), codec: c.Codec, rebind: c.Dialect.rebind}
}

// inTx runs fn in one transaction, classifying what fails under op.
func (e Engine) inTx(ctx context.Context, op Op, fn func(Tx) error) error {
	return e.classify(e.begin(ctx, fn), op)
}

// audit appends an audit entry in tx, with the request's reason when the
// entry has none.
func (e Engine) audit(ctx context.Context, tx Tx, a diming.AuditEntry) error {
	if a.Reason == "" {
		a.Reason = diming.ReasonFrom(ctx)
	}
	now, err := tx.Now(ctx)
	if err != nil {
		return e.classify(err, OpAppendAudit)
	}
	_, err = tx.Exec(ctx, e.sql.InsertAudit, e.codec.Time(now), string(a.Actor), a.Action, a.Entity, a.EntityID,
		nullJSON(a.Before), nullJSON(a.After), a.Reason)
	return e.classify(err, OpAppendAudit)
}

func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// nullStr is NULL for "" (dates, optional codes).
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// NewClassifier is an adapter's Classifier: nil stays nil, a *diming.Error
// passes, a cancelled or timed-out context is ReasonTimeout, and what
// reason recognises gets its reason; anything else is wrapped as
// "<engine>: <op>: <err>" (an internal error).
func NewClassifier(engine string, reason func(error) *Reason) Classifier {
	return func(err error, op Op) error {
		if err == nil {
			return nil
		}
		var de *diming.Error
		if errors.As(err, &de) {
			return err
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return ReasonTimeout.fail(err, op)
		}
		if r := reason(err); r != nil {
			return r.fail(err, op)
		}
		return fmt.Errorf("%s: %s: %w", engine, op.EN, err)
	}
}

// Store is what each adapter's Store is: every store interface the service
// uses.
type Store interface {
	gazetteer.Store
	gazetteer.PlaceStore
	gazetteer.ApplicationStore
	gazetteer.MarkerStore
	coverage.Store
	coverage.ChangeMarker
	auth.Store
}

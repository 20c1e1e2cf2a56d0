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

// Tx is one open transaction of an adapter. Each method runs one statement
// (or one bulk load) and reports the driver's error as it is; the flows in
// this package decide what it means. Reads with "Lock" lock the row until
// the transaction ends where the engine locks rows (PostgreSQL's FOR
// UPDATE; SQLite's writers hold the database lock from BEGIN IMMEDIATE).
type Tx interface {
	// Now is the time this transaction writes into updated_at and the
	// like: the database's clock where it has one (PostGIS), the same
	// value on every call.
	Now(ctx context.Context) (time.Time, error)
	// InsertAudit appends one row to audit_log (its reason already set).
	InsertAudit(ctx context.Context, e diming.AuditEntry) error

	ApplicationRows
	PlaceRows
	DivisionRows
	MarkerRows
	FacilityRows
	CoverageRows
	AccountRows
}

// ApplicationRows is the row I/O of applications and the name claims.
type ApplicationRows interface {
	// InsertApplication inserts a (version 1, created and updated at
	// a.CreatedAt) with an empty record and returns its id.
	InsertApplication(ctx context.Context, a gazetteer.Application) (int64, error)
	SetApplicationRecord(ctx context.Context, id int64, rec []byte) error
	// LockApplication reads an application; a missing one is NoRows.
	LockApplication(ctx context.Context, id int64) (gazetteer.Application, error)
	// UpdateApplication writes a's status, name, version, updated_at and rec.
	UpdateApplication(ctx context.Context, a gazetteer.Application, rec []byte) error
	InsertApplicationEvent(ctx context.Context, applicationID int64, ev gazetteer.AppEvent) error
	InsertAttachment(ctx context.Context, att gazetteer.Attachment, data []byte) (int64, error)
	InsertComment(ctx context.Context, c gazetteer.Comment) (int64, error)

	// ReleaseClaims drops the claims held by a place.
	ReleaseClaims(ctx context.Context, placeID int64) error
	// TakeClaim inserts a claim without a place unless the key is held
	// (INSERT … ON CONFLICT DO NOTHING): whether it did. Of two
	// transactions taking one key, the second waits for the first.
	TakeClaim(ctx context.Context, key string, applicationID int64, at time.Time) (bool, error)
	// BindClaim records the place that holds a claim.
	BindClaim(ctx context.Context, key string, placeID int64) error
}

// PlaceRows is the row I/O of places and their versions.
type PlaceRows interface {
	LockPlace(ctx context.Context, id int64) (gazetteer.Place, error)
	// InsertPlace inserts p (updated at p.UpdatedAt) and returns its id.
	InsertPlace(ctx context.Context, p gazetteer.Place) (int64, error)
	UpdatePlace(ctx context.Context, p gazetteer.Place) error
	InsertPlaceVersion(ctx context.Context, v gazetteer.PlaceVersion) error
}

// DivisionRows is the row I/O of divisions and boundary lines.
type DivisionRows interface {
	LockDivision(ctx context.Context, code string) (gazetteer.Division, error)
	// UpsertDivision inserts or replaces d by code (updated at d.UpdatedAt).
	UpsertDivision(ctx context.Context, d gazetteer.Division) error
	// LockBoundaryLines serialises rewrites of the boundary lines.
	LockBoundaryLines(ctx context.Context) error
	AllDivisions(ctx context.Context) ([]gazetteer.Division, error)
	ReplaceBoundaryLines(ctx context.Context, ls []gazetteer.BoundaryLine) error
}

// MarkerRows is the row I/O of boundary markers and their inspections.
type MarkerRows interface {
	LockMarker(ctx context.Context, id int64) (gazetteer.Marker, error)
	InsertMarker(ctx context.Context, m gazetteer.Marker) (int64, error)
	UpdateMarker(ctx context.Context, m gazetteer.Marker) error
	// SetMarkerState sets a marker's state, bumps its version and
	// updated_at: whether the marker exists.
	SetMarkerState(ctx context.Context, id int64, state string, at time.Time) (bool, error)
	InsertInspection(ctx context.Context, in gazetteer.Inspection) (int64, error)
}

// FacilityRows is the row I/O of facilities.
type FacilityRows interface {
	LockFacility(ctx context.Context, id int64) (coverage.Facility, error)
	LockFacilityByCode(ctx context.Context, code string) (coverage.Facility, error)
	InsertFacility(ctx context.Context, f coverage.Facility) (int64, error)
	UpdateFacility(ctx context.Context, f coverage.Facility) error
	DeleteFacility(ctx context.Context, id int64) error
}

// CoverageRows is the bulk row I/O of the walking network, household points
// and saved runs.
type CoverageRows interface {
	// ClearRoadSegments and ClearHouseholds empty their table: how many
	// rows went.
	ClearRoadSegments(ctx context.Context) (int64, error)
	ClearHouseholds(ctx context.Context) (int64, error)
	InsertRoadSegments(ctx context.Context, segs []coverage.RoadSegment) error
	InsertHouseholds(ctx context.Context, hs []coverage.HouseholdPoint) error
	// InsertRun inserts the run's row and answers it with its id and its
	// times as stored.
	InsertRun(ctx context.Context, r coverage.Run) (coverage.Run, error)
	InsertRunUnits(ctx context.Context, runID int64, us []coverage.RunUnit) error
	InsertRunPoints(ctx context.Context, runID int64, ps []coverage.RunPoint) error
}

// AccountRows is the row I/O of accounts and tokens.
type AccountRows interface {
	InsertUser(ctx context.Context, u auth.User, passwordHash string) (int64, error)
	ReadUser(ctx context.Context, id int64) (auth.User, error)
	// SetPasswordHash: whether the user exists.
	SetPasswordHash(ctx context.Context, userID int64, passwordHash string) (bool, error)
	DeleteSessionsOf(ctx context.Context, userID int64) error
	InsertToken(ctx context.Context, t auth.Token, tokenHash string) (int64, error)
}

// Engine is the write side of a store: its exported methods are the
// store's writes, and an adapter embeds it in its Store.
type Engine struct {
	begin    func(ctx context.Context, fn func(Tx) error) error
	classify Classifier
}

// New is the Engine of an adapter. begin runs fn in one transaction, commits
// when fn returns nil and rolls back otherwise, returning the driver's
// errors as they are; classify is the adapter's error classification.
func New(begin func(ctx context.Context, fn func(Tx) error) error, classify Classifier) Engine {
	return Engine{begin: begin, classify: classify}
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
	return e.classify(tx.InsertAudit(ctx, a), OpAppendAudit)
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

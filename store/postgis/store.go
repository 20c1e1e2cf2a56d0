package postgis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"diming"
	"diming/migrations"
	"diming/store/internal/rowstore"
)

// Store is the PostGIS store. Its writes are rowstore's (the flows both
// stores share); this package gives them the rows (tx.go).
type Store struct {
	pool *pgxpool.Pool
	engine
}

type engine = rowstore.Engine

// Config tunes the pool.
type Config struct {
	URL string
	// StatementTimeout bounds every statement on the server (default 30 s).
	StatementTimeout time.Duration
	MaxConns         int32
}

// Open connects to the database. It does not check the schema: call
// CheckSchema (serve) or Migrate (migrate).
func Open(ctx context.Context, cfg Config) (*Store, error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, diming.Wrap(err, diming.EINVALID, "数据库 URL 无效", "invalid database URL")
	}
	if cfg.StatementTimeout == 0 {
		cfg.StatementTimeout = 30 * time.Second
	}
	pc.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(cfg.StatementTimeout.Milliseconds())
	pc.ConnConfig.RuntimeParams["application_name"] = "diming"
	if pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	// After an outage the pool heals by itself: a connection idle for more
	// than a second is pinged when acquired and replaced when the ping
	// fails (pgxpool's default). The ping gets its own short timeout, so a
	// connection that went silent (a network partition) is dropped in time
	// to retry on a fresh one instead of using up the caller's deadline.
	if pc.PingTimeout == 0 {
		pc.PingTimeout = 2 * time.Second
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, classifyOp(err, rowstore.OpConnectPostGIS)
	}
	s := &Store{pool: pool}
	s.engine = rowstore.New(rowstore.Config{DB: conn{pool}, Begin: s.begin, Classify: classifyOp, Dialect: dialect, Codec: codec})
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Pool exposes the pool for tests and tools in this module.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool.
func (s *Store) Close() error { s.pool.Close(); return nil }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return classifyOp(s.pool.Ping(ctx), rowstore.OpReachPostGIS)
}

// migrationLock is the advisory lock key that serialises concurrent migrate runs.
const migrationLock = 0x64696d696e67 // "diming"

// Migrate applies the migrations the database lacks, each in its own
// transaction, under an advisory lock so two migrate runs cannot interleave.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations.For(migrations.PostGIS)
	if err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return classifyOp(err, rowstore.OpConnectPostGIS)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return classifyOp(err, rowstore.OpMigrationLock)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock) //nolint:errcheck
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return classifyOp(err, rowstore.OpMigrationsTable)
	}
	current, err := schemaVersion(ctx, conn)
	if err != nil {
		return err
	}
	if current > len(ms) {
		return rowstore.UnknownSchema(current, len(ms))
	}
	for _, m := range ms[current:] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("postgis: migration %d %s: %w", m.Version, m.Name, err)
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return classifyOp(err, rowstore.OpMigrate)
		}
	}
	return nil
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func schemaVersion(ctx context.Context, q rowQuerier) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil {
		return 0, classifyOp(err, rowstore.OpSchemaVersion)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := q.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, classifyOp(err, rowstore.OpSchemaVersion)
	}
	return v, nil
}

// SchemaVersion returns the newest applied migration (0 for an empty database).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) { return schemaVersion(ctx, s.pool) }

// CheckSchema refuses a database whose schema is not exactly the one this
// binary was built for: older needs `diming migrate`, newer a newer binary.
func (s *Store) CheckSchema(ctx context.Context) error {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	return rowstore.CheckSchemaVersion(v, migrations.Latest(migrations.PostGIS))
}

// classify turns a database error into a *diming.Error by SQLSTATE and
// connection state, never by message text (see reason).
func classify(err error, zh, en string) error { return classifyOp(err, rowstore.Op{ZH: zh, EN: en}) }

var classifyOp = rowstore.NewClassifier("postgis", reason)

// reason is why a statement failed, from its SQLSTATE or connection state.
// Every sign that PostGIS cannot be reached (connection refused or reset,
// the server shutting down, a closed connection or pool, a timeout) is
// EUNAVAILABLE, which the API answers with 503 and a message to try again
// later.
func reason(err error) *rowstore.Reason {
	if pgconn.Timeout(err) {
		return &rowstore.ReasonTimeout
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		class := pe.Code[:min(2, len(pe.Code))]
		switch {
		case pe.Code == "23505":
			return &rowstore.ReasonExists
		case pe.Code == "42501":
			return &rowstore.ReasonAppendOnly
		case class == "23" || class == "22":
			return &rowstore.ReasonConstraint
		case pe.Code == "40001" || pe.Code == "40P01":
			return &rowstore.ReasonClash
		case class == "08" || class == "53" || class == "57" || class == "58":
			// 08 connection exception, 53 insufficient resources, 57 operator
			// intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03
			// cannot connect now, 57014 statement timeout), 58 system error.
			r := rowstore.ReasonPostGISDown(pe.Code)
			return &r
		}
		return nil
	}
	if errors.Is(err, puddle.ErrClosedPool) {
		return &rowstore.ReasonPoolClosed
	}
	if unreachable(err) {
		return &rowstore.ReasonPostGISUnreachable
	}
	return nil
}

// unreachable reports whether err says the connection to the database
// failed or was lost, as pgx and the net package return it: a failed
// connect, a network error (refused, reset, broken pipe), the server closing
// the connection mid-message (EOF), a connection already closed.
func unreachable(err error) bool {
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ne) || errors.As(err, &ce) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, pgx.ErrTxClosed) ||
		pgconn.SafeToRetry(err)
}

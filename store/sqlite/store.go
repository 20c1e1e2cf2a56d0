package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"diming"
	"diming/migrations"
	"diming/store/internal/rowstore"
)

// FileName is the database file inside the data folder.
const FileName = "diming.db"

// Store is the SQLite store. It is safe for concurrent use, and several
// processes may share the file: writers queue on SQLite's lock.
//
// Its writes are rowstore's (the flows both stores share); this package
// gives them the rows (tx.go).
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time
	engine
}

type engine = rowstore.Engine

// Open opens (creating if needed) the store in dir. It does not migrate:
// call Migrate.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, diming.Wrap(err, diming.EUNAVAILABLE, "无法创建数据目录 %s", "cannot create data folder %s", dir)
	}
	path := filepath.Join(dir, FileName)
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "cache_size(-32768)") // 32 MB page cache: bulk loads (200k household points) run 2–3× faster
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	s := &Store{db: db, path: path, now: time.Now}
	s.engine = rowstore.New(rowstore.Config{DB: conn{db}, Begin: s.begin, Classify: classifyOp, Dialect: dialect, Codec: codec})
	if err := s.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the file can be read.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return classifyOp(err, rowstore.OpReachSQLite)
	}
	return nil
}

// DB exposes the handle for tests and tools in this module.
func (s *Store) DB() *sql.DB { return s.db }

// Migrate applies the migrations the file lacks, each in its own transaction.
// A file with a newer schema than this binary knows is refused.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations.For(migrations.SQLite)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`); err != nil {
		return classifyOp(err, rowstore.OpMigrationsTable)
	}
	for _, m := range ms {
		if err := s.apply(ctx, m, len(ms)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m migrations.Migration, latest int) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return classify(err, "开始迁移", "begin migration")
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var current int
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return classifyOp(err, rowstore.OpSchemaVersion)
	}
	if current > latest {
		return rowstore.UnknownSchema(current, latest)
	}
	if current >= m.Version {
		return tx.Rollback()
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("sqlite: migration %d %s: %w", m.Version, m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, s.now().UTC().Format(time.RFC3339Nano)); err != nil {
		return classify(err, "记录迁移", "record migration")
	}
	if err := tx.Commit(); err != nil {
		return classify(err, "提交迁移", "commit migration")
	}
	return nil
}

// SchemaVersion returns the newest applied migration (0 for a new file).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v)
	if err != nil {
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_ERROR {
			return 0, nil // no schema_migrations table yet
		}
		return 0, classifyOp(err, rowstore.OpSchemaVersion)
	}
	return v, nil
}

// classify turns a database error into a *diming.Error by SQLite's result
// code, never by message text (see reason).
func classify(err error, zh, en string) error { return classifyOp(err, rowstore.Op{ZH: zh, EN: en}) }

var classifyOp = rowstore.NewClassifier("sqlite", reason)

// reason is why a statement failed, from SQLite's extended result code.
func reason(err error) *rowstore.Reason {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return &rowstore.ReasonExists
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_DATATYPE:
		return &rowstore.ReasonConstraint
	case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		return &rowstore.ReasonAppendOnly
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return &rowstore.ReasonSQLiteUnavailable
	}
	return nil
}

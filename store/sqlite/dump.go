package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"diming"
)

// Snapshot is a read-only view of the whole file as of one moment: every
// query made through it sees the same committed state, while other
// connections and processes go on writing (WAL mode). It is what
// `diming migrate-store` reads the pilot's tables through.
type Snapshot struct {
	conn *sql.Conn
}

// ReadSnapshot calls fn with a Snapshot of the store. The read transaction
// ends (and the snapshot with it) when fn returns.
func (s *Store) ReadSnapshot(ctx context.Context, fn func(*Snapshot) error) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return classify(err, "连接嵌入式数据库", "reach the embedded database")
	}
	defer conn.Close()
	// A deferred transaction (the handle's BeginTx takes the write lock:
	// _txlock=immediate). The snapshot starts with the first read.
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return classify(err, "开始只读事务", "begin a read transaction")
	}
	defer func() {
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil && err == nil {
			err = classify(rerr, "结束只读事务", "end the read transaction")
		}
	}()
	// Start the snapshot now, so fn sees one state even if its first query
	// comes late.
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return classify(err, "读取数据库结构", "read the schema")
	}
	return fn(&Snapshot{conn: conn})
}

// Query runs a query in the snapshot.
func (sn *Snapshot) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := sn.conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, classify(err, "读取嵌入式数据库", "read the embedded database")
	}
	return rows, nil
}

// SchemaVersion returns the newest migration applied, as of the snapshot.
func (sn *Snapshot) SchemaVersion(ctx context.Context) (int, error) {
	var exists int
	if err := sn.conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").Scan(&exists); err != nil {
		return 0, classify(err, "读取数据库版本", "read the schema version")
	}
	if exists == 0 {
		return 0, nil
	}
	var v int
	if err := sn.conn.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, classify(err, "读取数据库版本", "read the schema version")
	}
	return v, nil
}

// Tables lists the tables of the file with their columns in order, leaving
// out SQLite's own tables and schema_migrations.
func (sn *Snapshot) Tables(ctx context.Context) (map[string][]string, error) {
	rows, err := sn.Query(ctx, `SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, classify(err, "读取数据库结构", "read the schema")
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, classify(err, "读取数据库结构", "read the schema")
	}
	tables := make(map[string][]string, len(names))
	for _, n := range names {
		cols, err := sn.Query(ctx, "SELECT name FROM pragma_table_info(?) ORDER BY cid", n)
		if err != nil {
			return nil, err
		}
		for cols.Next() {
			var c string
			if err := cols.Scan(&c); err != nil {
				cols.Close()
				return nil, classify(err, "读取数据库结构", "read the schema")
			}
			tables[n] = append(tables[n], c)
		}
		cols.Close()
		if err := cols.Err(); err != nil {
			return nil, classify(err, "读取数据库结构", "read the schema")
		}
	}
	return tables, nil
}

// Sequences returns the AUTOINCREMENT counters by table: the largest id a
// table has ever handed out, which can be larger than its largest id now
// (deleted rows). Ids are never reused, so a copy of the store must
// continue after these.
func (sn *Snapshot) Sequences(ctx context.Context) (map[string]int64, error) {
	seqs := map[string]int64{}
	var exists int
	if err := sn.conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'").Scan(&exists); err != nil {
		return nil, classify(err, "读取序号", "read the id counters")
	}
	if exists == 0 {
		return seqs, nil
	}
	rows, err := sn.Query(ctx, "SELECT name, seq FROM sqlite_sequence")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var seq int64
		if err := rows.Scan(&name, &seq); err != nil {
			return nil, classify(err, "读取序号", "read the id counters")
		}
		seqs[name] = seq
	}
	return seqs, classify(rows.Err(), "读取序号", "read the id counters")
}

// Backup writes a consistent copy of the database to file with VACUUM INTO
// while the store stays in use: other connections and processes go on
// reading and writing, and the copy is the state of one moment. The copy is
// written beside file, synced and renamed into place, so file is either the
// whole backup or absent. An existing file is refused.
func (s *Store) Backup(ctx context.Context, file string) (err error) {
	if _, err := os.Stat(file); err == nil {
		return diming.Errorf(diming.ECONFLICT, "备份文件 %s 已存在：请换一个文件名", "the backup file %s exists already: choose another name", file)
	} else if !errors.Is(err, os.ErrNotExist) {
		return diming.Wrap(err, diming.EINVALID, "无法写入备份文件 %s", "cannot write the backup file %s", file)
	}
	dir := filepath.Dir(file)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".*.part")
	if err != nil {
		return diming.Wrap(err, diming.EINVALID, "无法在 %s 中写入备份", "cannot write a backup into %s", dir)
	}
	tmpName := tmp.Name()
	tmp.Close()
	// VACUUM INTO wants a file that does not exist (or is empty).
	if err := os.Remove(tmpName); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmpName)
		}
	}()
	if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", tmpName); err != nil {
		return classify(err, "备份嵌入式数据库", "back up the embedded database")
	}
	if err := syncFile(tmpName); err != nil {
		return err
	}
	if err := checkIntegrity(ctx, tmpName); err != nil {
		return err
	}
	if err := os.Rename(tmpName, file); err != nil {
		return diming.Wrap(err, diming.EINVALID, "无法写入备份文件 %s", "cannot write the backup file %s", file)
	}
	return syncFile(dir)
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return diming.Wrap(err, diming.EUNAVAILABLE, "无法将备份写入磁盘", "cannot sync the backup to disk")
	}
	return nil
}

// checkIntegrity runs SQLite's integrity check on a database file (opened
// read-only).
func checkIntegrity(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", file, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return classify(err, "检查备份", "check the backup")
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return classify(err, "检查备份", "check the backup")
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return classify(err, "检查备份", "check the backup")
	}
	if len(problems) > 0 {
		return diming.Errorf(diming.EINTERNAL, "备份未通过完整性检查：%s", "the backup fails the integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}

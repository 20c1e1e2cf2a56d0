// Package storecopy moves a pilot's embedded store (SQLite) into a new,
// empty PostGIS database with nothing lost (`diming migrate-store`): every
// table the two schemas share is copied with its ids, versions and audit
// log, geometry converted from the embedded store's WKB blobs and lon/lat
// columns to PostGIS geometry (EWKB, SRID 4326), in one PostgreSQL
// transaction that is verified, table by table, by row count and checksum
// before it commits. The tables, columns, keys and types come from the
// live target's catalogue (after its migrations) and are checked against
// the live source's (PRAGMA table_info): there is no list of its own to
// forget a new migration in.
package storecopy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"diming"
	"diming/migrations"
	"diming/store/postgis"
	"diming/store/sqlite"
)

// Options say what to copy where.
type Options struct {
	// From is the pilot's data folder (holding sqlite.FileName).
	From string
	// To is the URL of the new PostGIS database; it is migrated to the
	// latest schema first and must hold no data.
	To string
	// Progress gets a line per table as it goes (nil: discarded).
	Progress io.Writer
	// BeforeVerify, when set (by tests), runs inside the target's
	// transaction after the load and before the verification.
	BeforeVerify VerifyHook
	// migrated, when set (by tests standing in for a new migration),
	// replaces migratedTables.
	migrated func(context.Context) (map[string][]string, error)
}

// VerifyHook runs in the target's transaction before the verification.
type VerifyHook func(context.Context, pgx.Tx) error

func (o Options) progress() io.Writer {
	if o.Progress == nil {
		return io.Discard
	}
	return o.Progress
}

// TableResult is one table's line of the verification.
type TableResult struct {
	Table                  string
	SourceRows, TargetRows int
	SourceSum, TargetSum   string // SHA-256 over the rows' canonical text, in key order
	maxID                  int64
}

// OK says the target holds what the source does.
func (r TableResult) OK() bool {
	return r.SourceRows == r.TargetRows && r.SourceSum == r.TargetSum
}

// Copy copies every table of the embedded store in opt.From into the
// PostGIS database at opt.To, in one PostgreSQL transaction: ids are kept,
// geometry is converted, the sequences continue after the largest id ever
// handed out, and before the commit every table is read back and compared
// with the source by row count and checksum. The source must be at the
// latest schema (EUNAVAILABLE otherwise, before the target is touched);
// the target is migrated, and refused (ECONFLICT) if it holds data. The
// results are returned whenever the verification ran, also when it failed
// (EINTERNAL, rolled back).
func Copy(ctx context.Context, opt Options) ([]TableResult, error) {
	if opt.From == "" || opt.To == "" {
		return nil, diming.Errorf(diming.EINVALID,
			"需要 --from（试点的数据目录）和 --to（PostGIS 的 URL）",
			"--from (the pilot's data folder) and --to (the PostGIS URL) are required")
	}
	file := filepath.Join(opt.From, sqlite.FileName)
	if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() {
		return nil, diming.Errorf(diming.EINVALID, "%s 中没有嵌入式数据库 %s", "there is no embedded store %[2]s in %[1]s", opt.From, sqlite.FileName)
	}
	src, err := sqlite.Open(ctx, opt.From)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	// One long transaction: no statement timeout of the usual 30 s.
	dst, err := postgis.Open(ctx, postgis.Config{URL: opt.To, StatementTimeout: 6 * time.Hour, MaxConns: 2})
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	var results []TableResult
	err = src.ReadSnapshot(ctx, func(sn *sqlite.Snapshot) error {
		if v, err := sn.SchemaVersion(ctx); err != nil {
			return err
		} else if latest := migrations.Latest(migrations.SQLite); v != latest {
			return diming.Errorf(diming.EUNAVAILABLE,
				"源数据库结构版本为 %d，本程序需要 %d：请先运行 diming migrate --data-dir %s（或使用相应版本的 diming）",
				"the source schema is at version %d, this binary needs %d: run diming migrate --data-dir %s first (or use the matching diming)",
				v, latest, opt.From)
		}
		source, err := sn.Tables(ctx)
		if err != nil {
			return err
		}
		migrated := opt.migrated
		if migrated == nil {
			migrated = migratedTables
		}
		want, err := migrated(ctx)
		if err != nil {
			return err
		}
		if err := checkSourceSchema(want, source); err != nil {
			return err
		}
		seqs, err := sn.Sequences(ctx)
		if err != nil {
			return err
		}
		// The source is sound: now bring the target's schema up to date,
		// as diming migrate does (each migration in its own transaction;
		// a database newer than this binary is refused).
		fmt.Fprintf(opt.progress(), "目标数据库结构迁移 / migrating the target schema: %s\n", redactURL(opt.To))
		if err := dst.Migrate(ctx); err != nil {
			return err
		}
		if err := dst.CheckSchema(ctx); err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, dst.Pool(), func(tx pgx.Tx) error {
			var err error
			results, err = loadAndVerify(ctx, sn, tx, source, seqs, opt)
			return err
		})
		var de *diming.Error
		if err != nil && !errors.As(err, &de) { // beginning or committing the transaction
			return pgError(err, "目标数据库事务", "the target transaction")
		}
		return err
	})
	return results, err
}

// migratedTables are the tables and columns the embedded store's
// migrations make, read from a fresh store migrated in a temporary folder.
func migratedTables(ctx context.Context) (tables map[string][]string, err error) {
	dir, err := os.MkdirTemp("", "diming-storecopy-")
	if err != nil {
		return nil, diming.Wrap(err, diming.EUNAVAILABLE, "无法创建临时目录", "cannot create a temporary folder")
	}
	defer os.RemoveAll(dir)
	fresh, err := sqlite.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer fresh.Close()
	if err := fresh.Migrate(ctx); err != nil {
		return nil, err
	}
	err = fresh.ReadSnapshot(ctx, func(sn *sqlite.Snapshot) error {
		tables, err = sn.Tables(ctx)
		return err
	})
	return tables, err
}

// checkSourceSchema refuses, before the target is touched, a source whose
// tables or columns differ from want, what the migrations make: a table or
// column of its own would not be copied.
func checkSourceSchema(want, source map[string][]string) error {
	var problems []string
	for name, cols := range want {
		have, ok := source[name]
		if !ok {
			problems = append(problems, "缺少表 missing table "+name)
			continue
		}
		problems = append(problems, columnDiff(name, cols, have)...)
	}
	for name := range source {
		if _, ok := want[name]; !ok {
			problems = append(problems, "未知的表 unknown table "+name)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	slices.Sort(problems)
	return diming.Errorf(diming.EUNAVAILABLE,
		"源（SQLite）的表结构与本程序的迁移所建的不同，为免丢失数据，拒绝迁移：%s",
		"the source (SQLite) tables differ from what this binary's migrations make; refusing, so that nothing is lost: %s",
		strings.Join(problems, "; "))
}

// loadAndVerify does the work inside the target's transaction: it refuses a
// target with data, copies every table, reads them back and compares, and
// sets the sequences. Any error rolls everything back.
func loadAndVerify(ctx context.Context, sn *sqlite.Snapshot, tx pgx.Tx, source map[string][]string, seqs map[string]int64, opt Options) ([]TableResult, error) {
	stderr := opt.progress()
	tables, skipped, err := readSchema(ctx, tx, source)
	if err != nil {
		return nil, err
	}
	for _, s := range skipped {
		fmt.Fprintf(stderr, "  目标独有的表，不复制 / only in the target, not copied: %s\n", s)
	}
	// Nobody else writes to the target while it is loaded (readers may read
	// the empty tables); a second migrate-store waits here, then finds data.
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = pgx.Identifier{t.name}.Sanitize()
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE "+strings.Join(names, ", ")+" IN EXCLUSIVE MODE"); err != nil {
		return nil, pgError(err, "锁定目标表", "lock the target tables")
	}
	var nonEmpty []string
	for _, t := range tables {
		var n int64
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{t.name}.Sanitize()).Scan(&n); err != nil {
			return nil, pgError(err, "读取目标表", "read the target tables")
		}
		if n > 0 {
			nonEmpty = append(nonEmpty, fmt.Sprintf("%s: %d", t.name, n))
		}
	}
	if len(nonEmpty) > 0 {
		return nil, diming.Errorf(diming.ECONFLICT,
			"目标数据库不是空的（%s）：migrate-store 只写入新建的空数据库，不合并数据",
			"the target database is not empty (%s): migrate-store only loads a new, empty database and never merges",
			strings.Join(nonEmpty, ", "))
	}
	results := make([]TableResult, len(tables))
	for i, t := range tables {
		began := time.Now()
		r, err := loadTable(ctx, sn, tx, t)
		if err != nil {
			return nil, err
		}
		results[i] = r
		fmt.Fprintf(stderr, "  载入 loaded %-20s %8d 行 rows  %6.1f s\n", t.name, r.SourceRows, time.Since(began).Seconds())
	}
	if opt.BeforeVerify != nil {
		if err := opt.BeforeVerify(ctx, tx); err != nil {
			return nil, err
		}
	}
	fmt.Fprintln(stderr, "  核对 verifying: 逐表读回并比较行数和校验和 / reading every table back, comparing counts and checksums")
	var differ []string
	for i, t := range tables {
		n, sum, err := digestPGTable(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		results[i].TargetRows, results[i].TargetSum = n, sum
		if !results[i].OK() {
			differ = append(differ, t.name)
		}
	}
	if len(differ) > 0 {
		return results, diming.Errorf(diming.EINTERNAL,
			"核对失败，已回滚，目标数据库未改变：%s 的行数或校验和与源不同",
			"verification failed, rolled back, the target is unchanged: %s differ from the source", strings.Join(differ, ", "))
	}
	// Sequences last: setval is not undone by a rollback, so nothing may
	// fail after it but the commit itself.
	for i, t := range tables {
		key := t.intKey()
		if key == "" {
			continue
		}
		var seq *string
		if err := tx.QueryRow(ctx, "SELECT pg_get_serial_sequence($1, $2)", pgx.Identifier{t.name}.Sanitize(), key).Scan(&seq); err != nil {
			return nil, pgError(err, "读取序列", "read the sequence")
		}
		if seq == nil {
			continue
		}
		last := max(results[i].maxID, seqs[t.name])
		if last < 1 {
			_, err := tx.Exec(ctx, "SELECT setval($1, 1, false)", *seq)
			if err != nil {
				return nil, pgError(err, "设置序列", "set the sequence")
			}
			continue
		}
		if _, err := tx.Exec(ctx, "SELECT setval($1, $2, true)", *seq, last); err != nil {
			return nil, pgError(err, "设置序列", "set the sequence")
		}
	}
	return results, nil
}

// loadTable copies one table with COPY, digesting the source rows as they go.
func loadTable(ctx context.Context, sn *sqlite.Snapshot, tx pgx.Tx, t table) (TableResult, error) {
	res := TableResult{Table: t.name}
	var srcCols []string
	for _, c := range t.cols {
		if c.kind == kPoint {
			srcCols = append(srcCols, `"lon"`, `"lat"`)
		} else {
			srcCols = append(srcCols, `"`+c.name+`"`)
		}
	}
	rows, err := sn.Query(ctx, "SELECT "+strings.Join(srcCols, ", ")+` FROM "`+t.name+`"`)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	raw := make([]any, len(srcCols))
	ptrs := make([]any, len(srcCols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	keyAt := slices.Index(t.pgColumns(), t.intKey())
	if t.intKey() == "" {
		keyAt = -1
	}
	var digests []rowDigest
	var convErr error
	next := func() ([]any, error) {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				convErr = diming.Wrap(err, diming.EUNAVAILABLE, "读取源表 %s 失败", "reading the source table %s failed", t.name)
				return nil, convErr
			}
			return nil, nil
		}
		if err := rows.Scan(ptrs...); err != nil {
			convErr = diming.Wrap(err, diming.EINTERNAL, "读取源表 %s 失败", "reading the source table %s failed", t.name)
			return nil, convErr
		}
		args := make([]any, len(t.cols))
		canon := make([]string, len(t.cols))
		j := 0
		for i, c := range t.cols {
			vals := raw[j : j+1]
			if c.kind == kPoint {
				vals = raw[j : j+2]
			}
			j += len(vals)
			a, s, err := fromSQLite(c, vals)
			if err != nil {
				convErr = diming.Wrap(err, diming.EINVALID, "源表 %s 第 %d 行的 %s 列无法转换：%v",
					"the source table %s, row %d, column %s cannot be converted: %v", t.name, res.SourceRows+1, c.name, err)
				return nil, convErr
			}
			args[i], canon[i] = a, s
		}
		d := digest(t, canon)
		if keyAt >= 0 {
			if id, ok := args[keyAt].(int64); ok {
				res.maxID = max(res.maxID, id)
			}
		}
		digests = append(digests, d)
		res.SourceRows++
		return args, nil
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.pgColumns(), pgx.CopyFromFunc(next))
	if convErr != nil {
		return res, convErr
	}
	if err != nil {
		return res, pgError(err, "写入表 "+t.name, "load the table "+t.name)
	}
	if int(n) != res.SourceRows {
		return res, diming.Errorf(diming.EINTERNAL, "表 %s 读出 %d 行，写入 %d 行", "table %s: %d rows read, %d written", t.name, res.SourceRows, n)
	}
	res.SourceSum = tableSum(digests)
	return res, nil
}

// digestPGTable reads a loaded table back from PostGIS and digests it.
func digestPGTable(ctx context.Context, tx pgx.Tx, t table) (int, string, error) {
	var exprs []string
	for _, c := range t.cols {
		col := pgx.Identifier{c.name}.Sanitize()
		switch c.kind {
		case kInt:
			exprs = append(exprs, col+"::bigint")
		case kReal:
			exprs = append(exprs, col+"::float8")
		case kDate:
			exprs = append(exprs, "to_char("+col+", 'YYYY-MM-DD')")
		case kJSON:
			exprs = append(exprs, col+"::text")
		case kGeom:
			exprs = append(exprs, "ST_AsBinary("+col+", 'NDR')")
		case kPoint:
			exprs = append(exprs, "ST_X("+col+")", "ST_Y("+col+")")
		default:
			exprs = append(exprs, col)
		}
	}
	rows, err := tx.Query(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM "+pgx.Identifier{t.name}.Sanitize())
	if err != nil {
		return 0, "", pgError(err, "读回表 "+t.name, "read back the table "+t.name)
	}
	defer rows.Close()
	var digests []rowDigest
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return 0, "", pgError(err, "读回表 "+t.name, "read back the table "+t.name)
		}
		canon := make([]string, len(t.cols))
		j := 0
		for i, c := range t.cols {
			v := vals[j : j+1]
			if c.kind == kPoint {
				v = vals[j : j+2]
			}
			j += len(v)
			if canon[i], err = canonPG(c, v); err != nil {
				return 0, "", diming.Errorf(diming.EINTERNAL, "读回表 %s 的 %s 列：%v", "reading back %s.%s: %v", t.name, c.name, err)
			}
		}
		digests = append(digests, digest(t, canon))
	}
	if err := rows.Err(); err != nil {
		return 0, "", pgError(err, "读回表 "+t.name, "read back the table "+t.name)
	}
	return len(digests), tableSum(digests), nil
}

// pgError keeps the database's own message: an operator needs it to see
// which row broke which constraint.
func pgError(err error, zh, en string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return diming.Wrap(err, diming.EUNAVAILABLE, "%[1]s：已取消或超时，目标数据库未改变", "%[2]s: cancelled or timed out, the target is unchanged", zh, en)
	}
	return diming.Wrap(err, diming.EUNAVAILABLE, "%[1]s 失败，已回滚，目标数据库未改变：%[2]v", "%[3]s failed, rolled back, the target is unchanged: %[2]v", zh, err, en)
}

// PrintReport writes the table of counts and checksums.
func PrintReport(w io.Writer, results []TableResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	// Column heads in ASCII only: tabwriter counts a Chinese character as one
	// column, terminals show it as two.
	fmt.Fprintln(w, "逐表核对：源（SQLite）与目标（PostGIS）的行数和 SHA-256 校验和 / per table: rows and SHA-256 checksums, source (SQLite) and target (PostGIS)")
	fmt.Fprintln(tw, "table\tsource rows\ttarget rows\tsource sha256\ttarget sha256\tresult")
	var src, dst int
	allOK := true
	for _, r := range results {
		verdict := "ok 一致"
		if !r.OK() {
			verdict = "DIFFERENT 不一致"
			allOK = false
		}
		short := func(s string) string {
			if len(s) > 16 {
				return s[:16]
			}
			if s == "" {
				return "-"
			}
			return s
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", r.Table, r.SourceRows, r.TargetRows, short(r.SourceSum), short(r.TargetSum), verdict)
		src += r.SourceRows
		dst += r.TargetRows
	}
	verdict := "ok 一致"
	if !allOK {
		verdict = "DIFFERENT 不一致"
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t\t\t%s\n", src, dst, verdict)
	tw.Flush()
}

// redactURL hides a password in a database URL.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return "(URL)"
}

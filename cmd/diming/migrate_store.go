package main

// The operations commands: migrate-store (moving a pilot from the embedded
// SQLite store to PostGIS with nothing lost: store/storecopy) and backup
// (the embedded store).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"diming"
	"diming/store/sqlite"
	"diming/store/storecopy"
)

// migrateStoreOptions are the flags of `diming migrate-store`.
type migrateStoreOptions struct {
	from string // the pilot's data folder (holding diming.db)
	to   string // the PostGIS URL
}

// migrateStoreBeforeVerify, when set (by tests), runs inside the target's
// transaction after the load and before the verification.
var migrateStoreBeforeVerify storecopy.VerifyHook

// migrateStore copies the embedded store in opt.from into the PostGIS
// database at opt.to (see storecopy.Copy). The report goes to stdout,
// progress to stderr.
func migrateStore(ctx context.Context, log *slog.Logger, opt migrateStoreOptions, stdout, stderr io.Writer) error {
	started := time.Now()
	results, err := storecopy.Copy(ctx, storecopy.Options{From: opt.from, To: opt.to, Progress: stderr, BeforeVerify: migrateStoreBeforeVerify})
	if len(results) > 0 {
		storecopy.PrintReport(stdout, results)
	}
	if err != nil {
		return err
	}
	rows := 0
	for _, r := range results {
		rows += r.TargetRows
	}
	log.Info("store migrated to PostGIS", "tables", len(results), "rows", rows, "took", time.Since(started).Round(time.Millisecond))
	return nil
}

// backupStore writes a consistent copy of the embedded store to file while
// the store stays in use (`diming backup --to FILE`). PostGIS is backed up
// with its own tools (pg_dump -Fc), which take a consistent snapshot too.
func backupStore(ctx context.Context, cfg Config, log *slog.Logger, file string, stdout io.Writer) error {
	if file == "" {
		return diming.Errorf(diming.EINVALID, "需要 --to（备份文件）", "--to (the backup file) is required")
	}
	if cfg.DatabaseURL != "" {
		return diming.Errorf(diming.EINVALID,
			"diming backup 只备份嵌入式数据库；PostGIS 请用 pg_dump -Fc -d URL -f FILE（见 README 的运维一节）",
			"diming backup backs up the embedded store only; for PostGIS use pg_dump -Fc -d URL -f FILE (see Operations in the README)")
	}
	db := filepath.Join(cfg.DataDir, sqlite.FileName)
	if fi, err := os.Stat(db); err != nil || !fi.Mode().IsRegular() {
		return diming.Errorf(diming.EINVALID, "%s 中没有嵌入式数据库 %s", "there is no embedded store %[2]s in %[1]s", cfg.DataDir, sqlite.FileName)
	}
	st, err := sqlite.Open(ctx, cfg.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	version, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	began := time.Now()
	if err := st.Backup(ctx, file); err != nil {
		return err
	}
	fi, err := os.Stat(file)
	if err != nil {
		return diming.Wrap(err, diming.EINTERNAL, "找不到刚写的备份 %s", "cannot find the backup just written, %s", file)
	}
	fmt.Fprintf(stdout, "备份完成 backup written: %s (%d bytes, schema %d, integrity ok)\n", file, fi.Size(), version)
	log.Info("backup written", "file", file, "bytes", fi.Size(), "schema", version, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

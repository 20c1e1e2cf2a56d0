package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"diming/httpapi"
	"diming/internal/pgtest"
	"diming/store/sqlite"
)

// facilityWriter creates facilities through the API, one after another,
// until stopped, and remembers the ids of those acknowledged (201).
type facilityWriter struct {
	mu    sync.Mutex
	acked []int64
	errs  []string
	stop  chan struct{}
	done  chan struct{}
}

func startFacilityWriter(base, token string) *facilityWriter {
	w := &facilityWriter{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for i := 0; ; i++ {
			select {
			case <-w.stop:
				return
			default:
			}
			body, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("备份测试站%04d", i), "category": "community_eldercare_station",
				"lon": 106.40 + float64(i%100)*0.0002, "lat": 29.58 + float64(i/100)*0.0002})
			req, _ := http.NewRequest("POST", base+"/api/v1/facilities", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				w.fail(err.Error())
				continue
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var f struct{ Properties struct{ ID int64 } }
			if res.StatusCode != 201 || json.Unmarshal(raw, &f) != nil || f.Properties.ID == 0 {
				w.fail(fmt.Sprintf("%d %.200s", res.StatusCode, raw))
				continue
			}
			w.mu.Lock()
			w.acked = append(w.acked, f.Properties.ID)
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *facilityWriter) fail(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.errs = append(w.errs, msg)
}

// count is how many writes have been acknowledged so far.
func (w *facilityWriter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// waitFor waits until n more writes than now are acknowledged.
func (w *facilityWriter) waitFor(t *testing.T, n int) {
	t.Helper()
	target := w.count() + n
	deadline := time.Now().Add(60 * time.Second)
	for w.count() < target {
		if time.Now().After(deadline) {
			t.Fatalf("only %d writes acknowledged in 60 s (errors: %v)", w.count(), w.errs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// finish stops the writer and returns the acknowledged ids in order.
func (w *facilityWriter) finish(t *testing.T) []int64 {
	t.Helper()
	close(w.stop)
	<-w.done
	if len(w.errs) > 0 {
		t.Errorf("writes refused while backing up: %v", w.errs)
	}
	return w.acked
}

// testFacilityIDs lists the ids of the facilities the writer made, as the
// service at base has them, in id order.
func testFacilityIDs(t *testing.T, base string) (all int, ids []int64) {
	t.Helper()
	var fc struct {
		Features []struct {
			Properties struct {
				ID   int64
				Name string
			}
		}
	}
	if code := getJSON(t, base, "/api/v1/facilities?status=all", &fc); code != 200 {
		t.Fatalf("facilities: %d", code)
	}
	for _, f := range fc.Features {
		if strings.HasPrefix(f.Properties.Name, "备份测试站") {
			ids = append(ids, f.Properties.ID)
		}
	}
	slices.Sort(ids)
	return len(fc.Features), ids
}

// checkRestored compares a restored service with the live one it was backed
// up from while writes went on: the restored facilities written by the test
// are a prefix of the acknowledged writes that includes every write
// acknowledged before the backup began, each with its history; every other
// answer (searches, a division's audit history, the divisions and their
// boundary lines) is the same.
func checkRestored(t *testing.T, live, restored string, acked []int64, ackedBefore int, demoFacilities int) int {
	t.Helper()
	all, ids := testFacilityIDs(t, restored)
	if len(ids) < ackedBefore || len(ids) > len(acked) || !slices.Equal(ids, acked[:len(ids)]) {
		t.Fatalf("restored test facilities %v\nwant a prefix of the acknowledged %v with at least the %d acknowledged before the backup", ids, acked, ackedBefore)
	}
	if all != demoFacilities+len(ids) {
		t.Errorf("restored store has %d facilities, want %d + %d", all, demoFacilities, len(ids))
	}
	for _, id := range ids {
		var f struct{ Properties struct{ History []any } }
		if code := getJSON(t, restored, fmt.Sprintf("/api/v1/facilities/%d", id), &f); code != 200 || len(f.Properties.History) != 1 {
			t.Errorf("restored facility %d: %d, history %v", id, code, f.Properties.History)
		}
	}
	for _, p := range []string{
		"/api/v1/places?" + url.Values{"q": {"磁器口"}, "limit": {"20"}}.Encode(),
		"/api/v1/places?q=spb",
		"/api/v1/divisions/500106001/history",
		"/api/v1/divisions?level=township",
		"/api/v1/divisions?level=village",
		"/api/v1/boundaries/lines?level=township",
	} {
		_, a := fetch(t, live, p, "", nil)
		_, b := fetch(t, restored, p, "", nil)
		da, db := comparable(t, a), comparable(t, b)
		if d := jsonDiff(da, db, ""); len(d) > 0 {
			t.Errorf("GET %s differs between the live and the restored service:\n%s", p, strings.Join(d, "\n"))
		}
	}
	return len(ids)
}

// TestBackupEmbeddedWhileServing: `diming backup` copies the embedded store
// while a server writes to it; the copy, put in a fresh data folder, serves
// a consistent state: every write acknowledged before the backup, no half
// write, and an audit log that is exactly the live one up to its end.
func TestBackupEmbeddedWhileServing(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	if code, out := runCmd(t, append([]string{"demo"}, data...)...); code != 0 {
		t.Fatalf("demo: %s", out)
	}
	token := addOfficial(t, data, "guihua", "planner")
	live := startServe(t, data...)
	demoFacilities, _ := testFacilityIDs(t, live)

	w := startFacilityWriter(live, token)
	w.waitFor(t, 5)
	ackedBefore := w.count()
	file := filepath.Join(t.TempDir(), "diming-backup.db")
	code, out := runCmd(t, "backup", "--data-dir", dir, "--to", file)
	if code != 0 || !strings.Contains(out, "integrity ok") {
		t.Fatalf("backup while writing: exit %d\n%s", code, out)
	}
	w.waitFor(t, 5)
	acked := w.finish(t)
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*part")); len(matches) > 0 {
		t.Errorf("temporary files left beside the backup: %v", matches)
	}

	// Restore: the file becomes diming.db of a new data folder.
	restoredDir := t.TempDir()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restoredDir, sqlite.FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	restored := startServe(t, "--data-dir", restoredDir, "--no-demo")
	n := checkRestored(t, live, restored, acked, ackedBefore, demoFacilities)
	t.Logf("embedded store: %d writes acknowledged (%d before the backup began), %d in the backup", len(acked), ackedBefore, n)

	// The audit log of the copy is the live one up to the copy's last entry.
	liveAudit := sqliteAudit(t, dir)
	copyAudit := sqliteAudit(t, restoredDir)
	if len(copyAudit) == 0 || len(copyAudit) > len(liveAudit) || !reflect.DeepEqual(copyAudit, liveAudit[:len(copyAudit)]) {
		t.Errorf("the restored audit log (%d entries) is not a prefix of the live one (%d)", len(copyAudit), len(liveAudit))
	}

	// Refusals: an existing file is never overwritten; PostGIS is pg_dump's.
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"backup", "--data-dir", dir, "--to", file}, "exists already"},
		{[]string{"backup", "--data-dir", dir}, "--to"},
		{[]string{"backup", "--data-dir", t.TempDir(), "--to", filepath.Join(t.TempDir(), "x.db")}, "no embedded store"},
		{[]string{"backup", "--database-url", "postgres://x@127.0.0.1:1/x", "--to", filepath.Join(t.TempDir(), "x.db")}, "pg_dump -Fc"},
		{[]string{"backup", "--data-dir", dir, "--to", filepath.Join(t.TempDir(), "no", "such", "folder.db")}, "cannot write"},
	} {
		if code, out := runCmd(t, tc.args...); code != 1 || !strings.Contains(out, tc.says) {
			t.Errorf("%v: exit %d, want 1 and %q:\n%s", tc.args, code, tc.says, out)
		}
	}
	if after, err := os.ReadFile(file); err != nil || !bytes.Equal(after, b) {
		t.Error("the refused backup changed the existing file")
	}
}

// sqliteAudit reads the whole audit log of the embedded store in dir.
func sqliteAudit(t *testing.T, dir string) [][]any {
	t.Helper()
	st, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.DB().Query("SELECT id, at, actor, action, entity, entity_id, before, after, reason FROM audit_log ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		r := make([]any, 9)
		ptrs := make([]any, 9)
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// pgTool finds a PostgreSQL client program of the provisioned server's
// version (Debian's postgresql-client-15, installed by scripts/postgis.sh).
func pgTool(t *testing.T, name string) string {
	t.Helper()
	for _, dir := range []string{"/usr/lib/postgresql/15/bin"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	msg := name + " not found: install postgresql-client-15 (scripts/postgis.sh does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPING: " + msg)
	return ""
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// newTemplate0Database creates an empty database from template0 (no
// PostGIS, nothing but what PostgreSQL itself puts there), as the restore
// instructions say, and drops it when the test ends.
func newTemplate0Database(t *testing.T) string {
	t.Helper()
	server := pgtest.ServerURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("diming_restore_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), server)
		if err != nil {
			t.Logf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	return pgtest.WithDatabase(server, name)
}

// pgAudit reads the whole audit log of a PostGIS database.
func pgAudit(t *testing.T, conn *pgx.Conn) [][]any {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT id, at, actor, action, entity, entity_id, before::text, after::text, reason FROM audit_log ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// userTriggers lists the triggers diming's migrations made, by table.
func userTriggers(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT tgrelid::regclass::text || '.' || tgname::text FROM pg_trigger
		WHERE NOT tgisinternal ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestBackupPostGISWhileServing: pg_dump -Fc while the service writes, then
// pg_restore into a new database made from template0: the restored
// database serves the same data, and its audit log is still append-only.
func TestBackupPostGISWhileServing(t *testing.T) {
	liveURL := pgtest.NewDatabase(t)
	pgDump, pgRestore := pgTool(t, "pg_dump"), pgTool(t, "pg_restore")
	data := []string{"--database-url", liveURL}
	if code, out := runCmd(t, append([]string{"demo"}, data...)...); code != 0 {
		t.Fatalf("demo: %s", out)
	}
	token := addOfficial(t, data, "guihua", "planner")
	live := startServe(t, data...)
	demoFacilities, _ := testFacilityIDs(t, live)

	w := startFacilityWriter(live, token)
	w.waitFor(t, 5)
	ackedBefore := w.count()
	file := filepath.Join(t.TempDir(), "diming.dump")
	if out, err := exec.Command(pgDump, "-Fc", "-d", liveURL, "-f", file).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump while writing: %v\n%s", err, out)
	}
	w.waitFor(t, 5)
	acked := w.finish(t)

	restoredURL := newTemplate0Database(t)
	if out, err := exec.Command(pgRestore, "--exit-on-error", "--single-transaction", "--no-owner", "-d", restoredURL, file).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	// The restored schema is the one this binary knows: serve starts on it.
	restored := startServe(t, "--database-url", restoredURL)
	n := checkRestored(t, live, restored, acked, ackedBefore, demoFacilities)
	t.Logf("PostGIS: %d writes acknowledged (%d before pg_dump began), %d in the dump", len(acked), ackedBefore, n)

	liveConn, restoredConn := connect(t, liveURL), connect(t, restoredURL)
	liveAudit, copyAudit := pgAudit(t, liveConn), pgAudit(t, restoredConn)
	if len(copyAudit) == 0 || len(copyAudit) > len(liveAudit) || !reflect.DeepEqual(copyAudit, liveAudit[:len(copyAudit)]) {
		t.Errorf("the restored audit log (%d entries) is not a prefix of the live one (%d)", len(copyAudit), len(liveAudit))
	}
	// The same triggers, and the append-only ones refuse as before.
	if a, b := userTriggers(t, liveConn), userTriggers(t, restoredConn); !slices.Equal(a, b) || len(a) == 0 {
		t.Errorf("triggers: live %v, restored %v", a, b)
	}
	// (Row triggers fire only on rows: these tables have some.)
	for _, stmt := range []string{"UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log",
		"UPDATE place_versions SET actor = 'x'", "TRUNCATE place_versions"} {
		_, err := restoredConn.Exec(context.Background(), stmt)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("%s on the restored database: %v, want the append-only refusal", stmt, err)
		}
	}
	// New writes continue after the restored ids.
	o := official{t: t, base: restored, token: token}
	created := o.must(201, "POST", "/api/v1/facilities", map[string]any{"name": "恢复后新站", "category": "community_eldercare_station", "lon": 106.42, "lat": 29.58})
	if id := int64(created["properties"].(map[string]any)["id"].(float64)); id <= acked[n-1] {
		t.Errorf("new facility id %d on the restored database, want > %d", id, acked[n-1])
	}
}

// TestSystemdUnit checks deploy/diming.service with systemd-analyze: no
// warnings, a small exposure, and a stop timeout longer than the server's
// drain (skipped where systemd-analyze is not installed).
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("SKIPPING: systemd-analyze not installed; deploy/diming.service is not verified")
	}
	unit, err := os.ReadFile("../../deploy/diming.service")
	if err != nil {
		t.Fatal(err)
	}
	// systemd-analyze wants the programs to exist: point the unit at an
	// executable that does (this test binary).
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(unit), "/usr/local/bin/diming", self)
	path := filepath.Join(t.TempDir(), "diming.service")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// Exposure 2.0 or less on systemd's 0–10 scale (the threshold is in tenths).
	if out, err := exec.Command(analyze, "security", "--offline=true", "--threshold=20", path).CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze security: %v\n%s", err, out)
	}
	settings := map[string][]string{}
	for _, l := range strings.Split(string(unit), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			settings[k] = append(settings[k], v)
		}
	}
	stop, err := time.ParseDuration(strings.Join(settings["TimeoutStopSec"], ""))
	if drain := httpapi.DefaultConfig().ShutdownTimeout; err != nil || stop <= drain {
		t.Errorf("TimeoutStopSec %v must be longer than the server's drain timeout %v", settings["TimeoutStopSec"], drain)
	}
	for k, want := range map[string]string{"ExecStartPre": "/usr/local/bin/diming migrate", "ExecStart": "/usr/local/bin/diming serve",
		"KillSignal": "SIGTERM", "Restart": "on-failure", "User": "diming", "EnvironmentFile": "/etc/diming/diming.env",
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ReadWritePaths": "/var/lib/diming", "PrivateTmp": "yes"} {
		if !slices.Contains(settings[k], want) {
			t.Errorf("%s=%v, want %s", k, settings[k], want)
		}
	}
}

// TestConfigurationReference: the README's configuration table names every
// flag and DIMING_* variable that main.go defines.
func TestConfigurationReference(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n### Configuration\n")
	if !ok {
		t.Fatal("README has no Configuration section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	flags := regexp.MustCompile(`fs\.\w+Var\(&[\w.]+, "([\w-]+)"`).FindAllStringSubmatch(string(src), -1)
	envs := regexp.MustCompile(`"(DIMING_[A-Z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(flags) < 20 || len(envs) < 10 {
		t.Fatalf("found only %d flags and %d variables in main.go: has its style changed?", len(flags), len(envs))
	}
	for _, f := range flags {
		dash := "--"
		if len(f[1]) == 1 {
			dash = "-"
		}
		if !regexp.MustCompile("`" + dash + regexp.QuoteMeta(f[1]) + "[` ]").MatchString(section) {
			t.Errorf("the README's configuration table lacks %s%s", dash, f[1])
		}
	}
	for _, e := range envs {
		if !strings.Contains(section, "`"+e[1]+"`") {
			t.Errorf("the README's configuration table lacks %s", e[1])
		}
	}
}

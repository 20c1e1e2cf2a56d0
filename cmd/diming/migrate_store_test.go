package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"diming/demo"
	"diming/gazetteer"
	"diming/internal/pgtest"
	"diming/store/sqlite"
)

// fetch GETs a route (with a bearer token or a session cookie when given)
// and returns the status and the raw body.
func fetch(t *testing.T, base, path, token string, cookie *http.Cookie) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// comparable decodes a JSON answer and truncates every timestamp in it to
// the microsecond: the embedded store writes nanoseconds, PostgreSQL keeps
// microseconds; that is the one difference migrate-store allows.
func comparable(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %v: %.300s", err, raw)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				v[k] = walk(e)
			}
		case []any:
			for i, e := range v {
				v[i] = walk(e)
			}
		case string:
			if ts, err := time.Parse(time.RFC3339Nano, v); err == nil && strings.Contains(v, "T") {
				return ts.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
			}
		}
		return v
	}
	return walk(v)
}

// jsonDiff lists where two decoded JSON documents differ (at most 10 places).
func jsonDiff(a, b any, path string) []string {
	var out []string
	var walk func(a, b any, path string)
	walk = func(a, b any, path string) {
		if len(out) >= 10 {
			return
		}
		switch av := a.(type) {
		case map[string]any:
			bv, ok := b.(map[string]any)
			if !ok {
				out = append(out, fmt.Sprintf("%s: %.200v → %.200v", path, a, b))
				return
			}
			keys := map[string]bool{}
			for k := range av {
				keys[k] = true
			}
			for k := range bv {
				keys[k] = true
			}
			for k := range keys {
				walk(av[k], bv[k], path+"."+k)
			}
		case []any:
			bv, ok := b.([]any)
			if !ok || len(av) != len(bv) {
				out = append(out, fmt.Sprintf("%s: %.200v → %.200v", path, a, b))
				return
			}
			for i := range av {
				walk(av[i], bv[i], fmt.Sprintf("%s[%d]", path, i))
			}
		default:
			if !reflect.DeepEqual(a, b) {
				out = append(out, fmt.Sprintf("%s: %.200v → %.200v", path, a, b))
			}
		}
	}
	walk(a, b, path)
	return out
}

// pilotView is what the test reads through the API of the service before
// and after the move.
type pilotView map[string]any

// readPilot reads every route the test compares. Each must answer 200.
func readPilot(t *testing.T, base string, paths []string, token string, cookie *http.Cookie) pilotView {
	t.Helper()
	v := pilotView{}
	for _, p := range paths {
		code, raw := fetch(t, base, p, token, cookie)
		if code != 200 {
			t.Fatalf("GET %s: %d %.300s", p, code, raw)
		}
		doc := comparable(t, raw)
		// A live report says when it was computed (at this request); a
		// saved run's computed_at is stored data and stays compared.
		if m, ok := doc.(map[string]any); ok && !strings.Contains(p, "/runs") &&
			(strings.HasPrefix(p, "/api/v1/coverage/") || strings.HasPrefix(p, "/api/v1/indicators")) {
			delete(m, "computed_at")
		}
		v[p] = doc
	}
	return v
}

// pilotTables are the tables a used pilot has rows in: every one must be
// in migrate-store's report and in PostGIS after the move.
var pilotTables = []string{"divisions", "audit_log", "places", "place_versions", "users", "api_tokens", "sessions", "applications",
	"application_events", "attachments", "notice_comments", "name_claims", "boundary_lines", "boundary_markers", "marker_inspections",
	"facilities", "road_segments", "households", "coverage_runs", "coverage_run_units", "coverage_run_points"}

// TestMigrateStoreToPostGIS moves a pilot that has been used (demo data,
// accounts, a token, a session, a published naming application with an
// attachment and a comment, a boundary marker with an inspection, facility
// edits, a saved coverage run) to PostGIS, then serves from PostGIS and
// checks through the API that everything is there, unchanged.
func TestMigrateStoreToPostGIS(t *testing.T) {
	pgtest.ServerURL(t) // skip loudly before the long set-up when there is no PostGIS
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	if code, out := runCmd(t, append([]string{"demo"}, data...)...); code != 0 {
		t.Fatalf("demo: %s", out)
	}
	applicant := official{t: t, token: addOfficial(t, data, "shenqing", "applicant")}
	reviewer := official{t: t, token: addOfficial(t, data, "shenhe", "reviewer")}
	approver := official{t: t, token: addOfficial(t, data, "shenpi", "approver")}
	planner := official{t: t, token: addOfficial(t, data, "guihua", "planner")}
	base := startServe(t, data...)
	for _, o := range []*official{&applicant, &reviewer, &approver, &planner} {
		o.base = base
	}
	public := official{t: t, base: base}

	// A naming application through to publication, with a report and a comment.
	app := applicant.must(201, "POST", "/api/v1/applications", newRoad)
	appID := idOf(app)
	appPath := fmt.Sprintf("/api/v1/applications/%d", appID)
	pdf := []byte("%PDF-1.4 综合评估报告 " + strings.Repeat("x", 5000))
	code, att := upload(t, applicant, appPath+"/attachments", "assessment", "评估报告.pdf", pdf)
	if code != 201 {
		t.Fatalf("upload: %d %v", code, att)
	}
	attPath := fmt.Sprintf("%s/attachments/%d", appPath, idOf(att))
	applicant.must(200, "POST", appPath+"/submit", nil)
	reviewer.must(200, "POST", appPath+"/review", nil)
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	reviewer.must(200, "POST", appPath+"/notice", map[string]any{"start": today, "end": today})
	public.must(201, "POST", fmt.Sprintf("/api/v1/notices/%d/comments", appID), map[string]any{"author": "居民", "text": "赞成"})
	approver.must(200, "POST", appPath+"/approve", map[string]any{"note": "同意"})
	published := approver.must(200, "POST", appPath+"/publish", nil)
	placeID := int64(published["published_place_id"].(float64))
	// A second application left as a draft.
	draft := applicant.must(201, "POST", "/api/v1/applications", map[string]any{"kind": "naming", "name": "梨树湾路", "category": "0801",
		"division_code": "500106105", "geometry": map[string]any{"type": "Point", "coordinates": []float64{106.301, 29.671}}})

	// A boundary marker on a township line, inspected once.
	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	var line gazetteer.BoundaryLine
	for _, l := range gazetteer.DeriveBoundaryLines(ds, gazetteer.LevelTownship) {
		if l.RightCode != "" && l.LengthM > 1000 {
			line = l
			break
		}
	}
	a, b := line.Geometry[0][0], line.Geometry[0][1]
	on := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
	mk := reviewer.must(201, "POST", "/api/v1/boundaries/markers", map[string]any{"number": "沙坪坝-迁移-001", "kind": "double",
		"line_id": line.ID, "lon": on[0], "lat": on[1], "set_on": "2020-05-01"})
	markerPath := fmt.Sprintf("/api/v1/boundaries/markers/%d", int64(mk["properties"].(map[string]any)["id"].(float64)))
	reviewer.must(201, "POST", markerPath+"/inspections", map[string]any{"inspected_on": "2026-11-20", "state": "damaged", "note": "桩体倾斜"})

	// Facilities: one edited, one created and deleted again (its id must never come back).
	var lottery struct {
		Features []struct{ Properties map[string]any }
	}
	getJSON(t, base, "/api/v1/facilities?category=lottery", &lottery)
	edited := lottery.Features[0].Properties
	facPath := fmt.Sprintf("/api/v1/facilities/%d", int64(edited["id"].(float64)))
	planner.must(200, "PATCH", facPath, map[string]any{"version": edited["version"], "name": "福彩网点（迁移测试）", "note": "改名", "reason": "核实"})
	gone := planner.must(201, "POST", "/api/v1/facilities", map[string]any{"name": "临时站", "category": "community_eldercare_station", "lon": 106.4, "lat": 29.58})
	goneID := int64(gone["properties"].(map[string]any)["id"].(float64))
	req, _ := http.NewRequest("DELETE", fmt.Sprintf("%s/api/v1/facilities/%d?version=1", base, goneID), nil)
	req.Header.Set("Authorization", "Bearer "+planner.token)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 204 {
		t.Fatalf("delete facility: %v %v", res, err)
	}
	// A saved coverage run.
	savedRun := planner.must(201, "POST", "/api/v1/coverage/runs", map[string]any{"report": "eldercare", "params": map[string]any{"minutes": 15, "speed": 0.9}})
	runPath := fmt.Sprintf("/api/v1/coverage/runs/%d", idOf(savedRun))

	// A console session: its cookie must keep working after the move.
	body := strings.NewReader(`{"name":"shenhe","password":"a long enough password"}`)
	res, err := http.Post(base+"/api/v1/login", "application/json", body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("login: %v %v", res, err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Value != "" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}

	publicPaths := []string{
		"/api/v1/places?" + url.Values{"q": {"spb"}}.Encode(),
		"/api/v1/places?" + url.Values{"q": {"qinjiagang"}}.Encode(),
		"/api/v1/places?" + url.Values{"q": {"青杠林路"}}.Encode(),
		"/api/v1/places?" + url.Values{"q": {"磁器口"}, "limit": {"20"}}.Encode(),
		"/api/v1/places/autocomplete?q=ciq",
		fmt.Sprintf("/api/v1/places/%d", placeID),
		"/api/v1/places/1",
		"/api/v1/divisions/500106001",
		"/api/v1/divisions/500106001/history",
		"/api/v1/divisions/500106/history",
		"/api/v1/divisions?level=township",
		"/api/v1/reverse?lon=106.4565&lat=29.5568",
		"/api/v1/announcements",
		"/api/v1/boundaries/markers",
		markerPath,
		facPath,
		"/api/v1/facilities?status=all",
	}
	plannerPaths := []string{
		"/api/v1/coverage/eldercare",
		"/api/v1/coverage/facility-area",
		"/api/v1/coverage/lottery",
		"/api/v1/indicators",
		runPath,
		"/api/v1/coverage/runs",
	}
	officialPaths := []string{
		appPath,
		appPath + "/comments",
		fmt.Sprintf("/api/v1/applications/%d", idOf(draft)),
		"/api/v1/applications",
		"/api/v1/filings",
		"/api/v1/me",
	}
	before := readPilot(t, base, publicPaths, "", nil)
	beforeOfficial := readPilot(t, base, officialPaths, reviewer.token, nil)
	beforePlanner := readPilot(t, base, plannerPaths, planner.token, nil)
	if _, raw := fetch(t, base, attPath, reviewer.token, nil); string(raw) != string(pdf) {
		t.Fatalf("attachment before the move: %.100q", raw)
	}

	// The move, into a database that has not even been migrated.
	target := pgtest.NewEmptyDatabase(t)
	var out, errOut syncBuffer
	if code := run(context.Background(), []string{"migrate-store", "--from", dir, "--to", target}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("migrate-store: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	t.Logf("migrate-store report:\n%s", out.String())
	report := out.String()
	if strings.Contains(report, "DIFFERENT") || !strings.Contains(report, "total") {
		t.Fatalf("report:\n%s", report)
	}
	for _, table := range pilotTables {
		if !strings.Contains(report, "\n"+table+" ") {
			t.Errorf("the report has no line for %s", table)
		}
	}
	if !strings.Contains(errOut.String(), "loaded road_segments") {
		t.Errorf("no progress on stderr:\n%s", errOut.String())
	}
	// Row counts in PostGIS equal the SQLite file's, table by table.
	src, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pg := connect(t, target)
	for _, name := range pilotTables {
		var want, got int64
		if err := src.DB().QueryRow(`SELECT count(*) FROM "` + name + `"`).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if err := pg.QueryRow(context.Background(), `SELECT count(*) FROM "`+name+`"`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		// Every table has rows in this pilot, so none can be skipped unseen.
		if got != want || want == 0 {
			t.Errorf("%s: %d rows in PostGIS, %d in SQLite", name, got, want)
		}
	}

	// Serve from PostGIS: the same answers.
	pgBase := startServe(t, "--database-url", target)
	after := readPilot(t, pgBase, publicPaths, "", nil)
	afterOfficial := readPilot(t, pgBase, officialPaths, reviewer.token, nil)
	afterPlanner := readPilot(t, pgBase, plannerPaths, planner.token, nil)
	for _, p := range publicPaths {
		if d := jsonDiff(before[p], after[p], ""); len(d) > 0 {
			t.Errorf("GET %s differs after the move (SQLite → PostGIS):\n%s", p, strings.Join(d, "\n"))
		}
	}
	for _, p := range officialPaths {
		if d := jsonDiff(beforeOfficial[p], afterOfficial[p], ""); len(d) > 0 {
			t.Errorf("GET %s (reviewer) differs after the move (SQLite → PostGIS):\n%s", p, strings.Join(d, "\n"))
		}
	}
	for _, p := range plannerPaths {
		if d := jsonDiff(beforePlanner[p], afterPlanner[p], ""); len(d) > 0 {
			t.Errorf("GET %s (planner) differs after the move (SQLite → PostGIS):\n%s", p, strings.Join(d, "\n"))
		}
	}
	// Every token still logs in; so does the console session.
	for _, o := range []official{applicant, reviewer, approver, planner} {
		if code, raw := fetch(t, pgBase, "/api/v1/me", o.token, nil); code != 200 {
			t.Errorf("token after the move: %d %s", code, raw)
		}
	}
	if code, raw := fetch(t, pgBase, "/api/v1/me", "", session); code != 200 || !strings.Contains(string(raw), "shenhe") {
		t.Errorf("session cookie after the move: %d %s", code, raw)
	}
	if _, raw := fetch(t, pgBase, attPath, reviewer.token, nil); string(raw) != string(pdf) {
		t.Errorf("attachment after the move: %.100q", raw)
	}
	// The sequences continue after the largest id ever used: the deleted
	// facility's id is not handed out again, and new rows can be written.
	planner.base = pgBase
	added := planner.must(201, "POST", "/api/v1/facilities", map[string]any{"name": "迁移后新站", "category": "community_eldercare_station", "lon": 106.41, "lat": 29.58})
	if id := int64(added["properties"].(map[string]any)["id"].(float64)); id <= goneID {
		t.Errorf("new facility id %d after the move, want > %d (the deleted one's)", id, goneID)
	}
	applicant.base = pgBase
	if id := idOf(applicant.must(201, "POST", "/api/v1/applications", map[string]any{"kind": "naming", "name": "桂花湾路", "category": "0801",
		"division_code": "500106105", "geometry": map[string]any{"type": "Point", "coordinates": []float64{106.302, 29.672}}})); id <= idOf(draft) {
		t.Errorf("new application id %d after the move, want > %d", id, idOf(draft))
	}
	// The audit log is still append-only in PostGIS.
	for _, stmt := range []string{"UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log", "DELETE FROM place_versions"} {
		_, err := pg.Exec(context.Background(), stmt)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("%s after the move: %v, want the append-only refusal", stmt, err)
		}
	}

	// A second migrate-store into the same database is refused and changes nothing.
	var auditBefore int64
	pg.QueryRow(context.Background(), "SELECT count(*) FROM audit_log").Scan(&auditBefore) //nolint:errcheck
	code, msg := runCmd(t, "migrate-store", "--from", dir, "--to", target)
	if code != 1 || !strings.Contains(msg, "not empty") || !strings.Contains(msg, "不是空的") {
		t.Errorf("second migrate-store: exit %d\n%s", code, msg)
	}
	var auditAfter int64
	pg.QueryRow(context.Background(), "SELECT count(*) FROM audit_log").Scan(&auditAfter) //nolint:errcheck
	if auditAfter != auditBefore {
		t.Errorf("the refused run changed the audit log: %d → %d rows", auditBefore, auditAfter)
	}
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// targetState is every table's row count and every sequence's position.
func targetState(t *testing.T, conn *pgx.Conn) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	state := map[string]int64{}
	for _, name := range pilotTables {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM "`+name+`"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		state[name] = n
	}
	rows, err := conn.Query(ctx, "SELECT sequencename::text, coalesce(last_value, 0) FROM pg_sequences WHERE schemaname = current_schema()")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			t.Fatal(err)
		}
		state["sequence "+name] = v
	}
	return state
}

// TestMigrateStoreRefusals: what migrate-store refuses, and that a failure
// halfway or a failed verification leaves the target as it was.
func TestMigrateStoreRefusals(t *testing.T) {
	pgtest.ServerURL(t)
	ctx := context.Background()
	dir := t.TempDir()
	if code, out := runCmd(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo: %s", out)
	}

	t.Run("arguments and source", func(t *testing.T) {
		target := pgtest.NewDatabase(t)
		for _, tc := range []struct {
			args []string
			says string
		}{
			{[]string{"migrate-store", "--to", target}, "--from"},
			{[]string{"migrate-store", "--from", dir}, "--to"},
			{[]string{"migrate-store", "--from", t.TempDir(), "--to", target}, "没有嵌入式数据库"},
			{[]string{"migrate-store", "--from", dir, "--to", "postgres://nobody@127.0.0.1:1/x?connect_timeout=1"}, "PostGIS"},
		} {
			if code, out := runCmd(t, tc.args...); code != 1 || !strings.Contains(out, tc.says) {
				t.Errorf("%v: exit %d, want 1 and %q:\n%s", tc.args, code, tc.says, out)
			}
		}
		// A source behind the binary's schema, and one with a table the
		// binary does not know, are refused before anything is written.
		old := t.TempDir()
		if code, out := runCmd(t, "migrate", "--data-dir", old); code != 0 {
			t.Fatal(out)
		}
		st, err := sqlite.Open(ctx, old)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)"); err != nil {
			t.Fatal(err)
		}
		// (into a database without diming's schema: it is not migrated either)
		empty := pgtest.NewEmptyDatabase(t)
		if code, out := runCmd(t, "migrate-store", "--from", old, "--to", empty); code != 1 || !strings.Contains(out, "diming migrate --data-dir") {
			t.Errorf("old source schema: exit %d\n%s", code, out)
		}
		var migrated bool
		if err := connect(t, empty).QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&migrated); err != nil || migrated {
			t.Errorf("a refused source still migrated the target: %v %v", migrated, err)
		}
		st.Close()
		if code, out := runCmd(t, "migrate", "--data-dir", old); code != 0 {
			t.Fatal(out)
		}
		st, err = sqlite.Open(ctx, old)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)"); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if code, out := runCmd(t, "migrate-store", "--from", old, "--to", target); code != 1 || !strings.Contains(out, "unknown table notes") {
			t.Errorf("unknown source table: exit %d\n%s", code, out)
		}
		if state := targetState(t, connect(t, target)); state["audit_log"] != 0 || state["divisions"] != 0 {
			t.Errorf("a refused run wrote: %v", state)
		}
	})

	t.Run("target with data", func(t *testing.T) {
		target := pgtest.NewDatabase(t)
		if code, out := runStdin(t, "a long enough password\n", "user add", "--name", "zhang.san", "--role", "admin", "--database-url", target); code != 0 {
			t.Fatal(out)
		}
		conn := connect(t, target)
		was := targetState(t, conn)
		code, out := runCmd(t, "migrate-store", "--from", dir, "--to", target)
		if code != 1 || !strings.Contains(out, "users: 1") || !strings.Contains(out, "audit_log: 1") {
			t.Errorf("non-empty target: exit %d\n%s", code, out)
		}
		if now := targetState(t, conn); !reflect.DeepEqual(was, now) {
			t.Errorf("the refused run changed the target:\n%v\n%v", was, now)
		}
	})

	t.Run("failure halfway", func(t *testing.T) {
		target := pgtest.NewDatabase(t)
		conn := connect(t, target)
		// The households load fails after the divisions, places, accounts,
		// applications, facilities and 21,389 road segments went in.
		if _, err := conn.Exec(ctx, `CREATE FUNCTION refuse_households() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.id > 5000 THEN RAISE EXCEPTION 'disk full (simulated)'; END IF; RETURN NEW; END $$;
			CREATE TRIGGER refuse_households BEFORE INSERT ON households FOR EACH ROW EXECUTE FUNCTION refuse_households()`); err != nil {
			t.Fatal(err)
		}
		was := targetState(t, conn)
		code, out := runCmd(t, "migrate-store", "--from", dir, "--to", target)
		if code != 1 || !strings.Contains(out, "disk full (simulated)") || !strings.Contains(out, "target is unchanged") {
			t.Errorf("failure halfway: exit %d\n%s", code, out)
		}
		now := targetState(t, conn)
		if !reflect.DeepEqual(was, now) {
			t.Errorf("the failed run changed the target:\nbefore %v\nafter  %v", was, now)
		}
		if now["road_segments"] != 0 || now["divisions"] != 0 {
			t.Errorf("rows left behind: %v", now)
		}
		// With the cause gone, a second attempt goes through.
		if _, err := conn.Exec(ctx, "DROP TRIGGER refuse_households ON households"); err != nil {
			t.Fatal(err)
		}
		if code, out := runCmd(t, "migrate-store", "--from", dir, "--to", target); code != 0 {
			t.Errorf("retry: exit %d\n%s", code, out)
		}
		if now := targetState(t, conn); now["households"] == 0 || now["road_segments"] == 0 {
			t.Errorf("retry did not load: %v", now)
		}
	})

	t.Run("verification catches a difference", func(t *testing.T) {
		target := pgtest.NewDatabase(t)
		conn := connect(t, target)
		was := targetState(t, conn)
		// One place name altered after the load, inside the transaction:
		// the checksums must see it and the load must be rolled back.
		migrateStoreBeforeVerify = func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE places SET romanization = romanization || ' ' WHERE id = (SELECT max(id) FROM places)")
			return err
		}
		defer func() { migrateStoreBeforeVerify = nil }()
		code, out := runCmd(t, "migrate-store", "--from", dir, "--to", target)
		if code != 1 || !strings.Contains(out, "verification failed") {
			t.Fatalf("tampered load: exit %d\n%s", code, out)
		}
		var different []string
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "DIFFERENT") && !strings.HasPrefix(l, "total") {
				different = append(different, strings.Fields(l)[0])
			}
		}
		if fmt.Sprint(different) != "[places]" {
			t.Errorf("tables reported different: %v, want [places]\n%s", different, out)
		}
		if now := targetState(t, conn); !reflect.DeepEqual(was, now) {
			t.Errorf("the failed verification left changes:\n%v\n%v", was, now)
		}
	})
}

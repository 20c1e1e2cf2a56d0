package main

// The bad-input corpus (testdata/badinput/*.jsonl) driven through the real
// service and the importers: every case must get a 4xx (importers: a
// non-zero exit) with a clear Chinese message, no 5xx, no panic, and write
// nothing (the row count of every table and the newest audit id unchanged).

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	_ "modernc.org/sqlite"
)

const biCorpusDir = "../../testdata/badinput"

// biCase is one line of the corpus. HTTP cases have a method and path;
// importer cases a kind.
type biCase struct {
	Name string `json:"name"`
	// HTTP: the request. Role is anonymous (or empty), applicant, reviewer,
	// approver, planner or admin; its bearer token is sent. Body is inline
	// text or a generator; JSON is a JSON value sent as it stands.
	Method      string            `json:"method"`
	Path        string            `json:"path"`
	ContentType string            `json:"content_type"`
	Role        string            `json:"role"`
	Headers     map[string]string `json:"headers"`
	Body        json.RawMessage   `json:"body"`
	JSON        json.RawMessage   `json:"json"`
	// Expect is a status (400) or "4xx".
	Expect json.RawMessage `json:"expect"`
	// Requires names a route group that may not be mounted yet ("tiles"):
	// its cases are skipped, and counted as such, until it is.
	Requires string `json:"requires"`
	// Importer: `diming import KIND FILE ARGS…`, FILE written from Content
	// under the name File, or FilePath used as it stands.
	Kind     string          `json:"kind"`
	File     string          `json:"file"`
	FilePath string          `json:"file_path"`
	Content  json.RawMessage `json:"content"`
	Args     []string        `json:"args"`
	// Says is text the error message must contain.
	Says string `json:"says"`
	Note string `json:"note"`
	// KnownBug names a bug of code this corpus may not fix (tiles, OGC,
	// pages): the case is run and its failure logged, not failed; once it
	// passes, the test asks for the mark to be removed. A 5xx or a write
	// fails the test all the same.
	KnownBug string `json:"known_bug"`

	source string // file:line
}

// biGen makes a body that cannot sit in a file.
type biGen struct {
	Gen    string `json:"gen"` // repeat, nest, bytes, oversize, multipart
	Text   string `json:"text"`
	Bytes  int    `json:"bytes"`
	Depth  int    `json:"depth"`
	Open   string `json:"open"`
	Close  string `json:"close"`
	Hex    string `json:"hex"`
	Prefix string `json:"prefix"`
	Suffix string `json:"suffix"`
	// multipart: form fields and files.
	Fields map[string]string `json:"fields"`
	Files  []struct {
		Field       string          `json:"field"`
		Filename    string          `json:"filename"`
		ContentType string          `json:"content_type"`
		Content     json.RawMessage `json:"content"`
	} `json:"files"`
}

func biLoadCorpus(t *testing.T) map[string][]biCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(biCorpusDir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s: %v", biCorpusDir, err)
	}
	out := map[string][]biCase{}
	names := map[string]string{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		line := 0
		for sc.Scan() {
			line++
			text := strings.TrimSpace(sc.Text())
			if text == "" || strings.HasPrefix(text, "//") {
				continue
			}
			var c biCase
			dec := json.NewDecoder(strings.NewReader(text))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&c); err != nil {
				t.Fatalf("%s:%d: %v", f, line, err)
			}
			c.source = fmt.Sprintf("%s:%d", filepath.Base(f), line)
			if c.Name == "" || (c.Method == "") == (c.Kind == "") {
				t.Fatalf("%s: a case needs a name and either method+path or kind", c.source)
			}
			if c.Method != "" && len(c.Expect) == 0 {
				t.Fatalf("%s: %s has no expected status", c.source, c.Name)
			}
			if prev, dup := names[c.Name]; dup {
				t.Fatalf("%s: case name %q also at %s", c.source, c.Name, prev)
			}
			names[c.Name] = c.source
			out[filepath.Base(f)] = append(out[filepath.Base(f)], c)
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return out
}

// biBodies builds generated bodies once and keeps them.
type biBodies struct {
	maxBody int64
	cache   map[string][]byte
	vars    map[string]string
}

func (b *biBodies) gen(raw json.RawMessage) ([]byte, string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []byte(biSubst(s, b.vars, false)), "", nil
	}
	var g biGen
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, "", fmt.Errorf("body: %w", err)
	}
	key := biSubst(string(raw), b.vars, false)
	if data, ok := b.cache[key]; ok {
		ct := ""
		if g.Gen == "multipart" {
			ct = "multipart/form-data; boundary=" + biBoundary
		}
		return data, ct, nil
	}
	pre, suf := []byte(biSubst(g.Prefix, b.vars, false)), []byte(biSubst(g.Suffix, b.vars, false))
	var data []byte
	ct := ""
	switch g.Gen {
	case "repeat":
		if g.Text == "" || g.Bytes <= 0 {
			return nil, "", fmt.Errorf("repeat needs text and bytes")
		}
		n := g.Bytes / len(g.Text)
		data = slices.Concat(pre, bytes.Repeat([]byte(g.Text), n), suf)
	case "nest":
		open, close := g.Open, g.Close
		if open == "" {
			open, close = "[", "]"
		}
		data = slices.Concat(pre, bytes.Repeat([]byte(open), g.Depth), bytes.Repeat([]byte(close), g.Depth), suf)
	case "bytes":
		h, err := hex.DecodeString(strings.ReplaceAll(g.Hex, " ", ""))
		if err != nil {
			return nil, "", fmt.Errorf("bytes: %w", err)
		}
		data = slices.Concat(pre, h, suf)
	case "oversize":
		if len(pre) == 0 {
			pre = []byte(`{"name":"`)
		}
		if len(suf) == 0 {
			suf = []byte(`"}`)
		}
		n := int(b.maxBody) + 1 - len(pre) - len(suf) + 1024
		data = slices.Concat(pre, bytes.Repeat([]byte("x"), n), suf)
	case "multipart":
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if err := mw.SetBoundary(biBoundary); err != nil {
			return nil, "", err
		}
		fields := make([]string, 0, len(g.Fields))
		for k := range g.Fields {
			fields = append(fields, k)
		}
		sort.Strings(fields)
		for _, k := range fields {
			if err := mw.WriteField(k, biSubst(g.Fields[k], b.vars, false)); err != nil {
				return nil, "", err
			}
		}
		for _, f := range g.Files {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.Field, f.Filename))
			fct := f.ContentType
			if fct == "" {
				fct = "application/octet-stream"
			}
			h.Set("Content-Type", fct)
			w, err := mw.CreatePart(h)
			if err != nil {
				return nil, "", err
			}
			content, _, err := b.gen(f.Content)
			if err != nil {
				return nil, "", err
			}
			_, _ = w.Write(content)
		}
		if err := mw.Close(); err != nil {
			return nil, "", err
		}
		data = buf.Bytes()
		ct = mw.FormDataContentType()
	default:
		return nil, "", fmt.Errorf("unknown generator %q", g.Gen)
	}
	b.cache[key] = data
	return data, ct, nil
}

const biBoundary = "badinput-boundary-7d3c"

// biSubst replaces {placeholders}. In a JSON body a quoted numeric
// placeholder ("{app_version}") becomes the bare number.
func biSubst(s string, vars map[string]string, jsonBody bool) string {
	if !strings.Contains(s, "{") {
		return s
	}
	for k, v := range vars {
		if jsonBody {
			if _, err := strconv.ParseInt(v, 10, 64); err == nil {
				s = strings.ReplaceAll(s, `"{`+k+`}"`, v)
			}
		}
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// biSnapshot is what the store holds: rows per table, the newest audit id.
type biSnapshot struct {
	rows  map[string]int64
	audit int64
}

func (a biSnapshot) diff(b biSnapshot) []string {
	var out []string
	for name, n := range a.rows {
		if m, ok := b.rows[name]; !ok || m != n {
			out = append(out, fmt.Sprintf("%s %d→%d", name, n, m))
		}
	}
	for name, m := range b.rows {
		if _, ok := a.rows[name]; !ok {
			out = append(out, fmt.Sprintf("new table %s (%d rows)", name, m))
		}
	}
	if a.audit != b.audit {
		out = append(out, fmt.Sprintf("newest audit id %d→%d", a.audit, b.audit))
	}
	sort.Strings(out)
	return out
}

type biStore struct {
	db *sql.DB
}

func biOpenStore(t *testing.T, dir string) *biStore {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "diming.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &biStore{db: db}
}

func (s *biStore) snapshot(t *testing.T) biSnapshot {
	t.Helper()
	rows, err := s.db.Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	snap := biSnapshot{rows: map[string]int64{}}
	for _, tb := range tables {
		var n int64
		if err := s.db.QueryRow(`SELECT count(*) FROM "` + strings.ReplaceAll(tb, `"`, `""`) + `"`).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", tb, err)
		}
		snap.rows[tb] = n
	}
	if err := s.db.QueryRow("SELECT coalesce(max(id), 0) FROM audit_log").Scan(&snap.audit); err != nil {
		t.Fatalf("newest audit id: %v", err)
	}
	return snap
}

// biTally is what the run saw.
type biTally struct {
	tried, skipped, importers int
	knownBugs                 []string
	byStatus                  map[int]int
	fiveXX, rowsChanged       int
	exitCodes                 map[int]int
}

func TestBadInputCorpus(t *testing.T) {
	start := time.Now()
	corpus := biLoadCorpus(t)
	var all []biCase
	perFile := []string{}
	for _, f := range slices.Sorted(maps.Keys(corpus)) {
		all = append(all, corpus[f]...)
		perFile = append(perFile, fmt.Sprintf("%s %d", f, len(corpus[f])))
	}
	if len(all) < 200 {
		t.Errorf("the corpus has %d cases, want at least 200", len(all))
	}
	routes := biRoutes(t)
	biCheckCoverage(t, routes, all)
	t.Logf("every route of the router (%d, read from httpapi; %d ops routes without input excepted) and the 5 importers have cases", len(routes), len(biOpsRoutes))

	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	tokens := map[string]string{}
	for _, role := range []string{"applicant", "reviewer", "approver", "planner", "admin"} {
		tokens[role] = addOfficial(t, data, "bad."+role, role)
	}
	accounts := time.Since(start)
	base := startServe(t, data...)
	served := time.Since(start)
	client := &http.Client{Timeout: 60 * time.Second}
	vars := biFixtures(t, base, tokens)
	setup := time.Since(start)
	tilesMounted := vars["layer"] != ""

	st := biOpenStore(t, dir)
	bodies := &biBodies{maxBody: 10 << 20, cache: map[string][]byte{}, vars: vars}
	tally := biTally{byStatus: map[int]int{}, exitCodes: map[int]int{}}
	before := st.snapshot(t)
	for _, c := range all {
		if c.Requires == "tiles" && !tilesMounted {
			tally.skipped++
			continue
		}
		ok := t.Run(c.Name, func(t *testing.T) {
			var problems []string
			if c.Kind != "" {
				tally.importers++
				problems = biRunImport(t, c, dir, bodies, &tally)
			} else {
				problems = biRunHTTP(t, client, base, tokens, c, bodies, &tally)
			}
			switch {
			case c.KnownBug == "":
				for _, p := range problems {
					t.Errorf("%s: %s", c.source, p)
				}
			case len(problems) > 0:
				tally.knownBugs = append(tally.knownBugs, c.Name+" ("+c.KnownBug+")")
				t.Logf("%s: known bug, not failed (%s): %s", c.source, c.KnownBug, strings.Join(problems, "; "))
			default:
				t.Errorf("%s: the case passes now: remove its known_bug mark (%s)", c.source, c.KnownBug)
			}
			after := st.snapshot(t)
			if d := before.diff(after); len(d) > 0 {
				tally.rowsChanged++
				t.Errorf("%s: the store changed: %s", c.source, strings.Join(d, ", "))
			}
			before = after
		})
		if !ok {
			before = st.snapshot(t)
		}
	}
	var codes []string
	for _, s := range slices.Sorted(maps.Keys(tally.byStatus)) {
		codes = append(codes, fmt.Sprintf("%d×%d", s, tally.byStatus[s]))
	}
	var exits []string
	for _, s := range slices.Sorted(maps.Keys(tally.exitCodes)) {
		exits = append(exits, fmt.Sprintf("exit %d×%d", s, tally.exitCodes[s]))
	}
	t.Logf("corpus: %s", strings.Join(perFile, ", "))
	t.Logf("cases tried %d (HTTP %d, importer %d), skipped %d (routes not mounted)", tally.tried, tally.tried-tally.importers, tally.importers, tally.skipped)
	t.Logf("HTTP 4xx by status: %s; importers: %s", strings.Join(codes, ", "), strings.Join(exits, ", "))
	t.Logf("5xx seen %d (must be 0), cases that changed the store %d (must be 0)", tally.fiveXX, tally.rowsChanged)
	if len(tally.knownBugs) > 0 {
		t.Logf("known bugs in code this corpus does not fix (%d): %s", len(tally.knownBugs), strings.Join(tally.knownBugs, "; "))
	}
	t.Logf("time: %s (accounts %s, demo service ready %s, fixtures %s, cases %s)", time.Since(start).Round(time.Millisecond),
		accounts.Round(time.Millisecond), (served - accounts).Round(time.Millisecond), (setup - served).Round(time.Millisecond), time.Since(start.Add(setup)).Round(time.Millisecond))
}

// biRunHTTP sends one case and returns what is wrong with the answer. A
// 5xx and a dead server fail the test at once.
func biRunHTTP(t *testing.T, client *http.Client, base string, tokens map[string]string, c biCase, bodies *biBodies, tally *biTally) []string {
	t.Helper()
	tally.tried++
	var body []byte
	ct := c.ContentType
	switch {
	case len(c.JSON) > 0:
		body = []byte(biSubst(string(c.JSON), bodies.vars, true))
		if ct == "" {
			ct = "application/json"
		}
	case len(c.Body) > 0:
		b, gct, err := bodies.gen(c.Body)
		if err != nil {
			t.Fatalf("%s: %v", c.source, err)
		}
		body = b
		if gct != "" && (ct == "" || ct == "multipart/form-data") {
			ct = gct
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	path := biSubst(c.Path, bodies.vars, false)
	req, err := http.NewRequest(c.Method, base+path, rd)
	if err != nil {
		t.Fatalf("%s: the request cannot be made: %v", c.source, err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.Role != "" && c.Role != "anonymous" {
		tok, ok := tokens[c.Role]
		if !ok {
			t.Fatalf("%s: unknown role %q", c.source, c.Role)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range c.Headers {
		req.Header.Set(k, biSubst(v, bodies.vars, false))
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %s %s: %v", c.source, c.Method, path, err)
	}
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	status := res.StatusCode
	tally.byStatus[status]++
	var problems []string
	if status >= 500 {
		tally.fiveXX++
		t.Errorf("%s: %s %s: a %d: %.300s", c.source, c.Method, biShort(path), status, raw)
	}
	want := string(c.Expect)
	switch {
	case want == `"4xx"`:
		if status < 400 || status > 499 {
			problems = append(problems, fmt.Sprintf("%s %s: status %d, want a 4xx: %.300s", c.Method, biShort(path), status, raw))
		}
	default:
		n, err := strconv.Atoi(want)
		if err != nil || n < 400 || n > 499 {
			t.Fatalf("%s: expect %s is neither a 4xx status nor \"4xx\"", c.source, want)
		}
		if status != n {
			problems = append(problems, fmt.Sprintf("%s %s: status %d, want %d: %.300s", c.Method, biShort(path), status, n, raw))
		}
	}
	t.Logf("%d %.200s", status, raw)
	if err := biErrorBody(raw, res.Header.Get("Content-Type"), c.Says); err != nil {
		problems = append(problems, fmt.Sprintf("%s %s (%d): %v", c.Method, biShort(path), status, err))
	}
	// Still alive.
	hres, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("%s: /healthz after the case: %v", c.source, err)
	}
	hres.Body.Close()
	if hres.StatusCode != 200 {
		t.Fatalf("%s: /healthz after the case: %d", c.source, hres.StatusCode)
	}
	return problems
}

func biShort(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// biErrorBody checks {"error":{"code","message","message_en"}} with a
// Chinese message.
func biErrorBody(raw []byte, ct, says string) error {
	if !strings.Contains(ct, "json") {
		return fmt.Errorf("content type %q, want JSON: %.200s", ct, raw)
	}
	var body struct {
		Error *struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			MessageEN string `json:"message_en"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.Error == nil {
		return fmt.Errorf("not a JSON error body (%v): %.200s", err, raw)
	}
	e := body.Error
	if e.Code == "" || e.Message == "" || e.MessageEN == "" {
		return fmt.Errorf("error body lacks code, message or message_en: %.300s", raw)
	}
	if !biHasHan(e.Message) {
		return fmt.Errorf("message %q is not Chinese", e.Message)
	}
	if says != "" && !strings.Contains(e.Message+" "+e.MessageEN, says) {
		return fmt.Errorf("message %q / %q does not say %q", e.Message, e.MessageEN, says)
	}
	return nil
}

func biHasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// biRunImport runs one importer case and returns what is wrong.
func biRunImport(t *testing.T, c biCase, dir string, bodies *biBodies, tally *biTally) []string {
	t.Helper()
	tally.tried++
	file := c.FilePath
	if file == "" {
		if c.File == "" {
			t.Fatalf("%s: an importer case needs file or file_path", c.source)
		}
		content := []byte{}
		if len(c.Content) > 0 {
			b, _, err := bodies.gen(c.Content)
			if err != nil {
				t.Fatalf("%s: %v", c.source, err)
			}
			content = b
		}
		file = filepath.Join(t.TempDir(), c.File)
		if err := os.WriteFile(file, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := append([]string{"import", c.Kind, file}, c.Args...)
	args = append(args, "--data-dir", dir)
	var out bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(context.Background(), args, strings.NewReader(""), &out, &out) }()
	var code int
	select {
	case code = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: the import did not finish within 30 s", c.source)
	}
	tally.exitCodes[code]++
	msg := out.String()
	t.Logf("exit %d: %.300s", code, msg)
	if code == 0 {
		return []string{fmt.Sprintf("import %s %s: exit 0, want a refusal:\n%.600s", c.Kind, filepath.Base(file), msg)}
	}
	var problems []string
	if !strings.Contains(msg, "diming import") || !biHasHan(msg) {
		problems = append(problems, fmt.Sprintf("import %s: exit %d without a clear message (naming the command, in Chinese):\n%.600s", c.Kind, code, msg))
	}
	if c.Says != "" && !strings.Contains(msg, c.Says) {
		problems = append(problems, fmt.Sprintf("import %s: the message does not say %q:\n%.600s", c.Kind, c.Says, msg))
	}
	if strings.ContainsFunc(msg, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
		problems = append(problems, fmt.Sprintf("import %s: raw control characters in the output (a terminal would obey them): %q", c.Kind, biShort(msg)))
	}
	if len(msg) > 1<<20 {
		problems = append(problems, fmt.Sprintf("import %s: %d bytes of output", c.Kind, len(msg)))
	}
	return problems
}

// biFixtures creates what cases refer to and returns the placeholders:
// {app} (a draft of the applicant) with {app_version} and {attachment},
// {notice} (an application on public notice), {review} (one under review)
// with {review_version}, {facility} with
// {facility_version}, {marker} with {marker_version}, {line}, {place},
// {run}, and {layer} (a tile layer, when the tile routes are mounted).
func biFixtures(t *testing.T, base string, tokens map[string]string) map[string]string {
	t.Helper()
	applicant := official{t: t, base: base, token: tokens["applicant"]}
	reviewer := official{t: t, base: base, token: tokens["reviewer"]}
	planner := official{t: t, base: base, token: tokens["planner"]}
	vars := map[string]string{"place": "1"}
	app := applicant.must(201, "POST", "/api/v1/applications", newRoad)
	id := idOf(app)
	vars["app"] = strconv.FormatInt(id, 10)
	if code, m := upload(t, applicant, "/api/v1/applications/"+vars["app"]+"/attachments", "assessment", "评估报告.pdf", []byte("%PDF-1.4 fixture")); code != 201 {
		t.Fatalf("fixture attachment: %d %v", code, m)
	} else {
		vars["attachment"] = strconv.FormatInt(idOf(m), 10)
	}
	vars["app_version"] = strconv.Itoa(int(applicant.must(200, "GET", "/api/v1/applications/"+vars["app"], nil)["version"].(float64)))

	onNotice := map[string]any{}
	for k, v := range newRoad {
		onNotice[k] = v
	}
	onNotice["name"] = "青杠湾路"
	n := applicant.must(201, "POST", "/api/v1/applications", onNotice)
	np := fmt.Sprintf("/api/v1/applications/%d", idOf(n))
	applicant.must(200, "POST", np+"/submit", nil)
	reviewer.must(200, "POST", np+"/review", nil)
	reviewer.must(200, "POST", np+"/notice", nil)
	vars["notice"] = strconv.FormatInt(idOf(n), 10)

	underReview := map[string]any{}
	for k, v := range newRoad {
		underReview[k] = v
	}
	underReview["name"] = "青杠坡路"
	rv := applicant.must(201, "POST", "/api/v1/applications", underReview)
	rp := fmt.Sprintf("/api/v1/applications/%d", idOf(rv))
	applicant.must(200, "POST", rp+"/submit", nil)
	rv = reviewer.must(200, "POST", rp+"/review", nil)
	vars["review"] = strconv.FormatInt(idOf(rv), 10)
	vars["review_version"] = strconv.Itoa(int(rv["version"].(float64)))

	var fc struct {
		Features []struct {
			ID         any            `json:"id"`
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	get := func(path string) {
		t.Helper()
		fc.Features = nil
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		dec := json.NewDecoder(res.Body)
		dec.UseNumber()
		if err := dec.Decode(&fc); err != nil || res.StatusCode != 200 || len(fc.Features) == 0 {
			t.Fatalf("fixture %s: %d %v (%d features)", path, res.StatusCode, err, len(fc.Features))
		}
	}
	get("/api/v1/facilities?category=school")
	vars["facility"] = fmt.Sprint(fc.Features[0].Properties["id"])
	vars["facility_version"] = fmt.Sprint(fc.Features[0].Properties["version"])

	get("/api/v1/boundaries/lines?level=township")
	line := fc.Features[0].Properties["id"].(string)
	vars["line"] = line
	var coords [][2]float64
	if err := json.Unmarshal(fc.Features[0].Geometry.Coordinates, &coords); err != nil {
		var multi [][][2]float64
		if err := json.Unmarshal(fc.Features[0].Geometry.Coordinates, &multi); err != nil || len(multi) == 0 {
			t.Fatalf("fixture line geometry: %v", err)
		}
		coords = multi[0]
	}
	mk := reviewer.must(201, "POST", "/api/v1/boundaries/markers", map[string]any{"number": "坏输入-001", "line_id": line,
		"lon": coords[0][0], "lat": coords[0][1], "set_on": "2020-05-01"})
	props := mk["properties"].(map[string]any)
	vars["marker"] = fmt.Sprint(props["id"])
	vars["marker_version"] = fmt.Sprint(props["version"])

	run := planner.must(201, "POST", "/api/v1/coverage/runs", map[string]any{"report": "funeral"})
	vars["run"] = strconv.FormatInt(idOf(run), 10)

	// The first tile layer, when /tiles is mounted.
	if res, err := http.Get(base + "/tiles"); err == nil {
		var layers []struct {
			ID string `json:"id"`
		}
		if res.StatusCode == 200 && json.NewDecoder(res.Body).Decode(&layers) == nil && len(layers) > 0 {
			vars["layer"] = layers[0].ID
		}
		res.Body.Close()
	}
	return vars
}

// biRoute is a route of the router, from httpapi's source.
type biRoute struct{ method, pattern string }

// biRoutes reads the routes from httpapi's source: r.Get/Post/Patch/Put/
// Delete/Method calls, under r.Route prefixes.
func biRoutes(t *testing.T) []biRoute {
	t.Helper()
	fset := token.NewFileSet()
	files, _ := filepath.Glob("../../httpapi/*.go")
	var out []biRoute
	lit := func(e ast.Expr) (string, bool) {
		if bl, ok := e.(*ast.BasicLit); ok && bl.Kind == token.STRING {
			s, err := strconv.Unquote(bl.Value)
			return s, err == nil
		}
		return "", false
	}
	var walk func(n ast.Node, prefix string)
	walk = func(n ast.Node, prefix string) {
		ast.Inspect(n, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			switch m := sel.Sel.Name; m {
			case "Route":
				p, ok1 := lit(call.Args[0])
				fn, ok2 := call.Args[1].(*ast.FuncLit)
				if ok1 && ok2 {
					walk(fn.Body, prefix+p)
					return false
				}
			case "Get", "Post", "Patch", "Put", "Delete":
				if p, ok := lit(call.Args[0]); ok {
					out = append(out, biRoute{strings.ToUpper(m), prefix + p})
				}
			case "Method":
				if p, ok := lit(call.Args[1]); ok {
					method := "GET"
					if s, ok := call.Args[0].(*ast.SelectorExpr); ok {
						method = strings.ToUpper(strings.TrimPrefix(s.Sel.Name, "Method"))
					}
					out = append(out, biRoute{method, prefix + p})
				}
			}
			return true
		})
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		walk(af, "")
	}
	if len(out) < 40 {
		t.Fatalf("found only %d routes in httpapi", len(out))
	}
	return out
}

// biOpsRoutes take no input: liveness, readiness, metrics.
var biOpsRoutes = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

var biParam = regexp.MustCompile(`\{[^}]*\}`)

// biCheckCoverage fails when a route or an importer has no case.
func biCheckCoverage(t *testing.T, routes []biRoute, cases []biCase) {
	t.Helper()
	var missing []string
	for _, r := range routes {
		key := r.method + " " + r.pattern
		if biOpsRoutes[key] {
			continue
		}
		parts := biParam.Split(r.pattern, -1)
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		re := regexp.MustCompile("^" + strings.Join(parts, "[^/]+") + "/?$")
		if prefix, ok := strings.CutSuffix(r.pattern, "/*"); ok { // a catch-all: any path below
			re = regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + "/.+$")
		}
		found := false
		for _, c := range cases {
			if c.Method != r.method {
				continue
			}
			p, _, _ := strings.Cut(c.Path, "?")
			if re.MatchString(p) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, key)
		}
	}
	for _, kind := range []string{"places", "divisions", "facilities", "households", "roads"} {
		if !slices.ContainsFunc(cases, func(c biCase) bool { return c.Kind == kind }) {
			missing = append(missing, "import "+kind)
		}
	}
	if len(missing) > 0 {
		t.Errorf("no bad-input case for %d routes or importers:\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
}

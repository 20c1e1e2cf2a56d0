package httpapi_test

// The dates of a public notice (公示), through the HTTP API on both stores:
// a notice cannot be backdated (it would "run" without the public ever
// seeing it and could be approved at once), only a notice that runs today
// is listed publicly, and only it takes comments.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"diming"
	"diming/auth"
	"diming/gazetteer"
	"diming/httpapi"
	"diming/internal/pgtest"
	"diming/internal/storetest"
	"diming/readmodel"
	"diming/store/postgis"
	"diming/store/sqlite"
)

// auditedStore is a store the tests can also read the audit log of.
type auditedStore interface {
	httpapi.Store
	Audit(ctx context.Context, f diming.AuditFilter) ([]diming.AuditEntry, error)
}

// workflowEnv is a served store with a token per role.
type workflowEnv struct {
	t      *testing.T
	srv    *httptest.Server
	st     auditedStore
	tokens map[auth.Role]string
	loc    *time.Location
}

// workflowStores runs fn on the embedded store and on PostGIS (skipped
// loudly without DIMING_TEST_DATABASE_URL).
func workflowStores(t *testing.T, fn func(t *testing.T, e *workflowEnv)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		fn(t, newWorkflowEnv(t, st))
	})
	t.Run("postgis", func(t *testing.T) {
		st, err := postgis.Open(context.Background(), postgis.Config{URL: pgtest.NewDatabase(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		fn(t, newWorkflowEnv(t, st))
	})
}

func newWorkflowEnv(t *testing.T, st auditedStore) *workflowEnv {
	t.Helper()
	ctx := context.Background()
	if err := st.PutDivisions(ctx, "test", storetest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	model := readmodel.NewHolder(st, log)
	if _, err := model.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := httpapi.DefaultConfig()
	srv := httptest.NewServer(httpapi.New(cfg, st, model, log, nil).Handler())
	t.Cleanup(srv.Close)
	e := &workflowEnv{t: t, srv: srv, st: st, tokens: map[auth.Role]string{}, loc: cfg.Location}
	for _, role := range []auth.Role{auth.RoleApplicant, auth.RoleReviewer, auth.RoleApprover} {
		h, _ := auth.HashPassword("a long enough password")
		u, err := st.CreateUser(ctx, "test", auth.User{Name: "notice." + string(role), Role: role}, h)
		if err != nil {
			t.Fatal(err)
		}
		secret, hash, _ := auth.NewSecret(auth.TokenPrefix)
		if _, err := st.CreateToken(ctx, "test", u.ID, hash, "", nil); err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	return e
}

// today is the bureau's day (UTC+8), as the service counts notice periods.
func (e *workflowEnv) today() time.Time { return time.Now().In(e.loc) }

func day(t time.Time) string { return t.Format(time.DateOnly) }

// call sends a JSON request as role ("" for the public) and returns the
// status and the raw body.
func (e *workflowEnv) call(role auth.Role, method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

func (e *workflowEnv) must(want int, role auth.Role, method, path string, body any) map[string]any {
	e.t.Helper()
	code, raw := e.call(role, method, path, body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || code != want {
		e.t.Fatalf("%s %s: %d, want %d: %.400s", method, path, code, want, raw)
	}
	return m
}

// errorOf checks that raw is an error of the code with a Chinese message and
// an English one, and returns them.
func (e *workflowEnv) errorOf(raw []byte, code string) (zh, en string) {
	e.t.Helper()
	var body struct {
		Error struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			MessageEN string `json:"message_en"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.Error.Code != code || !hasHan(body.Error.Message) || body.Error.MessageEN == "" {
		e.t.Fatalf("want a %q error with a Chinese and an English message: %s", code, raw)
	}
	return body.Error.Message, body.Error.MessageEN
}

// underReview files, submits and reviews a naming application and returns
// its path and its state.
func (e *workflowEnv) underReview(name string, extra map[string]any) (string, map[string]any) {
	e.t.Helper()
	in := map[string]any{"kind": "naming", "name": name, "category": "0801", "division_code": "500106001001",
		"geometry": map[string]any{"type": "LineString", "coordinates": [][]float64{{106.31, 29.51}, {106.32, 29.52}}},
		"reasons":  "新建道路", "meaning": "沿用小地名", "origin": "当地习称"}
	for k, v := range extra {
		in[k] = v
	}
	a := e.must(201, auth.RoleApplicant, "POST", "/api/v1/applications", in)
	path := fmt.Sprintf("/api/v1/applications/%v", a["id"])
	e.must(200, auth.RoleApplicant, "POST", path+"/submit", nil)
	return path, e.must(200, auth.RoleReviewer, "POST", path+"/review", nil)
}

// noticeIDs lists the ids of GET /api/v1/notices.
func (e *workflowEnv) noticeIDs() map[int64]bool {
	e.t.Helper()
	var body struct {
		Notices []struct {
			ID int64 `json:"id"`
		} `json:"notices"`
	}
	_, raw := e.call("", "GET", "/api/v1/notices", nil)
	if err := json.Unmarshal(raw, &body); err != nil {
		e.t.Fatalf("notices: %v: %s", err, raw)
	}
	out := map[int64]bool{}
	for _, n := range body.Notices {
		out[n.ID] = true
	}
	return out
}

func (e *workflowEnv) auditCount() int {
	e.t.Helper()
	entries, err := e.st.Audit(context.Background(), diming.AuditFilter{Limit: 1000000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(entries)
}

func TestNoticeCannotBeBackdated(t *testing.T) {
	workflowStores(t, func(t *testing.T, e *workflowEnv) {
		today := e.today()
		yesterday := day(today.AddDate(0, 0, -1))
		path, app := e.underReview("青杠林路", nil)
		version := app["version"]
		audits := e.auditCount()

		// The reviewer's reproduction, and a notice that started yesterday
		// (end given or left to the default period): a 400 naming the date,
		// and nothing written.
		for _, in := range []map[string]any{
			{"version": version, "start": "2020-01-01", "end": "2020-01-02"},
			{"version": version, "start": yesterday, "end": day(today.AddDate(0, 0, 7))},
			{"version": version, "start": yesterday},
			{"version": version, "start": yesterday, "days": 30},
		} {
			code, raw := e.call(auth.RoleReviewer, "POST", path+"/notice", in)
			if code != http.StatusBadRequest {
				t.Fatalf("backdated notice %v: %d, want 400: %s", in, code, raw)
			}
			zh, en := e.errorOf(raw, "invalid")
			if start := in["start"].(string); !strings.Contains(zh, start) || !strings.Contains(en, start) || !strings.Contains(zh, "今天") {
				t.Errorf("the message does not name the start %s and today: %s / %s", start, zh, en)
			}
			after := e.must(200, auth.RoleReviewer, "GET", path, nil)
			if after["status"] != "under_review" || after["version"] != version || after["notice_start"] != nil {
				t.Fatalf("a refused notice changed the application: %v", after)
			}
			if n := e.auditCount(); n != audits {
				t.Fatalf("a refused notice wrote %d audit entries", n-audits)
			}
		}
		// So the approver cannot approve or publish it.
		e.must(409, auth.RoleApprover, "POST", path+"/approve", nil)
		e.must(409, auth.RoleApprover, "POST", path+"/publish", nil)
		if ids := e.noticeIDs(); len(ids) != 0 {
			t.Fatalf("notices listed: %v", ids)
		}

		// A notice starting today is put up, listed and takes comments.
		n := e.must(200, auth.RoleReviewer, "POST", path+"/notice", map[string]any{"version": version, "start": day(today)})
		if n["status"] != "on_notice" || n["notice_start"] != day(today) || n["notice_end"] != day(today.AddDate(0, 0, 7)) {
			t.Fatalf("notice from today: %v", n)
		}
		id := int64(n["id"].(float64))
		if !e.noticeIDs()[id] {
			t.Fatalf("the notice running today is not listed")
		}
		e.must(201, "", "POST", fmt.Sprintf("/api/v1/notices/%d/comments", id), map[string]any{"author": "居民", "text": "赞成"})
		// It runs until its end: approval waits.
		code, raw := e.call(auth.RoleApprover, "POST", path+"/approve", nil)
		if code != http.StatusConflict {
			t.Fatalf("approval during the notice: %d %s", code, raw)
		}

		// The default, no dates at all, also starts today.
		p2, _ := e.underReview("青杠坡路", nil)
		n2 := e.must(200, auth.RoleReviewer, "POST", p2+"/notice", nil)
		if n2["notice_start"] != day(today) {
			t.Fatalf("a notice with no dates: %v", n2)
		}
	})
}

func TestOnlyRunningNoticesAreListedAndTakeComments(t *testing.T) {
	workflowStores(t, func(t *testing.T, e *workflowEnv) {
		today := e.today()
		ctx := context.Background()

		// A notice that ran from 10 to 3 days ago and awaits the approver's
		// decision: put on notice back then, so written straight to the store
		// (the API only puts notices up from today on).
		endedPath, ended := e.underReview("青杠林路", nil)
		endedID := int64(ended["id"].(float64))
		a, err := e.st.Application(ctx, endedID)
		if err != nil {
			t.Fatal(err)
		}
		from := a.Status
		a.Status, a.NoticeStart, a.NoticeEnd = gazetteer.StatusOnNotice, day(today.AddDate(0, 0, -10)), day(today.AddDate(0, 0, -3))
		if _, err := e.st.UpdateApplication(ctx, "user:notice.reviewer", a, gazetteer.AppEvent{Actor: "user:notice.reviewer",
			Action: "notice", From: from, To: gazetteer.StatusOnNotice}, nil); err != nil {
			t.Fatal(err)
		}

		// A notice that starts tomorrow.
		upPath, up := e.underReview("青杠坡路", nil)
		tomorrow := day(today.AddDate(0, 0, 1))
		up = e.must(200, auth.RoleReviewer, "POST", upPath+"/notice", map[string]any{"version": up["version"], "start": tomorrow, "days": 7})
		upID := int64(up["id"].(float64))

		// A notice that runs today only (a 0-day notice).
		runPath, run := e.underReview("青杠湾路", nil)
		run = e.must(200, auth.RoleReviewer, "POST", runPath+"/notice", map[string]any{"version": run["version"], "start": day(today), "end": day(today)})
		runID := int64(run["id"].(float64))

		ids := e.noticeIDs()
		if !ids[runID] || ids[endedID] || ids[upID] || len(ids) != 1 {
			t.Fatalf("notices listed %v, want only the running one (%d), not the ended (%d) or the upcoming (%d)", ids, runID, endedID, upID)
		}

		comment := map[string]any{"author": "居民", "text": "赞成"}
		e.must(201, "", "POST", fmt.Sprintf("/api/v1/notices/%d/comments", runID), comment)
		// An ended notice says so (409); one not public yet is not there
		// (404), so its name is not told.
		for _, tc := range []struct {
			id     int64
			status int
			code   string
			says   string
		}{{endedID, http.StatusConflict, "conflict", a.NoticeEnd}, {upID, http.StatusNotFound, "not_found", fmt.Sprint(upID)}} {
			before, err := e.st.Comments(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			audits := e.auditCount()
			code, raw := e.call("", "POST", fmt.Sprintf("/api/v1/notices/%d/comments", tc.id), comment)
			if code != tc.status {
				t.Fatalf("comment on notice %d outside its period: %d, want %d: %s", tc.id, code, tc.status, raw)
			}
			if zh, en := e.errorOf(raw, tc.code); !strings.Contains(zh, tc.says) || !strings.Contains(en, tc.says) {
				t.Errorf("the message does not name %s: %s / %s", tc.says, zh, en)
			}
			if tc.id == upID && strings.Contains(string(raw), "青杠坡路") {
				t.Errorf("a notice not public yet told its name: %s", raw)
			}
			after, err := e.st.Comments(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before) || e.auditCount() != audits {
				t.Fatalf("a refused comment was written")
			}
		}
		// The ended notice can be decided on.
		e.must(200, auth.RoleApprover, "POST", endedPath+"/approve", nil)
		e.must(404, "", "POST", fmt.Sprintf("/api/v1/notices/%d/comments", endedID), comment)
	})
}

// The 公告 CSV is public, and its 位置描述 is the applicant's text: a cell
// Excel would run as a formula is written as text.
func TestAnnouncementsCSVEscapesFormulas(t *testing.T) {
	workflowStores(t, func(t *testing.T, e *workflowEnv) {
		evil := `=HYPERLINK("http://evil.example/x","点击查看")`
		path, app := e.underReview("青杠林路", map[string]any{"location_description": evil})
		today := day(e.today())
		e.must(200, auth.RoleReviewer, "POST", path+"/notice", map[string]any{"version": app["version"], "start": today, "end": today})
		e.must(200, auth.RoleApprover, "POST", path+"/approve", nil)
		e.must(200, auth.RoleApprover, "POST", path+"/publish", nil)

		code, raw := e.call("", "GET", "/api/v1/announcements?format=csv", nil)
		if code != 200 {
			t.Fatalf("announcements csv: %d %s", code, raw)
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("csv: %v %q", err, raw)
		}
		row := rows[1]
		if row[2] != "青杠林路" || row[5] != "'"+evil || row[7] != today {
			t.Fatalf("announcement row %q: want the name as it is, the location description as text ('=…), the date as it is", row)
		}
		// The JSON and the data stay as they were written.
		if !strings.Contains(string(e.mustRaw("/api/v1/announcements")), `"location_description":"=HYPERLINK(`) {
			t.Fatalf("the JSON announcement changed")
		}
	})
}

func (e *workflowEnv) mustRaw(path string) []byte {
	e.t.Helper()
	code, raw := e.call("", "GET", path, nil)
	if code != 200 {
		e.t.Fatalf("%s: %d %s", path, code, raw)
	}
	return raw
}

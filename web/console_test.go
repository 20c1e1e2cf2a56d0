package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"diming/auth"
	"diming/httpapi"
	"diming/readmodel"
	"diming/store/sqlite"
	"diming/web"
)

// consolePassword is the password of the console test's accounts.
const consolePassword = "console-test-password"

// startConsoleService is startService with the officials the console test
// logs in as: applicant shenqing, reviewer shenhe, approver shenpi.
func startConsoleService(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	loadDemo(t, ctx, st)
	hash, err := auth.HashPassword(consolePassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.User{
		{Name: "shenqing", DisplayName: "青木关镇人民政府", Role: auth.RoleApplicant},
		{Name: "shenhe", DisplayName: "区划地名科张审核", Role: auth.RoleReviewer},
		{Name: "shenpi", DisplayName: "区民政局李审批", Role: auth.RoleApprover},
	} {
		if _, err := st.CreateUser(ctx, "test", u, hash); err != nil {
			t.Fatalf("create user %s: %v", u.Name, err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	model := readmodel.NewHolder(st, log)
	if _, err := model.Refresh(ctx); err != nil {
		t.Fatalf("build read model: %v", err)
	}
	cfg := httpapi.DefaultConfig()
	cfg.StoreKind = "sqlite"
	srv := httptest.NewServer(httpapi.New(cfg, st, model, log, web.Handler()).Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// The officials' console in headless Chromium (web/e2e/console.mjs): the
// applicant logs in, files a naming application for 青杠林路 with a point in
// its village, sees the checks, attaches a PDF and submits; the reviewer
// (another browser) reviews and puts it on a 0-day notice; the approver
// approves, publishes and files it (备案); public search then finds 青杠林路
// as "Qingganglin Lu"; the overdue list is empty and the 地名公告 and 备案报表
// exports download. A proposal duplicating 华岩镇 shows a blocking check naming the
// conflicting township. No request leaves 127.0.0.1; no console errors.
func TestConsoleInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is not short")
	}
	node := needBrowser(t)
	base := startConsoleService(t)

	for _, p := range []string{"/admin", "/admin.html", "/admin.js", "/admin.css"} {
		res, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d, want 200", p, res.StatusCode)
		}
	}

	rep, _ := runE2E(t, node, "console.mjs", base, 4*time.Minute,
		"CONSOLE_PASSWORD="+consolePassword, "TODAY="+time.Now().In(httpapi.DefaultConfig().Location).Format(time.DateOnly))
	saw := map[string]bool{}
	for _, r := range rep.Requests {
		method, raw, _ := strings.Cut(r, " ")
		u, err := url.Parse(raw)
		if err != nil {
			continue // runE2E reported it
		}
		saw[method+" "+u.Path] = true
		// /api/v1/applications/7/submit counts as /api/v1/applications/{id}/submit, and as PATCH /api/v1/applications/.
		if rest, ok := strings.CutPrefix(u.Path, "/api/v1/applications/"); ok {
			id, tail, _ := strings.Cut(rest, "/")
			saw[method+" /api/v1/applications/"] = true
			if id != "" && tail != "" {
				saw[method+" /api/v1/applications/{id}/"+tail] = true
			}
		}
	}
	for _, p := range []string{"GET /admin", "GET /admin.js", "GET /admin.css", "POST /api/v1/login", "POST /api/v1/logout",
		"GET /api/v1/categories", "GET /api/v1/divisions", "POST /api/v1/checks/name",
		"POST /api/v1/applications", "GET /api/v1/applications", "PATCH /api/v1/applications/", "POST /api/v1/applications/{id}/submit",
		"POST /api/v1/applications/{id}/review", "POST /api/v1/applications/{id}/notice", "POST /api/v1/applications/{id}/approve",
		"POST /api/v1/applications/{id}/publish", "POST /api/v1/applications/{id}/attachments", "GET /api/v1/applications/{id}/comments",
		"POST /api/v1/applications/{id}/file", "GET /api/v1/filings", "GET /api/v1/announcements"} {
		if !saw[p] {
			t.Errorf("the console never made the request %s", p)
		}
	}
	if len(rep.Screenshots) < 5 {
		t.Errorf("screenshots: %v, want at least 5", rep.Screenshots)
	}
}

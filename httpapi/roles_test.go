package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"

	"diming/auth"
	"diming/gazetteer"
	"diming/internal/storetest"
	"diming/readmodel"
	"diming/store/sqlite"
)

// writeRoutes says who may use each write route: "public", or the accounts
// allowed: "applicant" is any applicant, "owner" only the applicant who
// filed the application in the URL ("other" is an applicant who did not).
// TestRouteRoleMatrix fails when a write route is missing here, so a new
// route cannot skip this table.
var writeRoutes = map[string][]string{
	"POST /api/v1/login":                               {"public"},
	"POST /api/v1/notices/{id}/comments":               {"public"},
	"POST /api/v1/logout":                              {"applicant", "reviewer", "approver", "planner", "admin"},
	"POST /api/v1/checks/name":                         {"applicant", "reviewer", "approver", "admin"},
	"POST /api/v1/applications":                        {"applicant", "reviewer", "approver", "admin"},
	"PATCH /api/v1/applications/{id}":                  {"owner"},
	"POST /api/v1/applications/{id}/attachments":       {"applicant", "reviewer", "approver", "admin"},
	"POST /api/v1/applications/{id}/{action=submit}":   {"owner"},
	"POST /api/v1/applications/{id}/{action=withdraw}": {"owner"},
	"POST /api/v1/applications/{id}/{action=review}":   {"reviewer", "admin"},
	"POST /api/v1/applications/{id}/{action=notice}":   {"reviewer", "admin"},
	"POST /api/v1/applications/{id}/{action=approve}":  {"approver", "admin"},
	"POST /api/v1/applications/{id}/{action=publish}":  {"approver", "admin"},
	"POST /api/v1/applications/{id}/{action=reject}":   {"reviewer", "approver", "admin"},
	"POST /api/v1/applications/{id}/{action=file}":     {"reviewer", "approver", "admin"},
	"POST /api/v1/boundaries/markers":                  {"reviewer", "admin"},
	"POST /api/v1/boundaries/adjustments":              {"reviewer", "approver", "admin"},
	"PATCH /api/v1/boundaries/markers/{id}":            {"reviewer", "admin"},
	"POST /api/v1/boundaries/markers/{id}/inspections": {"reviewer", "admin"},
	"POST /api/v1/facilities":                          {"planner", "admin"},
	"POST /api/v1/facilities/import":                   {"planner", "admin"},
	"PATCH /api/v1/facilities/{id}":                    {"planner", "admin"},
	"DELETE /api/v1/facilities/{id}":                   {"planner", "admin"},
	"POST /api/v1/coverage/lottery/siting":             {"planner", "admin"},
	"POST /api/v1/coverage/runs":                       {"planner", "admin"},
}

// officialReads are the read routes only officials may use (every other
// GET route is public and must never answer 401 or 403).
var officialReads = map[string][]string{
	"GET /api/v1/applications":                        {"applicant", "reviewer", "approver", "admin"},
	"GET /api/v1/applications/{id}":                   {"owner", "reviewer", "approver", "admin"},
	"GET /api/v1/applications/{id}/attachments/{aid}": {"owner", "reviewer", "approver", "admin"},
	"GET /api/v1/applications/{id}/comments":          {"owner", "reviewer", "approver", "admin"},
	"GET /api/v1/boundaries/topology":                 {"reviewer", "approver", "admin"},
	"GET /api/v1/boundaries/markers/check":            {"reviewer", "approver", "admin"},
	"GET /api/v1/filings":                             {"reviewer", "approver", "admin"},
	"GET /api/v1/me":                                  {"applicant", "reviewer", "approver", "planner", "admin"},
	"GET /api/v1/indicators":                          {"planner", "admin"},
	"GET /api/v1/coverage/{report}":                   {"planner", "admin"},
	"GET /api/v1/coverage/runs":                       {"planner", "admin"},
	"GET /api/v1/coverage/runs/{id}":                  {"planner", "admin"},
}

func TestRouteRoleMatrix(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.PutDivisions(ctx, "test", storetest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	model := readmodel.NewHolder(st, log)
	model.Coverage = st
	if _, err := model.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	s := New(DefaultConfig(), st, model, log, nil)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	tokens := map[string]string{}
	for name, role := range map[string]auth.Role{"owner": auth.RoleApplicant, "other": auth.RoleApplicant, "reviewer": auth.RoleReviewer, "approver": auth.RoleApprover, "planner": auth.RolePlanner, "admin": auth.RoleAdmin} {
		h, _ := auth.HashPassword("a long enough password")
		u, err := st.CreateUser(ctx, "test", auth.User{Name: name, Role: role}, h)
		if err != nil {
			t.Fatal(err)
		}
		secret, hash, _ := auth.NewSecret(auth.TokenPrefix)
		if _, err := st.CreateToken(ctx, "test", u.ID, hash, "", nil); err != nil {
			t.Fatal(err)
		}
		tokens[name] = secret
	}

	// Every write route of the router has a row in the table.
	var found, reads []string
	_ = chi.Walk(s.router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodHead || route == "/api/*" { // HEAD is GET; /api/* is the JSON 404 for any method
			return nil
		}
		if method == http.MethodGet {
			reads = append(reads, method+" "+route)
			return nil
		}
		key := method + " " + route
		if route == "/api/v1/applications/{id}/{action}" {
			for a := range actionNames {
				found = append(found, fmt.Sprintf("%s /api/v1/applications/{id}/{action=%s}", method, a))
			}
			return nil
		}
		found = append(found, key)
		return nil
	})
	for _, k := range found {
		if _, ok := writeRoutes[k]; !ok {
			t.Errorf("write route %s has no row in writeRoutes", k)
		}
	}
	if len(found) != len(writeRoutes) {
		t.Errorf("router has %d write routes, the table %d", len(found), len(writeRoutes))
	}

	newApp := func() int64 {
		a, err := st.CreateApplication(ctx, "user:owner", gazetteer.Application{Kind: gazetteer.KindNaming, Status: gazetteer.StatusDraft,
			Applicant: "owner", Name: "测试路", Category: "0801", DivisionCode: "500106001001", Geometry: orb.Point{106.35, 29.55}})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	cells, denied := 0, 0
	for route, allowed := range writeRoutes {
		method, pattern, _ := strings.Cut(route, " ")
		for _, who := range []string{"anonymous", "owner", "other", "reviewer", "approver", "planner", "admin"} {
			path := strings.NewReplacer("{id}", fmt.Sprint(newApp()), "{action=", "", "}", "").Replace(pattern)
			body := `{}`
			ct := "application/json"
			if strings.HasSuffix(path, "/attachments") {
				body, ct = "--x--\r\n", "multipart/form-data; boundary=x"
			}
			req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", ct)
			if who != "anonymous" {
				req.Header.Set("Authorization", "Bearer "+tokens[who])
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			cells++
			want := "deny"
			switch {
			case hasString(allowed, "public"):
				want = "allow"
			case who == "anonymous":
				want = "login"
			case hasString(allowed, who), hasString(allowed, "applicant") && (who == "owner" || who == "other"):
				want = "allow"
			}
			got := res.StatusCode
			switch want {
			case "login":
				if got != 401 {
					t.Errorf("%s as %s: %d, want 401", route, who, got)
				}
				denied++
			case "deny":
				// An application that is not one's own is invisible (404) to another applicant.
				if got != 403 && !(got == 404 && who == "other") {
					t.Errorf("%s as %s: %d, want 403", route, who, got)
				}
				denied++
			case "allow":
				if public := hasString(allowed, "public"); (got == 401 && !public) || got == 403 || got >= 500 {
					t.Errorf("%s as %s: %d, want the request let through", route, who, got)
				}
			}
		}
	}
	// Every read route: the official ones refuse the wrong people, the
	// public ones refuse nobody.
	for route := range officialReads {
		if !hasString(reads, route) {
			t.Errorf("officialReads lists %s, which the router does not have", route)
		}
	}
	app := newApp()
	for _, route := range reads {
		_, pattern, _ := strings.Cut(route, " ")
		allowed, official := officialReads[route]
		path := strings.NewReplacer("{id}", fmt.Sprint(app), "{aid}", "1", "{code}", "500106001000", "{report}", "eldercare",
			"{layer}", "divisions-township", "{z}", "12", "{x}", "3336", "{y}", "1706", "{fid}", "1", "{collectionId}", "facilities",
			"{collection}", "facilities", "*", "").Replace(pattern)
		path = strings.ReplaceAll(path, "{layer}.json", "divisions-township.json")
		for _, who := range []string{"anonymous", "owner", "other", "reviewer", "approver", "planner", "admin"} {
			req, _ := http.NewRequest("GET", srv.URL+path, nil)
			if who != "anonymous" {
				req.Header.Set("Authorization", "Bearer "+tokens[who])
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			cells++
			got := res.StatusCode
			switch {
			case got >= 500:
				t.Errorf("%s as %s: %d", route, who, got)
			case !official:
				if got == 401 || got == 403 {
					t.Errorf("public %s as %s: %d", route, who, got)
				}
			case who == "anonymous":
				if got != 401 {
					t.Errorf("%s as anonymous: %d, want 401", route, got)
				}
				denied++
			case hasString(allowed, who), hasString(allowed, "applicant") && (who == "owner" || who == "other"):
				if got == 401 || got == 403 {
					t.Errorf("%s as %s: %d, want the request let through", route, who, got)
				}
			default:
				if got != 403 && !(got == 404 && who == "other") {
					t.Errorf("%s as %s: %d, want 403", route, who, got)
				}
				denied++
			}
		}
	}
	t.Logf("%d cells (%d write and %d read routes × 7 callers), %d refused as expected", cells, len(writeRoutes), len(reads), denied)
}

var actionNames = map[string]bool{"file": true, "submit": true, "withdraw": true, "review": true, "notice": true, "approve": true, "publish": true, "reject": true}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

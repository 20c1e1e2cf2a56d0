package main

// Faults: PostGIS going away under a running service and coming back. The
// database is never stopped (other test packages share it): the service
// reaches it through internal/tcpproxy, which the tests cut (every open
// connection reset, new ones refused, as when PostGIS stops or crashes),
// stall (a silent network) and restore.

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
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"diming"
	"diming/coverage"
	"diming/internal/pgtest"
	"diming/internal/tcpproxy"
	"diming/store/postgis"
)

// proxyTo puts a TCP proxy in front of the database server of dbURL and
// returns it with the URL that goes through it.
func proxyTo(t *testing.T, dbURL string) (*tcpproxy.Proxy, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tcpproxy.Listen(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	u.Host = p.Addr()
	return p, u.String()
}

// runningServer is `diming serve` running in this process.
type runningServer struct {
	base string
	logs *syncBuffer
	done chan int // receives the exit code
}

// serveLogged is startServe that also returns the server's log and its exit
// channel: the fault tests read what the service said and check that it is
// still running.
func serveLogged(t *testing.T, args ...string) *runningServer {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	s := &runningServer{base: "http://" + addr, logs: &syncBuffer{}, done: make(chan int, 1)}
	go func() {
		s.done <- run(ctx, append([]string{"serve", "--addr", addr, "--rate-limit", "0"}, args...), strings.NewReader(""), s.logs, s.logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-s.done:
			if code != 0 {
				t.Errorf("serve exited %d after cancel:\n%s", code, s.logs.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30 s")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-s.done:
			t.Fatalf("serve exited %d before it was ready:\n%s", code, s.logs.String())
		default:
		}
		if res, err := http.Get(s.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve not ready within 60 s:\n%s", s.logs.String())
	return nil
}

// alive fails the test if the server has exited.
func (s *runningServer) alive(t *testing.T) {
	t.Helper()
	select {
	case code := <-s.done:
		s.done <- code
		t.Fatalf("the service exited (%d) during the fault:\n%s", code, s.logs.String())
	default:
	}
}

// faultClient makes bounded requests: a hung request is a failure, not a
// hung test.
var faultClient = &http.Client{Timeout: 20 * time.Second}

// apiCall is one HTTP call of the fault tests.
type apiCall struct {
	method, path, token string
	body                any
}

// apiAnswer is what came back.
type apiAnswer struct {
	status int
	raw    []byte
	err    error // transport error: no answer at all
}

func (a apiAnswer) String() string {
	if a.err != nil {
		return "no answer: " + a.err.Error()
	}
	return fmt.Sprintf("%d %.300s", a.status, a.raw)
}

func (rq apiCall) String() string { return rq.method + " " + rq.path }

// callAPI makes rq with the bounded fault-test client.
func callAPI(base string, rq apiCall) apiAnswer { return callAPIWith(faultClient, base, rq) }

// callAPIWith makes rq with c.
func callAPIWith(c *http.Client, base string, rq apiCall) apiAnswer {
	var rd io.Reader
	if rq.body != nil {
		b, _ := json.Marshal(rq.body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(rq.method, base+rq.path, rd)
	if err != nil {
		return apiAnswer{err: err}
	}
	if rq.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if rq.token != "" {
		req.Header.Set("Authorization", "Bearer "+rq.token)
	}
	res, err := c.Do(req)
	if err != nil {
		return apiAnswer{err: err}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return apiAnswer{status: res.StatusCode, raw: raw, err: err}
}

// apiErrorBody is the JSON error every failed request must carry.
type apiErrorBody struct {
	Error struct {
		Code      diming.ErrorCode `json:"code"`
		Message   string           `json:"message"`
		MessageEN string           `json:"message_en"`
	} `json:"error"`
}

func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// checkUnavailable checks a 503 answer: a JSON error with code unavailable
// and a message in Chinese and in English.
func checkUnavailable(t *testing.T, what string, a apiAnswer) {
	t.Helper()
	var e apiErrorBody
	if a.err != nil || a.status != 503 || json.Unmarshal(a.raw, &e) != nil {
		t.Errorf("%s: want 503 with a JSON error, got %s", what, a)
		return
	}
	if e.Error.Code != diming.EUNAVAILABLE || !hasHan(e.Error.Message) || !strings.Contains(e.Error.MessageEN, "try again") {
		t.Errorf("%s: 503 without a clear Chinese and English message: %s", what, a.raw)
	}
}

// readyzBody is what the fault tests read of /readyz.
type readyzBody struct {
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	ReasonEN string `json:"reason_en"`
	Store    struct {
		OK        bool   `json:"ok"`
		Kind      string `json:"kind"`
		Detail    string `json:"detail"`
		DetailEN  string `json:"detail_en"`
		DownSince string `json:"down_since"`
	} `json:"store"`
	ReadModel struct {
		OK          bool    `json:"ok"`
		DataVersion int64   `json:"data_version"`
		BuiltAt     string  `json:"built_at"`
		AgeSeconds  float64 `json:"age_seconds"`
	} `json:"read_model"`
}

func getReadyz(t *testing.T, base string) (int, readyzBody) {
	t.Helper()
	a := callAPI(base, apiCall{method: "GET", path: "/readyz"})
	var b readyzBody
	if a.err != nil || json.Unmarshal(a.raw, &b) != nil {
		t.Fatalf("/readyz: %s", a)
	}
	return a.status, b
}

// waitReadyz polls /readyz until it answers want, and returns the body and
// how long it took.
func waitReadyz(t *testing.T, base string, want int, limit time.Duration) (readyzBody, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		code, b := getReadyz(t, base)
		if code == want {
			return b, time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("/readyz still %d (%+v) after %v, want %d", code, b, limit, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// facilityCodes lists the codes of the facilities the read model serves.
func facilityCodes(t *testing.T, base string) []string {
	t.Helper()
	a := callAPI(base, apiCall{method: "GET", path: "/api/v1/facilities?status=all"})
	var fc struct {
		Features []struct {
			Properties struct {
				Code string `json:"code"`
			} `json:"properties"`
		} `json:"features"`
	}
	if a.err != nil || a.status != 200 || json.Unmarshal(a.raw, &fc) != nil {
		t.Fatalf("list facilities: %s", a)
	}
	var codes []string
	for _, f := range fc.Features {
		codes = append(codes, f.Properties.Code)
	}
	return codes
}

// outageReads are queries answered from the read model alone: the
// public's, and a planner's reports (token is set to the planner's by
// plannerReads; a token checked before an outage stays good through it,
// httpapi.authFallback).
var outageReads = []apiCall{
	{method: "GET", path: "/api/v1/places?q=" + url.QueryEscape("磁器口")},
	{method: "GET", path: "/api/v1/places?q=spb"},
	{method: "GET", path: "/api/v1/places/autocomplete?q=" + url.QueryEscape("沙坪")},
	{method: "GET", path: "/api/v1/divisions?level=township"},
	{method: "GET", path: "/api/v1/divisions/500106"},
	{method: "GET", path: "/api/v1/reverse?lon=106.457&lat=29.541"},
	{method: "GET", path: "/api/v1/coverage/eldercare", token: "planner"},
	{method: "GET", path: "/api/v1/coverage/facility-area", token: "planner"},
	{method: "GET", path: "/api/v1/coverage/lottery", token: "planner"},
	{method: "GET", path: "/api/v1/coverage/funeral", token: "planner"},
	{method: "GET", path: "/api/v1/isochrone?lon=106.4&lat=29.58"},
	{method: "GET", path: "/api/v1/nearest?lon=106.4&lat=29.58&by=walk"},
	{method: "GET", path: "/api/v1/facilities"},
	{method: "GET", path: "/ogc/collections/facilities/items?limit=20"},
}

// plannerReads is outageReads with the planner's token where it says
// "planner".
func plannerReads(token string) []apiCall {
	out := slices.Clone(outageReads)
	for i := range out {
		if out[i].token == "planner" {
			out[i].token = token
		}
	}
	return out
}

// outageFacility is a facility a planner sends; n makes the code unique.
func outageFacility(code string) map[string]any {
	return map[string]any{"code": code, "name": "故障测试服务中心" + code, "category": "community_service_facility",
		"lon": 106.4, "lat": 29.58, "floor_area": 320.5, "volunteer_station": true, "address": "沙坪坝区测试路 1 号",
		"status": "open", "opened_on": "2024-05-01", "note": "写入于故障测试", "reason": "故障测试"}
}

// TestPostGISOutage: PostGIS goes away under a running service (the proxy in
// front of it is cut: open connections reset, new ones refused). Queries
// keep being answered from the read model; writes get 503 with a message in
// Chinese and English, never a 500; /readyz answers 503 and says why and
// from which data queries are served; the log says what happened. When
// PostGIS is back the service recovers without a restart: ready again within
// seconds, writes succeed, and a change another process wrote while the
// service could not reach the database shows up.
func TestPostGISOutage(t *testing.T) {
	start := time.Now()
	direct := pgtest.NewDatabase(t)
	data := []string{"--database-url", direct}
	if code, out := runCmd(t, append([]string{"demo"}, data...)...); code != 0 {
		t.Fatalf("demo: %s", out)
	}
	planner := addOfficial(t, data, "guihua", "planner")
	applicant := addOfficial(t, data, "shenqing", "applicant")
	reviewer := addOfficial(t, data, "shenhe", "reviewer")
	reads := plannerReads(planner)
	proxy, proxied := proxyTo(t, direct)
	srv := serveLogged(t, "--database-url", proxied, "--refresh-interval", "200ms")
	base := srv.base
	t.Logf("set up (database, demo, service) in %v", time.Since(start).Round(time.Millisecond))

	// Before: everything works through the proxy.
	if code, b := getReadyz(t, base); code != 200 || b.Status != "ready" || !b.Store.OK || b.Store.Kind != "postgis" || b.ReadModel.DataVersion == 0 {
		t.Fatalf("readyz before the outage: %d %+v", code, b)
	}
	for _, rq := range reads {
		if a := callAPI(base, rq); a.status != 200 {
			t.Fatalf("%s before the outage: %s", rq, a)
		}
	}
	if a := callAPI(base, apiCall{"POST", "/api/v1/facilities", planner, outageFacility("OUT-BEFORE")}); a.status != 201 {
		t.Fatalf("facility before the outage: %s", a)
	}
	// A naming application on public notice, for residents' comments.
	onNotice := onNoticeApplication(t, base, applicant, reviewer)

	// Background traffic across the cut and the recovery: queries must
	// always be answered, writes either done or refused with 503.
	var tally struct {
		sync.Mutex
		reads, writes map[string]int
	}
	tally.reads, tally.writes = map[string]int{}, map[string]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopBackground := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopBackground) // before the server stops, also when the test fails early
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			time.Sleep(5 * time.Millisecond)
			rq := reads[i%len(reads)]
			a := callAPI(base, rq)
			key := fmt.Sprint(a.status)
			if a.status != 200 {
				key = fmt.Sprintf("%d %s", a.status, rq)
				t.Errorf("query during the fault: %s: %s", rq, a)
			}
			tally.Lock()
			tally.reads[key]++
			tally.Unlock()
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			a := callAPI(base, apiCall{"POST", "/api/v1/facilities", planner, outageFacility(fmt.Sprintf("OUT-BG-%03d", i))})
			switch a.status {
			case 201:
			case 503:
				checkUnavailable(t, "background write", a)
			default:
				t.Errorf("write during the fault: %s", a)
			}
			tally.Lock()
			tally.writes[fmt.Sprint(a.status)]++
			tally.Unlock()
		}
	}()
	// waitWrites waits until the background writer has had n writes done.
	waitWrites := func(n int, when string) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); ; {
			tally.Lock()
			done := tally.writes["201"]
			tally.Unlock()
			if done >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("background writes %s: %d done in 15 s, want %d", when, done, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitWrites(1, "before the cut")

	// PostGIS goes away.
	if err := proxy.Cut(); err != nil {
		t.Fatal(err)
	}
	cutAt := time.Now()
	down, took := waitReadyz(t, base, 503, 5*time.Second)
	t.Logf("/readyz 503 %v after the cut: %s / %s", took.Round(time.Millisecond), down.Reason, down.ReasonEN)
	if down.Status != "not ready" || down.Store.OK || down.Store.DownSince == "" || !hasHan(down.Store.Detail) || down.Store.DetailEN == "" ||
		!down.ReadModel.OK || down.ReadModel.DataVersion == 0 || down.ReadModel.BuiltAt == "" ||
		!hasHan(down.Reason) || !strings.Contains(down.Reason, "查询仍由内存读模型提供") ||
		!strings.Contains(down.ReasonEN, "unreachable") || !strings.Contains(down.ReasonEN, "served from the in-memory read model") ||
		!strings.Contains(down.ReasonEN, fmt.Sprintf("data version %d", down.ReadModel.DataVersion)) {
		t.Errorf("/readyz during the outage does not say why and what still works: %+v", down)
	}
	if s := proxy.Stats(); s.Cuts != 1 || s.Reset == 0 {
		t.Errorf("the cut reset no connection: %+v", s)
	}

	// During the outage: queries answered, writes refused with 503.
	outage := map[string]int{}
	for range 2 {
		for _, rq := range reads {
			a := callAPI(base, rq)
			outage[fmt.Sprintf("query %d", a.status)]++
			if a.status != 200 {
				t.Errorf("%s during the outage: %s", rq, a)
			}
		}
	}
	writes := []apiCall{
		{"POST", "/api/v1/facilities", planner, outageFacility("OUT-DURING")},
		{"POST", "/api/v1/applications", applicant, newRoad},
		{"POST", "/api/v1/login", "", map[string]any{"name": "guihua", "password": "a long enough password"}},
		{"POST", fmt.Sprintf("/api/v1/notices/%d/comments", onNotice), "", map[string]any{"author": "居民", "text": "赞成"}},
	}
	for _, rq := range writes {
		a := callAPI(base, rq)
		outage[fmt.Sprintf("write %d", a.status)]++
		what := rq.String() + " during the outage"
		if strings.Contains(rq.path, "/comments") {
			// The notice exists: the store could not be asked, so a 404
			// ("no such notice") would tell the resident something false.
			what += " (a resident's comment on a notice that exists)"
		}
		checkUnavailable(t, what, a)
	}
	// A record's detail: the record from the read model, saying that its
	// version history (kept in the store) cannot be read now.
	for _, rq := range []struct {
		call apiCall
		flag string
	}{{apiCall{method: "GET", path: "/api/v1/places/1"}, `"versions_unavailable":true`},
		{apiCall{method: "GET", path: "/api/v1/facilities/1"}, `"history_unavailable":true`}} {
		a := callAPI(base, rq.call)
		outage[fmt.Sprintf("store-backed read %d", a.status)]++
		if a.status != 200 || !strings.Contains(string(a.raw), rq.flag) {
			t.Errorf("%s during the outage: %s, want 200 with %s", rq.call.String(), a, rq.flag)
		}
	}

	// Another process writes straight to the database meanwhile.
	csvFile := filepath.Join(t.TempDir(), "facilities.csv")
	if err := os.WriteFile(csvFile, []byte("code,name,category,lon,lat,floor_area\nOUT-ELSEWHERE,故障期间导入的服务中心,community_service_facility,106.41,29.58,150\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := runCmd(t, append([]string{"import", "facilities", csvFile}, data...)...); code != 0 {
		t.Fatalf("import straight to the database during the outage: %s", out)
	}
	time.Sleep(3 * 200 * time.Millisecond) // three refresh intervals: the service cannot see it yet
	if codes := facilityCodes(t, base); slices.Contains(codes, "OUT-ELSEWHERE") || slices.Contains(codes, "OUT-DURING") {
		t.Fatalf("the read model changed while the store was unreachable: %v", codes)
	}
	srv.alive(t)
	if code, _ := getReadyz(t, base); code != 503 {
		t.Fatalf("/readyz %d before the restore: the outage was not in effect", code)
	}
	logs := srv.logs.String()
	for _, want := range []string{"store unreachable: writes get 503", "read model refresh failed; serving the previous model", "status=503"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log does not say %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "status=500") || strings.Contains(logs, "panic") {
		t.Errorf("a 500 or a panic in the log:\n%s", logs)
	}

	// PostGIS is back: the service recovers by itself.
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	outageFor := time.Since(cutAt)
	up, recovered := waitReadyz(t, base, 200, 10*time.Second)
	if up.Status != "ready" || !up.Store.OK || up.Reason != "" {
		t.Errorf("/readyz after recovery: %+v", up)
	}
	seenAfter := time.Now()
	for !slices.Contains(facilityCodes(t, base), "OUT-ELSEWHERE") {
		if time.Since(seenAfter) > 10*time.Second { // a model build takes ~1 s under -race on two cores
			t.Fatal("the facility imported during the outage is not served 10 s after recovery")
		}
		time.Sleep(50 * time.Millisecond)
	}
	pickedUp := time.Since(seenAfter) + recovered
	if a := callAPI(base, apiCall{"POST", "/api/v1/facilities", planner, outageFacility("OUT-AFTER")}); a.status != 201 {
		t.Errorf("facility after recovery: %s", a)
	}
	if a := callAPI(base, apiCall{"POST", "/api/v1/applications", applicant, newRoad}); a.status != 201 {
		t.Errorf("application after recovery: %s", a)
	}
	if codes := facilityCodes(t, base); !slices.Contains(codes, "OUT-AFTER") || slices.Contains(codes, "OUT-DURING") {
		t.Errorf("after recovery: OUT-AFTER served %v, OUT-DURING (refused) served %v",
			slices.Contains(codes, "OUT-AFTER"), slices.Contains(codes, "OUT-DURING"))
	}
	tally.Lock()
	doneBefore := tally.writes["201"]
	tally.Unlock()
	waitWrites(doneBefore+1, "after the recovery")
	stopBackground()
	if !strings.Contains(srv.logs.String(), "store reachable again") {
		t.Errorf("the log does not say the store is back:\n%s", srv.logs.String())
	}
	srv.alive(t)
	tally.Lock()
	defer tally.Unlock()
	if tally.writes["503"] == 0 || tally.writes["201"] == 0 {
		t.Errorf("background writes %v: want some done and some refused (the outage must have been in effect)", tally.writes)
	}
	t.Logf("outage %v; ready again %v after the restore; the other process's change served %v after the restore",
		outageFor.Round(time.Millisecond), recovered.Round(time.Millisecond), pickedUp.Round(time.Millisecond))
	if testing.Verbose() {
		t.Logf("the service's log:\n%s", srv.logs.String())
	}
	t.Logf("requests during the outage by status: %v", sortedCounts(outage))
	t.Logf("background traffic across cut and recovery: queries %v, writes %v", sortedCounts(tally.reads), sortedCounts(tally.writes))
}

// onNoticeApplication puts a naming application through to public notice
// and returns its id.
func onNoticeApplication(t *testing.T, base, applicant, reviewer string) int64 {
	t.Helper()
	a := callAPI(base, apiCall{"POST", "/api/v1/applications", applicant, newRoad})
	var app struct{ ID int64 }
	if a.status != 201 || json.Unmarshal(a.raw, &app) != nil {
		t.Fatalf("application: %s", a)
	}
	path := fmt.Sprintf("/api/v1/applications/%d", app.ID)
	today := time.Now().In(time.FixedZone("CST", 8*3600))
	for _, rq := range []apiCall{{"POST", path + "/submit", applicant, nil}, {"POST", path + "/review", reviewer, nil},
		{"POST", path + "/notice", reviewer, map[string]any{"start": today.Format("2006-01-02"), "end": today.AddDate(0, 0, 30).Format("2006-01-02")}}} {
		if a := callAPI(base, rq); a.status != 200 {
			t.Fatalf("%s: %s", rq, a)
		}
	}
	return app.ID
}

// sortedCounts prints a tally in a stable order.
func sortedCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s: %d", k, m[k])
	}
	return "{" + b.String() + "}"
}

// TestPostGISFaultsAreUnavailable: every way the store can lose PostGIS —
// connecting refused, an open connection reset, the server ending the
// session (as a fast shutdown does), a silent network past the caller's
// deadline, the pool closed — is classified EUNAVAILABLE with a message in
// Chinese and English (the API then answers 503), and the same pool works
// again when PostGIS is back.
func TestPostGISFaultsAreUnavailable(t *testing.T) {
	direct := pgtest.NewDatabase(t)
	proxy, proxied := proxyTo(t, direct)
	ctx := context.Background()
	st, err := postgis.Open(ctx, postgis.Config{URL: proxied})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fac := coverage.Facility{Code: "FAULT-1", Name: "故障分类测试站", Category: coverage.CommunityServiceFacility,
		Point: orb.Point{106.4, 29.58}, Status: coverage.StatusOpen}
	calls := map[string]func(context.Context) error{
		"Ping":       st.Ping,
		"Facilities": func(ctx context.Context) error { _, err := st.Facilities(ctx); return err },
		"ChangeMark": func(ctx context.Context) error { _, err := st.ChangeMark(ctx); return err },
		"PutFacility": func(ctx context.Context) error {
			_, err := st.PutFacility(ctx, "test:faults", fac)
			if diming.Code(err) == diming.ECONFLICT {
				return nil // written by an earlier healthy round
			}
			return err
		},
	}
	names := []string{"Ping", "Facilities", "ChangeMark", "PutFacility"}
	healthy := func(when string) {
		t.Helper()
		for _, n := range names {
			if err := calls[n](ctx); err != nil {
				t.Fatalf("%s %s: %v", n, when, err)
			}
		}
	}
	unavailable := func(fault string, call func(context.Context) error, ctx context.Context) {
		t.Helper()
		err := call(ctx)
		var e *diming.Error
		switch {
		case err == nil:
			t.Errorf("%s: no error: the fault was not in effect", fault)
		case diming.Code(err) != diming.EUNAVAILABLE:
			t.Errorf("%s: code %s, want unavailable: %v", fault, diming.Code(err), err)
		case !errors.As(err, &e) || !hasHan(e.Message) || !strings.Contains(e.MessageEN, "try again"):
			t.Errorf("%s: unclear message %+v", fault, e)
		default:
			t.Logf("%s → %s / %s (cause: %v)", fault, e.Message, e.MessageEN, e.Err)
		}
	}
	healthy("before the faults")

	// Refused: the proxy is cut, nothing listens.
	if err := proxy.Cut(); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		unavailable("connection refused: "+n, calls[n], ctx)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	healthy("after the restore")

	// Reset mid-query: the call waits inside PostGIS (for a table lock)
	// when its connection is reset.
	blocking := []string{"Facilities", "ChangeMark", "PutFacility"}
	for _, n := range blocking {
		whileBlocked(t, direct, calls[n], func() {
			if err := proxy.Cut(); err != nil {
				t.Fatal(err)
			}
		}, func(err error) {
			unavailable("connection reset mid-query: "+n, func(context.Context) error { return err }, ctx)
		})
		if err := proxy.Restore(); err != nil {
			t.Fatal(err)
		}
		healthy("after the reset")
	}

	// Ended by the server mid-query, as a fast shutdown or an administrator
	// does (SQLSTATE 57P01).
	for _, n := range blocking {
		whileBlocked(t, direct, calls[n], func() { terminate(t, direct) },
			func(err error) {
				unavailable("session terminated by the server: "+n, func(context.Context) error { return err }, ctx)
			})
		healthy("after the termination")
	}

	// Silent network: the caller's deadline passes.
	proxy.Stall()
	for _, n := range names {
		dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		unavailable("network stalled past the deadline: "+n, calls[n], dctx)
		cancel()
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	healthy("after the stall")

	// Closed pool (the service shutting down).
	st.Close()
	for _, n := range names {
		unavailable("pool closed: "+n, calls[n], ctx)
	}
}

// whileBlocked runs call while another session holds the facilities and
// audit tables locked, so the call waits inside PostGIS; then it injects
// the fault and hands the call's error to check.
func whileBlocked(t *testing.T, dbURL string, call func(context.Context) error, fault func(), check func(error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	locker, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(context.Background())
	watcher, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close(context.Background())
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck
	if _, err := tx.Exec(ctx, "LOCK TABLE facilities, audit_log IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- call(ctx) }()
	for {
		var waiting int
		if err := watcher.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'diming' AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-errc:
			t.Fatalf("the call did not wait for the lock: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	fault()
	select {
	case err := <-errc:
		check(err)
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not return within 10 s of the fault")
	}
}

// terminate ends every session the service opened on the database of dbURL
// (application_name diming), from a connection of its own.
func terminate(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	admin, err := postgis.Open(ctx, postgis.Config{URL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.Pool().QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'diming' AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("terminate: no session of the store to end")
	}
}

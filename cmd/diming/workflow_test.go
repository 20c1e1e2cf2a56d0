package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"diming/internal/pgtest"
)

// official is a logged-in account for the workflow tests: a bearer token.
type official struct {
	t     *testing.T
	base  string
	token string
}

func addOfficial(t *testing.T, dataArgs []string, name, role string) string {
	t.Helper()
	if code, out := runStdin(t, "a long enough password\n", append([]string{"user", "add", "--name", name, "--role", role}, dataArgs...)...); code != 0 {
		t.Fatalf("user add %s: %s", name, out)
	}
	_, out := runCmd(t, append([]string{"token", "create", "--user", name}, dataArgs...)...)
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "dmt_") {
			return l
		}
	}
	t.Fatalf("no token for %s:\n%s", name, out)
	return ""
}

func (o official) call(method, path string, body any) (int, map[string]any) {
	o.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, o.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if o.token != "" {
		req.Header.Set("Authorization", "Bearer "+o.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		o.t.Fatalf("%s %s: status %d, not JSON: %.200s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode, m
}

func (o official) must(want int, method, path string, body any) map[string]any {
	o.t.Helper()
	code, m := o.call(method, path, body)
	if code != want {
		o.t.Fatalf("%s %s: %d, want %d: %v", method, path, code, want, m)
	}
	return m
}

func idOf(m map[string]any) int64 { return int64(m["id"].(float64)) }

// A point inside 凤凰镇胡南坝村 in the demo layout (see TestNameChecksRoute).
var newRoad = map[string]any{"kind": "naming", "name": "青杠林路", "category": "0801", "division_code": "500106105",
	"geometry": map[string]any{"type": "LineString", "coordinates": [][]float64{{106.30, 29.67}, {106.305, 29.672}}},
	"reasons":  "新建道路，连接胡南坝村与场镇", "meaning": "因沿线青杠林得名", "origin": "沿用当地小地名"}

func TestNamingWorkflow(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	applicant := official{t: t, token: addOfficial(t, data, "shenqing", "applicant")}
	other := official{t: t, token: addOfficial(t, data, "other.office", "applicant")}
	reviewer := official{t: t, token: addOfficial(t, data, "shenhe", "reviewer")}
	approver := official{t: t, token: addOfficial(t, data, "shenpi", "approver")}
	base := startServe(t, data...)
	public := official{t: t, base: base}
	for _, o := range []*official{&applicant, &other, &reviewer, &approver} {
		o.base = base
	}

	app := applicant.must(201, "POST", "/api/v1/applications", newRoad)
	id := idOf(app)
	if app["status"] != "draft" || app["romanization"] != "Qingganglin Lu" || app["blocked"] != false {
		t.Fatalf("new application %v", app)
	}
	path := fmt.Sprintf("/api/v1/applications/%d", id)
	// Others cannot see or move it; the wrong roles are refused.
	other.must(404, "GET", path, nil)
	reviewer.must(403, "POST", path+"/submit", nil)
	applicant.must(403, "POST", path+"/review", nil)
	public.must(401, "GET", path, nil)
	public.must(401, "POST", "/api/v1/applications", newRoad)

	// The applicant edits the draft (with the version read), attaches a report, submits.
	applicant.must(409, "PATCH", path, map[string]any{"reasons": "改", "version": 99})
	if edited := applicant.must(200, "PATCH", path, map[string]any{"reasons": "新建道路，连接胡南坝村与凤凰场镇", "version": app["version"]}); edited["version"].(float64) != app["version"].(float64)+1 {
		t.Fatalf("edit did not bump the version: %v", edited)
	}
	if code, m := upload(t, applicant, path+"/attachments", "assessment", "../../etc/评估报告.pdf", []byte("%PDF-1.4 test report")); code != 201 || m["filename"] != "评估报告.pdf" {
		t.Fatalf("upload: %d %v", code, m)
	}
	if code, m := upload(t, applicant, path+"/attachments", "assessment", "virus.pdf", []byte("MZ not a pdf")); code != 400 {
		t.Fatalf("non-PDF upload: %d %v", code, m)
	}
	if code, _ := upload(t, applicant, path+"/attachments", "selfie", "a.pdf", []byte("%PDF-1.4")); code != 400 {
		t.Fatalf("bad attachment kind: %d", code)
	}
	applicant.must(200, "POST", path+"/submit", nil)
	applicant.must(409, "POST", path+"/submit", nil) // already submitted

	// Review, then public notice (a 0-day notice for the test).
	reviewer.must(200, "POST", path+"/review", nil)
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") // the bureau's date
	reviewer.must(400, "POST", path+"/notice", map[string]any{"start": today, "end": "2000-01-01"})
	reviewer.must(200, "POST", path+"/notice", map[string]any{"start": today, "end": today})
	notices := public.must(200, "GET", "/api/v1/notices", nil)
	if !strings.Contains(fmt.Sprint(notices), "青杠林路") {
		t.Fatalf("the name on notice is not public: %v", notices)
	}
	public.must(201, "POST", fmt.Sprintf("/api/v1/notices/%d/comments", id), map[string]any{"author": "居民", "text": "赞成，这里原有青杠林"})
	public.must(400, "POST", fmt.Sprintf("/api/v1/notices/%d/comments", id), map[string]any{"text": ""})
	public.must(404, "POST", "/api/v1/notices/999999/comments", map[string]any{"text": "x"})
	comments := reviewer.must(200, "GET", path+"/comments", nil)
	if len(comments["comments"].([]any)) != 1 {
		t.Fatalf("comments %v", comments)
	}

	// Approval and publication; the reviewer may not approve.
	reviewer.must(403, "POST", path+"/approve", nil)
	approver.must(409, "POST", path+"/publish", nil) // not approved yet
	app = approver.must(200, "POST", path+"/approve", map[string]any{"note": "同意"})
	if app["approved_by"] != "重庆市沙坪坝区人民政府" || app["approved_on"] != today {
		t.Fatalf("approved %v", app)
	}
	app = approver.must(200, "POST", path+"/publish", nil)
	if app["status"] != "published" || app["published_place_id"] == nil {
		t.Fatalf("published %v", app)
	}
	var actions []string
	for _, e := range app["events"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	if strings.Join(actions, ",") != "create,edit,submit,review,notice,approve,publish" {
		t.Fatalf("events %v", actions)
	}
	// The standard name is found by public search at once, with its pinyin.
	code, rs, _ := search(t, base, "/api/v1/places", url.Values{"q": {"青杠林路"}})
	if code != 200 || len(rs) == 0 || rs[0].Name != "青杠林路" || rs[0].Pinyin != "Qingganglin Lu" {
		t.Fatalf("published name in search: %d %+v", code, rs)
	}
	place := public.must(200, "GET", fmt.Sprintf("/api/v1/places/%d", int64(app["published_place_id"].(float64))), nil)
	if place["approved_by"] != "重庆市沙坪坝区人民政府" || place["named_on"] != today || place["source"] != fmt.Sprintf("approval:%d", id) {
		t.Fatalf("published record %v", place)
	}
	// Filing (备案) is recorded; the 公告 and filing exports list the name.
	reviewer.must(200, "POST", path+"/file", map[string]any{"note": "已报市民政局备案"})
	reviewer.must(409, "POST", path+"/file", nil)
	ann := public.must(200, "GET", "/api/v1/announcements", nil)
	if !strings.Contains(fmt.Sprint(ann), "Qingganglin Lu") || !strings.Contains(fmt.Sprint(ann), "重庆市沙坪坝区人民政府") {
		t.Fatalf("announcements %v", ann)
	}
	filings := reviewer.must(200, "GET", "/api/v1/filings", nil)
	if !strings.Contains(fmt.Sprint(filings), "filed_on:"+today) {
		t.Fatalf("filings %v", filings)
	}
	if overdue := reviewer.must(200, "GET", "/api/v1/filings?overdue=true", nil); len(overdue["filings"].([]any)) != 0 {
		t.Fatalf("overdue filings right after approval: %v", overdue)
	}
	public.must(401, "GET", "/api/v1/filings", nil)
	checkExports(t, base, reviewer.token)
	// A second application for the same name now conflicts with the published one.
	second := idOf(other.must(201, "POST", "/api/v1/applications", newRoad))
	if b := other.must(200, "GET", fmt.Sprintf("/api/v1/applications/%d", second), nil); b["blocked"] != true {
		t.Fatalf("a duplicate of the published name is not blocked: %v", b)
	}
}

// TestRenamingProtectedName: renaming a protected historic name is blocked
// unless the approver writes an override reason; the old name is kept.
func TestRenamingProtectedName(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	applicant := official{t: t, token: addOfficial(t, data, "shenqing", "applicant")}
	reviewer := official{t: t, token: addOfficial(t, data, "shenhe", "reviewer")}
	approver := official{t: t, token: addOfficial(t, data, "shenpi", "approver")}
	base := startServe(t, data...)
	for _, o := range []*official{&applicant, &reviewer, &approver} {
		o.base = base
	}
	_, rs, _ := search(t, base, "/api/v1/places", url.Values{"q": {"磁器口古镇"}})
	if len(rs) == 0 || rs[0].Name != "磁器口古镇" {
		t.Fatalf("磁器口古镇 not found: %+v", rs)
	}
	app := applicant.must(201, "POST", "/api/v1/applications", map[string]any{"kind": "renaming", "place_id": rs[0].ID, "name": "瓷器口古镇", "reasons": "测试"})
	if app["blocked"] != true {
		t.Fatalf("renaming a protected name is not blocked: %v", app)
	}
	path := fmt.Sprintf("/api/v1/applications/%d", idOf(app))
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") // the bureau's date
	applicant.must(200, "POST", path+"/submit", nil)
	reviewer.must(200, "POST", path+"/review", nil)
	reviewer.must(200, "POST", path+"/notice", map[string]any{"start": today, "end": today})
	if _, m := approver.call("POST", path+"/approve", nil); !strings.Contains(fmt.Sprint(m), "历史地名") {
		t.Fatalf("approve without override: %v", m)
	}
	approver.must(409, "POST", path+"/approve", nil)
	approver.must(200, "POST", path+"/approve", map[string]any{"override_reason": "经区人民政府常务会议研究同意"})
	if app = approver.must(200, "POST", path+"/publish", nil); app["status"] != "published" {
		t.Fatalf("renaming not published: %v", app)
	}
	place := approver.must(200, "GET", fmt.Sprintf("/api/v1/places/%d", rs[0].ID), nil)
	if place["name"] != "瓷器口古镇" || !strings.Contains(fmt.Sprint(place["former_names"]), "磁器口古镇") || !strings.Contains(fmt.Sprint(place["history"]), "更名") {
		t.Fatalf("renamed record %v", place)
	}
}

// TestConcurrentPublicationsPostGIS: 50 approved applications for the same
// name in the same scope, published at once on PostGIS: exactly one wins.
func TestConcurrentPublicationsPostGIS(t *testing.T) {
	data := []string{"--database-url", pgtest.NewDatabase(t)}
	if code, out := runCmd(t, append([]string{"demo"}, data...)...); code != 0 {
		t.Fatalf("demo: %s", out)
	}
	applicant := official{t: t, token: addOfficial(t, data, "shenqing", "applicant")}
	reviewer := official{t: t, token: addOfficial(t, data, "shenhe", "reviewer")}
	approver := official{t: t, token: addOfficial(t, data, "shenpi", "approver")}
	base := startServe(t, data...)
	for _, o := range []*official{&applicant, &reviewer, &approver} {
		o.base = base
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") // the bureau's date
	const n = 50
	paths := make([]string, n)
	for i := range paths {
		app := applicant.must(201, "POST", "/api/v1/applications", newRoad)
		paths[i] = fmt.Sprintf("/api/v1/applications/%d", idOf(app))
		applicant.must(200, "POST", paths[i]+"/submit", nil)
		reviewer.must(200, "POST", paths[i]+"/review", nil)
		reviewer.must(200, "POST", paths[i]+"/notice", map[string]any{"start": today, "end": today})
		approver.must(200, "POST", paths[i]+"/approve", nil)
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	msgs := make([]string, n)
	start := make(chan struct{})
	for i := range paths {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			c, m := approver.call("POST", paths[i]+"/publish", nil)
			codes[i], msgs[i] = c, fmt.Sprint(m["error"])
		}(i)
	}
	close(start)
	wg.Wait()
	published, conflicts := 0, 0
	for i, c := range codes {
		switch c {
		case 200:
			published++
		case 409:
			conflicts++
		default:
			t.Errorf("publish %d: %d %s", i, c, msgs[i])
		}
	}
	if published != 1 || conflicts != n-1 {
		t.Fatalf("%d published, %d conflicts; want 1 and %d", published, conflicts, n-1)
	}
	_, rs, _ := search(t, base, "/api/v1/places", url.Values{"q": {"青杠林路"}, "limit": {"20"}})
	count := 0
	for _, r := range rs {
		if r.Name == "青杠林路" {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d places named 青杠林路 after the race, want 1", count)
	}
}

// checkExports downloads the 公告 list as CSV and the filing report as
// .xlsx and reads them back.
func checkExports(t *testing.T, base, token string) {
	t.Helper()
	get := func(path string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	res, b := get("/api/v1/announcements?format=csv")
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(rows) != 2 || rows[0][2] != "标准名称" || rows[1][2] != "青杠林路" || rows[1][3] != "Qingganglin Lu" {
		t.Fatalf("announcements CSV: %v %v", rows, err)
	}
	res, b = get("/api/v1/filings?format=xlsx")
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("filings xlsx: %v", err)
	}
	defer f.Close()
	x, err := f.GetRows("地名备案")
	if err != nil || len(x) != 2 || x[0][7] != "备案期限" || x[1][2] != "青杠林路" || x[1][8] == "" {
		t.Fatalf("filings sheet: %v %v", x, err)
	}
	if res, _ := get("/api/v1/filings?format=pdf"); res.StatusCode != 400 {
		t.Fatalf("unknown format: %d", res.StatusCode)
	}
}

func upload(t *testing.T, o official, path, kind, filename string, data []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", o.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+o.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

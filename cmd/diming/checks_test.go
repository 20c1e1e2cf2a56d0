package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"diming/demo"
	"diming/gazetteer"
)

// TestNameChecksRoute: officials check a proposed name against the demo
// gazetteer and every township name of Chongqing; the public may not.
func TestNameChecksRoute(t *testing.T) {
	dir := t.TempDir()
	if code, out := runStdin(t, "a long enough password\n", "user", "add", "--name", "sun.jiu", "--role", "applicant", "--data-dir", dir); code != 0 {
		t.Fatalf("user add: %s", out)
	}
	_, out := runCmd(t, "token", "create", "--user", "sun.jiu", "--data-dir", dir)
	token := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "dmt_") {
			token = l
		}
	}
	base := startServe(t, "--data-dir", dir)
	post := func(body string, auth bool) (int, map[string]any) {
		req, _ := http.NewRequest("POST", base+"/api/v1/checks/name", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("not JSON: %s", b)
		}
		return res.StatusCode, m
	}
	huayan := `{"name":"华岩镇","category":"0403","division_code":"500106"}`
	if code, _ := post(huayan, false); code != 401 {
		t.Fatalf("anonymous check: %d, want 401", code)
	}
	code, m := post(huayan, true)
	if code != 200 || m["blocked"] != true || m["romanization"] != "Huayan Zhen" {
		t.Fatalf("华岩镇: %d %v", code, m)
	}
	raw, _ := json.Marshal(m["results"])
	if !strings.Contains(string(raw), "花岩镇") || !strings.Contains(string(raw), "homophone") {
		t.Fatalf("华岩镇 results do not name the homophone 花岩镇: %s", raw)
	}
	// A plausible new road in the town of 凤凰 passes without a block.
	code, m = post(`{"name":"青杠林路","category":"0801","division_code":"500106105","geometry":{"type":"LineString","coordinates":[[106.30,29.67],[106.305,29.672]]}}`, true)
	if code != 200 || m["blocked"] != false {
		t.Fatalf("a new road: %d %v", code, m)
	}
	for _, bad := range []string{`{"name":"x","unknown":1}`, `{"name":`, `[]`, `{"name":"路","geometry":{"type":"Point","coordinates":[500,30]}}`, `{"name":"某路","crs":"gcj02"}`} {
		if code, m := post(bad, true); code != 400 {
			t.Errorf("%s: %d %v", bad, code, m)
		}
	}
}

// TestConfigurableWordLists: a bureau's own word list replaces the built-in
// one of the same name.
func TestConfigurableWordLists(t *testing.T) {
	dir := t.TempDir()
	lists := t.TempDir()
	if err := os.WriteFile(filepath.Join(lists, "enterprises.txt"), []byte("# 本地企业\n某某集团\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := []string{"--data-dir", dir}
	o := official{t: t, token: addOfficial(t, data, "sun.jiu", "applicant")}
	o.base = startServe(t, append(data, "--wordlists", lists)...)
	m := o.must(200, "POST", "/api/v1/checks/name", map[string]any{"name": "某某集团路", "category": "0801", "division_code": "500106"})
	if !strings.Contains(fmt.Sprint(m["results"]), "word_list") {
		t.Fatalf("the bureau's own word is not flagged: %v", m)
	}
	// 万达 is on the built-in enterprise list, which the folder replaced.
	m = o.must(200, "POST", "/api/v1/checks/name", map[string]any{"name": "万达路", "category": "0801", "division_code": "500106"})
	if strings.Contains(fmt.Sprint(m["results"]), "word_list") {
		t.Fatalf("the replaced built-in list still applies: %v", m)
	}
	if code, out := runCmd(t, "serve", "--data-dir", dir, "--wordlists", t.TempDir(), "--addr", freeAddr(t)); code != 1 || !strings.Contains(out, "没有 .txt") {
		t.Fatalf("empty word-list folder: %d %s", code, out)
	}
}

// TestBoundaryRoutes: the demo's lines are served, and its topology is clean.
func TestBoundaryRoutes(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	reviewer := official{t: t, token: addOfficial(t, data, "shenhe", "reviewer")}
	reviewer.base = startServe(t, data...)
	public := official{t: t, base: reviewer.base}
	lines := public.must(200, "GET", "/api/v1/boundaries/lines?level=township", nil)
	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(lines["features"].([]any)), len(gazetteer.DeriveBoundaryLines(ds, gazetteer.LevelTownship)); got != want || want == 0 {
		t.Fatalf("%d township boundary features, want %d", got, want)
	}
	mine := public.must(200, "GET", "/api/v1/boundaries/lines?level=township&code=500106001", nil)
	for _, f := range mine["features"].([]any) {
		p := f.(map[string]any)["properties"].(map[string]any)
		if p["left_code"] != "500106001000" && p["right_code"] != "500106001000" {
			t.Fatalf("line %v does not touch 小龙坎街道", p)
		}
		if p["length_m"].(float64) <= 0 {
			t.Fatalf("line %v has no length", p)
		}
	}
	public.must(401, "GET", "/api/v1/boundaries/topology?level=village", nil)
	rep := reviewer.must(200, "GET", "/api/v1/boundaries/topology?level=village", nil)
	if rep["checked"].(float64) != 200 || len(rep["overlaps"].([]any))+len(rep["gaps"].([]any))+len(rep["outside"].([]any)) != 0 {
		t.Fatalf("demo village topology %v", rep)
	}
	public.must(400, "GET", "/api/v1/boundaries/lines?level=street", nil)
	public.must(404, "GET", "/api/v1/boundaries/lines?code=500106999", nil)
}

package main

// `diming import facilities`: a point outside the district is rejected with
// its line (all or nothing, or skipped with --skip-invalid), and a dry run
// reports the counts the import would.

import (
	"encoding/json"
	"strings"
	"testing"
)

// fcImportSummary is the --json summary of a facility import.
type fcImportSummary struct {
	Rows      int  `json:"rows"`
	Added     int  `json:"added"`
	Updated   int  `json:"updated"`
	Unchanged int  `json:"unchanged"`
	Written   bool `json:"written"`
	Rejected  []struct {
		Line     int    `json:"line"`
		Name     string `json:"name"`
		Reason   string `json:"reason"`
		ReasonEN string `json:"reason_en"`
	} `json:"rejected"`
}

func fcParseSummary(t *testing.T, out string) fcImportSummary {
	t.Helper()
	var s fcImportSummary
	i, j := strings.Index(out, "{\n"), strings.LastIndex(out, "}")
	if i < 0 || j < i || json.Unmarshal([]byte(out[i:j+1]), &s) != nil {
		t.Fatalf("no JSON summary in:\n%s", out)
	}
	return s
}

func TestImportFacilitiesDistrictAndDryRun(t *testing.T) {
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	if code, out := runCmd(t, append([]string{"demo"}, data...)...); code != 0 {
		t.Fatal(out)
	}
	first := writeFile(t, "fi0.csv", "code,name,category,lon,lat\nFI-1,导入站一,community_eldercare_station,106.40,29.58\n")
	if code, out := runCmd(t, append([]string{"import", "facilities", first}, data...)...); code != 0 || !strings.Contains(out, "added 1") {
		t.Fatalf("first import: %d\n%s", code, out)
	}

	// 2 rows, 1 new, 1 existing unchanged: the dry run says so and writes nothing.
	two := writeFile(t, "fi.csv", "code,name,category,lon,lat\nFI-1,导入站一,community_eldercare_station,106.40,29.58\nFI-2,导入站二,lottery_outlet,106.41,29.58\n")
	code, out := runCmd(t, append([]string{"import", "facilities", two, "--dry-run"}, data...)...)
	if code != 0 || !strings.Contains(out, "added 1, updated 0, unchanged 1, rejected 0") || !strings.Contains(out, "dry run") {
		t.Errorf("dry run: %d\n%s", code, out)
	}
	code, out = runCmd(t, append([]string{"import", "facilities", two, "--dry-run", "--json"}, data...)...)
	if s := fcParseSummary(t, out); code != 0 || s.Rows != 2 || s.Added != 1 || s.Updated != 0 || s.Unchanged != 1 || s.Written {
		t.Errorf("dry run --json: %d %+v", code, s)
	}
	// Still one FI row stored: a second dry run says the same.
	code, out = runCmd(t, append([]string{"import", "facilities", two, "--dry-run", "--json"}, data...)...)
	if s := fcParseSummary(t, out); code != 0 || s.Added != 1 || s.Unchanged != 1 {
		t.Errorf("a second dry run: %d %+v, want the same counts (nothing written)", code, s)
	}
	// The import does what the dry run said; a changed row is an update.
	code, out = runCmd(t, append([]string{"import", "facilities", two, "--json"}, data...)...)
	if s := fcParseSummary(t, out); code != 0 || s.Added != 1 || s.Unchanged != 1 || !s.Written {
		t.Errorf("import: %d %+v", code, s)
	}
	moved := writeFile(t, "fm.csv", "code,name,category,lon,lat\nFI-1,导入站一,community_eldercare_station,106.40,29.58\nFI-2,导入站二,lottery_outlet,106.42,29.58\n")
	code, out = runCmd(t, append([]string{"import", "facilities", moved, "--dry-run", "--json"}, data...)...)
	if s := fcParseSummary(t, out); code != 0 || s.Added != 0 || s.Updated != 1 || s.Unchanged != 1 {
		t.Errorf("dry run of a move: %d %+v", code, s)
	}

	// A row in Beijing (planned or not) is rejected with its line number;
	// without --skip-invalid nothing is written.
	far := writeFile(t, "far.csv", "code,name,category,lon,lat,status\nFI-3,导入站三,school,106.43,29.58,open\nFI-4,北京站,community_eldercare_station,116.39,39.9,planned\n")
	code, out = runCmd(t, append([]string{"import", "facilities", far, "--json"}, data...)...)
	s := fcParseSummary(t, out)
	if code == 0 || s.Written || len(s.Rejected) != 1 || s.Rejected[0].Line != 3 || s.Rejected[0].Name != "北京站" ||
		!strings.Contains(s.Rejected[0].Reason, "不在辖区内") || !strings.Contains(s.Rejected[0].ReasonEN, "outside the district") {
		t.Errorf("a row outside the district: %d %+v\n%s", code, s, out)
	}
	code, out = runCmd(t, append([]string{"import", "facilities", far}, data...)...)
	if code == 0 || !strings.Contains(out, "第 3 行 北京站") || !strings.Contains(out, "nothing was written") {
		t.Errorf("a row outside the district (text): %d\n%s", code, out)
	}
	code, out = runCmd(t, append([]string{"import", "facilities", far, "--dry-run", "--json"}, data...)...)
	if s := fcParseSummary(t, out); s.Added != 1 || len(s.Rejected) != 1 {
		t.Errorf("dry run with a row outside: %d %+v (FI-3 was written?)", code, s)
	}
	// --skip-invalid imports the good row only.
	code, out = runCmd(t, append([]string{"import", "facilities", far, "--skip-invalid", "--json"}, data...)...)
	if s := fcParseSummary(t, out); code != 0 || s.Added != 1 || len(s.Rejected) != 1 || !s.Written {
		t.Errorf("--skip-invalid: %d %+v", code, s)
	}
	code, out = runCmd(t, append([]string{"import", "facilities", far, "--dry-run", "--json"}, data...)...)
	if s := fcParseSummary(t, out); code == 0 || s.Added != 0 || s.Unchanged != 1 {
		t.Errorf("after --skip-invalid: exit %d, %+v (want the Beijing row rejected again, FI-3 stored)", code, s)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"diming/geo"
	"diming/store/sqlite"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func counts(t *testing.T, dir string) (places, audit int) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.DB().QueryRow("SELECT (SELECT count(*) FROM places), (SELECT count(*) FROM audit_log)").Scan(&places, &audit); err != nil {
		t.Fatal(err)
	}
	return places, audit
}

func TestImportPlaces(t *testing.T) {
	dir := t.TempDir()
	if code, out := runCmd(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo: %d\n%s", code, out)
	}
	places0, audit0 := counts(t, dir)
	// Two good rows and a bad one.
	gcj, _ := geo.FromWGS84(orb.Point{106.4567, 29.5601}, geo.GCJ02)
	good := "name,category,lon,lat,meaning\n" +
		"测试新路,0801,106.4567,29.5601,测试用的道路\n" +
		"测试广场,0806,106.4571,29.5605,\n"
	bad := good + "坏行,0801,106.4567,95,\n"

	// A file with a bad row writes nothing and says which row and why.
	code, out := runCmd(t, "import", "places", writeFile(t, "bad.csv", bad), "--data-dir", dir)
	if code != 1 || !strings.Contains(out, "第 4 行") || !strings.Contains(out, "未写入任何数据") {
		t.Fatalf("bad file: exit %d\n%s", code, out)
	}
	if p, a := counts(t, dir); p != places0 || a != audit0 {
		t.Fatalf("a rejected import wrote: places %d→%d, audit %d→%d", places0, p, audit0, a)
	}
	// --dry-run reports and writes nothing.
	code, out = runCmd(t, "import", "places", writeFile(t, "good.csv", good), "--dry-run", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "新增 2") || !strings.Contains(out, "试运行") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if p, _ := counts(t, dir); p != places0 {
		t.Fatal("dry run wrote")
	}
	// --skip-invalid imports the good rows, in one transaction.
	var stdout, stderr bytes.Buffer
	code = run(context.Background(), []string{"import", "places", writeFile(t, "bad.csv", bad), "--skip-invalid", "--json", "--data-dir", dir}, strings.NewReader(""), &stdout, &stderr)
	var sum importSummary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || code != 0 {
		t.Fatalf("skip-invalid: exit %d, %v\n%s\n%s", code, err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "100% (2/2)") {
		t.Errorf("no progress shown:\n%s", stderr.String())
	}
	if sum.Added != 2 || len(sum.Rejected) != 1 || sum.Rejected[0].Line != 4 || !sum.Written {
		t.Fatalf("summary %+v", sum)
	}
	if p, a := counts(t, dir); p != places0+2 || a != audit0+2 {
		t.Fatalf("after import: places %d (want %d), audit %d (want %d)", p, places0+2, a, audit0+2)
	}
	// Importing a stored row again changes nothing.
	gcjCSV := "name,category,lon,lat,meaning\n" + "测试广场,0806,106.4571,29.5605,\n"
	code, out = runCmd(t, "import", "places", writeFile(t, "again.csv", gcjCSV), "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "未变 1") {
		t.Fatalf("re-import: exit %d\n%s", code, out)
	}
	// A point copied from a GCJ-02 map lands, converted, in the district.
	gcjRow := "name,category,lon,lat\n测试公交站,0805," + ftoa(gcj[0]) + "," + ftoa(gcj[1]) + "\n"
	code, out = runCmd(t, "import", "places", writeFile(t, "gcj.csv", gcjRow), "--crs", "gcj02", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "新增 1") {
		t.Fatalf("gcj import: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"import", "places", writeFile(t, "x.txt", good), "--data-dir", dir},
		{"import", "places", "/nonexistent/file.csv", "--data-dir", dir},
		{"import", "facilities", writeFile(t, "f.csv", good), "--data-dir", dir},
		{"import", "places", writeFile(t, "c.csv", good), "--crs", "epsg:3857", "--data-dir", dir},
		{"import", "places", writeFile(t, "h.csv", "名字,类别\n"), "--data-dir", dir},
		{"import", "places", writeFile(t, "g.geojson", `{"type":"FeatureCollection","features":[`), "--data-dir", dir},
	} {
		if code, out := runCmd(t, args...); code == 0 || !strings.Contains(out, "diming import") {
			t.Errorf("%v: exit %d\n%s", args[2:], code, out)
		}
	}
	if code, _ := runCmd(t, "import", "places"); code != 2 {
		t.Error("import without a file should be a usage error")
	}
}

func ftoa(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

package gazetteer_test

import (
	"diming"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"diming/gazetteer"
	"diming/geo"
	"diming/internal/storetest"
)

func plan(t *testing.T, rows []gazetteer.ImportRow, existing []gazetteer.Place) gazetteer.ImportPlan {
	t.Helper()
	return gazetteer.PlanImport(rows, gazetteer.NewDivisionIndex(storetest.Fixtures()), existing, gazetteer.ImportOptions{
		Split: func(name, _ string) (string, string) {
			for _, g := range []string{"大道", "路", "公园", "古镇"} {
				if strings.HasSuffix(name, g) && name != g {
					return strings.TrimSuffix(name, g), g
				}
			}
			return name, ""
		},
		Romanize: func(_, _, _, _ string) string { return "Proposed" },
		Source:   "import:test",
	})
}

func TestImportCSV(t *testing.T) {
	csv := "\ufeffname,category,lon,lat,aliases,meaning,protected\n" +
		"汉渝路,0801,106.35,29.55,汉渝街；老汉渝路,连接汉中与重庆,否\n" +
		"沙坪公园,1001,106.47,29.6,,,是\n" +
		"坏坐标,0801,abc,29.5,,,\n" +
		"远方路,0801,116.4,39.9,,,\n" +
		"无类别路,99,106.35,29.56,,,\n" +
		"汉渝路,0801,106.351,29.551,,,\n" +
		"短行,0801\n" +
		"\"引号\"错,0801,106.35,29.55,,,\n"
	rows, err := gazetteer.ParsePlacesCSV(strings.NewReader(csv), geo.WGS84)
	if err == nil {
		// The bare quote in the last line is a CSV syntax error for the whole file.
		t.Fatalf("malformed CSV accepted (%d rows)", len(rows))
	}
	csv = csv[:strings.LastIndex(csv[:len(csv)-1], "\n")+1]
	rows, err = gazetteer.ParsePlacesCSV(strings.NewReader(csv), geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	p := plan(t, rows, nil)
	if len(p.Add) != 2 || p.Add[0].Name != "汉渝路" || p.Add[1].Name != "沙坪公园" {
		t.Fatalf("added %v", p.Add)
	}
	a := p.Add[0]
	if a.Specific != "汉渝" || a.Generic != "路" || a.Romanization != "Proposed" || a.DivisionCode != "500106001001" ||
		strings.Join(a.Aliases, "|") != "汉渝街|老汉渝路" || a.Source != "import:test" || a.Meaning != "连接汉中与重庆" {
		t.Fatalf("row 1 became %+v", a)
	}
	if !p.Add[1].Protected || p.Add[1].DivisionCode != "500106104200" {
		t.Fatalf("row 2 became %+v", p.Add[1])
	}
	want := map[int]string{4: "不是数值", 5: "不在辖区内", 6: "类别代码", 7: "与第 2 行重复", 8: "列数"}
	if len(p.Rejected) != len(want) {
		t.Fatalf("rejected %+v", p.Rejected)
	}
	for _, r := range p.Rejected {
		if !strings.Contains(r.Reason, want[r.Line]) || r.ReasonEN == "" {
			t.Errorf("line %d rejected with %q, want it to say %q", r.Line, r.Reason, want[r.Line])
		}
	}
}

func TestImportCSVHeaderErrors(t *testing.T) {
	for _, tc := range []struct{ csv, says string }{
		{"", "表头"},
		{"name,lon,lat\n", "category"},
		{"name,category,population\n", "未知的列"},
		{"name,category,name\n", "两次"},
	} {
		if _, err := gazetteer.ParsePlacesCSV(strings.NewReader(tc.csv), geo.WGS84); err == nil || !strings.Contains(err.Error()+messageOf(err), tc.says) {
			t.Errorf("%q: %v, want an error saying %q", tc.csv, err, tc.says)
		}
	}
}

func TestImportGeoJSONUpdatesAndCRS(t *testing.T) {
	existing := []gazetteer.Place{{ID: 7, Name: "汉渝路", Specific: "汉渝", Generic: "路", Romanization: "Hanyu Lu", Category: "0801",
		DivisionCode: "500106001001", Geometry: orb.Point{106.35, 29.55}, Aliases: []string{}, FormerNames: []string{}, Source: "demo"}}
	// The same point given in GCJ-02 (as copied from a Chinese web map).
	gcj, err := geo.FromWGS84(orb.Point{106.35, 29.55}, geo.GCJ02)
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"name":"汉渝路","category":"0801","romanization":"Hanyu Lu"},"geometry":{"type":"Point","coordinates":[` + ftoa(gcj[0]) + `,` + ftoa(gcj[1]) + `]}},
		{"type":"Feature","properties":{"name":"沙坪公园","category":"1001","fid":3},"geometry":{"type":"Polygon","coordinates":[[[106.46,29.6],[106.47,29.6],[106.47,29.61],[106.46,29.61],[106.46,29.6]]]}},
		{"type":"Feature","properties":{"name":"蝴蝶","category":"1001"},"geometry":{"type":"Polygon","coordinates":[[[106.46,29.6],[106.47,29.61],[106.47,29.6],[106.46,29.61],[106.46,29.6]]]}},
		{"type":"Feature","properties":{"name":"多余","category":"1001","population":5},"geometry":{"type":"Point","coordinates":[106.46,29.6]}},
		{"type":"Feature","properties":{"name":"无几何","category":"1001"},"geometry":null},
		{"type":"Nope"}
	]}`
	rows, err := gazetteer.ParsePlacesGeoJSON([]byte(doc), geo.GCJ02)
	if err != nil {
		t.Fatal(err)
	}
	p := plan(t, rows, existing)
	// 汉渝路 lands within centimetres of the stored point but not exactly on it: an update of id 7.
	if len(p.Update) != 1 || p.Update[0].ID != 7 || geo.Distance(p.Update[0].Geometry.(orb.Point), orb.Point{106.35, 29.55}) > 0.05 {
		t.Fatalf("update %+v", p.Update)
	}
	if len(p.Add) != 1 || p.Add[0].Name != "沙坪公园" {
		t.Fatalf("add %+v", p.Add)
	}
	want := map[int]string{3: "自相交", 4: "未知的属性", 5: "缺少位置", 6: "Feature"}
	if len(p.Rejected) != len(want) {
		t.Fatalf("rejected %+v", p.Rejected)
	}
	for _, r := range p.Rejected {
		if !strings.Contains(r.Reason, want[r.Line]) {
			t.Errorf("feature %d rejected with %q, want %q", r.Line, r.Reason, want[r.Line])
		}
	}
	// Re-importing what is stored changes nothing.
	wgs := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"汉渝路","category":"0801","romanization":"Hanyu Lu"},"geometry":{"type":"Point","coordinates":[106.35,29.55]}}]}`
	rows, _ = gazetteer.ParsePlacesGeoJSON([]byte(wgs), geo.WGS84)
	if p := plan(t, rows, existing); p.Unchanged != 1 || len(p.Add)+len(p.Update)+len(p.Rejected) != 0 {
		t.Fatalf("re-import plan %+v", p)
	}
	for _, bad := range []string{`{`, `[]`, `{"type":"Feature"}`, `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[]}`} {
		if _, err := gazetteer.ParsePlacesGeoJSON([]byte(bad), geo.WGS84); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func ftoa(f float64) string { return strings.TrimRight(strings.TrimRight(strconvF(f), "0"), ".") }

func strconvF(f float64) string { return strconv.FormatFloat(f, 'f', 12, 64) }

func messageOf(err error) string {
	zh, en := diming.Messages(err)
	return zh + en
}

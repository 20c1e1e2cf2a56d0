package gazetteer_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"diming/demo"
	"diming/gazetteer"
	"diming/geo"
)

// checkFixture is a small, realistic read model: the demo divisions of
// Shapingba (real codes and names, synthetic polygons), a place record for
// each division, a few roads, estates and protected historic names placed
// inside their villages, and a cancelled road. The embedded Chongqing
// township list comes with every checker.
type checkFixture struct {
	divs    *gazetteer.DivisionIndex
	places  []gazetteer.Place
	checker *gazetteer.NameChecker
}

func (f *checkFixture) place(t testing.TB, name string) gazetteer.Place {
	t.Helper()
	for _, p := range f.places {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("fixture has no place %s", name)
	return gazetteer.Place{}
}

// inside returns a point inside the division with code.
func (f *checkFixture) inside(t testing.TB, code string) orb.Point {
	t.Helper()
	d, err := f.divs.Division(code)
	if err != nil {
		t.Fatal(err)
	}
	pt := geo.LabelPoint(d.Geometry)
	if !geo.MultiPolygonContains(d.Geometry, pt) {
		t.Fatalf("label point of %s is outside it", code)
	}
	return pt
}

// shortLine is a line of a few metres from a point inside the division.
func (f *checkFixture) shortLine(t testing.TB, code string) orb.LineString {
	pt := f.inside(t, code)
	return orb.LineString{pt, {pt[0] + 0.0002, pt[1] + 0.0001}}
}

var (
	fixtureOnce sync.Once
	fixture     *checkFixture
	fixtureErr  error
)

func newCheckFixture(t testing.TB) *checkFixture {
	t.Helper()
	fixtureOnce.Do(func() {
		ds, err := demo.Divisions()
		if err != nil {
			fixtureErr = err
			return
		}
		f := &checkFixture{divs: gazetteer.NewDivisionIndex(ds)}
		places := demo.DivisionPlaces(ds)
		type row struct {
			name, category, division string
			line, protected          bool
			cancelled                string
			former                   []string
		}
		rows := []row{
			{name: "汉渝路", category: "0801", division: "500106001001", line: true},
			{name: "渝碚路", category: "0801", division: "500106002003", line: true},
			{name: "天星桥正街", category: "0801", division: "500106012001", line: true},
			{name: "松林坡小区", category: "0701", division: "500106002010"},
			{name: "凤凰正街", category: "0801", division: "500106105001", line: true},
			{name: "石门大桥", category: "0803", division: "500106001001"},
			{name: "磁器口古镇", category: "1001", division: "500106004001", protected: true, former: []string{"龙隐镇"}},
			{name: "歌乐山烈士陵园", category: "1002", division: "500106009001", protected: true},
			{name: "龙隐路", category: "0801", division: "500106004001", line: true, cancelled: "2001-05-01"},
		}
		for _, r := range rows {
			s, g := gazetteer.SplitName(r.name, r.category)
			p := gazetteer.Place{Name: r.name, Specific: s, Generic: g, Category: r.category, DivisionCode: r.division,
				Protected: r.protected, CancelledOn: r.cancelled, FormerNames: r.former, Source: "test"}
			if r.line {
				p.Geometry = f.shortLineOf(r.division)
			} else {
				p.Geometry = f.pointOf(r.division)
			}
			places = append(places, p)
		}
		for i := range places {
			places[i].ID = int64(i + 1)
		}
		f.places = places
		f.checker = gazetteer.NewNameChecker(places, f.divs, gazetteer.CheckConfig{})
		fixture = f
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixture
}

func (f *checkFixture) pointOf(code string) orb.Point {
	d, err := f.divs.Division(code)
	if err != nil {
		panic(err)
	}
	return geo.LabelPoint(d.Geometry)
}

func (f *checkFixture) shortLineOf(code string) orb.LineString {
	pt := f.pointOf(code)
	return orb.LineString{pt, {pt[0] + 0.0002, pt[1] + 0.0001}}
}

func results(rs []gazetteer.CheckResult, check string) []gazetteer.CheckResult {
	var out []gazetteer.CheckResult
	for _, r := range rs {
		if r.Check == check {
			out = append(out, r)
		}
	}
	return out
}

func one(t *testing.T, rs []gazetteer.CheckResult, check string, sev gazetteer.Severity) gazetteer.CheckResult {
	t.Helper()
	got := results(rs, check)
	if len(got) != 1 || got[0].Severity != sev {
		t.Fatalf("want one %s result of severity %s, got %d:\n%s", check, sev, len(got), dump(rs))
	}
	if got[0].Message == "" || got[0].MessageEN == "" || got[0].Rule == "" {
		t.Errorf("%s result without message or rule: %+v", check, got[0])
	}
	return got[0]
}

func none(t *testing.T, rs []gazetteer.CheckResult, checks ...string) {
	t.Helper()
	for _, c := range checks {
		if got := results(rs, c); len(got) > 0 {
			t.Errorf("want no %s result, got:\n%s", c, dump(got))
		}
	}
}

func dump(rs []gazetteer.CheckResult) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  %-14s %-5s %s", r.Check, r.Severity, r.Message)
		if r.Overridable {
			b.WriteString(" [overridable]")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func evidence(r gazetteer.CheckResult) []string {
	var out []string
	for _, e := range r.Evidence {
		out = append(out, e.DivisionName+e.Name)
	}
	return out
}

func hasEvidence(r gazetteer.CheckResult, name, division string) (gazetteer.CheckEvidence, bool) {
	for _, e := range r.Evidence {
		if e.Name == name && e.DivisionName == division {
			return e, true
		}
	}
	return gazetteer.CheckEvidence{}, false
}

func TestReferenceData(t *testing.T) {
	if n := gazetteer.GB2312HanziCount(); n != 6763 {
		t.Errorf("GB 2312 Hanzi: %d, want 6763", n)
	}
	for _, r := range "沙坪坝覃家岗磁器口歌乐山垭碚凼沱" {
		if !gazetteer.InGB2312(r) {
			t.Errorf("%c should be in GB 2312", r)
		}
	}
	for _, r := range "㮾犇堃A1，〇𠮷" {
		if gazetteer.InGB2312(r) {
			t.Errorf("%c should not be in GB 2312's Hanzi", r)
		}
	}
	ts := gazetteer.ChongqingTownships()
	if len(ts) != 1031 {
		t.Errorf("Chongqing townships: %d, want 1031", len(ts))
	}
	kinds := map[string]int{}
	for _, x := range ts {
		for _, g := range []string{"街道", "镇", "乡"} {
			if strings.HasSuffix(x.Name, g) {
				kinds[g]++
				break
			}
		}
		if len(x.Code) != 12 || x.Code[:6] != x.DistrictCode[:6] || x.DistrictName == "" {
			t.Errorf("bad township %+v", x)
		}
	}
	if kinds["街道"] != 245 || kinds["镇"] != 625 || kinds["乡"] != 161 {
		t.Errorf("街道/镇/乡 = %v, want 245/625/161", kinds)
	}
	lists := gazetteer.DefaultWordLists()
	for _, k := range []string{gazetteer.WordListLeaders, gazetteer.WordListPeople, gazetteer.WordListForeign,
		gazetteer.WordListEnterprises, gazetteer.WordListExaggerated} {
		if len(lists[k]) < 10 {
			t.Errorf("word list %s has %d entries", k, len(lists[k]))
		}
		for _, w := range lists[k] {
			if strings.HasPrefix(w, "#") || strings.TrimSpace(w) != w || w == "" {
				t.Errorf("word list %s: bad entry %q", k, w)
			}
		}
	}
	if !slices.Contains(lists[gazetteer.WordListForeign], "纽约") || !slices.Contains(lists[gazetteer.WordListPeople], "孙悟空") {
		t.Error("word lists miss 纽约 or 孙悟空")
	}
}

// A new township named like a Chongqing township elsewhere: 华岩镇 exists in
// 九龙坡区 (a duplicate), and 花岩镇 in 潼南区 sounds the same (huayan).
func TestCheckTownshipHomophoneInChongqing(t *testing.T) {
	f := newCheckFixture(t)
	rs := f.checker.Check(gazetteer.Proposal{Name: "华岩镇", Category: "0403", DivisionCode: "500106000000"})
	if !gazetteer.Blocked(rs) {
		t.Fatalf("华岩镇 not blocked:\n%s", dump(rs))
	}
	h := one(t, rs, gazetteer.CheckHomophone, gazetteer.SeverityBlock)
	e, ok := hasEvidence(h, "花岩镇", "潼南区")
	if !ok || e.DivisionCode != "500152112000" || e.Source != gazetteer.SourceChongqingTownships || e.Pinyin != "Huayan Zhen" || e.Category != "0403" {
		t.Errorf("homophone evidence %+v does not name 潼南区花岩镇 (500152112000, Huayan Zhen)", h.Evidence)
	}
	if !strings.Contains(h.Message, "潼南区花岩镇") || !strings.Contains(h.Message, "重庆市") {
		t.Errorf("message %q should name 潼南区花岩镇 and the scope 重庆市", h.Message)
	}
	d := one(t, rs, gazetteer.CheckDuplicate, gazetteer.SeverityBlock)
	if _, ok := hasEvidence(d, "华岩镇", "九龙坡区"); !ok || len(d.Evidence) != 1 {
		t.Errorf("duplicate evidence %v, want 九龙坡区华岩镇", evidence(d))
	}

	// A homophone only: 金锋镇 sounds like 金凤镇 (九龙坡区) and 金峰镇 (开州区).
	rs = f.checker.Check(gazetteer.Proposal{Name: "金锋镇", Category: "0403", DivisionCode: "500106000000"})
	h = one(t, rs, gazetteer.CheckHomophone, gazetteer.SeverityBlock)
	if got := evidence(h); !slices.Equal(got, []string{"九龙坡区金凤镇", "开州区金峰镇"}) {
		t.Errorf("金锋镇 homophones %v", got)
	}
	none(t, rs, gazetteer.CheckDuplicate)

	// The homophone pair as a 乡: 龙胜 and 隆盛 share longsheng, 乡 and 镇 one level.
	rs = f.checker.Check(gazetteer.Proposal{Name: "隆胜乡", Category: "0403", DivisionCode: "500106000000"})
	h = one(t, rs, gazetteer.CheckHomophone, gazetteer.SeverityBlock)
	if got := evidence(h); !slices.Equal(got, []string{"綦江区隆盛镇", "梁平区龙胜乡"}) {
		t.Errorf("隆胜乡 homophones %v", got)
	}
}

// An exact duplicate of a township name in other districts blocks a new
// township; the 乡 of the same 专名 counts as the same name.
func TestCheckTownshipDuplicate(t *testing.T) {
	f := newCheckFixture(t)
	rs := f.checker.Check(gazetteer.Proposal{Name: "走马镇", Category: "0403", DivisionCode: "500106000000"})
	d := one(t, rs, gazetteer.CheckDuplicate, gazetteer.SeverityBlock)
	if got := evidence(d); !slices.Equal(got, []string{"万州区走马镇", "九龙坡区走马镇", "彭水苗族土家族自治县走马乡"}) {
		t.Errorf("走马镇 duplicates %v", got)
	}
	if !gazetteer.Blocked(rs) {
		t.Error("not blocked")
	}
	// A Shapingba township: the record comes from the divisions of the read
	// model (with its place id), not from the reference list.
	rs = f.checker.Check(gazetteer.Proposal{Name: "覃家岗街道", Category: "0402", DivisionCode: "500106000000"})
	d = one(t, rs, gazetteer.CheckDuplicate, gazetteer.SeverityBlock)
	want := f.place(t, "覃家岗街道")
	if len(d.Evidence) != 1 || d.Evidence[0].PlaceID != want.ID || d.Evidence[0].DivisionName != "沙坪坝区" {
		t.Errorf("覃家岗街道 evidence %+v, want place #%d in 沙坪坝区", d.Evidence, want.ID)
	}
	// Same 专名 as a 街道, other generic: a near-duplicate, not a duplicate.
	rs = f.checker.Check(gazetteer.Proposal{Name: "覃家岗镇", Category: "0403", DivisionCode: "500106000000"})
	none(t, rs, gazetteer.CheckDuplicate, gazetteer.CheckHomophone)
	nd := one(t, rs, gazetteer.CheckNearDuplicate, gazetteer.SeverityWarn)
	if got := evidence(nd); !slices.Equal(got, []string{"沙坪坝区覃家岗街道"}) {
		t.Errorf("覃家岗镇 near-duplicates %v", got)
	}
	if gazetteer.Blocked(rs) {
		t.Errorf("覃家岗镇 blocked:\n%s", dump(rs))
	}
}

// Village-level names repeat within the district: 山洞社区 duplicates
// 山洞社区居民委员会 (the same name, the short 通名), and is near 山洞村.
func TestCheckVillageScope(t *testing.T) {
	f := newCheckFixture(t)
	rs := f.checker.Check(gazetteer.Proposal{Name: "山洞社区", Category: "0501", DivisionCode: "500106010000"})
	d := one(t, rs, gazetteer.CheckDuplicate, gazetteer.SeverityBlock)
	if got := evidence(d); !slices.Equal(got, []string{"沙坪坝区山洞街道山洞社区居民委员会"}) {
		t.Errorf("山洞社区 duplicates %v", got)
	}
	nd := results(rs, gazetteer.CheckNearDuplicate)
	if len(nd) == 0 || !slices.Contains(evidence(nd[0]), "沙坪坝区歌乐山街道山洞村村民委员会") {
		t.Errorf("山洞社区 near-duplicates:\n%s", dump(nd))
	}
}

// Roads within the built-up area: a duplicate blocks, a near-duplicate
// warns, the same name in a town outside the built-up area is another scope.
func TestCheckRoads(t *testing.T) {
	f := newCheckFixture(t)
	hanyu := f.place(t, "汉渝路")
	rs := f.checker.Check(gazetteer.Proposal{Name: "汉渝路", Category: "0801", DivisionCode: "500106002003",
		Geometry: f.shortLine(t, "500106002003")})
	d := one(t, rs, gazetteer.CheckDuplicate, gazetteer.SeverityBlock)
	if len(d.Evidence) != 1 || d.Evidence[0].PlaceID != hanyu.ID || d.Evidence[0].DivisionName != "沙坪坝区小龙坎街道龙泉路社区居民委员会" ||
		d.Evidence[0].Pinyin != "Hanyu Lu" {
		t.Errorf("汉渝路 evidence %+v", d.Evidence)
	}
	if !strings.Contains(d.Message, "城镇建成区") {
		t.Errorf("message %q should name the built-up area", d.Message)
	}
	none(t, rs, gazetteer.CheckGeometry, gazetteer.CheckStructure, gazetteer.CheckCharacters)

	// Near-duplicates warn.
	for _, c := range []struct{ name, evidence string }{
		{"汉渝街", "汉渝路"},     // same 专名, other 通名
		{"汉渝北路", "汉渝路"},    // same 专名, 北路 (a modifier joins the 通名)
		{"天星桥北街", "天星桥正街"}, // same 专名
		{"新渝碚路", "渝碚路"},    // contains
		{"渝培路", "渝碚路"},     // one character apart
	} {
		rs := f.checker.Check(gazetteer.Proposal{Name: c.name, Category: "0801", DivisionCode: "500106002003"})
		if gazetteer.Blocked(rs) {
			t.Errorf("%s blocked:\n%s", c.name, dump(rs))
			continue
		}
		nd := results(rs, gazetteer.CheckNearDuplicate)
		found := false
		for _, r := range nd {
			found = found || slices.ContainsFunc(r.Evidence, func(e gazetteer.CheckEvidence) bool { return e.Name == c.evidence })
		}
		if !found {
			t.Errorf("%s: no near-duplicate warning naming %s:\n%s", c.name, c.evidence, dump(rs))
		}
	}

	// 凤凰镇 is a town, outside the built-up area (the 街道): a road there
	// is compared with the town's own roads.
	rs = f.checker.Check(gazetteer.Proposal{Name: "汉渝路", Category: "0801", DivisionCode: "500106105001"})
	none(t, rs, gazetteer.CheckDuplicate, gazetteer.CheckHomophone)
	rs = f.checker.Check(gazetteer.Proposal{Name: "凤凰正街", Category: "0801", DivisionCode: "500106105200"})
	one(t, rs, gazetteer.CheckDuplicate, gazetteer.SeverityBlock)
	rs = f.checker.Check(gazetteer.Proposal{Name: "凤凰正街", Category: "0801", DivisionCode: "500106002003"})
	none(t, rs, gazetteer.CheckDuplicate)

	// A homophone road: 寒玉路 is hanyulu too.
	rs = f.checker.Check(gazetteer.Proposal{Name: "寒玉路", Category: "0801", DivisionCode: "500106002003"})
	one(t, rs, gazetteer.CheckHomophone, gazetteer.SeverityBlock)

	// A cancelled name is free again.
	rs = f.checker.Check(gazetteer.Proposal{Name: "龙隐路", Category: "0801", DivisionCode: "500106004001"})
	none(t, rs, gazetteer.CheckDuplicate, gazetteer.CheckHomophone)

	// A configured built-up area: the towns too.
	cfg := gazetteer.CheckConfig{BuiltUpArea: []string{"500106"}}
	wide := gazetteer.NewNameChecker(f.places, f.divs, cfg)
	rs = wide.Check(gazetteer.Proposal{Name: "汉渝路", Category: "0801", DivisionCode: "500106105001"})
	one(t, rs, gazetteer.CheckDuplicate, gazetteer.SeverityBlock)
}

func TestCheckWordLists(t *testing.T) {
	f := newCheckFixture(t)
	rs := f.checker.Check(gazetteer.Proposal{Name: "纽约路", Category: "0801", DivisionCode: "500106002003"})
	w := one(t, rs, gazetteer.CheckWordList, gazetteer.SeverityWarn)
	if !strings.Contains(w.Message, "纽约") || !strings.Contains(w.Message, "外国地名") || !strings.Contains(w.Message, "人工") {
		t.Errorf("message %q", w.Message)
	}
	if gazetteer.Blocked(rs) {
		t.Errorf("纽约路 blocked:\n%s", dump(rs))
	}
	for name, want := range map[string]string{
		"孙悟空路":   "虚构人物",
		"毛泽东路":   "国家领导人",
		"万达广场":   "企业名称",
		"皇家至尊小区": "夸大",
	} {
		cat := "0801"
		switch {
		case strings.HasSuffix(name, "广场"):
			cat = "0806"
		case strings.HasSuffix(name, "小区"):
			cat = "0701"
		}
		rs := f.checker.Check(gazetteer.Proposal{Name: name, Category: cat, DivisionCode: "500106002003"})
		w := one(t, rs, gazetteer.CheckWordList, gazetteer.SeverityWarn)
		if !strings.Contains(w.Message, want) {
			t.Errorf("%s: message %q should say %s", name, w.Message, want)
		}
	}
	// Configured lists replace the embedded ones of the same key.
	c := gazetteer.NewNameChecker(f.places, f.divs, gazetteer.CheckConfig{WordLists: map[string][]string{
		gazetteer.WordListForeign: {"火星", "# a comment", ""},
		"custom":                  {"测试"},
	}})
	none(t, c.Check(gazetteer.Proposal{Name: "纽约路", Category: "0801", DivisionCode: "500106002003"}), gazetteer.CheckWordList)
	one(t, c.Check(gazetteer.Proposal{Name: "火星路", Category: "0801", DivisionCode: "500106002003"}), gazetteer.CheckWordList, gazetteer.SeverityWarn)
	one(t, c.Check(gazetteer.Proposal{Name: "测试路", Category: "0801", DivisionCode: "500106002003"}), gazetteer.CheckWordList, gazetteer.SeverityWarn)
	one(t, c.Check(gazetteer.Proposal{Name: "孙悟空路", Category: "0801", DivisionCode: "500106002003"}), gazetteer.CheckWordList, gazetteer.SeverityWarn)
}

func TestCheckCharacters(t *testing.T) {
	f := newCheckFixture(t)
	rs := f.checker.Check(gazetteer.Proposal{Name: "㮾梨路", Category: "0801", DivisionCode: "500106002003"})
	c := one(t, rs, gazetteer.CheckCharacters, gazetteer.SeverityWarn)
	if !strings.Contains(c.Message, "「㮾」") || !strings.Contains(c.Message, "生僻字") {
		t.Errorf("message %q", c.Message)
	}
	rs = f.checker.Check(gazetteer.Proposal{Name: "犇牛犇路", Category: "0801", DivisionCode: "500106002003"})
	c = one(t, rs, gazetteer.CheckCharacters, gazetteer.SeverityWarn)
	if strings.Count(c.Message, "犇") != 1 {
		t.Errorf("message %q should list 犇 once", c.Message)
	}
	if gazetteer.Blocked(rs) {
		t.Errorf("犇牛犇路 blocked:\n%s", dump(rs))
	}
	// Latin letters and symbols block; digits and 〇 pass.
	rs = f.checker.Check(gazetteer.Proposal{Name: "CBD路", Category: "0801", DivisionCode: "500106002003"})
	c = one(t, rs, gazetteer.CheckCharacters, gazetteer.SeverityBlock)
	if !strings.Contains(c.Message, "「C」「B」「D」") {
		t.Errorf("message %q", c.Message)
	}
	one(t, f.checker.Check(gazetteer.Proposal{Name: "滨江·壹号小区", Category: "0701", DivisionCode: "500106002003"}),
		gazetteer.CheckCharacters, gazetteer.SeverityBlock)
	none(t, f.checker.Check(gazetteer.Proposal{Name: "二〇八路", Category: "0801", DivisionCode: "500106002003"}), gazetteer.CheckCharacters)
	none(t, f.checker.Check(gazetteer.Proposal{Name: "建设3路", Category: "0801", DivisionCode: "500106002003"}), gazetteer.CheckCharacters)
}

func TestCheckStructure(t *testing.T) {
	f := newCheckFixture(t)
	cases := []struct {
		name, category string
		sev            gazetteer.Severity
		want           string
	}{
		{"松林路", "0701", gazetteer.SeverityBlock, "通名「路」不适用于城镇居民点（小区）"}, // an estate named like a road
		{"松林", "0801", gazetteer.SeverityBlock, "缺少通名"},
		{"小区", "0701", gazetteer.SeverityBlock, "缺少专名"},
		{"路", "0801", gazetteer.SeverityBlock, "缺少专名"},
		{"松林路", "9999", gazetteer.SeverityBlock, "类别代码"},
		{"", "0801", gazetteer.SeverityBlock, "为空"},
		{" 松林路", "0801", gazetteer.SeverityBlock, "空白"},
	}
	for _, c := range cases {
		rs := f.checker.Check(gazetteer.Proposal{Name: c.name, Category: c.category, DivisionCode: "500106002003"})
		r := one(t, rs, gazetteer.CheckStructure, c.sev)
		if !strings.Contains(r.Message, c.want) {
			t.Errorf("%q (%s): message %q should say %s", c.name, c.category, r.Message, c.want)
		}
	}
	for _, ok := range []struct{ name, category string }{
		{"松林坡花园", "0701"}, {"汉渝北路", "0801"}, {"青杠湾", "0702"}, {"松林村", "0502"}, {"松林", "07"},
		{"天星桥街道", "0402"},
	} {
		rs := f.checker.Check(gazetteer.Proposal{Name: ok.name, Category: ok.category, DivisionCode: "500106002003"})
		none(t, rs, gazetteer.CheckStructure)
	}
	// An existing name with the wrong generic warns.
	rs := f.checker.Check(gazetteer.Proposal{Name: "松林路", Category: "0701", DivisionCode: "500106002003", Existing: true})
	one(t, rs, gazetteer.CheckStructure, gazetteer.SeverityWarn)
}

func TestCheckProtected(t *testing.T) {
	f := newCheckFixture(t)
	ciqikou := f.place(t, "磁器口古镇")
	rs := f.checker.Check(gazetteer.Proposal{Kind: gazetteer.KindRenaming, PlaceID: ciqikou.ID, Name: "磁器口景区"})
	r := one(t, rs, gazetteer.CheckProtected, gazetteer.SeverityBlock)
	if !r.Overridable || !gazetteer.Blocked(rs) || len(r.Evidence) != 1 || r.Evidence[0].PlaceID != ciqikou.ID ||
		!strings.Contains(r.Rule, "一般不得更名") || !strings.Contains(r.Message, "书面") {
		t.Errorf("protected result %+v", r)
	}
	if rs[0].Check != gazetteer.CheckProtected {
		t.Errorf("blocks first:\n%s", dump(rs))
	}
	// Category and division come from the record: the new name is checked
	// in its class.
	none(t, rs, gazetteer.CheckStructure, gazetteer.CheckRecord)

	// Cancelling it blocks too; cancelling an ordinary name does not.
	rs = f.checker.Check(gazetteer.Proposal{Kind: gazetteer.KindCancellation, PlaceID: ciqikou.ID})
	if r := one(t, rs, gazetteer.CheckProtected, gazetteer.SeverityBlock); !r.Overridable || !strings.Contains(r.Message, "注销") {
		t.Errorf("cancellation result %+v", r)
	}
	rs = f.checker.Check(gazetteer.Proposal{Kind: gazetteer.KindCancellation, PlaceID: f.place(t, "渝碚路").ID})
	if len(rs) != 0 {
		t.Errorf("cancelling 渝碚路:\n%s", dump(rs))
	}
	// Renaming an ordinary road to a fresh name passes.
	rs = f.checker.Check(gazetteer.Proposal{Kind: gazetteer.KindRenaming, PlaceID: f.place(t, "渝碚路").ID, Name: "碚石路"})
	if gazetteer.Blocked(rs) {
		t.Errorf("renaming 渝碚路:\n%s", dump(rs))
	}
	// Renaming needs an existing, live record, and a new name.
	for _, p := range []gazetteer.Proposal{
		{Kind: gazetteer.KindRenaming, Name: "某某路"},
		{Kind: gazetteer.KindRenaming, PlaceID: 999999, Name: "某某路"},
		{Kind: gazetteer.KindRenaming, PlaceID: f.place(t, "龙隐路").ID, Name: "某某路"},
		{Kind: gazetteer.KindRenaming, PlaceID: f.place(t, "渝碚路").ID, Name: "渝碚路"},
		{Kind: "merge", Name: "某某路"},
	} {
		one(t, f.checker.Check(p), gazetteer.CheckRecord, gazetteer.SeverityBlock)
	}
}

func TestCheckGeometry(t *testing.T) {
	f := newCheckFixture(t)
	in1 := f.inside(t, "500106002003") // 沙正街社区
	in2 := f.inside(t, "500106001001") // 龙泉路社区
	base := gazetteer.Proposal{Name: "松林坡花园", Category: "0701", DivisionCode: "500106002003"}

	p := base
	p.Geometry = in1
	none(t, f.checker.Check(p), gazetteer.CheckGeometry)
	p.DivisionCode = "500106002000" // the township containing it
	none(t, f.checker.Check(p), gazetteer.CheckGeometry)

	p = base
	p.Geometry = in2
	g := one(t, f.checker.Check(p), gazetteer.CheckGeometry, gazetteer.SeverityBlock)
	if !strings.Contains(g.Message, "沙正街社区居民委员会") || !strings.Contains(g.Message, "龙泉路社区居民委员会") {
		t.Errorf("message %q should name the declared and the actual division", g.Message)
	}
	p.Geometry = orb.Point{106.0, 29.0}
	one(t, f.checker.Check(p), gazetteer.CheckGeometry, gazetteer.SeverityBlock)
	p.Geometry = orb.Point{200, 29}
	g = one(t, f.checker.Check(p), gazetteer.CheckGeometry, gazetteer.SeverityBlock)
	if !strings.Contains(g.Message, "位置无效") {
		t.Errorf("message %q", g.Message)
	}

	// A road leaving the district blocks, even with its label point inside.
	road := gazetteer.Proposal{Name: "沙正新路", Category: "0801", DivisionCode: "500106002003",
		Geometry: orb.LineString{in1, {in1[0] + 0.0001, in1[1] + 0.0001}, {in1[0] + 0.0002, in1[1]}, {107.5, 30.5}}}
	rs := f.checker.Check(road)
	found := false
	for _, r := range results(rs, gazetteer.CheckGeometry) {
		found = found || (r.Severity == gazetteer.SeverityBlock && strings.Contains(r.Message, "界外"))
	}
	if !found {
		t.Errorf("road leaving the district:\n%s", dump(rs))
	}
	road.Geometry = f.shortLine(t, "500106002003")
	none(t, f.checker.Check(road), gazetteer.CheckGeometry)

	// An unknown division code blocks.
	p = base
	p.DivisionCode = "500106099999"
	one(t, f.checker.Check(p), gazetteer.CheckRecord, gazetteer.SeverityBlock)
}

// Existing names that break the rules warn: Shapingba's 凤凰镇 shares its
// name with 巫溪县's.
func TestCheckExistingWarns(t *testing.T) {
	f := newCheckFixture(t)
	fh := f.place(t, "凤凰镇")
	rs := f.checker.Check(gazetteer.Proposal{Name: "凤凰镇", Category: "0403", DivisionCode: fh.DivisionCode, PlaceID: fh.ID, Existing: true})
	d := one(t, rs, gazetteer.CheckDuplicate, gazetteer.SeverityWarn)
	if got := evidence(d); !slices.Equal(got, []string{"巫溪县凤凰镇"}) {
		t.Errorf("凤凰镇 duplicates %v", got)
	}
	if gazetteer.Blocked(rs) {
		t.Errorf("an existing name blocked:\n%s", dump(rs))
	}
	// The same without the place id: the record itself is recognised by
	// name and code.
	rs = f.checker.Check(gazetteer.Proposal{Name: "凤凰镇", Category: "0403", DivisionCode: fh.DivisionCode, Existing: true})
	d = one(t, rs, gazetteer.CheckDuplicate, gazetteer.SeverityWarn)
	if got := evidence(d); !slices.Equal(got, []string{"巫溪县凤凰镇"}) {
		t.Errorf("凤凰镇 duplicates %v", got)
	}
	// As a new name it blocks, naming both.
	rs = f.checker.Check(gazetteer.Proposal{Name: "凤凰镇", Category: "0403", DivisionCode: "500106000000"})
	d = one(t, rs, gazetteer.CheckDuplicate, gazetteer.SeverityBlock)
	if got := evidence(d); !slices.Equal(got, []string{"沙坪坝区凤凰镇", "巫溪县凤凰镇"}) {
		t.Errorf("new 凤凰镇 duplicates %v", got)
	}
	// An existing road checked against itself finds nothing.
	hanyu := f.place(t, "汉渝路")
	rs = f.checker.Check(gazetteer.Proposal{Name: hanyu.Name, Category: hanyu.Category, DivisionCode: hanyu.DivisionCode,
		PlaceID: hanyu.ID, Existing: true, Geometry: hanyu.Geometry})
	if len(rs) != 0 {
		t.Errorf("existing 汉渝路:\n%s", dump(rs))
	}
}

func TestCheckOrderAndConcurrency(t *testing.T) {
	f := newCheckFixture(t)
	p := gazetteer.Proposal{Name: "纽约华岩镇", Category: "0403", DivisionCode: "500106000000", Geometry: orb.Point{106.0, 29.0}}
	want := f.checker.Check(p)
	rank := map[gazetteer.Severity]int{gazetteer.SeverityBlock: 0, gazetteer.SeverityWarn: 1, gazetteer.SeverityInfo: 2}
	if !sort.SliceIsSorted(want, func(i, j int) bool { return rank[want[i].Severity] < rank[want[j].Severity] }) {
		t.Errorf("not ordered blocks first:\n%s", dump(want))
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if got := f.checker.Check(p); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("concurrent check differs")
					return
				}
			}
		}()
	}
	wg.Wait()
	// No division: an info, and the duplicates still found.
	rs := f.checker.Check(gazetteer.Proposal{Name: "汉渝路", Category: "0801"})
	one(t, rs, gazetteer.CheckRecord, gazetteer.SeverityInfo)
	one(t, rs, gazetteer.CheckDuplicate, gazetteer.SeverityBlock)
}

// groups returns, for a key function over the townships, the groups of 2+
// townships sharing a key whose distinct values of name(t) number at least
// minDistinct.
func groups(ts []gazetteer.TownshipRef, key, name func(gazetteer.TownshipRef) string, minDistinct int) map[string][]gazetteer.TownshipRef {
	by := map[string][]gazetteer.TownshipRef{}
	for _, t := range ts {
		if k := key(t); k != "" {
			by[k] = append(by[k], t)
		}
	}
	out := map[string][]gazetteer.TownshipRef{}
	for k, g := range by {
		distinct := map[string]bool{}
		for _, t := range g {
			distinct[name(t)] = true
		}
		if len(g) >= 2 && len(distinct) >= minDistinct {
			out[k] = g
		}
	}
	return out
}

func generic(name string) string {
	for _, g := range []string{"街道", "镇", "乡"} {
		if strings.HasSuffix(name, g) {
			return g
		}
	}
	return ""
}

// TestChongqingDuplicateAndHomophoneCounts counts the duplicate names and
// the homophone groups among Chongqing's township-level units (NBS 2023).
//
// DOMAIN.md says 29 duplicated 镇/乡 names and 26 homophone groups. In the
// 2023 list: 35 names occur more than once, 5 of them 街道 names, 29 镇
// names and 1 乡 name (大溪乡): the 29 are the 镇 names. The homophone groups
// are 26 when counted as the rules read — 乡 and 镇 alike (one level), by
// the toneless pinyin of the 专名, written with two or more different 专名
// (华岩镇/花岩镇, 龙胜乡/隆盛镇, 柱山乡/竹山镇 …); counting whole names
// instead gives 23 among 镇/乡 (24 with the 街道 pair 新盛街道/新生街道).
func TestChongqingDuplicateAndHomophoneCounts(t *testing.T) {
	ts := gazetteer.ChongqingTownships()
	whole := func(x gazetteer.TownshipRef) string { return x.Name }
	dups := groups(ts, whole, whole, 1)
	perGeneric := map[string]int{}
	for name := range dups {
		perGeneric[generic(name)]++
	}
	if len(dups) != 35 || perGeneric["街道"] != 5 || perGeneric["镇"] != 29 || perGeneric["乡"] != 1 {
		t.Errorf("duplicate names %d (街道 %d, 镇 %d, 乡 %d), want 35 (5, 29, 1)", len(dups), perGeneric["街道"], perGeneric["镇"], perGeneric["乡"])
	}
	spec := func(x gazetteer.TownshipRef) string { return strings.TrimSuffix(x.Name, generic(x.Name)) }
	townOnly := func(f func(gazetteer.TownshipRef) string) func(gazetteer.TownshipRef) string {
		return func(x gazetteer.TownshipRef) string {
			if generic(x.Name) == "街道" {
				return ""
			}
			return f(x)
		}
	}
	homo := groups(ts, townOnly(func(x gazetteer.TownshipRef) string { return gazetteer.PinyinKey(spec(x)) }), spec, 2)
	if len(homo) != 26 {
		t.Errorf("homophone groups of 镇/乡 (专名 pinyin): %d, want 26", len(homo))
	}
	if g := homo["huayan"]; len(g) != 2 {
		t.Errorf("huayan group %v", g)
	}
	homoWhole := groups(ts, townOnly(func(x gazetteer.TownshipRef) string { return gazetteer.PinyinKey(x.Name) }), whole, 2)
	homoWholeAll := groups(ts, func(x gazetteer.TownshipRef) string { return gazetteer.PinyinKey(x.Name) }, whole, 2)
	if len(homoWhole) != 23 || len(homoWholeAll) != 24 {
		t.Errorf("whole-name homophone groups: %d among 镇/乡, %d in all; want 23, 24", len(homoWhole), len(homoWholeAll))
	}

	// The checker agrees: each township checked as an existing name, its
	// duplicate and homophone results joined into groups.
	c := gazetteer.NewNameChecker(nil, nil, gazetteer.CheckConfig{WordLists: map[string][]string{}})
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if parent[x] == "" || parent[x] == x {
			return x
		}
		r := find(parent[x])
		parent[x] = r
		return r
	}
	union := func(a, b string) {
		if ra, rb := find(a), find(b); ra != rb {
			parent[ra] = rb
		}
	}
	count := func(check string, onlyTowns bool) int {
		clear(parent)
		members := map[string]bool{}
		for _, x := range ts {
			if onlyTowns && generic(x.Name) == "街道" {
				continue
			}
			cat := "0403"
			if generic(x.Name) == "街道" {
				cat = "0402"
			}
			for _, r := range c.Check(gazetteer.Proposal{Name: x.Name, Category: cat, DivisionCode: x.Code, Existing: true}) {
				if r.Severity == gazetteer.SeverityBlock {
					t.Fatalf("%s blocked: %s", x.Name, r.Message)
				}
				if r.Check != check {
					continue
				}
				for _, e := range r.Evidence {
					if onlyTowns && generic(e.Name) == "街道" {
						continue
					}
					members[x.Code], members[e.DivisionCode] = true, true
					union(x.Code, e.DivisionCode)
				}
			}
		}
		roots := map[string]bool{}
		for m := range members {
			roots[find(m)] = true
		}
		return len(roots)
	}
	// Duplicates by the checker's definition (乡 = 镇): the 35 names, and
	// 12 more groups of a 镇 and a 乡 of one 专名 (白土, 板桥, 茨竹, 接龙, 普子,
	// 三溪, 石家, 石门, 溪口, 双河, 青龙, 中梁: Shapingba's 中梁镇 and 巫溪县's
	// 中梁乡); 走马乡, 大溪镇 and others join groups already counted.
	if n := count(gazetteer.CheckDuplicate, false); n != 47 {
		t.Errorf("checker duplicate groups: %d, want 47", n)
	}
	if n := count(gazetteer.CheckHomophone, true); n != 26 {
		t.Errorf("checker homophone groups among 镇/乡: %d, want 26", n)
	}
	if n := count(gazetteer.CheckHomophone, false); n != 27 {
		t.Errorf("checker homophone groups: %d, want 27 (26 + 新盛街道/新生街道)", n)
	}
}

func BenchmarkNameCheck(b *testing.B) {
	ds, err := demo.Divisions()
	if err != nil {
		b.Fatal(err)
	}
	more, err := demo.Places()
	if err != nil {
		b.Fatal(err)
	}
	places := append(demo.DivisionPlaces(ds), more...)
	for i := range places {
		places[i].ID = int64(i + 1)
	}
	divs := gazetteer.NewDivisionIndex(ds)
	c := gazetteer.NewNameChecker(places, divs, gazetteer.CheckConfig{})
	d, _ := divs.Division("500106002003")
	pt := geo.LabelPoint(d.Geometry)
	proposals := []gazetteer.Proposal{
		{Name: "汉渝北路", Category: "0801", DivisionCode: "500106002003",
			Geometry: orb.LineString{pt, {pt[0] + 0.0003, pt[1] + 0.0002}, {pt[0] + 0.0006, pt[1] + 0.0003}}},
		{Name: "华岩镇", Category: "0403", DivisionCode: "500106000000"},
	}
	b.Logf("%d places, %d divisions; %d results for %s, %d for %s", len(places), len(ds),
		len(c.Check(proposals[0])), proposals[0].Name, len(c.Check(proposals[1])), proposals[1].Name)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Check(proposals[i%len(proposals)])
	}
}

// BenchmarkNewNameChecker builds the checker over the demo read model and
// the Chongqing list, as a service does once per read-model version.
func BenchmarkNewNameChecker(b *testing.B) {
	ds, err := demo.Divisions()
	if err != nil {
		b.Fatal(err)
	}
	more, err := demo.Places()
	if err != nil {
		b.Fatal(err)
	}
	places := append(demo.DivisionPlaces(ds), more...)
	divs := gazetteer.NewDivisionIndex(ds)
	b.ReportAllocs()
	for b.Loop() {
		gazetteer.NewNameChecker(places, divs, gazetteer.CheckConfig{})
	}
}

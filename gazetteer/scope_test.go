package gazetteer_test

import (
	"slices"
	"strings"
	"testing"

	"diming/demo"
	"diming/gazetteer"
)

// scopeCategories is one category of every family of the scope rules (and
// two outside them), with a name and a homophone of it (汉渝 and 寒玉 are
// both hanyu).
var scopeCategories = []struct{ cat, name, homophone string }{
	{"0401", "汉渝区", "寒玉区"},
	{"0402", "汉渝街道", "寒玉街道"},
	{"0403", "汉渝镇", "寒玉镇"},
	{"0501", "汉渝社区", "寒玉社区"},
	{"0502", "汉渝村", "寒玉村"},
	{"0801", "汉渝路", "寒玉路"},
	{"0802", "汉渝公路", "寒玉公路"},
	{"0803", "汉渝大桥", "寒玉大桥"},
	{"0701", "汉渝小区", "寒玉小区"},
	{"11", "汉渝大厦", "寒玉大厦"},
	{"0601", "汉渝园区", "寒玉园区"},
	{"1001", "汉渝公园", "寒玉公园"},
}

// scopeCodes are divisions that the scope options tell apart: two
// communities of one 街道, other 街道, a 镇's community and village, a 街道
// and a district given without a lower level, another district of
// Chongqing and a district of another province.
var scopeCodes = []string{
	"500106001001", "500106001004", "500106002003", "500106004001", "500106105001", "500106105200",
	"500106104001", "500106001000", "500106000000", "500112001001", "510104001001",
}

// scopeOptions are the configurations of the built-up area.
var scopeOptions = []struct {
	name string
	cfg  gazetteer.CheckConfig
	divs bool // with the demo divisions
}{
	{"default (every 街道)", gazetteer.CheckConfig{}, true},
	{"default without divisions (the whole district)", gazetteer.CheckConfig{}, false},
	{"--built-up-area 500106001", gazetteer.CheckConfig{BuiltUpArea: []string{"500106001"}}, true},
	{"--built-up-area 500106 (the district)", gazetteer.CheckConfig{BuiltUpArea: []string{"500106"}}, true},
	{"--built-up-area 500106001001 (one community)", gazetteer.CheckConfig{BuiltUpArea: []string{"500106001001"}}, true},
	{"--built-up-area 500106002,500106105 (a 街道 and a 镇)", gazetteer.CheckConfig{BuiltUpArea: []string{"500106002", "500106105"}}, true},
	{"--built-up-area 500106,500112 (two districts)", gazetteer.CheckConfig{BuiltUpArea: []string{"500106", "500112"}}, true},
}

// TestScopeCheckerAndClaimAgree runs every scope option, every family and
// every pair of divisions through the naming checker and the claim key, and
// demands the same answer: a proposed name (or a homophone of it) is blocked
// as a duplicate or homophone of a record exactly when their claim keys are
// equal, so a name the checks let through can be published, and one they
// block could not be.
func TestScopeCheckerAndClaimAgree(t *testing.T) {
	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	divs := gazetteer.NewDivisionIndex(ds)
	// One record per category and division.
	var places []gazetteer.Place
	for _, c := range scopeCategories {
		for _, code := range scopeCodes {
			s, g := gazetteer.SplitName(c.name, c.cat)
			places = append(places, gazetteer.Place{ID: int64(len(places) + 1), Name: c.name, Specific: s, Generic: g,
				Category: c.cat, DivisionCode: code, Source: "test"})
		}
	}
	for _, opt := range scopeOptions {
		t.Run(opt.name, func(t *testing.T) {
			d := divs
			if !opt.divs {
				d = nil
			}
			checker := gazetteer.NewNameChecker(places, d, opt.cfg)
			scopes := checker.Scopes()
			compared, collisions := 0, 0
			for _, c := range scopeCategories {
				for _, code := range scopeCodes {
					for _, name := range []string{c.name, c.homophone} {
						rs := checker.Check(gazetteer.Proposal{Name: name, Category: c.cat, DivisionCode: code})
						var blocked []int64
						for _, r := range rs {
							if r.Severity != gazetteer.SeverityBlock || (r.Check != gazetteer.CheckDuplicate && r.Check != gazetteer.CheckHomophone) {
								continue
							}
							for _, e := range r.Evidence {
								if e.PlaceID != 0 && !slices.Contains(blocked, e.PlaceID) {
									blocked = append(blocked, e.PlaceID)
								}
							}
						}
						key := scopes.ClaimKey(name, c.cat, code)
						var claimed []int64
						for _, p := range places {
							if scopes.ClaimKey(p.Name, p.Category, p.DivisionCode) == key {
								claimed = append(claimed, p.ID)
							}
						}
						slices.Sort(blocked)
						compared++
						collisions += len(claimed)
						if !slices.Equal(blocked, claimed) {
							t.Errorf("%s (%s) in %s, scope %s: the checks block against %v, the claim key %q collides with %v",
								name, c.cat, code, scopes.Of(c.cat, code).Key(), describe(places, blocked), key, describe(places, claimed))
						}
					}
				}
			}
			// Every proposal meets at least the record with its own name in
			// its own division: the comparison is not empty.
			if collisions < compared {
				t.Errorf("%d collisions for %d proposals", collisions, compared)
			}
		})
	}
}

func describe(places []gazetteer.Place, ids []int64) string {
	var out []string
	for _, id := range ids {
		p := places[id-1]
		out = append(out, p.Name+"@"+p.DivisionCode)
	}
	return "[" + strings.Join(out, " ") + "]"
}

// TestScopeOfTheRules pins what the scopes are, option by option: the
// rules' areas, the built-up area the configuration draws, and the
// citations of the law.
func TestScopeOfTheRules(t *testing.T) {
	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	divs := gazetteer.NewDivisionIndex(ds)
	def := gazetteer.NewNameScopes(divs, gazetteer.CheckConfig{})
	one := gazetteer.NewNameScopes(divs, gazetteer.CheckConfig{BuiltUpArea: []string{"500106001"}})
	whole := gazetteer.NewNameScopes(nil, gazetteer.CheckConfig{})
	for _, tc := range []struct {
		scopes         *gazetteer.NameScopes
		cat, div       string
		kind           gazetteer.ScopeKind
		code, name, in string
	}{
		{def, "0401", "500106000000", gazetteer.ScopeNation, "", "全国范围内（库内记录）", "第九条（七）"},
		{def, "0403", "500106105000", gazetteer.ScopeProvince, "50", "重庆市范围内", "同一个省级行政区域内的乡、镇名称"},
		{def, "0402", "500106001000", gazetteer.ScopeProvince, "50", "重庆市范围内", "第九条（八）"},
		{def, "0502", "500106105200", gazetteer.ScopeDistrict, "500106", "沙坪坝区范围内", "同一个县级行政区域内的村民委员会、居民委员会所在地名称"},
		{def, "0801", "500106004001", gazetteer.ScopeBuiltUp, "", "城镇建成区范围内", "同一个建成区内的街路巷名称"},
		{def, "0801", "500106105001", gazetteer.ScopeTown, "500106105", "凤凰镇镇区范围内", "同一个建成区内的街路巷名称"},
		{def, "0701", "500106000000", gazetteer.ScopeBuiltUp, "", "城镇建成区范围内", "住宅区、楼宇名称"},
		{one, "0801", "500106001004", gazetteer.ScopeBuiltUp, "", "城镇建成区范围内", "街路巷"},
		{one, "0801", "500106004001", gazetteer.ScopeTown, "500106004", "磁器口街道镇区范围内", "街路巷"},
		{one, "0801", "500106002003", gazetteer.ScopeTown, "500106002", "沙坪坝街道镇区范围内", "街路巷"},
		{whole, "11", "500106004001", gazetteer.ScopeBuiltUp, "500106", "沙坪坝区城镇建成区（全区）范围内", "楼宇"},
		{def, "0601", "500106004001", gazetteer.ScopeDistrict, "500106", "沙坪坝区范围内", "本系统的规定"},
		{def, "0801", "", gazetteer.ScopeEverywhere, "", "全部记录中", "街路巷"},
	} {
		sc := tc.scopes.Of(tc.cat, tc.div)
		if sc.Kind != tc.kind || sc.Code != tc.code || sc.Name != tc.name || !strings.Contains(sc.Rule, tc.in) {
			t.Errorf("Of(%s, %s) = %+v, want %s:%s %s citing %s", tc.cat, tc.div, sc, tc.kind, tc.code, tc.name, tc.in)
		}
	}
}

// TestScopeRulesQuoteTheLaw checks that every citation of 第九条 quotes the
// law: the text between the item and the ellipsis or the end is in the
// article as the law folder has it.
func TestScopeRulesQuoteTheLaw(t *testing.T) {
	// 第九条（七）and（八）as published (State Council Order No. 753).
	law := map[string]string{
		"（七）": "国内著名的自然地理实体名称，全国范围内的县级以上行政区划名称，不应重名，并避免同音；",
		"（八）": "同一个省级行政区域内的乡、镇名称，同一个县级行政区域内的村民委员会、居民委员会所在地名称，同一个建成区内的街路巷名称，同一个建成区内的具有重要地理方位意义的住宅区、楼宇名称，不应重名，并避免同音；",
	}
	scopes := gazetteer.NewNameScopes(nil, gazetteer.CheckConfig{})
	for _, c := range scopeCategories {
		rule := scopes.Of(c.cat, "500106001001").Rule
		i := strings.Index(rule, "第九条（")
		if i < 0 || !strings.HasPrefix(rule, "《地名管理条例》（2022）第九条") {
			if !strings.HasPrefix(rule, "本系统的规定") {
				t.Errorf("%s: %q neither cites 第九条 nor says the system chose it", c.cat, rule)
			}
			continue
		}
		item := rule[i+len("第九条") : i+len("第九条（七）")]
		text, ok := law[item]
		if !ok {
			t.Errorf("%s: %q cites an item the test does not know", c.cat, rule)
			continue
		}
		quote := rule[i+len("第九条（七）："):]
		if j := strings.Index(quote, "（"); j >= 0 {
			quote = quote[:j] // the system's own remark
		}
		for _, part := range strings.Split(quote, "……") {
			if !strings.Contains(text, part) {
				t.Errorf("%s: %q is not in 第九条%s: %s", c.cat, part, item, text)
			}
		}
	}
}

package gazetteer

import (
	"strings"
)

// The scope of the naming rules: where the names of one family (township
// units, village units, roads …) must not repeat nor sound alike. One
// NameScopes, built from the divisions and the CheckConfig, decides it for
// the naming checks (NameChecker) and for the claim a publication takes
// (NameScopes.ClaimKey) alike, so a name the checks let through is one the
// claim lets through, and the other way round.

// ScopeKind is the kind of area a scope covers.
type ScopeKind string

// The scope kinds.
const (
	// ScopeEverywhere: no division is known, every record of the family is
	// compared (the checker only; an application always has a division).
	ScopeEverywhere ScopeKind = "everywhere"
	// ScopeNation: the whole country (the records held).
	ScopeNation ScopeKind = "nation"
	// ScopeProvince: one province-level unit (重庆市); Code is its 2 digits.
	ScopeProvince ScopeKind = "province"
	// ScopeDistrict: one county-level unit; Code is its 6 digits.
	ScopeDistrict ScopeKind = "district"
	// ScopeBuiltUp: the built-up area (建成区). Code is "" for the area
	// configured (CheckConfig.BuiltUpArea) or, by default, every 街道 of the
	// divisions; it is the district's 6 digits when there is no such area and
	// the whole district counts as built up.
	ScopeBuiltUp ScopeKind = "builtup"
	// ScopeTown: a 镇 or 乡 outside the built-up area, its own 镇区; Code is
	// its 9 digits.
	ScopeTown ScopeKind = "town"
)

// Scope rules: which families of categories compare their names, over
// which area, and why. The citations quote 《地名管理条例》（2022）第九条
// (the text is in the project's law folder); where the law sets no scope the
// rule says that the system chose it.
type scopeRule struct {
	family     string
	categories []string  // category codes (and their subcategories)
	kind       ScopeKind // ScopeBuiltUp: the built-up area, else the town
	rule       string
}

var scopeRules = []scopeRule{
	{family: "county", categories: []string{"0401"}, kind: ScopeNation,
		rule: "《地名管理条例》（2022）第九条（七）：全国范围内的县级以上行政区划名称，不应重名，并避免同音"},
	{family: "township", categories: []string{"0402", "0403"}, kind: ScopeProvince,
		rule: "《地名管理条例》（2022）第九条（八）：同一个省级行政区域内的乡、镇名称……不应重名，并避免同音（街道与乡、镇同级，按同一范围审核：本系统的规定）"},
	{family: "village", categories: []string{"05"}, kind: ScopeDistrict,
		rule: "《地名管理条例》（2022）第九条（八）：同一个县级行政区域内的村民委员会、居民委员会所在地名称……不应重名，并避免同音"},
	{family: "road", categories: []string{"0801", "0802"}, kind: ScopeBuiltUp,
		rule: "《地名管理条例》（2022）第九条（八）：同一个建成区内的街路巷名称……不应重名，并避免同音"},
	{family: "bridge", categories: []string{"0803"}, kind: ScopeBuiltUp,
		rule: "本系统的规定：桥梁名称在同一个建成区内不应重名，并避免同音（参照《地名管理条例》（2022）第九条（八）街路巷的范围；第九条（十）：设施名称一般应当与所在地地名统一）"},
	{family: "estate", categories: []string{"0701"}, kind: ScopeBuiltUp,
		rule: "《地名管理条例》（2022）第九条（八）：同一个建成区内的具有重要地理方位意义的住宅区、楼宇名称，不应重名，并避免同音"},
	{family: "building", categories: []string{"11"}, kind: ScopeBuiltUp,
		rule: "《地名管理条例》（2022）第九条（八）：同一个建成区内的具有重要地理方位意义的住宅区、楼宇名称，不应重名，并避免同音"},
}

// otherRule is the rule of every family not in scopeRules: its own class,
// within the district.
const otherRule = "本系统的规定：同一个县级行政区域内同类地名不应重名，并避免同音（《地名管理条例》（2022）第九条未规定此类地名的范围）"

// ruleOf is the scope rule of a family.
func ruleOf(fam string) scopeRule {
	for _, r := range scopeRules {
		if r.family == fam {
			return r
		}
	}
	return scopeRule{family: fam, kind: ScopeDistrict, rule: otherRule}
}

// familyOf groups categories whose names are compared with each other and
// share a scope (scopeRules); any other class is its own family, named by
// its 4-digit class.
func familyOf(cat string) string {
	for _, r := range scopeRules {
		for _, c := range r.categories {
			if InCategory(cat, c) {
				return r.family
			}
		}
	}
	if len(cat) >= 4 {
		return "c" + cat[:4]
	}
	return "c" + cat
}

// NameScope is where the names of one family must not repeat, for one
// division: two records of a family conflict when their scopes are equal
// (Key), and a publication claims its name under ClaimKey. Scopes are
// equivalence classes, so the relation is symmetric: A conflicts with B
// exactly when B conflicts with A.
type NameScope struct {
	Family string    // familyOf the category: county, township, village, road, bridge, estate, building, or c + class
	Kind   ScopeKind // the area
	Code   string    // the area's code (see the kinds)
	// Name and NameEN say where, for messages: 重庆市范围内, within Chongqing.
	Name, NameEN string
	// Rule cites the rule that sets the scope.
	Rule string
}

// Key identifies the scope: equal keys, the same scope.
func (s NameScope) Key() string { return s.Family + "|" + string(s.Kind) + ":" + s.Code }

// NameScopes decides the scopes of the naming rules for one read model. It
// is immutable once built and safe for concurrent use.
type NameScopes struct {
	divisions *DivisionIndex
	builtUp   map[string]bool   // 12-digit codes
	district  map[string]string // 6 digits → name, from the Chongqing township list
}

// NewNameScopes builds the scopes from the divisions of the read model (may
// be nil) and the configuration (its BuiltUpArea; empty: every 街道 of the
// divisions, and without any, the whole district).
func NewNameScopes(divisions *DivisionIndex, cfg CheckConfig) *NameScopes {
	s := &NameScopes{divisions: divisions, builtUp: map[string]bool{}, district: map[string]string{}}
	for _, t := range ChongqingTownships() {
		s.district[t.DistrictCode[:6]] = t.DistrictName
	}
	for _, code := range cfg.BuiltUpArea {
		if n, err := NormalizeCode(code); err == nil {
			s.builtUp[n] = true
		}
	}
	if len(cfg.BuiltUpArea) == 0 && divisions != nil {
		for _, d := range divisions.Divisions(DivisionFilter{Level: LevelTownship}) {
			if strings.HasSuffix(d.Name, "街道") {
				s.builtUp[d.Code] = true
			}
		}
	}
	return s
}

// Of is the scope of a name of the category in the division (6, 9 or 12
// digits; "" or an invalid code: ScopeEverywhere).
func (s *NameScopes) Of(category, divisionCode string) NameScope {
	div, err := NormalizeCode(divisionCode)
	if err != nil {
		div = ""
	}
	sc := s.of(familyOf(category), div)
	s.describe(&sc)
	return sc
}

// ClaimKey is the key under which a published name is claimed: two names
// with the same key may not both be published. It joins the scope's Key
// and the toneless pinyin of the name, so homophones collide as duplicates
// do. divisionCode has 12 digits (ValidateApplication).
func (s *NameScopes) ClaimKey(name, category, divisionCode string) string {
	return s.Of(category, divisionCode).Key() + "|" + PinyinKey(name)
}

// of is the scope without its text; div is 12 digits or "".
func (s *NameScopes) of(fam, div string) NameScope {
	r := ruleOf(fam)
	sc := NameScope{Family: fam, Kind: r.kind, Rule: r.rule}
	if div == "" {
		sc.Kind = ScopeEverywhere
		return sc
	}
	switch r.kind {
	case ScopeNation:
	case ScopeProvince:
		sc.Code = div[:2]
	case ScopeDistrict:
		sc.Code = div[:6]
	case ScopeBuiltUp:
		switch {
		case len(s.builtUp) == 0:
			sc.Code = div[:6] // the whole district is the built-up area
		case s.inBuiltUp(div), LevelOfCode(div) == LevelDistrict:
			// A feature given by its district only (no township) is taken
			// to lie in the built-up area.
		default:
			sc.Kind, sc.Code = ScopeTown, div[:9]
		}
	}
	return sc
}

func (s *NameScopes) inBuiltUp(div string) bool {
	return s.builtUp[div] || s.builtUp[div[:9]+"000"] || s.builtUp[div[:6]+"000000"]
}

// same says whether a record of family fam in division div (12 digits or
// "") lies in the scope sc. A record with no division is in no scope but
// ScopeEverywhere.
func (s *NameScopes) same(sc NameScope, fam, div string) bool {
	if sc.Kind == ScopeEverywhere {
		return true
	}
	if div == "" {
		return false
	}
	o := s.of(fam, div)
	return o.Kind == sc.Kind && o.Code == sc.Code && o.Family == sc.Family
}

var provinceNames = map[string][2]string{"50": {"重庆市", "Chongqing"}}

// describe fills the scope's Name and NameEN.
func (s *NameScopes) describe(sc *NameScope) {
	switch sc.Kind {
	case ScopeEverywhere:
		sc.Name, sc.NameEN = "全部记录中", "among all records"
	case ScopeNation:
		sc.Name, sc.NameEN = "全国范围内（库内记录）", "nationwide (records held)"
	case ScopeProvince:
		prov, ok := provinceNames[sc.Code]
		if !ok {
			prov = [2]string{"本省级行政区", "the province-level unit"}
		}
		sc.Name, sc.NameEN = prov[0]+"范围内", "within "+prov[1]+" (province level)"
	case ScopeDistrict:
		d := s.districtName(sc.Code)
		sc.Name, sc.NameEN = d+"范围内", "within the district "+d
	case ScopeBuiltUp:
		if sc.Code != "" {
			d := s.districtName(sc.Code)
			sc.Name, sc.NameEN = d+"城镇建成区（全区）范围内", "within the built-up area (the district "+d+")"
		} else {
			sc.Name, sc.NameEN = "城镇建成区范围内", "within the built-up area"
		}
	case ScopeTown:
		town := sc.Code + "000"
		name := town
		if s.divisions != nil {
			if d, err := s.divisions.Division(town); err == nil {
				name = d.Name
			}
		}
		sc.Name, sc.NameEN = name+"镇区范围内", "within the town "+name
	}
}

func (s *NameScopes) districtName(code6 string) string {
	name := s.district[code6]
	if name == "" && s.divisions != nil {
		if d, err := s.divisions.Division(code6 + "000000"); err == nil {
			name = d.Name
		}
	}
	if name == "" {
		name = "本区（县）"
	}
	return name
}

// Scopes are the scopes the checker compares names in: a publication checked
// by this checker claims its name with Scopes().ClaimKey.
func (c *NameChecker) Scopes() *NameScopes { return c.scopes }

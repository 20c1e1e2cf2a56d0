package gazetteer

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"diming"
	"diming/geo"
)

// Naming checks (地名命名审核的自动检查). A NameChecker is built once per read
// model (the places, the divisions and the embedded Chongqing township list)
// and runs every check on a Proposal: a pure function of its inputs, with no
// I/O and no writes. Results are findings only: a check that passes says
// nothing.

// Severity of a check result.
type Severity string

const (
	// SeverityBlock stops a proposal: a new name with this result cannot be
	// approved (a protected-name block can be overridden by the approver with
	// a written reason; see CheckResult.Overridable).
	SeverityBlock Severity = "block"
	// SeverityWarn needs a human to look: the reviewer decides.
	SeverityWarn Severity = "warn"
	// SeverityInfo is for the record.
	SeverityInfo Severity = "info"
)

// The checks, in the order they run.
const (
	CheckRecord        = "record"         // the proposal itself: kind, record to rename or cancel, division code
	CheckStructure     = "structure"      // 专名 + a 通名 allowed for the category
	CheckCharacters    = "characters"     // only Hanzi (and digits); outside GB 2312 possibly rare
	CheckDuplicate     = "duplicate"      // the same name within the scope
	CheckHomophone     = "homophone"      // the same toneless pinyin, other characters, within the scope
	CheckNearDuplicate = "near_duplicate" // same 专名 other 通名, one character apart, one inside the other
	CheckWordList      = "word_list"      // people, leaders, foreign places, enterprises, exaggeration
	CheckProtected     = "protected"      // renaming or cancelling a protected historic name
	CheckGeometry      = "geometry"       // valid, inside the declared division, roads inside the district
)

// CheckNames lists the checks in the order they run.
var CheckNames = []string{CheckRecord, CheckStructure, CheckCharacters, CheckDuplicate, CheckHomophone,
	CheckNearDuplicate, CheckWordList, CheckProtected, CheckGeometry}

// Proposal kinds.
const (
	KindNaming       = "naming"       // 命名
	KindRenaming     = "renaming"     // 更名
	KindCancellation = "cancellation" // 注销
)

// CheckResult is one finding of a naming check.
type CheckResult struct {
	Check     string   `json:"check"` // one of CheckNames
	Severity  Severity `json:"severity"`
	Message   string   `json:"message"`    // Chinese
	MessageEN string   `json:"message_en"` // English
	// Rule is a short citation of the rule applied.
	Rule string `json:"rule"`
	// Overridable says the approver may let a blocked proposal through
	// with a written reason (a protected historic name); the workflow
	// records the override. Blocked still reports true.
	Overridable bool `json:"overridable,omitempty"`
	// Evidence are the conflicting records, at most MaxCheckEvidence; the
	// message says how many there are in all.
	Evidence []CheckEvidence `json:"evidence,omitempty"`
}

// CheckEvidence is a record a result refers to. PlaceID is 0 for reference
// records that are not in the gazetteer (the Chongqing township list, a
// division of the read model without a place record).
type CheckEvidence struct {
	PlaceID      int64  `json:"place_id,omitempty"`
	Name         string `json:"name"`
	Category     string `json:"category"`
	DivisionCode string `json:"division_code"`
	// DivisionName is where the record lies, from the district down
	// (九龙坡区, 沙坪坝区小龙坎街道龙泉路社区居民委员会).
	DivisionName string `json:"division_name"`
	// Source is the record's source: a Place.Source, "division" or
	// "reference:chongqing-townships".
	Source string `json:"source"`
	// Pinyin is the record's romanization (reviewed, or proposed by the converter).
	Pinyin string `json:"pinyin"`
}

// MaxCheckEvidence caps the evidence of one result.
const MaxCheckEvidence = 20

// Sources of reference records.
const (
	SourceDivision           = "division"
	SourceChongqingTownships = "reference:chongqing-townships"
)

// Proposal is a name to check.
type Proposal struct {
	Name     string
	Category string // a Categories code
	// DivisionCode is the 12-digit code of the division the feature lies in
	// (6 and 9 digits are accepted): for a new township, the district; for
	// a new 社区 or 村, its township. Empty: duplicates are looked for in
	// every record of the class.
	DivisionCode string
	// Geometry, when not nil, is checked (WGS84).
	Geometry orb.Geometry
	// Kind is KindNaming (the default), KindRenaming or KindCancellation.
	Kind string
	// PlaceID is the record renamed or cancelled; for other kinds, a record
	// to leave out of the comparison (the record itself).
	PlaceID int64
	// Existing checks a name already in use: conflicts warn instead of
	// blocking (Chongqing already has duplicate township names).
	Existing bool
}

// CheckConfig configures a NameChecker.
type CheckConfig struct {
	// WordLists maps a list key (WordListLeaders …) to its entries. A key
	// given here replaces the embedded list of that key (an empty list turns
	// it off); keys not given keep the embedded lists (DefaultWordLists).
	WordLists map[string][]string
	// BuiltUpArea are the division codes (6, 9 or 12 digits) forming the
	// built-up area (城镇建成区), the scope of roads, bridges, estates and
	// buildings. Default: every 街道 of the divisions; without divisions,
	// the whole district.
	BuiltUpArea []string
}

// NameChecker runs the naming checks against one read model. It is
// immutable once built and safe for concurrent use.
type NameChecker struct {
	recs  []checkRec
	byID  map[int64]*Place // every place given, cancelled ones too
	index map[string][]int32

	divisions *DivisionIndex
	scopes    *NameScopes
	district  map[string]string
	words     []wordList
}

type checkRec struct {
	id       int64
	name     string
	spec     string // 专名
	gen      string // 通名 class (canonical: 乡 → 镇, 社区居民委员会 → 社区 …)
	fam      string
	div      string // 12 digits, or "" when unknown
	key      string // toneless pinyin of the whole name
	specKey  string // toneless pinyin of the 专名
	evidence CheckEvidence
}

type wordList struct {
	key   string
	words []string
}

// Index key kinds.
const (
	ixCanon    = "c" // family, 专名 + canonical 通名
	ixName     = "n" // family, name as written
	ixHomoSpec = "h" // family, pinyin of 专名 + canonical 通名
	ixHomoName = "p" // family, pinyin of the whole name
	ixSpec     = "s" // family, 专名
	ixSpecKey  = "k" // family, pinyin of the 专名
	ixWild     = "w" // family, name with one character as wildcard (names of 3+ characters)
	ixSub      = "u" // family, proper substrings of 3+ characters of the name
	ixAnyName  = "a" // name as written, any family
)

func ixKey(kind, fam, s string) string { return kind + fam + "\x00" + s }

// NewNameChecker builds a checker over the places (cancelled ones are kept
// only to answer renaming and cancellation proposals), the divisions of the
// read model (may be nil: no geometry checks, no division names) and the
// embedded Chongqing township list. Divisions without a place record of
// their own (same code and class) are compared too, as are the Chongqing
// townships not already in places or divisions.
func NewNameChecker(places []Place, divisions *DivisionIndex, cfg CheckConfig) *NameChecker {
	c := &NameChecker{
		byID:      make(map[int64]*Place, len(places)),
		index:     map[string][]int32{},
		divisions: divisions,
		district:  map[string]string{},
	}
	refs := ChongqingTownships()
	for _, t := range refs {
		c.district[t.DistrictCode[:6]] = t.DistrictName
	}
	// Which (family, division) units the gazetteer already has: divisions
	// and the reference list do not repeat them.
	held := map[string]bool{}
	places = slices.Clone(places) // byID points into the checker's own copy
	for i := range places {
		p := &places[i]
		if p.ID != 0 {
			c.byID[p.ID] = p
		}
		if p.CancelledOn != "" || strings.TrimSpace(p.Name) == "" {
			continue
		}
		r := c.newRec(p.ID, p.Name, p.Specific, p.Generic, p.Category, p.DivisionCode, p.Source, p.Romanization)
		c.add(r)
		held[r.fam+r.div] = true
	}
	if divisions != nil {
		for _, d := range divisions.Divisions(DivisionFilter{}) {
			cat := divisionCategory(d)
			fam := familyOf(cat)
			if held[fam+d.Code] {
				continue
			}
			held[fam+d.Code] = true
			c.add(c.newRec(0, d.Name, "", "", cat, d.Code, SourceDivision, ""))
		}
	}
	for _, t := range refs {
		cat := "0403"
		if strings.HasSuffix(t.Name, "街道") {
			cat = "0402"
		}
		if held[familyOf(cat)+t.Code] {
			continue
		}
		c.add(c.newRec(0, t.Name, "", "", cat, t.Code, SourceChongqingTownships, ""))
	}

	c.scopes = NewNameScopes(divisions, cfg)

	lists := DefaultWordLists()
	for k, v := range cfg.WordLists {
		lists[k] = ParseWordList(strings.Join(v, "\n"))
	}
	for _, k := range slices.Sorted(maps.Keys(lists)) {
		if len(lists[k]) > 0 {
			c.words = append(c.words, wordList{key: k, words: lists[k]})
		}
	}
	return c
}

// divisionCategory is the place category of a division's name.
func divisionCategory(d Division) string {
	switch {
	case strings.HasSuffix(d.Name, "街道"):
		return "0402"
	case strings.HasSuffix(d.Name, "镇"), strings.HasSuffix(d.Name, "乡"):
		return "0403"
	case strings.HasSuffix(d.Name, "村民委员会"), strings.HasSuffix(d.Name, "村"):
		return "0502"
	case strings.HasSuffix(d.Name, "居民委员会"), strings.HasSuffix(d.Name, "社区"):
		return "0501"
	}
	switch d.Level {
	case LevelDistrict:
		return "0401"
	case LevelTownship:
		return "0402"
	}
	return "0501"
}

// genericClass maps 通名 of the same meaning to one: a 乡 and a 镇 are the
// same level (a 乡 becomes a 镇 keeping its 专名), 社区 is short for 社区居民委员会.
var genericClass = map[string]string{
	"乡":       "镇",
	"社区居民委员会": "社区",
	"居民委员会":   "社区",
	"村民委员会":   "村",
}

// splitForCompare gives the 专名 and the canonical 通名 of a name.
// "新桥村村民委员会" and "新桥村民委员会" are both 新桥 + 村.
func splitForCompare(name, specific, generic, category string) (string, string) {
	if specific == "" || specific+generic != name {
		specific, generic = SplitName(name, category)
	}
	g := generic
	if cg, ok := genericClass[g]; ok {
		g = cg
	}
	if g != generic && g != "" && strings.HasSuffix(specific, g) && len(specific) > len(g) {
		specific = specific[:len(specific)-len(g)]
	}
	return specific, g
}

func (c *NameChecker) newRec(id int64, name, specific, generic, cat, div, source, roman string) checkRec {
	spec, gen := splitForCompare(name, specific, generic, cat)
	if n, err := NormalizeCode(div); err == nil {
		div = n
	} else {
		div = ""
	}
	if roman == "" {
		s, g := specific, generic
		if s == "" || s+g != name {
			s, g = SplitName(name, cat)
		}
		roman = ProposeRomanization(name, s, g, cat).Standard
	}
	r := checkRec{id: id, name: name, spec: spec, gen: gen, fam: familyOf(cat), div: div,
		key: PinyinKey(name), specKey: PinyinKey(spec)}
	r.evidence = CheckEvidence{PlaceID: id, Name: name, Category: cat, DivisionCode: div,
		DivisionName: c.divisionName(div, name), Source: source, Pinyin: roman}
	return r
}

// divisionName names where a record lies, from the district down, without
// the record itself (a township's own code names its district only).
func (c *NameChecker) divisionName(div, self string) string {
	if div == "" {
		return ""
	}
	var path []string
	if c.divisions != nil {
		path = c.divisions.Path(div)
	}
	if len(path) > 0 && path[len(path)-1] == self {
		path = path[:len(path)-1]
	}
	if len(path) == 0 {
		if name := c.district[div[:6]]; name != "" {
			return name
		}
	}
	return strings.Join(path, "")
}

func (c *NameChecker) add(r checkRec) {
	i := int32(len(c.recs))
	c.recs = append(c.recs, r)
	put := func(k string) {
		list := c.index[k]
		if len(list) == 0 || list[len(list)-1] != i {
			c.index[k] = append(list, i)
		}
	}
	put(ixKey(ixCanon, r.fam, r.spec+r.gen))
	put(ixKey(ixName, r.fam, r.name))
	put(ixKey(ixHomoSpec, r.fam, r.specKey+"\x00"+r.gen))
	put(ixKey(ixHomoName, r.fam, r.key))
	put(ixKey(ixSpec, r.fam, r.spec))
	put(ixKey(ixSpecKey, r.fam, r.specKey))
	put(ixKey(ixAnyName, "", r.name))
	rs := []rune(r.name)
	if len(rs) >= 3 {
		for j := range rs {
			put(ixKey(ixWild, r.fam, wildcard(rs, j)))
		}
		for a := 0; a < len(rs); a++ {
			for b := a + 3; b <= len(rs); b++ {
				if b-a < len(rs) {
					put(ixKey(ixSub, r.fam, string(rs[a:b])))
				}
			}
		}
	}
}

func wildcard(rs []rune, j int) string {
	var b strings.Builder
	for k, r := range rs {
		if k == j {
			b.WriteByte(0)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Blocked says whether any result blocks the proposal (overridable ones
// included: an override is the workflow's decision, not the checker's).
func Blocked(rs []CheckResult) bool {
	for _, r := range rs {
		if r.Severity == SeverityBlock {
			return true
		}
	}
	return false
}

// Rules cited by the results. Short citations, for the reviewer's
// orientation; the official texts govern.
const (
	ruleStructure  = "《地名管理条例》（2022）及其实施办法：地名由专名和通名组成，通名应与地理实体的类别相符（GB/T 18521 地名分类）"
	ruleCharacters = "《地名管理条例》（2022）第十条：使用国家通用语言文字，避免使用生僻字"
	ruleLeaders    = "《地名管理条例》（2022）第十条：一般不以人名作地名，不以国家领导人的名字作地名"
	rulePeople     = "《地名管理条例》（2022）第十条：一般不以人名作地名，不以外国人名作地名"
	ruleForeign    = "《地名管理条例》（2022）第十条：不以外国地名作地名"
	ruleEnterprise = "《地名管理条例》（2022）第十条：不以企业名称或者商标名称作地名"
	ruleExaggerate = "民政部等六部门清理整治不规范地名（2018）：不使用“大、洋、怪、重”的地名，用词与实体的规模、性质相符"
	ruleWordList   = "《地名管理条例》（2022）第十条：地名的命名规定"
	ruleProtected  = "《地名管理条例》（2022）第十一条及本区历史地名保护名录：具有重要历史文化价值的地名一般不得更名、注销"
	ruleGeometry   = "《地名管理条例》（2022）：命名申报须说明地理实体的位置；所报位置应在所属行政区域内"
	ruleRecord     = "地名命名、更名、注销申报程序"
)

// checkState carries what the checks learn about a proposal.
type checkState struct {
	p        Proposal
	self     *Place // the record renamed, cancelled or checked
	new      bool   // a new name: conflicts block
	cat      *Category
	spec     string // 专名
	gen      string // canonical 通名
	nameOK   bool   // the name is usable for comparisons
	division *Division
	results  []CheckResult
}

func (s *checkState) add(r CheckResult) { s.results = append(s.results, r) }

// sev is block for a new name and warn for an existing one.
func (s *checkState) sev() Severity {
	if s.new {
		return SeverityBlock
	}
	return SeverityWarn
}

// Check runs every check on a proposal. Results are ordered: blocks first,
// then warnings, then information, each group in the order of CheckNames.
func (c *NameChecker) Check(p Proposal) []CheckResult {
	s := &checkState{p: p}
	if s.p.Kind == "" {
		s.p.Kind = KindNaming
	}
	s.new = !s.p.Existing
	if !c.checkRecord(s) {
		return finish(s.results)
	}
	c.checkProtected(s)
	if s.p.Kind == KindCancellation {
		return finish(s.results)
	}
	c.checkStructure(s)
	c.checkCharacters(s)
	if s.nameOK {
		c.checkConflicts(s)
		c.checkWordLists(s)
	}
	c.checkGeometry(s)
	return finish(s.results)
}

var (
	severityRank = map[Severity]int{SeverityBlock: 0, SeverityWarn: 1, SeverityInfo: 2}
	checkRank    = func() map[string]int {
		m := make(map[string]int, len(CheckNames))
		for i, c := range CheckNames {
			m[c] = i
		}
		return m
	}()
)

// finish orders results by severity, then by check, then as found.
func finish(rs []CheckResult) []CheckResult {
	slices.SortStableFunc(rs, func(a, b CheckResult) int {
		return cmp.Or(cmp.Compare(severityRank[a.Severity], severityRank[b.Severity]), cmp.Compare(checkRank[a.Check], checkRank[b.Check]))
	})
	return rs
}

// checkRecord checks the proposal itself: the kind, the record renamed or
// cancelled (its category and division fill the proposal's when empty),
// the division code. It returns false when nothing else can be checked.
func (c *NameChecker) checkRecord(s *checkState) bool {
	p := &s.p
	block := func(zh, en string) {
		s.add(CheckResult{Check: CheckRecord, Severity: SeverityBlock, Message: zh, MessageEN: en, Rule: ruleRecord})
	}
	switch p.Kind {
	case KindNaming, KindRenaming, KindCancellation:
	default:
		block(fmt.Sprintf("申报类型 %q 无效，应为 naming（命名）、renaming（更名）或 cancellation（注销）", p.Kind),
			fmt.Sprintf("invalid kind %q: use naming, renaming or cancellation", p.Kind))
		return false
	}
	if p.PlaceID != 0 {
		s.self = c.byID[p.PlaceID]
	}
	if p.Kind != KindNaming {
		what, whatEN := "更名", "renaming"
		if p.Kind == KindCancellation {
			what, whatEN = "注销", "cancellation"
		}
		switch {
		case p.PlaceID == 0:
			block(what+"申报须指明现有地名记录", "a "+whatEN+" must name the existing record")
			return false
		case s.self == nil:
			block(fmt.Sprintf("%s的地名记录 #%d 不存在", what, p.PlaceID), fmt.Sprintf("%s: no place record #%d", whatEN, p.PlaceID))
			return false
		case s.self.CancelledOn != "":
			block(fmt.Sprintf("地名「%s」（#%d）已于 %s 注销，不能再%s", s.self.Name, p.PlaceID, s.self.CancelledOn, what),
				fmt.Sprintf("%s (#%d) was cancelled on %s: no %s", s.self.Name, p.PlaceID, s.self.CancelledOn, whatEN))
			return false
		}
		if p.Category == "" {
			p.Category = s.self.Category
		}
		if p.DivisionCode == "" {
			p.DivisionCode = s.self.DivisionCode
		}
		if p.Kind == KindCancellation && p.Name == "" {
			p.Name = s.self.Name
		}
		if p.Kind == KindRenaming && p.Name == s.self.Name {
			block(fmt.Sprintf("更名后的名称与现名「%s」相同", p.Name), fmt.Sprintf("the new name is the current name %s", p.Name))
		}
	}
	if p.DivisionCode != "" {
		code, err := NormalizeCode(p.DivisionCode)
		if err != nil {
			block(fmt.Sprintf("所属政区代码 %q 无效：应为 6、9 或 12 位数字", p.DivisionCode),
				fmt.Sprintf("invalid division code %q: use 6, 9 or 12 digits", p.DivisionCode))
			p.DivisionCode = ""
		} else {
			p.DivisionCode = code
			if c.divisions != nil {
				if d, err := c.divisions.Division(code); err == nil {
					s.division = &d
				} else {
					s.add(CheckResult{Check: CheckRecord, Severity: s.sev(), Rule: ruleRecord,
						Message:   fmt.Sprintf("所属政区代码 %s 不在本区行政区划中", code),
						MessageEN: fmt.Sprintf("division code %s is not a division of the read model", code)})
				}
			}
		}
	} else if p.Kind != KindCancellation {
		s.add(CheckResult{Check: CheckRecord, Severity: SeverityInfo, Rule: ruleRecord,
			Message:   "未填写所属政区：重名、同音在同类的全部记录中查找，位置不作核对",
			MessageEN: "no division given: duplicates are looked for among all records of the class, and the location is not checked"})
	}
	return true
}

// checkStructure: a 专名 plus a 通名 of the category.
func (c *NameChecker) checkStructure(s *checkState) {
	p := s.p
	add := func(sev Severity, zh, en string) {
		s.add(CheckResult{Check: CheckStructure, Severity: sev, Message: zh, MessageEN: en, Rule: ruleStructure})
	}
	if err := CheckName(p.Name); err != nil {
		zh, en := diming.Messages(err)
		add(SeverityBlock, "名称"+zh, "the name "+en)
		return
	}
	cat, err := CategoryByCode(p.Category)
	if err != nil {
		add(SeverityBlock, fmt.Sprintf("地名类别代码 %q 不存在", p.Category), fmt.Sprintf("unknown place category code %q", p.Category))
		// Compare the name anyway, as a class of its own.
		s.spec, s.gen = splitForCompare(p.Name, "", "", p.Category)
		s.nameOK = true
		return
	}
	s.cat = &cat
	name := p.Name
	spec, gen := SplitName(name, cat.Code)
	if gen == "" && isGeneric(name) {
		add(SeverityBlock, fmt.Sprintf("「%s」只有通名，缺少专名", name), fmt.Sprintf("%s is a generic term only: the specific part is missing", name))
		return
	}
	if len(cat.Generics) > 0 {
		match := ""
		for _, g := range cat.Generics {
			if strings.HasSuffix(name, g) && len(g) > len(match) {
				match = g
			}
		}
		switch {
		case match == name:
			add(SeverityBlock, fmt.Sprintf("「%s」只有通名，缺少专名", name), fmt.Sprintf("%s is a generic term only: the specific part is missing", name))
			return
		case match == "" && gen != "":
			add(s.sev(), fmt.Sprintf("通名「%s」不适用于%s类地名，可用的通名：%s", gen, cat.Name, strings.Join(cat.Generics, "、")),
				fmt.Sprintf("the generic %s does not fit the class %s (%s); allowed: %s", gen, cat.Name, cat.Code, strings.Join(cat.Generics, ", ")))
		case match == "":
			add(s.sev(), fmt.Sprintf("「%s」缺少通名，%s类地名的通名为：%s", name, cat.Name, strings.Join(cat.Generics, "、")),
				fmt.Sprintf("%s has no generic part; the class %s (%s) uses: %s", name, cat.Name, cat.Code, strings.Join(cat.Generics, ", ")))
		case !strings.HasSuffix(gen, match):
			// SplitName chose another category's 通名: split by the match.
			spec, gen = name[:len(name)-len(match)], match
		}
	}
	s.spec, s.gen = splitForCompare(name, spec, gen, cat.Code)
	s.nameOK = true
}

// isGeneric says whether a name is a 通名 of some category or of the common list.
func isGeneric(name string) bool {
	t := genericsTable()
	return slices.Contains(t.all, name) || slices.Contains(t.common, name)
}

// checkCharacters: Hanzi of GB 2312 are common; other Hanzi may be rare;
// anything but Hanzi and digits does not belong in a standard name.
func (c *NameChecker) checkCharacters(s *checkState) {
	var rare, bad []string
	for _, r := range s.p.Name {
		switch {
		case r == '〇':
		case unicode.Is(unicode.Han, r):
			if !InGB2312(r) && !slices.Contains(rare, string(r)) {
				rare = append(rare, string(r))
			}
		case r >= '0' && r <= '9', r >= '０' && r <= '９':
		case r == utf8.RuneError:
		default:
			if !slices.Contains(bad, string(r)) {
				bad = append(bad, string(r))
			}
		}
	}
	if len(bad) > 0 {
		s.add(CheckResult{Check: CheckCharacters, Severity: s.sev(), Rule: ruleCharacters,
			Message:   fmt.Sprintf("名称含有非汉字字符%s：标准地名应使用规范汉字（数字除外）", quoteAll(bad)),
			MessageEN: fmt.Sprintf("the name contains characters that are not Hanzi: %s; a standard name uses Chinese characters (digits aside)", strings.Join(bad, " "))})
	}
	if len(rare) > 0 {
		s.add(CheckResult{Check: CheckCharacters, Severity: SeverityWarn, Rule: ruleCharacters,
			Message:   fmt.Sprintf("%s可能为生僻字（不在 GB 2312 收录的 6763 个常用汉字之内），需人工判断", quoteAll(rare)),
			MessageEN: fmt.Sprintf("%s may be rare (not among the 6,763 Hanzi of GB 2312): a reviewer decides", strings.Join(rare, " "))})
	}
}

func quoteAll(xs []string) string {
	var b strings.Builder
	for _, x := range xs {
		b.WriteString("「" + x + "」")
	}
	return b.String()
}

// Near-duplicate reasons, strongest first.
const (
	nearSameSpecific = iota // same 专名, other 通名 of the family
	nearSpecificHomophone
	nearOneChar
	nearContains
	nearOtherClass
	numNear
)

var nearText = [numNear]struct{ zh, en string }{
	nearSameSpecific:      {"专名相同、通名不同", "same specific part, other generic"},
	nearSpecificHomophone: {"专名同音、通名不同", "specific part sounds the same, other generic"},
	nearOneChar:           {"仅一字之差", "one character apart"},
	nearContains:          {"名称相互包含", "one name contains the other"},
	nearOtherClass:        {"与其他类别的地名同名", "same name in another class"},
}

// checkConflicts: duplicates, homophones and near-duplicates within the
// scope of the family.
func (c *NameChecker) checkConflicts(s *checkState) {
	p := s.p
	sc := c.scopes.Of(p.Category, p.DivisionCode)
	fam, rule := sc.Family, sc.Rule
	name := p.Name
	key := PinyinKey(name)
	specKey := PinyinKey(s.spec)
	seen := map[int32]bool{}
	ok := func(i int32) bool {
		if seen[i] || c.skip(s, i) || !c.scopes.same(sc, c.recs[i].fam, c.recs[i].div) {
			return false
		}
		seen[i] = true
		return true
	}

	// Duplicates: the same 专名 with the same (or an equivalent) 通名.
	var dup []int32
	for _, i := range c.index[ixKey(ixCanon, fam, s.spec+s.gen)] {
		if ok(i) {
			dup = append(dup, i)
		}
	}
	for _, i := range c.index[ixKey(ixName, fam, name)] {
		if ok(i) {
			dup = append(dup, i)
		}
	}
	// Homophones: the same toneless pinyin, other characters.
	var homo []int32
	if specKey != "" {
		for _, i := range c.index[ixKey(ixHomoSpec, fam, specKey+"\x00"+s.gen)] {
			if ok(i) {
				homo = append(homo, i)
			}
		}
	}
	if key != "" {
		for _, i := range c.index[ixKey(ixHomoName, fam, key)] {
			if ok(i) {
				homo = append(homo, i)
			}
		}
	}
	// Near-duplicates.
	var near [numNear][]int32
	addNear := func(reason int, list []int32) {
		for _, i := range list {
			if ok(i) {
				near[reason] = append(near[reason], i)
			}
		}
	}
	addNear(nearSameSpecific, c.index[ixKey(ixSpec, fam, s.spec)])
	if specKey != "" {
		addNear(nearSpecificHomophone, c.index[ixKey(ixSpecKey, fam, specKey)])
	}
	rs := []rune(name)
	if len(rs) >= 3 {
		for j := range rs {
			addNear(nearOneChar, c.index[ixKey(ixWild, fam, wildcard(rs, j))])
		}
		addNear(nearContains, c.index[ixKey(ixSub, fam, name)])
		for a := 0; a < len(rs); a++ {
			for b := a + 3; b <= len(rs); b++ {
				if b-a < len(rs) {
					addNear(nearContains, c.index[ixKey(ixName, fam, string(rs[a:b]))])
				}
			}
		}
	}
	// The same name in another class, within the district (or everywhere
	// without a division).
	inDistrict := func(div string) bool {
		return p.DivisionCode == "" || (div != "" && div[:6] == p.DivisionCode[:6])
	}
	for _, i := range c.index[ixKey(ixAnyName, "", name)] {
		if !seen[i] && c.recs[i].fam != fam && !c.skip(s, i) && inDistrict(c.recs[i].div) {
			seen[i] = true
			near[nearOtherClass] = append(near[nearOtherClass], i)
		}
	}

	exist := ""
	existEN := ""
	if !s.new {
		exist, existEN = "（现有地名，仅提示）", " (an existing name: for information)"
	}
	if len(dup) > 0 {
		s.add(CheckResult{Check: CheckDuplicate, Severity: s.sev(), Rule: rule,
			Message:   fmt.Sprintf("与%s已有地名重名%s：%s", sc.Name, exist, c.listZH(dup)),
			MessageEN: fmt.Sprintf("duplicates %d existing name(s) %s%s: %s", len(dup), sc.NameEN, existEN, c.listEN(dup)),
			Evidence:  c.evidence(dup)})
	}
	if len(homo) > 0 {
		s.add(CheckResult{Check: CheckHomophone, Severity: s.sev(), Rule: rule,
			Message:   fmt.Sprintf("与%s已有地名同音（%s）%s：%s", sc.Name, specKey, exist, c.listZH(homo)),
			MessageEN: fmt.Sprintf("sounds like %d existing name(s) %s (%s)%s: %s", len(homo), sc.NameEN, specKey, existEN, c.listEN(homo)),
			Evidence:  c.evidence(homo)})
	}
	for reason, list := range near {
		if len(list) == 0 {
			continue
		}
		t := nearText[reason]
		s.add(CheckResult{Check: CheckNearDuplicate, Severity: SeverityWarn, Rule: rule,
			Message:   fmt.Sprintf("与已有地名近似（%s），需人工判断：%s", t.zh, c.listZH(list)),
			MessageEN: fmt.Sprintf("close to %d existing name(s) (%s): %s", len(list), t.en, c.listEN(list)),
			Evidence:  c.evidence(list)})
	}
}

// skip leaves out the record itself: the place with the proposal's
// PlaceID, and, when an existing unit is checked (renaming, or Existing),
// reference records of the same family and division code (the same unit in
// the Chongqing list or the divisions).
func (c *NameChecker) skip(s *checkState, i int32) bool {
	r := &c.recs[i]
	if r.id != 0 && r.id == s.p.PlaceID {
		return true
	}
	if s.self != nil && r.id == 0 && r.div == s.self.DivisionCode && r.fam == familyOf(s.self.Category) &&
		(r.fam == "township" || r.fam == "village" || r.name == s.self.Name) {
		return true
	}
	if s.p.Existing && s.self == nil && r.div == s.p.DivisionCode && r.name == s.p.Name && r.fam == familyOf(s.p.Category) {
		return true
	}
	return false
}

func (c *NameChecker) label(i int32) string {
	r := &c.recs[i]
	return r.evidence.DivisionName + r.name
}

func (c *NameChecker) listZH(list []int32) string {
	var b strings.Builder
	for k, i := range list {
		if k == MaxCheckEvidence {
			fmt.Fprintf(&b, " 等 %d 处", len(list))
			break
		}
		if k > 0 {
			b.WriteString("、")
		}
		b.WriteString(c.label(i))
	}
	return b.String()
}

func (c *NameChecker) listEN(list []int32) string {
	var b strings.Builder
	for k, i := range list {
		if k == MaxCheckEvidence {
			fmt.Fprintf(&b, " and %d more", len(list)-k)
			break
		}
		if k > 0 {
			b.WriteString(", ")
		}
		r := &c.recs[i]
		b.WriteString(r.name)
		if r.evidence.Pinyin != "" {
			b.WriteString(" (" + r.evidence.Pinyin + ")")
		}
		if r.evidence.DivisionName != "" {
			b.WriteString(" in " + r.evidence.DivisionName)
		}
	}
	return b.String()
}

func (c *NameChecker) evidence(list []int32) []CheckEvidence {
	n := min(len(list), MaxCheckEvidence)
	out := make([]CheckEvidence, n)
	for k := range n {
		out[k] = c.recs[list[k]].evidence
	}
	return out
}

// Word-list descriptions.
var wordListText = map[string]struct{ zh, en, rule string }{
	WordListLeaders:     {"国家领导人姓名", "a state leader's name", ruleLeaders},
	WordListPeople:      {"人名（含外国人名、虚构人物）", "a person's name (incl. foreign and fictional)", rulePeople},
	WordListForeign:     {"外国地名", "a foreign place name", ruleForeign},
	WordListEnterprises: {"企业名称或商标", "an enterprise name or trademark", ruleEnterprise},
	WordListExaggerated: {"夸大用语", "an exaggerating word", ruleExaggerate},
}

// checkWordLists flags names containing an entry of a word list: a human
// decides.
func (c *NameChecker) checkWordLists(s *checkState) {
	for _, l := range c.words {
		var hits []string
		for _, w := range l.words {
			if strings.Contains(s.p.Name, w) {
				hits = append(hits, w)
			}
		}
		if len(hits) == 0 {
			continue
		}
		t, ok := wordListText[l.key]
		if !ok {
			t = struct{ zh, en, rule string }{"词表「" + l.key + "」中的词语", "a word of the list " + l.key, ruleWordList}
		}
		s.add(CheckResult{Check: CheckWordList, Severity: SeverityWarn, Rule: t.rule,
			Message:   fmt.Sprintf("名称含有%s%s，需人工判断", t.zh, quoteAll(hits)),
			MessageEN: fmt.Sprintf("the name contains %s: %s; a reviewer decides", t.en, strings.Join(hits, ", "))})
	}
}

// checkProtected: renaming or cancelling a name on the protected list
// blocks, unless the approver overrides it with a written reason.
func (c *NameChecker) checkProtected(s *checkState) {
	if s.self == nil || !s.self.Protected || (s.p.Kind != KindRenaming && s.p.Kind != KindCancellation) {
		return
	}
	what, whatEN := "更名", "renamed"
	if s.p.Kind == KindCancellation {
		what, whatEN = "注销", "cancelled"
	}
	s.add(CheckResult{Check: CheckProtected, Severity: SeverityBlock, Rule: ruleProtected, Overridable: true,
		Message: fmt.Sprintf("「%s」列入历史地名保护名录，一般不得%s；确需%s的，须经批准人书面说明理由后放行",
			s.self.Name, what, what),
		MessageEN: fmt.Sprintf("%s is on the protected list of historic names and is generally not %s; the approver may override with a written reason",
			s.self.Name, whatEN),
		Evidence: []CheckEvidence{c.placeEvidence(s.self)}})
}

func (c *NameChecker) placeEvidence(p *Place) CheckEvidence {
	roman := p.Romanization
	if roman == "" {
		s, g := p.Specific, p.Generic
		if s == "" || s+g != p.Name {
			s, g = SplitName(p.Name, p.Category)
		}
		roman = ProposeRomanization(p.Name, s, g, p.Category).Standard
	}
	div := p.DivisionCode
	if n, err := NormalizeCode(div); err == nil {
		div = n
	}
	return CheckEvidence{PlaceID: p.ID, Name: p.Name, Category: p.Category, DivisionCode: div,
		DivisionName: c.divisionName(div, p.Name), Source: p.Source, Pinyin: roman}
}

// checkGeometry: a valid location, its label point inside the declared
// division, a road's every vertex inside the district.
func (c *NameChecker) checkGeometry(s *checkState) {
	g := s.p.Geometry
	if g == nil {
		return
	}
	add := func(sev Severity, zh, en string) {
		s.add(CheckResult{Check: CheckGeometry, Severity: sev, Message: zh, MessageEN: en, Rule: ruleGeometry})
	}
	if err := ValidatePlaceGeometry(g); err != nil {
		add(SeverityBlock, "位置无效："+geo.Reason(err), "invalid location: "+err.Error())
		return
	}
	if c.divisions == nil || s.division == nil {
		return
	}
	d := s.division
	lp := geo.LabelPoint(g)
	chain := c.divisions.At(lp)
	inside := false
	for _, x := range chain {
		inside = inside || x.Code == d.Code
	}
	if !inside {
		where, whereEN := "不在本区任何政区内", "in no division of the read model"
		if len(chain) > 0 {
			var names []string
			for _, x := range chain {
				names = append(names, x.Name)
			}
			where = "位于" + strings.Join(names, "") + "（" + chain[len(chain)-1].Code + "）"
			whereEN = "in " + strings.Join(names, " ") + " (" + chain[len(chain)-1].Code + ")"
		}
		add(SeverityBlock,
			fmt.Sprintf("位置（标注点 %.6f, %.6f）不在所报政区%s（%s）内，%s", lp[0], lp[1], d.Name, d.Code, where),
			fmt.Sprintf("the location (label point %.6f, %.6f) is not inside the declared division %s (%s): it is %s", lp[0], lp[1], d.Name, d.Code, whereEN))
	}
	if s.cat == nil || !(InCategory(s.cat.Code, "0801") || InCategory(s.cat.Code, "0802")) {
		return
	}
	district, err := c.divisions.Division(d.Code[:6] + "000000")
	if err != nil {
		add(SeverityInfo, "无法核对道路是否在本区内：区界不在读模型中", "cannot check that the road lies in the district: no district boundary in the read model")
		return
	}
	var outside []orb.Point
	n := 0
	eachPoint(g, func(pt orb.Point) {
		n++
		if !geo.MultiPolygonContains(district.Geometry, pt) {
			outside = append(outside, pt)
		}
	})
	if len(outside) > 0 {
		add(SeverityBlock,
			fmt.Sprintf("道路有 %d/%d 个节点在%s界外（第一个：%.6f, %.6f）：道路应在本区范围内", len(outside), n, district.Name, outside[0][0], outside[0][1]),
			fmt.Sprintf("%d of %d road vertices lie outside %s (first: %.6f, %.6f): a road must lie inside the district", len(outside), n, district.Name, outside[0][0], outside[0][1]))
	}
}

// eachPoint calls fn for every vertex of g (rings without their closing point).
func eachPoint(g orb.Geometry, fn func(orb.Point)) {
	ring := func(r orb.Ring) {
		for i, p := range r {
			if i == len(r)-1 && len(r) > 1 && p == r[0] {
				break
			}
			fn(p)
		}
	}
	switch g := g.(type) {
	case orb.Point:
		fn(g)
	case orb.MultiPoint:
		for _, p := range g {
			fn(p)
		}
	case orb.LineString:
		for _, p := range g {
			fn(p)
		}
	case orb.MultiLineString:
		for _, ls := range g {
			for _, p := range ls {
				fn(p)
			}
		}
	case orb.Ring:
		ring(g)
	case orb.Polygon:
		for _, r := range g {
			ring(r)
		}
	case orb.MultiPolygon:
		for _, pg := range g {
			for _, r := range pg {
				ring(r)
			}
		}
	case orb.Collection:
		for _, x := range g {
			eachPoint(x, fn)
		}
	}
}

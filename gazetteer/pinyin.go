package gazetteer

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	pinyin "github.com/mozillazg/go-pinyin"
)

// Romanization is the Hanyu Pinyin of a place name by the place-name
// spelling rules (中国地名汉语拼音字母拼写规则（汉语地名部分）, 1984, as restated
// in GB/T 16159-2012 §6.2.2). The converter proposes it; the stored
// Place.Romanization is a reviewed field.
type Romanization struct {
	// Standard is the spelling for signs and records: 专名 and 通名 written
	// separately, each word capitalised, the syllables of a word joined, an
	// apostrophe before a syllable starting with a, o or e inside a word
	// (Xi'an), no tone marks: "Shapingba Jiedao". It holds only ASCII letters,
	// apostrophes and spaces: ü is written yu (the technical substitute of
	// GB/T 28039 §6.2) and Arabic numerals are read as Chinese numbers (see
	// Romanize).
	Standard string `json:"standard"`
	// Tones is Standard with tone marks: "Shāpíngbà Jiēdào".
	Tones string `json:"tones"`
	// Toneless is every syllable in lower case, separated by spaces, ü as v
	// (the keyboard convention): "sha ping ba jie dao".
	Toneless string `json:"toneless"`
	// Initials is the first letter of each syllable: "spbjd".
	Initials string `json:"initials"`
	// Syllables are the toneless syllables.
	Syllables []string `json:"syllables"`
}

// commonGenerics are the 通名 SplitName falls back on when a name ends in none
// of its category's.
var commonGenerics = []string{
	"街道", "镇", "乡", "社区居民委员会", "居民委员会", "村民委员会", "社区", "村",
	"区", "县", "市", "路", "街", "大街", "巷", "胡同", "大道", "桥", "大桥", "立交",
	"广场", "公园", "站", "山", "江", "河", "湖", "溪", "水库", "隧道", "小区", "花园",
	"新村", "公寓", "大厦", "中心", "医院", "学校", "大学", "中学", "小学", "景区", "古镇",
}

// genericWords splits the 通名 that are several words by the orthography
// (GB/T 16159-2012 §5: words are written separately): 社区居民委员会 is
// "Shequ Jumin Weiyuanhui", not "Shequjuminweiyuanhui". One-word generics
// (街道, 立交桥, 纪念馆) are written as one word.
var genericWords = map[string][]string{
	"社区居民委员会": {"社区", "居民", "委员会"},
	"居民委员会":   {"居民", "委员会"},
	"村民委员会":   {"村民", "委员会"},
	"高速公路":    {"高速", "公路"},
	"森林公园":    {"森林", "公园"},
}

// roadGenerics take a one-character modifier of the 专名's last character into
// the 通名: by rule 2 of 1984 (GB/T 16159-2012 §6.2.2.2) a one-syllable
// modifier is joined to the part it modifies, so 景山后街 is Jǐngshān Hòujiē and
// 天星桥正街 is Tianxingqiao Zhengjie.
var roadGenerics = map[string]bool{"路": true, "街": true, "大街": true, "巷": true, "道": true}

var roadModifiers = map[rune]bool{
	'东': true, '西': true, '南': true, '北': true, '中': true, '正': true, '前': true,
	'后': true, '横': true, '内': true, '外': true, '上': true, '下': true,
}

type genericLists struct {
	byCategory map[string][]string // own, ancestors' and subclasses' generics, longest first
	all        []string            // every category's, longest first
	common     []string            // commonGenerics, longest first
}

var (
	genericsOnce sync.Once
	generics     genericLists
)

func longestFirst(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, g := range in {
		if g != "" && !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	// Insertion sort by length, longest first; ties keep their order.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func genericsTable() *genericLists {
	genericsOnce.Do(func() {
		generics.byCategory = make(map[string][]string, len(Categories))
		var all []string
		for _, c := range Categories {
			var gs []string
			for _, d := range Categories {
				if InCategory(d.Code, c.Code) || InCategory(c.Code, d.Code) {
					gs = append(gs, d.Generics...)
				}
			}
			generics.byCategory[c.Code] = longestFirst(gs)
			all = append(all, c.Generics...)
		}
		generics.all = longestFirst(all)
		generics.common = longestFirst(commonGenerics)
	})
	return &generics
}

// SplitName divides a standard name into 专名 (specific) and 通名 (generic) by
// the longest 通名 suffix allowed for the category (its own, its parent's and
// its subclasses'); when none fits, by the longest common one (街道, 镇,
// 社区居民委员会, 路, 桥, 公园 …). An unknown or empty category tries every
// category's 通名 before the common ones. Outside the category's own list a
// one-character 通名 splits only a name of three or more characters (二塘 and
// 大坪 stay whole, 重庆市 is 重庆 + 市). On roads a one-character modifier
// goes with the 通名 (天星桥正街 → 天星桥 + 正街, 汉渝北路 → 汉渝 + 北路) when two
// or more characters remain. A name that is only a 通名 (公园) is all 专名, so
// specific + generic == name and specific is never empty for a non-empty name.
func SplitName(name, category string) (specific, generic string) {
	t := genericsTable()
	var lists [][]string
	own, known := t.byCategory[category]
	if known {
		lists = [][]string{own, t.common}
	} else {
		lists = [][]string{t.all, t.common}
	}
	for li, list := range lists {
		// Outside the category's own list a one-character 通名 needs two
		// characters before it: 二塘, 大坪 and 乐山 stay whole (Ertang),
		// 重庆市 splits (Chongqing Shi).
		guess := !known || li > 0
		for _, g := range list {
			if len(name) <= len(g) || !strings.HasSuffix(name, g) {
				continue
			}
			if guess && utf8.RuneCountInString(g) == 1 && utf8.RuneCountInString(name) < 3 {
				continue
			}
			specific, generic = name[:len(name)-len(g)], g
			break
		}
		if generic != "" {
			break
		}
	}
	if generic == "" {
		return name, ""
	}
	if roadGenerics[generic] {
		r, size := utf8.DecodeLastRuneInString(specific)
		if roadModifiers[r] && utf8.RuneCountInString(specific) >= 3 {
			specific, generic = specific[:len(specific)-size], specific[len(specific)-size:]+generic
		}
	}
	return specific, generic
}

// Romanize proposes the romanization of a name from its 专名 and 通名: the
// 专名 is one word, the 通名 one word or, for the 通名 the orthography writes as
// several (社区居民委员会 → Shequ Jumin Weiyuanhui), several. Polyphonic
// characters take their place-name reading from the override dictionary,
// longest match first (覃家岗 Qinjiagang, 曾家 Zengjia, 重庆 Chongqing), then
// go-pinyin's first reading. Chinese numerals are read as characters (二塘
// Ertang); a run of Arabic digits is read as a Chinese number (12 → shí'èr) so
// that Standard stays within the letters the reviewed field accepts
// (GB/T 16159-2012 would keep the digits: a reviewer may restore them). Latin
// letters in a name are kept; other characters (punctuation, characters with
// no known reading) are dropped.
func Romanize(specific, generic string) Romanization {
	words := make([][]syllable, 0, 4)
	if w := appendSyllables(nil, specific); len(w) > 0 {
		words = append(words, w)
	}
	parts, ok := genericWords[generic]
	if !ok {
		parts = []string{generic}
	}
	for _, p := range parts {
		if w := appendSyllables(nil, p); len(w) > 0 {
			words = append(words, w)
		}
	}
	return romanizeWords(words)
}

// RomanizeName splits a name by SplitName and romanizes it. Rural settlement
// names (category 0702, 自然村) are written as one word, as the rules ask of
// natural villages and names that need no 专名/通名 split (王村 Wangcun,
// 周口店 Zhoukoudian).
func RomanizeName(name, category string) Romanization {
	if InCategory(category, "0702") {
		return romanizeWords([][]syllable{appendSyllables(nil, name)})
	}
	return Romanize(SplitName(name, category))
}

func romanizeWords(words [][]syllable) Romanization {
	var std, tones, toneless, initials strings.Builder
	var syls []string
	for _, w := range words {
		if len(w) == 0 {
			continue
		}
		if std.Len() > 0 {
			std.WriteByte(' ')
			tones.WriteByte(' ')
		}
		for i, s := range w {
			if i > 0 && !s.latin && (s.plain[0] == 'a' || s.plain[0] == 'o' || s.plain[0] == 'e') {
				std.WriteByte('\'')
				tones.WriteByte('\'')
			}
			plain := strings.ReplaceAll(s.plain, "v", "yu")
			if s.latin {
				plain = s.tone // Latin letters as written
			}
			tone := s.tone
			if i == 0 {
				plain = upperFirst(plain)
				tone = upperFirst(tone)
			}
			std.WriteString(plain)
			tones.WriteString(tone)
			if toneless.Len() > 0 {
				toneless.WriteByte(' ')
			}
			toneless.WriteString(s.plain)
			initials.WriteByte(s.plain[0])
			syls = append(syls, s.plain)
		}
	}
	return Romanization{Standard: std.String(), Tones: tones.String(), Toneless: toneless.String(),
		Initials: initials.String(), Syllables: syls}
}

func upperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// PinyinKey is the toneless pinyin of s without spaces, ü as v, by the same
// readings as Romanize: the key for homophone comparison (华岩 and 花岩 are
// both "huayan") and for pinyin search.
func PinyinKey(s string) string {
	var buf [32]syllable
	syls := appendSyllables(buf[:0], s)
	n := 0
	for _, x := range syls {
		n += len(x.plain)
	}
	var b strings.Builder
	b.Grow(n)
	for _, x := range syls {
		b.WriteString(x.plain)
	}
	return b.String()
}

// Syllables returns, for each character of s, its possible toneless
// readings: the place-name reading Romanize uses first (from the override
// dictionary, in context), then go-pinyin's other readings. Latin letters
// read as themselves (lower case), Arabic digits as Chinese digits; other
// characters have no reading (nil).
func Syllables(s string) [][]string {
	var buf [32]syllable
	syls := appendSyllables(buf[:0], s)
	rs := []rune(s)
	first := make([]string, len(rs))
	for _, x := range syls {
		if !x.latin && x.runes == 1 && readingsOf(rs[x.pos]) != nil {
			first[x.pos] = x.plain
		}
	}
	out := make([][]string, len(rs))
	for i, r := range rs {
		var list []string
		hr := toHalfwidth(r)
		switch {
		case first[i] != "":
			list = append(list, first[i])
		case hr < utf8.RuneSelf && isASCIILetter(byte(hr)):
			list = append(list, strings.ToLower(string(hr)))
		case hr >= '0' && hr <= '9':
			list = append(list, digitReadings[hr-'0'].plain)
		}
		if rr := readingsOf(r); rr != nil {
			for _, p := range rr.plain {
				if !contains(list, p) {
					list = append(list, p)
				}
			}
		}
		out[i] = list
	}
	return out
}

// syllable is one syllable of a converted string: one Chinese character, a
// run of Latin letters, or one syllable of a number read aloud.
type syllable struct {
	tone  string // tone-marked (Latin runs as written)
	plain string // toneless, lower-case ASCII, ü as v
	pos   int    // index of the first rune it covers
	runes int    // how many runes it covers (0 for the inner syllables of a number)
	latin bool   // a run of Latin letters, kept as written
}

type runeReadings struct {
	tone  []string // go-pinyin's readings, tone-marked, first = its default
	plain []string // the same without tones, deduplicated
}

type override struct {
	syls []syllable // one per rune, pos relative to the word
}

type readingTables struct {
	runes     map[rune]*runeReadings
	overrides map[string]*override
	// overrideLen says, for a rune that starts an override, the longest
	// override starting with it (in runes).
	overrideLen map[rune]int
	// polyphones are the characters of the override dictionary with their
	// readings (override and default): alternative keys in the search index.
	polyphones map[rune][]string
}

var (
	tablesOnce sync.Once
	tables     readingTables
)

func readingTable() *readingTables {
	tablesOnce.Do(buildReadingTables)
	return &tables
}

func buildReadingTables() {
	t := &tables
	t.runes = make(map[rune]*runeReadings, len(pinyin.PinyinDict))
	for k, v := range pinyin.PinyinDict {
		r := rune(k)
		rr := &runeReadings{}
		for _, tone := range strings.Split(v, ",") {
			plain := stripTones(tone)
			if plain == "" {
				continue
			}
			rr.tone = append(rr.tone, tone)
			dup := false
			for _, p := range rr.plain {
				dup = dup || p == plain
			}
			if !dup {
				rr.plain = append(rr.plain, plain)
			}
		}
		if len(rr.tone) > 0 {
			t.runes[r] = rr
		}
	}
	t.overrides = make(map[string]*override, len(placeNameReadings))
	t.overrideLen = make(map[rune]int)
	t.polyphones = make(map[rune][]string)
	for _, e := range placeNameReadings {
		tones := strings.Fields(e.reading)
		rs := []rune(e.word)
		if len(tones) != len(rs) {
			continue // TestOverrides rejects such entries
		}
		o := &override{}
		for i, tone := range tones {
			plain := stripTones(tone)
			o.syls = append(o.syls, syllable{tone: tone, plain: plain, pos: i, runes: 1})
			if rr := t.runes[rs[i]]; rr != nil && (len(rr.plain) > 1 || rr.plain[0] != plain) {
				alts := t.polyphones[rs[i]]
				for _, p := range append([]string{rr.plain[0]}, plain) {
					if !contains(alts, p) {
						alts = append(alts, p)
					}
				}
				t.polyphones[rs[i]] = alts
			}
		}
		t.overrides[e.word] = o
		if len(rs) > t.overrideLen[rs[0]] {
			t.overrideLen[rs[0]] = len(rs)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func readingsOf(r rune) *runeReadings {
	return readingTable().runes[r]
}

// stripTones turns a tone-marked syllable into lower-case ASCII: tone marks
// go, ü becomes v, anything else that is not a letter is dropped.
func stripTones(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		default:
			if base, ok := toneBase[r]; ok {
				b.WriteByte(base)
			}
		}
	}
	return b.String()
}

var toneBase = map[rune]byte{
	'ā': 'a', 'á': 'a', 'ǎ': 'a', 'à': 'a', 'Ā': 'a', 'Á': 'a', 'Ǎ': 'a', 'À': 'a',
	'ē': 'e', 'é': 'e', 'ě': 'e', 'è': 'e', 'Ē': 'e', 'É': 'e', 'Ě': 'e', 'È': 'e', 'ê': 'e', 'Ê': 'e',
	'ế': 'e', 'ề': 'e', 'Ế': 'e', 'Ề': 'e',
	'ō': 'o', 'ó': 'o', 'ǒ': 'o', 'ò': 'o', 'Ō': 'o', 'Ó': 'o', 'Ǒ': 'o', 'Ò': 'o',
	'ī': 'i', 'í': 'i', 'ǐ': 'i', 'ì': 'i', 'Ī': 'i', 'Í': 'i', 'Ǐ': 'i', 'Ì': 'i',
	'ū': 'u', 'ú': 'u', 'ǔ': 'u', 'ù': 'u', 'Ū': 'u', 'Ú': 'u', 'Ǔ': 'u', 'Ù': 'u',
	'ü': 'v', 'ǖ': 'v', 'ǘ': 'v', 'ǚ': 'v', 'ǜ': 'v', 'Ü': 'v', 'Ǖ': 'v', 'Ǘ': 'v', 'Ǚ': 'v', 'Ǜ': 'v',
	'ń': 'n', 'ň': 'n', 'ǹ': 'n', 'Ń': 'n', 'Ň': 'n', 'Ǹ': 'n', 'ḿ': 'm', 'Ḿ': 'm',
}

// digitReadings are the Chinese readings of 0–9 and of the number units.
var digitReadings = [10]syllable{
	{tone: "líng", plain: "ling"}, {tone: "yī", plain: "yi"}, {tone: "èr", plain: "er"},
	{tone: "sān", plain: "san"}, {tone: "sì", plain: "si"}, {tone: "wǔ", plain: "wu"},
	{tone: "liù", plain: "liu"}, {tone: "qī", plain: "qi"}, {tone: "bā", plain: "ba"},
	{tone: "jiǔ", plain: "jiu"},
}

var unitReadings = [4]syllable{
	{}, {tone: "shí", plain: "shi"}, {tone: "bǎi", plain: "bai"}, {tone: "qiān", plain: "qian"},
}

// toHalfwidth maps full-width ASCII (Ａ, ３) to ASCII.
func toHalfwidth(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFEE0
	}
	return r
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// appendSyllables converts s to syllables, applying the override dictionary
// longest match first.
func appendSyllables(dst []syllable, s string) []syllable {
	t := readingTable()
	pos := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		hr := toHalfwidth(r)
		switch {
		case hr < utf8.RuneSelf && isASCIILetter(byte(hr)):
			// A run of Latin letters is one token.
			j, n := i, 0
			var b strings.Builder
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				h2 := toHalfwidth(r2)
				if h2 >= utf8.RuneSelf || !isASCIILetter(byte(h2)) {
					break
				}
				b.WriteByte(byte(h2))
				j += sz
				n++
			}
			word := b.String()
			dst = append(dst, syllable{tone: word, plain: strings.ToLower(word), pos: pos, runes: n, latin: true})
			i, pos = j, pos+n
			continue
		case hr >= '0' && hr <= '9':
			j, n := i, 0
			var digits []byte
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				h2 := toHalfwidth(r2)
				if h2 < '0' || h2 > '9' {
					break
				}
				digits = append(digits, byte(h2-'0'))
				j += sz
				n++
			}
			start := len(dst)
			dst = appendNumber(dst, digits)
			for k := start; k < len(dst); k++ {
				dst[k].pos = pos
			}
			dst[start].runes = n
			i, pos = j, pos+n
			continue
		}
		if max := t.overrideLen[r]; max > 0 {
			// Longest override starting here.
			ends := make([]int, 0, 8)
			j := i
			for k := 0; k < max && j < len(s); k++ {
				_, sz := utf8.DecodeRuneInString(s[j:])
				j += sz
				ends = append(ends, j)
			}
			matched := false
			for k := len(ends) - 1; k >= 0; k-- {
				if o, ok := t.overrides[s[i:ends[k]]]; ok {
					for _, x := range o.syls {
						x.pos += pos
						dst = append(dst, x)
					}
					i, pos = ends[k], pos+k+1
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		if rr := t.runes[r]; rr != nil {
			dst = append(dst, syllable{tone: rr.tone[0], plain: rr.plain[0], pos: pos, runes: 1})
		}
		i += size
		pos++
	}
	return dst
}

// appendNumber reads a run of digits as a Chinese number (up to 9999, no
// leading zero), or digit by digit.
func appendNumber(dst []syllable, d []byte) []syllable {
	if len(d) > 4 || (len(d) > 1 && d[0] == 0) {
		for _, x := range d {
			dst = append(dst, digitReadings[x])
		}
		return dst
	}
	if len(d) == 1 {
		return append(dst, digitReadings[d[0]])
	}
	zero := false
	for i, x := range d {
		unit := len(d) - 1 - i
		if x == 0 {
			zero = true
			continue
		}
		if zero {
			dst = append(dst, digitReadings[0])
			zero = false
		}
		// 10–19 read 十, 十一 … (not 一十).
		if !(len(d) == 2 && i == 0 && x == 1) {
			dst = append(dst, digitReadings[x])
		}
		if unit > 0 {
			dst = append(dst, unitReadings[unit])
		}
	}
	return dst
}

package gazetteer

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"diming"
	"diming/geo"
)

// Search limits.
const (
	DefaultSearchLimit       = 10
	MaxSearchLimit           = 100
	DefaultAutocompleteLimit = 10
	MaxAutocompleteLimit     = 20
	MaxQueryRunes            = 100
)

// Match kinds of a SearchResult. How they rank is said at SearchIndex.
const (
	MatchExact        = "exact"         // the standard name
	MatchAlias        = "alias"         // an alias or former name
	MatchPrefix       = "prefix"        // the name (or an alias) starts with the query; the 专名 first
	MatchPinyin       = "pinyin"        // the full pinyin of the name, its 专名 or an alias
	MatchPinyinPrefix = "pinyin_prefix" // the pinyin starts with the query
	MatchInitials     = "initials"      // the pinyin initials (spb)
	MatchSubstring    = "substring"     // the name contains the query
	MatchHomophone    = "homophone"     // a Chinese query that sounds the same (花岩 → 华岩)
	MatchTypo         = "typo"          // one edit in the pinyin or one wrong character
)

// SearchQuery is a place-name search. Text is Chinese, pinyin (with or without
// spaces, tone marks, apostrophes; any case) or pinyin initials. Category is
// a category code (subclasses match: 08 finds roads and bridges); Division a
// 6-, 9- or 12-digit division code: the place must lie in it or below it
// (a city or province code takes its districts). Near orders equally good
// matches by distance. Limit defaults to 10, at most 100. Text may be empty
// when a filter is given: the places that pass the filters are listed, by
// division level and name or nearest first with Near, with an empty Match
// and Score 1.
type SearchQuery struct {
	Text     string
	Category string
	Division string
	Near     *orb.Point
	Limit    int
}

// SearchResult is one place found. Place points into the index's own copy
// and must not be modified. Score is the weight of the match kind, from 1
// (the exact standard name) down; results are ordered by the match kind,
// then the division level of the place (district, township, village-level
// unit, then everything else), then distance (with Near), then the shorter
// name, then the id. DistanceM is the distance in metres from Near to the
// place's label point (geo.LabelPoint); 0 without Near, -1 for a place with
// no location.
type SearchResult struct {
	ID        int64   `json:"id"`
	Place     *Place  `json:"place"`
	Score     float64 `json:"score"`
	Match     string  `json:"match"`
	DistanceM float64 `json:"distance_m"`
}

// The match classes, best first. Several share a Match label.
type matchClass uint8

const (
	clExact          matchClass = iota // name == q
	clAlias                            // alias or former name == q
	clPinyin                           // pinyin of the name == q
	clPinyinAlias                      // pinyin of an alias == q
	clSpecific                         // 专名 == q
	clPinyinSpecific                   // pinyin of the 专名 == q
	clPrefix                           // name or alias starts with q
	clPinyinPrefix                     // pinyin of the name or an alias starts with q
	clInitials                         // initials of the name, its 专名 or an alias == q
	clInitialsPrefix                   // initials of the name or an alias start with q
	clSubstring                        // name or alias contains q
	clAltReading                       // pinyin by another reading of a polyphonic character
	clHomophone                        // pinyin of a Chinese q == pinyin of the name, 专名 or alias
	clTypo                             // one edit
	numClasses
)

var classInfo = [numClasses]struct {
	match string
	score float64
}{
	clExact:          {MatchExact, 1},
	clAlias:          {MatchAlias, 0.95},
	clPinyin:         {MatchPinyin, 0.92},
	clPinyinAlias:    {MatchPinyin, 0.9},
	clSpecific:       {MatchPrefix, 0.88},
	clPinyinSpecific: {MatchPinyin, 0.86},
	clPrefix:         {MatchPrefix, 0.8},
	clPinyinPrefix:   {MatchPinyinPrefix, 0.75},
	clInitials:       {MatchInitials, 0.7},
	clInitialsPrefix: {MatchInitials, 0.65},
	clSubstring:      {MatchSubstring, 0.6},
	clAltReading:     {MatchPinyin, 0.55},
	clHomophone:      {MatchHomophone, 0.5},
	clTypo:           {MatchTypo, 0.4},
}

var (
	chineseClasses      = []matchClass{clExact, clAlias, clSpecific, clPrefix, clSubstring, clHomophone, clTypo}
	latinClasses        = []matchClass{clPinyin, clPinyinAlias, clPinyinSpecific, clPinyinPrefix, clInitials, clInitialsPrefix, clAltReading, clTypo}
	chineseAutocomplete = []matchClass{clExact, clAlias, clSpecific, clPrefix}
	latinAutocomplete   = []matchClass{clPinyin, clPinyinAlias, clPinyinSpecific, clPinyinPrefix, clInitials, clInitialsPrefix, clAltReading}
)

// Typo tolerance starts at this query length: one edit in a shorter query
// matches too much to be useful.
const (
	minTypoLatin   = 4 // letters of pinyin
	minTypoChinese = 3 // characters
)

// A posting is a place (its position in SearchIndex.places) and which of its
// names matched: place<<3 | rel.
const (
	relName     = 0
	relAlias    = 1
	relFormer   = 2
	relSpecific = 3
	relBits     = 3
)

func placeOf(post uint32) uint32 { return post >> relBits }
func relOf(post uint32) uint32   { return post & (1<<relBits - 1) }

// numRanks counts the division levels of ranking.
const numRanks = 4

// rankOf is the division level of a category for ranking: district,
// township, village-level unit, everything else.
func rankOf(category string) uint8 {
	switch {
	case InCategory(category, "0401"):
		return 0
	case InCategory(category, "04"):
		return 1
	case InCategory(category, "05"):
		return 2
	}
	return 3
}

// SearchIndex is the in-memory name search over the gazetteer: exact,
// prefix and substring match on Chinese names, aliases and former names;
// full pinyin, pinyin prefix and initials; homophones; one typo. It is
// immutable once built and safe for any number of concurrent readers.
//
// Ranking. A Chinese query matches, best first: the standard name (exact,
// score 1); an alias or former name (alias); the 专名 (prefix: 覃家岗 is the
// 专名 of 覃家岗街道); a prefix of a name or alias (prefix); a substring; a
// homophone (same toneless pinyin as the name or its 专名); one wrong
// character (typo). A Latin query matches: the full pinyin of the name, of
// an alias, of the 专名 (pinyin); a pinyin prefix (pinyin_prefix); the
// initials of the name or 专名, then a prefix of them (initials); the pinyin
// by another reading of a polyphonic character of the override dictionary
// (pinyin: tanjiagang finds 覃家岗); one edit in the pinyin of the 专名 or
// an alias, the name's 通名 pinyin allowed after it (typo; from 4 letters).
// Each place counts once, at its best match. Equal matches go by division
// level (district, township, village-level unit, the rest), then distance
// with Near, then the shorter name, then the id.
//
// Structure. The places are kept sorted by (division level, name length,
// id), so that a position is a rank: every candidate list below is a list
// of postings in that order and the best k of a list are its first k that
// pass the filters.
//   - Chinese names, pinyin keys and initials are sorted string tables with
//     posting lists; exact lookups and prefix ranges are binary searches, and
//     the best postings of a prefix range come from a range-minimum structure
//     over the first posting of each key, so a one-letter prefix costs what
//     a ten-letter one does. "专名 equals q" is q + each distinct 通名 looked
//     up in the same tables.
//   - Substrings: hashed posting lists of the characters and character pairs
//     of each 专名 (and the pair across the 专名/通名 boundary), aliases and
//     former names; a 通名's characters lead to the list of its places.
//   - One wrong character: each 专名 (or name without 通名), alias and former
//     name with each character in turn as a wildcard, hashed; a wrong
//     character in the 通名 is an exact lookup of 专名 + each 通名.
//   - One pinyin typo: a SymSpell deletion neighbourhood over the distinct
//     pinyin keys of 专名 and aliases (each key and its one-letter deletions,
//     hashed).
//   - Filters by division and category are ranges of places sorted by code;
//     a query whose filters leave few places (or fewer than its candidates)
//     just tests those places.
//   - Near: an R-tree of label points per division level answers classes
//     with many candidates nearest first, and lists without text.
type SearchIndex struct {
	places []Place
	rank   []uint8
	genLen []uint8 // bytes of the 通名 at the end of the name
	// pinyin key and initials of each name, and how much of each is the 专名's
	pyKey   []string
	iniKey  []string
	specPy  []uint16
	specIni []uint16
	alias   map[uint32][]aliasKeys // places with aliases or former names
	altOf   map[uint32][]string    // alternative-reading keys (see altKeys)
	flags   []uint8                // hasAlias, hasAlt: to skip the maps above
	pt      []orb.Point            // label points; NaN when none
	// spatial holds the label points of each division level's places, for
	// nearest-first answers with Near.
	spatial [numRanks]rtree.RTreeGN[float32, uint32]

	zh, py, ini, alt termTable
	grams            hashIndex // characters and pairs of 专名, aliases, former names (see buildGrams)
	zhTypo           hashIndex // 专名, aliases with one character as wildcard (see buildZhTypo)
	// pyTypo maps the hashes of each distinct 专名 or alias pinyin key (the
	// keys of pyTerms) and of its one-letter deletions to the key.
	pyTerms termTable
	pyTypo  hashIndex

	// The distinct 通名 and their pinyin and initials, for "专名 equals q"
	// lookups (q + 通名 in the name tables), and the places of each 通名.
	zhGen, pyGen, iniGen []string
	byGen                [][]uint32

	byDiv, byCat []uint32 // places sorted by division code, by category

	divisions *DivisionIndex
}

type aliasKeys struct {
	name, py, ini string
	rel           uint32
}

// NewSearchIndex builds the index over a copy of places (the slice is not
// kept; strings and geometries are shared and must not be mutated).
// divisions, when given, is used to check division filters; it may be nil.
func NewSearchIndex(places []Place, divisions *DivisionIndex) *SearchIndex {
	n := len(places)
	ix := &SearchIndex{divisions: divisions, alias: map[uint32][]aliasKeys{}}

	// Order: division level, name length in characters, id, input order.
	type sortKey struct {
		rank uint8
		size uint8
		id   int64
		i    int32
	}
	keys := make([]sortKey, n)
	for i := range places {
		size := utf8.RuneCountInString(places[i].Name)
		if size > 255 {
			size = 255
		}
		keys[i] = sortKey{rankOf(places[i].Category), uint8(size), places[i].ID, int32(i)}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if a.rank != b.rank {
			return cmp.Compare(a.rank, b.rank)
		}
		if a.size != b.size {
			return cmp.Compare(a.size, b.size)
		}
		if a.id != b.id {
			return cmp.Compare(a.id, b.id)
		}
		return cmp.Compare(a.i, b.i)
	})
	ix.places = make([]Place, n)
	ix.rank = make([]uint8, n)
	for j, k := range keys {
		ix.places[j] = places[k.i]
		ix.rank[j] = k.rank
	}

	ix.computeKeys()

	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	run(ix.buildZh)
	run(ix.buildPy)
	run(ix.buildIni)
	run(ix.buildAlt)
	run(ix.buildGrams)
	run(ix.buildZhTypo)
	run(ix.buildPyTypo)
	run(ix.buildFilters)
	run(ix.buildSpatial)
	wg.Wait()
	ix.flags = make([]uint8, n)
	for p := range ix.alias {
		ix.flags[p] |= hasAlias
	}
	for p := range ix.altOf {
		ix.flags[p] |= hasAlt
	}
	return ix
}

const (
	hasAlias = 1 << iota
	hasAlt
)

func (ix *SearchIndex) buildSpatial() {
	for i, pt := range ix.pt {
		if !math.IsNaN(pt[0]) {
			box := [2]float32{float32(pt[0]), float32(pt[1])}
			ix.spatial[ix.rank[i]].Insert(box, box, uint32(i))
		}
	}
}

// Len is the number of places indexed.
func (ix *SearchIndex) Len() int { return len(ix.places) }

// computeKeys works out, in parallel, each place's 通名, pinyin key,
// initials, aliases' keys and label point.
func (ix *SearchIndex) computeKeys() {
	n := len(ix.places)
	ix.genLen = make([]uint8, n)
	ix.pyKey = make([]string, n)
	ix.iniKey = make([]string, n)
	ix.specPy = make([]uint16, n)
	ix.specIni = make([]uint16, n)
	ix.pt = make([]orb.Point, n)
	workers := runtime.GOMAXPROCS(0)
	const chunk = 4096
	var next int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	readingTable()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var syls []syllable
			var py, ini []byte
			for {
				mu.Lock()
				lo := int(next)
				next += chunk
				mu.Unlock()
				if lo >= n {
					return
				}
				hi := min(lo+chunk, n)
				py, ini = py[:0], ini[:0]
				pyEnd := make([]uint32, 0, 2*(hi-lo))
				iniEnd := make([]uint32, 0, 2*(hi-lo))
				for i := lo; i < hi; i++ {
					p := &ix.places[i]
					gen := p.Generic
					if p.Specific == "" || p.Specific+p.Generic != p.Name {
						_, gen = SplitName(p.Name, p.Category)
					}
					if len(gen) > 255 {
						gen = ""
					}
					ix.genLen[i] = uint8(len(gen))
					spec := p.Name[:len(p.Name)-len(gen)]
					syls = appendSyllables(syls[:0], spec)
					nspec := len(syls)
					syls = appendSyllables(syls, gen)
					py0, ini0 := len(py), len(ini)
					for k, s := range syls {
						if k == nspec {
							ix.specPy[i] = uint16(min(len(py)-py0, math.MaxUint16))
							ix.specIni[i] = uint16(min(len(ini)-ini0, math.MaxUint16))
						}
						py = append(py, s.plain...)
						ini = append(ini, s.plain[0])
					}
					if nspec == len(syls) {
						ix.specPy[i] = uint16(min(len(py)-py0, math.MaxUint16))
						ix.specIni[i] = uint16(min(len(ini)-ini0, math.MaxUint16))
					}
					pyEnd = append(pyEnd, uint32(len(py)))
					iniEnd = append(iniEnd, uint32(len(ini)))
					if p.Geometry != nil {
						ix.pt[i] = geo.LabelPoint(p.Geometry)
					} else {
						ix.pt[i] = orb.Point{math.NaN(), math.NaN()}
					}
					if len(p.Aliases)+len(p.FormerNames) > 0 {
						var aks []aliasKeys
						for _, l := range []struct {
							names []string
							rel   uint32
						}{{p.Aliases, relAlias}, {p.FormerNames, relFormer}} {
							for _, a := range l.names {
								k := aliasKeys{name: a, rel: l.rel}
								for _, s := range appendSyllables(nil, a) {
									k.py += s.plain
									k.ini += s.plain[:1]
								}
								aks = append(aks, k)
							}
						}
						mu.Lock()
						ix.alias[uint32(i)] = aks
						mu.Unlock()
					}
				}
				pys, inis := string(py), string(ini)
				start, istart := uint32(0), uint32(0)
				for k, i := 0, lo; i < hi; i, k = i+1, k+1 {
					ix.pyKey[i] = pys[start:pyEnd[k]]
					ix.iniKey[i] = inis[istart:iniEnd[k]]
					start, istart = pyEnd[k], iniEnd[k]
				}
			}
		}()
	}
	wg.Wait()
}

func (ix *SearchIndex) specKey(p uint32) string  { return ix.pyKey[p][:ix.specPy[p]] }
func (ix *SearchIndex) genKey(p uint32) string   { return ix.pyKey[p][ix.specPy[p]:] }
func (ix *SearchIndex) specInit(p uint32) string { return ix.iniKey[p][:ix.specIni[p]] }
func (ix *SearchIndex) genInit(p uint32) string  { return ix.iniKey[p][ix.specIni[p]:] }
func (ix *SearchIndex) specName(p uint32) string {
	name := ix.places[p].Name
	return name[:len(name)-int(ix.genLen[p])]
}
func (ix *SearchIndex) generic(p uint32) string {
	name := ix.places[p].Name
	return name[len(name)-int(ix.genLen[p]):]
}

func post(p int, rel uint32) uint32 { return uint32(p)<<relBits | rel }

func (ix *SearchIndex) buildZh() {
	pairs := make([]termPair, 0, len(ix.places)+len(ix.alias))
	for i := range ix.places {
		pairs = append(pairs, termPair{ix.places[i].Name, post(i, relName)})
		for _, a := range ix.alias[uint32(i)] {
			pairs = append(pairs, termPair{a.name, post(i, a.rel)})
		}
	}
	ix.zh = newTermTable(pairs)
}

func (ix *SearchIndex) buildPy() {
	pairs := make([]termPair, 0, len(ix.places)+len(ix.alias))
	gens := map[string]bool{}
	for i := range ix.places {
		pairs = append(pairs, termPair{ix.pyKey[i], post(i, relName)})
		if g := ix.genKey(uint32(i)); g != "" {
			gens[g] = true
		}
		for _, a := range ix.alias[uint32(i)] {
			pairs = append(pairs, termPair{a.py, post(i, a.rel)})
		}
	}
	ix.py = newTermTable(pairs)
	ix.pyGen = sortedKeys(gens)
}

func (ix *SearchIndex) buildIni() {
	pairs := make([]termPair, 0, len(ix.places)+len(ix.alias))
	gens := map[string]bool{}
	for i := range ix.places {
		pairs = append(pairs, termPair{ix.iniKey[i], post(i, relName)})
		if g := ix.genInit(uint32(i)); g != "" {
			gens[g] = true
		}
		for _, a := range ix.alias[uint32(i)] {
			pairs = append(pairs, termPair{a.ini, post(i, a.rel)})
		}
	}
	ix.ini = newTermTable(pairs)
	ix.iniGen = sortedKeys(gens)
}

// maxAltKeys bounds the alternative-reading keys of one name.
const maxAltKeys = 4

func (ix *SearchIndex) buildAlt() {
	var pairs []termPair
	var syls []syllable
	ix.altOf = map[uint32][]string{}
	for i := range ix.places {
		keys := ix.altKeys(uint32(i), &syls)
		for _, k := range keys {
			pairs = append(pairs, termPair{k, post(i, relName)})
		}
		if len(keys) > 0 {
			ix.altOf[uint32(i)] = keys
		}
	}
	ix.alt = newTermTable(pairs)
}

// altKeys are the name's pinyin keys with one character of the override
// dictionary read another way (重庆 → zhongqing, 覃家岗 → tanjiagang), and
// with ü written u and yu (吕梁 → luliang, lyuliang).
func (ix *SearchIndex) altKeys(p uint32, buf *[]syllable) []string {
	t := readingTable()
	name := ix.places[p].Name
	spec, gen := ix.specName(p), ix.generic(p)
	key := ix.pyKey[p]
	if !strings.ContainsRune(key, 'v') {
		poly := false
		for _, r := range name {
			if t.polyphones[r] != nil {
				poly = true
				break
			}
		}
		if !poly {
			return nil
		}
	}
	syls := appendSyllables((*buf)[:0], spec)
	syls = appendSyllables(syls, gen)
	*buf = syls
	rs := []rune(name)
	var out []string
	add := func(k string) {
		if k != key && len(out) < maxAltKeys && !contains(out, k) {
			out = append(out, k)
		}
	}
	if strings.ContainsRune(key, 'v') {
		add(strings.ReplaceAll(key, "v", "u"))
		add(strings.ReplaceAll(key, "v", "yu"))
	}
	// Syllable k covers rune pos (spec and generic are converted apart, so
	// positions in the generic restart: shift them).
	specRunes := utf8.RuneCountInString(spec)
	nspec := len(appendSyllables(nil, spec))
	for k, s := range syls {
		pos := s.pos
		if k >= nspec {
			pos += specRunes
		}
		if s.runes != 1 || s.latin || pos >= len(rs) {
			continue
		}
		for _, other := range t.polyphones[rs[pos]] {
			if other == s.plain {
				continue
			}
			var b strings.Builder
			for k2, s2 := range syls {
				if k2 == k {
					b.WriteString(other)
				} else {
					b.WriteString(s2.plain)
				}
			}
			add(b.String())
		}
	}
	return out
}

// buildGrams indexes the characters and character pairs of each 专名, the
// pair across the 专名/通名 boundary, and those of aliases and former names.
// The 通名 are few and shared (村民委员会 ends 620,000 names): their
// characters are found through byGen, the places of each distinct 通名.
func (ix *SearchIndex) buildGrams() {
	gens := map[string]bool{}
	size := 0
	for i := range ix.places {
		size += 2 * utf8.RuneCountInString(ix.specName(uint32(i)))
		if ix.genLen[i] > 0 {
			gens[ix.generic(uint32(i))] = true
		}
		for _, a := range ix.alias[uint32(i)] {
			size += 2 * utf8.RuneCountInString(a.name)
		}
	}
	ix.zhGen = sortedKeys(gens)
	genIndex := make(map[string]int, len(ix.zhGen))
	for i, g := range ix.zhGen {
		genIndex[g] = i
	}
	ix.byGen = make([][]uint32, len(ix.zhGen))
	entries := make([]uint64, 0, size)
	var seen []uint32
	put := func(h, pst uint32) {
		if slices.Contains(seen, h) {
			return
		}
		seen = append(seen, h)
		entries = append(entries, uint64(h)<<32|uint64(pst))
	}
	add := func(s string, pst uint32) {
		var prev rune = -1
		for _, r := range s {
			put(unigram(r), pst)
			if prev >= 0 {
				put(bigram(prev, r), pst)
			}
			prev = r
		}
	}
	for i := range ix.places {
		seen = seen[:0]
		spec, pst := ix.specName(uint32(i)), post(i, relName)
		add(spec, pst)
		if gen := ix.generic(uint32(i)); gen != "" {
			last, _ := utf8.DecodeLastRuneInString(spec)
			first, _ := utf8.DecodeRuneInString(gen)
			put(bigram(last, first), pst)
			g := genIndex[gen]
			ix.byGen[g] = append(ix.byGen[g], pst)
		}
		for _, a := range ix.alias[uint32(i)] {
			seen = seen[:0]
			add(a.name, post(i, a.rel))
		}
	}
	for g := range ix.byGen {
		ix.byGen[g] = slices.Clip(ix.byGen[g])
	}
	ix.grams = newHashIndex(entries)
}

func unigram(r rune) uint32 { return uint32(r) & 0x7fffffff }

func bigram(a, b rune) uint32 {
	h := uint64(a)*0x9E3779B97F4A7C15 ^ uint64(b)*0xC2B2AE3D27D4EB4F
	h ^= h >> 29
	return uint32(h>>32) | 0x80000000
}

// buildZhTypo indexes each 专名 (the name, when it has no 通名), alias and
// former name with each character in turn replaced by a wildcard. A wrong
// character in a 通名 is found by looking the name up with each 通名 instead
// (see zhTypoStreams), so the shared 通名 are not indexed 620,000 times.
func (ix *SearchIndex) buildZhTypo() {
	size := 0
	for i := range ix.places {
		size += utf8.RuneCountInString(ix.specName(uint32(i)))
		for _, a := range ix.alias[uint32(i)] {
			size += utf8.RuneCountInString(a.name)
		}
	}
	entries := make([]uint64, 0, size)
	add := func(s string, pst uint32) {
		for i := range s { // each character's offset
			entries = append(entries, uint64(wildcardHash(s, i))<<32|uint64(pst))
		}
	}
	for i := range ix.places {
		if ix.genLen[i] > 0 {
			add(ix.specName(uint32(i)), post(i, relSpecific))
		} else {
			add(ix.places[i].Name, post(i, relName))
		}
		for _, a := range ix.alias[uint32(i)] {
			add(a.name, post(i, a.rel))
		}
	}
	ix.zhTypo = newHashIndex(entries)
}

func (ix *SearchIndex) buildPyTypo() {
	pairs := make([]termPair, 0, len(ix.places)+len(ix.alias))
	for i := range ix.places {
		if k := ix.specKey(uint32(i)); k != "" {
			pairs = append(pairs, termPair{k, post(i, relSpecific)})
		}
		for _, a := range ix.alias[uint32(i)] {
			if a.py != "" {
				pairs = append(pairs, termPair{a.py, post(i, a.rel)})
			}
		}
	}
	ix.pyTerms = newTermTable(pairs)
	size := 0
	for t := 0; t < ix.pyTerms.len(); t++ {
		size += len(ix.pyTerms.key(t)) + 1
	}
	entries := make([]uint64, 0, size)
	for t := 0; t < ix.pyTerms.len(); t++ {
		k := ix.pyTerms.key(t)
		entries = append(entries, uint64(deletionHash(k, -1))<<32|uint64(t))
		for i := 0; i < len(k); i++ {
			if i > 0 && k[i] == k[i-1] {
				continue // the same deletion as the one before
			}
			entries = append(entries, uint64(deletionHash(k, i))<<32|uint64(t))
		}
	}
	ix.pyTypo = newHashIndex(entries)
}

func (ix *SearchIndex) buildFilters() {
	n := len(ix.places)
	ix.byDiv = make([]uint32, n)
	ix.byCat = make([]uint32, n)
	for i := range ix.byDiv {
		ix.byDiv[i], ix.byCat[i] = uint32(i), uint32(i)
	}
	slices.SortStableFunc(ix.byDiv, func(a, b uint32) int {
		return strings.Compare(ix.places[a].DivisionCode, ix.places[b].DivisionCode)
	})
	slices.SortStableFunc(ix.byCat, func(a, b uint32) int {
		return strings.Compare(ix.places[a].Category, ix.places[b].Category)
	})
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ---- hashing

const (
	fnvOffset = 2166136261
	fnvPrime  = 16777619
)

// wildcardHash hashes s with the character at byte offset at replaced by a
// wildcard.
func wildcardHash(s string, at int) uint32 {
	_, size := utf8.DecodeRuneInString(s[at:])
	h := uint32(fnvOffset)
	for i := 0; i < at; i++ {
		h = (h ^ uint32(s[i])) * fnvPrime
	}
	h = (h ^ 0xff) * fnvPrime // not a byte of UTF-8
	for i := at + size; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * fnvPrime
	}
	return h
}

// deletionHash hashes s without its byte at (all of s for at < 0).
func deletionHash(s string, at int) uint32 {
	h := uint32(fnvOffset)
	for i := 0; i < len(s); i++ {
		if i != at {
			h = (h ^ uint32(s[i])) * fnvPrime
		}
	}
	return h
}

// ---- sorted string tables with posting lists

type termPair struct {
	key  string
	post uint32
}

// termTable is a sorted table of distinct keys, each with its postings in
// ascending order, and a range-minimum structure over each key's first
// posting.
type termTable struct {
	keys  string
	off   []uint32 // key i is keys[off[i]:off[i+1]]
	start []uint32 // postings of key i are posts[start[i]:start[i+1]]
	posts []uint32
	min   rmq
}

func newTermTable(pairs []termPair) termTable {
	slices.SortFunc(pairs, func(a, b termPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.post, b.post)
	})
	var t termTable
	var keys strings.Builder
	t.off = append(t.off, 0)
	for i, p := range pairs {
		if i > 0 && p == pairs[i-1] {
			continue
		}
		if i == 0 || p.key != pairs[i-1].key {
			keys.WriteString(p.key)
			t.off = append(t.off, uint32(keys.Len()))
			t.start = append(t.start, uint32(len(t.posts)))
		}
		t.posts = append(t.posts, p.post)
	}
	t.start = append(t.start, uint32(len(t.posts)))
	t.keys = keys.String()
	t.off = slices.Clip(t.off)
	t.start = slices.Clip(t.start)
	t.posts = slices.Clip(t.posts)
	firsts := make([]uint32, t.len())
	for i := range firsts {
		firsts[i] = placeOf(t.posts[t.start[i]])
	}
	t.min = newRMQ(firsts)
	return t
}

func (t *termTable) len() int         { return len(t.start) - 1 }
func (t *termTable) key(i int) string { return t.keys[t.off[i]:t.off[i+1]] }

// lowerBound is the first key ≥ s.
func (t *termTable) lowerBound(s string) int { return t.lowerBoundIn(s, 0, t.len()) }

// lowerBoundIn is the first key ≥ s in [lo, hi), or hi.
func (t *termTable) lowerBoundIn(s string, lo, hi int) int {
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.key(m) < s {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// lookup returns the postings of key s.
func (t *termTable) lookup(s string) []uint32 { return t.lookupIn(s, 0, t.len()) }

// lookupIn returns the postings of key s if it lies in keys [lo, hi).
func (t *termTable) lookupIn(s string, lo, hi int) []uint32 {
	i := t.lowerBoundIn(s, lo, hi)
	if i < hi && t.key(i) == s {
		return t.posts[t.start[i]:t.start[i+1]]
	}
	return nil
}

// prefixRange returns the keys that start with s.
func (t *termTable) prefixRange(s string) (lo, hi int) {
	lo = t.lowerBound(s)
	a, b := lo, t.len()
	for a < b {
		m := int(uint(a+b) >> 1)
		if strings.HasPrefix(t.key(m), s) {
			a = m + 1
		} else {
			b = m
		}
	}
	return lo, a
}

// rmq answers "which position of [l, r) holds the smallest value" with
// blocks of 32 values and a sparse table over the blocks' minima.
type rmq struct {
	vals   []uint32
	sparse [][]uint32
}

const rmqBlock = 32

func newRMQ(vals []uint32) rmq {
	m := rmq{vals: vals}
	nb := (len(vals) + rmqBlock - 1) / rmqBlock
	if nb == 0 {
		return m
	}
	level := make([]uint32, nb)
	for b := range level {
		level[b] = uint32(m.scan(b*rmqBlock, min((b+1)*rmqBlock, len(vals))))
	}
	m.sparse = append(m.sparse, level)
	for w := 1; 2*w <= nb; w *= 2 {
		prev := m.sparse[len(m.sparse)-1]
		next := make([]uint32, nb-2*w+1)
		for b := range next {
			x, y := prev[b], prev[b+w]
			if vals[y] < vals[x] {
				x = y
			}
			next[b] = x
		}
		m.sparse = append(m.sparse, next)
	}
	return m
}

func (m *rmq) scan(l, r int) int {
	best := l
	for i := l + 1; i < r; i++ {
		if m.vals[i] < m.vals[best] {
			best = i
		}
	}
	return best
}

func (m *rmq) argmin(l, r int) int {
	bl, br := l/rmqBlock+1, r/rmqBlock // whole blocks [bl, br)
	if br-bl < 1 {
		return m.scan(l, r)
	}
	best := -1
	better := func(i int) {
		if best < 0 || m.vals[i] < m.vals[best] || (m.vals[i] == m.vals[best] && i < best) {
			best = i
		}
	}
	if l < bl*rmqBlock {
		better(m.scan(l, bl*rmqBlock))
	}
	k := 0
	for 2<<k <= br-bl {
		k++
	}
	better(int(m.sparse[k][bl]))
	better(int(m.sparse[k][br-1<<k]))
	if br*rmqBlock < r {
		better(m.scan(br*rmqBlock, r))
	}
	return best
}

// ---- hashed posting lists

// hashIndex holds hash<<32 | posting, sorted by hash; the postings of one
// hash stay in the order they were added (place order).
type hashIndex []uint64

func newHashIndex(entries []uint64) hashIndex {
	buf := make([]uint64, len(entries))
	a := entries
	for shift := 32; shift < 64; shift += 16 {
		count := make([]int, 1<<16)
		for _, x := range a {
			count[(x>>shift)&0xffff]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, x := range a {
			k := (x >> shift) & 0xffff
			buf[count[k]] = x
			count[k]++
		}
		a, buf = buf, a
	}
	return hashIndex(slices.Clip(a))
}

func (h hashIndex) lookup(hash uint32) hashIndex {
	key := uint64(hash) << 32
	lo, hi := 0, len(h)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if h[m] < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	end := lo
	for end < len(h) && h[end]>>32 == uint64(hash) {
		end++
	}
	return h[lo:end]
}

// ---- streams of postings in place order

type stream interface {
	next() (uint32, bool)
}

type sliceStream struct{ s []uint32 }

func (s *sliceStream) next() (uint32, bool) {
	if len(s.s) == 0 {
		return 0, false
	}
	v := s.s[0]
	s.s = s.s[1:]
	return v, true
}

type hashStream struct{ s hashIndex }

func (s *hashStream) next() (uint32, bool) {
	if len(s.s) == 0 {
		return 0, false
	}
	v := uint32(s.s[0])
	s.s = s.s[1:]
	return v, true
}

// rangeStream yields the postings of keys [lo, hi) of a term table in place
// order: a heap of sub-ranges (keyed by their smallest first posting) and
// of cursors into the keys already reached.
type rangeStream struct {
	t *termTable
	h []rangeItem
}

type rangeItem struct {
	val    uint32 // place of the next posting
	lo, hi uint32 // a range of keys; hi == 0 for a cursor
	term   uint32 // the range's argmin, or the cursor's key
	pos    uint32 // the cursor's posting
}

func newRangeStream(t *termTable, lo, hi int) *rangeStream {
	s := &rangeStream{t: t}
	s.pushRange(lo, hi)
	return s
}

func (s *rangeStream) pushRange(lo, hi int) {
	if lo >= hi {
		return
	}
	m := s.t.min.argmin(lo, hi)
	s.push(rangeItem{val: s.t.min.vals[m], lo: uint32(lo), hi: uint32(hi), term: uint32(m)})
}

func (s *rangeStream) push(it rangeItem) {
	s.h = append(s.h, it)
	i := len(s.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s.h[p].val <= s.h[i].val {
			break
		}
		s.h[p], s.h[i] = s.h[i], s.h[p]
		i = p
	}
}

func (s *rangeStream) pop() rangeItem {
	top := s.h[0]
	last := len(s.h) - 1
	s.h[0] = s.h[last]
	s.h = s.h[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && s.h[l].val < s.h[m].val {
			m = l
		}
		if r < last && s.h[r].val < s.h[m].val {
			m = r
		}
		if m == i {
			break
		}
		s.h[m], s.h[i] = s.h[i], s.h[m]
		i = m
	}
	return top
}

func (s *rangeStream) next() (uint32, bool) {
	if len(s.h) == 0 {
		return 0, false
	}
	it := s.pop()
	t := s.t
	var pos uint32
	if it.hi != 0 { // a range: split it around its argmin and enter the key
		s.pushRange(int(it.lo), int(it.term))
		s.pushRange(int(it.term)+1, int(it.hi))
		pos = t.start[it.term]
	} else {
		pos = it.pos
	}
	if pos+1 < t.start[it.term+1] {
		s.push(rangeItem{val: placeOf(t.posts[pos+1]), term: it.term, pos: pos + 1})
	}
	return t.posts[pos], true
}

// mergeStream merges streams in place order.
type mergeStream struct {
	h []mergeItem
}

type mergeItem struct {
	post uint32
	s    stream
}

func newMergeStream(ss []stream) stream {
	if len(ss) == 1 {
		return ss[0]
	}
	m := &mergeStream{}
	for _, s := range ss {
		if v, ok := s.next(); ok {
			m.push(mergeItem{v, s})
		}
	}
	return m
}

func (m *mergeStream) push(it mergeItem) {
	m.h = append(m.h, it)
	i := len(m.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if placeOf(m.h[p].post) <= placeOf(m.h[i].post) {
			break
		}
		m.h[p], m.h[i] = m.h[i], m.h[p]
		i = p
	}
}

func (m *mergeStream) next() (uint32, bool) {
	if len(m.h) == 0 {
		return 0, false
	}
	top := m.h[0]
	if v, ok := top.s.next(); ok {
		m.h[0].post = v
	} else {
		last := len(m.h) - 1
		m.h[0] = m.h[last]
		m.h = m.h[:last]
	}
	i, n := 0, len(m.h)
	for {
		l, r, k := 2*i+1, 2*i+2, i
		if l < n && placeOf(m.h[l].post) < placeOf(m.h[k].post) {
			k = l
		}
		if r < n && placeOf(m.h[r].post) < placeOf(m.h[k].post) {
			k = r
		}
		if k == i {
			break
		}
		m.h[k], m.h[i] = m.h[i], m.h[k]
		i = k
	}
	return top.post, true
}

// ---- queries

// query is a checked, normalised search.
type query struct {
	text    string // as given, trimmed
	chinese bool
	zh      string // Chinese: the text without white space
	zhRunes int
	zhKey   string // Chinese: its pinyin key, for homophones
	latin   string // Latin: the pinyin key of the text
	classes []matchClass

	divPrefix string
	category  string
	near      *orb.Point
	limit     int
}

func invalid(zh, en string, args ...any) error {
	return diming.Errorf(diming.EINVALID, zh, en, args...)
}

// checkText rejects text that is too long, not UTF-8 or has control characters.
func checkText(text string) error {
	if !utf8.ValidString(text) {
		return invalid("查询不是有效的 UTF-8 文本", "the query is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(text); n > MaxQueryRunes {
		return invalid("查询过长（%d 字，最多 %d 字）", "the query is too long (%d characters, at most %d)", n, MaxQueryRunes)
	}
	for _, r := range text {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return invalid("查询含有控制字符", "the query contains control characters")
		}
	}
	return nil
}

// parseText decides whether text is Chinese or pinyin and normalises it.
// Text with a Chinese character, or without a Latin letter, is Chinese
// (matched as written, white space removed); else it is pinyin or initials:
// lower case, tone marks and ü dropped to ASCII (ü as v), spaces,
// apostrophes and punctuation removed, digits read as numbers.
func (q *query) parseText(text string) {
	q.text = strings.TrimSpace(text)
	han, letter := false, false
	for _, r := range q.text {
		if unicode.Is(unicode.Han, r) {
			han = true
			break
		}
		hr := toHalfwidth(r)
		if (hr < utf8.RuneSelf && isASCIILetter(byte(hr))) || toneBase[r] != 0 {
			letter = true
		}
	}
	q.chinese = han || !letter
	if q.chinese {
		q.zh = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, q.text)
		q.zhRunes = utf8.RuneCountInString(q.zh)
		q.zhKey = PinyinKey(q.zh)
		return
	}
	// Tone marks to their letters first, then the same conversion as names.
	var b strings.Builder
	for _, r := range q.text {
		if base, ok := toneBase[r]; ok {
			b.WriteByte(base)
		} else {
			b.WriteRune(r)
		}
	}
	q.latin = PinyinKey(b.String())
}

func (q *query) empty() bool {
	if q.chinese {
		return q.zh == ""
	}
	return q.latin == ""
}

// divisionPrefix is the part of a 12-digit code its descendants share: 9
// digits for a township, 6 for a district, and for the GB/T 2260 codes of a
// city (500100) or province (500000) 4 or 2.
func divisionPrefix(code string) string {
	p := parentPrefix(code)
	for len(p) > 2 && len(p) <= 6 && strings.HasSuffix(p, "00") {
		p = p[:len(p)-2]
	}
	return p
}

func (ix *SearchIndex) checkFilters(q *query, category, division string, near *orb.Point) error {
	if category != "" {
		if _, err := CategoryByCode(category); err != nil {
			return err
		}
		q.category = category
	}
	if division != "" {
		code, err := NormalizeCode(division)
		if err != nil {
			return err
		}
		if ix.divisions != nil {
			if _, err := ix.divisions.Division(code); err != nil {
				return invalid("没有代码为 %s 的行政区划", "no division with code %s", code)
			}
		}
		q.divPrefix = divisionPrefix(code)
	}
	if near != nil {
		if err := geo.CheckPoint(*near); err != nil {
			zh, en := geo.Reasons(err)
			return invalid("near 坐标无效：%[1]s", "invalid near point: %[2]s", zh, en)
		}
		p := *near
		q.near = &p
	}
	return nil
}

// Search finds places by name. It returns EINVALID for a blank query
// without filters, a query over 100 characters, with control characters or
// not UTF-8, a limit over 100 or negative, an unknown category or division,
// or a bad Near point.
func (ix *SearchIndex) Search(sq SearchQuery) ([]SearchResult, error) {
	q, err := ix.prepareSearch(sq)
	if err != nil {
		return nil, err
	}
	if q.text == "" {
		return ix.browse(q), nil
	}
	return ix.run(q), nil
}

func (ix *SearchIndex) prepareSearch(sq SearchQuery) (*query, error) {
	if err := checkText(sq.Text); err != nil {
		return nil, err
	}
	if sq.Limit < 0 || sq.Limit > MaxSearchLimit {
		return nil, invalid("limit 应在 1 到 %d 之间", "limit must be between 1 and %d", MaxSearchLimit)
	}
	q := &query{limit: sq.Limit}
	if q.limit == 0 {
		q.limit = DefaultSearchLimit
	}
	if err := ix.checkFilters(q, sq.Category, sq.Division, sq.Near); err != nil {
		return nil, err
	}
	q.parseText(sq.Text)
	if q.text == "" && q.category == "" && q.divPrefix == "" && q.near == nil {
		return nil, invalid("请输入要查找的地名", "the query is empty")
	}
	q.classes = latinClasses
	if q.chinese {
		q.classes = chineseClasses
	}
	return q, nil
}

// Autocomplete suggests places whose Chinese name, pinyin or initials start
// with prefix: the exact and prefix matches of Search. limit defaults to 10,
// at most 20.
func (ix *SearchIndex) Autocomplete(prefix string, limit int) ([]SearchResult, error) {
	q, err := prepareAutocomplete(prefix, limit)
	if err != nil {
		return nil, err
	}
	return ix.run(q), nil
}

func prepareAutocomplete(prefix string, limit int) (*query, error) {
	if err := checkText(prefix); err != nil {
		return nil, err
	}
	if limit < 0 || limit > MaxAutocompleteLimit {
		return nil, invalid("limit 应在 1 到 %d 之间", "limit must be between 1 and %d", MaxAutocompleteLimit)
	}
	q := &query{limit: limit}
	if q.limit == 0 {
		q.limit = DefaultAutocompleteLimit
	}
	q.parseText(prefix)
	if q.text == "" {
		return nil, invalid("请输入要查找的地名", "the query is empty")
	}
	q.classes = latinAutocomplete
	if q.chinese {
		q.classes = chineseAutocomplete
	}
	return q, nil
}

// A hit is a place found by a class.
type hit struct {
	place uint32
	class matchClass
	dist  float64
}

// Work bounds. A query whose filters leave at most smallFilter places, or
// at most scanFilter places and fewer than its candidate postings, tests
// those places one by one. Otherwise it walks the candidate lists; if it
// examines more than budget postings without filling its page it falls back
// to that test when its filters leave at most fallbackFilter places, or
// returns what it found (only very broad text under very broad filters gets
// there). With Near, a class and division level with more than nearSwitch
// candidates is answered nearest-first from the R-tree (visiting at most
// nearVisits places; beyond that, the nearest of the first nearGroup
// candidates).
const (
	smallFilter    = 4096
	scanFilter     = 1 << 16
	fallbackFilter = 1 << 18
	budget         = 1 << 16
	nearSwitch     = 512
	nearGroup      = 1 << 14
	nearVisits     = 1 << 15
)

func (ix *SearchIndex) run(q *query) []SearchResult {
	if q.empty() {
		return []SearchResult{}
	}
	span, filtered := ix.filterSpan(q)
	if filtered && (len(span) <= smallFilter || len(span) <= scanFilter && len(span) < ix.candidates(q)) {
		return ix.results(q, ix.scan(q, span))
	}
	hits, exhausted := ix.indexed(q)
	if exhausted && filtered && len(span) <= fallbackFilter {
		return ix.results(q, ix.scan(q, span))
	}
	return ix.results(q, hits)
}

// indexed runs the classes of q in turn over the index until the page is
// full; exhausted says it gave up after budget postings.
func (ix *SearchIndex) indexed(q *query) (hits []hit, exhausted bool) {
	c := &collector{ix: ix, q: q, seen: make(map[uint32]struct{}, q.limit)}
	for _, cl := range q.classes {
		if c.full() || c.exhausted {
			break
		}
		ix.runClass(c, cl)
	}
	return c.hits, c.exhausted
}

// candidates estimates how many postings the classes of q would walk: the
// prefix ranges and the substring lists (exact lookups and typos are few).
func (ix *SearchIndex) candidates(q *query) int {
	count := func(t *termTable, s string) int {
		lo, hi := t.prefixRange(s)
		return int(t.start[hi] - t.start[lo])
	}
	n := 0
	for _, cl := range q.classes {
		switch cl {
		case clPrefix:
			n += count(&ix.zh, q.zh)
		case clSubstring:
			_, cost := ix.gramCandidates(q.zh)
			n += cost
		case clPinyinPrefix:
			n += count(&ix.py, q.latin)
		case clInitialsPrefix:
			n += count(&ix.ini, q.latin)
		case clAltReading:
			n += count(&ix.alt, q.latin)
		}
	}
	return n
}

// filterSpan returns the places the filters allow (the smaller of the
// division and category ranges; the other filter is checked per place).
func (ix *SearchIndex) filterSpan(q *query) ([]uint32, bool) {
	span, _, filtered := ix.filterSpanCode(q)
	return span, filtered
}

// filterSpanCode is filterSpan and the code the span is sorted by.
func (ix *SearchIndex) filterSpanCode(q *query) ([]uint32, func(uint32) string, bool) {
	var span []uint32
	var code func(uint32) string
	filtered := false
	if q.divPrefix != "" {
		code = func(p uint32) string { return ix.places[p].DivisionCode }
		span = codeRange(ix.byDiv, q.divPrefix, code)
		filtered = true
	}
	if q.category != "" {
		catCode := func(p uint32) string { return ix.places[p].Category }
		s := codeRange(ix.byCat, q.category, catCode)
		if !filtered || len(s) < len(span) {
			span, code = s, catCode
		}
		filtered = true
	}
	return span, code, filtered
}

func codeRange(sorted []uint32, prefix string, code func(uint32) string) []uint32 {
	lo, _ := slices.BinarySearchFunc(sorted, prefix, func(p uint32, s string) int { return strings.Compare(code(p), s) })
	hi := lo + sortSearch(len(sorted)-lo, func(i int) bool { return !strings.HasPrefix(code(sorted[lo+i]), prefix) })
	return sorted[lo:hi]
}

func sortSearch(n int, f func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if !f(m) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (ix *SearchIndex) passes(q *query, p uint32) bool {
	pl := &ix.places[p]
	return (q.divPrefix == "" || strings.HasPrefix(pl.DivisionCode, q.divPrefix)) &&
		(q.category == "" || InCategory(pl.Category, q.category))
}

func (ix *SearchIndex) distance(q *query, p uint32) float64 {
	if q.near == nil {
		return 0
	}
	pt := ix.pt[p]
	if math.IsNaN(pt[0]) {
		return -1
	}
	return geo.Distance(*q.near, pt)
}

// collector gathers the hits of the classes in turn, best first.
type collector struct {
	ix        *SearchIndex
	q         *query
	hits      []hit
	seen      map[uint32]struct{}
	examined  int
	exhausted bool
}

func (c *collector) full() bool { return len(c.hits) >= c.q.limit }

// take consumes s for class cl: postings that pass the filters and verify,
// of places not yet found, in place order (with Near: per division level,
// nearest first).
func (c *collector) take(cl matchClass, s stream, verify func(uint32) bool) {
	ix, q := c.ix, c.q
	var group []hit
	groupRank := -1
	switched := false
	flush := func() {
		slices.SortFunc(group, func(a, b hit) int { return compareNear(a, b) })
		for _, h := range group {
			if c.full() {
				break
			}
			c.hits = append(c.hits, h)
		}
		group = group[:0]
	}
	for !c.full() {
		pst, ok := s.next()
		if !ok {
			break
		}
		c.examined++
		if c.examined > budget {
			c.exhausted = true
			break
		}
		p := placeOf(pst)
		if _, dup := c.seen[p]; dup {
			continue
		}
		if !ix.passes(q, p) || (verify != nil && !verify(pst)) {
			continue
		}
		if q.near == nil {
			c.seen[p] = struct{}{}
			c.hits = append(c.hits, hit{place: p, class: cl})
			continue
		}
		if r := int(ix.rank[p]); r != groupRank {
			flush()
			if c.full() {
				break
			}
			groupRank = r
		}
		if len(group) == nearSwitch && !switched {
			// Many candidates: ask the R-tree for the nearest ones instead.
			switched = true
			need := c.q.limit - len(c.hits)
			hs := ix.nearest(q, uint8(groupRank), need, func(p uint32) bool {
				cl2, ok := ix.classify(q, p)
				return ok && cl2 == cl && ix.passes(q, p)
			})
			if len(hs) == need {
				for _, h := range hs {
					h.class = cl
					c.hits = append(c.hits, h)
				}
				group = group[:0]
				break
			}
		}
		if len(group) < nearGroup {
			c.seen[p] = struct{}{}
			group = append(group, hit{place: p, class: cl, dist: ix.distance(q, p)})
		}
	}
	if len(group) > 0 {
		flush()
	}
}

// compareNear orders hits of one class and division level by distance
// (places without a location last), then place order.
func compareNear(a, b hit) int {
	da, db := a.dist, b.dist
	if da < 0 {
		da = math.Inf(1)
	}
	if db < 0 {
		db = math.Inf(1)
	}
	if c := cmp.Compare(da, db); c != 0 {
		return c
	}
	return cmp.Compare(a.place, b.place)
}

func relIs(rels ...uint32) func(uint32) bool {
	return func(pst uint32) bool {
		r := relOf(pst)
		for _, x := range rels {
			if r == x {
				return true
			}
		}
		return false
	}
}

// runClass feeds the candidates of one class to the collector.
func (ix *SearchIndex) runClass(c *collector, cl matchClass) {
	q := c.q
	switch cl {
	case clExact:
		c.take(cl, &sliceStream{ix.zh.lookup(q.zh)}, relIs(relName))
	case clAlias:
		c.take(cl, &sliceStream{ix.zh.lookup(q.zh)}, relIs(relAlias, relFormer))
	case clPinyin:
		c.take(cl, &sliceStream{ix.py.lookup(q.latin)}, relIs(relName))
	case clPinyinAlias:
		c.take(cl, &sliceStream{ix.py.lookup(q.latin)}, relIs(relAlias, relFormer))
	case clSpecific:
		c.take(cl, ix.withGenerics(&ix.zh, q.zh, ix.zhGen), func(pst uint32) bool {
			p := placeOf(pst)
			return relOf(pst) == relName && ix.genLen[p] > 0 && ix.specName(p) == q.zh
		})
	case clPinyinSpecific:
		c.take(cl, ix.withGenerics(&ix.py, q.latin, ix.pyGen), func(pst uint32) bool {
			p := placeOf(pst)
			return relOf(pst) == relName && ix.genKey(p) != "" && ix.specKey(p) == q.latin
		})
	case clPrefix:
		lo, hi := ix.zh.prefixRange(q.zh)
		c.take(cl, newRangeStream(&ix.zh, lo, hi), nil)
	case clPinyinPrefix:
		lo, hi := ix.py.prefixRange(q.latin)
		c.take(cl, newRangeStream(&ix.py, lo, hi), nil)
	case clInitials:
		ss := []stream{&sliceStream{ix.ini.lookup(q.latin)}, ix.withGenerics(&ix.ini, q.latin, ix.iniGen)}
		c.take(cl, newMergeStream(ss), func(pst uint32) bool {
			p := placeOf(pst)
			if relOf(pst) != relName {
				return true // an alias's initials, from the first list
			}
			return ix.iniKey[p] == q.latin || (ix.genInit(p) != "" && ix.specInit(p) == q.latin)
		})
	case clInitialsPrefix:
		lo, hi := ix.ini.prefixRange(q.latin)
		c.take(cl, newRangeStream(&ix.ini, lo, hi), nil)
	case clAltReading:
		lo, hi := ix.alt.prefixRange(q.latin)
		c.take(cl, newRangeStream(&ix.alt, lo, hi), nil)
	case clSubstring:
		c.take(cl, ix.gramStream(q.zh), func(pst uint32) bool { return ix.containsText(pst, q.zh) })
	case clHomophone:
		if q.zhKey == "" {
			return
		}
		ss := []stream{&sliceStream{ix.py.lookup(q.zhKey)}, ix.withGenerics(&ix.py, q.zhKey, ix.pyGen)}
		c.take(cl, newMergeStream(ss), func(pst uint32) bool {
			p := placeOf(pst)
			if relOf(pst) != relName {
				return true
			}
			return ix.pyKey[p] == q.zhKey || (ix.genKey(p) != "" && ix.specKey(p) == q.zhKey)
		})
	case clTypo:
		if q.chinese {
			if q.zhRunes < minTypoChinese {
				return
			}
			c.take(cl, newMergeStream(ix.zhTypoStreams(q.zh)), func(pst uint32) bool { return ix.oneCharOff(pst, q.zh) })
			return
		}
		ss, generic := ix.pyTypoStreams(q.latin)
		c.take(cl, newMergeStream(ss), func(pst uint32) bool { return ix.pinyinTypo(pst, q.latin, generic) })
	}
}

// withGenerics streams the standard-name postings of q + 通名 for every
// distinct 通名 in gens: the places whose 专名 may be q (the verifier checks
// the place's own 通名).
func (ix *SearchIndex) withGenerics(t *termTable, q string, gens []string) stream {
	var ss []stream
	buf := make([]byte, 0, len(q)+32)
	lo, hi := t.prefixRange(q)
	if lo == hi {
		return &sliceStream{}
	}
	for _, g := range gens {
		buf = append(append(buf[:0], q...), g...)
		if ps := t.lookupIn(string(buf), lo, hi); len(ps) > 0 {
			ss = append(ss, &sliceStream{ps})
		}
	}
	if len(ss) == 0 {
		return &sliceStream{}
	}
	return &relStream{newMergeStream(ss), relName}
}

// relStream keeps the postings of one kind of name.
type relStream struct {
	s   stream
	rel uint32
}

func (r *relStream) next() (uint32, bool) {
	for {
		v, ok := r.s.next()
		if !ok || relOf(v) == r.rel {
			return v, ok
		}
	}
}

// gramStream streams the places whose names hold every character pair of
// s (for one character, that character): the rarest list, verified after.
func (ix *SearchIndex) gramStream(s string) stream {
	best, _ := ix.gramCandidates(s)
	if best == nil {
		return &sliceStream{}
	}
	return newMergeStream(best)
}

// gramCandidates returns the lists of the rarest character pair of s (or
// its one character) and how many postings they hold.
func (ix *SearchIndex) gramCandidates(s string) ([]stream, int) {
	var best []stream
	bestCost := -1
	var prev rune = -1
	single := utf8.RuneCountInString(s) == 1
	for i, r := range s {
		if prev < 0 && !single {
			prev = r
			continue
		}
		var l hashIndex
		var gram string
		if single {
			l, gram = ix.grams.lookup(unigram(r)), s
		} else {
			_, size := utf8.DecodeLastRuneInString(s[:i])
			l, gram = ix.grams.lookup(bigram(prev, r)), s[i-size:i+utf8.RuneLen(r)]
		}
		prev = r
		// The places with the gram in their 专名 or at its boundary, and
		// those whose 通名 holds it.
		cost := len(l)
		ss := []stream{&hashStream{l}}
		for g, gen := range ix.zhGen {
			if strings.Contains(gen, gram) {
				cost += len(ix.byGen[g])
				ss = append(ss, &sliceStream{ix.byGen[g]})
			}
		}
		if bestCost < 0 || cost < bestCost {
			best, bestCost = ss, cost
		}
	}
	return best, max(bestCost, 0)
}

// names returns the Chinese text a posting stands for (several for aliases).
func (ix *SearchIndex) names(pst uint32) []string {
	p := placeOf(pst)
	switch relOf(pst) {
	case relName:
		return []string{ix.places[p].Name}
	case relSpecific:
		return []string{ix.specName(p)}
	case relAlias:
		return ix.places[p].Aliases
	}
	return ix.places[p].FormerNames
}

func (ix *SearchIndex) containsText(pst uint32, s string) bool {
	p := placeOf(pst)
	switch relOf(pst) {
	case relName:
		return strings.Contains(ix.places[p].Name, s)
	}
	for _, n := range ix.names(pst) {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// zhTypoStreams returns the candidates of names one character off q: q
// with a wildcard (专名, names without 通名, aliases); for each 通名 g that q
// ends with, the 专名 one character off the rest of q; for each 通名 g one
// character off q's ending, the name q's beginning + g.
func (ix *SearchIndex) zhTypoStreams(q string) []stream {
	var ss []stream
	wild := func(s string) {
		for i := range s {
			ss = append(ss, &hashStream{ix.zhTypo.lookup(wildcardHash(s, i))})
		}
	}
	wild(q)
	n := utf8.RuneCountInString(q)
	for _, g := range ix.zhGen {
		m := utf8.RuneCountInString(g)
		if m >= n {
			continue
		}
		cut := len(q)
		for k := 0; k < m; k++ {
			_, size := utf8.DecodeLastRuneInString(q[:cut])
			cut -= size
		}
		head, tail := q[:cut], q[cut:]
		switch {
		case tail == g:
			wild(head)
		case oneRuneOff(tail, g):
			if ps := ix.zh.lookup(head + g); len(ps) > 0 {
				ss = append(ss, &sliceStream{ps})
			}
		}
	}
	return ss
}

// oneCharOff says whether the name a posting stands for, or for a 专名 the
// whole name, is one character off s.
func (ix *SearchIndex) oneCharOff(pst uint32, s string) bool {
	if relOf(pst) == relSpecific && oneRuneOff(ix.places[placeOf(pst)].Name, s) {
		return true
	}
	for _, n := range ix.names(pst) {
		if oneRuneOff(n, s) {
			return true
		}
	}
	return false
}

// oneRuneOff says whether a and b have the same number of characters and
// differ in at most one.
func oneRuneOff(a, b string) bool {
	diff := 0
	for a != "" && b != "" {
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if ra != rb {
			diff++
			if diff > 1 {
				return false
			}
		}
		a, b = a[sa:], b[sb:]
	}
	return a == "" && b == ""
}

// pyTypoStreams returns the candidate streams of a pinyin typo: q and its
// one-letter deletions looked up among the keys and their deletions, and
// the same for q without a trailing 通名's pinyin (shapingdajiedao). The
// second result tells the verifier which 通名 each stream assumed.
func (ix *SearchIndex) pyTypoStreams(q string) ([]stream, map[string]bool) {
	var ss []stream
	var terms []uint32
	add := func(s string) {
		if len(s) < minTypoLatin {
			return
		}
		for i := -1; i < len(s); i++ {
			if i > 0 && s[i] == s[i-1] {
				continue
			}
			for _, e := range ix.pyTypo.lookup(deletionHash(s, i)) {
				t := uint32(e)
				if !slices.Contains(terms, t) && withinOneEdit(s, ix.pyTerms.key(int(t))) {
					terms = append(terms, t)
					ss = append(ss, &sliceStream{ix.pyTerms.posts[ix.pyTerms.start[t]:ix.pyTerms.start[t+1]]})
				}
			}
		}
	}
	add(q)
	var generic map[string]bool
	for _, g := range ix.pyGen {
		if len(q) > len(g) && strings.HasSuffix(q, g) && len(q)-len(g) >= minTypoLatin {
			if generic == nil {
				generic = map[string]bool{}
			}
			generic[g] = true
			add(q[:len(q)-len(g)])
		}
	}
	return ss, generic
}

func (ix *SearchIndex) pinyinTypo(pst uint32, q string, generic map[string]bool) bool {
	p := placeOf(pst)
	switch relOf(pst) {
	case relSpecific:
		spec := ix.specKey(p)
		if withinOneEdit(q, spec) {
			return true
		}
		g := ix.genKey(p)
		return g != "" && generic[g] && withinOneEdit(q[:len(q)-len(g)], spec)
	default:
		for _, a := range ix.alias[p] {
			if a.rel == relOf(pst) && withinOneEdit(q, a.py) {
				return true
			}
		}
	}
	return false
}

// withinOneEdit says whether a becomes b by at most one insertion,
// deletion, substitution or transposition of adjacent letters.
func withinOneEdit(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	switch len(a) - len(b) {
	case 0:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		if i == len(a) {
			return true
		}
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		i := 0
		for i < len(b) && a[i] == b[i] {
			i++
		}
		return a[i+1:] == b[i:]
	}
	return false
}

// ---- filter-driven search and the reference matcher

// scan tests each place of span against the query: the path for selective
// filters, and the reference the index is tested against.
func (ix *SearchIndex) scan(q *query, span []uint32) []hit {
	var hits []hit
	for _, p := range span {
		if !ix.passes(q, p) {
			continue
		}
		if cl, ok := ix.classify(q, p); ok {
			hits = append(hits, hit{place: p, class: cl, dist: ix.distance(q, p)})
		}
	}
	ix.sortHits(q, hits)
	if len(hits) > q.limit {
		hits = hits[:q.limit]
	}
	return hits
}

func (ix *SearchIndex) sortHits(q *query, hits []hit) {
	slices.SortFunc(hits, func(a, b hit) int {
		if a.class != b.class {
			return cmp.Compare(a.class, b.class)
		}
		if q.near != nil {
			if c := cmp.Compare(ix.rank[a.place], ix.rank[b.place]); c != 0 {
				return c
			}
			return compareNear(a, b)
		}
		return cmp.Compare(a.place, b.place)
	})
}

// classify returns the best class of the query that place p matches,
// straight from the definitions.
func (ix *SearchIndex) classify(q *query, p uint32) (matchClass, bool) {
	pl := &ix.places[p]
	var aliases []aliasKeys
	if ix.flags[p]&hasAlias != 0 {
		aliases = ix.alias[p]
	}
	for _, cl := range q.classes {
		ok := false
		switch cl {
		case clExact:
			ok = pl.Name == q.zh
		case clAlias:
			for _, a := range aliases {
				ok = ok || a.name == q.zh
			}
		case clSpecific:
			ok = ix.genLen[p] > 0 && ix.specName(p) == q.zh
		case clPrefix:
			ok = strings.HasPrefix(pl.Name, q.zh)
			for _, a := range aliases {
				ok = ok || strings.HasPrefix(a.name, q.zh)
			}
		case clSubstring:
			ok = strings.Contains(pl.Name, q.zh)
			for _, a := range aliases {
				ok = ok || strings.Contains(a.name, q.zh)
			}
		case clHomophone:
			if q.zhKey != "" {
				ok = ix.pyKey[p] == q.zhKey || (ix.genKey(p) != "" && ix.specKey(p) == q.zhKey)
				for _, a := range aliases {
					ok = ok || a.py == q.zhKey
				}
			}
		case clPinyin:
			ok = ix.pyKey[p] == q.latin
		case clPinyinAlias:
			for _, a := range aliases {
				ok = ok || a.py == q.latin
			}
		case clPinyinSpecific:
			ok = ix.genKey(p) != "" && ix.specKey(p) == q.latin
		case clPinyinPrefix:
			ok = strings.HasPrefix(ix.pyKey[p], q.latin)
			for _, a := range aliases {
				ok = ok || strings.HasPrefix(a.py, q.latin)
			}
		case clInitials:
			ok = ix.iniKey[p] == q.latin || (ix.genInit(p) != "" && ix.specInit(p) == q.latin)
			for _, a := range aliases {
				ok = ok || a.ini == q.latin
			}
		case clInitialsPrefix:
			ok = strings.HasPrefix(ix.iniKey[p], q.latin)
			for _, a := range aliases {
				ok = ok || strings.HasPrefix(a.ini, q.latin)
			}
		case clAltReading:
			if ix.flags[p]&hasAlt != 0 {
				for _, k := range ix.altOf[p] {
					ok = ok || strings.HasPrefix(k, q.latin)
				}
			}
		case clTypo:
			if q.chinese {
				if q.zhRunes >= minTypoChinese {
					ok = oneRuneOff(pl.Name, q.zh) || (ix.genLen[p] > 0 && oneRuneOff(ix.specName(p), q.zh))
					for _, a := range aliases {
						ok = ok || oneRuneOff(a.name, q.zh)
					}
				}
				break
			}
			if len(q.latin) >= minTypoLatin {
				spec := ix.specKey(p)
				ok = withinOneEdit(q.latin, spec)
				if g := ix.genKey(p); g != "" && len(q.latin)-len(g) >= minTypoLatin && strings.HasSuffix(q.latin, g) {
					ok = ok || withinOneEdit(q.latin[:len(q.latin)-len(g)], spec)
				}
				for _, a := range aliases {
					ok = ok || withinOneEdit(q.latin, a.py)
				}
			}
		}
		if ok {
			return cl, true
		}
	}
	return 0, false
}

// nearest returns up to want places of division level rank that accept
// takes, nearest first, visiting at most nearVisits places.
func (ix *SearchIndex) nearest(q *query, rank uint8, want int, accept func(uint32) bool) []hit {
	var out []hit
	if want <= 0 {
		return out
	}
	np := *q.near
	visited := 0
	ix.spatial[rank].Nearby(func(min, max [2]float32, p uint32, item bool) float64 {
		if item {
			return geo.Distance(np, ix.pt[p])
		}
		return boxDistance(np, min, max)
	}, func(_, _ [2]float32, p uint32, d float64) bool {
		visited++
		if accept(p) {
			out = append(out, hit{place: p, dist: d})
		}
		return len(out) < want && visited < nearVisits
	})
	return out
}

// boxDistance is a lower bound of the distance in metres from p to the
// points of a box (float32 corners, within a metre of the float64 points):
// to the box's point nearest p in longitude and latitude, less 1 % for the
// curvature that makes that point not quite the nearest and 2 m for the
// rounding.
func boxDistance(p orb.Point, min, max [2]float32) float64 {
	c := orb.Point{
		math.Max(float64(min[0]), math.Min(p[0], float64(max[0]))),
		math.Max(float64(min[1]), math.Min(p[1], float64(max[1]))),
	}
	if c == p {
		return 0
	}
	return math.Max(0, 0.99*geo.Distance(p, c)-2)
}

// browse lists the places that pass the filters of a query without text: by
// division level and name, or nearest first with Near.
func (ix *SearchIndex) browse(q *query) []SearchResult {
	span, codeOf, filtered := ix.filterSpanCode(q)
	var hits []hit
	switch {
	case q.near != nil && (!filtered || len(span) > smallFilter):
		// Nearest of each division level, merged.
		for r := range uint8(numRanks) {
			hits = append(hits, ix.nearest(q, r, q.limit, func(p uint32) bool { return ix.passes(q, p) })...)
		}
		if len(hits) < q.limit && filtered && len(span) <= fallbackFilter {
			hits = hits[:0] // places without a location, or too many visits: test the span
			for _, p := range span {
				if ix.passes(q, p) {
					hits = append(hits, hit{place: p, dist: ix.distance(q, p)})
				}
			}
		}
		slices.SortFunc(hits, compareNear)
	case q.near != nil:
		for _, p := range span {
			if ix.passes(q, p) {
				hits = append(hits, hit{place: p, dist: ix.distance(q, p)})
			}
		}
		slices.SortFunc(hits, compareNear)
	default:
		// The span is sorted by code, each code's places in place order:
		// the first places of each code are the candidates.
		for i := 0; i < len(span); {
			code := codeOf(span[i])
			end := i + sortSearch(len(span)-i, func(k int) bool { return codeOf(span[i+k]) > code })
			taken := 0
			for k := i; k < end && taken < q.limit; k++ {
				if ix.passes(q, span[k]) {
					hits = append(hits, hit{place: span[k]})
					taken++
				}
			}
			i = end
		}
		slices.SortFunc(hits, func(a, b hit) int { return cmp.Compare(a.place, b.place) })
	}
	if len(hits) > q.limit {
		hits = hits[:q.limit]
	}
	out := ix.results(q, hits)
	for i := range out {
		out[i].Match, out[i].Score = "", 1
	}
	return out
}

func (ix *SearchIndex) results(q *query, hits []hit) []SearchResult {
	out := make([]SearchResult, len(hits))
	for i, h := range hits {
		pl := &ix.places[h.place]
		out[i] = SearchResult{ID: pl.ID, Place: pl, Score: classInfo[h.class].score, Match: classInfo[h.class].match}
		if q.near != nil {
			out[i].DistanceM = h.dist
		}
	}
	return out
}

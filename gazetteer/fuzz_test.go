package gazetteer

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"diming"
)

// FuzzRomanize: any text romanizes without panicking, and the proposal is
// something the reviewed field accepts: ASCII letters, apostrophes and
// single spaces; the other forms agree with it.
func FuzzRomanize(f *testing.F) {
	for _, s := range []string{"沙坪坝街道", "重庆", "覃家岗", "西安", "12号路", "ＩＴ园", "吕梁", "嗯", "", "\xff", "a'b", "六安六盘水", "长子县长江"} {
		f.Add(s, "")
		f.Add(s, "0801")
	}
	// Found by the fuzzer: a long Standard must still be letters only (the
	// reviewed field's 200-byte limit is the reviewer's business).
	f.Add(strings.Repeat("0", 150), "0")
	f.Fuzz(func(t *testing.T, name, category string) {
		s, g := SplitName(name, category)
		if s+g != name || (name != "" && s == "") {
			t.Fatalf("SplitName(%q, %q) = %q + %q", name, category, s, g)
		}
		r := Romanize(s, g)
		for _, c := range r.Standard {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '\'' || c == ' ') {
				t.Fatalf("Romanize(%q, %q).Standard = %q: %q is not an ASCII letter, apostrophe or space", s, g, r.Standard, c)
			}
		}
		if strings.Contains(r.Standard, "  ") || strings.HasPrefix(r.Standard, " ") || strings.HasSuffix(r.Standard, " ") ||
			strings.HasPrefix(r.Standard, "'") || strings.Contains(r.Standard, " '") {
			t.Fatalf("Standard %q is badly spaced", r.Standard)
		}
		if !utf8.ValidString(r.Tones) {
			t.Fatalf("Tones %q is not UTF-8", r.Tones)
		}
		if len(r.Initials) != len(r.Syllables) || strings.Join(r.Syllables, " ") != r.Toneless {
			t.Fatalf("forms disagree: %+v", r)
		}
		key := PinyinKey(s + g)
		if strings.Join(r.Syllables, "") != key && !strings.ContainsAny(s+g, "0123456789０１２３４５６７８９") {
			// Digits split between 专名 and 通名 read differently as one number.
			t.Fatalf("PinyinKey(%q) = %q; syllables %q", s+g, key, r.Syllables)
		}
		if n := len(Syllables(name)); n != utf8.RuneCountInString(name) {
			t.Fatalf("Syllables(%q): %d entries", name, n)
		}
	})
}

// fuzzPlaces is a small gazetteer for the fuzz target: names sharing
// prefixes, homophones, polyphonic characters, aliases, places without a
// location.
func fuzzPlaces() []Place {
	rows := []struct{ name, cat, div string }{
		{"沙坪坝区", "0401", "500106000000"}, {"沙坪坝街道", "0402", "500106002000"}, {"磁器口街道", "0402", "500106004000"},
		{"覃家岗街道", "0402", "500106014000"}, {"曾家镇", "0403", "500106108000"}, {"华岩镇", "0403", "500107102000"},
		{"花岩镇", "0403", "500152112000"}, {"重庆大学", "12", "500106002009"}, {"长江路", "0801", "500106001001"},
		{"沙坪坝正街", "0801", "500106002003"}, {"覃家岗村", "0502", "500106014201"}, {"曾家社区居民委员会", "0501", "500106108001"},
		{"六合村", "0502", "500106108201"}, {"吕家湾", "0702", "500106108202"}, {"沙坪公园", "1001", "500106002009"},
		{"天安门", "1002", "110101001001"}, {"西安路", "0801", "500106001001"}, {"二塘村村民委员会", "0502", "500106008203"},
		{"12号路", "0801", "500106001001"}, {"A区", "0601", "500106001001"}, {"乐山", "0301", "500106009001"},
	}
	out := make([]Place, len(rows))
	for i, r := range rows {
		s, g := SplitName(r.name, r.cat)
		out[i] = Place{ID: int64(i + 1), Name: r.name, Specific: s, Generic: g, Category: r.cat, DivisionCode: r.div}
		if i%5 != 4 {
			out[i].Geometry = orb.Point{106.3 + float64(i)*0.01, 29.5 + float64(i%7)*0.01}
		}
	}
	out[7].Aliases = []string{"重大"}
	out[2].FormerNames = []string{"龙隐镇", "白岩场"}
	return out
}

// FuzzSearch: any query either fails with EINVALID or returns results, and
// the index returns what testing every place by the definitions returns.
func FuzzSearch(f *testing.F) {
	ix := NewSearchIndex(fuzzPlaces(), nil)
	for _, s := range []string{"沙坪坝", "shapingba", "Shapingba Jiedao", "spb", "cqk", "覃家岗", "qinjaigang", "沙平坝",
		"花岩", "zhongqing", "lvjiawan", "luj", "重大", "龙隐", "", " ", "\x00", "\xff", "ā", "12", "shi'er", "a", "区"} {
		f.Add(s, "", "", false, 0)
		f.Add(s, "08", "500106", true, 3)
	}
	f.Fuzz(func(t *testing.T, text, category, division string, near bool, limit int) {
		sq := SearchQuery{Text: text, Category: category, Division: division, Limit: limit}
		if near {
			sq.Near = &orb.Point{106.35, 29.55}
		}
		rs, err := ix.Search(sq)
		if err != nil {
			var e *diming.Error
			if !errors.As(err, &e) || e.Code != diming.EINVALID {
				t.Fatalf("Search(%+v): %v; want results or EINVALID", sq, err)
			}
			return
		}
		want := limit
		if want == 0 {
			want = DefaultSearchLimit
		}
		if len(rs) > want {
			t.Fatalf("Search(%+v): %d results", sq, len(rs))
		}
		if err := compareWithReference(ix, sq, false); err != nil {
			t.Fatal(err)
		}
		if err := compareWithReference(ix, SearchQuery{Text: text, Limit: min(max(limit, 0), MaxAutocompleteLimit)}, true); err != nil {
			t.Fatal(err)
		}
	})
}

// CompareWithReferenceForTest checks the index's answer to a query (Search,
// or Autocomplete with the query's text and limit) against a scan that
// tests every place by the definitions of the match kinds. It is nil when
// they agree or the query is invalid.
func CompareWithReferenceForTest(ix *SearchIndex, sq SearchQuery, autocomplete bool) error {
	return compareWithReference(ix, sq, autocomplete)
}

func compareWithReference(ix *SearchIndex, sq SearchQuery, autocomplete bool) error {
	var q *query
	var err error
	if autocomplete {
		q, err = prepareAutocomplete(sq.Text, sq.Limit)
	} else {
		q, err = ix.prepareSearch(sq)
	}
	if err != nil || q.text == "" || q.empty() {
		return nil
	}
	all := make([]uint32, len(ix.places))
	for i := range all {
		all[i] = uint32(i)
	}
	got, exhausted := ix.indexed(q)
	if exhausted {
		return nil // beyond the work budget the index answers approximately
	}
	want := ix.scan(q, all)
	show := func(hs []hit) string {
		var b strings.Builder
		for _, h := range hs {
			fmt.Fprintf(&b, "%s/%s ", ix.places[h.place].Name, classInfo[h.class].match)
		}
		return b.String()
	}
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].place == want[i].place && got[i].class == want[i].class &&
			(got[i].dist == want[i].dist || math.IsNaN(got[i].dist) && math.IsNaN(want[i].dist))
	}
	if !same {
		kind := "Search"
		if autocomplete {
			kind = "Autocomplete"
		}
		return fmt.Errorf("%s(%+v):\nindex:     %s\nreference: %s", kind, sq, show(got), show(want))
	}
	return nil
}

// TestFuzzCorpusHasEveryMatchKind keeps the fuzz seeds meaningful: between
// them they reach every match kind.
func TestFuzzCorpusHasEveryMatchKind(t *testing.T) {
	ix := NewSearchIndex(fuzzPlaces(), nil)
	seen := map[string]bool{}
	for _, q := range []string{"沙坪坝区", "重大", "shapingbaqu", "zhongda", "沙坪坝", "shapingba", "沙坪", "shaping",
		"spb", "sp", "坪坝", "zhongqing", "花岩", "shapingda", "沙平坝", "吕家", "lujiawan"} {
		rs, err := ix.Search(SearchQuery{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			seen[r.Match] = true
		}
		if err := compareWithReference(ix, SearchQuery{Text: q}, false); err != nil {
			t.Error(err)
		}
	}
	for _, m := range []string{MatchExact, MatchAlias, MatchPrefix, MatchPinyin, MatchPinyinPrefix, MatchInitials,
		MatchSubstring, MatchHomophone, MatchTypo} {
		if !seen[m] {
			t.Errorf("no seed query gives a %s match", m)
		}
	}
}

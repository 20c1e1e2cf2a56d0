package gazetteer_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"diming"
	"diming/gazetteer"
	"diming/internal/storetest"
)

// shapingbaPlaces is a small, realistic gazetteer: Shapingba's 26 township-
// level units with their real codes, some of its communities and villages,
// roads, landmarks, and the Chongqing homophone pair 华岩镇 (九龙坡区) /
// 花岩镇 (潼南区). Positions are approximate.
func shapingbaPlaces() []gazetteer.Place {
	type row struct {
		name, category, division string
		lon, lat                 float64
		aliases, former          []string
	}
	rows := []row{
		{name: "小龙坎街道", category: "0402", division: "500106001000", lon: 106.458, lat: 29.561},
		{name: "沙坪坝街道", category: "0402", division: "500106002000", lon: 106.456, lat: 29.541},
		{name: "渝碚路街道", category: "0402", division: "500106003000", lon: 106.449, lat: 29.548},
		{name: "磁器口街道", category: "0402", division: "500106004000", lon: 106.448, lat: 29.580},
		{name: "童家桥街道", category: "0402", division: "500106005000", lon: 106.455, lat: 29.594},
		{name: "石井坡街道", category: "0402", division: "500106006000", lon: 106.444, lat: 29.616},
		{name: "双碑街道", category: "0402", division: "500106007000", lon: 106.451, lat: 29.633},
		{name: "井口街道", category: "0402", division: "500106008000", lon: 106.452, lat: 29.650},
		{name: "歌乐山街道", category: "0402", division: "500106009000", lon: 106.403, lat: 29.566},
		{name: "山洞街道", category: "0402", division: "500106010000", lon: 106.376, lat: 29.548},
		{name: "新桥街道", category: "0402", division: "500106011000", lon: 106.430, lat: 29.538},
		{name: "天星桥街道", category: "0402", division: "500106012000", lon: 106.443, lat: 29.556},
		{name: "土湾街道", category: "0402", division: "500106013000", lon: 106.467, lat: 29.573},
		{name: "覃家岗街道", category: "0402", division: "500106014000", lon: 106.420, lat: 29.530},
		{name: "陈家桥街道", category: "0402", division: "500106015000", lon: 106.330, lat: 29.620},
		{name: "虎溪街道", category: "0402", division: "500106016000", lon: 106.305, lat: 29.595},
		{name: "西永街道", category: "0402", division: "500106017000", lon: 106.300, lat: 29.560},
		{name: "联芳街道", category: "0402", division: "500106018000", lon: 106.430, lat: 29.510},
		{name: "丰文街道", category: "0402", division: "500106019000", lon: 106.370, lat: 29.650},
		{name: "香炉山街道", category: "0402", division: "500106020000", lon: 106.310, lat: 29.650},
		{name: "土主街道", category: "0402", division: "500106021000", lon: 106.340, lat: 29.700},
		{name: "青木关镇", category: "0403", division: "500106104000", lon: 106.300, lat: 29.680},
		{name: "凤凰镇", category: "0403", division: "500106105000", lon: 106.350, lat: 29.700},
		{name: "回龙坝镇", category: "0403", division: "500106106000", lon: 106.340, lat: 29.740},
		{name: "曾家镇", category: "0403", division: "500106108000", lon: 106.290, lat: 29.610},
		{name: "中梁镇", category: "0403", division: "500106112000", lon: 106.390, lat: 29.700},
		{name: "华岩镇", category: "0403", division: "500107102000", lon: 106.445, lat: 29.470},
		{name: "花岩镇", category: "0403", division: "500152112000", lon: 105.800, lat: 30.100},

		{name: "沙正街社区居民委员会", category: "0501", division: "500106002003", lon: 106.458, lat: 29.543},
		{name: "新华村社区居民委员会", category: "0501", division: "500106002009", lon: 106.460, lat: 29.539},
		{name: "磁建村社区居民委员会", category: "0501", division: "500106004006", lon: 106.447, lat: 29.583},
		{name: "马家岩社区居民委员会", category: "0501", division: "500106014007", lon: 106.425, lat: 29.533},
		{name: "曾家社区居民委员会", category: "0501", division: "500106108001", lon: 106.291, lat: 29.612},
		{name: "井口村村民委员会", category: "0502", division: "500106008202", lon: 106.455, lat: 29.655},
		{name: "二塘村村民委员会", category: "0502", division: "500106008203", lon: 106.460, lat: 29.660},
		{name: "梨树湾村村民委员会", category: "0502", division: "500106014201", lon: 106.415, lat: 29.525},
		{name: "新桥村村民委员会", category: "0502", division: "500106014203", lon: 106.418, lat: 29.528},

		{name: "沙坪坝正街", category: "0801", division: "500106002003", lon: 106.457, lat: 29.542},
		{name: "小龙坎正街", category: "0801", division: "500106001002", lon: 106.459, lat: 29.560},
		{name: "天星桥正街", category: "0801", division: "500106012001", lon: 106.444, lat: 29.557},
		{name: "汉渝路", category: "0801", division: "500106001004", lon: 106.462, lat: 29.556},
		{name: "渝碚路", category: "0801", division: "500106003001", lon: 106.450, lat: 29.549},
		{name: "覃家岗路", category: "0801", division: "500106014001", lon: 106.421, lat: 29.531},
		{name: "学城大道", category: "0801", division: "500106016001", lon: 106.306, lat: 29.596},
		{name: "石门大桥", category: "0803", division: "500106001004", lon: 106.470, lat: 29.570},
		{name: "沙坪坝站", category: "0805", division: "500106002003", lon: 106.456, lat: 29.545},
		{name: "三峡广场", category: "0806", division: "500106002003", lon: 106.457, lat: 29.544},
		{name: "沙坪公园", category: "1001", division: "500106002009", lon: 106.451, lat: 29.537},
		{name: "歌乐山森林公园", category: "1001", division: "500106009001", lon: 106.400, lat: 29.560},
		{name: "磁器口古镇", category: "1001", division: "500106004001", lon: 106.449, lat: 29.581, former: []string{"龙隐镇"}},
		{name: "重庆大学", category: "12", division: "500106002009", lon: 106.468, lat: 29.567, aliases: []string{"重大"}},
	}
	out := make([]gazetteer.Place, len(rows))
	for i, r := range rows {
		s, g := gazetteer.SplitName(r.name, r.category)
		out[i] = gazetteer.Place{
			ID: int64(i + 1), Name: r.name, Specific: s, Generic: g,
			Romanization: gazetteer.Romanize(s, g).Standard, Category: r.category, DivisionCode: r.division,
			Geometry: orb.Point{r.lon, r.lat}, Aliases: r.aliases, FormerNames: r.former,
		}
	}
	return out
}

func names(rs []gazetteer.SearchResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Place.Name
	}
	return out
}

func find(rs []gazetteer.SearchResult, name string) (gazetteer.SearchResult, bool) {
	for _, r := range rs {
		if r.Place.Name == name {
			return r, true
		}
	}
	return gazetteer.SearchResult{}, false
}

func TestSearchFindsTheRightRecordFirst(t *testing.T) {
	ix := gazetteer.NewSearchIndex(shapingbaPlaces(), nil)
	cases := []struct {
		q, first, match string
	}{
		{"沙坪坝", "沙坪坝街道", gazetteer.MatchPrefix},
		{"shapingba", "沙坪坝街道", gazetteer.MatchPinyin},
		{"Shapingba Jiedao", "沙坪坝街道", gazetteer.MatchPinyin},
		{"shā píng bà", "沙坪坝街道", gazetteer.MatchPinyin},
		{"SHAPINGBA", "沙坪坝街道", gazetteer.MatchPinyin},
		{"spb", "沙坪坝街道", gazetteer.MatchInitials},
		{"spbjd", "沙坪坝街道", gazetteer.MatchInitials},
		{"cqk", "磁器口街道", gazetteer.MatchInitials},
		{"覃家岗", "覃家岗街道", gazetteer.MatchPrefix},
		{"qinjiagang", "覃家岗街道", gazetteer.MatchPinyin},
		{"Qínjiāgǎng", "覃家岗街道", gazetteer.MatchPinyin},
		{"zengjia", "曾家镇", gazetteer.MatchPinyin},
		{"磁器口街道", "磁器口街道", gazetteer.MatchExact},
		{"沙坪坝 街道", "沙坪坝街道", gazetteer.MatchExact},
		{"井口", "井口街道", gazetteer.MatchPrefix},
		{"xlk", "小龙坎街道", gazetteer.MatchInitials},
		{"xiaolong", "小龙坎街道", gazetteer.MatchPinyinPrefix},
		{"geleshan", "歌乐山街道", gazetteer.MatchPinyin},
		// Aliases and former names.
		{"龙隐镇", "磁器口古镇", gazetteer.MatchAlias},
		{"重大", "重庆大学", gazetteer.MatchAlias},
		{"longyinzhen", "磁器口古镇", gazetteer.MatchPinyin},
		// Substring: the community before the roads.
		{"正街", "沙正街社区居民委员会", gazetteer.MatchSubstring},
		{"器口", "磁器口街道", gazetteer.MatchSubstring},
		// One typo: a letter, a transposition, a wrong character, a typo
		// before the 通名.
		{"shapingda", "沙坪坝街道", gazetteer.MatchTypo},
		{"qinjaigang", "覃家岗街道", gazetteer.MatchTypo},
		{"qinjiagng", "覃家岗街道", gazetteer.MatchTypo},
		{"沙林坝", "沙坪坝街道", gazetteer.MatchTypo},
		{"磁器门街道", "磁器口街道", gazetteer.MatchTypo},
		{"磁器口衔道", "磁器口街道", gazetteer.MatchTypo},
		{"井口村村民委员合", "井口村村民委员会", gazetteer.MatchTypo},
		// A wrong character that sounds the same is a homophone, which
		// ranks before a typo.
		{"沙平坝", "沙坪坝街道", gazetteer.MatchHomophone},
		{"磁器口街到", "磁器口街道", gazetteer.MatchHomophone},
		{"shapingdajiedao", "沙坪坝街道", gazetteer.MatchTypo},
		// The converter's reading of a polyphonic character still finds it.
		{"tanjiagang", "覃家岗街道", gazetteer.MatchPinyin},
		{"cengjia", "曾家镇", gazetteer.MatchPinyin},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			rs, err := ix.Search(gazetteer.SearchQuery{Text: c.q})
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) == 0 {
				t.Fatalf("%q found nothing", c.q)
			}
			if rs[0].Place.Name != c.first || rs[0].Match != c.match {
				t.Errorf("%q: first is %s (%s); want %s (%s); all: %v", c.q, rs[0].Place.Name, rs[0].Match, c.first, c.match, names(rs))
			}
			if rs[0].ID != rs[0].Place.ID {
				t.Errorf("result id %d != place id %d", rs[0].ID, rs[0].Place.ID)
			}
			for i := 1; i < len(rs); i++ {
				if rs[i].Score > rs[i-1].Score {
					t.Errorf("%q: scores not in order: %v", c.q, rs)
				}
			}
		})
	}
}

func TestSearchHomophones(t *testing.T) {
	ix := gazetteer.NewSearchIndex(shapingbaPlaces(), nil)
	rs, err := ix.Search(gazetteer.SearchQuery{Text: "花岩"})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Place.Name != "花岩镇" {
		t.Errorf("花岩: first %s; want 花岩镇", rs[0].Place.Name)
	}
	if r, ok := find(rs, "华岩镇"); !ok || r.Match != gazetteer.MatchHomophone {
		t.Errorf("花岩 should find 华岩镇 as a homophone: %v", rs)
	}
	rs, _ = ix.Search(gazetteer.SearchQuery{Text: "华岩镇"})
	if len(rs) < 2 || rs[0].Place.Name != "华岩镇" || rs[0].Match != gazetteer.MatchExact ||
		rs[1].Place.Name != "花岩镇" || rs[1].Match != gazetteer.MatchHomophone {
		t.Errorf("华岩镇: %v", names(rs))
	}
}

// TestSearchRanking: the exact name first, then aliases, then prefixes; among
// equals the district, then townships, then village-level units, then the
// rest; then the shorter name.
func TestSearchRanking(t *testing.T) {
	places := shapingbaPlaces()
	places = append(places, gazetteer.Place{ID: 100, Name: "沙坪坝区", Specific: "沙坪坝", Generic: "区",
		Category: "0401", DivisionCode: "500106000000", Geometry: orb.Point{106.456, 29.541}})
	ix := gazetteer.NewSearchIndex(places, nil)
	rs, err := ix.Search(gazetteer.SearchQuery{Text: "沙坪坝"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"沙坪坝区", "沙坪坝街道", "沙坪坝站", "沙坪坝正街"}
	if got := names(rs); !slices.Equal(got[:len(want)], want) {
		t.Errorf("沙坪坝: %v; want %v first", got, want)
	}
	rs, _ = ix.Search(gazetteer.SearchQuery{Text: "沙坪坝街道"})
	if rs[0].Place.Name != "沙坪坝街道" || rs[0].Score != 1 {
		t.Errorf("the exact name must come first with score 1: %v", rs[0])
	}
	// Prefix matches before substrings: 新桥 is a prefix of 新桥街道 and
	// 新桥村村民委员会 and inside none other.
	rs, _ = ix.Search(gazetteer.SearchQuery{Text: "新桥"})
	if got := names(rs); len(got) < 2 || got[0] != "新桥街道" || got[1] != "新桥村村民委员会" {
		t.Errorf("新桥: %v", got)
	}
	// Ties by division level, then length: 曾家镇 (township) before 曾家社区居民委员会.
	rs, _ = ix.Search(gazetteer.SearchQuery{Text: "曾家"})
	if got := names(rs); len(got) < 2 || got[0] != "曾家镇" || got[1] != "曾家社区居民委员会" {
		t.Errorf("曾家: %v", got)
	}
}

func TestSearchFilters(t *testing.T) {
	ix := gazetteer.NewSearchIndex(shapingbaPlaces(), nil)
	search := func(q gazetteer.SearchQuery) []gazetteer.SearchResult {
		t.Helper()
		rs, err := ix.Search(q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		return rs
	}
	t.Run("category", func(t *testing.T) {
		rs := search(gazetteer.SearchQuery{Text: "沙坪坝", Category: "0801"})
		if got := names(rs); !slices.Equal(got, []string{"沙坪坝正街"}) {
			t.Errorf("roads named 沙坪坝…: %v", got)
		}
		// A top class takes its subclasses: 08 has roads, bridges, stations, squares.
		rs = search(gazetteer.SearchQuery{Text: "sha", Category: "08"})
		for _, r := range rs {
			if !gazetteer.InCategory(r.Place.Category, "08") {
				t.Errorf("category 08: %s is %s", r.Place.Name, r.Place.Category)
			}
		}
		if got := names(rs); !slices.Equal(got, []string{"沙坪坝站", "沙坪坝正街"}) {
			t.Errorf("sha in 08: %v", got)
		}
	})
	t.Run("division subtree", func(t *testing.T) {
		for _, div := range []string{"500106002", "500106002000", "500106002003"} {
			rs := search(gazetteer.SearchQuery{Text: "沙", Division: div})
			if len(rs) == 0 {
				t.Errorf("沙 in %s: nothing", div)
			}
			prefix := strings.TrimRight(div, "0")[:9]
			if len(div) == 12 && !strings.HasSuffix(div, "000") {
				prefix = div
			}
			for _, r := range rs {
				if !strings.HasPrefix(r.Place.DivisionCode, prefix) {
					t.Errorf("沙 in %s: %s lies in %s", div, r.Place.Name, r.Place.DivisionCode)
				}
			}
		}
		// The district: everything of Shapingba, not 华岩镇 (九龙坡区).
		rs := search(gazetteer.SearchQuery{Text: "huayan", Division: "500106"})
		if len(rs) != 0 {
			t.Errorf("huayan in 沙坪坝区: %v", names(rs))
		}
		rs = search(gazetteer.SearchQuery{Text: "huayan", Division: "500107"})
		if got := names(rs); !slices.Equal(got, []string{"华岩镇"}) {
			t.Errorf("huayan in 九龙坡区: %v", got)
		}
		// The city: both.
		for _, city := range []string{"500100", "500100000000", "500000"} {
			rs = search(gazetteer.SearchQuery{Text: "huayan", Division: city})
			if got := names(rs); len(got) != 2 {
				t.Errorf("huayan in %s: %v", city, got)
			}
		}
	})
	t.Run("near", func(t *testing.T) {
		// 华岩镇 and 花岩镇 match "huayan" equally: the nearer comes first.
		tongnan := orb.Point{105.81, 30.09}
		rs := search(gazetteer.SearchQuery{Text: "huayan", Near: &tongnan})
		if got := names(rs); !slices.Equal(got, []string{"花岩镇", "华岩镇"}) {
			t.Errorf("huayan near 潼南: %v", got)
		}
		if rs[0].DistanceM <= 0 || rs[0].DistanceM > 2000 || rs[1].DistanceM < 50_000 {
			t.Errorf("distances: %v, %v", rs[0].DistanceM, rs[1].DistanceM)
		}
		jiulongpo := orb.Point{106.44, 29.47}
		rs = search(gazetteer.SearchQuery{Text: "huayan", Near: &jiulongpo})
		if got := names(rs); !slices.Equal(got, []string{"华岩镇", "花岩镇"}) {
			t.Errorf("huayan near 九龙坡: %v", got)
		}
		// Near orders within a division level: the community still comes
		// before the roads, which come nearest first.
		ciqikou := orb.Point{106.449, 29.581}
		rs = search(gazetteer.SearchQuery{Text: "正街", Near: &ciqikou})
		if got := names(rs); !slices.Equal(got, []string{"沙正街社区居民委员会", "小龙坎正街", "天星桥正街", "沙坪坝正街"}) {
			t.Errorf("正街 near 磁器口: %v", got)
		}
		for i := 2; i < len(rs); i++ {
			if rs[i].DistanceM < rs[i-1].DistanceM {
				t.Errorf("正街 near 磁器口: roads not nearest first: %v", rs)
			}
		}
	})
	t.Run("no text", func(t *testing.T) {
		rs := search(gazetteer.SearchQuery{Division: "500106014", Limit: 100})
		if len(rs) != 5 { // 覃家岗街道, 马家岩社区, 梨树湾村, 新桥村, 覃家岗路
			t.Errorf("everything in 覃家岗街道: %v", names(rs))
		}
		if rs[0].Place.Name != "覃家岗街道" {
			t.Errorf("the township first: %v", names(rs))
		}
		here := orb.Point{106.4185, 29.5285}
		rs = search(gazetteer.SearchQuery{Near: &here, Limit: 2})
		// Without text, Near alone orders by distance.
		if got := names(rs); !slices.Equal(got, []string{"新桥村村民委员会", "覃家岗街道"}) {
			t.Errorf("nearest: %v", got)
		}
	})
	t.Run("limit", func(t *testing.T) {
		if rs := search(gazetteer.SearchQuery{Text: "街道"}); len(rs) != gazetteer.DefaultSearchLimit {
			t.Errorf("default limit: %d results", len(rs))
		}
		if rs := search(gazetteer.SearchQuery{Text: "街道", Limit: 3}); len(rs) != 3 {
			t.Errorf("limit 3: %d results", len(rs))
		}
		if rs := search(gazetteer.SearchQuery{Text: "街道", Limit: 100}); len(rs) != 21 {
			t.Errorf("limit 100: %d results; want the 21 街道", len(rs))
		}
	})
}

func TestSearchRejectsBadQueries(t *testing.T) {
	ix := gazetteer.NewSearchIndex(shapingbaPlaces(), gazetteer.NewDivisionIndex(storetest.Fixtures()))
	bad := orb.Point{200, 29}
	cases := map[string]gazetteer.SearchQuery{
		"empty":             {},
		"blank":             {Text: " \t　"},
		"101 characters":    {Text: strings.Repeat("沙", 101)},
		"10,000 characters": {Text: strings.Repeat("a", 10_000)},
		"control character": {Text: "沙\x00坪坝"},
		"escape":            {Text: "spb\x1b[2J"},
		"invalid UTF-8":     {Text: "沙\xff"},
		"limit 101":         {Text: "沙", Limit: 101},
		"negative limit":    {Text: "沙", Limit: -1},
		"unknown category":  {Text: "沙", Category: "99"},
		"bad division code": {Text: "沙", Division: "12345"},
		"unknown division":  {Text: "沙", Division: "500106999000"},
		"near out of range": {Text: "沙", Near: &bad},
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			rs, err := ix.Search(q)
			if diming.Code(err) != diming.EINVALID {
				t.Fatalf("got %v, %v; want EINVALID", rs, err)
			}
			zh, en := diming.Messages(err)
			if zh == "" || en == "" {
				t.Errorf("messages: %q %q", zh, en)
			}
		})
	}
	if _, err := ix.Search(gazetteer.SearchQuery{Text: strings.Repeat("沙", 100)}); err != nil {
		t.Errorf("100 characters are allowed: %v", err)
	}
	if _, err := ix.Search(gazetteer.SearchQuery{Text: "沙", Division: "500106001000"}); err != nil {
		t.Errorf("a known division: %v", err)
	}
	for _, c := range []struct {
		prefix string
		limit  int
	}{{"", 0}, {"  ", 0}, {"沙", 21}, {"沙", -1}, {"沙\x07", 0}, {"\xc3", 0}} {
		if _, err := ix.Autocomplete(c.prefix, c.limit); diming.Code(err) != diming.EINVALID {
			t.Errorf("Autocomplete(%q, %d): %v; want EINVALID", c.prefix, c.limit, err)
		}
	}
}

func TestAutocomplete(t *testing.T) {
	ix := gazetteer.NewSearchIndex(shapingbaPlaces(), nil)
	cases := []struct {
		prefix, first string
	}{
		{"沙坪坝", "沙坪坝街道"},
		{"沙坪", "沙坪公园"}, // its 专名 is 沙坪
		{"磁", "磁器口街道"},
		{"spb", "沙坪坝街道"},
		{"cqk", "磁器口街道"},
		{"xiaolong", "小龙坎街道"},
		{"Qinjia", "覃家岗街道"},
		{"龙隐", "磁器口古镇"},
		{"s", "双碑街道"}, // townships first, then the shorter name, then the id
	}
	for _, c := range cases {
		rs, err := ix.Autocomplete(c.prefix, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 0 || rs[0].Place.Name != c.first {
			t.Errorf("Autocomplete(%q): %v; want %s first", c.prefix, names(rs), c.first)
		}
		for _, r := range rs {
			if r.Match == gazetteer.MatchTypo || r.Match == gazetteer.MatchSubstring || r.Match == gazetteer.MatchHomophone {
				t.Errorf("Autocomplete(%q) gave a %s match: %s", c.prefix, r.Match, r.Place.Name)
			}
		}
	}
	if rs, _ := ix.Autocomplete("shapingda", 0); len(rs) != 0 {
		t.Errorf("autocomplete does not correct typos: %v", names(rs))
	}
	if rs, _ := ix.Autocomplete("s", 20); len(rs) != 20 && len(rs) < 10 {
		t.Errorf("Autocomplete(s, 20): %d", len(rs))
	}
	if rs, _ := ix.Autocomplete("街", 3); len(rs) != 0 {
		t.Errorf("autocomplete matches prefixes only: %v", names(rs))
	}
}

// TestSearchIndexOwnsItsCopy: changing the input after the build changes
// nothing, and results point into the index.
func TestSearchIndexOwnsItsCopy(t *testing.T) {
	places := shapingbaPlaces()
	ix := gazetteer.NewSearchIndex(places, nil)
	for i := range places {
		places[i].Name = "改"
	}
	rs, err := ix.Search(gazetteer.SearchQuery{Text: "覃家岗街道"})
	if err != nil || len(rs) == 0 || rs[0].Place.Name != "覃家岗街道" {
		t.Fatalf("%v %v", rs, err)
	}
	again, _ := ix.Search(gazetteer.SearchQuery{Text: "覃家岗街道"})
	if again[0].Place != rs[0].Place {
		t.Error("results should point into the index's copy")
	}
}

func TestSearchPlaceWithoutLocation(t *testing.T) {
	places := shapingbaPlaces()
	places = append(places, gazetteer.Place{ID: 99, Name: "无名桥", Specific: "无名", Generic: "桥", Category: "0803"})
	ix := gazetteer.NewSearchIndex(places, nil)
	here := orb.Point{106.45, 29.55}
	rs, err := ix.Search(gazetteer.SearchQuery{Text: "桥", Category: "0803", Near: &here})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(rs); !slices.Equal(got, []string{"石门大桥", "无名桥"}) || rs[1].DistanceM != -1 {
		t.Errorf("桥 near: %v %v", got, rs)
	}
}

func TestSearchEmptyIndex(t *testing.T) {
	ix := gazetteer.NewSearchIndex(nil, nil)
	for _, q := range []string{"沙", "spb", "shapingda", "沙平坝"} {
		if rs, err := ix.Search(gazetteer.SearchQuery{Text: q}); err != nil || len(rs) != 0 {
			t.Errorf("%q on an empty index: %v %v", q, rs, err)
		}
	}
}

// TestSearchConcurrentReaders runs searches from many goroutines (go test
// -race checks the index is only read).
func TestSearchConcurrentReaders(t *testing.T) {
	ix := gazetteer.NewSearchIndex(shapingbaPlaces(), nil)
	queries := []string{"沙坪坝", "spb", "qinjaigang", "沙平坝", "花岩", "正街", "s", "磁"}
	want := make([][]string, len(queries))
	for i, q := range queries {
		rs, _ := ix.Search(gazetteer.SearchQuery{Text: q})
		want[i] = names(rs)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 200; k++ {
				i := (g + k) % len(queries)
				rs, err := ix.Search(gazetteer.SearchQuery{Text: queries[i]})
				if err != nil || !slices.Equal(names(rs), want[i]) {
					errs <- fmt.Errorf("%q: %v %v", queries[i], names(rs), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

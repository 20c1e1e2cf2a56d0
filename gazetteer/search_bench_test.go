package gazetteer_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"

	"diming/gazetteer"
	"diming/geo"
	"diming/internal/pgtest"
)

// nationalSize is the size of the benchmark corpus: China has about 620,000
// village-level and 41,000 township-level units; counties, roads, bridges
// and parks make up the rest.
const nationalSize = 700_000

// Parts of generated names: characters and words common in Chinese place
// names, surnames of 家 names, and the 通名 of each kind. Some are
// polyphonic (长, 乐, 重, 曾, 都, 行) so the override dictionary is exercised.
var (
	corpusSurnames = []rune("李王张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱覃武戴莫孔向汤")
	corpusWords    = []string{"新华", "红旗", "胜利", "和平", "团结", "光明", "幸福", "民主", "建设", "东风", "前进", "永安",
		"太平", "长安", "龙泉", "凤凰", "白鹤", "青木", "石门", "黄桷", "桂花", "金星", "银河", "双河", "三星", "五里", "七星",
		"九龙", "向阳", "红星", "新民", "兴隆", "长乐", "永丰", "丰收", "富强", "友谊", "新建", "高峰", "大石", "小河", "观音",
		"天池", "清水", "柏树", "松林", "梨园", "桃源", "杨柳", "竹林", "马鞍", "狮子", "天星", "回龙", "重阳", "都督", "龙井",
		"银行", "复兴", "振兴", "安居", "康宁", "南山", "北山", "东山", "西山", "中和", "土主", "大坪", "二塘", "六合", "乐园"}
	corpusFeatures  = []rune("湾坝沟岗坪院嘴桥口溪河山岭塘坡寺铺店关场庙堡垭洞田坎冲")
	corpusCounty    = []rune("安平阳山江城宁丰兴和昌德武清源泉台南北东西云海盛长乐都永福华阴临")
	corpusVillageGs = []string{"村民委员会", "村民委员会", "村民委员会", "社区居民委员会", "社区居民委员会", "村", "社区"}
	corpusOtherGs   = []struct{ generic, category string }{
		{"路", "0801"}, {"街", "0801"}, {"大道", "0801"}, {"正街", "0801"}, {"北路", "0801"}, {"巷", "0801"},
		{"大桥", "0803"}, {"桥", "0803"}, {"公园", "1001"}, {"广场", "0806"}, {"小学", "12"}, {"中学", "12"},
	}
)

// nationalCorpus generates n place names deterministically from seed: for
// each county (县/区) about 15 townships (街道, 镇, 乡) of about 15 village-
// level units each, and roads, bridges, parks and schools, with 12-digit
// division codes, categories, points, and a few former names.
func nationalCorpus(n int, seed uint64) []gazetteer.Place {
	rng := rand.New(rand.NewPCG(seed, 0x64696d696e67))
	pick := func(rs []rune) string { return string(rs[rng.IntN(len(rs))]) }
	specific := func() string {
		switch rng.IntN(10) {
		case 0, 1, 2, 3: // 李家湾
			return pick(corpusSurnames) + "家" + pick(corpusFeatures)
		case 4, 5: // 新华, 红旗
			return corpusWords[rng.IntN(len(corpusWords))]
		case 6, 7: // 龙泉山
			return corpusWords[rng.IntN(len(corpusWords))] + pick(corpusFeatures)
		case 8: // 石门 + 李家
			return pick(corpusSurnames) + pick(corpusFeatures)
		}
		return pick(corpusSurnames) + pick(corpusSurnames) + pick(corpusFeatures)
	}
	out := make([]gazetteer.Place, 0, n)
	id := int64(0)
	add := func(name, spec, gen, category, code string, p orb.Point) {
		id++
		out = append(out, gazetteer.Place{ID: id, Name: name, Specific: spec, Generic: gen, Category: category,
			DivisionCode: code, Geometry: p})
	}
	for county := 0; len(out) < n; county++ {
		// Codes: province 11–65, city and county 01–20; 6 digits, unique.
		code := fmt.Sprintf("%02d%02d%02d", 11+county/400, 1+county/20%20, 1+county%20)
		centre := orb.Point{75 + rng.Float64()*58, 20 + rng.Float64()*32}
		cs := pick(corpusCounty) + pick(corpusCounty)
		cg := "县"
		if rng.IntN(3) == 0 {
			cg = "区"
		}
		add(cs+cg, cs, cg, "0401", code+"000000", centre)
		towns := 12 + rng.IntN(6)
		for t := 0; t < towns && len(out) < n; t++ {
			tcode, tg, tcat := code+fmt.Sprintf("%03d", 1+t), "街道", "0402"
			if t >= 5 {
				tcode = code + fmt.Sprintf("%03d", 100+t)
				tg, tcat = "镇", "0403"
				if rng.IntN(4) == 0 {
					tg = "乡"
				}
			}
			ts := specific()
			tp := orb.Point{centre[0] + rng.NormFloat64()*0.2, centre[1] + rng.NormFloat64()*0.2}
			add(ts+tg, ts, tg, tcat, tcode+"000", tp)
			villages := 12 + rng.IntN(7)
			for v := 0; v < villages && len(out) < n; v++ {
				vs := specific()
				vg := corpusVillageGs[rng.IntN(len(corpusVillageGs))]
				vcat, vnum := "0502", 200+v
				if strings.HasPrefix(vg, "社区") {
					vcat, vnum = "0501", 1+v
				}
				vp := orb.Point{tp[0] + rng.NormFloat64()*0.03, tp[1] + rng.NormFloat64()*0.03}
				add(vs+vg, vs, vg, vcat, tcode+fmt.Sprintf("%03d", vnum), vp)
				if rng.IntN(100) == 0 {
					out[len(out)-1].FormerNames = []string{specific() + "大队"}
				}
				// Roads, bridges, parks, schools: about one in eighteen names.
				if rng.IntN(18) == 0 && len(out) < n {
					o := corpusOtherGs[rng.IntN(len(corpusOtherGs))]
					ospec := specific()
					if rng.IntN(2) == 0 {
						ospec = ts // named after the township: 李家湾正街
					}
					op := orb.Point{vp[0] + rng.NormFloat64()*0.005, vp[1] + rng.NormFloat64()*0.005}
					add(ospec+o.generic, ospec, o.generic, o.category, tcode+fmt.Sprintf("%03d", vnum), op)
				}
			}
		}
	}
	return out
}

func TestNationalCorpus(t *testing.T) {
	a := nationalCorpus(6000, 1)
	b := nationalCorpus(6000, 1)
	if len(a) != 6000 {
		t.Fatalf("%d places", len(a))
	}
	count := map[string]int{}
	for i := range a {
		p := a[i]
		if p.Name != b[i].Name || p.DivisionCode != b[i].DivisionCode || p.Geometry != b[i].Geometry {
			t.Fatalf("not deterministic at %d: %+v / %+v", i, p, b[i])
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("generated place %d: %v", i, err)
		}
		level := gazetteer.LevelOfCode(p.DivisionCode)
		switch {
		case p.Category == "0401" && level != gazetteer.LevelDistrict,
			(p.Category == "0402" || p.Category == "0403") && level != gazetteer.LevelTownship,
			gazetteer.InCategory(p.Category, "05") && level != gazetteer.LevelVillage:
			t.Errorf("%s (%s) has code %s", p.Name, p.Category, p.DivisionCode)
		}
		count[p.Category[:2]]++
	}
	// The proportions of the national figures: about 6 % townships (04 holds
	// the counties too), 89 % village-level units, 5 % other names.
	share := func(c string) float64 { return float64(count[c]) / float64(len(a)) }
	if s := share("05"); s < 0.85 || s > 0.92 {
		t.Errorf("village-level share %.3f", s)
	}
	if s := share("04"); s < 0.05 || s > 0.08 {
		t.Errorf("county and township share %.3f", s)
	}
	// Searches on it agree with the reference scan.
	ix := gazetteer.NewSearchIndex(a, nil)
	qs := benchQueries(a, 7, 24)
	for _, q := range append(qs.search, qs.autocomplete...) {
		for _, sq := range []gazetteer.SearchQuery{{Text: q.text}, {Text: q.text, Category: "05"}, {Text: q.text, Division: a[0].DivisionCode[:6]}} {
			if err := gazetteer.CompareWithReferenceForTest(ix, sq, false); err != nil {
				t.Error(err)
			}
		}
		if err := gazetteer.CompareWithReferenceForTest(ix, gazetteer.SearchQuery{Text: q.text}, true); err != nil {
			t.Error(err)
		}
	}
	// One wrong character anywhere in a name (专名 or 通名), and a 专名 alone.
	rng := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 200; k++ {
		p := a[rng.IntN(len(a))]
		for _, s := range []string{p.Name, p.Specific} {
			rs := []rune(s)
			if len(rs) < 3 {
				continue
			}
			rs[rng.IntN(len(rs))] = corpusSurnames[rng.IntN(len(corpusSurnames))]
			if err := gazetteer.CompareWithReferenceForTest(ix, gazetteer.SearchQuery{Text: string(rs)}, false); err != nil {
				t.Error(err)
			}
		}
	}
	// With Near: broad text (many candidates of one class and level are
	// answered from the R-tree), and near points of the corpus.
	for k, text := range []string{"村", "委员会", "家", "l", "s", "z", "li", "新华"} {
		near := a[(k*997)%len(a)].Geometry.(orb.Point)
		for _, sq := range []gazetteer.SearchQuery{{Text: text, Near: &near}, {Text: text, Near: &near, Limit: 50},
			{Text: text, Near: &near, Category: "05"}} {
			if err := gazetteer.CompareWithReferenceForTest(ix, sq, false); err != nil {
				t.Error(err)
			}
		}
	}
	// Without text: nearest first, or by level, name length and id.
	for k := 0; k < 5; k++ {
		near := a[(k*1543)%len(a)].Geometry.(orb.Point)
		for _, sq := range []gazetteer.SearchQuery{{Near: &near}, {Near: &near, Category: "05"}, {Category: "05"},
			{Category: "08"}, {Division: a[k*1000].DivisionCode[:6]}, {Division: a[k*1000].DivisionCode[:6], Category: "0502"}} {
			got, err := ix.Search(sq)
			if err != nil {
				t.Fatal(err)
			}
			want := browseByHand(a, sq)
			if g, w := names(got), names(want); !slices.Equal(g, w) {
				t.Errorf("%+v:\n got %v\nwant %v", sq, g, w)
			}
		}
	}
}

// browseByHand answers a query without text the slow way.
func browseByHand(places []gazetteer.Place, sq gazetteer.SearchQuery) []gazetteer.SearchResult {
	rank := func(c string) int {
		switch {
		case gazetteer.InCategory(c, "0401"):
			return 0
		case gazetteer.InCategory(c, "04"):
			return 1
		case gazetteer.InCategory(c, "05"):
			return 2
		}
		return 3
	}
	prefix := sq.Division // 6 digits in these tests: the county
	var out []gazetteer.SearchResult
	for i := range places {
		p := &places[i]
		if sq.Category != "" && !gazetteer.InCategory(p.Category, sq.Category) || !strings.HasPrefix(p.DivisionCode, prefix) {
			continue
		}
		r := gazetteer.SearchResult{ID: p.ID, Place: p}
		if sq.Near != nil {
			r.DistanceM = geo.Distance(*sq.Near, p.Geometry.(orb.Point))
		}
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(x, y gazetteer.SearchResult) int {
		if sq.Near != nil {
			return cmp.Compare(x.DistanceM, y.DistanceM)
		}
		if c := cmp.Compare(rank(x.Place.Category), rank(y.Place.Category)); c != 0 {
			return c
		}
		if c := cmp.Compare(utf8.RuneCountInString(x.Place.Name), utf8.RuneCountInString(y.Place.Name)); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	return out[:min(len(out), 10)]
}

// benchQuery is one query of the fixed mix, with the kind it stands for.
type benchQuery struct {
	kind, text string
}

type queryMix struct {
	search, autocomplete []benchQuery
	// typoOf is the pinyin of the 专名 each typo query was made from.
	typoOf map[string]string
}

// benchQueries draws a fixed mix from the corpus: for Search, a Chinese
// prefix (the first two characters of a name), a full pinyin 专名, its
// initials, and the pinyin with one typo; for Autocomplete, a Chinese
// prefix, a pinyin prefix and initials.
func benchQueries(places []gazetteer.Place, seed uint64, perKind int) queryMix {
	rng := rand.New(rand.NewPCG(seed, 2))
	m := queryMix{typoOf: map[string]string{}}
	place := func() gazetteer.Place { return places[rng.IntN(len(places))] }
	prefix := func(s string, n int) string {
		rs := []rune(s)
		return string(rs[:min(n, len(rs))])
	}
	typo := func(s string) string {
		b := []byte(s)
		i := 1 + rng.IntN(len(b)-2)
		switch rng.IntN(4) {
		case 0: // substitute
			c := byte('a' + rng.IntN(26))
			for c == b[i] {
				c = byte('a' + rng.IntN(26))
			}
			b[i] = c
		case 1: // transpose
			if b[i] == b[i+1] {
				b[i] = 'x'
			} else {
				b[i], b[i+1] = b[i+1], b[i]
			}
		case 2: // delete
			b = append(b[:i], b[i+1:]...)
		default: // insert
			b = slices.Insert(b, i, byte('a'+rng.IntN(26)))
		}
		return string(b)
	}
	for k := 0; k < perKind; k++ {
		p := place()
		spec := gazetteer.PinyinKey(p.Specific)
		specInitials := gazetteer.Romanize(p.Specific, "").Initials
		m.search = append(m.search,
			benchQuery{"chinese", prefix(p.Name, 2)},
			benchQuery{"pinyin", spec},
			benchQuery{"initials", specInitials},
		)
		for len(spec) < 6 {
			spec = gazetteer.PinyinKey(place().Specific)
		}
		q := typo(spec)
		m.typoOf[q] = spec
		m.search = append(m.search, benchQuery{"typo", q})
		p = place()
		m.autocomplete = append(m.autocomplete,
			benchQuery{"chinese", prefix(p.Name, 2)},
			benchQuery{"pinyin", prefix(gazetteer.PinyinKey(p.Name), 5)},
			benchQuery{"initials", prefix(gazetteer.Romanize(p.Specific, p.Generic).Initials, 3)},
		)
	}
	return m
}

// The corpus, the index and the query mix are built once per process and
// shared by the benchmarks.
type benchCorpus struct {
	places    []gazetteer.Place
	ix        *gazetteer.SearchIndex
	queries   queryMix
	build     time.Duration
	heapAfter uint64 // heap in use after the build, with the corpus
	indexHeap uint64 // of which the index
}

var (
	corpusOnce sync.Once
	corpus     *benchCorpus
)

func sharedCorpus(b *testing.B) *benchCorpus {
	b.Helper()
	corpusOnce.Do(func() {
		c := &benchCorpus{places: nationalCorpus(nationalSize, 20260101)}
		c.queries = benchQueries(c.places, 11, 256)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		c.ix = gazetteer.NewSearchIndex(c.places, nil)
		c.build = time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		c.heapAfter = after.HeapInuse
		c.indexHeap = after.HeapInuse - before.HeapInuse
		corpus = c
	})
	if corpus.ix.Len() != nationalSize {
		b.Fatalf("corpus: %d places", corpus.ix.Len())
	}
	return corpus
}

// latencies records per-query times and reports their percentiles.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	at := func(p float64) float64 { return float64(l[int(p*float64(len(l)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// BenchmarkSearch runs a fixed query mix (Chinese prefix, full pinyin,
// initials, one pinyin typo) on a 700,000-name corpus: the in-memory index
// (diming) and PostgreSQL set up as an expert would for these lookups
// (postgres: btree text_pattern_ops for prefixes, GiST gist_trgm_ops with
// KNN for typos; see pgSearchSQL). diming also reports the index build time
// and heap; both report p50/p99, and the share of typo queries whose source
// name is among the ten answers (typo-found-%); postgres reports how many
// of its answers agree with diming's (agree-%).
func BenchmarkSearch(b *testing.B) {
	c := sharedCorpus(b)
	qs := c.queries.search
	b.Run("diming", func(b *testing.B) {
		// The budget: 5 s and 1 GB. Memory is checked; time only warned
		// about, since the machines are shared and noisy.
		if c.heapAfter > 1<<30 {
			b.Errorf("heap in use after the build: %d MB, over the 1 GB budget", c.heapAfter>>20)
		}
		if c.build > 5*time.Second {
			b.Logf("WARNING: index build took %v, over the 5 s budget (a busy machine?)", c.build)
		}
		found := typoFound(c, func(q string) []int64 { return dimingSearch(b, c, benchQuery{"typo", q}) })
		b.ReportAllocs()
		lat := make(latencies, 0, 4096)
		hits := 0
		for i := 0; b.Loop(); i++ {
			q := qs[i%len(qs)]
			t0 := time.Now()
			rs, err := c.ix.Search(gazetteer.SearchQuery{Text: q.text})
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Fatalf("%q: %v", q.text, err)
			}
			hits += min(len(rs), 1)
		}
		lat.report(b)
		// After the loop: b.Loop resets the timer, which drops metrics.
		b.ReportMetric(c.build.Seconds(), "build-s")
		b.ReportMetric(float64(c.heapAfter)/(1<<20), "heap-MB")
		b.ReportMetric(float64(c.indexHeap)/(1<<20), "index-MB")
		b.ReportMetric(found, "typo-found-%")
		if hits == 0 {
			b.Fatal("no query found anything")
		}
	})
	b.Run("postgres", func(b *testing.B) {
		pool := pgDatabase(b, c)
		ctx := context.Background()
		checkPlans(b, ctx, pool, pgSearchSQL, qs)
		agree := compareAnswers(b, ctx, pool, c, pgSearchSQL, qs, func(q benchQuery) []int64 { return dimingSearch(b, c, q) })
		found := typoFound(c, func(q string) []int64 { return pgQuery(b, ctx, pool, pgSearchSQL["typo"], q) })
		b.ReportAllocs()
		lat := make(latencies, 0, 4096)
		hits := 0
		for i := 0; b.Loop(); i++ {
			q := qs[i%len(qs)]
			t0 := time.Now()
			ids := pgQuery(b, ctx, pool, pgSearchSQL[q.kind], q.text)
			lat = append(lat, time.Since(t0))
			hits += min(len(ids), 1)
		}
		lat.report(b)
		b.ReportMetric(agree, "agree-%")
		b.ReportMetric(found, "typo-found-%")
		if hits == 0 {
			b.Fatal("no query found anything")
		}
	})
}

// BenchmarkAutocomplete is BenchmarkSearch for prefix suggestions (Chinese
// prefix, pinyin prefix, initials).
func BenchmarkAutocomplete(b *testing.B) {
	c := sharedCorpus(b)
	qs := c.queries.autocomplete
	b.Run("diming", func(b *testing.B) {
		b.ReportAllocs()
		lat := make(latencies, 0, 4096)
		hits := 0
		for i := 0; b.Loop(); i++ {
			q := qs[i%len(qs)]
			t0 := time.Now()
			rs, err := c.ix.Autocomplete(q.text, 10)
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Fatalf("%q: %v", q.text, err)
			}
			hits += min(len(rs), 1)
		}
		lat.report(b)
		if hits == 0 {
			b.Fatal("no query found anything")
		}
	})
	b.Run("postgres", func(b *testing.B) {
		pool := pgDatabase(b, c)
		ctx := context.Background()
		checkPlans(b, ctx, pool, pgAutocompleteSQL, qs)
		agree := compareAnswers(b, ctx, pool, c, pgAutocompleteSQL, qs, func(q benchQuery) []int64 {
			rs, err := c.ix.Autocomplete(q.text, 10)
			if err != nil {
				b.Fatal(err)
			}
			return resultIDs(rs)
		})
		b.ReportAllocs()
		lat := make(latencies, 0, 4096)
		hits := 0
		for i := 0; b.Loop(); i++ {
			q := qs[i%len(qs)]
			t0 := time.Now()
			ids := pgQuery(b, ctx, pool, pgAutocompleteSQL[q.kind], q.text)
			lat = append(lat, time.Since(t0))
			hits += min(len(ids), 1)
		}
		lat.report(b)
		b.ReportMetric(agree, "agree-%")
		if hits == 0 {
			b.Fatal("no query found anything")
		}
	})
}

func dimingSearch(b *testing.B, c *benchCorpus, q benchQuery) []int64 {
	rs, err := c.ix.Search(gazetteer.SearchQuery{Text: q.text})
	if err != nil {
		b.Fatalf("%q: %v", q.text, err)
	}
	return resultIDs(rs)
}

func resultIDs(rs []gazetteer.SearchResult) []int64 {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

// The PostgreSQL side, as a PostgreSQL expert sets it up for these lookups
// (see ensurePGDatabase for the table and indexes): prefixes on btree
// indexes with text_pattern_ops (LIKE 'q%' becomes an index range, for one
// character as for ten), typos by KNN on a GiST gist_trgm_ops index
// (ORDER BY spec_py <-> q), and the order diming uses within the classes the
// query covers: the exact name (or pinyin), then the 专名's, then division
// level (rank), name length and id; initials of the name or the 专名 are one
// class, as in diming. $1 is the query, $2 the prefix pattern q%. Custom plans
// are forced (plan_cache_mode), so each query is planned with its own
// pattern, as EXPLAIN in checkPlans sees it. It does less than diming: no
// substrings, homophones, aliases or former names, other readings of
// polyphonic characters, or pinyin and initials tried together; agree-%
// says how often that changes the answer.
var (
	pgChinese   = `SELECT id FROM names WHERE name LIKE $2 ORDER BY name = $1 DESC, spec = $1 DESC, rank, len, id LIMIT 10`
	pgPinyin    = `SELECT id FROM names WHERE py LIKE $2 ORDER BY py = $1 DESC, spec_py = $1 DESC, rank, len, id LIMIT 10`
	pgInitials  = `SELECT id FROM names WHERE ini LIKE $2 ORDER BY ini = $1 OR spec_ini = $1 DESC, rank, len, id LIMIT 10`
	pgSearchSQL = map[string]string{
		"chinese":  pgChinese,
		"pinyin":   pgPinyin,
		"initials": pgInitials,
		// Nearest by trigram distance alone: a second sort key would stop
		// the GiST index from ordering (EXPLAIN shows a Seq Scan and a sort).
		// $2 is unused; it is passed so every query takes the same arguments.
		"typo": `SELECT id FROM names WHERE $2::text IS NOT NULL ORDER BY spec_py <-> $1 LIMIT 10`,
	}
	pgAutocompleteSQL = map[string]string{"chinese": pgChinese, "pinyin": pgPinyin, "initials": pgInitials}
	// pgIndexOf is the index each kind's plan must use.
	pgIndexOf = map[string]string{"chinese": "names_name_prefix", "pinyin": "names_py_prefix",
		"initials": "names_ini_prefix", "typo": "names_spec_py_trgm"}
)

func pgQuery(b *testing.B, ctx context.Context, pool *pgxpool.Pool, sql, q string) []int64 {
	rows, err := pool.Query(ctx, sql, q, q+"%")
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

// checkPlans runs EXPLAIN on every distinct query of the mix (the 2- and
// 3-character ones included) and on the first character of each prefix
// query (李, l: the broadest prefixes there are), and fails unless each plan
// uses the index its kind is meant to use and scans no table sequentially.
// It logs one plan of each kind.
func checkPlans(b *testing.B, ctx context.Context, pool *pgxpool.Pool, sqls map[string]string, qs []benchQuery) {
	b.Helper()
	logged := map[string]bool{}
	seen := map[string]bool{}
	all := slices.Clone(qs)
	for _, q := range qs {
		if q.kind != "typo" {
			r, _ := utf8.DecodeRuneInString(q.text)
			all = append(all, benchQuery{q.kind, string(r)})
		}
	}
	for _, q := range all {
		if seen[q.kind+q.text] {
			continue
		}
		seen[q.kind+q.text] = true
		rows, err := pool.Query(ctx, "EXPLAIN "+sqls[q.kind], q.text, q.text+"%")
		if err != nil {
			b.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			b.Fatal(err)
		}
		plan := strings.Join(lines, "\n")
		if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, pgIndexOf[q.kind]) {
			b.Fatalf("%s query %q: the plan does not use %s:\n%s", q.kind, q.text, pgIndexOf[q.kind], plan)
		}
		if !logged[q.kind] {
			logged[q.kind] = true
			b.Logf("EXPLAIN %s (%q):\n%s", q.kind, q.text, plan)
		}
	}
}

// compareAnswers asks both sides the first 64 queries of each kind but
// typos (those are compared by typoFound) and returns the share (%) on which
// postgres's answer is diming's: the same ten ids in the same order, or,
// when postgres finds k < 10, diming's first k. It fails when postgres finds
// nothing where diming finds a match of the query's kind, and logs the
// first disagreements.
func compareAnswers(b *testing.B, ctx context.Context, pool *pgxpool.Pool, c *benchCorpus, sqls map[string]string, qs []benchQuery, ours func(benchQuery) []int64) float64 {
	b.Helper()
	per := map[string]int{}
	same, total, logged := 0, 0, 0
	for _, q := range qs {
		if q.kind == "typo" || per[q.kind] >= 64 {
			continue
		}
		per[q.kind]++
		theirs := pgQuery(b, ctx, pool, sqls[q.kind], q.text)
		mine := ours(q)
		total++
		if len(theirs) == 0 && len(mine) > 0 {
			b.Fatalf("%s query %q: postgres found nothing, diming %v", q.kind, q.text, mine)
		}
		if len(theirs) <= len(mine) && slices.Equal(theirs, mine[:len(theirs)]) {
			same++
		} else if logged < 3 {
			logged++
			b.Logf("%s query %q: postgres %v, diming %v", q.kind, q.text, theirs, mine)
		}
	}
	if total == 0 {
		b.Fatal("no answers compared")
	}
	return 100 * float64(same) / float64(total)
}

// typoFound is the share (%) of the typo queries whose answer holds a place
// whose 专名 has the pinyin the typo was made from.
func typoFound(c *benchCorpus, answer func(string) []int64) float64 {
	byID := make(map[int64]*gazetteer.Place, len(c.places))
	for i := range c.places {
		byID[c.places[i].ID] = &c.places[i]
	}
	found, total := 0, 0
	for _, q := range c.queries.search {
		if q.kind != "typo" {
			continue
		}
		total++
		for _, id := range answer(q.text) {
			if p := byID[id]; p != nil && gazetteer.PinyinKey(p.Specific) == c.queries.typoOf[q.text] {
				found++
				break
			}
		}
	}
	if total == 0 {
		return 0
	}
	return 100 * float64(found) / float64(total)
}

// pgVersion names the benchmark database: change it when the corpus
// generator or the set-up changes.
const pgVersion = "v2"

var (
	pgOnce sync.Once
	pgPool *pgxpool.Pool
	pgErr  error
)

// pgDatabase returns a pool on a database holding the corpus with the
// expert's indexes. Loading 700,000 rows and building the indexes takes a
// few minutes, so the database is built once and kept on the test server
// under a name that says what it holds (diming_bench_names_v2_700000);
// `make db-down` removes it with the cluster. The pool forces custom plans.
func pgDatabase(b *testing.B, c *benchCorpus) *pgxpool.Pool {
	b.Helper()
	server := pgtest.ServerURL(b)
	pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		defer cancel()
		name := fmt.Sprintf("diming_bench_names_%s_%d", pgVersion, len(c.places))
		pgErr = ensurePGDatabase(ctx, b, server, name, c.places)
		if pgErr == nil {
			cfg, err := pgxpool.ParseConfig(pgtest.WithDatabase(server, name))
			if err != nil {
				pgErr = err
				return
			}
			cfg.MaxConns = 4
			cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
			pgPool, pgErr = pgxpool.NewWithConfig(context.Background(), cfg)
		}
	})
	if pgErr != nil {
		b.Fatalf("postgres benchmark database: %v", pgErr)
	}
	return pgPool
}

// benchRankOf is diming's division level of a category (SearchResult's order):
// county, township, village-level unit, the rest.
func benchRankOf(cat string) int {
	switch {
	case gazetteer.InCategory(cat, "0401"):
		return 0
	case gazetteer.InCategory(cat, "04"):
		return 1
	case gazetteer.InCategory(cat, "05"):
		return 2
	}
	return 3
}

func ensurePGDatabase(ctx context.Context, b *testing.B, server, name string, places []gazetteer.Place) error {
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		return err
	}
	defer admin.Close(context.Background())
	// One builder at a time across test processes.
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", name); err != nil {
		return err
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext($1))", name) //nolint:errcheck
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		conn, err := pgx.Connect(ctx, pgtest.WithDatabase(server, name))
		if err == nil {
			var ready bool
			err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_tables WHERE tablename = 'ready')").Scan(&ready)
			conn.Close(ctx)
			if err == nil && ready {
				return nil
			}
		}
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "postgres benchmark: loading %d names into %s (once; kept for the next run)…\n", len(places), name)
	start := time.Now()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, pgtest.WithDatabase(server, name))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for _, sql := range []string{
		"CREATE EXTENSION IF NOT EXISTS pg_trgm",
		`CREATE TABLE names (id bigint PRIMARY KEY, name text NOT NULL, spec text NOT NULL, rank smallint NOT NULL, len smallint NOT NULL,
			py text NOT NULL, spec_py text NOT NULL, ini text NOT NULL, spec_ini text NOT NULL)`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	rows := make([][]any, len(places))
	for i, p := range places {
		rows[i] = []any{p.ID, p.Name, p.Specific, benchRankOf(p.Category), utf8.RuneCountInString(p.Name),
			gazetteer.PinyinKey(p.Name), gazetteer.PinyinKey(p.Specific),
			gazetteer.Romanize(p.Specific, p.Generic).Initials, gazetteer.Romanize(p.Specific, "").Initials}
	}
	cols := []string{"id", "name", "spec", "rank", "len", "py", "spec_py", "ini", "spec_ini"}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"names"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	for _, sql := range []string{
		"SET maintenance_work_mem = '512MB'",
		// Prefixes: btree with text_pattern_ops, whatever the database's collation.
		"CREATE INDEX names_name_prefix ON names (name text_pattern_ops)",
		"CREATE INDEX names_py_prefix ON names (py text_pattern_ops)",
		"CREATE INDEX names_ini_prefix ON names (ini text_pattern_ops)",
		// Typos: trigram distance, nearest first (KNN) on GiST.
		"CREATE INDEX names_spec_py_trgm ON names USING gist (spec_py gist_trgm_ops)",
		"ANALYZE names",
		"CREATE TABLE ready ()",
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	b.Logf("postgres: loaded and indexed %d names in %v", len(places), time.Since(start).Round(time.Second))
	return nil
}

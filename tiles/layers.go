package tiles

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
	"diming/geo"
	"diming/readmodel"
)

// Field is one property of a layer's features.
type Field struct {
	Name string
	// Type is "String", "Number" or "Boolean" (what TileJSON's
	// vector_layers fields say).
	Type  string
	Title string // Chinese, for popups
}

// Layer describes one tile layer.
type Layer struct {
	ID    string
	Title string // Chinese
	// Description says what the layer holds, in Chinese and English.
	Description string
	Kind        Kind
	// MinZoom and MaxZoom are the zooms a map should ask the layer for
	// (TileJSON minzoom and maxzoom). Any zoom from 0 to MaxZoom (18) is
	// served: below MinZoom the layer is merely coarse, above its MaxZoom a
	// map is expected to overzoom, but deeper tiles are rendered too.
	MinZoom, MaxZoom int
	// Fields are the features' properties. A field whose value is unknown
	// for a feature is absent from it (Optional).
	Fields []Field
	// Entities are the audit entities the layer's data is built from: its
	// data version is Model.MarkOf(Entities...), so a change to anything
	// else leaves its tiles and their ETags as they were.
	Entities []string
	// Planned says the layer has a variant with the 2025 plan's planned
	// facilities counted as if open (Variant.IncludePlanned): the coverage
	// layers, computed by the same reports as include_planned=true.
	Planned bool
	// Variant is the variant of the layer's data this Layer value stands
	// for: zero in the catalogue, set by With.
	Variant  Variant
	features func(m *readmodel.Model, v Variant) ([]Feature, error)
}

// Variant selects a variant of a layer's data. The zero Variant is the
// layer as the catalogue describes it.
type Variant struct {
	// IncludePlanned counts planned facilities (status planned, the
	// district's 2025 plan) as if open, as the coverage reports do with
	// include_planned=true. Only for layers with Planned.
	IncludePlanned bool
}

// suffix is what the variant adds to the layer id in cache keys and ETags
// ("" for the zero Variant, so its tags are those of the plain layer).
func (v Variant) suffix() string {
	if v.IncludePlanned {
		return "+planned"
	}
	return ""
}

// With returns the layer for variant v, or an EINVALID error when the
// layer has no such variant.
func (l Layer) With(v Variant) (Layer, error) {
	if v.IncludePlanned && !l.Planned {
		return Layer{}, diming.Errorf(diming.EINVALID,
			"图层 %s 没有含规划设施的版本：include_planned 只用于 %s",
			"layer %s has no variant with planned facilities: include_planned applies to %s only", l.ID, plannedLayers())
	}
	l.Variant = v
	return l, nil
}

// Key names the layer's variant: the layer id, plus "+planned" for the
// variant with planned facilities. Cache keys and ETags use it.
func (l Layer) Key() string { return l.ID + l.Variant.suffix() }

// plannedLayers lists the ids of the layers with a planned variant.
func plannedLayers() string {
	var ids []string
	for _, l := range layers {
		if l.Planned {
			ids = append(ids, l.ID)
		}
	}
	return strings.Join(ids, ", ")
}

var (
	str     = func(name, title string) Field { return Field{name, "String", title} }
	num     = func(name, title string) Field { return Field{name, "Number", title} }
	boolean = func(name, title string) Field { return Field{name, "Boolean", title} }
)

var divisionFields = []Field{
	str("code", "区划代码"), str("name", "名称"), str("level", "级别"), str("parent_code", "上级区划代码"),
	num("households", "户数"), num("population", "人口"), num("population_60", "60 岁及以上人口"),
	boolean("synthetic", "演示数据"),
}

// layers is the catalogue, in the order of GET /tiles.
var layers = []Layer{
	{ID: "divisions-district", Title: "区界", Kind: Polygon, MinZoom: 8, MaxZoom: 16,
		Description: "区级行政区域 / the district's area",
		Fields:      divisionFields, Entities: []string{"division"}, features: divisionFeatures(gazetteer.LevelDistrict)},
	{ID: "divisions-township", Title: "街道和镇", Kind: Polygon, MinZoom: 8, MaxZoom: 16,
		Description: "乡级行政区域（街道、镇） / township-level units (streets and towns)",
		Fields:      divisionFields, Entities: []string{"division"}, features: divisionFeatures(gazetteer.LevelTownship)},
	{ID: "divisions-village", Title: "社区和村", Kind: Polygon, MinZoom: 10, MaxZoom: 16,
		Description: "村级单位（社区、村） / village-level units (communities and villages)",
		Fields:      divisionFields, Entities: []string{"division"}, features: divisionFeatures(gazetteer.LevelVillage)},
	{ID: "boundary-lines", Title: "行政区域界线", Kind: Line, MinZoom: 10, MaxZoom: 16,
		Description: "乡级和村级行政区域界线（level 区分）；外围界线的 right_code 为空 / boundary lines between township-level and between village-level units (by level); the outer line has an empty right_code",
		Fields: []Field{str("id", "界线编号"), str("level", "级别"), str("left_code", "一侧区划代码"), str("left_name", "一侧名称"),
			str("right_code", "另一侧区划代码"), str("right_name", "另一侧名称"), num("length_m", "长度（米）")},
		Entities: []string{"division"}, features: boundaryFeatures},
	{ID: "markers", Title: "界桩", Kind: Point, MinZoom: 12, MaxZoom: 16,
		Description: "行政区域界桩 / boundary markers",
		Fields: []Field{num("id", "编号"), str("number", "界桩号"), str("kind", "类型"), str("state", "状态"),
			str("line_id", "所在界线")},
		Entities: []string{"marker"}, features: markerFeatures},
	{ID: "places", Title: "地名标注", Kind: Point, MinZoom: 12, MaxZoom: 16,
		Description: "标准地名的标注点（已注销的不含） / label points of the standard place names (cancelled names left out)",
		Fields: []Field{num("id", "编号"), str("name", "标准名称"), str("romanization", "罗马字母拼写"), str("category", "类别"),
			str("division_code", "所在区划代码")},
		Entities: []string{"place"}, features: placeFeatures},
	{ID: "facilities", Title: "公共服务设施", Kind: Point, MinZoom: 9, MaxZoom: 16,
		Description: "养老、社区、福彩、殡葬等设施（含规划和已关闭的，见 status） / facilities of every category and status",
		Fields: []Field{num("id", "编号"), str("code", "台账编号"), str("name", "名称"), str("category", "类别"),
			str("category_name", "类别名称"), str("group", "大类"), str("status", "状态"), str("village_code", "所在村级单位代码")},
		Entities: []string{coverage.EntityFacility, "division"}, features: facilityFeatures},
	{ID: "coverage-villages", Title: "村级覆盖指标", Kind: Polygon, MinZoom: 10, MaxZoom: 16,
		Description: "每个村级单位的覆盖率（默认参数的养老、设施面积、福彩、殡葬报告；include_planned=true 时含 2025 规划设施） / each village-level unit's coverage figures (the default eldercare, facility-area, lottery and funeral reports; with include_planned=true counting the 2025 plan's planned facilities as open)",
		Fields: []Field{str("code", "区划代码"), str("name", "名称"), str("parent_code", "上级区划代码"),
			num("eldercare_share", "15 分钟养老服务圈覆盖户数比例"), num("aged_60_share", "覆盖的 60 岁及以上人口比例"),
			boolean("has_eldercare", "有社区居家养老服务设施"), num("eldercare_facilities", "养老服务设施数"),
			num("area_per_100", "每百户社区综合服务设施面积（平方米，无户数时缺）"), boolean("area_met", "面积达标"),
			num("lottery_share", "步行 10 分钟可达福彩网点的户数比例"), num("lottery_outlets", "福彩网点数"),
			num("funeral_walk_m", "到最近治丧点的步行距离（米，不可达时缺）")},
		Entities: []string{coverage.EntityFacility, coverage.EntityRoads, coverage.EntityHouseholds, "division"},
		Planned:  true, features: coverageVillageFeatures},
	{ID: "coverage-isochrones", Title: "15 分钟养老服务圈", Kind: Polygon, MinZoom: 10, MaxZoom: 16,
		Description: "每个在运营（include_planned=true 时含规划）的社区居家养老服务设施步行 15 分钟（0.9 米/秒）可达的范围 / the 15-minute walk (0.9 m/s) around every open (with include_planned=true also every planned) community home eldercare facility",
		Fields:      []Field{num("facility_id", "设施编号"), str("name", "设施名称"), str("category", "类别"), str("status", "状态")},
		Entities:    []string{coverage.EntityFacility, coverage.EntityRoads}, Planned: true, features: isochroneFeatures},
}

// Layers returns the layer catalogue, in display order.
func Layers() []Layer { return append([]Layer(nil), layers...) }

// LayerByID returns a layer, or an ENOTFOUND error.
func LayerByID(id string) (Layer, error) {
	for _, l := range layers {
		if l.ID == id {
			return l, nil
		}
	}
	return Layer{}, diming.Errorf(diming.ENOTFOUND, "没有名为 %q 的瓦片图层", "no tile layer %q", id)
}

// Features returns the layer's features (of its Variant) from a read model.
func (l Layer) Features(m *readmodel.Model) ([]Feature, error) { return l.features(m, l.Variant) }

// Version is the layer's data version in m.
func (l Layer) Version(m *readmodel.Model) int64 { return m.MarkOf(l.Entities...) }

// Config is what a layer's tiles depend on besides its data: for the
// layers computed on the walking network, the graph's merge tolerance (a
// restart with another --network-tolerance changes them under the same
// data version). Empty for the others.
func (l Layer) Config(m *readmodel.Model) string {
	if !slices.Contains(l.Entities, coverage.EntityRoads) || m == nil || m.Coverage == nil || m.Coverage.Graph == nil {
		return ""
	}
	tol, join := m.Coverage.Graph.MergeTolerance()
	if join {
		return fmt.Sprintf("n%gj", tol)
	}
	return fmt.Sprintf("n%g", tol)
}

func codeID(code string) uint64 {
	v, _ := strconv.ParseUint(code, 10, 64)
	return v
}

func divisionFeatures(level gazetteer.Level) func(m *readmodel.Model, _ Variant) ([]Feature, error) {
	return func(m *readmodel.Model, _ Variant) ([]Feature, error) {
		ds := m.Divisions.Divisions(gazetteer.DivisionFilter{Level: level})
		out := make([]Feature, 0, len(ds))
		for _, d := range ds {
			out = append(out, Feature{ID: codeID(d.Code), Geometry: d.Geometry, Properties: map[string]any{
				"code": d.Code, "name": d.Name, "level": string(d.Level), "parent_code": d.ParentCode,
				"households": int64(d.Households), "population": int64(d.Population), "population_60": int64(d.Population60),
				"synthetic": d.Synthetic,
			}})
		}
		return out, nil
	}
}

// LineID is a boundary line's feature id: the FNV-1a hash of its ID
// ("left|right" codes) cut to 53 bits, so JavaScript reads it exactly, and
// never 0. It depends on nothing but the two codes, so a line keeps its id
// when other lines come or go.
func LineID(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	v := h.Sum64() & (1<<53 - 1)
	if v == 0 {
		v = 1
	}
	return v
}

func boundaryFeatures(m *readmodel.Model, _ Variant) ([]Feature, error) {
	var out []Feature
	seen := map[uint64]string{}
	for _, level := range []gazetteer.Level{gazetteer.LevelTownship, gazetteer.LevelVillage} {
		lines, err := m.BoundaryLines(level)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if len(l.Geometry) == 0 {
				continue
			}
			id := LineID(string(l.Level) + ":" + l.ID)
			if other, dup := seen[id]; dup {
				return nil, diming.Errorf(diming.EINTERNAL, "界线编号冲突：%s 与 %s", "boundary line id collision: %s and %s", other, l.ID)
			}
			seen[id] = l.ID
			out = append(out, Feature{ID: id, Geometry: l.Geometry, Properties: map[string]any{
				"id": l.ID, "level": string(l.Level), "left_code": l.LeftCode, "left_name": l.LeftName,
				"right_code": l.RightCode, "right_name": l.RightName, "length_m": math.Round(l.LengthM*10) / 10,
			}})
		}
	}
	return out, nil
}

func markerFeatures(m *readmodel.Model, _ Variant) ([]Feature, error) {
	out := make([]Feature, 0, len(m.Markers))
	for _, mk := range m.Markers {
		if mk.ID <= 0 {
			continue
		}
		out = append(out, Feature{ID: uint64(mk.ID), Geometry: mk.Point, Properties: map[string]any{
			"id": mk.ID, "number": mk.Number, "kind": mk.Kind, "state": mk.State, "line_id": mk.LineID,
		}})
	}
	return out, nil
}

func placeFeatures(m *readmodel.Model, _ Variant) ([]Feature, error) {
	ps := m.Places.All()
	out := make([]Feature, 0, len(ps))
	for _, p := range ps {
		if p.CancelledOn != "" || p.ID <= 0 || p.Geometry == nil {
			continue
		}
		out = append(out, Feature{ID: uint64(p.ID), Geometry: geo.LabelPoint(p.Geometry), Properties: map[string]any{
			"id": p.ID, "name": p.Name, "romanization": p.Romanization, "category": p.Category, "division_code": p.DivisionCode,
		}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func facilityFeatures(m *readmodel.Model, _ Variant) ([]Feature, error) {
	if m.Coverage == nil {
		return nil, nil
	}
	fs := m.Coverage.Facilities()
	out := make([]Feature, 0, len(fs))
	for _, f := range fs {
		info, _ := coverage.CategoryOf(f.Category)
		out = append(out, Feature{ID: uint64(f.ID), Geometry: f.Point, Properties: map[string]any{
			"id": f.ID, "code": f.Code, "name": f.Name, "category": string(f.Category), "category_name": info.Name,
			"group": info.Group, "status": f.Status, "village_code": f.Village,
		}})
	}
	return out, nil
}

// coverageVillageFeatures are the village rows of the default eldercare,
// facility-area, lottery and funeral reports, with planned facilities when
// v says so: the reports GET /api/v1/coverage/… answer, include_planned
// as v.IncludePlanned.
func coverageVillageFeatures(m *readmodel.Model, variant Variant) ([]Feature, error) {
	if m.Coverage == nil {
		return nil, nil
	}
	c := m.Coverage
	planned := variant.IncludePlanned
	elder, err := c.Eldercare(coverage.EldercareParams{Walk: coverage.DefaultEldercareWalk, IncludePlanned: planned})
	if err != nil {
		return nil, err
	}
	lottery, err := c.Lottery(coverage.LotteryParams{Walk: coverage.DefaultLotteryWalk, IncludePlanned: planned})
	if err != nil {
		return nil, err
	}
	area := c.FacilityArea(coverage.AreaParams{IncludePlanned: planned})
	funeral := c.Funeral(coverage.FuneralParams{IncludePlanned: planned})
	props := map[string]map[string]any{}
	for _, v := range elder.Villages {
		props[v.Code] = map[string]any{
			"code": v.Code, "name": v.Name, "parent_code": v.ParentCode,
			"eldercare_share": v.Households.Share, "aged_60_share": v.Aged60.Share,
			"has_eldercare": v.HasFacility, "eldercare_facilities": int64(v.Facilities),
		}
	}
	for _, v := range area.Villages {
		if p := props[v.Code]; p != nil {
			if v.PerHundred != nil {
				p["area_per_100"] = *v.PerHundred
			}
			p["area_met"] = v.Met
		}
	}
	for _, v := range lottery.Villages {
		if p := props[v.Code]; p != nil {
			p["lottery_share"] = v.Households.Share
			p["lottery_outlets"] = int64(v.Outlets)
		}
	}
	for _, v := range funeral.Villages {
		if p := props[v.Code]; p != nil && v.WalkM != nil {
			p["funeral_walk_m"] = math.Round(*v.WalkM)
		}
	}
	var out []Feature
	for _, d := range m.Divisions.Divisions(gazetteer.DivisionFilter{Level: gazetteer.LevelVillage}) {
		if p := props[d.Code]; p != nil {
			out = append(out, Feature{ID: codeID(d.Code), Geometry: d.Geometry, Properties: p})
		}
	}
	return out, nil
}

func isochroneFeatures(m *readmodel.Model, variant Variant) ([]Feature, error) {
	if m.Coverage == nil {
		return nil, nil
	}
	isos, err := m.Coverage.FacilityIsochrones(coverage.CommunityEldercare, coverage.DefaultEldercareWalk, variant.IncludePlanned)
	if err != nil {
		return nil, err
	}
	out := make([]Feature, 0, len(isos))
	for _, iso := range isos {
		if len(iso.Isochrone.Polygon) == 0 {
			continue
		}
		f := iso.Facility
		out = append(out, Feature{ID: uint64(f.ID), Geometry: iso.Isochrone.Polygon, Properties: map[string]any{
			"facility_id": f.ID, "name": f.Name, "category": string(f.Category), "status": f.Status,
		}})
	}
	return out, nil
}

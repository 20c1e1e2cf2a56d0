package gazetteer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	sf "github.com/peterstace/simplefeatures/geom"

	"diming"
	"diming/geo"
	"diming/internal/tabular"
)

// DivisionColumns are the properties a division feature may carry (GeoJSON
// properties or GeoPackage attribute columns). code and name are required;
// level and parent_code are inferred from the code when absent and must
// agree with it when present. "fid", which QGIS adds, is ignored; any other
// property rejects the feature.
var DivisionColumns = []string{"code", "name", "level", "parent_code", "households", "population",
	"population_60", "urban_rural_code", "synthetic"}

// urbanRuralCodes are the NBS urban-rural classification codes (城乡分类代码).
var urbanRuralCodes = []string{"111", "112", "121", "122", "123", "210", "220"}

// Repair tolerances and thresholds.
const (
	// CloseTolerance is how far apart (in degrees, on each axis) the first
	// and last points of a ring may be for the import to close it; about 1 cm.
	CloseTolerance = 1e-7
	// OutsideParentM2 and OutsideParentFraction: a child may stick out of its
	// parent by at most the larger of 1 m² and 0.01 % of its own area
	// (digitising noise along a shared edge); more is rejected.
	OutsideParentM2       = 1.0
	OutsideParentFraction = 1e-4
)

// Repair is a change the import made to a geometry because it was safe:
// dropping repeated vertices and zero-area spikes, closing a ring whose
// ends are within CloseTolerance, reversing a ring's orientation.
type Repair struct {
	Line   int       `json:"line"` // GeoJSON feature number from 1, or GeoPackage fid
	Code   string    `json:"code"`
	What   string    `json:"what"`
	WhatEN string    `json:"what_en"`
	Where  orb.Point `json:"where"` // lon, lat (WGS84) of the first place repaired
}

// SourceFeature is one feature as a reader hands it over: its attributes
// (string, json.Number, int64, float64, bool, []byte or nil) and its
// geometry in the file's CRS. Err, when set, rejects the feature (an
// unreadable geometry blob, say).
type SourceFeature struct {
	Line       int
	Properties map[string]any
	Geometry   orb.Geometry
	Err        error
}

// DivisionRow is one parsed feature: the division it describes (geometry
// converted to WGS84 and repaired), the repairs made, or why it is rejected.
type DivisionRow struct {
	Line     int
	Division Division
	// Given says which optional properties the feature carried: a stored
	// division keeps households, population, population_60 and
	// urban_rural_code when the feature leaves them out.
	Given   map[string]bool
	Repairs []Repair
	Err     error
}

// DivisionImportPlan is what a division import would do. Nothing is written
// until a store applies Add and Update together in one transaction.
type DivisionImportPlan struct {
	Add       []Division `json:"-"`
	Update    []Division `json:"-"`
	Unchanged int        `json:"unchanged"`
	Rejected  []RowError `json:"rejected"`
	// Repairs lists the repairs of the features that were not rejected.
	Repairs []Repair `json:"repairs"`
}

// ParseDivisionsGeoJSON reads a FeatureCollection of Polygon or
// MultiPolygon features carrying DivisionColumns, in crs. A malformed file
// is an error; a bad feature is returned with its Err set.
func ParseDivisionsGeoJSON(data []byte, crs geo.CRS) ([]DivisionRow, error) {
	features, err := tabular.Features(data, MaxImportRows)
	if err != nil {
		return nil, err
	}
	fs := make([]SourceFeature, 0, len(features))
	for i, raw := range features {
		sfe := SourceFeature{Line: i + 1}
		var f struct {
			Type       string          `json:"type"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&f); err != nil || f.Type != "Feature" {
			sfe.Err = badRow("第 %d 个要素不是有效的 Feature", "feature %d is not a valid Feature", sfe.Line)
			fs = append(fs, sfe)
			continue
		}
		sfe.Properties = f.Properties
		if len(f.Geometry) > 0 && string(f.Geometry) != "null" {
			g, err := geojson.UnmarshalGeometry(f.Geometry)
			if err != nil {
				sfe.Err = badRow("几何格式错误：%v", "malformed geometry: %v", err)
			} else {
				sfe.Geometry = g.Geometry()
			}
		}
		fs = append(fs, sfe)
	}
	return ParseDivisionFeatures(fs, crs), nil
}

// ParseDivisionFeatures turns features read from any source into rows:
// properties checked, geometry converted from crs to WGS84, repaired where
// safe (RepairMultiPolygon) and validated.
func ParseDivisionFeatures(fs []SourceFeature, crs geo.CRS) []DivisionRow {
	rows := make([]DivisionRow, 0, len(fs))
	for _, f := range fs {
		row := DivisionRow{Line: f.Line, Err: f.Err}
		if row.Err == nil {
			row.Division, row.Given, row.Repairs, row.Err = divisionFromFeature(f, crs)
		}
		if row.Err != nil && row.Division.Code == "" {
			code, _ := propText(f.Properties["code"])
			row.Division.Code = truncate(strings.TrimSpace(code), 40)
		}
		rows = append(rows, row)
	}
	return rows
}

func divisionFromFeature(f SourceFeature, crs geo.CRS) (Division, map[string]bool, []Repair, error) {
	var d Division
	given := map[string]bool{}
	text := map[string]string{}
	for k, v := range f.Properties {
		if k == "fid" {
			continue
		}
		if !hasString(DivisionColumns, k) {
			return d, nil, nil, badRow("未知的属性 %q；可用的属性：%s", "unknown property %q; allowed: %s", truncate(k, 40), strings.Join(DivisionColumns, ", "))
		}
		s, err := propText(v)
		if err != nil {
			return d, nil, nil, badRow("属性 %q 应为字符串、数字或布尔值", "property %q must be a string, number or boolean", k)
		}
		if !utf8.ValidString(s) {
			return d, nil, nil, badRow("字段 %s 不是有效的 UTF-8 文本（是否为 GBK 编码？）", "field %s is not valid UTF-8 (GBK?)", k)
		}
		if s = strings.TrimSpace(s); s != "" {
			text[k], given[k] = s, true
		}
	}
	if text["code"] == "" {
		return d, nil, nil, badRow("缺少区划代码 code", "code is missing")
	}
	code, err := NormalizeCode(text["code"])
	if err != nil {
		d.Code = truncate(text["code"], 40)
		return d, nil, nil, err
	}
	d.Code, d.Name, d.Level = code, text["name"], LevelOfCode(code)
	if d.Name == "" {
		return d, nil, nil, badRow("缺少名称 name", "name is missing")
	}
	if v := text["level"]; v != "" {
		l, err := ParseLevel(v)
		if err != nil {
			return d, nil, nil, err
		}
		if l != d.Level {
			return d, nil, nil, badRow("级别 %s 与区划代码 %s 不符（应为 %s）", "level %s does not match code %s (it is %s)", l, code, d.Level)
		}
	}
	d.ParentCode = inferParent(code)
	if v := text["parent_code"]; v != "" {
		pc, err := NormalizeCode(v)
		if err != nil {
			return d, nil, nil, err
		}
		if pc != d.ParentCode {
			return d, nil, nil, badRow("上级区划代码 %s 与区划代码 %s 不符（应为 %s）", "parent_code %s does not match code %s (it is %s)", pc, code, d.ParentCode)
		}
	}
	for _, k := range []struct {
		name string
		dst  *int
	}{{"households", &d.Households}, {"population", &d.Population}, {"population_60", &d.Population60}} {
		v, ok := text[k.name]
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			if fv, ferr := strconv.ParseFloat(v, 64); ferr == nil && fv == math.Trunc(fv) && math.Abs(fv) < 1e15 {
				n, err = int64(fv), nil
			}
		}
		if err != nil || n < 0 || n > 1e9 {
			return d, nil, nil, badRow("%s 应为非负整数，而不是 %q", "%s must be a non-negative integer, not %q", k.name, truncate(v, 30))
		}
		*k.dst = int(n)
	}
	if v, ok := text["urban_rural_code"]; ok {
		if !hasString(urbanRuralCodes, v) {
			return d, nil, nil, badRow("城乡分类代码 %q 无效，应为 %s 之一", "urban_rural_code %q is invalid: use one of %s", truncate(v, 30), strings.Join(urbanRuralCodes, ", "))
		}
		d.UrbanRuralCode = v
	}
	if v, ok := text["synthetic"]; ok {
		switch strings.ToLower(v) {
		case "true", "1", "是", "yes":
			d.Synthetic = true
		case "false", "0", "否", "no":
		default:
			return d, nil, nil, badRow("synthetic 应为 true/false", "synthetic must be true or false")
		}
	}
	if f.Geometry == nil {
		return d, nil, nil, badRow("缺少边界面", "no boundary polygon")
	}
	switch f.Geometry.(type) {
	case orb.Polygon, orb.MultiPolygon:
	default:
		return d, nil, nil, badRow("边界应为 Polygon 或 MultiPolygon，而不是 %s", "the boundary must be a Polygon or MultiPolygon, not %s", f.Geometry.GeoJSONType())
	}
	g, err := geo.ConvertGeometry(f.Geometry, crs, geo.WGS84)
	if err != nil {
		return d, nil, nil, err
	}
	mp, repairs, err := RepairMultiPolygon(g)
	if err != nil {
		return d, nil, nil, err
	}
	for i := range repairs {
		repairs[i].Line, repairs[i].Code = f.Line, code
	}
	d.Geometry = mp
	// Whatever the row says must make a valid division (e.g. a name whose
	// bytes were replaced by U+FFFD while decoding, or control characters).
	if err := d.Validate(); err != nil {
		return d, nil, nil, err
	}
	return d, given, repairs, nil
}

// inferParent returns the parent code implied by a 12-digit code: the
// city (first 4 digits) for the district, the district for a township, the
// township for a village.
func inferParent(code string) string {
	switch LevelOfCode(code) {
	case LevelDistrict:
		return code[:4] + "00000000"
	case LevelTownship:
		return code[:6] + "000000"
	}
	return code[:9] + "000"
}

// propText turns an attribute value into text.
func propText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("unsupported value %T", v)
}

// RepairMultiPolygon returns a repaired copy of a Polygon or MultiPolygon
// (a Polygon becomes a one-part MultiPolygon) and the repairs made, or a
// *geo.ValidationError when it cannot be repaired safely or is still invalid.
// Per ring, in this order:
//   - a ring whose first and last points differ by less than CloseTolerance
//     on each axis is closed (its last point set to its first); farther apart
//     is rejected;
//   - repeated consecutive vertices are dropped;
//   - zero-area spikes A-B-A (the boundary going out to B and straight back)
//     are cut back to A, repeatedly, around the closing point too;
//   - orientation follows RFC 7946 §3.1.6 (what GeoJSON writers and
//     orb's Ring.Orientation assume): exterior rings counter-clockwise,
//     holes clockwise, in the lon/lat plane; a ring the other way round is
//     reversed.
//
// Then geo.ValidateMultiPolygon decides: self-intersections, overlapping
// parts, holes outside their shell and the like are never guessed at.
func RepairMultiPolygon(g orb.Geometry) (orb.MultiPolygon, []Repair, error) {
	var mp orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return nil, nil, &geo.ValidationError{Reason: "边界应为面", ReasonEN: "the boundary must be a polygon"}
	}
	var repairs []Repair
	out := make(orb.MultiPolygon, 0, len(mp))
	for pi, poly := range mp {
		np := make(orb.Polygon, 0, len(poly))
		for ri, ring := range poly {
			r, rs, err := repairRing(ring, ri == 0)
			if err != nil {
				return nil, nil, err
			}
			for _, rep := range rs {
				rep.What = fmt.Sprintf("第 %d 个面的%s：%s", pi+1, ringName(ri), rep.What)
				rep.WhatEN = fmt.Sprintf("polygon %d, %s: %s", pi+1, ringNameEN(ri), rep.WhatEN)
				repairs = append(repairs, rep)
			}
			np = append(np, r)
		}
		out = append(out, np)
	}
	if err := geo.ValidateMultiPolygon(out); err != nil {
		var ve *geo.ValidationError
		if errors.As(err, &ve) && ve.Where == nil {
			if w, ok := crossing(out); ok {
				ve.Where = &w
			}
		}
		return nil, nil, err
	}
	return out, repairs, nil
}

// maxCrossingSearch bounds the vertices of a polygon searched (in quadratic
// time) for where it crosses itself when simplefeatures does not say.
const maxCrossingSearch = 5000

// crossing returns a point where two non-adjacent edges of a polygon's
// rings cross or touch, for the rejection message.
func crossing(mp orb.MultiPolygon) (orb.Point, bool) {
	type edge struct {
		a, b       orb.Point
		ring, i, n int
	}
	for _, poly := range mp {
		var es []edge
		for ri, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				es = append(es, edge{r[i], r[i+1], ri, i, len(r) - 1})
			}
		}
		if len(es) > maxCrossingSearch {
			continue
		}
		for i := range es {
			for j := i + 1; j < len(es); j++ {
				e, f := es[i], es[j]
				if e.ring == f.ring && (f.i == e.i+1 || (e.i == 0 && f.i == e.n-1)) {
					continue // adjacent edges share a vertex
				}
				if p, ok := segmentsMeet(e.a, e.b, f.a, f.b); ok {
					return p, true
				}
			}
		}
	}
	return orb.Point{}, false
}

// segmentsMeet returns a point common to segments ab and cd.
func segmentsMeet(a, b, c, d orb.Point) (orb.Point, bool) {
	cross := func(o, p, q orb.Point) float64 { return (p[0]-o[0])*(q[1]-o[1]) - (p[1]-o[1])*(q[0]-o[0]) }
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		t := d1 / (d1 - d2)
		return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}, true
	}
	on := func(p, q, r orb.Point) bool { // r on segment pq, given collinear
		return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) && math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	switch {
	case d1 == 0 && on(c, d, a):
		return a, true
	case d2 == 0 && on(c, d, b):
		return b, true
	case d3 == 0 && on(a, b, c):
		return c, true
	case d4 == 0 && on(a, b, d):
		return d, true
	}
	return orb.Point{}, false
}

func ringName(i int) string {
	if i == 0 {
		return "外环"
	}
	return fmt.Sprintf("第 %d 个内环", i)
}

func ringNameEN(i int) string {
	if i == 0 {
		return "exterior ring"
	}
	return fmt.Sprintf("hole %d", i)
}

func repairRing(in orb.Ring, shell bool) (orb.Ring, []Repair, error) {
	if len(in) < 2 {
		return in, nil, nil // ValidateMultiPolygon rejects it with its reason
	}
	var repairs []Repair
	first, last := in[0], in[len(in)-1]
	if first != last {
		dx, dy := math.Abs(first[0]-last[0]), math.Abs(first[1]-last[1])
		if !(dx < CloseTolerance && dy < CloseTolerance) {
			w := first
			return nil, nil, &geo.ValidationError{
				Reason:   fmt.Sprintf("面的环未闭合：首尾点相差 %.3g°，超过可自动闭合的 %g°", math.Max(dx, dy), CloseTolerance),
				ReasonEN: fmt.Sprintf("polygon ring is not closed: its first and last points are %.3g° apart, more than the %g° the import closes", math.Max(dx, dy), CloseTolerance),
				Where:    &w}
		}
		repairs = append(repairs, Repair{What: fmt.Sprintf("闭合了首尾相差 %.2g° 的环", math.Max(dx, dy)),
			WhatEN: fmt.Sprintf("closed the ring (first and last points were %.2g° apart)", math.Max(dx, dy)), Where: first})
	}
	// Work on the open ring, cyclically.
	open := make([]orb.Point, len(in)-1)
	copy(open, in[:len(in)-1])
	dups, spikes := 0, 0
	var dupAt, spikeAt orb.Point
	for changed := true; changed && len(open) > 0; {
		changed = false
		// Repeated consecutive vertices, including across the closing point.
		kept := open[:0:0]
		for i, p := range open {
			if i > 0 && p == kept[len(kept)-1] {
				if dups == 0 {
					dupAt = p
				}
				dups++
				continue
			}
			kept = append(kept, p)
		}
		for len(kept) > 1 && kept[len(kept)-1] == kept[0] {
			if dups == 0 {
				dupAt = kept[0]
			}
			dups++
			kept = kept[:len(kept)-1]
		}
		if len(kept) != len(open) {
			changed = true
		}
		open = kept
		// One spike A-B-A at a time: drop B and the second A.
		n := len(open)
		for i := 0; n >= 3 && i < n; i++ {
			if open[(i+n-1)%n] == open[(i+1)%n] {
				if spikes == 0 {
					spikeAt = open[i]
				}
				spikes++
				j := (i + 1) % n
				var next []orb.Point
				for k, p := range open {
					if k != i && k != j {
						next = append(next, p)
					}
				}
				open, changed = next, true
				break
			}
		}
	}
	if dups > 0 {
		repairs = append(repairs, Repair{What: fmt.Sprintf("删除了 %d 个重复的相邻顶点", dups),
			WhatEN: fmt.Sprintf("dropped %d repeated consecutive vertices", dups), Where: dupAt})
	}
	if spikes > 0 {
		repairs = append(repairs, Repair{What: fmt.Sprintf("删除了 %d 个零面积尖刺（A-B-A）", spikes),
			WhatEN: fmt.Sprintf("removed %d zero-area spikes (A-B-A)", spikes), Where: spikeAt})
	}
	if len(open) == 0 {
		return orb.Ring{}, repairs, nil
	}
	ring := make(orb.Ring, 0, len(open)+1)
	ring = append(append(ring, open...), open[0])
	if o := ring.Orientation(); (shell && o == orb.CW) || (!shell && o == orb.CCW) {
		ring.Reverse()
		if shell {
			repairs = append(repairs, Repair{What: "外环由顺时针改为逆时针（RFC 7946）", WhatEN: "reversed the exterior ring from clockwise to counter-clockwise (RFC 7946)", Where: ring[0]})
		} else {
			repairs = append(repairs, Repair{What: "内环由逆时针改为顺时针（RFC 7946）", WhatEN: "reversed the hole from counter-clockwise to clockwise (RFC 7946)", Where: ring[0]})
		}
	}
	return ring, repairs, nil
}

// Orient returns a copy of mp with RFC 7946 ring orientation: exterior
// rings counter-clockwise, holes clockwise.
func Orient(mp orb.MultiPolygon) orb.MultiPolygon {
	out := mp.Clone()
	for _, poly := range out {
		for ri, r := range poly {
			if o := r.Orientation(); (ri == 0 && o == orb.CW) || (ri > 0 && o == orb.CCW) {
				r.Reverse()
			}
		}
	}
	return out
}

// SameDivision reports whether two divisions hold the same content: the
// same attributes and the same boundary up to ring orientation (UpdatedAt
// is ignored).
func SameDivision(a, b Division) bool {
	return a.Code == b.Code && a.Name == b.Name && a.Level == b.Level && a.ParentCode == b.ParentCode &&
		a.Households == b.Households && a.Population == b.Population && a.Population60 == b.Population60 &&
		a.UrbanRuralCode == b.UrbanRuralCode && a.Synthetic == b.Synthetic && sameBoundary(a.Geometry, b.Geometry)
}

func sameBoundary(a, b orb.MultiPolygon) bool { return orb.Equal(Orient(a), Orient(b)) }

func divRowName(d Division) string {
	return strings.TrimSpace(d.Code + " " + d.Name)
}

// PlanDivisionImport decides, feature by feature, what an import adds,
// updates, leaves alone and rejects, against the stored divisions. A
// feature matches a stored division by code and keeps the stored figures it
// leaves out; when it gives no synthetic flag, a changed division becomes
// non-synthetic (surveyed data replaces generated data) and an unchanged one
// keeps its flag. Nesting is checked against what the store would hold
// after the import: every division but the district needs its parent in
// the file (not rejected) or stored, and must lie inside it (sticking out
// by at most OutsideParentM2 or OutsideParentFraction of its area); a
// division whose new boundary would leave a stored child outside is
// rejected too. Parents are decided before their children, so a rejected
// parent that is not stored rejects its children.
func PlanDivisionImport(rows []DivisionRow, existing []Division) DivisionImportPlan {
	plan := DivisionImportPlan{Rejected: []RowError{}, Repairs: []Repair{}}
	stored := make(map[string]Division, len(existing))
	storedChildren := map[string][]Division{}
	for _, d := range existing {
		stored[d.Code] = d
		storedChildren[d.ParentCode] = append(storedChildren[d.ParentCode], d)
	}
	reject := func(line int, d Division, err error) {
		plan.Rejected = append(plan.Rejected, rowErr(line, divRowName(d), err))
	}
	type cand struct {
		row         DivisionRow
		d, old      Division
		found       bool
		geomChanged bool
	}
	var cands []cand
	seen := map[string]int{}
	inFile := map[string]bool{}
	for _, row := range rows {
		if row.Err != nil {
			reject(row.Line, row.Division, row.Err)
			continue
		}
		d := row.Division
		if first, dup := seen[d.Code]; dup {
			reject(row.Line, d, badRow("区划代码 %s 与第 %d 个要素重复", "code %s duplicates feature %d", d.Code, first))
			continue
		}
		seen[d.Code] = row.Line
		inFile[d.Code] = true
		old, found := stored[d.Code]
		if found {
			if !row.Given["households"] {
				d.Households = old.Households
			}
			if !row.Given["population"] {
				d.Population = old.Population
			}
			if !row.Given["population_60"] {
				d.Population60 = old.Population60
			}
			if !row.Given["urban_rural_code"] {
				d.UrbanRuralCode = old.UrbanRuralCode
			}
			if !row.Given["synthetic"] {
				d.Synthetic = old.Synthetic
				if !SameDivision(old, d) {
					d.Synthetic = false
				}
			}
		}
		if err := d.Validate(); err != nil {
			reject(row.Line, d, err)
			continue
		}
		c := cand{row: row, d: d, old: old, found: found}
		c.geomChanged = !found || !sameBoundary(old.Geometry, d.Geometry)
		cands = append(cands, c)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].d.Level.Depth() < cands[j].d.Level.Depth() })
	// after holds the boundaries the store will hold, filled parents first.
	after := make(map[string]orb.MultiPolygon, len(existing)+len(cands))
	changed := map[string]bool{}
	for _, d := range existing {
		after[d.Code] = d.Geometry
	}
	rejectedInFile := map[string]bool{}
	for _, c := range cands {
		d := c.d
		if d.Level != LevelDistrict {
			pg, ok := after[d.ParentCode]
			switch {
			case !ok && rejectedInFile[d.ParentCode]:
				reject(c.row.Line, d, badRow("上级区划 %s 在本文件中被拒绝，且尚未入库", "the parent %s was rejected in this file and is not stored", d.ParentCode))
				rejectedInFile[d.Code] = true
				continue
			case !ok:
				reject(c.row.Line, d, badRow("上级区划 %s 既不在文件中，也未入库", "the parent %s is neither in the file nor stored", d.ParentCode))
				rejectedInFile[d.Code] = true
				continue
			}
			if c.geomChanged || changed[d.ParentCode] {
				if err := checkInside(d.Geometry, pg, d.ParentCode); err != nil {
					reject(c.row.Line, d, err)
					rejectedInFile[d.Code] = true
					continue
				}
			}
		}
		if c.found && c.geomChanged {
			var bad error
			for _, child := range storedChildren[d.Code] {
				if inFile[child.Code] {
					continue // checked against this boundary as a feature of its own
				}
				if err := checkInside(child.Geometry, d.Geometry, d.Code); err != nil {
					zh, en := diming.Messages(err)
					bad = &diming.Error{Code: diming.EINVALID,
						Message:   fmt.Sprintf("已入库的下级区划 %s 将超出新的边界：%s", child.Code, zh),
						MessageEN: fmt.Sprintf("the stored child %s would lie outside the new boundary: %s", child.Code, en)}
					break
				}
			}
			if bad != nil {
				reject(c.row.Line, d, bad)
				rejectedInFile[d.Code] = true
				continue
			}
		}
		after[d.Code] = d.Geometry
		changed[d.Code] = c.geomChanged
		plan.Repairs = append(plan.Repairs, c.row.Repairs...)
		switch {
		case !c.found:
			plan.Add = append(plan.Add, d)
		case SameDivision(c.old, d):
			plan.Unchanged++
		default:
			plan.Update = append(plan.Update, d)
		}
	}
	sort.SliceStable(plan.Rejected, func(i, j int) bool { return plan.Rejected[i].Line < plan.Rejected[j].Line })
	sort.SliceStable(plan.Repairs, func(i, j int) bool { return plan.Repairs[i].Line < plan.Repairs[j].Line })
	return plan
}

// checkInside rejects a child boundary that sticks out of its parent by
// more than the tolerance, saying by how much and where.
func checkInside(child, parent orb.MultiPolygon, parentCode string) error {
	diff, err := sf.Difference(geo.ToSF(child).AsGeometry(), geo.ToSF(parent).AsGeometry())
	if err != nil {
		return badRow("无法计算与上级区划 %s 的差集：%v", "cannot compute the difference with the parent %s: %v", parentCode, err)
	}
	out := geo.FromSF(diff)
	a := geo.Area(out)
	tol := math.Max(OutsideParentM2, OutsideParentFraction*geo.Area(child))
	if a <= tol {
		return nil
	}
	w := geo.LabelPoint(out)
	return badRow("超出上级区划 %s 的边界 %.1f m²（位于 %.7f, %.7f 附近；容差 %.1f m²）",
		"sticks out of its parent %s by %.1f m² (near %.7f, %.7f; tolerance %.1f m²)", parentCode, a, w[0], w[1], tol)
}

package gazetteer

import (
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/geo"
	"diming/internal/tabular"
)

// Import limits.
const (
	MaxImportRows  = 1_000_000
	MaxImportBytes = 200 << 20
)

// PlaceColumns are the fields an import may carry (CSV header names or
// GeoJSON property names). name and category are required; a location is
// lon+lat (CSV) or the feature's geometry (GeoJSON), or a geometry column
// holding a GeoJSON geometry.
var PlaceColumns = []string{"id", "name", "specific", "generic", "aliases", "former_names", "romanization",
	"category", "division_code", "lon", "lat", "geometry", "meaning", "origin", "history", "description",
	"named_on", "cancelled_on", "approved_by", "approved_on", "protected"}

// ImportRow is one parsed input row: the place it describes, or why not.
type ImportRow struct {
	Line  int // CSV line or GeoJSON feature number, from 1
	Place Place
	Err   error
}

// RowError is a rejected row and the reason, in Chinese and English.
type RowError struct {
	Line     int    `json:"line"`
	Name     string `json:"name,omitempty"`
	Reason   string `json:"reason"`
	ReasonEN string `json:"reason_en"`
}

// ImportPlan is what an import would do: nothing is written until a store
// applies Add and Update together in one transaction.
type ImportPlan struct {
	Add       []Place    `json:"-"`
	Update    []Place    `json:"-"`
	Unchanged int        `json:"unchanged"`
	Rejected  []RowError `json:"rejected"`
}

// ImportOptions tell the resolver how to fill what rows leave out.
type ImportOptions struct {
	// Split divides a name into 专名 and 通名 when the row gives neither.
	Split func(name, category string) (specific, generic string)
	// Romanize proposes a romanization when the row gives none.
	Romanize func(name, specific, generic, category string) string
	// Source is written into each record (e.g. "import:places.csv").
	Source string
}

func rowErr(line int, name string, err error) RowError {
	zh, en := diming.Messages(err)
	var ve *geo.ValidationError
	if errors.As(err, &ve) {
		zh, en = geo.Reason(err), ve.Error()
	}
	return RowError{Line: line, Name: truncate(name, 120), Reason: zh, ReasonEN: en}
}

func badRow(zh, en string, args ...any) error { return diming.Errorf(diming.EINVALID, zh, en, args...) }

// ParsePlacesCSV reads a UTF-8 CSV file with a header row of PlaceColumns.
// Coordinates are converted from crs to WGS84. A malformed file (no header,
// unknown or repeated columns, broken quoting) is an error; a bad row is
// returned with its Err set.
func ParsePlacesCSV(r io.Reader, crs geo.CRS) ([]ImportRow, error) {
	t, err := tabular.NewCSV(r, PlaceColumns, []string{"name", "category"}, MaxImportRows)
	if err != nil {
		return nil, err
	}
	var rows []ImportRow
	for {
		fields, line, rowErr, ok, err := t.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return rows, nil
		}
		if rowErr != nil {
			rows = append(rows, ImportRow{Line: line, Err: rowErr})
			continue
		}
		p, err := placeFromFields(fields, nil, crs)
		rows = append(rows, ImportRow{Line: line, Place: p, Err: err})
	}
}

// ParsePlacesGeoJSON reads a FeatureCollection whose features carry
// PlaceColumns as properties ("fid", which QGIS adds, is ignored).
func ParsePlacesGeoJSON(data []byte, crs geo.CRS) ([]ImportRow, error) {
	features, err := tabular.Features(data, MaxImportRows)
	if err != nil {
		return nil, err
	}
	rows := make([]ImportRow, 0, len(features))
	for i, raw := range features {
		line := i + 1
		var f struct {
			Type       string                     `json:"type"`
			Geometry   json.RawMessage            `json:"geometry"`
			Properties map[string]json.RawMessage `json:"properties"`
			ID         json.RawMessage            `json:"id"`
		}
		if err := json.Unmarshal(raw, &f); err != nil || f.Type != "Feature" {
			rows = append(rows, ImportRow{Line: line, Err: badRow("第 %d 个要素不是有效的 Feature", "feature %d is not a valid Feature", line)})
			continue
		}
		fields := map[string]string{}
		var ferr error
		for k, v := range f.Properties {
			if k == "fid" {
				continue
			}
			if !hasString(PlaceColumns, k) || k == "lon" || k == "lat" || k == "geometry" {
				ferr = badRow("未知的属性 %q；可用的属性：%s", "unknown property %q; allowed: %s", truncate(k, 40), strings.Join(PlaceColumns, ", "))
				break
			}
			s, err := propString(v)
			if err != nil {
				ferr = badRow("属性 %q 应为字符串、数字、布尔值或字符串数组", "property %q must be a string, number, boolean or array of strings", k)
				break
			}
			fields[k] = s
		}
		if ferr != nil {
			rows = append(rows, ImportRow{Line: line, Err: ferr})
			continue
		}
		p, err := placeFromFields(fields, f.Geometry, crs)
		rows = append(rows, ImportRow{Line: line, Place: p, Err: err})
	}
	return rows, nil
}

// propString turns a property value into the string a CSV cell would hold.
func propString(v json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, nil
	}
	var list []string
	if json.Unmarshal(v, &list) == nil {
		return strings.Join(list, ";"), nil
	}
	var b bool
	if json.Unmarshal(v, &b) == nil {
		return strconv.FormatBool(b), nil
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String(), nil
	}
	if string(v) == "null" {
		return "", nil
	}
	return "", errors.New("unsupported value")
}

// placeFromFields builds a place from one row's fields. geom is a GeoJSON
// geometry (the feature's) or nil.
func placeFromFields(f map[string]string, geom json.RawMessage, crs geo.CRS) (Place, error) {
	for k, v := range f {
		if !utf8.ValidString(v) {
			return Place{}, badRow("字段 %s 不是有效的 UTF-8 文本（是否为 GBK 编码？请另存为 UTF-8）", "field %s is not valid UTF-8 (GBK? save the file as UTF-8)", k)
		}
		f[k] = strings.TrimSpace(v)
	}
	p := Place{
		Name: f["name"], Specific: f["specific"], Generic: f["generic"], Romanization: f["romanization"],
		Category: f["category"], Meaning: f["meaning"], Origin: f["origin"], History: f["history"],
		Description: f["description"], NamedOn: f["named_on"], CancelledOn: f["cancelled_on"],
		ApprovedBy: f["approved_by"], ApprovedOn: f["approved_on"],
		Aliases: splitList(f["aliases"]), FormerNames: splitList(f["former_names"]),
	}
	if p.Name == "" {
		return p, badRow("缺少名称", "name is missing")
	}
	if v := f["id"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return p, badRow("编号 %q 应为正整数", "id %q must be a positive integer", truncate(v, 40))
		}
		p.ID = id
	}
	if v := f["division_code"]; v != "" {
		code, err := NormalizeCode(v)
		if err != nil {
			return p, err
		}
		p.DivisionCode = code
	}
	switch strings.ToLower(f["protected"]) {
	case "", "false", "0", "否", "no":
	case "true", "1", "是", "yes":
		p.Protected = true
	default:
		return p, badRow("protected 应为 true/false（是/否）", "protected must be true or false")
	}
	var g orb.Geometry
	switch {
	case len(geom) > 0 && string(geom) != "null":
		gg, err := geojson.UnmarshalGeometry(geom)
		if err != nil {
			return p, badRow("几何格式错误：%v", "malformed geometry: %v", err)
		}
		g = gg.Geometry()
	case f["geometry"] != "":
		gg, err := geojson.UnmarshalGeometry([]byte(f["geometry"]))
		if err != nil {
			return p, badRow("geometry 列应为 GeoJSON 几何：%v", "the geometry column must hold a GeoJSON geometry: %v", err)
		}
		g = gg.Geometry()
	case f["lon"] != "" || f["lat"] != "":
		lon, err1 := strconv.ParseFloat(f["lon"], 64)
		lat, err2 := strconv.ParseFloat(f["lat"], 64)
		if err1 != nil || err2 != nil {
			return p, badRow("经纬度 %q, %q 不是数值", "lon/lat %q, %q are not numbers", truncate(f["lon"], 30), truncate(f["lat"], 30))
		}
		g = orb.Point{lon, lat}
	default:
		return p, badRow("缺少位置（lon/lat 或 geometry）", "no location (lon/lat or geometry)")
	}
	if err := ValidatePlaceGeometry(g); err != nil {
		return p, err
	}
	g, err := geo.ConvertGeometry(g, crs, geo.WGS84)
	if err != nil {
		return p, err
	}
	p.Geometry = g
	return p, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' || r == '、' || r == '|' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// PlanImport decides, row by row, what an import adds, updates, leaves
// alone and rejects. A row matches an existing place by id, else by name,
// category and division; it must lie in the division it names (or one is
// found for it), and the division must exist.
func PlanImport(rows []ImportRow, divs *DivisionIndex, existing []Place, opt ImportOptions) ImportPlan {
	var plan ImportPlan
	byID := make(map[int64]Place, len(existing))
	type key struct{ name, category, division string }
	byKey := make(map[key]Place, len(existing))
	for _, p := range existing {
		byID[p.ID] = p
		byKey[key{p.Name, p.Category, p.DivisionCode}] = p
	}
	seen := map[key]int{}
	for _, row := range rows {
		if row.Err != nil {
			plan.Rejected = append(plan.Rejected, rowErr(row.Line, row.Place.Name, row.Err))
			continue
		}
		p := row.Place
		// The name first: a row with a 10 MB name is not split and romanized.
		if err := CheckName(p.Name); err != nil {
			e := err.(*diming.Error)
			plan.Rejected = append(plan.Rejected, rowErr(row.Line, p.Name, &diming.Error{Code: diming.EINVALID, Message: "名称" + e.Message, MessageEN: "name " + e.MessageEN}))
			continue
		}
		if p.Specific == "" && p.Generic == "" && opt.Split != nil {
			p.Specific, p.Generic = opt.Split(p.Name, p.Category)
		}
		if p.Romanization == "" && opt.Romanize != nil {
			p.Romanization = opt.Romanize(p.Name, p.Specific, p.Generic, p.Category)
		}
		if p.Source == "" {
			p.Source = opt.Source
		}
		if err := resolveDivision(&p, divs); err != nil {
			plan.Rejected = append(plan.Rejected, rowErr(row.Line, p.Name, err))
			continue
		}
		k := key{p.Name, p.Category, p.DivisionCode}
		if first, dup := seen[k]; dup {
			plan.Rejected = append(plan.Rejected, rowErr(row.Line, p.Name, badRow("与第 %d 行重复（同名、同类、同政区）", "duplicates line %d (same name, category and division)", first)))
			continue
		}
		seen[k] = row.Line
		var old Place
		var found bool
		if p.ID != 0 {
			if old, found = byID[p.ID]; !found {
				plan.Rejected = append(plan.Rejected, rowErr(row.Line, p.Name, badRow("没有编号为 %d 的地名可更新", "no place with id %d to update", p.ID)))
				continue
			}
		} else if old, found = byKey[k]; found {
			p.ID = old.ID
		}
		if err := p.Validate(); err != nil {
			plan.Rejected = append(plan.Rejected, rowErr(row.Line, p.Name, err))
			continue
		}
		switch {
		case !found:
			plan.Add = append(plan.Add, p)
		case SamePlace(old, withKept(p, old, true)):
			plan.Unchanged++
		default:
			plan.Update = append(plan.Update, withKept(p, old, false))
		}
	}
	sort.Slice(plan.Rejected, func(i, j int) bool { return plan.Rejected[i].Line < plan.Rejected[j].Line })
	return plan
}

// withKept keeps what an import row cannot express (the synthetic flag, and
// for the comparison the source) from the stored record, so re-importing the
// same content changes nothing.
func withKept(p, old Place, keepSource bool) Place {
	p.Synthetic = old.Synthetic
	if keepSource || p.Source == "" {
		p.Source = old.Source
	}
	return p
}

// resolveDivision checks or finds the village-level (or lowest known)
// division a place lies in, by its label point.
func resolveDivision(p *Place, divs *DivisionIndex) error {
	if divs == nil {
		return badRow("没有行政区划数据，无法确定所在政区", "no divisions loaded: cannot place the name in one")
	}
	at := divs.At(geo.LabelPoint(p.Geometry))
	if len(at) == 0 {
		return badRow("位置不在辖区内（是否需要 --crs gcj02 或 bd09？）", "the location lies outside the district (does it need --crs gcj02 or bd09?)")
	}
	if p.DivisionCode == "" {
		p.DivisionCode = at[len(at)-1].Code
		return nil
	}
	if _, err := divs.Division(p.DivisionCode); err != nil {
		return err
	}
	for _, d := range at {
		if d.Code == p.DivisionCode {
			return nil
		}
	}
	return badRow("位置不在所填政区 %s 内，而在 %s 内", "the location is not in the given division %s but in %s", p.DivisionCode, at[len(at)-1].Code)
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

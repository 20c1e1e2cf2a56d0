package coverage

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/geo"
	"diming/internal/tabular"
)

// MaxImportRows is the most rows one facility or household import takes.
const MaxImportRows = 1_000_000

// RowError is a rejected input row and why, in Chinese and English.
type RowError struct {
	Line     int    `json:"line"`
	Name     string `json:"name,omitempty"`
	Reason   string `json:"reason"`
	ReasonEN string `json:"reason_en"`
}

func rowError(line int, name string, err error) RowError {
	zh, en := diming.Messages(err)
	return RowError{Line: line, Name: name, Reason: zh, ReasonEN: en}
}

func badInput(zh, en string, args ...any) error {
	return diming.Errorf(diming.EINVALID, zh, en, args...)
}

// pointRow is one row of a point table: its fields and its point (WGS84).
type pointRow struct {
	line   int
	fields map[string]string
	point  orb.Point
	err    error
}

// pointTable describes a point table's columns.
type pointTable struct {
	columns  []string // allowed besides lon, lat (CSV) and geometry
	required []string
}

func (t pointTable) allowed(c string) bool {
	for _, k := range t.columns {
		if k == c {
			return true
		}
	}
	return false
}

func cut(s string, n int) string { return tabular.Cut(s, n) }

// readCSV reads a UTF-8 CSV point table with lon and lat columns.
func (t pointTable) readCSV(r io.Reader, crs geo.CRS) ([]pointRow, error) {
	tab, err := tabular.NewCSV(r, append([]string{"lon", "lat"}, t.columns...), append([]string{"lon", "lat"}, t.required...), MaxImportRows)
	if err != nil {
		return nil, err
	}
	var rows []pointRow
	for {
		fields, line, rowErr, ok, err := tab.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return rows, nil
		}
		row := pointRow{line: line, fields: fields, err: rowErr}
		if row.err == nil {
			row.err = row.clean()
		}
		if row.err == nil {
			lon, err1 := strconv.ParseFloat(row.fields["lon"], 64)
			lat, err2 := strconv.ParseFloat(row.fields["lat"], 64)
			if err1 != nil || err2 != nil {
				row.err = badInput("经纬度 %q, %q 不是数值", "lon/lat %q, %q are not numbers", cut(row.fields["lon"], 30), cut(row.fields["lat"], 30))
			} else {
				row.point, row.err = toWGS84(orb.Point{lon, lat}, crs)
			}
		}
		rows = append(rows, row)
	}
}

// readGeoJSON reads a FeatureCollection of Point features whose properties
// are the table's columns ("fid", which QGIS adds, is ignored).
func (t pointTable) readGeoJSON(data []byte, crs geo.CRS) ([]pointRow, error) {
	features, err := tabular.Features(data, MaxImportRows)
	if err != nil {
		return nil, err
	}
	rows := make([]pointRow, 0, len(features))
	for i, raw := range features {
		row := pointRow{line: i + 1, fields: map[string]string{}}
		row.err = t.feature(raw, &row, crs)
		rows = append(rows, row)
	}
	return rows, nil
}

func (t pointTable) feature(raw json.RawMessage, row *pointRow, crs geo.CRS) error {
	var f struct {
		Type       string                     `json:"type"`
		Geometry   json.RawMessage            `json:"geometry"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.Type != "Feature" {
		return badInput("第 %d 个要素不是有效的 Feature", "feature %d is not a valid Feature", row.line)
	}
	for k, v := range f.Properties {
		if k == "fid" {
			continue
		}
		if !t.allowed(k) {
			return badInput("未知的属性 %q；可用的属性：%s", "unknown property %q; allowed: %s", cut(k, 40), strings.Join(t.columns, ", "))
		}
		s, err := scalar(v)
		if err != nil {
			return badInput("属性 %q 应为字符串、数字或布尔值", "property %q must be a string, number or boolean", k)
		}
		row.fields[k] = s
	}
	if err := row.clean(); err != nil {
		return err
	}
	for _, req := range t.required {
		if row.fields[req] == "" {
			return badInput("缺少属性 %q", "property %q is missing", req)
		}
	}
	if len(f.Geometry) == 0 || string(f.Geometry) == "null" {
		return badInput("缺少几何（应为 Point）", "the geometry is missing (a Point is needed)")
	}
	g, err := geojson.UnmarshalGeometry(f.Geometry)
	if err != nil {
		return badInput("几何格式错误：%v", "malformed geometry: %v", err)
	}
	p, ok := g.Geometry().(orb.Point)
	if !ok {
		return badInput("几何应为 Point，而不是 %s", "the geometry must be a Point, not %s", g.Geometry().GeoJSONType())
	}
	row.point, err = toWGS84(p, crs)
	return err
}

// clean checks the fields are UTF-8 and trims them.
func (r *pointRow) clean() error {
	for k, v := range r.fields {
		if !utf8.ValidString(v) {
			return badInput("字段 %s 不是有效的 UTF-8 文本（是否为 GBK 编码？请另存为 UTF-8）", "field %s is not valid UTF-8 (GBK? save the file as UTF-8)", k)
		}
		r.fields[k] = strings.TrimSpace(v)
	}
	return nil
}

func scalar(v json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, nil
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

func toWGS84(p orb.Point, crs geo.CRS) (orb.Point, error) {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
		return p, badInput("坐标 (%v, %v) 超出经纬度范围", "coordinates (%v, %v) are out of range", p[0], p[1])
	}
	q, err := geo.ToWGS84(p, crs)
	if err != nil {
		zh, en := geo.Reasons(err)
		return p, &diming.Error{Code: diming.EINVALID, Message: zh, MessageEN: en, Err: err}
	}
	return q, nil
}

// FacilityColumns are the columns of a facility CSV (besides lon and lat)
// and the properties of a facility GeoJSON feature.
var FacilityColumns = []string{"code", "name", "category", "address", "floor_area", "beds", "volunteer_station", "comprehensive", "status", "opened_on", "note"}

// FacilityRow is one parsed facility row, or why it is rejected.
type FacilityRow struct {
	Line     int
	Facility Facility
	Err      error
}

var facilityTable = pointTable{columns: FacilityColumns, required: []string{"name", "category"}}

// ParseFacilitiesCSV reads a facility CSV (header: FacilityColumns plus lon,
// lat); coordinates are converted from crs. A malformed file is an error;
// a bad row comes back with Err set.
func ParseFacilitiesCSV(r io.Reader, crs geo.CRS) ([]FacilityRow, error) {
	rows, err := facilityTable.readCSV(r, crs)
	return facilityRows(rows), err
}

// ParseFacilitiesGeoJSON reads a FeatureCollection of Point features with
// FacilityColumns as properties.
func ParseFacilitiesGeoJSON(data []byte, crs geo.CRS) ([]FacilityRow, error) {
	rows, err := facilityTable.readGeoJSON(data, crs)
	return facilityRows(rows), err
}

func facilityRows(rows []pointRow) []FacilityRow {
	out := make([]FacilityRow, len(rows))
	for i, r := range rows {
		out[i] = FacilityRow{Line: r.line, Err: r.err}
		if r.err == nil {
			out[i].Facility, out[i].Err = facilityFromFields(r.fields, r.point)
		} else {
			out[i].Facility.Name = r.fields["name"]
		}
	}
	return out
}

func facilityFromFields(f map[string]string, p orb.Point) (Facility, error) {
	fc := Facility{Code: f["code"], Name: f["name"], Category: Category(f["category"]), Point: p,
		Address: f["address"], Status: f["status"], OpenedOn: f["opened_on"], Note: f["note"]}
	if fc.Status == "" {
		fc.Status = StatusOpen
	}
	var err error
	if v := f["floor_area"]; v != "" {
		if fc.FloorArea, err = strconv.ParseFloat(v, 64); err != nil {
			return fc, badInput("建筑面积 %q 不是数值", "floor_area %q is not a number", cut(v, 30))
		}
	}
	if v := f["beds"]; v != "" {
		if fc.Beds, err = strconv.Atoi(v); err != nil {
			return fc, badInput("床位数 %q 不是整数", "beds %q is not an integer", cut(v, 30))
		}
	}
	if fc.VolunteerStation, err = parseBool("volunteer_station", f["volunteer_station"]); err != nil {
		return fc, err
	}
	if fc.Comprehensive, err = parseBool("comprehensive", f["comprehensive"]); err != nil {
		return fc, err
	}
	return fc, fc.Validate()
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "false", "0", "否", "no", "n":
		return false, nil
	case "true", "1", "是", "yes", "y":
		return true, nil
	}
	return false, badInput("%s 应为 true/false（是/否），而不是 %q", "%[1]s must be true or false, not %[2]q", name, cut(v, 20))
}

// HouseholdColumns are the columns of a household-point CSV (besides lon, lat).
var HouseholdColumns = []string{"households", "residents", "aged_60", "source"}

// HouseholdRow is one parsed household row, or why it is rejected.
type HouseholdRow struct {
	Line      int
	Household HouseholdPoint
	Err       error
}

var householdTable = pointTable{columns: HouseholdColumns, required: []string{"households"}}

// ParseHouseholdsCSV reads household points (households, residents,
// aged_60, source, lon, lat).
func ParseHouseholdsCSV(r io.Reader, crs geo.CRS) ([]HouseholdRow, error) {
	rows, err := householdTable.readCSV(r, crs)
	return householdRows(rows), err
}

// ParseHouseholdsGeoJSON reads household points from a FeatureCollection.
func ParseHouseholdsGeoJSON(data []byte, crs geo.CRS) ([]HouseholdRow, error) {
	rows, err := householdTable.readGeoJSON(data, crs)
	return householdRows(rows), err
}

func householdRows(rows []pointRow) []HouseholdRow {
	out := make([]HouseholdRow, len(rows))
	for i, r := range rows {
		out[i] = HouseholdRow{Line: r.line, Err: r.err}
		if r.err == nil {
			out[i].Household, out[i].Err = householdFromFields(r.fields, r.point)
		}
	}
	return out
}

func householdFromFields(f map[string]string, p orb.Point) (HouseholdPoint, error) {
	h := HouseholdPoint{Point: p, Source: f["source"]}
	for _, c := range []struct {
		name string
		dst  *int
	}{{"households", &h.Households}, {"residents", &h.Residents}, {"aged_60", &h.Aged60}} {
		v := f[c.name]
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			return h, badInput("%s 应为 0 至 1,000,000 的整数，而不是 %q", "%[1]s must be an integer from 0 to 1,000,000, not %[2]q", c.name, cut(v, 30))
		}
		*c.dst = n
	}
	return h, h.Validate()
}

// Validate checks a household point.
func (h HouseholdPoint) Validate() error {
	if _, err := toWGS84(h.Point, geo.WGS84); err != nil {
		return err
	}
	if h.Households <= 0 {
		return badInput("户数应大于 0", "households must be more than 0")
	}
	if h.Residents < 0 || h.Aged60 < 0 || h.Aged60 > h.Residents {
		return badInput("人口 %d、60 岁以上 %d 不合理（60 岁以上不能多于人口）", "residents %d and aged 60+ %d do not fit (aged 60+ cannot exceed residents)", h.Residents, h.Aged60)
	}
	if utf8.RuneCountInString(h.Source) > MaxFacilityText {
		return badInput("来源超过 %d 字", "the source is longer than %d characters", MaxFacilityText)
	}
	return nil
}

// Rejected lists the bad rows of a facility import.
func Rejected[R FacilityRow | HouseholdRow](rows []R) []RowError {
	var out []RowError
	for _, r := range rows {
		switch r := any(r).(type) {
		case FacilityRow:
			if r.Err != nil {
				out = append(out, rowError(r.Line, r.Facility.Name, r.Err))
			}
		case HouseholdRow:
			if r.Err != nil {
				out = append(out, rowError(r.Line, "", r.Err))
			}
		}
	}
	return out
}

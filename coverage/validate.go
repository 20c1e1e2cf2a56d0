package coverage

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"diming"
)

const maxBulkText = 1000

// rowKind names the rows of a batch in both languages, for error messages.
type rowKind struct{ zh, en string }

var (
	segmentRow   = rowKind{"路段", "road segment"}
	householdRow = rowKind{"住户点", "household point"}
	unitRow      = rowKind{"结果单元", "run unit"}
	runPointRow  = rowKind{"结果点", "run point"}
)

// badRow is EINVALID naming the batch's row i (counted from 1).
func badBatchRow(k rowKind, i int, zh, en string, args ...any) error {
	e := diming.Errorf(diming.EINVALID, zh, en, args...)
	e.Message = fmt.Sprintf("第 %d 个%s：%s", i+1, k.zh, e.Message)
	e.MessageEN = fmt.Sprintf("%s %d: %s", k.en, i+1, e.MessageEN)
	return e
}

func badLonLat(p orb.Point) bool {
	return math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) ||
		p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90
}

func badFinite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return true
		}
	}
	return false
}

func badBulkText(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || utf8.RuneCountInString(s) > maxBulkText {
			return true
		}
	}
	return false
}

// ValidateRoadSegments checks a batch of road segments before a store
// writes them: at least two points in range, valid text. The error names
// the first bad row.
func ValidateRoadSegments(segs []RoadSegment) error {
	for i, r := range segs {
		if len(r.Geometry) < 2 {
			return badBatchRow(segmentRow, i, "至少需要 2 个点", "needs at least 2 points")
		}
		for _, p := range r.Geometry {
			if badLonLat(p) {
				return badBatchRow(segmentRow, i, "坐标 (%v, %v) 超出经纬度范围", "coordinates (%v, %v) are out of range", p[0], p[1])
			}
		}
		if badBulkText(r.Class, r.Name, r.Source) {
			return badBatchRow(segmentRow, i, "等级、名称或来源不是有效的文本", "class, name or source is not valid text")
		}
	}
	return nil
}

// ValidateHouseholds checks a batch of household points before a store
// writes them (counts within what the stores hold, aged 60+ at most the
// residents). The error names the first bad row.
func ValidateHouseholds(hs []HouseholdPoint) error {
	for i, h := range hs {
		if badLonLat(h.Point) {
			return badBatchRow(householdRow, i, "坐标 (%v, %v) 超出经纬度范围", "coordinates (%v, %v) are out of range", h.Point[0], h.Point[1])
		}
		if h.Households < 0 || h.Residents < 0 || h.Aged60 < 0 || h.Households > math.MaxInt32 || h.Residents > math.MaxInt32 {
			return badBatchRow(householdRow, i, "户数和人数应在 0 至 %d 之间", "counts must be between 0 and %d", math.MaxInt32)
		}
		if h.Aged60 > h.Residents {
			return badBatchRow(householdRow, i, "60 岁及以上人口 %d 多于常住人口 %d", "%d residents aged 60+ exceed the %d residents", h.Aged60, h.Residents)
		}
		if badBulkText(h.Source) {
			return badBatchRow(householdRow, i, "来源不是有效的文本", "the source is not valid text")
		}
	}
	return nil
}

// Validate checks a run before a store saves it: a report name, valid
// JSON, finite numbers, closed rings and coordinates in range.
func (r Run) Validate() error {
	if r.Report == "" || utf8.RuneCountInString(r.Report) > 40 || badBulkText(r.Report) {
		return diming.Errorf(diming.EINVALID, "覆盖率结果缺少有效的报表名", "a coverage run needs a valid report name")
	}
	for _, j := range []json.RawMessage{r.Params, r.Summary} {
		if len(j) > 0 && !json.Valid(j) {
			return diming.Errorf(diming.EINVALID, "覆盖率结果的参数或汇总不是有效的 JSON", "the run's params or summary is not valid JSON")
		}
	}
	for i, u := range r.Units {
		if u.DivisionCode == "" || badBulkText(u.DivisionCode, u.Name, u.Level) {
			return badBatchRow(unitRow, i, "缺少有效的区划代码", "needs a valid division code")
		}
		if badFinite(u.Total, u.Covered, u.Value) {
			return badBatchRow(unitRow, i, "数值不是有限数", "a number is not finite")
		}
		if len(u.Extra) > 0 && !json.Valid(u.Extra) {
			return badBatchRow(unitRow, i, "附加数据不是有效的 JSON", "extra is not valid JSON")
		}
		for _, poly := range u.Geometry {
			if len(poly) == 0 {
				return badBatchRow(unitRow, i, "多边形没有边界环", "a polygon has no ring")
			}
			for _, ring := range poly {
				if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
					return badBatchRow(unitRow, i, "多边形的环未闭合或少于 4 个点", "a polygon ring is not closed or has fewer than 4 points")
				}
				for _, p := range ring {
					if badLonLat(p) {
						return badBatchRow(unitRow, i, "坐标 (%v, %v) 超出经纬度范围", "coordinates (%v, %v) are out of range", p[0], p[1])
					}
				}
			}
		}
	}
	for i, p := range r.Points {
		if p.Kind == "" || badBulkText(p.Kind) {
			return badBatchRow(runPointRow, i, "缺少类型", "needs a kind")
		}
		if badLonLat(p.Point) {
			return badBatchRow(runPointRow, i, "坐标 (%v, %v) 超出经纬度范围", "coordinates (%v, %v) are out of range", p.Point[0], p.Point[1])
		}
		if badFinite(p.Value) {
			return badBatchRow(runPointRow, i, "数值不是有限数", "the value is not finite")
		}
		if len(p.Extra) > 0 && !json.Valid(p.Extra) {
			return badBatchRow(runPointRow, i, "附加数据不是有效的 JSON", "extra is not valid JSON")
		}
	}
	return nil
}

// ValidateFacilityImport checks a batch of facilities before a store
// imports it: every row valid (the error names the row), and no code
// repeated within the batch.
func ValidateFacilityImport(fs []Facility) error {
	seen := map[string]int{}
	for i, f := range fs {
		if err := f.Validate(); err != nil {
			var e *diming.Error
			if errors.As(err, &e) {
				return &diming.Error{Code: e.Code, Message: fmt.Sprintf("第 %d 行：%s", i+1, e.Message),
					MessageEN: fmt.Sprintf("row %d: %s", i+1, e.MessageEN), Err: e.Err}
			}
			return err
		}
		if f.Code == "" {
			continue
		}
		if j, ok := seen[f.Code]; ok {
			return diming.Errorf(diming.EINVALID, "第 %d 行与第 %d 行的设施编号 %s 重复", "rows %d and %d have the same facility code %s", j+1, i+1, f.Code)
		}
		seen[f.Code] = i
	}
	return nil
}

package coverage

import (
	"encoding/json"
	"fmt"
	"math"

	"diming"
	"diming/gazetteer"
)

// UnitValue is a village-level unit's value in a report, for the map.
type UnitValue struct {
	Code  string
	Name  string
	Value float64
	Met   bool
	// Label says what Value is, e.g. "households_share".
	Label          string
	Total, Covered float64
	Extra          map[string]any
}

// UnitValues lists the village-level rows of a report with the value a
// map colours by: the covered share of households (eldercare), of
// residents (lottery), m² per 100 households (facility-area) or the walk
// to the nearest funeral point (funeral).
func UnitValues(report any) []UnitValue {
	var out []UnitValue
	switch r := report.(type) {
	case *EldercareReport:
		for _, v := range r.Villages {
			out = append(out, UnitValue{Code: v.Code, Name: v.Name, Value: v.Households.Share, Met: v.HasFacility, Label: "households_share",
				Total: float64(v.Households.Total), Covered: float64(v.Households.Covered),
				Extra: map[string]any{"households": v.Households.Total, "households_covered": v.Households.Covered,
					"aged_60": v.Aged60.Total, "aged_60_covered": v.Aged60.Covered, "aged_60_share": v.Aged60.Share,
					"facilities": v.Facilities, "has_facility": v.HasFacility}})
		}
	case *LotteryReport:
		for _, v := range r.Villages {
			out = append(out, UnitValue{Code: v.Code, Name: v.Name, Value: v.Residents.Share, Met: v.Outlets > 0, Label: "residents_share",
				Total: float64(v.Residents.Total), Covered: float64(v.Residents.Covered),
				Extra: map[string]any{"outlets": v.Outlets, "residents": v.Residents.Total, "residents_covered": v.Residents.Covered}})
		}
	case *FacilityAreaReport:
		for _, v := range r.Villages {
			val := math.NaN()
			if v.PerHundred != nil {
				val = *v.PerHundred
			}
			u := UnitValue{Code: v.Code, Name: v.Name, Value: val, Met: v.Met, Label: "m2_per_100_households",
				Total: float64(v.Households), Covered: v.FloorArea,
				Extra: map[string]any{"floor_area": v.FloorArea, "households": v.Households, "facilities": v.Facilities, "with_volunteer_station": v.WithVolunteer}}
			if math.IsNaN(val) {
				u.Value = 0
			}
			out = append(out, u)
		}
	case *FuneralReport:
		for _, v := range r.Villages {
			u := UnitValue{Code: v.Code, Name: v.Name, Value: -1, Label: "walk_m", Extra: map[string]any{}}
			if v.WalkM != nil {
				u.Value, u.Met = *v.WalkM, true
				u.Extra["nearest"] = v.Walk.Name
			}
			if v.StraightM != nil {
				u.Extra["straight_m"] = *v.StraightM
			}
			out = append(out, u)
		}
	}
	return out
}

// NewRun turns a computed report into a run to save: its parameters, data
// version and summary (the report without its per-unit rows), a unit row
// with the polygon for every village-level unit, and points (uncovered
// household points, suggested sites).
func NewRun(report any, divs *gazetteer.DivisionIndex) (Run, error) {
	var run Run
	var summary any
	switch r := report.(type) {
	case *EldercareReport:
		s := *r
		s.Townships, s.Villages, s.Uncovered = nil, nil, nil
		run, summary = Run{Report: r.Report, DataVersion: r.DataVersion, ComputedAt: r.ComputedAt}, s
		run.Params, _ = json.Marshal(r.Params)
		for _, u := range r.Uncovered {
			extra, _ := json.Marshal(map[string]any{"households": u.Households, "aged_60": u.Aged60, "village": u.Village})
			val := -1.0
			if u.WalkM != nil {
				val = *u.WalkM
			}
			run.Points = append(run.Points, RunPoint{Kind: "uncovered_household", RefID: u.ID, Value: val, Point: u.Point, Extra: extra})
		}
	case *LotteryReport:
		s := *r
		s.Townships, s.Villages = nil, nil
		run, summary = Run{Report: r.Report, DataVersion: r.DataVersion, ComputedAt: r.ComputedAt}, s
		run.Params, _ = json.Marshal(r.Params)
	case *FacilityAreaReport:
		s := *r
		s.Townships, s.Villages, s.Under = nil, nil, nil
		run, summary = Run{Report: r.Report, DataVersion: r.DataVersion, ComputedAt: r.ComputedAt}, s
		run.Params, _ = json.Marshal(r.Params)
	case *FuneralReport:
		s := *r
		s.Villages = nil
		run, summary = Run{Report: r.Report, DataVersion: r.DataVersion, ComputedAt: r.ComputedAt}, s
		run.Params, _ = json.Marshal(r.Params)
	case *SitingResult:
		s := *r
		s.Sites = nil
		run, summary = Run{Report: r.Report, DataVersion: r.DataVersion, ComputedAt: r.ComputedAt}, s
		run.Params, _ = json.Marshal(r.Params)
		for _, site := range r.Sites {
			extra, _ := json.Marshal(site)
			run.Points = append(run.Points, RunPoint{Kind: "site", RefID: int64(site.Rank), Value: float64(site.AddedResidents), Point: site.Point, Extra: extra})
		}
	case *IndicatorReport:
		run, summary = Run{Report: r.Report, DataVersion: r.DataVersion, ComputedAt: r.ComputedAt}, r
		run.Params, _ = json.Marshal(r.Params)
		for _, ind := range r.Indicators {
			for _, t := range ind.ByTownship {
				d, err := divs.Division(t.Code)
				if err != nil {
					continue
				}
				extra, _ := json.Marshal(map[string]any{"indicator": ind.ID, "indicator_name": ind.Name})
				met := t.Met != nil && *t.Met
				run.Units = append(run.Units, RunUnit{DivisionCode: t.Code, Name: fmt.Sprintf("%s（指标%d）", t.Name, ind.ID), Level: string(d.Level),
					Value: t.Value, Met: met, Geometry: d.Geometry, Extra: extra})
			}
		}
	default:
		return Run{}, diming.Errorf(diming.EINVALID, "无法保存此类结果", "this result cannot be saved")
	}
	var err error
	if run.Summary, err = json.Marshal(summary); err != nil {
		return Run{}, fmt.Errorf("coverage: run summary: %w", err)
	}
	for _, u := range UnitValues(report) {
		d, err := divs.Division(u.Code)
		if err != nil {
			continue
		}
		extra, _ := json.Marshal(u.Extra)
		run.Units = append(run.Units, RunUnit{DivisionCode: u.Code, Name: u.Name, Level: string(d.Level), Total: u.Total,
			Covered: u.Covered, Value: u.Value, Met: u.Met, Geometry: d.Geometry, Extra: extra})
	}
	return run, nil
}

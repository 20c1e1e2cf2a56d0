package coverage

import (
	"time"

	"diming/gazetteer"
)

// IndicatorParams are the indicator report's parameters.
type IndicatorParams struct {
	// IncludePlanned counts planned facilities as if open (the 2025 plan).
	IncludePlanned bool `json:"include_planned"`
	// Eldercare is the walk of indicator 20's 15-minute circle.
	Eldercare Walk `json:"eldercare_walk"`
}

// TownshipValue is an indicator's value in one township-level unit.
type TownshipValue struct {
	Code  string  `json:"code"`
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	// Met is whether the unit meets the target, where the target applies
	// to units (absent for district-wide counts such as indicator 5).
	Met *bool `json:"met,omitempty"`
}

// Indicator is one of the plan's spatial indicators.
type Indicator struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	// Unit: "count", "share" (0–1) or "m2_per_100_households".
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
	// Target and Comparison: the value must be Comparison (">=" or ">") Target.
	Target     float64 `json:"target"`
	Comparison string  `json:"comparison"`
	Met        bool    `json:"met"`
	// Baseline is the plan's 2020 figure, where it gives one.
	Baseline    *float64        `json:"baseline_2020,omitempty"`
	Numerator   int             `json:"numerator,omitempty"`
	Denominator int             `json:"denominator,omitempty"`
	Extra       map[string]any  `json:"extra,omitempty"`
	ByTownship  []TownshipValue `json:"by_township"`
}

// IndicatorReport is the plan's indicators 5, 6, 9, 11, 13, 16 and 20.
type IndicatorReport struct {
	Report      string          `json:"report"`
	Params      IndicatorParams `json:"params"`
	DataVersion int64           `json:"data_version"`
	ComputedAt  time.Time       `json:"computed_at"`
	Indicators  []Indicator     `json:"indicators"`
}

func meets(value, target float64, cmp string) bool {
	if cmp == ">" {
		return value > target
	}
	return value >= target
}

func ptr[T any](v T) *T { return &v }

// Indicators computes the indicator report.
func (m *Model) Indicators(p IndicatorParams) (*IndicatorReport, error) {
	if p.Eldercare == (Walk{}) {
		p.Eldercare = DefaultEldercareWalk
	}
	if err := p.Eldercare.Validate(); err != nil {
		return nil, err
	}
	key := cacheKey("indicators", p)
	if r, ok := m.cache.get(key); ok {
		return r.(*IndicatorReport), nil
	}
	r := &IndicatorReport{Report: "indicators", Params: p, DataVersion: m.Version, ComputedAt: time.Now().UTC()}
	filter := func(cats ...Category) []PlacedFacility {
		return m.Select(FacilityFilter{Categories: cats, IncludePlanned: p.IncludePlanned})
	}
	perTown := func(fs []PlacedFacility) map[string]int {
		n := map[string]int{}
		for _, f := range fs {
			n[f.Township]++
		}
		return n
	}
	// Indicators over townships: the share of them with at least one.
	townShare := func(id int, name, nameEN string, target float64, cmp string, fs []PlacedFacility) Indicator {
		n := perTown(fs)
		ind := Indicator{ID: id, Name: name, NameEN: nameEN, Unit: "share", Target: target, Comparison: cmp, Denominator: len(m.townships)}
		for _, t := range m.townships {
			v := 0.0
			if n[t.Code] > 0 {
				v = 1
				ind.Numerator++
			}
			ind.ByTownship = append(ind.ByTownship, TownshipValue{Code: t.Code, Name: t.Name, Value: v, Met: ptr(v == 1)})
		}
		ind.Value = share(ind.Numerator, ind.Denominator)
		ind.Met = meets(ind.Value, target, cmp)
		return ind
	}

	// 5: welfare-lottery outlets.
	outlets := filter(LotteryOutlet)
	ind5 := Indicator{ID: 5, Name: "福利彩票销售网点数", NameEN: "welfare-lottery outlets", Unit: "count",
		Value: float64(len(outlets)), Target: LotteryTarget, Comparison: ">=", Baseline: ptr(307.0)}
	ind5.Met = meets(ind5.Value, ind5.Target, ">=")
	n5 := perTown(outlets)
	for _, t := range m.townships {
		ind5.ByTownship = append(ind5.ByTownship, TownshipValue{Code: t.Code, Name: t.Name, Value: float64(n5[t.Code])})
	}
	if un := len(outlets) - sumCounts(n5, m.townships); un > 0 {
		ind5.Extra = map[string]any{"outside_townships": un}
	}

	// 6 and 9: community service facilities.
	area := m.FacilityArea(AreaParams{IncludePlanned: p.IncludePlanned})
	ind6 := Indicator{ID: 6, Name: "每百户居民拥有的城乡社区综合服务设施面积", NameEN: "community service facility floor area per 100 households",
		Unit: "m2_per_100_households", Value: area.PerHundred, Target: FacilityAreaTarget, Comparison: ">",
		Extra: map[string]any{"villages_met": area.VillagesMet, "floor_area_m2": area.FloorArea, "households": area.Households}}
	ind6.Met = meets(ind6.Value, ind6.Target, ">")
	ind9 := Indicator{ID: 9, Name: "志愿服务站点覆盖率", NameEN: "community service facilities with a volunteer station", Unit: "share",
		Value: area.VolunteerShare, Target: 0.8, Comparison: ">=", Numerator: area.WithVolunteer, Denominator: area.Facilities}
	ind9.Met = meets(ind9.Value, 0.8, ">=")
	for _, t := range area.Townships {
		v := 0.0
		if t.PerHundred != nil {
			v = *t.PerHundred
		}
		ind6.ByTownship = append(ind6.ByTownship, TownshipValue{Code: t.Code, Name: t.Name, Value: v, Met: ptr(t.Met)})
		s := share(t.WithVolunteer, t.Facilities)
		ind9.ByTownship = append(ind9.ByTownship, TownshipValue{Code: t.Code, Name: t.Name, Value: s, Met: ptr(t.Facilities > 0 && s >= 0.8)})
	}

	// 11, 13, 16: one per township.
	ind11 := townShare(11, "未成年人保护工作站覆盖率", "townships with a minor-protection station", 1, ">=", filter(MinorProtectionStation))
	ind13 := townShare(13, "镇街城乡公益性安葬(放)设施覆盖率", "townships with a public interment facility", 1, ">=", filter(PublicCemetery))
	var comprehensive []PlacedFacility
	for _, f := range filter(StreetEldercareCentre, TownEldercareCentre, EldercareInstitution) {
		if f.Category != EldercareInstitution || f.Comprehensive {
			comprehensive = append(comprehensive, f)
		}
	}
	ind16 := townShare(16, "具备综合功能的养老服务机构覆盖率", "townships with a comprehensive eldercare institution", 0.9, ">=", comprehensive)
	ind16.Extra = map[string]any{"counts": "街道/乡镇养老服务中心与具备综合功能的养老机构 (street and town eldercare centres and comprehensive institutions)"}

	// 20: community home eldercare facilities.
	ec, err := m.Eldercare(EldercareParams{Walk: p.Eldercare, IncludePlanned: p.IncludePlanned, UncoveredLimit: 1})
	if err != nil {
		return nil, err
	}
	ind20 := Indicator{ID: 20, Name: "社区居家养老服务设施覆盖率", NameEN: "community home eldercare facility coverage", Unit: "share",
		Value: ec.VillagesWithFacility.Share, Target: 0.95, Comparison: ">", Baseline: ptr(0.9196),
		Numerator: ec.VillagesWithFacility.Covered, Denominator: ec.VillagesWithFacility.Total,
		Extra: map[string]any{"walk_limit_m": ec.LimitM, "households_within_walk": ec.Households, "aged_60_within_walk": ec.Aged60}}
	ind20.Met = meets(ind20.Value, 0.95, ">")
	villagesIn := map[string]*Count{}
	for _, v := range ec.Villages {
		c := villagesIn[v.ParentCode]
		if c == nil {
			c = &Count{}
			villagesIn[v.ParentCode] = c
		}
		c.add(1, v.HasFacility)
	}
	for _, t := range m.townships {
		c := villagesIn[t.Code]
		if c == nil {
			c = &Count{}
		}
		c.finish()
		ind20.ByTownship = append(ind20.ByTownship, TownshipValue{Code: t.Code, Name: t.Name, Value: c.Share, Met: ptr(c.Total > 0 && c.Share > 0.95)})
	}
	r.Indicators = []Indicator{ind5, ind6, ind9, ind11, ind13, ind16, ind20}
	m.cache.put(key, r)
	return r, nil
}

func sumCounts(n map[string]int, towns []gazetteer.Division) int {
	s := 0
	for _, t := range towns {
		s += n[t.Code]
	}
	return s
}

package coverage

import (
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"diming"
	"diming/gazetteer"
)

// EldercareParams are the eldercare report's parameters.
type EldercareParams struct {
	Walk
	// IncludePlanned counts planned facilities as if open (the 2025 plan).
	IncludePlanned bool `json:"include_planned"`
	// UncoveredLimit is how many uncovered household points to list (most
	// households first); the report always counts them all.
	UncoveredLimit int `json:"uncovered_limit"`
}

// MaxListed is the most points a report lists.
const MaxListed = 10000

// Validate checks the parameters.
func (p EldercareParams) Validate() error {
	if err := p.Walk.Validate(); err != nil {
		return err
	}
	if p.UncoveredLimit < 0 || p.UncoveredLimit > MaxListed {
		return diming.Errorf(diming.EINVALID, "列出的未覆盖点数 %d 无效（0 至 %d）", "uncovered_limit %d is invalid (0 to %d)", p.UncoveredLimit, MaxListed)
	}
	return nil
}

// UnitCoverage is one division's row of the eldercare report.
type UnitCoverage struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	ParentCode string `json:"parent_code,omitempty"`
	Households Count  `json:"households"`
	Residents  Count  `json:"residents"`
	Aged60     Count  `json:"aged_60"`
	// Facilities is how many community home eldercare facilities stand in it.
	Facilities  int  `json:"facilities"`
	HasFacility bool `json:"has_facility"`
}

// UncoveredPoint is a household point beyond the walking limit.
type UncoveredPoint struct {
	ID         int64     `json:"id"`
	Point      orb.Point `json:"point"`
	Households int       `json:"households"`
	Aged60     int       `json:"aged_60"`
	Village    string    `json:"village,omitempty"`
	// WalkM is the walk to the nearest facility, when one is within the
	// search horizon (4 × the limit, at least 5 km); absent otherwise.
	WalkM *float64 `json:"walk_m,omitempty"`
	// OffNetworkM is how far the point is from the walking network.
	OffNetworkM float64 `json:"off_network_m"`
}

// EldercareReport is the 15-minute eldercare circle: who lives within the
// walk of a community home eldercare facility (indicator 20).
type EldercareReport struct {
	Report      string          `json:"report"`
	Params      EldercareParams `json:"params"`
	DataVersion int64           `json:"data_version"`
	ComputedAt  time.Time       `json:"computed_at"`
	LimitM      float64         `json:"limit_m"`
	Facilities  int             `json:"facilities"`
	Households  Count           `json:"households"`
	Residents   Count           `json:"residents"`
	Aged60      Count           `json:"aged_60"`
	// VillagesWithFacility: village-level units with a facility inside
	// (covered) out of all (indicator 20's count).
	VillagesWithFacility Count `json:"villages_with_facility"`
	// Unplaced counts households in no village-level unit (part of the
	// totals, in no row).
	Unplaced Count `json:"unplaced"`
	// OffNetwork is how many household points could not be placed on the
	// network at all (no network); they count as uncovered.
	OffNetwork int            `json:"off_network"`
	Townships  []UnitCoverage `json:"townships"`
	Villages   []UnitCoverage `json:"villages"`
	// Uncovered lists uncovered household points, most households first.
	Uncovered       []UncoveredPoint `json:"uncovered"`
	UncoveredPoints int              `json:"uncovered_points"`
}

// householdWalks runs one multi-source search from the facilities and
// returns every household point's walk to the nearest one (+Inf beyond
// horizon or off the network).
func (m *Model) householdWalks(fs []PlacedFacility, horizon float64) []float64 {
	walks := make([]float64, len(m.households))
	for i := range walks {
		walks[i] = math.Inf(1)
	}
	if m.Graph == nil {
		return walks
	}
	var sources []Snap
	for _, f := range fs {
		if f.OnGraph {
			sources = append(sources, f.Snap)
		}
	}
	if len(sources) == 0 {
		return walks
	}
	s := m.Graph.AcquireSearcher()
	defer m.Graph.ReleaseSearcher(s)
	s.Run(sources, horizon)
	for i, h := range m.households {
		if !h.OnGraph {
			continue
		}
		if d, _, ok := s.DistanceTo(h.Snap); ok {
			walks[i] = d
		}
	}
	return walks
}

// unitRows makes a row for each township and village, keyed by code.
func (m *Model) unitRows() (towns, villages []UnitCoverage, byCode map[string]*UnitCoverage) {
	towns = make([]UnitCoverage, len(m.townships))
	villages = make([]UnitCoverage, len(m.villages))
	byCode = make(map[string]*UnitCoverage, len(towns)+len(villages))
	for i, d := range m.townships {
		towns[i] = UnitCoverage{Code: d.Code, Name: d.Name, Level: string(d.Level), ParentCode: d.ParentCode}
		byCode[d.Code] = &towns[i]
	}
	for i, d := range m.villages {
		villages[i] = UnitCoverage{Code: d.Code, Name: d.Name, Level: string(d.Level), ParentCode: d.ParentCode}
		byCode[d.Code] = &villages[i]
	}
	return towns, villages, byCode
}

// Eldercare computes the eldercare report.
func (m *Model) Eldercare(p EldercareParams) (*EldercareReport, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	key := cacheKey("eldercare", p)
	if r, ok := m.cache.get(key); ok {
		return r.(*EldercareReport), nil
	}
	limit := p.Metres()
	fs := m.Select(FacilityFilter{Categories: CommunityEldercare, IncludePlanned: p.IncludePlanned})
	walks := m.householdWalks(fs, math.Max(4*limit, 5000))
	r := &EldercareReport{Report: "eldercare", Params: p, DataVersion: m.Version, ComputedAt: time.Now().UTC(),
		LimitM: limit, Facilities: len(fs)}
	towns, villages, byCode := m.unitRows()
	for _, f := range fs {
		for _, code := range []string{f.Village, f.Township} {
			if u := byCode[code]; u != nil {
				u.Facilities++
				u.HasFacility = true
			}
		}
	}
	var uncovered []UncoveredPoint
	for i, h := range m.households {
		covered := walks[i] <= limit
		rows := []*Count{&r.Households, &r.Residents, &r.Aged60}
		vals := []int{h.Households, h.Residents, h.Aged60}
		for k, c := range rows {
			c.add(vals[k], covered)
		}
		if v := byCode[h.Village]; v != nil {
			v.Households.add(h.Households, covered)
			v.Residents.add(h.Residents, covered)
			v.Aged60.add(h.Aged60, covered)
		} else {
			r.Unplaced.add(h.Households, covered)
		}
		if t := byCode[h.Township]; t != nil {
			t.Households.add(h.Households, covered)
			t.Residents.add(h.Residents, covered)
			t.Aged60.add(h.Aged60, covered)
		}
		if !h.OnGraph {
			r.OffNetwork++
		}
		if !covered {
			u := UncoveredPoint{ID: h.ID, Point: h.Point, Households: h.Households, Aged60: h.Aged60, Village: h.Village, OffNetworkM: round1(h.Snap.Offset)}
			if !math.IsInf(walks[i], 1) {
				w := round1(walks[i])
				u.WalkM = &w
			}
			uncovered = append(uncovered, u)
		}
	}
	for _, rows := range [][]UnitCoverage{towns, villages} {
		for i := range rows {
			rows[i].Households.finish()
			rows[i].Residents.finish()
			rows[i].Aged60.finish()
		}
	}
	for _, v := range villages {
		r.VillagesWithFacility.add(1, v.HasFacility)
	}
	for _, c := range []*Count{&r.Households, &r.Residents, &r.Aged60, &r.VillagesWithFacility, &r.Unplaced} {
		c.finish()
	}
	r.Townships, r.Villages = towns, villages
	r.UncoveredPoints = len(uncovered)
	sort.SliceStable(uncovered, func(a, b int) bool {
		if uncovered[a].Households != uncovered[b].Households {
			return uncovered[a].Households > uncovered[b].Households
		}
		return uncovered[a].ID < uncovered[b].ID
	})
	n := p.UncoveredLimit
	if n == 0 {
		n = 100
	}
	r.Uncovered = uncovered[:min(n, len(uncovered))]
	m.cache.put(key, r)
	return r, nil
}

// division returns a division by code, or the zero Division.
func (m *Model) division(code string) gazetteer.Division {
	d, _ := m.divs.Division(code)
	return d
}

package coverage

import (
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"diming/geo"
)

// FacilityAreaTarget is indicator 6's target: more than 30 m² of community
// service facility floor area per 100 households.
const FacilityAreaTarget = 30.0

// AreaParams are the facility-area report's parameters.
type AreaParams struct {
	IncludePlanned bool `json:"include_planned"`
}

// AreaUnit is one division's row of the facility-area report.
type AreaUnit struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	ParentCode string `json:"parent_code,omitempty"`
	// Households is the division's household figure (the register's).
	Households    int     `json:"households"`
	FloorArea     float64 `json:"floor_area"`
	Facilities    int     `json:"facilities"`
	WithVolunteer int     `json:"with_volunteer_station"`
	// PerHundred is floor area ÷ households × 100 (absent without households).
	PerHundred *float64 `json:"per_100_households,omitempty"`
	Met        bool     `json:"met"`
}

// FacilityAreaReport is community service floor area per 100 households
// (indicator 6) and the volunteer-station share (indicator 9).
type FacilityAreaReport struct {
	Report      string     `json:"report"`
	Params      AreaParams `json:"params"`
	DataVersion int64      `json:"data_version"`
	ComputedAt  time.Time  `json:"computed_at"`
	Target      float64    `json:"target"`
	FloorArea   float64    `json:"floor_area"`
	Households  int        `json:"households"`
	PerHundred  float64    `json:"per_100_households"`
	// VillagesMet counts village-level units over the target (covered).
	VillagesMet    Count   `json:"villages_met"`
	Facilities     int     `json:"facilities"`
	WithVolunteer  int     `json:"with_volunteer_station"`
	VolunteerShare float64 `json:"volunteer_share"`
	// Unplaced counts facilities in no village-level unit (in the totals,
	// in no row).
	Unplaced  int        `json:"unplaced_facilities"`
	Townships []AreaUnit `json:"townships"`
	Villages  []AreaUnit `json:"villages"`
	// Under lists the village-level units under the target, lowest first.
	Under []AreaUnit `json:"under"`
}

// FacilityArea computes the facility-area report.
func (m *Model) FacilityArea(p AreaParams) *FacilityAreaReport {
	key := cacheKey("facility-area", p)
	if r, ok := m.cache.get(key); ok {
		return r.(*FacilityAreaReport)
	}
	r := &FacilityAreaReport{Report: "facility-area", Params: p, DataVersion: m.Version, ComputedAt: time.Now().UTC(), Target: FacilityAreaTarget}
	towns := make([]AreaUnit, len(m.townships))
	villages := make([]AreaUnit, len(m.villages))
	byCode := map[string]*AreaUnit{}
	for i, d := range m.townships {
		towns[i] = AreaUnit{Code: d.Code, Name: d.Name, Level: string(d.Level), ParentCode: d.ParentCode}
		byCode[d.Code] = &towns[i]
	}
	for i, d := range m.villages {
		villages[i] = AreaUnit{Code: d.Code, Name: d.Name, Level: string(d.Level), ParentCode: d.ParentCode, Households: d.Households}
		byCode[d.Code] = &villages[i]
		if t := byCode[d.ParentCode]; t != nil {
			t.Households += d.Households
		}
		r.Households += d.Households
	}
	for _, f := range m.Select(FacilityFilter{Categories: []Category{CommunityServiceFacility}, IncludePlanned: p.IncludePlanned}) {
		r.Facilities++
		r.FloorArea += f.FloorArea
		if f.VolunteerStation {
			r.WithVolunteer++
		}
		v := byCode[f.Village]
		if v == nil {
			r.Unplaced++
			continue
		}
		for _, u := range []*AreaUnit{v, byCode[v.ParentCode]} {
			if u == nil {
				continue
			}
			u.Facilities++
			u.FloorArea += f.FloorArea
			if f.VolunteerStation {
				u.WithVolunteer++
			}
		}
	}
	for _, rows := range [][]AreaUnit{towns, villages} {
		for i := range rows {
			u := &rows[i]
			u.FloorArea = round1(u.FloorArea)
			if u.Households > 0 {
				v := round1(u.FloorArea / float64(u.Households) * 100)
				u.PerHundred = &v
				u.Met = v > FacilityAreaTarget
			}
		}
	}
	for _, v := range villages {
		r.VillagesMet.add(1, v.Met)
		if !v.Met {
			r.Under = append(r.Under, v)
		}
	}
	r.VillagesMet.finish()
	sort.SliceStable(r.Under, func(a, b int) bool { return perHundred(r.Under[a]) < perHundred(r.Under[b]) })
	r.FloorArea = round1(r.FloorArea)
	if r.Households > 0 {
		r.PerHundred = round1(r.FloorArea / float64(r.Households) * 100)
	}
	r.VolunteerShare = share(r.WithVolunteer, r.Facilities)
	r.Townships, r.Villages = towns, villages
	m.cache.put(key, r)
	return r
}

func perHundred(u AreaUnit) float64 {
	if u.PerHundred == nil {
		return -1
	}
	return *u.PerHundred
}

// LotteryTarget is indicator 5's 2025 target number of outlets.
const LotteryTarget = 350

// LotteryParams are the lottery report's parameters.
type LotteryParams struct {
	Walk
	IncludePlanned bool `json:"include_planned"`
}

// LotteryUnit is one division's row of the lottery report.
type LotteryUnit struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	ParentCode string `json:"parent_code,omitempty"`
	Outlets    int    `json:"outlets"`
	Residents  Count  `json:"residents"`
	Households Count  `json:"households"`
	// PerTenThousand is outlets per 10,000 residents of the household points.
	PerTenThousand float64 `json:"outlets_per_10k_residents"`
}

// LotteryReport is welfare-lottery outlets against the target (indicator
// 5) and the residents within a walk of one.
type LotteryReport struct {
	Report      string        `json:"report"`
	Params      LotteryParams `json:"params"`
	DataVersion int64         `json:"data_version"`
	ComputedAt  time.Time     `json:"computed_at"`
	LimitM      float64       `json:"limit_m"`
	Outlets     int           `json:"outlets"`
	Target      int           `json:"target"`
	Met         bool          `json:"met"`
	Residents   Count         `json:"residents"`
	Households  Count         `json:"households"`
	Unplaced    Count         `json:"unplaced"`
	Townships   []LotteryUnit `json:"townships"`
	Villages    []LotteryUnit `json:"villages"`
}

// Lottery computes the lottery report.
func (m *Model) Lottery(p LotteryParams) (*LotteryReport, error) {
	if err := p.Walk.Validate(); err != nil {
		return nil, err
	}
	key := cacheKey("lottery", p)
	if r, ok := m.cache.get(key); ok {
		return r.(*LotteryReport), nil
	}
	limit := p.Metres()
	fs := m.Select(FacilityFilter{Categories: []Category{LotteryOutlet}, IncludePlanned: p.IncludePlanned})
	walks := m.householdWalks(fs, limit)
	r := &LotteryReport{Report: "lottery", Params: p, DataVersion: m.Version, ComputedAt: time.Now().UTC(), LimitM: limit,
		Outlets: len(fs), Target: LotteryTarget, Met: len(fs) >= LotteryTarget}
	towns := make([]LotteryUnit, len(m.townships))
	villages := make([]LotteryUnit, len(m.villages))
	byCode := map[string]*LotteryUnit{}
	for i, d := range m.townships {
		towns[i] = LotteryUnit{Code: d.Code, Name: d.Name, Level: string(d.Level), ParentCode: d.ParentCode}
		byCode[d.Code] = &towns[i]
	}
	for i, d := range m.villages {
		villages[i] = LotteryUnit{Code: d.Code, Name: d.Name, Level: string(d.Level), ParentCode: d.ParentCode}
		byCode[d.Code] = &villages[i]
	}
	for _, f := range fs {
		for _, c := range []string{f.Village, f.Township} {
			if u := byCode[c]; u != nil {
				u.Outlets++
			}
		}
	}
	for i, h := range m.households {
		covered := walks[i] <= limit
		r.Residents.add(h.Residents, covered)
		r.Households.add(h.Households, covered)
		if v := byCode[h.Village]; v != nil {
			v.Residents.add(h.Residents, covered)
			v.Households.add(h.Households, covered)
		} else {
			r.Unplaced.add(h.Residents, covered)
		}
		if t := byCode[h.Township]; t != nil {
			t.Residents.add(h.Residents, covered)
			t.Households.add(h.Households, covered)
		}
	}
	for _, rows := range [][]LotteryUnit{towns, villages} {
		for i := range rows {
			u := &rows[i]
			u.Residents.finish()
			u.Households.finish()
			if u.Residents.Total > 0 {
				u.PerTenThousand = round4(float64(u.Outlets) / float64(u.Residents.Total) * 1e4)
			}
		}
	}
	r.Residents.finish()
	r.Households.finish()
	r.Unplaced.finish()
	r.Townships, r.Villages = towns, villages
	m.cache.put(key, r)
	return r, nil
}

// FuneralParams are the funeral report's parameters.
type FuneralParams struct {
	IncludePlanned bool `json:"include_planned"`
}

// FacilityRef names a facility in a report.
type FacilityRef struct {
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	Category Category `json:"category"`
}

// FuneralTownship is a township's row: its interment facilities (indicator 13).
type FuneralTownship struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	Interment     int    `json:"interment_facilities"`
	HasInterment  bool   `json:"has_interment"`
	FuneralPoints int    `json:"funeral_points"`
}

// FuneralVillage is a village-level unit's distance to the nearest funeral
// point, measured from its label point (a point well inside it).
type FuneralVillage struct {
	Code       string       `json:"code"`
	Name       string       `json:"name"`
	ParentCode string       `json:"parent_code"`
	From       orb.Point    `json:"from"`
	Straight   *FacilityRef `json:"nearest_straight,omitempty"`
	StraightM  *float64     `json:"straight_m,omitempty"`
	Walk       *FacilityRef `json:"nearest_walk,omitempty"`
	WalkM      *float64     `json:"walk_m,omitempty"`
}

// FuneralReport is the funeral and interment coverage.
type FuneralReport struct {
	Report      string        `json:"report"`
	Params      FuneralParams `json:"params"`
	DataVersion int64         `json:"data_version"`
	ComputedAt  time.Time     `json:"computed_at"`
	Points      int           `json:"funeral_points"`
	// TownshipsWithInterment counts townships with a public interment
	// facility (covered) out of all (indicator 13).
	TownshipsWithInterment Count             `json:"townships_with_interment"`
	MeanWalkM              float64           `json:"mean_walk_m"`
	MaxWalkM               float64           `json:"max_walk_m"`
	Unreachable            int               `json:"unreachable_villages"`
	Townships              []FuneralTownship `json:"townships"`
	Villages               []FuneralVillage  `json:"villages"`
}

// Funeral computes the funeral report.
func (m *Model) Funeral(p FuneralParams) *FuneralReport {
	key := cacheKey("funeral", p)
	if r, ok := m.cache.get(key); ok {
		return r.(*FuneralReport)
	}
	filter := FacilityFilter{Categories: FuneralPoints, IncludePlanned: p.IncludePlanned}
	fs := m.Select(filter)
	r := &FuneralReport{Report: "funeral", Params: p, DataVersion: m.Version, ComputedAt: time.Now().UTC(), Points: len(fs)}
	r.Townships = make([]FuneralTownship, len(m.townships))
	byCode := map[string]*FuneralTownship{}
	for i, d := range m.townships {
		r.Townships[i] = FuneralTownship{Code: d.Code, Name: d.Name}
		byCode[d.Code] = &r.Townships[i]
	}
	for _, f := range fs {
		if t := byCode[f.Township]; t != nil {
			t.FuneralPoints++
			if f.Category == PublicCemetery {
				t.Interment++
				t.HasInterment = true
			}
		}
	}
	for _, t := range r.Townships {
		r.TownshipsWithInterment.add(1, t.HasInterment)
	}
	r.TownshipsWithInterment.finish()
	// One unbounded multi-source search from every funeral point gives each
	// village its nearest by walking.
	var sources []Snap
	var srcFacility []PlacedFacility
	for _, f := range fs {
		if f.OnGraph {
			sources = append(sources, f.Snap)
			srcFacility = append(srcFacility, f)
		}
	}
	var s *Searcher
	if m.Graph != nil && len(sources) > 0 {
		s = m.Graph.AcquireSearcher()
		defer m.Graph.ReleaseSearcher(s)
		s.Run(sources, math.MaxFloat64)
	}
	var sum float64
	var n int
	for _, d := range m.villages {
		v := FuneralVillage{Code: d.Code, Name: d.Name, ParentCode: d.ParentCode, From: geo.LabelPoint(d.Geometry)}
		if near := m.NearestStraight(v.From, 1, filter); len(near) == 1 {
			f := near[0].Facility
			v.Straight = &FacilityRef{f.ID, f.Name, f.Category}
			d := round1(near[0].DistanceM)
			v.StraightM = &d
		}
		if s != nil {
			if snap, ok := m.Graph.Snap(v.From); ok {
				if d, src, ok := s.DistanceTo(snap); ok {
					f := srcFacility[src]
					v.Walk = &FacilityRef{f.ID, f.Name, f.Category}
					w := round1(d)
					v.WalkM = &w
					sum += d
					n++
					r.MaxWalkM = math.Max(r.MaxWalkM, w)
				}
			}
		}
		if v.WalkM == nil {
			r.Unreachable++
		}
		r.Villages = append(r.Villages, v)
	}
	if n > 0 {
		r.MeanWalkM = round1(sum / float64(n))
	}
	m.cache.put(key, r)
	return r
}

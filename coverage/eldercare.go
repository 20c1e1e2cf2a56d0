package coverage

import (
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"diming"
)

// EldercareParams are the eldercare report's parameters.
type EldercareParams struct {
	Walk
	// IncludePlanned counts planned facilities as if open (the 2025 plan).
	IncludePlanned bool `json:"include_planned"`
	// UncoveredLimit is how many uncovered household points to list (most
	// households first; 0 means DefaultUncoveredLimit); the report always
	// counts them all, and its params say the limit it used.
	UncoveredLimit int `json:"uncovered_limit"`
}

// MaxListed is the most points a report lists.
const MaxListed = 10000

// DefaultUncoveredLimit is how many uncovered points the eldercare report
// lists when the parameters do not say.
const DefaultUncoveredLimit = 100

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

// unitRows makes a row for each township and village, in the model's order.
func (m *Model) unitRows() (towns, villages []UnitCoverage) {
	towns = make([]UnitCoverage, len(m.townships))
	villages = make([]UnitCoverage, len(m.villages))
	for i, d := range m.townships {
		towns[i] = UnitCoverage{Code: d.Code, Name: d.Name, Level: string(d.Level), ParentCode: d.ParentCode}
	}
	for i, d := range m.villages {
		villages[i] = UnitCoverage{Code: d.Code, Name: d.Name, Level: string(d.Level), ParentCode: d.ParentCode}
	}
	return towns, villages
}

// Eldercare computes the eldercare report.
func (m *Model) Eldercare(p EldercareParams) (*EldercareReport, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.withDefaults()
	key := cacheKey("eldercare", p)
	if r, ok := m.cache.get(key); ok {
		return r.(*EldercareReport), nil
	}
	r := m.eldercare(p)
	m.cache.put(key, r)
	return r, nil
}

// withDefaults fills in the uncovered limit, so the report (and a run saved
// from it) records the limit it used.
func (p EldercareParams) withDefaults() EldercareParams {
	if p.UncoveredLimit == 0 {
		p.UncoveredLimit = DefaultUncoveredLimit
	}
	return p
}

// eldercare computes the report (uncached).
func (m *Model) eldercare(p EldercareParams) *EldercareReport {
	p = p.withDefaults()
	limit := p.Metres()
	fs := m.Select(FacilityFilter{Categories: CommunityEldercare, IncludePlanned: p.IncludePlanned})
	walks := m.householdWalks(fs, math.Max(4*limit, 5000))
	r := &EldercareReport{Report: "eldercare", Params: p, DataVersion: m.Version, ComputedAt: time.Now().UTC(),
		LimitM: limit, Facilities: len(fs)}
	towns, villages := m.unitRows()
	for _, f := range fs {
		if f.vi >= 0 {
			villages[f.vi].Facilities++
			villages[f.vi].HasFacility = true
		}
		if f.ti >= 0 {
			towns[f.ti].Facilities++
			towns[f.ti].HasFacility = true
		}
	}
	var uncovered []int32
	for i := range m.households {
		h := &m.households[i]
		covered := walks[i] <= limit
		r.Households.add(h.Households, covered)
		r.Residents.add(h.Residents, covered)
		r.Aged60.add(h.Aged60, covered)
		if h.vi >= 0 {
			v := &villages[h.vi]
			v.Households.add(h.Households, covered)
			v.Residents.add(h.Residents, covered)
			v.Aged60.add(h.Aged60, covered)
		} else {
			r.Unplaced.add(h.Households, covered)
		}
		if h.ti >= 0 {
			t := &towns[h.ti]
			t.Households.add(h.Households, covered)
			t.Residents.add(h.Residents, covered)
			t.Aged60.add(h.Aged60, covered)
		}
		if !h.OnGraph {
			r.OffNetwork++
		}
		if !covered {
			uncovered = append(uncovered, int32(i))
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
	n := p.UncoveredLimit
	// The n with the most households (ties by id), without sorting them all.
	less := func(a, b int32) bool {
		ha, hb := &m.households[a], &m.households[b]
		if ha.Households != hb.Households {
			return ha.Households > hb.Households
		}
		return ha.ID < hb.ID
	}
	top := topN(uncovered, n, less)
	r.Uncovered = make([]UncoveredPoint, len(top))
	for k, i := range top {
		h := &m.households[i]
		u := UncoveredPoint{ID: h.ID, Point: h.Point, Households: h.Households, Aged60: h.Aged60, Village: h.Village, OffNetworkM: round1(h.Snap.Offset)}
		if !math.IsInf(walks[i], 1) {
			w := round1(walks[i])
			u.WalkM = &w
		}
		r.Uncovered[k] = u
	}
	return r
}

// topN returns the n first of xs in the order less gives, keeping a
// bounded heap rather than sorting everything.
func topN(xs []int32, n int, less func(a, b int32) bool) []int32 {
	if n <= 0 {
		return nil
	}
	h := make([]int32, 0, n+1)
	// h is a max-heap by "less" order: its root is the worst kept element.
	worse := func(i, j int) bool { return less(h[j], h[i]) }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			w := l
			if r := l + 1; r < len(h) && worse(r, l) {
				w = r
			}
			if !worse(w, i) {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	up := func(i int) {
		for i > 0 {
			p := (i - 1) / 2
			if !worse(i, p) {
				return
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
	}
	for _, x := range xs {
		if len(h) < n {
			h = append(h, x)
			up(len(h) - 1)
		} else if less(x, h[0]) {
			h[0] = x
			down(0)
		}
	}
	sort.Slice(h, func(a, b int) bool { return less(h[a], h[b]) })
	return h
}

package coverage

import (
	"container/heap"
	"math"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"

	"diming"
	"diming/geo"
)

// SitingParams ask for new lottery outlet sites.
type SitingParams struct {
	// Sites is how many new outlets to place (1 to MaxSites).
	Sites int
	// Walk is the walk that counts as covered (default 10 min at 0.9 m/s).
	Walk Walk
	// MinSpacingM is the least straight-line distance from a new site to any
	// outlet, existing or new: nil means the default (200 m; local rules say
	// 150–300), 0 no spacing rule.
	MinSpacingM *float64
	// SchoolDistanceM is the least distance from a school: nil means the
	// default (200 m), 0 no school rule.
	SchoolDistanceM *float64
	// Candidates are the sites to choose from (lon/lat); when empty, the
	// walking network's nodes near uncovered households are the candidates.
	Candidates []orb.Point
	// Township keeps only candidates in this township-level unit.
	Township       string
	IncludePlanned bool
}

// SitingParamsUsed are the parameters a siting result was computed with,
// defaults filled in; the given candidates are counted, not listed (there
// may be 20,000 of them).
type SitingParamsUsed struct {
	Sites           int     `json:"sites"`
	Walk            Walk    `json:"walk"`
	MinSpacingM     float64 `json:"min_spacing_m"`
	SchoolDistanceM float64 `json:"school_distance_m"`
	// GivenCandidates is how many candidates the request gave; 0 means the
	// candidates were the walking network's nodes.
	GivenCandidates int    `json:"given_candidates"`
	Township        string `json:"township,omitempty"`
	IncludePlanned  bool   `json:"include_planned"`
}

// Siting limits.
const (
	MaxSites      = 100
	MaxCandidates = 20000
	MaxSpacingM   = 5000
)

// Siting defaults.
const (
	DefaultMinSpacingM     = 200
	DefaultSchoolDistanceM = 200
)

// normalise checks the parameters and returns them with the defaults
// filled in: a zero walk is the lottery walk, an absent (nil) distance its
// default; an explicit 0 distance stays 0 (no such rule).
func (p SitingParams) normalise() (SitingParamsUsed, error) {
	u := SitingParamsUsed{Sites: p.Sites, Walk: p.Walk, MinSpacingM: DefaultMinSpacingM, SchoolDistanceM: DefaultSchoolDistanceM,
		GivenCandidates: len(p.Candidates), Township: p.Township, IncludePlanned: p.IncludePlanned}
	if u.Walk == (Walk{}) {
		u.Walk = DefaultLotteryWalk
	}
	if err := u.Walk.Validate(); err != nil {
		return u, err
	}
	if p.Sites < 1 || p.Sites > MaxSites {
		return u, diming.Errorf(diming.EINVALID, "新增网点数 sites=%d 无效：应为 1 至 %d", "sites=%d is invalid: 1 to %d", p.Sites, MaxSites)
	}
	for _, v := range []struct {
		name string
		in   *float64
		out  *float64
	}{{"min_spacing_m", p.MinSpacingM, &u.MinSpacingM}, {"school_distance_m", p.SchoolDistanceM, &u.SchoolDistanceM}} {
		if v.in == nil {
			continue
		}
		if x := *v.in; math.IsNaN(x) || x < 0 || x > MaxSpacingM {
			return u, diming.Errorf(diming.EINVALID, "%s=%v 无效：应为 0 至 %d 米（0 表示不限）", "%[1]s=%[2]v is invalid: 0 to %[3]d m (0 for no such rule)", v.name, x, MaxSpacingM)
		}
		*v.out = *v.in
	}
	if len(p.Candidates) > MaxCandidates {
		return u, diming.Errorf(diming.ETOOLARGE, "候选点最多 %d 个", "at most %d candidate sites", MaxCandidates)
	}
	for i, c := range p.Candidates {
		if _, err := toWGS84(c, geo.WGS84); err != nil {
			return u, diming.Errorf(diming.EINVALID, "第 %d 个候选点坐标无效：%v", "candidate %d has invalid coordinates: %v", i+1, c)
		}
	}
	return u, nil
}

// Site is one suggested outlet site.
type Site struct {
	Rank     int       `json:"rank"`
	Point    orb.Point `json:"point"`
	Village  string    `json:"village,omitempty"`
	Township string    `json:"township,omitempty"`
	// Candidate is the index into the given candidates, or -1 for a network node.
	Candidate int `json:"candidate"`
	// AddedResidents and AddedHouseholds are newly within the walk.
	AddedResidents  int `json:"added_residents"`
	AddedHouseholds int `json:"added_households"`
	// CumulativeResidents is the residents covered after this site.
	CumulativeResidents int     `json:"cumulative_residents"`
	NearestOutletM      float64 `json:"nearest_outlet_m"`
	NearestSchoolM      float64 `json:"nearest_school_m"`
}

// SitingResult is the suggested sites and what they add.
type SitingResult struct {
	Report      string           `json:"report"`
	Params      SitingParamsUsed `json:"params"`
	DataVersion int64            `json:"data_version"`
	ComputedAt  time.Time        `json:"computed_at"`
	LimitM      float64          `json:"limit_m"`
	Outlets     int              `json:"existing_outlets"`
	// Before and After are residents within the walk of an outlet.
	Before Count `json:"before"`
	After  Count `json:"after"`
	// Candidates considered, and those excluded by the rules.
	Candidates     int    `json:"candidates"`
	TooCloseOutlet int    `json:"excluded_near_outlet"`
	TooCloseSchool int    `json:"excluded_near_school"`
	Sites          []Site `json:"sites"`
	Method         string `json:"method"`
}

// sitingMethod describes the algorithm in the result.
const sitingMethod = "greedy maximum coverage with lazy evaluation: each round takes the candidate that adds the most uncovered residents within the walk (network distance), then drops candidates closer than min_spacing_m to it; candidates closer than min_spacing_m to an existing outlet or school_distance_m to a school are excluded first"

// LotterySiting suggests new outlet sites.
func (m *Model) LotterySiting(in SitingParams) (*SitingResult, error) {
	p, err := in.normalise()
	if err != nil {
		return nil, err
	}
	if p.Township != "" {
		if d, err := m.divs.Division(p.Township); err != nil || d.Level != "township" {
			return nil, diming.Errorf(diming.EINVALID, "township=%q 不是已知的街道或镇", "township=%q is not a known township-level unit", p.Township)
		}
	}
	if m.Graph == nil || m.Graph.NumEdges() == 0 {
		return nil, diming.Errorf(diming.EUNAVAILABLE, "尚未导入步行路网（diming import roads）", "no walking network has been imported yet (diming import roads)")
	}
	limit := p.Walk.Metres()
	outlets := m.Select(FacilityFilter{Categories: []Category{LotteryOutlet}, IncludePlanned: p.IncludePlanned})
	schools := m.Select(FacilityFilter{Categories: []Category{School}, IncludePlanned: p.IncludePlanned})
	walks := m.householdWalks(outlets, limit)
	r := &SitingResult{Report: "lottery-siting", Params: p, DataVersion: m.Version, ComputedAt: time.Now().UTC(),
		LimitM: limit, Outlets: len(outlets), Method: sitingMethod}
	// The uncovered household points, indexed in projected metres.
	var uncovered []int
	var tree rtree.RTreeG[int32]
	for i, h := range m.households {
		covered := walks[i] <= limit
		r.Before.add(h.Residents, covered)
		if !covered && h.OnGraph && h.Residents > 0 {
			q := m.proj.Forward(h.Point)
			tree.Insert(q, q, int32(len(uncovered)))
			uncovered = append(uncovered, i)
		}
	}
	r.Before.finish()
	near := func(pts []PlacedFacility) *rtree.RTreeG[int32] {
		var t rtree.RTreeG[int32]
		for i, f := range pts {
			q := m.proj.Forward(f.Point)
			t.Insert(q, q, int32(i))
		}
		return &t
	}
	outletTree, schoolTree := near(outlets), near(schools)
	nearestM := func(t *rtree.RTreeG[int32], pts []PlacedFacility, p orb.Point) float64 {
		best := math.Inf(1)
		q := m.proj.Forward(p)
		t.Nearby(rtree.BoxDist[float64, int32](q, q, nil), func(_, _ [2]float64, i int32, _ float64) bool {
			best = planar.Distance(m.proj.Forward(pts[i].Point), q)
			return false
		})
		return best
	}

	// Candidates: given points, or one network node per grid cell near
	// uncovered households.
	type cand struct {
		point orb.Point
		snap  Snap
		index int
	}
	var cands []cand
	if len(in.Candidates) > 0 {
		for i, c := range in.Candidates {
			if s, ok := m.Graph.Snap(c); ok && s.Offset <= MaxSnapM {
				cands = append(cands, cand{c, s, i})
			}
		}
	} else {
		var srcs []Snap
		for _, i := range uncovered {
			srcs = append(srcs, m.households[i].Snap)
		}
		s := m.Graph.AcquireSearcher()
		s.Run(srcs, limit)
		cell := math.Max(p.MinSpacingM/2, 50)
		seen := map[[2]int64]bool{}
		for _, n := range s.Reached() {
			pt := m.Graph.NodePoint(n)
			q := m.proj.Forward(pt)
			k := [2]int64{int64(math.Floor(q[0] / cell)), int64(math.Floor(q[1] / cell))}
			if seen[k] {
				continue
			}
			seen[k] = true
			if sn, ok := m.Graph.Snap(pt); ok {
				cands = append(cands, cand{pt, sn, -1})
			}
			if len(cands) >= MaxCandidates {
				break
			}
		}
		m.Graph.ReleaseSearcher(s)
	}
	var kept []cand
	for _, c := range cands {
		if p.Township != "" {
			if _, t := m.placeIn(c.point); t != p.Township {
				continue
			}
		}
		switch {
		case nearestM(outletTree, outlets, c.point) < p.MinSpacingM:
			r.TooCloseOutlet++
		case nearestM(schoolTree, schools, c.point) < p.SchoolDistanceM:
			r.TooCloseSchool++
		default:
			kept = append(kept, c)
		}
	}
	r.Candidates = len(kept)

	// What each candidate would cover: uncovered points within the walk
	// (a straight-line prefilter is exact: a walk is never shorter).
	weights := make([]int, len(uncovered))
	for k, i := range uncovered {
		weights[k] = m.households[i].Residents
	}
	problem := coverageProblem{weights: weights, sets: make([][]int32, len(kept)), points: make([]orb.Point, len(kept)), spacing: p.MinSpacingM}
	s := m.Graph.AcquireSearcher()
	for ci, c := range kept {
		s.Run([]Snap{c.snap}, limit)
		q := m.proj.Forward(c.point)
		tree.Search([2]float64{q[0] - limit, q[1] - limit}, [2]float64{q[0] + limit, q[1] + limit}, func(_, _ [2]float64, k int32) bool {
			if _, _, ok := s.DistanceTo(m.households[uncovered[k]].Snap); ok {
				problem.sets[ci] = append(problem.sets[ci], k)
			}
			return true
		})
		problem.points[ci] = q
	}
	m.Graph.ReleaseSearcher(s)

	chosen := problem.greedy(p.Sites)
	covered := make([]bool, len(uncovered))
	cum := r.Before.Covered
	var placed []orb.Point
	for rank, ci := range chosen {
		c := kept[ci]
		site := Site{Rank: rank + 1, Point: c.point, Candidate: c.index,
			NearestOutletM: round1(nearestM(outletTree, outlets, c.point)), NearestSchoolM: round1(nearestM(schoolTree, schools, c.point))}
		for _, q := range placed {
			site.NearestOutletM = math.Min(site.NearestOutletM, round1(planar.Distance(m.proj.Forward(q), problem.points[ci])))
		}
		if math.IsInf(site.NearestSchoolM, 1) {
			site.NearestSchoolM = -1
		}
		if math.IsInf(site.NearestOutletM, 1) {
			site.NearestOutletM = -1
		}
		site.Village, site.Township = m.placeIn(c.point)
		for _, k := range problem.sets[ci] {
			if !covered[k] {
				covered[k] = true
				h := m.households[uncovered[k]]
				site.AddedResidents += h.Residents
				site.AddedHouseholds += h.Households
			}
		}
		cum += site.AddedResidents
		site.CumulativeResidents = cum
		placed = append(placed, c.point)
		r.Sites = append(r.Sites, site)
	}
	r.After = Count{Total: r.Before.Total, Covered: cum, Uncovered: r.Before.Total - cum}
	r.After.finish()
	return r, nil
}

// coverageProblem is weighted maximum coverage with a spacing rule: choose
// sets whose points are pairwise at least spacing apart (projected metres).
type coverageProblem struct {
	weights []int
	sets    [][]int32
	points  []orb.Point
	spacing float64
}

// greedy picks up to n sets, each round the one adding the most weight
// among those still allowed, evaluating gains lazily (a set's gain only
// shrinks as others are chosen). Ties go to the lower index.
func (cp coverageProblem) greedy(n int) []int {
	covered := make([]bool, len(cp.weights))
	gain := func(i int) int {
		g := 0
		for _, k := range cp.sets[i] {
			if !covered[k] {
				g += cp.weights[k]
			}
		}
		return g
	}
	h := &gainHeap{}
	for i := range cp.sets {
		if g := gain(i); g > 0 {
			h.items = append(h.items, gainItem{i, g})
		}
	}
	heap.Init(h)
	excluded := make([]bool, len(cp.sets))
	var chosen []int
	for len(chosen) < n && h.Len() > 0 {
		top := heap.Pop(h).(gainItem)
		if excluded[top.set] {
			continue
		}
		if g := gain(top.set); g != top.gain {
			if g > 0 {
				heap.Push(h, gainItem{top.set, g})
			}
			continue
		}
		chosen = append(chosen, top.set)
		for _, k := range cp.sets[top.set] {
			covered[k] = true
		}
		for j := range cp.sets {
			if planar.Distance(cp.points[j], cp.points[top.set]) < cp.spacing {
				excluded[j] = true
			}
		}
	}
	return chosen
}

// value is the weight the sets cover together.
func (cp coverageProblem) value(chosen []int) int {
	covered := map[int32]bool{}
	v := 0
	for _, i := range chosen {
		for _, k := range cp.sets[i] {
			if !covered[k] {
				covered[k] = true
				v += cp.weights[k]
			}
		}
	}
	return v
}

type gainItem struct{ set, gain int }

type gainHeap struct{ items []gainItem }

func (h gainHeap) Len() int { return len(h.items) }
func (h gainHeap) Less(a, b int) bool {
	if h.items[a].gain != h.items[b].gain {
		return h.items[a].gain > h.items[b].gain
	}
	return h.items[a].set < h.items[b].set
}
func (h gainHeap) Swap(a, b int) { h.items[a], h.items[b] = h.items[b], h.items[a] }
func (h *gainHeap) Push(x any)   { h.items = append(h.items, x.(gainItem)) }
func (h *gainHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

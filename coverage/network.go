package coverage

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// NetworkSummary describes the walking network and how the household
// points and facilities sit on it.
type NetworkSummary struct {
	DataVersion int64   `json:"data_version"`
	Nodes       int     `json:"nodes"`
	Edges       int     `json:"edges"`
	LengthKM    float64 `json:"length_km"`
	// MergeToleranceM: line ends (and shared vertices) closer than this
	// became one node; JoinEndsToLines: ends that close to another line's
	// interior were joined to it (--network-tolerance).
	MergeToleranceM float64 `json:"merge_tolerance_m"`
	JoinEndsToLines bool    `json:"join_ends_to_lines"`
	// DeadEnds is the number of nodes with one edge; NearGaps those of
	// them within NearGapM of a part of the network they are not
	// connected to (listed by /api/v1/network/gaps).
	DeadEnds int     `json:"dead_ends"`
	NearGapM float64 `json:"near_gap_m"`
	NearGaps int     `json:"near_gaps"`
	// Components: how many connected parts, and the largest ones' sizes.
	Components        int       `json:"components"`
	LargestComponents []int     `json:"largest_components_nodes"`
	LargestLengthsKM  []float64 `json:"largest_components_km"`
	// LargestShare is the share of the network's length in the largest part.
	LargestShare float64 `json:"largest_component_length_share"`
	// Off-network distances of household points (metres): median, 95th
	// percentile, maximum; points more than 200 m off.
	HouseholdPoints     int     `json:"household_points"`
	HouseholdOffMedianM float64 `json:"household_off_network_median_m"`
	HouseholdOffP95M    float64 `json:"household_off_network_p95_m"`
	HouseholdOffMaxM    float64 `json:"household_off_network_max_m"`
	HouseholdsFarOff    int     `json:"household_points_over_200m_off"`
	Facilities          int     `json:"facilities"`
	FacilitiesFarOff    int     `json:"facilities_over_200m_off"`
	FacilityOffMaxM     float64 `json:"facility_off_network_max_m"`
}

// NetworkSummary summarises the network.
func (m *Model) NetworkSummary() NetworkSummary {
	s := NetworkSummary{DataVersion: m.Version, HouseholdPoints: len(m.households), Facilities: len(m.facilities)}
	if m.Graph == nil {
		return s
	}
	s.Nodes, s.Edges = m.Graph.NumNodes(), m.Graph.NumEdges()
	total := m.Graph.TotalLength()
	s.LengthKM = round1(total / 1000)
	s.MergeToleranceM, s.JoinEndsToLines = m.Graph.MergeTolerance()
	gaps := m.Graph.Gaps(DefaultGapDistance, 0)
	s.DeadEnds, s.NearGapM, s.NearGaps = gaps.DeadEnds, gaps.MaxDistanceM, gaps.Total
	c := m.Graph.Components()
	s.Components = c.Count
	for i := 0; i < len(c.Sizes) && i < 10; i++ {
		s.LargestComponents = append(s.LargestComponents, c.Sizes[i])
		s.LargestLengthsKM = append(s.LargestLengthsKM, round1(c.Lengths[i]/1000))
	}
	if len(c.Lengths) > 0 && total > 0 {
		s.LargestShare = round4(c.Lengths[0] / total)
	}
	offs := make([]float64, 0, len(m.households))
	for _, h := range m.households {
		if h.OnGraph {
			offs = append(offs, h.Snap.Offset)
			if h.Snap.Offset > 200 {
				s.HouseholdsFarOff++
			}
		}
	}
	sort.Float64s(offs)
	if n := len(offs); n > 0 {
		s.HouseholdOffMedianM = round1(offs[n/2])
		s.HouseholdOffP95M = round1(offs[min(n-1, n*95/100)])
		s.HouseholdOffMaxM = round1(offs[n-1])
	}
	for _, f := range m.facilities {
		if f.OnGraph {
			s.FacilityOffMaxM = math.Max(s.FacilityOffMaxM, round1(f.Snap.Offset))
			if f.Snap.Offset > 200 {
				s.FacilitiesFarOff++
			}
		}
	}
	return s
}

// Isochrone is the walking isochrone from p for a walk: the polygon for
// the map (see IsochronePolygon for the method) and where p met the network.
func (m *Model) Isochrone(p orb.Point, w Walk, opt IsochroneOptions) (Isochrone, Snap, error) {
	if err := w.Validate(); err != nil {
		return Isochrone{}, Snap{}, err
	}
	from, err := m.snapQuery(p)
	if err != nil {
		return Isochrone{}, Snap{}, err
	}
	limit := w.Metres()
	s := m.Graph.AcquireSearcher()
	defer m.Graph.ReleaseSearcher(s)
	s.Run([]Snap{from}, limit)
	iso, err := IsochronePolygon(s.ReachedEdges(), limit, opt)
	return iso, from, err
}

// FacilityIsochrone is one facility's walking isochrone.
type FacilityIsochrone struct {
	Facility  PlacedFacility
	Isochrone Isochrone
}

// FacilityIsochrones returns the walking isochrone of every open (and,
// when asked, planned) facility of the categories, for the map: the
// 15-minute eldercare circle is FacilityIsochrones(CommunityEldercare,
// DefaultEldercareWalk, false). Results are cached with the model.
func (m *Model) FacilityIsochrones(cats []Category, w Walk, includePlanned bool) ([]FacilityIsochrone, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	key := cacheKey("isochrones", struct {
		Cats    []Category
		Walk    Walk
		Planned bool
	}{cats, w, includePlanned})
	if v, ok := m.cache.get(key); ok {
		return v.([]FacilityIsochrone), nil
	}
	var out []FacilityIsochrone
	if m.Graph != nil {
		s := m.Graph.AcquireSearcher()
		defer m.Graph.ReleaseSearcher(s)
		for _, f := range m.Select(FacilityFilter{Categories: cats, IncludePlanned: includePlanned}) {
			if !f.OnGraph || f.Snap.Offset > MaxSnapM {
				continue
			}
			s.Run([]Snap{f.Snap}, w.Metres())
			iso, err := IsochronePolygon(s.ReachedEdges(), w.Metres(), IsochroneOptions{})
			if err != nil {
				return nil, err
			}
			out = append(out, FacilityIsochrone{Facility: f, Isochrone: iso})
		}
	}
	m.cache.put(key, out)
	return out, nil
}

package coverage

import (
	"math"
	"sort"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"diming"
	"diming/gazetteer"
	"diming/geo"
)

// Data is what a coverage model is built from: one consistent snapshot of
// the store.
type Data struct {
	// Version is the data version (the store's change mark) results cite.
	Version    int64
	Divisions  *gazetteer.DivisionIndex
	Facilities []Facility
	Households []HouseholdPoint
	// Graph is the walking network built from the store's road segments
	// (nil when there are none); build it with NewWalkingGraph, and reuse
	// it while the roads do not change.
	Graph *WalkingGraph
}

// Model is the immutable coverage read model: facilities and households
// placed in their divisions and snapped to the walking network, and the
// straight-line index over facilities. Safe for concurrent readers.
type Model struct {
	Version    int64
	BuiltAt    time.Time
	Graph      *WalkingGraph
	divs       *gazetteer.DivisionIndex
	proj       geo.LocalProjection
	facilities []PlacedFacility
	byID       map[int64]int
	households []PlacedHousehold
	villages   []gazetteer.Division // village-level units in code order
	townships  []gazetteer.Division // township-level units in code order
	unitIndex  map[string]int32     // village or township code → position in villages or townships
	// searchRadius starts a nearest search: about the spacing of facilities.
	searchRadius float64
	straight     map[Category]*rtree.RTreeG[int32]
	cache        reportCache
}

// PlacedFacility is a facility with the divisions that contain it and its
// place on the walking network.
type PlacedFacility struct {
	Facility
	Village  string // code of the village-level unit containing it, or ""
	Township string // code of the township-level unit containing it, or ""
	Snap     Snap
	OnGraph  bool
	vi, ti   int32 // positions in the model's villages and townships, or -1
}

// PlacedHousehold is a household point with its village and its place on
// the walking network.
type PlacedHousehold struct {
	HouseholdPoint
	Village  string
	Township string
	Snap     Snap
	OnGraph  bool
	vi, ti   int32 // positions in the model's villages and townships, or -1
}

// NewModel places and snaps everything in d.
func NewModel(d Data) *Model {
	m := &Model{Version: d.Version, BuiltAt: time.Now(), Graph: d.Graph, divs: d.Divisions,
		byID: make(map[int64]int, len(d.Facilities)), straight: map[Category]*rtree.RTreeG[int32]{}}
	if m.divs == nil {
		m.divs = gazetteer.NewDivisionIndex(nil)
	}
	m.villages = m.divs.Divisions(gazetteer.DivisionFilter{Level: gazetteer.LevelVillage})
	m.townships = m.divs.Divisions(gazetteer.DivisionFilter{Level: gazetteer.LevelTownship})
	m.unitIndex = make(map[string]int32, len(m.villages)+len(m.townships))
	for i, d := range m.villages {
		m.unitIndex[d.Code] = int32(i)
	}
	for i, d := range m.townships {
		m.unitIndex[d.Code] = int32(i)
	}
	origin := orb.Point{106.37, 29.62}
	if ds := m.divs.Divisions(gazetteer.DivisionFilter{Level: gazetteer.LevelDistrict}); len(ds) > 0 {
		origin = ds[0].Geometry.Bound().Center()
	}
	m.proj = geo.NewLocalProjection(origin)
	fs := append([]Facility(nil), d.Facilities...)
	sort.Slice(fs, func(a, b int) bool { return fs[a].ID < fs[b].ID })
	m.facilities = make([]PlacedFacility, len(fs))
	for i, f := range fs {
		pf := PlacedFacility{Facility: f}
		pf.Village, pf.Township = m.placeIn(f.Point)
		pf.vi, pf.ti = m.unitPos(pf.Village), m.unitPos(pf.Township)
		if m.Graph != nil {
			pf.Snap, pf.OnGraph = m.Graph.Snap(f.Point)
		}
		m.facilities[i] = pf
		m.byID[f.ID] = i
		t := m.straight[f.Category]
		if t == nil {
			t = &rtree.RTreeG[int32]{}
			m.straight[f.Category] = t
		}
		q := m.proj.Forward(f.Point)
		t.Insert(q, q, int32(i))
	}
	m.searchRadius = 500
	if len(fs) > 0 {
		b := orb.Bound{Min: fs[0].Point, Max: fs[0].Point}
		for _, f := range fs {
			b = b.Extend(f.Point)
		}
		lo, hi := m.proj.Forward(b.Min), m.proj.Forward(b.Max)
		m.searchRadius = math.Max(50, math.Sqrt((hi[0]-lo[0])*(hi[1]-lo[1])/float64(len(fs))))
	}
	m.households = make([]PlacedHousehold, len(d.Households))
	var wg sync.WaitGroup
	const chunk = 4096
	for lo := 0; lo < len(d.Households); lo += chunk {
		hi := min(lo+chunk, len(d.Households))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				h := PlacedHousehold{HouseholdPoint: d.Households[i]}
				h.Village, h.Township = m.placeIn(h.Point)
				h.vi, h.ti = m.unitPos(h.Village), m.unitPos(h.Township)
				if m.Graph != nil {
					h.Snap, h.OnGraph = m.Graph.Snap(h.Point)
				}
				m.households[i] = h
			}
		}()
	}
	wg.Wait()
	return m
}

// unitPos is the position of a village or township in the model's lists, or -1.
func (m *Model) unitPos(code string) int32 {
	if i, ok := m.unitIndex[code]; ok && code != "" {
		return i
	}
	return -1
}

// placeIn returns the village-level and township-level units containing p.
func (m *Model) placeIn(p orb.Point) (village, township string) {
	for _, d := range m.divs.At(p) {
		switch d.Level {
		case gazetteer.LevelVillage:
			village = d.Code
		case gazetteer.LevelTownship:
			township = d.Code
		}
	}
	return village, township
}

// Facilities returns the placed facilities in id order; do not modify.
func (m *Model) Facilities() []PlacedFacility { return m.facilities }

// Households returns the placed household points; do not modify.
func (m *Model) Households() []PlacedHousehold { return m.households }

// Facility returns one placed facility by id.
func (m *Model) Facility(id int64) (PlacedFacility, bool) {
	i, ok := m.byID[id]
	if !ok {
		return PlacedFacility{}, false
	}
	return m.facilities[i], true
}

// Divisions is the division index the model was placed in.
func (m *Model) Divisions() *gazetteer.DivisionIndex { return m.divs }

// FacilityFilter selects facilities.
type FacilityFilter struct {
	Categories     []Category // empty: all
	IncludePlanned bool       // also planned ones
	IncludeClosed  bool       // also closed ones
	Division       string     // in this division (any level); "" for all
}

func (f FacilityFilter) has(c Category) bool {
	if len(f.Categories) == 0 {
		return true
	}
	for _, x := range f.Categories {
		if x == c {
			return true
		}
	}
	return false
}

func (f FacilityFilter) statusOK(s string) bool {
	return s == StatusOpen || (s == StatusPlanned && f.IncludePlanned) || (s == StatusClosed && f.IncludeClosed)
}

// Select returns the facilities f selects, in id order.
func (m *Model) Select(f FacilityFilter) []PlacedFacility {
	var out []PlacedFacility
	for _, pf := range m.facilities {
		if !f.has(pf.Category) || !f.statusOK(pf.Status) {
			continue
		}
		if f.Division != "" && pf.Village != f.Division && pf.Township != f.Division && !m.inDistrict(f.Division, pf) {
			continue
		}
		out = append(out, pf)
	}
	return out
}

func (m *Model) inDistrict(code string, pf PlacedFacility) bool {
	d, err := m.divs.Division(code)
	return err == nil && d.Level == gazetteer.LevelDistrict && geo.MultiPolygonContains(d.Geometry, pf.Point)
}

// NearbyFacility is a facility and its distance from a query point.
type NearbyFacility struct {
	Facility PlacedFacility
	// DistanceM is the straight-line (geodesic) distance in metres.
	DistanceM float64
	// WalkM is the walking distance in metres (by=walk only).
	WalkM float64
}

// NearestStraight returns the k facilities nearest to p in a straight line
// (geodesic metres on the WGS84 ellipsoid), nearest first, among those f
// selects. It searches the R-trees (local projected metres) in a square
// that doubles until the k-th best geodesic distance, with a 1 % margin for
// the projection, lies inside it.
func (m *Model) NearestStraight(p orb.Point, k int, f FacilityFilter) []NearbyFacility {
	if k <= 0 || len(m.facilities) == 0 {
		return nil
	}
	q := m.proj.Forward(p)
	var trees []*rtree.RTreeG[int32]
	if len(f.Categories) == 0 {
		for _, t := range m.straight {
			trees = append(trees, t)
		}
	} else {
		for _, c := range f.Categories {
			if t := m.straight[c]; t != nil {
				trees = append(trees, t)
			}
		}
	}
	var best []NearbyFacility
	for r := m.searchRadius; ; r *= 2 {
		best = best[:0]
		for _, t := range trees {
			t.Search([2]float64{q[0] - r, q[1] - r}, [2]float64{q[0] + r, q[1] + r}, func(_, _ [2]float64, i int32) bool {
				pf := &m.facilities[i]
				if f.statusOK(pf.Status) && (f.Division == "" || pf.Village == f.Division || pf.Township == f.Division) {
					best = insertNearby(best, NearbyFacility{Facility: *pf, DistanceM: geo.Distance(p, pf.Point)}, k)
				}
				return true
			})
		}
		if (len(best) == k && best[k-1].DistanceM*1.01 <= r) || r > maxSearchRadius {
			return best
		}
	}
}

// maxSearchRadius ends the doubling: half the Earth's circumference.
const maxSearchRadius = 2e7

func insertNearby(best []NearbyFacility, n NearbyFacility, k int) []NearbyFacility {
	i := sort.Search(len(best), func(i int) bool {
		b := best[i]
		return b.DistanceM > n.DistanceM || (b.DistanceM == n.DistanceM && b.Facility.ID > n.Facility.ID)
	})
	if i >= k {
		return best
	}
	if len(best) < k {
		best = append(best, NearbyFacility{})
	}
	copy(best[i+1:], best[i:])
	best[i] = n
	return best
}

// MaxSnapM is how far off the walking network a query point may be.
const MaxSnapM = 2000

// snapQuery snaps a query point to the network, or says why it cannot.
func (m *Model) snapQuery(p orb.Point) (Snap, error) {
	if m.Graph == nil || m.Graph.NumEdges() == 0 {
		return Snap{}, diming.Errorf(diming.EUNAVAILABLE, "尚未导入步行路网（diming import roads）", "no walking network has been imported yet (diming import roads)")
	}
	s, ok := m.Graph.Snap(p)
	if !ok || s.Offset > MaxSnapM {
		return Snap{}, diming.Errorf(diming.EINVALID, "该点距步行路网超过 %d 米，无法计算步行距离", "the point is more than %d m from the walking network; walking distances cannot be computed", MaxSnapM)
	}
	return s, nil
}

// NearestByWalk returns the k facilities nearest to p by walking, within
// maxM metres of walking, among those f selects.
func (m *Model) NearestByWalk(p orb.Point, k int, maxM float64, f FacilityFilter) ([]NearbyFacility, error) {
	from, err := m.snapQuery(p)
	if err != nil {
		return nil, err
	}
	sel := m.Select(f)
	var snaps []Snap
	var idx []int
	for i, pf := range sel {
		if pf.OnGraph {
			snaps = append(snaps, pf.Snap)
			idx = append(idx, i)
		}
	}
	if len(snaps) == 0 || k <= 0 {
		return nil, nil
	}
	hits := m.Graph.NearestByWalk(from, m.Graph.NewTargetSet(snaps), k, maxM)
	out := make([]NearbyFacility, len(hits))
	for i, h := range hits {
		pf := sel[idx[h.Target]]
		out[i] = NearbyFacility{Facility: pf, DistanceM: geo.Distance(p, pf.Point), WalkM: h.Distance}
	}
	return out, nil
}

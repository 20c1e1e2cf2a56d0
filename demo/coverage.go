package demo

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"diming/coverage"
	"diming/gazetteer"
	"diming/geo"
)

// CoverageAttribution names the source of the real data in Households.
const CoverageAttribution = "住户点中的建筑物位置与占地面积：© OpenStreetMap 贡献者（© OpenStreetMap contributors），" +
	"依开放数据库许可协议 ODbL 1.0 提供（https://www.openstreetmap.org/copyright），经 github.com/dongyinghao/easy3dCharts 的 OSM 摘录。" +
	"道路网、其余住户点、各类设施及其规模均为演示用合成数据。 " +
	"Building positions and footprint areas of the household points: © OpenStreetMap contributors, available under the " +
	"Open Database License (ODbL 1.0, https://www.openstreetmap.org/copyright), via the OSM extract in github.com/dongyinghao/easy3dCharts. " +
	"The walking network, the other household points, and all facilities and their sizes are synthetic demo data."

// Facilities returns the demo facilities of Shapingba, placed synthetically
// (no public data exists) in the counts of the 14th Five-Year civil-affairs
// plan for 2020 (open) and its projects to 2025 (planned): eldercare
// institutions and the community home eldercare facilities, one community
// service facility per village-level unit, welfare-lottery outlets, the
// funeral facilities, minor-protection stations and schools. Each has a
// unique Code, a name derived from its division, a point inside that
// division near a road of Roads, Synthetic set and a Note saying what is
// made up. The same divisions give the same facilities; the result is a copy.
// See data/coverage-synthetic.md.
func Facilities(ds []gazetteer.Division) ([]coverage.Facility, error) {
	set, err := coverageData(ds)
	if err != nil {
		return nil, err
	}
	return append([]coverage.Facility(nil), set.facilities...), nil
}

// CoverageLoadResult counts what LoadCoverage wrote.
type CoverageLoadResult struct {
	// Facilities is the number of demo facilities, of which
	// FacilitiesCreated were new and FacilitiesUpdated changed; the others
	// were already in the store unchanged.
	Facilities, FacilitiesCreated, FacilitiesUpdated int
	// RoadSegments and Households are the numbers written: zero when the
	// store already held a network or household points.
	RoadSegments, Households int
}

// LoadCoverage writes the demo coverage data into a store: the facilities
// (imported by code, so unchanged ones are skipped), and the walking network
// and household points only when the store has none, so a bureau's own
// network or household data is never replaced. A second run writes nothing.
func LoadCoverage(ctx context.Context, st coverage.Store, ds []gazetteer.Division) (CoverageLoadResult, error) {
	set, err := coverageData(ds)
	if err != nil {
		return CoverageLoadResult{}, err
	}
	res := CoverageLoadResult{Facilities: len(set.facilities)}
	fs := append([]coverage.Facility(nil), set.facilities...)
	if res.FacilitiesCreated, res.FacilitiesUpdated, err = st.ImportFacilities(ctx, Actor, fs); err != nil {
		return res, fmt.Errorf("demo: facilities: %w", err)
	}
	segs, err := st.RoadSegments(ctx)
	if err != nil {
		return res, fmt.Errorf("demo: road network: %w", err)
	}
	if len(segs) == 0 {
		roads, err := Roads(ds)
		if err != nil {
			return res, err
		}
		if res.RoadSegments, err = st.PutRoadSegments(ctx, Actor, roads, false); err != nil {
			return res, fmt.Errorf("demo: road network: %w", err)
		}
	}
	hs, err := st.Households(ctx)
	if err != nil {
		return res, fmt.Errorf("demo: household points: %w", err)
	}
	if len(hs) == 0 {
		if res.Households, err = st.PutHouseholds(ctx, Actor, append([]coverage.HouseholdPoint(nil), set.households...), false); err != nil {
			return res, fmt.Errorf("demo: household points: %w", err)
		}
	}
	return res, nil
}

// ---------------------------------------------------------------------------
// The generated set and its cache

// coverageSet is everything generated from one set of divisions.
type coverageSet struct {
	roads      []coverage.RoadSegment
	households []coverage.HouseholdPoint
	facilities []coverage.Facility
	// For the tests: the village of each household point, the intended
	// division of each facility.
	householdVillage []string
	facilityDivision []string
}

var (
	covMu  sync.Mutex
	covKey uint64
	covSet *coverageSet
)

// coverageData generates the set for ds, or returns the one generated last
// when ds is the same (by fingerprint). The set must not be modified.
func coverageData(ds []gazetteer.Division) (*coverageSet, error) {
	key := fingerprint(ds)
	covMu.Lock()
	defer covMu.Unlock()
	if covSet != nil && covKey == key {
		return covSet, nil
	}
	set, err := generateCoverage(ds)
	if err != nil {
		return nil, err
	}
	covKey, covSet = key, set
	return set, nil
}

// fingerprint hashes what the generation reads of the divisions.
func fingerprint(ds []gazetteer.Division) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	num := func(v uint64) {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	for _, d := range ds {
		for _, s := range []string{d.Code, d.Name, string(d.Level), d.ParentCode} {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		num(uint64(d.Households))
		num(uint64(d.Population))
		num(uint64(d.Population60))
		for _, poly := range d.Geometry {
			for _, r := range poly {
				num(uint64(len(r)))
				for _, p := range r {
					num(math.Float64bits(p[0]))
					num(math.Float64bits(p[1]))
				}
			}
		}
	}
	return h.Sum64()
}

func generateCoverage(ds []gazetteer.Division) (*coverageSet, error) {
	w, err := newCovWorld(ds)
	if err != nil {
		return nil, err
	}
	net, err := buildRoadNet(w)
	if err != nil {
		return nil, err
	}
	w.attachRoads(net)
	set := &coverageSet{}
	for _, e := range net.edges {
		set.roads = append(set.roads, coverage.RoadSegment{
			Geometry:  orb.LineString{w.lonLat(net.nodes[e.a]), w.lonLat(net.nodes[e.b])},
			Class:     e.class,
			Source:    "synthetic",
			Synthetic: true,
		})
	}
	if set.households, set.householdVillage, err = buildHouseholds(w); err != nil {
		return nil, err
	}
	if set.facilities, set.facilityDivision, err = buildFacilities(w); err != nil {
		return nil, err
	}
	return set, nil
}

// ---------------------------------------------------------------------------
// The divisions in projected metres

// covWorld holds the divisions in metres (a local projection at the centre
// of the district) with what the generators need.
type covWorld struct {
	proj      geo.LocalProjection
	district  orb.MultiPolygon
	outline   [][2]orb.Point // the district's boundary segments
	towns     []covTown
	villages  []covVillage
	villageIx *geo.PolygonIndex
	// The network: its nodes and edges, and a grid over its edges.
	net  *roadNet
	grid *segGrid
}

type covTown struct {
	d        gazetteer.Division
	xy       orb.MultiPolygon
	centre   orb.Point
	town     bool  // a 镇 (else a 街道)
	villages []int // positions in covWorld.villages
}

type covVillage struct {
	d       gazetteer.Division
	xy      orb.MultiPolygon
	town    int  // position in covWorld.towns
	village bool // a 村 (else a 社区)
	factor  int  // lattice subdivision: 3, 2 or 1
	label   orb.Point
	segs    []int // network edges whose middle lies in the unit
	segLen  float64
}

func newCovWorld(ds []gazetteer.Division) (*covWorld, error) {
	w := &covWorld{}
	var district *gazetteer.Division
	for i := range ds {
		if ds[i].Level == gazetteer.LevelDistrict {
			if district != nil {
				return nil, fmt.Errorf("demo: coverage: more than one district among the divisions")
			}
			district = &ds[i]
		}
	}
	if district == nil || len(district.Geometry) == 0 {
		return nil, fmt.Errorf("demo: coverage: no district among the divisions")
	}
	w.proj = geo.NewLocalProjection(district.Geometry.Bound().Center())
	w.district = w.proj.ForwardMultiPolygon(district.Geometry)
	for _, poly := range w.district {
		for _, r := range poly {
			for i := 1; i < len(r); i++ {
				w.outline = append(w.outline, [2]orb.Point{r[i-1], r[i]})
			}
		}
	}
	townAt := map[string]int{}
	for _, d := range ds {
		if d.Level == gazetteer.LevelTownship && d.ParentCode == district.Code {
			t := covTown{d: d, xy: w.proj.ForwardMultiPolygon(d.Geometry), town: isTown(d.Code)}
			t.centre = w.proj.Forward(geo.LabelPoint(d.Geometry))
			if s, ok := townSeeds[d.Code]; ok && geo.MultiPolygonContains(t.xy, w.proj.Forward(s)) {
				t.centre = w.proj.Forward(s)
			}
			townAt[d.Code] = len(w.towns)
			w.towns = append(w.towns, t)
		}
	}
	var polys []orb.MultiPolygon
	for _, d := range ds {
		t, ok := townAt[d.ParentCode]
		if d.Level != gazetteer.LevelVillage || !ok {
			continue
		}
		v := covVillage{d: d, xy: w.proj.ForwardMultiPolygon(d.Geometry), town: t, village: isVillage(d.Name)}
		switch {
		case v.village:
			v.factor = 1
		case w.towns[t].town:
			v.factor = 2
		default:
			v.factor = 3
		}
		v.label = w.proj.Forward(geo.LabelPoint(d.Geometry))
		w.towns[t].villages = append(w.towns[t].villages, len(w.villages))
		w.villages = append(w.villages, v)
		polys = append(polys, v.xy)
	}
	if len(w.towns) == 0 || len(w.villages) == 0 {
		return nil, fmt.Errorf("demo: coverage: no townships or village-level units among the divisions")
	}
	w.villageIx = geo.NewPolygonIndex(polys)
	return w, nil
}

// villageAt returns the position of the village-level unit containing p
// (metres), or -1.
func (w *covWorld) villageAt(p orb.Point) int {
	found := -1
	w.villageIx.Containing(p, func(i int) bool {
		found = i
		return false
	})
	return found
}

// lonLat unprojects and rounds a point like the divisions (1e-7°).
func (w *covWorld) lonLat(p orb.Point) orb.Point { return roundPoint(w.proj.Inverse(p)) }

// insideDistrict says whether p lies in the district at least margin
// metres from its outline.
func (w *covWorld) insideDistrict(p orb.Point, margin float64) bool {
	if !geo.MultiPolygonContains(w.district, p) {
		return false
	}
	for _, s := range w.outline {
		if pointSegDist(p, s[0], s[1]) < margin {
			return false
		}
	}
	return true
}

// segmentClear says whether segment ab keeps margin metres from the
// district outline (its ends being inside).
func (w *covWorld) segmentClear(a, b orb.Point, margin float64) bool {
	lox, hix := min(a[0], b[0])-margin, max(a[0], b[0])+margin
	loy, hiy := min(a[1], b[1])-margin, max(a[1], b[1])+margin
	for _, s := range w.outline {
		c, d := s[0], s[1]
		if max(c[0], d[0]) < lox || min(c[0], d[0]) > hix || max(c[1], d[1]) < loy || min(c[1], d[1]) > hiy {
			continue
		}
		if segmentsTouch(a, b, c, d) || segSegDist(a, b, c, d) < margin {
			return false
		}
	}
	return true
}

// insideWith says whether p lies in mp at least margin metres from its
// boundary.
func insideWith(mp orb.MultiPolygon, p orb.Point, margin float64) bool {
	if !geo.MultiPolygonContains(mp, p) {
		return false
	}
	for _, poly := range mp {
		for _, r := range poly {
			for i := 1; i < len(r); i++ {
				if pointSegDist(p, r[i-1], r[i]) < margin {
					return false
				}
			}
		}
	}
	return true
}

func pointSegDist(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = max(0, min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

func segSegDist(a, b, c, d orb.Point) float64 {
	if segmentsTouch(a, b, c, d) {
		return 0
	}
	return min(pointSegDist(a, c, d), pointSegDist(b, c, d), pointSegDist(c, a, b), pointSegDist(d, a, b))
}

// attachRoads files every network edge under the village-level unit that
// holds its middle, and indexes the edges.
func (w *covWorld) attachRoads(net *roadNet) {
	w.net = net
	w.grid = newSegGrid(250)
	for k, e := range net.edges {
		a, b := net.nodes[e.a], net.nodes[e.b]
		w.grid.add(k, a, b)
		if v := w.villageAt(orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}); v >= 0 {
			w.villages[v].segs = append(w.villages[v].segs, k)
			w.villages[v].segLen += math.Hypot(a[0]-b[0], a[1]-b[1])
		}
	}
}

// roadDist is the distance from p to the nearest network edge within
// reach metres (+Inf when none is that near).
func (w *covWorld) roadDist(p orb.Point, reach float64) float64 {
	best := math.Inf(1)
	x0, y0 := int(math.Floor((p[0]-reach)/w.grid.size)), int(math.Floor((p[1]-reach)/w.grid.size))
	x1, y1 := int(math.Floor((p[0]+reach)/w.grid.size)), int(math.Floor((p[1]+reach)/w.grid.size))
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			for _, k := range w.grid.cells[[2]int{x, y}] {
				e := w.net.edges[k]
				best = min(best, pointSegDist(p, w.net.nodes[e.a], w.net.nodes[e.b]))
			}
		}
	}
	return best
}

// nearRoad draws a point off a network edge of segs (by length), between
// off[0] and off[1] metres from every road, inside mp at least 2 m from its
// boundary. It fails when 400 draws find none.
func (w *covWorld) nearRoad(r *rand.Rand, segs []int, mp orb.MultiPolygon, off [2]float64) (orb.Point, bool) {
	if len(segs) == 0 {
		return orb.Point{}, false
	}
	lens := make([]float64, len(segs))
	total := 0.0
	for i, k := range segs {
		e := w.net.edges[k]
		a, b := w.net.nodes[e.a], w.net.nodes[e.b]
		total += math.Hypot(a[0]-b[0], a[1]-b[1])
		lens[i] = total
	}
	for try := 0; try < 400; try++ {
		i := sort.SearchFloat64s(lens, r.Float64()*total)
		e := w.net.edges[segs[min(i, len(segs)-1)]]
		a, b := w.net.nodes[e.a], w.net.nodes[e.b]
		t := 0.15 + 0.7*r.Float64()
		d := off[0] + (off[1]-off[0])*r.Float64()
		if r.IntN(2) == 0 {
			d = -d
		}
		l := math.Hypot(b[0]-a[0], b[1]-a[1])
		p := orb.Point{a[0] + t*(b[0]-a[0]) - d*(b[1]-a[1])/l, a[1] + t*(b[1]-a[1]) + d*(b[0]-a[0])/l}
		if !insideWith(mp, p, 2) {
			continue
		}
		if rd := w.roadDist(p, off[1]+1); rd < off[0] || rd > off[1] {
			continue
		}
		return p, true
	}
	return orb.Point{}, false
}

// ---------------------------------------------------------------------------
// Facilities

// The plan's counts (2020 open; projects to 2025 planned).
const (
	eldercareInstitutions    = 68
	eldercareBeds            = 7500
	publicInstitutions       = 7 // 61 of the 68, with 6,855 beds, are run by social capital
	publicBeds               = eldercareBeds - 6855
	streetCentresOpen        = 11
	streetCentresPlanned     = 6
	townCentresOpen          = 2
	townCentresPlanned       = 6
	communityStationsOpen    = 89
	communityStationsPlanned = 30
	villagePointsOpen        = 38
	villagePointsPlanned     = 25
	lotteryOutlets           = 307
	lotterySpacing           = 100.0
	minorStations            = 20
	schools                  = 120
	volunteerStations        = 150 // of the 200 community service facilities
)

// Notes on the facilities.
const (
	noteSynthetic = "演示用合成数据：数量依规划，选址、名称与规模均为示意，不代表真实设施"
	noteRealName  = "真实设施名称；位置为演示用示意，非实际位置"
)

// facBuilder collects facilities with their intended divisions.
type facBuilder struct {
	w     *covWorld
	out   []coverage.Facility
	div   []string
	names map[string]bool
	codes map[string]bool
}

func buildFacilities(w *covWorld) ([]coverage.Facility, []string, error) {
	b := &facBuilder{w: w, names: map[string]bool{}, codes: map[string]bool{}}
	for _, step := range []func() error{
		b.communityEldercare, b.institutions, b.serviceFacilities, b.lottery, b.funeral, b.minorStations, b.schools,
	} {
		if err := step(); err != nil {
			return nil, nil, err
		}
	}
	return b.out, b.div, nil
}

// add checks and files a facility placed at p (metres) in division code.
func (b *facBuilder) add(f coverage.Facility, p orb.Point, code string) error {
	f.Point = b.w.lonLat(p)
	f.Synthetic = true
	if f.Note == "" {
		f.Note = noteSynthetic
	}
	if err := f.Validate(); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if b.codes[f.Code] {
		return fmt.Errorf("demo: facility code %s is taken", f.Code)
	}
	if b.names[string(f.Category)+" "+f.Name] {
		return fmt.Errorf("demo: facility name %s is taken in %s", f.Name, f.Category)
	}
	b.codes[f.Code] = true
	b.names[string(f.Category)+" "+f.Name] = true
	b.out = append(b.out, f)
	b.div = append(b.div, code)
	return nil
}

// townSegs are the network edges of a township's units.
func (b *facBuilder) townSegs(t int) []int {
	var out []int
	for _, v := range b.w.towns[t].villages {
		out = append(out, b.w.villages[v].segs...)
	}
	return out
}

// inVillage places a point near a road of village v.
func (b *facBuilder) inVillage(r *rand.Rand, v int, off [2]float64) (orb.Point, error) {
	vu := b.w.villages[v]
	if p, ok := b.w.nearRoad(r, vu.segs, vu.xy, off); ok {
		return p, nil
	}
	return orb.Point{}, fmt.Errorf("demo: no place near a road in %s %s", vu.d.Code, vu.d.Name)
}

// nearCentre places a point near a road within about 800 m of a
// township's centre (its seat), inside the township.
func (b *facBuilder) nearCentre(r *rand.Rand, t int, off [2]float64) (orb.Point, error) {
	tw := b.w.towns[t]
	var segs []int
	for _, k := range b.townSegs(t) {
		e := b.w.net.edges[k]
		a, c := b.w.net.nodes[e.a], b.w.net.nodes[e.b]
		if math.Hypot((a[0]+c[0])/2-tw.centre[0], (a[1]+c[1])/2-tw.centre[1]) < 800 {
			segs = append(segs, k)
		}
	}
	if p, ok := b.w.nearRoad(r, segs, tw.xy, off); ok {
		return p, nil
	}
	if p, ok := b.w.nearRoad(r, b.townSegs(t), tw.xy, off); ok {
		return p, nil
	}
	return orb.Point{}, fmt.Errorf("demo: no place near a road in %s %s", tw.d.Code, tw.d.Name)
}

// shortName is a village-level unit's everyday name: 新桥社区居民委员会 →
// 新桥社区, 井口村村民委员会 → 井口村, 梨树湾村民委员会 → 梨树湾村.
func shortName(name string) string {
	if s, ok := strings.CutSuffix(name, "社区居民委员会"); ok {
		return s + "社区"
	}
	if s, ok := strings.CutSuffix(name, "村民委员会"); ok {
		if strings.HasSuffix(s, "村") {
			return s
		}
		return s + "村"
	}
	return name
}

// weightedOrder orders items by a weighted random draw without
// replacement (Efraimidis–Spirakis keys u^(1/w)).
func weightedOrder(r *rand.Rand, weights []float64) []int {
	keys := make([]float64, len(weights))
	for i, wt := range weights {
		keys[i] = math.Pow(r.Float64(), 1/max(wt, 1e-9))
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, c int) bool { return keys[order[a]] > keys[order[c]] })
	return order
}

func year(r *rand.Rand, from, to int) string { return fmt.Sprint(from + r.IntN(to-from+1)) }

// communityEldercare places the street and town eldercare centres, the
// community eldercare stations and the village mutual-aid points.
func (b *facBuilder) communityEldercare() error {
	w := b.w
	r := rng("facilities/eldercare-centres")
	var streets, towns []int
	for t, tw := range w.towns {
		if tw.town {
			towns = append(towns, t)
		} else {
			streets = append(streets, t)
		}
	}
	if len(streets) < streetCentresOpen+streetCentresPlanned || len(towns) == 0 {
		return fmt.Errorf("demo: facilities: %d 街道 and %d 镇 are too few for the plan's centres", len(streets), len(towns))
	}
	r.Shuffle(len(streets), func(i, j int) { streets[i], streets[j] = streets[j], streets[i] })
	for k, t := range streets[:streetCentresOpen+streetCentresPlanned] {
		tw := w.towns[t]
		f := coverage.Facility{
			Code: "JDZX-" + tw.d.Code[:9], Name: tw.d.Name + "养老服务中心", Category: coverage.StreetEldercareCentre,
			Address: "沙坪坝区" + tw.d.Name, Comprehensive: true, Status: coverage.StatusOpen,
		}
		if k >= streetCentresOpen {
			f.Status = coverage.StatusPlanned
		} else {
			f.OpenedOn = year(r, 2016, 2020)
		}
		p, err := b.nearCentre(r, t, [2]float64{10, 40})
		if err != nil {
			return err
		}
		if err := b.add(f, p, tw.d.Code); err != nil {
			return err
		}
	}

	// Town centres: two open; planned, one more site in each of the five
	// towns (a second site where one is open) and a second site in the
	// largest town still without an open one: six.
	r.Shuffle(len(towns), func(i, j int) { towns[i], towns[j] = towns[j], towns[i] })
	open := towns[:min(townCentresOpen, len(towns))]
	type site struct {
		t      int
		second bool
		status string
	}
	var sites []site
	for _, t := range open {
		sites = append(sites, site{t, false, coverage.StatusOpen})
	}
	for _, t := range towns {
		sites = append(sites, site{t, containsInt(open, t), coverage.StatusPlanned})
	}
	rest := towns[len(open):]
	if len(rest) > 0 {
		big := rest[0]
		for _, t := range rest[1:] {
			if geo.Area(w.towns[t].d.Geometry) > geo.Area(w.towns[big].d.Geometry) {
				big = t
			}
		}
		sites = append(sites, site{big, true, coverage.StatusPlanned})
	}
	if len(sites) != townCentresOpen+townCentresPlanned {
		return fmt.Errorf("demo: facilities: too few 镇 for the plan's town centres")
	}
	for _, s := range sites {
		tw := w.towns[s.t]
		f := coverage.Facility{
			Code: "XZZX-" + tw.d.Code[:9], Name: tw.d.Name + "养老服务中心", Category: coverage.TownEldercareCentre,
			Address: "沙坪坝区" + tw.d.Name, Comprehensive: true, Status: s.status,
		}
		var p orb.Point
		var err error
		if s.second {
			f.Code += "-2"
			f.Name = tw.d.Name + "第二养老服务中心"
			f.Note = noteSynthetic + "；规划的第二处站点，服务镇域另一片区"
			p, err = b.farSite(r, s.t)
		} else {
			p, err = b.nearCentre(r, s.t, [2]float64{10, 40})
		}
		if err != nil {
			return err
		}
		if s.status == coverage.StatusOpen {
			f.OpenedOn = year(r, 2017, 2020)
		}
		if err := b.add(f, p, tw.d.Code); err != nil {
			return err
		}
	}

	// Community stations in 社区 and mutual-aid points in 村, drawn by
	// population: the first ones open, the next planned.
	var comm, vill []int
	for v, vu := range w.villages {
		if vu.village {
			vill = append(vill, v)
		} else {
			comm = append(comm, v)
		}
	}
	pick := func(units []int, by func(gazetteer.Division) int) []int {
		wt := make([]float64, len(units))
		for i, v := range units {
			wt[i] = float64(by(w.villages[v].d))
		}
		out := make([]int, len(units))
		for i, k := range weightedOrder(r, wt) {
			out[i] = units[k]
		}
		return out
	}
	comm = pick(comm, func(d gazetteer.Division) int { return d.Population })
	if len(comm) < communityStationsOpen+communityStationsPlanned {
		return fmt.Errorf("demo: facilities: %d 社区 are too few for the plan's stations", len(comm))
	}
	for k, v := range comm[:communityStationsOpen+communityStationsPlanned] {
		vu := w.villages[v]
		f := coverage.Facility{
			Code: "SQZ-" + vu.d.Code, Name: shortName(vu.d.Name) + "养老服务站", Category: coverage.CommunityEldercareStation,
			Address: "沙坪坝区" + w.towns[vu.town].d.Name + shortName(vu.d.Name), Status: coverage.StatusOpen,
		}
		if k >= communityStationsOpen {
			f.Status = coverage.StatusPlanned
		} else {
			f.OpenedOn = year(r, 2015, 2020)
		}
		p, err := b.inVillage(r, v, [2]float64{10, 40})
		if err != nil {
			return err
		}
		if err := b.add(f, p, vu.d.Code); err != nil {
			return err
		}
	}
	// Mutual-aid points: 38 open and 25 planned are 63 for 62 村; the last
	// planned one is a second point in the 村 with the most people aged 60+.
	vill = pick(vill, func(d gazetteer.Division) int { return d.Population60 })
	type point struct {
		v      int
		second bool
	}
	var pts []point
	for _, v := range vill {
		pts = append(pts, point{v, false})
	}
	if len(pts) < villagePointsOpen+villagePointsPlanned {
		oldest := vill[0]
		for _, v := range vill {
			if w.villages[v].d.Population60 > w.villages[oldest].d.Population60 {
				oldest = v
			}
		}
		pts = append(pts, point{oldest, true})
	}
	if len(pts) < villagePointsOpen+villagePointsPlanned {
		return fmt.Errorf("demo: facilities: %d 村 are too few for the plan's mutual-aid points", len(vill))
	}
	for k, pt := range pts[:villagePointsOpen+villagePointsPlanned] {
		vu := w.villages[pt.v]
		f := coverage.Facility{
			Code: "HZD-" + vu.d.Code, Name: shortName(vu.d.Name) + "互助养老点", Category: coverage.VillageMutualAidPoint,
			Address: "沙坪坝区" + w.towns[vu.town].d.Name + shortName(vu.d.Name), Status: coverage.StatusOpen,
		}
		if pt.second {
			f.Code += "-2"
			f.Name = shortName(vu.d.Name) + "第二互助养老点"
			f.Note = noteSynthetic + "；规划 25 个村级互助养老点多于尚无养老点的村，此为第二处"
		}
		if k >= villagePointsOpen {
			f.Status = coverage.StatusPlanned
		} else {
			f.OpenedOn = year(r, 2016, 2020)
		}
		p, err := b.inVillage(r, pt.v, [2]float64{10, 40})
		if err != nil {
			return err
		}
		if err := b.add(f, p, vu.d.Code); err != nil {
			return err
		}
	}
	return nil
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// farSite places a point near a road in the unit of township t farthest
// from its centre.
func (b *facBuilder) farSite(r *rand.Rand, t int) (orb.Point, error) {
	tw := b.w.towns[t]
	far, fd := -1, -1.0
	for _, v := range tw.villages {
		l := b.w.villages[v].label
		if d := math.Hypot(l[0]-tw.centre[0], l[1]-tw.centre[1]); d > fd && len(b.w.villages[v].segs) > 0 {
			far, fd = v, d
		}
	}
	if far < 0 {
		return orb.Point{}, fmt.Errorf("demo: no roads in %s", tw.d.Name)
	}
	return b.inVillage(r, far, [2]float64{10, 40})
}

// institutionSuffixes name the social eldercare institutions.
var institutionSuffixes = []string{"康养中心", "颐养院", "养老院", "老年公寓", "护养中心", "颐养中心", "康复护理院", "敬老院", "福寿苑", "养老服务中心"}

// institutions places the 68 eldercare institutions: 7 public homes (the
// five 镇 敬老院 and two 街道 敬老院) with 645 beds, and 61 run by social
// capital with 6,855 beds, in villages drawn by their people aged 60+.
func (b *facBuilder) institutions() error {
	w := b.w
	r := rng("facilities/institutions")
	// Public homes: every 镇, then the 街道 with the most people in 村.
	var homes []int
	for t, tw := range w.towns {
		if tw.town {
			homes = append(homes, t)
		}
	}
	rural := func(t int) int {
		n := 0
		for _, v := range w.towns[t].villages {
			if w.villages[v].village {
				n += w.villages[v].d.Population
			}
		}
		return n
	}
	var streets []int
	for t, tw := range w.towns {
		if !tw.town {
			streets = append(streets, t)
		}
	}
	sort.SliceStable(streets, func(i, j int) bool { return rural(streets[i]) > rural(streets[j]) })
	homes = append(homes, streets[:max(0, min(len(streets), publicInstitutions-len(homes)))]...)
	if len(homes) != publicInstitutions {
		return fmt.Errorf("demo: facilities: %d townships for %d public homes", len(homes), publicInstitutions)
	}
	pw := make([]float64, len(homes))
	for i := range pw {
		pw[i] = 60 + 60*r.Float64()
	}
	pbeds := largestRemainder(publicBeds, pw)
	n := 0
	for i, t := range homes {
		tw := w.towns[t]
		var vs []int
		for _, v := range tw.villages {
			if len(w.villages[v].segs) > 0 {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			return fmt.Errorf("demo: no roads in %s", tw.d.Name)
		}
		v := vs[r.IntN(len(vs))]
		p, err := b.inVillage(r, v, [2]float64{15, 50})
		if err != nil {
			return err
		}
		n++
		f := coverage.Facility{
			Code: fmt.Sprintf("YL-%04d", n), Name: tw.d.Name + "敬老院", Category: coverage.EldercareInstitution,
			Address: "沙坪坝区" + tw.d.Name + shortName(w.villages[v].d.Name), Beds: pbeds[i],
			Comprehensive: pbeds[i] >= 150, Status: coverage.StatusOpen, OpenedOn: year(r, 1995, 2010),
			Note: noteSynthetic + "；公办（镇街敬老院）",
		}
		if err := b.add(f, p, tw.d.Code); err != nil {
			return err
		}
	}
	// Social institutions: sizes log-uniform between 30 and 400 beds,
	// scaled to the total.
	social := eldercareInstitutions - publicInstitutions
	sw := make([]float64, social)
	for i := range sw {
		sw[i] = 30 * math.Pow(400.0/30, r.Float64())
	}
	sbeds := largestRemainder(eldercareBeds-publicBeds, sw)
	var cum []float64
	total := 0.0
	for _, vu := range w.villages {
		total += float64(vu.d.Population60)
		cum = append(cum, total)
	}
	for i := range social {
		v := min(sort.SearchFloat64s(cum, r.Float64()*total), len(cum)-1)
		vu := w.villages[v]
		stem := unitStem(vu.d.Name)
		if stem == "" {
			stem = divisionStem(w.towns[vu.town].d.Name)
		}
		name := ""
		for _, k := range r.Perm(len(institutionSuffixes)) {
			if c := stem + institutionSuffixes[k]; !b.names[string(coverage.EldercareInstitution)+" "+c] {
				name = c
				break
			}
		}
		for k := 2; name == ""; k++ {
			if c := fmt.Sprintf("%s第%d养老院", stem, k); !b.names[string(coverage.EldercareInstitution)+" "+c] {
				name = c
			}
		}
		p, err := b.inVillage(r, v, [2]float64{15, 50})
		if err != nil {
			return err
		}
		n++
		f := coverage.Facility{
			Code: fmt.Sprintf("YL-%04d", n), Name: name, Category: coverage.EldercareInstitution,
			Address: "沙坪坝区" + w.towns[vu.town].d.Name + shortName(vu.d.Name), Beds: sbeds[i],
			Comprehensive: sbeds[i] >= 150, Status: coverage.StatusOpen, OpenedOn: year(r, 2008, 2020),
			Note: noteSynthetic + "；社会办",
		}
		if err := b.add(f, p, vu.d.Code); err != nil {
			return err
		}
	}
	return nil
}

// serviceFacilities places one community service facility in every
// village-level unit, near a road close to the unit's middle, with a floor
// area per 100 households drawn around the plan's 30 m²: below it for
// about 45 % of the 社区 of the 街道 (old, crowded) and 20 % of the others;
// 150 of them (75 %) have a volunteer station.
func (b *facBuilder) serviceFacilities() error {
	w := b.w
	r := rng("facilities/service")
	volunteer := make([]bool, len(w.villages))
	for k, v := range r.Perm(len(w.villages)) {
		volunteer[v] = k < volunteerStations*len(w.villages)/200
	}
	for v, vu := range w.villages {
		pUnder := 0.20
		if vu.factor == 3 {
			pUnder = 0.45
		}
		under, u := r.Float64() < pUnder, r.Float64()
		var per float64 // m² per 100 households
		switch {
		case under && !vu.village:
			per = 15 + 14*u
		case under:
			per = 20 + 9*u
		case vu.village:
			per = 31 + 29*u
		default:
			per = 31 + 11*u
		}
		area := per * float64(vu.d.Households) / 100
		if per < 30 {
			area = math.Floor(area)
		} else {
			area = math.Ceil(area)
		}
		// The facility sits on the road nearest the unit's middle.
		segs := nearestSegs(w, vu.segs, vu.label, 6)
		p, ok := w.nearRoad(r, segs, vu.xy, [2]float64{10, 30})
		if !ok {
			var err error
			if p, err = b.inVillage(r, v, [2]float64{10, 30}); err != nil {
				return err
			}
		}
		generic := "综合服务中心"
		if vu.village {
			generic = "便民服务中心"
		}
		f := coverage.Facility{
			Code: "FW-" + vu.d.Code, Name: shortName(vu.d.Name) + generic, Category: coverage.CommunityServiceFacility,
			Address: "沙坪坝区" + w.towns[vu.town].d.Name + shortName(vu.d.Name), FloorArea: area,
			VolunteerStation: volunteer[v], Status: coverage.StatusOpen, OpenedOn: year(r, 2010, 2020),
		}
		if err := b.add(f, p, vu.d.Code); err != nil {
			return err
		}
	}
	return nil
}

// nearestSegs returns the n edges of segs whose middles are nearest p.
func nearestSegs(w *covWorld, segs []int, p orb.Point, n int) []int {
	type sd struct {
		k int
		d float64
	}
	var xs []sd
	for _, k := range segs {
		e := w.net.edges[k]
		a, c := w.net.nodes[e.a], w.net.nodes[e.b]
		xs = append(xs, sd{k, math.Hypot((a[0]+c[0])/2-p[0], (a[1]+c[1])/2-p[1])})
	}
	sort.SliceStable(xs, func(i, j int) bool { return xs[i].d < xs[j].d })
	out := make([]int, 0, n)
	for i := 0; i < len(xs) && i < n; i++ {
		out = append(out, xs[i].k)
	}
	return out
}

// lottery places the 307 welfare-lottery outlets: shares of the units by
// population (a 村 counts half: outlets follow shops), each outlet 5–15 m
// off a road and at least 100 m from every other.
func (b *facBuilder) lottery() error {
	w := b.w
	r := rng("facilities/lottery")
	wt := make([]float64, len(w.villages))
	for v, vu := range w.villages {
		wt[v] = float64(vu.d.Population)
		if vu.village {
			wt[v] /= 2
		}
	}
	shares := largestRemainder(lotteryOutlets, wt)
	var placed []orb.Point
	n := 0
	for v, k := range shares {
		vu := w.villages[v]
		for range k {
			var p orb.Point
			ok := false
			for try := 0; try < 50 && !ok; try++ {
				q, found := w.nearRoad(r, vu.segs, vu.xy, [2]float64{5, 15})
				if !found {
					break
				}
				ok = true
				for _, o := range placed {
					if math.Hypot(o[0]-q[0], o[1]-q[1]) < lotterySpacing+1 {
						ok = false
						break
					}
				}
				p = q
			}
			if !ok {
				return fmt.Errorf("demo: no room for another lottery outlet in %s %s", vu.d.Code, vu.d.Name)
			}
			placed = append(placed, p)
			n++
			f := coverage.Facility{
				Code: fmt.Sprintf("CP-50106-%04d", n), Name: fmt.Sprintf("中国福利彩票第50106%03d号投注站", n),
				Category: coverage.LotteryOutlet, Address: "沙坪坝区" + w.towns[vu.town].d.Name + shortName(vu.d.Name),
				Status: coverage.StatusOpen, OpenedOn: year(r, 2003, 2020),
			}
			if err := b.add(f, p, vu.d.Code); err != nil {
				return err
			}
		}
	}
	return nil
}

// funeral places 青木关殡仪馆 and 青润陵园 in 村 of 青木关镇, three temporary
// mourning points in 村 of three 街道, and the planned eastern funeral
// service centre in 井口村 (井口街道).
func (b *facBuilder) funeral() error {
	w := b.w
	r := rng("facilities/funeral")
	townByName := func(name string) int {
		for t, tw := range w.towns {
			if tw.d.Name == name {
				return t
			}
		}
		return -1
	}
	villagesOf := func(t int) []int {
		var out []int
		for _, v := range w.towns[t].villages {
			if w.villages[v].village && len(w.villages[v].segs) > 0 {
				out = append(out, v)
			}
		}
		return out
	}
	qmg := townByName("青木关镇")
	if qmg < 0 || len(villagesOf(qmg)) < 2 {
		return fmt.Errorf("demo: facilities: 青木关镇 and two of its 村 are needed for the funeral facilities")
	}
	qv := villagesOf(qmg)
	r.Shuffle(len(qv), func(i, j int) { qv[i], qv[j] = qv[j], qv[i] })
	for k, spec := range []struct {
		name string
		cat  coverage.Category
		note string
	}{
		{"青木关殡仪馆", coverage.FuneralHome, noteRealName},
		{"青润陵园", coverage.PublicCemetery, "真实设施名称（市级城市公益性公墓，约 2,100 个传统墓位、3,000 个生态墓位）；实际位置未公开，演示位置为假设"},
	} {
		v := qv[k]
		p, err := b.inVillage(r, v, [2]float64{20, 60})
		if err != nil {
			return err
		}
		f := coverage.Facility{
			Code: fmt.Sprintf("BZ-%02d", k+1), Name: spec.name, Category: spec.cat,
			Address: "沙坪坝区青木关镇" + shortName(w.villages[v].d.Name), Status: coverage.StatusOpen, Note: spec.note,
		}
		if err := b.add(f, p, w.towns[qmg].d.Code); err != nil {
			return err
		}
	}
	// Mourning points: three 街道 with 村, drawn at random.
	var streets []int
	for t, tw := range w.towns {
		if !tw.town && len(villagesOf(t)) > 0 {
			streets = append(streets, t)
		}
	}
	if len(streets) < 3 {
		return fmt.Errorf("demo: facilities: too few 街道 with 村 for the mourning points")
	}
	r.Shuffle(len(streets), func(i, j int) { streets[i], streets[j] = streets[j], streets[i] })
	streets = streets[:3]
	sort.Ints(streets)
	for k, t := range streets {
		vs := villagesOf(t)
		v := vs[r.IntN(len(vs))]
		p, err := b.inVillage(r, v, [2]float64{15, 50})
		if err != nil {
			return err
		}
		f := coverage.Facility{
			Code: fmt.Sprintf("BZ-%02d", k+3), Name: w.towns[t].d.Name + "临时治丧点", Category: coverage.MourningPoint,
			Address: "沙坪坝区" + w.towns[t].d.Name + shortName(w.villages[v].d.Name), Status: coverage.StatusOpen,
		}
		if err := b.add(f, p, w.towns[t].d.Code); err != nil {
			return err
		}
	}
	// The planned eastern centre: 井口村 if it exists, else 井口街道.
	jk := townByName("井口街道")
	if jk < 0 {
		return fmt.Errorf("demo: facilities: 井口街道 is needed for the eastern funeral service centre")
	}
	f := coverage.Facility{
		Code: "BZ-06", Name: "沙坪坝区东部殡葬服务中心", Category: coverage.FuneralHome,
		Address: "沙坪坝区井口街道井口村四合社", FloorArea: 20000, Status: coverage.StatusPlanned,
		Note: "规划（“十四五”新建工程）：初步选址井口村四合社，用地 7,613 平方米，建筑面积 2 万平方米；演示位置为井口村内的示意点",
	}
	code := w.towns[jk].d.Code
	var p orb.Point
	var err error
	for _, v := range w.towns[jk].villages {
		if w.villages[v].d.Name == "井口村村民委员会" {
			code = w.villages[v].d.Code
			p, err = b.inVillage(r, v, [2]float64{20, 60})
		}
	}
	if code == w.towns[jk].d.Code {
		p, err = b.nearCentre(r, jk, [2]float64{20, 60})
	}
	if err != nil {
		return err
	}
	return b.add(f, p, code)
}

// minorStations places a minor-protection station at the seat of 20 of the
// 26 townships.
func (b *facBuilder) minorStations() error {
	w := b.w
	r := rng("facilities/minors")
	ts := r.Perm(len(w.towns))
	ts = ts[:min(minorStations, len(ts))]
	sort.Ints(ts)
	for _, t := range ts {
		tw := w.towns[t]
		p, err := b.nearCentre(r, t, [2]float64{10, 40})
		if err != nil {
			return err
		}
		f := coverage.Facility{
			Code: "WB-" + tw.d.Code[:9], Name: tw.d.Name + "未成年人保护工作站", Category: coverage.MinorProtectionStation,
			Address: "沙坪坝区" + tw.d.Name, Status: coverage.StatusOpen, OpenedOn: year(r, 2019, 2020),
		}
		if err := b.add(f, p, tw.d.Code); err != nil {
			return err
		}
	}
	return nil
}

// schools places 120 primary and middle schools, shared among the units by
// population.
func (b *facBuilder) schools() error {
	w := b.w
	r := rng("facilities/schools")
	wt := make([]float64, len(w.villages))
	for v, vu := range w.villages {
		wt[v] = float64(vu.d.Population)
	}
	n := 0
	for v, k := range largestRemainder(schools, wt) {
		vu := w.villages[v]
		stem := unitStem(vu.d.Name)
		if stem == "" {
			stem = divisionStem(w.towns[vu.town].d.Name)
		}
		for range k {
			name := ""
			for _, kind := range []string{"小学", "中学", "第二小学", "实验小学", "第二中学", "第三小学"} {
				if r.Float64() < 0.35 && kind == "小学" {
					continue // about a third start with a middle school
				}
				if c := stem + kind; !b.names[string(coverage.School)+" "+c] {
					name = c
					break
				}
			}
			if name == "" {
				return fmt.Errorf("demo: no school name left for %s", vu.d.Name)
			}
			p, err := b.inVillage(r, v, [2]float64{15, 50})
			if err != nil {
				return err
			}
			n++
			f := coverage.Facility{
				Code: fmt.Sprintf("XX-%04d", n), Name: name, Category: coverage.School,
				Address: "沙坪坝区" + w.towns[vu.town].d.Name + shortName(vu.d.Name), Status: coverage.StatusOpen,
			}
			if err := b.add(f, p, vu.d.Code); err != nil {
				return err
			}
		}
	}
	return nil
}

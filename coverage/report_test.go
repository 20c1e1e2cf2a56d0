package coverage

import (
	"math"
	"testing"

	"github.com/paulmach/orb"

	"diming"
	"diming/gazetteer"
	"diming/geo"
)

// A hand-checked town: a 1 km street lattice (100 m blocks, 11 × 11
// crossings) centred on origin; two townships split west/east, each with
// two village-level units split south/north. Metres are local: x east, y
// north, (0, 0) at origin.
var reportOrigin = orb.Point{106.45, 29.55}

type smallTown struct {
	proj  geo.LocalProjection
	divs  *gazetteer.DivisionIndex
	graph *WalkingGraph
}

const (
	codeDistrict = "500106000000"
	codeT1       = "500106001000" // west
	codeT2       = "500106002000" // east
	codeV11      = "500106001001" // west, south
	codeV12      = "500106001002" // west, north
	codeV21      = "500106002001" // east, south
	codeV22      = "500106002002" // east, north
)

func newSmallTown(t testing.TB) *smallTown {
	t.Helper()
	st := &smallTown{proj: geo.NewLocalProjection(reportOrigin)}
	rect := func(x0, y0, x1, y1 float64) orb.MultiPolygon {
		ring := orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
		for i, p := range ring {
			ring[i] = st.proj.Inverse(p)
		}
		return orb.MultiPolygon{{ring}}
	}
	ds := []gazetteer.Division{
		{Code: codeDistrict, Name: "测试区", Level: gazetteer.LevelDistrict, ParentCode: "500100000000", Geometry: rect(-600, -600, 600, 600), Households: 250},
		{Code: codeT1, Name: "西街道", Level: gazetteer.LevelTownship, ParentCode: codeDistrict, Geometry: rect(-600, -600, 0, 600), Households: 150},
		{Code: codeT2, Name: "东街道", Level: gazetteer.LevelTownship, ParentCode: codeDistrict, Geometry: rect(0, -600, 600, 600), Households: 100},
		{Code: codeV11, Name: "西南社区居民委员会", Level: gazetteer.LevelVillage, ParentCode: codeT1, Geometry: rect(-600, -600, 0, 0), Households: 100},
		{Code: codeV12, Name: "西北社区居民委员会", Level: gazetteer.LevelVillage, ParentCode: codeT1, Geometry: rect(-600, 0, 0, 600), Households: 50},
		{Code: codeV21, Name: "东南社区居民委员会", Level: gazetteer.LevelVillage, ParentCode: codeT2, Geometry: rect(0, -600, 600, 0), Households: 100},
		{Code: codeV22, Name: "东北社区居民委员会", Level: gazetteer.LevelVillage, ParentCode: codeT2, Geometry: rect(0, 0, 600, 600), Households: 0},
	}
	st.divs = gazetteer.NewDivisionIndex(ds)
	g, err := NewWalkingGraph(gridRoads(11, 11, 100, reportOrigin), GraphOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st.graph = g
	return st
}

func (st *smallTown) at(x, y float64) orb.Point { return st.proj.Inverse(orb.Point{x, y}) }

func (st *smallTown) facility(id int64, c Category, x, y float64, mod ...func(*Facility)) Facility {
	f := Facility{ID: id, Name: string(c), Category: c, Point: st.at(x, y), Status: StatusOpen, Version: 1}
	for _, m := range mod {
		m(&f)
	}
	return f
}

func (st *smallTown) household(id int64, x, y float64, hh, res, aged int) HouseholdPoint {
	return HouseholdPoint{ID: id, Point: st.at(x, y), Households: hh, Residents: res, Aged60: aged}
}

// smallTownModel is the hand-checked case. Walks from the eldercare
// station at the south-west corner (-500, -500):
//
//	h1 (-500,-400) on the road: 100 m            covered
//	h2 (-200,-500) on the road: 300 m            covered
//	h4 (-450,-480): 20 m off, then 50 m: 70 m    covered
//	h6 ( 200,-500) on the road: 700 m            covered
//	h7 ( 350,-500) on the road: 850 m            not (limit 810 m)
//	h3 ( 300, 300) on the road: 1,600 m          not
//	h5 (  20, 310): 10 m off y=300: 1,330 m      not
func smallTownModel(t testing.TB) (*smallTown, *Model) {
	st := newSmallTown(t)
	vol := func(f *Facility) { f.VolunteerStation = true }
	fs := []Facility{
		st.facility(1, CommunityEldercareStation, -500, -500),
		st.facility(2, CommunityServiceFacility, -300, -300, func(f *Facility) { f.FloorArea = 50 }, vol),
		st.facility(3, CommunityServiceFacility, 300, -300, func(f *Facility) { f.FloorArea = 20 }),
		st.facility(4, LotteryOutlet, 500, 500),
		st.facility(5, PublicCemetery, 400, 100),
		st.facility(6, MinorProtectionStation, -100, 100),
		st.facility(7, StreetEldercareCentre, -400, 200, func(f *Facility) { f.Status = StatusPlanned }),
		st.facility(8, School, 450, 500),
		st.facility(9, CommunityEldercareStation, 100, 100, func(f *Facility) { f.Status = StatusClosed }),
	}
	hs := []HouseholdPoint{
		st.household(1, -500, -400, 10, 25, 5),
		st.household(2, -200, -500, 20, 50, 10),
		st.household(3, 300, 300, 30, 80, 12),
		st.household(4, -450, -480, 5, 12, 3),
		st.household(5, 20, 310, 7, 20, 6),
		st.household(6, 200, -500, 40, 100, 20),
		st.household(7, 350, -500, 8, 20, 4),
	}
	return st, NewModel(Data{Version: 42, Divisions: st.divs, Facilities: fs, Households: hs, Graph: st.graph})
}

func checkCount(t *testing.T, what string, c Count, total, covered int) {
	t.Helper()
	if c.Total != total || c.Covered != covered || c.Uncovered != total-covered {
		t.Errorf("%s: got %+v, want total %d covered %d uncovered %d", what, c, total, covered, total-covered)
	}
	if want := share(covered, total); c.Share != want {
		t.Errorf("%s: share %v, want %v", what, c.Share, want)
	}
}

func TestEldercareHandChecked(t *testing.T) {
	_, m := smallTownModel(t)
	r, err := m.Eldercare(EldercareParams{Walk: DefaultEldercareWalk})
	if err != nil {
		t.Fatal(err)
	}
	if r.LimitM != 810 || r.Facilities != 1 || r.DataVersion != 42 {
		t.Fatalf("limit %v facilities %d version %d", r.LimitM, r.Facilities, r.DataVersion)
	}
	checkCount(t, "households", r.Households, 120, 10+20+5+40)
	checkCount(t, "residents", r.Residents, 307, 25+50+12+100)
	checkCount(t, "aged 60+", r.Aged60, 60, 5+10+3+20)
	checkCount(t, "villages with a facility", r.VillagesWithFacility, 4, 1)
	byCode := map[string]UnitCoverage{}
	for _, u := range append(r.Townships, r.Villages...) {
		byCode[u.Code] = u
	}
	checkCount(t, "V11 households", byCode[codeV11].Households, 35, 35)
	checkCount(t, "V21 households", byCode[codeV21].Households, 48, 40)
	checkCount(t, "V22 households", byCode[codeV22].Households, 37, 0)
	checkCount(t, "T2 aged", byCode[codeT2].Aged60, 42, 20)
	if !byCode[codeV11].HasFacility || byCode[codeV21].HasFacility || byCode[codeT1].Facilities != 1 {
		t.Errorf("facility placement wrong: %+v", byCode)
	}
	// Rows add up to the totals.
	var sum Count
	for _, v := range r.Villages {
		sum.addCount(v.Households)
	}
	sum.addCount(r.Unplaced)
	if sum.Total != r.Households.Total || sum.Covered != r.Households.Covered {
		t.Errorf("villages + unplaced = %+v, totals %+v", sum, r.Households)
	}
	if r.UncoveredPoints != 3 || len(r.Uncovered) != 3 || r.Uncovered[0].ID != 3 {
		t.Fatalf("uncovered: %d %+v", r.UncoveredPoints, r.Uncovered)
	}
	walks := map[int64]float64{3: 1600, 5: 1330, 7: 850}
	for _, u := range r.Uncovered {
		if u.WalkM == nil || math.Abs(*u.WalkM-walks[u.ID]) > 2 {
			t.Errorf("household %d: walk %v, want about %v", u.ID, u.WalkM, walks[u.ID])
		}
	}
	// 17 minutes at 0.9 m/s is 918 m: h7 (850 m) joins.
	r2, err := m.Eldercare(EldercareParams{Walk: Walk{Minutes: 17, Speed: 0.9}})
	if err != nil {
		t.Fatal(err)
	}
	checkCount(t, "households at 17 min", r2.Households, 120, 83)
	// The planned street centre at (-400, 200), when planned ones count,
	// reaches h3 (100 north + 700 east = 800 m) and h5 (100 + 420 + 10 off = 530 m).
	r3, err := m.Eldercare(EldercareParams{Walk: DefaultEldercareWalk, IncludePlanned: true})
	if err != nil {
		t.Fatal(err)
	}
	if r3.Facilities != 2 || r3.Households.Covered != 75+30+7 {
		t.Errorf("with the planned centre: facilities %d covered %d, want 2 and 112", r3.Facilities, r3.Households.Covered)
	}
}

func TestReportParametersRefused(t *testing.T) {
	_, m := smallTownModel(t)
	bad := []Walk{{Minutes: -1, Speed: 0.9}, {Minutes: 0, Speed: 0.9}, {Minutes: 15, Speed: 0}, {Minutes: 15, Speed: -2},
		{Minutes: math.NaN(), Speed: 1}, {Minutes: 15, Speed: math.Inf(1)}, {Minutes: 100000, Speed: 1}}
	for _, w := range bad {
		if _, err := m.Eldercare(EldercareParams{Walk: w}); diming.Code(err) != diming.EINVALID {
			t.Errorf("eldercare %+v: %v, want EINVALID", w, err)
		}
		if _, err := m.Lottery(LotteryParams{Walk: w}); diming.Code(err) != diming.EINVALID {
			t.Errorf("lottery %+v: %v, want EINVALID", w, err)
		}
		if _, _, err := m.Isochrone(reportOrigin, w, IsochroneOptions{}); diming.Code(err) != diming.EINVALID {
			t.Errorf("isochrone %+v: %v, want EINVALID", w, err)
		}
	}
	if _, err := m.Eldercare(EldercareParams{Walk: DefaultEldercareWalk, UncoveredLimit: MaxListed + 1}); diming.Code(err) != diming.EINVALID {
		t.Errorf("huge uncovered limit: %v", err)
	}
	for _, n := range []int{0, -1, MaxSites + 1, 1 << 30} {
		if _, err := m.LotterySiting(SitingParams{Sites: n}); diming.Code(err) != diming.EINVALID {
			t.Errorf("siting %d sites: %v, want EINVALID", n, err)
		}
	}
	if _, err := m.LotterySiting(SitingParams{Sites: 1, MinSpacingM: ptr(-5.0)}); diming.Code(err) != diming.EINVALID {
		t.Errorf("negative spacing: %v", err)
	}
	if _, err := m.LotterySiting(SitingParams{Sites: 1, Candidates: make([]orb.Point, MaxCandidates+1)}); diming.Code(err) != diming.ETOOLARGE {
		t.Errorf("too many candidates: %v", err)
	}
	if _, err := m.LotterySiting(SitingParams{Sites: 1, Candidates: []orb.Point{{200, 95}}}); diming.Code(err) != diming.EINVALID {
		t.Errorf("out-of-range candidate: %v", err)
	}
}

func TestFacilityAreaHandChecked(t *testing.T) {
	_, m := smallTownModel(t)
	r := m.FacilityArea(AreaParams{})
	if r.FloorArea != 70 || r.Households != 250 || r.PerHundred != 28 || r.Facilities != 2 || r.WithVolunteer != 1 || r.VolunteerShare != 0.5 {
		t.Fatalf("totals: %+v", r)
	}
	want := map[string]float64{codeV11: 50, codeV12: 0, codeV21: 20}
	for _, v := range r.Villages {
		w, ok := want[v.Code]
		switch {
		case !ok:
			if v.PerHundred != nil || v.Met {
				t.Errorf("%s has no households: %+v", v.Code, v)
			}
		case v.PerHundred == nil || *v.PerHundred != w || v.Met != (w > 30):
			t.Errorf("%s: %+v, want %v per 100", v.Code, v, w)
		}
	}
	checkCount(t, "villages met", r.VillagesMet, 4, 1)
	if len(r.Under) != 3 || r.Under[0].Code != codeV22 || r.Under[1].Code != codeV12 || r.Under[2].Code != codeV21 {
		t.Errorf("under the target, lowest first: %+v", r.Under)
	}
	if r.Townships[0].FloorArea != 50 || *r.Townships[0].PerHundred != round1(50.0/150*100) {
		t.Errorf("west township: %+v", r.Townships[0])
	}
}

func TestLotteryAndFuneralHandChecked(t *testing.T) {
	_, m := smallTownModel(t)
	r, err := m.Lottery(LotteryParams{Walk: DefaultLotteryWalk})
	if err != nil {
		t.Fatal(err)
	}
	// From the outlet at (500, 500) within 540 m: h3 (300, 300) at 400 m only.
	if r.Outlets != 1 || r.Met || r.Target != 350 || r.LimitM != 540 {
		t.Fatalf("%+v", r)
	}
	checkCount(t, "residents", r.Residents, 307, 80)
	fr := m.Funeral(FuneralParams{})
	checkCount(t, "townships with interment", fr.TownshipsWithInterment, 2, 1)
	if fr.Points != 1 || len(fr.Villages) != 4 || fr.Unreachable != 0 {
		t.Fatalf("%+v", fr)
	}
	for _, v := range fr.Villages {
		if v.WalkM == nil || v.StraightM == nil || *v.WalkM+1 < *v.StraightM || v.Walk.ID != 5 {
			t.Errorf("%s: walk %v straight %v", v.Code, v.WalkM, v.StraightM)
		}
	}
}

func TestIndicatorsHandChecked(t *testing.T) {
	_, m := smallTownModel(t)
	r, err := m.Indicators(IndicatorParams{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]struct {
		value float64
		met   bool
	}{5: {1, false}, 6: {28, false}, 9: {0.5, false}, 11: {0.5, false}, 13: {0.5, false}, 16: {0, false}, 20: {0.25, false}}
	if len(r.Indicators) != len(want) {
		t.Fatalf("%d indicators", len(r.Indicators))
	}
	for _, ind := range r.Indicators {
		w := want[ind.ID]
		if ind.Value != w.value || ind.Met != w.met {
			t.Errorf("indicator %d: value %v met %v, want %v %v", ind.ID, ind.Value, ind.Met, w.value, w.met)
		}
		if len(ind.ByTownship) != 2 {
			t.Errorf("indicator %d: %d township rows", ind.ID, len(ind.ByTownship))
		}
	}
	// The planned street centre in the west township meets indicator 16 there.
	r2, err := m.Indicators(IndicatorParams{IncludePlanned: true})
	if err != nil {
		t.Fatal(err)
	}
	if ind := r2.Indicators[5]; ind.ID != 16 || ind.Value != 0.5 || *ind.ByTownship[0].Met != true {
		t.Errorf("indicator 16 with the plan: %+v", ind)
	}
}

func TestNearestStraightAndWalk(t *testing.T) {
	st, m := smallTownModel(t)
	p := st.at(-480, -420)
	got := m.NearestStraight(p, 3, FacilityFilter{})
	if len(got) != 3 || got[0].Facility.ID != 1 {
		t.Fatalf("%+v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i].DistanceM < got[i-1].DistanceM {
			t.Errorf("not sorted: %+v", got)
		}
	}
	// Brute force over every open facility agrees.
	var best []float64
	for _, f := range m.Select(FacilityFilter{}) {
		best = append(best, geo.Distance(p, f.Point))
	}
	for i, g := range got {
		n := 0
		for _, d := range best {
			if d < g.DistanceM-1e-9 {
				n++
			}
		}
		if n != i {
			t.Errorf("result %d at %.1f m has %d nearer facilities", i, g.DistanceM, n)
		}
	}
	w, err := m.NearestByWalk(p, 1, 5000, FacilityFilter{Categories: []Category{LotteryOutlet}})
	if err != nil || len(w) != 1 || w[0].Facility.ID != 4 {
		t.Fatalf("%+v %v", w, err)
	}
	// (-480,-420) snaps 20 m to x=-500 at y=-420; to (500,500) is 1000 + 920 + 20.
	if math.Abs(w[0].WalkM-1940) > 3 {
		t.Errorf("walk %v, want about 1940", w[0].WalkM)
	}
}

func TestSitingHandChecked(t *testing.T) {
	st, m := smallTownModel(t)
	r, err := m.LotterySiting(SitingParams{Sites: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Before.Covered != 80 || len(r.Sites) == 0 {
		t.Fatalf("%+v", r)
	}
	outlets := []orb.Point{st.at(500, 500)}
	school := st.at(450, 500)
	sum := r.Before.Covered
	for _, s := range r.Sites {
		for _, o := range outlets {
			if d := geo.Distance(o, s.Point); d < DefaultMinSpacingM-1 {
				t.Errorf("site %d is %.0f m from an outlet", s.Rank, d)
			}
		}
		if d := geo.Distance(school, s.Point); d < DefaultSchoolDistanceM-1 {
			t.Errorf("site %d is %.0f m from the school", s.Rank, d)
		}
		outlets = append(outlets, s.Point)
		sum += s.AddedResidents
		if s.CumulativeResidents != sum {
			t.Errorf("cumulative %d, want %d", s.CumulativeResidents, sum)
		}
	}
	if r.After.Covered != sum || r.After.Covered+r.After.Uncovered != r.After.Total {
		t.Errorf("after: %+v, sum %d", r.After, sum)
	}
	// Everything uncovered (227 residents) lies within 540 m of some
	// node, so two sites cover at least the largest cluster: h6+h7+h2 in
	// the south (170) — the first site adds at least that much.
	if r.Sites[0].AddedResidents < 170 {
		t.Errorf("the first site adds %d residents, want ≥ 170", r.Sites[0].AddedResidents)
	}
}

func TestFacilityIsochrones(t *testing.T) {
	st, m := smallTownModel(t)
	isos, err := m.FacilityIsochrones(CommunityEldercare, DefaultEldercareWalk, false)
	if err != nil || len(isos) != 1 || isos[0].Facility.ID != 1 {
		t.Fatalf("%d isochrones, %v", len(isos), err)
	}
	mp := isos[0].Isochrone.Polygon
	// Covered households stand inside the eldercare circle, the far ones outside.
	for _, p := range []orb.Point{st.at(-500, -400), st.at(-200, -500), st.at(200, -500)} {
		if !geo.MultiPolygonContains(mp, p) {
			t.Errorf("%v is covered but outside the circle", p)
		}
	}
	for _, p := range []orb.Point{st.at(300, 300), st.at(500, 500)} {
		if geo.MultiPolygonContains(mp, p) {
			t.Errorf("%v is far but inside the circle", p)
		}
	}
	if _, err := m.FacilityIsochrones(CommunityEldercare, Walk{Minutes: -1, Speed: 1}, false); diming.Code(err) != diming.EINVALID {
		t.Errorf("bad walk: %v", err)
	}
}

package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
	"diming/geo"
	"diming/store/sqlite"
)

var updateOSMFootprints = flag.Bool("update-osm-footprints", false,
	"rewrite data/osm-buildings.csv from testdata/shapingba/buildings.osm.wgs84.geojson")

// extractOSMFootprints turns the OSM building extract into the embedded
// CSV: every building in file order with its building=* value, whether it
// has a name, its footprint area (m², geodesic, rounded) and a point inside
// it (as for osm-named-buildings.csv).
func extractOSMFootprints(src []byte) ([]byte, error) {
	fc, err := geojson.UnmarshalFeatureCollection(src)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write([]string{"osm_id", "building", "named", "area_m2", "lon", "lat"}); err != nil {
		return nil, err
	}
	for _, f := range fc.Features {
		id, _ := f.Properties["osm_id"].(string)
		kind, _ := f.Properties["type"].(string)
		name, _ := f.Properties["name"].(string)
		var mp orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			mp = g
		default:
			return nil, fmt.Errorf("osm %s: geometry %s", id, f.Geometry.GeoJSONType())
		}
		p, ok := representativePoint(mp)
		if !ok {
			return nil, fmt.Errorf("osm %s: no point inside the footprint", id)
		}
		named := "0"
		if name != "" {
			named = "1"
		}
		area := strconv.FormatFloat(math.Round(geo.Area(mp)), 'f', 0, 64)
		if err := w.Write([]string{id, kind, named, area, fmtCoord(p[0]), fmtCoord(p[1])}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func TestOSMFootprintsCSVMatchesSource(t *testing.T) {
	src, err := os.ReadFile(osmBuildingsSource)
	if err != nil {
		t.Fatalf("committed reference data: %v", err)
	}
	want, err := extractOSMFootprints(src)
	if err != nil {
		t.Fatal(err)
	}
	if *updateOSMFootprints {
		if err := os.WriteFile("data/osm-buildings.csv", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(osmFootprintsCSV, want) {
		t.Errorf("data/osm-buildings.csv is stale: run go test ./demo -run OSMFootprintsCSV -update-osm-footprints")
	}
	fps, err := readFootprints()
	if err != nil {
		t.Fatal(err)
	}
	if len(fps) != 1837 {
		t.Errorf("%d buildings, want the extract's 1,837", len(fps))
	}
}

// coverageSetT returns the generated set for the demo divisions.
func coverageSetT(t testing.TB) ([]gazetteer.Division, *coverageSet) {
	t.Helper()
	ds := divisions(t)
	set, err := coverageData(ds)
	if err != nil {
		t.Fatal(err)
	}
	return ds, set
}

// key rounds a coordinate to 1e-7° as an exact map key.
func key(p orb.Point) [2]int64 {
	return [2]int64{int64(math.Round(p[0] * 1e7)), int64(math.Round(p[1] * 1e7))}
}

func TestRoadsConnectedAndInsideTheOutline(t *testing.T) {
	ds, _ := coverageSetT(t)
	segs, err := Roads(ds)
	if err != nil {
		t.Fatal(err)
	}
	d, _, _ := tree(t, ds)
	if n := len(segs); n < 15000 || n > 40000 {
		t.Errorf("%d segments, want 15,000–40,000", n)
	}
	// Union-find over the rounded end points.
	id := map[[2]int64]int{}
	var parent []int
	node := func(p orb.Point) int {
		k := key(p)
		if i, ok := id[k]; ok {
			return i
		}
		id[k] = len(parent)
		parent = append(parent, len(parent))
		return id[k]
	}
	var find func(int) int
	find = func(x int) int {
		if parent[x] != x {
			parent[x] = find(parent[x])
		}
		return parent[x]
	}
	classes := map[string]int{}
	km := 0.0
	seen := map[[2][2]int64]bool{}
	for i, s := range segs {
		if len(s.Geometry) != 2 || !s.Synthetic || s.Source != "synthetic" || s.ID != 0 {
			t.Fatalf("segment %d: %+v", i, s)
		}
		a, b := s.Geometry[0], s.Geometry[1]
		if a != roundPoint(a) || b != roundPoint(b) {
			t.Errorf("segment %d is not rounded to 1e-7°", i)
		}
		ka, kb := key(a), key(b)
		if ka == kb {
			t.Errorf("segment %d has zero length", i)
		}
		pair := [2][2]int64{ka, kb}
		if kb[0] < ka[0] || (kb[0] == ka[0] && kb[1] < ka[1]) {
			pair = [2][2]int64{kb, ka}
		}
		if seen[pair] {
			t.Errorf("segment %d repeats another", i)
		}
		seen[pair] = true
		l := geo.Length(s.Geometry)
		if l < 20 || l > 700 {
			t.Errorf("segment %d is %.0f m long", i, l)
		}
		km += l / 1000
		classes[s.Class]++
		x, y := find(node(a)), find(node(b))
		parent[x] = y
		for _, p := range s.Geometry {
			if !planar.MultiPolygonContains(d.Geometry, p) {
				t.Errorf("segment %d: %v is outside the district", i, p)
			}
		}
		for _, poly := range d.Geometry {
			for _, r := range poly {
				for k := 1; k < len(r); k++ {
					if segmentsTouch(a, b, r[k-1], r[k]) {
						t.Errorf("segment %d crosses the outline", i)
					}
				}
			}
		}
	}
	roots := map[int]bool{}
	for i := range parent {
		roots[find(i)] = true
	}
	if len(roots) != 1 {
		t.Errorf("the network has %d components, want 1", len(roots))
	}
	for _, c := range []string{classPrimary, classSecondary, classTertiary, classResidential, classUnclassified, classTrack, classFootway} {
		if classes[c] == 0 {
			t.Errorf("no %s segments", c)
		}
	}
	t.Logf("%d segments, %d nodes, %.0f km; classes %v", len(segs), len(parent), km, classes)
}

// Segments meet only at their ends.
func TestRoadsDoNotCross(t *testing.T) {
	ds, _ := coverageSetT(t)
	segs, err := Roads(ds)
	if err != nil {
		t.Fatal(err)
	}
	g := newSegGrid(0.003)
	for k, s := range segs {
		g.add(k, s.Geometry[0], s.Geometry[1])
	}
	crossings := 0
	for k, s := range segs {
		if g.crosses(s.Geometry[0], s.Geometry[1], func(j int) (orb.Point, orb.Point) {
			if j == k {
				return orb.Point{-1, -1}, orb.Point{-2, -2}
			}
			return segs[j].Geometry[0], segs[j].Geometry[1]
		}) {
			crossings++
		}
	}
	if crossings > 0 {
		t.Errorf("%d segments cross another", crossings)
	}
}

// Blocks are denser in the 社区 of the 街道 than in the 村.
func TestRoadDensity(t *testing.T) {
	ds, set := coverageSetT(t)
	ix := gazetteer.NewDivisionIndex(ds)
	length := map[string]float64{}
	area := map[string]float64{}
	for _, d := range ds {
		if d.Level == gazetteer.LevelVillage {
			area[d.UrbanRuralCode] += geo.Area(d.Geometry)
		}
	}
	for _, s := range set.roads {
		mid := orb.Point{(s.Geometry[0][0] + s.Geometry[1][0]) / 2, (s.Geometry[0][1] + s.Geometry[1][1]) / 2}
		if chain := ix.At(mid); len(chain) == 3 {
			length[chain[2].UrbanRuralCode] += geo.Length(s.Geometry)
		}
	}
	// A square lattice of block b has 2/b metres of street per m².
	block := func(code string) float64 { return 2 / (length[code] / area[code]) }
	if b := block("111"); b < 120 || b > 180 {
		t.Errorf("社区 of the 街道: blocks of %.0f m, want 120–180", b)
	}
	for _, code := range []string{"112", "220"} {
		if b := block(code); b < 300 || b > 550 {
			t.Errorf("村 (%s): blocks of %.0f m, want 300–500", code, b)
		}
	}
	t.Logf("equivalent block sides: 111 %.0f m, 121 %.0f m, 112 %.0f m, 220 %.0f m", block("111"), block("121"), block("112"), block("220"))
}

func TestHouseholdsAddUp(t *testing.T) {
	ds, set := coverageSetT(t)
	hs, err := Households(ds)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(hs); n < 10000 || n > 25000 {
		t.Errorf("%d household points, want 10,000–25,000", n)
	}
	var villages []gazetteer.Division
	var polys []orb.MultiPolygon
	for _, d := range ds {
		if d.Level == gazetteer.LevelVillage {
			villages = append(villages, d)
			polys = append(polys, d.Geometry)
		}
	}
	ix := geo.NewPolygonIndex(polys)
	type sums struct{ h, r, a, n int }
	got := make([]sums, len(villages))
	var total sums
	osm := 0
	for i, h := range hs {
		if h.Households < 1 || h.Residents < h.Households || h.Aged60 < 0 || h.Aged60 > h.Residents || !h.Synthetic || h.ID != 0 {
			t.Errorf("point %d: %+v", i, h)
		}
		if h.Point != roundPoint(h.Point) {
			t.Errorf("point %d is not rounded to 1e-7°", i)
		}
		switch {
		case strings.HasPrefix(h.Source, "osm:") && len(h.Source) > 4:
			osm++
		case h.Source == "synthetic":
		default:
			t.Errorf("point %d: source %q", i, h.Source)
		}
		in := map[int]bool{}
		ix.Containing(h.Point, func(k int) bool { in[k] = true; return true })
		if len(in) != 1 {
			t.Errorf("point %d at %v lies in %d village-level units", i, h.Point, len(in))
			continue
		}
		for k := range in {
			if villages[k].Code != set.householdVillage[i] {
				t.Errorf("point %d is filed under %s but lies in %s", i, set.householdVillage[i], villages[k].Code)
			}
			got[k].h += h.Households
			got[k].r += h.Residents
			got[k].a += h.Aged60
			got[k].n++
		}
		total.h += h.Households
		total.r += h.Residents
		total.a += h.Aged60
	}
	for k, v := range villages {
		if g := got[k]; g.h != v.Households || g.r != v.Population || g.a != v.Population60 {
			t.Errorf("%s %s: points hold %d/%d/%d, the unit %d/%d/%d", v.Code, v.Name, g.h, g.r, g.a, v.Households, v.Population, v.Population60)
		}
	}
	if total.h != 568_213 || total.r != 1_477_354 || total.a != 247_900 {
		t.Errorf("district: %d households, %d residents, %d aged 60+", total.h, total.r, total.a)
	}
	if osm < 300 {
		t.Errorf("%d points from OSM buildings, want at least 300", osm)
	}
	t.Logf("%d household points, %d of them OSM buildings", len(hs), osm)
}

// Synthetic household points lie 10–60 m from the nearest road, and the
// points per household fit the kind of unit.
func TestHouseholdPointsNearRoads(t *testing.T) {
	ds, set := coverageSetT(t)
	w, err := newCovWorld(ds)
	if err != nil {
		t.Fatal(err)
	}
	g := newSegGrid(0.002)
	for k, s := range set.roads {
		g.add(k, s.Geometry[0], s.Geometry[1])
	}
	kind := map[string]bool{}
	for _, d := range ds {
		kind[d.Code] = isVillage(d.Name)
	}
	var perPoint [2][]int
	for i, h := range set.households {
		if h.Source != "synthetic" {
			continue
		}
		p := w.proj.Forward(h.Point)
		best := math.Inf(1)
		c := [2]int{int(math.Floor(h.Point[0] / 0.002)), int(math.Floor(h.Point[1] / 0.002))}
		for dx := -1; dx <= 1; dx++ {
			for dy := -1; dy <= 1; dy++ {
				for _, k := range g.cells[[2]int{c[0] + dx, c[1] + dy}] {
					s := set.roads[k].Geometry
					best = min(best, pointSegDist(p, w.proj.Forward(s[0]), w.proj.Forward(s[1])))
				}
			}
		}
		if best < 9.5 || best > 60.5 {
			t.Errorf("point %d: %.1f m from the nearest road", i, best)
		}
		k := 0
		if kind[set.householdVillage[i]] {
			k = 1
		}
		perPoint[k] = append(perPoint[k], h.Households)
	}
	for k, want := range [][2]int{{25, 220}, {2, 17}} {
		for _, n := range perPoint[k] {
			if n < want[0] || n > want[1] {
				t.Errorf("a synthetic point in a %s holds %d households, want %d–%d", []string{"社区", "村"}[k], n, want[0], want[1])
				break
			}
		}
	}
}

func TestFacilityCounts(t *testing.T) {
	ds, _ := coverageSetT(t)
	fs, err := Facilities(ds)
	if err != nil {
		t.Fatal(err)
	}
	type cs struct {
		c coverage.Category
		s string
	}
	n := map[cs]int{}
	beds, comprehensive, volunteer, service := 0, 0, 0, 0
	for _, f := range fs {
		n[cs{f.Category, f.Status}]++
		beds += f.Beds
		if f.Category == coverage.EldercareInstitution && f.Comprehensive {
			comprehensive++
		}
		if f.Category == coverage.CommunityServiceFacility {
			service++
			if f.VolunteerStation {
				volunteer++
			}
		}
	}
	want := map[cs]int{
		{coverage.EldercareInstitution, coverage.StatusOpen}:         68,
		{coverage.StreetEldercareCentre, coverage.StatusOpen}:        11,
		{coverage.StreetEldercareCentre, coverage.StatusPlanned}:     6,
		{coverage.TownEldercareCentre, coverage.StatusOpen}:          2,
		{coverage.TownEldercareCentre, coverage.StatusPlanned}:       6,
		{coverage.CommunityEldercareStation, coverage.StatusOpen}:    89,
		{coverage.CommunityEldercareStation, coverage.StatusPlanned}: 30,
		{coverage.VillageMutualAidPoint, coverage.StatusOpen}:        38,
		{coverage.VillageMutualAidPoint, coverage.StatusPlanned}:     25,
		{coverage.CommunityServiceFacility, coverage.StatusOpen}:     200,
		{coverage.LotteryOutlet, coverage.StatusOpen}:                307,
		{coverage.FuneralHome, coverage.StatusOpen}:                  1,
		{coverage.FuneralHome, coverage.StatusPlanned}:               1,
		{coverage.PublicCemetery, coverage.StatusOpen}:               1,
		{coverage.MourningPoint, coverage.StatusOpen}:                3,
		{coverage.MinorProtectionStation, coverage.StatusOpen}:       20,
		{coverage.School, coverage.StatusOpen}:                       120,
	}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("counts by category and status:\n got %v\nwant %v", n, want)
	}
	open := 0
	for _, c := range coverage.CommunityEldercare {
		open += n[cs{c, coverage.StatusOpen}]
	}
	if open != 140 {
		t.Errorf("%d open community home eldercare facilities, want 140", open)
	}
	if beds != 7500 {
		t.Errorf("%d beds, want 7,500", beds)
	}
	if comprehensive < 5 || comprehensive > 40 {
		t.Errorf("%d comprehensive eldercare institutions", comprehensive)
	}
	if volunteer != 150 || service != 200 {
		t.Errorf("%d of %d community service facilities have a volunteer station, want 150 of 200", volunteer, service)
	}
}

func TestFacilitiesValidAndInTheirDivisions(t *testing.T) {
	ds, set := coverageSetT(t)
	byCode := map[string]gazetteer.Division{}
	for _, d := range ds {
		byCode[d.Code] = d
	}
	codes := map[string]bool{}
	names := map[string]bool{}
	towns := map[coverage.Category]map[string]int{}
	for i, f := range set.facilities {
		if err := f.Validate(); err != nil {
			t.Errorf("%s: %v", f.Code, err)
		}
		if f.Code == "" || codes[f.Code] {
			t.Errorf("code %q is empty or repeated", f.Code)
		}
		codes[f.Code] = true
		if k := string(f.Category) + f.Name; names[k] {
			t.Errorf("%s: name %s repeated in %s", f.Code, f.Name, f.Category)
		} else {
			names[k] = true
		}
		if !f.Synthetic || f.Note == "" || f.ID != 0 || f.Version != 0 || f.Point != roundPoint(f.Point) {
			t.Errorf("%s: synthetic %v, note %q, id %d, point %v", f.Code, f.Synthetic, f.Note, f.ID, f.Point)
		}
		d, ok := byCode[set.facilityDivision[i]]
		if !ok {
			t.Errorf("%s: no division %s", f.Code, set.facilityDivision[i])
			continue
		}
		if !planar.MultiPolygonContains(d.Geometry, f.Point) {
			t.Errorf("%s %s: %v is not in %s %s", f.Code, f.Name, f.Point, d.Code, d.Name)
		}
		town := d
		if d.Level == gazetteer.LevelVillage {
			town = byCode[d.ParentCode]
		}
		if !strings.Contains(f.Address, town.Name) {
			t.Errorf("%s: address %q does not name %s", f.Code, f.Address, town.Name)
		}
		if towns[f.Category] == nil {
			towns[f.Category] = map[string]int{}
		}
		towns[f.Category][town.Code]++
		short := shortName(d.Name)
		switch f.Category {
		case coverage.StreetEldercareCentre:
			if d.Level != gazetteer.LevelTownship || isTown(d.Code) || f.Name != d.Name+"养老服务中心" || !f.Comprehensive {
				t.Errorf("%s %s in %s", f.Code, f.Name, d.Name)
			}
		case coverage.TownEldercareCentre:
			if d.Level != gazetteer.LevelTownship || !isTown(d.Code) || !strings.HasPrefix(f.Name, d.Name) {
				t.Errorf("%s %s in %s", f.Code, f.Name, d.Name)
			}
		case coverage.CommunityEldercareStation:
			if d.Level != gazetteer.LevelVillage || isVillage(d.Name) || f.Name != short+"养老服务站" {
				t.Errorf("%s %s in %s", f.Code, f.Name, d.Name)
			}
		case coverage.VillageMutualAidPoint:
			if d.Level != gazetteer.LevelVillage || !isVillage(d.Name) || !strings.HasPrefix(f.Name, short) {
				t.Errorf("%s %s in %s", f.Code, f.Name, d.Name)
			}
		case coverage.CommunityServiceFacility:
			if d.Level != gazetteer.LevelVillage || !strings.HasPrefix(f.Name, short) || f.FloorArea <= 0 {
				t.Errorf("%s %s in %s, %.0f m²", f.Code, f.Name, d.Name, f.FloorArea)
			}
		case coverage.LotteryOutlet:
			var k int
			if _, err := fmt.Sscanf(f.Code, "CP-50106-%04d", &k); err != nil || f.Name != fmt.Sprintf("中国福利彩票第50106%03d号投注站", k) {
				t.Errorf("%s %s", f.Code, f.Name)
			}
		case coverage.MinorProtectionStation:
			if d.Level != gazetteer.LevelTownship || f.Name != d.Name+"未成年人保护工作站" {
				t.Errorf("%s %s in %s", f.Code, f.Name, d.Name)
			}
		}
	}
	// One service facility per unit, one street centre per 街道, at most two
	// town centres per 镇, minor-protection stations in 20 townships.
	if len(towns[coverage.StreetEldercareCentre]) != 17 {
		t.Errorf("street centres in %d 街道, want 17", len(towns[coverage.StreetEldercareCentre]))
	}
	for code, k := range towns[coverage.TownEldercareCentre] {
		if k > 2 {
			t.Errorf("%d town centres in %s", k, code)
		}
	}
	if len(towns[coverage.TownEldercareCentre]) != 5 {
		t.Errorf("town centres in %d 镇, want all 5", len(towns[coverage.TownEldercareCentre]))
	}
	if len(towns[coverage.MinorProtectionStation]) != 20 {
		t.Errorf("minor-protection stations in %d townships, want 20", len(towns[coverage.MinorProtectionStation]))
	}
	if len(towns[coverage.MourningPoint]) != 3 {
		t.Errorf("mourning points in %d townships, want 3", len(towns[coverage.MourningPoint]))
	}
	service := map[string]bool{}
	for i, f := range set.facilities {
		if f.Category == coverage.CommunityServiceFacility {
			service[set.facilityDivision[i]] = true
		}
	}
	if len(service) != 200 {
		t.Errorf("community service facilities in %d units, want 200", len(service))
	}
}

func TestFuneralFacilities(t *testing.T) {
	ds, set := coverageSetT(t)
	name := map[string]string{}
	for _, d := range ds {
		name[d.Code] = d.Name
	}
	got := map[string]string{}
	for i, f := range set.facilities {
		switch f.Category {
		case coverage.FuneralHome, coverage.PublicCemetery, coverage.MourningPoint:
			got[f.Name] = name[set.facilityDivision[i]] + " " + f.Status
		}
	}
	for n, want := range map[string]string{
		"青木关殡仪馆": "青木关镇 open", "青润陵园": "青木关镇 open", "沙坪坝区东部殡葬服务中心": "井口村村民委员会 planned",
	} {
		if got[n] != want {
			t.Errorf("%s: %q, want %q", n, got[n], want)
		}
	}
	for _, f := range set.facilities {
		if f.Name == "沙坪坝区东部殡葬服务中心" && (!strings.Contains(f.Address, "井口村四合社") || f.FloorArea != 20000) {
			t.Errorf("eastern centre: %+v", f)
		}
		if (f.Name == "青木关殡仪馆" || f.Name == "青润陵园") && !strings.Contains(f.Note, "位置") {
			t.Errorf("%s: the note should say the position is not the real one: %q", f.Name, f.Note)
		}
	}
}

func TestLotteryOutletsSpacedAndNearRoads(t *testing.T) {
	ds, set := coverageSetT(t)
	w, err := newCovWorld(ds)
	if err != nil {
		t.Fatal(err)
	}
	var pts []orb.Point
	for _, f := range set.facilities {
		if f.Category == coverage.LotteryOutlet {
			pts = append(pts, f.Point)
		}
	}
	closest := math.Inf(1)
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			closest = min(closest, geo.Distance(pts[i], pts[j]))
		}
	}
	if closest < 100 {
		t.Errorf("two lottery outlets are %.0f m apart, want at least 100", closest)
	}
	// Each lies 5–15 m off a road.
	for i, p := range pts {
		q := w.proj.Forward(p)
		best := math.Inf(1)
		for _, s := range set.roads {
			a := w.proj.Forward(s.Geometry[0])
			if math.Abs(a[0]-q[0]) > 800 || math.Abs(a[1]-q[1]) > 800 {
				continue
			}
			best = min(best, pointSegDist(q, a, w.proj.Forward(s.Geometry[1])))
		}
		if best < 4.5 || best > 15.5 {
			t.Errorf("outlet %d is %.1f m from the nearest road", i, best)
		}
	}
	t.Logf("closest outlets %.0f m apart", closest)
}

// Floor area per 100 households centres on the plan's 30 m², some under.
func TestServiceFacilityAreas(t *testing.T) {
	ds, set := coverageSetT(t)
	hh := map[string]int{}
	for _, d := range ds {
		hh[d.Code] = d.Households
	}
	under, n := 0, 0
	var sum float64
	for i, f := range set.facilities {
		if f.Category != coverage.CommunityServiceFacility {
			continue
		}
		per := f.FloorArea / float64(hh[set.facilityDivision[i]]) * 100
		if per < 10 || per > 65 {
			t.Errorf("%s: %.1f m² per 100 households", f.Name, per)
		}
		if per < 30 {
			under++
		}
		sum += per
		n++
	}
	if under < 30 || under > 100 {
		t.Errorf("%d of %d units under 30 m² per 100 households", under, n)
	}
	t.Logf("%d of %d units under 30 m² per 100 households; mean %.1f", under, n, sum/float64(n))
}

func TestCoverageDeterministicAndCopied(t *testing.T) {
	ds := divisions(t)
	r1, err := Roads(ds)
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := Households(ds)
	f1, _ := Facilities(ds)
	r1[0].Geometry[0] = orb.Point{0, 0}
	h1[0].Households = -1
	f1[0].Name = "changed"

	fresh, err := generateCoverage(divisions(t))
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := Roads(ds)
	h2, _ := Households(ds)
	f2, _ := Facilities(ds)
	if !reflect.DeepEqual(r2, fresh.roads) || !reflect.DeepEqual(h2, fresh.households) || !reflect.DeepEqual(f2, fresh.facilities) {
		t.Error("a fresh generation differs from the cached one, or a caller's change reached the cache")
	}
	if !reflect.DeepEqual(fresh.householdVillage, coverageSetOf(t, ds).householdVillage) {
		t.Error("household villages differ between generations")
	}
}

func coverageSetOf(t *testing.T, ds []gazetteer.Division) *coverageSet {
	set, err := coverageData(ds)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// Generation stays well under a second.
func TestCoverageGenerationTime(t *testing.T) {
	ds := divisions(t)
	start := time.Now()
	set, err := generateCoverage(ds)
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	t.Logf("generated %d road segments, %d household points and %d facilities in %v", len(set.roads), len(set.households), len(set.facilities), el)
	if el > 5*time.Second {
		t.Errorf("generation took %v", el)
	}
}

func BenchmarkCoverageGenerate(b *testing.B) {
	ds := divisions(b)
	for b.Loop() {
		if _, err := generateCoverage(ds); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCoverageAttribution(t *testing.T) {
	b, err := os.ReadFile("data/ATTRIBUTION.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"osm-buildings.csv", "ODbL", "coverage-synthetic.md"} {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("data/ATTRIBUTION.md does not mention %s", s)
		}
	}
	for _, s := range []string{"OpenStreetMap", "ODbL"} {
		if !strings.Contains(CoverageAttribution, s) {
			t.Errorf("CoverageAttribution does not mention %s", s)
		}
	}
}

// LoadCoverage into a fresh SQLite store writes everything once; a second
// run writes nothing (no audit entry).
func TestLoadCoverageIntoSQLiteTwice(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var cs coverage.Store = st
	ds, set := coverageSetT(t)
	start := time.Now()
	res, err := LoadCoverage(ctx, cs, ds)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first load: %+v in %v", res, time.Since(start))
	want := CoverageLoadResult{Facilities: len(set.facilities), FacilitiesCreated: len(set.facilities),
		RoadSegments: len(set.roads), Households: len(set.households)}
	if res != want {
		t.Errorf("first load: %+v, want %+v", res, want)
	}
	newest := func() int64 {
		es, err := st.Audit(ctx, diming.AuditFilter{Limit: 1})
		if err != nil || len(es) == 0 {
			t.Fatalf("audit: %v, %d entries", err, len(es))
		}
		return es[0].ID
	}
	before := newest()
	res, err = LoadCoverage(ctx, cs, ds)
	if err != nil {
		t.Fatal(err)
	}
	if want := (CoverageLoadResult{Facilities: len(set.facilities)}); res != want {
		t.Errorf("second load: %+v, want %+v", res, want)
	}
	if after := newest(); after != before {
		t.Errorf("the second load wrote audit entries %d–%d", before+1, after)
	}

	// The store holds what was generated.
	fs, err := st.Facilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]coverage.Facility{}
	for _, f := range fs {
		byCode[f.Code] = f
	}
	for _, f := range set.facilities {
		if got, ok := byCode[f.Code]; !ok || !coverage.SameFacility(got, f) {
			t.Errorf("%s: stored %+v, generated %+v", f.Code, got, f)
		}
	}
	segs, err := st.RoadSegments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := st.Households(ctx)
	if err != nil {
		t.Fatal(err)
	}
	households := 0
	for _, h := range hs {
		households += h.Households
	}
	if len(fs) != len(set.facilities) || len(segs) != len(set.roads) || len(hs) != len(set.households) || households != 568_213 {
		t.Errorf("stored %d facilities, %d segments, %d household points (%d households)", len(fs), len(segs), len(hs), households)
	}
}

package demo

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	sf "github.com/peterstace/simplefeatures/geom"

	"diming/gazetteer"
	"diming/geo"
	"diming/internal/refdata"
)

func divisions(t testing.TB) []gazetteer.Division {
	t.Helper()
	ds, err := Divisions()
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// tree groups the divisions: the district, townships in order, villages by township code.
func tree(t testing.TB, ds []gazetteer.Division) (gazetteer.Division, []gazetteer.Division, map[string][]gazetteer.Division) {
	t.Helper()
	var d gazetteer.Division
	var towns []gazetteer.Division
	villages := map[string][]gazetteer.Division{}
	for _, x := range ds {
		switch x.Level {
		case gazetteer.LevelDistrict:
			d = x
		case gazetteer.LevelTownship:
			towns = append(towns, x)
		case gazetteer.LevelVillage:
			villages[x.ParentCode] = append(villages[x.ParentCode], x)
		}
	}
	return d, towns, villages
}

func TestCountsCodesAndNames(t *testing.T) {
	ds := divisions(t)
	d, towns, villages := tree(t, ds)
	if len(ds) != 227 || len(towns) != 26 || d.Code == "" {
		t.Fatalf("got %d divisions, %d townships, district %q; want 227, 26, 500106000000", len(ds), len(towns), d.Code)
	}
	if d.Code != "500106000000" || d.Name != "沙坪坝区" || d.ParentCode != "500100000000" {
		t.Errorf("district = %s %s parent %s", d.Code, d.Name, d.ParentCode)
	}
	nv, nComm, nVill, nStreet := 0, 0, 0, 0
	for _, tw := range towns {
		if tw.ParentCode != d.Code {
			t.Errorf("%s parent %s", tw.Code, tw.ParentCode)
		}
		if strings.HasSuffix(tw.Name, "街道") {
			nStreet++
		}
		for _, v := range villages[tw.Code] {
			nv++
			if isVillage(v.Name) {
				nVill++
				if v.Code[9] != '2' {
					t.Errorf("村 %s %s has no 2xx code", v.Code, v.Name)
				}
			} else {
				nComm++
			}
		}
	}
	if nv != 200 || nComm != 138 || nVill != 62 || nStreet != 21 {
		t.Errorf("got %d villages (%d 社区, %d 村), %d 街道; want 200 (138, 62), 21", nv, nComm, nVill, nStreet)
	}

	// Names and codes are those of the CSV, exactly.
	rows, err := csv.NewReader(bytes.NewReader(divisionsCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]gazetteer.Division{}
	for _, x := range ds {
		if _, dup := byCode[x.Code]; dup {
			t.Errorf("duplicate code %s", x.Code)
		}
		byCode[x.Code] = x
	}
	for _, r := range rows[1:] {
		code, _ := gazetteer.NormalizeCode(r[0])
		parent, _ := gazetteer.NormalizeCode(r[3])
		x, ok := byCode[code]
		if !ok {
			t.Errorf("missing %s %s", code, r[1])
			continue
		}
		if x.Name != r[1] || string(x.Level) != r[2] || x.ParentCode != parent {
			t.Errorf("%s: got %s %s %s, want %s %s %s", code, x.Name, x.Level, x.ParentCode, r[1], r[2], parent)
		}
	}
	if x := byCode["500106001001"]; x.Name != "龙泉路社区居民委员会" {
		t.Errorf("500106001001 = %q", x.Name)
	}
}

// The embedded files are the shared reference data, unchanged.
func TestEmbeddedDataMatchesReference(t *testing.T) {
	for name, got := range map[string][]byte{
		"divisions.csv": divisionsCSV,
		"district-outline.tianditu.wgs84.geojson": outlineGeoJSON,
	} {
		want, err := os.ReadFile(refdata.TestOnly(t, "shapingba/"+name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("demo/data/%s differs from the shared reference copy", name)
		}
	}
}

func TestValidateAndSynthetic(t *testing.T) {
	for _, d := range divisions(t) {
		if err := d.Validate(); err != nil {
			t.Errorf("%s %s: %v", d.Code, d.Name, err)
		}
		if !d.Synthetic {
			t.Errorf("%s %s: Synthetic is false", d.Code, d.Name)
		}
		if len(d.Geometry) != 1 || len(d.Geometry[0]) != 1 {
			t.Errorf("%s %s: %d parts, %d rings in the first; want one polygon without holes", d.Code, d.Name, len(d.Geometry), len(d.Geometry[0]))
		}
	}
}

// The district keeps the real outline: every Tianditu vertex, in order; the
// only additions are vertices lying on its edges where inner boundaries meet it.
func TestDistrictOutlineIsReal(t *testing.T) {
	d, _, _ := tree(t, divisions(t))
	outline, err := readOutline()
	if err != nil {
		t.Fatal(err)
	}
	// The real outline is drawn clockwise; the division is in RFC 7946
	// order (counter-clockwise), so the vertices come in reverse.
	want := geo.RoundMultiPolygon(gazetteer.Orient(orb.MultiPolygon{outline}), coordStep)[0][0]
	got := d.Geometry[0][0]
	k := 0
	for _, p := range got {
		if k < len(want) && p == want[k] {
			k++
		}
	}
	if k != len(want) {
		t.Errorf("only %d of the %d real outline vertices are kept in order", k, len(want))
	}
	// Inserted vertices lie on the real edges: the area in degrees² is unchanged.
	if a, wantA := planar.Area(d.Geometry), planar.Area(outline); math.Abs(a-wantA) > 1e-7*wantA {
		t.Errorf("district area %.9g deg², real outline %.9g deg²", a, wantA)
	}
	if a := geo.Area(d.Geometry) / 1e6; a < 390 || a > 405 {
		t.Errorf("district area %.1f km², want ≈ 398", a)
	}
}

func TestTotals(t *testing.T) {
	d, towns, villages := tree(t, divisions(t))
	if d.Population != 1_477_354 || d.Population60 != 247_900 || d.Households != 568_213 {
		t.Errorf("district: population %d, 60+ %d, households %d; want 1477354, 247900, 568213", d.Population, d.Population60, d.Households)
	}
	if TotalHouseholds != int(math.Round(TotalPopulation/2.6)) {
		t.Errorf("TotalHouseholds %d is not round(%d / 2.6)", TotalHouseholds, TotalPopulation)
	}
	var sp, s60, sh int
	for _, tw := range towns {
		sp, s60, sh = sp+tw.Population, s60+tw.Population60, sh+tw.Households
		var vp, v60, vh int
		for _, v := range villages[tw.Code] {
			vp, v60, vh = vp+v.Population, v60+v.Population60, vh+v.Households
			if v.Population60 > v.Population || v.Households > v.Population || v.Households <= 0 {
				t.Errorf("%s %s: population %d, 60+ %d, households %d", v.Code, v.Name, v.Population, v.Population60, v.Households)
			}
			share := float64(v.Population60) / float64(v.Population)
			if share < 0.09 || share > 0.28 {
				t.Errorf("%s %s: 60+ share %.3f", v.Code, v.Name, share)
			}
			size := float64(v.Population) / float64(v.Households)
			if size < 2.1 || size > 3.2 {
				t.Errorf("%s %s: %.2f persons per household", v.Code, v.Name, size)
			}
			if isVillage(v.Name) {
				if v.Population < 1000 || v.Population > 4000 {
					t.Errorf("村 %s %s: population %d, want 1,000–4,000", v.Code, v.Name, v.Population)
				}
			} else if v.Population < 3000 || v.Population > 16000 {
				t.Errorf("社区 %s %s: population %d, want 3,000–16,000", v.Code, v.Name, v.Population)
			}
		}
		if vp != tw.Population || v60 != tw.Population60 || vh != tw.Households {
			t.Errorf("%s: figures %d/%d/%d, sums of its villages %d/%d/%d", tw.Code, tw.Population, tw.Population60, tw.Households, vp, v60, vh)
		}
		if tw.Population60 > tw.Population {
			t.Errorf("%s: more 60+ than residents", tw.Code)
		}
	}
	if sp != d.Population || s60 != d.Population60 || sh != d.Households {
		t.Errorf("district figures are not the sums of its townships")
	}
}

func TestUrbanRuralCodes(t *testing.T) {
	d, towns, villages := tree(t, divisions(t))
	if d.UrbanRuralCode != "" {
		t.Errorf("district urban-rural code %q", d.UrbanRuralCode)
	}
	for _, tw := range towns {
		if tw.UrbanRuralCode != "" {
			t.Errorf("%s urban-rural code %q", tw.Code, tw.UrbanRuralCode)
		}
		town := strings.HasSuffix(tw.Name, "镇")
		for _, v := range villages[tw.Code] {
			cun := strings.HasSuffix(v.Name, "村民委员会")
			want := map[[2]bool]string{{false, false}: "111", {true, false}: "121", {false, true}: "112", {true, true}: "220"}[[2]bool{town, cun}]
			if v.UrbanRuralCode != want {
				t.Errorf("%s %s: urban-rural code %q, want %q", v.Code, v.Name, v.UrbanRuralCode, want)
			}
		}
	}
}

func area(g sf.Geometry) float64 { return geo.Area(geo.FromSF(g)) }

// checkTiling checks that children tile parent: areas add up, siblings do
// not overlap, their union is the parent, and each lies inside the parent.
func checkTiling(t *testing.T, parent gazetteer.Division, children []gazetteer.Division) {
	t.Helper()
	pa := geo.Area(parent.Geometry)
	pg := geo.ToSF(parent.Geometry).AsGeometry()
	sum := 0.0
	gs := make([]sf.Geometry, len(children))
	for i, c := range children {
		sum += geo.Area(c.Geometry)
		gs[i] = geo.ToSF(c.Geometry).AsGeometry()
	}
	if rel := math.Abs(sum-pa) / pa; rel > 1e-4 {
		t.Errorf("%s: children's areas add up to %.1f m², parent %.1f m² (%.4f %%)", parent.Code, sum, pa, 100*rel)
	}
	maxOverlap, maxOut := 0.0, 0.0
	defer func() {
		t.Logf("%s: area sum %.4f m² vs %.4f m²; max sibling overlap %.2g m², max outside %.2g m²", parent.Code, sum, pa, maxOverlap, maxOut)
	}()
	for i := range children {
		for j := i + 1; j < len(children); j++ {
			if !children[i].Geometry.Bound().Intersects(children[j].Geometry.Bound()) {
				continue
			}
			g, err := sf.Intersection(gs[i], gs[j])
			if err != nil {
				t.Fatal(err)
			}
			a := area(g)
			maxOverlap = math.Max(maxOverlap, a)
			if a >= 1 {
				t.Errorf("%s and %s overlap by %.3f m²", children[i].Code, children[j].Code, a)
			}
		}
		g, err := sf.Difference(gs[i], pg)
		if err != nil {
			t.Fatal(err)
		}
		a := area(g)
		maxOut = math.Max(maxOut, a)
		if a >= 1 {
			t.Errorf("%s sticks out of %s by %.3f m²", children[i].Code, parent.Code, a)
		}
	}
	u, err := sf.UnionMany(gs)
	if err != nil {
		t.Fatal(err)
	}
	x, err := sf.SymmetricDifference(u, pg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: symmetric difference of the union and the parent %.2g m²", parent.Code, area(x))
	if a := area(x); a >= math.Max(1, 1e-6*pa) {
		t.Errorf("%s: union of its children differs from it by %.3f m²", parent.Code, a)
	}
}

func TestTownshipsTileDistrict(t *testing.T) {
	d, towns, _ := tree(t, divisions(t))
	checkTiling(t, d, towns)
}

func TestVillagesTileTownships(t *testing.T) {
	d, towns, villages := tree(t, divisions(t))
	var all []gazetteer.Division
	for _, tw := range towns {
		checkTiling(t, tw, villages[tw.Code])
		all = append(all, villages[tw.Code]...)
	}
	// Across township lines too: the 200 village-level units tile the district.
	checkTiling(t, d, all)
}

// No slivers: every unit has at least a tenth of its siblings' mean area;
// urban units are small and rural ones large.
func TestPlausibleSizes(t *testing.T) {
	d, towns, villages := tree(t, divisions(t))
	check := func(parent gazetteer.Division, cs []gazetteer.Division) {
		mean := geo.Area(parent.Geometry) / float64(len(cs))
		for _, c := range cs {
			if a := geo.Area(c.Geometry); a < 0.1*mean {
				t.Errorf("%s %s: %.0f m², a tenth of the mean %.0f m² of its siblings", c.Code, c.Name, a, mean)
			}
		}
	}
	check(d, towns)
	for _, tw := range towns {
		check(tw, villages[tw.Code])
	}
	var urban, rural float64
	for _, tw := range towns {
		a := geo.Area(tw.Geometry) / 1e6
		switch tw.Code[6:9] {
		case "001", "002", "003", "004", "012", "013":
			urban = math.Max(urban, a)
		case "104", "105", "106", "108", "112":
			if rural == 0 || a < rural {
				rural = a
			}
		}
	}
	if urban > 8 || rural < 12 {
		t.Errorf("largest inner-city 街道 %.1f km², smallest 镇 %.1f km²; want urban < 8, towns > 12", urban, rural)
	}
}

// Published coordinates are rounded to 1e-7 degrees.
func TestCoordinatesRounded(t *testing.T) {
	for _, d := range divisions(t) {
		for _, p := range d.Geometry {
			for _, r := range p {
				for _, pt := range r {
					for _, v := range pt {
						if q := math.Round(v * 1e7); q/1e7 != v {
							t.Fatalf("%s: coordinate %v is not a multiple of 1e-7", d.Code, v)
						}
					}
				}
			}
		}
	}
}

func TestDeterministicAndCopied(t *testing.T) {
	a := divisions(t)
	b := divisions(t)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two calls differ")
	}
	fresh, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, fresh) {
		t.Fatal("a fresh generation differs from the cached one")
	}
	// Changing a result does not reach the cache.
	a[0].Name = "x"
	a[0].Geometry[0][0][0] = orb.Point{0, 0}
	a[1].Population = -1
	c := divisions(t)
	if !reflect.DeepEqual(b, c) {
		t.Fatal("mutating a result changed later results")
	}
}

func TestLargestRemainder(t *testing.T) {
	got := largestRemainder(10, []float64{1, 1, 1})
	if !reflect.DeepEqual(got, []int{4, 3, 3}) {
		t.Errorf("got %v", got)
	}
	got = largestRemainder(7, []float64{0.5, 2.5, 0})
	if got[0]+got[1]+got[2] != 7 || got[2] != 0 {
		t.Errorf("got %v", got)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := generate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDivisionsCached(b *testing.B) {
	if _, err := Divisions(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Divisions(); err != nil {
			b.Fatal(err)
		}
	}
}

// Each township holds the approximate position it was grown from.
func TestTownshipsHoldTheirSeeds(t *testing.T) {
	_, towns, _ := tree(t, divisions(t))
	for _, tw := range towns {
		p, ok := townSeeds[tw.Code]
		if !ok {
			t.Errorf("%s %s has no seed", tw.Code, tw.Name)
			continue
		}
		if !planar.MultiPolygonContains(tw.Geometry, p) {
			t.Errorf("%s %s does not contain its seed %v", tw.Code, tw.Name, p)
		}
	}
	if len(townSeeds) != len(towns) {
		t.Errorf("%d seeds for %d townships", len(townSeeds), len(towns))
	}
}

package gazetteer_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming/demo"
	"diming/gazetteer"
	"diming/geo"
)

// box is a counter-clockwise rectangle ring.
func box(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

// rawFeature writes a feature with coordinates exactly as given (orb's
// encoder would not let a test write an unclosed ring on purpose).
func rawFeature(props map[string]any, typ string, coords any) map[string]any {
	return map[string]any{"type": "Feature", "properties": props, "geometry": map[string]any{"type": typ, "coordinates": coords}}
}

func ringCoords(r orb.Ring) [][]float64 {
	out := make([][]float64, len(r))
	for i, p := range r {
		out[i] = []float64{p[0], p[1]}
	}
	return out
}

func collection(t testing.TB, fs ...map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storedDistrict is a square district 0.2° on a side around Shapingba.
func storedDistrict() gazetteer.Division {
	return gazetteer.Division{Code: "500106000000", Name: "沙坪坝区", Level: gazetteer.LevelDistrict, ParentCode: "500100000000",
		Geometry: orb.MultiPolygon{{box(106.30, 29.50, 106.50, 29.70)}}, Population: 1000, Households: 400}
}

// outsideBox is the part of the village below that lies outside township 1.
var outsideBox = box(106.35, 29.51, 106.36, 29.52)

// testFeatures are the features of TestImportDivisionsGeoJSON, shared with
// the GeoPackage test in store/gpkg through DivisionTestFeatures.
func testFeatures() []map[string]any {
	unclosed := box(106.35, 29.50, 106.40, 29.55)
	unclosed[4] = orb.Point{106.35 + 5e-8, 29.50 - 3e-8}
	repeated := box(106.40, 29.50, 106.45, 29.55)
	repeated = append(orb.Ring{repeated[0], repeated[1], repeated[1]}, repeated[2:]...)
	bowtie := orb.Ring{{106.45, 29.50}, {106.50, 29.55}, {106.50, 29.50}, {106.45, 29.55}, {106.45, 29.50}}
	return []map[string]any{
		rawFeature(map[string]any{"code": "500106001", "name": "甲街道", "households": 120, "population": 300, "population_60": 50,
			"urban_rural_code": "111", "fid": 1}, "Polygon", [][][]float64{ringCoords(box(106.30, 29.50, 106.35, 29.55))}),
		rawFeature(map[string]any{"code": "500106002000", "name": "乙街道", "level": "township", "parent_code": "500106"},
			"Polygon", [][][]float64{ringCoords(unclosed)}),
		rawFeature(map[string]any{"code": "500106003", "name": "丙镇"}, "MultiPolygon", [][][][]float64{{ringCoords(repeated)}}),
		rawFeature(map[string]any{"code": "500106004", "name": "丁镇"}, "Polygon", [][][]float64{ringCoords(bowtie)}),
		// Inside township 1 but for a 0.01° × 0.01° square east of it.
		rawFeature(map[string]any{"code": "500106001001", "name": "子社区"}, "Polygon", [][][]float64{ringCoords(box(106.34, 29.51, 106.36, 29.52))}),
		rawFeature(map[string]any{"code": "50010x", "name": "坏代码"}, "Polygon", [][][]float64{ringCoords(box(106.31, 29.51, 106.32, 29.52))}),
		rawFeature(map[string]any{"code": "500106001002", "name": "多余属性", "colour": "red"}, "Polygon", [][][]float64{ringCoords(box(106.31, 29.51, 106.32, 29.52))}),
	}
}

func TestImportDivisionsGeoJSON(t *testing.T) {
	rows, err := gazetteer.ParseDivisionsGeoJSON(collection(t, testFeatures()...), geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	p := gazetteer.PlanDivisionImport(rows, []gazetteer.Division{storedDistrict()})
	var added []string
	for _, d := range p.Add {
		added = append(added, d.Code)
	}
	if strings.Join(added, ",") != "500106001000,500106002000,500106003000" || len(p.Update) != 0 || p.Unchanged != 0 {
		t.Fatalf("added %v, updated %d, unchanged %d; rejected %+v", added, len(p.Update), p.Unchanged, p.Rejected)
	}
	a := p.Add[0]
	if a.Name != "甲街道" || a.Level != gazetteer.LevelTownship || a.ParentCode != "500106000000" || a.Households != 120 ||
		a.Population != 300 || a.Population60 != 50 || a.UrbanRuralCode != "111" || len(a.Geometry) != 1 {
		t.Errorf("township 1 became %+v", a)
	}
	if r := p.Add[1].Geometry[0][0]; r[0] != r[len(r)-1] || len(r) != 5 {
		t.Errorf("unclosed ring not closed: %v", r)
	}
	if r := p.Add[2].Geometry[0][0]; len(r) != 5 {
		t.Errorf("repeated vertex kept: %v", r)
	}
	// Repairs: the closing of feature 2 and the repeated vertex of feature 3.
	if len(p.Repairs) != 2 || p.Repairs[0].Line != 2 || p.Repairs[0].Code != "500106002000" || !strings.Contains(p.Repairs[0].WhatEN, "closed the ring") ||
		p.Repairs[0].Where != (orb.Point{106.35, 29.50}) ||
		p.Repairs[1].Line != 3 || !strings.Contains(p.Repairs[1].WhatEN, "dropped 1 repeated") || p.Repairs[1].Where != (orb.Point{106.40 + 0.05, 29.50}) {
		t.Errorf("repairs %+v", p.Repairs)
	}
	rej := map[int]gazetteer.RowError{}
	for _, r := range p.Rejected {
		rej[r.Line] = r
		t.Logf("rejected %d %s: %s | %s", r.Line, r.Name, r.Reason, r.ReasonEN)
	}
	if len(rej) != 4 {
		t.Fatalf("rejected %+v", p.Rejected)
	}
	if r := rej[4]; !strings.Contains(r.ReasonEN, "self-intersects") || !strings.Contains(r.ReasonEN, "near 106.4750000, 29.5250000") || !strings.Contains(r.Reason, "自相交") {
		t.Errorf("bowtie: %+v", r)
	}
	want := geo.Area(outsideBox)
	var got, x, y, tol float64
	r := rej[5]
	if i := strings.Index(r.ReasonEN, "by "); i < 0 {
		t.Fatalf("child outside its parent: %+v", r)
	} else if _, err := fmt.Sscanf(r.ReasonEN[i:], "by %g m² (near %g, %g; tolerance %g m²)", &got, &x, &y, &tol); err != nil {
		t.Fatalf("%v: %q", err, r.ReasonEN)
	}
	if math.Abs(got-want) > 0.001*want || !outsideBox.Bound().Contains(orb.Point{x, y}) || r.Name != "500106001001 子社区" {
		t.Errorf("sticks out by %.1f m² near %g, %g; want %.1f m² in %v", got, x, y, want, outsideBox.Bound())
	}
	if r := rej[6]; !strings.Contains(r.ReasonEN, "invalid division code") {
		t.Errorf("bad code: %+v", r)
	}
	if r := rej[7]; !strings.Contains(r.ReasonEN, `unknown property "colour"`) || r.Name != "500106001002" {
		t.Errorf("unknown property: %+v", r)
	}
	// Nothing about the rejected features shows up as a repair, and the
	// township's own parent is the stored district: without it every
	// township is rejected, and so is the village.
	p = gazetteer.PlanDivisionImport(rows, nil)
	if len(p.Add) != 0 || len(p.Rejected) != 7 || !strings.Contains(p.Rejected[0].ReasonEN, "neither in the file nor stored") ||
		!strings.Contains(p.Rejected[4].ReasonEN, "rejected in this file") {
		t.Errorf("without the district: %+v", p.Rejected)
	}
}

func TestRepairRings(t *testing.T) {
	ring := func(r orb.Ring) orb.Polygon { return orb.Polygon{r} }
	cw := box(106.30, 29.50, 106.31, 29.51)
	cw.Reverse()
	hole := box(106.302, 29.502, 106.303, 29.503) // CCW: wrong for a hole
	spike := orb.Ring{{106.30, 29.50}, {106.31, 29.50}, {106.32, 29.49}, {106.31, 29.50}, {106.31, 29.51}, {106.30, 29.51}, {106.30, 29.50}}
	for _, tc := range []struct {
		name  string
		in    orb.Geometry
		what  []string
		ring  orb.Ring // the exterior ring wanted, when not rejected
		error string
	}{
		{"cw shell", ring(cw), []string{"reversed the exterior ring"}, box(106.30, 29.50, 106.31, 29.51), ""},
		{"ccw hole", orb.Polygon{box(106.30, 29.50, 106.31, 29.51), hole}, []string{"reversed the hole"}, box(106.30, 29.50, 106.31, 29.51), ""},
		{"spike", ring(spike), []string{"removed 1 zero-area spikes"}, box(106.30, 29.50, 106.31, 29.51), ""},
		{"spike at the closing point", ring(orb.Ring{{106.31, 29.50}, {106.31, 29.51}, {106.30, 29.51}, {106.30, 29.50}, {106.31, 29.50}, {106.32, 29.49}, {106.31, 29.50}}),
			[]string{"removed 1 zero-area spikes"}, orb.Ring{{106.31, 29.51}, {106.30, 29.51}, {106.30, 29.50}, {106.31, 29.50}, {106.31, 29.51}}, ""},
		{"far from closed", ring(orb.Ring{{106.30, 29.50}, {106.31, 29.50}, {106.31, 29.51}, {106.30, 29.5001}}), nil, nil, "not closed"},
		{"only a spike", ring(orb.Ring{{106.30, 29.50}, {106.31, 29.50}, {106.30, 29.50}}), nil, nil, "fewer than 4 points"},
		{"overlapping parts", orb.MultiPolygon{{box(106.30, 29.50, 106.32, 29.52)}, {box(106.31, 29.51, 106.33, 29.53)}}, nil, nil, "overlap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mp, reps, err := gazetteer.RepairMultiPolygon(tc.in)
			if tc.error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.error) {
					t.Fatalf("got %v, want an error with %q", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(reps) != len(tc.what) {
				t.Fatalf("repairs %+v", reps)
			}
			for i, w := range tc.what {
				if !strings.Contains(reps[i].WhatEN, w) {
					t.Errorf("repair %d: %q, want %q", i, reps[i].WhatEN, w)
				}
			}
			if !orb.Equal(mp[0][0], tc.ring) {
				t.Errorf("ring %v, want %v", mp[0][0], tc.ring)
			}
			if len(mp[0]) > 1 && mp[0][1].Orientation() != orb.CW {
				t.Errorf("hole not clockwise")
			}
		})
	}
}

func TestImportDivisionsGCJ02(t *testing.T) {
	orig := orb.Ring{{106.4012, 29.5511}, {106.4533, 29.5502}, {106.4620, 29.5903}, {106.4105, 29.5989}, {106.4012, 29.5511}}
	shifted := make(orb.Ring, len(orig))
	for i, p := range orig {
		q, err := geo.FromWGS84(p, geo.GCJ02)
		if err != nil {
			t.Fatal(err)
		}
		shifted[i] = q
	}
	if d := geo.Distance(orig[0], shifted[0]); d < 100 {
		t.Fatalf("GCJ-02 shift only %.1f m", d)
	}
	data := collection(t, rawFeature(map[string]any{"code": "500106005", "name": "戊街道"}, "Polygon", [][][]float64{ringCoords(shifted)}))
	rows, err := gazetteer.ParseDivisionsGeoJSON(data, geo.GCJ02)
	if err != nil {
		t.Fatal(err)
	}
	p := gazetteer.PlanDivisionImport(rows, []gazetteer.Division{storedDistrict()})
	if len(p.Add) != 1 {
		t.Fatalf("plan %+v", p)
	}
	for i, q := range p.Add[0].Geometry[0][0] {
		if d := geo.Distance(q, orig[i]); d >= 1 {
			t.Errorf("vertex %d lands %.3f m from the WGS84 original", i, d)
		}
	}
	// Read as WGS84 the same file is hundreds of metres off, yet still valid.
	rows, _ = gazetteer.ParseDivisionsGeoJSON(data, geo.WGS84)
	if rows[0].Err != nil || geo.Distance(rows[0].Division.Geometry[0][0][0], orig[0]) < 100 {
		t.Errorf("wgs84 reading: %+v", rows[0])
	}
}

// demoGeoJSON writes the demo divisions as `diming demo --geojson` does.
func demoGeoJSON(t testing.TB) ([]gazetteer.Division, []byte) {
	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	fc := geojson.NewFeatureCollection()
	for _, d := range ds {
		f := geojson.NewFeature(d.Geometry)
		f.ID = d.Code
		f.Properties = d.Properties()
		fc.Append(f)
	}
	b, err := fc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return ds, b
}

func TestReimportDemoDivisionsUnchanged(t *testing.T) {
	ds, data := demoGeoJSON(t)
	rows, err := gazetteer.ParseDivisionsGeoJSON(data, geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	p := gazetteer.PlanDivisionImport(rows, ds)
	if p.Unchanged != len(ds) || len(p.Add)+len(p.Update)+len(p.Rejected) != 0 {
		t.Fatalf("re-import: %d unchanged of %d, %d added, %d updated, rejected %+v", p.Unchanged, len(ds), len(p.Add), len(p.Update), p.Rejected)
	}
	for _, r := range p.Repairs {
		t.Logf("repair (orientation only changes nothing stored): %+v", r)
		if !strings.Contains(r.WhatEN, "reversed") {
			t.Errorf("unexpected repair %+v", r)
		}
	}
	// Into an empty store: everything is added, nesting checked on real
	// (generated) boundaries; the synthetic flag travels with the file.
	p = gazetteer.PlanDivisionImport(rows, nil)
	if len(p.Add) != len(ds) || len(p.Rejected) != 0 || !p.Add[0].Synthetic {
		t.Fatalf("into an empty store: %d added of %d, rejected %+v", len(p.Add), len(ds), p.Rejected)
	}
	// A changed population is an update that keeps the boundary and the rest.
	var fc map[string]any
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatal(err)
	}
	f := fc["features"].([]any)[1].(map[string]any)
	props := f["properties"].(map[string]any)
	delete(props, "synthetic")
	delete(props, "households")
	props["population"] = 12345
	props["population_60"] = 100
	b, _ := json.Marshal(fc)
	rows, err = gazetteer.ParseDivisionsGeoJSON(b, geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	p = gazetteer.PlanDivisionImport(rows, ds)
	if len(p.Update) != 1 || p.Unchanged != len(ds)-1 {
		t.Fatalf("one change: %d updated, %d unchanged, rejected %+v", len(p.Update), p.Unchanged, p.Rejected)
	}
	u := p.Update[0]
	if u.Code != ds[1].Code || u.Population != 12345 || u.Households != ds[1].Households || u.Synthetic || !orb.Equal(u.Geometry, ds[1].Geometry) {
		t.Errorf("update %+v", u)
	}
}

// A township's new boundary that would leave a stored village outside is
// refused.
func TestImportDivisionsStoredChildOutside(t *testing.T) {
	ds, _ := demoGeoJSON(t)
	var town, village gazetteer.Division
	for _, d := range ds {
		if d.Level == gazetteer.LevelTownship && town.Code == "" {
			town = d
		}
		if d.Level == gazetteer.LevelVillage && d.ParentCode == town.Code && village.Code == "" {
			village = d
		}
	}
	// The township shrinks to one of its villages: the others stick out.
	f := geojson.NewFeature(village.Geometry)
	f.Properties = map[string]any{"code": town.Code, "name": town.Name}
	fc := geojson.NewFeatureCollection().Append(f)
	data, err := fc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := gazetteer.ParseDivisionsGeoJSON(data, geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	p := gazetteer.PlanDivisionImport(rows, ds)
	if len(p.Rejected) != 1 || !strings.Contains(p.Rejected[0].ReasonEN, "the stored child") {
		t.Fatalf("plan %+v", p)
	}
}

func TestImportDivisionsFileErrors(t *testing.T) {
	for _, in := range []string{`{`, `{"type":"Feature"}`, `{"type":"FeatureCollection","crs":{"properties":{"name":"EPSG:4547"}},"features":[]}`} {
		if _, err := gazetteer.ParseDivisionsGeoJSON([]byte(in), geo.WGS84); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
	rows, err := gazetteer.ParseDivisionsGeoJSON([]byte(`{"type":"FeatureCollection","features":[null,{"type":"Feature","properties":{"code":"500106001","name":"x"},"geometry":{"type":"Point","coordinates":[106.4,29.6]}},
		{"type":"Feature","properties":{"code":"500106001","name":"x","level":"village"},"geometry":null},
		{"type":"Feature","properties":{"code":"500106001","name":"x","population":-3},"geometry":null}]}`), geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"not a valid Feature", "must be a Polygon or MultiPolygon", "does not match code", "non-negative integer"} {
		if rows[i].Err == nil {
			t.Errorf("row %d: %v", i+1, rows[i].Err)
			continue
		}
		p := gazetteer.PlanDivisionImport(rows[i:i+1], nil)
		if len(p.Rejected) != 1 || !strings.Contains(p.Rejected[0].ReasonEN, want) {
			t.Errorf("row %d: %+v, want %q", i+1, p.Rejected, want)
		}
	}
}

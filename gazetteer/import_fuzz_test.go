package gazetteer_test

import (
	"strings"
	"testing"

	"diming"
	"diming/gazetteer"
	"diming/geo"
	"diming/internal/storetest"
)

// FuzzParsePlacesCSV: any bytes either fail as a file with an EINVALID or
// ETOOLARGE error, or give rows each of which is a valid place or carries an
// error; the plan never accepts an invalid place.
func FuzzParsePlacesCSV(f *testing.F) {
	f.Add("name,category,lon,lat\n汉渝路,0801,106.35,29.55\n")
	f.Add("name,category,geometry\n沙坪公园,1001,\"{\"\"type\"\":\"\"Point\"\",\"\"coordinates\"\":[106.47,29.6]}\"\n")
	f.Add("name,category,lon,lat\n\"x\ny\",0801,NaN,1e999\n")
	f.Add("\ufeffname,category,protected\n坏,0801,也许\n")
	f.Add("name\n")
	divs := gazetteer.NewDivisionIndex(storetest.Fixtures())
	f.Fuzz(func(t *testing.T, data string) {
		rows, err := gazetteer.ParsePlacesCSV(strings.NewReader(data), geo.WGS84)
		if err != nil {
			if c := diming.Code(err); c != diming.EINVALID && c != diming.ETOOLARGE {
				t.Fatalf("file error with code %s: %v", c, err)
			}
			return
		}
		checkPlan(t, rows, divs)
	})
}

// FuzzParsePlacesGeoJSON: the same for GeoJSON input, in any CRS.
func FuzzParsePlacesGeoJSON(f *testing.F) {
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"汉渝路","category":"0801"},"geometry":{"type":"LineString","coordinates":[[106.35,29.55],[106.36,29.56]]}}]}`, "gcj02")
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":1,"category":[1]},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}`, "bd09")
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[]}}]}`, "wgs84")
	f.Add(`{"type":"FeatureCollection","features":[null,{},[]]}`, "wgs84")
	divs := gazetteer.NewDivisionIndex(storetest.Fixtures())
	f.Fuzz(func(t *testing.T, data, crsName string) {
		crs, err := geo.ParseCRS(crsName)
		if err != nil {
			return
		}
		rows, err := gazetteer.ParsePlacesGeoJSON([]byte(data), crs)
		if err != nil {
			if c := diming.Code(err); c != diming.EINVALID && c != diming.ETOOLARGE {
				t.Fatalf("file error with code %s: %v", c, err)
			}
			return
		}
		checkPlan(t, rows, divs)
	})
}

func checkPlan(t *testing.T, rows []gazetteer.ImportRow, divs *gazetteer.DivisionIndex) {
	t.Helper()
	plan := gazetteer.PlanImport(rows, divs, nil, gazetteer.ImportOptions{Split: gazetteer.SplitName,
		Romanize: func(n, s, g, c string) string { return gazetteer.ProposeRomanization(n, s, g, c).Standard }})
	for _, p := range append(plan.Add, plan.Update...) {
		if err := p.Validate(); err != nil {
			t.Fatalf("plan accepted an invalid place %+v: %v", p, err)
		}
	}
	for _, r := range plan.Rejected {
		if r.Reason == "" || r.ReasonEN == "" {
			t.Fatalf("rejection without a reason: %+v", r)
		}
	}
	if len(plan.Add)+len(plan.Update)+len(plan.Rejected)+plan.Unchanged != len(rows) {
		t.Fatalf("%d rows became %d added, %d updated, %d rejected, %d unchanged", len(rows), len(plan.Add), len(plan.Update), len(plan.Rejected), plan.Unchanged)
	}
}

// FuzzParseDivisionsGeoJSON: division files either fail with EINVALID or
// ETOOLARGE, or give rows that are valid divisions (after any repair) or
// carry an error.
func FuzzParseDivisionsGeoJSON(f *testing.F) {
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"500106001000","name":"小龙坎街道"},"geometry":{"type":"Polygon","coordinates":[[[106.4,29.5],[106.5,29.5],[106.5,29.6],[106.4,29.5]]]}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"500106001","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":1e999},"geometry":null}]}`)
	f.Add(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[]}`)
	f.Fuzz(func(t *testing.T, data string) {
		rows, err := gazetteer.ParseDivisionsGeoJSON([]byte(data), geo.WGS84)
		if err != nil {
			if c := diming.Code(err); c != diming.EINVALID && c != diming.ETOOLARGE {
				t.Fatalf("file error with code %s: %v", c, err)
			}
			return
		}
		for _, r := range rows {
			if r.Err == nil {
				if err := r.Division.Validate(); err != nil {
					t.Fatalf("row %d accepted an invalid division: %v", r.Line, err)
				}
			}
		}
	})
}

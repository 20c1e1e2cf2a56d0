package coverage

import (
	"bytes"
	"testing"

	"diming"
	"diming/geo"
)

// The parsers never panic, and whatever they accept is valid.

func FuzzParseFacilitiesCSV(f *testing.F) {
	f.Add("code,name,category,lon,lat\nA-1,测试站,community_eldercare_station,106.4,29.5\n")
	f.Add("name,category,lon,lat,floor_area,volunteer_station\n中心,community_service_facility,106.4,29.5,120,是\n")
	f.Add("name,category,lon,lat\n\"unterminated,x,1,2\n")
	f.Add("lon,lat\n1,2\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := ParseFacilitiesCSV(bytes.NewReader([]byte(in)), geo.WGS84)
		if err != nil {
			if diming.Code(err) == diming.EINTERNAL {
				t.Fatalf("internal error for bad input: %v", err)
			}
			return
		}
		for _, r := range rows {
			if r.Err == nil {
				if err := r.Facility.Validate(); err != nil {
					t.Fatalf("accepted an invalid facility %+v: %v", r.Facility, err)
				}
			}
		}
	})
}

func FuzzParseHouseholdsGeoJSON(f *testing.F) {
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[106.4,29.5]},"properties":{"households":12,"residents":30,"aged_60":5}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1e999,29.5]},"properties":{"households":"x"}}]}`)
	f.Add(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[]}`)
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := ParseHouseholdsGeoJSON([]byte(in), geo.WGS84)
		if err != nil {
			if diming.Code(err) == diming.EINTERNAL {
				t.Fatalf("internal error for bad input: %v", err)
			}
			return
		}
		for _, r := range rows {
			if r.Err == nil {
				if err := r.Household.Validate(); err != nil {
					t.Fatalf("accepted an invalid household point %+v: %v", r.Household, err)
				}
			}
		}
	})
}

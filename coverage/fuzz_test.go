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

func FuzzReadRoadsOSM(f *testing.F) {
	f.Add(`<?xml version="1.0"?><osm version="0.6"><node id="1" lat="29.58" lon="106.40"/><node id="2" lat="29.581" lon="106.401"/><way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>`)
	f.Add(`<osm><way id="1"><nd ref="9"/><tag k="highway" v="residential"/></way></osm>`)
	f.Add(`<osm><node id="1" lat="95" lon="200"/><node id="2" lat="NaN" lon="1"/><way id="3"><nd ref="1"/><nd ref="2"/><tag k="highway" v="path"/></way></osm>`)
	f.Fuzz(func(t *testing.T, in string) {
		ri, err := ReadRoadsOSM(bytes.NewReader([]byte(in)), "xml")
		if err != nil {
			if diming.Code(err) == diming.EINTERNAL {
				t.Fatalf("internal error for bad input: %v", err)
			}
			return
		}
		if _, err := NewWalkingGraph(ri.Segments, GraphOptions{}); err != nil {
			t.Fatalf("accepted ways the graph refuses: %v", err)
		}
	})
}

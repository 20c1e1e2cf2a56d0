package gpkg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming/gazetteer"
	"diming/geo"
	"diming/store/gpkg"
)

func box(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

var wgs84 = gpkg.SRS{ID: 4326, Name: "WGS 84 geodetic", Organization: "EPSG", OrganizationID: 4326}

// features are division features with a repairable and a rejected one,
// as GeoPackage rows (attributes typed as SQLite stores them).
func features() []gpkg.Feature {
	unclosed := box(106.35, 29.50, 106.40, 29.55)
	unclosed[4] = orb.Point{106.35 + 5e-8, 29.50}
	repeated := box(106.40, 29.50, 106.45, 29.55)
	repeated = append(orb.Ring{repeated[0], repeated[0]}, repeated[1:]...)
	bowtie := orb.Ring{{106.45, 29.50}, {106.50, 29.55}, {106.50, 29.50}, {106.45, 29.55}, {106.45, 29.50}}
	return []gpkg.Feature{
		{FID: 1, Geometry: orb.Polygon{box(106.30, 29.50, 106.35, 29.55)}, Properties: map[string]any{"code": "500106001", "name": "甲街道", "households": int64(120), "population": int64(300), "population_60": nil, "urban_rural_code": "111"}},
		{FID: 2, Geometry: orb.Polygon{unclosed}, Properties: map[string]any{"code": "500106002", "name": "乙街道", "households": nil, "population": nil, "population_60": nil, "urban_rural_code": nil}},
		{FID: 3, Geometry: orb.MultiPolygon{{repeated}}, Properties: map[string]any{"code": "500106003", "name": "丙镇", "households": int64(7), "population": nil, "population_60": nil, "urban_rural_code": nil}},
		{FID: 4, Geometry: orb.Polygon{bowtie}, Properties: map[string]any{"code": "500106004", "name": "丁镇", "households": nil, "population": nil, "population_60": nil, "urban_rural_code": nil}},
	}
}

// geoJSONOf writes the same features as GeoJSON (unclosed rings included).
func geoJSONOf(t *testing.T, fs []gpkg.Feature) []byte {
	t.Helper()
	var out []any
	for _, f := range fs {
		g, err := json.Marshal(geojson.NewGeometry(f.Geometry))
		if err != nil {
			t.Fatal(err)
		}
		props := map[string]any{"fid": f.FID}
		for k, v := range f.Properties {
			if v != nil {
				props[k] = v
			}
		}
		out = append(out, map[string]any{"type": "Feature", "properties": props, "geometry": json.RawMessage(g)})
	}
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": out})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func toSource(l *gpkg.Layer) []gazetteer.SourceFeature {
	var out []gazetteer.SourceFeature
	for _, f := range l.Features {
		out = append(out, gazetteer.SourceFeature{Line: int(f.FID), Properties: f.Properties, Geometry: f.Geometry, Err: f.Err})
	}
	return out
}

func TestGeoPackageEqualsGeoJSON(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "divisions.gpkg")
	fs := features()
	if err := gpkg.WriteLayer(ctx, path, "乡镇街道", wgs84, "GEOMETRY", gpkg.ColumnsOf(fs), fs); err != nil {
		t.Fatal(err)
	}
	l, err := gpkg.ReadLayer(ctx, path, "")
	if err != nil {
		t.Fatal(err)
	}
	if l.Table != "乡镇街道" || l.GeometryColumn != "geom" || l.SRS.EPSG() != 4326 || len(l.Features) != 4 {
		t.Fatalf("layer %+v", l)
	}
	if f := l.Features[0]; f.FID != 1 || f.Properties["households"] != int64(120) || f.Properties["code"] != "500106001" {
		t.Errorf("feature 1: %+v", f)
	}
	fromGPKG := gazetteer.ParseDivisionFeatures(toSource(l), geo.WGS84)
	fromJSON, err := gazetteer.ParseDivisionsGeoJSON(geoJSONOf(t, fs), geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	if len(fromGPKG) != len(fromJSON) {
		t.Fatalf("%d rows from the GeoPackage, %d from GeoJSON", len(fromGPKG), len(fromJSON))
	}
	for i := range fromJSON {
		a, b := fromGPKG[i], fromJSON[i]
		if (a.Err == nil) != (b.Err == nil) || (a.Err != nil && a.Err.Error() != b.Err.Error()) {
			t.Errorf("row %d: errors %v / %v", i+1, a.Err, b.Err)
		}
		a.Err, b.Err = nil, nil
		if !reflect.DeepEqual(a, b) {
			t.Errorf("row %d differs:\n gpkg    %+v\n geojson %+v", i+1, a, b)
		}
	}
	if fromGPKG[3].Err == nil || len(fromGPKG[1].Repairs) != 1 || len(fromGPKG[2].Repairs) != 1 {
		t.Errorf("rows %+v", fromGPKG)
	}
	if _, err := gpkg.ReadLayer(ctx, path, "nope"); err == nil {
		t.Error("unknown table accepted")
	}
	if _, err := gpkg.ReadLayer(ctx, filepath.Join(t.TempDir(), "none.gpkg"), ""); err == nil {
		t.Error("missing file accepted")
	}
}

func TestParseGeometryHeader(t *testing.T) {
	g := orb.Polygon{box(106.3, 29.5, 106.4, 29.6)}
	b, err := gpkg.EncodeGeometry(4490, g)
	if err != nil {
		t.Fatal(err)
	}
	h, got, err := gpkg.ParseGeometry(b)
	if err != nil || h.SRSID != 4490 || len(h.Envelope) != 4 || h.Envelope[0] != 106.3 || h.Envelope[3] != 29.6 || !orb.Equal(got, g) {
		t.Fatalf("%+v %v %v", h, got, err)
	}
	// Big-endian header, no envelope, big-endian WKB.
	be := []byte{'G', 'P', 0, 0x00, 0, 0, 0x10, 0xe6, 0, 0, 0, 0, 1, 0x40, 0x5a, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a, 0x40, 0x3d, 0x80, 0, 0, 0, 0, 0}
	h, got, err = gpkg.ParseGeometry(be)
	if err != nil || h.SRSID != 4326 || h.Envelope != nil || got != (orb.Point{106.4, 29.5}) {
		t.Fatalf("big endian: %+v %v %v", h, got, err)
	}
	empty, _ := gpkg.EncodeGeometry(4326, nil)
	if h, got, err := gpkg.ParseGeometry(empty); err != nil || !h.Empty || got != nil {
		t.Errorf("empty: %+v %v %v", h, got, err)
	}
	z := append([]byte(nil), b...)
	z[40+1], z[40+2] = 0xeb, 0x03 // after the 40-byte header: type 1003 (Polygon Z), little endian
	for name, bad := range map[string][]byte{
		"no magic": []byte("XX\x00\x01\x00\x00\x00\x00"), "version": {'G', 'P', 1, 1, 0, 0, 0, 0},
		"extended": {'G', 'P', 0, 0x21, 0, 0, 0, 0}, "envelope 5": {'G', 'P', 0, 0x0b, 0, 0, 0, 0},
		"truncated envelope": b[:20], "truncated wkb": b[:len(b)-3], "z": z,
	} {
		if _, _, err := gpkg.ParseGeometry(bad); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func FuzzParseGeometry(f *testing.F) {
	for _, g := range []orb.Geometry{orb.Point{106.4, 29.5}, orb.Polygon{box(0, 0, 1, 1)},
		orb.MultiPolygon{{box(0, 0, 1, 1), box(0.2, 0.2, 0.3, 0.3)}}, orb.LineString{{0, 0}, {1, 1}}, nil} {
		b, err := gpkg.EncodeGeometry(4326, g)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("GP\x00\x03\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, g, err := gpkg.ParseGeometry(b)
		if err != nil {
			return
		}
		if h.Size > len(b) || (h.Empty && g != nil) {
			t.Fatalf("header %+v for %d bytes, geometry %v", h, len(b), g)
		}
		if g == nil {
			return
		}
		// What parses re-encodes to a blob that parses to the same geometry
		// (compared as bytes: NaN coordinates never compare equal).
		again, err := gpkg.EncodeGeometry(h.SRSID, g)
		if err != nil {
			return // e.g. a collection type orb cannot write back
		}
		h2, g2, err := gpkg.ParseGeometry(again)
		if err != nil || h2.SRSID != h.SRSID {
			t.Fatalf("re-encoded %v does not parse: %v", g, err)
		}
		if third, err := gpkg.EncodeGeometry(h.SRSID, g2); err != nil || !bytes.Equal(again, third) {
			t.Fatalf("round trip %v → %v", g, g2)
		}
	})
}

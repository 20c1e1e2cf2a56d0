package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb/geojson"

	"diming/gazetteer"
	"diming/geo"
	"diming/store/gpkg"
)

func TestImportDivisionsCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if code, out := runCmd(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo: %d\n%s", code, out)
	}
	st, err := openStore(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds, err := st.Divisions(ctx, gazetteer.DivisionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	town := ds[1]
	f := geojson.NewFeature(town.Geometry)
	f.Properties = map[string]any{"code": town.Code, "name": town.Name, "population": town.Population + 1}
	b, _ := geojson.NewFeatureCollection().Append(f).MarshalJSON()
	file := writeFile(t, "towns.geojson", string(b))
	var stderr bytes.Buffer
	sum, err := importDivisions(ctx, st, file, geo.WGS84, importOptions{actor: "test", dryRun: true}, &stderr)
	if err != nil || sum.Updated != 1 || sum.Written {
		t.Fatalf("dry run: %+v %v", sum, err)
	}
	sum, err = importDivisions(ctx, st, file, geo.WGS84, importOptions{actor: "test"}, &stderr)
	if err != nil || sum.Updated != 1 || !sum.Written || len(sum.Rejected) != 0 {
		t.Fatalf("import: %+v %v\n%s", sum, err, stderr.String())
	}
	got, err := st.Division(ctx, town.Code)
	if err != nil || got.Population != town.Population+1 || got.Synthetic {
		t.Fatalf("stored %+v %v", got, err)
	}
	// The same from a GeoPackage is now unchanged.
	path := filepath.Join(t.TempDir(), "towns.gpkg")
	feats := []gpkg.Feature{{FID: 1, Geometry: town.Geometry, Properties: map[string]any{"code": town.Code, "name": town.Name, "population": int64(town.Population + 1)}}}
	if err := gpkg.WriteLayer(ctx, path, "towns", gpkg.SRS{ID: 4490, Name: "China Geodetic Coordinate System 2000", Organization: "EPSG", OrganizationID: 4490}, "MULTIPOLYGON", gpkg.ColumnsOf(feats), feats); err != nil {
		t.Fatal(err)
	}
	sum, err = importDivisions(ctx, st, path, geo.WGS84, importOptions{actor: "test"}, &stderr)
	if err != nil || sum.Unchanged != 1 || sum.Written {
		t.Fatalf("gpkg: %+v %v", sum, err)
	}
	// A projected GeoPackage is refused with the ogr2ogr hint.
	path = filepath.Join(t.TempDir(), "projected.gpkg")
	if err := gpkg.WriteLayer(ctx, path, "towns", gpkg.SRS{ID: 4547, Name: "CGCS2000 / 3-degree Gauss-Kruger CM 114E", Organization: "EPSG", OrganizationID: 4547}, "MULTIPOLYGON", gpkg.ColumnsOf(feats), feats); err != nil {
		t.Fatal(err)
	}
	if _, err := importDivisions(ctx, st, path, geo.WGS84, importOptions{actor: "test"}, &stderr); err == nil {
		t.Fatal("projected GeoPackage accepted")
	}
}

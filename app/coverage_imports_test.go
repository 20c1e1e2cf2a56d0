package app_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"diming"
	"diming/app"
	"diming/coverage"
	"diming/geo"
	"diming/store/gpkg"
)

var (
	srs4326 = gpkg.SRS{ID: 4326, Name: "WGS 84", Organization: "EPSG", OrganizationID: 4326}
	srs4490 = gpkg.SRS{ID: 4490, Name: "China Geodetic Coordinate System 2000", Organization: "EPSG", OrganizationID: 4490}
	srsGeo0 = gpkg.SRS{ID: 0, Name: "Undefined geographic SRS", Organization: "NONE", OrganizationID: 0}
	srsCart = gpkg.SRS{ID: -1, Name: "Undefined cartesian SRS", Organization: "NONE", OrganizationID: -1}
	srs3857 = gpkg.SRS{ID: 3857, Name: "WGS 84 / Pseudo-Mercator", Organization: "EPSG", OrganizationID: 3857}
	srs4547 = gpkg.SRS{ID: 4547, Name: "CGCS2000 / 3-degree Gauss-Kruger CM 114E", Organization: "EPSG", OrganizationID: 4547}
	srsGCJ  = gpkg.SRS{ID: 990001, Name: "GCJ02", Organization: "ACME", OrganizationID: 1}
)

// The one GeoPackage rule: lon/lat tables only (EPSG:4326, EPSG:4490 or
// the undefined geographic SRS 0), whatever --crs says.
func TestCheckGeoPackageSRS(t *testing.T) {
	for _, c := range []struct {
		srs gpkg.SRS
		ok  bool
	}{{srs4326, true}, {srs4490, true}, {srsGeo0, true}, {srsCart, false}, {srs3857, false}, {srs4547, false}, {srsGCJ, false}} {
		err := app.CheckGeoPackageSRS(c.srs)
		if (err == nil) != c.ok || (err != nil && diming.Code(err) != diming.EINVALID) {
			t.Errorf("%s (%d): %v, want ok=%v", c.srs.Name, c.srs.ID, err, c.ok)
		}
	}
}

// writeFacilityGPKG writes one facility row at p in srs.
func writeFacilityGPKG(t *testing.T, srs gpkg.SRS, p orb.Point) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "facilities.gpkg")
	feats := []gpkg.Feature{{FID: 1, Geometry: p, Properties: map[string]any{"name": "龙泉路养老服务站", "category": string(coverage.CommunityEldercareStation), "code": "G1"}}}
	if err := gpkg.WriteLayer(context.Background(), path, "facilities", srs, "POINT", gpkg.ColumnsOf(feats), feats); err != nil {
		t.Fatal(err)
	}
	return path
}

// Every coverage import reads a GeoPackage by the rule, for each --crs:
// a projected table is refused even with --crs gcj02 (which once let it
// through for divisions), and a lon/lat one is converted from the --crs.
func TestReadGeoPackageByTheRule(t *testing.T) {
	ctx := context.Background()
	for _, crs := range []geo.CRS{geo.WGS84, geo.GCJ02} {
		for _, srs := range []gpkg.SRS{srs3857, srs4547, srsCart} {
			path := writeFacilityGPKG(t, srs, orb.Point{11850000, 3440000})
			if _, err := app.ReadFacilityFile(ctx, app.ImportFile{Path: path, CRS: crs}); diming.Code(err) != diming.EINVALID {
				t.Errorf("facilities, %s with crs %v: %v, want EINVALID", srs.Name, crs, err)
			}
			if _, err := app.ReadHouseholdFile(ctx, app.ImportFile{Path: path, CRS: crs}); diming.Code(err) != diming.EINVALID {
				t.Errorf("households, %s with crs %v: %v, want EINVALID", srs.Name, crs, err)
			}
			if _, err := app.ReadRoadFile(ctx, app.ImportFile{Path: path, CRS: crs}); diming.Code(err) != diming.EINVALID {
				t.Errorf("roads, %s with crs %v: %v, want EINVALID", srs.Name, crs, err)
			}
		}
		for _, srs := range []gpkg.SRS{srs4326, srs4490, srsGeo0} {
			path := writeFacilityGPKG(t, srs, inVillage)
			rows, err := app.ReadFacilityFile(ctx, app.ImportFile{Path: path, CRS: crs})
			if err != nil || len(rows) != 1 || rows[0].Err != nil {
				t.Fatalf("%s with crs %v: %+v, %v", srs.Name, crs, rows, err)
			}
			want := inVillage
			if crs != geo.WGS84 {
				g, err := geo.ConvertGeometry(inVillage, crs, geo.WGS84)
				if err != nil {
					t.Fatal(err)
				}
				want = g.(orb.Point)
			}
			if got := rows[0].Facility.Point; got != want || rows[0].Facility.Code != "G1" {
				t.Errorf("%s with crs %v: %v (%s), want %v", srs.Name, crs, got, rows[0].Facility.Code, want)
			}
		}
	}
}

func TestReadImportFileRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	txt := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(txt, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"missing": func() error {
			_, err := app.ReadFacilityFile(ctx, app.ImportFile{Path: filepath.Join(dir, "none.csv")})
			return err
		}(),
		"directory": func() error { _, err := app.ReadHouseholdFile(ctx, app.ImportFile{Path: dir + "/"}); return err }(),
		"txt":       func() error { _, err := app.ReadRoadFile(ctx, app.ImportFile{Path: txt}); return err }(),
	} {
		if c := diming.Code(err); c != diming.EINVALID && c != diming.ETOOLARGE {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestImportHouseholds(t *testing.T) {
	stores(t, false, func(t *testing.T, st testStore) {
		ctx := context.Background()
		h := holder(t, st)
		uc := app.Households{Store: st, Publisher: h}
		good := coverage.HouseholdPoint{Point: inVillage, Households: 12, Residents: 30, Aged60: 6}
		rows := []coverage.HouseholdRow{{Line: 2, Household: good}, {Line: 3, Err: diming.Errorf(diming.EINVALID, "坏", "bad")}}
		res, ch, err := uc.Import(ctx, "cli:test", "", rows, app.ImportOptions{})
		if err != nil || res.Written || len(res.Rejected) != 1 || ch.Entity != "" {
			t.Fatalf("with a bad row: %+v %+v %v", res, ch, err)
		}
		for i := 0; i < 2; i++ {
			if res, ch, err = uc.Import(ctx, "cli:test", "导入 h.csv", rows, app.ImportOptions{SkipInvalid: true, Replace: i == 1}); err != nil || !res.Written || res.Added != 1 {
				t.Fatalf("import %d: %+v %v", i, res, err)
			}
		}
		if ch.Action != "replace" || ch.Entity != coverage.EntityHouseholds {
			t.Fatalf("change of the replace: %+v", ch)
		}
		hs, err := st.Households(ctx)
		if err != nil || len(hs) != 1 || hs[0].Households != 12 {
			t.Fatalf("stored after the replace: %+v %v", hs, err)
		}
		es, err := st.Audit(ctx, diming.AuditFilter{Entity: coverage.EntityHouseholds})
		if err != nil || len(es) != 2 {
			t.Fatalf("audit: %+v %v", es, err)
		}
	})
}

func TestImportRoads(t *testing.T) {
	stores(t, false, func(t *testing.T, st testStore) {
		ctx := context.Background()
		uc := app.Roads{Store: st, Graph: coverage.GraphOptions{MergeTolerance: 0.5, JoinEndsToLines: true}}
		ri := coverage.RoadImport{Segments: []coverage.RoadSegment{
			{ID: 1, Geometry: orb.LineString{{106.35, 29.55}, {106.36, 29.55}}, Class: "residential"},
			{ID: 2, Geometry: orb.LineString{{106.36, 29.55}, {106.36, 29.56}}, Class: "footway"},
			{ID: 3, Geometry: orb.LineString{{106.38, 29.55}, {106.39, 29.55}}, Class: "footway"},
		}, Skipped: map[string]int{"highway=motorway": 2}}
		res, ch, err := uc.Import(ctx, "cli:test", "", ri, app.ImportOptions{DryRun: true})
		if err != nil || res.Written || ch.Entity != "" || res.Network == nil || res.Network.Components != 2 || res.Skipped["highway=motorway"] != 2 {
			t.Fatalf("dry run: %+v %+v %v", res, ch, err)
		}
		if segs, _ := st.RoadSegments(ctx); len(segs) != 0 {
			t.Fatalf("a dry run wrote %d segments", len(segs))
		}
		res, ch, err = uc.Import(ctx, "cli:test", "导入 roads.geojson", ri, app.ImportOptions{})
		if err != nil || !res.Written || res.Added != 3 || ch.Entity != coverage.EntityRoads || ch.Action != "import" {
			t.Fatalf("import: %+v %+v %v", res, ch, err)
		}
		segs, err := st.RoadSegments(ctx)
		if err != nil || len(segs) != 3 {
			t.Fatalf("stored: %d %v", len(segs), err)
		}
	})
}

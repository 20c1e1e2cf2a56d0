package demo_test

import (
	"context"
	"math"
	"testing"

	"diming/demo"
	"diming/geo"
	"diming/internal/pgtest"
	"diming/store/postgis"
)

// TestTilingInPostGIS checks the demo partition with PostGIS as the oracle:
// siblings do not overlap, their union is their parent, and geo.Area agrees
// with ST_Area(geography).
func TestTilingInPostGIS(t *testing.T) {
	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := postgis.Open(ctx, postgis.Config{URL: pgtest.NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutDivisions(ctx, "test", ds); err != nil {
		t.Fatal(err)
	}
	db := st.Pool()

	var overlapPairs int
	var overlapArea float64
	if err := db.QueryRow(ctx, `SELECT count(*), coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0)
		FROM divisions a JOIN divisions b ON a.parent_code = b.parent_code AND a.code < b.code
		WHERE ST_Intersects(a.geom, b.geom) AND ST_Area(ST_Intersection(a.geom, b.geom)) > 0`).Scan(&overlapPairs, &overlapArea); err != nil {
		t.Fatal(err)
	}
	if overlapArea > 1 {
		t.Errorf("%d sibling pairs overlap, %.1f m² in all", overlapPairs, overlapArea)
	}

	rows, err := db.Query(ctx, `SELECT p.code, ST_Area(p.geom::geography),
			ST_Area(ST_SymDifference(p.geom, ST_Union(c.geom))::geography)
		FROM divisions p JOIN divisions c ON c.parent_code = p.code GROUP BY p.code, p.geom`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	parents := 0
	for rows.Next() {
		var code string
		var area, diff float64
		if err := rows.Scan(&code, &area, &diff); err != nil {
			t.Fatal(err)
		}
		parents++
		if diff > 1 {
			t.Errorf("%s: its children's union differs from it by %.1f m²", code, diff)
		}
	}
	if parents != 27 {
		t.Fatalf("%d parents with children, want 27 (the district and 26 townships)", parents)
	}

	for _, d := range ds {
		var want float64
		if err := db.QueryRow(ctx, "SELECT ST_Area(geom::geography) FROM divisions WHERE code = $1", d.Code).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := geo.Area(d.Geometry); math.Abs(got-want)/want > 1e-4 {
			t.Errorf("%s %s: geo.Area %.0f m², PostGIS %.0f m² (%.2e relative)", d.Code, d.Name, got, want, math.Abs(got-want)/want)
		}
	}
}

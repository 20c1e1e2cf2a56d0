package gazetteer_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"diming/demo"
	"diming/gazetteer"
	"diming/internal/pgtest"
	"diming/internal/storetest"
	"diming/store/postgis"
)

func TestDivisionAtFixtures(t *testing.T) {
	ix := gazetteer.NewDivisionIndex(storetest.Fixtures())
	cases := []struct {
		p    orb.Point
		want []string
	}{
		{orb.Point{106.35, 29.55}, []string{"500106000000", "500106001000", "500106001001"}},
		{orb.Point{106.35, 29.65}, []string{"500106000000", "500106001000", "500106001004"}},
		{orb.Point{106.47, 29.6}, []string{"500106000000", "500106104000", "500106104200"}},
		// In the hole of 覃家岗村: inside the township, in no village.
		{orb.Point{106.445, 29.555}, []string{"500106000000", "500106104000"}},
		{orb.Point{106.6, 29.6}, nil},
		{orb.Point{-200, 100}, nil},
	}
	for _, tc := range cases {
		var got []string
		for _, d := range ix.At(tc.p) {
			got = append(got, d.Code)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("At(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
}

func TestDivisionsFilter(t *testing.T) {
	ix := gazetteer.NewDivisionIndex(storetest.Fixtures())
	if got := ix.Divisions(gazetteer.DivisionFilter{Level: gazetteer.LevelTownship, ParentCode: "500106000000"}); len(got) != 2 {
		t.Fatalf("townships of the district: %d, want 2", len(got))
	}
	if _, err := ix.Division("500106001001"); err != nil {
		t.Fatal(err)
	}
	if got := ix.Path("500106104200"); !slices.Equal(got, []string{"沙坪坝区", "青木关镇", "覃家岗村村民委员会"}) {
		t.Fatalf("Path = %v", got)
	}
}

// randomPoints returns n points in the demo district's bounding box, from a
// fixed seed so every run and both engines see the same points.
func randomPoints(tb testing.TB, n int) (*gazetteer.DivisionIndex, []gazetteer.Division, []orb.Point) {
	tb.Helper()
	ds, err := demo.Divisions()
	if err != nil {
		tb.Fatal(err)
	}
	ix := gazetteer.NewDivisionIndex(ds)
	district, _ := ix.Division("500106000000")
	b := district.Geometry.Bound()
	rng := rand.New(rand.NewPCG(2026, 11))
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
	}
	return ix, ds, pts
}

func demoInPostGIS(tb testing.TB, ds []gazetteer.Division) *postgis.Store {
	tb.Helper()
	ctx := context.Background()
	st, err := postgis.Open(ctx, postgis.Config{URL: pgtest.NewDatabase(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.PutDivisions(ctx, "test", ds); err != nil {
		tb.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, "ANALYZE divisions"); err != nil {
		tb.Fatal(err)
	}
	return st
}

const postgisAt = `SELECT code FROM divisions
	WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY level = 'village', level = 'township', code`

// TestDivisionAtAgreesWithPostGIS checks the read model's point-in-division
// answers against PostGIS on the demo dataset, point by point.
func TestDivisionAtAgreesWithPostGIS(t *testing.T) {
	ix, ds, pts := randomPoints(t, 3000)
	st := demoInPostGIS(t, ds)
	ctx := context.Background()
	inside := 0
	for _, p := range pts {
		rows, err := st.Pool().Query(ctx, postgisAt, p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			want = append(want, c)
		}
		rows.Close()
		var got []string
		for _, d := range ix.At(p) {
			got = append(got, d.Code)
		}
		if !slices.Equal(got, want) {
			t.Errorf("At(%.7f, %.7f) = %v; PostGIS says %v", p[0], p[1], got, want)
		}
		if len(got) == 3 {
			inside++
		}
	}
	// About two thirds of the bounding box is district.
	if inside < len(pts)/3 {
		t.Fatalf("only %d of %d points fell in a village: the comparison says little", inside, len(pts))
	}
}

// BenchmarkDivisionAt answers "which district, township and village contain
// this point" from the in-memory read model (diming) and with ST_Intersects
// on a GiST index in PostGIS (postgis), for the same points.
func BenchmarkDivisionAt(b *testing.B) {
	ix, ds, pts := randomPoints(b, 4096)
	b.Run("diming", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for i := 0; b.Loop(); i++ {
			n += len(ix.At(pts[i%len(pts)]))
		}
		if n == 0 {
			b.Fatal("no point found a division")
		}
	})
	b.Run("postgis", func(b *testing.B) {
		st := demoInPostGIS(b, ds)
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		n := 0
		for i := 0; b.Loop(); i++ {
			p := pts[i%len(pts)]
			rows, err := st.Pool().Query(ctx, postgisAt, p[0], p[1])
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				n++
			}
			rows.Close()
		}
		if n == 0 {
			b.Fatal("no point found a division")
		}
	})
}

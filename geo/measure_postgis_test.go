package geo_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"diming/geo"
	"diming/internal/pgtest"
)

// TestMeasuresAgreeWithPostGIS compares geo.Distance and geo.Area with
// PostGIS geography (WGS84 ellipsoid) on random shapes around Shapingba.
func TestMeasuresAgreeWithPostGIS(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rng := rand.New(rand.NewPCG(7, 29))
	near := func() orb.Point { return orb.Point{106.2 + rng.Float64()*0.35, 29.45 + rng.Float64()*0.35} }
	for i := 0; i < 200; i++ {
		a, b := near(), near()
		var want float64
		if err := conn.QueryRow(ctx, `SELECT ST_Distance(ST_MakePoint($1, $2)::geography, ST_MakePoint($3, $4)::geography)`,
			a[0], a[1], b[0], b[1]).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := geo.Distance(a, b); math.Abs(got-want) > 1e-4*want+0.01 {
			t.Fatalf("Distance(%v, %v) = %.3f m, PostGIS %.3f m", a, b, got, want)
		}
	}
	for i := 0; i < 50; i++ {
		c := near()
		r := 200 + rng.Float64()*5000
		proj := geo.NewLocalProjection(c)
		ring := orb.Ring{}
		for k := 0; k < 24; k++ {
			ang := 2 * math.Pi * float64(k) / 24
			rr := r * (0.6 + 0.4*rng.Float64())
			ring = append(ring, proj.Inverse(orb.Point{rr * math.Cos(ang), rr * math.Sin(ang)}))
		}
		ring = append(ring, ring[0])
		poly := orb.Polygon{ring}
		var wkt strings.Builder
		wkt.WriteString("POLYGON((")
		for k, p := range ring {
			if k > 0 {
				wkt.WriteString(",")
			}
			fmt.Fprintf(&wkt, "%.12f %.12f", p[0], p[1])
		}
		wkt.WriteString("))")
		var want, wantLen float64
		if err := conn.QueryRow(ctx, `SELECT ST_Area(g::geography), ST_Perimeter(g::geography)
			FROM ST_GeomFromText($1, 4326) g`, wkt.String()).Scan(&want, &wantLen); err != nil {
			t.Fatal(err)
		}
		if got := geo.Area(poly); math.Abs(got-want) > 1e-4*want {
			t.Fatalf("Area = %.1f m², PostGIS %.1f m² (%.1e)", got, want, math.Abs(got-want)/want)
		}
		if got := geo.Length(poly); math.Abs(got-wantLen) > 1e-4*wantLen {
			t.Fatalf("Length = %.2f m, PostGIS %.2f m", got, wantLen)
		}
	}
}

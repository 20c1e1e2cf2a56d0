package coverage_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"diming/coverage"
	"diming/internal/pgtest"
)

// TestIsochroneAgainstPostGIS sends isochrones to PostGIS: they must be
// valid there, with the same geodesic area, and where the whole network is
// reached (so the limit never tapers the off-network walk) the isochrone is
// the network buffered by OffNetwork: PostGIS's ST_Buffer of the lines in
// UTM zone 48N (EPSG:32648, where Chongqing lies) is the oracle.
func TestIsochroneAgainstPostGIS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgtest.NewEmptyDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

	// A small network: a 4×4 lattice of 250 m blocks, a diagonal street
	// across one block, a winding lane and a dead end off the lattice.
	small := isoLattice(4, 250, [2]int{1, 2}, 5000)
	small = append(small,
		isoTestEdge{pts: []orb.Point{{-375, -375}, {-125, -125}}, dStart: 250 + 250*math.Sqrt2, dEnd: 250},
		isoTestEdge{pts: []orb.Point{{375, 125}, {470, 160}, {540, 260}, {610, 280}}, dStart: 500},
		isoTestEdge{pts: []orb.Point{{-125, 375}, {-60, 520}}, dStart: 250},
	)
	for i := len(small) - 2; i < len(small); i++ {
		small[i].dEnd = small[i].dStart + small[i].length()
	}

	cases := []struct {
		name   string
		edges  []isoTestEdge
		limit  float64
		opt    coverage.IsochroneOptions
		oracle bool // the whole network is reached: compare with the buffer
	}{
		{"small network, whole, 20 m", small, 5000, coverage.IsochroneOptions{}, true},
		{"small network, whole, 10 m, 80 m off", small, 5000, coverage.IsochroneOptions{Resolution: 10, OffNetwork: 80}, true},
		{"15-minute walk on a 100 m lattice", isoLattice(21, 100, [2]int{10, 10}, 810), 810, coverage.IsochroneOptions{}, false},
		{"partly reached lattice with holes", isoLattice(7, 400, [2]int{3, 3}, 1300), 1300, coverage.IsochroneOptions{Resolution: 15}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			iso := mustIsochrone(t, tc.edges, tc.limit, tc.opt)
			checkIsochrone(t, iso)
			poly, err := wkb.Marshal(iso.Polygon)
			if err != nil {
				t.Fatal(err)
			}
			var valid bool
			var reason string
			var area float64
			if err := conn.QueryRow(ctx, `SELECT ST_IsValid(g), ST_IsValidReason(g), ST_Area(g::geography)
				FROM ST_GeomFromWKB($1, 4326) g`, poly).Scan(&valid, &reason, &area); err != nil {
				t.Fatal(err)
			}
			if !valid {
				t.Fatalf("PostGIS: invalid isochrone: %s", reason)
			}
			if e := math.Abs(iso.Area-area) / area; e > 1e-3 {
				t.Fatalf("Area %.1f m², PostGIS ST_Area(geography) %.1f m² (%.3f%%)", iso.Area, area, 100*e)
			}
			if !tc.oracle {
				t.Logf("valid; area %.0f m², PostGIS %.0f m²", iso.Area, area)
				return
			}
			var lines orb.MultiLineString
			for _, e := range isoReached(tc.edges) {
				lines = append(lines, e.Line)
			}
			net, err := wkb.Marshal(lines)
			if err != nil {
				t.Fatal(err)
			}
			var bufArea, diffArea float64
			if err := conn.QueryRow(ctx, `
				WITH buf AS (
					SELECT ST_Buffer(ST_Transform(ST_GeomFromWKB($1, 4326), 32648), $3, 'quad_segs=32') AS g
				), iso AS (
					SELECT ST_Transform(ST_GeomFromWKB($2, 4326), 32648) AS g
				)
				SELECT ST_Area(buf.g), ST_Area(ST_SymDifference(buf.g, iso.g)) FROM buf, iso`,
				net, poly, iso.OffNetwork).Scan(&bufArea, &diffArea); err != nil {
				t.Fatal(err)
			}
			ratio := diffArea / bufArea
			t.Logf("resolution %g m: area %.0f m², buffer %.0f m², symmetric difference %.0f m² = %.2f%%",
				iso.Resolution, iso.Area, bufArea, diffArea, 100*ratio)
			if ratio > 0.05 {
				t.Fatalf("symmetric difference with the buffered network is %s of its area, over 5%%", fmt.Sprintf("%.2f%%", 100*ratio))
			}
		})
	}
}

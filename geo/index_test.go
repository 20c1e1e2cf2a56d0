package geo_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"diming/geo"
)

func TestPolygonIndexMatchesPlanar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Star-shaped polygons with holes, scattered and overlapping.
	var polys []orb.MultiPolygon
	for i := 0; i < 40; i++ {
		c := orb.Point{rng.Float64() * 10, rng.Float64() * 10}
		shell := orb.Ring{}
		hole := orb.Ring{}
		for k := 0; k < 12; k++ {
			a := float64(k) / 12 * 2 * math.Pi
			r := 0.5 + rng.Float64()
			shell = append(shell, orb.Point{c[0] + r*math.Cos(a), c[1] + r*math.Sin(a)})
			hole = append(hole, orb.Point{c[0] + 0.2*math.Cos(-a), c[1] + 0.2*math.Sin(-a)})
		}
		shell = append(shell, shell[0])
		hole = append(hole, hole[0])
		polys = append(polys, orb.MultiPolygon{{shell, hole}})
	}
	ix := geo.NewPolygonIndex(polys)
	if ix.Len() != len(polys) {
		t.Fatalf("Len %d", ix.Len())
	}
	for n := 0; n < 20000; n++ {
		p := orb.Point{rng.Float64()*12 - 1, rng.Float64()*12 - 1}
		got := map[int]bool{}
		ix.Containing(p, func(i int) bool { got[i] = true; return true })
		for i, mp := range polys {
			if want := planar.MultiPolygonContains(mp, p); want != got[i] {
				t.Fatalf("point %v in polygon %d: index says %v, planar says %v", p, i, got[i], want)
			}
		}
	}
	// Vertices and edge points count as inside.
	sq := orb.MultiPolygon{{{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}}}
	ix = geo.NewPolygonIndex([]orb.MultiPolygon{sq})
	for _, p := range []orb.Point{{0, 0}, {1, 0}, {2, 1}, {1, 1}} {
		found := false
		ix.Containing(p, func(int) bool { found = true; return false })
		if !found {
			t.Errorf("%v not found in the square", p)
		}
	}
}

package geo_test

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"diming/geo"
)

// FuzzToWGS84 feeds arbitrary coordinates and CRS names to the conversions:
// they must not panic, bad input must give a *ValidationError, results must
// be valid coordinates, and inside China the conversions must invert each
// other to 1e-7°.
func FuzzToWGS84(f *testing.F) {
	f.Add(106.4, 29.6, "gcj02")
	f.Add(106.4, 29.6, "BD-09")
	f.Add(139.69, 35.69, "amap")
	f.Add(0.0, 0.0, "bd09")
	f.Add(0.0065, 0.006, "baidu")
	f.Add(180.0, 90.0, "bd09")
	f.Add(-180.0, -90.0, "gcj02")
	f.Add(72.004, 0.8293, "gcj02")
	f.Add(137.8347, 55.8271, "gcj02")
	f.Add(math.NaN(), 29.6, "gcj02")
	f.Add(106.4, math.Inf(1), "bd09")
	f.Add(500000.0, 3270000.0, "wgs84")
	f.Add(106.4, 29.6, "mercator")
	f.Add(106.4, 29.6, "")
	f.Fuzz(func(t *testing.T, lon, lat float64, name string) {
		p := orb.Point{lon, lat}
		out, err := geo.ToWGS84(p, geo.CRS(name))
		fromOut, fromErr := geo.FromWGS84(p, geo.CRS(name))
		c, perr := geo.ParseCRS(name)
		var ve *geo.ValidationError
		if perr != nil {
			if err == nil || fromErr == nil {
				t.Fatalf("unknown CRS %q accepted", name)
			}
			return
		}
		if geo.CheckPoint(p) != nil {
			if err == nil || fromErr == nil {
				t.Fatalf("bad point %v accepted: %v, %v", p, out, fromOut)
			}
			if !errors.As(err, &ve) || !errors.As(fromErr, &ve) {
				t.Fatalf("bad point %v: errors %v, %v are not *ValidationError", p, err, fromErr)
			}
			return
		}
		inChina := lon >= 73 && lon <= 135 && lat >= 18 && lat <= 54
		for _, e := range []error{err, fromErr} {
			if e != nil {
				if inChina {
					t.Fatalf("%s %v inside China: %v", c, p, e)
				}
				if !errors.As(e, &ve) {
					t.Fatalf("%s %v: error %v is not *ValidationError", c, p, e)
				}
			}
		}
		if err == nil {
			if geo.CheckPoint(out) != nil {
				t.Fatalf("ToWGS84(%v, %s) = %v", p, c, out)
			}
			if inChina {
				back, err := geo.FromWGS84(out, c)
				if err != nil || math.Abs(back[0]-lon) > 1e-7 || math.Abs(back[1]-lat) > 1e-7 {
					t.Fatalf("%s: %v → %v → %v, %v", c, p, out, back, err)
				}
			}
		}
		if fromErr == nil {
			if geo.CheckPoint(fromOut) != nil {
				t.Fatalf("FromWGS84(%v, %s) = %v", p, c, fromOut)
			}
			if inChina {
				back, err := geo.ToWGS84(fromOut, c)
				if err != nil || math.Abs(back[0]-lon) > 1e-7 || math.Abs(back[1]-lat) > 1e-7 {
					t.Fatalf("%s: %v → %v → %v, %v", c, p, fromOut, back, err)
				}
			}
		}
	})
}

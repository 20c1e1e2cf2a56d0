package geo_test

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"diming/geo"
)

func TestValidateMultiPolygon(t *testing.T) {
	sq := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	cases := []struct {
		name   string
		mp     orb.MultiPolygon
		reason string // "" for valid
	}{
		{"square", orb.MultiPolygon{{sq}}, ""},
		{"square with hole", orb.MultiPolygon{{sq, {{0.2, 0.2}, {0.2, 0.4}, {0.4, 0.4}, {0.4, 0.2}, {0.2, 0.2}}}}, ""},
		{"two disjoint", orb.MultiPolygon{{sq}, {{{2, 0}, {3, 0}, {3, 1}, {2, 1}, {2, 0}}}}, ""},
		{"empty", orb.MultiPolygon{}, "为空"},
		{"empty polygon", orb.MultiPolygon{{}}, "空的面"},
		{"bowtie", orb.MultiPolygon{{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}}, "自相交"},
		{"not closed", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}, "未闭合"},
		{"three points", orb.MultiPolygon{{{{0, 0}, {1, 0}, {0, 0}}}}, "少于 4 个点"},
		{"NaN", orb.MultiPolygon{{{{0, 0}, {math.NaN(), 0}, {1, 1}, {0, 0}}}}, "NaN"},
		{"Inf", orb.MultiPolygon{{{{0, 0}, {math.Inf(1), 0}, {1, 1}, {0, 0}}}}, "NaN 或无穷大"},
		{"projected metres", orb.MultiPolygon{{{{500000, 3270000}, {501000, 3270000}, {501000, 3271000}, {500000, 3270000}}}}, "超出"},
		{"hole outside", orb.MultiPolygon{{sq, {{2, 2}, {2, 3}, {3, 3}, {3, 2}, {2, 2}}}}, "内环"},
		{"overlapping parts", orb.MultiPolygon{{sq}, {{{0.5, 0.5}, {1.5, 0.5}, {1.5, 1.5}, {0.5, 1.5}, {0.5, 0.5}}}}, "重叠"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := geo.ValidateMultiPolygon(tc.mp)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("valid polygon rejected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("invalid polygon accepted")
			}
			if r := geo.Reason(err); !strings.Contains(r, tc.reason) {
				t.Fatalf("reason %q does not say %q", r, tc.reason)
			}
			if err.Error() == "" || strings.ContainsAny(err.Error(), "面环") {
				t.Fatalf("English message %q", err.Error())
			}
		})
	}
}

func TestLocalProjectionRoundTrip(t *testing.T) {
	p := geo.NewLocalProjection(orb.Point{106.4, 29.6})
	pt := orb.Point{106.45, 29.63}
	xy := p.Forward(pt)
	back := p.Inverse(xy)
	if math.Abs(back[0]-pt[0]) > 1e-12 || math.Abs(back[1]-pt[1]) > 1e-12 {
		t.Fatalf("round trip %v → %v → %v", pt, xy, back)
	}
	if d := math.Hypot(xy[0], xy[1]); math.Abs(d-geo.Distance(p.Origin, pt)) > 1 {
		t.Fatalf("projected distance %.1f m, geodesic %.1f m", d, geo.Distance(p.Origin, pt))
	}
}

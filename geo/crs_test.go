package geo_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"diming/geo"
	"diming/internal/refdata"
)

func TestParseCRS(t *testing.T) {
	cases := map[string]geo.CRS{
		"wgs84": geo.WGS84, "WGS84": geo.WGS84, " wgs-84 ": geo.WGS84, "EPSG:4326": geo.WGS84,
		"epsg:4326": geo.WGS84, "4326": geo.WGS84, "CRS84": geo.WGS84,
		"cgcs2000": geo.CGCS2000, "CGCS2000": geo.CGCS2000, "EPSG:4490": geo.CGCS2000, "4490": geo.CGCS2000,
		"gcj02": geo.GCJ02, "GCJ-02": geo.GCJ02, "gcj-02": geo.GCJ02, "amap": geo.GCJ02, "Gaode": geo.GCJ02,
		"tencent": geo.GCJ02, "高德": geo.GCJ02,
		"bd09": geo.BD09, "BD-09": geo.BD09, "bd09ll": geo.BD09, "Baidu": geo.BD09, "百度": geo.BD09,
	}
	for s, want := range cases {
		got, err := geo.ParseCRS(s)
		if err != nil || got != want {
			t.Errorf("ParseCRS(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	for _, s := range []string{"", "  ", "epsg:3857", "utm", "gcj 02x", "bd09mc"} {
		_, err := geo.ParseCRS(s)
		var ve *geo.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("ParseCRS(%q): error %v is not a *ValidationError", s, err)
		}
		for _, name := range []string{"wgs84", "cgcs2000", "gcj02", "bd09"} {
			if !strings.Contains(ve.ReasonEN, name) || !strings.Contains(ve.Reason, name) {
				t.Errorf("ParseCRS(%q): reasons %q / %q do not list %s", s, ve.Reason, ve.ReasonEN, name)
			}
		}
		if !strings.Contains(ve.Reason, "坐标系") {
			t.Errorf("ParseCRS(%q): Chinese reason %q", s, ve.Reason)
		}
	}
}

// maxDiff is the larger of the coordinate differences, in degrees.
func maxDiff(a, b orb.Point) float64 {
	return math.Max(math.Abs(a[0]-b[0]), math.Abs(a[1]-b[1]))
}

type roundTrip struct {
	name      string
	maxDeg    float64
	maxMetres float64
	worst     orb.Point
}

func (r *roundTrip) add(p, back orb.Point) {
	if d := maxDiff(p, back); d > r.maxDeg || math.IsNaN(d) {
		r.maxDeg, r.worst = d, p
	}
	r.maxMetres = math.Max(r.maxMetres, geo.Distance(p, back))
}

// checkRoundTrips runs WGS84→c→WGS84 and c→WGS84→c for every point.
func checkRoundTrips(t *testing.T, label string, pts []orb.Point) {
	t.Helper()
	const tol = 1e-7 // degrees, about 1 cm
	for _, c := range []geo.CRS{geo.GCJ02, geo.BD09} {
		fwd := roundTrip{name: "wgs84→" + string(c) + "→wgs84"}
		inv := roundTrip{name: string(c) + "→wgs84→" + string(c)}
		for _, p := range pts {
			q, err := geo.FromWGS84(p, c)
			if err != nil {
				t.Fatalf("FromWGS84(%v, %s): %v", p, c, err)
			}
			back, err := geo.ToWGS84(q, c)
			if err != nil {
				t.Fatalf("ToWGS84(%v, %s): %v", q, c, err)
			}
			fwd.add(p, back)

			w, err := geo.ToWGS84(p, c)
			if err != nil {
				t.Fatalf("ToWGS84(%v, %s): %v", p, c, err)
			}
			again, err := geo.FromWGS84(w, c)
			if err != nil {
				t.Fatalf("FromWGS84(%v, %s): %v", w, c, err)
			}
			inv.add(p, again)
		}
		for _, r := range []roundTrip{fwd, inv} {
			t.Logf("%s, %d points, %s: max error %.3g° (%.3g m) at %v", label, len(pts), r.name, r.maxDeg, r.maxMetres, r.worst)
			if !(r.maxDeg < tol) {
				t.Errorf("%s %s: max error %g° at %v exceeds %g°", label, r.name, r.maxDeg, r.worst, tol)
			}
		}
	}
}

func TestCRSRoundTripChina(t *testing.T) {
	var grid []orb.Point
	for lon := 73.0; lon <= 135.0+1e-9; lon += 0.1 {
		for lat := 18.0; lat <= 54.0+1e-9; lat += 0.1 {
			grid = append(grid, orb.Point{lon, lat})
		}
	}
	checkRoundTrips(t, "grid 0.1° over 73–135 E, 18–54 N", grid)

	rng := rand.New(rand.NewPCG(20250601, 500106))
	random := make([]orb.Point, 200_000)
	for i := range random {
		random[i] = orb.Point{73 + 62*rng.Float64(), 18 + 36*rng.Float64()}
	}
	checkRoundTrips(t, "random over 73–135 E, 18–54 N", random)

	// Shapingba itself, densely.
	var spb []orb.Point
	for lon := 106.25; lon <= 106.55; lon += 0.005 {
		for lat := 29.45; lat <= 29.80; lat += 0.005 {
			spb = append(spb, orb.Point{lon, lat})
		}
	}
	checkRoundTrips(t, "Shapingba 0.005° grid", spb)
}

func TestCRSKnownValues(t *testing.T) {
	// Published outputs of the reference implementation (wandergis/coordtransform)
	// for (116.404, 39.915); the BD-09 inverse there is only approximate.
	in := orb.Point{116.404, 39.915}
	gcj, err := geo.FromWGS84(in, geo.GCJ02)
	if err != nil || maxDiff(gcj, orb.Point{116.41024449916938, 39.91640428150164}) > 1e-12 {
		t.Errorf("wgs84→gcj02 %v = %.15f, %v", in, gcj, err)
	}
	bd, err := geo.ConvertGeometry(in, geo.GCJ02, geo.BD09)
	if err != nil || maxDiff(bd.(orb.Point), orb.Point{116.41036949371029, 39.92133699351021}) > 1e-12 {
		t.Errorf("gcj02→bd09 %v = %.15f, %v", in, bd, err)
	}
	g, err := geo.ConvertGeometry(in, geo.BD09, geo.GCJ02)
	if err != nil || maxDiff(g.(orb.Point), orb.Point{116.39762729119315, 39.90865673957631}) > 1e-5 {
		t.Errorf("bd09→gcj02 %v = %.15f, %v", in, g, err)
	}
}

func TestCRSShapingbaOffsets(t *testing.T) {
	for _, p := range []orb.Point{{106.4, 29.6}, {106.456, 29.541}, {106.30, 29.70}, {106.37, 29.62}} {
		gcj, err := geo.FromWGS84(p, geo.GCJ02)
		if err != nil {
			t.Fatal(err)
		}
		dlon, dlat := gcj[0]-p[0], gcj[1]-p[1]
		d := geo.Distance(p, gcj)
		t.Logf("%v: GCJ-02 shift %+.6f° lon, %+.6f° lat, %.0f m", p, dlon, dlat, d)
		if dlon < 0.0035 || dlon > 0.0045 || dlat < -0.003 || dlat > -0.002 || d < 300 || d > 700 {
			t.Errorf("%v: GCJ-02 shift %+.6f, %+.6f (%.0f m), want about +0.004, -0.0025", p, dlon, dlat, d)
		}
		// Reading a GCJ-02 point as WGS84 is the same mistake the other way.
		w, err := geo.ToWGS84(p, geo.GCJ02)
		if err != nil {
			t.Fatal(err)
		}
		if l, a := w[0]-p[0], w[1]-p[1]; math.Abs(l+dlon) > 1e-4 || math.Abs(a+dlat) > 1e-4 {
			t.Errorf("%v: inverse shift %+.6f, %+.6f", p, l, a)
		}
		bd, err := geo.FromWGS84(p, geo.BD09)
		if err != nil {
			t.Fatal(err)
		}
		if l, a := bd[0]-gcj[0], bd[1]-gcj[1]; l < 0.005 || l > 0.008 || a < 0.004 || a > 0.008 {
			t.Errorf("%v: BD-09 − GCJ-02 = %+.6f, %+.6f", p, l, a)
		}
		// CGCS2000 is WGS84 here.
		for _, c := range []geo.CRS{geo.WGS84, geo.CGCS2000} {
			for _, f := range []func(orb.Point, geo.CRS) (orb.Point, error){geo.ToWGS84, geo.FromWGS84} {
				if q, err := f(p, c); err != nil || q != p {
					t.Errorf("%s: %v → %v, %v", c, p, q, err)
				}
			}
		}
	}
}

func TestCRSOutsideChinaUnchanged(t *testing.T) {
	for name, p := range map[string]orb.Point{
		"Tokyo": {139.6917, 35.6895}, "London": {-0.1276, 51.5072}, "New York": {-74.006, 40.7128},
		"Sydney": {151.2093, -33.8688}, "Moscow": {37.6173, 55.7558}, "Jakarta": {106.8456, -6.2088},
	} {
		for _, f := range []func(orb.Point, geo.CRS) (orb.Point, error){geo.ToWGS84, geo.FromWGS84} {
			q, err := f(p, geo.GCJ02)
			if err != nil || q != p {
				t.Errorf("%s %v: GCJ-02 conversion gave %v, %v; want unchanged", name, p, q, err)
			}
		}
		// BD-09 is shifted everywhere, but still round-trips.
		bd, err := geo.FromWGS84(p, geo.BD09)
		if err != nil {
			t.Fatal(err)
		}
		back, err := geo.ToWGS84(bd, geo.BD09)
		if err != nil || maxDiff(back, p) > 1e-9 {
			t.Errorf("%s: BD-09 round trip %v → %v → %v, %v", name, p, bd, back, err)
		}
	}
}

func TestCRSErrors(t *testing.T) {
	bad := []orb.Point{{math.NaN(), 29}, {106, math.Inf(-1)}, {181, 29}, {106, 91}, {-180.5, 0}, {29.6, 106.4}}
	for _, c := range []geo.CRS{geo.WGS84, geo.CGCS2000, geo.GCJ02, geo.BD09} {
		for _, p := range bad {
			for _, f := range []func(orb.Point, geo.CRS) (orb.Point, error){geo.ToWGS84, geo.FromWGS84} {
				_, err := f(p, c)
				var ve *geo.ValidationError
				if !errors.As(err, &ve) {
					t.Errorf("%s %v: error %v, want *ValidationError", c, p, err)
				}
			}
		}
	}
	if _, err := geo.ToWGS84(orb.Point{106, 29}, "mercator"); err == nil || !strings.Contains(err.Error(), "gcj02") {
		t.Errorf("unknown CRS: %v", err)
	}
	if _, err := geo.FromWGS84(orb.Point{106, 29}, ""); err == nil {
		t.Error("empty CRS accepted")
	}
	// Non-canonical spellings are accepted as CRS values too.
	a, err1 := geo.FromWGS84(orb.Point{106.4, 29.6}, "GCJ-02")
	b, err2 := geo.FromWGS84(orb.Point{106.4, 29.6}, geo.GCJ02)
	if err1 != nil || err2 != nil || a != b {
		t.Errorf("CRS(\"GCJ-02\"): %v %v, %v %v", a, err1, b, err2)
	}
	// Results outside the valid range are reported, not returned.
	if q, err := geo.FromWGS84(orb.Point{180, 10}, geo.BD09); err == nil {
		t.Errorf("BD-09 of the antimeridian gave %v", q)
	}
}

func TestConvertGeometry(t *testing.T) {
	p := func(dx, dy float64) orb.Point { return orb.Point{106.40 + dx, 29.60 + dy} }
	ring := orb.Ring{p(0, 0), p(0.01, 0), p(0.01, 0.01), p(0, 0.01), p(0, 0)}
	hole := orb.Ring{p(0.002, 0.002), p(0.002, 0.004), p(0.004, 0.004), p(0.004, 0.002), p(0.002, 0.002)}
	ls := orb.LineString{p(0, 0), p(0.02, 0.03), p(0.05, -0.01)}
	poly := orb.Polygon{ring, hole}
	geoms := []orb.Geometry{
		p(0, 0),
		orb.MultiPoint{p(0, 0), p(0.1, 0.1)},
		ls,
		orb.MultiLineString{ls, {p(1, 1), p(1.1, 1)}},
		ring,
		poly,
		orb.MultiPolygon{poly, {{p(1, 1), p(1.1, 1), p(1.1, 1.1), p(1, 1)}}},
		orb.Collection{p(0, 0), ls, orb.Collection{poly}},
		orb.LineString{},
		orb.MultiPolygon(nil),
	}
	for _, c := range []geo.CRS{geo.GCJ02, geo.BD09, geo.CGCS2000, geo.WGS84} {
		for _, g := range geoms {
			orig := orb.Clone(g)
			if orig == nil {
				orig = g // a nil slice cannot be modified
			}
			out, err := geo.ConvertGeometry(g, geo.WGS84, c)
			if err != nil {
				t.Fatalf("%s %T: %v", c, g, err)
			}
			if out.GeoJSONType() != g.GeoJSONType() || !sameShape(g, out) {
				t.Fatalf("%s %T: got %T of a different shape", c, g, out)
			}
			in, got := flatten(g), flatten(out)
			for i := range in {
				want, _ := geo.FromWGS84(in[i], c)
				if got[i] != want {
					t.Fatalf("%s %T: point %d = %v, want %v", c, g, i, got[i], want)
				}
			}
			// And back.
			back, err := geo.ConvertGeometry(out, c, geo.CGCS2000)
			if err != nil {
				t.Fatal(err)
			}
			for i, q := range flatten(back) {
				if maxDiff(q, in[i]) > 1e-9 {
					t.Fatalf("%s %T: point %d back as %v, want %v", c, g, i, q, in[i])
				}
			}
			// The result shares no memory with the input.
			zero(out)
			if !sameShape(g, orig) || !slices.Equal(flatten(g), flatten(orig)) {
				t.Fatalf("%s %T: input modified", c, g)
			}
		}
	}

	// A Bound becomes the bound of its converted corners.
	b := orb.Bound{Min: p(0, 0), Max: p(0.1, 0.05)}
	out, err := geo.ConvertGeometry(b, geo.WGS84, geo.GCJ02)
	if err != nil {
		t.Fatal(err)
	}
	ob := out.(orb.Bound)
	for _, corner := range []orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
		q, _ := geo.FromWGS84(corner, geo.GCJ02)
		if !ob.Contains(q) {
			t.Errorf("bound %v does not contain converted corner %v", ob, q)
		}
	}
	if maxDiff(ob.Min, b.Min) < 0.002 || maxDiff(ob.Min, b.Min) > 0.005 {
		t.Errorf("bound %v → %v", b, ob)
	}

	// Errors: a bad point anywhere, a bad CRS, nil.
	badPoly := orb.Polygon{{p(0, 0), p(0.01, 0), {math.NaN(), 29.6}, p(0, 0)}}
	for _, c := range []geo.CRS{geo.GCJ02, geo.WGS84} {
		if _, err := geo.ConvertGeometry(orb.Collection{ls, orb.MultiPolygon{badPoly}}, geo.WGS84, c); err == nil || !strings.Contains(geo.Reason(err), "NaN") {
			t.Errorf("%s: NaN vertex: %v", c, err)
		}
	}
	if _, err := geo.ConvertGeometry(ls, "gcj", "osgb36"); err == nil {
		t.Error("unknown target CRS accepted")
	}
	if _, err := geo.ConvertGeometry(nil, geo.GCJ02, geo.WGS84); err == nil {
		t.Error("nil geometry accepted")
	}
}

// flatten lists a geometry's points in order.
func flatten(g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch g := g.(type) {
	case orb.Point:
		out = append(out, g)
	case orb.MultiPoint:
		out = append(out, g...)
	case orb.LineString:
		out = append(out, g...)
	case orb.Ring:
		out = append(out, g...)
	case orb.MultiLineString:
		for _, x := range g {
			out = append(out, x...)
		}
	case orb.Polygon:
		for _, x := range g {
			out = append(out, x...)
		}
	case orb.MultiPolygon:
		for _, x := range g {
			out = append(out, flatten(x)...)
		}
	case orb.Collection:
		for _, x := range g {
			out = append(out, flatten(x)...)
		}
	}
	return out
}

// sameShape reports whether a and b have the same types and lengths all the way down.
func sameShape(a, b orb.Geometry) bool {
	switch a := a.(type) {
	case orb.Collection:
		b, ok := b.(orb.Collection)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameShape(a[i], b[i]) {
				return false
			}
		}
		return true
	case orb.MultiPolygon:
		b, ok := b.(orb.MultiPolygon)
		if !ok || len(a) != len(b) || (a == nil) != (b == nil) {
			return false
		}
		for i := range a {
			if !sameShape(a[i], b[i]) {
				return false
			}
		}
		return true
	case orb.Polygon:
		b, ok := b.(orb.Polygon)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if len(a[i]) != len(b[i]) {
				return false
			}
		}
		return true
	case orb.MultiLineString:
		b, ok := b.(orb.MultiLineString)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if len(a[i]) != len(b[i]) {
				return false
			}
		}
		return true
	}
	return len(flatten(a)) == len(flatten(b))
}

// zero overwrites every point of g in place.
func zero(g orb.Geometry) {
	set := func(s []orb.Point) {
		for i := range s {
			s[i] = orb.Point{-1, -1}
		}
	}
	switch g := g.(type) {
	case orb.MultiPoint:
		set(g)
	case orb.LineString:
		set(g)
	case orb.Ring:
		set(g)
	case orb.MultiLineString:
		for _, x := range g {
			set(x)
		}
	case orb.Polygon:
		for _, x := range g {
			set(x)
		}
	case orb.MultiPolygon:
		for _, x := range g {
			zero(x)
		}
	case orb.Collection:
		for _, x := range g {
			zero(x)
		}
	}
}

// readOutline reads the first feature of a GeoJSON file as a multipolygon.
func readOutline(t *testing.T, path string) orb.MultiPolygon {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil || len(fc.Features) == 0 {
		t.Fatalf("%s: no features (%v)", path, err)
	}
	switch g := fc.Features[0].Geometry.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}
	case orb.MultiPolygon:
		return g
	default:
		t.Fatalf("%s: geometry is %T, want a polygon", path, g)
	}
	return nil
}

// areaCentroid is the area-weighted centroid, computed in a local metric
// projection so that it is not skewed by degrees of unequal length.
func areaCentroid(mp orb.MultiPolygon, proj geo.LocalProjection) orb.Point {
	c, _ := planar.CentroidArea(proj.ForwardMultiPolygon(mp))
	return proj.Inverse(c)
}

// segmentDistance is the distance from p to the segment ab (planar).
func segmentDistance(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

// medianVertexDistance is the median distance in metres from the vertices of
// mp to the boundary of ref.
func medianVertexDistance(mp, ref orb.MultiPolygon, proj geo.LocalProjection) float64 {
	pm, pr := proj.ForwardMultiPolygon(mp), proj.ForwardMultiPolygon(ref)
	var ds []float64
	for _, poly := range pm {
		for _, ring := range poly {
			for _, v := range ring[:len(ring)-1] {
				best := math.Inf(1)
				for _, rpoly := range pr {
					for _, rring := range rpoly {
						for i := 1; i < len(rring); i++ {
							best = math.Min(best, segmentDistance(v, rring[i-1], rring[i]))
						}
					}
				}
				ds = append(ds, best)
			}
		}
	}
	slices.Sort(ds)
	n := len(ds)
	if n%2 == 1 {
		return ds[n/2]
	}
	return (ds[n/2-1] + ds[n/2]) / 2
}

// outlineCheck compares a candidate WGS84 outline with the reference and
// returns the measures and what is wrong, if anything.
func outlineCheck(cand, ref orb.MultiPolygon) (areaPct, centroidM float64, problems []string) {
	ar, ac := geo.Area(ref), geo.Area(cand)
	areaPct = 100 * (ac - ar) / ar
	proj := geo.NewLocalProjection(ref.Bound().Center())
	centroidM = geo.Distance(areaCentroid(cand, proj), areaCentroid(ref, proj))
	if math.Abs(areaPct) > 1 {
		problems = append(problems, "area differs by more than 1 %")
	}
	if centroidM > 100 {
		problems = append(problems, "centroids more than 100 m apart")
	}
	return areaPct, centroidM, problems
}

func TestShapingbaOutlineGCJ02ToWGS84(t *testing.T) {
	gcj := readOutline(t, refdata.TestOnly(t, "shapingba/district-outline.datav.gcj02.geojson"))
	tdt := readOutline(t, refdata.Shipped(t, "demo/data/district-outline.tianditu.wgs84.geojson"))

	g, err := geo.ConvertGeometry(gcj, geo.GCJ02, geo.WGS84)
	if err != nil {
		t.Fatal(err)
	}
	wgs := g.(orb.MultiPolygon)
	if err := geo.ValidateMultiPolygon(wgs); err != nil {
		t.Errorf("converted outline is invalid: %v", err)
	}
	proj := geo.NewLocalProjection(tdt.Bound().Center())

	areaPct, centroidM, problems := outlineCheck(wgs, tdt)
	t.Logf("Tianditu area %.2f km², converted DataV %.2f km² (%+.3f %%), centroid distance %.1f m",
		geo.Area(tdt)/1e6, geo.Area(wgs)/1e6, areaPct, centroidM)
	for _, p := range problems {
		t.Errorf("converted outline: %s", p)
	}

	before := medianVertexDistance(gcj, tdt, proj)
	after := medianVertexDistance(wgs, tdt, proj)
	t.Logf("median distance from the %d DataV vertices to the Tianditu ring: %.1f m unconverted, %.1f m converted",
		len(gcj[0][0])-1, before, after)
	if !(after < 100 && after < before/3) {
		t.Errorf("median vertex distance %.1f m converted vs %.1f m unconverted", after, before)
	}

	// The check has teeth: the raw GCJ-02 outline fails it.
	rawPct, rawCentroid, rawProblems := outlineCheck(gcj, tdt)
	t.Logf("unconverted GCJ-02 outline: area %+.3f %%, centroid distance %.1f m", rawPct, rawCentroid)
	if rawCentroid <= 300 || len(rawProblems) == 0 {
		t.Errorf("unconverted outline passes the check (centroid %.1f m off)", rawCentroid)
	}
}

package geo

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// CRS names a geographic coordinate reference system in which longitude,
// latitude pairs arrive. Chinese web maps publish obfuscated coordinates
// (GCJ-02 for Amap/Gaode and Tencent, BD-09 for Baidu) that are shifted by
// hundreds of metres from WGS84; the service stores WGS84.
type CRS string

// The supported coordinate reference systems.
const (
	// WGS84 is EPSG:4326, what GPS receivers and the service use.
	WGS84 CRS = "wgs84"
	// CGCS2000 is EPSG:4490, China's national datum; it differs from WGS84
	// by centimetres and is treated as identical.
	CGCS2000 CRS = "cgcs2000"
	// GCJ02 is the "Mars" coordinate system of Amap/Gaode, Tencent and most
	// other Chinese web maps.
	GCJ02 CRS = "gcj02"
	// BD09 is Baidu's coordinate system (BD-09 longitude/latitude, "bd09ll"),
	// a further shift of GCJ-02.
	BD09 CRS = "bd09"
)

// crsAliases maps lower-cased names to CRSs.
var crsAliases = map[string]CRS{
	"wgs84":                         WGS84,
	"wgs-84":                        WGS84,
	"wgs 84":                        WGS84,
	"epsg:4326":                     WGS84,
	"4326":                          WGS84,
	"crs84":                         WGS84,
	"ogc:crs84":                     WGS84,
	"urn:ogc:def:crs:ogc:1.3:crs84": WGS84,
	"urn:ogc:def:crs:epsg::4326":    WGS84,
	"gps":                           WGS84,
	"cgcs2000":                      CGCS2000,
	"cgcs-2000":                     CGCS2000,
	"epsg:4490":                     CGCS2000,
	"4490":                          CGCS2000,
	"urn:ogc:def:crs:epsg::4490":    CGCS2000,
	"tianditu":                      CGCS2000,
	"天地图":                           CGCS2000,
	"gcj02":                         GCJ02,
	"gcj-02":                        GCJ02,
	"gcj":                           GCJ02,
	"amap":                          GCJ02,
	"gaode":                         GCJ02,
	"autonavi":                      GCJ02,
	"tencent":                       GCJ02,
	"qq":                            GCJ02,
	"高德":                            GCJ02,
	"腾讯":                            GCJ02,
	"火星坐标":                          GCJ02,
	"bd09":                          BD09,
	"bd-09":                         BD09,
	"bd09ll":                        BD09,
	"baidu":                         BD09,
	"百度":                            BD09,
}

const crsAccepted = "wgs84 (EPSG:4326), cgcs2000 (EPSG:4490), gcj02 (gcj-02, amap, gaode, tencent), bd09 (bd-09, baidu)"

// ParseCRS returns the CRS named by s, case-insensitively: wgs84, cgcs2000,
// gcj02, bd09 and common aliases (EPSG:4326, 4326, EPSG:4490, gcj-02, bd-09,
// amap, gaode, tencent, baidu...). Otherwise it returns a *ValidationError
// listing the accepted values.
func ParseCRS(s string) (CRS, error) {
	if c, ok := crsAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return c, nil
	}
	if strings.TrimSpace(s) == "" {
		return "", invalid(
			"未指定坐标系；可用的取值："+crsAccepted,
			"no coordinate reference system given; accepted values: "+crsAccepted, nil)
	}
	return "", invalid(
		fmt.Sprintf("不支持的坐标系 %q；可用的取值：%s", s, crsAccepted),
		fmt.Sprintf("unsupported coordinate reference system %q; accepted values: %s", s, crsAccepted), nil)
}

// resolve returns c itself when it is one of the constants, else ParseCRS(c).
func (c CRS) resolve() (CRS, error) {
	switch c {
	case WGS84, CGCS2000, GCJ02, BD09:
		return c, nil
	}
	return ParseCRS(string(c))
}

// ToWGS84 converts p (longitude, latitude) from the given CRS to WGS84. The
// inverse of the GCJ-02 and BD-09 obfuscations is computed by iterating the
// forward transform to within 1e-10° (about 10 µm). p must be finite and in
// range (CheckPoint); an unknown CRS or a point that cannot be converted
// gives a *ValidationError.
func ToWGS84(p orb.Point, from CRS) (orb.Point, error) {
	f, err := crsFunc(from, WGS84)
	if err != nil {
		return orb.Point{}, err
	}
	return f(p)
}

// FromWGS84 converts p (longitude, latitude) from WGS84 to the given CRS.
// p must be finite and in range (CheckPoint).
func FromWGS84(p orb.Point, to CRS) (orb.Point, error) {
	f, err := crsFunc(WGS84, to)
	if err != nil {
		return orb.Point{}, err
	}
	return f(p)
}

// ConvertGeometry returns a copy of g with every coordinate converted from
// one CRS to another. It handles every orb geometry type (a Bound becomes
// the bound of its four converted corners) and never modifies g; every point
// is checked even when from and to are the same.
func ConvertGeometry(g orb.Geometry, from, to CRS) (orb.Geometry, error) {
	f, err := crsFunc(from, to)
	if err != nil {
		return nil, err
	}
	return convertGeometry(g, f)
}

type pointFunc func(orb.Point) (orb.Point, error)

// crsFunc returns the checked point conversion from one CRS to another.
func crsFunc(from, to CRS) (pointFunc, error) {
	from, err := from.resolve()
	if err != nil {
		return nil, err
	}
	to, err = to.resolve()
	if err != nil {
		return nil, err
	}
	var toWGS, fromWGS func(orb.Point) (orb.Point, bool)
	switch from {
	case GCJ02:
		toWGS = gcjToWGS
	case BD09:
		toWGS = bdToWGS
	}
	switch to {
	case GCJ02:
		fromWGS = func(p orb.Point) (orb.Point, bool) { return wgsToGCJ(p), true }
	case BD09:
		fromWGS = func(p orb.Point) (orb.Point, bool) { return gcjToBD(wgsToGCJ(p)), true }
	}
	if from == to {
		toWGS, fromWGS = nil, nil
	}
	return func(p orb.Point) (orb.Point, error) {
		if err := CheckPoint(p); err != nil {
			return orb.Point{}, err
		}
		q := p
		ok := true
		if toWGS != nil {
			q, ok = toWGS(q)
		}
		if ok && fromWGS != nil {
			q, ok = fromWGS(q)
		}
		if !ok {
			return orb.Point{}, invalid(
				fmt.Sprintf("无法把坐标 (%g, %g) 从 %s 转换到 %s（迭代不收敛）", p[0], p[1], from, to),
				fmt.Sprintf("cannot convert coordinate (%g, %g) from %s to %s (the inverse transform does not converge)", p[0], p[1], from, to),
				nil)
		}
		if CheckPoint(q) != nil {
			return orb.Point{}, invalid(
				fmt.Sprintf("坐标 (%g, %g) 从 %s 转换到 %s 后超出经纬度范围", p[0], p[1], from, to),
				fmt.Sprintf("coordinate (%g, %g) converted from %s to %s falls outside longitude [-180, 180], latitude [-90, 90]", p[0], p[1], from, to),
				nil)
		}
		return q, nil
	}, nil
}

func convertGeometry(g orb.Geometry, f pointFunc) (orb.Geometry, error) {
	switch g := g.(type) {
	case orb.Point:
		return f(g)
	case orb.MultiPoint:
		return convertPoints(g, f)
	case orb.LineString:
		return convertPoints(g, f)
	case orb.Ring:
		return convertPoints(g, f)
	case orb.MultiLineString:
		if g == nil {
			return g, nil
		}
		out := make(orb.MultiLineString, len(g))
		for i, ls := range g {
			c, err := convertPoints(ls, f)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case orb.Polygon:
		return convertPolygon(g, f)
	case orb.MultiPolygon:
		if g == nil {
			return g, nil
		}
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			c, err := convertPolygon(p, f)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case orb.Collection:
		if g == nil {
			return g, nil
		}
		out := make(orb.Collection, len(g))
		for i, sub := range g {
			c, err := convertGeometry(sub, f)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case orb.Bound:
		var out orb.Bound
		corners := [4]orb.Point{g.Min, g.Max, {g.Min[0], g.Max[1]}, {g.Max[0], g.Min[1]}}
		for i, c := range corners {
			q, err := f(c)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				out = q.Bound()
			} else {
				out = out.Extend(q)
			}
		}
		return out, nil
	case nil:
		return nil, invalid("几何对象为空（nil）", "geometry is nil", nil)
	}
	return nil, invalid(
		fmt.Sprintf("不支持的几何类型 %T", g),
		fmt.Sprintf("unsupported geometry type %T", g), nil)
}

func convertPoints[S ~[]orb.Point](s S, f pointFunc) (S, error) {
	if s == nil {
		return nil, nil
	}
	out := make(S, len(s))
	for i, p := range s {
		q, err := f(p)
		if err != nil {
			return nil, err
		}
		out[i] = q
	}
	return out, nil
}

func convertPolygon(p orb.Polygon, f pointFunc) (orb.Polygon, error) {
	if p == nil {
		return nil, nil
	}
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		c, err := convertPoints(r, f)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// The public GCJ-02 algorithm: an offset computed on the Krasovsky 1940
// ellipsoid, applied only inside a rough box around China.
const (
	gcjA  = 6378245.0
	gcjEE = 0.00669342162296594323
	// bdXPi is the constant of the BD-09 formulas.
	bdXPi = math.Pi * 3000.0 / 180.0
	// crsTolerance is where the inverse iterations stop, in degrees.
	crsTolerance = 1e-10
	crsMaxIter   = 50
	// gcjMaxShift bounds the GCJ-02 offset inside its box (it is below
	// 0.012°); farther than this outside the box nothing can map in.
	gcjMaxShift = 0.05
)

// gcjOutside reports whether p lies outside the box in which GCJ-02 shifts
// points, grown by margin degrees.
func gcjOutside(p orb.Point, margin float64) bool {
	return p[0] < 72.004-margin || p[0] > 137.8347+margin ||
		p[1] < 0.8293-margin || p[1] > 55.8271+margin
}

// gcjShift returns the GCJ-02 offset (Δlon, Δlat in degrees) at the WGS84
// point p, ignoring the box.
func gcjShift(p orb.Point) (float64, float64) {
	x, y := p[0]-105.0, p[1]-35.0
	dLat := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	dLat += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLat += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	dLat += (160.0*math.Sin(y/12.0*math.Pi) + 320.0*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	dLon := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	dLon += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLon += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	dLon += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	radLat := p[1] / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - gcjEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (gcjA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLon, dLat
}

// wgsToGCJ is the forward GCJ-02 transform; points outside China are
// returned unchanged.
func wgsToGCJ(p orb.Point) orb.Point {
	if gcjOutside(p, 0) {
		return p
	}
	dLon, dLat := gcjShift(p)
	return orb.Point{p[0] + dLon, p[1] + dLat}
}

// gcjToWGS inverts wgsToGCJ by fixed-point iteration w ← g − shift(w), which
// contracts by a factor of about 1e-3 per step. If the iteration lands
// outside the box, g is returned unchanged: outside the box GCJ-02 is WGS84
// (in strips a few hundred metres wide along the box's edges, all outside
// China, no exact preimage exists and g is the nearest answer).
func gcjToWGS(g orb.Point) (orb.Point, bool) {
	if gcjOutside(g, gcjMaxShift) {
		return g, true
	}
	w := g
	for range crsMaxIter {
		dLon, dLat := gcjShift(w)
		next := orb.Point{g[0] - dLon, g[1] - dLat}
		// |next − w| is the residual |wgsToGCJ(w) − g| of the previous w.
		step := math.Max(math.Abs(next[0]-w[0]), math.Abs(next[1]-w[1]))
		w = next
		if step < crsTolerance {
			if gcjOutside(w, 0) {
				return g, true
			}
			return w, true
		}
	}
	return orb.Point{}, false
}

// gcjToBD is the forward BD-09 transform (applied everywhere, as Baidu's
// published conversions do).
func gcjToBD(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// bdToGCJ inverts gcjToBD: the usual approximate inverse, refined by the
// iteration w ← w − (gcjToBD(w) − b).
func bdToGCJ(b orb.Point) (orb.Point, bool) {
	x, y := b[0]-0.0065, b[1]-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	w := orb.Point{z * math.Cos(theta), z * math.Sin(theta)}
	for range crsMaxIter {
		f := gcjToBD(w)
		ex, ey := f[0]-b[0], f[1]-b[1]
		if math.Max(math.Abs(ex), math.Abs(ey)) < crsTolerance {
			return w, true
		}
		w = orb.Point{w[0] - ex, w[1] - ey}
		if math.IsNaN(w[0]) || math.IsNaN(w[1]) {
			return orb.Point{}, false
		}
	}
	return orb.Point{}, false
}

func bdToWGS(b orb.Point) (orb.Point, bool) {
	g, ok := bdToGCJ(b)
	if !ok {
		return g, false
	}
	return gcjToWGS(g)
}

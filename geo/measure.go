package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// WGS84 ellipsoid (CGCS2000 differs from it by 0.1 mm in the semi-minor axis).
const (
	wgs84A  = 6378137.0
	wgs84F  = 1 / 298.257223563
	wgs84E2 = wgs84F * (2 - wgs84F)
	// MeanEarthRadius is the IUGG mean radius, in metres.
	MeanEarthRadius = 6371008.8
	degToRad        = math.Pi / 180
)

// radii returns the meridional (M) and prime-vertical (N) radii of curvature
// of the WGS84 ellipsoid at latitude lat (degrees), in metres.
func radii(lat float64) (m, n float64) {
	s := math.Sin(lat * degToRad)
	w := 1 - wgs84E2*s*s
	n = wgs84A / math.Sqrt(w)
	m = wgs84A * (1 - wgs84E2) / (w * math.Sqrt(w))
	return m, n
}

// Distance returns the distance between two points on the WGS84 ellipsoid in
// metres. Below 100 km it uses the ellipsoid's radii of curvature at the mean
// latitude, which agrees with PostGIS ST_Distance(geography) to about 1e-5;
// farther it falls back to the haversine formula on the mean sphere.
func Distance(a, b orb.Point) float64 {
	mlat := (a[1] + b[1]) / 2
	m, n := radii(mlat)
	dx := (b[0] - a[0]) * degToRad * n * math.Cos(mlat*degToRad)
	dy := (b[1] - a[1]) * degToRad * m
	d := math.Hypot(dx, dy)
	if d < 100_000 {
		return d
	}
	la1, la2 := a[1]*degToRad, b[1]*degToRad
	dla := la2 - la1
	dlo := (b[0] - a[0]) * degToRad
	h := math.Sin(dla/2)*math.Sin(dla/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dlo/2)*math.Sin(dlo/2)
	return 2 * MeanEarthRadius * math.Atan2(math.Sqrt(h), math.Sqrt(1-h))
}

// Length returns the length of a linear geometry in metres (sum of Distance
// over its segments); polygons count their rings.
func Length(g orb.Geometry) float64 {
	switch g := g.(type) {
	case orb.LineString:
		return lineLength(g)
	case orb.Ring:
		return lineLength(orb.LineString(g))
	case orb.MultiLineString:
		s := 0.0
		for _, ls := range g {
			s += lineLength(ls)
		}
		return s
	case orb.Polygon:
		s := 0.0
		for _, r := range g {
			s += lineLength(orb.LineString(r))
		}
		return s
	case orb.MultiPolygon:
		s := 0.0
		for _, p := range g {
			s += Length(p)
		}
		return s
	}
	return 0
}

func lineLength(ls orb.LineString) float64 {
	s := 0.0
	for i := 1; i < len(ls); i++ {
		s += Distance(ls[i-1], ls[i])
	}
	return s
}

// Area returns the area of a polygonal geometry on the WGS84 ellipsoid in m².
// Each vertex is mapped by a sinusoidal (equal-area) projection scaled by the
// ellipsoid's radii at the geometry's mean latitude, so at district scale it
// agrees with PostGIS ST_Area(geography) to about 1e-4.
func Area(g orb.Geometry) float64 {
	if g == nil {
		return 0
	}
	b := g.Bound()
	lat0 := (b.Min[1] + b.Max[1]) / 2
	lon0 := (b.Min[0] + b.Max[0]) / 2
	m, n := radii(lat0)
	// Sinusoidal: x = Δλ·N₀·cos φ, y = Δφ·M₀, whose area element N₀M₀cos φ
	// differs from the ellipsoid's N·M·cos φ by O(e²·Δφ), about 1e-5 here.
	proj := func(p orb.Point) (float64, float64) {
		x := (p[0] - lon0) * degToRad * n * math.Cos(p[1]*degToRad)
		y := (p[1] - lat0) * degToRad * m
		return x, y
	}
	ringArea := func(r orb.Ring) float64 {
		s := 0.0
		for i := 0; i+1 < len(r); i++ {
			x1, y1 := proj(r[i])
			x2, y2 := proj(r[i+1])
			s += x1*y2 - x2*y1
		}
		return math.Abs(s) / 2
	}
	polyArea := func(p orb.Polygon) float64 {
		if len(p) == 0 {
			return 0
		}
		a := ringArea(p[0])
		for _, h := range p[1:] {
			a -= ringArea(h)
		}
		return a
	}
	switch g := g.(type) {
	case orb.Polygon:
		return polyArea(g)
	case orb.MultiPolygon:
		s := 0.0
		for _, p := range g {
			s += polyArea(p)
		}
		return s
	case orb.Ring:
		return ringArea(g)
	}
	return 0
}

// LocalProjection is an equirectangular projection about a reference point
// with the ellipsoid's radii of curvature there: x, y in metres east and north.
// Over a district (tens of km) its distance error is below 0.1 %, which is
// what metric indexes need.
type LocalProjection struct {
	Origin orb.Point
	kx, ky float64 // metres per degree
}

// NewLocalProjection returns the projection about origin.
func NewLocalProjection(origin orb.Point) LocalProjection {
	m, n := radii(origin[1])
	return LocalProjection{
		Origin: origin,
		kx:     n * math.Cos(origin[1]*degToRad) * degToRad,
		ky:     m * degToRad,
	}
}

// Forward maps lon, lat to metres.
func (p LocalProjection) Forward(pt orb.Point) orb.Point {
	return orb.Point{(pt[0] - p.Origin[0]) * p.kx, (pt[1] - p.Origin[1]) * p.ky}
}

// Inverse maps metres to lon, lat.
func (p LocalProjection) Inverse(xy orb.Point) orb.Point {
	return orb.Point{p.Origin[0] + xy[0]/p.kx, p.Origin[1] + xy[1]/p.ky}
}

// ForwardMultiPolygon projects every vertex.
func (p LocalProjection) ForwardMultiPolygon(mp orb.MultiPolygon) orb.MultiPolygon {
	return mapMultiPolygon(mp, p.Forward)
}

// InverseMultiPolygon unprojects every vertex.
func (p LocalProjection) InverseMultiPolygon(mp orb.MultiPolygon) orb.MultiPolygon {
	return mapMultiPolygon(mp, p.Inverse)
}

func mapMultiPolygon(mp orb.MultiPolygon, f func(orb.Point) orb.Point) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, poly := range mp {
		out[i] = make(orb.Polygon, len(poly))
		for j, ring := range poly {
			r := make(orb.Ring, len(ring))
			for k, pt := range ring {
				r[k] = f(pt)
			}
			out[i][j] = r
		}
	}
	return out
}

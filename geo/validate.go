package geo

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// ValidationError says why a geometry is invalid, in Chinese and English,
// and where when it is known.
type ValidationError struct {
	Reason   string // Chinese
	ReasonEN string
	Where    *orb.Point
}

func (e *ValidationError) Error() string {
	if e.Where != nil {
		return fmt.Sprintf("%s (near %.7f, %.7f)", e.ReasonEN, e.Where[0], e.Where[1])
	}
	return e.ReasonEN
}

// Reason returns the Chinese reason of a *ValidationError in err's chain, with
// its location, or err's text.
func Reason(err error) string {
	var ve *ValidationError
	if errors.As(err, &ve) {
		if ve.Where != nil {
			return fmt.Sprintf("%s（位于 %.7f, %.7f 附近）", ve.Reason, ve.Where[0], ve.Where[1])
		}
		return ve.Reason
	}
	return err.Error()
}

func invalid(zh, en string, where *orb.Point) error {
	return &ValidationError{Reason: zh, ReasonEN: en, Where: where}
}

// CheckPoint checks that p is a finite longitude, latitude pair in range.
func CheckPoint(p orb.Point) error {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
		return invalid("坐标含有 NaN 或无穷大", "coordinate is NaN or infinite", nil)
	}
	if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
		return invalid(
			fmt.Sprintf("坐标 (%g, %g) 超出经度 [-180, 180]、纬度 [-90, 90] 的范围（是否使用了投影坐标或把经纬度写反了？）", p[0], p[1]),
			fmt.Sprintf("coordinate (%g, %g) is outside longitude [-180, 180], latitude [-90, 90] (projected coordinates, or latitude and longitude swapped?)", p[0], p[1]),
			nil)
	}
	return nil
}

// ValidateMultiPolygon checks a multipolygon by the OGC simple-features rules:
// finite coordinates in range, closed rings of at least four points, no
// self-intersection, holes inside their shell, parts not overlapping.
func ValidateMultiPolygon(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return invalid("面为空", "polygon is empty", nil)
	}
	for _, poly := range mp {
		if len(poly) == 0 {
			return invalid("多面中含有空的面", "multipolygon has an empty polygon", nil)
		}
		for ri, ring := range poly {
			for _, p := range ring {
				if err := CheckPoint(p); err != nil {
					return err
				}
			}
			if len(ring) < 4 {
				w := firstPoint(ring)
				return invalid("面的环少于 4 个点", "polygon ring has fewer than 4 points", w)
			}
			if ring[0] != ring[len(ring)-1] {
				w := ring[0]
				return invalid("面的环未闭合（首尾点不同）", "polygon ring is not closed (first and last points differ)", &w)
			}
			_ = ri
		}
	}
	if err := ToSF(mp).Validate(); err != nil {
		return sfReason(err)
	}
	return nil
}

func firstPoint(r orb.Ring) *orb.Point {
	if len(r) == 0 {
		return nil
	}
	p := r[0]
	return &p
}

// sfReason translates a simplefeatures validation error. simplefeatures has
// no exported error kinds, so its (stable, documented) rule texts are matched.
func sfReason(err error) error {
	msg := err.Error()
	var where *orb.Point
	if i := strings.Index(msg, "(at or near "); i >= 0 {
		var x, y float64
		if _, serr := fmt.Sscanf(msg[i:], "(at or near POINT(%g %g))", &x, &y); serr == nil {
			where = &orb.Point{x, y}
		} else if _, serr := fmt.Sscanf(msg[i:], "(at or near %g,%g)", &x, &y); serr == nil {
			where = &orb.Point{x, y}
		}
	}
	rules := []struct{ key, zh, en string }{
		{"ring not simple", "面的边界自相交", "polygon ring self-intersects"},
		{"nested rings", "面的环相互嵌套", "polygon rings are nested"},
		{"interior ring outside", "内环（洞）在外环之外", "interior ring (hole) lies outside the exterior ring"},
		{"disconnected interior", "面的内部不连通（洞把面切断了）", "polygon interior is disconnected"},
		{"rings intersect at multiple points", "面的环在多个点相交", "polygon rings intersect at more than one point"},
		{"child polygons touch at multiple points", "多面中的面相互重叠或共边", "polygons of the multipolygon overlap or share an edge"},
		{"only one distinct XY", "面的环只有一个不同的点", "polygon ring has only one distinct point"},
		{"ring not closed", "面的环未闭合", "polygon ring is not closed"},
		{"ring empty", "面的环为空", "polygon ring is empty"},
	}
	for _, r := range rules {
		if strings.Contains(msg, r.key) {
			return invalid(r.zh, r.en, where)
		}
	}
	return invalid("面无效："+msg, "invalid polygon: "+msg, where)
}

// Reasons returns the Chinese and English reasons of a *ValidationError in
// err's chain (with its location), or err's text twice.
func Reasons(err error) (zh, en string) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return Reason(err), ve.Error()
	}
	return err.Error(), err.Error()
}

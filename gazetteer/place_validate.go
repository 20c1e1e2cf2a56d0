package gazetteer

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/geo"
)

// Limits on place records.
const (
	MaxPlaceText  = 5000 // meaning, origin, history, description
	MaxPlaceNames = 20   // aliases, former names
)

func placeErr(p Place, zh, en string, args ...any) error {
	who := p.Name
	if p.ID != 0 {
		who = fmt.Sprintf("%s（#%d）", p.Name, p.ID)
	}
	e := diming.Errorf(diming.EINVALID, zh, en, args...)
	e.Message = "地名 " + who + "：" + e.Message
	e.MessageEN = "place " + who + ": " + e.MessageEN
	return e
}

// Validate checks a place record before it is stored: names, category,
// division code, geometry, dates and text fields. Whether the division exists
// and contains the geometry is checked by callers that have the read model.
func (p Place) Validate() error {
	if err := CheckName(p.Name); err != nil {
		e := err.(*diming.Error)
		return placeErr(p, "名称%s", "name %s", e.Message)
	}
	if p.Specific == "" || p.Specific+p.Generic != p.Name {
		return placeErr(p, "专名 %q 加通名 %q 应等于标准名称", "specific %q + generic %q must equal the name", p.Specific, p.Generic)
	}
	for _, list := range [][]string{p.Aliases, p.FormerNames} {
		if len(list) > MaxPlaceNames {
			return placeErr(p, "别名或曾用名超过 %d 个", "more than %d aliases or former names", MaxPlaceNames)
		}
		for _, n := range list {
			if err := CheckName(n); err != nil {
				return placeErr(p, "别名或曾用名 %q 无效", "alias or former name %q is invalid", n)
			}
		}
	}
	if _, err := CategoryByCode(p.Category); err != nil {
		return placeErr(p, "类别代码 %q 不存在", "unknown category code %q", p.Category)
	}
	if code, err := NormalizeCode(p.DivisionCode); err != nil || code != p.DivisionCode {
		return placeErr(p, "所在政区代码 %q 必须为 12 位数字", "division code %q must have 12 digits", p.DivisionCode)
	}
	if err := ValidatePlaceGeometry(p.Geometry); err != nil {
		zh, en := geo.Reasons(err)
		return placeErr(p, "位置无效：%[1]s", "invalid location: %[2]s", zh, en)
	}
	if !validRomanization(p.Romanization) {
		return placeErr(p, "罗马字母拼写 %q 只能含拉丁字母、空格、隔音符号和连字符", "romanization %q may contain only Latin letters, spaces, apostrophes and hyphens", p.Romanization)
	}
	for _, f := range []struct{ name, v string }{{"含义", p.Meaning}, {"来历", p.Origin}, {"历史沿革", p.History}, {"概况", p.Description}, {"批准机关", p.ApprovedBy}, {"来源", p.Source}} {
		if utf8.RuneCountInString(f.v) > MaxPlaceText || !utf8.ValidString(f.v) || strings.ContainsFunc(f.v, badControl) {
			return placeErr(p, "%s超过 %d 字或含有控制字符", "%[1]s is longer than %[2]d characters or has control characters", f.name, MaxPlaceText)
		}
	}
	var named, cancelled time.Time
	for _, d := range []struct {
		name string
		v    string
		t    *time.Time
	}{{"命名日期", p.NamedOn, &named}, {"注销日期", p.CancelledOn, &cancelled}, {"批准日期", p.ApprovedOn, nil}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.v)
		if err != nil || t.Year() < 1000 {
			return placeErr(p, "%s %q 应为 YYYY-MM-DD", "%[1]s %[2]q must be YYYY-MM-DD", d.name, d.v)
		}
		if d.t != nil {
			*d.t = t
		}
	}
	if !named.IsZero() && !cancelled.IsZero() && cancelled.Before(named) {
		return placeErr(p, "注销日期早于命名日期", "cancelled before it was named")
	}
	return nil
}

func badControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }

func validRomanization(s string) bool {
	if len(s) > 200 {
		return false
	}
	for _, r := range s {
		if !(r == ' ' || r == '\'' || r == '-' || unicode.Is(unicode.Latin, r)) {
			return false
		}
	}
	return true
}

// ValidatePlaceGeometry accepts points, lines and polygons (and their multi
// forms) with finite WGS84 coordinates, lines of two or more distinct points
// and valid polygons.
func ValidatePlaceGeometry(g orb.Geometry) error {
	points := func(ps []orb.Point) error {
		for _, p := range ps {
			if err := geo.CheckPoint(p); err != nil {
				return err
			}
		}
		return nil
	}
	line := func(ls orb.LineString) error {
		if err := points(ls); err != nil {
			return err
		}
		if len(ls) < 2 || ls.Bound().IsEmpty() {
			return &geo.ValidationError{Reason: "线至少要有两个不同的点", ReasonEN: "a line needs two distinct points"}
		}
		return nil
	}
	switch g := g.(type) {
	case nil:
		return &geo.ValidationError{Reason: "缺少位置", ReasonEN: "no location"}
	case orb.Point:
		return geo.CheckPoint(g)
	case orb.MultiPoint:
		if len(g) == 0 {
			return &geo.ValidationError{Reason: "多点为空", ReasonEN: "empty multipoint"}
		}
		return points(g)
	case orb.LineString:
		return line(g)
	case orb.MultiLineString:
		if len(g) == 0 {
			return &geo.ValidationError{Reason: "多线为空", ReasonEN: "empty multilinestring"}
		}
		for _, ls := range g {
			if err := line(ls); err != nil {
				return err
			}
		}
		return nil
	case orb.Polygon:
		return geo.ValidateMultiPolygon(orb.MultiPolygon{g})
	case orb.MultiPolygon:
		return geo.ValidateMultiPolygon(g)
	}
	return &geo.ValidationError{Reason: fmt.Sprintf("不支持的几何类型 %s", g.GeoJSONType()), ReasonEN: fmt.Sprintf("unsupported geometry type %s", g.GeoJSONType())}
}

// Record is how a place is written into its history and the audit log: every
// field but UpdatedAt, with the geometry as GeoJSON.
func (p Place) Record() json.RawMessage {
	if p.Aliases == nil {
		p.Aliases = []string{}
	}
	if p.FormerNames == nil {
		p.FormerNames = []string{}
	}
	rec := struct {
		Place
		UpdatedAt struct{}          `json:"updated_at,omitzero"`
		Geometry  *geojson.Geometry `json:"geometry"`
	}{Place: p, Geometry: geojson.NewGeometry(p.Geometry)}
	b, err := json.Marshal(rec)
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}

// SamePlace says whether two records differ in anything but id, version and time.
func SamePlace(a, b Place) bool {
	a.ID, a.Version, b.ID, b.Version = 0, 0, 0, 0
	return string(a.Record()) == string(b.Record())
}

// ValidatePlaces checks a batch before a store writes it.
func ValidatePlaces(actor diming.Actor, ps []Place) error {
	if strings.TrimSpace(string(actor)) == "" {
		return diming.Errorf(diming.EINVALID, "写入须注明操作人", "a write must name its actor")
	}
	seen := map[int64]bool{}
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			return err
		}
		if p.ID < 0 {
			return placeErr(p, "编号不能为负", "negative id")
		}
		if p.ID > 0 && seen[p.ID] {
			return placeErr(p, "同一批数据中出现了两次", "appears twice in one batch")
		}
		seen[p.ID] = true
	}
	return nil
}

// PlaceChange is what writing a place over its stored record means.
type PlaceChange struct {
	Action string          // "create" or "update"; "" when nothing changes
	Before json.RawMessage // the stored record, for the audit log
	Place  Place           // the place to write, with its new version
}

// ChangePlace decides what a store does with p: old is the stored record
// (nil for a new place). A p.Version that is set and differs from the stored
// one is a conflict: someone else changed the record since p was read.
func ChangePlace(old *Place, p Place) (PlaceChange, error) {
	if old == nil {
		p.Version = 1
		return PlaceChange{Action: "create", Place: p}, nil
	}
	if p.Version != 0 && p.Version != old.Version {
		return PlaceChange{}, diming.Errorf(diming.ECONFLICT, "地名 %s（#%d）已被他人修改（当前第 %d 版，提交基于第 %d 版）",
			"place %s (#%d) was changed by someone else (now version %d, change based on %d)", p.Name, p.ID, old.Version, p.Version)
	}
	if SamePlace(*old, p) {
		return PlaceChange{Place: *old}, nil
	}
	p.Version = old.Version + 1
	return PlaceChange{Action: "update", Before: old.Record(), Place: p}, nil
}

package gazetteer

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"diming"
	"diming/geo"
)

// Marker is a boundary marker (界桩) standing on a boundary line.
type Marker struct {
	ID     int64     `json:"id"`
	Number string    `json:"number"` // e.g. 沙坪坝-001
	Kind   string    `json:"kind"`   // single, double, triple (单面、双面、三面)
	LineID string    `json:"line_id"`
	Level  Level     `json:"level"`
	Point  orb.Point `json:"-"`
	SetOn  string    `json:"set_on,omitempty"`
	State  string    `json:"state"` // intact, damaged, missing, moved
	Note   string    `json:"note,omitempty"`
	// Version is checked on updates (a stale one conflicts).
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Inspection is one visit to a marker.
type Inspection struct {
	ID          int64     `json:"id"`
	MarkerID    int64     `json:"marker_id"`
	InspectedOn string    `json:"inspected_on"`
	State       string    `json:"state"`
	Note        string    `json:"note,omitempty"`
	Inspector   string    `json:"inspector"`
	CreatedAt   time.Time `json:"created_at"`
}

// MarkerKinds and MarkerStates are the allowed values, with their Chinese names.
var (
	MarkerKinds  = map[string]string{"single": "单面", "double": "双面", "triple": "三面"}
	MarkerStates = map[string]string{"intact": "完好", "damaged": "损坏", "missing": "丢失", "moved": "移位"}
)

// DefaultMarkerToleranceM is how far from its line a marker may stand
// before the check lists it.
const DefaultMarkerToleranceM = 5.0

// MarkerStore keeps markers and their inspections; writes are audited.
type MarkerStore interface {
	Markers(ctx context.Context) ([]Marker, error)
	Marker(ctx context.Context, id int64) (Marker, error)
	// PutMarker creates (ID 0) or updates a marker; ECONFLICT for a taken
	// number or a stale version.
	PutMarker(ctx context.Context, actor diming.Actor, m Marker) (Marker, error)
	// AddInspection records a visit and sets the marker's state to what was found.
	AddInspection(ctx context.Context, actor diming.Actor, in Inspection) (Inspection, error)
	Inspections(ctx context.Context, markerID int64) ([]Inspection, error)
}

// ValidateMarker checks a marker's fields (whether its line exists is the
// caller's business, with the read model).
func ValidateMarker(m Marker) error {
	if n := strings.TrimSpace(m.Number); n == "" || n != m.Number || utf8.RuneCountInString(n) > 40 || strings.ContainsFunc(n, badControl) {
		return diming.Errorf(diming.EINVALID, "界桩编号应为 1 至 40 个字符，首尾无空白", "a marker number is 1 to 40 characters without surrounding space")
	}
	if _, ok := MarkerKinds[m.Kind]; !ok {
		return diming.Errorf(diming.EINVALID, "界桩类型 %q 无效：single（单面）、double（双面）或 triple（三面）", "invalid marker kind %q: single, double or triple", m.Kind)
	}
	if _, ok := MarkerStates[m.State]; !ok {
		return diming.Errorf(diming.EINVALID, "界桩状态 %q 无效：intact（完好）、damaged（损坏）、missing（丢失）或 moved（移位）", "invalid marker state %q: intact, damaged, missing or moved", m.State)
	}
	if _, err := ParseLevel(string(m.Level)); err != nil {
		return err
	}
	if err := geo.CheckPoint(m.Point); err != nil {
		zh, en := geo.Reasons(err)
		return diming.Errorf(diming.EINVALID, "界桩位置无效：%[1]s", "invalid marker position: %[2]s", zh, en)
	}
	if m.SetOn != "" {
		if _, err := time.Parse(time.DateOnly, m.SetOn); err != nil {
			return diming.Errorf(diming.EINVALID, "埋设日期 %q 应为 YYYY-MM-DD", "set_on %q must be YYYY-MM-DD", m.SetOn)
		}
	}
	if utf8.RuneCountInString(m.Note) > 2000 || strings.ContainsFunc(m.Note, badControl) {
		return diming.Errorf(diming.EINVALID, "备注过长或含有控制字符", "note too long or with control characters")
	}
	return nil
}

// DistanceToLine is the distance in metres from p to the nearest point of
// line, measured in a local projection about p.
func DistanceToLine(p orb.Point, line orb.MultiLineString) float64 {
	proj := geo.NewLocalProjection(p)
	best := math.Inf(1)
	for _, ls := range line {
		for i := 1; i < len(ls); i++ {
			a, b := proj.Forward(ls[i-1]), proj.Forward(ls[i])
			dx, dy := b[0]-a[0], b[1]-a[1]
			t := 0.0
			if l := dx*dx + dy*dy; l > 0 {
				t = math.Max(0, math.Min(1, -(a[0]*dx+a[1]*dy)/l))
			}
			best = math.Min(best, math.Hypot(a[0]+t*dx, a[1]+t*dy))
		}
	}
	return best
}

// ValidateInspection checks a visit record.
func ValidateInspection(in Inspection) error {
	if _, ok := MarkerStates[in.State]; !ok {
		return diming.Errorf(diming.EINVALID, "界桩状态 %q 无效：intact、damaged、missing 或 moved", "invalid marker state %q: intact, damaged, missing or moved", in.State)
	}
	if _, err := time.Parse(time.DateOnly, in.InspectedOn); err != nil {
		return diming.Errorf(diming.EINVALID, "巡查日期 %q 应为 YYYY-MM-DD", "inspected_on %q must be YYYY-MM-DD", in.InspectedOn)
	}
	if utf8.RuneCountInString(in.Note) > 2000 || strings.ContainsFunc(in.Note, badControl) || in.Inspector == "" {
		return diming.Errorf(diming.EINVALID, "巡查记录的备注过长、含控制字符或缺少巡查人", "inspection note too long, with control characters, or no inspector")
	}
	return nil
}

package gazetteer

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"diming"
	"diming/geo"
)

// Level is the level of an administrative division.
type Level string

// The three levels the bureau manages: the district (区), township-level units
// (街道 and 镇) and village-level units (社区 and 村, 群众自治组织).
const (
	LevelDistrict Level = "district"
	LevelTownship Level = "township"
	LevelVillage  Level = "village"
)

// Levels lists the levels from the top down.
var Levels = []Level{LevelDistrict, LevelTownship, LevelVillage}

// ParseLevel checks a level given by a user.
func ParseLevel(s string) (Level, error) {
	for _, l := range Levels {
		if string(l) == s {
			return l, nil
		}
	}
	return "", diming.Errorf(diming.EINVALID,
		"行政区划级别 %q 无效，应为 district（区）、township（街道/镇）或 village（社区/村）",
		"invalid division level %q: use district, township or village", s)
}

// Depth is 0 for the district, 1 for townships and 2 for villages.
func (l Level) Depth() int {
	switch l {
	case LevelDistrict:
		return 0
	case LevelTownship:
		return 1
	case LevelVillage:
		return 2
	}
	return -1
}

// Division is an administrative division with its statistical code, boundary
// and the population figures the coverage indicators need.
type Division struct {
	Code       string           `json:"code"` // 12-digit statistical code (GB/T 2260 + 3 + 3)
	Name       string           `json:"name"`
	Level      Level            `json:"level"`
	ParentCode string           `json:"parent_code"` // 12-digit code of the parent; the district's parent is the city
	Geometry   orb.MultiPolygon `json:"-"`           // WGS84 / CGCS2000 lon, lat
	Households int              `json:"households"`
	Population int              `json:"population"`
	// Population60 is the number of residents aged 60 or more.
	Population60 int `json:"population_60"`
	// UrbanRuralCode is the NBS urban-rural classification (城乡分类代码):
	// 111 主城区, 112 城乡结合区, 121 镇中心区, 122 镇乡结合区, 210 乡中心区, 220 村庄.
	UrbanRuralCode string `json:"urban_rural_code"`
	// Synthetic marks generated demo data (polygons and figures not from a survey).
	Synthetic bool      `json:"synthetic"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DivisionFilter selects divisions. Zero fields select everything.
type DivisionFilter struct {
	Level      Level
	ParentCode string
	// BBox, when set, keeps divisions whose bounding box intersects it.
	BBox *orb.Bound
}

// DivisionStore is what the service needs of a store for divisions. Every
// method returns *diming.Error values: EINVALID for a division that breaks a
// rule, ENOTFOUND for an unknown code, ECONFLICT for a clash with stored rows,
// EUNAVAILABLE when the database cannot be reached.
type DivisionStore interface {
	// Divisions returns the divisions matching f, ordered by code.
	Divisions(ctx context.Context, f DivisionFilter) ([]Division, error)
	// Division returns one division by its 12-digit code.
	Division(ctx context.Context, code string) (Division, error)
	// PutDivisions inserts or updates the divisions in one transaction with
	// an audit entry for each row that changed; on any error nothing is written.
	PutDivisions(ctx context.Context, actor diming.Actor, ds []Division) error
	// CountDivisions returns how many divisions are stored.
	CountDivisions(ctx context.Context) (int, error)
}

// AuditLog reads the append-only audit log.
type AuditLog interface {
	Audit(ctx context.Context, f diming.AuditFilter) ([]diming.AuditEntry, error)
}

// Store is everything the gazetteer needs of a store.
type Store interface {
	DivisionStore
	PlaceStore
	MarkerStore
	AuditLog
	// ChangeMark returns a number that grows with every committed change
	// (the newest audit entry's id), so readers can tell their copy is stale.
	ChangeMark(ctx context.Context) (int64, error)
	// Ping says whether the store is reachable.
	Ping(ctx context.Context) error
	Close() error
}

// NormalizeCode turns a division code as people write it into the 12-digit
// statistical code: 6 digits (GB/T 2260, 500106) and 9 digits (township,
// 500106001) are padded with zeros; 12 digits are kept.
func NormalizeCode(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", badCode(s)
		}
	}
	switch len(s) {
	case 6:
		return s + "000000", nil
	case 9:
		return s + "000", nil
	case 12:
		return s, nil
	}
	return "", badCode(s)
}

func badCode(s string) error {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return diming.Errorf(diming.EINVALID,
		"区划代码 %q 无效：应为 6、9 或 12 位数字（如 500106、500106001、500106001001）",
		"invalid division code %q: use 6, 9 or 12 digits (e.g. 500106, 500106001, 500106001001)", s)
}

// LevelOfCode infers the level from a 12-digit code: the district ends in
// 000000, a township in 000.
func LevelOfCode(code string) Level {
	switch {
	case strings.HasSuffix(code, "000000"):
		return LevelDistrict
	case strings.HasSuffix(code, "000"):
		return LevelTownship
	}
	return LevelVillage
}

// Validate checks a division before it is stored.
func (d Division) Validate() error {
	code, err := NormalizeCode(d.Code)
	if err != nil || code != d.Code {
		return diming.Errorf(diming.EINVALID, "区划代码 %q 必须为 12 位数字", "division code %q must have 12 digits", d.Code)
	}
	if _, err := ParseLevel(string(d.Level)); err != nil {
		return err
	}
	if LevelOfCode(d.Code) != d.Level {
		return diming.Errorf(diming.EINVALID, "区划代码 %s 与级别 %s 不符", "division code %s does not match level %s", d.Code, d.Level)
	}
	if d.Level != LevelDistrict {
		pc, err := NormalizeCode(d.ParentCode)
		if err != nil || pc != d.ParentCode {
			return diming.Errorf(diming.EINVALID, "%s 的上级区划代码 %q 必须为 12 位数字", "parent code %[2]q of %[1]s must have 12 digits", d.Code, d.ParentCode)
		}
		if LevelOfCode(pc).Depth() != d.Level.Depth()-1 || !strings.HasPrefix(d.Code, parentPrefix(pc)) {
			return diming.Errorf(diming.EINVALID, "%s 不是 %s 的下级区划代码", "%s is not a child code of %s", d.Code, d.ParentCode)
		}
	}
	if err := CheckName(d.Name); err != nil {
		e := err.(*diming.Error)
		return &diming.Error{Code: diming.EINVALID,
			Message:   fmt.Sprintf("区划 %s 的名称%s", d.Code, e.Message),
			MessageEN: fmt.Sprintf("division %s: name %s", d.Code, e.MessageEN)}
	}
	if d.Households < 0 || d.Population < 0 || d.Population60 < 0 || d.Population60 > d.Population {
		return diming.Errorf(diming.EINVALID, "区划 %s 的户数或人口为负数，或 60 岁以上人口多于总人口", "division %s: negative households or population, or more residents 60+ than residents", d.Code)
	}
	if len(d.Geometry) == 0 {
		return diming.Errorf(diming.EINVALID, "区划 %s 缺少边界面", "division %s has no boundary polygon", d.Code)
	}
	if err := geo.ValidateMultiPolygon(d.Geometry); err != nil {
		zh, en := geo.Reasons(err)
		return diming.Wrap(err, diming.EINVALID, "区划 %[1]s 的边界面无效：%[2]s", "division %[1]s: invalid boundary polygon: %[3]s", d.Code, zh, en)
	}
	return nil
}

// parentPrefix is the significant part of a parent's 12-digit code.
func parentPrefix(code string) string {
	switch LevelOfCode(code) {
	case LevelDistrict:
		return code[:6]
	case LevelTownship:
		return code[:9]
	}
	return code
}

// ValidateBatch checks a batch of divisions before a store writes it: the
// actor is named, every division is valid and no code appears twice.
func ValidateBatch(actor diming.Actor, ds []Division) error {
	if strings.TrimSpace(string(actor)) == "" {
		return diming.Errorf(diming.EINVALID, "写入须注明操作人", "a write must name its actor")
	}
	seen := make(map[string]bool, len(ds))
	for i, d := range ds {
		if err := d.Validate(); err != nil {
			return fmt.Errorf("division %d of %d: %w", i+1, len(ds), err)
		}
		if seen[d.Code] {
			return diming.Errorf(diming.EINVALID, "区划代码 %s 在同一批数据中出现了两次", "division code %s appears twice in one batch", d.Code)
		}
		seen[d.Code] = true
	}
	return nil
}

// CheckName rejects names that are empty, padded, longer than 50 characters,
// not valid UTF-8 or that contain control characters.
func CheckName(name string) error {
	switch {
	case !utf8.ValidString(name):
		return diming.Errorf(diming.EINVALID, "不是有效的 UTF-8 文本", "is not valid UTF-8")
	case strings.TrimSpace(name) == "":
		return diming.Errorf(diming.EINVALID, "为空", "is empty")
	case strings.TrimSpace(name) != name:
		return diming.Errorf(diming.EINVALID, "首尾有空白", "has leading or trailing white space")
	case utf8.RuneCountInString(name) > 50:
		return diming.Errorf(diming.EINVALID, "超过 50 个字", "is longer than 50 characters")
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return diming.Errorf(diming.EINVALID, "含有控制字符", "contains control characters")
		}
	}
	return nil
}

// Properties are a division's attributes as a GeoJSON feature carries them.
func (d Division) Properties() map[string]any {
	return map[string]any{
		"code":             d.Code,
		"name":             d.Name,
		"level":            d.Level,
		"parent_code":      d.ParentCode,
		"households":       d.Households,
		"population":       d.Population,
		"population_60":    d.Population60,
		"urban_rural_code": d.UrbanRuralCode,
		"synthetic":        d.Synthetic,
	}
}

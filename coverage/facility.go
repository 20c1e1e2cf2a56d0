package coverage

import (
	"encoding/json"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"diming"
	"diming/gazetteer"
)

// Category is a kind of facility.
type Category string

// The facility categories. The four community home eldercare categories
// together are the plan's 社区居家养老服务设施 (indicator 20).
const (
	StreetEldercareCentre     Category = "street_eldercare_centre"     // 街道养老服务中心
	TownEldercareCentre       Category = "town_eldercare_centre"       // 乡镇养老服务中心
	CommunityEldercareStation Category = "community_eldercare_station" // 社区养老服务站
	VillageMutualAidPoint     Category = "village_mutual_aid_point"    // 村级互助养老点
	EldercareInstitution      Category = "eldercare_institution"       // 养老机构
	CommunityServiceFacility  Category = "community_service_facility"  // 城乡社区综合服务设施
	LotteryOutlet             Category = "lottery_outlet"              // 福利彩票销售网点
	FuneralHome               Category = "funeral_home"                // 殡仪馆
	PublicCemetery            Category = "public_cemetery"             // 公益性公墓（安葬设施）
	MourningPoint             Category = "mourning_point"              // 治丧点
	MinorProtectionStation    Category = "minor_protection_station"    // 未成年人保护工作站
	School                    Category = "school"                      // 学校（选址规则用）
)

// CategoryInfo describes a category for people.
type CategoryInfo struct {
	ID     Category `json:"id"`
	Name   string   `json:"name"`
	NameEN string   `json:"name_en"`
	// Group: eldercare, community, lottery, funeral, minors, school.
	Group string `json:"group"`
}

// Categories lists every category in display order.
var Categories = []CategoryInfo{
	{StreetEldercareCentre, "街道养老服务中心", "street eldercare centre", "eldercare"},
	{TownEldercareCentre, "乡镇养老服务中心", "town eldercare centre", "eldercare"},
	{CommunityEldercareStation, "社区养老服务站", "community eldercare station", "eldercare"},
	{VillageMutualAidPoint, "村级互助养老点", "village mutual-aid point", "eldercare"},
	{EldercareInstitution, "养老机构", "eldercare institution", "eldercare"},
	{CommunityServiceFacility, "城乡社区综合服务设施", "community service facility", "community"},
	{LotteryOutlet, "福利彩票销售网点", "welfare-lottery outlet", "lottery"},
	{FuneralHome, "殡仪馆", "funeral home", "funeral"},
	{PublicCemetery, "公益性公墓", "public cemetery", "funeral"},
	{MourningPoint, "治丧点", "mourning point", "funeral"},
	{MinorProtectionStation, "未成年人保护工作站", "minor-protection station", "minors"},
	{School, "学校", "school", "school"},
}

// CategoryOf returns a category's description.
func CategoryOf(c Category) (CategoryInfo, bool) {
	for _, ci := range Categories {
		if ci.ID == c {
			return ci, true
		}
	}
	return CategoryInfo{}, false
}

// ParseCategory checks a category given by a person.
func ParseCategory(s string) (Category, error) {
	if _, ok := CategoryOf(Category(s)); ok {
		return Category(s), nil
	}
	ids := make([]string, len(Categories))
	for i, c := range Categories {
		ids[i] = string(c.ID)
	}
	return "", diming.Errorf(diming.EINVALID, "未知的设施类别 %q，可用：%s", "unknown facility category %q; one of %s", s, strings.Join(ids, ", "))
}

// CommunityEldercare are the community home eldercare categories (indicator 20).
var CommunityEldercare = []Category{StreetEldercareCentre, TownEldercareCentre, CommunityEldercareStation, VillageMutualAidPoint}

// FuneralPoints are the categories a family can hold a funeral at or inter at.
var FuneralPoints = []Category{FuneralHome, PublicCemetery, MourningPoint}

// Facility statuses.
const (
	StatusOpen    = "open"    // 在运营
	StatusPlanned = "planned" // 规划
	StatusClosed  = "closed"  // 已关闭
)

// Facility is one facility at a point.
type Facility struct {
	ID int64 `json:"id"`
	// Code is the bureau's own identifier (台账编号), unique when set; imports
	// update the facility with the same code.
	Code     string    `json:"code,omitempty"`
	Name     string    `json:"name"`
	Category Category  `json:"category"`
	Point    orb.Point `json:"-"`
	Address  string    `json:"address,omitempty"`
	// FloorArea is the floor area in m² (community service facilities).
	FloorArea float64 `json:"floor_area,omitempty"`
	// Beds is the number of beds (eldercare institutions).
	Beds int `json:"beds,omitempty"`
	// VolunteerStation says a community service facility has a volunteer
	// service station (indicator 9).
	VolunteerStation bool `json:"volunteer_station,omitempty"`
	// Comprehensive says an eldercare institution has comprehensive
	// functions (indicator 16); street and town centres always count.
	Comprehensive bool   `json:"comprehensive,omitempty"`
	Status        string `json:"status"`
	OpenedOn      string `json:"opened_on,omitempty"` // YYYY or YYYY-MM-DD
	Synthetic     bool   `json:"synthetic,omitempty"`
	Note          string `json:"note,omitempty"`
	// Version is checked on updates and deletes (a stale one conflicts).
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxFacilityText is the longest name, address or note accepted.
const MaxFacilityText = 200

// Validate checks a facility's fields and normalises nothing: a name with
// surrounding space is refused rather than trimmed.
func (f Facility) Validate() error {
	bad := f.invalid
	for _, v := range []struct{ zh, en, s string }{{"名称", "name", f.Name}, {"编号", "code", f.Code}, {"地址", "address", f.Address}, {"备注", "note", f.Note}} {
		if !utf8.ValidString(v.s) || utf8.RuneCountInString(v.s) > MaxFacilityText || strings.ContainsFunc(v.s, func(r rune) bool { return unicode.IsControl(r) }) {
			return bad("%[1]s超过 %[2]d 字、不是有效的 UTF-8 或含有控制字符", "the %[3]s is longer than %[2]d characters, not valid UTF-8 or has control characters", v.zh, MaxFacilityText, v.en)
		}
		if strings.TrimSpace(v.s) != v.s {
			return bad("%[1]s首尾不能有空白", "the %[2]s has surrounding space", v.zh, v.en)
		}
	}
	if f.Name == "" {
		return bad("设施名称不能为空", "a facility needs a name")
	}
	if !validFacilityCode(f.Code) {
		return bad("编号应为至多 %d 个字母、数字或 - _ . / # ( ) 〔 〕 （ ）", "the code may have at most %d letters, digits or - _ . / # ( ) 〔 〕 （ ）", maxFacilityCode)
	}
	if _, err := ParseCategory(string(f.Category)); err != nil {
		return bad("%[1]s", "%[2]s", err.(*diming.Error).Message, err.(*diming.Error).MessageEN)
	}
	if lon, lat := f.Point[0], f.Point[1]; math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return bad("坐标 (%v, %v) 超出经纬度范围", "coordinates (%v, %v) are out of range", f.Point[0], f.Point[1])
	}
	if f.Point == (orb.Point{}) {
		return bad("缺少位置", "the location is missing")
	}
	if math.IsNaN(f.FloorArea) || math.IsInf(f.FloorArea, 0) || f.FloorArea < 0 || f.FloorArea > 1e6 {
		return bad("建筑面积 %v 无效（0 至 1,000,000 平方米）", "floor area %v is invalid (0 to 1,000,000 m²)", f.FloorArea)
	}
	if f.Beds < 0 || f.Beds > 100000 {
		return bad("床位数 %d 无效", "bed count %d is invalid", f.Beds)
	}
	switch f.Status {
	case StatusOpen, StatusPlanned, StatusClosed:
	default:
		return bad("状态 %q 无效：open（运营）、planned（规划）或 closed（关闭）", "invalid status %q: open, planned or closed", f.Status)
	}
	if f.OpenedOn != "" && !validDate(f.OpenedOn) {
		return bad("启用日期 %q 应为 YYYY 或 YYYY-MM-DD", "opened_on %q should be YYYY or YYYY-MM-DD", f.OpenedOn)
	}
	return nil
}

// invalid is EINVALID naming the facility (by name, else by code).
func (f Facility) invalid(zh, en string, args ...any) error {
	label := f.Name
	if label == "" {
		label = f.Code
	}
	if r := []rune(label); len(r) > 40 { // a message quotes the facility, not megabytes of it
		label = string(r[:40]) + "…"
	}
	err := diming.Errorf(diming.EINVALID, zh, en, args...)
	if label != "" {
		err.Message = "设施“" + label + "”：" + err.Message
		err.MessageEN = "facility " + label + ": " + err.MessageEN
	}
	return err
}

// CheckInDistrict refuses a facility whose point lies in none of the
// district's divisions: divs is the read model's division index, and the
// test is the one the place import makes (DivisionIndex.At finds no
// division), so a point in another city, or GCJ-02/BD-09 coordinates given
// as WGS84, is refused rather than silently left out of every unit while
// still counted in the district's reports. It holds for every status
// (planned facilities too) and every way in: create, a PATCH that moves a
// facility, each import row.
//
// When divs holds no divisions at all (nil, or an empty pilot store before
// `diming import divisions`), every point is accepted. The place import
// refuses every row then, because a place must name the division it lies
// in; a facility names none (the reports place it by its point, and one in
// no unit counts as unplaced), so it may be loaded before the boundaries,
// and the check applies from the moment they are.
func (f Facility) CheckInDistrict(divs *gazetteer.DivisionIndex) error {
	if divs == nil || divs.Len() == 0 {
		return nil
	}
	if len(divs.At(f.Point)) > 0 {
		return nil
	}
	return f.invalid("位置 (%v, %v) 不在辖区内（坐标是否为 GCJ-02 或 BD-09？请注明 crs）",
		"the location (%v, %v) lies outside the district (are the coordinates GCJ-02 or BD-09? give the crs)", f.Point[0], f.Point[1])
}

// maxFacilityCode is the longest code (台账编号) accepted.
const maxFacilityCode = 64

// validFacilityCode: a ledger code is letters (any script), digits and a
// few separators, no spaces, quotes or semicolons; empty means none.
func validFacilityCode(s string) bool {
	if utf8.RuneCountInString(s) > maxFacilityCode {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-_./#()〔〕（）", r) {
			return false
		}
	}
	return true
}

func validDate(s string) bool {
	if _, err := time.Parse("2006", s); err == nil {
		return true
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// Record is the facility as the audit log keeps it (with its point).
func (f Facility) Record() json.RawMessage {
	type rec struct {
		Facility
		Lon float64 `json:"lon"`
		Lat float64 `json:"lat"`
	}
	b, _ := json.Marshal(rec{f, f.Point[0], f.Point[1]})
	return b
}

// SameFacility says whether two facilities hold the same data (ignoring
// id, version and time), so an import can skip rows that did not change.
func SameFacility(a, b Facility) bool {
	a.ID, a.Version, a.UpdatedAt = 0, 0, time.Time{}
	b.ID, b.Version, b.UpdatedAt = 0, 0, time.Time{}
	return a == b
}

// Counts in the open status only unless the status is planned and planned
// facilities are asked for.
func (f Facility) Counts(includePlanned bool) bool {
	return f.Status == StatusOpen || (includePlanned && f.Status == StatusPlanned)
}

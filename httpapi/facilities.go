package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/app"
	"diming/coverage"
	"diming/geo"
	"diming/readmodel"
)

// coverageModel is the current coverage model, or 503 before one exists.
func (s *Server) coverageModel() (*readmodel.Model, *coverage.Model, error) {
	m, err := s.currentModel()
	if err != nil {
		return nil, nil, err
	}
	if m.Coverage == nil {
		return nil, nil, diming.Errorf(diming.EUNAVAILABLE, "覆盖分析数据尚未加载", "the coverage data is not loaded")
	}
	return m, m.Coverage, nil
}

// facilityFeature is a facility as GeoJSON, with where it stands.
func facilityFeature(cm *coverage.Model, pf coverage.PlacedFacility) *geojson.Feature {
	f := geojson.NewFeature(pf.Point)
	f.ID = pf.ID
	ci, _ := coverage.CategoryOf(pf.Category)
	props := geojson.Properties{"id": pf.ID, "code": pf.Code, "name": pf.Name, "category": pf.Category, "category_name": ci.Name,
		"group": ci.Group, "address": pf.Address, "status": pf.Status, "opened_on": pf.OpenedOn, "synthetic": pf.Synthetic,
		"note": pf.Note, "version": pf.Version, "village_code": pf.Village, "township_code": pf.Township}
	if pf.FloorArea > 0 {
		props["floor_area"] = pf.FloorArea
	}
	if pf.Category == coverage.EldercareInstitution {
		props["beds"] = pf.Beds
		props["comprehensive"] = pf.Comprehensive
	}
	if pf.Category == coverage.CommunityServiceFacility {
		props["volunteer_station"] = pf.VolunteerStation
	}
	if pf.OnGraph {
		props["off_network_m"] = math.Round(pf.Snap.Offset*10) / 10
	}
	if cm != nil {
		if path := cm.Divisions().Path(pf.Village); len(path) > 0 {
			props["division_path"] = path
		}
	}
	f.Properties = props
	return f
}

// parseCategories reads a comma-separated list of categories or groups
// (eldercare, community, lottery, funeral, minors, school, and
// community_eldercare for the four community home eldercare kinds).
func parseCategories(s string) ([]coverage.Category, error) {
	if s == "" {
		return nil, nil
	}
	var out []coverage.Category
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "community_eldercare" {
			out = append(out, coverage.CommunityEldercare...)
			continue
		}
		found := false
		for _, c := range coverage.Categories {
			if c.Group == part {
				out = append(out, c.ID)
				found = true
			}
		}
		if found {
			continue
		}
		c, err := coverage.ParseCategory(part)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func boolParam(v, name string) (bool, error) {
	switch v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, diming.Errorf(diming.EINVALID, "参数 %s 应为 true 或 false", "%s must be true or false", name)
}

// listFacilities: GET /api/v1/facilities?category=&status=&division=&bbox= (public).
func (s *Server) listFacilities(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "category", "status", "division", "bbox")
	if err != nil {
		return err
	}
	_, cm, err := s.coverageModel()
	if err != nil {
		return err
	}
	f := coverage.FacilityFilter{Division: q.Get("division")}
	if f.Categories, err = parseCategories(q.Get("category")); err != nil {
		return err
	}
	statuses := map[string]bool{coverage.StatusOpen: true}
	if v := q.Get("status"); v != "" {
		statuses = map[string]bool{}
		for _, st := range strings.Split(v, ",") {
			switch st {
			case coverage.StatusOpen, coverage.StatusPlanned, coverage.StatusClosed:
				statuses[st] = true
			case "all":
				statuses = map[string]bool{coverage.StatusOpen: true, coverage.StatusPlanned: true, coverage.StatusClosed: true}
			default:
				return diming.Errorf(diming.EINVALID, "status 应为 open、planned、closed 或 all（可用逗号分隔多个）", "status must be open, planned, closed or all (comma-separated)")
			}
		}
	}
	f.IncludePlanned, f.IncludeClosed = true, true
	if f.Division != "" {
		if _, err := cm.Divisions().Division(f.Division); err != nil {
			return diming.Errorf(diming.EINVALID, "division=%q 不是已知的区划代码", "division=%q is not a known division code", truncate(f.Division, 40))
		}
	}
	var bbox *orb.Bound
	if v := q.Get("bbox"); v != "" {
		if bbox, err = parseBBox(v); err != nil {
			return err
		}
	}
	fc := geojson.NewFeatureCollection()
	for _, pf := range cm.Select(f) {
		if !statuses[pf.Status] || (bbox != nil && !bbox.Contains(pf.Point)) {
			continue
		}
		fc.Append(facilityFeature(cm, pf))
	}
	return writeJSON(w, http.StatusOK, geoJSONType, fc)
}

// facilityCategories: GET /api/v1/facilities/categories (public).
func (s *Server) facilityCategories(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, "", map[string]any{"categories": coverage.Categories})
}

func facilityID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, diming.Errorf(diming.EINVALID, "设施编号无效", "invalid facility id")
	}
	return id, nil
}

// getFacility: GET /api/v1/facilities/{id} (public): the facility and its history.
func (s *Server) getFacility(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	id, err := facilityID(r)
	if err != nil {
		return err
	}
	_, cm, _ := s.coverageModel()
	// The store has the newest version and the history; when it is away
	// the read model's copy is served without the history.
	fac, err := s.store.Facility(r.Context(), id)
	away := diming.Code(err) == diming.EUNAVAILABLE
	var pf coverage.PlacedFacility
	switch {
	case away && cm != nil:
		p, found := cm.Facility(id)
		if !found {
			return err
		}
		pf = p
	case err != nil:
		return err
	default:
		pf = coverage.PlacedFacility{Facility: fac}
		if cm != nil {
			if p, found := cm.Facility(id); found && p.Version == fac.Version {
				pf = p
			}
		}
	}
	f := facilityFeature(cm, pf)
	if away {
		f.Properties["history_unavailable"] = true
		return writeJSON(w, http.StatusOK, geoJSONType, f)
	}
	hist, err := s.store.Audit(r.Context(), diming.AuditFilter{Entity: coverage.EntityFacility, EntityID: strconv.FormatInt(id, 10)})
	if err != nil {
		return err
	}
	f.Properties["history"] = hist
	return writeJSON(w, http.StatusOK, geoJSONType, f)
}

// optional is a request field that may be absent, null or given. Absent
// leaves the stored value as it is (PATCH); null is refused, since no
// facility field can be null (an empty text is "", and a point is needed).
type optional[T any] struct {
	set, null bool
	v         T
}

// UnmarshalJSON is called for null too, so null is told from absent. A
// value of the wrong kind gives the decoder's type error, which names the
// field.
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		o.null = true
		return nil
	}
	return json.Unmarshal(b, &o.v)
}

// facilityInput is a facility as a request gives it; absent fields are
// left as they are on PATCH.
type facilityInput struct {
	Code             optional[string]  `json:"code"`
	Name             optional[string]  `json:"name"`
	Category         optional[string]  `json:"category"`
	Lon              optional[float64] `json:"lon"`
	Lat              optional[float64] `json:"lat"`
	CRS              string            `json:"crs"`
	Address          optional[string]  `json:"address"`
	FloorArea        optional[float64] `json:"floor_area"`
	Beds             optional[int]     `json:"beds"`
	VolunteerStation optional[bool]    `json:"volunteer_station"`
	Comprehensive    optional[bool]    `json:"comprehensive"`
	Status           optional[string]  `json:"status"`
	OpenedOn         optional[string]  `json:"opened_on"`
	Note             optional[string]  `json:"note"`
	Version          int               `json:"version"`
	Reason           string            `json:"reason"`
}

func (in facilityInput) apply(f *coverage.Facility) error {
	for _, n := range []struct {
		name string
		null bool
	}{{"code", in.Code.null}, {"name", in.Name.null}, {"category", in.Category.null}, {"lon", in.Lon.null}, {"lat", in.Lat.null},
		{"address", in.Address.null}, {"floor_area", in.FloorArea.null}, {"beds", in.Beds.null}, {"volunteer_station", in.VolunteerStation.null},
		{"comprehensive", in.Comprehensive.null}, {"status", in.Status.null}, {"opened_on", in.OpenedOn.null}, {"note", in.Note.null}} {
		if n.null {
			return diming.Errorf(diming.EINVALID, "字段 %[1]q 不能为 null：要清空文本请给 \"\"，要保留原值请省略该字段",
				"field %[1]q cannot be null: give \"\" to clear a text, or leave the field out to keep it", n.name)
		}
	}
	set := func(dst *string, v optional[string]) {
		if v.set {
			*dst = v.v
		}
	}
	set(&f.Code, in.Code)
	set(&f.Name, in.Name)
	set(&f.Address, in.Address)
	set(&f.Status, in.Status)
	set(&f.OpenedOn, in.OpenedOn)
	set(&f.Note, in.Note)
	if in.Category.set {
		f.Category = coverage.Category(in.Category.v)
	}
	if in.FloorArea.set {
		f.FloorArea = in.FloorArea.v
	}
	if in.Beds.set {
		f.Beds = in.Beds.v
	}
	if in.VolunteerStation.set {
		f.VolunteerStation = in.VolunteerStation.v
	}
	if in.Comprehensive.set {
		f.Comprehensive = in.Comprehensive.v
	}
	if in.Lon.set != in.Lat.set {
		return diming.Errorf(diming.EINVALID, "lon 和 lat 须同时给出", "give lon and lat together")
	}
	if in.Lon.set {
		p, err := parsePoint(strconv.FormatFloat(in.Lon.v, 'f', -1, 64), strconv.FormatFloat(in.Lat.v, 'f', -1, 64), in.CRS, "lon/lat")
		if err != nil {
			return err
		}
		f.Point = p
	}
	return nil
}

// facilityUseCases are the facility use cases on the server's store,
// publishing to its read model.
func (s *Server) facilityUseCases() app.Facilities {
	uc := app.Facilities{Store: s.store, Log: s.log}
	if s.model != nil {
		uc.Publisher = s.model
	}
	return uc
}

// respondFacility answers with the facility as the current read model
// places it (when it holds this version), else as stored.
func (s *Server) respondFacility(w http.ResponseWriter, status int, fac coverage.Facility) error {
	pf := coverage.PlacedFacility{Facility: fac}
	var cm *coverage.Model
	if m := s.model.Load(); m != nil && m.Coverage != nil {
		cm = m.Coverage
		if p, ok := cm.Facility(fac.ID); ok && p.Version == fac.Version {
			pf = p
		}
	}
	return writeJSON(w, status, geoJSONType, facilityFeature(cm, pf))
}

// createFacility: POST /api/v1/facilities (planners).
func (s *Server) createFacility(w http.ResponseWriter, r *http.Request) error {
	u, _ := userOf(r.Context())
	var in facilityInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if !in.Name.set || !in.Category.set || !in.Lon.set {
		return diming.Errorf(diming.EINVALID, "须给出 name、category 和 lon/lat", "name, category and lon/lat are required")
	}
	if err := checkReason(in.Reason); err != nil {
		return err
	}
	fac := coverage.Facility{Status: coverage.StatusOpen}
	if err := in.apply(&fac); err != nil {
		return err
	}
	fac, _, err := s.facilityUseCases().Create(r.Context(), u.Actor(), in.Reason, fac)
	if err != nil {
		return err
	}
	return s.respondFacility(w, http.StatusCreated, fac)
}

// patchFacility: PATCH /api/v1/facilities/{id} (planners), with version.
// A PATCH that changes nothing (no field besides version, or every field
// as stored) answers with the facility as it is (see app.Facilities.Patch).
func (s *Server) patchFacility(w http.ResponseWriter, r *http.Request) error {
	u, _ := userOf(r.Context())
	id, err := facilityID(r)
	if err != nil {
		return err
	}
	var in facilityInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Version == 0 {
		return diming.Errorf(diming.EINVALID, "须给出所修改的版本号（version）", "give the version you are changing (version)")
	}
	if err := checkReason(in.Reason); err != nil {
		return err
	}
	fac, _, err := s.facilityUseCases().Patch(r.Context(), u.Actor(), in.Reason, id, in.Version, in.apply)
	if err != nil {
		return err
	}
	return s.respondFacility(w, http.StatusOK, fac)
}

// deleteFacility: DELETE /api/v1/facilities/{id}?version=N&reason= (planners).
func (s *Server) deleteFacility(w http.ResponseWriter, r *http.Request) error {
	u, _ := userOf(r.Context())
	q, err := queryParams(r, "version", "reason")
	if err != nil {
		return err
	}
	id, err := facilityID(r)
	if err != nil {
		return err
	}
	version, err := intParam(q.Get("version"), "version", 0, 1, math.MaxInt32)
	if err != nil || version == 0 {
		return diming.Errorf(diming.EINVALID, "须给出所删除的版本号（?version=）", "give the version you are deleting (?version=)")
	}
	if _, err := s.facilityUseCases().Delete(r.Context(), u.Actor(), q.Get("reason"), id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// importFacilities: POST /api/v1/facilities/import?format=csv|geojson&crs=&dry_run=
// (planners). All or nothing: one bad row and nothing is written.
func (s *Server) importFacilities(w http.ResponseWriter, r *http.Request) error {
	u, _ := userOf(r.Context())
	q, err := queryParams(r, "format", "crs", "dry_run", "reason")
	if err != nil {
		return err
	}
	crs := geo.WGS84
	if v := q.Get("crs"); v != "" {
		if crs, err = geo.ParseCRS(v); err != nil {
			zh, en := geo.Reasons(err)
			return &diming.Error{Code: diming.EINVALID, Message: zh, MessageEN: en}
		}
	}
	dry, err := boolParam(q.Get("dry_run"), "dry_run")
	if err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	var rows []coverage.FacilityRow
	switch q.Get("format") {
	case "csv":
		rows, err = coverage.ParseFacilitiesCSV(bytes.NewReader(body), crs)
	case "geojson", "":
		rows, err = coverage.ParseFacilitiesGeoJSON(body, crs)
	default:
		return diming.Errorf(diming.EINVALID, "format 应为 csv 或 geojson", "format must be csv or geojson")
	}
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return diming.Errorf(diming.EINVALID, "没有可导入的设施", "there are no facilities to import")
	}
	res, _, err := s.facilityUseCases().Import(r.Context(), u.Actor(), q.Get("reason"), rows, app.ImportOptions{DryRun: dry})
	if err != nil {
		return err
	}
	if rejected := res.Rejected; len(rejected) > 0 {
		return writeJSON(w, http.StatusBadRequest, "", map[string]any{"error": map[string]any{"code": diming.EINVALID,
			"message":    strconv.Itoa(len(rejected)) + " 行有误，未写入任何数据",
			"message_en": strconv.Itoa(len(rejected)) + " rows are invalid; nothing was written"}, "rejected": rejected})
	}
	out := map[string]any{"rows": res.Rows, "created": res.Added, "updated": res.Updated, "unchanged": res.Unchanged, "written": res.Written}
	if dry {
		out["dry_run"] = true
	}
	return writeJSON(w, http.StatusOK, "", out)
}

// checkReason checks the reason a change gives for the audit log.
func checkReason(reason string) error {
	if badText(reason, maxReason) {
		return diming.Errorf(diming.EINVALID, "理由（reason）超过 %d 字或含有控制字符", "the reason is longer than %d characters or has control characters", maxReason)
	}
	return nil
}

// maxReason is the longest reason a change may give.
const maxReason = 2000

package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/app"
	"diming/coverage"
	"diming/readmodel"
)

// floatParam parses an optional finite number within [lo, hi].
func floatParam(v, name string, def, lo, hi float64) (float64, error) {
	if v == "" {
		return def, nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < lo || x > hi {
		return 0, diming.Errorf(diming.EINVALID, "参数 %s 应为 %v 到 %v 之间的数值", "%s must be a number from %v to %v", name, lo, hi)
	}
	return x, nil
}

// walkParams reads minutes and speed; their validation is the model's, so
// a zero or negative value gets the model's message.
func walkParams(q map[string][]string, def coverage.Walk) (coverage.Walk, error) {
	w := def
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for _, p := range []struct {
		name string
		dst  *float64
	}{{"minutes", &w.Minutes}, {"speed", &w.Speed}} {
		if v := get(p.name); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsInf(x, 0) {
				return w, diming.Errorf(diming.EINVALID, "参数 %s 应为数值", "%s must be a number", p.name)
			}
			*p.dst = x
		}
	}
	return w, w.Validate()
}

// nearest: GET /api/v1/nearest?lon=&lat=&crs=&category=&k=&by=straight|walk&max_m= (public).
func (s *Server) nearest(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "lon", "lat", "crs", "category", "k", "by", "max_m", "include_planned")
	if err != nil {
		return err
	}
	p, err := queryPoint(q)
	if err != nil {
		return err
	}
	k, err := intParam(q.Get("k"), "k", 5, 1, 100)
	if err != nil {
		return err
	}
	maxM, err := floatParam(q.Get("max_m"), "max_m", 10000, 1, 50000)
	if err != nil {
		return err
	}
	f := coverage.FacilityFilter{}
	if f.Categories, err = parseCategories(q.Get("category")); err != nil {
		return err
	}
	if f.IncludePlanned, err = boolParam(q.Get("include_planned"), "include_planned"); err != nil {
		return err
	}
	_, cm, err := s.coverageModel()
	if err != nil {
		return err
	}
	by := q.Get("by")
	var hits []coverage.NearbyFacility
	switch by {
	case "", "straight":
		by = "straight"
		for _, h := range cm.NearestStraight(p, k, f) {
			if h.DistanceM <= maxM {
				hits = append(hits, h)
			}
		}
	case "walk":
		if hits, err = cm.NearestByWalk(p, k, maxM, f); err != nil {
			return err
		}
	default:
		return diming.Errorf(diming.EINVALID, "by 应为 straight（直线）或 walk（步行）", "by must be straight or walk")
	}
	type result struct {
		Facility  *geojson.Feature `json:"facility"`
		DistanceM float64          `json:"distance_m"`
		WalkM     *float64         `json:"walk_m,omitempty"`
		// WalkMinutes at the eldercare walking speed (0.9 m/s).
		WalkMinutes *float64 `json:"walk_minutes,omitempty"`
	}
	out := []result{}
	for _, h := range hits {
		res := result{Facility: facilityFeature(cm, h.Facility), DistanceM: math.Round(h.DistanceM*10) / 10}
		if by == "walk" {
			wm := math.Round(h.WalkM*10) / 10
			mins := math.Round(h.WalkM/coverage.DefaultEldercareWalk.Speed/6) / 10
			res.WalkM, res.WalkMinutes = &wm, &mins
		}
		out = append(out, res)
	}
	return writeJSON(w, http.StatusOK, "", map[string]any{"from": p, "by": by, "k": k, "data_version": cm.Version, "results": out})
}

// isochrone: GET /api/v1/isochrone?lon=&lat=&crs=&minutes=15&speed=0.9&resolution=&off_network= (public).
func (s *Server) isochrone(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "lon", "lat", "crs", "minutes", "speed", "resolution", "off_network")
	if err != nil {
		return err
	}
	p, err := queryPoint(q)
	if err != nil {
		return err
	}
	walk, err := walkParams(q, coverage.DefaultEldercareWalk)
	if err != nil {
		return err
	}
	opt := coverage.IsochroneOptions{}
	if opt.Resolution, err = floatParam(q.Get("resolution"), "resolution", 0, 5, 500); err != nil {
		return err
	}
	if opt.OffNetwork, err = floatParam(q.Get("off_network"), "off_network", 0, 0, 500); err != nil {
		return err
	}
	_, cm, err := s.coverageModel()
	if err != nil {
		return err
	}
	iso, snap, err := cm.Isochrone(p, walk, opt)
	if err != nil {
		return err
	}
	f := geojson.NewFeature(iso.Polygon)
	f.Properties = geojson.Properties{"minutes": walk.Minutes, "speed": walk.Speed, "limit_m": iso.Limit,
		"resolution_m": iso.Resolution, "off_network_m": iso.OffNetwork, "area_m2": math.Round(iso.Area),
		"start_off_network_m": math.Round(snap.Offset*10) / 10, "data_version": cm.Version,
		"method": "distance grid over the reached walking network, contoured with marching squares"}
	return writeJSON(w, http.StatusOK, geoJSONType, f)
}

// network: GET /api/v1/network (public): the walking network's size,
// connected components and how far household points and facilities are
// from it.
func (s *Server) network(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	_, cm, err := s.coverageModel()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, "", cm.NetworkSummary())
}

// networkGaps: GET /api/v1/network/gaps (public): the dead ends of the
// walking network within max_m metres (default 30) of a part of the
// network they are not connected to, as GeoJSON lines from the dead end to
// that nearest point, nearest first, at most limit (default 1,000): the
// places where road data stops short of a junction, for GIS staff to fix
// or to choose --network-tolerance by. QGIS opens the answer as a layer.
func (s *Server) networkGaps(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "max_m", "limit")
	if err != nil {
		return err
	}
	maxM, err := floatParam(q.Get("max_m"), "max_m", coverage.DefaultGapDistance, 0.1, coverage.MaxGapDistance)
	if err != nil {
		return err
	}
	limit, err := intParam(q.Get("limit"), "limit", 1000, 0, 10000)
	if err != nil {
		return err
	}
	_, cm, err := s.coverageModel()
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	rep := coverage.GapReport{MaxDistanceM: maxM}
	tol := 0.0
	if cm.Graph != nil {
		rep = cm.Graph.Gaps(maxM, limit)
		tol, _ = cm.Graph.MergeTolerance()
	}
	for _, g := range rep.Gaps {
		f := geojson.NewFeature(orb.LineString{g.From, g.To})
		f.ID = g.Node
		f.Properties = geojson.Properties{"node": g.Node, "distance_m": math.Round(g.DistanceM*100) / 100,
			"from_component": g.FromComponent, "to_component": g.ToComponent}
		fc.Append(f)
	}
	fc.ExtraMembers = geojson.Properties{"data_version": cm.Version, "max_distance_m": maxM, "merge_tolerance_m": tol,
		"dead_ends": rep.DeadEnds, "gaps": rep.Total, "returned": len(rep.Gaps),
		"components": rep.ComponentsNow, "components_if_closed": rep.ComponentsIfClosed}
	return writeJSON(w, http.StatusOK, geoJSONType, fc)
}

// reportParams reads the common report parameters.
type reportParams struct {
	walk           coverage.Walk
	includePlanned bool
	uncovered      int
	format         string
}

func readReportParams(r *http.Request, def coverage.Walk, extra ...string) (reportParams, error) {
	allowed := append([]string{"include_planned", "format"}, extra...)
	q, err := queryParams(r, allowed...)
	if err != nil {
		return reportParams{}, err
	}
	var p reportParams
	if p.includePlanned, err = boolParam(q.Get("include_planned"), "include_planned"); err != nil {
		return p, err
	}
	if def != (coverage.Walk{}) {
		if p.walk, err = walkParams(q, def); err != nil {
			return p, err
		}
	}
	if p.uncovered, err = intParam(q.Get("uncovered_limit"), "uncovered_limit", 100, 0, coverage.MaxListed); err != nil {
		return p, err
	}
	p.format = q.Get("format")
	if p.format != "" && p.format != "json" && p.format != "geojson" {
		return p, diming.Errorf(diming.EINVALID, "format 应为 json 或 geojson（按村/社区的专题图）", "format must be json or geojson (the village choropleth)")
	}
	return p, nil
}

// coverageReport: GET /api/v1/coverage/{report} (planners), report one of
// eldercare, facility-area, lottery, funeral; ?format=geojson gives the
// village-level units as a choropleth with the report's values.
func (s *Server) coverageReport(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "report")
	var def coverage.Walk
	var extra []string
	switch name {
	case "eldercare":
		def, extra = coverage.DefaultEldercareWalk, []string{"minutes", "speed", "uncovered_limit"}
	case "lottery":
		def, extra = coverage.DefaultLotteryWalk, []string{"minutes", "speed"}
	case "facility-area", "funeral":
	default:
		return diming.Errorf(diming.ENOTFOUND, "没有名为 %q 的覆盖报告（eldercare、facility-area、lottery、funeral）", "no coverage report %q (eldercare, facility-area, lottery, funeral)", truncate(name, 40))
	}
	p, err := readReportParams(r, def, extra...)
	if err != nil {
		return err
	}
	m, cm, err := s.coverageModel()
	if err != nil {
		return err
	}
	report, err := runReport(cm, name, p)
	if err != nil {
		return err
	}
	if p.format == "geojson" {
		return writeJSON(w, http.StatusOK, geoJSONType, choropleth(m, report))
	}
	return writeJSON(w, http.StatusOK, "", report)
}

func runReport(cm *coverage.Model, name string, p reportParams) (any, error) {
	switch name {
	case "eldercare":
		return cm.Eldercare(coverage.EldercareParams{Walk: p.walk, IncludePlanned: p.includePlanned, UncoveredLimit: p.uncovered})
	case "lottery":
		return cm.Lottery(coverage.LotteryParams{Walk: p.walk, IncludePlanned: p.includePlanned})
	case "facility-area":
		return cm.FacilityArea(coverage.AreaParams{IncludePlanned: p.includePlanned}), nil
	case "funeral":
		return cm.Funeral(coverage.FuneralParams{IncludePlanned: p.includePlanned}), nil
	}
	return nil, diming.Errorf(diming.ENOTFOUND, "没有名为 %q 的覆盖报告", "no coverage report %q", name)
}

// choropleth turns a report's village rows into polygon features whose
// "value" is the share or figure the map colours by.
func choropleth(m *readmodel.Model, report any) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	for _, u := range coverage.UnitValues(report) {
		d, err := m.Divisions.Division(u.Code)
		if err != nil {
			continue
		}
		f := geojson.NewFeature(d.Geometry)
		f.ID = u.Code
		props := geojson.Properties{"code": u.Code, "name": u.Name, "parent_code": d.ParentCode, "value": u.Value, "met": u.Met, "label": u.Label}
		for k, v := range u.Extra {
			props[k] = v
		}
		f.Properties = props
		fc.Append(f)
	}
	return fc
}

// indicators: GET /api/v1/indicators?include_planned=&minutes=&speed=&format=json|csv|xlsx (planners).
func (s *Server) indicators(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "include_planned", "minutes", "speed", "format")
	if err != nil {
		return err
	}
	var p coverage.IndicatorParams
	if p.IncludePlanned, err = boolParam(q.Get("include_planned"), "include_planned"); err != nil {
		return err
	}
	if p.Eldercare, err = walkParams(q, coverage.DefaultEldercareWalk); err != nil {
		return err
	}
	_, cm, err := s.coverageModel()
	if err != nil {
		return err
	}
	rep, err := cm.Indicators(p)
	if err != nil {
		return err
	}
	switch q.Get("format") {
	case "", "json":
		return writeJSON(w, http.StatusOK, "", rep)
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+urlPathEscape("规划指标.csv"))
		return rep.WriteCSV(w)
	case "xlsx":
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+urlPathEscape("规划指标.xlsx"))
		return rep.WriteXLSX(w)
	}
	return diming.Errorf(diming.EINVALID, "format 应为 json、csv 或 xlsx", "format must be json, csv or xlsx")
}

// lotterySiting: POST /api/v1/coverage/lottery/siting (planners).
func (s *Server) lotterySiting(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	var in sitingInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := in.params()
	if err != nil {
		return err
	}
	_, cm, err := s.coverageModel()
	if err != nil {
		return err
	}
	res, err := cm.LotterySiting(p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, "", res)
}

// sitingInput is the siting request body; candidates as [lon, lat] pairs.
// The distances are pointers: absent (or null) means the default (200 m),
// an explicit 0 no such rule.
type sitingInput struct {
	Sites           int          `json:"sites"`
	Minutes         float64      `json:"minutes"`
	Speed           float64      `json:"speed"`
	MinSpacingM     *float64     `json:"min_spacing_m"`
	SchoolDistanceM *float64     `json:"school_distance_m"`
	Candidates      [][2]float64 `json:"candidates"`
	Township        string       `json:"township"`
	IncludePlanned  bool         `json:"include_planned"`
}

func (in sitingInput) params() (coverage.SitingParams, error) {
	p := coverage.SitingParams{Sites: in.Sites, MinSpacingM: in.MinSpacingM, SchoolDistanceM: in.SchoolDistanceM,
		Township: in.Township, IncludePlanned: in.IncludePlanned, Walk: coverage.DefaultLotteryWalk}
	// 0 means the default; a negative value reaches Validate and is refused.
	if in.Minutes != 0 {
		p.Walk.Minutes = in.Minutes
	}
	if in.Speed != 0 {
		p.Walk.Speed = in.Speed
	}
	if len(in.Candidates) > coverage.MaxCandidates {
		return p, diming.Errorf(diming.ETOOLARGE, "候选点最多 %d 个", "at most %d candidate sites", coverage.MaxCandidates)
	}
	for _, c := range in.Candidates {
		p.Candidates = append(p.Candidates, orb.Point(c))
	}
	for _, d := range []*float64{in.MinSpacingM, in.SchoolDistanceM} {
		if d != nil && *d < 0 {
			return p, diming.Errorf(diming.EINVALID, "间距不能为负数", "distances cannot be negative")
		}
	}
	return p, nil
}

// runInput asks to compute a report and save it.
type runInput struct {
	Report string          `json:"report"`
	Params json.RawMessage `json:"params"`
}

// createRun: POST /api/v1/coverage/runs (planners): compute a report with
// the given parameters and save it in the store.
func (s *Server) createRun(w http.ResponseWriter, r *http.Request) error {
	u, _ := userOf(r.Context())
	if _, err := queryParams(r); err != nil {
		return err
	}
	var in runInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, cm, err := s.coverageModel()
	if err != nil {
		return err
	}
	decode := func(v any) error {
		if len(in.Params) == 0 || string(in.Params) == "null" {
			return nil
		}
		return decodeStrict(in.Params, v, "params")
	}
	var report any
	switch in.Report {
	case "eldercare":
		p := coverage.EldercareParams{Walk: coverage.DefaultEldercareWalk}
		if err = decode(&p); err == nil {
			report, err = cm.Eldercare(p)
		}
	case "lottery":
		p := coverage.LotteryParams{Walk: coverage.DefaultLotteryWalk}
		if err = decode(&p); err == nil {
			report, err = cm.Lottery(p)
		}
	case "facility-area":
		var p coverage.AreaParams
		if err = decode(&p); err == nil {
			report = cm.FacilityArea(p)
		}
	case "funeral":
		var p coverage.FuneralParams
		if err = decode(&p); err == nil {
			report = cm.Funeral(p)
		}
	case "lottery-siting":
		var in sitingInput
		if err = decode(&in); err == nil {
			var p coverage.SitingParams
			if p, err = in.params(); err == nil {
				report, err = cm.LotterySiting(p)
			}
		}
	case "indicators":
		var p coverage.IndicatorParams
		if err = decode(&p); err == nil {
			report, err = cm.Indicators(p)
		}
	default:
		return diming.Errorf(diming.EINVALID, "report 应为 eldercare、facility-area、lottery、funeral、lottery-siting 或 indicators", "report must be eldercare, facility-area, lottery, funeral, lottery-siting or indicators")
	}
	if err != nil {
		return err
	}
	run, _, err := app.SaveRun(r.Context(), s.store, u.Actor(), report, m.Divisions)
	if err != nil {
		return err
	}
	run.Units, run.Points = nil, nil
	return writeJSON(w, http.StatusCreated, "", run)
}

// listRuns: GET /api/v1/coverage/runs?report=&limit= (planners).
func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "report", "limit")
	if err != nil {
		return err
	}
	limit, err := intParam(q.Get("limit"), "limit", 50, 1, 500)
	if err != nil {
		return err
	}
	switch q.Get("report") {
	case "", "eldercare", "facility-area", "lottery", "funeral", "lottery-siting", "indicators":
	default:
		return diming.Errorf(diming.EINVALID, "report 应为 eldercare、facility-area、lottery、funeral、lottery-siting 或 indicators", "report must be eldercare, facility-area, lottery, funeral, lottery-siting or indicators")
	}
	runs, err := s.store.Runs(r.Context(), coverage.RunFilter{Report: q.Get("report"), Limit: limit})
	if err != nil {
		return err
	}
	if runs == nil {
		runs = []coverage.Run{}
	}
	return writeJSON(w, http.StatusOK, "", map[string]any{"runs": runs})
}

// getRun: GET /api/v1/coverage/runs/{id}[?format=geojson] (planners): a saved
// run with its units (and as GeoJSON, the unit polygons and points).
func (s *Server) getRun(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "format")
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return diming.Errorf(diming.EINVALID, "结果编号无效", "invalid run id")
	}
	run, err := s.store.Run(r.Context(), id)
	if err != nil {
		return err
	}
	switch q.Get("format") {
	case "", "json":
		return writeJSON(w, http.StatusOK, "", run)
	case "geojson":
		fc := geojson.NewFeatureCollection()
		for _, u := range run.Units {
			f := geojson.NewFeature(u.Geometry)
			f.ID = u.DivisionCode
			f.Properties = geojson.Properties{"kind": "unit", "division_code": u.DivisionCode, "name": u.Name, "level": u.Level,
				"total": u.Total, "covered": u.Covered, "value": u.Value, "met": u.Met}
			fc.Append(f)
		}
		for _, p := range run.Points {
			f := geojson.NewFeature(p.Point)
			f.Properties = geojson.Properties{"kind": p.Kind, "ref_id": p.RefID, "value": p.Value}
			fc.Append(f)
		}
		return writeJSON(w, http.StatusOK, geoJSONType, fc)
	}
	return diming.Errorf(diming.EINVALID, "format 应为 json 或 geojson", "format must be json or geojson")
}

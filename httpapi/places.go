package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/gazetteer"
	"diming/geo"
	"diming/readmodel"
)

// placeSummary is a place in a list: search results, suggestions, nearby names.
type placeSummary struct {
	ID           int64             `json:"id"`
	Name         string            `json:"name"`
	Pinyin       string            `json:"pinyin"`
	Category     string            `json:"category"`
	CategoryName string            `json:"category_name"`
	DivisionCode string            `json:"division_code"`
	DivisionPath []string          `json:"division_path"`
	Location     *geojson.Geometry `json:"location"`
	Cancelled    bool              `json:"cancelled,omitempty"`
	Score        *float64          `json:"score,omitempty"`
	Match        string            `json:"match,omitempty"`
	DistanceM    *float64          `json:"distance_m,omitempty"`
}

func summarize(m *readmodel.Model, p *gazetteer.Place) placeSummary {
	c, _ := gazetteer.CategoryByCode(p.Category)
	return placeSummary{
		ID: p.ID, Name: p.Name, Pinyin: p.Romanization, Category: p.Category, CategoryName: c.Name,
		DivisionCode: p.DivisionCode, DivisionPath: nonNilStrings(m.Divisions.Path(p.DivisionCode)),
		Location: geojson.NewGeometry(geo.LabelPoint(p.Geometry)), Cancelled: p.CancelledOn != "",
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func round1(x float64) *float64 {
	v := float64(int64(x*10+0.5)) / 10
	return &v
}

// getPlace: GET /api/v1/places/{id}: the full record, its geometry and its
// versions (history is the record's 历史沿革 text).
func (s *Server) getPlace(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	raw := chi.URLParam(r, "id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return diming.Errorf(diming.EINVALID, "地名编号 %q 无效：应为正整数", "invalid place id %q: use a positive integer", truncate(raw, 40))
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	p, ok := m.Places.Place(id)
	if !ok {
		return diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的地名", "no place with id %d", id)
	}
	// The record comes from the read model; its versions from the store.
	// When the store is away the record is still served, without them.
	hist, err := s.store.PlaceHistory(r.Context(), id)
	historyMissing := diming.Code(err) == diming.EUNAVAILABLE
	if err != nil && !historyMissing {
		return err
	}
	type version struct {
		Version int             `json:"version"`
		At      string          `json:"at"`
		Actor   diming.Actor    `json:"actor"`
		Reason  string          `json:"reason"`
		Record  json.RawMessage `json:"record"`
	}
	history := []version{}
	for _, v := range hist {
		history = append(history, version{Version: v.Version, At: v.At.UTC().Format("2006-01-02T15:04:05Z"), Actor: v.Actor, Reason: v.Reason, Record: v.Record})
	}
	c, _ := gazetteer.CategoryByCode(p.Category)
	body := struct {
		gazetteer.Place
		CategoryName string            `json:"category_name"`
		DivisionPath []string          `json:"division_path"`
		Geometry     *geojson.Geometry `json:"geometry"`
		Location     *geojson.Geometry `json:"location"`
		Versions     []version         `json:"versions"`
		// VersionsUnavailable says the versions could not be read (the
		// database is away); the record itself is current.
		VersionsUnavailable bool `json:"versions_unavailable,omitempty"`
	}{Place: p, CategoryName: c.Name, DivisionPath: nonNilStrings(m.Divisions.Path(p.DivisionCode)),
		Geometry: geojson.NewGeometry(p.Geometry), Location: geojson.NewGeometry(geo.LabelPoint(p.Geometry)), Versions: history,
		VersionsUnavailable: historyMissing}
	return writeJSON(w, http.StatusOK, "", body)
}

// parsePoint reads a longitude and latitude given as two parameters or as
// "LON,LAT", in the CRS the request names (default WGS84), and returns WGS84.
func parsePoint(lonS, latS, crsS, what string) (orb.Point, error) {
	bad := diming.Errorf(diming.EINVALID, "%s 坐标无效：需要有限的经度和纬度数值", "invalid %s: need finite longitude and latitude numbers", what)
	lon, err1 := strconv.ParseFloat(strings.TrimSpace(lonS), 64)
	lat, err2 := strconv.ParseFloat(strings.TrimSpace(latS), 64)
	if err1 != nil || err2 != nil {
		return orb.Point{}, bad
	}
	crs := geo.WGS84
	if crsS != "" {
		c, err := geo.ParseCRS(crsS)
		if err != nil {
			zh, en := geo.Reasons(err)
			return orb.Point{}, diming.Wrap(err, diming.EINVALID, "坐标系无效：%[1]s", "invalid crs: %[2]s", zh, en)
		}
		crs = c
	}
	p, err := geo.ToWGS84(orb.Point{lon, lat}, crs)
	if err != nil {
		zh, en := geo.Reasons(err)
		return orb.Point{}, diming.Wrap(err, diming.EINVALID, "%[1]s 坐标无效：%[2]s", "invalid %[1]s: %[3]s", what, zh, en)
	}
	return p, nil
}

// queryPoint reads the required lon and lat parameters (in the crs the
// request names, WGS84 by default) as a WGS84 point.
func queryPoint(q url.Values) (orb.Point, error) {
	if !q.Has("lon") || !q.Has("lat") {
		return orb.Point{}, diming.Errorf(diming.EINVALID, "缺少 lon 和 lat 参数", "lon and lat are required")
	}
	return parsePoint(q.Get("lon"), q.Get("lat"), q.Get("crs"), "lon/lat")
}

// reverse: GET /api/v1/reverse?lon=&lat=&crs=&limit=&radius=
func (s *Server) reverse(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "lon", "lat", "crs", "limit", "radius")
	if err != nil {
		return err
	}
	p, err := queryPoint(q)
	if err != nil {
		return err
	}
	limit, err := intParam(q.Get("limit"), "limit", 5, 1, 50)
	if err != nil {
		return err
	}
	radius, err := intParam(q.Get("radius"), "radius", 1000, 1, 5000)
	if err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	type unit struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	body := struct {
		Point    *geojson.Geometry `json:"point"`
		District *unit             `json:"district"`
		Township *unit             `json:"township"`
		Village  *unit             `json:"village"`
		Nearby   []placeSummary    `json:"nearby"`
	}{Point: geojson.NewGeometry(p), Nearby: []placeSummary{}}
	for _, d := range m.Divisions.At(p) {
		u := &unit{Code: d.Code, Name: d.Name}
		switch d.Level {
		case gazetteer.LevelDistrict:
			body.District = u
		case gazetteer.LevelTownship:
			body.Township = u
		case gazetteer.LevelVillage:
			body.Village = u
		}
	}
	for _, np := range m.Places.Nearest(p, limit+8, float64(radius), false) {
		if gazetteer.InCategory(np.Place.Category, "04") || gazetteer.InCategory(np.Place.Category, "05") {
			continue // the divisions themselves are listed above
		}
		sum := summarize(m, &np.Place)
		sum.DistanceM = round1(np.DistanceM)
		body.Nearby = append(body.Nearby, sum)
		if len(body.Nearby) == limit {
			break
		}
	}
	return writeJSON(w, http.StatusOK, "", body)
}

// intParam parses an optional integer parameter within [lo, hi].
func intParam(v, name string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, diming.Errorf(diming.EINVALID, "参数 %s 应为 %d 到 %d 之间的整数", "%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

// categories: GET /api/v1/categories
func (s *Server) categories(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, "", map[string]any{"categories": gazetteer.Categories})
}

// romanize: GET /api/v1/romanize?name=&category=: the converter's proposal
// for a name's romanization (the stored one is a reviewed field).
func (s *Server) romanize(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "name", "category")
	if err != nil {
		return err
	}
	name := q.Get("name")
	if err := gazetteer.CheckName(name); err != nil {
		e := err.(*diming.Error)
		return &diming.Error{Code: diming.EINVALID, Message: "名称" + e.Message, MessageEN: "name " + e.MessageEN}
	}
	category := q.Get("category")
	if category != "" {
		if _, err := gazetteer.CategoryByCode(category); err != nil {
			return err
		}
	}
	specific, generic := gazetteer.SplitName(name, category)
	return writeJSON(w, http.StatusOK, "", struct {
		Name     string `json:"name"`
		Specific string `json:"specific"`
		Generic  string `json:"generic"`
		gazetteer.Romanization
	}{name, specific, generic, gazetteer.ProposeRomanization(name, specific, generic, category)})
}

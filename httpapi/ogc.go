package httpapi

// OGC API – Features, Part 1 (Core) with the GeoJSON encoding, at /ogc: the
// read model's divisions, boundary lines, markers, place names and
// facilities as feature collections that QGIS and GDAL (the OAPIF driver)
// open directly. Public and read-only; geometry is CRS84 (WGS84 lon/lat),
// which is what the store holds. Every answer is JSON: there is no HTML
// encoding, so f=html is refused with a 400.

import (
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geojson"
	sf "github.com/peterstace/simplefeatures/geom"

	"diming"
	"diming/gazetteer"
	"diming/readmodel"
)

const (
	ogcDefaultLimit = 100
	// ogcMaxLimit is the largest page. A larger limit is not an error: the
	// standard asks servers to answer with at most their maximum instead
	// (and a next link), which is what GDAL and QGIS expect.
	ogcMaxLimit = 10000

	crs84      = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	gregorian  = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
	ogcTitle   = "沙坪坝区地名与公共服务设施"
	ogcSummary = "重庆市沙坪坝区的行政区划、界线、界桩、标准地名和公共服务设施（OGC API – Features，GeoJSON，CRS84 经纬度）。" +
		" Divisions, boundary lines and markers, standard place names and public service facilities of Shapingba District, Chongqing."

	mediaJSON        = "application/json"
	mediaGeoJSON     = "application/geo+json"
	mediaOpenAPI     = "application/vnd.oai.openapi+json;version=3.0"
	mediaOpenAPIAlt  = "application/openapi+json;version=3.0"
	mediaJSONSchema  = "application/schema+json"
	jsonContentType  = "application/json; charset=utf-8"
	schemaMediaType  = "application/schema+json; charset=utf-8"
	conformanceCore  = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
	conformanceGeo   = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
	conformanceOAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
)

// ogcConformanceClasses are the classes /ogc implements: Part 1 Core, the
// GeoJSON encoding and the OpenAPI 3.0 description at /ogc/api. (HTML is
// not offered, so its class is not declared.)
var ogcConformanceClasses = []string{conformanceCore, conformanceGeo, conformanceOAS30}

// ogcProp declares one property of a collection's features: the schema
// (/schema), the queryables (/queryables) and the OpenAPI description come
// from these, and the tests check every feature against them.
type ogcProp struct {
	Name  string
	Title string
	// Type is the JSON Schema type: string, integer, number, boolean, or
	// array (of strings).
	Type string
	// Queryable properties can filter items: ?name=value, an exact match.
	Queryable bool
}

// ogcCollection is one feature collection of /ogc.
type ogcCollection struct {
	ID          string
	Title       string
	Description string
	Props       []ogcProp
	// Temporal says what datetime filters on; "" when the collection has
	// no time, and datetime is refused there.
	Temporal string
	open     func(m *readmodel.Model, loc *time.Location) (ogcSource, error)
}

// ogcSource is a collection's features in one read model, by position:
// the id, geometry and time of each are cheap; the GeoJSON feature is
// built only for what a page returns (or a property filter reads).
type ogcSource struct {
	n        int
	id       func(i int) string
	geometry func(i int) orb.Geometry
	feature  func(i int) *geojson.Feature
	// span is the feature's time, ok false when it has none; nil for
	// collections without time.
	span func(i int) (timeSpan, bool)
}

// timeSpan is the half-open interval [From, To); the zero From and
// maxTime are the open ends.
type timeSpan struct{ From, To time.Time }

var maxTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

func (a timeSpan) overlaps(b timeSpan) bool { return a.From.Before(b.To) && b.From.Before(a.To) }

var divisionProps = []ogcProp{
	{Name: "code", Title: "区划代码", Type: "string"},
	{Name: "name", Title: "名称", Type: "string"},
	{Name: "level", Title: "层级", Type: "string"},
	{Name: "parent_code", Title: "上级区划代码", Type: "string", Queryable: true},
	{Name: "path", Title: "所属区划", Type: "array"},
	{Name: "households", Title: "户数", Type: "integer"},
	{Name: "population", Title: "人口", Type: "integer"},
	{Name: "population_60", Title: "60 岁及以上人口", Type: "integer"},
	{Name: "urban_rural_code", Title: "城乡分类代码", Type: "string", Queryable: true},
	{Name: "synthetic", Title: "演示数据", Type: "boolean"},
}

var boundaryLineProps = []ogcProp{
	{Name: "id", Title: "界线编号", Type: "string"},
	{Name: "level", Title: "层级", Type: "string"},
	{Name: "left_code", Title: "一侧区划代码", Type: "string", Queryable: true},
	{Name: "left_name", Title: "一侧区划名称", Type: "string"},
	{Name: "right_code", Title: "另一侧区划代码（外界线为空）", Type: "string", Queryable: true},
	{Name: "right_name", Title: "另一侧区划名称", Type: "string"},
	{Name: "length_m", Title: "长度（米）", Type: "number"},
	{Name: "outer", Title: "区界外界线", Type: "boolean", Queryable: true},
}

var markerProps = []ogcProp{
	{Name: "id", Title: "界桩编号", Type: "integer"},
	{Name: "number", Title: "界桩号", Type: "string"},
	{Name: "kind", Title: "类型", Type: "string", Queryable: true},
	{Name: "kind_name", Title: "类型名称", Type: "string"},
	{Name: "state", Title: "状态", Type: "string", Queryable: true},
	{Name: "state_name", Title: "状态名称", Type: "string"},
	{Name: "line_id", Title: "所在界线", Type: "string", Queryable: true},
	{Name: "level", Title: "界线层级", Type: "string", Queryable: true},
	{Name: "set_on", Title: "埋设日期", Type: "string"},
	{Name: "note", Title: "备注", Type: "string"},
	{Name: "version", Title: "版本", Type: "integer"},
	{Name: "line_missing", Title: "所在界线已不存在", Type: "boolean"},
	{Name: "distance_m", Title: "距界线（米）", Type: "number"},
	{Name: "off_line", Title: "偏离界线", Type: "boolean"},
}

var placeProps = []ogcProp{
	{Name: "id", Title: "地名编号", Type: "integer"},
	{Name: "name", Title: "标准名称", Type: "string"},
	{Name: "specific", Title: "专名", Type: "string"},
	{Name: "generic", Title: "通名", Type: "string", Queryable: true},
	{Name: "pinyin", Title: "罗马字母拼写", Type: "string"},
	{Name: "category", Title: "类别代码", Type: "string", Queryable: true},
	{Name: "category_name", Title: "类别", Type: "string"},
	{Name: "division_code", Title: "所在区划代码", Type: "string", Queryable: true},
	{Name: "division_path", Title: "所在区划", Type: "array"},
	{Name: "aliases", Title: "别名、简称", Type: "array"},
	{Name: "former_names", Title: "曾用名", Type: "array"},
	{Name: "meaning", Title: "含义", Type: "string"},
	{Name: "origin", Title: "来历", Type: "string"},
	{Name: "history", Title: "历史沿革", Type: "string"},
	{Name: "description", Title: "地理实体概况", Type: "string"},
	{Name: "named_on", Title: "命名日期", Type: "string"},
	{Name: "cancelled_on", Title: "注销日期", Type: "string"},
	{Name: "cancelled", Title: "已注销", Type: "boolean", Queryable: true},
	{Name: "approved_by", Title: "批准机关", Type: "string"},
	{Name: "approved_on", Title: "批准日期", Type: "string"},
	{Name: "protected", Title: "历史地名保护名录", Type: "boolean", Queryable: true},
	{Name: "synthetic", Title: "演示数据", Type: "boolean"},
	{Name: "version", Title: "版本", Type: "integer"},
}

var facilityProps = []ogcProp{
	{Name: "id", Title: "设施编号", Type: "integer"},
	{Name: "code", Title: "台账编号", Type: "string"},
	{Name: "name", Title: "名称", Type: "string"},
	{Name: "category", Title: "类别代码", Type: "string", Queryable: true},
	{Name: "category_name", Title: "类别", Type: "string"},
	{Name: "group", Title: "大类", Type: "string", Queryable: true},
	{Name: "address", Title: "地址", Type: "string"},
	{Name: "status", Title: "状态（open、planned、closed）", Type: "string", Queryable: true},
	{Name: "opened_on", Title: "启用日期（YYYY 或 YYYY-MM-DD）", Type: "string"},
	{Name: "village_code", Title: "所在村（社区）代码", Type: "string", Queryable: true},
	{Name: "township_code", Title: "所在街道（镇）代码", Type: "string", Queryable: true},
	{Name: "division_path", Title: "所在区划", Type: "array"},
	{Name: "floor_area", Title: "建筑面积（平方米）", Type: "number"},
	{Name: "beds", Title: "床位数", Type: "integer"},
	{Name: "comprehensive", Title: "具备综合功能", Type: "boolean"},
	{Name: "volunteer_station", Title: "设有志愿服务站", Type: "boolean"},
	{Name: "off_network_m", Title: "距路网（米）", Type: "number"},
	{Name: "synthetic", Title: "演示数据", Type: "boolean"},
	{Name: "note", Title: "备注", Type: "string"},
	{Name: "version", Title: "版本", Type: "integer"},
}

// ogcCollections are the collections, in the order they are listed.
var ogcCollections = []ogcCollection{
	divisionCollection(gazetteer.LevelDistrict, "divisions-district", "区级行政区划", "沙坪坝区的行政区域界线范围。"),
	divisionCollection(gazetteer.LevelTownship, "divisions-township", "街道、镇", "沙坪坝区的街道和镇（乡级行政区划）。"),
	divisionCollection(gazetteer.LevelVillage, "divisions-village", "社区、村", "社区居民委员会和村民委员会（村级区划）。"),
	boundaryLineCollection(gazetteer.LevelTownship, "boundary-lines-township", "街道、镇界线", "相邻街道、镇之间的界线及区界外界线，编号为“左侧代码|右侧代码”。"),
	boundaryLineCollection(gazetteer.LevelVillage, "boundary-lines-village", "社区、村界线", "相邻社区、村之间的界线及外界线，编号为“左侧代码|右侧代码”。"),
	{
		ID: "markers", Title: "界桩", Description: "行政区域界线上的界桩，含与所在界线的距离。datetime 按埋设日期（set_on）筛选。",
		Props: markerProps, Temporal: "埋设日期 set_on（按整日计，北京时间；未记载日期的界桩不在任何时间内）",
		open: func(m *readmodel.Model, loc *time.Location) (ogcSource, error) {
			mks := m.Markers
			return ogcSource{
				n:        len(mks),
				id:       func(i int) string { return strconv.FormatInt(mks[i].ID, 10) },
				geometry: func(i int) orb.Geometry { return mks[i].Point },
				feature: func(i int) *geojson.Feature {
					return markerFeature(m, mks[i], gazetteer.DefaultMarkerToleranceM)
				},
				span: func(i int) (timeSpan, bool) { return civilSpan(mks[i].SetOn, loc) },
			}, nil
		},
	},
	{
		ID: "places", Title: "标准地名", Description: "标准地名（含已注销地名，cancelled 为 true）。datetime 按地名的有效期筛选：命名日期（未记载则不限）至注销日期。",
		Props: placeProps, Temporal: "有效期：命名日期 named_on（未记载则不限）至注销日期 cancelled_on（北京时间）",
		open: func(m *readmodel.Model, loc *time.Location) (ogcSource, error) {
			ps := m.Places.All()
			return ogcSource{
				n:        len(ps),
				id:       func(i int) string { return strconv.FormatInt(ps[i].ID, 10) },
				geometry: func(i int) orb.Geometry { return ps[i].Geometry },
				feature:  func(i int) *geojson.Feature { return placeFeature(m, ps[i]) },
				span:     func(i int) (timeSpan, bool) { return placeSpan(ps[i], loc) },
			}, nil
		},
	},
	{
		ID: "facilities", Title: "公共服务设施", Description: "养老、社区服务、彩票、殡葬等公共服务设施（含规划和已关闭的，见 status）。datetime 按启用日期（opened_on）筛选。",
		Props: facilityProps, Temporal: "启用日期 opened_on（按整年或整日计，北京时间；未记载日期的设施不在任何时间内）",
		open: func(m *readmodel.Model, loc *time.Location) (ogcSource, error) {
			cm := m.Coverage
			if cm == nil {
				return ogcSource{n: 0, span: func(int) (timeSpan, bool) { return timeSpan{}, false }}, nil
			}
			fs := cm.Facilities()
			return ogcSource{
				n:        len(fs),
				id:       func(i int) string { return strconv.FormatInt(fs[i].ID, 10) },
				geometry: func(i int) orb.Geometry { return fs[i].Point },
				feature:  func(i int) *geojson.Feature { return facilityFeature(cm, fs[i]) },
				span:     func(i int) (timeSpan, bool) { return civilSpan(fs[i].OpenedOn, loc) },
			}, nil
		},
	},
}

func divisionCollection(level gazetteer.Level, id, title, desc string) ogcCollection {
	return ogcCollection{ID: id, Title: title, Description: desc, Props: divisionProps,
		open: func(m *readmodel.Model, _ *time.Location) (ogcSource, error) {
			ds := m.Divisions.Divisions(gazetteer.DivisionFilter{Level: level})
			return ogcSource{
				n:        len(ds),
				id:       func(i int) string { return ds[i].Code },
				geometry: func(i int) orb.Geometry { return ds[i].Geometry },
				feature:  func(i int) *geojson.Feature { return divisionFeature(m, ds[i]) },
			}, nil
		}}
}

func boundaryLineCollection(level gazetteer.Level, id, title, desc string) ogcCollection {
	return ogcCollection{ID: id, Title: title, Description: desc, Props: boundaryLineProps,
		open: func(m *readmodel.Model, _ *time.Location) (ogcSource, error) {
			ls, err := m.BoundaryLines(level)
			if err != nil {
				return ogcSource{}, err
			}
			return ogcSource{
				n:        len(ls),
				id:       func(i int) string { return ls[i].ID },
				geometry: func(i int) orb.Geometry { return ls[i].Geometry },
				feature:  func(i int) *geojson.Feature { return boundaryLineFeature(ls[i]) },
			}, nil
		}}
}

// boundaryLineFeature is a boundary line as GeoJSON, with the properties
// GET /api/v1/boundaries/lines gives it.
func boundaryLineFeature(l gazetteer.BoundaryLine) *geojson.Feature {
	f := geojson.NewFeature(l.Geometry)
	f.ID = l.ID
	f.Properties = geojson.Properties{"id": l.ID, "level": l.Level, "left_code": l.LeftCode, "right_code": l.RightCode,
		"left_name": l.LeftName, "right_name": l.RightName, "length_m": l.LengthM, "outer": l.RightCode == ""}
	return f
}

// placeFeature is a standard place name as GeoJSON: its own geometry
// (point, line or area) and the public parts of its record.
func placeFeature(m *readmodel.Model, p gazetteer.Place) *geojson.Feature {
	f := geojson.NewFeature(p.Geometry)
	f.ID = p.ID
	c, _ := gazetteer.CategoryByCode(p.Category)
	f.Properties = geojson.Properties{"id": p.ID, "name": p.Name, "specific": p.Specific, "generic": p.Generic,
		"pinyin": p.Romanization, "category": p.Category, "category_name": c.Name, "division_code": p.DivisionCode,
		"division_path": nonNilStrings(m.Divisions.Path(p.DivisionCode)), "aliases": nonNilStrings(p.Aliases),
		"former_names": nonNilStrings(p.FormerNames), "meaning": p.Meaning, "origin": p.Origin, "history": p.History,
		"description": p.Description, "named_on": p.NamedOn, "cancelled_on": p.CancelledOn, "cancelled": p.CancelledOn != "",
		"approved_by": p.ApprovedBy, "approved_on": p.ApprovedOn, "protected": p.Protected, "synthetic": p.Synthetic,
		"version": p.Version}
	return f
}

// civilSpan is the time a civil date covers in loc: the whole year for
// YYYY, the month for YYYY-MM, the day for YYYY-MM-DD; ok is false for an
// empty or unreadable date.
func civilSpan(s string, loc *time.Location) (timeSpan, bool) {
	for _, layout := range []struct {
		layout     string
		y, m, days int
	}{{"2006-01-02", 0, 0, 1}, {"2006-01", 0, 1, 0}, {"2006", 1, 0, 0}} {
		if len(s) != len(layout.layout) {
			continue
		}
		t, err := time.ParseInLocation(layout.layout, s, loc)
		if err != nil {
			return timeSpan{}, false
		}
		return timeSpan{From: t, To: t.AddDate(layout.y, layout.m, layout.days)}, true
	}
	return timeSpan{}, false
}

// placeSpan is how long a name is valid: from the day it was named (open
// when not recorded) to the day it was cancelled (open while it stands).
func placeSpan(p gazetteer.Place, loc *time.Location) (timeSpan, bool) {
	sp := timeSpan{To: maxTime}
	if named, ok := civilSpan(p.NamedOn, loc); ok {
		sp.From = named.From
	}
	if cancelled, ok := civilSpan(p.CancelledOn, loc); ok {
		sp.To = cancelled.From
	}
	return sp, true
}

// ogcLink is a link of an OGC API document.
type ogcLink struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// ogcFeature is a GeoJSON feature with OGC API links.
type ogcFeature struct {
	Type       string             `json:"type"`
	ID         any                `json:"id"`
	Geometry   *geojson.Geometry  `json:"geometry"`
	Properties geojson.Properties `json:"properties"`
	Links      []ogcLink          `json:"links,omitempty"`
}

func toOGCFeature(f *geojson.Feature) ogcFeature {
	out := ogcFeature{Type: "Feature", ID: f.ID, Properties: f.Properties}
	if f.Geometry != nil {
		out.Geometry = geojson.NewGeometry(f.Geometry)
	}
	return out
}

// mountOGC adds OGC API – Features (/ogc…).
func (s *Server) mountOGC(r chi.Router) {
	r.Route("/ogc", func(r chi.Router) {
		r.Get("/", ogcH(s.ogcLanding))
		r.Get("/api", ogcH(s.ogcAPI))
		r.Get("/conformance", ogcH(s.ogcConformance))
		r.Get("/collections", ogcH(s.ogcCollectionList))
		r.Get("/collections/{collectionId}", ogcH(s.ogcCollection))
		r.Get("/collections/{collectionId}/queryables", ogcH(s.ogcQueryables))
		r.Get("/collections/{collectionId}/schema", ogcH(s.ogcSchema))
		r.Get("/collections/{collectionId}/items", ogcH(s.ogcItems))
		r.Get("/collections/{collectionId}/items/{featureId}", ogcH(s.ogcItem))
	})
}

// ogcBase is the absolute URL of /ogc as the client reached it (GDAL
// resolves links against the landing page, so they must be absolute),
// behind a trusted proxy as its X-Forwarded-Proto and -Host say, like the
// tile URLs.
func ogcBase(r *http.Request) string {
	return publicBase(r) + "/ogc"
}

// ogcOffer is one representation a route can answer with: chosen by
// ?f=F, or else by the Accept header matching one of Accept.
type ogcOffer struct {
	F           string
	Accept      []string
	ContentType string
}

var (
	offerJSON    = []ogcOffer{{F: "json", Accept: []string{mediaJSON}, ContentType: jsonContentType}}
	offerFeature = []ogcOffer{
		{F: "geojson", Accept: []string{mediaGeoJSON}, ContentType: geoJSONType},
		{F: "json", Accept: []string{mediaJSON}, ContentType: jsonContentType},
	}
	offerOpenAPI = []ogcOffer{{F: "json", Accept: []string{mediaOpenAPI, mediaOpenAPIAlt, mediaJSON}, ContentType: mediaOpenAPI}}
	offerSchema  = []ogcOffer{{F: "json", Accept: []string{mediaJSONSchema, mediaJSON}, ContentType: schemaMediaType}}
)

// The two encodings of features: f value → media type, and each's other.
var (
	featureFormatType  = map[string]string{"geojson": mediaGeoJSON, "json": mediaJSON}
	otherFeatureFormat = map[string]string{"geojson": "json", "json": "geojson"}
)

// errNotAcceptable is answered with 406.
type errNotAcceptable struct{ error }

// negotiate picks the representation: ?f= when given (an unknown value is
// a 400), else the best the Accept header takes (none is a 406), else the
// first offer.
func negotiate(r *http.Request, q url.Values, offers []ogcOffer) (ogcOffer, error) {
	fs := make([]string, len(offers))
	for i, o := range offers {
		fs[i] = o.F
	}
	if q.Has("f") {
		f := q.Get("f")
		for _, o := range offers {
			if f == o.F {
				return o, nil
			}
		}
		return ogcOffer{}, diming.Errorf(diming.EINVALID, "不提供格式 f=%q（没有 HTML 页面）；可用：%s",
			"format f=%q is not offered (there is no HTML); use %s", truncate(f, 20), strings.Join(fs, ", "))
	}
	accept := r.Header.Get("Accept")
	if strings.TrimSpace(accept) == "" {
		return offers[0], nil
	}
	best, bestQ := -1, 0.0
	for i, o := range offers {
		for _, mt := range o.Accept {
			if q := acceptQuality(accept, mt); q > bestQ {
				best, bestQ = i, q
			}
		}
	}
	if best < 0 {
		var types []string
		for _, o := range offers {
			types = append(types, o.Accept...)
		}
		return ogcOffer{}, errNotAcceptable{diming.Errorf(diming.EINVALID, "无法提供 Accept 所要求的格式；可用：%s（或 f=%s）",
			"cannot answer in a format the Accept header takes; available: %s (or f=%s)", strings.Join(types, ", "), strings.Join(fs, "|"))}
	}
	return offers[best], nil
}

// acceptQuality is the q-value the Accept header gives a media type (its
// most specific matching range wins; parameters other than q are ignored).
func acceptQuality(accept, mediaType string) float64 {
	want, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return 0
	}
	wantMain, _, _ := strings.Cut(want, "/")
	q, specificity := 0.0, -1
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		main, sub, _ := strings.Cut(mt, "/")
		spec := -1
		switch {
		case mt == want:
			spec = 2
		case sub == "*" && main == wantMain:
			spec = 1
		case mt == "*/*":
			spec = 0
		}
		if spec < specificity || spec < 0 {
			continue
		}
		pq := 1.0
		if v, ok := params["q"]; ok {
			if pq, err = strconv.ParseFloat(v, 64); err != nil || pq < 0 || pq > 1 {
				pq = 0
			}
		}
		if spec > specificity {
			q, specificity = pq, spec
		} else if pq > q {
			q = pq
		}
	}
	return q
}

// ogcStart begins every /ogc handler: it checks the query (the allowed
// names plus f) and negotiates the format.
func ogcStart(r *http.Request, offers []ogcOffer, allowed ...string) (url.Values, ogcOffer, error) {
	q, err := queryParams(r, append(allowed, "f")...)
	if err != nil {
		return nil, ogcOffer{}, err
	}
	o, err := negotiate(r, q, offers)
	return q, o, err
}

// ogcRespond writes v with the offer's content type.
func ogcRespond(w http.ResponseWriter, o ogcOffer, v any) error {
	w.Header().Set("Vary", "Accept, X-Forwarded-Proto, X-Forwarded-Host")
	return writeJSON(w, http.StatusOK, o.ContentType, v)
}

// ogcH adapts an /ogc handler like h does, except that a failed
// negotiation is answered 406 Not Acceptable.
func ogcH(f apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := f(w, r)
		if na, ok := err.(errNotAcceptable); ok {
			writeErrorStatus(w, r, http.StatusNotAcceptable, na.error)
		} else if err != nil {
			writeError(w, r, err)
		}
	}
}

// ogcLanding: GET /ogc, the landing page.
func (s *Server) ogcLanding(w http.ResponseWriter, r *http.Request) error {
	_, o, err := ogcStart(r, offerJSON)
	if err != nil {
		return err
	}
	base := ogcBase(r)
	return ogcRespond(w, o, map[string]any{
		"title":       ogcTitle,
		"description": ogcSummary,
		"links": []ogcLink{
			{Href: base + "?f=json", Rel: "self", Type: mediaJSON, Title: "本页"},
			{Href: base + "/api", Rel: "service-desc", Type: mediaOpenAPI, Title: "OpenAPI 3.0 接口定义"},
			{Href: base + "/conformance", Rel: "conformance", Type: mediaJSON, Title: "符合的标准类别"},
			{Href: base + "/collections", Rel: "data", Type: mediaJSON, Title: "要素集合"},
		},
	})
}

// ogcConformance: GET /ogc/conformance.
func (s *Server) ogcConformance(w http.ResponseWriter, r *http.Request) error {
	_, o, err := ogcStart(r, offerJSON)
	if err != nil {
		return err
	}
	return ogcRespond(w, o, map[string]any{"conformsTo": ogcConformanceClasses})
}

// findCollection is the collection named in the path, or a 404.
func findCollection(r *http.Request) (*ogcCollection, error) {
	id := chi.URLParam(r, "collectionId")
	for i := range ogcCollections {
		if ogcCollections[i].ID == id {
			return &ogcCollections[i], nil
		}
	}
	ids := make([]string, len(ogcCollections))
	for i, c := range ogcCollections {
		ids[i] = c.ID
	}
	return nil, diming.Errorf(diming.ENOTFOUND, "没有要素集合 %q；现有：%s", "no collection %q; there are: %s",
		truncate(id, 60), strings.Join(ids, ", "))
}

// ogcCollectionList: GET /ogc/collections.
func (s *Server) ogcCollectionList(w http.ResponseWriter, r *http.Request) error {
	_, o, err := ogcStart(r, offerJSON)
	if err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	base := ogcBase(r)
	cols := []map[string]any{}
	for i := range ogcCollections {
		c, err := s.collectionDoc(m, base, &ogcCollections[i])
		if err != nil {
			return err
		}
		cols = append(cols, c)
	}
	return ogcRespond(w, o, map[string]any{
		"links":       []ogcLink{{Href: base + "/collections?f=json", Rel: "self", Type: mediaJSON, Title: "要素集合"}},
		"collections": cols,
	})
}

// ogcCollection: GET /ogc/collections/{collectionId}.
func (s *Server) ogcCollection(w http.ResponseWriter, r *http.Request) error {
	c, err := findCollection(r)
	if err != nil {
		return err
	}
	_, o, err := ogcStart(r, offerJSON)
	if err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	doc, err := s.collectionDoc(m, ogcBase(r), c)
	if err != nil {
		return err
	}
	return ogcRespond(w, o, doc)
}

// collectionDoc describes a collection, with its extent from the data.
func (s *Server) collectionDoc(m *readmodel.Model, base string, c *ogcCollection) (map[string]any, error) {
	src, err := c.open(m, s.cfg.Location)
	if err != nil {
		return nil, err
	}
	href := base + "/collections/" + c.ID
	extent := map[string]any{}
	var bound orb.Bound
	found := false
	for i := 0; i < src.n; i++ {
		g := src.geometry(i)
		if g == nil {
			continue
		}
		if b := g.Bound(); !found {
			bound, found = b, true
		} else {
			bound = bound.Union(b)
		}
	}
	if found {
		extent["spatial"] = map[string]any{"bbox": [][]float64{{bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1]}}, "crs": crs84}
	}
	if src.span != nil {
		var lo, hi *timeSpan
		for i := 0; i < src.n; i++ {
			sp, ok := src.span(i)
			if !ok {
				continue
			}
			if lo == nil {
				a, b := sp, sp
				lo, hi = &a, &b
			}
			if sp.From.Before(lo.From) {
				lo.From = sp.From
			}
			if sp.To.After(hi.To) {
				hi.To = sp.To
			}
		}
		if lo != nil {
			end := func(t time.Time) any {
				if t.IsZero() || !t.Before(maxTime) {
					return nil
				}
				return t.In(s.cfg.Location).Format(time.RFC3339)
			}
			extent["temporal"] = map[string]any{"interval": [][]any{{end(lo.From), end(hi.To)}}, "trs": gregorian}
		}
	}
	doc := map[string]any{
		"id": c.ID, "title": c.Title, "description": c.Description, "itemType": "feature",
		"crs": []string{crs84}, "storageCrs": crs84,
		"links": []ogcLink{
			{Href: href + "?f=json", Rel: "self", Type: mediaJSON, Title: c.Title},
			{Href: href + "/items?f=geojson", Rel: "items", Type: mediaGeoJSON, Title: c.Title + "（GeoJSON）"},
			{Href: href + "/items?f=json", Rel: "items", Type: mediaJSON, Title: c.Title + "（JSON）"},
			{Href: href + "/queryables", Rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables", Type: mediaJSONSchema, Title: "可筛选属性"},
			{Href: href + "/schema", Rel: "describedBy", Type: mediaJSONSchema, Title: "要素的 JSON Schema"},
		},
	}
	if len(extent) > 0 {
		doc["extent"] = extent
	}
	return doc, nil
}

// ogcQueryables: GET /ogc/collections/{collectionId}/queryables, the
// properties items can be filtered on (?name=value), as JSON Schema.
func (s *Server) ogcQueryables(w http.ResponseWriter, r *http.Request) error {
	c, err := findCollection(r)
	if err != nil {
		return err
	}
	_, o, err := ogcStart(r, offerSchema)
	if err != nil {
		return err
	}
	var props []ogcProp
	for _, p := range c.Props {
		if p.Queryable {
			props = append(props, p)
		}
	}
	href := ogcBase(r) + "/collections/" + c.ID
	return ogcRespond(w, o, map[string]any{
		"$schema": "https://json-schema.org/draft/2019-09/schema", "$id": href + "/queryables",
		"type": "object", "title": c.Title + "：可筛选属性", "properties": schemaProps(props), "additionalProperties": false,
	})
}

// ogcSchema: GET /ogc/collections/{collectionId}/schema, the JSON Schema of
// the collection's GeoJSON features (linked as describedby: GDAL reads the
// property types from it, so every feature gets every field).
func (s *Server) ogcSchema(w http.ResponseWriter, r *http.Request) error {
	c, err := findCollection(r)
	if err != nil {
		return err
	}
	_, o, err := ogcStart(r, offerSchema)
	if err != nil {
		return err
	}
	href := ogcBase(r) + "/collections/" + c.ID
	return ogcRespond(w, o, map[string]any{
		"$schema": "https://json-schema.org/draft/2019-09/schema", "$id": href + "/schema",
		"title": c.Title, "type": "object", "required": []string{"type", "geometry", "properties"},
		"properties": map[string]any{
			"type":       map[string]any{"type": "string", "enum": []string{"Feature"}},
			"id":         map[string]any{"type": []string{"string", "integer"}},
			"geometry":   map[string]any{"type": []string{"object", "null"}},
			"properties": map[string]any{"type": "object", "properties": schemaProps(c.Props)},
		},
	})
}

// schemaProps is declared properties as JSON Schema properties, in their
// declared order (GDAL creates the fields in document order).
type schemaProps []ogcProp

// MarshalJSON writes the properties as an object in declared order.
func (ps schemaProps) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(p.Name)
		if err != nil {
			return nil, err
		}
		def := map[string]any{"title": p.Title, "type": p.Type}
		if p.Type == "array" {
			def["items"] = map[string]any{"type": "string"}
		}
		d, err := json.Marshal(def)
		if err != nil {
			return nil, err
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(d)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// itemQuery is what an items request asks for.
type itemQuery struct {
	limit, offset int
	bbox          *orb.Bound
	when          *timeSpan
	props         map[string]string
}

// parseItemQuery checks the items parameters: limit, offset, bbox,
// bbox-crs, datetime and the collection's queryables.
func (s *Server) parseItemQuery(c *ogcCollection, q url.Values) (itemQuery, error) {
	iq := itemQuery{limit: ogcDefaultLimit, props: map[string]string{}}
	if v := q.Get("limit"); q.Has("limit") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return iq, diming.Errorf(diming.EINVALID, "limit 应为正整数（最大 %d，更大的按 %d 计）", "limit must be a positive integer (at most %d; larger counts as %d)", ogcMaxLimit, ogcMaxLimit)
		}
		iq.limit = min(n, ogcMaxLimit)
	}
	if v := q.Get("offset"); q.Has("offset") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return iq, diming.Errorf(diming.EINVALID, "offset 应为非负整数", "offset must be a non-negative integer")
		}
		iq.offset = n
	}
	if q.Has("bbox-crs") && q.Get("bbox-crs") != crs84 {
		return iq, diming.Errorf(diming.EINVALID, "bbox-crs 只支持 %s（经度、纬度）", "bbox-crs supports only %s (longitude, latitude)", crs84)
	}
	if q.Has("bbox") {
		v := q.Get("bbox")
		// Six numbers are a 3-D box: our features are 2-D, so the heights
		// do not select anything and are dropped.
		if parts := strings.Split(v, ","); len(parts) == 6 {
			v = strings.Join([]string{parts[0], parts[1], parts[3], parts[4]}, ",")
		}
		b, err := parseBBox(v)
		if err != nil {
			return iq, err
		}
		iq.bbox = b
	}
	if q.Has("datetime") {
		if c.Temporal == "" {
			return iq, diming.Errorf(diming.EINVALID, "要素集合 %s 没有时间属性，不支持 datetime", "collection %s has no time; datetime is not supported there", c.ID)
		}
		sp, err := parseDatetime(q.Get("datetime"), s.cfg.Location)
		if err != nil {
			return iq, err
		}
		iq.when = &sp
	}
	for _, p := range c.Props {
		if !p.Queryable || !q.Has(p.Name) {
			continue
		}
		v := q.Get(p.Name)
		if err := checkQueryable(p, v); err != nil {
			return iq, err
		}
		iq.props[p.Name] = v
	}
	return iq, nil
}

// itemParams are the parameters an items request of c may have (besides f).
func itemParams(c *ogcCollection) []string {
	// datetime is named even where there is no time, so that the answer
	// there is "no time here" rather than "unknown parameter".
	names := []string{"limit", "offset", "bbox", "bbox-crs", "datetime"}
	for _, p := range c.Props {
		if p.Queryable {
			names = append(names, p.Name)
		}
	}
	return names
}

// checkQueryable checks a filter value against the property's type.
func checkQueryable(p ogcProp, v string) error {
	ok := true
	switch p.Type {
	case "integer":
		_, err := strconv.ParseInt(v, 10, 64)
		ok = err == nil
	case "number":
		x, err := strconv.ParseFloat(v, 64)
		ok = err == nil && !math.IsNaN(x) && !math.IsInf(x, 0)
	case "boolean":
		ok = v == "true" || v == "false"
	}
	if !ok {
		return diming.Errorf(diming.EINVALID, "参数 %s 的值 %q 不是 %s", "%s=%q is not a valid %s", p.Name, truncate(v, 40), p.Type)
	}
	return nil
}

// propMatches says a feature's property value equals a filter value.
func propMatches(v any, want string) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x == want
	case bool:
		return strconv.FormatBool(x) == want
	case int, int32, int64, float32, float64:
		w, err := strconv.ParseFloat(want, 64)
		return err == nil && toFloat(x) == w
	}
	return fmt.Sprint(v) == want
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case float32:
		return float64(x)
	case float64:
		return x
	}
	return math.NaN()
}

// parseDatetime reads the datetime parameter: an RFC 3339 date-time or
// date (a whole day in loc), or an interval of two such, either end open
// as ".." or empty.
func parseDatetime(s string, loc *time.Location) (timeSpan, error) {
	bad := diming.Errorf(diming.EINVALID,
		"datetime %q 无效：应为 RFC 3339 时间或日期（如 2020-05-01T08:00:00+08:00、2020-05-01），或以 / 分隔的区间，开放的一端写作 ..",
		"invalid datetime %q: use an RFC 3339 date-time or date (2020-05-01T08:00:00+08:00, 2020-05-01) or an interval of two separated by /, an open end as ..",
		truncate(s, 80))
	instant := func(v string) (timeSpan, bool) {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return timeSpan{From: t, To: t.Add(time.Nanosecond)}, true
		}
		if len(v) == len("2006-01-02") {
			return civilSpan(v, loc)
		}
		return timeSpan{}, false
	}
	start, end, isInterval := strings.Cut(s, "/")
	if !isInterval {
		sp, ok := instant(s)
		if !ok {
			return timeSpan{}, bad
		}
		return sp, nil
	}
	sp := timeSpan{To: maxTime}
	if start != ".." && start != "" {
		a, ok := instant(start)
		if !ok {
			return timeSpan{}, bad
		}
		sp.From = a.From
	}
	if end != ".." && end != "" {
		b, ok := instant(end)
		if !ok {
			return timeSpan{}, bad
		}
		sp.To = b.To
	}
	if !sp.From.Before(sp.To) {
		return timeSpan{}, diming.Errorf(diming.EINVALID, "datetime %q 的开始晚于结束", "datetime %q starts after it ends", truncate(s, 80))
	}
	return sp, nil
}

// intersects says g intersects the box b: exactly, with simplefeatures,
// when the bounding boxes overlap without one holding the other.
func intersects(g orb.Geometry, b orb.Bound) bool {
	if g == nil {
		return false
	}
	gb := g.Bound()
	if !gb.Intersects(b) {
		return false
	}
	if b.Contains(gb.Min) && b.Contains(gb.Max) {
		return true
	}
	if _, ok := g.(orb.Point); ok {
		return true // a point's box is the point
	}
	raw, err := wkb.Marshal(g)
	if err != nil {
		return true
	}
	sg, err := sf.UnmarshalWKB(raw, sf.NoValidate{})
	if err != nil {
		return true // cannot tell exactly: the boxes overlap
	}
	box := sf.NewEnvelope(sf.XY{X: b.Min[0], Y: b.Min[1]}, sf.XY{X: b.Max[0], Y: b.Max[1]})
	return sf.Intersects(sg, box.AsGeometry())
}

// ogcItems: GET /ogc/collections/{collectionId}/items?bbox=&limit=&offset=&datetime=&…
func (s *Server) ogcItems(w http.ResponseWriter, r *http.Request) error {
	c, err := findCollection(r)
	if err != nil {
		return err
	}
	q, o, err := ogcStart(r, offerFeature, itemParams(c)...)
	if err != nil {
		return err
	}
	iq, err := s.parseItemQuery(c, q)
	if err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	src, err := c.open(m, s.cfg.Location)
	if err != nil {
		return err
	}
	built := map[int]*geojson.Feature{}
	feature := func(i int) *geojson.Feature {
		if f, ok := built[i]; ok {
			return f
		}
		f := src.feature(i)
		built[i] = f
		return f
	}
	var matched []int
	for i := 0; i < src.n; i++ {
		if iq.bbox != nil && !intersects(src.geometry(i), *iq.bbox) {
			continue
		}
		if iq.when != nil {
			if sp, ok := src.span(i); !ok || !sp.overlaps(*iq.when) {
				continue
			}
		}
		if len(iq.props) > 0 {
			props := feature(i).Properties
			ok := true
			for name, want := range iq.props {
				if !propMatches(props[name], want) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
		}
		matched = append(matched, i)
	}
	page := []ogcFeature{}
	for k := iq.offset; k < len(matched) && k < iq.offset+iq.limit; k++ {
		page = append(page, toOGCFeature(feature(matched[k])))
	}

	// Links keep the request's parameters, with limit and offset spelled out.
	href := ogcBase(r) + "/collections/" + c.ID + "/items"
	link := func(offset int, f string) string {
		v := url.Values{}
		for name, vals := range q {
			v[name] = vals
		}
		v.Set("limit", strconv.Itoa(iq.limit))
		v.Set("offset", strconv.Itoa(offset))
		v.Set("f", f)
		return href + "?" + v.Encode()
	}
	self, alt := o.F, otherFeatureFormat[o.F]
	typeOf := featureFormatType
	links := []ogcLink{
		{Href: link(iq.offset, self), Rel: "self", Type: typeOf[self], Title: "本页"},
		{Href: link(iq.offset, alt), Rel: "alternate", Type: typeOf[alt], Title: "本页（" + alt + "）"},
	}
	if next := iq.offset + len(page); next < len(matched) {
		links = append(links, ogcLink{Href: link(next, self), Rel: "next", Type: typeOf[self], Title: "下一页"})
	}
	if iq.offset > 0 {
		prev := max(0, min(iq.offset, len(matched))-iq.limit)
		links = append(links, ogcLink{Href: link(prev, self), Rel: "prev", Type: typeOf[self], Title: "上一页"})
	}
	links = append(links, ogcLink{Href: ogcBase(r) + "/collections/" + c.ID + "?f=json", Rel: "collection", Type: mediaJSON, Title: c.Title})
	return ogcRespond(w, o, map[string]any{
		"type":           "FeatureCollection",
		"numberMatched":  len(matched),
		"numberReturned": len(page),
		"timeStamp":      time.Now().UTC().Format(time.RFC3339),
		"links":          links,
		"features":       page,
	})
}

// ogcItem: GET /ogc/collections/{collectionId}/items/{featureId}.
func (s *Server) ogcItem(w http.ResponseWriter, r *http.Request) error {
	c, err := findCollection(r)
	if err != nil {
		return err
	}
	_, o, err := ogcStart(r, offerFeature)
	if err != nil {
		return err
	}
	fid := chi.URLParam(r, "featureId")
	if u, err := url.PathUnescape(fid); err == nil {
		fid = u // a boundary line's id has a |, which arrives escaped
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	src, err := c.open(m, s.cfg.Location)
	if err != nil {
		return err
	}
	for i := 0; i < src.n; i++ {
		if src.id(i) != fid {
			continue
		}
		f := toOGCFeature(src.feature(i))
		href := ogcBase(r) + "/collections/" + c.ID
		self := href + "/items/" + url.PathEscape(fid)
		alt := otherFeatureFormat[o.F]
		f.Links = []ogcLink{
			{Href: self + "?f=" + o.F, Rel: "self", Type: featureFormatType[o.F], Title: "本要素"},
			{Href: self + "?f=" + alt, Rel: "alternate", Type: featureFormatType[alt], Title: "本要素（" + alt + "）"},
			{Href: href + "?f=json", Rel: "collection", Type: mediaJSON, Title: c.Title},
		}
		return ogcRespond(w, o, f)
	}
	return diming.Errorf(diming.ENOTFOUND, "要素集合 %s 中没有要素 %q", "collection %s has no feature %q", c.ID, truncate(fid, 60))
}

// ogcAPI: GET /ogc/api, the OpenAPI 3.0 description of /ogc (the oas30
// conformance class). Besides the generic paths it lists each
// collection's items path with its queryables, which is where GDAL learns
// which attribute filters it may send to the server.
func (s *Server) ogcAPI(w http.ResponseWriter, r *http.Request) error {
	_, o, err := ogcStart(r, offerOpenAPI)
	if err != nil {
		return err
	}
	return ogcRespond(w, o, openAPIDoc(ogcBase(r)))
}

// openAPIDoc builds the OpenAPI 3.0 document for the service at base.
func openAPIDoc(base string) map[string]any {
	ref := func(kind, name string) map[string]any {
		return map[string]any{"$ref": "#/components/" + kind + "/" + name}
	}
	content := func(schema string, types ...string) map[string]any {
		c := map[string]any{}
		for _, t := range types {
			c[t] = map[string]any{"schema": ref("schemas", schema)}
		}
		return c
	}
	ok := func(desc, schema string, types ...string) map[string]any {
		return map[string]any{"description": desc, "content": content(schema, types...)}
	}
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": content("Exception", mediaJSON)}
	}
	op := func(id, summary string, tags []string, params []any, resp200 map[string]any, extra ...string) map[string]any {
		responses := map[string]any{"200": resp200, "400": ref("responses", "BadRequest"), "406": ref("responses", "NotAcceptable")}
		for _, code := range extra {
			responses[code] = ref("responses", map[string]string{"404": "NotFound", "503": "Unavailable"}[code])
		}
		return map[string]any{"get": map[string]any{"operationId": id, "summary": summary, "tags": tags,
			"parameters": append([]any{ref("parameters", "f")}, params...), "responses": responses}}
	}
	ids := make([]string, len(ogcCollections))
	for i, c := range ogcCollections {
		ids[i] = c.ID
	}
	itemParamRefs := []any{ref("parameters", "limit"), ref("parameters", "offset"), ref("parameters", "bbox"),
		ref("parameters", "bbox-crs"), ref("parameters", "datetime")}
	paths := map[string]any{
		"/": op("getLandingPage", "首页 / landing page", []string{"Capabilities"}, nil,
			ok("首页", "LandingPage", mediaJSON)),
		"/api": op("getAPI", "本 OpenAPI 文档 / this API definition", []string{"Capabilities"}, nil,
			map[string]any{"description": "OpenAPI 3.0", "content": map[string]any{mediaOpenAPI: map[string]any{"schema": map[string]any{"type": "object"}}}}),
		"/conformance": op("getConformance", "符合的标准类别 / conformance classes", []string{"Capabilities"}, nil,
			ok("conformsTo", "ConfClasses", mediaJSON)),
		"/collections": op("getCollections", "要素集合 / feature collections", []string{"Capabilities"}, nil,
			ok("集合列表", "Collections", mediaJSON), "503"),
		"/collections/{collectionId}": op("describeCollection", "一个要素集合 / one collection", []string{"Capabilities"},
			[]any{ref("parameters", "collectionId")}, ok("集合", "Collection", mediaJSON), "404", "503"),
		"/collections/{collectionId}/queryables": op("getQueryables", "可筛选属性 / queryables", []string{"Capabilities"},
			[]any{ref("parameters", "collectionId")}, ok("JSON Schema", "JSONSchema", mediaJSONSchema), "404"),
		"/collections/{collectionId}/schema": op("getSchema", "要素的 JSON Schema / feature schema", []string{"Capabilities"},
			[]any{ref("parameters", "collectionId")}, ok("JSON Schema", "JSONSchema", mediaJSONSchema), "404"),
		"/collections/{collectionId}/items": op("getFeatures", "要素 / features", []string{"Data"},
			append([]any{ref("parameters", "collectionId")}, itemParamRefs...),
			ok("要素集（GeoJSON）", "FeatureCollectionGeoJSON", mediaGeoJSON, mediaJSON), "404", "503"),
		"/collections/{collectionId}/items/{featureId}": op("getFeature", "一个要素 / one feature", []string{"Data"},
			[]any{ref("parameters", "collectionId"), ref("parameters", "featureId")},
			ok("要素（GeoJSON）", "FeatureGeoJSON", mediaGeoJSON, mediaJSON), "404", "503"),
	}
	for _, c := range ogcCollections {
		params := []any{ref("parameters", "limit"), ref("parameters", "offset"), ref("parameters", "bbox"), ref("parameters", "bbox-crs")}
		if c.Temporal != "" {
			params = append(params, map[string]any{"name": "datetime", "in": "query", "required": false,
				"description": "按时间筛选：" + c.Temporal + "。RFC 3339 时间或日期，或以 / 分隔的区间（开放的一端写作 ..）。",
				"schema":      map[string]any{"type": "string"}, "style": "form", "explode": false})
		}
		for _, p := range c.Props {
			if !p.Queryable {
				continue
			}
			params = append(params, map[string]any{"name": p.Name, "in": "query", "required": false,
				"description": p.Title + "（精确匹配）", "schema": map[string]any{"type": p.Type}, "style": "form", "explode": false})
		}
		paths["/collections/"+c.ID+"/items"] = op("getFeatures-"+c.ID, c.Title, []string{"Data"}, params,
			ok(c.Title+"（GeoJSON）", "FeatureCollectionGeoJSON", mediaGeoJSON, mediaJSON), "503")
	}
	query := func(name, desc string, schema map[string]any) map[string]any {
		return map[string]any{"name": name, "in": "query", "required": false, "description": desc,
			"schema": schema, "style": "form", "explode": false}
	}
	link := map[string]any{"type": "object", "required": []string{"href", "rel"}, "properties": map[string]any{
		"href": map[string]any{"type": "string"}, "rel": map[string]any{"type": "string"},
		"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"}}}
	links := map[string]any{"type": "array", "items": ref("schemas", "Link")}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": ogcTitle, "version": "1.0.0", "description": ogcSummary,
			"license": map[string]any{"name": "公开数据 / public data"}},
		"servers": []any{map[string]any{"url": base, "description": "本服务 / this service"}},
		"tags": []any{
			map[string]any{"name": "Capabilities", "description": "服务与集合的描述"},
			map[string]any{"name": "Data", "description": "要素"},
		},
		"paths": paths,
		"components": map[string]any{
			"parameters": map[string]any{
				"f": query("f", "格式：json；要素还可用 geojson。没有 html。未给出时按 Accept 请求头。",
					map[string]any{"type": "string", "enum": []string{"json", "geojson"}}),
				"collectionId": map[string]any{"name": "collectionId", "in": "path", "required": true, "description": "要素集合",
					"schema": map[string]any{"type": "string", "enum": ids}},
				"featureId": map[string]any{"name": "featureId", "in": "path", "required": true,
					"description": "要素编号（界线编号中的 | 写作 %7C）", "schema": map[string]any{"type": "string"}},
				"limit": query("limit", fmt.Sprintf("每页要素数，默认 %d，最大 %d（更大的按 %d 计）", ogcDefaultLimit, ogcMaxLimit, ogcMaxLimit),
					map[string]any{"type": "integer", "minimum": 1, "maximum": ogcMaxLimit, "default": ogcDefaultLimit}),
				"offset": query("offset", "跳过的要素数（next 链接会带上）", map[string]any{"type": "integer", "minimum": 0, "default": 0}),
				"bbox": query("bbox", "范围：最小经度,最小纬度,最大经度,最大纬度（CRS84）；只返回与之相交的要素",
					map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}}),
				"bbox-crs": query("bbox-crs", "bbox 的坐标系，只支持 CRS84", map[string]any{"type": "string", "format": "uri", "enum": []string{crs84}}),
				"datetime": query("datetime", "按时间筛选（只适用于有时间的集合：markers、places、facilities）：RFC 3339 时间或日期，或以 / 分隔的区间，开放的一端写作 ..",
					map[string]any{"type": "string"}),
			},
			"responses": map[string]any{
				"BadRequest":    errResp("参数错误 / bad request"),
				"NotFound":      errResp("没有该集合或要素 / not found"),
				"NotAcceptable": errResp("无法提供所要求的格式 / not acceptable"),
				"Unavailable":   errResp("服务正在启动 / starting"),
			},
			"schemas": map[string]any{
				"Link": link,
				"LandingPage": map[string]any{"type": "object", "required": []string{"links"}, "properties": map[string]any{
					"title": map[string]any{"type": "string"}, "description": map[string]any{"type": "string"}, "links": links}},
				"ConfClasses": map[string]any{"type": "object", "required": []string{"conformsTo"}, "properties": map[string]any{
					"conformsTo": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}},
				"Collection": map[string]any{"type": "object", "required": []string{"id", "links"}, "properties": map[string]any{
					"id": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"},
					"description": map[string]any{"type": "string"}, "links": links,
					"extent":   map[string]any{"type": "object"},
					"itemType": map[string]any{"type": "string"},
					"crs":      map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}},
				"Collections": map[string]any{"type": "object", "required": []string{"links", "collections"}, "properties": map[string]any{
					"links": links, "collections": map[string]any{"type": "array", "items": ref("schemas", "Collection")}}},
				"FeatureGeoJSON": map[string]any{"type": "object", "required": []string{"type", "geometry", "properties"}, "properties": map[string]any{
					"type":       map[string]any{"type": "string", "enum": []string{"Feature"}},
					"id":         map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}},
					"geometry":   map[string]any{"type": "object", "nullable": true},
					"properties": map[string]any{"type": "object", "nullable": true},
					"links":      links}},
				"FeatureCollectionGeoJSON": map[string]any{"type": "object", "required": []string{"type", "features"}, "properties": map[string]any{
					"type":           map[string]any{"type": "string", "enum": []string{"FeatureCollection"}},
					"features":       map[string]any{"type": "array", "items": ref("schemas", "FeatureGeoJSON")},
					"links":          links,
					"timeStamp":      map[string]any{"type": "string", "format": "date-time"},
					"numberMatched":  map[string]any{"type": "integer", "minimum": 0},
					"numberReturned": map[string]any{"type": "integer", "minimum": 0}}},
				"JSONSchema": map[string]any{"type": "object"},
				"Exception": map[string]any{"type": "object", "required": []string{"error"}, "properties": map[string]any{
					"error": map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": map[string]any{
						"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"},
						"message_en": map[string]any{"type": "string"}, "request_id": map[string]any{"type": "string"}}}}},
			},
		},
	}
}

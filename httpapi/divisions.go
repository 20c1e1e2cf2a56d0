package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/geojson"

	"diming/gazetteer"
	"diming/readmodel"
)

const geoJSONType = "application/geo+json; charset=utf-8"

func divisionFeature(m *readmodel.Model, d gazetteer.Division) *geojson.Feature {
	f := geojson.NewFeature(d.Geometry)
	f.ID = d.Code
	f.Properties = geojson.Properties{
		"code":             d.Code,
		"name":             d.Name,
		"level":            d.Level,
		"parent_code":      d.ParentCode,
		"path":             m.Divisions.Path(d.Code),
		"households":       d.Households,
		"population":       d.Population,
		"population_60":    d.Population60,
		"urban_rural_code": d.UrbanRuralCode,
		"synthetic":        d.Synthetic,
	}
	return f
}

// listDivisions: GET /api/v1/divisions?level=&parent=&bbox=
func (s *Server) listDivisions(w http.ResponseWriter, r *http.Request) {
	q, err := queryParams(r, "level", "parent", "bbox")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var f gazetteer.DivisionFilter
	if v := q.Get("level"); q.Has("level") {
		if f.Level, err = gazetteer.ParseLevel(v); err != nil {
			writeError(w, r, err)
			return
		}
	}
	if q.Has("parent") {
		if f.ParentCode, err = gazetteer.NormalizeCode(q.Get("parent")); err != nil {
			writeError(w, r, err)
			return
		}
	}
	if q.Has("bbox") {
		if f.BBox, err = parseBBox(q.Get("bbox")); err != nil {
			writeError(w, r, err)
			return
		}
	}
	m, err := s.currentModel()
	if err != nil {
		writeError(w, r, err)
		return
	}
	fc := geojson.NewFeatureCollection()
	for _, d := range m.Divisions.Divisions(f) {
		fc.Append(divisionFeature(m, d))
	}
	writeJSON(w, http.StatusOK, geoJSONType, fc)
}

// getDivision: GET /api/v1/divisions/{code}
func (s *Server) getDivision(w http.ResponseWriter, r *http.Request) {
	if _, err := queryParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	code, err := gazetteer.NormalizeCode(chi.URLParam(r, "code"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	m, err := s.currentModel()
	if err != nil {
		writeError(w, r, err)
		return
	}
	d, err := m.Divisions.Division(code)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, geoJSONType, divisionFeature(m, d))
}

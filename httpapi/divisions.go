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
	f.Properties = d.Properties()
	f.Properties["path"] = m.Divisions.Path(d.Code)
	return f
}

// listDivisions: GET /api/v1/divisions?level=&parent=&bbox=
func (s *Server) listDivisions(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "level", "parent", "bbox")
	if err != nil {
		return err
	}
	var f gazetteer.DivisionFilter
	if v := q.Get("level"); q.Has("level") {
		if f.Level, err = gazetteer.ParseLevel(v); err != nil {
			return err
		}
	}
	if q.Has("parent") {
		if f.ParentCode, err = gazetteer.NormalizeCode(q.Get("parent")); err != nil {
			return err
		}
	}
	if q.Has("bbox") {
		if f.BBox, err = parseBBox(q.Get("bbox")); err != nil {
			return err
		}
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for _, d := range m.Divisions.Divisions(f) {
		fc.Append(divisionFeature(m, d))
	}
	return writeJSON(w, http.StatusOK, geoJSONType, fc)
}

// getDivision: GET /api/v1/divisions/{code}
func (s *Server) getDivision(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	code, err := gazetteer.NormalizeCode(chi.URLParam(r, "code"))
	if err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	d, err := m.Divisions.Division(code)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, geoJSONType, divisionFeature(m, d))
}

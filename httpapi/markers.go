package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/gazetteer"
	"diming/readmodel"
)

// markerLine finds the boundary line a marker stands on.
func markerLine(m *readmodel.Model, lineID string) (gazetteer.BoundaryLine, error) {
	left, _, ok := strings.Cut(lineID, "|")
	if !ok {
		return gazetteer.BoundaryLine{}, diming.Errorf(diming.EINVALID, "界线编号 %q 无效（形如 500106001000|500106002000）", "invalid line id %q (like 500106001000|500106002000)", truncate(lineID, 60))
	}
	lines, err := m.BoundaryLines(gazetteer.LevelOfCode(left))
	if err != nil {
		return gazetteer.BoundaryLine{}, err
	}
	for _, l := range lines {
		if l.ID == lineID {
			return l, nil
		}
	}
	return gazetteer.BoundaryLine{}, diming.Errorf(diming.EINVALID, "没有编号为 %q 的界线", "no boundary line %q", truncate(lineID, 60))
}

// markerDistance is how far a marker stands from its line (NaN if the line
// is gone, e.g. after a boundary adjustment).
func markerDistance(m *readmodel.Model, mk gazetteer.Marker) float64 {
	l, err := markerLine(m, mk.LineID)
	if err != nil {
		return math.NaN()
	}
	return gazetteer.DistanceToLine(mk.Point, l.Geometry)
}

func markerFeature(m *readmodel.Model, mk gazetteer.Marker, tolerance float64) *geojson.Feature {
	f := geojson.NewFeature(mk.Point)
	f.ID = mk.ID
	d := markerDistance(m, mk)
	props := geojson.Properties{"id": mk.ID, "number": mk.Number, "kind": mk.Kind, "kind_name": gazetteer.MarkerKinds[mk.Kind],
		"state": mk.State, "state_name": gazetteer.MarkerStates[mk.State], "line_id": mk.LineID, "level": mk.Level,
		"set_on": mk.SetOn, "note": mk.Note, "version": mk.Version, "line_missing": math.IsNaN(d)}
	if !math.IsNaN(d) {
		props["distance_m"] = math.Round(d*100) / 100
		props["off_line"] = d > tolerance
	}
	f.Properties = props
	return f
}

// listMarkers: GET /api/v1/boundaries/markers (public).
func (s *Server) listMarkers(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for _, mk := range m.Markers {
		fc.Append(markerFeature(m, mk, gazetteer.DefaultMarkerToleranceM))
	}
	return writeJSON(w, http.StatusOK, geoJSONType, fc)
}

// checkMarkers: GET /api/v1/boundaries/markers/check?tolerance=5 (officials):
// markers farther than tolerance metres from their line, or whose line is gone.
func (s *Server) checkMarkers(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "tolerance")
	if err != nil {
		return err
	}
	tol := gazetteer.DefaultMarkerToleranceM
	if q.Has("tolerance") {
		tol, err = strconv.ParseFloat(q.Get("tolerance"), 64)
		if err != nil || math.IsNaN(tol) || tol < 0 || tol > 10000 {
			return diming.Errorf(diming.EINVALID, "tolerance 应为 0 到 10000 之间的米数", "tolerance must be metres from 0 to 10000")
		}
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for _, mk := range m.Markers {
		if d := markerDistance(m, mk); math.IsNaN(d) || d > tol {
			fc.Append(markerFeature(m, mk, tol))
		}
	}
	return writeJSON(w, http.StatusOK, geoJSONType, map[string]any{"tolerance_m": tol, "checked": len(m.Markers), "markers": fc})
}

// getMarker: GET /api/v1/boundaries/markers/{id} (public): the marker and its inspections.
func (s *Server) getMarker(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return diming.Errorf(diming.EINVALID, "界桩编号无效", "invalid marker id")
	}
	mk, err := s.store.Marker(r.Context(), id)
	if err != nil {
		return err
	}
	ins, err := s.store.Inspections(r.Context(), id)
	if err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	f := markerFeature(m, mk, gazetteer.DefaultMarkerToleranceM)
	f.Properties["inspections"] = ins
	return writeJSON(w, http.StatusOK, geoJSONType, f)
}

type markerInput struct {
	Number  *string  `json:"number"`
	Kind    *string  `json:"kind"`
	LineID  *string  `json:"line_id"`
	Lon     *float64 `json:"lon"`
	Lat     *float64 `json:"lat"`
	CRS     string   `json:"crs"`
	SetOn   *string  `json:"set_on"`
	State   *string  `json:"state"`
	Note    *string  `json:"note"`
	Version int      `json:"version"`
}

func (s *Server) applyMarker(m *readmodel.Model, mk *gazetteer.Marker, in markerInput) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&mk.Number, in.Number)
	set(&mk.Kind, in.Kind)
	set(&mk.SetOn, in.SetOn)
	set(&mk.State, in.State)
	set(&mk.Note, in.Note)
	if in.LineID != nil {
		l, err := markerLine(m, *in.LineID)
		if err != nil {
			return err
		}
		mk.LineID, mk.Level = l.ID, l.Level
	}
	if (in.Lon == nil) != (in.Lat == nil) {
		return diming.Errorf(diming.EINVALID, "lon 和 lat 须同时给出", "give lon and lat together")
	}
	if in.Lon != nil {
		p, err := parsePoint(strconv.FormatFloat(*in.Lon, 'g', -1, 64), strconv.FormatFloat(*in.Lat, 'g', -1, 64), in.CRS, "lon/lat")
		if err != nil {
			return err
		}
		mk.Point = p
	} else if in.CRS != "" {
		return diming.Errorf(diming.EINVALID, "crs 只与 lon/lat 一起使用", "crs applies only with lon/lat")
	}
	return nil
}

// createMarker: POST /api/v1/boundaries/markers (reviewers).
func (s *Server) createMarker(w http.ResponseWriter, r *http.Request) error {
	u, _ := userOf(r.Context())
	var in markerInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Number == nil || in.LineID == nil || in.Lon == nil {
		return diming.Errorf(diming.EINVALID, "须给出 number、line_id 和 lon/lat", "number, line_id and lon/lat are required")
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	mk := gazetteer.Marker{Kind: "double", State: "intact"}
	if err := s.applyMarker(m, &mk, in); err != nil {
		return err
	}
	mk, err = s.store.PutMarker(r.Context(), u.Actor(), mk)
	if err != nil {
		return err
	}
	return s.respondMarker(w, r, http.StatusCreated, mk)
}

// patchMarker: PATCH /api/v1/boundaries/markers/{id} (reviewers), with version.
func (s *Server) patchMarker(w http.ResponseWriter, r *http.Request) error {
	u, _ := userOf(r.Context())
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return diming.Errorf(diming.EINVALID, "界桩编号无效", "invalid marker id")
	}
	var in markerInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Version == 0 {
		return diming.Errorf(diming.EINVALID, "须给出所修改的版本号（version）", "give the version you are changing (version)")
	}
	mk, err := s.store.Marker(r.Context(), id)
	if err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	if err := s.applyMarker(m, &mk, in); err != nil {
		return err
	}
	mk.Version = in.Version
	if mk, err = s.store.PutMarker(r.Context(), u.Actor(), mk); err != nil {
		return err
	}
	return s.respondMarker(w, r, http.StatusOK, mk)
}

// inspectMarker: POST /api/v1/boundaries/markers/{id}/inspections (reviewers).
func (s *Server) inspectMarker(w http.ResponseWriter, r *http.Request) error {
	u, _ := userOf(r.Context())
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return diming.Errorf(diming.EINVALID, "界桩编号无效", "invalid marker id")
	}
	var in struct {
		InspectedOn string `json:"inspected_on"`
		State       string `json:"state"`
		Note        string `json:"note"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ins, err := s.store.AddInspection(r.Context(), u.Actor(), gazetteer.Inspection{MarkerID: id, InspectedOn: in.InspectedOn,
		State: in.State, Note: in.Note, Inspector: u.Name})
	if err != nil {
		return err
	}
	if _, err := s.model.Refresh(r.Context()); err != nil {
		logger(r.Context()).Warn("read model refresh after an inspection failed", "err", err)
	}
	return writeJSON(w, http.StatusCreated, "", ins)
}

func (s *Server) respondMarker(w http.ResponseWriter, r *http.Request, status int, mk gazetteer.Marker) error {
	m, err := s.model.Refresh(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, status, geoJSONType, markerFeature(m, mk, gazetteer.DefaultMarkerToleranceM))
}

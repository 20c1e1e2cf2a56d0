package httpapi

import (
	"net/http"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming/gazetteer"
	"diming/geo"
)

// boundaryLines: GET /api/v1/boundaries/lines?level=&code= (public): the
// lines between neighbouring units of a level (default township), or those
// of one unit, as GeoJSON.
func (s *Server) boundaryLines(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "level", "code")
	if err != nil {
		return err
	}
	level := gazetteer.LevelTownship
	if q.Has("level") {
		if level, err = gazetteer.ParseLevel(q.Get("level")); err != nil {
			return err
		}
	}
	code := ""
	if q.Has("code") {
		if code, err = gazetteer.NormalizeCode(q.Get("code")); err != nil {
			return err
		}
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	if code != "" {
		if _, err := m.Divisions.Division(code); err != nil {
			return err
		}
	}
	lines, err := m.BoundaryLines(level)
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for _, l := range lines {
		if code != "" && l.LeftCode != code && l.RightCode != code {
			continue
		}
		fc.Append(boundaryLineFeature(l))
	}
	return writeJSON(w, http.StatusOK, geoJSONType, fc)
}

// boundaryTopology: GET /api/v1/boundaries/topology?level= (officials):
// overlaps, gaps and parts outside the parent, above the sliver threshold.
func (s *Server) boundaryTopology(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "level")
	if err != nil {
		return err
	}
	level := gazetteer.LevelTownship
	if q.Has("level") {
		if level, err = gazetteer.ParseLevel(q.Get("level")); err != nil {
			return err
		}
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	rep, err := m.Topology(level)
	if err != nil {
		return err
	}
	// Each problem with where it is: its geometry and a point to zoom to.
	type where struct {
		Geometry *geojson.Geometry `json:"geometry"`
		At       *geojson.Geometry `json:"at"`
	}
	at := func(g orb.MultiPolygon) where {
		return where{Geometry: geojson.NewGeometry(g), At: geojson.NewGeometry(geo.LabelPoint(g))}
	}
	type overlap struct {
		gazetteer.Overlap
		where
	}
	type gap struct {
		gazetteer.Gap
		where
	}
	type outside struct {
		gazetteer.Outside
		where
	}
	body := struct {
		Level    gazetteer.Level `json:"level"`
		Checked  int             `json:"checked"`
		SliverM2 float64         `json:"sliver_m2"`
		Overlaps []overlap       `json:"overlaps"`
		Gaps     []gap           `json:"gaps"`
		Outside  []outside       `json:"outside"`
	}{Level: rep.Level, Checked: rep.Checked, SliverM2: rep.SliverM2, Overlaps: []overlap{}, Gaps: []gap{}, Outside: []outside{}}
	for _, o := range rep.Overlaps {
		body.Overlaps = append(body.Overlaps, overlap{o, at(o.Geometry)})
	}
	for _, g := range rep.Gaps {
		body.Gaps = append(body.Gaps, gap{g, at(g.Geometry)})
	}
	for _, o := range rep.Outside {
		body.Outside = append(body.Outside, outside{o, at(o.Geometry)})
	}
	return writeJSON(w, http.StatusOK, "", body)
}

package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/gazetteer"
	"diming/geo"
)

// checkName: POST /api/v1/checks/name runs the naming checks on a proposed
// name without filing anything.
func (s *Server) checkName(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name         string          `json:"name"`
		Category     string          `json:"category"`
		DivisionCode string          `json:"division_code"`
		Geometry     json.RawMessage `json:"geometry"`
		CRS          string          `json:"crs"`
		Kind         string          `json:"kind"`
		PlaceID      int64           `json:"place_id"`
		Existing     bool            `json:"existing"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	p := gazetteer.Proposal{Name: body.Name, Category: body.Category, DivisionCode: body.DivisionCode,
		Kind: body.Kind, PlaceID: body.PlaceID, Existing: body.Existing}
	if len(body.Geometry) > 0 && string(body.Geometry) != "null" {
		g, err := geojson.UnmarshalGeometry(body.Geometry)
		if err != nil {
			return diming.Errorf(diming.EINVALID, "geometry 应为 GeoJSON 几何：%s", "geometry must be a GeoJSON geometry: %s", truncate(err.Error(), 120))
		}
		crs := geo.WGS84
		if body.CRS != "" {
			if crs, err = geo.ParseCRS(body.CRS); err != nil {
				zh, en := geo.Reasons(err)
				return &diming.Error{Code: diming.EINVALID, Message: zh, MessageEN: en}
			}
		}
		if err := gazetteer.ValidatePlaceGeometry(g.Geometry()); err != nil {
			zh, en := geo.Reasons(err)
			return diming.Errorf(diming.EINVALID, "位置无效：%[1]s", "invalid location: %[2]s", zh, en)
		}
		if p.Geometry, err = geo.ConvertGeometry(g.Geometry(), crs, geo.WGS84); err != nil {
			zh, en := geo.Reasons(err)
			return diming.Errorf(diming.EINVALID, "位置无效：%[1]s", "invalid location: %[2]s", zh, en)
		}
	} else if body.CRS != "" {
		return diming.Errorf(diming.EINVALID, "crs 只与 geometry 一起使用", "crs applies only with geometry")
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	results := m.Checker.Check(p)
	if results == nil {
		results = []gazetteer.CheckResult{}
	}
	specific, generic := gazetteer.SplitName(body.Name, body.Category)
	return writeJSON(w, http.StatusOK, "", map[string]any{
		"blocked":      gazetteer.Blocked(results),
		"results":      results,
		"romanization": gazetteer.ProposeRomanization(body.Name, specific, generic, body.Category).Standard,
	})
}

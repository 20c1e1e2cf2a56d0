package httpapi

import (
	"encoding/json"
	"net/http"

	"diming"
	"diming/gazetteer"
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
	// The checks judge a well-formed proposal; a malformed field (a name
	// with control characters or of megabytes, a code that is not one) is
	// a bad request, as it would be when filing.
	if err := gazetteer.CheckName(body.Name); err != nil {
		e := err.(*diming.Error)
		return &diming.Error{Code: diming.EINVALID, Message: "拟用名称" + e.Message, MessageEN: "proposed name " + e.MessageEN}
	}
	if body.Category != "" {
		if _, err := gazetteer.CategoryByCode(body.Category); err != nil {
			return err
		}
	}
	if body.DivisionCode != "" {
		if _, err := gazetteer.NormalizeCode(body.DivisionCode); err != nil {
			return err
		}
	}
	switch body.Kind {
	case "", gazetteer.KindNaming, gazetteer.KindRenaming, gazetteer.KindCancellation:
	default:
		return diming.Errorf(diming.EINVALID, "申请类型 %q 无效：应为 naming（命名）、renaming（更名）或 cancellation（注销）",
			"invalid application kind %q: use naming, renaming or cancellation", truncate(body.Kind, 30))
	}
	p := gazetteer.Proposal{Name: body.Name, Category: body.Category, DivisionCode: body.DivisionCode,
		Kind: body.Kind, PlaceID: body.PlaceID, Existing: body.Existing}
	g, err := parseGeometryInput(body.Geometry, body.CRS)
	if err != nil {
		return err
	}
	p.Geometry = g
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

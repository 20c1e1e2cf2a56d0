package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"

	"diming"
	"diming/gazetteer"
	"diming/geo"
)

// topologyIssue is one overlap, gap or part outside a parent, as a key that
// stays the same between two reports, with its area.
type topologyIssue struct {
	Kind    string  `json:"kind"` // overlap, gap, outside
	Level   string  `json:"level"`
	Codes   string  `json:"codes"`
	Message string  `json:"message"`
	AreaM2  float64 `json:"area_m2"`
}

func issuesOf(rep gazetteer.TopologyReport) map[string]topologyIssue {
	out := map[string]topologyIssue{}
	for _, o := range rep.Overlaps {
		out["overlap|"+o.A+"|"+o.B] = topologyIssue{"overlap", string(o.Level), o.A + "|" + o.B, fmt.Sprintf("%s 与 %s 重叠", o.NameA, o.NameB), o.AreaM2}
	}
	for _, g := range rep.Gaps {
		out["gap|"+g.ParentCode] = topologyIssue{"gap", string(g.Level), g.ParentCode, fmt.Sprintf("%s 内有未被下级覆盖的缝隙", g.ParentName), g.AreaM2}
	}
	for _, o := range rep.Outside {
		out["outside|"+o.Code] = topologyIssue{"outside", string(o.Level), o.Code, fmt.Sprintf("%s 超出上级范围", o.Name), o.AreaM2}
	}
	return out
}

// newIssues are the problems of after that before did not have, or that
// grew by more than a square metre.
func newIssues(before, after gazetteer.TopologyReport) []topologyIssue {
	b, a := issuesOf(before), issuesOf(after)
	var out []topologyIssue
	for k, is := range a {
		if old, ok := b[k]; !ok || is.AreaM2 > old.AreaM2+1 {
			out = append(out, is)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind+out[i].Codes < out[j].Kind+out[j].Codes })
	return out
}

// adjustBoundary: POST /api/v1/boundaries/adjustments (reviewers, approvers)
// {"code","geometry","crs","reason","dry_run","accept_issues"}: a new
// polygon for a unit, checked against its neighbours, parent and children.
// New overlaps or gaps block the change unless accepted; dry_run reports
// them without writing. The old geometry stays in the division's history.
func (s *Server) adjustBoundary(w http.ResponseWriter, r *http.Request) error {
	u, _ := userOf(r.Context())
	var in struct {
		Code         string          `json:"code"`
		Geometry     json.RawMessage `json:"geometry"`
		CRS          string          `json:"crs"`
		Reason       string          `json:"reason"`
		DryRun       bool            `json:"dry_run"`
		AcceptIssues bool            `json:"accept_issues"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	code, err := gazetteer.NormalizeCode(in.Code)
	if err != nil {
		return err
	}
	if strings.TrimSpace(in.Reason) == "" && !in.DryRun {
		return diming.Errorf(diming.EINVALID, "界线调整须写明理由（reason）", "a boundary adjustment needs a reason")
	}
	if err := checkReason(in.Reason); err != nil {
		return err
	}
	g, err := parseGeometryInput(in.Geometry, in.CRS)
	if err != nil {
		return err
	}
	if g == nil {
		return diming.Errorf(diming.EINVALID, "缺少新的边界面（geometry）", "the new boundary (geometry) is missing")
	}
	mp, repairs, err := gazetteer.RepairMultiPolygon(g)
	if err != nil {
		// A *geo.ValidationError, not a diming error: without this it was a 500.
		zh, en := geo.Reasons(err)
		return diming.Errorf(diming.EINVALID, "新的边界面无效：%[1]s", "the new boundary is invalid: %[2]s", zh, en)
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	old, err := m.Divisions.Division(code)
	if err != nil {
		return err
	}
	next := old
	next.Geometry = mp
	if err := next.Validate(); err != nil {
		return err
	}
	all := m.Divisions.Divisions(gazetteer.DivisionFilter{})
	proposed := make([]gazetteer.Division, len(all))
	for i, d := range all {
		if d.Code == code {
			d = next
		}
		proposed[i] = d
	}
	// The unit's own level (neighbours, its parent's gaps) and the level
	// below (its children sticking out, gaps inside it).
	issues := []topologyIssue{}
	for _, lvl := range []gazetteer.Level{old.Level, childLevel(old.Level)} {
		if lvl == "" {
			continue
		}
		before, err := m.Topology(lvl)
		if err != nil {
			return err
		}
		after, err := gazetteer.CheckTopology(proposed, lvl, gazetteer.TopologyConfig{})
		if err != nil {
			return err
		}
		issues = append(issues, newIssues(before, after)...)
	}
	body := map[string]any{"code": code, "name": old.Name, "new_issues": issues, "repairs": repairs, "applied": false}
	if in.DryRun {
		return writeJSON(w, http.StatusOK, "", body)
	}
	if len(issues) > 0 && !in.AcceptIssues {
		return diming.Errorf(diming.ECONFLICT, "调整会产生 %d 处新的重叠、缝隙或越界：先以 dry_run 试算查看，确认后以 accept_issues 提交",
			"the adjustment would create %d new overlaps, gaps or parts outside a parent: check them with dry_run, then submit with accept_issues", len(issues))
	}
	ctx := diming.WithReason(r.Context(), strings.TrimSpace(in.Reason))
	if err := s.store.PutDivisions(ctx, u.Actor(), []gazetteer.Division{next}); err != nil {
		return err
	}
	if _, err := s.model.Refresh(r.Context()); err != nil {
		logger(r.Context()).Warn("read model refresh after a boundary adjustment failed", "err", err)
	}
	body["applied"] = true
	return writeJSON(w, http.StatusOK, "", body)
}

func childLevel(l gazetteer.Level) gazetteer.Level {
	switch l {
	case gazetteer.LevelDistrict:
		return gazetteer.LevelTownship
	case gazetteer.LevelTownship:
		return gazetteer.LevelVillage
	}
	return ""
}

// divisionHistory: GET /api/v1/divisions/{code}/history: every version of a
// division's record (with its boundary), who changed it, when and why.
func (s *Server) divisionHistory(w http.ResponseWriter, r *http.Request) error {
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
	if _, err := m.Divisions.Division(code); err != nil {
		return err
	}
	entries, err := s.store.Audit(r.Context(), diming.AuditFilter{Entity: "division", EntityID: code, Limit: 1000})
	if err != nil {
		return err
	}
	type version struct {
		At     string          `json:"at"`
		Actor  diming.Actor    `json:"actor"`
		Action string          `json:"action"`
		Reason string          `json:"reason,omitempty"`
		Record json.RawMessage `json:"record"`
	}
	out := []version{}
	for i := len(entries) - 1; i >= 0; i-- { // oldest first
		e := entries[i]
		out = append(out, version{At: e.At.UTC().Format("2006-01-02T15:04:05Z"), Actor: e.Actor, Action: e.Action, Reason: e.Reason, Record: e.After})
	}
	return writeJSON(w, http.StatusOK, "", map[string]any{"code": code, "versions": out})
}

package rowstore

import (
	"strings"

	"github.com/paulmach/orb"

	"diming"
	"diming/gazetteer"
)

// Where gathers the conditions of a filtered read and their arguments
// (placeholders ?, rebound with the statement).
type Where struct {
	conds []string
	Args  []any
}

// Arg adds an argument and returns its placeholder.
func (w *Where) Arg(v any) string {
	w.Args = append(w.Args, v)
	return "?"
}

// And adds a condition.
func (w *Where) And(cond string) { w.conds = append(w.conds, cond) }

// String is " WHERE c1 AND c2 …", or "" without conditions.
func (w *Where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// auditWhere is the tail of an audit_log read: the filter, newest first, at
// most f.Limit rows (100 when it is not set).
func auditWhere(w *Where, f diming.AuditFilter) string {
	if f.Entity != "" {
		w.And("entity = " + w.Arg(f.Entity))
	}
	if f.EntityID != "" {
		w.And("entity_id = " + w.Arg(f.EntityID))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	return w.String() + " ORDER BY id DESC LIMIT " + w.Arg(limit)
}

// placeWhere is the tail of a places read, ordered by id; idIn(w, ids) is
// the engine's condition "id is one of ids".
func placeWhere(w *Where, f gazetteer.PlaceFilter, idIn func(w *Where, ids []int64) string) string {
	if f.DivisionCode != "" {
		w.And("division_code = " + w.Arg(f.DivisionCode))
	}
	if f.Category != "" {
		// A category and its subcategories (two more digits).
		c := w.Arg(f.Category)
		w.And("(category = " + c + " OR category LIKE " + w.Arg(f.Category) + " || '__')")
	}
	if len(f.IDs) > 0 {
		w.And(idIn(w, f.IDs))
	}
	return w.String() + " ORDER BY id"
}

// divisionWhere is the tail of a divisions read, ordered by code;
// inBox(w, b) is the engine's condition "the bounding box meets b".
func divisionWhere(w *Where, f gazetteer.DivisionFilter, inBox func(w *Where, b orb.Bound) string) string {
	if f.Level != "" {
		w.And("level = " + w.Arg(string(f.Level)))
	}
	if f.ParentCode != "" {
		w.And("parent_code = " + w.Arg(f.ParentCode))
	}
	if f.BBox != nil {
		w.And(inBox(w, *f.BBox))
	}
	return w.String() + " ORDER BY code"
}

package sqlite

import (
	"context"
	"time"

	"diming/gazetteer"
	"diming/store/internal/rowstore"
)

var _ gazetteer.MarkerStore = (*Store)(nil)

const markerColumns = "id, number, kind, line_id, level, lon, lat, coalesce(set_on, ''), state, note, version, updated_at"

// Markers lists every marker by number.
func (s *Store) Markers(ctx context.Context) ([]gazetteer.Marker, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryMarkers, dec.Marker)(s.db.QueryContext(ctx, "SELECT "+markerColumns+" FROM boundary_markers ORDER BY number"))
}

// Marker returns one marker.
func (s *Store) Marker(ctx context.Context, id int64) (gazetteer.Marker, error) {
	return rowstore.One(classifyOp, rowstore.OpReadMarker, rowstore.NoMarker, dec.Marker,
		s.db.QueryRowContext(ctx, "SELECT "+markerColumns+" FROM boundary_markers WHERE id = ?", id))
}

// Inspections lists a marker's visits, oldest first.
func (s *Store) Inspections(ctx context.Context, markerID int64) ([]gazetteer.Inspection, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryInspections, dec.Inspection)(s.db.QueryContext(ctx,
		"SELECT id, marker_id, inspected_on, state, note, inspector, created_at FROM marker_inspections WHERE marker_id = ? ORDER BY id", markerID))
}

// ---- rows of a write (rowstore.MarkerRows)

func (t *tx) LockMarker(ctx context.Context, id int64) (gazetteer.Marker, error) {
	return dec.Marker(t.tx.QueryRowContext(ctx, "SELECT "+markerColumns+" FROM boundary_markers WHERE id = ?", id))
}

const markerWriteColumns = "number, kind, line_id, level, lon, lat, set_on, state, note, version, updated_at"

func markerArgs(m gazetteer.Marker) []any {
	return []any{m.Number, m.Kind, m.LineID, string(m.Level), m.Point[0], m.Point[1], nullStr(m.SetOn), m.State, m.Note, m.Version, ts(m.UpdatedAt)}
}

func (t *tx) InsertMarker(ctx context.Context, m gazetteer.Marker) (int64, error) {
	return t.insert(ctx, insertInto("boundary_markers", markerWriteColumns), markerArgs(m)...)
}

func (t *tx) UpdateMarker(ctx context.Context, m gazetteer.Marker) error {
	_, err := t.exec(ctx, updateSet("boundary_markers", markerWriteColumns), append(markerArgs(m), m.ID)...)
	return err
}

func (t *tx) SetMarkerState(ctx context.Context, id int64, state string, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "UPDATE boundary_markers SET state = ?, version = version + 1, updated_at = ? WHERE id = ?", state, ts(at), id)
	return n == 1, err
}

func (t *tx) InsertInspection(ctx context.Context, in gazetteer.Inspection) (int64, error) {
	return t.insert(ctx, "INSERT INTO marker_inspections (marker_id, inspected_on, state, note, inspector, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		in.MarkerID, in.InspectedOn, in.State, in.Note, in.Inspector, ts(in.CreatedAt))
}

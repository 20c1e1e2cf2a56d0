package postgis

import (
	"context"
	"time"

	"diming/gazetteer"
	"diming/store/internal/rowstore"
)

var _ gazetteer.MarkerStore = (*Store)(nil)

const markerColumns = "id, number, kind, line_id, level, ST_X(geom), ST_Y(geom), coalesce(to_char(set_on, 'YYYY-MM-DD'), ''), state, note, version, updated_at"

// Markers lists every marker by number.
func (s *Store) Markers(ctx context.Context) ([]gazetteer.Marker, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryMarkers, dec.Marker)(s.pool.Query(ctx, "SELECT "+markerColumns+" FROM boundary_markers ORDER BY number"))
}

// Marker returns one marker.
func (s *Store) Marker(ctx context.Context, id int64) (gazetteer.Marker, error) {
	return rowstore.One(classifyOp, rowstore.OpReadMarker, rowstore.NoMarker, dec.Marker,
		s.pool.QueryRow(ctx, "SELECT "+markerColumns+" FROM boundary_markers WHERE id = $1", id))
}

// Inspections lists a marker's visits, oldest first.
func (s *Store) Inspections(ctx context.Context, markerID int64) ([]gazetteer.Inspection, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryInspections, dec.Inspection)(s.pool.Query(ctx, "SELECT id, marker_id, to_char(inspected_on, 'YYYY-MM-DD'), state, note, inspector, created_at FROM marker_inspections WHERE marker_id = $1 ORDER BY id", markerID))
}

// ---- rows of a write (rowstore.MarkerRows)

func (t *tx) LockMarker(ctx context.Context, id int64) (gazetteer.Marker, error) {
	return dec.Marker(t.tx.QueryRow(ctx, "SELECT "+markerColumns+" FROM boundary_markers WHERE id = $1"+lock, id))
}

func markerArgs(m gazetteer.Marker) []any {
	return []any{m.Number, m.Kind, m.LineID, string(m.Level), m.Point[0], m.Point[1], m.SetOn, m.State, m.Note, m.Version, m.UpdatedAt}
}

func (t *tx) InsertMarker(ctx context.Context, m gazetteer.Marker) (int64, error) {
	return t.insert(ctx, `INSERT INTO boundary_markers (number, kind, line_id, level, geom, set_on, state, note, version, updated_at)
		VALUES ($1, $2, $3, $4, ST_SetSRID(ST_MakePoint($5, $6), 4326), NULLIF($7, '')::date, $8, $9, $10, $11) RETURNING id`, markerArgs(m)...)
}

func (t *tx) UpdateMarker(ctx context.Context, m gazetteer.Marker) error {
	_, err := t.exec(ctx, `UPDATE boundary_markers SET number = $1, kind = $2, line_id = $3, level = $4,
		geom = ST_SetSRID(ST_MakePoint($5, $6), 4326), set_on = NULLIF($7, '')::date, state = $8, note = $9, version = $10,
		updated_at = $11 WHERE id = $12`, append(markerArgs(m), m.ID)...)
	return err
}

func (t *tx) SetMarkerState(ctx context.Context, id int64, state string, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "UPDATE boundary_markers SET state = $1, version = version + 1, updated_at = $2 WHERE id = $3", state, at, id)
	return n == 1, err
}

func (t *tx) InsertInspection(ctx context.Context, in gazetteer.Inspection) (int64, error) {
	return t.insert(ctx, `INSERT INTO marker_inspections (marker_id, inspected_on, state, note, inspector, created_at)
		VALUES ($1, $2::date, $3, $4, $5, $6) RETURNING id`, in.MarkerID, in.InspectedOn, in.State, in.Note, in.Inspector, in.CreatedAt)
}

package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"diming"
	"diming/gazetteer"
)

var _ gazetteer.MarkerStore = (*Store)(nil)

const markerColumns = "id, number, kind, line_id, level, ST_X(geom), ST_Y(geom), coalesce(to_char(set_on, 'YYYY-MM-DD'), ''), state, note, version, updated_at"

func scanMarker(row pgx.Row) (gazetteer.Marker, error) {
	var m gazetteer.Marker
	var level string
	err := row.Scan(&m.ID, &m.Number, &m.Kind, &m.LineID, &level, &m.Point[0], &m.Point[1], &m.SetOn, &m.State, &m.Note, &m.Version, &m.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, diming.Errorf(diming.ENOTFOUND, "没有这个界桩", "no such marker")
	}
	m.Level = gazetteer.Level(level)
	return m, classify(err, "读取界桩", "read the marker")
}

// Markers lists every marker by number.
func (s *Store) Markers(ctx context.Context) ([]gazetteer.Marker, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+markerColumns+" FROM boundary_markers ORDER BY number")
	if err != nil {
		return nil, classify(err, "查询界桩", "query markers")
	}
	defer rows.Close()
	out := []gazetteer.Marker{}
	for rows.Next() {
		m, err := scanMarker(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, classify(rows.Err(), "查询界桩", "query markers")
}

// Marker returns one marker.
func (s *Store) Marker(ctx context.Context, id int64) (gazetteer.Marker, error) {
	return scanMarker(s.pool.QueryRow(ctx, "SELECT "+markerColumns+" FROM boundary_markers WHERE id = $1", id))
}

func markerRecord(m gazetteer.Marker) []byte {
	b, _ := json.Marshal(struct {
		gazetteer.Marker
		Point orb.Point `json:"point"`
	}{m, m.Point})
	return b
}

// PutMarker creates or updates a marker, audited.
func (s *Store) PutMarker(ctx context.Context, actor diming.Actor, m gazetteer.Marker) (gazetteer.Marker, error) {
	if err := gazetteer.ValidateMarker(m); err != nil {
		return m, err
	}
	out := m
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		m := m
		var before []byte
		action := "create"
		if m.ID == 0 {
			m.Version = 1
		} else {
			old, err := scanMarker(tx.QueryRow(ctx, "SELECT "+markerColumns+" FROM boundary_markers WHERE id = $1 FOR UPDATE", m.ID))
			if err != nil {
				return err
			}
			if m.Version != 0 && m.Version != old.Version {
				return diming.Errorf(diming.ECONFLICT, "界桩 %s 已被他人修改，请刷新后重试", "marker %s was changed by someone else: reload and retry", old.Number)
			}
			before, m.Version, action = markerRecord(old), old.Version+1, "update"
		}
		args := []any{m.Number, m.Kind, m.LineID, string(m.Level), m.Point[0], m.Point[1], m.SetOn, m.State, m.Note, m.Version}
		if action == "create" {
			err := tx.QueryRow(ctx, `INSERT INTO boundary_markers (number, kind, line_id, level, geom, set_on, state, note, version)
				VALUES ($1, $2, $3, $4, ST_SetSRID(ST_MakePoint($5, $6), 4326), NULLIF($7, '')::date, $8, $9, $10) RETURNING id, updated_at`, args...).Scan(&m.ID, &m.UpdatedAt)
			if err := classify(err, "保存界桩", "store the marker"); diming.Code(err) == diming.ECONFLICT {
				return diming.Errorf(diming.ECONFLICT, "界桩编号 %s 已存在", "marker number %s exists already", m.Number)
			} else if err != nil {
				return err
			}
		} else if err := tx.QueryRow(ctx, `UPDATE boundary_markers SET number = $1, kind = $2, line_id = $3, level = $4,
				geom = ST_SetSRID(ST_MakePoint($5, $6), 4326), set_on = NULLIF($7, '')::date, state = $8, note = $9, version = $10,
				updated_at = now() WHERE id = $11 RETURNING updated_at`, append(args, m.ID)...).Scan(&m.UpdatedAt); err != nil {
			return err
		}
		out = m
		return appendAudit(ctx, tx, diming.AuditEntry{Actor: actor, Action: action, Entity: "marker", EntityID: fmt.Sprint(m.ID), Before: before, After: markerRecord(m)})
	})
	return out, classify(err, "保存界桩", "store the marker")
}

// AddInspection records a visit and the state found, audited.
func (s *Store) AddInspection(ctx context.Context, actor diming.Actor, in gazetteer.Inspection) (gazetteer.Inspection, error) {
	if err := gazetteer.ValidateInspection(in); err != nil {
		return in, err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE boundary_markers SET state = $1, version = version + 1, updated_at = now() WHERE id = $2", in.State, in.MarkerID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return diming.Errorf(diming.ENOTFOUND, "没有这个界桩", "no such marker")
		}
		if err := tx.QueryRow(ctx, `INSERT INTO marker_inspections (marker_id, inspected_on, state, note, inspector)
			VALUES ($1, $2::date, $3, $4, $5) RETURNING id, created_at`, in.MarkerID, in.InspectedOn, in.State, in.Note, in.Inspector).Scan(&in.ID, &in.CreatedAt); err != nil {
			return err
		}
		after, _ := json.Marshal(in)
		return appendAudit(ctx, tx, diming.AuditEntry{Actor: actor, Action: "create", Entity: "inspection", EntityID: fmt.Sprint(in.ID), After: after})
	})
	return in, classify(err, "记录巡查", "record the inspection")
}

// Inspections lists a marker's visits, oldest first.
func (s *Store) Inspections(ctx context.Context, markerID int64) ([]gazetteer.Inspection, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, marker_id, to_char(inspected_on, 'YYYY-MM-DD'), state, note, inspector, created_at FROM marker_inspections WHERE marker_id = $1 ORDER BY id", markerID)
	if err != nil {
		return nil, classify(err, "查询巡查记录", "query inspections")
	}
	defer rows.Close()
	out := []gazetteer.Inspection{}
	for rows.Next() {
		var in gazetteer.Inspection
		if err := rows.Scan(&in.ID, &in.MarkerID, &in.InspectedOn, &in.State, &in.Note, &in.Inspector, &in.CreatedAt); err != nil {
			return nil, classify(err, "读取巡查记录", "read inspections")
		}
		out = append(out, in)
	}
	return out, classify(rows.Err(), "查询巡查记录", "query inspections")
}

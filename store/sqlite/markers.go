package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paulmach/orb"

	"diming"
	"diming/gazetteer"
)

var _ gazetteer.MarkerStore = (*Store)(nil)

const markerColumns = "id, number, kind, line_id, level, lon, lat, coalesce(set_on, ''), state, note, version, updated_at"

func scanMarker(sc scanner) (gazetteer.Marker, error) {
	var m gazetteer.Marker
	var level, updated string
	err := sc.Scan(&m.ID, &m.Number, &m.Kind, &m.LineID, &level, &m.Point[0], &m.Point[1], &m.SetOn, &m.State, &m.Note, &m.Version, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return m, diming.Errorf(diming.ENOTFOUND, "没有这个界桩", "no such marker")
	}
	if err != nil {
		return m, classify(err, "读取界桩", "read the marker")
	}
	m.Level = gazetteer.Level(level)
	m.UpdatedAt, err = parseTS(updated)
	return m, err
}

// Markers lists every marker by number.
func (s *Store) Markers(ctx context.Context) ([]gazetteer.Marker, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+markerColumns+" FROM boundary_markers ORDER BY number")
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
	return scanMarker(s.db.QueryRowContext(ctx, "SELECT "+markerColumns+" FROM boundary_markers WHERE id = ?", id))
}

// PutMarker creates or updates a marker, audited.
func (s *Store) PutMarker(ctx context.Context, actor diming.Actor, m gazetteer.Marker) (gazetteer.Marker, error) {
	if err := gazetteer.ValidateMarker(m); err != nil {
		return m, err
	}
	now := s.now().UTC()
	err := s.tx(ctx, "保存界桩", "store the marker", func(tx *sql.Tx) error {
		var before []byte
		if m.ID == 0 {
			m.Version = 1
		} else {
			old, err := scanMarker(tx.QueryRowContext(ctx, "SELECT "+markerColumns+" FROM boundary_markers WHERE id = ?", m.ID))
			if err != nil {
				return err
			}
			if m.Version != 0 && m.Version != old.Version {
				return diming.Errorf(diming.ECONFLICT, "界桩 %s 已被他人修改，请刷新后重试", "marker %s was changed by someone else: reload and retry", old.Number)
			}
			before = markerRecord(old)
			m.Version = old.Version + 1
		}
		m.UpdatedAt = now
		args := []any{m.Number, m.Kind, m.LineID, string(m.Level), m.Point[0], m.Point[1], nullStr(m.SetOn), m.State, m.Note, m.Version, ts(now)}
		action := "create"
		if m.ID == 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO boundary_markers (number, kind, line_id, level, lon, lat, set_on, state, note, version, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
			if err := classify(err, "保存界桩", "store the marker"); diming.Code(err) == diming.ECONFLICT {
				return diming.Errorf(diming.ECONFLICT, "界桩编号 %s 已存在", "marker number %s exists already", m.Number)
			} else if err != nil {
				return err
			}
			if m.ID, err = res.LastInsertId(); err != nil {
				return err
			}
		} else {
			action = "update"
			if _, err := tx.ExecContext(ctx, `UPDATE boundary_markers SET number = ?, kind = ?, line_id = ?, level = ?, lon = ?, lat = ?,
				set_on = ?, state = ?, note = ?, version = ?, updated_at = ? WHERE id = ?`, append(args, m.ID)...); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, ts(now), diming.AuditEntry{Actor: actor, Action: action, Entity: "marker", EntityID: fmt.Sprint(m.ID), Before: before, After: markerRecord(m)})
	})
	return m, err
}

func markerRecord(m gazetteer.Marker) []byte {
	b, _ := json.Marshal(struct {
		gazetteer.Marker
		Point orb.Point `json:"point"`
	}{m, m.Point})
	return b
}

// AddInspection records a visit and the state found, audited.
func (s *Store) AddInspection(ctx context.Context, actor diming.Actor, in gazetteer.Inspection) (gazetteer.Inspection, error) {
	if err := gazetteer.ValidateInspection(in); err != nil {
		return in, err
	}
	now := s.now().UTC()
	in.CreatedAt = now
	err := s.tx(ctx, "记录巡查", "record the inspection", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE boundary_markers SET state = ?, version = version + 1, updated_at = ? WHERE id = ?", in.State, ts(now), in.MarkerID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return diming.Errorf(diming.ENOTFOUND, "没有这个界桩", "no such marker")
		}
		r, err := tx.ExecContext(ctx, "INSERT INTO marker_inspections (marker_id, inspected_on, state, note, inspector, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			in.MarkerID, in.InspectedOn, in.State, in.Note, in.Inspector, ts(now))
		if err != nil {
			return err
		}
		if in.ID, err = r.LastInsertId(); err != nil {
			return err
		}
		after, _ := json.Marshal(in)
		return appendAudit(ctx, tx, ts(now), diming.AuditEntry{Actor: actor, Action: "create", Entity: "inspection", EntityID: fmt.Sprint(in.ID), After: after})
	})
	return in, err
}

// Inspections lists a marker's visits, oldest first.
func (s *Store) Inspections(ctx context.Context, markerID int64) ([]gazetteer.Inspection, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, marker_id, inspected_on, state, note, inspector, created_at FROM marker_inspections WHERE marker_id = ? ORDER BY id", markerID)
	if err != nil {
		return nil, classify(err, "查询巡查记录", "query inspections")
	}
	defer rows.Close()
	out := []gazetteer.Inspection{}
	for rows.Next() {
		var in gazetteer.Inspection
		var at string
		if err := rows.Scan(&in.ID, &in.MarkerID, &in.InspectedOn, &in.State, &in.Note, &in.Inspector, &at); err != nil {
			return nil, classify(err, "读取巡查记录", "read inspections")
		}
		in.CreatedAt, _ = parseTS(at)
		out = append(out, in)
	}
	return out, classify(rows.Err(), "查询巡查记录", "query inspections")
}

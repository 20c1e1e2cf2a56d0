package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb/encoding/wkb"

	"diming"
	"diming/gazetteer"
)

var _ gazetteer.PlaceStore = (*Store)(nil)

const placeColumns = `id, name, specific, generic, aliases, former_names, romanization, category, division_code,
	geom, meaning, origin, history, description, coalesce(named_on, ''), coalesce(cancelled_on, ''),
	approved_by, coalesce(approved_on, ''), protected, synthetic, source, version, updated_at`

func scanPlace(sc scanner) (gazetteer.Place, error) {
	var p gazetteer.Place
	var aliases, former, updated string
	var geom []byte
	var protected, synthetic int
	err := sc.Scan(&p.ID, &p.Name, &p.Specific, &p.Generic, &aliases, &former, &p.Romanization, &p.Category,
		&p.DivisionCode, &geom, &p.Meaning, &p.Origin, &p.History, &p.Description, &p.NamedOn, &p.CancelledOn,
		&p.ApprovedBy, &p.ApprovedOn, &protected, &synthetic, &p.Source, &p.Version, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return p, err
	}
	if err != nil {
		return p, classify(err, "读取地名", "read place")
	}
	p.Protected, p.Synthetic = protected == 1, synthetic == 1
	if err := json.Unmarshal([]byte(aliases), &p.Aliases); err != nil {
		return p, fmt.Errorf("sqlite: place %d aliases: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(former), &p.FormerNames); err != nil {
		return p, fmt.Errorf("sqlite: place %d former names: %w", p.ID, err)
	}
	if p.UpdatedAt, err = time.Parse(time.RFC3339Nano, updated); err != nil {
		return p, fmt.Errorf("sqlite: place %d updated_at: %w", p.ID, err)
	}
	if p.Geometry, err = wkb.Unmarshal(geom); err != nil {
		return p, fmt.Errorf("sqlite: place %d geometry: %w", p.ID, err)
	}
	return p, nil
}

// Places returns the places matching f, ordered by id.
func (s *Store) Places(ctx context.Context, f gazetteer.PlaceFilter) ([]gazetteer.Place, error) {
	var where []string
	var args []any
	if f.DivisionCode != "" {
		where = append(where, "division_code = ?")
		args = append(args, f.DivisionCode)
	}
	if f.Category != "" {
		where = append(where, "(category = ? OR category LIKE ? || '__')")
		args = append(args, f.Category, f.Category)
	}
	if len(f.IDs) > 0 {
		where = append(where, "id IN (SELECT value FROM json_each(?))")
		b, _ := json.Marshal(f.IDs)
		args = append(args, string(b))
	}
	q := "SELECT " + placeColumns + " FROM places"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return nil, classify(err, "查询地名", "query places")
	}
	defer rows.Close()
	var out []gazetteer.Place
	for rows.Next() {
		p, err := scanPlace(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, classify(rows.Err(), "查询地名", "query places")
}

// Place returns one place by id.
func (s *Store) Place(ctx context.Context, id int64) (gazetteer.Place, error) {
	return placeByID(ctx, s.db, id)
}

func placeByID(ctx context.Context, q queryer, id int64) (gazetteer.Place, error) {
	p, err := scanPlace(q.QueryRowContext(ctx, "SELECT "+placeColumns+" FROM places WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的地名", "no place with id %d", id)
	}
	return p, err
}

// CountPlaces returns how many places are stored.
func (s *Store) CountPlaces(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM places").Scan(&n)
	return n, classify(err, "统计地名", "count places")
}

// PlaceHistory returns every version of a place, oldest first.
func (s *Store) PlaceHistory(ctx context.Context, id int64) ([]gazetteer.PlaceVersion, error) {
	if _, err := s.Place(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT place_id, version, actor, reason, at, record FROM place_versions WHERE place_id = ? ORDER BY version", id)
	if err != nil {
		return nil, classify(err, "查询地名历史", "query place history")
	}
	defer rows.Close()
	var out []gazetteer.PlaceVersion
	for rows.Next() {
		var v gazetteer.PlaceVersion
		var actor, at, rec string
		if err := rows.Scan(&v.PlaceID, &v.Version, &actor, &v.Reason, &at, &rec); err != nil {
			return nil, classify(err, "读取地名历史", "read place history")
		}
		v.Actor, v.Record = diming.Actor(actor), json.RawMessage(rec)
		if v.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, fmt.Errorf("sqlite: place %d history time: %w", id, err)
		}
		out = append(out, v)
	}
	return out, classify(rows.Err(), "查询地名历史", "query place history")
}

// PutPlaces inserts or updates places in one transaction with history and audit.
func (s *Store) PutPlaces(ctx context.Context, actor diming.Actor, reason string, ps []gazetteer.Place) (_ []gazetteer.Place, err error) {
	if err := gazetteer.ValidatePlaces(actor, ps); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, classify(err, "开始写入地名", "begin writing places")
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	out, err := s.putPlacesTx(ctx, tx, actor, reason, ps)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, classify(err, "提交地名", "commit places")
	}
	return out, nil
}

// putPlacesTx writes validated places inside tx (see PutPlaces).
func (s *Store) putPlacesTx(ctx context.Context, tx *sql.Tx, actor diming.Actor, reason string, ps []gazetteer.Place) ([]gazetteer.Place, error) {
	stamp := s.now().UTC().Format(time.RFC3339Nano)
	out := make([]gazetteer.Place, 0, len(ps))
	for _, p := range ps {
		var old *gazetteer.Place
		if p.ID != 0 {
			o, err := placeByID(ctx, tx, p.ID)
			if err != nil {
				return nil, err
			}
			old = &o
		}
		ch, err := gazetteer.ChangePlace(old, p)
		if err != nil {
			return nil, err
		}
		if ch.Action == "" {
			out = append(out, ch.Place)
			continue
		}
		p, action, before := ch.Place, ch.Action, ch.Before
		geom, err := wkb.Marshal(p.Geometry)
		if err != nil {
			return nil, fmt.Errorf("sqlite: place %s: encode geometry: %w", p.Name, err)
		}
		aliases, _ := json.Marshal(nonNil(p.Aliases))
		former, _ := json.Marshal(nonNil(p.FormerNames))
		b := p.Geometry.Bound()
		args := []any{p.Name, p.Specific, p.Generic, string(aliases), string(former), p.Romanization, p.Category,
			p.DivisionCode, geom, b.Min[0], b.Min[1], b.Max[0], b.Max[1], p.Meaning, p.Origin, p.History, p.Description,
			nullStr(p.NamedOn), nullStr(p.CancelledOn), p.ApprovedBy, nullStr(p.ApprovedOn), boolInt(p.Protected),
			boolInt(p.Synthetic), p.Source, p.Version, stamp}
		const cols = `name, specific, generic, aliases, former_names, romanization, category, division_code, geom,
			minx, miny, maxx, maxy, meaning, origin, history, description, named_on, cancelled_on, approved_by,
			approved_on, protected, synthetic, source, version, updated_at`
		if action == "create" {
			res, err := tx.ExecContext(ctx, "INSERT INTO places ("+cols+") VALUES (?"+strings.Repeat(", ?", len(args)-1)+")", args...)
			if err != nil {
				return nil, classify(err, "写入地名 "+p.Name, "write place "+p.Name)
			}
			if p.ID, err = res.LastInsertId(); err != nil {
				return nil, classify(err, "写入地名 "+p.Name, "write place "+p.Name)
			}
		} else {
			set := strings.ReplaceAll(cols, ",", " = ?,") + " = ?"
			if _, err := tx.ExecContext(ctx, "UPDATE places SET "+set+" WHERE id = ?", append(args, p.ID)...); err != nil {
				return nil, classify(err, "更新地名 "+p.Name, "update place "+p.Name)
			}
		}
		rec := p.Record()
		if _, err := tx.ExecContext(ctx, "INSERT INTO place_versions (place_id, version, actor, reason, at, record) VALUES (?, ?, ?, ?, ?, ?)",
			p.ID, p.Version, string(actor), reason, stamp, string(rec)); err != nil {
			return nil, classify(err, "写入地名历史", "write place history")
		}
		if err := appendAudit(ctx, tx, stamp, diming.AuditEntry{Actor: actor, Action: action, Entity: "place",
			EntityID: fmt.Sprint(p.ID), Before: before, After: rec}); err != nil {
			return nil, err
		}
		p.UpdatedAt, _ = time.Parse(time.RFC3339Nano, stamp)
		out = append(out, p)
		gazetteer.ReportProgress(ctx, len(out), len(ps))
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

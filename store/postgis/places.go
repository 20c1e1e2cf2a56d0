package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"diming"
	"diming/gazetteer"
)

var _ gazetteer.PlaceStore = (*Store)(nil)

const placeColumns = `id, name, specific, generic, aliases, former_names, romanization, category, division_code,
	ST_AsEWKB(geom), meaning, origin, history, description, coalesce(to_char(named_on, 'YYYY-MM-DD'), ''),
	coalesce(to_char(cancelled_on, 'YYYY-MM-DD'), ''), approved_by, coalesce(to_char(approved_on, 'YYYY-MM-DD'), ''),
	protected, synthetic, source, version, updated_at`

func scanPlace(row pgx.Row) (gazetteer.Place, error) {
	var p gazetteer.Place
	var geom []byte
	err := row.Scan(&p.ID, &p.Name, &p.Specific, &p.Generic, &p.Aliases, &p.FormerNames, &p.Romanization, &p.Category,
		&p.DivisionCode, &geom, &p.Meaning, &p.Origin, &p.History, &p.Description, &p.NamedOn, &p.CancelledOn,
		&p.ApprovedBy, &p.ApprovedOn, &p.Protected, &p.Synthetic, &p.Source, &p.Version, &p.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, err
	}
	if err != nil {
		return p, classify(err, "读取地名", "read place")
	}
	if p.Geometry, err = fromEWKB(geom); err != nil {
		return p, fmt.Errorf("postgis: place %d: %w", p.ID, err)
	}
	return p, nil
}

// Places returns the places matching f, ordered by id.
func (s *Store) Places(ctx context.Context, f gazetteer.PlaceFilter) ([]gazetteer.Place, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.DivisionCode != "" {
		where = append(where, "division_code = "+arg(f.DivisionCode))
	}
	if f.Category != "" {
		c := arg(f.Category)
		where = append(where, "(category = "+c+" OR category LIKE "+c+" || '__')")
	}
	if len(f.IDs) > 0 {
		where = append(where, "id = ANY("+arg(f.IDs)+")")
	}
	q := "SELECT " + placeColumns + " FROM places"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.pool.Query(ctx, q+" ORDER BY id", args...)
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
	return placeByID(ctx, s.pool, id, false)
}

func placeByID(ctx context.Context, q rowQuerier, id int64, forUpdate bool) (gazetteer.Place, error) {
	sql := "SELECT " + placeColumns + " FROM places WHERE id = $1"
	if forUpdate {
		sql += " FOR UPDATE"
	}
	p, err := scanPlace(q.QueryRow(ctx, sql, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的地名", "no place with id %d", id)
	}
	return p, err
}

// CountPlaces returns how many places are stored.
func (s *Store) CountPlaces(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM places").Scan(&n)
	return n, classify(err, "统计地名", "count places")
}

// PlaceHistory returns every version of a place, oldest first.
func (s *Store) PlaceHistory(ctx context.Context, id int64) ([]gazetteer.PlaceVersion, error) {
	if _, err := s.Place(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, "SELECT place_id, version, actor, reason, at, record::text FROM place_versions WHERE place_id = $1 ORDER BY version", id)
	if err != nil {
		return nil, classify(err, "查询地名历史", "query place history")
	}
	defer rows.Close()
	var out []gazetteer.PlaceVersion
	for rows.Next() {
		var v gazetteer.PlaceVersion
		var actor, rec string
		if err := rows.Scan(&v.PlaceID, &v.Version, &actor, &v.Reason, &v.At, &rec); err != nil {
			return nil, classify(err, "读取地名历史", "read place history")
		}
		v.Actor, v.Record = diming.Actor(actor), []byte(rec)
		out = append(out, v)
	}
	return out, classify(rows.Err(), "查询地名历史", "query place history")
}

// PutPlaces inserts or updates places in one transaction with history and audit.
func (s *Store) PutPlaces(ctx context.Context, actor diming.Actor, reason string, ps []gazetteer.Place) ([]gazetteer.Place, error) {
	if err := gazetteer.ValidatePlaces(actor, ps); err != nil {
		return nil, err
	}
	var out []gazetteer.Place
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = putPlacesTx(ctx, tx, actor, reason, ps)
		return err
	})
	if err != nil {
		return nil, classify(err, "写入地名", "write places")
	}
	return out, nil
}

// putPlacesTx writes validated places inside tx (see PutPlaces).
func putPlacesTx(ctx context.Context, tx pgx.Tx, actor diming.Actor, reason string, ps []gazetteer.Place) ([]gazetteer.Place, error) {
	out := make([]gazetteer.Place, 0, len(ps))
	var now time.Time
	if err := tx.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&now); err != nil {
		return nil, err
	}
	for _, p := range ps {
		var old *gazetteer.Place
		if p.ID != 0 {
			o, err := placeByID(ctx, tx, p.ID, true)
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
		geom, err := toEWKB(p.Geometry)
		if err != nil {
			return nil, err
		}
		args := []any{p.Name, p.Specific, p.Generic, nonNil(p.Aliases), nonNil(p.FormerNames), p.Romanization,
			p.Category, p.DivisionCode, geom, p.Meaning, p.Origin, p.History, p.Description, p.NamedOn,
			p.CancelledOn, p.ApprovedBy, p.ApprovedOn, p.Protected, p.Synthetic, p.Source, p.Version, now}
		const vals = `$1, $2, $3, $4, $5, $6, $7, $8, ST_GeomFromEWKB($9), $10, $11, $12, $13,
			NULLIF($14, '')::date, NULLIF($15, '')::date, $16, NULLIF($17, '')::date, $18, $19, $20, $21, $22`
		const cols = `name, specific, generic, aliases, former_names, romanization, category, division_code,
			geom, meaning, origin, history, description, named_on, cancelled_on, approved_by, approved_on,
			protected, synthetic, source, version, updated_at`
		if action == "create" {
			if err := tx.QueryRow(ctx, "INSERT INTO places ("+cols+") VALUES ("+vals+") RETURNING id", args...).Scan(&p.ID); err != nil {
				return nil, classify(err, "写入地名 "+p.Name, "write place "+p.Name)
			}
		} else {
			args = append(args, p.ID)
			if _, err := tx.Exec(ctx, "UPDATE places SET ("+cols+") = ROW("+vals+") WHERE id = $23", args...); err != nil {
				return nil, classify(err, "更新地名 "+p.Name, "update place "+p.Name)
			}
		}
		rec := p.Record()
		if _, err := tx.Exec(ctx, "INSERT INTO place_versions (place_id, version, actor, reason, at, record) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
			p.ID, p.Version, string(actor), reason, now, string(rec)); err != nil {
			return nil, classify(err, "写入地名历史", "write place history")
		}
		if err := appendAudit(ctx, tx, diming.AuditEntry{Actor: actor, Action: action, Entity: "place",
			EntityID: fmt.Sprint(p.ID), Before: before, After: rec}); err != nil {
			return nil, err
		}
		p.UpdatedAt = now
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

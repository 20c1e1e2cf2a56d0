package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"diming"
	"diming/gazetteer"
)

var _ gazetteer.Store = (*Store)(nil)

const divisionColumns = `code, name, level, parent_code, ST_AsEWKB(geom), households, population,
	population_60, urban_rural_code, synthetic, updated_at`

// Divisions returns the divisions matching f, ordered by code.
func (s *Store) Divisions(ctx context.Context, f gazetteer.DivisionFilter) ([]gazetteer.Division, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Level != "" {
		where = append(where, "level = "+arg(string(f.Level)))
	}
	if f.ParentCode != "" {
		where = append(where, "parent_code = "+arg(f.ParentCode))
	}
	if f.BBox != nil {
		where = append(where, fmt.Sprintf("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
			arg(f.BBox.Min[0]), arg(f.BBox.Min[1]), arg(f.BBox.Max[0]), arg(f.BBox.Max[1])))
	}
	q := "SELECT " + divisionColumns + " FROM divisions"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY code"
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, classify(err, "查询行政区划", "query divisions")
	}
	defer rows.Close()
	var out []gazetteer.Division
	for rows.Next() {
		d, err := scanDivision(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err, "查询行政区划", "query divisions")
	}
	return out, nil
}

// Division returns one division by its 12-digit code.
func (s *Store) Division(ctx context.Context, code string) (gazetteer.Division, error) {
	return divisionByCode(ctx, s.pool, code, false)
}

func divisionByCode(ctx context.Context, q rowQuerier, code string, forUpdate bool) (gazetteer.Division, error) {
	sql := "SELECT " + divisionColumns + " FROM divisions WHERE code = $1"
	if forUpdate {
		sql += " FOR UPDATE"
	}
	d, err := scanDivision(q.QueryRow(ctx, sql, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, diming.Errorf(diming.ENOTFOUND, "没有代码为 %s 的行政区划", "no division with code %s", code)
	}
	return d, err
}

// CountDivisions returns how many divisions are stored.
func (s *Store) CountDivisions(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM divisions").Scan(&n); err != nil {
		return 0, classify(err, "统计行政区划", "count divisions")
	}
	return n, nil
}

func scanDivision(row pgx.Row) (gazetteer.Division, error) {
	var d gazetteer.Division
	var geom []byte
	var level string
	err := row.Scan(&d.Code, &d.Name, &level, &d.ParentCode, &geom, &d.Households, &d.Population,
		&d.Population60, &d.UrbanRuralCode, &d.Synthetic, &d.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, err
	}
	if err != nil {
		return d, classify(err, "读取行政区划", "read division")
	}
	d.Level = gazetteer.Level(level)
	if d.Geometry, err = multiPolygonFromEWKB(geom); err != nil {
		return d, fmt.Errorf("postgis: division %s: %w", d.Code, err)
	}
	return d, nil
}

// PutDivisions inserts or updates divisions in one transaction, with an audit
// entry for each one that changed. Nothing is written if any is invalid.
func (s *Store) PutDivisions(ctx context.Context, actor diming.Actor, ds []gazetteer.Division) error {
	if err := gazetteer.ValidateBatch(actor, ds); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		changed := 0
		for i, d := range ds {
			gazetteer.ReportProgress(ctx, i, len(ds))
			old, err := divisionByCode(ctx, tx, d.Code, true)
			action := "update"
			var before []byte
			switch diming.Code(err) {
			case "":
				before = old.AuditRecord()
			case diming.ENOTFOUND:
				action = "create"
			default:
				return err
			}
			after := d.AuditRecord()
			if action == "update" && string(before) == string(after) {
				continue
			}
			geom, err := toEWKB(d.Geometry)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO divisions (code, name, level, parent_code, geom, households,
					population, population_60, urban_rural_code, synthetic, updated_at)
				VALUES ($1, $2, $3, $4, ST_GeomFromEWKB($5), $6, $7, $8, $9, $10, clock_timestamp())
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
					parent_code = excluded.parent_code, geom = excluded.geom, households = excluded.households,
					population = excluded.population, population_60 = excluded.population_60,
					urban_rural_code = excluded.urban_rural_code, synthetic = excluded.synthetic,
					updated_at = excluded.updated_at`,
				d.Code, d.Name, string(d.Level), d.ParentCode, geom, d.Households, d.Population,
				d.Population60, d.UrbanRuralCode, d.Synthetic)
			if err != nil {
				return classify(err, "写入行政区划 "+d.Code, "write division "+d.Code)
			}
			if err := appendAudit(ctx, tx, diming.AuditEntry{
				Actor: actor, Action: action, Entity: "division", EntityID: d.Code, Before: before, After: after,
			}); err != nil {
				return err
			}
			changed++
		}
		if changed == 0 {
			return nil
		}
		return rewriteBoundaryLines(ctx, tx)
	})
	if err == nil {
		gazetteer.ReportProgress(ctx, len(ds), len(ds))
	}
	return classify(err, "写入行政区划", "write divisions")
}

// boundaryLinesLock is the advisory lock key serialising line rewrites.
const boundaryLinesLock = 0x64696d626c // "dimbl"

// rewriteBoundaryLines derives the boundary lines of every level from the
// divisions as they stand in tx and replaces the stored ones, so QGIS sees
// lines that match the polygons.
func rewriteBoundaryLines(ctx context.Context, tx pgx.Tx) error {
	// One rewrite at a time: a concurrent writer waits here until the other
	// commits, then reads the divisions and lines as that one left them.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", boundaryLinesLock); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, "SELECT "+divisionColumns+" FROM divisions ORDER BY code")
	if err != nil {
		return err
	}
	var all []gazetteer.Division
	for rows.Next() {
		d, err := scanDivision(rows)
		if err != nil {
			rows.Close()
			return err
		}
		all = append(all, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM boundary_lines"); err != nil {
		return err
	}
	for _, level := range gazetteer.Levels {
		for _, l := range gazetteer.DeriveBoundaryLines(all, level) {
			geom, err := toEWKB(l.Geometry)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO boundary_lines (id, level, left_code, right_code, left_name, right_name, length_m, geom)
				VALUES ($1, $2, $3, $4, $5, $6, $7, ST_Multi(ST_GeomFromEWKB($8)))`, l.ID, string(l.Level), l.LeftCode, l.RightCode, l.LeftName, l.RightName, l.LengthM, geom); err != nil {
				return err
			}
		}
	}
	return nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"diming"
	"diming/gazetteer"
)

var _ gazetteer.Store = (*Store)(nil)

const divisionColumns = `code, name, level, parent_code, geom, households, population, population_60,
	urban_rural_code, synthetic, updated_at`

// Divisions returns the divisions matching f, ordered by code.
func (s *Store) Divisions(ctx context.Context, f gazetteer.DivisionFilter) ([]gazetteer.Division, error) {
	var where []string
	var args []any
	if f.Level != "" {
		where = append(where, "level = ?")
		args = append(args, string(f.Level))
	}
	if f.ParentCode != "" {
		where = append(where, "parent_code = ?")
		args = append(args, f.ParentCode)
	}
	if f.BBox != nil {
		where = append(where, "maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?")
		args = append(args, f.BBox.Min[0], f.BBox.Max[0], f.BBox.Min[1], f.BBox.Max[1])
	}
	q := "SELECT " + divisionColumns + " FROM divisions"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY code"
	rows, err := s.db.QueryContext(ctx, q, args...)
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
	return divisionByCode(ctx, s.db, code)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func divisionByCode(ctx context.Context, q queryer, code string) (gazetteer.Division, error) {
	row := q.QueryRowContext(ctx, "SELECT "+divisionColumns+" FROM divisions WHERE code = ?", code)
	d, err := scanDivision(row)
	if errors.Is(err, sql.ErrNoRows) {
		return d, diming.Errorf(diming.ENOTFOUND, "没有代码为 %s 的行政区划", "no division with code %s", code)
	}
	return d, err
}

// CountDivisions returns how many divisions are stored.
func (s *Store) CountDivisions(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM divisions").Scan(&n); err != nil {
		return 0, classify(err, "统计行政区划", "count divisions")
	}
	return n, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanDivision(sc scanner) (gazetteer.Division, error) {
	var d gazetteer.Division
	var geom []byte
	var level, updated string
	var synthetic int
	err := sc.Scan(&d.Code, &d.Name, &level, &d.ParentCode, &geom, &d.Households, &d.Population,
		&d.Population60, &d.UrbanRuralCode, &synthetic, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return d, err
	}
	if err != nil {
		return d, classify(err, "读取行政区划", "read division")
	}
	d.Level = gazetteer.Level(level)
	d.Synthetic = synthetic == 1
	if d.UpdatedAt, err = time.Parse(time.RFC3339Nano, updated); err != nil {
		return d, fmt.Errorf("sqlite: division %s: updated_at %q: %w", d.Code, updated, err)
	}
	g, err := wkb.Unmarshal(geom)
	if err != nil {
		return d, fmt.Errorf("sqlite: division %s: geometry: %w", d.Code, err)
	}
	switch g := g.(type) {
	case orb.MultiPolygon:
		d.Geometry = g
	case orb.Polygon:
		d.Geometry = orb.MultiPolygon{g}
	default:
		return d, fmt.Errorf("sqlite: division %s: geometry is a %s, not a multipolygon", d.Code, g.GeoJSONType())
	}
	return d, nil
}

// PutDivisions inserts or updates divisions in one transaction, with an audit
// entry for each one that changed. Nothing is written if any is invalid.
func (s *Store) PutDivisions(ctx context.Context, actor diming.Actor, ds []gazetteer.Division) (err error) {
	if err := gazetteer.ValidateBatch(actor, ds); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return classify(err, "开始写入行政区划", "begin writing divisions")
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	now := s.now().UTC()
	stamp := now.Format(time.RFC3339Nano)
	changed := 0
	for i, d := range ds {
		gazetteer.ReportProgress(ctx, i, len(ds))
		old, err := divisionByCode(ctx, tx, d.Code)
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
		geom, err := wkb.Marshal(d.Geometry)
		if err != nil {
			return fmt.Errorf("sqlite: division %s: encode geometry: %w", d.Code, err)
		}
		b := d.Geometry.Bound()
		_, err = tx.ExecContext(ctx, `INSERT INTO divisions (`+divisionColumns+`, minx, miny, maxx, maxy)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
				parent_code = excluded.parent_code, geom = excluded.geom, households = excluded.households,
				population = excluded.population, population_60 = excluded.population_60,
				urban_rural_code = excluded.urban_rural_code, synthetic = excluded.synthetic,
				updated_at = excluded.updated_at, minx = excluded.minx, miny = excluded.miny,
				maxx = excluded.maxx, maxy = excluded.maxy`,
			d.Code, d.Name, string(d.Level), d.ParentCode, geom, d.Households, d.Population, d.Population60,
			d.UrbanRuralCode, boolInt(d.Synthetic), stamp, b.Min[0], b.Min[1], b.Max[0], b.Max[1])
		if err != nil {
			return classify(err, "写入行政区划 "+d.Code, "write division "+d.Code)
		}
		if err := appendAudit(ctx, tx, stamp, diming.AuditEntry{
			Actor: actor, Action: action, Entity: "division", EntityID: d.Code, Before: before, After: after,
		}); err != nil {
			return err
		}
		changed++
	}
	if changed > 0 {
		if err := rewriteBoundaryLines(ctx, tx); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return classify(err, "提交行政区划", "commit divisions")
	}
	gazetteer.ReportProgress(ctx, len(ds), len(ds))
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rewriteBoundaryLines derives the boundary lines of every level from the
// divisions as they stand in tx and replaces the stored ones.
func rewriteBoundaryLines(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT "+divisionColumns+" FROM divisions ORDER BY code")
	if err != nil {
		return classify(err, "读取行政区划", "read divisions")
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
	if _, err := tx.ExecContext(ctx, "DELETE FROM boundary_lines"); err != nil {
		return classify(err, "重写界线", "rewrite boundary lines")
	}
	for _, level := range gazetteer.Levels {
		for _, l := range gazetteer.DeriveBoundaryLines(all, level) {
			geom, err := wkb.Marshal(l.Geometry)
			if err != nil {
				return fmt.Errorf("sqlite: line %s: %w", l.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO boundary_lines (id, level, left_code, right_code, left_name, right_name, length_m, geom)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, l.ID, string(l.Level), l.LeftCode, l.RightCode, l.LeftName, l.RightName, l.LengthM, geom); err != nil {
				return classify(err, "写入界线 "+l.ID, "write boundary line "+l.ID)
			}
		}
	}
	return nil
}

package sqlite

import (
	"context"

	"github.com/paulmach/orb/encoding/wkb"

	"diming/gazetteer"
	"diming/store/internal/rowstore"
)

var _ gazetteer.Store = (*Store)(nil)

const divisionColumns = `code, name, level, parent_code, geom, households, population, population_60,
	urban_rural_code, synthetic, updated_at`

// Divisions returns the divisions matching f, ordered by code.
func (s *Store) Divisions(ctx context.Context, f gazetteer.DivisionFilter) ([]gazetteer.Division, error) {
	w := rowstore.NewWhere(question)
	q := "SELECT " + divisionColumns + " FROM divisions" + rowstore.DivisionWhere(w, f, func(w *rowstore.Where, f gazetteer.DivisionFilter) string {
		return "maxx >= " + w.Arg(f.BBox.Min[0]) + " AND minx <= " + w.Arg(f.BBox.Max[0]) +
			" AND maxy >= " + w.Arg(f.BBox.Min[1]) + " AND miny <= " + w.Arg(f.BBox.Max[1])
	})
	return rowstore.ListOrNil(classifyOp, rowstore.OpQueryDivisions, dec.Division)(s.db.QueryContext(ctx, q, w.Args...))
}

// Division returns one division by its 12-digit code.
func (s *Store) Division(ctx context.Context, code string) (gazetteer.Division, error) {
	return rowstore.One(classifyOp, rowstore.OpReadDivision, func() error { return rowstore.NoDivision(code) }, dec.Division,
		s.db.QueryRowContext(ctx, "SELECT "+divisionColumns+" FROM divisions WHERE code = ?", code))
}

// CountDivisions returns how many divisions are stored.
func (s *Store) CountDivisions(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM divisions").Scan(&n)
	return n, classifyOp(err, rowstore.OpCountDivisions)
}

// ---- rows of a write (rowstore.DivisionRows)

func (t *tx) LockDivision(ctx context.Context, code string) (gazetteer.Division, error) {
	return dec.Division(t.tx.QueryRowContext(ctx, "SELECT "+divisionColumns+" FROM divisions WHERE code = ?", code))
}

func (t *tx) UpsertDivision(ctx context.Context, d gazetteer.Division) error {
	geom, err := wkb.Marshal(d.Geometry)
	if err != nil {
		return err
	}
	b := d.Geometry.Bound()
	_, err = t.exec(ctx, `INSERT INTO divisions (`+divisionColumns+`, minx, miny, maxx, maxy)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
			parent_code = excluded.parent_code, geom = excluded.geom, households = excluded.households,
			population = excluded.population, population_60 = excluded.population_60,
			urban_rural_code = excluded.urban_rural_code, synthetic = excluded.synthetic,
			updated_at = excluded.updated_at, minx = excluded.minx, miny = excluded.miny,
			maxx = excluded.maxx, maxy = excluded.maxy`,
		d.Code, d.Name, string(d.Level), d.ParentCode, geom, d.Households, d.Population, d.Population60,
		d.UrbanRuralCode, boolInt(d.Synthetic), ts(d.UpdatedAt), b.Min[0], b.Min[1], b.Max[0], b.Max[1])
	return err
}

// LockBoundaryLines: the writer holds the database's write lock already.
func (t *tx) LockBoundaryLines(context.Context) error { return nil }

func (t *tx) AllDivisions(ctx context.Context) ([]gazetteer.Division, error) {
	return rowstore.List(classifyOp, rowstore.OpReadDivision, dec.Division)(t.tx.QueryContext(ctx, "SELECT "+divisionColumns+" FROM divisions ORDER BY code"))
}

func (t *tx) ReplaceBoundaryLines(ctx context.Context, ls []gazetteer.BoundaryLine) error {
	if _, err := t.exec(ctx, "DELETE FROM boundary_lines"); err != nil {
		return err
	}
	for _, l := range ls {
		geom, err := wkb.Marshal(l.Geometry)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO boundary_lines (id, level, left_code, right_code, left_name, right_name, length_m, geom)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, l.ID, string(l.Level), l.LeftCode, l.RightCode, l.LeftName, l.RightName, l.LengthM, geom); err != nil {
			return err
		}
	}
	return nil
}

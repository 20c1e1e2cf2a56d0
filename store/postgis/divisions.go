package postgis

import (
	"context"
	"fmt"

	"diming/gazetteer"
	"diming/store/internal/rowstore"
)

var _ gazetteer.Store = (*Store)(nil)

const divisionColumns = `code, name, level, parent_code, ST_AsEWKB(geom), households, population,
	population_60, urban_rural_code, synthetic, updated_at`

// Divisions returns the divisions matching f, ordered by code.
func (s *Store) Divisions(ctx context.Context, f gazetteer.DivisionFilter) ([]gazetteer.Division, error) {
	w := rowstore.NewWhere(dollar)
	q := "SELECT " + divisionColumns + " FROM divisions" + rowstore.DivisionWhere(w, f, func(w *rowstore.Where, f gazetteer.DivisionFilter) string {
		return fmt.Sprintf("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
			w.Arg(f.BBox.Min[0]), w.Arg(f.BBox.Min[1]), w.Arg(f.BBox.Max[0]), w.Arg(f.BBox.Max[1]))
	})
	return rowstore.ListOrNil(classifyOp, rowstore.OpQueryDivisions, dec.Division)(s.pool.Query(ctx, q, w.Args...))
}

// Division returns one division by its 12-digit code.
func (s *Store) Division(ctx context.Context, code string) (gazetteer.Division, error) {
	return rowstore.One(classifyOp, rowstore.OpReadDivision, func() error { return rowstore.NoDivision(code) }, dec.Division,
		s.pool.QueryRow(ctx, "SELECT "+divisionColumns+" FROM divisions WHERE code = $1", code))
}

// CountDivisions returns how many divisions are stored.
func (s *Store) CountDivisions(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM divisions").Scan(&n)
	return n, classifyOp(err, rowstore.OpCountDivisions)
}

// ---- rows of a write (rowstore.DivisionRows)

func (t *tx) LockDivision(ctx context.Context, code string) (gazetteer.Division, error) {
	return dec.Division(t.tx.QueryRow(ctx, "SELECT "+divisionColumns+" FROM divisions WHERE code = $1"+lock, code))
}

func (t *tx) UpsertDivision(ctx context.Context, d gazetteer.Division) error {
	geom, err := toEWKB(d.Geometry)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO divisions (code, name, level, parent_code, geom, households,
			population, population_60, urban_rural_code, synthetic, updated_at)
		VALUES ($1, $2, $3, $4, ST_GeomFromEWKB($5), $6, $7, $8, $9, $10, $11)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
			parent_code = excluded.parent_code, geom = excluded.geom, households = excluded.households,
			population = excluded.population, population_60 = excluded.population_60,
			urban_rural_code = excluded.urban_rural_code, synthetic = excluded.synthetic,
			updated_at = excluded.updated_at`,
		d.Code, d.Name, string(d.Level), d.ParentCode, geom, d.Households, d.Population,
		d.Population60, d.UrbanRuralCode, d.Synthetic, d.UpdatedAt)
	return err
}

// boundaryLinesLock is the advisory lock key serialising line rewrites.
const boundaryLinesLock = 0x64696d626c // "dimbl"

func (t *tx) LockBoundaryLines(ctx context.Context) error {
	_, err := t.exec(ctx, "SELECT pg_advisory_xact_lock($1)", boundaryLinesLock)
	return err
}

func (t *tx) AllDivisions(ctx context.Context) ([]gazetteer.Division, error) {
	return rowstore.List(classifyOp, rowstore.OpReadDivision, dec.Division)(t.tx.Query(ctx, "SELECT "+divisionColumns+" FROM divisions ORDER BY code"))
}

func (t *tx) ReplaceBoundaryLines(ctx context.Context, ls []gazetteer.BoundaryLine) error {
	if _, err := t.exec(ctx, "DELETE FROM boundary_lines"); err != nil {
		return err
	}
	for _, l := range ls {
		geom, err := toEWKB(l.Geometry)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO boundary_lines (id, level, left_code, right_code, left_name, right_name, length_m, geom)
			VALUES ($1, $2, $3, $4, $5, $6, $7, ST_Multi(ST_GeomFromEWKB($8)))`, l.ID, string(l.Level), l.LeftCode, l.RightCode, l.LeftName, l.RightName, l.LengthM, geom); err != nil {
			return err
		}
	}
	return nil
}

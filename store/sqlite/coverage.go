package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/paulmach/orb/encoding/wkb"

	"diming/coverage"
	"diming/gazetteer"
)

// ---- bulk loads (rowstore.Tx): batched INSERTs

func (t *tx) InsertRoadSegments(ctx context.Context, segs []coverage.RoadSegment) error {
	return insertRows(ctx, t.tx, "road_segments", []string{"geom", "minx", "miny", "maxx", "maxy", "class", "name", "source", "synthetic"}, len(segs),
		func(i int, row []any) ([]any, error) {
			r := segs[i]
			geom, err := wkb.Marshal(r.Geometry)
			if err != nil {
				return nil, err
			}
			b := r.Geometry.Bound()
			return append(row, geom, b.Min[0], b.Min[1], b.Max[0], b.Max[1], r.Class, r.Name, r.Source, boolInt(r.Synthetic)), nil
		})
}

func (t *tx) InsertHouseholds(ctx context.Context, hs []coverage.HouseholdPoint) error {
	return insertRows(ctx, t.tx, "households", []string{"lon", "lat", "households", "residents", "aged_60", "source", "synthetic"}, len(hs),
		func(i int, row []any) ([]any, error) {
			h := hs[i]
			return append(row, h.Point[0], h.Point[1], h.Households, h.Residents, h.Aged60, h.Source, boolInt(h.Synthetic)), nil
		})
}

func (t *tx) InsertRunUnits(ctx context.Context, runID int64, us []coverage.RunUnit) error {
	return insertRows(ctx, t.tx, "coverage_run_units", []string{"run_id", "division_code", "name", "level", "total", "covered", "value",
		"met", "extra", "geom", "minx", "miny", "maxx", "maxy"}, len(us),
		func(i int, row []any) ([]any, error) {
			u := us[i]
			var geom []byte
			var minx, miny, maxx, maxy any
			if len(u.Geometry) > 0 {
				var err error
				if geom, err = wkb.Marshal(u.Geometry); err != nil {
					return nil, err
				}
				b := u.Geometry.Bound()
				minx, miny, maxx, maxy = b.Min[0], b.Min[1], b.Max[0], b.Max[1]
			}
			return append(row, runID, u.DivisionCode, u.Name, u.Level, u.Total, u.Covered, u.Value, boolInt(u.Met),
				nullJSON(u.Extra), geom, minx, miny, maxx, maxy), nil
		})
}

func (t *tx) InsertRunPoints(ctx context.Context, runID int64, ps []coverage.RunPoint) error {
	return insertRows(ctx, t.tx, "coverage_run_points", []string{"run_id", "kind", "ref_id", "value", "extra", "lon", "lat"}, len(ps),
		func(i int, row []any) ([]any, error) {
			p := ps[i]
			return append(row, runID, p.Kind, p.RefID, p.Value, nullJSON(p.Extra), p.Point[0], p.Point[1]), nil
		})
}

// insertBatch is how many rows one INSERT statement of insertRows carries.
const insertBatch = 128

// insertRows inserts n rows into table in the transaction: full batches of
// insertBatch rows through one prepared multi-row statement, then the rest.
// row appends row i's values (in cols order) to its argument.
func insertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, n int, row func(i int, vals []any) ([]any, error)) error {
	one := "(?" + strings.Repeat(", ?", len(cols)-1) + ")"
	prefix := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, insertBatch*len(cols))
	for start := 0; start < n; start += insertBatch {
		k := min(insertBatch, n-start)
		args = args[:0]
		for i := start; i < start+k; i++ {
			var err error
			if args, err = row(i, args); err != nil {
				return err
			}
		}
		gazetteer.ReportProgress(ctx, start, n)
		q := prefix + one + strings.Repeat(", "+one, k-1)
		if k < insertBatch {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
			continue
		}
		if full == nil {
			var err error
			if full, err = tx.PrepareContext(ctx, q); err != nil {
				return err
			}
		}
		if _, err := full.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	gazetteer.ReportProgress(ctx, n, n)
	return nil
}

// ---- change marks

// ChangeMarkOf returns the newest audit id among entries of the entities (0 when none).
func (s *Store) ChangeMarkOf(ctx context.Context, entities ...string) (int64, error) {
	if len(entities) == 0 {
		return 0, nil
	}
	// One max per entity, each answered from the (entity, id) index.
	parts := make([]string, len(entities))
	args := make([]any, len(entities))
	for i, e := range entities {
		parts[i], args[i] = "SELECT max(id) AS m FROM audit_log WHERE entity = ?", e
	}
	var id int64
	err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(m), 0) FROM ("+strings.Join(parts, " UNION ALL ")+")", args...).Scan(&id)
	return id, classify(err, "读取变更标记", "read the change mark")
}

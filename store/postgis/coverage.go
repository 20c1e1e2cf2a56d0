package postgis

import (
	"context"
	"encoding/binary"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"diming/coverage"
	"diming/gazetteer"
)

// ---- bulk loads (rowstore.Tx): COPY

// copyRows loads n rows into table with COPY; row(i) is row i's values in
// cols order.
func (t *tx) copyRows(ctx context.Context, table string, cols []string, n int, row func(i int) ([]any, error)) error {
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
		if i%4096 == 0 {
			gazetteer.ReportProgress(ctx, i, n)
		}
		return row(i)
	}))
	return err
}

func (t *tx) InsertRoadSegments(ctx context.Context, segs []coverage.RoadSegment) error {
	return t.copyRows(ctx, "road_segments", []string{"geom", "class", "name", "source", "synthetic"}, len(segs), func(i int) ([]any, error) {
		r := segs[i]
		geom, err := toEWKB(r.Geometry)
		if err != nil {
			return nil, err
		}
		return []any{geom, r.Class, r.Name, r.Source, r.Synthetic}, nil
	})
}

func (t *tx) InsertHouseholds(ctx context.Context, hs []coverage.HouseholdPoint) error {
	return t.copyRows(ctx, "households", []string{"geom", "households", "residents", "aged_60", "source", "synthetic"}, len(hs), func(i int) ([]any, error) {
		h := hs[i]
		return []any{pointEWKB(h.Point), h.Households, h.Residents, h.Aged60, h.Source, h.Synthetic}, nil
	})
}

// pointEWKB is a point's EWKB with SRID 4326 (little endian), the binary
// form COPY hands to the geometry column.
func pointEWKB(p orb.Point) []byte {
	b := make([]byte, 25)
	b[0] = 1
	binary.LittleEndian.PutUint32(b[1:], 0x20000001) // point with SRID
	binary.LittleEndian.PutUint32(b[5:], SRID)
	binary.LittleEndian.PutUint64(b[9:], math.Float64bits(p[0]))
	binary.LittleEndian.PutUint64(b[17:], math.Float64bits(p[1]))
	return b
}

func (t *tx) InsertRunUnits(ctx context.Context, runID int64, us []coverage.RunUnit) error {
	return t.copyRows(ctx, "coverage_run_units", []string{"run_id", "division_code", "name", "level", "total", "covered", "value", "met", "extra", "geom"},
		len(us), func(i int) ([]any, error) {
			u := us[i]
			var geom any
			if len(u.Geometry) > 0 {
				b, err := toEWKB(u.Geometry)
				if err != nil {
					return nil, err
				}
				geom = b
			}
			return []any{runID, u.DivisionCode, u.Name, u.Level, u.Total, u.Covered, u.Value, u.Met, nullJSON(u.Extra), geom}, nil
		})
}

func (t *tx) InsertRunPoints(ctx context.Context, runID int64, ps []coverage.RunPoint) error {
	return t.copyRows(ctx, "coverage_run_points", []string{"run_id", "kind", "ref_id", "value", "extra", "geom"}, len(ps), func(i int) ([]any, error) {
		p := ps[i]
		return []any{runID, p.Kind, p.RefID, p.Value, nullJSON(p.Extra), pointEWKB(p.Point)}, nil
	})
}

// ---- change marks

// ChangeMarkOf returns the newest audit id among entries of the entities (0 when none).
func (s *Store) ChangeMarkOf(ctx context.Context, entities ...string) (int64, error) {
	if len(entities) == 0 {
		return 0, nil
	}
	// Per entity, the last index entry at or before (entity, max id): one
	// backward probe of the (entity, id) index. (With max(id) WHERE entity =
	// …, the planner, not knowing the entity, may instead scan the primary
	// key backwards past every other entity's rows.)
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(m.id), 0) FROM unnest($1::text[]) AS e(name)
		CROSS JOIN LATERAL (SELECT a.entity, a.id FROM audit_log a WHERE (a.entity, a.id) <= (e.name, 9223372036854775807)
			ORDER BY a.entity DESC, a.id DESC LIMIT 1) AS m
		WHERE m.entity = e.name`, entities).Scan(&id)
	return id, classify(err, "读取变更标记", "read the change mark")
}

package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/paulmach/orb/encoding/wkb"

	"diming/coverage"
	"diming/gazetteer"
	"diming/store/internal/rowstore"
)

var (
	_ coverage.Store        = (*Store)(nil)
	_ coverage.ChangeMarker = (*Store)(nil)
)

// ---- facilities

const facilityColumns = `id, coalesce(code, ''), name, category, lon, lat, address, floor_area, beds,
	volunteer_station, comprehensive, status, coalesce(opened_on, ''), synthetic, note, version, updated_at`

// Facilities lists every facility by id.
func (s *Store) Facilities(ctx context.Context) ([]coverage.Facility, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryFacilities, dec.Facility)(s.db.QueryContext(ctx, "SELECT "+facilityColumns+" FROM facilities ORDER BY id"))
}

// Facility returns one facility.
func (s *Store) Facility(ctx context.Context, id int64) (coverage.Facility, error) {
	return rowstore.One(classifyOp, rowstore.OpReadFacility, func() error { return rowstore.NoFacility(id) }, dec.Facility,
		s.db.QueryRowContext(ctx, "SELECT "+facilityColumns+" FROM facilities WHERE id = ?", id))
}

// ---- rows of a write (rowstore.FacilityRows)

func (t *tx) LockFacility(ctx context.Context, id int64) (coverage.Facility, error) {
	return dec.Facility(t.tx.QueryRowContext(ctx, "SELECT "+facilityColumns+" FROM facilities WHERE id = ?", id))
}

func (t *tx) LockFacilityByCode(ctx context.Context, code string) (coverage.Facility, error) {
	return dec.Facility(t.tx.QueryRowContext(ctx, "SELECT "+facilityColumns+" FROM facilities WHERE code = ?", code))
}

const facilityWriteColumns = `code, name, category, lon, lat, address, floor_area, beds, volunteer_station, comprehensive,
	status, opened_on, synthetic, note, version, updated_at`

func facilityArgs(f coverage.Facility) []any {
	return []any{nullStr(f.Code), f.Name, string(f.Category), f.Point[0], f.Point[1], f.Address, f.FloorArea, f.Beds,
		boolInt(f.VolunteerStation), boolInt(f.Comprehensive), f.Status, nullStr(f.OpenedOn), boolInt(f.Synthetic),
		f.Note, f.Version, ts(f.UpdatedAt)}
}

func (t *tx) InsertFacility(ctx context.Context, f coverage.Facility) (int64, error) {
	return t.insert(ctx, insertInto("facilities", facilityWriteColumns), facilityArgs(f)...)
}

func (t *tx) UpdateFacility(ctx context.Context, f coverage.Facility) error {
	_, err := t.exec(ctx, updateSet("facilities", facilityWriteColumns), append(facilityArgs(f), f.ID)...)
	return err
}

func (t *tx) DeleteFacility(ctx context.Context, id int64) error {
	_, err := t.exec(ctx, "DELETE FROM facilities WHERE id = ?", id)
	return err
}

// ---- the walking network and household points

// RoadSegments lists every segment by id.
func (s *Store) RoadSegments(ctx context.Context) ([]coverage.RoadSegment, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryRoads, dec.RoadSegment)(s.db.QueryContext(ctx,
		"SELECT id, geom, class, name, source, synthetic FROM road_segments ORDER BY id"))
}

// Households lists every household point by id.
func (s *Store) Households(ctx context.Context) ([]coverage.HouseholdPoint, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryHouseholds, dec.Household)(s.db.QueryContext(ctx,
		"SELECT id, lon, lat, households, residents, aged_60, source, synthetic FROM households ORDER BY id"))
}

// ---- rows of a bulk load (rowstore.CoverageRows): batched INSERTs

func (t *tx) ClearRoadSegments(ctx context.Context) (int64, error) {
	return t.exec(ctx, "DELETE FROM road_segments")
}

func (t *tx) ClearHouseholds(ctx context.Context) (int64, error) {
	return t.exec(ctx, "DELETE FROM households")
}

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

// ---- saved runs

const runColumns = "id, report, params, data_version, computed_at, created_by, created_at, summary"

// Runs lists saved runs, newest first, without their units and points.
func (s *Store) Runs(ctx context.Context, f coverage.RunFilter) ([]coverage.Run, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryRuns, dec.Run)(s.db.QueryContext(ctx,
		"SELECT "+runColumns+" FROM coverage_runs WHERE (?1 = '' OR report = ?1) ORDER BY id DESC LIMIT ?2", f.Report, rowstore.RunLimit(f)))
}

// Run returns one saved run with its units and points.
func (s *Store) Run(ctx context.Context, id int64) (coverage.Run, error) {
	r, err := rowstore.One(classifyOp, rowstore.OpReadRun, func() error { return rowstore.NoRun(id) }, dec.Run,
		s.db.QueryRowContext(ctx, "SELECT "+runColumns+" FROM coverage_runs WHERE id = ?", id))
	if err != nil {
		return r, err
	}
	if r.Units, err = rowstore.ListOrNil(classifyOp, rowstore.OpReadRun, dec.RunUnit)(s.db.QueryContext(ctx,
		"SELECT division_code, name, level, total, covered, value, met, extra, geom FROM coverage_run_units WHERE run_id = ? ORDER BY id", id)); err != nil {
		return r, err
	}
	r.Points, err = rowstore.ListOrNil(classifyOp, rowstore.OpReadRun, dec.RunPoint)(s.db.QueryContext(ctx,
		"SELECT kind, ref_id, value, extra, lon, lat FROM coverage_run_points WHERE run_id = ? ORDER BY id", id))
	return r, err
}

func (t *tx) InsertRun(ctx context.Context, r coverage.Run) (coverage.Run, error) {
	var err error
	r.ID, err = t.insert(ctx, "INSERT INTO coverage_runs (report, params, data_version, computed_at, created_by, created_at, summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
		r.Report, nullJSON(r.Params), r.DataVersion, ts(r.ComputedAt), string(r.CreatedBy), ts(r.CreatedAt), nullJSON(r.Summary))
	return r, err
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

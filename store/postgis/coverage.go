package postgis

import (
	"context"
	"encoding/binary"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"diming/coverage"
	"diming/gazetteer"
	"diming/store/internal/rowstore"
)

var (
	_ coverage.Store        = (*Store)(nil)
	_ coverage.ChangeMarker = (*Store)(nil)
)

// ---- facilities

const facilityColumns = `id, coalesce(code, ''), name, category, ST_X(geom), ST_Y(geom), address, floor_area, beds,
	volunteer_station, comprehensive, status, coalesce(opened_on, ''), synthetic, note, version, updated_at`

// Facilities lists every facility by id.
func (s *Store) Facilities(ctx context.Context) ([]coverage.Facility, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryFacilities, dec.Facility)(s.pool.Query(ctx, "SELECT "+facilityColumns+" FROM facilities ORDER BY id"))
}

// Facility returns one facility.
func (s *Store) Facility(ctx context.Context, id int64) (coverage.Facility, error) {
	return rowstore.One(classifyOp, rowstore.OpReadFacility, func() error { return rowstore.NoFacility(id) }, dec.Facility,
		s.pool.QueryRow(ctx, "SELECT "+facilityColumns+" FROM facilities WHERE id = $1", id))
}

// ---- rows of a write (rowstore.FacilityRows)

func (t *tx) LockFacility(ctx context.Context, id int64) (coverage.Facility, error) {
	return dec.Facility(t.tx.QueryRow(ctx, "SELECT "+facilityColumns+" FROM facilities WHERE id = $1"+lock, id))
}

func (t *tx) LockFacilityByCode(ctx context.Context, code string) (coverage.Facility, error) {
	return dec.Facility(t.tx.QueryRow(ctx, "SELECT "+facilityColumns+" FROM facilities WHERE code = $1"+lock, code))
}

const facilityWriteColumns = `code, name, category, geom, address, floor_area, beds, volunteer_station, comprehensive,
	status, opened_on, synthetic, note, version, updated_at`

const facilityWriteValues = `NULLIF($1, ''), $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326), $6, $7, $8, $9, $10,
	$11, NULLIF($12, ''), $13, $14, $15, $16`

func facilityArgs(f coverage.Facility) []any {
	return []any{f.Code, f.Name, string(f.Category), f.Point[0], f.Point[1], f.Address, f.FloorArea, f.Beds,
		f.VolunteerStation, f.Comprehensive, f.Status, f.OpenedOn, f.Synthetic, f.Note, f.Version, f.UpdatedAt}
}

func (t *tx) InsertFacility(ctx context.Context, f coverage.Facility) (int64, error) {
	return t.insert(ctx, "INSERT INTO facilities ("+facilityWriteColumns+") VALUES ("+facilityWriteValues+") RETURNING id", facilityArgs(f)...)
}

func (t *tx) UpdateFacility(ctx context.Context, f coverage.Facility) error {
	_, err := t.exec(ctx, "UPDATE facilities SET ("+facilityWriteColumns+") = ROW("+facilityWriteValues+") WHERE id = $17", append(facilityArgs(f), f.ID)...)
	return err
}

func (t *tx) DeleteFacility(ctx context.Context, id int64) error {
	_, err := t.exec(ctx, "DELETE FROM facilities WHERE id = $1", id)
	return err
}

// ---- the walking network and household points

// RoadSegments lists every segment by id.
func (s *Store) RoadSegments(ctx context.Context) ([]coverage.RoadSegment, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryRoads, dec.RoadSegment)(s.pool.Query(ctx, "SELECT id, ST_AsEWKB(geom), class, name, source, synthetic FROM road_segments ORDER BY id"))
}

// Households lists every household point by id.
func (s *Store) Households(ctx context.Context) ([]coverage.HouseholdPoint, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryHouseholds, dec.Household)(s.pool.Query(ctx, "SELECT id, ST_X(geom), ST_Y(geom), households, residents, aged_60, source, synthetic FROM households ORDER BY id"))
}

// ---- rows of a bulk load (rowstore.CoverageRows): COPY

func (t *tx) ClearRoadSegments(ctx context.Context) (int64, error) {
	return t.exec(ctx, "DELETE FROM road_segments")
}

func (t *tx) ClearHouseholds(ctx context.Context) (int64, error) {
	return t.exec(ctx, "DELETE FROM households")
}

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

// ---- saved runs

const runColumns = "id, report, params::text, data_version, computed_at, created_by, created_at, summary::text"

// Runs lists saved runs, newest first, without their units and points.
func (s *Store) Runs(ctx context.Context, f coverage.RunFilter) ([]coverage.Run, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryRuns, dec.Run)(s.pool.Query(ctx,
		"SELECT "+runColumns+" FROM coverage_runs WHERE ($1 = '' OR report = $1) ORDER BY id DESC LIMIT $2", f.Report, rowstore.RunLimit(f)))
}

// Run returns one saved run with its units and points.
func (s *Store) Run(ctx context.Context, id int64) (coverage.Run, error) {
	r, err := rowstore.One(classifyOp, rowstore.OpReadRun, func() error { return rowstore.NoRun(id) }, dec.Run,
		s.pool.QueryRow(ctx, "SELECT "+runColumns+" FROM coverage_runs WHERE id = $1", id))
	if err != nil {
		return r, err
	}
	if r.Units, err = rowstore.ListOrNil(classifyOp, rowstore.OpReadRun, dec.RunUnit)(s.pool.Query(ctx, `SELECT division_code, name, level, total, covered, value, met, extra::text, ST_AsEWKB(geom)
		FROM coverage_run_units WHERE run_id = $1 ORDER BY id`, id)); err != nil {
		return r, err
	}
	r.Points, err = rowstore.ListOrNil(classifyOp, rowstore.OpReadRun, dec.RunPoint)(s.pool.Query(ctx, "SELECT kind, ref_id, value, extra::text, ST_X(geom), ST_Y(geom) FROM coverage_run_points WHERE run_id = $1 ORDER BY id", id))
	return r, err
}

func (t *tx) InsertRun(ctx context.Context, r coverage.Run) (coverage.Run, error) {
	err := t.tx.QueryRow(ctx, `INSERT INTO coverage_runs (report, params, data_version, computed_at, created_by, created_at, summary)
		VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7::jsonb) RETURNING id, computed_at, created_at`,
		r.Report, nullJSON(r.Params), r.DataVersion, r.ComputedAt, string(r.CreatedBy), r.CreatedAt, nullJSON(r.Summary)).Scan(&r.ID, &r.ComputedAt, &r.CreatedAt)
	return r, err
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

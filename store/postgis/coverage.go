package postgis

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
)

var (
	_ coverage.Store        = (*Store)(nil)
	_ coverage.ChangeMarker = (*Store)(nil)
)

// ---- facilities

const facilityColumns = `id, coalesce(code, ''), name, category, ST_X(geom), ST_Y(geom), address, floor_area, beds,
	volunteer_station, comprehensive, status, coalesce(opened_on, ''), synthetic, note, version, updated_at`

func scanFacility(row pgx.Row) (coverage.Facility, error) {
	var f coverage.Facility
	var category string
	err := row.Scan(&f.ID, &f.Code, &f.Name, &category, &f.Point[0], &f.Point[1], &f.Address, &f.FloorArea, &f.Beds,
		&f.VolunteerStation, &f.Comprehensive, &f.Status, &f.OpenedOn, &f.Synthetic, &f.Note, &f.Version, &f.UpdatedAt)
	f.Category = coverage.Category(category)
	return f, err
}

// facilityByID reads a facility, locking its row when forUpdate is set.
func facilityByID(ctx context.Context, q rowQuerier, id int64, forUpdate bool) (coverage.Facility, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE"
	}
	f, err := scanFacility(q.QueryRow(ctx, "SELECT "+facilityColumns+" FROM facilities WHERE id = $1"+lock, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return f, diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的设施", "no facility with id %d", id)
	}
	return f, classify(err, "读取设施", "read the facility")
}

// Facilities lists every facility by id.
func (s *Store) Facilities(ctx context.Context) ([]coverage.Facility, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+facilityColumns+" FROM facilities ORDER BY id")
	if err != nil {
		return nil, classify(err, "查询设施", "query facilities")
	}
	defer rows.Close()
	out := []coverage.Facility{}
	for rows.Next() {
		f, err := scanFacility(rows)
		if err != nil {
			return nil, classify(err, "读取设施", "read facilities")
		}
		out = append(out, f)
	}
	return out, classify(rows.Err(), "查询设施", "query facilities")
}

// Facility returns one facility.
func (s *Store) Facility(ctx context.Context, id int64) (coverage.Facility, error) {
	return facilityByID(ctx, s.pool, id, false)
}

// PutFacility creates (ID 0) or updates a facility whose version matches, audited.
func (s *Store) PutFacility(ctx context.Context, actor diming.Actor, f coverage.Facility) (coverage.Facility, error) {
	if err := f.Validate(); err != nil {
		return f, err
	}
	out := f
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var old *coverage.Facility
		if f.ID != 0 {
			o, err := facilityByID(ctx, tx, f.ID, true)
			if err != nil {
				return err
			}
			if o.Version != f.Version {
				return staleFacility(o, f.Version)
			}
			old = &o
		}
		var err error
		out, err = writeFacility(ctx, tx, actor, f, old)
		return err
	})
	if err != nil {
		return f, classify(err, "保存设施", "store the facility")
	}
	return out, nil
}

// writeFacility inserts f (old nil) or updates old with f's data, with its audit entry.
func writeFacility(ctx context.Context, tx pgx.Tx, actor diming.Actor, f coverage.Facility, old *coverage.Facility) (coverage.Facility, error) {
	action, before := "create", []byte(nil)
	if old == nil {
		f.ID, f.Version = 0, 1
	} else {
		action, before = "update", old.Record()
		f.ID, f.Version = old.ID, old.Version+1
	}
	args := []any{f.Code, f.Name, string(f.Category), f.Point[0], f.Point[1], f.Address, f.FloorArea, f.Beds,
		f.VolunteerStation, f.Comprehensive, f.Status, f.OpenedOn, f.Synthetic, f.Note, f.Version}
	const cols = `code, name, category, geom, address, floor_area, beds, volunteer_station, comprehensive,
		status, opened_on, synthetic, note, version, updated_at`
	const vals = `NULLIF($1, ''), $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326), $6, $7, $8, $9, $10,
		$11, NULLIF($12, ''), $13, $14, $15, now()`
	var err error
	if old == nil {
		err = tx.QueryRow(ctx, "INSERT INTO facilities ("+cols+") VALUES ("+vals+") RETURNING id, updated_at", args...).Scan(&f.ID, &f.UpdatedAt)
	} else {
		err = tx.QueryRow(ctx, "UPDATE facilities SET ("+cols+") = ROW("+vals+") WHERE id = $16 RETURNING updated_at", append(args, f.ID)...).Scan(&f.UpdatedAt)
	}
	if err := classify(err, "保存设施 "+f.Name, "store facility "+f.Name); diming.Code(err) == diming.ECONFLICT {
		return f, codeTaken(f.Code, err)
	} else if err != nil {
		return f, err
	}
	return f, appendAudit(ctx, tx, diming.AuditEntry{Actor: actor, Action: action, Entity: coverage.EntityFacility,
		EntityID: fmt.Sprint(f.ID), Before: before, After: f.Record()})
}

func staleFacility(old coverage.Facility, version int) error {
	return diming.Errorf(diming.ECONFLICT, "设施“%s”已被他人修改（版本 %d，现为 %d），请刷新后重试",
		"facility %s: stale version %d (now %d): reload and retry", old.Name, version, old.Version)
}

func codeTaken(code string, cause error) error {
	return diming.Wrap(cause, diming.ECONFLICT, "设施编号 %s 已被其他设施使用", "facility code %s is taken by another facility", code)
}

// DeleteFacility deletes a facility whose version matches, audited.
func (s *Store) DeleteFacility(ctx context.Context, actor diming.Actor, id int64, version int) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		old, err := facilityByID(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if old.Version != version {
			return staleFacility(old, version)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM facilities WHERE id = $1", id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, diming.AuditEntry{Actor: actor, Action: "delete", Entity: coverage.EntityFacility,
			EntityID: fmt.Sprint(id), Before: old.Record()})
	})
	return classify(err, "删除设施", "delete the facility")
}

// ImportFacilities upserts facilities by code in one transaction (see coverage.Store).
func (s *Store) ImportFacilities(ctx context.Context, actor diming.Actor, fs []coverage.Facility) (created, updated int, err error) {
	if err := coverage.ValidateFacilityImport(fs); err != nil {
		return 0, 0, err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		created, updated = 0, 0
		for _, f := range fs {
			var old *coverage.Facility
			if f.Code != "" {
				o, err := scanFacility(tx.QueryRow(ctx, "SELECT "+facilityColumns+" FROM facilities WHERE code = $1 FOR UPDATE", f.Code))
				switch {
				case err == nil:
					old = &o
				case !errors.Is(err, pgx.ErrNoRows):
					return classify(err, "读取设施", "read the facility")
				}
			}
			if old != nil && coverage.SameFacility(*old, f) {
				continue
			}
			if _, err := writeFacility(ctx, tx, actor, f, old); err != nil {
				return err
			}
			if old == nil {
				created++
			} else {
				updated++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, classify(err, "导入设施", "import facilities")
	}
	return created, updated, nil
}

// ---- the walking network

// RoadSegments lists every segment by id.
func (s *Store) RoadSegments(ctx context.Context) ([]coverage.RoadSegment, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, ST_AsEWKB(geom), class, name, source, synthetic FROM road_segments ORDER BY id")
	if err != nil {
		return nil, classify(err, "查询路网", "query the road network")
	}
	defer rows.Close()
	out := []coverage.RoadSegment{}
	for rows.Next() {
		var r coverage.RoadSegment
		var geom []byte
		if err := rows.Scan(&r.ID, &geom, &r.Class, &r.Name, &r.Source, &r.Synthetic); err != nil {
			return nil, classify(err, "读取路网", "read the road network")
		}
		g, err := fromEWKB(geom)
		if err != nil {
			return nil, fmt.Errorf("postgis: road segment %d: %w", r.ID, err)
		}
		ls, ok := g.(orb.LineString)
		if !ok {
			return nil, fmt.Errorf("postgis: road segment %d is a %s, not a line", r.ID, g.GeoJSONType())
		}
		r.Geometry = ls
		out = append(out, r)
	}
	return out, classify(rows.Err(), "查询路网", "query the road network")
}

// PutRoadSegments adds segments (or replaces the network) with one audit
// entry. The rows go in with COPY.
func (s *Store) PutRoadSegments(ctx context.Context, actor diming.Actor, segs []coverage.RoadSegment, replace bool) (int, error) {
	if err := coverage.ValidateRoadSegments(segs); err != nil {
		return 0, err
	}
	if len(segs) == 0 && !replace {
		return 0, nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		removed, err := clearFor(ctx, tx, "road_segments", replace)
		if err != nil {
			return err
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"road_segments"}, []string{"geom", "class", "name", "source", "synthetic"},
			pgx.CopyFromSlice(len(segs), func(i int) ([]any, error) {
				if i%4096 == 0 {
					gazetteer.ReportProgress(ctx, i, len(segs))
				}
				r := segs[i]
				geom, err := toEWKB(r.Geometry)
				if err != nil {
					return nil, err
				}
				return []any{geom, r.Class, r.Name, r.Source, r.Synthetic}, nil
			}))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, bulkAudit(actor, coverage.EntityRoads, "segments", len(segs), removed, replace))
	})
	if err != nil {
		return 0, classify(err, "导入路网", "import the road network")
	}
	return len(segs), nil
}

// clearFor deletes every row of table when replace is set, returning how many.
func clearFor(ctx context.Context, tx pgx.Tx, table string, replace bool) (int64, error) {
	if !replace {
		return 0, nil
	}
	tag, err := tx.Exec(ctx, "DELETE FROM "+pgx.Identifier{table}.Sanitize())
	return tag.RowsAffected(), err
}

// bulkAudit is the one audit entry of a bulk import: {"<noun>": n, "replace": bool},
// and for a replacement, how many rows it removed.
func bulkAudit(actor diming.Actor, entity, noun string, n int, removed int64, replace bool) diming.AuditEntry {
	action, before := "import", []byte(nil)
	if replace {
		action = "replace"
		before, _ = json.Marshal(map[string]int64{noun: removed})
	}
	after, _ := json.Marshal(map[string]any{noun: n, "replace": replace})
	return diming.AuditEntry{Actor: actor, Action: action, Entity: entity, EntityID: "all", Before: before, After: after}
}

// ---- household points

// Households lists every household point by id.
func (s *Store) Households(ctx context.Context) ([]coverage.HouseholdPoint, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, ST_X(geom), ST_Y(geom), households, residents, aged_60, source, synthetic FROM households ORDER BY id")
	if err != nil {
		return nil, classify(err, "查询住户点", "query household points")
	}
	defer rows.Close()
	out := []coverage.HouseholdPoint{}
	for rows.Next() {
		var h coverage.HouseholdPoint
		if err := rows.Scan(&h.ID, &h.Point[0], &h.Point[1], &h.Households, &h.Residents, &h.Aged60, &h.Source, &h.Synthetic); err != nil {
			return nil, classify(err, "读取住户点", "read household points")
		}
		out = append(out, h)
	}
	return out, classify(rows.Err(), "查询住户点", "query household points")
}

// PutHouseholds adds household points (or replaces them all) with one audit
// entry. The rows go in with COPY.
func (s *Store) PutHouseholds(ctx context.Context, actor diming.Actor, hs []coverage.HouseholdPoint, replace bool) (int, error) {
	if err := coverage.ValidateHouseholds(hs); err != nil {
		return 0, err
	}
	if len(hs) == 0 && !replace {
		return 0, nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		removed, err := clearFor(ctx, tx, "households", replace)
		if err != nil {
			return err
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"households"}, []string{"geom", "households", "residents", "aged_60", "source", "synthetic"},
			pgx.CopyFromSlice(len(hs), func(i int) ([]any, error) {
				if i%4096 == 0 {
					gazetteer.ReportProgress(ctx, i, len(hs))
				}
				h := hs[i]
				return []any{pointEWKB(h.Point), h.Households, h.Residents, h.Aged60, h.Source, h.Synthetic}, nil
			}))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, bulkAudit(actor, coverage.EntityHouseholds, "points", len(hs), removed, replace))
	})
	if err != nil {
		return 0, classify(err, "导入住户点", "import household points")
	}
	return len(hs), nil
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

func scanRun(row pgx.Row) (coverage.Run, error) {
	var r coverage.Run
	var params, summary *string
	var by string
	err := row.Scan(&r.ID, &r.Report, &params, &r.DataVersion, &r.ComputedAt, &by, &r.CreatedAt, &summary)
	r.Params, r.Summary, r.CreatedBy = rawJSON(params), rawJSON(summary), diming.Actor(by)
	return r, err
}

func rawJSON(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}

// SaveRun stores a run with its units and points (with COPY), audited with a
// small summary.
func (s *Store) SaveRun(ctx context.Context, actor diming.Actor, r coverage.Run) (coverage.Run, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	r.CreatedBy = actor
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var computed any = r.ComputedAt
		if r.ComputedAt.IsZero() {
			computed = nil
		}
		if err := tx.QueryRow(ctx, `INSERT INTO coverage_runs (report, params, data_version, computed_at, created_by, summary)
			VALUES ($1, $2::jsonb, $3, coalesce($4::timestamptz, now()), $5, $6::jsonb) RETURNING id, computed_at, created_at`,
			r.Report, nullJSON(r.Params), r.DataVersion, computed, string(actor), nullJSON(r.Summary)).Scan(&r.ID, &r.ComputedAt, &r.CreatedAt); err != nil {
			return err
		}
		if len(r.Units) > 0 {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"coverage_run_units"},
				[]string{"run_id", "division_code", "name", "level", "total", "covered", "value", "met", "extra", "geom"},
				pgx.CopyFromSlice(len(r.Units), func(i int) ([]any, error) {
					u := r.Units[i]
					var geom any
					if len(u.Geometry) > 0 {
						b, err := toEWKB(u.Geometry)
						if err != nil {
							return nil, err
						}
						geom = b
					}
					return []any{r.ID, u.DivisionCode, u.Name, u.Level, u.Total, u.Covered, u.Value, u.Met, nullJSON(u.Extra), geom}, nil
				}))
			if err != nil {
				return err
			}
		}
		if len(r.Points) > 0 {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"coverage_run_points"},
				[]string{"run_id", "kind", "ref_id", "value", "extra", "geom"},
				pgx.CopyFromSlice(len(r.Points), func(i int) ([]any, error) {
					p := r.Points[i]
					return []any{r.ID, p.Kind, p.RefID, p.Value, nullJSON(p.Extra), pointEWKB(p.Point)}, nil
				}))
			if err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, runAudit(actor, r))
	})
	if err != nil {
		return coverage.Run{}, classify(err, "保存覆盖率结果", "save the coverage run")
	}
	return r, nil
}

// runAudit records what was saved, not the run itself (that can be large).
func runAudit(actor diming.Actor, r coverage.Run) diming.AuditEntry {
	after, _ := json.Marshal(map[string]any{"report": r.Report, "data_version": r.DataVersion, "units": len(r.Units), "points": len(r.Points)})
	return diming.AuditEntry{Actor: actor, Action: "create", Entity: coverage.EntityRun, EntityID: fmt.Sprint(r.ID), After: after}
}

// Runs lists saved runs, newest first, without their units and points.
func (s *Store) Runs(ctx context.Context, f coverage.RunFilter) ([]coverage.Run, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.pool.Query(ctx, "SELECT "+runColumns+" FROM coverage_runs WHERE ($1 = '' OR report = $1) ORDER BY id DESC LIMIT $2", f.Report, limit)
	if err != nil {
		return nil, classify(err, "查询覆盖率结果", "query coverage runs")
	}
	defer rows.Close()
	out := []coverage.Run{}
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, classify(err, "读取覆盖率结果", "read coverage runs")
		}
		out = append(out, r)
	}
	return out, classify(rows.Err(), "查询覆盖率结果", "query coverage runs")
}

// Run returns one saved run with its units and points.
func (s *Store) Run(ctx context.Context, id int64) (coverage.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, "SELECT "+runColumns+" FROM coverage_runs WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的覆盖率结果", "no coverage run with id %d", id)
	}
	if err != nil {
		return r, classify(err, "读取覆盖率结果", "read the coverage run")
	}
	if r.Units, err = s.runUnits(ctx, id); err != nil {
		return r, err
	}
	if r.Points, err = s.runPoints(ctx, id); err != nil {
		return r, err
	}
	return r, nil
}

func (s *Store) runUnits(ctx context.Context, id int64) ([]coverage.RunUnit, error) {
	rows, err := s.pool.Query(ctx, `SELECT division_code, name, level, total, covered, value, met, extra::text, ST_AsEWKB(geom)
		FROM coverage_run_units WHERE run_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, classify(err, "查询覆盖率结果", "query the run's units")
	}
	defer rows.Close()
	var out []coverage.RunUnit
	for rows.Next() {
		var u coverage.RunUnit
		var extra *string
		var geom []byte
		if err := rows.Scan(&u.DivisionCode, &u.Name, &u.Level, &u.Total, &u.Covered, &u.Value, &u.Met, &extra, &geom); err != nil {
			return nil, classify(err, "读取覆盖率结果", "read the run's units")
		}
		u.Extra = rawJSON(extra)
		if geom != nil {
			if u.Geometry, err = multiPolygonFromEWKB(geom); err != nil {
				return nil, fmt.Errorf("postgis: run %d unit %s: %w", id, u.DivisionCode, err)
			}
		}
		out = append(out, u)
	}
	return out, classify(rows.Err(), "查询覆盖率结果", "query the run's units")
}

func (s *Store) runPoints(ctx context.Context, id int64) ([]coverage.RunPoint, error) {
	rows, err := s.pool.Query(ctx, "SELECT kind, ref_id, value, extra::text, ST_X(geom), ST_Y(geom) FROM coverage_run_points WHERE run_id = $1 ORDER BY id", id)
	if err != nil {
		return nil, classify(err, "查询覆盖率结果", "query the run's points")
	}
	defer rows.Close()
	var out []coverage.RunPoint
	for rows.Next() {
		var p coverage.RunPoint
		var extra *string
		if err := rows.Scan(&p.Kind, &p.RefID, &p.Value, &extra, &p.Point[0], &p.Point[1]); err != nil {
			return nil, classify(err, "读取覆盖率结果", "read the run's points")
		}
		p.Extra = rawJSON(extra)
		out = append(out, p)
	}
	return out, classify(rows.Err(), "查询覆盖率结果", "query the run's points")
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

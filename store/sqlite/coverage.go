package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
)

var (
	_ coverage.Store        = (*Store)(nil)
	_ coverage.ChangeMarker = (*Store)(nil)
)

// ---- facilities

const facilityColumns = `id, coalesce(code, ''), name, category, lon, lat, address, floor_area, beds,
	volunteer_station, comprehensive, status, coalesce(opened_on, ''), synthetic, note, version, updated_at`

func scanFacility(sc scanner) (coverage.Facility, error) {
	var f coverage.Facility
	var category, updated string
	var volunteer, comprehensive, synthetic int
	err := sc.Scan(&f.ID, &f.Code, &f.Name, &category, &f.Point[0], &f.Point[1], &f.Address, &f.FloorArea, &f.Beds,
		&volunteer, &comprehensive, &f.Status, &f.OpenedOn, &synthetic, &f.Note, &f.Version, &updated)
	if err != nil {
		return f, err
	}
	f.Category = coverage.Category(category)
	f.VolunteerStation, f.Comprehensive, f.Synthetic = volunteer == 1, comprehensive == 1, synthetic == 1
	if f.UpdatedAt, err = parseTS(updated); err != nil {
		return f, fmt.Errorf("sqlite: facility %d updated_at: %w", f.ID, err)
	}
	return f, nil
}

func facilityByID(ctx context.Context, q queryer, id int64) (coverage.Facility, error) {
	f, err := scanFacility(q.QueryRowContext(ctx, "SELECT "+facilityColumns+" FROM facilities WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的设施", "no facility with id %d", id)
	}
	return f, classify(err, "读取设施", "read the facility")
}

// Facilities lists every facility by id.
func (s *Store) Facilities(ctx context.Context) ([]coverage.Facility, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+facilityColumns+" FROM facilities ORDER BY id")
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
	return facilityByID(ctx, s.db, id)
}

// PutFacility creates (ID 0) or updates a facility whose version matches, audited.
func (s *Store) PutFacility(ctx context.Context, actor diming.Actor, f coverage.Facility) (coverage.Facility, error) {
	if err := f.Validate(); err != nil {
		return f, err
	}
	now := s.now().UTC()
	out := f
	err := s.tx(ctx, "保存设施", "store the facility", func(tx *sql.Tx) error {
		var old *coverage.Facility
		if f.ID != 0 {
			o, err := facilityByID(ctx, tx, f.ID)
			if err != nil {
				return err
			}
			if o.Version != f.Version {
				return staleFacility(o, f.Version)
			}
			old = &o
		}
		var err error
		out, err = writeFacility(ctx, tx, actor, f, old, now)
		return err
	})
	if err != nil {
		return f, err
	}
	return out, nil
}

// writeFacility inserts f (old nil) or updates old with f's data, with its audit entry.
func writeFacility(ctx context.Context, tx *sql.Tx, actor diming.Actor, f coverage.Facility, old *coverage.Facility, now time.Time) (coverage.Facility, error) {
	action, before := "create", []byte(nil)
	if old == nil {
		f.ID, f.Version = 0, 1
	} else {
		action, before = "update", old.Record()
		f.ID, f.Version = old.ID, old.Version+1
	}
	f.UpdatedAt = now
	args := []any{nullStr(f.Code), f.Name, string(f.Category), f.Point[0], f.Point[1], f.Address, f.FloorArea, f.Beds,
		boolInt(f.VolunteerStation), boolInt(f.Comprehensive), f.Status, nullStr(f.OpenedOn), boolInt(f.Synthetic),
		f.Note, f.Version, ts(now)}
	const cols = `code, name, category, lon, lat, address, floor_area, beds, volunteer_station, comprehensive,
		status, opened_on, synthetic, note, version, updated_at`
	var err error
	if old == nil {
		var res sql.Result
		res, err = tx.ExecContext(ctx, "INSERT INTO facilities ("+cols+") VALUES (?"+strings.Repeat(", ?", len(args)-1)+")", args...)
		if err == nil {
			f.ID, err = res.LastInsertId()
		}
	} else {
		set := strings.ReplaceAll(cols, ",", " = ?,") + " = ?"
		_, err = tx.ExecContext(ctx, "UPDATE facilities SET "+set+" WHERE id = ?", append(args, f.ID)...)
	}
	if err := classify(err, "保存设施 "+f.Name, "store facility "+f.Name); diming.Code(err) == diming.ECONFLICT {
		return f, codeTaken(f.Code, err)
	} else if err != nil {
		return f, err
	}
	return f, appendAudit(ctx, tx, ts(now), diming.AuditEntry{Actor: actor, Action: action, Entity: coverage.EntityFacility,
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
	now := s.now().UTC()
	return s.tx(ctx, "删除设施", "delete the facility", func(tx *sql.Tx) error {
		old, err := facilityByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.Version != version {
			return staleFacility(old, version)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM facilities WHERE id = ?", id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ts(now), diming.AuditEntry{Actor: actor, Action: "delete", Entity: coverage.EntityFacility,
			EntityID: fmt.Sprint(id), Before: old.Record()})
	})
}

// ImportFacilities upserts facilities by code in one transaction (see coverage.Store).
func (s *Store) ImportFacilities(ctx context.Context, actor diming.Actor, fs []coverage.Facility) (created, updated int, err error) {
	if err := coverage.ValidateFacilityImport(fs); err != nil {
		return 0, 0, err
	}
	now := s.now().UTC()
	err = s.tx(ctx, "导入设施", "import facilities", func(tx *sql.Tx) error {
		created, updated = 0, 0
		for _, f := range fs {
			var old *coverage.Facility
			if f.Code != "" {
				o, err := scanFacility(tx.QueryRowContext(ctx, "SELECT "+facilityColumns+" FROM facilities WHERE code = ?", f.Code))
				switch {
				case err == nil:
					old = &o
				case !errors.Is(err, sql.ErrNoRows):
					return classify(err, "读取设施", "read the facility")
				}
			}
			if old != nil && coverage.SameFacility(*old, f) {
				continue
			}
			if _, err := writeFacility(ctx, tx, actor, f, old, now); err != nil {
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
		return 0, 0, err
	}
	return created, updated, nil
}

// ---- the walking network

// RoadSegments lists every segment by id.
func (s *Store) RoadSegments(ctx context.Context) ([]coverage.RoadSegment, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, geom, class, name, source, synthetic FROM road_segments ORDER BY id")
	if err != nil {
		return nil, classify(err, "查询路网", "query the road network")
	}
	defer rows.Close()
	out := []coverage.RoadSegment{}
	for rows.Next() {
		var r coverage.RoadSegment
		var geom []byte
		var synthetic int
		if err := rows.Scan(&r.ID, &geom, &r.Class, &r.Name, &r.Source, &synthetic); err != nil {
			return nil, classify(err, "读取路网", "read the road network")
		}
		g, err := wkb.Unmarshal(geom)
		if err != nil {
			return nil, fmt.Errorf("sqlite: road segment %d geometry: %w", r.ID, err)
		}
		ls, ok := g.(orb.LineString)
		if !ok {
			return nil, fmt.Errorf("sqlite: road segment %d is a %s, not a line", r.ID, g.GeoJSONType())
		}
		r.Geometry, r.Synthetic = ls, synthetic == 1
		out = append(out, r)
	}
	return out, classify(rows.Err(), "查询路网", "query the road network")
}

// PutRoadSegments adds segments (or replaces the network) with one audit entry.
func (s *Store) PutRoadSegments(ctx context.Context, actor diming.Actor, segs []coverage.RoadSegment, replace bool) (int, error) {
	if err := coverage.ValidateRoadSegments(segs); err != nil {
		return 0, err
	}
	if len(segs) == 0 && !replace {
		return 0, nil
	}
	now := s.now().UTC()
	err := s.tx(ctx, "导入路网", "import the road network", func(tx *sql.Tx) error {
		removed, err := clearFor(ctx, tx, "road_segments", replace)
		if err != nil {
			return err
		}
		err = insertRows(ctx, tx, "road_segments", []string{"geom", "minx", "miny", "maxx", "maxy", "class", "name", "source", "synthetic"}, len(segs),
			func(i int, row []any) ([]any, error) {
				r := segs[i]
				geom, err := wkb.Marshal(r.Geometry)
				if err != nil {
					return nil, fmt.Errorf("sqlite: road segment %d: encode geometry: %w", i+1, err)
				}
				b := r.Geometry.Bound()
				return append(row, geom, b.Min[0], b.Min[1], b.Max[0], b.Max[1], r.Class, r.Name, r.Source, boolInt(r.Synthetic)), nil
			})
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ts(now), bulkAudit(actor, coverage.EntityRoads, "segments", len(segs), removed, replace))
	})
	if err != nil {
		return 0, err
	}
	return len(segs), nil
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

// clearFor deletes every row of table when replace is set, returning how many.
func clearFor(ctx context.Context, tx *sql.Tx, table string, replace bool) (int64, error) {
	if !replace {
		return 0, nil
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM "+table)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
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
	rows, err := s.db.QueryContext(ctx, "SELECT id, lon, lat, households, residents, aged_60, source, synthetic FROM households ORDER BY id")
	if err != nil {
		return nil, classify(err, "查询住户点", "query household points")
	}
	defer rows.Close()
	out := []coverage.HouseholdPoint{}
	for rows.Next() {
		var h coverage.HouseholdPoint
		var synthetic int
		if err := rows.Scan(&h.ID, &h.Point[0], &h.Point[1], &h.Households, &h.Residents, &h.Aged60, &h.Source, &synthetic); err != nil {
			return nil, classify(err, "读取住户点", "read household points")
		}
		h.Synthetic = synthetic == 1
		out = append(out, h)
	}
	return out, classify(rows.Err(), "查询住户点", "query household points")
}

// PutHouseholds adds household points (or replaces them all) with one audit entry.
func (s *Store) PutHouseholds(ctx context.Context, actor diming.Actor, hs []coverage.HouseholdPoint, replace bool) (int, error) {
	if err := coverage.ValidateHouseholds(hs); err != nil {
		return 0, err
	}
	if len(hs) == 0 && !replace {
		return 0, nil
	}
	now := s.now().UTC()
	err := s.tx(ctx, "导入住户点", "import household points", func(tx *sql.Tx) error {
		removed, err := clearFor(ctx, tx, "households", replace)
		if err != nil {
			return err
		}
		err = insertRows(ctx, tx, "households", []string{"lon", "lat", "households", "residents", "aged_60", "source", "synthetic"}, len(hs),
			func(i int, row []any) ([]any, error) {
				h := hs[i]
				return append(row, h.Point[0], h.Point[1], h.Households, h.Residents, h.Aged60, h.Source, boolInt(h.Synthetic)), nil
			})
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ts(now), bulkAudit(actor, coverage.EntityHouseholds, "points", len(hs), removed, replace))
	})
	if err != nil {
		return 0, err
	}
	return len(hs), nil
}

// ---- saved runs

const runColumns = "id, report, params, data_version, computed_at, created_by, created_at, summary"

func scanRun(sc scanner) (coverage.Run, error) {
	var r coverage.Run
	var params, summary sql.NullString
	var computed, created, by string
	if err := sc.Scan(&r.ID, &r.Report, &params, &r.DataVersion, &computed, &by, &created, &summary); err != nil {
		return r, err
	}
	r.Params, r.Summary, r.CreatedBy = rawJSON(params), rawJSON(summary), diming.Actor(by)
	var err error
	if r.ComputedAt, err = parseTS(computed); err != nil {
		return r, fmt.Errorf("sqlite: run %d computed_at: %w", r.ID, err)
	}
	if r.CreatedAt, err = parseTS(created); err != nil {
		return r, fmt.Errorf("sqlite: run %d created_at: %w", r.ID, err)
	}
	return r, nil
}

func rawJSON(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

// SaveRun stores a run with its units and points, audited with a small summary.
func (s *Store) SaveRun(ctx context.Context, actor diming.Actor, r coverage.Run) (coverage.Run, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	now := s.now().UTC()
	r.CreatedBy, r.CreatedAt = actor, now
	if r.ComputedAt.IsZero() {
		r.ComputedAt = now
	}
	err := s.tx(ctx, "保存覆盖率结果", "save the coverage run", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO coverage_runs (report, params, data_version, computed_at, created_by, created_at, summary)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, r.Report, nullJSON(r.Params), r.DataVersion, ts(r.ComputedAt), string(actor), ts(now), nullJSON(r.Summary))
		if err != nil {
			return err
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		err = insertRows(ctx, tx, "coverage_run_units", []string{"run_id", "division_code", "name", "level", "total", "covered", "value",
			"met", "extra", "geom", "minx", "miny", "maxx", "maxy"}, len(r.Units),
			func(i int, row []any) ([]any, error) {
				u := r.Units[i]
				var geom []byte
				var err error
				var minx, miny, maxx, maxy any
				if len(u.Geometry) > 0 {
					if geom, err = wkb.Marshal(u.Geometry); err != nil {
						return nil, fmt.Errorf("sqlite: run unit %s: encode geometry: %w", u.DivisionCode, err)
					}
					b := u.Geometry.Bound()
					minx, miny, maxx, maxy = b.Min[0], b.Min[1], b.Max[0], b.Max[1]
				}
				return append(row, r.ID, u.DivisionCode, u.Name, u.Level, u.Total, u.Covered, u.Value, boolInt(u.Met),
					nullJSON(u.Extra), geom, minx, miny, maxx, maxy), nil
			})
		if err != nil {
			return err
		}
		err = insertRows(ctx, tx, "coverage_run_points", []string{"run_id", "kind", "ref_id", "value", "extra", "lon", "lat"}, len(r.Points),
			func(i int, row []any) ([]any, error) {
				p := r.Points[i]
				return append(row, r.ID, p.Kind, p.RefID, p.Value, nullJSON(p.Extra), p.Point[0], p.Point[1]), nil
			})
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, ts(now), runAudit(actor, r))
	})
	if err != nil {
		return coverage.Run{}, err
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
	q, args := "SELECT "+runColumns+" FROM coverage_runs", []any{}
	if f.Report != "" {
		q += " WHERE report = ?"
		args = append(args, f.Report)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY id DESC LIMIT ?", append(args, limit)...)
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
	r, err := scanRun(s.db.QueryRowContext(ctx, "SELECT "+runColumns+" FROM coverage_runs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := s.db.QueryContext(ctx, `SELECT division_code, name, level, total, covered, value, met, extra, geom
		FROM coverage_run_units WHERE run_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, classify(err, "查询覆盖率结果", "query the run's units")
	}
	defer rows.Close()
	var out []coverage.RunUnit
	for rows.Next() {
		var u coverage.RunUnit
		var met int
		var extra sql.NullString
		var geom []byte
		if err := rows.Scan(&u.DivisionCode, &u.Name, &u.Level, &u.Total, &u.Covered, &u.Value, &met, &extra, &geom); err != nil {
			return nil, classify(err, "读取覆盖率结果", "read the run's units")
		}
		u.Met, u.Extra = met == 1, rawJSON(extra)
		if geom != nil {
			g, err := wkb.Unmarshal(geom)
			if err != nil {
				return nil, fmt.Errorf("sqlite: run %d unit %s geometry: %w", id, u.DivisionCode, err)
			}
			switch g := g.(type) {
			case orb.MultiPolygon:
				u.Geometry = g
			case orb.Polygon:
				u.Geometry = orb.MultiPolygon{g}
			default:
				return nil, fmt.Errorf("sqlite: run %d unit %s is a %s, not a multipolygon", id, u.DivisionCode, g.GeoJSONType())
			}
		}
		out = append(out, u)
	}
	return out, classify(rows.Err(), "查询覆盖率结果", "query the run's units")
}

func (s *Store) runPoints(ctx context.Context, id int64) ([]coverage.RunPoint, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT kind, ref_id, value, extra, lon, lat FROM coverage_run_points WHERE run_id = ? ORDER BY id", id)
	if err != nil {
		return nil, classify(err, "查询覆盖率结果", "query the run's points")
	}
	defer rows.Close()
	var out []coverage.RunPoint
	for rows.Next() {
		var p coverage.RunPoint
		var extra sql.NullString
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

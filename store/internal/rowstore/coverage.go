package rowstore

import (
	"context"
	"fmt"

	"diming"
	"diming/coverage"
)

// ---- facilities

// lockFacility reads a facility for a write in tx.
func (e Engine) lockFacility(ctx context.Context, tx Tx, id int64) (coverage.Facility, error) {
	f, err := e.codec.Facility(tx.QueryRow(ctx, e.sql.LockFacility, id))
	if NoRows(err) {
		return f, NoFacility(id)
	}
	return f, e.classify(err, OpReadFacility)
}

// PutFacility creates (ID 0) or updates a facility whose version matches, audited.
func (e Engine) PutFacility(ctx context.Context, actor diming.Actor, f coverage.Facility) (coverage.Facility, error) {
	if err := guardFacility(f); err != nil {
		return f, err
	}
	out := f
	err := e.inTx(ctx, OpStoreFacility, func(tx Tx) error {
		var old *coverage.Facility
		if f.ID != 0 {
			o, err := e.lockFacility(ctx, tx, f.ID)
			if err != nil {
				return err
			}
			if o.Version != f.Version {
				return StaleFacility(o.Name, f.Version, o.Version)
			}
			old = &o
		}
		var err error
		out, err = e.writeFacility(ctx, tx, actor, f, old)
		return err
	})
	if err != nil {
		return f, err
	}
	return out, nil
}

// writeFacility inserts f (old nil) or updates old with f's data, with its
// audit entry.
func (e Engine) writeFacility(ctx context.Context, tx Tx, actor diming.Actor, f coverage.Facility, old *coverage.Facility) (coverage.Facility, error) {
	action, before := "create", []byte(nil)
	if old == nil {
		f.ID, f.Version = 0, 1
	} else {
		action, before = "update", old.Record()
		f.ID, f.Version = old.ID, old.Version+1
	}
	var err error
	if f.UpdatedAt, err = tx.Now(ctx); err != nil {
		return f, err
	}
	args := []any{nullStr(f.Code), f.Name, string(f.Category), f.Point[0], f.Point[1], f.Address, f.FloorArea, f.Beds,
		f.VolunteerStation, f.Comprehensive, f.Status, nullStr(f.OpenedOn), f.Synthetic, f.Note, f.Version, e.codec.Time(f.UpdatedAt)}
	if old == nil {
		f.ID, err = tx.Insert(ctx, e.sql.InsertFacility, args...)
	} else {
		_, err = tx.Exec(ctx, e.sql.UpdateFacility, append(args, f.ID)...)
	}
	if err := e.classify(err, OpStoreFacilityNamed(f.Name)); diming.Code(err) == diming.ECONFLICT {
		return f, FacilityCodeTaken(f.Code, err)
	} else if err != nil {
		return f, err
	}
	return f, e.audit(ctx, tx, changed(actor, action, coverage.EntityFacility, fmt.Sprint(f.ID), before, f.Record()))
}

// DeleteFacility deletes a facility whose version matches, audited.
func (e Engine) DeleteFacility(ctx context.Context, actor diming.Actor, id int64, version int) error {
	return e.inTx(ctx, OpDeleteFacility, func(tx Tx) error {
		old, err := e.lockFacility(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.Version != version {
			return StaleFacility(old.Name, version, old.Version)
		}
		if _, err := tx.Exec(ctx, e.sql.DeleteFacility, id); err != nil {
			return err
		}
		return e.audit(ctx, tx, changed(actor, "delete", coverage.EntityFacility, fmt.Sprint(id), old.Record(), nil))
	})
}

// ImportFacilities upserts facilities by code in one transaction (see
// coverage.Store): a facility with a stored code updates it unless nothing
// changes, one without a code or with a new code is created.
func (e Engine) ImportFacilities(ctx context.Context, actor diming.Actor, fs []coverage.Facility) (created, updated int, err error) {
	if err := guardFacilityImport(fs); err != nil {
		return 0, 0, err
	}
	err = e.inTx(ctx, OpImportFacilities, func(tx Tx) error {
		created, updated = 0, 0
		for _, f := range fs {
			var old *coverage.Facility
			if f.Code != "" {
				o, err := e.codec.Facility(tx.QueryRow(ctx, e.sql.LockFacilityByCode, f.Code))
				switch {
				case err == nil:
					old = &o
				case !NoRows(err):
					return e.classify(err, OpReadFacility)
				}
			}
			if old != nil && coverage.SameFacility(*old, f) {
				continue
			}
			if _, err := e.writeFacility(ctx, tx, actor, f, old); err != nil {
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

// ---- bulk loads

// bulk runs one bulk load of n rows (after emptying the table when replace
// is set) with its one audit entry.
func (e Engine) bulk(ctx context.Context, op Op, actor diming.Actor, entity, noun string, n int, replace bool,
	clear string, load func(context.Context, Tx) error) (int, error) {
	if n == 0 && !replace {
		return 0, nil
	}
	err := e.inTx(ctx, op, func(tx Tx) error {
		var removed int64
		if replace {
			var err error
			if removed, err = tx.Exec(ctx, clear); err != nil {
				return err
			}
		}
		if err := load(ctx, tx); err != nil {
			return err
		}
		return e.audit(ctx, tx, bulkAudit(actor, entity, noun, n, removed, replace))
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// PutRoadSegments adds segments (or replaces the network) with one audit entry.
func (e Engine) PutRoadSegments(ctx context.Context, actor diming.Actor, segs []coverage.RoadSegment, replace bool) (int, error) {
	if err := guardRoadSegments(segs); err != nil {
		return 0, err
	}
	return e.bulk(ctx, OpImportRoads, actor, coverage.EntityRoads, "segments", len(segs), replace,
		e.sql.ClearRoadSegments,
		func(ctx context.Context, tx Tx) error { return tx.InsertRoadSegments(ctx, segs) })
}

// PutHouseholds adds household points (or replaces them all) with one audit entry.
func (e Engine) PutHouseholds(ctx context.Context, actor diming.Actor, hs []coverage.HouseholdPoint, replace bool) (int, error) {
	if err := guardHouseholds(hs); err != nil {
		return 0, err
	}
	return e.bulk(ctx, OpImportHouseholds, actor, coverage.EntityHouseholds, "points", len(hs), replace,
		e.sql.ClearHouseholds,
		func(ctx context.Context, tx Tx) error { return tx.InsertHouseholds(ctx, hs) })
}

// ---- saved runs

// SaveRun stores a run with its units and points, audited with a small
// summary. A run without a computation time is computed now.
func (e Engine) SaveRun(ctx context.Context, actor diming.Actor, r coverage.Run) (coverage.Run, error) {
	if err := guardRun(r); err != nil {
		return r, err
	}
	var out coverage.Run
	err := e.inTx(ctx, OpSaveRun, func(tx Tx) error {
		r := r
		now, err := tx.Now(ctx)
		if err != nil {
			return err
		}
		r.CreatedBy, r.CreatedAt = actor, now
		if r.ComputedAt.IsZero() {
			r.ComputedAt = now
		}
		r.ComputedAt = e.codec.stored(r.ComputedAt)
		if r.ID, err = tx.Insert(ctx, e.sql.InsertRun, r.Report, nullJSON(r.Params), r.DataVersion, e.codec.Time(r.ComputedAt),
			string(actor), e.codec.Time(now), nullJSON(r.Summary)); err != nil {
			return err
		}
		if len(r.Units) > 0 {
			if err := tx.InsertRunUnits(ctx, r.ID, r.Units); err != nil {
				return err
			}
		}
		if len(r.Points) > 0 {
			if err := tx.InsertRunPoints(ctx, r.ID, r.Points); err != nil {
				return err
			}
		}
		out = r
		return e.audit(ctx, tx, runAudit(actor, r))
	})
	if err != nil {
		return coverage.Run{}, err
	}
	return out, nil
}

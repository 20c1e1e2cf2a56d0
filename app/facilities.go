package app

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
)

// DivisionSource is the store's divisions: the one division data every
// "inside the district" check reads, whichever door a change comes in by.
type DivisionSource interface {
	Divisions(ctx context.Context, f gazetteer.DivisionFilter) ([]gazetteer.Division, error)
	CountDivisions(ctx context.Context) (int, error)
}

// FacilityStore is what the facility use cases need of a store.
type FacilityStore interface {
	DivisionSource
	Facility(ctx context.Context, id int64) (coverage.Facility, error)
	Facilities(ctx context.Context) ([]coverage.Facility, error)
	PutFacility(ctx context.Context, actor diming.Actor, f coverage.Facility) (coverage.Facility, error)
	DeleteFacility(ctx context.Context, actor diming.Actor, id int64, version int) error
	ImportFacilities(ctx context.Context, actor diming.Actor, fs []coverage.Facility) (created, updated int, err error)
}

// Facilities are the facility use cases: create, change, delete and
// import facilities.
type Facilities struct {
	Store FacilityStore
	// Publisher is refreshed after every committed change; nil when the
	// process holds no read model (the command line: a running service
	// sees the change through its watcher).
	Publisher Publisher
	// Log gets a warning when a refresh after a committed change fails;
	// nil: slog.Default().
	Log *slog.Logger
}

// Create checks a new facility (its fields, and that it lies inside the
// district by the store's divisions) and stores it with its audit entry.
// f.ID and f.Version must be 0.
func (a Facilities) Create(ctx context.Context, actor diming.Actor, reason string, f coverage.Facility) (coverage.Facility, Change, error) {
	if f.ID != 0 || f.Version != 0 {
		return f, Change{}, diming.Errorf(diming.EINVALID, "新设施不能带编号或版本号", "a new facility has no id or version")
	}
	if err := f.Validate(); err != nil {
		return f, Change{}, err
	}
	if err := checkInDistrict(ctx, a.Store, f); err != nil {
		return f, Change{}, err
	}
	f, err := a.Store.PutFacility(diming.WithReason(ctx, reason), actor, f)
	if err != nil {
		return f, Change{}, err
	}
	ch := Change{Entity: coverage.EntityFacility, IDs: []string{strconv.FormatInt(f.ID, 10)}, Action: "create"}
	ch = refreshReadModel(ctx, a.Publisher, a.Log, ch)
	return f, ch, nil
}

// Patch changes the stored facility id at version: edit applies the
// caller's changes to a copy of the stored facility, which is then checked
// as Create checks a new one, except that the district is checked only
// when the point moved (a facility stored before the check, or before the
// divisions, can still be edited or closed where it stands). A patch that
// changes nothing at the current version returns the stored facility and a
// zero Change: no new version, no audit entry. A stale version is
// ECONFLICT.
func (a Facilities) Patch(ctx context.Context, actor diming.Actor, reason string, id int64, version int, edit func(*coverage.Facility) error) (coverage.Facility, Change, error) {
	if version <= 0 {
		return coverage.Facility{}, Change{}, diming.Errorf(diming.EINVALID, "须给出所修改的版本号（version）", "give the version you are changing (version)")
	}
	stored, err := a.Store.Facility(ctx, id)
	if err != nil {
		return stored, Change{}, err
	}
	f := stored
	if err := edit(&f); err != nil {
		return stored, Change{}, err
	}
	f.ID = stored.ID
	if err := f.Validate(); err != nil {
		return stored, Change{}, err
	}
	if f.Point != stored.Point {
		if err := checkInDistrict(ctx, a.Store, f); err != nil {
			return stored, Change{}, err
		}
	}
	if version == stored.Version && coverage.SameFacility(stored, f) {
		return stored, Change{}, nil
	}
	// A stale version goes to the store, which refuses it (ECONFLICT) in
	// the transaction that would write.
	f.Version = version
	if f, err = a.Store.PutFacility(diming.WithReason(ctx, reason), actor, f); err != nil {
		return stored, Change{}, err
	}
	ch := Change{Entity: coverage.EntityFacility, IDs: []string{strconv.FormatInt(f.ID, 10)}, Action: "update"}
	ch = refreshReadModel(ctx, a.Publisher, a.Log, ch)
	return f, ch, nil
}

// Delete deletes the facility id at version, with its audit entry.
func (a Facilities) Delete(ctx context.Context, actor diming.Actor, reason string, id int64, version int) (Change, error) {
	if version <= 0 {
		return Change{}, diming.Errorf(diming.EINVALID, "须给出所删除的版本号（?version=）", "give the version you are deleting (?version=)")
	}
	if err := a.Store.DeleteFacility(diming.WithReason(ctx, reason), actor, id, version); err != nil {
		return Change{}, err
	}
	ch := Change{Entity: coverage.EntityFacility, IDs: []string{strconv.FormatInt(id, 10)}, Action: "delete"}
	ch = refreshReadModel(ctx, a.Publisher, a.Log, ch)
	return ch, nil
}

// ImportOptions say how an import treats what it finds.
type ImportOptions struct {
	// DryRun checks and counts, and writes nothing.
	DryRun bool
	// SkipInvalid writes the valid rows when some are rejected; without
	// it one rejected row and nothing is written.
	SkipInvalid bool
	// Replace (roads, households) replaces everything stored instead of
	// adding to it.
	Replace bool
}

// ImportResult is what an import found and did.
type ImportResult struct {
	Rows      int                 `json:"rows"`
	Added     int                 `json:"added"`
	Updated   int                 `json:"updated"`
	Unchanged int                 `json:"unchanged"`
	Rejected  []coverage.RowError `json:"rejected"`
	// Written says the import committed; false for a dry run, when rows
	// were rejected without SkipInvalid, and when there was nothing to
	// write.
	Written bool `json:"written"`
}

// blocked says the import stops before writing.
func (r ImportResult) blocked(opt ImportOptions, valid int) bool {
	return opt.DryRun || (len(r.Rejected) > 0 && !opt.SkipInvalid) || valid == 0
}

// Import imports parsed facility rows: each is checked (it parsed, it lies
// inside the district by the store's divisions, its code does not repeat
// an earlier row's) and counted against the stored facilities by code
// (coverage.PlanFacilityImport); unless the result is blocked (see
// ImportOptions), the valid rows are written in one transaction, in which
// the store decides again what to create, update or leave alone: its
// counts are the ones reported.
func (a Facilities) Import(ctx context.Context, actor diming.Actor, reason string, rows []coverage.FacilityRow, opt ImportOptions) (ImportResult, Change, error) {
	res := ImportResult{Rows: len(rows), Rejected: []coverage.RowError{}}
	ds, err := a.Store.Divisions(ctx, gazetteer.DivisionFilter{})
	if err != nil {
		return res, Change{}, err
	}
	existing, err := a.Store.Facilities(ctx)
	if err != nil {
		return res, Change{}, err
	}
	plan := coverage.PlanFacilityImport(rows, existing, gazetteer.NewDivisionIndex(ds))
	if plan.Rejected != nil {
		res.Rejected = plan.Rejected
	}
	res.Added, res.Updated, res.Unchanged = plan.Added, plan.Updated, plan.Unchanged
	if res.blocked(opt, len(plan.Valid)) {
		return res, Change{}, nil
	}
	created, updated, err := a.Store.ImportFacilities(diming.WithReason(ctx, reason), actor, plan.Valid)
	if err != nil {
		res.Added, res.Updated, res.Unchanged = 0, 0, 0
		return res, Change{}, err
	}
	res.Added, res.Updated, res.Unchanged = created, updated, len(plan.Valid)-created-updated
	res.Written = true
	if created+updated == 0 {
		return res, Change{}, nil
	}
	ch := Change{Entity: coverage.EntityFacility, Action: "import"}
	ch = refreshReadModel(ctx, a.Publisher, a.Log, ch)
	return res, ch, nil
}

// checkInDistrict refuses a facility outside the district by the store's
// divisions (coverage.Facility.CheckInDistrict: every point is accepted
// while the store holds no divisions). Only the divisions whose bounding
// box holds the point are read.
func checkInDistrict(ctx context.Context, src DivisionSource, f coverage.Facility) error {
	b := f.Point.Bound()
	ds, err := src.Divisions(ctx, gazetteer.DivisionFilter{BBox: &b})
	if err != nil {
		return fmt.Errorf("check the district: %w", err)
	}
	if len(ds) == 0 {
		// No division near the point: outside the district, unless there
		// are no divisions at all. The refusal is CheckInDistrict's own.
		n, err := src.CountDivisions(ctx)
		if err != nil {
			return fmt.Errorf("check the district: %w", err)
		}
		if n == 0 {
			return nil
		}
		if ds, err = src.Divisions(ctx, gazetteer.DivisionFilter{}); err != nil {
			return fmt.Errorf("check the district: %w", err)
		}
	}
	return f.CheckInDistrict(gazetteer.NewDivisionIndex(ds))
}

// refreshReadModel refreshes the read model after a committed change and
// says so in the change (Published, or PublishErr). The change is in the
// store whether or not the refresh succeeds: a failure is logged, and the
// holder's watcher catches up, so a caller does not retry a write that was
// done.
func refreshReadModel(ctx context.Context, p Publisher, log *slog.Logger, ch Change) Change {
	if p == nil {
		return ch
	}
	if _, err := p.Refresh(ctx); err != nil {
		if log == nil {
			log = slog.Default()
		}
		log.Warn("read model refresh after a committed change failed; the change is stored", "entity", ch.Entity, "action", ch.Action, "err", err)
		ch.PublishErr = err
		return ch
	}
	ch.Published = true
	return ch
}

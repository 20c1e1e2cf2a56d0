// Package readmodel builds the service's in-memory read model from a store
// and publishes it atomically: readers Load the current *Model and never
// lock; a refresh builds a new Model and swaps it in.
package readmodel

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"diming/coverage"
	"diming/gazetteer"
)

// Model is one immutable snapshot of everything queries read.
type Model struct {
	// ChangeMark is the store's change mark the snapshot was built at.
	ChangeMark int64
	BuiltAt    time.Time
	BuildTime  time.Duration
	Divisions  *gazetteer.DivisionIndex
	Places     *gazetteer.PlaceIndex
	Search     *gazetteer.SearchIndex
	Checker    *gazetteer.NameChecker
	Markers    []gazetteer.Marker
	// Coverage is the coverage model (facilities, households, the walking
	// graph); nil when the holder has no coverage store.
	Coverage *coverage.Model
	// CoverageMark is the change mark of the data Coverage was built from.
	CoverageMark int64
	roadsMark    int64
	// marks holds the change mark of each of TrackedEntities, read before
	// the data was loaded (see MarkOf).
	marks  map[string]int64
	bounds boundaries
}

// TrackedEntities are the audit entities whose change marks a Model records
// one by one, so that caches built from it (vector tiles) can tell which of
// their parts a change touched.
var TrackedEntities = []string{"division", "place", "marker",
	coverage.EntityFacility, coverage.EntityRoads, coverage.EntityHouseholds}

// MarkOf returns the data version of the given audit entities in this
// model: the newest change mark among them. Audit ids grow with every
// committed change, so the value changes whenever any of the entities
// changed and stays put when only others did. The marks are read before the
// data is loaded, so the model holds at least the changes a mark names. An
// entity that is not tracked, or a store that cannot tell entities apart,
// gives the store-wide ChangeMark (any change counts).
func (m *Model) MarkOf(entities ...string) int64 {
	var v int64
	for _, e := range entities {
		mark, ok := m.marks[e]
		if !ok {
			return m.ChangeMark
		}
		v = max(v, mark)
	}
	return v
}

// CoverageStore is what the coverage part of the model is read from.
type CoverageStore interface {
	coverage.Store
	coverage.ChangeMarker
}

// Holder publishes the current Model.
type Holder struct {
	store   gazetteer.Store
	current atomic.Pointer[Model]
	mu      sync.Mutex // serialises rebuilds
	log     *slog.Logger
	// OnSwap, when set, is called after each new model is published.
	OnSwap func(*Model)
	// Checks configures the naming checks (word lists, built-up area).
	Checks gazetteer.CheckConfig
	// Coverage, when set, is read for the coverage model.
	Coverage CoverageStore
	// Graph configures the walking graph.
	Graph coverage.GraphOptions
}

// NewHolder returns a holder with no model yet; call Refresh.
func NewHolder(store gazetteer.Store, log *slog.Logger) *Holder {
	if log == nil {
		log = slog.Default()
	}
	return &Holder{store: store, log: log}
}

// Load returns the current model, or nil before the first build.
func (h *Holder) Load() *Model { return h.current.Load() }

// Refresh rebuilds the model if the store changed since the current one was
// built (or if there is none) and publishes it.
func (h *Holder) Refresh(ctx context.Context) (*Model, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	mark, err := h.store.ChangeMark(ctx)
	if err != nil {
		return h.Load(), err
	}
	if cur := h.Load(); cur != nil && cur.ChangeMark == mark {
		return cur, nil
	}
	start := time.Now()
	marks, err := h.entityMarks(ctx)
	if err != nil {
		return h.Load(), err
	}
	ds, err := h.store.Divisions(ctx, gazetteer.DivisionFilter{})
	if err != nil {
		return h.Load(), fmt.Errorf("readmodel: load divisions: %w", err)
	}
	ps, err := h.store.Places(ctx, gazetteer.PlaceFilter{})
	if err != nil {
		return h.Load(), fmt.Errorf("readmodel: load places: %w", err)
	}
	markers, err := h.store.Markers(ctx)
	if err != nil {
		return h.Load(), fmt.Errorf("readmodel: load markers: %w", err)
	}
	divs := gazetteer.NewDivisionIndex(ds)
	m := &Model{ChangeMark: mark, BuiltAt: time.Now(), Divisions: divs,
		Places: gazetteer.NewPlaceIndex(ps, centre(divs)), Search: gazetteer.NewSearchIndex(ps, divs),
		Checker: gazetteer.NewNameChecker(ps, divs, h.Checks), Markers: markers, marks: marks}
	if h.Coverage != nil {
		if err := h.buildCoverage(ctx, m, h.Load()); err != nil {
			return h.Load(), err
		}
	}
	m.BuildTime = time.Since(start)
	h.current.Store(m)
	h.log.Info("read model built", "change_mark", mark, "divisions", m.Divisions.Len(), "places", m.Places.Len(), "took", m.BuildTime)
	if h.OnSwap != nil {
		h.OnSwap(m)
	}
	return m, nil
}

// entityMarks reads the change mark of each tracked entity, or returns nil
// when the store cannot tell entities apart (MarkOf then falls back to the
// store-wide mark).
func (h *Holder) entityMarks(ctx context.Context) (map[string]int64, error) {
	var cm coverage.ChangeMarker = h.Coverage
	if h.Coverage == nil {
		var ok bool
		if cm, ok = h.store.(coverage.ChangeMarker); !ok {
			return nil, nil
		}
	}
	marks := make(map[string]int64, len(TrackedEntities))
	for _, e := range TrackedEntities {
		mark, err := cm.ChangeMarkOf(ctx, e)
		if err != nil {
			return nil, fmt.Errorf("readmodel: change mark of %s: %w", e, err)
		}
		marks[e] = mark
	}
	return marks, nil
}

// Entities whose changes the coverage model depends on.
var coverageEntities = []string{coverage.EntityFacility, coverage.EntityRoads, coverage.EntityHouseholds, "division"}

// buildCoverage builds m's coverage model, reusing prev's when none of
// its data changed and prev's walking graph when the roads did not.
func (h *Holder) buildCoverage(ctx context.Context, m, prev *Model) error {
	// The marks were read before any data was loaded (entityMarks), so a
	// change committed while this model is built cannot be counted as in
	// it: the next refresh sees the mark move and rebuilds.
	mark, roadsMark := m.MarkOf(coverageEntities...), m.MarkOf(coverage.EntityRoads)
	m.CoverageMark, m.roadsMark = mark, roadsMark
	if prev != nil && prev.Coverage != nil && prev.CoverageMark == mark {
		m.Coverage = prev.Coverage
		return nil
	}
	var graph *coverage.WalkingGraph
	if prev != nil && prev.Coverage != nil && prev.roadsMark == roadsMark {
		graph = prev.Coverage.Graph
	} else {
		segs, err := h.Coverage.RoadSegments(ctx)
		if err != nil {
			return fmt.Errorf("readmodel: load roads: %w", err)
		}
		if len(segs) > 0 {
			if graph, err = coverage.NewWalkingGraph(segs, h.Graph); err != nil {
				return fmt.Errorf("readmodel: walking graph: %w", err)
			}
		}
	}
	fs, err := h.Coverage.Facilities(ctx)
	if err != nil {
		return fmt.Errorf("readmodel: load facilities: %w", err)
	}
	hs, err := h.Coverage.Households(ctx)
	if err != nil {
		return fmt.Errorf("readmodel: load households: %w", err)
	}
	m.Coverage = coverage.NewModel(coverage.Data{Version: mark, Divisions: m.Divisions, Facilities: fs, Households: hs, Graph: graph})
	return nil
}

// Watch refreshes the model every interval until ctx ends, so changes that
// other processes commit to the same store (an import, a second server)
// reach this one's readers. Errors are logged and retried.
func (h *Holder) Watch(ctx context.Context, interval time.Duration) {
	h.WatchNotified(ctx, interval, nil)
}

// WatchNotified is Watch that also refreshes at once whenever changed
// receives (a store's change notifications: LISTEN/NOTIFY on PostGIS), so
// other processes' commits arrive within milliseconds; the poll remains
// the fallback. A failing refresh is logged when it starts failing and
// when it recovers, not on every attempt.
func (h *Holder) WatchNotified(ctx context.Context, interval time.Duration, changed <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-changed:
		}
		_, err := h.Refresh(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			failing = true
			h.log.Warn("read model refresh failed; serving the previous model until the store answers", "err", err)
		case err == nil && failing:
			failing = false
			h.log.Info("read model refresh works again")
		}
	}
}

// centre is the middle of the divisions' extent, the origin of the metric
// projections; Shapingba's centre when there are no divisions yet.
func centre(ix *gazetteer.DivisionIndex) orb.Point {
	b := orb.Bound{}
	first := true
	for _, d := range ix.Divisions(gazetteer.DivisionFilter{}) {
		if first {
			b, first = d.Geometry.Bound(), false
		} else {
			b = b.Union(d.Geometry.Bound())
		}
	}
	if first {
		return orb.Point{106.37, 29.62}
	}
	return b.Center()
}

// boundaries are derived lazily, once per model and level: deriving them for
// the whole district takes about a tenth of a second, which a rebuild after
// every change need not pay until someone asks.
type boundaries struct {
	once  [3]sync.Once
	lines [3][]gazetteer.BoundaryLine
	topo  [3]gazetteer.TopologyReport
	err   [3]error
}

// BoundaryLines returns the boundary lines of a level.
func (m *Model) BoundaryLines(level gazetteer.Level) ([]gazetteer.BoundaryLine, error) {
	if err := m.deriveBoundaries(level); err != nil {
		return nil, err
	}
	return m.bounds.lines[level.Depth()], nil
}

// Topology returns the topology report of a level (default sliver threshold).
func (m *Model) Topology(level gazetteer.Level) (gazetteer.TopologyReport, error) {
	if err := m.deriveBoundaries(level); err != nil {
		return gazetteer.TopologyReport{}, err
	}
	return m.bounds.topo[level.Depth()], nil
}

func (m *Model) deriveBoundaries(level gazetteer.Level) error {
	d := level.Depth()
	if d < 0 {
		_, err := gazetteer.ParseLevel(string(level))
		return err
	}
	m.bounds.once[d].Do(func() {
		ds := m.Divisions.Divisions(gazetteer.DivisionFilter{})
		m.bounds.lines[d] = gazetteer.DeriveBoundaryLines(ds, level)
		m.bounds.topo[d], m.bounds.err[d] = gazetteer.CheckTopology(ds, level, gazetteer.TopologyConfig{})
	})
	return m.bounds.err[d]
}

package readmodel_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/paulmach/orb"

	"diming/coverage"
	"diming/gazetteer"
	"diming/internal/storetest"
	"diming/readmodel"
	"diming/store/sqlite"
)

func TestRefreshRebuildsOnlyOnChange(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fx := storetest.Fixtures()
	if err := st.PutDivisions(ctx, "test", fx[:3]); err != nil {
		t.Fatal(err)
	}
	h := readmodel.NewHolder(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	swaps := 0
	h.OnSwap = func(*readmodel.Model) { swaps++ }
	if h.Load() != nil {
		t.Fatal("a model before the first Refresh")
	}
	m1, err := h.Refresh(ctx)
	if err != nil || m1.Divisions.Len() != 3 || h.Load() != m1 {
		t.Fatalf("first Refresh: %v, %d divisions", err, m1.Divisions.Len())
	}
	// Nothing changed: the same snapshot stays.
	m2, _ := h.Refresh(ctx)
	if m2 != m1 || swaps != 1 {
		t.Fatalf("Refresh without a change built a new model (swaps %d)", swaps)
	}
	// A committed change gives a new snapshot; the old one is untouched for
	// readers that still hold it.
	if err := st.PutDivisions(ctx, "test", fx[3:]); err != nil {
		t.Fatal(err)
	}
	m3, _ := h.Refresh(ctx)
	if m3 == m1 || m3.Divisions.Len() != len(fx) || m1.Divisions.Len() != 3 || swaps != 2 {
		t.Fatalf("after a change: new %d divisions, old %d, swaps %d", m3.Divisions.Len(), m1.Divisions.Len(), swaps)
	}
	if got := m3.Divisions.At([2]float64{106.35, 29.55}); len(got) != 3 || got[2].Level != gazetteer.LevelVillage {
		t.Fatalf("At on the new model: %v", got)
	}
	// A failing store keeps the last good model.
	st.Close()
	m4, err := h.Refresh(ctx)
	if err == nil || m4 != m3 || h.Load() != m3 {
		t.Fatalf("Refresh on a closed store: err %v, model kept %v", err, m4 == m3)
	}
}

// TestMarkOfPerEntity: a model records each tracked entity's change mark, so
// a change to one entity moves only its mark (and any group holding it).
func TestMarkOfPerEntity(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.PutDivisions(ctx, "test", storetest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	h := readmodel.NewHolder(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.Coverage = st
	m1, err := h.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	div := m1.MarkOf("division")
	if div == 0 || div != m1.ChangeMark {
		t.Fatalf("division mark %d, change mark %d", div, m1.ChangeMark)
	}
	for _, e := range []string{"place", "marker", coverage.EntityFacility, coverage.EntityRoads, coverage.EntityHouseholds} {
		if got := m1.MarkOf(e); got != 0 {
			t.Errorf("MarkOf(%s) = %d before any %s was written", e, got, e)
		}
	}

	// A facility: its mark and every group holding it move; divisions' do not.
	f := coverage.Facility{Name: "小龙坎街道养老服务中心", Category: coverage.StreetEldercareCentre, Point: orb.Point{106.35, 29.55}, Status: coverage.StatusOpen}
	if _, err := st.PutFacility(ctx, "test", f); err != nil {
		t.Fatal(err)
	}
	m2, err := h.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m2 == m1 {
		t.Fatal("no new model after a facility change")
	}
	if got := m2.MarkOf("division"); got != div {
		t.Errorf("division mark moved from %d to %d on a facility change", div, got)
	}
	fac := m2.MarkOf(coverage.EntityFacility)
	if fac <= div || fac != m2.ChangeMark {
		t.Errorf("facility mark %d after the change (division %d, change mark %d)", fac, div, m2.ChangeMark)
	}
	if got := m2.MarkOf("division", coverage.EntityFacility); got != fac {
		t.Errorf("MarkOf(division, facility) = %d, want the newer %d", got, fac)
	}

	// A place: the facility group stays, the place mark moves.
	if _, err := st.PutPlaces(ctx, "test", "test", storetest.PlaceFixtures()[:1]); err != nil {
		t.Fatal(err)
	}
	m3, err := h.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := m3.MarkOf("division", coverage.EntityFacility); got != fac {
		t.Errorf("division+facility mark moved from %d to %d on a place change", fac, got)
	}
	if got := m3.MarkOf("place"); got <= fac {
		t.Errorf("place mark %d after a place change (facility %d)", got, fac)
	}

	// What is not tracked counts every change.
	if got := m3.MarkOf("application"); got != m3.ChangeMark {
		t.Errorf("MarkOf(untracked) = %d, want the change mark %d", got, m3.ChangeMark)
	}
}

// onlyGazetteer hides the store's ChangeMarkOf.
type onlyGazetteer struct{ gazetteer.Store }

// TestMarkOfWithoutEntityMarks: a store that cannot tell entities apart
// makes every entity's mark the store-wide one.
func TestMarkOfWithoutEntityMarks(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.PutDivisions(ctx, "test", storetest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutPlaces(ctx, "test", "test", storetest.PlaceFixtures()[:1]); err != nil {
		t.Fatal(err)
	}
	h := readmodel.NewHolder(onlyGazetteer{st}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	m, err := h.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range readmodel.TrackedEntities {
		if got := m.MarkOf(e); got != m.ChangeMark {
			t.Errorf("MarkOf(%s) = %d, want the change mark %d", e, got, m.ChangeMark)
		}
	}
}

package readmodel_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

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

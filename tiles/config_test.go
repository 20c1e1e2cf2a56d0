package tiles_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"diming/coverage"
	"diming/readmodel"
	"diming/tiles"
)

// The coverage layers' ETags follow the walking graph's merge tolerance:
// a restart with another --network-tolerance changes their tiles under the
// same data version, so a cached copy must not be revalidated as unchanged.
// Layers not computed on the network do not change.
func TestETagFollowsNetworkTolerance(t *testing.T) {
	m := demoModel(t) // built with the default options
	other := readmodel.NewHolder(demoStore, slog.New(slog.NewTextHandler(io.Discard, nil)))
	other.Coverage = demoStore
	other.Graph = coverage.GraphOptions{MergeTolerance: 30, JoinEndsToLines: true}
	m30, err := other.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range tiles.Layers() {
		a := tiles.ETag(l, l.Version(m), l.Config(m), 14, 13034, 6782)
		b := tiles.ETag(l, l.Version(m30), l.Config(m30), 14, 13034, 6782)
		network := l.ID == "coverage-villages" || l.ID == "coverage-isochrones"
		if network && a == b {
			t.Errorf("%s: the same ETag %s at 0.5 m and 30 m", l.ID, a)
		}
		if !network && a != b {
			t.Errorf("%s: ETag %s changed to %s with the tolerance", l.ID, a, b)
		}
	}
	if c := (tiles.Layer{}).Config(m30); c != "" {
		t.Errorf("a layer without roads has config %q", c)
	}
}

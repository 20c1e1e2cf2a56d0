package tiles_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"diming/demo"
	"diming/readmodel"
	"diming/store/sqlite"
)

var (
	demoOnce  sync.Once
	demoDir   string
	demoStore *sqlite.Store
	demoHold  *readmodel.Holder
	demoErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if demoStore != nil {
		demoStore.Close()
	}
	if demoDir != "" {
		os.RemoveAll(demoDir)
	}
	os.Exit(code)
}

// demoModel returns a read model of the demo dataset (divisions, places,
// facilities, roads and households) on SQLite, built once per test binary;
// tests must not change it.
func demoModel(tb testing.TB) *readmodel.Model {
	tb.Helper()
	demoOnce.Do(func() {
		ctx := context.Background()
		if demoDir, demoErr = os.MkdirTemp("", "diming-tiles-"); demoErr != nil {
			return
		}
		if demoStore, demoErr = sqlite.Open(ctx, demoDir); demoErr != nil {
			return
		}
		if demoErr = demoStore.Migrate(ctx); demoErr != nil {
			return
		}
		if _, demoErr = demo.Load(ctx, demoStore); demoErr != nil {
			return
		}
		demoHold = readmodel.NewHolder(demoStore, slog.New(slog.NewTextHandler(io.Discard, nil)))
		demoHold.Coverage = demoStore
		_, demoErr = demoHold.Refresh(ctx)
	})
	if demoErr != nil {
		tb.Fatalf("demo read model: %v", demoErr)
	}
	return demoHold.Load()
}

// districtBound is the demo district's lon/lat box.
func districtBound(tb testing.TB, m *readmodel.Model) orb.Bound {
	tb.Helper()
	d, err := m.Divisions.Division("500106000000")
	if err != nil {
		tb.Fatal(err)
	}
	return d.Geometry.Bound()
}

// tilesOver lists the tiles of zoom z that cover b, row by row.
func tilesOver(b orb.Bound, z maptile.Zoom) []maptile.Tile {
	lo := maptile.At(orb.Point{b.Min[0], b.Max[1]}, z)
	hi := maptile.At(orb.Point{b.Max[0], b.Min[1]}, z)
	var out []maptile.Tile
	for y := lo.Y; y <= hi.Y; y++ {
		for x := lo.X; x <= hi.X; x++ {
			out = append(out, maptile.New(x, y, z))
		}
	}
	return out
}

package tiles_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"diming"
	"diming/coverage"
	"diming/internal/storetest"
	"diming/readmodel"
	"diming/store/sqlite"
	"diming/tiles"
)

func TestETagAndMatches(t *testing.T) {
	l, _ := tiles.LayerByID("places")
	etag := tiles.ETag(l, 42, "", 14, 13160, 6781)
	if etag != `"places.v42.14-13160-6781.r2"` {
		t.Fatalf("etag %s", etag)
	}
	cov, _ := tiles.LayerByID("coverage-villages")
	if e := tiles.ETag(cov, 42, "n0.5j", 14, 13160, 6781); e != `"coverage-villages.v42.n0.5j.14-13160-6781.r2"` {
		t.Errorf("etag with a configuration: %s", e)
	}
	if gz := tiles.GzipETag(etag); gz != `"places.v42.14-13160-6781.r2-gz"` {
		t.Fatalf("gzip etag %s", gz)
	}
	for inm, want := range map[string]bool{
		etag: true, tiles.GzipETag(etag): true, "W/" + etag: true, `"a", ` + etag + `, "b"`: true, "*": true,
		`"places.v41.14-13160-6781.r1"`: false, `"places.v42.14-13160-6782.r1"`: false, "": false, `"places"`: false,
	} {
		if got := tiles.Matches(inm, etag); got != want {
			t.Errorf("Matches(%q) = %v", inm, got)
		}
	}
}

func TestLayerCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range tiles.Layers() {
		if seen[l.ID] || l.Title == "" || l.MinZoom > l.MaxZoom || l.MaxZoom > tiles.MaxZoom || len(l.Fields) == 0 || len(l.Entities) == 0 {
			t.Errorf("layer %+v", l)
		}
		seen[l.ID] = true
	}
	if _, err := tiles.LayerByID("nope"); diming.Code(err) != diming.ENOTFOUND {
		t.Errorf("unknown layer: %v", err)
	}
	// Boundary line ids are stable (a hash of the line's id) and fit a
	// JavaScript number.
	if a, b := tiles.LineID("village:500106001001|500106001002"), tiles.LineID("village:500106001001|500106001002"); a != b || a == 0 || a >= 1<<53 {
		t.Errorf("LineID %d %d", a, b)
	}
}

// smallModel is a read model of the store fixtures plus a facility, on a
// fresh SQLite store.
func smallModel(t *testing.T) (*sqlite.Store, *readmodel.Holder) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.PutDivisions(ctx, "test", storetest.Fixtures()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutFacility(ctx, "test", coverage.Facility{Name: "龙泉路社区养老服务站", Category: coverage.CommunityEldercareStation,
		Point: orb.Point{106.35, 29.55}, Status: coverage.StatusOpen}); err != nil {
		t.Fatal(err)
	}
	h := readmodel.NewHolder(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.Coverage = st
	if _, err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	return st, h
}

// TestTilerVersionsAndCache: tiles come from the cache until the data of
// their layer changes; a change to facilities re-renders the facility and
// coverage tiles and leaves the division tiles (same object, same ETag).
func TestTilerVersionsAndCache(t *testing.T) {
	st, h := smallModel(t)
	ctx := context.Background()
	tiler := tiles.NewTiler(tiles.Options{})
	m1 := h.Load()
	tl := maptile.At(orb.Point{106.35, 29.55}, 14)
	get := func(m *readmodel.Model, layer string) *tiles.Tile {
		t.Helper()
		tile, err := tiler.Tile(m, layer, int(tl.Z), int(tl.X), int(tl.Y))
		if err != nil {
			t.Fatal(err)
		}
		return tile
	}
	fac1, div1, cov1 := get(m1, "facilities"), get(m1, "divisions-village"), get(m1, "coverage-villages")
	if len(fac1.Data) == 0 || len(div1.Data) == 0 || len(fac1.Gzip) == 0 {
		t.Fatalf("empty tiles: %d, %d", len(fac1.Data), len(div1.Data))
	}
	if again := get(m1, "facilities"); again != fac1 {
		t.Fatal("the second request rendered again")
	}
	st1 := tiler.Stats()
	if st1.Renders != 3 || st1.Cache.Hits != 1 || st1.Cache.Tiles != 3 {
		t.Fatalf("stats %+v", st1)
	}

	f := h.Load().Coverage.Facilities()[0].Facility
	f.Name = "龙泉路社区养老服务站（新）"
	if _, err := st.PutFacility(ctx, "test", f); err != nil {
		t.Fatal(err)
	}
	m2, err := h.Refresh(ctx)
	if err != nil || m2 == m1 {
		t.Fatal("no new model", err)
	}
	fac2, div2, cov2 := get(m2, "facilities"), get(m2, "divisions-village"), get(m2, "coverage-villages")
	if div2 != div1 {
		t.Error("the divisions tile was rendered again after a facility change")
	}
	if fac2 == fac1 || fac2.ETag == fac1.ETag || fac2.Version <= fac1.Version || !strings.Contains(string(fac2.Data), "（新）") {
		t.Errorf("facilities tile after the change: version %d → %d", fac1.Version, fac2.Version)
	}
	if cov2 == cov1 || cov2.ETag == cov1.ETag {
		t.Error("the coverage tile was not invalidated")
	}
	// The old versions' tiles left the cache; the division tile stayed.
	if st2 := tiler.Stats(); st2.Cache.Tiles != 3 || st2.Renders != 5 {
		t.Errorf("stats after the change %+v", st2)
	}
	// A request still holding the old model gets the old data, rendered
	// for it without disturbing the new.
	if old := get(m1, "facilities"); strings.Contains(string(old.Data), "（新）") || old.Version != fac1.Version {
		t.Error("the old model's tile shows the new data")
	}
	if cur := get(m2, "facilities"); cur.Version != fac2.Version {
		t.Error("the new model's tile changed back")
	}
}

func TestTilerCacheBound(t *testing.T) {
	m := demoModel(t)
	const bound = 64 << 10
	tiler := tiles.NewTiler(tiles.Options{CacheBytes: bound})
	n := 0
	for _, tl := range tilesOver(districtBound(t, m), 14) {
		if _, err := tiler.Tile(m, "divisions-village", int(tl.Z), int(tl.X), int(tl.Y)); err != nil {
			t.Fatal(err)
		}
		n++
	}
	st := tiler.Stats()
	// Each of the 16 shards holds at most bound/16 but at least one tile.
	if st.Cache.Bytes > bound+16*8<<10 || st.Cache.Tiles >= n || st.Cache.Tiles == 0 {
		t.Fatalf("%d tiles rendered, cache %+v", n, st.Cache)
	}
	// No cache at all.
	none := tiles.NewTiler(tiles.Options{CacheBytes: -1})
	a, _ := none.Tile(m, "places", 12, 3290, 1695)
	b, _ := none.Tile(m, "places", 12, 3290, 1695)
	if a == b || none.Stats().Renders != 2 {
		t.Error("a Tiler without a cache cached")
	}
	// Errors: unknown layer, bad coordinates.
	if _, err := tiler.Tile(m, "nope", 1, 0, 0); diming.Code(err) != diming.ENOTFOUND {
		t.Errorf("unknown layer: %v", err)
	}
	if _, err := tiler.Tile(m, "places", 19, 0, 0); diming.Code(err) != diming.EINVALID {
		t.Errorf("z19: %v", err)
	}
}

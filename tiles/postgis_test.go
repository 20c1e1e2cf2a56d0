package tiles_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"reflect"
	"sort"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	sf "github.com/peterstace/simplefeatures/geom"

	"diming/coverage"
	"diming/demo"
	"diming/geo"
	"diming/internal/pgtest"
	"diming/readmodel"
	"diming/store/postgis"
	"diming/tiles"
)

// pgFixture is the demo divisions and facilities in PostGIS, the read model
// built from that same store, and the tile tables a tuned PostGIS tile
// server would keep: the layer's properties precomputed and the geometry
// already in EPSG:3857 with a GiST index, so that ST_AsMVT does only the
// tile's own work.
type pgFixture struct {
	pool  *pgxpool.Pool
	model *readmodel.Model
	index map[string]*tiles.Index
}

func newPGFixture(tb testing.TB) *pgFixture {
	tb.Helper()
	ctx := context.Background()
	st, err := postgis.Open(ctx, postgis.Config{URL: pgtest.NewDatabase(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	ds, err := demo.Divisions()
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.PutDivisions(ctx, "test", ds); err != nil {
		tb.Fatal(err)
	}
	fs, err := demo.Facilities(ds)
	if err != nil {
		tb.Fatal(err)
	}
	if _, _, err := st.ImportFacilities(ctx, "test", fs); err != nil {
		tb.Fatal(err)
	}
	h := readmodel.NewHolder(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.Coverage = st
	m, err := h.Refresh(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	var ids, names, groups []string
	for _, c := range coverage.Categories {
		ids, names, groups = append(ids, string(c.ID)), append(names, c.Name), append(groups, c.Group)
	}
	pool := st.Pool()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{sql: `CREATE TABLE tile_villages AS
			SELECT code::bigint AS fid, code::text AS code, name, level, parent_code::text AS parent_code,
				households::bigint AS households, population::bigint AS population,
				population_60::bigint AS population_60, synthetic, ST_Transform(geom, 3857) AS geom
			FROM divisions WHERE level = 'village'`},
		{sql: `CREATE INDEX ON tile_villages USING gist (geom)`},
		{sql: `CREATE TABLE tile_facilities AS
			SELECT f.id AS fid, f.id, coalesce(f.code, '') AS code, f.name, f.category, c.name AS category_name,
				c.grp AS "group", f.status,
				coalesce((SELECT min(v.code)::text FROM divisions v WHERE v.level = 'village' AND ST_Intersects(v.geom, f.geom)), '') AS village_code,
				ST_Transform(f.geom, 3857) AS geom
			FROM facilities f JOIN unnest($1::text[], $2::text[], $3::text[]) AS c(id, name, grp) ON c.id = f.category`,
			args: []any{ids, names, groups}},
		{sql: `CREATE INDEX ON tile_facilities USING gist (geom)`},
		{sql: `ANALYZE tile_villages`},
		{sql: `ANALYZE tile_facilities`},
	} {
		if _, err := pool.Exec(ctx, q.sql, q.args...); err != nil {
			tb.Fatalf("%s: %v", q.sql, err)
		}
	}
	fx := &pgFixture{pool: pool, model: m, index: map[string]*tiles.Index{}}
	for _, id := range []string{"divisions-village", "facilities"} {
		l, err := tiles.LayerByID(id)
		if err != nil {
			tb.Fatal(err)
		}
		feats, err := l.Features(m)
		if err != nil {
			tb.Fatal(err)
		}
		if fx.index[id], err = tiles.NewIndex(l.ID, l.Kind, feats); err != nil {
			tb.Fatal(err)
		}
	}
	return fx
}

// pgTileSQL renders a tile of a layer with ST_AsMVT: extent 4096, buffer
// 64, clipping on, the feature id from fid.
var pgTileSQL = map[string]string{
	"divisions-village": `SELECT ST_AsMVT(q, 'divisions-village', 4096, 'geom', 'fid') FROM (
		SELECT fid, code, name, level, parent_code, households, population, population_60, synthetic,
			ST_AsMVTGeom(t.geom, ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
		FROM tile_villages t WHERE t.geom && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)) q
		WHERE q.geom IS NOT NULL`,
	"facilities": `SELECT ST_AsMVT(q, 'facilities', 4096, 'geom', 'fid') FROM (
		SELECT fid, id, code, name, category, category_name, "group", status, village_code,
			ST_AsMVTGeom(t.geom, ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
		FROM tile_facilities t WHERE t.geom && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)) q
		WHERE q.geom IS NOT NULL`,
}

func (fx *pgFixture) postgisTile(ctx context.Context, layer string, t maptile.Tile) ([]byte, error) {
	var b []byte
	err := fx.pool.QueryRow(ctx, pgTileSQL[layer], int(t.Z), int(t.X), int(t.Y)).Scan(&b)
	return b, err
}

// decodeLayer decodes a tile's one layer into features by id.
func decodeLayer(tb testing.TB, data []byte, name string) map[uint64]*geojson.Feature {
	tb.Helper()
	out := map[uint64]*geojson.Feature{}
	if len(data) == 0 {
		return out
	}
	ls, err := mvt.Unmarshal(data)
	if err != nil {
		tb.Fatalf("decode %s: %v", name, err)
	}
	for _, l := range ls {
		if l.Name != name {
			tb.Fatalf("layer %q in a %s tile", l.Name, name)
		}
		for _, f := range l.Features {
			id, ok := f.ID.(float64)
			if !ok || id <= 0 {
				tb.Fatalf("%s: feature without an id: %v", name, f.ID)
			}
			if out[uint64(id)] != nil {
				tb.Fatalf("%s: id %v twice", name, f.ID)
			}
			out[uint64(id)] = f
		}
	}
	return out
}

// hausdorff is the discrete Hausdorff distance between two polygonal
// geometries in tile units, over the vertices off the buffer's border: the
// farthest such vertex of either lies from the other's outline. Vertices on
// the border are left to meanSeparation: where an edge meets the border at a
// shallow angle, clipping before snapping (here) and after (PostGIS) move
// the crossing along the border by several units while the edges stay
// within a unit of each other.
func hausdorff(a, b orb.Geometry) float64 {
	return math.Max(directed(a, b), directed(b, a))
}

func onBorder(p orb.Point) bool {
	lo, hi := float64(-tiles.Buffer), float64(tiles.Extent+tiles.Buffer)
	return p[0] == lo || p[0] == hi || p[1] == lo || p[1] == hi
}

func rings(g orb.Geometry) []orb.Ring {
	switch g := g.(type) {
	case orb.Polygon:
		return g
	case orb.MultiPolygon:
		var out []orb.Ring
		for _, p := range g {
			out = append(out, p...)
		}
		return out
	}
	return nil
}

func directed(a, b orb.Geometry) float64 {
	worst := 0.0
	for _, r := range rings(a) {
		for _, p := range r {
			if onBorder(p) {
				continue
			}
			best := math.Inf(1)
			for _, s := range rings(b) {
				for i := range s {
					best = math.Min(best, segmentDistance(p, s[i], s[(i+1)%len(s)]))
				}
			}
			worst = math.Max(worst, best)
		}
	}
	return worst
}

// meanSeparation is the area of the symmetric difference of two polygonal
// geometries divided by the mean length of their outlines: how far apart
// the outlines are on average, in tile units (what comparing the two
// rasterised at one unit would count, without the raster's own error).
func meanSeparation(tb testing.TB, a, b orb.Geometry) float64 {
	tb.Helper()
	ga, gb := geo.ToSF(multi(a)), geo.ToSF(multi(b))
	for _, g := range []sf.MultiPolygon{ga, gb} {
		if err := g.Validate(); err != nil {
			tb.Fatalf("invalid polygon %v: %v", g.AsText(), err)
		}
	}
	d, err := sf.SymmetricDifference(ga.AsGeometry(), gb.AsGeometry())
	if err != nil {
		tb.Fatal(err)
	}
	return d.Area() / ((ga.Boundary().Length() + gb.Boundary().Length()) / 2)
}

func multi(g orb.Geometry) orb.MultiPolygon {
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

func segmentDistance(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l))
	}
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

func polygonArea(g orb.Geometry) float64 {
	a := 0.0
	for _, r := range rings(g) {
		s := 0.0
		for i := range r {
			p, q := r[i], r[(i+1)%len(r)]
			s += p[0]*q[1] - q[0]*p[1]
		}
		a += s / 2 // exterior rings positive, interior negative
	}
	return a
}

// TestTilesMatchPostGIS renders every z10 and z14 tile over the demo
// district for the village and facility layers both here and with PostGIS's
// ST_AsMVT/ST_AsMVTGeom on the same rows (extent 4096, buffer 64, clip on),
// decodes both with orb/encoding/mvt and compares them feature by feature:
// the same feature ids and the same properties, and geometry within one
// tile unit (a pixel of the 4096 grid). Points: the same grid point, give
// or take one unit on each axis (both sides round independently: Go's
// math.Round here, PostGIS's rint there, after slightly different
// projection arithmetic). Polygons: the outlines are on average within one
// unit of each other — the area of the symmetric difference over the mean
// outline length, what comparing the two rasterised at one unit measures
// without the raster's own error — and no vertex off the buffer's border is
// farther from the other outline than the generalisation tolerance plus one
// unit of grid (PostGIS simplifies at half a unit, we at Tolerance(z)).
// A feature may be in one tile only when it is a sliver reaching into the
// buffer (under 2 × MinArea) or a point within a unit of the buffer's edge.
func TestTilesMatchPostGIS(t *testing.T) {
	fx := newPGFixture(t)
	ctx := context.Background()
	b := districtBound(t, fx.model)
	for _, layer := range []string{"divisions-village", "facilities"} {
		for _, z := range []maptile.Zoom{10, 14} {
			t.Run(fmt.Sprintf("%s/z%d", layer, z), func(t *testing.T) {
				var compared, features, oneSided int
				var worst, worstSep float64
				for _, tl := range tilesOver(b, z) {
					ours, _, err := fx.index[layer].Render(tl, tiles.RenderOptions{})
					if err != nil {
						t.Fatal(err)
					}
					theirs, err := fx.postgisTile(ctx, layer, tl)
					if err != nil {
						t.Fatal(err)
					}
					if err := tiles.Validate(ours, tiles.EncoderRules); len(ours) > 0 && err != nil {
						t.Errorf("%v: %v", tl, err)
					}
					a, p := decodeLayer(t, ours, layer), decodeLayer(t, theirs, layer)
					compared++
					ids := map[uint64]bool{}
					for id := range a {
						ids[id] = true
					}
					for id := range p {
						ids[id] = true
					}
					sorted := make([]uint64, 0, len(ids))
					for id := range ids {
						sorted = append(sorted, id)
					}
					sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
					for _, id := range sorted {
						fa, fp := a[id], p[id]
						if fa == nil || fp == nil {
							one := fa
							if one == nil {
								one = fp
							}
							if !negligible(one.Geometry, z) {
								t.Errorf("%v: feature %d only in %s's tile: %v", tl, id, map[bool]string{true: "our", false: "PostGIS"}[fa != nil], one.Geometry)
							}
							oneSided++
							continue
						}
						features++
						if !reflect.DeepEqual(fa.Properties, fp.Properties) {
							t.Errorf("%v: feature %d: properties\n ours    %v\n postgis %v", tl, id, fa.Properties, fp.Properties)
						}
						if pa, ok := fa.Geometry.(orb.Point); ok {
							pp := fp.Geometry.(orb.Point)
							d := math.Max(math.Abs(pa[0]-pp[0]), math.Abs(pa[1]-pp[1]))
							worst = math.Max(worst, d)
							if d > 1 {
								t.Errorf("%v: feature %d: point %v here, %v in PostGIS", tl, id, pa, pp)
							}
							continue
						}
						d := hausdorff(fa.Geometry, fp.Geometry)
						sep := meanSeparation(t, fa.Geometry, fp.Geometry)
						worst, worstSep = math.Max(worst, d), math.Max(worstSep, sep)
						if d > tiles.Tolerance(int(z))+1 || sep > 1 {
							t.Errorf("%v: feature %d: outlines %.2f tile units apart off the border, %.2f on average\n ours    %v\n postgis %v", tl, id, d, sep, fa.Geometry, fp.Geometry)
						}
					}
				}
				if features == 0 {
					t.Fatal("no features compared")
				}
				t.Logf("%d tiles, %d features compared, worst vertex difference %.2f tile units, worst mean separation %.3f, %d negligible one-sided", compared, features, worst, worstSep, oneSided)
			})
		}
	}
}

// negligible says whether a feature present in one tile only is a sliver
// in the buffer or a point at the buffer's edge.
func negligible(g orb.Geometry, z maptile.Zoom) bool {
	if p, ok := g.(orb.Point); ok {
		lo, hi := float64(-tiles.Buffer), float64(tiles.Extent+tiles.Buffer)
		return math.Min(math.Abs(p[0]-lo), math.Abs(p[0]-hi)) <= 1 || math.Min(math.Abs(p[1]-lo), math.Abs(p[1]-hi)) <= 1
	}
	return math.Abs(polygonArea(g)) < 2*tiles.MinArea(int(z))
}

// benchTiles are the non-empty tiles of a layer at zoom z over the district,
// in a fixed order; a benchmark cycles through them so that no one tile
// stays hot in the CPU's caches.
func (fx *pgFixture) benchTiles(tb testing.TB, layer string, z maptile.Zoom) []maptile.Tile {
	tb.Helper()
	var out []maptile.Tile
	for _, tl := range tilesOver(districtBound(tb, fx.model), z) {
		data, _, err := fx.index[layer].Render(tl, tiles.RenderOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		if len(data) > 0 {
			out = append(out, tl)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("no %s tiles at z%d", layer, z)
	}
	return out
}

// benchTile renders tiles of one layer and zoom with no tile cache, here
// (the layer's index: cut, snap, encode; with precomputed, the zoom's
// generalisation was built before the timer, else every call generalises
// the layer again) and with ST_AsMVT in PostGIS through the pgx pool on
// loopback (with precomputed, from tile_villages_z, the layer simplified per
// zoom beforehand; else ST_Simplify in the query, on the full-resolution
// tile table). Points have nothing to generalise: both sides draw them as
// stored. Before the timer the two sides' tiles are decoded and must hold the
// same features (all but slivers at the buffer's edge).
func benchTile(b *testing.B, layer string, z maptile.Zoom, precomputed bool) {
	fx := newPGFixture(b)
	ts := fx.benchTiles(b, layer, z)
	ix := fx.index[layer]
	sql := pgTileSQL[layer]
	if layer == "divisions-village" {
		sql = pgSimplifyTileSQL
		if precomputed {
			sql = pgPresimplifiedTileSQL
			fx.presimplify(b, z)
		}
	}
	ctx := context.Background()
	pgTile := func(t maptile.Tile) ([]byte, error) {
		var data []byte
		args := []any{int(t.Z), int(t.X), int(t.Y)}
		if layer == "divisions-village" {
			args = append(args, toleranceMetres(int(t.Z)))
		}
		err := fx.pool.QueryRow(ctx, sql, args...).Scan(&data)
		return data, err
	}
	for _, t := range ts {
		ours, _, err := ix.Render(t, tiles.RenderOptions{})
		if err != nil {
			b.Fatal(err)
		}
		theirs, err := pgTile(t)
		if err != nil {
			b.Fatal(err)
		}
		a, p := decodeLayer(b, ours, layer), decodeLayer(b, theirs, layer)
		for id, f := range a {
			if p[id] == nil && !negligible(f.Geometry, z) {
				b.Fatalf("%v: feature %d only in diming's tile", t, id)
			}
		}
		for id, f := range p {
			if a[id] == nil && !negligible(f.Geometry, z) {
				b.Fatalf("%v: feature %d only in PostGIS's tile", t, id)
			}
		}
	}
	b.Run("diming", func(b *testing.B) {
		b.ReportAllocs()
		bytes := 0
		for i := 0; b.Loop(); i++ {
			if !precomputed {
				ix.ResetLevelsForTest()
			}
			data, _, err := ix.Render(ts[i%len(ts)], tiles.RenderOptions{})
			if err != nil {
				b.Fatal(err)
			}
			bytes += len(data)
		}
		b.ReportMetric(float64(bytes)/float64(b.N), "tile-B")
	})
	b.Run("postgis", func(b *testing.B) {
		b.ReportAllocs()
		bytes := 0
		for i := 0; b.Loop(); i++ {
			data, err := pgTile(ts[i%len(ts)])
			if err != nil {
				b.Fatal(err)
			}
			bytes += len(data)
		}
		b.ReportMetric(float64(bytes)/float64(b.N), "tile-B")
	})
}

// toleranceMetres is diming's generalisation tolerance at zoom z
// (tiles.Tolerance, in tile units) in EPSG:3857 metres.
func toleranceMetres(z int) float64 {
	const world = 2 * 20037508.342789244
	return tiles.Tolerance(z) * world / (float64(uint64(1)<<z) * tiles.Extent)
}

// The village tiles in PostGIS, generalised as diming generalises
// (Douglas–Peucker at the zoom's tolerance, collapsed polygons kept, $4 the
// tolerance in metres): in the query, or beforehand into tile_villages_z.
const (
	pgSimplifyTileSQL = `SELECT ST_AsMVT(q, 'divisions-village', 4096, 'geom', 'fid') FROM (
		SELECT fid, code, name, level, parent_code, households, population, population_60, synthetic,
			ST_AsMVTGeom(ST_Simplify(t.geom, $4, true), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
		FROM tile_villages t WHERE t.geom && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)) q
		WHERE q.geom IS NOT NULL`
	pgPresimplifiedTileSQL = `SELECT ST_AsMVT(q, 'divisions-village', 4096, 'geom', 'fid') FROM (
		SELECT fid, code, name, level, parent_code, households, population, population_60, synthetic,
			ST_AsMVTGeom(t.geom, ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
		FROM tile_villages_z t WHERE t.z = $1 AND $4::float8 IS NOT NULL
			AND t.geom && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)) q
		WHERE q.geom IS NOT NULL`
)

// presimplify fills tile_villages_z for zoom z: the villages simplified at
// the zoom's tolerance, GiST-indexed, as a tile server with per-zoom
// generalised tables keeps them.
func (fx *pgFixture) presimplify(tb testing.TB, z maptile.Zoom) {
	tb.Helper()
	ctx := context.Background()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{sql: `CREATE TABLE IF NOT EXISTS tile_villages_z AS SELECT 0::int AS z, * FROM tile_villages WHERE false`},
		{sql: `DELETE FROM tile_villages_z WHERE z = $1`, args: []any{int(z)}},
		{sql: `INSERT INTO tile_villages_z SELECT $1::int, fid, code, name, level, parent_code, households, population, population_60, synthetic,
			ST_Simplify(geom, $2, true) FROM tile_villages`, args: []any{int(z), toleranceMetres(int(z))}},
		{sql: `CREATE INDEX IF NOT EXISTS tile_villages_z_geom ON tile_villages_z USING gist (geom)`},
		{sql: `ANALYZE tile_villages_z`},
	} {
		if _, err := fx.pool.Exec(ctx, q.sql, q.args...); err != nil {
			tb.Fatalf("%s: %v", q.sql, err)
		}
	}
}

// BenchmarkTileVillagesZ14Precomputed: z14 tiles of divisions-village (a
// handful of village polygons each), both sides with the zoom's
// generalisation built beforehand.
func BenchmarkTileVillagesZ14Precomputed(b *testing.B) { benchTile(b, "divisions-village", 14, true) }

// BenchmarkTileVillagesZ14Cold: the same tiles, both sides generalising in
// every call (diming the whole layer at the zoom, PostGIS the tile's rows).
func BenchmarkTileVillagesZ14Cold(b *testing.B) { benchTile(b, "divisions-village", 14, false) }

// BenchmarkTileVillagesZ10Precomputed: z10 tiles of divisions-village (the
// whole district's 200 villages over two tiles), generalisation built
// beforehand on both sides.
func BenchmarkTileVillagesZ10Precomputed(b *testing.B) { benchTile(b, "divisions-village", 10, true) }

// BenchmarkTileVillagesZ10Cold: the same tiles, generalised in every call.
func BenchmarkTileVillagesZ10Cold(b *testing.B) { benchTile(b, "divisions-village", 10, false) }

// BenchmarkTileFacilitiesZ14: z14 tiles of facilities (points: nothing to
// generalise on either side).
func BenchmarkTileFacilitiesZ14(b *testing.B) { benchTile(b, "facilities", 14, false) }

// BenchmarkTileFacilitiesZ10: z10 tiles of facilities (the district's 928
// facilities over two tiles).
func BenchmarkTileFacilitiesZ10(b *testing.B) { benchTile(b, "facilities", 10, false) }

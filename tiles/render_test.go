package tiles_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"diming/geo"
	"diming/tiles"
)

// decodeOne decodes a tile of one layer.
func decodeOne(tb testing.TB, data []byte, name string) *mvt.Layer {
	tb.Helper()
	if err := tiles.Validate(data, tiles.EncoderRules); err != nil {
		tb.Fatalf("our tile breaks the rules: %v", err)
	}
	ls, err := mvt.Unmarshal(data)
	if err != nil {
		tb.Fatal(err)
	}
	if len(ls) != 1 || ls[0].Name != name || ls[0].Version != 2 || ls[0].Extent != tiles.Extent {
		tb.Fatalf("layers %+v", ls)
	}
	return ls[0]
}

// normalise turns property values into what a decoder gives back.
func normalise(props map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range props {
		switch x := v.(type) {
		case nil:
			continue
		case int64:
			out[k] = float64(x)
		case int:
			out[k] = float64(x)
		default:
			out[k] = v
		}
	}
	return out
}

func ExampleIndex_Render() {
	ix, err := tiles.NewIndex("places", tiles.Point, []tiles.Feature{
		{ID: 7, Geometry: orb.Point{106.4565, 29.5563}, Properties: map[string]any{"name": "磁器口", "rank": int64(1)}},
	})
	if err != nil {
		panic(err)
	}
	tile := maptile.At(orb.Point{106.4565, 29.5563}, 14)
	data, stats, err := ix.Render(tile, tiles.RenderOptions{})
	if err != nil {
		panic(err)
	}
	layers, _ := mvt.Unmarshal(data)
	f := layers[0].Features[0]
	fmt.Println(stats.Features, f.ID, f.Properties["name"], f.Properties["rank"], tiles.Validate(data, tiles.EncoderRules))
	// Output: 1 7 磁器口 1 <nil>
}

func TestRenderIDsAndProperties(t *testing.T) {
	fs := []tiles.Feature{
		{ID: 500106001001, Geometry: orb.Point{106.40, 29.60}, Properties: map[string]any{"name": "甲", "n": int64(-3), "x": 0.25, "ok": true, "none": nil}},
		{ID: 2, Geometry: orb.Point{106.401, 29.601}, Properties: map[string]any{"name": "乙", "n": int64(3), "ok": false}},
		{ID: 3, Geometry: orb.Point{106.402, 29.602}, Properties: map[string]any{"name": "甲"}},
	}
	ix, err := tiles.NewIndex("pts", tiles.Point, fs)
	if err != nil {
		t.Fatal(err)
	}
	data, st, err := ix.Render(maptile.At(orb.Point{106.401, 29.601}, 12), tiles.RenderOptions{})
	if err != nil || st.Features != 3 {
		t.Fatalf("%v, %+v", err, st)
	}
	l := decodeOne(t, data, "pts")
	got := map[uint64]map[string]any{}
	for _, f := range l.Features {
		got[uint64(f.ID.(float64))] = f.Properties
	}
	for _, f := range fs {
		if !reflect.DeepEqual(map[string]any(got[f.ID]), normalise(f.Properties)) {
			t.Errorf("feature %d: %v, want %v", f.ID, got[f.ID], normalise(f.Properties))
		}
	}
	// Unsupported values are refused when the index is built.
	if _, err := tiles.NewIndex("bad", tiles.Point, []tiles.Feature{{ID: 1, Geometry: orb.Point{1, 1}, Properties: map[string]any{"v": []int{1}}}}); err == nil {
		t.Error("a slice property was accepted")
	}
	if _, err := tiles.NewIndex("bad", tiles.Point, []tiles.Feature{{ID: 1, Geometry: orb.Point{1, 1}, Properties: map[string]any{"v": math.NaN()}}}); err == nil {
		t.Error("NaN was accepted")
	}
}

// surveyor is the surveyor's formula in tile coordinates.
func surveyor(r orb.Ring) float64 {
	s := 0.0
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		s += p[0]*q[1] - q[0]*p[1]
	}
	return s / 2
}

func TestRenderClipAndWinding(t *testing.T) {
	tile := maptile.New(13160, 6781, 14)
	b := tile.Bound()
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	// A shell well beyond the tile with a hole in the middle of it, wound
	// the GeoJSON way (counter-clockwise shell in lon/lat).
	shell := orb.Ring{{b.Min[0] - w, b.Min[1] - h}, {b.Max[0] + w, b.Min[1] - h}, {b.Max[0] + w, b.Max[1] + h}, {b.Min[0] - w, b.Max[1] + h}, {b.Min[0] - w, b.Min[1] - h}}
	c := b.Center()
	hole := orb.Ring{{c[0] - w/8, c[1] - h/8}, {c[0] - w/8, c[1] + h/8}, {c[0] + w/8, c[1] + h/8}, {c[0] + w/8, c[1] - h/8}, {c[0] - w/8, c[1] - h/8}}
	for _, poly := range []orb.Polygon{{shell, hole}, {reverse(shell), reverse(hole)}} {
		ix, err := tiles.NewIndex("poly", tiles.Polygon, []tiles.Feature{{ID: 1, Geometry: poly}})
		if err != nil {
			t.Fatal(err)
		}
		data, _, err := ix.Render(tile, tiles.RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		l := decodeOne(t, data, "poly")
		p, ok := l.Features[0].Geometry.(orb.Polygon)
		if !ok || len(p) != 2 {
			t.Fatalf("geometry %v", l.Features[0].Geometry)
		}
		// The shell is cut to the tile plus its buffer: the box itself.
		bb := p[0].Bound()
		if bb.Min != (orb.Point{-tiles.Buffer, -tiles.Buffer}) || bb.Max != (orb.Point{tiles.Extent + tiles.Buffer, tiles.Extent + tiles.Buffer}) {
			t.Errorf("shell box %v", bb)
		}
		if a := surveyor(p[0]); a <= 0 {
			t.Errorf("exterior ring area %v: not positive (clockwise on screen)", a)
		}
		if a := surveyor(p[1]); a >= 0 {
			t.Errorf("interior ring area %v: not negative", a)
		}
		hb := p[1].Bound()
		if math.Abs(hb.Center()[0]-2048) > 2 || math.Abs(hb.Center()[1]-2048) > 2 || math.Abs(hb.Max[0]-hb.Min[0]-1024) > 2 {
			t.Errorf("hole box %v, want 1024 units wide in the middle", hb)
		}
	}
	// Far from the tile: nothing. Crossing its buffer edge only: clipped to it.
	far := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}
	ix, _ := tiles.NewIndex("poly", tiles.Polygon, []tiles.Feature{{ID: 1, Geometry: far}})
	if data, st, _ := ix.Render(tile, tiles.RenderOptions{}); data != nil || st.Features != 0 {
		t.Errorf("a polygon far away gave %d bytes", len(data))
	}
}

func reverse(r orb.Ring) orb.Ring {
	out := append(orb.Ring(nil), r...)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func TestRenderLines(t *testing.T) {
	tile := maptile.New(13160, 6781, 14)
	b := tile.Bound()
	c := b.Center()
	w := b.Max[0] - b.Min[0]
	// A line across the whole tile with a zigzag finer than a unit in the
	// middle, and a line wholly inside.
	var across orb.LineString
	for i := 0; i <= 400; i++ {
		x := b.Min[0] - w + 3*w*float64(i)/400
		across = append(across, orb.Point{x, c[1] + float64(i%2)*w/50000})
	}
	inside := orb.LineString{{c[0], c[1]}, {c[0] + w/10, c[1] + w/10}}
	ix, err := tiles.NewIndex("lines", tiles.Line, []tiles.Feature{{ID: 1, Geometry: across}, {ID: 2, Geometry: orb.MultiLineString{inside}}})
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := ix.Render(tile, tiles.RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l := decodeOne(t, data, "lines")
	if len(l.Features) != 2 {
		t.Fatalf("%d features", len(l.Features))
	}
	for _, f := range l.Features {
		var parts []orb.LineString
		switch g := f.Geometry.(type) {
		case orb.LineString:
			parts = []orb.LineString{g}
		case orb.MultiLineString:
			parts = g
		}
		for _, ls := range parts {
			for _, p := range ls {
				if p[0] < -tiles.Buffer || p[0] > tiles.Extent+tiles.Buffer {
					t.Errorf("feature %v: point %v beyond the buffer", f.ID, p)
				}
			}
			if f.ID == 1.0 && len(ls) > 10 {
				t.Errorf("the sub-unit zigzag was kept: %d points", len(ls))
			}
		}
	}
}

func TestRenderEmptyAndBadTiles(t *testing.T) {
	ix, _ := tiles.NewIndex("none", tiles.Point, nil)
	if data, _, err := ix.Render(maptile.New(0, 0, 0), tiles.RenderOptions{}); data != nil || err != nil {
		t.Errorf("empty layer: %d bytes, %v", len(data), err)
	}
	for _, c := range [][3]int{{19, 0, 0}, {-1, 0, 0}, {3, 8, 0}, {3, 0, 8}, {3, -1, 0}} {
		if _, err := tiles.CheckTile(c[0], c[1], c[2]); err == nil {
			t.Errorf("CheckTile%v accepted", c)
		}
	}
	if _, err := tiles.CheckTile(18, 1<<18-1, 0); err != nil {
		t.Errorf("the last z18 tile: %v", err)
	}
}

// TestRenderSizeCap: a tile over the cap is drawn again from coarser
// generalisations until it fits; a tile that cannot fit is served as the
// smallest attempt, flagged OverCap.
func TestRenderSizeCap(t *testing.T) {
	tile := maptile.New(13160, 6781, 14)
	b := tile.Bound()
	c := b.Center()
	r := (b.Max[0] - b.Min[0]) / 3
	rng := rand.New(rand.NewPCG(5, 6))
	// Forty crinkly polygons of 3,000 vertices each.
	var fs []tiles.Feature
	for k := 0; k < 40; k++ {
		var ring orb.Ring
		for i := 0; i < 3000; i++ {
			a := 2 * math.Pi * float64(i) / 3000
			rad := r * (0.3 + 0.02*float64(k)) * (1 + 0.02*rng.Float64())
			ring = append(ring, orb.Point{c[0] + rad*math.Cos(a), c[1] + rad*math.Sin(a)*0.87})
		}
		ring = append(ring, ring[0])
		fs = append(fs, tiles.Feature{ID: uint64(k + 1), Geometry: orb.Polygon{ring}})
	}
	ix, err := tiles.NewIndex("crinkly", tiles.Polygon, fs)
	if err != nil {
		t.Fatal(err)
	}
	full, st, _ := ix.Render(tile, tiles.RenderOptions{MaxBytes: 1 << 30})
	if st.Generalisation != 14 || st.OverCap {
		t.Fatalf("uncapped: %+v", st)
	}
	limit := len(full) / 3
	capped, st2, _ := ix.Render(tile, tiles.RenderOptions{MaxBytes: limit})
	if len(capped) > limit || st2.OverCap || st2.Generalisation >= 14 || st2.Features != 40 {
		t.Fatalf("capped at %d: %d bytes, %+v", limit, len(capped), st2)
	}
	decodeOne(t, capped, "crinkly")
	t.Logf("%d bytes at z14's generalisation, %d at z%d's under a %d-byte cap", len(full), len(capped), st2.Generalisation, limit)
	// Impossible: served anyway, flagged.
	tiny, st3, _ := ix.Render(tile, tiles.RenderOptions{MaxBytes: 100})
	if !st3.OverCap || len(tiny) == 0 || len(tiny) > len(capped) || st3.Generalisation != 10 {
		t.Fatalf("impossible cap: %d bytes, %+v", len(tiny), st3)
	}
	// Points cannot be simplified: the first attempt is served.
	var pts []tiles.Feature
	for k := 0; k < 500; k++ {
		pts = append(pts, tiles.Feature{ID: uint64(k + 1), Geometry: orb.Point{c[0] + r*rng.Float64(), c[1] + r*rng.Float64()}, Properties: map[string]any{"k": int64(k)}})
	}
	pix, _ := tiles.NewIndex("pts", tiles.Point, pts)
	if _, st, _ := pix.Render(tile, tiles.RenderOptions{MaxBytes: 100}); !st.OverCap || st.Generalisation != 14 || st.Features != 500 {
		t.Fatalf("points over the cap: %+v", st)
	}
}

// TestDemoTilesFollowTheRules renders the demo's layers over the whole
// district — every tile from z8 to z14, every third row and column at z15
// and z16 — and checks each tile: the MVT rules (EncoderRules: version 2,
// extent, unique ids, valid command encoding and rings), every polygon
// valid by simplefeatures too, feature ids from the layer and their
// properties exactly the layer's, and no polygon dropped for invalidity.
// The coverage layers' variants with the 2025 plan too.
func TestDemoTilesFollowTheRules(t *testing.T) {
	m := demoModel(t)
	b := districtBound(t, m)
	var all []tiles.Layer
	for _, l := range tiles.Layers() {
		all = append(all, l)
		if l.Planned {
			lp, err := l.With(tiles.Variant{IncludePlanned: true})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, lp)
		}
	}
	for _, l := range all {
		t.Run(l.Key(), func(t *testing.T) {
			fs, err := l.Features(m)
			if err != nil {
				t.Fatal(err)
			}
			byID := map[uint64]map[string]any{}
			for _, f := range fs {
				byID[f.ID] = normalise(f.Properties)
			}
			ix, err := tiles.NewIndex(l.ID, l.Kind, fs)
			if err != nil {
				t.Fatal(err)
			}
			tilesSeen, featuresSeen, maxBytes := 0, 0, 0
			for z := maptile.Zoom(8); z <= 16; z++ {
				for i, tl := range tilesOver(b, z) {
					if z >= 15 && (tl.X%3 != 0 || tl.Y%3 != 0) {
						continue
					}
					data, st, err := ix.Render(tl, tiles.RenderOptions{})
					if err != nil {
						t.Fatal(err)
					}
					if st.Dropped > 0 || st.OverCap {
						t.Errorf("%v: %+v", tl, st)
					}
					if len(data) == 0 {
						continue
					}
					tilesSeen++
					maxBytes = max(maxBytes, len(data))
					ly := decodeOne(t, data, l.ID)
					for _, f := range ly.Features {
						featuresSeen++
						id := uint64(f.ID.(float64))
						want, ok := byID[id]
						if !ok {
							t.Fatalf("%v: feature %d is not in the layer", tl, id)
						}
						if !reflect.DeepEqual(map[string]any(f.Properties), want) {
							t.Fatalf("%v: feature %d: properties %v, want %v", tl, id, f.Properties, want)
						}
						if mp := multi(f.Geometry); mp != nil {
							if err := geo.ToSF(mp).Validate(); err != nil {
								t.Fatalf("%v: feature %d: %v", tl, id, err)
							}
						}
					}
					_ = i
				}
				if l.Kind == tiles.Polygon {
					if rep, drop := ix.LevelRepairs(int(z)); drop > 0 {
						t.Errorf("z%d: %d polygons dropped from the generalisation (%d repaired)", z, drop, rep)
					}
				}
			}
			t.Logf("%d tiles, %d features, largest %d bytes", tilesSeen, featuresSeen, maxBytes)
			if tilesSeen == 0 && l.ID != "markers" {
				t.Fatal("no tiles with features")
			}
		})
	}
}

// TestZ8VillagesStaySmall: all the district's villages in the z8 tiles.
func TestZ8VillagesStaySmall(t *testing.T) {
	m := demoModel(t)
	l, _ := tiles.LayerByID("divisions-village")
	fs, _ := l.Features(m)
	ix, _ := tiles.NewIndex(l.ID, l.Kind, fs)
	seen := map[float64]bool{}
	for _, tl := range tilesOver(districtBound(t, m), 8) {
		data, _, err := ix.Render(tl, tiles.RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 48<<10 {
			t.Errorf("%v: %d bytes", tl, len(data))
		}
		for _, f := range decodeOne(t, data, l.ID).Features {
			seen[f.ID.(float64)] = true
		}
		t.Logf("%v: %d bytes", tl, len(data))
	}
	if len(seen) != len(fs) {
		t.Errorf("%d of %d villages at z8", len(seen), len(fs))
	}
}

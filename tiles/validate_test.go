package tiles_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"google.golang.org/protobuf/encoding/protowire"

	"diming/geo"
	"diming/tiles"
)

// Hand-built tiles for the validator: each field written as the protobuf
// schema says, so one rule at a time can be broken.

type rawFeature struct {
	id       *uint64
	tags     []uint32
	typ      *uint64
	geometry []uint32
}

type rawLayer struct {
	version  *uint64
	name     string
	extent   *uint64
	keys     []string
	values   [][]byte
	features []rawFeature
}

func u64(v uint64) *uint64 { return &v }

func packed(b []byte, num protowire.Number, vs []uint32) []byte {
	var p []byte
	for _, v := range vs {
		p = protowire.AppendVarint(p, uint64(v))
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, p)
}

func (l rawLayer) encode() []byte {
	var b []byte
	if l.version != nil {
		b = protowire.AppendTag(b, 15, protowire.VarintType)
		b = protowire.AppendVarint(b, *l.version)
	}
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, l.name)
	for _, f := range l.features {
		var fb []byte
		if f.id != nil {
			fb = protowire.AppendTag(fb, 1, protowire.VarintType)
			fb = protowire.AppendVarint(fb, *f.id)
		}
		if f.tags != nil {
			fb = packed(fb, 2, f.tags)
		}
		if f.typ != nil {
			fb = protowire.AppendTag(fb, 3, protowire.VarintType)
			fb = protowire.AppendVarint(fb, *f.typ)
		}
		fb = packed(fb, 4, f.geometry)
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, fb)
	}
	for _, k := range l.keys {
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendString(b, k)
	}
	for _, v := range l.values {
		b = protowire.AppendTag(b, 4, protowire.BytesType)
		b = protowire.AppendBytes(b, v)
	}
	if l.extent != nil {
		b = protowire.AppendTag(b, 5, protowire.VarintType)
		b = protowire.AppendVarint(b, *l.extent)
	}
	out := protowire.AppendTag(nil, 3, protowire.BytesType)
	return protowire.AppendBytes(out, b)
}

func zz(v int32) uint32 { return uint32((v << 1) ^ (v >> 31)) }

// ring encodes an open ring given by absolute points (cursor starting at 0,0).
func ring(pts ...[2]int32) []uint32 {
	g := []uint32{1 | 1<<3, zz(pts[0][0]), zz(pts[0][1]), 2 | uint32(len(pts)-1)<<3}
	for i := 1; i < len(pts); i++ {
		g = append(g, zz(pts[i][0]-pts[i-1][0]), zz(pts[i][1]-pts[i-1][1]))
	}
	return append(g, 7|1<<3)
}

// ringSeq chains rings, each relative to the end of the previous one.
func ringSeq(rs ...[][2]int32) []uint32 {
	var g []uint32
	cx, cy := int32(0), int32(0)
	for _, r := range rs {
		rel := make([][2]int32, len(r))
		for i, p := range r {
			rel[i] = [2]int32{p[0] - cx, p[1] - cy}
		}
		// ring() starts from 0,0: shift the first point only.
		enc := ring(r...)
		enc[1], enc[2] = zz(rel[0][0]), zz(rel[0][1])
		g = append(g, enc...)
		cx, cy = r[len(r)-1][0], r[len(r)-1][1]
	}
	return g
}

func stringValue(s string) []byte {
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func doubleValue(f float64) []byte {
	b := protowire.AppendTag(nil, 3, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, math.Float64bits(f))
}

func TestValidateEncoderRules(t *testing.T) {
	square := [][2]int32{{10, 10}, {20, 10}, {20, 20}, {10, 20}} // positive area: exterior
	good := func() rawLayer {
		return rawLayer{version: u64(2), name: "l", extent: u64(4096), keys: []string{"name"}, values: [][]byte{stringValue("甲")},
			features: []rawFeature{{id: u64(1), tags: []uint32{0, 0}, typ: u64(3), geometry: ring(square...)}}}
	}
	if err := tiles.Validate(good().encode(), tiles.EncoderRules); err != nil {
		t.Fatalf("the good tile: %v", err)
	}
	cases := []struct {
		name   string
		change func(*rawLayer)
		spec   bool // still valid by the specification alone
	}{
		{"version 1", func(l *rawLayer) { l.version = u64(1) }, true},
		{"no extent", func(l *rawLayer) { l.extent = nil }, true},
		{"extent 256", func(l *rawLayer) { l.extent = u64(256) }, true},
		{"no features", func(l *rawLayer) { l.features = nil }, true},
		{"no id", func(l *rawLayer) { l.features[0].id = nil }, true},
		{"id 0", func(l *rawLayer) { l.features[0].id = u64(0) }, true},
		{"repeated id", func(l *rawLayer) { l.features = append(l.features, l.features[0]) }, true},
		{"unknown type", func(l *rawLayer) { l.features[0].typ = u64(0) }, true},
		{"key twice in a feature", func(l *rawLayer) { l.features[0].tags = []uint32{0, 0, 0, 0} }, true},
		{"key listed twice", func(l *rawLayer) { l.keys = []string{"name", "name"} }, true},
		{"value listed twice", func(l *rawLayer) { l.values = append(l.values, stringValue("甲")) }, true},
		{"NaN", func(l *rawLayer) { l.values = [][]byte{doubleValue(math.NaN())} }, true},
		{"beyond the buffer", func(l *rawLayer) {
			l.features[0].geometry = ring([2]int32{10, 10}, [2]int32{5000, 10}, [2]int32{5000, 20})
		}, true},
		{"zero-area ring", func(l *rawLayer) {
			l.features[0].geometry = ringSeq(square, [][2]int32{{12, 12}, {14, 12}, {16, 12}})
		}, true},
		{"self-intersecting ring", func(l *rawLayer) {
			// Positive area, but the last edge crosses the first.
			l.features[0].geometry = ring([2]int32{10, 10}, [2]int32{30, 10}, [2]int32{30, 30}, [2]int32{20, 30}, [2]int32{20, 5})
		}, true},
		{"hole outside", func(l *rawLayer) {
			l.features[0].geometry = ringSeq(square, [][2]int32{{30, 30}, {30, 40}, {40, 40}, {40, 30}})
		}, true},
		// These break the specification itself.
		{"exterior wound backwards", func(l *rawLayer) {
			l.features[0].geometry = ring([2]int32{10, 10}, [2]int32{10, 20}, [2]int32{20, 20}, [2]int32{20, 10})
		}, false},
		{"ring repeating its start", func(l *rawLayer) {
			l.features[0].geometry = ring([2]int32{10, 10}, [2]int32{20, 10}, [2]int32{20, 20}, [2]int32{10, 10})
		}, false},
		{"zero-length LineTo", func(l *rawLayer) {
			l.features[0].geometry = ring([2]int32{10, 10}, [2]int32{20, 10}, [2]int32{20, 10}, [2]int32{20, 20})
		}, false},
		{"ClosePath in a linestring", func(l *rawLayer) {
			l.features[0].typ = u64(2)
			l.features[0].geometry = ring(square...)
		}, false},
		{"polygon without ClosePath", func(l *rawLayer) {
			g := ring(square...)
			l.features[0].geometry = g[:len(g)-1]
		}, false},
		{"two-point ring", func(l *rawLayer) {
			l.features[0].geometry = ring([2]int32{10, 10}, [2]int32{20, 10})
		}, false},
		{"tag to a missing value", func(l *rawLayer) { l.features[0].tags = []uint32{0, 1} }, false},
		{"no name", func(l *rawLayer) { l.name = "" }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := good()
			tc.change(&l)
			data := l.encode()
			if err := tiles.Validate(data, tiles.EncoderRules); err == nil {
				t.Error("accepted by EncoderRules")
			}
			if err := tiles.Validate(data, tiles.SpecRules); (err == nil) != tc.spec {
				t.Errorf("SpecRules: %v (want valid: %v)", err, tc.spec)
			}
		})
	}
}

// FuzzValidate: the validator never panics or over-allocates on any input,
// and what it accepts under EncoderRules it accepts under SpecRules, and
// orb/encoding/mvt can decode.
func FuzzValidate(f *testing.F) {
	square := [][2]int32{{10, 10}, {20, 10}, {20, 20}, {10, 20}}
	f.Add(rawLayer{version: u64(2), name: "l", extent: u64(4096), keys: []string{"k"}, values: [][]byte{stringValue("v")},
		features: []rawFeature{{id: u64(1), tags: []uint32{0, 0}, typ: u64(3), geometry: ring(square...)}}}.encode())
	f.Add(rawLayer{version: u64(2), name: "p", extent: u64(4096), features: []rawFeature{{id: u64(1), typ: u64(1), geometry: []uint32{9, 50, 34}}}}.encode())
	f.Add([]byte{})
	f.Add([]byte{0x1a, 0x12, 0x78, 0x02, 0x0a, 0x05, 'h', 'e', 'l', 'l', 'o', 0x12, 0x07, 0x08, 0x01, 0x22, 0x03, 0x09, 0x32, 0x22})
	f.Fuzz(func(t *testing.T, data []byte) {
		strict := tiles.Validate(data, tiles.EncoderRules)
		spec := tiles.Validate(data, tiles.SpecRules)
		if strict == nil && spec != nil {
			t.Fatalf("EncoderRules accept what SpecRules reject: %v", spec)
		}
		if strict == nil {
			if _, err := mvt.Unmarshal(data); err != nil {
				t.Fatalf("accepted, but orb cannot decode it: %v", err)
			}
		}
	})
}

// FuzzRenderPolygon: any valid polygon, at any zoom and offset, renders
// to a tile that follows EncoderRules.
func FuzzRenderPolygon(f *testing.F) {
	f.Add(uint8(14), int16(0), int16(0), uint16(300), uint8(12), uint64(1))
	f.Add(uint8(10), int16(-200), int16(150), uint16(40), uint8(200), uint64(7))
	f.Add(uint8(18), int16(3000), int16(-3000), uint16(9000), uint8(60), uint64(42))
	f.Fuzz(func(t *testing.T, z uint8, dx, dy int16, radius uint16, n uint8, seed uint64) {
		z %= tiles.MaxZoom + 1
		if n < 3 || radius == 0 {
			return
		}
		tile := maptile.At(orb.Point{106.4, 29.6}, maptile.Zoom(z))
		b := tile.Bound()
		w := b.Max[0] - b.Min[0]
		c := orb.Point{b.Center()[0] + w*float64(dx)/4096, b.Center()[1] + w*float64(dy)/4096}
		rng := rand.New(rand.NewPCG(seed, seed))
		// A star-shaped ring (radius in tile units), valid by construction.
		var r orb.Ring
		for k := 0; k < int(n); k++ {
			a := 2 * math.Pi * float64(k) / float64(n)
			rad := w * float64(radius) / 4096 * (0.3 + 0.7*rng.Float64())
			r = append(r, orb.Point{c[0] + rad*math.Cos(a), c[1] + rad*math.Sin(a)})
		}
		r = append(r, r[0])
		if geo.ToSF(orb.MultiPolygon{{r}}).Validate() != nil {
			return
		}
		ix, err := tiles.NewIndex("fuzz", tiles.Polygon, []tiles.Feature{{ID: 1, Geometry: orb.Polygon{r}}})
		if err != nil {
			t.Fatal(err)
		}
		data, _, err := ix.Render(tile, tiles.RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 0 {
			if err := tiles.Validate(data, tiles.EncoderRules); err != nil {
				t.Fatalf("%v", err)
			}
		}
	})
}

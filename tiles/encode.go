package tiles

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"google.golang.org/protobuf/encoding/protowire"
)

// The encoder writes the protobuf of a Mapbox Vector Tile directly. A
// layer's property keys and values are interned once, when its Index is
// built: each feature keeps its tags as (key, value) numbers into the
// layer's tables and each distinct value its encoded Value message, so a
// tile costs only a lookup per tag (which values the tile uses, in the
// order it first uses them) and the geometry commands. orb/encoding/mvt
// (which the tests use to decode, and to cross-check this encoder) builds
// protobuf structs and sorts and reflects on every feature's property map
// for every tile, which costs more than the rest of the pipeline together.

// Geometry types of the MVT Feature message.
const (
	geomPoint      = 1
	geomLineString = 2
	geomPolygon    = 3
)

// properties are a layer's interned keys and values.
type properties struct {
	keys   []string // sorted
	values [][]byte // encoded Value messages
}

// internProperties turns the features' property maps into tags.
func internProperties(fs []Feature) (properties, [][]uint32, error) {
	keySet := map[string]bool{}
	for _, f := range fs {
		for k, v := range f.Properties {
			if v != nil {
				keySet[k] = true
			}
		}
	}
	var pr properties
	for k := range keySet {
		pr.keys = append(pr.keys, k)
	}
	sort.Strings(pr.keys)
	keyIndex := make(map[string]uint32, len(pr.keys))
	for i, k := range pr.keys {
		keyIndex[k] = uint32(i)
	}
	valueIndex := map[any]uint32{}
	tags := make([][]uint32, len(fs))
	for i, f := range fs {
		t := make([]uint32, 0, 2*len(f.Properties))
		for _, k := range pr.keys {
			v, ok := f.Properties[k]
			if !ok || v == nil {
				continue
			}
			switch x := v.(type) {
			case int:
				v = int64(x)
			case int32:
				v = int64(x)
			case float32:
				v = float64(x)
			case string, int64, uint64, float64, bool:
			default:
				return properties{}, nil, fmt.Errorf("feature %d, property %s: unsupported value type %T", f.ID, k, v)
			}
			vi, seen := valueIndex[v]
			if !seen {
				enc, err := encodeValue(v)
				if err != nil {
					return properties{}, nil, fmt.Errorf("feature %d, property %s: %w", f.ID, k, err)
				}
				vi = uint32(len(pr.values))
				pr.values = append(pr.values, enc)
				valueIndex[v] = vi
			}
			t = append(t, keyIndex[k], vi)
		}
		tags[i] = t
	}
	return pr, tags, nil
}

// encodeValue encodes a Value message: strings as string_value, int64 as
// sint_value, uint64 as uint_value, float64 as double_value (finite only),
// bool as bool_value.
func encodeValue(v any) ([]byte, error) {
	var b []byte
	switch x := v.(type) {
	case string:
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, x)
	case int64:
		b = protowire.AppendTag(b, 6, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeZigZag(x))
	case uint64:
		b = protowire.AppendTag(b, 5, protowire.VarintType)
		b = protowire.AppendVarint(b, x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("not a finite number: %v", x)
		}
		b = protowire.AppendTag(b, 3, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(x))
	case bool:
		b = protowire.AppendTag(b, 7, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeBool(x))
	default:
		return nil, fmt.Errorf("unsupported value type %T", v)
	}
	return b, nil
}

// encoder builds one layer of one tile. It is reused through a pool.
type encoder struct {
	features []byte   // encoded Feature messages, each with its field tag
	msg      []byte   // the feature being written
	geom     []uint32 // its geometry commands
	tags     []uint32 // its tags, in tile-local value numbers
	local    []int32  // layer value number → tile-local number + 1 (0: unused)
	used     []uint32 // tile-local number → layer value number
	cx, cy   int64    // the geometry cursor
	n        int      // features written
}

func (e *encoder) reset(values int) {
	e.features = e.features[:0]
	for _, v := range e.used {
		e.local[v] = 0
	}
	e.used = e.used[:0]
	if cap(e.local) < values {
		e.local = make([]int32, values)
	}
	e.local = e.local[:values]
	e.n = 0
}

// beginFeature starts a feature's geometry.
func (e *encoder) beginFeature() {
	e.geom = e.geom[:0]
	e.cx, e.cy = 0, 0
}

func zigzag(v int64) uint32 { return uint32((v << 1) ^ (v >> 63)) }

func command(id, count uint32) uint32 { return id&7 | count<<3 }

// point appends the parameters of a point relative to the cursor.
func (e *encoder) point(x, y int64) {
	e.geom = append(e.geom, zigzag(x-e.cx), zigzag(y-e.cy))
	e.cx, e.cy = x, y
}

// moveTo writes a MoveTo of one point.
func (e *encoder) moveTo(p orb.Point, dx, dy, s float64) {
	e.geom = append(e.geom, command(cmdMoveTo, 1))
	e.point(int64(p[0]*s-dx), int64(p[1]*s-dy))
}

// line writes an open line of at least two distinct points: MoveTo, LineTo.
func (e *encoder) line(ls []orb.Point, dx, dy, s float64) {
	e.moveTo(ls[0], dx, dy, s)
	e.geom = append(e.geom, command(cmdLineTo, uint32(len(ls)-1)))
	for _, p := range ls[1:] {
		e.point(int64(p[0]*s-dx), int64(p[1]*s-dy))
	}
}

// ring writes an open ring: MoveTo, LineTo, ClosePath.
func (e *encoder) ring(r orb.Ring, dx, dy, s float64) {
	e.line(r, dx, dy, s)
	e.geom = append(e.geom, command(cmdClosePath, 1))
}

// endFeature writes the feature with its id and tags, if it has geometry.
func (e *encoder) endFeature(id uint64, geomType uint64, tags []uint32) {
	if len(e.geom) == 0 {
		return
	}
	e.tags = e.tags[:0]
	for i := 0; i+1 < len(tags); i += 2 {
		v := tags[i+1]
		l := e.local[v]
		if l == 0 {
			e.used = append(e.used, v)
			l = int32(len(e.used))
			e.local[v] = l
		}
		e.tags = append(e.tags, tags[i], uint32(l-1))
	}
	m := e.msg[:0]
	m = protowire.AppendTag(m, 1, protowire.VarintType)
	m = protowire.AppendVarint(m, id)
	if len(e.tags) > 0 {
		m = appendPacked(m, 2, e.tags)
	}
	m = protowire.AppendTag(m, 3, protowire.VarintType)
	m = protowire.AppendVarint(m, geomType)
	m = appendPacked(m, 4, e.geom)
	e.msg = m
	e.features = protowire.AppendTag(e.features, 2, protowire.BytesType)
	e.features = protowire.AppendBytes(e.features, m)
	e.n++
}

func appendPacked(b []byte, num protowire.Number, vs []uint32) []byte {
	n := 0
	for _, v := range vs {
		n += protowire.SizeVarint(uint64(v))
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(n))
	for _, v := range vs {
		b = protowire.AppendVarint(b, uint64(v))
	}
	return b
}

// tile assembles the tile: one layer of version 2 with the features
// written, the keys and the values they use, and the extent; nil when no
// feature was written.
func (e *encoder) tile(name string, pr *properties) []byte {
	if e.n == 0 {
		return nil
	}
	size := 2 + 1 + protowire.SizeBytes(len(name)) + len(e.features) + 1 + protowire.SizeVarint(Extent)
	for _, k := range pr.keys {
		size += 1 + protowire.SizeBytes(len(k))
	}
	for _, v := range e.used {
		size += 1 + protowire.SizeBytes(len(pr.values[v]))
	}
	out := make([]byte, 0, 1+protowire.SizeBytes(size))
	out = protowire.AppendTag(out, 3, protowire.BytesType)
	out = protowire.AppendVarint(out, uint64(size))
	start := len(out)
	out = protowire.AppendTag(out, 15, protowire.VarintType)
	out = protowire.AppendVarint(out, 2)
	out = protowire.AppendTag(out, 1, protowire.BytesType)
	out = protowire.AppendString(out, name)
	out = append(out, e.features...)
	for _, k := range pr.keys {
		out = protowire.AppendTag(out, 3, protowire.BytesType)
		out = protowire.AppendString(out, k)
	}
	for _, v := range e.used {
		out = protowire.AppendTag(out, 4, protowire.BytesType)
		out = protowire.AppendBytes(out, pr.values[v])
	}
	out = protowire.AppendTag(out, 5, protowire.VarintType)
	out = protowire.AppendVarint(out, Extent)
	if len(out)-start != size {
		panic(fmt.Sprintf("tiles: layer size %d, computed %d", len(out)-start, size))
	}
	return out
}

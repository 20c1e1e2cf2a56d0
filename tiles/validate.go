package tiles

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"google.golang.org/protobuf/encoding/protowire"

	"diming"
)

// Rules choose what Validate checks.
type Rules int

const (
	// SpecRules are the rules of version 2.1 of the Mapbox Vector Tile
	// specification that a decoder can check — the ones the
	// @mapbox/mvt-fixtures suite encodes: the protobuf schema (wire types,
	// required fields, no unknown fields outside the extension ranges, one
	// value per Value message), unique layer names, versions 1 or 2, tags
	// in pairs pointing at existing keys and values, and the geometry
	// command grammar of each type (POINT: one MoveTo; LINESTRING: MoveTo
	// 1 then LineTo ≥ 1, no ClosePath; POLYGON: MoveTo 1, LineTo ≥ 2,
	// ClosePath 1 per ring, the first ring exterior), with no zero-length
	// LineTo and no ring repeating its first point before ClosePath.
	SpecRules Rules = iota
	// EncoderRules add what the tiles of this package promise: layer
	// version 2, the extent written and equal to Extent, a name, at least
	// one feature per layer and a known geometry type, no extension
	// fields, a non-zero id unique in the layer on every feature, keys and
	// values listed once and a key at most once per feature, finite
	// numbers, coordinates within the tile plus Buffer, and polygons that
	// are valid: no ring of zero area, no ring crossing or touching itself
	// or another ring, interior rings inside their exterior ring.
	EncoderRules
)

func invalidTile(zh, en string, args ...any) error {
	return diming.Errorf(diming.EINVALID, "矢量瓦片无效："+zh, "invalid vector tile: "+en, args...)
}

// Validate decodes an encoded (not gzipped) tile and checks it against the
// rules; the error says what is wrong and where.
func Validate(data []byte, rules Rules) error {
	names := map[string]bool{}
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return invalidTile("无法读取字段标签", "cannot read a field tag")
		}
		data = data[n:]
		switch {
		case num == 3 && typ == protowire.BytesType:
			b, n := protowire.ConsumeBytes(data)
			if n < 0 {
				return invalidTile("图层被截断", "truncated layer")
			}
			data = data[n:]
			name, err := validateLayer(b, rules)
			if err != nil {
				return err
			}
			if names[name] {
				return invalidTile("图层名 %q 重复", "two layers named %q", name)
			}
			names[name] = true
		case num >= 16 && num <= 8191 && rules == SpecRules:
			n := protowire.ConsumeFieldValue(num, typ, data)
			if n < 0 {
				return invalidTile("扩展字段 %d 被截断", "truncated extension field %d", num)
			}
			data = data[n:]
		default:
			return invalidTile("瓦片有未知字段 %d（类型 %d）", "unknown tile field %d (wire type %d)", num, typ)
		}
	}
	return nil
}

type rawFeature struct {
	id                   uint64
	hasID, hasType       bool
	typ                  uint64
	tags, geometry       []uint32
	hasTags, hasGeometry bool
}

// validateLayer checks one layer and returns its name.
func validateLayer(data []byte, rules Rules) (string, error) {
	var (
		name       string
		hasName    bool
		version    uint64
		hasVersion bool
		extent     uint64 = Extent
		hasExtent  bool
		keys       []string
		values     int
		valueSeen  = map[string]bool{}
		features   []rawFeature
	)
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return "", invalidTile("无法读取图层字段", "cannot read a layer field")
		}
		data = data[n:]
		bad := func() (string, error) {
			return "", invalidTile("图层字段 %d 的类型 %d 不对", "layer field %d has the wrong wire type %d", num, typ)
		}
		switch num {
		case 15, 5: // version, extent
			if typ != protowire.VarintType {
				return bad()
			}
			v, n := protowire.ConsumeVarint(data)
			if n < 0 {
				return "", invalidTile("图层字段 %d 被截断", "truncated layer field %d", num)
			}
			data = data[n:]
			if num == 15 {
				version, hasVersion = v, true
			} else {
				extent, hasExtent = v, true
			}
		case 1, 3: // name, keys
			if typ != protowire.BytesType {
				return bad()
			}
			b, n := protowire.ConsumeBytes(data)
			if n < 0 || !utf8.Valid(b) {
				return "", invalidTile("图层字段 %d 不是 UTF-8 字符串", "layer field %d is not a UTF-8 string", num)
			}
			data = data[n:]
			if num == 1 {
				name, hasName = string(b), true
			} else {
				keys = append(keys, string(b))
			}
		case 4: // values
			if typ != protowire.BytesType {
				return bad()
			}
			b, n := protowire.ConsumeBytes(data)
			if n < 0 {
				return "", invalidTile("值被截断", "truncated value")
			}
			data = data[n:]
			canon, err := validateValue(b, rules)
			if err != nil {
				return "", err
			}
			if rules == EncoderRules && valueSeen[canon] {
				return "", invalidTile("值重复出现在值表中", "a value is listed twice")
			}
			valueSeen[canon] = true
			values++
		case 2: // features
			if typ != protowire.BytesType {
				return bad()
			}
			b, n := protowire.ConsumeBytes(data)
			if n < 0 {
				return "", invalidTile("要素被截断", "truncated feature")
			}
			data = data[n:]
			f, err := parseFeature(b)
			if err != nil {
				return "", err
			}
			features = append(features, f)
		default:
			if num < 16 || rules == EncoderRules {
				return "", invalidTile("图层有未知字段 %d", "unknown layer field %d", num)
			}
			n := protowire.ConsumeFieldValue(num, typ, data)
			if n < 0 {
				return "", invalidTile("扩展字段 %d 被截断", "truncated extension field %d", num)
			}
			data = data[n:]
		}
	}
	if !hasName {
		return "", invalidTile("图层没有名称", "a layer has no name")
	}
	if !hasVersion || version < 1 || version > 2 {
		return "", invalidTile("图层 %q 的版本缺失或无效（%d）", "layer %q: missing or unknown version (%d)", name, version)
	}
	if extent == 0 || extent > math.MaxInt32 {
		return "", invalidTile("图层 %q 的范围 extent=%d 无效", "layer %q: invalid extent %d", name, extent)
	}
	if rules == EncoderRules {
		switch {
		case name == "":
			return "", invalidTile("图层名称为空", "a layer's name is empty")
		case version != 2:
			return "", invalidTile("图层 %q 的版本是 %d，应为 2", "layer %q: version %d, want 2", name, version)
		case !hasExtent || extent != Extent:
			return "", invalidTile("图层 %q 没有写明范围 %d", "layer %q: extent not written as %d", name, Extent)
		case len(features) == 0:
			return "", invalidTile("图层 %q 没有要素", "layer %q has no features", name)
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				return "", invalidTile("图层 %q 的键 %q 重复", "layer %q: key %q listed twice", name, k)
			}
			seen[k] = true
		}
	}
	ids := map[uint64]bool{}
	for i, f := range features {
		if err := checkFeature(f, len(keys), values, int64(extent), rules); err != nil {
			zh, en := diming.Messages(err)
			zh, en = strings.TrimPrefix(zh, "矢量瓦片无效："), strings.TrimPrefix(en, "invalid vector tile: ")
			return "", &diming.Error{Code: diming.EINVALID,
				Message:   fmt.Sprintf("矢量瓦片无效：图层 %q 第 %d 个要素：%s", name, i, zh),
				MessageEN: fmt.Sprintf("invalid vector tile: layer %q, feature %d: %s", name, i, en)}
		}
		if rules == EncoderRules {
			if !f.hasID || f.id == 0 || ids[f.id] {
				return "", invalidTile("图层 %q 第 %d 个要素的编号缺失、为 0 或重复（%d）", "layer %q, feature %d: id missing, zero or repeated (%d)", name, i, f.id)
			}
			ids[f.id] = true
		}
	}
	return name, nil
}

// validateValue checks a Value message: exactly one of its seven fields,
// with its wire type. It returns a canonical form for spotting repeats.
func validateValue(data []byte, rules Rules) (string, error) {
	var canon string
	fields := 0
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return "", invalidTile("无法读取值字段", "cannot read a value field")
		}
		data = data[n:]
		var want protowire.Type
		switch num {
		case 1:
			want = protowire.BytesType
		case 2:
			want = protowire.Fixed32Type
		case 3:
			want = protowire.Fixed64Type
		case 4, 5, 6, 7:
			want = protowire.VarintType
		default:
			return "", invalidTile("值有规范之外的字段 %d", "a value has field %d, which the specification does not define", num)
		}
		if typ != want {
			return "", invalidTile("值字段 %d 的类型 %d 不对", "value field %d has the wrong wire type %d", num, typ)
		}
		n = protowire.ConsumeFieldValue(num, typ, data)
		if n < 0 {
			return "", invalidTile("值字段 %d 被截断", "truncated value field %d", num)
		}
		raw := data[:n]
		data = data[n:]
		if num == 1 {
			if str, _ := protowire.ConsumeBytes(raw); !utf8.Valid(str) {
				return "", invalidTile("字符串值不是 UTF-8", "a string value is not UTF-8")
			}
		}
		if rules == EncoderRules {
			switch num {
			case 2:
				v, _ := protowire.ConsumeFixed32(raw)
				if f := math.Float32frombits(v); math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
					return "", invalidTile("浮点值不是有限数", "a float value is not finite")
				}
			case 3:
				v, _ := protowire.ConsumeFixed64(raw)
				if f := math.Float64frombits(v); math.IsNaN(f) || math.IsInf(f, 0) {
					return "", invalidTile("浮点值不是有限数", "a double value is not finite")
				}
			}
		}
		canon = string(rune('0'+num)) + string(raw)
		fields++
	}
	if fields != 1 {
		return "", invalidTile("值应恰有一个字段，却有 %d 个", "a value must hold exactly one field, not %d", fields)
	}
	return canon, nil
}

// parseFeature reads a Feature message; each field may appear once.
func parseFeature(data []byte) (rawFeature, error) {
	var f rawFeature
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return f, invalidTile("无法读取要素字段", "cannot read a feature field")
		}
		data = data[n:]
		switch num {
		case 1, 3: // id, type
			if typ != protowire.VarintType {
				return f, invalidTile("要素字段 %d 的类型 %d 不对", "feature field %d has the wrong wire type %d", num, typ)
			}
			v, n := protowire.ConsumeVarint(data)
			if n < 0 {
				return f, invalidTile("要素字段 %d 被截断", "truncated feature field %d", num)
			}
			data = data[n:]
			if num == 1 {
				if f.hasID {
					return f, invalidTile("要素有两个编号", "a feature has two ids")
				}
				f.id, f.hasID = v, true
			} else {
				if f.hasType {
					return f, invalidTile("要素有两个几何类型", "a feature has two geometry types")
				}
				f.typ, f.hasType = v, true
			}
		case 2, 4: // tags, geometry: packed uint32
			if typ != protowire.BytesType {
				return f, invalidTile("要素字段 %d 应为紧凑编码的整数列表", "feature field %d must be a packed list", num)
			}
			b, n := protowire.ConsumeBytes(data)
			if n < 0 {
				return f, invalidTile("要素字段 %d 被截断", "truncated feature field %d", num)
			}
			data = data[n:]
			var list []uint32
			for len(b) > 0 {
				v, n := protowire.ConsumeVarint(b)
				if n < 0 || v > math.MaxUint32 {
					return f, invalidTile("要素字段 %d 含无效整数", "feature field %d holds an invalid integer", num)
				}
				list = append(list, uint32(v))
				b = b[n:]
			}
			if num == 2 {
				if f.hasTags {
					return f, invalidTile("要素有两个属性字段", "a feature has two tags fields")
				}
				f.tags, f.hasTags = list, true
			} else {
				if f.hasGeometry {
					return f, invalidTile("要素有两个几何字段", "a feature has two geometry fields")
				}
				f.geometry, f.hasGeometry = list, true
			}
		default:
			return f, invalidTile("要素有未知字段 %d", "unknown feature field %d", num)
		}
	}
	return f, nil
}

const (
	cmdMoveTo    = 1
	cmdLineTo    = 2
	cmdClosePath = 7
)

// checkFeature checks a feature's tags and geometry.
func checkFeature(f rawFeature, keys, values int, extent int64, rules Rules) error {
	if !f.hasType {
		return invalidTile("缺少几何类型", "no geometry type")
	}
	if f.typ > 3 {
		return invalidTile("几何类型 %d 未定义", "undefined geometry type %d", f.typ)
	}
	if !f.hasGeometry {
		return invalidTile("缺少几何字段", "no geometry")
	}
	if len(f.tags)%2 != 0 {
		return invalidTile("属性数 %d 不是偶数", "odd number of tags (%d)", len(f.tags))
	}
	usedKeys := map[uint32]bool{}
	for i := 0; i < len(f.tags); i += 2 {
		k, v := f.tags[i], f.tags[i+1]
		if int(k) >= keys || int(v) >= values {
			return invalidTile("属性指向不存在的键 %d 或值 %d", "a tag points at a missing key %d or value %d", k, v)
		}
		if rules == EncoderRules && usedKeys[k] {
			return invalidTile("键 %d 出现两次", "key %d used twice", k)
		}
		usedKeys[k] = true
	}
	switch f.typ {
	case 0:
		if rules == EncoderRules {
			return invalidTile("几何类型为 UNKNOWN", "geometry type UNKNOWN")
		}
		return nil
	case 1:
		return checkPoints(f.geometry, extent, rules)
	case 2:
		return checkLines(f.geometry, extent, rules)
	}
	return checkPolygons(f.geometry, extent, rules)
}

// geomReader walks a geometry's commands.
type geomReader struct {
	g      []uint32
	x, y   int64
	extent int64
	rules  Rules
}

func (r *geomReader) command() (id, count uint32, ok bool) {
	if len(r.g) == 0 {
		return 0, 0, false
	}
	c := r.g[0]
	r.g = r.g[1:]
	return c & 7, c >> 3, true
}

// points reads count parameter pairs, moving the cursor.
func (r *geomReader) points(count uint32) ([]orb.Point, error) {
	if uint64(count)*2 > uint64(len(r.g)) {
		return nil, invalidTile("命令要 %d 个点，只剩 %d 个参数", "a command wants %d points but %d parameters are left", count, len(r.g))
	}
	out := make([]orb.Point, count)
	for i := range out {
		dx, dy := unzigzag(r.g[0]), unzigzag(r.g[1])
		r.g = r.g[2:]
		r.x += dx
		r.y += dy
		if r.rules == EncoderRules && (r.x < -Buffer || r.x > r.extent+Buffer || r.y < -Buffer || r.y > r.extent+Buffer) {
			return nil, invalidTile("坐标 (%d, %d) 超出瓦片及缓冲区", "coordinate (%d, %d) beyond the tile and its buffer", r.x, r.y)
		}
		out[i] = orb.Point{float64(r.x), float64(r.y)}
	}
	return out, nil
}

func unzigzag(v uint32) int64 { return int64(int32(v>>1) ^ -int32(v&1)) }

func checkPoints(g []uint32, extent int64, rules Rules) error {
	r := &geomReader{g: g, extent: extent, rules: rules}
	id, count, ok := r.command()
	if !ok || id != cmdMoveTo || count == 0 {
		return invalidTile("点几何应以计数大于 0 的 MoveTo 开始", "a point geometry must be one MoveTo with a count above 0")
	}
	if _, err := r.points(count); err != nil {
		return err
	}
	if len(r.g) != 0 {
		return invalidTile("点几何在 MoveTo 之后还有 %d 个整数", "%d integers after a point geometry's MoveTo", len(r.g))
	}
	return nil
}

// lineTo reads a LineTo of at least min points, none repeating the cursor.
func (r *geomReader) lineTo(min uint32) ([]orb.Point, error) {
	id, count, ok := r.command()
	if !ok || id != cmdLineTo || count < min {
		return nil, invalidTile("MoveTo 之后应是计数至少为 %d 的 LineTo（命令 %d，计数 %d）", "MoveTo must be followed by a LineTo with a count of at least %d (command %d, count %d)", min, id, count)
	}
	x, y := r.x, r.y
	pts, err := r.points(count)
	if err != nil {
		return nil, err
	}
	for _, p := range pts {
		if int64(p[0]) == x && int64(p[1]) == y {
			return nil, invalidTile("LineTo 的位移为零（%d, %d）", "a zero-length LineTo at (%d, %d)", x, y)
		}
		x, y = int64(p[0]), int64(p[1])
	}
	return pts, nil
}

// moveTo1 reads a MoveTo with a count of 1, which starts a line or a ring.
func (r *geomReader) moveTo1() (orb.Point, error) {
	id, count, _ := r.command()
	if id != cmdMoveTo || count != 1 {
		return orb.Point{}, invalidTile("线或环应以计数为 1 的 MoveTo 开始（命令 %d，计数 %d）", "a line or ring must start with a MoveTo of count 1 (command %d, count %d)", id, count)
	}
	pts, err := r.points(1)
	if err != nil {
		return orb.Point{}, err
	}
	return pts[0], nil
}

func checkLines(g []uint32, extent int64, rules Rules) error {
	r := &geomReader{g: g, extent: extent, rules: rules}
	if len(g) == 0 {
		return invalidTile("线几何为空", "empty linestring geometry")
	}
	for len(r.g) > 0 {
		if _, err := r.moveTo1(); err != nil {
			return err
		}
		if _, err := r.lineTo(1); err != nil {
			return err
		}
	}
	return nil
}

func checkPolygons(g []uint32, extent int64, rules Rules) error {
	r := &geomReader{g: g, extent: extent, rules: rules}
	if len(g) == 0 {
		return invalidTile("面几何为空", "empty polygon geometry")
	}
	var polys [][]orb.Ring
	for len(r.g) > 0 {
		first, err := r.moveTo1()
		if err != nil {
			return err
		}
		rest, err := r.lineTo(2)
		if err != nil {
			return err
		}
		id, count, ok := r.command()
		if !ok || id != cmdClosePath || count != 1 {
			return invalidTile("环应以计数为 1 的 ClosePath 结束", "a ring must end with a ClosePath of count 1")
		}
		if last := rest[len(rest)-1]; last == first {
			return invalidTile("环在 ClosePath 前重复了起点", "a ring repeats its first point before ClosePath")
		}
		ring := append(orb.Ring{first}, rest...)
		a := area2(ring)
		switch {
		case a > 0:
			polys = append(polys, []orb.Ring{ring})
		case len(polys) == 0:
			return invalidTile("第一个环不是外环（面积 %.1f 不为正）", "the first ring is not exterior (area %.1f is not positive)", a/2)
		case a == 0 && rules == EncoderRules:
			return invalidTile("环的面积为零", "a ring has zero area")
		default:
			polys[len(polys)-1] = append(polys[len(polys)-1], ring)
		}
	}
	if rules == EncoderRules {
		for i, p := range polys {
			if !polygonValid(p) {
				return invalidTile("第 %d 个面自相交、环相接或内环不在外环内", "polygon %d: a ring crosses or touches itself or another ring, or an interior ring is outside", i)
			}
		}
	}
	return nil
}

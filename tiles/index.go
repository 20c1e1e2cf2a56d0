package tiles

import (
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"
	"github.com/tidwall/rtree"

	"diming"
	"diming/geo"
)

// Kind is the geometry kind of a layer.
type Kind string

// The geometry kinds.
const (
	Point   Kind = "point"
	Line    Kind = "line"
	Polygon Kind = "polygon"
)

// MaxZoom is the deepest zoom the service renders. Layers say up to which
// zoom a map should ask (Layer.MaxZoom, 16); deeper tiles, to MaxZoom, are
// rendered from the same data at full detail.
const MaxZoom = 18

// DefaultMaxTileBytes is the default size cap of an encoded tile (before gzip).
const DefaultMaxTileBytes = 500 << 10

// harderSteps is how many coarser generalisations Render tries, each with
// twice the tolerance, when a tile is over the size cap.
const harderSteps = 4

// Feature is one feature of a layer as the read model gives it: a
// geometry in lon/lat (WGS84), an id and the properties a map needs.
// Properties hold strings, int64, float64 and bool values only.
type Feature struct {
	ID         uint64
	Geometry   orb.Geometry // Point, LineString, MultiLineString, Polygon or MultiPolygon
	Properties map[string]any
}

// Index is one layer's features ready for tiling: projected to world
// coordinates (Web Mercator on the unit square, y down), with an R-tree
// over their boxes so a tile touches only its own features, their
// properties interned, and, per zoom on first use, generalised and snapped
// to that zoom's pixel grid once for the whole layer (so neighbouring tiles
// agree along their common edge and a tile has only to cut and encode). It
// is immutable once built (the per-zoom levels are built behind a
// sync.Once) and safe for concurrent use.
type Index struct {
	name   string
	kind   Kind
	feats  []indexed
	props  properties
	tree   rtree.RTreeG[int32]
	world  orb.Bound // of every feature; empty when there are none
	levels [MaxZoom + 1]level
}

type indexed struct {
	id    uint64
	tags  []uint32     // (key, value) numbers into the layer's properties
	geom  orb.Geometry // world coordinates
	bound orb.Bound    // world coordinates
}

// level is one zoom's generalisation of a layer: every feature's geometry
// simplified (Douglas–Peucker at Tolerance(z)), on the zoom's global pixel
// grid (world × 2^z × Extent), snapped, cleaned and valid, with the box of
// each part. Points have no level; they are projected per tile.
type level struct {
	once  sync.Once
	parts [][]part // per feature
	// repaired and dropped count polygons snapping made invalid.
	repaired, dropped int
}

// part is one polygon (open rings, exterior first, wound as MVT wants) or
// one line of a feature, on a level's grid.
type part struct {
	rings []orb.Ring // polygons
	line  orb.LineString
	bound orb.Bound
}

// NewIndex builds the index of a layer named name from features of one
// kind. Features whose geometry does not fit the kind, or is empty, are
// left out; it returns an error naming the first such feature, with the
// index of the others.
func NewIndex(name string, kind Kind, fs []Feature) (*Index, error) {
	ix := &Index{name: name, kind: kind}
	pr, tags, err := internProperties(fs)
	if err != nil {
		return nil, diming.Wrap(err, diming.EINTERNAL, "图层 %s 的属性无法编码", "layer %s: cannot encode a property", name)
	}
	ix.props = pr
	var bad error
	for i, f := range fs {
		g := worldGeometry(f.Geometry)
		if g == nil || !fits(kind, g) {
			if bad == nil {
				bad = diming.Errorf(diming.EINTERNAL, "图层 %s 的要素 %d 的几何类型不符", "layer %s: feature %d has a geometry of the wrong kind (%T)", name, f.ID, f.Geometry)
			}
			continue
		}
		b := g.Bound()
		ix.tree.Insert(b.Min, b.Max, int32(len(ix.feats)))
		if len(ix.feats) == 0 {
			ix.world = b
		} else {
			ix.world = ix.world.Union(b)
		}
		ix.feats = append(ix.feats, indexed{id: f.ID, tags: tags[i], geom: g, bound: b})
	}
	return ix, bad
}

func fits(kind Kind, g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.Point:
		return kind == Point
	case orb.LineString:
		return kind == Line && len(g) >= 2
	case orb.MultiLineString:
		return kind == Line && len(g) > 0
	case orb.Polygon:
		return kind == Polygon && len(g) > 0
	case orb.MultiPolygon:
		return kind == Polygon && len(g) > 0
	}
	return false
}

// Len is the number of features.
func (ix *Index) Len() int { return len(ix.feats) }

// Bound is the lon/lat box of the features, and false when there are none.
func (ix *Index) Bound() (orb.Bound, bool) {
	if len(ix.feats) == 0 {
		return orb.Bound{}, false
	}
	return orb.Bound{Min: fromWorld(orb.Point{ix.world.Min[0], ix.world.Max[1]}), Max: fromWorld(orb.Point{ix.world.Max[0], ix.world.Min[1]})}, true
}

// Tolerance is the Douglas–Peucker tolerance, in tile units (1/4096 of a
// tile), of the generalisation used at zoom z: one unit from zoom 10 on,
// stronger below (two units at zooms 8 and 9, four below), where a tile
// covers a larger area and detail of a few units is invisible; a z8 tile of
// all the district's villages stays a few tens of kilobytes. Rings smaller
// than MinArea(z) are dropped.
func Tolerance(z int) float64 {
	switch {
	case z >= 10:
		return 1
	case z >= 8:
		return 2
	}
	return 4
}

// MinArea is the area in tile units² under which a ring is dropped at zoom z.
func MinArea(z int) float64 { t := Tolerance(z); return t * t }

// level returns the layer's generalisation for zoom z, building it on first
// use.
func (ix *Index) level(z int) *level {
	lv := &ix.levels[z]
	lv.once.Do(func() {
		scale := float64(uint64(1)<<z) * Extent
		tol := Tolerance(z) / scale
		minArea := MinArea(z)
		lv.parts = make([][]part, len(ix.feats))
		for i, f := range ix.feats {
			var ps []part
			if ix.kind == Polygon {
				mp, _ := f.geom.(orb.MultiPolygon)
				if p, ok := f.geom.(orb.Polygon); ok {
					mp = orb.MultiPolygon{p}
				}
				for _, p := range mp {
					polys, rep, drop := levelPolygons(p, tol, scale, minArea)
					lv.repaired += rep
					lv.dropped += drop
					for _, rings := range polys {
						ps = append(ps, part{rings: rings, bound: rings[0].Bound()})
					}
				}
				lv.parts[i] = ps
				continue
			}
			switch g := generalise(f.geom, tol).(type) {
			case orb.LineString:
				if l := levelLine(g, scale); l != nil {
					ps = append(ps, part{line: l, bound: l.Bound()})
				}
			case orb.MultiLineString:
				for _, ls := range g {
					if l := levelLine(ls, scale); l != nil {
						ps = append(ps, part{line: l, bound: l.Bound()})
					}
				}
			}
			lv.parts[i] = ps
		}
	})
	return lv
}

// levelPolygons generalises one polygon (world coordinates) at tolerance tol
// and puts it on a zoom's grid (levelPolygon). When the grid leaves it
// invalid beyond what cutting at pinches repairs — edges of a wiggly outline
// within a unit of each other crossing once snapped — it tries again with
// twice the tolerance, up to eight times the zoom's, which smooths such
// wiggles away; only then is the polygon dropped.
func levelPolygons(p orb.Polygon, tol, scale, minArea float64) (polys [][]orb.Ring, repaired, dropped int) {
	for t := tol; ; t *= 2 {
		polys, repaired, dropped = nil, 0, 0
		for _, g := range generalisePolygons(orb.MultiPolygon{p}, t) {
			ps, rep, drop := levelPolygon(g, scale, minArea)
			polys = append(polys, ps...)
			repaired += rep
			dropped += drop
		}
		if dropped == 0 || t >= 8*tol {
			if t > tol && dropped == 0 {
				repaired++
			}
			return polys, repaired, dropped
		}
	}
}

// generalise simplifies g (world coordinates) by Douglas–Peucker with
// tolerance tol. A polygon that simplification made invalid is simplified
// again with half the tolerance, then a quarter, and kept as it was when
// that does not help, so generalisation never makes a valid polygon invalid.
func generalise(g orb.Geometry, tol float64) orb.Geometry {
	switch g := g.(type) {
	case orb.LineString:
		return simplify.DouglasPeucker(tol).LineString(slices.Clone(g))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, ls := range g {
			out[i] = simplify.DouglasPeucker(tol).LineString(slices.Clone(ls))
		}
		return out
	case orb.Polygon:
		return generalisePolygons(orb.MultiPolygon{g}, tol)
	case orb.MultiPolygon:
		return generalisePolygons(g, tol)
	}
	return g
}

func generalisePolygons(mp orb.MultiPolygon, tol float64) orb.MultiPolygon {
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, p := range mp {
		var s orb.Polygon
		for t := tol; t >= tol/4; t /= 2 {
			s = simplifyPolygon(p, t)
			if s == nil || geo.ToSF(orb.MultiPolygon{s}).Validate() == nil {
				break
			}
			s = p
		}
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

// simplifyPolygon simplifies each ring; holes that collapse are dropped, and
// nil means the exterior collapsed (the polygon is below the tolerance).
func simplifyPolygon(p orb.Polygon, tol float64) orb.Polygon {
	out := make(orb.Polygon, 0, len(p))
	for i, r := range p {
		s := simplify.DouglasPeucker(tol).Ring(slices.Clone(r))
		if len(s) < 4 {
			if i == 0 {
				return nil
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// LevelRepairs returns how many polygons of the layer's generalisation for
// zoom z snapping to the grid made invalid: repaired, or dropped.
func (ix *Index) LevelRepairs(z int) (repaired, dropped int) {
	lv := ix.level(z)
	return lv.repaired, lv.dropped
}

// Stats says what rendering a tile did.
type Stats struct {
	Features int // features in the tile
	Bytes    int // encoded size (before gzip)
	// Generalisation is the zoom whose generalisation the tile was drawn
	// with: the tile's zoom, or lower when the size cap forced a coarser one.
	Generalisation int
	// OverCap says the tile is over the size cap even at the coarsest
	// generalisation tried; it is served anyway.
	OverCap bool
	// Repaired and Dropped count clipped polygons that snapping the new
	// border points to the grid made invalid: repaired (cut at pinches) or,
	// failing that, left out. (LevelRepairs counts the same for the
	// zoom's generalisation, done once for the layer.)
	Repaired, Dropped int
}

// RenderOptions tune Render.
type RenderOptions struct {
	// MaxBytes is the size cap (DefaultMaxTileBytes when 0).
	MaxBytes int
}

// Render draws the tile t as a Mapbox Vector Tile (version 2) holding one
// layer named after the index, or returns nil when no feature reaches the
// tile. The pipeline: the features the R-tree finds in the tile plus its
// buffer; their geometry generalised for the zoom (Douglas–Peucker at
// Tolerance(z) in world coordinates, then projected to the zoom's pixel
// grid, snapped to integers, cleaned of what the grid leaves degenerate —
// repeated and collinear points, spikes, rings under MinArea(z) — wound as
// MVT 2.1 wants and checked for validity: all done once per zoom for the
// whole layer); clipped to the tile plus Buffer (parts wholly inside are
// taken as they are; the others are cut with clipRings, their new border
// points snapped, and checked again); encoded with the feature's id and
// properties. A tile over the size cap is drawn again from the
// generalisation of the zoom above (twice the tolerance, on a grid twice as
// coarse), up to four times; if it is still over, the smallest attempt is
// returned with Stats.OverCap set.
func (ix *Index) Render(t maptile.Tile, opt RenderOptions) ([]byte, Stats, error) {
	if int(t.Z) > MaxZoom || !t.Valid() {
		return nil, Stats{}, diming.Errorf(diming.EINVALID, "瓦片坐标 %d/%d/%d 无效", "invalid tile %d/%d/%d", t.Z, t.X, t.Y)
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxTileBytes
	}
	z := int(t.Z)
	tr := newTransform(t)
	box := tr.world()
	r := renderers.Get().(*renderer)
	defer renderers.Put(r)
	r.ids = r.ids[:0]
	ix.tree.Search(box.Min, box.Max, func(_, _ [2]float64, i int32) bool {
		r.ids = append(r.ids, i)
		return true
	})
	if len(r.ids) == 0 {
		return nil, Stats{Generalisation: z}, nil
	}
	slices.Sort(r.ids)
	var best []byte
	var bestStats Stats
	for lv := z; lv >= 0 && lv >= z-harderSteps; lv-- {
		data, st := ix.encode(r, t, lv)
		if best == nil || len(data) < len(best) {
			best, bestStats = data, st
		}
		if len(data) <= opt.MaxBytes || ix.kind == Point {
			break
		}
	}
	bestStats.OverCap = len(best) > opt.MaxBytes
	return best, bestStats, nil
}

// renderer is the scratch space of one Render.
type renderer struct {
	ids   []int32
	enc   encoder
	rings []orb.Ring
	pts   []orb.Point
}

var renderers = sync.Pool{New: func() any { return new(renderer) }}

// encode draws the features r.ids of tile t with the generalisation of
// zoom lv (lv <= t.Z).
func (ix *Index) encode(r *renderer, t maptile.Tile, lv int) ([]byte, Stats) {
	st := Stats{Generalisation: lv}
	e := &r.enc
	e.reset(len(ix.props.values))
	// A level-lv grid point p is at p × s − (dx, dy) in the tile.
	s := float64(uint64(1) << (int(t.Z) - lv))
	dx, dy := float64(t.X)*Extent, float64(t.Y)*Extent
	var lvl *level
	if ix.kind != Point {
		lvl = ix.level(lv)
	}
	minArea := MinArea(lv)
	tr := newTransform(t)
	for _, i := range r.ids {
		f := &ix.feats[i]
		e.beginFeature()
		switch ix.kind {
		case Point:
			p := snap(tr.point(f.geom.(orb.Point)))
			if clipBox.Contains(p) {
				e.moveTo(p, 0, 0, 1)
			}
			e.endFeature(f.id, geomPoint, f.tags)
		case Line:
			for _, pt := range lvl.parts[i] {
				b := orb.Bound{Min: orb.Point{pt.bound.Min[0]*s - dx, pt.bound.Min[1]*s - dy}, Max: orb.Point{pt.bound.Max[0]*s - dx, pt.bound.Max[1]*s - dy}}
				switch {
				case !b.Intersects(clipBox):
				case clipBox.Contains(b.Min) && clipBox.Contains(b.Max):
					e.line(pt.line, dx, dy, s)
				default:
					px := make(orb.LineString, len(pt.line))
					for k, p := range pt.line {
						px[k] = orb.Point{p[0]*s - dx, p[1]*s - dy}
					}
					for _, l := range clipLine(nil, px) {
						e.line(l, 0, 0, 1)
					}
				}
			}
			e.endFeature(f.id, geomLineString, f.tags)
		case Polygon:
			for _, pt := range lvl.parts[i] {
				b := orb.Bound{Min: orb.Point{pt.bound.Min[0]*s - dx, pt.bound.Min[1]*s - dy}, Max: orb.Point{pt.bound.Max[0]*s - dx, pt.bound.Max[1]*s - dy}}
				switch {
				case !b.Intersects(clipBox):
				case clipBox.Contains(b.Min) && clipBox.Contains(b.Max):
					for _, ring := range pt.rings {
						e.ring(ring, dx, dy, s)
					}
				default:
					rep, drop := r.clipPolygon(pt.rings, dx, dy, s, minArea)
					st.Repaired += rep
					st.Dropped += drop
				}
			}
			e.endFeature(f.id, geomPolygon, f.tags)
		}
	}
	st.Features = e.n
	data := e.tile(ix.name, &ix.props)
	st.Bytes = len(data)
	return data, st
}

// clipPolygon clips one polygon part of a level to the tile and writes what
// is left: the border points clipping makes are snapped, the rings cleaned
// again, and each resulting polygon checked (and repaired) as on the level.
func (r *renderer) clipPolygon(rings []orb.Ring, dx, dy, s, minArea float64) (repaired, dropped int) {
	r.rings = r.rings[:0]
	r.pts = r.pts[:0]
	for _, ring := range rings {
		start := len(r.pts)
		for _, p := range ring {
			r.pts = append(r.pts, orb.Point{p[0]*s - dx, p[1]*s - dy})
		}
		r.rings = append(r.rings, orb.Ring(r.pts[start:len(r.pts):len(r.pts)]))
	}
	for _, p := range clipRings(r.rings) {
		snapped, ok := snapPolygon(p, minArea)
		if !ok {
			continue
		}
		polys := [][]orb.Ring{snapped}
		if !polygonValid(snapped) {
			if polys = repairPolygon(snapped, minArea); len(polys) == 0 {
				dropped++
			} else {
				repaired++
			}
		}
		for _, poly := range polys {
			for _, ring := range poly {
				r.enc.ring(ring, 0, 0, 1)
			}
		}
	}
	return repaired, dropped
}

// CheckTile checks tile coordinates given by people: z from 0 to MaxZoom,
// x and y from 0 to 2^z − 1. Errors are EINVALID.
func CheckTile(z, x, y int) (maptile.Tile, error) {
	if z < 0 || z > MaxZoom {
		return maptile.Tile{}, diming.Errorf(diming.EINVALID, "缩放级别 z=%d 超出范围（0 至 %d）", "zoom z=%d is out of range (0 to %d)", z, MaxZoom)
	}
	n := 1 << z
	if x < 0 || x >= n || y < 0 || y >= n {
		return maptile.Tile{}, diming.Errorf(diming.EINVALID, "瓦片坐标 x=%d、y=%d 在 z=%d 时超出范围（0 至 %d）", "tile x=%d, y=%d is out of range at z=%d (0 to %d)", x, y, z, n-1)
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

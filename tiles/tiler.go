package tiles

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"diming/readmodel"
)

// Revision is the pipeline's revision; it is part of every ETag, so a
// change to how tiles are drawn makes clients fetch them again.
const Revision = 2

// DefaultCacheBytes bounds the tile cache when Options does not.
const DefaultCacheBytes = 128 << 20

// Options configure a Tiler.
type Options struct {
	// CacheBytes bounds the rendered tiles kept in memory (both
	// encodings); DefaultCacheBytes when 0, no cache when negative.
	CacheBytes int64
	// MaxTileBytes is the size cap of a tile (DefaultMaxTileBytes when 0).
	MaxTileBytes int
	// OnRender, when set, is called with every tile rendered (not with
	// those served from the cache), e.g. to log tiles over the cap.
	OnRender func(*Tile)
}

// Tile is a rendered tile.
type Tile struct {
	Layer   string
	Variant Variant
	Version int64 // the layer's data version
	Z, X, Y int
	// Data is the encoded tile; empty when no feature reaches it.
	Data []byte
	// Gzip is Data gzip-compressed, or nil when Data is empty.
	Gzip []byte
	// ETag is the strong entity tag of Data; the gzip encoding's tag is
	// GzipETag(ETag).
	ETag  string
	Stats Stats
	key   cacheKey
}

// Tiler serves the layers' tiles from the current read model: it keeps
// each layer variant's Index for its data version, rebuilding it only when
// that version changes, and an LRU cache of rendered tiles keyed by layer,
// variant, data version and z/x/y. When a layer's version changes, its
// cached tiles of other versions are dropped; other layers' tiles stay.
// Safe for concurrent use.
type Tiler struct {
	opt    Options
	cache  *tileCache
	mu     sync.Mutex
	built  map[string]*builtLayer // by Layer.Key
	gzPool sync.Pool

	renders, overCap, repaired, dropped atomic.Int64
}

type builtLayer struct {
	version int64
	once    sync.Once
	ix      *Index
	err     error
}

// NewTiler returns a Tiler.
func NewTiler(opt Options) *Tiler {
	if opt.CacheBytes == 0 {
		opt.CacheBytes = DefaultCacheBytes
	}
	if opt.MaxTileBytes <= 0 {
		opt.MaxTileBytes = DefaultMaxTileBytes
	}
	t := &Tiler{opt: opt, built: map[string]*builtLayer{}}
	if opt.CacheBytes > 0 {
		t.cache = newTileCache(opt.CacheBytes)
	}
	return t
}

// Index returns the index of the layer (its Variant) for m's data,
// building it when the layer's data version in m differs from the one built
// last.
func (t *Tiler) Index(m *readmodel.Model, l Layer) (*Index, error) {
	v := l.Version(m)
	key := l.Key()
	t.mu.Lock()
	b := t.built[key]
	switch {
	case b == nil || b.version < v:
		b = &builtLayer{version: v}
		t.built[key] = b
		if t.cache != nil {
			defer t.cache.dropLayer(l.ID, v)
		}
	case b.version > v:
		// A request still holding an older model: build for it alone.
		b = &builtLayer{version: v}
	}
	t.mu.Unlock()
	b.once.Do(func() {
		fs, err := l.features(m, l.Variant)
		if err != nil {
			b.err = fmt.Errorf("tiles: layer %s: %w", key, err)
			return
		}
		b.ix, b.err = NewIndex(l.ID, l.Kind, fs)
	})
	if b.err != nil {
		t.mu.Lock()
		if t.built[key] == b {
			delete(t.built, key) // try again on the next request
		}
		t.mu.Unlock()
		return nil, b.err
	}
	return b.ix, nil
}

// ETag returns the entity tag of a tile of the layer without rendering
// it: the layer and its variant (Key), its data version, its
// configuration (Layer.Config; may be empty), z/x/y and the pipeline's
// Revision.
func ETag(l Layer, version int64, config string, z, x, y int) string {
	if config != "" {
		config = "." + config
	}
	return fmt.Sprintf(`"%s.v%d%s.%d-%d-%d.r%d"`, l.Key(), version, config, z, x, y, Revision)
}

// GzipETag is the entity tag of the gzip encoding of the tile tagged etag.
func GzipETag(etag string) string { return strings.TrimSuffix(etag, `"`) + `-gz"` }

// Matches says whether an If-None-Match header names the tile tagged etag
// in either encoding (weak comparison, as RFC 9110 asks for If-None-Match).
func Matches(ifNoneMatch, etag string) bool {
	for _, tag := range strings.Split(ifNoneMatch, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag || tag == GzipETag(etag) {
			return true
		}
	}
	return false
}

// Tile returns the tile layer/z/x/y of m's data, from the cache or
// rendered (and then cached). Errors: EINVALID for coordinates out of
// range, ENOTFOUND for an unknown layer.
func (t *Tiler) Tile(m *readmodel.Model, layer string, z, x, y int) (*Tile, error) {
	l, err := LayerByID(layer)
	if err != nil {
		return nil, err
	}
	return t.TileOf(m, l, z, x, y)
}

// TileOf is Tile for a Layer value, in its Variant (see Layer.With).
func (t *Tiler) TileOf(m *readmodel.Model, l Layer, z, x, y int) (*Tile, error) {
	if _, err := l.With(l.Variant); err != nil {
		return nil, err
	}
	mt, err := CheckTile(z, x, y)
	if err != nil {
		return nil, err
	}
	v := l.Version(m)
	k := cacheKey{layer: l.ID, variant: l.Variant, version: v, z: uint32(z), x: uint32(x), y: uint32(y)}
	if t.cache != nil {
		if tile, ok := t.cache.get(k); ok {
			return tile, nil
		}
	}
	ix, err := t.Index(m, l)
	if err != nil {
		return nil, err
	}
	data, st, err := ix.Render(mt, RenderOptions{MaxBytes: t.opt.MaxTileBytes})
	if err != nil {
		return nil, err
	}
	t.renders.Add(1)
	if st.OverCap {
		t.overCap.Add(1)
	}
	t.repaired.Add(int64(st.Repaired))
	t.dropped.Add(int64(st.Dropped))
	tile := &Tile{Layer: l.ID, Variant: l.Variant, Version: v, Z: z, X: x, Y: y, Data: data, ETag: ETag(l, v, l.Config(m), z, x, y), Stats: st, key: k}
	if len(data) > 0 {
		if tile.Gzip, err = t.gzip(data); err != nil {
			return nil, err
		}
	}
	if t.cache != nil {
		t.cache.put(k, tile)
	}
	if t.opt.OnRender != nil {
		t.opt.OnRender(tile)
	}
	return tile, nil
}

func (t *Tiler) gzip(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(data)/2 + 64)
	zw, _ := t.gzPool.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
	} else {
		zw.Reset(&buf)
	}
	if _, err := zw.Write(data); err != nil {
		return nil, fmt.Errorf("tiles: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("tiles: gzip: %w", err)
	}
	t.gzPool.Put(zw)
	return buf.Bytes(), nil
}

// TilerStats are a Tiler's counters.
type TilerStats struct {
	Cache CacheStats
	// Renders counts tiles rendered; OverCap those over the size cap;
	// Repaired and Dropped the polygons snapping made invalid (Stats).
	Renders, OverCap, Repaired, Dropped int64
}

// Stats returns the counters.
func (t *Tiler) Stats() TilerStats {
	st := TilerStats{Renders: t.renders.Load(), OverCap: t.overCap.Load(), Repaired: t.repaired.Load(), Dropped: t.dropped.Load()}
	if t.cache != nil {
		st.Cache = t.cache.stats()
	}
	return st
}

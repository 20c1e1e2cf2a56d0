package tiles

import (
	"container/list"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// cacheKey names one rendered tile: the layer, its variant, its data
// version and z/x/y.
type cacheKey struct {
	layer   string
	variant Variant
	version int64
	z, x, y uint32
}

const cacheShards = 16

// tileCache is an in-memory LRU of rendered tiles bounded by bytes, split
// into shards by key so concurrent readers rarely wait for one another.
type tileCache struct {
	seed     maphash.Seed
	shards   [cacheShards]cacheShard
	perShard int64
	hits     atomic.Int64
	misses   atomic.Int64
}

type cacheShard struct {
	mu    sync.Mutex
	items map[cacheKey]*list.Element
	lru   list.List // front: most recently used; values are *Tile
	bytes int64
}

func newTileCache(maxBytes int64) *tileCache {
	c := &tileCache{seed: maphash.MakeSeed(), perShard: max(maxBytes/cacheShards, 1)}
	for i := range c.shards {
		c.shards[i].items = map[cacheKey]*list.Element{}
	}
	return c
}

func (c *tileCache) shard(k cacheKey) *cacheShard {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(k.layer)
	h.WriteString(k.variant.suffix())
	var b [20]byte
	for i, v := range [5]uint32{uint32(k.version), uint32(k.version >> 32), k.z, k.x, k.y} {
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	h.Write(b[:])
	return &c.shards[h.Sum64()%cacheShards]
}

// size is what a tile costs the cache: its two encodings and some overhead.
func size(t *Tile) int64 { return int64(len(t.Data)+len(t.Gzip)+len(t.ETag)) + 256 }

func (c *tileCache) get(k cacheKey) (*Tile, bool) {
	s := c.shard(k)
	s.mu.Lock()
	e, ok := s.items[k]
	if ok {
		s.lru.MoveToFront(e)
	}
	s.mu.Unlock()
	if !ok {
		c.misses.Add(1)
		return nil, false
	}
	c.hits.Add(1)
	return e.Value.(*Tile), true
}

func (c *tileCache) put(k cacheKey, t *Tile) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[k]; ok {
		s.bytes -= size(e.Value.(*Tile))
		e.Value = t
		s.bytes += size(t)
		s.lru.MoveToFront(e)
	} else {
		s.items[k] = s.lru.PushFront(t)
		s.bytes += size(t)
	}
	for s.bytes > c.perShard && s.lru.Len() > 1 {
		e := s.lru.Back()
		old := e.Value.(*Tile)
		s.lru.Remove(e)
		delete(s.items, old.key)
		s.bytes -= size(old)
	}
}

// dropLayer removes the tiles of a layer (every variant) at any version
// but keep: a data change makes them unreachable, and this frees their room
// at once.
func (c *tileCache) dropLayer(layer string, keep int64) {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for k, e := range s.items {
			if k.layer == layer && k.version != keep {
				s.lru.Remove(e)
				delete(s.items, k)
				s.bytes -= size(e.Value.(*Tile))
			}
		}
		s.mu.Unlock()
	}
}

// CacheStats are the tile cache's counters.
type CacheStats struct {
	Tiles        int
	Bytes        int64
	Hits, Misses int64
}

func (c *tileCache) stats() CacheStats {
	st := CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load()}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		st.Tiles += s.lru.Len()
		st.Bytes += s.bytes
		s.mu.Unlock()
	}
	return st
}

package coverage

import (
	"encoding/json"
	"sync"
)

// reportCache keeps a model's recent reports by their parameters: the model
// is immutable, so a report computed once stays right until the next model.
type reportCache struct {
	mu      sync.Mutex
	entries map[string]any
	order   []string
}

const reportCacheSize = 64

func cacheKey(report string, params any) string {
	b, _ := json.Marshal(params)
	return report + ":" + string(b)
}

func (c *reportCache) get(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[key]
	return v, ok
}

func (c *reportCache) put(key string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]any{}
	}
	if _, ok := c.entries[key]; !ok {
		c.order = append(c.order, key)
	}
	c.entries[key] = v
	for len(c.order) > reportCacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

package params

import "sync"

// cacheMax bounds the parsed search blocks a Cache remembers.
const cacheMax = 256

// Cache remembers parsed search blocks by their JSON, so a query loop does not parse the same
// parameters again. A plain map under a read lock lets the lookup convert the key without
// allocating. Parsed values must not be modified once stored.
type Cache[T any] struct {
	// Parse parses a block; set it before the first Get.
	Parse func(raw []byte) (T, error)
	mu    sync.RWMutex
	m     map[string]T
}

// Get returns the value parsed from raw, parsing it the first time.
func (c *Cache[T]) Get(raw []byte) (T, error) {
	c.mu.RLock()
	v, ok := c.m[string(raw)]
	c.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := c.Parse(raw)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]T{}
	}
	if len(c.m) < cacheMax {
		c.m[string(raw)] = v
	}
	c.mu.Unlock()
	return v, nil
}

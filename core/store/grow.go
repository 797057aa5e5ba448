package store

// Grown returns a new store with room for rows rows holding a copy of c's rows: the slow part
// of growing, done without the index's exclusive lock. c's rows change only under that lock,
// so the caller holds the index's shared lock while Grown copies; it then takes the exclusive
// lock, calls CatchUp and replaces c with the result. It returns nil when the account's
// allocator returns no memory for the copy.
func (c *Codes) Grown(rows int) *Codes {
	if c.disk != nil {
		return c // an on-disk store grows its file in place, under the exclusive lock
	}
	g := c.Empty()
	if g.reserve(max(rows, c.n)) != nil {
		return nil
	}
	copy(g.slab, c.slab[:c.n*c.stride])
	g.n = c.n
	return g
}

// CatchUp copies into g the rows c gained since g was made from it by Grown. It reports false,
// changing nothing, when g has no room for them. The caller holds the index's exclusive lock
// and knows that no row g already holds has been rewritten since.
func (g *Codes) CatchUp(c *Codes) bool {
	if g == c {
		return true
	}
	if c.stride != g.stride || c.n < g.n || c.n*c.stride > len(g.slab) {
		return false
	}
	copy(g.slab[g.n*g.stride:c.n*c.stride], c.slab[g.n*c.stride:c.n*c.stride])
	g.n = c.n
	return true
}

// Cap returns the rows the store has room for without growing.
func (c *Codes) Cap() int { return len(c.slab) / max(c.stride, 1) }

// Release frees the store's slab (its charge, and its block when an allocator's) before the
// store is collected: for a store just replaced by a grown copy, under the index's exclusive
// lock so no reader still uses it. The store must not be used afterwards.
func (c *Codes) Release() {
	c.mem.Free()
	c.mem, c.slab, c.n = nil, nil, 0
}

// TryReserve is Reserve returning NO_ENOUGH_MEMORY, with the store unchanged, when the
// account's allocator returns no memory.
func (c *Codes) TryReserve(rows int) error { return c.reserve(rows) }

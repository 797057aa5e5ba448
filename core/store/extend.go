package store

// Extend appends n rows of zero bytes and returns the first of them, growing the slab when it
// has no room. The caller then writes each row through Code (rows are disjoint, so different
// goroutines may fill different rows), all under the index's exclusive lock or before the
// store is published.
func (c *Codes) Extend(n int) int {
	r := c.n
	if need := (c.n + n) * c.stride; need > len(c.slab) {
		c.Reserve(c.n + n)
	}
	clear(c.slab[r*c.stride : (r+n)*c.stride])
	c.n += n
	return r
}

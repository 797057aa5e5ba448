package store

import "github.com/govsag/vsag/core/alloc"

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

// AppendRows appends n rows without writing them and returns the first, growing the slab as
// Append does. The caller encodes every row in full through Code (as Append's Encode does;
// different goroutines may encode different rows) before the store is read, all under the
// index's exclusive lock or before the store is published.
func (c *Codes) AppendRows(n int) int {
	if need := c.n + n; need > len(c.slab)/max(c.stride, 1) {
		c.Reserve(int(alloc.GrowRows(int64(need), int64(c.n), int64(c.stride))))
	}
	r := c.n
	c.n += n
	return r
}

package lazyhgraph

import (
	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/index/hgraph"
)

// UseAccount makes both phases charge their slabs to a and refuse growth beyond a's budget
// (alloc.User): the flat phase's code slab, and the graph's stores, adjacency and side memory,
// also while a conversion builds the graph next to the flat phase. A conversion that does not
// fit fails with NO_ENOUGH_MEMORY and leaves the flat phase as it was; the slab of a flat phase
// the graph replaced is released when it is collected.
func (x *Index) UseAccount(a *alloc.Account) {
	x.acct.Store(a)
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.flat != nil {
		x.flat.UseAccount(a)
	}
	if x.graph != nil {
		x.graph.UseAccount(a)
	}
}

// newGraph returns an empty hgraph with the graph phase's parameters, charging the index's
// account when it has one.
func (x *Index) newGraph() (*hgraph.Index, error) {
	g, err := hgraph.New(&x.graphCreate)
	if err != nil {
		return nil, err
	}
	if a := x.acct.Load(); a != nil {
		g.UseAccount(a)
	}
	return g, nil
}

package graph

import "github.com/govsag/vsag/core/alloc"

// SetAccount charges the bottom adjacency (the graph's large slab) to a from now on, moving the
// bytes held already. The caller holds the exclusive lock.
func (g *Graph) SetAccount(a *alloc.Account) {
	if g.charge == nil {
		g.charge = alloc.NewTracker(a)
	} else {
		g.charge.Move(a)
	}
	g.charge.Set(int64(len(g.adj)) * 4)
}

// CheckGrow returns NO_ENOUGH_MEMORY when growing the bottom adjacency to n nodes does not fit
// in the graph's account (or the machine); nil when it fits or needs no growth.
func (g *Graph) CheckGrow(n int) error {
	extra := int64(n*g.stride-len(g.adj)) * 4
	if extra <= 0 {
		return nil
	}
	return g.charge.Account().Check(extra, "growing a graph")
}

// SideMemory returns the bytes the graph holds besides the bottom adjacency: its route layers
// (lists, member tables) and lock stripes. The caller holds the lock that keeps nodes from
// being added (AddNode).
func (g *Graph) SideMemory() int64 { return g.MemoryUsage() - int64(cap(g.adj))*4 }

// RouteMemberBytes is what one node's membership of a route layer takes: its list, its entry
// in the layer's node table and its slot in the layer's map.
func (g *Graph) RouteMemberBytes() int64 { return int64(g.routeDeg+1)*4 + 4 + routeMapEntryBytes }

// AdjBytes returns the bytes of the bottom adjacency, what SetAccount charges.
func (g *Graph) AdjBytes() int64 { return int64(len(g.adj)) * 4 }

// ReleaseCharge releases what the graph is charged, for a graph that is being dropped.
func (g *Graph) ReleaseCharge() { g.charge.Set(0) }

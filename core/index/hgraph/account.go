package hgraph

import (
	"runtime"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/store"
)

// UseAccount makes the index charge its code stores and graph adjacency to a, allocate the
// stores' slabs with a's allocator and refuse growth beyond a's budget (alloc.User). The
// memory that grows with the index besides them (labels, route layers, dense primary codes,
// the search scratch of scratchSearches searches) is charged to a too (chargeSide).
func (x *Index) UseAccount(a *alloc.Account) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.acct = a
	for _, c := range []*store.Codes{x.baseCodes, x.preciseCodes, x.raw} {
		if c != nil {
			c.SetAccount(a)
		}
	}
	x.g.SetAccount(a)
	if x.side == nil {
		x.side = alloc.NewTracker(a)
	} else {
		x.side.Move(a)
	}
	x.resid.move(a)
	x.chargeSide()
}

// checkGrow checks growing the stores and the graph to n nodes of per bytes against the index's
// account (the growth beyond the capacity held, and the growth of the side memory to n nodes)
// and the machine (the whole new size).
func (x *Index) checkGrow(n int, per int64, what string) error {
	delta := memguard.Mul(int64(max(n-x.capacity(), 0)), per)
	if delta > 0 {
		delta += 5 * (alloc.Align + 8) // each slab's alignment slack
	}
	if x.side != nil && delta >= 0 {
		delta += max(x.sideBound(n)-x.sideMemory(), 0)
	}
	return x.acct.CheckGrowth(memguard.Mul(int64(n), per), delta, what)
}

// scratchSearches returns how many searches' scratch the budget holds: one per processor that
// runs Go code, plus the build workers'. Searches beyond that many at once (goroutines
// preempted in the middle of a search) use scratch that is not charged.
func (x *Index) scratchSearches() int64 { return int64(runtime.GOMAXPROCS(0) + max(x.threads, 1)) }

// visitedBytes is the visited list of one search over n nodes (graph.VisitedList: a bit or a
// 16-bit tag per node, allocated with a quarter to spare).
func visitedBytes(n int) int64 { return graph.VisitedBytes(n) }

// sideMemory returns the bytes chargeSide charges: the labels, the graph's route layers and
// lock stripes, the dense primary codes of a two-stage base, the free-slot list and the
// visited lists of scratchSearches searches. The caller holds mu (shared at least, and no
// node is being appended).
func (x *Index) sideMemory() int64 {
	b := x.labels.MemoryUsage() + x.g.SideMemory() + x.slots.memoryUsage()
	if x.primCodes != nil {
		b += x.primCodes.memoryUsage()
	}
	return b + x.scratchSearches()*visitedBytes(x.g.Len())
}

// sideBound bounds sideMemory once the index holds n nodes: the label table at n labels (the
// label array with an append's quarter to spare, the hash table at its load factor), the route
// layers of the nodes held plus four times the expected memberships of the new ones (appends
// to spare and the draw's spread), and the visited lists at n nodes.
func (x *Index) sideBound(n int) int64 {
	labels := max(x.labels.MemoryUsage(), store.EstimateLabelsMemory(n)+int64(n/4+1024)*8)
	upper := x.g.SideMemory()
	if k := int64(n - x.g.Len()); k > 0 {
		m := int64(max(x.p.MaxDegree, 2))
		upper += upper/4 + 4*x.g.RouteMemberBytes()*k/(m-1) + 4096
	}
	b := labels + upper + x.slots.memoryUsage()
	if x.primCodes != nil {
		b += x.primCodes.memoryUsage() // its growth is in checkGrow's bytes per node
	}
	return b + x.scratchSearches()*visitedBytes(n)
}

// chargeSide charges the index's side memory (sideMemory) to its account. The caller holds the
// exclusive lock.
func (x *Index) chargeSide() {
	if x.side != nil {
		x.side.Set(x.sideMemory())
	}
}

// complete reports whether pregrow made a copy of every code store; when the account's
// allocator refused one, it frees the copies made and reports false (the insert then grows, or
// refuses with NO_ENOUGH_MEMORY, under the exclusive lock).
func (gs *grownStores) complete(x *Index) bool {
	if gs.base != nil && (x.preciseCodes == nil || gs.precise != nil) && (x.raw == nil || gs.raw != nil) {
		return true
	}
	for _, p := range [][2]*store.Codes{{x.baseCodes, gs.base}, {x.preciseCodes, gs.precise}, {x.raw, gs.raw}} {
		if p[1] != nil && p[1] != p[0] {
			p[1].Release()
		}
	}
	return false
}

// tryReserve is reserve returning NO_ENOUGH_MEMORY when the account's allocator refuses a code
// store's slab: the stores grown before it keep their larger slabs and every row; the graph is
// grown only once every store was. The caller holds the exclusive lock.
func (x *Index) tryReserve(n int) error {
	for _, c := range []*store.Codes{x.baseCodes, x.preciseCodes, x.raw} {
		if c != nil {
			if err := c.TryReserve(n); err != nil {
				return err
			}
		}
	}
	x.reserve(n) // the code stores hold n rows already: only the primary codes and the graph grow
	return nil
}

// checkAdopt checks taking over g, a graph of n nodes not charged to any account, in place of
// the index's empty graph: the code stores' growth to n rows, g's adjacency (less what the
// empty graph is charged) and the side memory at n nodes with g's route layers. The caller
// holds the exclusive lock.
func (x *Index) checkAdopt(g *graph.Graph, n int, what string) error {
	codes := memguard.Mul(int64(max(n-x.storeCapacity(), 0)), x.codeBytesPerRow())
	if codes > 0 {
		codes += 4 * (alloc.Align + 8) // each slab's alignment slack
	}
	delta := codes + max(g.AdjBytes()-x.g.AdjBytes(), 0)
	if x.side != nil {
		old := x.g
		x.g = g
		side := x.sideBound(n)
		x.g = old
		delta += max(side-x.sideMemory(), 0)
	}
	return x.acct.CheckGrowth(memguard.Mul(int64(n), x.codeBytesPerRow()), delta, what)
}

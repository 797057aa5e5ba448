package pyramid

import (
	"strings"
	"sync"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/store"
)

// UseAccount makes the index charge its code stores to a, allocate their slabs with a's
// allocator and refuse batches beyond a's budget (alloc.User). The rest of its memory (labels,
// the trees' nodes and member lists, the per-node graphs) is charged to a as well (chargeSide),
// and a batch is checked whole against the budget before any row is stored (checkBatch).
func (x *Index) UseAccount(a *alloc.Account) {
	x.mu.Lock()
	x.acct = a
	for _, c := range []*store.Codes{x.baseCodes, x.preciseCodes, x.raw} {
		if c != nil {
			c.SetAccount(a)
		}
	}
	if x.side == nil {
		x.side = alloc.NewTracker(a)
	} else {
		x.side.Move(a)
	}
	x.mu.Unlock()
	x.chargeSide()
}

// sideCharge keeps the side charge up to date incrementally: every tree node remembers what
// it is charged for (node.charged) and nodes holds their sum, so an insert measures again only
// the nodes on its rows' paths.
type sideCharge struct {
	mu     sync.Mutex // orders the measures and the charges; taken under x.mu (shared)
	nodes  int64      // the sum of node.charged over every tree
	visits int64      // the nodes measured so far (a test hook for the cost of a charge)
}

// nodeMemory returns what MemoryUsage counts for node n: its overhead and key, its member
// lists, its graph and its duplicate groups.
func nodeMemory(n *node) int64 {
	b := nodeOverhead + int64(len(n.key)) + int64(cap(n.members))*4 + int64(cap(n.own))*4
	if n.g != nil {
		b += n.g.MemoryUsage()
	}
	if n.dups != nil {
		b += n.dups.memoryUsage()
	}
	return b
}

// sideFixed returns the side memory besides the tree nodes: the label table and the leaf
// tables. The caller holds mu (shared at least).
func (x *Index) sideFixed() int64 {
	b := x.labels.MemoryUsage()
	for _, h := range x.hiers {
		b += int64(cap(h.leaf)) * 8
	}
	return b
}

// sideMemory returns the bytes of the index besides its code stores: MemoryUsage's label
// table, tree nodes, member lists and graphs, measured over every node. The caller holds mu
// (shared at least).
func (x *Index) sideMemory() int64 {
	b := x.sideFixed()
	for _, h := range x.hiers {
		walk(h.root, func(n *node) { b += nodeMemory(n) })
	}
	return b
}

// chargeSide charges sideMemory to the index's account, measuring every node again (after
// the trees were replaced or reshaped: a load, a merge, a new account); it takes the shared
// lock.
func (x *Index) chargeSide() {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.side == nil {
		return
	}
	x.sc.mu.Lock()
	defer x.sc.mu.Unlock()
	total := int64(0)
	for _, h := range x.hiers {
		walk(h.root, func(n *node) {
			n.charged = nodeMemory(n)
			total += n.charged
			x.sc.visits++
		})
	}
	x.sc.nodes = total
	x.side.Set(x.sideFixed() + total)
}

// chargeNodes charges the side memory after an insert that changed only the nodes of touched
// (every node on the paths of its rows, new ones included): those are measured again, the
// others keep their charge. It takes the shared lock.
func (x *Index) chargeNodes(touched map[*node]struct{}) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.side == nil {
		return
	}
	x.sc.mu.Lock()
	defer x.sc.mu.Unlock()
	for n := range touched {
		b := nodeMemory(n)
		x.sc.nodes += b - n.charged
		n.charged = b
		x.sc.visits++
	}
	x.side.Set(x.sideFixed() + x.sc.nodes)
}

// checkBatch returns NO_ENOUGH_MEMORY, before anything is stored, when a batch of n rows with
// the paths byHier does not fit in the account: the code stores' growth, the label table at
// its bound for the new count, and per row and node of its paths a bound of what the node's
// member list and graph take (twice the list and graph row, as both grow with slack), plus a
// new node per path segment. The caller holds the exclusive lock.
func (x *Index) checkBatch(what string, n int, byHier [][]string) error {
	if x.side == nil || n == 0 {
		return nil
	}
	total := x.labels.Total() + n
	need := int64(0)
	for _, c := range []*store.Codes{x.baseCodes, x.preciseCodes, x.raw} {
		if c != nil && !c.OnDisk() {
			need += max(int64(total)*int64(c.Stride())-c.MemoryUsage(), 0) + 2*alloc.Align
		}
	}
	need += max(store.EstimateLabelsMemory(total)+int64(total/4+1024)*8-x.labels.MemoryUsage(), 0)
	for i, h := range x.hiers {
		if byHier[i] == nil {
			continue
		}
		row := 2 * (int64(h.hp.MaxDegree+1)*4 + 8)
		need += int64(n) * 16 // the leaf table
		for _, p := range byHier[i] {
			segs := int64(strings.Count(p, "/") + 2) // the root and every prefix of the path
			need += segs*row + segs*(nodeOverhead/4) + int64(len(p))
		}
	}
	return x.acct.Check(need, "pyramid: "+what+" of a batch")
}

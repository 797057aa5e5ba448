package pyramid

import (
	"bytes"
	"hash/maphash"

	"github.com/govsag/vsag/core/topk"
)

// support_duplicate, as VSAG's pyramid does it: a vector whose build codes equal those of a
// vector already in a sub-graph is not linked into that graph but recorded there as a
// duplicate of it (its group's head). A search that reaches a head returns the head and its
// duplicates at the head's distance, each if it is live and passes the filter; a removed or
// filtered-out head still stands for its live duplicates. Groups are per sub-graph: two equal
// vectors on different paths are duplicates only in the graphs of their common prefixes.
// Detection compares the build codes exactly (a hash of them, then the bytes), so which
// vectors are duplicates depends on the members' order only: a load recomputes it from the
// codes, and nothing of it is stored.

// dupSet is one sub-graph's duplicate groups, by local id. It changes under the index's
// exclusive lock only (members are added there), so searches read it under the shared lock.
type dupSet struct {
	heads map[uint64][]uint32 // hash of a head's build code -> heads with that hash
	of    map[uint32][]uint32 // head -> its duplicates, in insertion order
	isDup map[uint32]bool     // duplicates
}

// dupSeed hashes build codes; a fixed seed per process is enough (nothing hashed is stored).
var dupSeed = maphash.MakeSeed()

// dupOf returns the head whose build code equals that of local id local of n, or false; when
// there is none, local becomes a head. Caller holds the exclusive lock and n has a graph.
func (x *Index) dupOf(n *node, local uint32) (uint32, bool) {
	if n.dups == nil {
		n.dups = &dupSet{heads: map[uint64][]uint32{}, of: map[uint32][]uint32{}, isDup: map[uint32]bool{}}
	}
	bs := x.buildStore()
	code := bs.Code(int(n.members[local]))
	h := maphash.Bytes(dupSeed, code)
	for _, head := range n.dups.heads[h] {
		if bytes.Equal(bs.Code(int(n.members[head])), code) {
			n.dups.of[head] = append(n.dups.of[head], local)
			n.dups.isDup[local] = true
			return head, true
		}
	}
	n.dups.heads[h] = append(n.dups.heads[h], local)
	return 0, false
}

// addGraphMember adds local id local of n to n's graph: a duplicate (support_duplicate) as a
// node without edges that only its head leads to, anything else as a node to link (its
// pending link, ok true). Caller holds the exclusive lock.
func (x *Index) addGraphMember(n *node, local uint32, row int32) (pendingLink, bool) {
	if x.p.SupportDuplicate {
		if _, dup := x.dupOf(n, local); dup {
			if gid := n.g.AddNode(0); gid != local {
				panic("pyramid: a graph and its members disagree") // an internal invariant
			}
			return pendingLink{}, false
		}
	}
	return x.addGraphNode(n, local, row), true
}

// rebuildDups recomputes the duplicate groups of every sub-graph of h from the build codes,
// in member order, as the inserts found them. Caller holds the exclusive lock.
func (x *Index) rebuildDups(h *hierarchy) {
	walk(h.root, func(n *node) {
		n.dups = nil
		if n.g == nil {
			return
		}
		for local := range n.members {
			x.dupOf(n, uint32(local))
		}
	})
}

// hasDups reports whether n's graph holds duplicates.
func (n *node) hasDups() bool { return n.dups != nil && len(n.dups.of) > 0 }

// numDups returns the duplicates n's graph holds.
func (n *node) numDups() int {
	if n.dups == nil {
		return 0
	}
	return len(n.dups.isDup)
}

// skipDup reports whether local id local of n is a duplicate (no edges of its own).
func (n *node) skipDup(local uint32) bool { return n.dups != nil && n.dups.isDup[local] }

// keepGroup reports whether local id local of the sub-graph being searched, or one of its
// duplicates, may be returned.
func (c *searchCtx) keepGroup(local uint32) bool {
	if c.live(c.members[local]) {
		return true
	}
	for _, d := range c.dupNode.dups.of[local] {
		if c.live(c.members[d]) {
			return true
		}
	}
	return false
}

// appendGroups appends the results res of a search of n (local ids) to c.items by inner id,
// each head followed by its duplicates, whichever of them are live.
func (c *searchCtx) appendGroups(n *node, res []topk.Item) {
	for _, it := range res {
		if id := n.members[it.ID]; c.live(id) {
			c.items = append(c.items, topk.Item{Dist: it.Dist, ID: id})
		}
		for _, d := range n.dups.of[it.ID] {
			if id := n.members[d]; c.live(id) {
				c.items = append(c.items, topk.Item{Dist: it.Dist, ID: id})
			}
		}
	}
}

// memoryUsage estimates the bytes of the set's maps: about 48 per head and per duplicate.
func (d *dupSet) memoryUsage() int64 {
	return 48 * int64(len(d.heads)+len(d.isDup)+len(d.of))
}

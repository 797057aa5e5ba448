package graph

import (
	"fmt"
	"sync/atomic"
)

// headMark in word 0 of a bottom list (beside its length) marks an ordered list: its first
// headSize entries, or all of them when it holds fewer, are the pruning rule's choice among the
// list's own neighbours, nearest first, and the rest follow by ascending distance (OrderHead).
// A search whose beam is small reads only the head of an ordered list, and more of it as the
// beam grows (readsFor): a small beam takes few of a hop's neighbours anyway, and the head
// keeps the diverse edges of a list half as long. Any other write of the list (an edge added
// back, a re-prune, a repair) drops the mark, and the list is read whole until it is ordered
// again. Files keep the marks in a section of their own; the list words are written without
// them.
const headMark = 1 << 31

// headBeamFactor is how many entries of an ordered list a search reads per slot of its beam,
// above headSize. Same index and process, five interleaved rounds, sq8_uniform + fp32 reorder,
// max_degree 64 and alpha 1.1: on Fashion-MNIST l2 the lowest beam (ef_search 10) reads 32
// entries and reaches recall 0.9655 at 1.12-1.14x the queries per CPU-second of the whole
// lists (0.9724), so the curve reaches below 0.97, where the whole lists cannot; from ef_search
// 22 every entry is read, so on 128-dimension Gaussian clusters (recall 0.95 at ef_search 32,
// where the larger degree pays) nothing changes. Two entries per slot instead of three was no
// different within the spread of the measurements.
const headBeamFactor = 3

// closedMark in word 0 of a list marks a closed list: one the pruning rule leaves whole (no
// entry would drop another), as every list the rule itself chose is. An edge added back to a
// full closed list is then weighed against the list alone (pruneAdd: one distance per entry)
// instead of pruning the whole list again (up to one per pair), with the same result. Any write
// other than a prune's drops the mark. Files do not keep it.
const closedMark = 1 << 30

// listMarks are the bits of word 0 of a list that are not its length.
const listMarks = headMark | closedMark

// listLen returns the number of entries of the raw list l.
func listLen(l []uint32) int { return min(int(atomic.LoadUint32(&l[0])&^listMarks), len(l)-1) }

// headSize returns the length of an ordered bottom list's head: half the degree.
func (g *Graph) headSize() int { return max(g.maxDeg/2, 1) }

// readsFor returns how many entries of an ordered bottom list a search with a beam of ef
// reads: headSize, or headBeamFactor per slot of the beam when that is more.
func (g *Graph) readsFor(ef int) int { return max(g.headSize(), headBeamFactor*ef) }

// ordered reports whether node id's bottom list is ordered.
func (g *Graph) ordered(id uint32) bool {
	l := g.list(0, id)
	return l != nil && atomic.LoadUint32(&l[0])&headMark != 0
}

// OrderHead orders node u's bottom list (see headMark) unless it is ordered already: the list
// is ranked by distance to u, pruned to headSize with the bottom layer's alpha, and written back
// as the chosen entries, then the others by ascending distance. It uses w like an insertion.
func (b *Builder) OrderHead(w *Worker, u uint32) {
	g := b.G
	g.Lock(u)
	defer g.Unlock(u)
	l := g.list(0, u)
	if l == nil || atomic.LoadUint32(&l[0])&headMark != 0 {
		return
	}
	n := listLen(l)
	if head := g.headSize(); n > head {
		ids := make32(&w.ids, n)
		for i := range ids {
			ids[i] = atomic.LoadUint32(&l[i+1])
		}
		items := b.rank(w, u, ids)
		sel := b.prune(w, items, head, b.alphaAt(0))
		out := make32(&w.selIDs, 0)
		for _, it := range sel {
			out = append(out, it.ID)
		}
		// sel is a subsequence of items: the others follow in their order
		j := 0
		for _, it := range items {
			if j < len(sel) && sel[j].ID == it.ID {
				j++
				continue
			}
			out = append(out, it.ID)
		}
		w.selIDs = out
		for i, id := range out {
			atomic.StoreUint32(&l[i+1], id)
		}
	}
	atomic.StoreUint32(&l[0], uint32(n)|headMark|atomic.LoadUint32(&l[0])&closedMark)
}

// Unordered appends to dst the nodes whose bottom list is not ordered.
func (g *Graph) Unordered(dst []uint32) []uint32 {
	for id := 0; id < g.n; id++ {
		if atomic.LoadUint32(&g.adj[id*g.stride])&headMark == 0 {
			dst = append(dst, uint32(id))
		}
	}
	return dst
}

// HeadBits returns a bitset of the nodes whose bottom list is ordered (node i at bit i%8 of
// byte i/8), or nil when none is.
func (g *Graph) HeadBits() []byte {
	var bits []byte
	for id := 0; id < g.n; id++ {
		if atomic.LoadUint32(&g.adj[id*g.stride])&headMark == 0 {
			continue
		}
		if bits == nil {
			bits = make([]byte, (g.n+7)/8)
		}
		bits[id/8] |= 1 << (id % 8)
	}
	return bits
}

// SetHeadBits marks the bottom lists of the nodes set in bits (HeadBits' layout) ordered. The
// bitset must cover the graph's nodes exactly.
func (g *Graph) SetHeadBits(bits []byte) error {
	if len(bits) != (g.n+7)/8 {
		return fmt.Errorf("graph: %d bytes of list heads for %d nodes", len(bits), g.n)
	}
	if r := g.n % 8; r != 0 && bits[len(bits)-1]>>r != 0 {
		return fmt.Errorf("graph: list heads marked beyond the %d nodes", g.n)
	}
	for id := 0; id < g.n; id++ {
		if bits[id/8]&(1<<(id%8)) != 0 {
			o := id * g.stride
			g.adj[o] |= headMark
		}
	}
	return nil
}

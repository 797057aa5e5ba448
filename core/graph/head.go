package graph

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
)

// headMark in word 0 of a bottom list (beside its length) marks an ordered list. Its first
// entries, the head, are the strict pruning rule's choice (alpha 1) among the list's own
// neighbours, nearest first, at most headSize of them; the rest follow by ascending distance
// (OrderHead). The head's length is kept in the same word (headLenMask). A search whose beam is
// small reads the head, or as many entries as its beam asks for when that is more (readsFor): a
// small beam takes few of a hop's neighbours anyway, and the head keeps the edges that lead in
// every direction, while the other entries are near duplicates of a head entry's direction. Any
// other write of the list (an edge added back, a re-prune, a repair) drops the mark and the
// length, and the list is read whole until it is ordered again. Files keep the head lengths in
// a section of their own; the list words are written without them.
//
// Same process, sq8_uniform + fp32 reorder, max_degree 64, alpha 1.1, distances per query at
// recall@10 0.97 / 0.99 against the earlier heads (the alpha-1.1 choice of max_degree / 2, only
// in lists longer than that, and max(max_degree / 2, 3 * ef) entries read): unit Fashion-MNIST
// under cosine 368 / 613 -> 322 / 582 and Fashion-MNIST l2 300 / 420 -> 263 / 387 (5 000 test
// queries); 128-dimension Gaussian clusters 1 549 / 1 877 -> 1 540 / 1 880. On Fashion-MNIST
// pooled to 196 dimensions, alpha-1 heads in the long lists only gave 275 / 365 and these 247 /
// 347, at the same queries per second (short rows: the hops, not the rows, set its pace).
const headMark = 1 << 31

// headLenShift and headLenMask place the head length of an ordered list in word 0, above its
// length. Only graphs of degree below 1<<headLenShift order their lists (orderable), so the
// length bits never reach them.
const (
	headLenShift = 16
	headLenMask  = (1<<14 - 1) << headLenShift
	maxHeadLen   = 1<<14 - 1
)

// closedMark in word 0 of a list marks a closed list: one the pruning rule leaves whole (no
// entry would drop another), as every list the rule itself chose is. An edge added back to a
// full closed list is then weighed against the list alone (pruneAdd: one distance per entry)
// instead of pruning the whole list again (up to one per pair), with the same result. Any write
// other than a prune's drops the mark. Files do not keep it.
const closedMark = 1 << 30

// wordLen returns the list length that word 0 of a list holds, without its marks.
func wordLen(w uint32) uint32 {
	if w&headMark != 0 {
		w &^= headLenMask
	}
	return w &^ (headMark | closedMark)
}

// headWord returns word 0 of an ordered list of n entries whose head holds head of them,
// keeping the closed mark of w, the word it replaces.
func headWord(w uint32, n, head int) uint32 {
	return uint32(n) | w&closedMark | headMark | uint32(head)<<headLenShift
}

// headLen returns the head length that word 0 of an ordered list holds.
func headLen(w uint32) int { return int(w & headLenMask >> headLenShift) }

// listLen returns the number of entries of the raw list l.
func listLen(l []uint32) int { return min(int(wordLen(atomic.LoadUint32(&l[0]))), len(l)-1) }

// headSize returns the most entries a head holds: half the degree.
func (g *Graph) headSize() int { return min(max(g.maxDeg/2, 1), maxHeadLen) }

// orderable reports whether the graph's lists can be ordered: the length of every list must
// leave the bits of the head length free.
func (g *Graph) orderable() bool { return g.maxDeg < 1<<headLenShift }

// readsFor returns how many entries of an ordered bottom list a search with a beam of ef reads
// when its head is shorter: one and a half per slot of the beam. On unit Fashion-MNIST under
// cosine (max_degree 64, same index) one, one and a half and two per slot measured 327, 338 and
// 348 distances per query at recall 0.97, with queries per second within the spread.
func readsFor(ef int) int { return ef + ef/2 }

// ordered reports whether node id's bottom list is ordered.
func (g *Graph) ordered(id uint32) bool {
	l := g.list(0, id)
	return l != nil && atomic.LoadUint32(&l[0])&headMark != 0
}

// OrderHead orders node u's bottom list (see headMark) unless it is ordered already or the
// graph's lists cannot be: the list is ranked by distance to u, pruned to headSize with alpha 1,
// and written back as the chosen entries, then the others by ascending distance, with the
// head's length. It uses w like an insertion.
func (b *Builder) OrderHead(w *Worker, u uint32) {
	g := b.G
	if !g.orderable() {
		return
	}
	g.Lock(u)
	defer g.Unlock(u)
	l := g.list(0, u)
	if l == nil || atomic.LoadUint32(&l[0])&headMark != 0 {
		return
	}
	n := listLen(l)
	head := n
	if n > 1 {
		ids := make32(&w.ids, n)
		for i := range ids {
			ids[i] = atomic.LoadUint32(&l[i+1])
		}
		items := b.rank(w, u, ids)
		sel := b.choose(w, items, g.headSize(), 1)
		head = len(sel)
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
	atomic.StoreUint32(&l[0], headWord(atomic.LoadUint32(&l[0]), n, head))
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

// HeadLengths returns the head lengths of the bottom lists as little-endian uint16s, node i's
// at bytes 2i and 2i+1: 0 for a list that is not ordered, else its head length plus one. It
// returns nil when no list is ordered.
func (g *Graph) HeadLengths() []byte {
	var out []byte
	for id := 0; id < g.n; id++ {
		w := atomic.LoadUint32(&g.adj[id*g.stride])
		if w&headMark == 0 {
			continue
		}
		if out == nil {
			out = make([]byte, 2*g.n)
		}
		binary.LittleEndian.PutUint16(out[2*id:], uint16(headLen(w)+1))
	}
	return out
}

// SetHeadLengths marks the bottom lists ordered with the head lengths in b (HeadLengths'
// layout), which must cover the graph's nodes exactly, each head within its list and headSize.
// On an error no list is marked.
func (g *Graph) SetHeadLengths(b []byte) error {
	if len(b) != 2*g.n {
		return fmt.Errorf("graph: %d bytes of list heads for %d nodes", len(b), g.n)
	}
	if !g.orderable() {
		for i := 0; i < len(b); i += 2 {
			if b[i] != 0 || b[i+1] != 0 {
				return fmt.Errorf("graph: list heads in a graph of degree %d", g.maxDeg)
			}
		}
		return nil
	}
	for id := 0; id < g.n; id++ {
		v := int(binary.LittleEndian.Uint16(b[2*id:]))
		if v == 0 {
			continue
		}
		n := int(wordLen(g.adj[id*g.stride]))
		if head := v - 1; head > n || head > g.headSize() || (head == 0 && n > 0) {
			return fmt.Errorf("graph: node %d: a head of %d in a list of %d", id, head, n)
		}
	}
	for id := 0; id < g.n; id++ {
		if v := uint32(binary.LittleEndian.Uint16(b[2*id:])); v != 0 {
			w := g.adj[id*g.stride]
			g.adj[id*g.stride] = headWord(w, int(wordLen(w)), int(v-1))
		}
	}
	return nil
}

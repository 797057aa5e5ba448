// Package graph is the proximity-graph machinery shared by the graph indexes: a flat bottom
// adjacency array, sparse route layers above it, NSW insertion with heuristic pruning, and a
// best-first searcher with pooled state.
//
// Concurrency model: the node set (AddNode, Reserve) changes only under the owning index's
// exclusive lock. Adjacency lists change under per-node striped locks and are written and read
// with atomic word operations, so searches may run while other goroutines insert edges without
// locking: a reader sees every word either old or new, and every id it sees names a node that
// already exists.
package graph

import (
	"github.com/govsag/vsag/core/alloc"
	"math"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/govsag/vsag/core/hugepage"
	"github.com/govsag/vsag/simd"
)

const lockStripes = 1 << 12

// Graph is a hierarchical graph: the bottom layer holds every node with up to MaxDegree
// neighbours; route layer l (1-based) holds the nodes whose level is at least l with up to
// RouteDegree neighbours. Node ids are dense uint32 values assigned by AddNode.
type Graph struct {
	maxDeg   int
	routeDeg int
	stride   int      // maxDeg + 1: word 0 of a list is its length
	adj      []uint32 // bottom lists, node i at [i*stride, (i+1)*stride)
	n        int
	layers   []*routeLayer // layers[l-1] is route layer l
	entry    atomic.Uint64 // 0: empty; else (level+1)<<32 | id
	epMu     sync.Mutex
	locks    []sync.Mutex
	lockMask uint32         // len(locks)-1
	charge   *alloc.Tracker // bytes of adj charged to the index's account (nil: not charged)
}

// routeLayer is one sparse upper layer: a slot per member node.
type routeLayer struct {
	slot  map[uint32]uint32 // node -> slot
	nodes []uint32          // slot -> node
	adj   []uint32          // slot s at [s*stride, (s+1)*stride)
}

// New returns an empty graph whose bottom lists hold maxDegree neighbours and whose route
// lists hold maxDegree/2.
func New(maxDegree int) *Graph {
	return NewStriped(maxDegree, lockStripes)
}

// NewStriped is New with stripes node locks (a power of two, at most New's 4096): a small
// graph, such as one of the many sub-graphs of a pyramid index, needs few.
func NewStriped(maxDegree, stripes int) *Graph {
	g := &Graph{maxDeg: maxDegree, routeDeg: max(maxDegree/2, 2), stride: maxDegree + 1}
	st := 1
	for st < min(max(stripes, 1), lockStripes) {
		st <<= 1
	}
	g.locks = make([]sync.Mutex, st)
	g.lockMask = uint32(st - 1)
	return g
}

// MaxDegree returns the bottom degree bound.
func (g *Graph) MaxDegree() int { return g.maxDeg }

// RouteDegree returns the degree bound of the route layers.
func (g *Graph) RouteDegree() int { return g.routeDeg }

// Degree returns the degree bound of layer level (0 is the bottom).
func (g *Graph) Degree(level int) int {
	if level == 0 {
		return g.maxDeg
	}
	return g.routeDeg
}

// Len returns the number of nodes.
func (g *Graph) Len() int { return g.n }

// Levels returns the number of route layers.
func (g *Graph) Levels() int { return len(g.layers) }

// Reserve makes room for n nodes in the bottom layer. The caller holds the exclusive lock.
func (g *Graph) Reserve(n int) {
	if n*g.stride <= len(g.adj) {
		return
	}
	adj := make([]uint32, n*g.stride)
	hugepage.Slice(adj)
	copy(adj, g.adj[:g.n*g.stride])
	g.adj = adj
	g.charge.Set(int64(len(adj)) * 4)
}

// RandomLevel maps a uniform u in (0,1] to the number of route layers a node joins. VSAG draws
// level = floor(-ln(u)/ln(M)) - 1 and puts the node into route layers 0..level, a negative
// level meaning the bottom graph only; the count of route layers is therefore level+1 =
// floor(-ln(u)/ln(M)), so a node reaches the first route layer with probability 1/M.
func RandomLevel(u float64, maxDegree int) int {
	if u <= 0 {
		u = math.SmallestNonzeroFloat64
	}
	vsagLevel := int(math.Floor(-math.Log(u)/math.Log(float64(maxDegree)))) - 1
	return min(max(vsagLevel+1, 0), 16)
}

// AddNode appends a node that joins route layers 1..level and returns its id. Its lists start
// empty. The caller holds the exclusive lock.
func (g *Graph) AddNode(level int) uint32 {
	id := uint32(g.n)
	if (g.n+1)*g.stride > len(g.adj) {
		g.Reserve(max(2*g.n, 64))
	}
	g.n++
	for l := 1; l <= level; l++ {
		if l > len(g.layers) {
			g.layers = append(g.layers, &routeLayer{slot: map[uint32]uint32{}})
		}
		g.layers[l-1].add(id, g.routeDeg+1)
	}
	return id
}

func (r *routeLayer) add(id uint32, stride int) {
	s := uint32(len(r.nodes))
	r.slot[id] = s
	r.nodes = append(r.nodes, id)
	r.adj = append(r.adj, make([]uint32, stride)...)
}

// Entry returns the entry point and its level; ok is false for an empty graph.
func (g *Graph) Entry() (id uint32, level int, ok bool) {
	e := g.entry.Load()
	if e == 0 {
		return 0, 0, false
	}
	return uint32(e), int(e>>32) - 1, true
}

func (g *Graph) setEntry(id uint32, level int) { g.entry.Store(uint64(level+1)<<32 | uint64(id)) }

// SetEntry sets the entry point (used when loading).
func (g *Graph) SetEntry(id uint32, level int) { g.setEntry(id, level) }

// NodeLevel returns the number of route layers node id belongs to.
func (g *Graph) NodeLevel(id uint32) int {
	l := 0
	for l < len(g.layers) {
		if _, ok := g.layers[l].slot[id]; !ok {
			break
		}
		l++
	}
	return l
}

// list returns the raw list of id on level (word 0 is the length), or nil when id is not on
// that level.
func (g *Graph) list(level int, id uint32) []uint32 {
	if level == 0 {
		o := int(id) * g.stride
		return g.adj[o : o+g.stride : o+g.stride]
	}
	if level > len(g.layers) {
		return nil
	}
	r := g.layers[level-1]
	s, ok := r.slot[id]
	if !ok {
		return nil
	}
	st := g.routeDeg + 1
	o := int(s) * st
	return r.adj[o : o+st : o+st]
}

// Neighbors appends the neighbours of id on level to dst and returns it.
func (g *Graph) Neighbors(level int, id uint32, dst []uint32) []uint32 {
	l := g.list(level, id)
	if l == nil {
		return dst
	}
	n := listLen(l)
	for i := 1; i <= n; i++ {
		dst = append(dst, atomic.LoadUint32(&l[i]))
	}
	return dst
}

// SetNeighbors replaces the list of id on level. The caller holds Lock(id) (or the exclusive
// lock); len(ids) must not exceed the level's degree.
func (g *Graph) SetNeighbors(level int, id uint32, ids []uint32) {
	g.setNeighbors(level, id, ids, 0)
}

// setNeighbors is SetNeighbors with marks (closedMark) set in the list's word 0.
func (g *Graph) setNeighbors(level int, id uint32, ids []uint32, marks uint32) {
	l := g.list(level, id)
	if l == nil {
		return
	}
	n := min(len(ids), len(l)-1)
	// Shrinking first keeps a concurrent reader from seeing more entries than are written.
	if old := listLen(l); n < old {
		atomic.StoreUint32(&l[0], uint32(n))
	}
	for i := 0; i < n; i++ {
		atomic.StoreUint32(&l[i+1], ids[i])
	}
	atomic.StoreUint32(&l[0], uint32(n)|marks)
}

// Lock locks the stripe of node id; writers of id's lists hold it.
func (g *Graph) Lock(id uint32) { g.locks[id&g.lockMask].Lock() }

// Unlock unlocks the stripe of node id.
func (g *Graph) Unlock(id uint32) { g.locks[id&g.lockMask].Unlock() }

// MemoryUsage returns the bytes held by the adjacency.
func (g *Graph) MemoryUsage() int64 {
	b := int64(cap(g.adj))*4 + int64(len(g.locks))*8 + 256
	for _, r := range g.layers {
		b += int64(cap(r.adj))*4 + int64(cap(r.nodes))*4 + int64(len(r.slot))*routeMapEntryBytes
	}
	return b
}

// routeMapEntryBytes approximates the cost of one entry of a Go map[uint32]uint32.
const routeMapEntryBytes = 24

// EstimateMemory estimates MemoryUsage for n nodes with bottom degree maxDegree.
func EstimateMemory(n int64, maxDegree int) int64 {
	b := n*int64(maxDegree+1)*4 + lockStripes*8 + 256
	// expected number of route-layer memberships per node: sum over l>=1 of M^-(l+1)
	m := float64(maxDegree)
	upper := float64(n) / (m * (m - 1))
	b += int64(upper * float64((maxDegree/2+1)*4+4+routeMapEntryBytes) * 1.5)
	return b
}

// Clone returns a deep copy of the graph.
func (g *Graph) Clone() *Graph {
	c := NewStriped(g.maxDeg, len(g.locks))
	c.adj = append([]uint32(nil), g.adj[:g.n*g.stride]...)
	c.n = g.n
	for _, r := range g.layers {
		nr := &routeLayer{slot: make(map[uint32]uint32, len(r.slot)), nodes: append([]uint32(nil), r.nodes...), adj: append([]uint32(nil), r.adj...)}
		for k, v := range r.slot {
			nr.slot[k] = v
		}
		c.layers = append(c.layers, nr)
	}
	c.entry.Store(g.entry.Load())
	return c
}

// Cap returns the nodes the bottom layer has room for without growing.
func (g *Graph) Cap() int { return len(g.adj) / g.stride }

// prefetchList asks for every cache line of node id's bottom list: a word in each sixteen (64
// bytes) up to the last one, and the last one. Asking for the first and last lines only left the middle of a list
// of max_degree 64 (260 bytes over five lines) to be fetched when the hop read it:
// clustered-128, VSAG's defaults (max_degree 64), ef_search 32-96, 1.03-1.06x and 1.03-1.05x in
// two runs (same index and process); max_degree 32 (three lines) within -3% to +8%.
func (g *Graph) prefetchList(id uint32) {
	o := int(id) * g.stride
	if o+g.stride > len(g.adj) {
		return
	}
	last := o + g.stride - 1
	for i := o; i < last; i += 16 {
		simd.Prefetch(unsafe.Pointer(&g.adj[i]))
	}
	simd.Prefetch(unsafe.Pointer(&g.adj[last]))
}

package graph

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/govsag/vsag/core/api"
)

// ConjugateMaxDegree bounds the conjugate edges one label keeps (VSAG's MAXIMUM_DEGREE): an
// edge beyond it is not added.
const ConjugateMaxDegree = 128

// ConjugateLookAtK is the number of best results whose conjugate edges a search follows
// (VSAG's LOOK_AT_K); a search that consults the conjugate graph asks the graph for at least
// this many results.
const ConjugateLookAtK = 20

// Conjugate is a conjugate graph: directed edges between labels, learned from search feedback.
// An edge from a to b says that a search which ended near a missed b, the true nearest
// neighbour of its query. Searches follow the edges of their best results and take in the
// targets that are closer than their worst result (Enhance).
//
// It is keyed by label, as VSAG's is: a label removed and added again keeps its edges, and
// UpdateID moves them (Relabel). Edges to labels that are no longer live are skipped when a
// search follows them. It is safe for concurrent use.
type Conjugate struct {
	mu    sync.RWMutex
	adj   map[int64][]int64
	edges int
}

// NewConjugate returns an empty conjugate graph.
func NewConjugate() *Conjugate { return &Conjugate{adj: map[int64][]int64{}} }

// AddEdge adds the edge from -> to and reports whether it was added: a self edge, an edge
// already present and an edge beyond ConjugateMaxDegree are not.
func (c *Conjugate) AddEdge(from, to int64) bool {
	if from == to {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.adj[from]
	if len(l) >= ConjugateMaxDegree || slices.Contains(l, to) {
		return false
	}
	c.adj[from] = append(l, to)
	c.edges++
	return true
}

// Clear removes every edge.
func (c *Conjugate) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.adj, c.edges = map[int64][]int64{}, 0
}

// Neighbors appends the targets of the edges of from to dst and returns it.
func (c *Conjugate) Neighbors(from int64, dst []int64) []int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append(dst, c.adj[from]...)
}

// Len returns the number of labels with edges and the number of edges.
func (c *Conjugate) Len() (nodes, edges int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.adj), c.edges
}

// Relabel moves the edges of label from, and the edges to it, to label to (UpdateID). It
// reports whether anything changed. When both labels have edges of their own the edges of
// from are merged into those of to (up to ConjugateMaxDegree).
func (c *Conjugate) Relabel(from, to int64) bool {
	if from == to {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := false
	if l, ok := c.adj[from]; ok {
		delete(c.adj, from)
		c.edges -= len(l)
		for _, t := range l {
			c.addLocked(to, t)
		}
		changed = true
	}
	for k, l := range c.adj {
		i := slices.Index(l, from)
		if i < 0 {
			continue
		}
		changed = true
		if k == to || slices.Contains(l, to) {
			c.adj[k] = slices.Delete(l, i, i+1)
			c.edges--
			continue
		}
		l[i] = to
	}
	return changed
}

func (c *Conjugate) addLocked(from, to int64) {
	l := c.adj[from]
	if from == to || len(l) >= ConjugateMaxDegree || slices.Contains(l, to) {
		return
	}
	c.adj[from] = append(l, to)
	c.edges++
}

// MemoryUsage returns the bytes the graph holds (labels, edge lists and the map's slots).
func (c *Conjugate) MemoryUsage() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var b int64 = 64
	for _, l := range c.adj {
		b += 8 + 24 + 16 + int64(cap(l))*8
	}
	return b
}

// Enhance merges into results (ascending by distance, as a search returns them) the targets of
// the conjugate edges of its ConjugateLookAtK best results. The targets not in results already
// and for which keep (may be nil) reports true are measured with dist, which writes the
// distance of each label into out (NaN for a label that is not live). Those closer than the
// worst result replace the worst results, so the count of results stays the same. It returns
// the results and the number of results replaced.
func (c *Conjugate) Enhance(results []api.Neighbor, keep func(label int64) bool, dist func(labels []int64, out []float32) error) ([]api.Neighbor, int, error) {
	if len(results) == 0 {
		return results, 0, nil
	}
	var cand []int64
	c.mu.RLock()
	if c.edges > 0 {
		for _, r := range results[:min(ConjugateLookAtK, len(results))] {
			cand = append(cand, c.adj[r.ID]...)
		}
	}
	c.mu.RUnlock()
	if len(cand) == 0 {
		return results, 0, nil
	}
	// drop the candidates that are results already or repeated: sorted, the repeats are
	// neighbours, and each result is found by a binary search
	slices.Sort(cand)
	cand = slices.Compact(cand)
	ids := make([]int64, len(results))
	for i, r := range results {
		ids[i] = r.ID
	}
	slices.Sort(ids)
	fresh := cand[:0]
	for _, l := range cand {
		if _, found := slices.BinarySearch(ids, l); !found && (keep == nil || keep(l)) {
			fresh = append(fresh, l)
		}
	}
	if len(fresh) == 0 {
		return results, 0, nil
	}
	d := make([]float32, len(fresh))
	if err := dist(fresh, d); err != nil {
		return results, 0, err
	}
	n := len(results)
	added := 0
	for i, l := range fresh {
		if !(d[i] < results[len(results)-1].Distance) { // NaN never enters
			continue
		}
		// insert in order, dropping the worst: the list stays sorted and of length n
		j, _ := slices.BinarySearchFunc(results, d[i], func(a api.Neighbor, t float32) int {
			if a.Distance <= t {
				return -1
			}
			return 1
		})
		copy(results[j+1:], results[j:n-1])
		results[j] = api.Neighbor{ID: l, Distance: d[i]}
		added++
	}
	return results, added, nil
}

// conjugateMagic opens the serialized form: "CJG1".
const conjugateMagic = 0x31474a43

// MarshalBinary encodes the graph: a magic word, the number of labels with edges, then per
// label (ascending) the label, its edge count and the targets, little-endian.
func (c *Conjugate) MarshalBinary() ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	keys := make([]int64, 0, len(c.adj))
	for k := range c.adj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, 12+len(keys)*12+c.edges*8)
	b = binary.LittleEndian.AppendUint32(b, conjugateMagic)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(keys)))
	for _, k := range keys {
		l := c.adj[k]
		b = binary.LittleEndian.AppendUint64(b, uint64(k))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(l)))
		for _, t := range l {
			b = binary.LittleEndian.AppendUint64(b, uint64(t))
		}
	}
	return b, nil
}

// errConjugate is the cause of every decoding error.
var errConjugate = errors.New("conjugate graph")

// UnmarshalBinary replaces the graph with the one encoded in b, which it treats as hostile:
// every count is checked against the bytes left before anything is allocated.
func (c *Conjugate) UnmarshalBinary(b []byte) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", errConjugate, fmt.Sprintf(format, args...))
	}
	if len(b) < 12 || binary.LittleEndian.Uint32(b) != conjugateMagic {
		return bad("bad header")
	}
	n := binary.LittleEndian.Uint64(b[4:])
	b = b[12:]
	if n > uint64(len(b)/12) {
		return bad("%d labels do not fit in %d bytes", n, len(b))
	}
	adj := make(map[int64][]int64, n)
	edges := 0
	for i := uint64(0); i < n; i++ {
		if len(b) < 12 {
			return bad("label %d is truncated", i)
		}
		from := int64(binary.LittleEndian.Uint64(b))
		m := binary.LittleEndian.Uint32(b[8:])
		b = b[12:]
		if m == 0 || m > ConjugateMaxDegree {
			return bad("label %d has %d edges (valid 1..%d)", from, m, ConjugateMaxDegree)
		}
		if int(m) > len(b)/8 {
			return bad("label %d: %d edges do not fit in %d bytes", from, m, len(b))
		}
		if _, dup := adj[from]; dup {
			return bad("label %d appears twice", from)
		}
		l := make([]int64, m)
		for j := range l {
			l[j] = int64(binary.LittleEndian.Uint64(b[8*j:]))
			if l[j] == from || slices.Contains(l[:j], l[j]) {
				return bad("label %d: edge to %d is a self or repeated edge", from, l[j])
			}
		}
		b = b[8*m:]
		adj[from] = l
		edges += int(m)
	}
	if len(b) != 0 {
		return bad("%d bytes after the last label", len(b))
	}
	c.mu.Lock()
	c.adj, c.edges = adj, edges
	c.mu.Unlock()
	return nil
}

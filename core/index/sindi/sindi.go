// Package sindi is the sindi index, VSAG's SINDI (Sparse INverted Dense Index) for sparse
// vectors such as BM25 or SPLADE encodings. Documents are grouped into windows of window_size;
// each window holds, per term, a posting list of (document, value) pairs sorted by value. A
// query scatter-adds the posting lists of its terms into a per-window score accumulator, keeps
// the n_candidate best documents and, with use_reorder, rescores them with the whole
// documents. Distances are 1 - inner product; the metric is ip only.
package sindi

import (
	"math"
	"sort"
	"sync"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
)

// Name is the index type name.
const Name = "sindi"

// Slot states of an inner id.
const (
	live     = 0
	removed  = 1 // marked removed by the caller
	replaced = 2 // superseded by a vector update: the label lives on in a later slot
)

// plist is one posting list of a window: local document numbers and their values in the
// index's value format (one of f32, f16, q8 is used), sorted by value descending, then by
// document ascending.
type plist struct {
	docs []uint16
	f32  []float32
	f16  []uint16
	q8   []uint8
	// bits marks the list's documents, for long lists only (see memberBits): the test of
	// use_dynamic_pruning that a document does not hold the term
	bits []uint64
	// rank holds, per word of bits, the documents before it: with doc_ordered_postings, the
	// position of a document among the list's documents in document order (docorder.go)
	rank []uint16
}

// window holds the posting lists of window_size consecutive inner ids.
type window struct {
	at    []int32 // term slot -> index+1 into lists (0: no list)
	lists []plist
	terms []uint32 // list index -> term slot
}

// Index is the sindi engine.
type Index struct {
	mu  sync.RWMutex
	cfg config
	dim int

	labels   []int64 // inner id -> label
	state    []uint8 // inner id -> live, removed or replaced
	byLabel  map[int64]uint32
	nRemoved int64

	windows  []*window
	slots    map[uint32]uint32 // term id -> slot (dense, in order of first sight)
	slotTerm []uint32          // slot -> term id
	slotBuf  []uint32          // scratch of inserts (under the write lock)

	sqMin, sqScale float32 // sq8: value = sqMin + code*sqScale
	sqSet          bool

	fwd   *forward  // whole documents for reorder (nil without use_reorder)
	do    *docOrder // the postings of doc_ordered_postings (nil without; docorder.go)
	built bool

	cache params.Cache[*SearchParams]
	pool  sync.Pool // *scratch
}

// New creates an empty sindi index from parsed create parameters.
func New(c *params.Create) (*Index, error) {
	if c.DType != params.Sparse {
		return nil, api.Errorf(api.InvalidArgument, "sindi: dtype must be sparse, got %s", c.DType)
	}
	if c.Metric != metric.IP {
		return nil, api.Errorf(api.InvalidArgument, "sindi: metric_type must be ip, got %s", c.Metric)
	}
	cfg, err := parseConfig(c.IndexParam)
	if err != nil {
		return nil, err
	}
	x := &Index{cfg: cfg, dim: c.Dim}
	x.reset()
	x.cache.Parse = parseSearch
	return x, nil
}

func (x *Index) reset() {
	x.labels, x.state, x.byLabel, x.nRemoved = nil, nil, map[int64]uint32{}, 0
	x.windows, x.slots, x.slotTerm = nil, map[uint32]uint32{}, nil
	x.sqMin, x.sqScale, x.sqSet, x.built = 0, 0, false, false
	x.fwd, x.do = nil, nil
	if x.cfg.UseReorder {
		x.fwd = newForward(x.cfg.RerankDMQ8, x.cfg.DMQShared)
	}
}

// Name implements api.Engine.
func (x *Index) Name() string { return Name }

// Features implements api.Engine: the flags of the sparse capabilities core cannot derive from
// the dense interfaces. The distance by id of a sparse query is a Go call of its own
// (core.Index.CalcDistanceByIDsSparse), not the generic one the C, Python and Node surfaces
// reach, so SUPPORT_CAL_DISTANCE_BY_ID stays off.
func (x *Index) Features() api.FeatureSet {
	var s api.FeatureSet
	for _, f := range []api.Feature{
		api.SupportMetricTypeInnerProduct, api.SupportRangeSearch, api.SupportRangeSearchWithIDFilter,
		api.SupportKnnSearchWithIDFilter,
		api.SupportGetStats, api.SupportSearchConcurrent, api.SupportDeleteConcurrent,
	} {
		s = s.With(f)
	}
	if !x.BuildOnly() {
		// An index that refuses every add after its build has no concurrent adds.
		s = s.With(api.SupportAddConcurrent)
	}
	return s
}

// BuildOnly reports whether only the first add (the build) is accepted, so that core leaves
// SUPPORT_ADD_AFTER_BUILD off: with immutable, the compact read-only runtime refuses later
// adds (and updates of a vector); with the dmq8 rerank, the codebooks the build fixed cannot
// take new documents. Removing and relabelling stay: like VSAG's, they only mark the label
// table.
func (x *Index) BuildOnly() bool { return x.cfg.Immutable || x.cfg.RerankDMQ8 }

var errDense = api.Errorf(api.InvalidArgument, "sindi takes sparse rows (dtype sparse), not dense vectors")

// Add implements api.Engine; sindi refuses dense vectors.
func (x *Index) Add([]float32, []int64, api.InsertHook) ([]int64, error) { return nil, errDense }

// KnnSearch implements api.Engine; sindi refuses dense queries.
func (x *Index) KnnSearch([]float32, int, *api.SearchOptions) ([]api.Neighbor, error) {
	return nil, errDense
}

// Contains implements api.Engine.
func (x *Index) Contains(label int64) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	_, ok := x.byLabel[label]
	return ok
}

// NumElements implements api.Engine.
func (x *Index) NumElements() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return int64(len(x.byLabel))
}

// NumRemoved implements api.Remover.
func (x *Index) NumRemoved() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.nRemoved
}

// ExportIDs implements api.Engine.
func (x *Index) ExportIDs() []int64 {
	x.mu.RLock()
	out := make([]int64, 0, len(x.byLabel))
	for l := range x.byLabel {
		out = append(out, l)
	}
	x.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// MinMaxID implements api.MinMaxer.
func (x *Index) MinMaxID() (int64, int64, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(x.byLabel) == 0 {
		return 0, 0, api.Errorf(api.IndexEmpty, "sindi: the index holds no vectors")
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for l := range x.byLabel {
		lo, hi = min(lo, l), max(hi, l)
	}
	return lo, hi, nil
}

// Remove implements api.Remover (VSAG's mark remove).
func (x *Index) Remove(ids []int64) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	for _, l := range ids {
		if in, ok := x.byLabel[l]; ok {
			delete(x.byLabel, l)
			x.state[in] = removed
			x.nRemoved++
			n++
		}
	}
	return n, nil
}

// UpdateID implements api.Relabeler.
func (x *Index) UpdateID(from, to int64, onRelabel func()) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	in, ok := x.byLabel[from]
	if !ok {
		return api.Errorf(api.InvalidArgument, "sindi: update id: label %d does not exist", from)
	}
	if from == to {
		return nil
	}
	if _, ok := x.byLabel[to]; ok {
		return api.Errorf(api.InvalidArgument, "sindi: update id: label %d already exists", to)
	}
	delete(x.byLabel, from)
	x.byLabel[to] = in
	x.labels[in] = to
	if onRelabel != nil {
		onRelabel()
	}
	return nil
}

func (x *Index) sqCode(v float32) uint8 {
	c := (v - x.sqMin) / x.sqScale
	switch {
	case !(c > 0):
		return 0
	case c >= 255:
		return 255
	}
	return uint8(c + 0.5)
}

// value returns the value at position i of list l as float32.
func (x *Index) value(l *plist, i int) float32 {
	switch x.cfg.Value {
	case valueSQ8:
		return x.sqMin + float32(l.q8[i])*x.sqScale
	case valueFP16:
		return f16Table[l.f16[i]]
	}
	return l.f32[i]
}

// windowOf returns the window of inner id in and its local number.
func (x *Index) windowOf(in uint32) (*window, uint16) {
	return x.windows[int(in)/x.cfg.WindowSize], uint16(int(in) % x.cfg.WindowSize)
}

// MemoryUsage implements api.Engine.
func (x *Index) MemoryUsage() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	m := int64(cap(x.labels))*8 + int64(cap(x.state)) + int64(len(x.byLabel))*24 + int64(len(x.slots))*16 + int64(cap(x.slotTerm))*4
	for _, w := range x.windows {
		m += int64(cap(w.at))*4 + int64(cap(w.lists))*120 + int64(cap(w.terms))*4
		for i := range w.lists {
			l := &w.lists[i]
			m += int64(cap(l.docs))*2 + int64(cap(l.f32))*4 + int64(cap(l.f16))*2 + int64(cap(l.q8)) + int64(cap(l.bits))*8 + int64(cap(l.rank))*2
		}
	}
	if x.fwd != nil {
		m += x.fwd.memory()
	}
	if x.do != nil {
		m += x.do.memory()
	}
	return m
}

// EstimateMemory implements api.MemoryEstimator: n documents of avg_doc_term_length terms.
func (x *Index) EstimateMemory(n int64) int64 {
	terms := n * int64(x.cfg.AvgDocTermLength)
	keep := float64(1 - x.cfg.DocPruneRatio)
	valueBytes := [...]int64{4, 1, 2}[x.cfg.Value]
	m := int64(float64(terms)*keep)*(2+valueBytes) + n*(8+1+24)
	windows := (n + int64(x.cfg.WindowSize) - 1) / int64(x.cfg.WindowSize)
	m += windows * int64(min(x.cfg.TermIDLimit, 1<<20)) * 4
	if x.cfg.DocOrderedPostings {
		m += int64(float64(terms)*keep) * 8
	}
	if x.cfg.UseReorder {
		per := int64(8)
		if x.cfg.RerankDMQ8 {
			per = 5
		}
		m += terms*per + n*8
	}
	return m
}

// Save and Load live in persist.go; searches in search.go; inserts in insert.go.
var _ interface {
	api.Engine
	api.SparseEngine
	api.Remover
	api.Relabeler
	api.MemoryEstimator
	api.MinMaxer
} = (*Index)(nil)

var _ = serial.Critical

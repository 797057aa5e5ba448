// Package warp is the warp index: VSAG's exact multi-vector scan (its brute force in
// multi-vector mode). Rows are documents of sub-vectors (ColBERT-style); a search scores every
// live document by MaxSim distance (see package mvec) with blocked SIMD kernels and returns the
// nearest.
package warp

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/index/mvec"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/parallel"
)

// Name is the index type name.
const Name = "warp"

// Params is the warp index_param block (VSAG's keys; the sub-vectors are held in memory as
// float32).
type Params struct {
	// BaseQuantizationType is the form of the stored sub-vectors: "fp32" (VSAG's default).
	BaseQuantizationType string `json:"base_quantization_type"`
	// BaseIOType is where the sub-vectors live: "memory_io" or "block_memory_io" (VSAG's
	// default); both keep them in memory.
	BaseIOType string `json:"base_io_type"`
	// BaseFilePath is VSAG's file of disk-backed io types; accepted and unused in memory.
	BaseFilePath string `json:"base_file_path"`
}

// SearchParams is the warp search block: the common keys only.
type SearchParams struct {
	params.SearchCommon
}

// Index is the warp engine.
type Index struct {
	store.LabelView
	mu     sync.RWMutex
	dim    int
	metric metric.Kind
	docs   *mvec.Docs
	labels *store.Labels
}

// New creates an empty warp index. dtype must be float32 and metric_type ip or l2: VSAG's
// multi-vector computer scores these two and refuses cosine, so warp does too (unit-length
// sub-vectors under ip score as cosine).
func New(c *params.Create) (*Index, error) {
	p := Params{BaseQuantizationType: "fp32", BaseIOType: "block_memory_io"}
	if err := params.DecodeStrict(c.IndexParam, &p, "index_param"); err != nil {
		return nil, err
	}
	if err := CheckCommon(Name, c); err != nil {
		return nil, err
	}
	if c.Metric == metric.Cosine {
		return nil, api.Errorf(api.InvalidArgument, "warp supports metric_type ip and l2, not cosine: VSAG's multi-vector MaxSim scoring has no cosine form (normalise the sub-vectors and use ip, which then scores as cosine)")
	}
	if p.BaseQuantizationType != "fp32" {
		return nil, api.Errorf(api.InvalidArgument, "key \"base_quantization_type\": warp stores fp32 sub-vectors, %q is not available", p.BaseQuantizationType)
	}
	switch p.BaseIOType {
	case "memory_io", "block_memory_io":
	default:
		return nil, api.Errorf(api.InvalidArgument, "key \"base_io_type\": %q is not available, use memory_io or block_memory_io", p.BaseIOType)
	}
	x := &Index{dim: c.Dim, metric: c.Metric, docs: mvec.NewDocs(c.Dim), labels: store.NewLabels()}
	x.LabelView = store.LabelView{Mu: &x.mu, Table: func() *store.Labels { return x.labels }, Index: Name}
	return x, nil
}

// CheckCommon refuses the create parameters a multi-vector index cannot take: a dtype other
// than float32 (VSAG's multi-vector documents hold float32 sub-vectors).
func CheckCommon(name string, c *params.Create) error {
	if c.DType != params.Float32 {
		return api.Errorf(api.InvalidArgument, "%s only supports float32 datatype, not %s", name, c.DType)
	}
	return nil
}

// Name implements api.Engine.
func (x *Index) Name() string { return Name }

// Features implements api.Engine.
func (x *Index) Features() api.FeatureSet {
	return api.NewFeatureSet(
		api.SupportMetricTypeL2, api.SupportMetricTypeInnerProduct,
		api.SupportRangeSearch, api.SupportRangeSearchWithIDFilter, // RangeSearchMulti
		api.SupportSearchOneWithMultiThread,
		api.SupportSearchConcurrent, api.SupportAddConcurrent, api.SupportDeleteConcurrent,
		api.SupportUpdateIDConcurrent,
		api.SupportAddSearchConcurrent, api.SupportAddDeleteConcurrent, api.SupportSearchDeleteConcurrent,
		api.SupportAddSearchDeleteConcurrent,
		api.SupportGetStats, // MultiVectorStats
	)
}

// Add implements api.Engine: warp refuses one-vector-per-row input.
func (x *Index) Add([]float32, []int64, api.InsertHook) ([]int64, error) {
	return nil, mvec.ErrDense(Name, "add")
}

// KnnSearch implements api.Engine: warp refuses a dense query.
func (x *Index) KnnSearch([]float32, int, *api.SearchOptions) ([]api.Neighbor, error) {
	return nil, mvec.ErrDense(Name, "knn search")
}

// AddMulti implements api.MultiVectorEngine. Labels already live are returned and skipped.
func (x *Index) AddMulti(vectors []float32, counts []int, ids []int64, build bool, onInsert api.InsertHook) ([]int64, error) {
	if err := mvec.CheckCounts(Name, vectors, counts, len(ids), x.dim); err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if build && x.labels.Total() > 0 {
		return nil, api.Errorf(api.BuildTwice, "warp: the index is already built")
	}
	x.docs.Grow(len(vectors), len(ids))
	var failed []int64
	off := 0
	for i, id := range ids {
		c := counts[i]
		v := vectors[off*x.dim : (off+c)*x.dim]
		off += c
		if _, err := x.labels.Append(id); err != nil {
			failed = append(failed, id)
			continue
		}
		x.docs.Append(v, c)
		if onInsert != nil {
			onInsert(i, id)
		}
	}
	return failed, nil
}

// Remove implements api.Remover (mark remove).
func (x *Index) Remove(ids []int64) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.labels.RemoveAll(ids), nil
}

// blockVectors is the number of sub-vectors a scan block aims at.
const blockVectors = 2048

// scan scores the documents [lo, hi) and hands each live document the filter keeps to visit.
// It returns the documents scored and false when the deadline passed.
func (x *Index) scan(s *mvec.Scorer, lo, hi int, opts *api.SearchOptions, visit func(d float32, r uint32)) (int64, bool) {
	dist := make([]float32, 0, 256)
	removed := x.labels.RemovedWords()
	checkTime := !opts.Deadline.IsZero()
	var scored int64
	for b := lo; b < hi; {
		e := b + 1
		for e < hi && e-b < cap(dist) && x.docs.Starts[e+1]-x.docs.Starts[b] <= blockVectors {
			e++
		}
		if opts.Filter != nil && !x.anyValid(b, e, removed, opts.Filter) {
			b = e
			continue
		}
		out := dist[:e-b]
		s.ScanBlock(x.docs, b, e, out)
		scored += int64(e - b)
		for i, d := range out {
			r := uint32(b + i)
			if removed[r>>6]&(1<<(r&63)) != 0 {
				continue
			}
			if opts.Filter != nil && !opts.Filter.CheckValid(x.labels.Label(r)) {
				continue
			}
			visit(d, r)
		}
		b = e
		if checkTime && time.Now().After(opts.Deadline) {
			return scored, false
		}
	}
	return scored, true
}

// anyValid reports whether a document of [lo, hi) is live and kept by f, so that a selective
// filter skips whole blocks without scoring them.
func (x *Index) anyValid(lo, hi int, removed []uint64, f api.Filter) bool {
	for r := uint32(lo); r < uint32(hi); r++ {
		if removed[r>>6]&(1<<(r&63)) == 0 && f.CheckValid(x.labels.Label(r)) {
			return true
		}
	}
	return false
}

// parts splits n documents into at most p contiguous ranges.
func parts(n, p int) [][2]int {
	p = max(1, min(p, runtime.GOMAXPROCS(0), (n+255)/256))
	out := make([][2]int, 0, p)
	for i := 0; i < p; i++ {
		out = append(out, [2]int{n * i / p, n * (i + 1) / p})
	}
	return out
}

// scanAll runs visit-producing scans over all documents on opts.Parallelism goroutines; each
// range gets its own collector from newCollector.
func (x *Index) scanAll(query []float32, count int, opts *api.SearchOptions, collect func(part int) func(d float32, r uint32)) (int, error) {
	n := x.docs.Rows()
	ranges := parts(n, opts.Parallelism)
	var scored atomic.Int64
	var timedOut atomic.Bool
	err := parallel.Run(len(ranges), func(i int) error {
		s := mvec.NewScorer(x.metric, x.dim, query, count)
		c, ok := x.scan(s, ranges[i][0], ranges[i][1], opts, collect(i))
		scored.Add(c)
		if !ok {
			timedOut.Store(true)
		}
		return nil
	})
	if opts.Stats != nil {
		opts.Stats.DistanceComputations += scored.Load()
		opts.Stats.Hops += scored.Load()
		opts.Stats.TimedOut = opts.Stats.TimedOut || timedOut.Load()
	}
	return len(ranges), err
}

// KnnSearchMulti implements api.MultiVectorEngine.
func (x *Index) KnnSearchMulti(query []float32, count, k int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	if err := x.searchParams(opts); err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	heaps := make([]*topk.MaxHeap, max(1, len(parts(x.docs.Rows(), opts.Parallelism))))
	_, err := x.scanAll(query, count, opts, func(i int) func(float32, uint32) {
		h := topk.NewMaxHeap(k)
		heaps[i] = h
		return func(d float32, r uint32) { h.Push(d, r) }
	})
	if err != nil {
		return nil, err
	}
	final := topk.NewMaxHeap(k)
	for _, h := range heaps {
		if h == nil {
			continue
		}
		for _, it := range h.Items() {
			final.Push(it.Dist, it.ID)
		}
	}
	return x.labels.Neighbors(final.Sorted()), nil
}

// RangeSearchMulti implements api.MultiVectorRangeSearcher.
func (x *Index) RangeSearchMulti(query []float32, count int, radius float32, limit int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	if err := x.searchParams(opts); err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	found := make([][]topk.Item, max(1, len(parts(x.docs.Rows(), opts.Parallelism))))
	_, err := x.scanAll(query, count, opts, func(i int) func(float32, uint32) {
		return func(d float32, r uint32) {
			if d <= radius {
				found[i] = append(found[i], topk.Item{Dist: d, ID: r})
			}
		}
	})
	if err != nil {
		return nil, err
	}
	var all []topk.Item
	for _, f := range found {
		all = append(all, f...)
	}
	topk.SortItems(all)
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	return x.labels.Neighbors(all), nil
}

func (x *Index) searchParams(opts *api.SearchOptions) error {
	sp := &SearchParams{SearchCommon: params.SearchCommon{Parallelism: opts.Parallelism}}
	if err := params.DecodeStrict(opts.Block, sp, "search parameters \"warp\""); err != nil {
		return err
	}
	if err := params.Int("parallelism", sp.Parallelism, 1, 1024); err != nil {
		return err
	}
	if sp.TimeoutMs < 0 {
		return api.Errorf(api.InvalidArgument, "key \"timeout_ms\": %g must not be negative", sp.TimeoutMs)
	}
	opts.Parallelism = sp.Parallelism
	opts.Deadline = sp.Deadline(opts.Deadline)
	return nil
}

// CalcDistanceMulti implements api.MultiVectorDistanceCalculator.
func (x *Index) CalcDistanceMulti(query []float32, count int, ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := mvec.NewScorer(x.metric, x.dim, query, count)
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok {
			out[i] = -1
			continue
		}
		doc, c := x.docs.Doc(r)
		out[i] = s.Distance(doc, c)
	}
	return nil
}

// avgDocVectors is the sub-vectors per document EstimateMemory assumes (VSAG's figure).
const avgDocVectors = 10

// EstimateMemory implements api.MemoryEstimator.
func (x *Index) EstimateMemory(n int64) int64 {
	return n*(avgDocVectors*int64(x.dim)*4+8) + store.EstimateLabelsMemory(int(n)) + 4096
}

// MemoryUsage implements api.Engine.
func (x *Index) MemoryUsage() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.docs.MemoryUsage() + x.labels.MemoryUsage() + 4096
}

// Section names.
const (
	secInfo   = "warp.info"
	secLabels = "warp.labels"
	secDocs   = "warp.docs"
)

type info struct {
	Dim    int    `json:"dim"`
	Metric string `json:"metric"`
}

// Save implements api.Engine.
func (x *Index) Save(f *serial.File) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	inf, _ := json.Marshal(info{Dim: x.dim, Metric: x.metric.String()})
	f.Add(secInfo, inf)
	f.AddLockedStream(secLabels, serial.Critical, x.labels.SectionSize(), x.mu.RLocker(), func(w io.Writer) error { return x.labels.WriteSection(w) })
	f.AddLockedStream(secDocs, serial.Critical, x.docs.SectionSize(), x.mu.RLocker(), func(w io.Writer) error { return x.docs.WriteSection(w) })
	return nil
}

// Load implements api.Engine.
func (x *Index) Load(f *serial.File) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	labels, docs, err := LoadDocs(f, Name, x.dim, x.metric, secInfo, secLabels, secDocs)
	if err != nil {
		return err
	}
	x.labels, x.docs = labels, docs
	return nil
}

// LoadDocs reads the info, label and document sections a multi-vector index saved, checking
// that they match the index and each other.
func LoadDocs(f *serial.File, name string, dim int, m metric.Kind, secInfo, secLabels, secDocs string) (*store.Labels, *mvec.Docs, error) {
	bad := func(err error, what string) error { return api.LoadError(err, name, what) }
	ib, err := f.Need(secInfo)
	if err != nil {
		return nil, nil, bad(err, "info")
	}
	var inf info
	if err := json.Unmarshal(ib, &inf); err != nil {
		return nil, nil, bad(err, "info")
	}
	if inf.Dim != dim || inf.Metric != m.String() {
		return nil, nil, api.Errorf(api.InvalidArgument, "%s: the file holds dim %d metric %s, the index has dim %d metric %s", name, inf.Dim, inf.Metric, dim, m)
	}
	labels := store.NewLabels()
	sr, err := f.Open(secLabels)
	if err == nil {
		err = labels.ReadSection(sr)
	}
	if err != nil {
		return nil, nil, bad(err, "labels")
	}
	sr, err = f.Open(secDocs)
	var docs *mvec.Docs
	if err == nil {
		docs, err = mvec.ReadSection(sr, dim)
	}
	if err != nil {
		return nil, nil, bad(err, "documents")
	}
	if docs.Rows() != labels.Total() {
		return nil, nil, api.Errorf(api.InvalidBinary, "%s: %d documents for %d labels", name, docs.Rows(), labels.Total())
	}
	return labels, docs, nil
}

// SaveInfo is the info section of a multi-vector index.
func SaveInfo(dim int, m metric.Kind) []byte {
	b, _ := json.Marshal(info{Dim: dim, Metric: m.String()})
	return b
}

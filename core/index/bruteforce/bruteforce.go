// Package bruteforce is the brute_force index: an exact scan over a flat code store. With the
// fp32 quantizer its results are the exact neighbours; with a lossy quantizer it scans codes.
package bruteforce

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/parallel"
)

// Name is the index type name.
const Name = "brute_force"

// Params is the brute_force index_param block.
type Params struct {
	// BaseQuantizationType names the quantizer of the scanned codes (default fp32; int8 for dtype int8).
	BaseQuantizationType string `json:"base_quantization_type"`
	// SQ4UniformTruncRate is passed to the sq4_uniform quantizer.
	SQ4UniformTruncRate *float64 `json:"sq4_uniform_trunc_rate"`
	// LeanVecDims, LeanVecPrimary, LeanVecSecondary and LeanVecTraining configure the leanvec
	// quantizer (brute_force scans with its secondary codes, which makes it a reference for
	// checking graph indexes built on leanvec).
	LeanVecDims      int    `json:"leanvec_dims"`
	LeanVecPrimary   string `json:"leanvec_primary"`
	LeanVecSecondary string `json:"leanvec_secondary"`
	LeanVecTraining  string `json:"leanvec_training"`
	// Keys are the codebook quantizers' keys (base_pq_dim, rabitq_*, tq_chain, mrle_dim).
	quant.Keys
}

// SearchParams is the brute_force search block. It has no keys of its own beyond the common ones.
type SearchParams struct {
	params.SearchCommon
}

// Index is the brute_force engine.
type Index struct {
	store.LabelView
	mu     sync.RWMutex
	dim    int
	metric metric.Kind
	q      quant.Quantizer
	codes  *store.Codes
	labels *store.Labels
	pool   sync.Pool      // quant.Computer
	side   *alloc.Tracker // the label table's charge (nil: no account handed); see account.go
}

// New creates an empty brute_force index from parsed create parameters.
func New(c *params.Create) (*Index, error) {
	p := Params{BaseQuantizationType: "fp32"}
	if c.DType == params.Int8 && c.Metric != metric.Cosine {
		p.BaseQuantizationType = "int8"
	}
	if err := params.DecodeStrict(c.IndexParam, &p, "index_param"); err != nil {
		return nil, err
	}
	opts := quant.DefaultOptions()
	if p.SQ4UniformTruncRate != nil {
		if err := params.Float("sq4_uniform_trunc_rate", *p.SQ4UniformTruncRate, 0, 0.5); err != nil {
			return nil, err
		}
		opts.SQ4UniformTruncRate = *p.SQ4UniformTruncRate
	}
	if p.BaseQuantizationType != "leanvec" && (p.LeanVecDims != 0 || p.LeanVecPrimary != "" || p.LeanVecSecondary != "" || p.LeanVecTraining != "") {
		return nil, api.Errorf(api.InvalidArgument, "keys \"leanvec_*\" need base_quantization_type \"leanvec\"")
	}
	opts.LeanVecDims, opts.LeanVecPrimary, opts.LeanVecSecondary, opts.LeanVecTraining = p.LeanVecDims, p.LeanVecPrimary, p.LeanVecSecondary, p.LeanVecTraining
	cb, err := p.Keys.Validate(c.Dim, p.BaseQuantizationType)
	if err != nil {
		return nil, err
	}
	opts.Codebook = cb
	q, err := quant.New(p.BaseQuantizationType, c.Dim, c.Metric, opts)
	if err != nil {
		return nil, api.Wrap(api.InvalidArgument, err, "key \"base_quantization_type\"")
	}
	idx := &Index{dim: c.Dim, metric: c.Metric, q: q, codes: store.NewCodes(q), labels: store.NewLabels()}
	idx.LabelView = store.LabelView{Mu: &idx.mu, Table: func() *store.Labels { return idx.labels }, Index: Name}
	idx.pool.New = func() any { return q.NewComputer() }
	return idx, nil
}

// Name implements api.Engine.
func (x *Index) Name() string { return Name }

// Features implements api.Engine.
func (x *Index) Features() api.FeatureSet {
	return api.NewFeatureSet(
		api.SupportMetricTypeL2, api.SupportMetricTypeInnerProduct, api.SupportMetricTypeCosine,
		api.SupportSearchOneWithMultiThread,
		api.SupportSearchConcurrent, api.SupportAddConcurrent, api.SupportDeleteConcurrent,
		api.SupportUpdateIDConcurrent, api.SupportUpdateVectorConcurrent,
		api.SupportAddSearchConcurrent, api.SupportAddDeleteConcurrent, api.SupportSearchDeleteConcurrent,
		api.SupportAddSearchDeleteConcurrent,
	)
}

// NeedsTraining implements api.Trainer.
func (x *Index) NeedsTraining() bool { return x.q.NeedTrain() }

// KeepsRawVectors implements api.VectorReader: decoded vectors of a lossy quantizer are
// approximations, not the raw vectors.
func (x *Index) KeepsRawVectors() bool { return quant.Exact(x.q) }

// Train implements api.Engine.
func (x *Index) Train(vectors []float32, n int) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.q.NeedTrain() {
		return nil
	}
	if x.codes.Len() > 0 {
		return api.Errorf(api.WrongStatus, "brute_force: cannot train an index that already holds vectors")
	}
	return x.train(vectors, n)
}

// TrainWithQueries implements api.QueryTrainer for quantizers that learn from sample queries
// (leanvec with leanvec_training "ood"); other quantizers ignore the queries.
func (x *Index) TrainWithQueries(vectors []float32, n int, queries []float32, nq int) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.codes.Len() > 0 {
		return api.Errorf(api.WrongStatus, "brute_force: cannot train an index that already holds vectors")
	}
	qt, ok := x.q.(quant.QueryTrainer)
	if !ok {
		if !x.q.NeedTrain() {
			return nil
		}
		return x.train(vectors, n)
	}
	if err := qt.TrainWithQueries(vectors, n, queries, nq); err != nil {
		return api.Wrap(api.InternalError, err, "brute_force: train %s quantizer with queries", x.q.Name())
	}
	return nil
}

func (x *Index) train(vectors []float32, n int) error {
	if n == 0 {
		return api.Errorf(api.InvalidArgument, "brute_force: training needs at least one vector")
	}
	if err := x.q.Train(vectors, n); err != nil {
		return api.Wrap(api.InternalError, err, "brute_force: train %s quantizer", x.q.Name())
	}
	return nil
}

// Build implements api.Engine.
func (x *Index) Build(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.labels.Total() > 0 {
		return nil, api.Errorf(api.BuildTwice, "brute_force: the index is already built")
	}
	if x.q.NeedTrain() && !x.q.Trained() && len(ids) > 0 {
		if err := x.train(vectors, len(ids)); err != nil {
			return nil, err
		}
	}
	return x.add(vectors, ids, onInsert)
}

// Add implements api.Engine.
func (x *Index) Add(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.q.NeedTrain() && !x.q.Trained() {
		if len(ids) == 0 {
			return nil, nil
		}
		if err := x.train(vectors, len(ids)); err != nil {
			return nil, err
		}
	}
	return x.add(vectors, ids, onInsert)
}

// add stores a batch under the exclusive lock; nothing changes when the codes cannot grow.
func (x *Index) add(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	if err := x.checkLabels(len(ids)); err != nil {
		return nil, api.Wrap(api.NoEnoughMemory, err, "brute_force: add %d vectors", len(ids))
	}
	defer x.chargeLabels()
	if err := x.codes.Ensure(len(ids)); err != nil {
		return nil, api.Wrap(api.NoEnoughMemory, err, "brute_force: add %d vectors", len(ids))
	}
	var failed []int64
	for i, id := range ids {
		v := vectors[i*x.dim : (i+1)*x.dim]
		if _, err := x.labels.Append(id); err != nil {
			failed = append(failed, id)
			continue
		}
		x.codes.Append(v)
		if onInsert != nil {
			onInsert(i, id)
		}
	}
	return failed, nil
}

// Remove implements api.Engine.
func (x *Index) Remove(ids []int64) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.labels.RemoveAll(ids), nil
}

func (x *Index) computer(q []float32) quant.Computer {
	c := x.pool.Get().(quant.Computer)
	c.SetQuery(q)
	return c
}

const scanBlock = 256

// scan computes distances of rows [lo, hi) and hands each live, valid row to visit.
// It returns false when the deadline passed.
func (x *Index) scan(c quant.Computer, lo, hi int, opts *api.SearchOptions, visit func(d float32, r uint32)) bool {
	var dist [scanBlock]float32
	slab := x.codes.Slab()
	stride := x.codes.Stride()
	removed := x.labels.RemovedWords()
	checkTime := !opts.Deadline.IsZero()
	for b := lo; b < hi; b += scanBlock {
		e := min(b+scanBlock, hi)
		out := dist[:e-b]
		c.DistanceRows(slab[b*stride:e*stride], out)
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
		if checkTime && time.Now().After(opts.Deadline) {
			return false
		}
	}
	return true
}

// parts splits n rows into at most p contiguous ranges.
func parts(n, p int) [][2]int {
	p = max(1, min(p, runtime.GOMAXPROCS(0), (n+scanBlock-1)/scanBlock))
	out := make([][2]int, 0, p)
	for i := 0; i < p; i++ {
		out = append(out, [2]int{n * i / p, n * (i + 1) / p})
	}
	return out
}

// KnnSearch implements api.Engine.
func (x *Index) KnnSearch(query []float32, k int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	if _, err := x.searchParams(opts); err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if ns, ok := x.knnListed(query, k, opts); ok {
		return ns, nil // a filter that lists its few labels: only those are measured (filtered.go)
	}
	n := x.codes.Len()
	ranges := parts(n, opts.Parallelism)
	heaps := make([]*topk.MaxHeap, len(ranges))
	var timedOut atomic.Bool
	err := parallel.Run(len(ranges), func(i int) error {
		rg := ranges[i]
		c := x.computer(query)
		h := topk.NewMaxHeap(k)
		heaps[i] = h
		ok := x.scan(c, rg[0], rg[1], opts, func(d float32, r uint32) { h.Push(d, r) })
		x.pool.Put(c)
		if !ok {
			timedOut.Store(true)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	final := heaps[0]
	for _, h := range heaps[1:] {
		for _, it := range h.Items() {
			final.Push(it.Dist, it.ID)
		}
	}
	if opts.Stats != nil {
		opts.Stats.DistanceComputations += int64(n)
		opts.Stats.Hops += int64(n)
		opts.Stats.TimedOut = timedOut.Load()
	}
	return x.labels.Neighbors(final.Sorted()), nil
}

// RangeSearch implements api.Engine.
func (x *Index) RangeSearch(query []float32, radius float32, limit int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	if _, err := x.searchParams(opts); err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := x.codes.Len()
	ranges := parts(n, opts.Parallelism)
	found := make([][]topk.Item, len(ranges))
	err := parallel.Run(len(ranges), func(i int) error {
		rg := ranges[i]
		c := x.computer(query)
		x.scan(c, rg[0], rg[1], opts, func(d float32, r uint32) {
			if d <= radius {
				found[i] = append(found[i], topk.Item{Dist: d, ID: r})
			}
		})
		x.pool.Put(c)
		return nil
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
	if opts.Stats != nil {
		opts.Stats.DistanceComputations += int64(n)
		opts.Stats.Hops += int64(n)
	}
	return x.labels.Neighbors(all), nil
}

func (x *Index) searchParams(opts *api.SearchOptions) (*SearchParams, error) {
	sp := &SearchParams{SearchCommon: params.SearchCommon{Parallelism: opts.Parallelism}}
	if err := params.DecodeStrict(opts.Block, sp, "search parameters \"brute_force\""); err != nil {
		return nil, err
	}
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	opts.Parallelism = sp.Parallelism
	opts.Deadline = sp.Deadline(opts.Deadline) // the earlier of the caller's and the block's
	return sp, nil
}

// CalcDistanceByIDs implements api.Engine.
func (x *Index) CalcDistanceByIDs(query []float32, ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := x.computer(query)
	defer x.pool.Put(c)
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok {
			out[i] = -1
			continue
		}
		out[i] = c.Distance(x.codes.Code(int(r)))
	}
	return nil
}

// GetVectors implements api.Engine.
func (x *Index) GetVectors(ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok {
			return api.Errorf(api.InvalidArgument, "brute_force: label %d does not exist", id)
		}
		x.q.Decode(out[i*x.dim:(i+1)*x.dim], x.codes.Code(int(r)))
	}
	return nil
}

// UpdateVector implements api.Engine. A flat index has no structure to protect, so the vector
// is replaced with or without force.
func (x *Index) UpdateVector(label int64, v []float32, force bool) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	r, ok := x.labels.Lookup(label)
	if !ok {
		return api.Errorf(api.InvalidArgument, "brute_force: label %d does not exist", label)
	}
	x.codes.Set(int(r), v)
	return nil
}

// EstimateMemory implements api.Engine.
func (x *Index) EstimateMemory(n int64) int64 {
	return n*int64(x.codes.Stride()) + store.EstimateLabelsMemory(int(n)) + 4096
}

// MemoryUsage implements api.Engine.
func (x *Index) MemoryUsage() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.codes.MemoryUsage() + x.labels.MemoryUsage() + 4096
}

// Section names.
const (
	secQuant  = "brute_force.quantizer"
	secLabels = "brute_force.labels"
	secCodes  = "brute_force.codes"
	secInfo   = "brute_force.info"
)

type info struct {
	Quantizer string `json:"quantizer"`
	Dim       int    `json:"dim"`
	Trained   bool   `json:"trained"`
}

// Save implements api.Engine: the info and quantizer state now, the label table and the codes
// streamed from the stores when f is written (under the shared lock; core holds its snapshot
// lock until then, so they do not change in between).
func (x *Index) Save(f *serial.File) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	inf, _ := json.Marshal(info{Quantizer: x.q.Name(), Dim: x.dim, Trained: x.q.Trained()})
	qs, err := quant.MarshalState(x.q)
	if err != nil {
		return api.Wrap(api.InternalError, err, "brute_force: save quantizer")
	}
	f.Add(secInfo, inf)
	f.Add(secQuant, qs)
	f.AddLockedStream(secLabels, serial.Critical, x.labels.SectionSize(), x.mu.RLocker(), func(w io.Writer) error { return x.labels.WriteSection(w) })
	f.AddLockedStream(secCodes, serial.Critical, x.codes.SectionSize(), x.mu.RLocker(), func(w io.Writer) error { return x.codes.WriteSection(w) })
	return nil
}

// Load implements api.Engine, reading the label table and the codes straight into new stores.
func (x *Index) Load(f *serial.File) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	bad := func(err error, what string) error { return api.LoadError(err, "brute_force", what) }
	ib, err := f.Need(secInfo)
	if err != nil {
		return bad(err, "info")
	}
	var inf info
	if err := json.Unmarshal(ib, &inf); err != nil {
		return bad(err, "info")
	}
	if inf.Quantizer != x.q.Name() {
		return api.Errorf(api.InvalidArgument, "brute_force: base_quantization_type %q in the file does not match %q", inf.Quantizer, x.q.Name())
	}
	if inf.Dim != x.dim {
		return api.Errorf(api.InvalidArgument, "brute_force: dim %d in the file does not match %d", inf.Dim, x.dim)
	}
	qs, err := f.Need(secQuant)
	if err != nil {
		return bad(err, "quantizer")
	}
	if inf.Trained {
		if err := x.q.UnmarshalBinary(qs); err != nil {
			return bad(err, "quantizer")
		}
	}
	labels := store.NewLabels()
	sr, err := f.Open(secLabels)
	if err == nil {
		err = labels.ReadSection(sr)
	}
	if err != nil {
		return bad(err, "labels")
	}
	codes := x.codes.Empty() // charged to the index's account
	sr, err = f.Open(secCodes)
	if err == nil {
		err = codes.ReadSection(sr)
	}
	if err != nil {
		return bad(err, "codes")
	}
	if codes.Len() != labels.Total() {
		return api.Errorf(api.InvalidBinary, "brute_force: %d codes for %d labels", codes.Len(), labels.Total())
	}
	x.labels, x.codes = labels, codes
	return nil
}

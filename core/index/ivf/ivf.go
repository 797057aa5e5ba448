// Package ivf is the inverted-file index: vectors are stored in the buckets of their nearest
// centroids (or, with gno_imi, of their nearest pairs of a centroid and a residual centroid),
// and a search scans the buckets nearest to the query, optionally reranking the best
// candidates with precise codes.
package ivf

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/parallel"
)

// Name is the index type name.
const Name = "ivf"

// packer is implemented by quantizers whose contiguous scans are fastest over codes
// interleaved in blocks (pqfs); packedComputer by their computers.
type packer interface {
	PackedSize(n int) int
	PackRow(slab []byte, r int, code []byte)
}

type packedComputer interface {
	DistancePacked(slab []byte, out []float32)
}

// bucket is one inverted list: the rows stored in it and their codes, in insertion order.
type bucket struct {
	rows    []uint32     // inner ids
	codes   []byte       // base codes, row-major
	packed  []byte       // base codes in the quantizer's packed layout (a packer), or nil
	precise []byte       // precise codes, with precise_codes_layout "bucket"
	graph   *bucketGraph // graph over the first rows, for buckets of graph_build_threshold rows
}

// Index is the ivf engine.
//
// Writers are serialised by wmu; the costly part of an add (routing and encoding) runs under
// wmu alone, and the rows are appended in chunks under mu, so searches (under mu shared) wait
// for one chunk at most.
type Index struct {
	store.LabelView
	mu  sync.RWMutex
	wmu sync.Mutex

	acct         *alloc.Account // the index's memory account (nil: the global one); see account.go
	bucketCharge *alloc.Tracker // the bucket lists' bytes charged to acct
	labelCharge  *alloc.Tracker // the label table's and row locations' bytes charged to acct

	dim    int
	metric metric.Kind
	p      Params
	part   partition

	base    quant.Quantizer
	packed  packer // base as a packer, or nil
	precise quant.Quantizer
	// preciseCodes holds the precise codes by inner id (precise_codes_layout "flat").
	preciseCodes *store.Codes

	trained bool
	buckets []bucket
	// loc is, per inner id, the bucket and position of its first copy.
	loc    []uint64
	labels *store.Labels

	basePool, precisePool sync.Pool // quant.Computer
	cache                 params.Cache[*SearchParams]
}

// New creates an empty ivf index from parsed create parameters.
func New(c *params.Create) (*Index, error) {
	p, err := parseParams(c)
	if err != nil {
		return nil, err
	}
	return newIndex(c, p)
}

// newIndex creates an empty index of validated parameters.
func newIndex(c *params.Create, p Params) (*Index, error) {
	base, err := quant.New(p.BaseQuantizationType, c.Dim, c.Metric, p.quantOptions())
	if err != nil {
		return nil, api.Wrap(api.InvalidArgument, err, "key \"base_quantization_type\"")
	}
	x := &Index{dim: c.Dim, metric: c.Metric, p: p, base: base, labels: store.NewLabels()}
	x.p.codebook = p.codebook
	if pk, ok := base.(packer); ok {
		if _, ok := base.NewComputer().(packedComputer); ok {
			x.packed = pk
		}
	}
	if p.UseReorder {
		pq, err := quant.New(p.PreciseQuantizationType, c.Dim, c.Metric, p.preciseOptions())
		if err != nil {
			return nil, api.Wrap(api.InvalidArgument, err, "key \"precise_quantization_type\"")
		}
		x.precise = pq
		if p.PreciseCodesLayout == "flat" {
			x.preciseCodes = store.NewCodes(pq)
		}
		x.precisePool.New = func() any { return pq.NewComputer() }
	}
	if p.PartitionStrategyType == strategyGNOIMI {
		x.part = newGNOIMIPartition(c.Dim, c.Metric, &x.p)
	} else {
		x.part = newFlatPartition(c.Dim, c.Metric, &x.p)
	}
	x.buckets = make([]bucket, p.BucketsCount)
	x.basePool.New = func() any { return base.NewComputer() }
	x.cache.Parse = func(raw []byte) (*SearchParams, error) { return parseSearch(raw, p.BucketsCount) }
	x.LabelView = store.LabelView{Mu: &x.mu, Table: func() *store.Labels { return x.labels }, Index: Name}
	return x, nil
}

// Name implements api.Engine.
func (x *Index) Name() string { return Name }

// Features implements api.Engine.
func (x *Index) Features() api.FeatureSet {
	return api.NewFeatureSet(
		api.SupportMetricTypeL2, api.SupportMetricTypeInnerProduct, api.SupportMetricTypeCosine,
		api.SupportSearchOneWithMultiThread, api.SupportBuildWithMultiThread, api.SupportTrainWithMultiThread,
		api.SupportBatchAddWithMultiThread,
		api.SupportSearchConcurrent, api.SupportAddConcurrent, api.SupportDeleteConcurrent,
		api.SupportUpdateIDConcurrent,
		api.SupportAddSearchConcurrent, api.SupportAddDeleteConcurrent, api.SupportSearchDeleteConcurrent,
		api.SupportAddSearchDeleteConcurrent,
	)
}

// BucketCount implements api.BucketScanner: searches may name the buckets to scan.
func (x *Index) BucketCount() int { return x.p.BucketsCount }

// NeedsTraining implements api.Trainer: the centroids are always learned.
func (x *Index) NeedsTraining() bool { return true }

// KeepsRawVectors implements api.VectorReader: the vectors decode exactly from fp32 precise
// codes, or from fp32 base codes stored without residuals.
func (x *Index) KeepsRawVectors() bool {
	if x.precise != nil {
		return quant.Exact(x.precise)
	}
	return quant.Exact(x.base) && !x.p.UseResidual
}

// Train implements api.Trainer: it learns the centroids and the quantizers from vectors
// without adding them. An index that holds vectors cannot be trained again.
func (x *Index) Train(vectors []float32, n int) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	if x.labels.Total() > 0 {
		return api.Errorf(api.WrongStatus, "ivf: cannot train an index that already holds vectors")
	}
	return x.train(vectors, n)
}

// train learns everything from a sample of at most train_sample_count of the n vectors; it
// holds wmu.
func (x *Index) train(vectors []float32, n int) error {
	if n == 0 {
		return api.Errorf(api.InvalidArgument, "ivf: training needs at least one vector")
	}
	sample, m := vectors[:n*x.dim], n
	if n > x.p.TrainSampleCount {
		m = x.p.TrainSampleCount
		if err := memguard.Check(memguard.Mul(int64(m), int64(x.dim)*4), "ivf: training sample"); err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(0x1f1f, uint64(n)))
		picked := rng.Perm(n)[:m]
		sort.Ints(picked)
		sample = make([]float32, m*x.dim)
		for i, r := range picked {
			copy(sample[i*x.dim:(i+1)*x.dim], vectors[r*x.dim:(r+1)*x.dim])
		}
	}
	if err := x.part.train(sample, m); err != nil {
		return err
	}
	if x.base.NeedTrain() {
		src := sample
		if x.p.UseResidual {
			src = x.residuals(sample, m)
		}
		if err := x.base.Train(src, m); err != nil {
			return api.Wrap(api.InternalError, err, "ivf: train %s quantizer", x.base.Name())
		}
	}
	if x.precise != nil && x.precise.NeedTrain() {
		if err := x.precise.Train(sample, m); err != nil {
			return api.Wrap(api.InternalError, err, "ivf: train %s precise quantizer", x.precise.Name())
		}
	}
	x.mu.Lock()
	x.trained = true
	x.mu.Unlock()
	return nil
}

// residuals returns each vector minus the centroid of its nearest bucket.
func (x *Index) residuals(vectors []float32, n int) []float32 {
	assign := make([]uint32, n)
	_ = x.part.classify(vectors, n, 1, assign)
	out := make([]float32, n*x.dim)
	c := make([]float32, x.dim)
	for i := 0; i < n; i++ {
		x.part.centroid(int(assign[i]), c)
		for j := 0; j < x.dim; j++ {
			out[i*x.dim+j] = vectors[i*x.dim+j] - c[j]
		}
	}
	return out
}

// Build implements api.Builder: it trains on the vectors when the index is untrained, then
// adds them.
func (x *Index) Build(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	if x.labels.Total() > 0 {
		return nil, api.Errorf(api.BuildTwice, "ivf: the index is already built")
	}
	return x.add(vectors, ids, onInsert)
}

// Add implements api.Engine; an untrained index trains on its first batch.
func (x *Index) Add(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	return x.add(vectors, ids, onInsert)
}

// appendChunk is the number of rows appended under one hold of the exclusive lock.
const appendChunk = 1024

// encoded is a batch routed and encoded, ready to append.
type encoded struct {
	assign  []uint32 // n x bpd buckets
	codes   []byte   // n x bpd base codes
	precise []byte   // n precise codes
}

// add routes and encodes the batch under wmu, then appends it chunk by chunk under mu.
func (x *Index) add(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	n := len(ids)
	if n == 0 {
		return nil, nil
	}
	if !x.trained {
		if err := x.train(vectors, n); err != nil {
			return nil, err
		}
	}
	e, err := x.encode(vectors, n)
	if err != nil {
		return nil, err
	}
	bpd, cs := x.p.BucketsPerData, x.base.CodeSize()
	var ps int
	if x.precise != nil {
		ps = x.precise.CodeSize()
	}
	if x.preciseCodes != nil {
		x.mu.Lock()
		err := x.preciseCodes.Ensure(n)
		x.mu.Unlock()
		if err != nil {
			return nil, api.Wrap(api.NoEnoughMemory, err, "ivf: add %d vectors", n)
		}
	}
	if err := x.reserve(e.assign, n, ps); err != nil {
		return nil, api.Wrap(api.NoEnoughMemory, err, "ivf: add %d vectors", n)
	}
	var failed []int64
	for lo := 0; lo < n; lo += appendChunk {
		hi := min(lo+appendChunk, n)
		x.mu.Lock()
		if x.preciseCodes != nil {
			if err := x.preciseCodes.Ensure(hi - lo); err != nil {
				x.mu.Unlock()
				return failed, api.Wrap(api.NoEnoughMemory, err, "ivf: add %d vectors", n)
			}
		}
		for i := lo; i < hi; i++ {
			row, err := x.labels.Append(ids[i])
			if err != nil {
				failed = append(failed, ids[i])
				continue
			}
			for j := 0; j < bpd; j++ {
				b := e.assign[i*bpd+j]
				pos := x.push(b, row, e.codes[(i*bpd+j)*cs:(i*bpd+j+1)*cs])
				if j == 0 {
					x.loc = append(x.loc, uint64(b)<<32|uint64(pos))
				}
				if x.precise != nil && x.preciseCodes == nil {
					bk := &x.buckets[b]
					bk.precise = append(bk.precise, e.precise[i*ps:(i+1)*ps]...)
				}
			}
			if x.preciseCodes != nil {
				x.preciseCodes.AppendCode(e.precise[i*ps : (i+1)*ps])
			}
			if onInsert != nil {
				onInsert(i, ids[i])
			}
		}
		x.chargeLabels()
		x.mu.Unlock()
	}
	return failed, x.refreshGraphs()
}

// reserve grows every bucket the batch goes to once, to the size it will have (or by a quarter
// of what it holds, when that is more), so the appends neither copy a bucket again and again
// nor leave it with much spare room. The growth is checked against the index's memory budget
// first: NO_ENOUGH_MEMORY changes nothing.
func (x *Index) reserve(assign []uint32, n, ps int) error {
	counts := make(map[uint32]int)
	for _, b := range assign {
		counts[b]++
	}
	cs := x.base.CodeSize()
	x.mu.Lock()
	defer x.mu.Unlock()
	type plan struct{ rows, codes, precise, packed int }
	plans := make(map[uint32]plan, len(counts))
	grown := int64(0)
	for b, c := range counts {
		bk := &x.buckets[b]
		var pl plan
		pl.rows = growCap(len(bk.rows), cap(bk.rows), c)
		pl.codes = growCap(len(bk.codes), cap(bk.codes), c*cs)
		grown += int64(pl.rows-cap(bk.rows))*4 + int64(pl.codes-cap(bk.codes))
		if x.precise != nil && x.preciseCodes == nil {
			pl.precise = growCap(len(bk.precise), cap(bk.precise), c*ps)
			grown += int64(pl.precise - cap(bk.precise))
		}
		if x.packed != nil {
			pl.packed = growCap(len(bk.packed), cap(bk.packed), x.packed.PackedSize(len(bk.rows)+c)-len(bk.packed))
			grown += int64(pl.packed - cap(bk.packed))
		}
		plans[b] = pl
	}
	locCap := growCap(len(x.loc), cap(x.loc), n)
	if err := x.acct.Check(grown+x.labelGrowth(n, locCap), "ivf: growing the buckets and the labels"); err != nil {
		return err
	}
	x.loc = withCap(x.loc, locCap)
	for b, pl := range plans {
		bk := &x.buckets[b]
		bk.rows = withCap(bk.rows, pl.rows)
		bk.codes = withCap(bk.codes, pl.codes)
		if x.precise != nil && x.preciseCodes == nil {
			bk.precise = withCap(bk.precise, pl.precise)
		}
		if x.packed != nil {
			bk.packed = withCap(bk.packed, pl.packed)
		}
	}
	x.bucketCharge.Add(grown)
	return nil
}

// growCap returns the capacity a list of length l and capacity c takes to hold more elements:
// c when they fit, else at least a quarter more than c.
func growCap(l, c, more int) int {
	if l+more <= c {
		return c
	}
	return max(l+more, c+c/4)
}

// withCap returns s with capacity exactly c (s itself when it has that already).
func withCap[T any](s []T, c int) []T {
	if cap(s) == c {
		return s
	}
	out := make([]T, len(s), c)
	copy(out, s)
	return out
}

// push appends one code to bucket b and returns its position there; it holds mu.
func (x *Index) push(b uint32, row uint32, code []byte) uint32 {
	bk := &x.buckets[b]
	pos := len(bk.rows)
	bk.rows = append(bk.rows, row)
	bk.codes = append(bk.codes, code...)
	if x.packed != nil {
		if need := x.packed.PackedSize(pos + 1); need > len(bk.packed) {
			old := len(bk.packed)
			bk.packed = slices.Grow(bk.packed, need-old)[:need]
			clear(bk.packed[old:])
		}
		x.packed.PackRow(bk.packed, pos, code)
	}
	return uint32(pos)
}

// encode routes and encodes n vectors on thread_count goroutines.
func (x *Index) encode(vectors []float32, n int) (*encoded, error) {
	bpd, cs := x.p.BucketsPerData, x.base.CodeSize()
	need := memguard.Mul(int64(n), int64(bpd)*int64(cs+4)+8)
	if x.precise != nil {
		need += memguard.Mul(int64(n), int64(x.precise.CodeSize()))
	}
	if err := memguard.Check(need, "ivf: add"); err != nil {
		return nil, err
	}
	e := &encoded{assign: make([]uint32, n*bpd), codes: make([]byte, n*bpd*cs)}
	if err := x.part.classify(vectors, n, bpd, e.assign); err != nil {
		return nil, err
	}
	threads := x.p.threads()
	resid := make([][]float32, threads)
	cent := make([][]float32, threads)
	err := parallel.For(n, threads, func(w, i int) error {
		v := vectors[i*x.dim : (i+1)*x.dim]
		for j := 0; j < bpd; j++ {
			dst := e.codes[(i*bpd+j)*cs : (i*bpd+j+1)*cs]
			if !x.p.UseResidual {
				x.base.Encode(dst, v)
				continue
			}
			if resid[w] == nil {
				resid[w], cent[w] = make([]float32, x.dim), make([]float32, x.dim)
			}
			x.part.centroid(int(e.assign[i*bpd+j]), cent[w])
			for d := range v {
				resid[w][d] = v[d] - cent[w][d]
			}
			x.base.Encode(dst, resid[w])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if x.precise != nil {
		ps := x.precise.CodeSize()
		e.precise = make([]byte, n*ps)
		err = parallel.For(n, threads, func(_, i int) error {
			x.precise.Encode(e.precise[i*ps:(i+1)*ps], vectors[i*x.dim:(i+1)*x.dim])
			return nil
		})
	}
	return e, err
}

// Remove implements api.Remover: labels are marked removed and skipped by searches.
func (x *Index) Remove(ids []int64) (int, error) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.labels.RemoveAll(ids), nil
}

// candidate is a row found in a bucket scan.
type candidate = topk.Item

// scanner holds one goroutine's scratch for scanning buckets.
type scanner struct {
	c     quant.Computer
	pc    packedComputer
	dist  []float32
	resid []float32
	cent  []float32
	h     *topk.MaxHeap
	rows  int64
}

func (x *Index) newScanner(q []float32, want int) *scanner {
	s := &scanner{c: x.basePool.Get().(quant.Computer), h: topk.NewMaxHeap(want)}
	if x.packed != nil {
		s.pc, _ = s.c.(packedComputer)
	}
	if !x.p.UseResidual || x.metric != metric.L2 {
		s.c.SetQuery(q)
	}
	if x.p.UseResidual {
		s.cent = make([]float32, x.dim)
		if x.metric == metric.L2 {
			s.resid = make([]float32, x.dim)
		}
	}
	return s
}

func (x *Index) release(s *scanner) { x.basePool.Put(s.c) }

// scanBucket computes the distances of q to every row of bucket b and offers the live, kept
// ones to visit, or, when visit is nil, pushes those that beat its bound into the scanner's
// heap (tested before the removed bit and the filter, with no call per row). With graphEf > 0,
// the rows a bucket graph covers are searched through it (graphEf best offered) and only the
// rest are scanned. It holds mu shared.
func (x *Index) scanBucket(s *scanner, q []float32, b uint32, graphEf int, keep func(uint32) bool, visit func(d float32, row uint32)) {
	bk := &x.buckets[b]
	n := len(bk.rows)
	if n == 0 {
		return
	}
	var bias float32
	if x.p.UseResidual {
		x.part.centroid(int(b), s.cent)
		if x.metric == metric.L2 {
			for d := range q {
				s.resid[d] = q[d] - s.cent[d]
			}
			s.c.SetQuery(s.resid)
		} else {
			var ip float32
			for d := range q {
				ip += q[d] * s.cent[d]
			}
			bias = -ip
		}
	}
	h := s.h
	from := 0
	if graphEf > 0 && bk.graph != nil {
		offer := visit
		if offer == nil {
			offer = func(d float32, r uint32) {
				if !h.Full() || d < h.Bound() {
					h.Push(d, r)
				}
			}
		}
		from = x.searchGraph(s, bk, graphEf, keep, bias, offer)
	}
	if cap(s.dist) < n-from {
		s.dist = make([]float32, n-from)
	}
	dist := s.dist[:n-from]
	switch {
	case from > 0:
		cs := x.base.CodeSize()
		s.c.DistanceRows(bk.codes[from*cs:], dist)
	case s.pc != nil:
		s.pc.DistancePacked(bk.packed, dist)
	default:
		s.c.DistanceRows(bk.codes, dist)
	}
	s.rows += int64(len(dist))
	removed := x.labels.RemovedWords()
	for i, d := range dist {
		d += bias
		if visit == nil && h.Full() && d >= h.Bound() {
			continue
		}
		r := bk.rows[from+i]
		if removed[r>>6]&(1<<(r&63)) != 0 || (keep != nil && !keep(r)) {
			continue
		}
		if visit == nil {
			h.Push(d, r)
		} else {
			visit(d, r)
		}
	}
}

// knn collects the want best rows of the buckets in order, on up to s.parallel goroutines;
// it holds mu shared. It reports whether the deadline cut the scan short.
func (x *Index) knn(q []float32, order []uint32, want int, sr *search, keep func(uint32) bool, stats *api.SearchStats) ([]candidate, bool, error) {
	workers := max(1, min(sr.parallel, len(order)))
	heaps := make([]*topk.MaxHeap, workers)
	var next atomic.Int64
	var timedOut atomic.Bool
	var rows, scanned atomic.Int64
	err := parallel.Run(workers, func(w int) error {
		s := x.newScanner(q, want)
		defer x.release(s)
		heaps[w] = s.h
		for {
			i := int(next.Add(1) - 1)
			if i >= len(order) {
				break
			}
			if !sr.deadline.IsZero() && i > 0 && time.Now().After(sr.deadline) {
				timedOut.Store(true)
				break
			}
			x.scanBucket(s, q, order[i], max(sr.ef, want), keep, nil)
			scanned.Add(1)
		}
		rows.Add(s.rows)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	final := heaps[0]
	for _, h := range heaps[1:] {
		for _, it := range h.Items() {
			if !final.Full() || it.Dist < final.Bound() {
				final.Push(it.Dist, it.ID)
			}
		}
	}
	if stats != nil {
		stats.DistanceComputations += rows.Load()
		stats.Hops += scanned.Load()
	}
	return final.Sorted(), timedOut.Load(), nil
}

// dedupe keeps the first (nearest) occurrence of each row of sorted candidates.
func dedupe(items []candidate) []candidate {
	seen := make(map[uint32]struct{}, len(items))
	out := items[:0]
	for _, it := range items {
		if _, ok := seen[it.ID]; ok {
			continue
		}
		seen[it.ID] = struct{}{}
		out = append(out, it)
	}
	return out
}

// preciseCode returns the precise code of row; it holds mu shared.
func (x *Index) preciseCode(row uint32) []byte {
	if x.preciseCodes != nil {
		return x.preciseCodes.Code(int(row))
	}
	l := x.loc[row]
	ps := x.precise.CodeSize()
	pos := int(uint32(l))
	return x.buckets[l>>32].precise[pos*ps : (pos+1)*ps]
}

// rerank replaces the distances of the candidates by precise ones and sorts them.
func (x *Index) rerank(q []float32, items []candidate, stats *api.SearchStats) {
	pc := x.precisePool.Get().(quant.Computer)
	pc.SetQuery(q)
	for i := range items {
		items[i].Dist = pc.Distance(x.preciseCode(items[i].ID))
	}
	x.precisePool.Put(pc)
	topk.SortItems(items)
	if stats != nil {
		stats.DistanceComputations += int64(len(items))
	}
}

// prepare parses the search block and finds the buckets to scan; it holds mu shared.
func (x *Index) prepare(q []float32, opts *api.SearchOptions) (*search, []uint32, error) {
	sp, err := x.cache.Get(opts.Block)
	if err != nil {
		return nil, nil, err
	}
	sr := sp.resolve(opts)
	if opts.BucketIDs != nil {
		order := make([]uint32, 0, len(opts.BucketIDs))
		for _, b := range opts.BucketIDs {
			if b < 0 || b >= int64(x.p.BucketsCount) {
				return nil, nil, api.Errorf(api.InvalidArgument, "ivf: bucket id %d is out of range [0, %d)", b, x.p.BucketsCount)
			}
			order = append(order, uint32(b))
		}
		return sr, order, nil
	}
	if !x.trained {
		return sr, nil, nil
	}
	return sr, x.part.route(q, sr, make([]uint32, 0, sr.scan)), nil
}

// keeper returns the row filter of a search, or nil when everything is kept.
func (x *Index) keeper(opts *api.SearchOptions) func(uint32) bool {
	if opts.Filter == nil {
		return nil
	}
	return func(r uint32) bool { return opts.Filter.CheckValid(x.labels.Label(r)) }
}

// KnnSearch implements api.Engine.
func (x *Index) KnnSearch(query []float32, k int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	sr, order, err := x.prepare(query, opts)
	if err != nil {
		return nil, err
	}
	if len(order) == 0 || k <= 0 {
		return []api.Neighbor{}, nil
	}
	reorder := x.precise != nil && sr.reorder
	want := k
	if reorder {
		want = int(math.Ceil(sr.factor * float64(k)))
	}
	want *= x.p.BucketsPerData
	items, timedOut, err := x.knn(query, order, want, sr, x.keeper(opts), opts.Stats)
	if err != nil {
		return nil, err
	}
	if x.p.BucketsPerData > 1 {
		items = dedupe(items)
	}
	if reorder {
		x.rerank(query, items, opts.Stats)
	}
	if len(items) > k {
		items = items[:k]
	}
	if opts.Stats != nil {
		opts.Stats.TimedOut = opts.Stats.TimedOut || timedOut
	}
	return x.labels.Neighbors(items), nil
}

// RangeSearch implements api.RangeSearcher: every live row of the scanned buckets within
// radius. With reordering the radius is checked on the precise distances of every row
// scanned, so base-code errors neither add nor drop results.
func (x *Index) RangeSearch(query []float32, radius float32, limit int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	sr, order, err := x.prepare(query, opts)
	if err != nil {
		return nil, err
	}
	reorder := x.precise != nil && sr.reorder
	keep := x.keeper(opts)
	var pc quant.Computer
	if reorder {
		pc = x.precisePool.Get().(quant.Computer)
		pc.SetQuery(query)
		defer x.precisePool.Put(pc)
	}
	s := x.newScanner(query, 1)
	defer x.release(s)
	var found []candidate
	for i, b := range order {
		if !sr.deadline.IsZero() && i > 0 && time.Now().After(sr.deadline) {
			if opts.Stats != nil {
				opts.Stats.TimedOut = true
			}
			break
		}
		x.scanBucket(s, query, b, 0, keep, func(d float32, r uint32) {
			if reorder {
				d = pc.Distance(x.preciseCode(r))
			}
			if d <= radius {
				found = append(found, candidate{Dist: d, ID: r})
			}
		})
	}
	topk.SortItems(found)
	if x.p.BucketsPerData > 1 {
		found = dedupe(found)
	}
	if limit > 0 && len(found) > limit {
		found = found[:limit]
	}
	if opts.Stats != nil {
		opts.Stats.DistanceComputations += s.rows
		opts.Stats.Hops += int64(len(order))
	}
	return x.labels.Neighbors(found), nil
}

// baseCode returns the base code of row's first copy and its bucket; it holds mu shared.
func (x *Index) baseCode(row uint32) ([]byte, uint32) {
	l := x.loc[row]
	cs := x.base.CodeSize()
	pos := int(uint32(l))
	return x.buckets[l>>32].codes[pos*cs : (pos+1)*cs], uint32(l >> 32)
}

// decode writes the stored vector of row into dst; it holds mu shared.
func (x *Index) decode(row uint32, dst []float32) {
	if x.precise != nil {
		x.precise.Decode(dst, x.preciseCode(row))
		return
	}
	code, b := x.baseCode(row)
	x.base.Decode(dst, code)
	if x.p.UseResidual {
		c := make([]float32, x.dim)
		x.part.centroid(int(b), c)
		for j := range dst[:x.dim] {
			dst[j] += c[j]
		}
	}
}

// CalcDistanceByIDs implements api.DistanceCalculator, with the precise codes when there are
// some and the base codes otherwise.
func (x *Index) CalcDistanceByIDs(query []float32, ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var c quant.Computer
	if x.precise != nil {
		c = x.precisePool.Get().(quant.Computer)
		defer x.precisePool.Put(c)
		c.SetQuery(query)
	}
	v := make([]float32, x.dim)
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		switch {
		case !ok:
			out[i] = -1
		case c != nil:
			out[i] = c.Distance(x.preciseCode(r))
		default:
			x.decode(r, v)
			out[i] = metric.Reference(x.metric, query, v)
		}
	}
	return nil
}

// GetVectors implements api.VectorReader.
func (x *Index) GetVectors(ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok {
			return api.Errorf(api.InvalidArgument, "ivf: label %d does not exist", id)
		}
		x.decode(r, out[i*x.dim:(i+1)*x.dim])
	}
	return nil
}

// perRow returns the bytes one vector takes in the buckets and stores.
func (x *Index) perRow() int64 {
	bpd := int64(x.p.BucketsPerData)
	b := bpd*int64(x.base.CodeSize()+4) + 8
	if x.packed != nil {
		b += bpd * int64(x.packed.PackedSize(32)) / 32
	}
	if x.precise != nil {
		b += int64(x.precise.CodeSize())
	}
	return b
}

// EstimateMemory implements api.MemoryEstimator.
func (x *Index) EstimateMemory(n int64) int64 {
	fixed := int64(x.p.BucketsCount)*(int64(x.dim)*4+64) + 4096
	if t := int64(x.p.GraphBuildThreshold); t > 0 && n/int64(x.p.BucketsCount) >= t {
		fixed += graph.EstimateMemory(n, bucketGraphDegree) // buckets of average size get graphs
	}
	// a bucket grows to what a batch needs, or by a quarter: an eighth spare on average
	return fixed + memguard.Mul(n, x.perRow()*9/8) + store.EstimateLabelsMemory(int(min(n, math.MaxInt32)))
}

// MemoryUsage implements api.Engine.
func (x *Index) MemoryUsage() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	m := x.part.memory() + x.labels.MemoryUsage() + int64(cap(x.loc))*8 + 4096
	for i := range x.buckets {
		bk := &x.buckets[i]
		m += int64(cap(bk.rows))*4 + int64(cap(bk.codes)+cap(bk.packed)+cap(bk.precise)) + 64
		if bk.graph != nil {
			m += bk.graph.g.MemoryUsage()
		}
	}
	if x.preciseCodes != nil {
		m += x.preciseCodes.MemoryUsage()
	}
	return m
}

// Package hgraph is VSAG's flagship graph index: a flat bottom proximity graph over quantized
// codes with sparse route layers above it, NSW insertion with heuristic pruning, optional
// re-ranking with precise codes, mark-remove and force remove (remove.go), and concurrent
// add/search/remove.
//
// graph_type "odescent" builds the graph of a Build by ODescent (graph.BuildODescent); vectors
// added afterwards are inserted as with nsw.
//
// graph_type "vamana" builds instead a single-layer Vamana graph (DiskANN, SVS) entered at the
// medoid of the first batch: two passes over it, each node linked from its search history and
// back edges pruned with alpha 1 in the first pass and alpha in the second; later batches are
// linked in one pass.
//
// A two-stage base quantizer (leanvec; the two-level lvq4x4, lvq4x8, lvq8x8) keeps its
// primary codes in a dense store of their own: searches traverse those, and every candidate of
// the search buffer (search_buffer_capacity of them when the buffer is split) is reranked with
// the full codes, whose distances are returned. The graph is built by the same search over the
// primary codes, with the candidates then ranked and pruned by the full codes. leanvec's "ood"
// training learns from the queries given to TrainWithQueries; an index built without them
// trains on its base vectors standing in for the queries (the in-distribution case).
//
// Base codes whose distances are estimates with an error bound (rabitq, and tq chains of
// rotations ending in rabitq; quant.Bounded) let the rerank with precise codes skip
// candidates: a knn rerank visits candidates by ascending estimate and skips one whose lower
// bound (at rabitq_error_rate) exceeds the k-th precise distance found so far; a range search
// drops candidates whose lower bound exceeds the radius.
//
// rabitq_version "split" (or "split_1bit_7bit") codes each vector once at base + precise bits
// per dimension: the base store holds the top rabitq_bits_per_dim_base bit planes (read by the
// traversal as any rabitq code of that width) and the precise store only the remaining planes
// (quant.RaBitQSplit), which the rerank reads together with the base record. The graph is built
// on the pairs of records as on precise codes (on the base records with build_by_base).
package hgraph

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/parallel"
)

// Name is the index type name.
const Name = "hgraph"

// trainSampleMax bounds the rows handed to a quantizer's training.
const trainSampleMax = 100_000

// Index is the hgraph engine.
//
// Locking: mu guards the node set (labels, code stores, graph node table). Searches hold it
// shared. Add appends nodes under the exclusive lock and links them under the shared lock, so
// searches proceed while links are made; the graph's lists are guarded by per-node locks.
type Index struct {
	store.LabelView
	mu      sync.RWMutex
	dim     int
	metric  metric.Kind
	p       Params
	threads int
	// wholeLists keeps the bottom lists as insertion leaves them, never ordering their heads
	// (orderHeads), so every search reads them whole: engines of other index types (hnsw,
	// which follows hnswlib's walk) set it.
	wholeLists bool
	acct       *alloc.Account               // the index's memory account (nil: the global one); see account.go
	side       *alloc.Tracker               // labels, route layers, search scratch charged to acct; see account.go
	prog       atomic.Pointer[api.Progress] // the running Build or Add's progress; see progress.go

	base         quant.Quantizer
	baseCodes    *store.Codes
	ts           quant.TwoStage  // base as a two-stage quantizer, nil when it is not one
	prim         quant.Quantizer // ts.Primary()
	primCodes    *primaryStore   // dense primary codes, the ones the graph search reads
	precise      quant.Quantizer // nil unless use_reorder
	preciseCodes *store.Codes
	split        quant.SplitPrecise // precise as the rest records of the split layout, else nil
	raw          *store.Codes       // fp32 copy when store_raw_vector
	labels       *store.Labels
	g            *graph.Graph
	rng          *rand.Rand

	pools  atomic.Pointer[pools]
	parsed params.Cache[*SearchParams]

	// sinceRepair counts the nodes linked since the last full reachability repair.
	sinceRepair atomic.Int64
	// growMu lets one insert at a time grow the code stores ahead of its write (pregrow).
	growMu sync.Mutex
	// rowEdits counts rows rewritten in place (UpdateVector, a reused slot); guarded by mu.
	rowEdits int64
	// resid holds the residual norms of the base codes for the rerank (residual.go)
	resid residualBounds
	// writeMu orders force removes against the other graph writes: inserts and vector updates
	// hold it shared, a force remove exclusively (remove.go). Taken before mu.
	writeMu sync.RWMutex
	// slots is the free list of force-removed node slots (remove.go); guarded by mu.
	slots freeSlots
	// tuneMu runs Tune and Merge one at a time (tune.go); tuneOff, guarded by mu, is set by a
	// Tune with disable_future_tuning.
	tuneMu  sync.Mutex
	tuneOff bool
	// sessions counts the iterator sessions not closed: they hold inner ids, so a build does
	// not renumber its nodes while any is open (renumber.go).
	sessions atomic.Int64
	// inserting counts the Build and Add calls under way: a build renumbers its nodes only
	// when it is the only one, since another holds inner ids of nodes it has yet to link.
	inserting atomic.Int64
}

// pools hold per-goroutine state built from the (trained) quantizers; they are replaced when
// the quantizers are trained.
type pools struct {
	search sync.Pool // *searchCtx
	build  sync.Pool // *graph.Worker
}

type searchCtx struct {
	s       *graph.Searcher
	base    quant.Computer // full distances of the base codes
	trav    quant.Computer // traversal distances: the primary codes of a two-stage base, else base
	precise quant.Computer
	ids     []uint32
	dists   []float32
	items   []topk.Item
	heap    *topk.MaxHeap
	// filter state for keep, set per query
	filter api.Filter
	labels *store.Labels
	keep   func(uint32) bool
	skip   skipState    // SearchParams.Skip's state, set per query
	gather store.Gather // rows of a buffer_io precise store read for the rerank
}

// New creates an empty hgraph index from parsed create parameters.
func New(c *params.Create) (*Index, error) {
	p, err := parseParams(c)
	if err != nil {
		return nil, err
	}
	return newFromParams(c, p)
}

// newFromParams creates an empty index with validated parameters.
func newFromParams(c *params.Create, p Params) (*Index, error) {
	var err error
	opts := p.quantOptions()
	var base quant.Quantizer
	var split quant.SplitPrecise
	if p.splitLayout() {
		b, s, err := quant.NewRaBitQSplit(c.Dim, c.Metric, p.codebook)
		if err != nil {
			return nil, api.Wrap(api.InvalidArgument, err, "key \"rabitq_version\"")
		}
		base, split = b, s
	} else {
		base, err = quant.New(p.BaseQuantizationType, c.Dim, c.Metric, opts)
		if err != nil {
			return nil, api.Wrap(api.InvalidArgument, err, "key \"base_quantization_type\"")
		}
	}
	x := &Index{
		dim: c.Dim, metric: c.Metric, p: p, threads: p.buildThreads(),
		base: base, baseCodes: store.NewCodes(base),
		labels: store.NewLabels(),
		g:      graph.New(p.MaxDegree),
		rng:    rand.New(rand.NewPCG(0x5eed, 0x4a11)),
	}
	if x.baseCodes, err = newStore(base, p.BaseIOType, p.BaseFilePath, "base"); err != nil {
		return nil, err
	}
	x.LabelView = store.LabelView{Mu: &x.mu, Table: func() *store.Labels { return x.labels }, Index: Name}
	x.parsed.Parse = parseSearch
	if ts, ok := hasTwoStage(base); ok {
		x.ts = ts
		x.prim, x.primCodes = twoStage(ts)
	}
	switch {
	case split != nil:
		x.precise, x.split = split, split
		if x.preciseCodes, err = newStore(split, p.PreciseIOType, p.PreciseFilePath, "precise"); err != nil {
			return nil, err
		}
	case p.UseReorder:
		pq, err := quant.New(p.PreciseQuantizationType, c.Dim, c.Metric, p.preciseOptions())
		if err != nil {
			return nil, api.Wrap(api.InvalidArgument, err, "key \"precise_quantization_type\"")
		}
		x.precise = pq
		if x.preciseCodes, err = newStore(pq, p.PreciseIOType, p.PreciseFilePath, "precise"); err != nil {
			return nil, err
		}
	}
	if p.StoreRawVector {
		rq, _ := quant.New("fp32", c.Dim, c.Metric, quant.DefaultOptions())
		x.raw = store.NewCodes(rq)
	}
	// Nothing is reserved here: hgraph_init_capacity is a hint taken up at the first insert, when
	// the machine can hold it, so parameters read from a file cannot size an allocation.
	x.resetPools()
	return x, nil
}

// reserve makes room for n nodes in every store. Caller holds the exclusive lock (or owns x).
func (x *Index) reserve(n int) {
	x.baseCodes.Reserve(n)
	if x.primCodes != nil {
		x.primCodes.reserve(n)
	}
	if x.preciseCodes != nil {
		x.preciseCodes.Reserve(n)
	}
	if x.raw != nil {
		x.raw.Reserve(n)
	}
	x.g.Reserve(n)
}

func (x *Index) resetPools() { x.pools.Store(&pools{}) }

// buildStore returns the codes the graph is built on: the precise codes unless build_by_base.
func (x *Index) buildStore() *store.Codes {
	if x.preciseCodes != nil && !x.p.BuildByBase {
		return x.preciseCodes
	}
	return x.baseCodes
}

// builder returns the graph builder: it prunes with the codes of buildStore and, for a
// two-stage base, searches on the dense primary codes, as queries do.
func (x *Index) builder() *graph.Builder {
	bs := x.buildStore()
	b := &graph.Builder{G: x.g, Quant: x.buildQuant(bs), Slab: bs.Slab(), Alpha: float32(x.p.Alpha), EfConstruction: x.p.EfConstruction}
	b.Skip = x.slots.has // free slots of force-removed nodes stay out of the graph
	if x.ts != nil {
		b.Search, b.SearchSlab = x.prim, x.primCodes.rows()
	}
	return b
}

// buildQuant returns the quantizer that measures and decodes the rows of bs, the build store:
// for the rest records of the split layout, one that reads them with their base records.
func (x *Index) buildQuant(bs *store.Codes) quant.Quantizer {
	if x.split != nil && bs == x.preciseCodes {
		return &splitQuant{Quantizer: x.split, x: x}
	}
	return withFastDecode(bs.Quantizer())
}

// vamana returns the Vamana settings of the index.
func (x *Index) vamana() *graph.VamanaParams {
	return &graph.VamanaParams{
		Alpha: float32(x.p.Alpha), IP: x.metric.UsesInnerProduct(), Window: x.p.WindowSize,
		PoolSize: x.p.MaxCandidatePoolSize, PruneTo: x.p.PruneTo,
	}
}

// travSpace is what a search walks the graph with: the traversal computer of c over the
// traversal codes, with their row stride.
func (x *Index) travSpace(c *searchCtx) graph.Space {
	if x.primCodes != nil {
		return graph.Space{Comp: c.trav, Slab: x.primCodes.rows(), Stride: x.primCodes.stride}
	}
	return graph.Space{Comp: c.trav, Slab: x.baseCodes.Slab(), Stride: x.baseCodes.Stride()}
}

func (x *Index) getWorker(b *graph.Builder) (*graph.Worker, *pools) {
	ps := x.pools.Load()
	if w, ok := ps.build.Get().(*graph.Worker); ok {
		return w, ps
	}
	return b.NewWorker(), ps
}

func (x *Index) getCtx() (*searchCtx, *pools) {
	ps := x.pools.Load()
	if c, ok := ps.search.Get().(*searchCtx); ok {
		return c, ps
	}
	c := &searchCtx{s: graph.NewSearcher(x.p.MaxDegree), base: x.base.NewComputer(), heap: topk.NewMaxHeap(16)}
	c.trav = c.base
	if x.prim != nil {
		c.trav = x.prim.NewComputer()
	}
	switch {
	case x.split != nil:
		c.precise = &splitComputer{sc: x.split.NewSplitComputer(), x: x}
	case x.precise != nil:
		c.precise = x.precise.NewComputer()
	}
	c.keep = func(id uint32) bool { return c.filter.CheckValid(c.labels.Label(id)) }
	return c, ps
}

func (ps *pools) putCtx(c *searchCtx) {
	c.filter, c.labels = nil, nil
	ps.search.Put(c)
}

// Name implements api.Engine.
func (x *Index) Name() string { return Name }

// Features implements api.Engine: the metrics and the multi-thread and concurrency flags;
// core derives the rest from the capabilities hgraph implements.
func (x *Index) Features() api.FeatureSet {
	return api.NewFeatureSet(
		api.SupportMetricTypeL2, api.SupportMetricTypeInnerProduct, api.SupportMetricTypeCosine,
		api.SupportBuildWithMultiThread, api.SupportBatchAddWithMultiThread,
		api.SupportSearchConcurrent, api.SupportAddConcurrent, api.SupportDeleteConcurrent,
		api.SupportUpdateIDConcurrent, api.SupportUpdateVectorConcurrent,
		api.SupportAddSearchConcurrent, api.SupportAddDeleteConcurrent, api.SupportSearchDeleteConcurrent,
		api.SupportAddSearchDeleteConcurrent,
	)
}

// NeedsTraining implements api.Trainer.
func (x *Index) NeedsTraining() bool {
	return x.base.NeedTrain() || (x.precise != nil && x.precise.NeedTrain())
}

// KeepsRawVectors implements api.VectorReader.
func (x *Index) KeepsRawVectors() bool { return x.vectorSource() != nil }

// vectorSource returns a store that reproduces the input vectors exactly, or nil.
func (x *Index) vectorSource() *store.Codes {
	switch {
	case x.raw != nil:
		return x.raw
	case x.preciseCodes != nil && quant.Exact(x.precise):
		return x.preciseCodes
	case quant.Exact(x.base):
		return x.baseCodes
	}
	return nil
}

// Train implements api.Engine.
func (x *Index) Train(vectors []float32, n int) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.labels.Total() > 0 {
		return api.Errorf(api.WrongStatus, "hgraph: cannot train an index that already holds vectors")
	}
	return x.train(vectors, n, nil, 0, true)
}

// TrainWithQueries implements api.QueryTrainer: Train that also hands nq sample queries to
// the quantizers that learn from them (leanvec with leanvec_training "ood"). Without such a
// quantizer it is UNSUPPORTED_INDEX_OPERATION.
func (x *Index) TrainWithQueries(vectors []float32, n int, queries []float32, nq int) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	_, b := x.base.(quant.QueryTrainer)
	_, p := x.precise.(quant.QueryTrainer)
	if !b && !p {
		return api.Errorf(api.UnsupportedIndexOperation, "hgraph: no quantizer of this index learns from queries (%s)", x.base.Name())
	}
	if x.labels.Total() > 0 {
		return api.Errorf(api.WrongStatus, "hgraph: cannot train an index that already holds vectors")
	}
	return x.train(vectors, n, queries, nq, true)
}

// train trains the quantizers that need it (all of them when force); quantizers that learn
// from queries also get the nq sample queries.
func (x *Index) train(vectors []float32, n int, queries []float32, nq int, force bool) error {
	if n == 0 {
		return api.Errorf(api.InvalidArgument, "hgraph: training needs at least one vector")
	}
	sample, sn := vectors[:n*x.dim], n
	if n > trainSampleMax {
		// evenly spaced rows keep the sample representative of the whole batch
		sample = make([]float32, trainSampleMax*x.dim)
		for i := 0; i < trainSampleMax; i++ {
			r := i * n / trainSampleMax
			copy(sample[i*x.dim:(i+1)*x.dim], vectors[r*x.dim:(r+1)*x.dim])
		}
		sn = trainSampleMax
	}
	for _, q := range []quant.Quantizer{x.base, x.precise} {
		if q == nil || !q.NeedTrain() || (q.Trained() && !force) {
			continue
		}
		var err error
		if qt, ok := q.(quant.QueryTrainer); ok && nq > 0 {
			err = qt.TrainWithQueries(sample, sn, queries, nq)
		} else {
			err = q.Train(sample, sn)
		}
		if err != nil {
			return api.Wrap(api.InternalError, err, "hgraph: train %s quantizer", q.Name())
		}
	}
	x.resetPools()
	return nil
}

func (x *Index) untrained() bool {
	return (x.base.NeedTrain() && !x.base.Trained()) || (x.precise != nil && x.precise.NeedTrain() && !x.precise.Trained())
}

// Build implements api.Engine.
func (x *Index) Build(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	return x.insertBatch(vectors, ids, onInsert, true)
}

// Add implements api.Engine.
func (x *Index) Add(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	return x.insertBatch(vectors, ids, onInsert, false)
}

// insertBatch trains the quantizers when they still need it and appends the batch under the
// exclusive lock, then links it under the shared lock in chunks (linkAll), so searches run
// meanwhile and never wait for a whole batch. A build refuses an index that holds vectors.
func (x *Index) insertBatch(vectors []float32, ids []int64, onInsert api.InsertHook, build bool) ([]int64, error) {
	x.writeMu.RLock() // no force remove while the batch is linked
	defer x.writeMu.RUnlock()
	x.inserting.Add(1)
	defer x.inserting.Add(-1)
	if len(ids) == 0 {
		return nil, x.underExclusive(func() error { return x.checkBuild(build) })
	}
	// the slow part of growing the code stores happens under the shared lock, so searches go on
	pre := x.pregrow(len(ids))
	err := x.underExclusive(func() error {
		if err := x.checkBuild(build); err != nil {
			return err
		}
		x.adopt(pre)
		if x.untrained() {
			return x.train(vectors, len(ids), nil, 0, false)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Rows are appended appendChunk at a time, the write lock released in between, so a large
	// batch keeps searches waiting for one chunk at most. A chunk that cannot grow the stores
	// stops the batch: the rows appended before it are linked and the error returned.
	var failed []int64
	pending := make([]pendingNode, 0, len(ids))
	for lo := 0; lo < len(ids) && err == nil; lo += appendChunk {
		err = x.underExclusive(func() error {
			f, p, err := x.appendNodes(vectors, ids, lo, min(lo+appendChunk, len(ids)), onInsert)
			failed, pending = append(failed, f...), append(pending, p...)
			return err
		})
	}
	link := x.linkAll
	if build && x.p.GraphType == "odescent" {
		link = x.linkODescent // VSAG builds odescent graphs on Build only; adds insert as nsw
	}
	if lerr := link(pending, vectors); lerr != nil {
		return failed, lerr
	}
	if build && err == nil {
		x.mu.Lock()
		x.renumberAfterBuild()
		x.mu.Unlock()
	}
	return failed, err
}

// checkBuild refuses a build of an index that holds vectors. Caller holds mu.
func (x *Index) checkBuild(build bool) error {
	if build && x.labels.Total() > x.slots.len() {
		return api.Errorf(api.BuildTwice, "hgraph: the index is already built")
	}
	return nil
}

// underExclusive runs fn with the exclusive lock held (released even if fn panics).
func (x *Index) underExclusive(fn func() error) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return fn()
}

// appendChunk is the number of rows appended per hold of the write lock.
const appendChunk = 1024

// pendingNode is a node appended to the stores but not yet linked into the graph.
type pendingNode struct {
	id    uint32
	level int32
	row   int32 // row of the input batch
}

// bytesPerNode returns the bytes one node takes in the code stores and the bottom graph.
func (x *Index) bytesPerNode() int64 { return x.codeBytesPerRow() + int64(x.p.MaxDegree+1)*4 }

// codeBytesPerRow returns the bytes one row takes across the code stores.
func (x *Index) codeBytesPerRow() int64 {
	b := int64(0)
	if !x.baseCodes.OnDisk() { // stores on disk take file space, not memory
		b += int64(x.baseCodes.Stride())
	}
	if x.primCodes != nil {
		b += int64(x.primCodes.stride)
	}
	if x.preciseCodes != nil && !x.preciseCodes.OnDisk() {
		b += int64(x.preciseCodes.Stride())
	}
	if x.raw != nil {
		b += int64(x.raw.Stride())
	}
	return b
}

// growFor makes room for total nodes before anything is appended. It grows to one and a half
// times the nodes held (or to hgraph_init_capacity the first time, when that is larger), falling
// back to exactly total when the machine cannot hold more, and returns NO_ENOUGH_MEMORY with
// nothing changed when even that does not fit. Caller holds the exclusive lock.
func (x *Index) growFor(total int) error {
	if x.g.Len() > 0 && total <= x.capacity() {
		return nil
	}
	per := x.bytesPerNode()
	grown := max(total, x.g.Len()*3/2)
	tries := []int{grown, total}
	if x.g.Len() == 0 && x.p.HGraphInitCapacity > grown {
		tries = append([]int{x.p.HGraphInitCapacity}, tries...)
	}
	var err error
	for _, n := range tries {
		if err = x.checkGrow(n, per, "hgraph: growing to "+strconv.Itoa(n)+" nodes"); err == nil {
			if err = x.tryReserve(n); err == nil {
				return x.storeErr()
			}
		}
	}
	return err
}

// grownStores are copies of the code stores with room for more rows, made under the shared lock
// by pregrow and put in place under the exclusive lock by adopt.
type grownStores struct {
	base, precise, raw *store.Codes
	prim               *primaryStore
	edits              int64 // x.rowEdits when the copies were made
}

// pregrow copies the code stores into larger ones when n more rows would not fit, holding only
// the shared lock: the copy of a large slab takes tens of milliseconds, which searches would
// otherwise wait for. It returns nil when no growth is needed, when another insert is growing
// already, or when the machine cannot hold the copies (appendNodes then grows, or refuses, under
// the exclusive lock as before).
func (x *Index) pregrow(n int) *grownStores {
	if !x.growMu.TryLock() {
		return nil
	}
	defer x.growMu.Unlock()
	x.mu.RLock()
	defer x.mu.RUnlock()
	total := x.labels.Total() + x.newRows(n)
	if x.g.Len() == 0 || total <= x.storeCapacity() {
		return nil
	}
	rows := max(total, x.g.Len()*3/2)
	if x.checkGrow(rows, x.bytesPerNode(), "hgraph: growing the code stores") != nil {
		return nil
	}
	gs := &grownStores{base: x.baseCodes.Grown(rows), edits: x.rowEdits}
	if x.preciseCodes != nil {
		gs.precise = x.preciseCodes.Grown(rows)
	}
	if x.raw != nil {
		gs.raw = x.raw.Grown(rows)
	}
	if x.primCodes != nil {
		gs.prim = x.primCodes.grown(rows)
	}
	if !gs.complete(x) {
		return nil
	}
	return gs
}

// adopt puts stores grown by pregrow in place, first copying the rows appended since. Copies
// made before a row was rewritten (UpdateVector) or without room for the rows added since are
// dropped. Caller holds the exclusive lock.
func (x *Index) adopt(gs *grownStores) {
	if gs == nil || gs.edits != x.rowEdits {
		return
	}
	ok := gs.base.CatchUp(x.baseCodes)
	ok = ok && (gs.precise == nil || gs.precise.CatchUp(x.preciseCodes))
	ok = ok && (gs.raw == nil || gs.raw.CatchUp(x.raw))
	ok = ok && (gs.prim == nil || gs.prim.catchUp(x.primCodes))
	if !ok {
		return
	}
	for _, p := range [][2]*store.Codes{{x.baseCodes, gs.base}, {x.preciseCodes, gs.precise}, {x.raw, gs.raw}} {
		if p[0] != nil && p[0] != p[1] { // an on-disk store grows in place: Grown returns it
			p[0].Release() // no reader: the exclusive lock is held
		}
	}
	x.baseCodes, x.preciseCodes, x.raw = gs.base, gs.precise, gs.raw
	if gs.prim != nil {
		x.primCodes = gs.prim
	}
}

// storeCapacity returns the rows every code store has room for.
func (x *Index) storeCapacity() int {
	c := x.baseCodes.Cap()
	for _, s := range []*store.Codes{x.preciseCodes, x.raw} {
		if s != nil {
			c = min(c, s.Cap())
		}
	}
	if x.primCodes != nil {
		c = min(c, x.primCodes.capRows())
	}
	return c
}

// capacity returns the nodes every store and the graph have room for.
func (x *Index) capacity() int { return min(x.storeCapacity(), x.g.Cap()) }

// appendNodes adds rows lo..hi-1 of the batch (labels, codes, graph nodes), calling onInsert
// for each row stored; the stores are grown for the rest of the batch first. Caller holds the
// exclusive lock.
func (x *Index) appendNodes(vectors []float32, ids []int64, lo, hi int, onInsert api.InsertHook) ([]int64, []pendingNode, error) {
	defer x.chargeSide()
	if err := x.growFor(x.labels.Total() + x.newRows(len(ids)-lo)); err != nil {
		return nil, nil, err
	}
	var failed []int64
	pending := make([]pendingNode, 0, hi-lo)
	// the rows appended to the stores are encoded after the loop (in parallel when there are
	// many); fresh holds their batch rows, in store order
	fresh := make([]int32, 0, hi-lo)
	for i := lo; i < hi; i++ {
		id := ids[i]
		v := vectors[i*x.dim : (i+1)*x.dim]
		if x.slots.len() > 0 { // slots of force-removed nodes first
			if pn, ok := x.takeSlot(i, id, v, onInsert); ok {
				pending = append(pending, pn)
			} else {
				failed = append(failed, id)
			}
			continue
		}
		inner, err := x.labels.Append(id)
		if err != nil {
			failed = append(failed, id)
			continue
		}
		fresh = append(fresh, int32(i))
		level := 0 // Vamana graphs have one layer
		if x.p.GraphType != "vamana" {
			level = graph.RandomLevel(1-x.rng.Float64(), x.p.MaxDegree)
		}
		gid := x.g.AddNode(level)
		if gid != inner {
			panic("hgraph: graph and label table disagree") // an internal invariant, never input-driven
		}
		if onInsert != nil {
			onInsert(i, id)
		}
		pending = append(pending, pendingNode{id: gid, level: int32(level), row: int32(i)})
	}
	x.storeRows(vectors, fresh)
	return failed, pending, nil
}

// minParallelEncode is the number of rows from which storeRows encodes on the build threads;
// encodeChunk is the number of rows one of them encodes at a time.
const (
	minParallelEncode = 256
	encodeChunk       = 64
)

// storeRows appends the batch rows rows (of vectors) to every code store, in order, with the
// encoding of many rows spread over the build threads: in a build it is the first write to the
// stores' new memory, page faults included. Caller holds mu exclusively.
func (x *Index) storeRows(vectors []float32, rows []int32) {
	if len(rows) == 0 {
		return
	}
	threads := x.threads
	if len(rows) < minParallelEncode {
		threads = 1
	}
	stores := []*store.Codes{x.baseCodes}
	for _, c := range []*store.Codes{x.preciseCodes, x.raw} {
		if c != nil {
			stores = append(stores, c)
		}
	}
	first := make([]int, len(stores))
	for i, c := range stores {
		first[i] = c.AppendRows(len(rows))
	}
	p0 := 0
	if x.primCodes != nil {
		p0 = x.primCodes.extend(len(rows))
	}
	chunks := (len(rows) + encodeChunk - 1) / encodeChunk
	_ = parallel.For(chunks, threads, func(_, c int) error {
		for j := c * encodeChunk; j < min((c+1)*encodeChunk, len(rows)); j++ {
			i := int(rows[j])
			v := vectors[i*x.dim : (i+1)*x.dim]
			for s, st := range stores {
				st.Quantizer().Encode(st.Code(first[s]+j), v)
			}
			if x.primCodes != nil {
				x.primCodes.set(p0+j, x.baseCodes.Code(first[0]+j))
			}
		}
		return nil
	})
}

// minParallelLink is the batch size below which linking stays on the calling goroutine.
const minParallelLink = 256

// linkChunk is the number of nodes linked per hold of the shared lock. Between chunks the lock
// is released, so a writer waiting for it (and the searches queued behind that writer) waits
// for one chunk, not for the whole batch.
const linkChunk = 128

// underShared runs fn with the shared lock held.
func (x *Index) underShared(fn func() error) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return fn()
}

// linkAll links pending nodes into the graph on up to x.threads goroutines, chunk by chunk
// under the shared lock (the code slabs may move between chunks, so each chunk takes a fresh
// builder), then checks reachability: every new node is linked back from a neighbour, and the
// whole graph is repaired once the nodes added since the last full repair reach a quarter of it.
func (x *Index) linkAll(pending []pendingNode, vectors []float32) error {
	if len(pending) == 0 {
		return nil
	}
	threads := 1
	var passes []float32
	var bt *buildTrav
	defer func() { bt.release() }() // the codes made for the batch go with their charge
	start := 0
	err := x.underShared(func() error {
		if len(pending) >= minParallelLink {
			threads = x.threads // a Tune replaces it under the exclusive lock
		}
		bt = x.buildTraversal(len(pending)) // see buildtrav.go
		if x.p.GraphType == "vamana" {
			passes = x.vamanaPasses(pending, vectors)
			return nil
		}
		passes = []float32{0}
		// the first node may become the entry point; inserting it alone avoids a race for it
		if _, _, ok := x.g.Entry(); !ok {
			b := x.builder()
			w, ps := x.getWorker(b)
			x.insert(b, w, pending[0], vectors)
			ps.build.Put(w)
			start = 1
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, alpha := range passes {
		for lo := start; lo < len(pending); lo += linkChunk {
			chunk := pending[lo:min(lo+linkChunk, len(pending))]
			err := x.underShared(func() error {
				b, vp := x.builder(), x.vamana() // a Tune may replace the parameters in between
				bt.apply(x, b, threads)
				return x.eachNode(b, chunk, threads, func(w *graph.Worker, pn pendingNode) {
					if x.p.GraphType == "vamana" {
						b.VamanaLink(w, pn.id, vectors[int(pn.row)*x.dim:int(pn.row+1)*x.dim], vp, alpha)
					} else {
						x.insert(b, w, pn, vectors)
					}
				})
			})
			if err != nil {
				return err
			}
			x.prog.Load().Add(int64(len(chunk)) / int64(len(passes)))
		}
		start = 0
	}
	return x.underShared(func() error {
		b := x.builder()
		if err := x.eachNode(b, pending, threads, func(w *graph.Worker, pn pendingNode) { b.LinkBack(w, pn.id) }); err != nil {
			return err
		}
		if x.p.GraphType == "nsw" && !x.wholeLists && len(pending) >= minParallelLink {
			if err := x.orderHeads(b, threads); err != nil {
				return err
			}
		}
		x.residuals() // measured now rather than by the next search
		since := x.sinceRepair.Add(int64(len(pending)))
		if len(pending) < minParallelLink || since*4 < int64(x.g.Len()) {
			return nil
		}
		x.sinceRepair.Store(0)
		w, ps := x.getWorker(b)
		defer ps.build.Put(w)
		return parallel.Run(1, func(int) error {
			b.Repair(w)
			return nil
		})
	})
}

// orderHeads orders every bottom list that is not ordered (graph.Builder.OrderHead): the new
// nodes' and those the batch added edges to. Caller holds the shared lock.
func (x *Index) orderHeads(b *graph.Builder, threads int) error {
	return eachOf(x, b, x.g.Unordered(nil), threads, b.OrderHead)
}

// eachNode calls fn for every node of nodes on up to threads goroutines, each with a pooled
// worker; a panic in any of them is returned as INTERNAL_ERROR. When the workers take every core,
// they yield between nodes so that searches get their turn within one insertion, not one time
// slice.
func (x *Index) eachNode(b *graph.Builder, nodes []pendingNode, threads int, fn func(*graph.Worker, pendingNode)) error {
	return eachOf(x, b, nodes, threads, fn)
}

// eachOf is eachNode over items of any type.
func eachOf[T any](x *Index, b *graph.Builder, items []T, threads int, fn func(*graph.Worker, T)) error {
	var next atomic.Int64
	threads = min(threads, len(items))
	yield := threads >= runtime.GOMAXPROCS(0)
	return parallel.Run(threads, func(int) error {
		w, ps := x.getWorker(b)
		defer ps.build.Put(w)
		for {
			i := int(next.Add(1) - 1)
			if i >= len(items) {
				return nil
			}
			fn(w, items[i])
			if yield {
				runtime.Gosched()
			}
		}
	})
}

// vamanaPasses returns the back-edge alphas of the passes that link pending with Vamana's
// rule. The first batch of an empty graph enters at its medoid and is linked twice, pruning
// back edges with alpha 1 and then alpha; later batches are linked once with alpha. Caller
// holds the shared lock.
func (x *Index) vamanaPasses(pending []pendingNode, vectors []float32) []float32 {
	vp := x.vamana()
	if _, _, ok := x.g.Entry(); ok {
		return []float32{vp.Alpha}
	}
	rows := make([]int, len(pending))
	for i, pn := range pending {
		rows[i] = int(pn.row)
	}
	x.g.SetEntry(pending[graph.Medoid(vectors, x.dim, rows)].id, 0)
	return []float32{1, vp.Alpha}
}

func (x *Index) insert(b *graph.Builder, w *graph.Worker, pn pendingNode, vectors []float32) {
	// the input vector is the query of the insertion search, as a search query would be
	b.Insert(w, pn.id, int(pn.level), vectors[int(pn.row)*x.dim:int(pn.row+1)*x.dim])
}

// Remove implements api.Engine: labels are marked removed; their nodes keep routing searches.
func (x *Index) Remove(ids []int64) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.labels.RemoveAll(ids), nil
}

// reranks reports whether a request re-ranks its search buffer: with the precise codes, or
// with the full codes of a two-stage base (enable_reorder false skips both, and the results
// carry the traversal distances).
func (x *Index) reranks(sp *SearchParams) bool {
	return (x.precise != nil || x.ts != nil) && (sp.EnableReorder == nil || *sp.EnableReorder)
}

// KnnSearch implements api.Engine.
func (x *Index) KnnSearch(query []float32, k int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	out := []api.Neighbor{}
	err := x.knn(query, k, opts, func(items []topk.Item) { out = x.labels.Neighbors(items) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// KnnSearchInto implements api.RowSearcher: the results go to the caller's row.
func (x *Index) KnnSearchInto(query []float32, k int, opts *api.SearchOptions, ids []int64, dists []float32) (int, error) {
	n := 0
	err := x.knn(query, k, opts, func(items []topk.Item) { n = x.labels.WriteRow(items, ids, dists) })
	return n, err
}

// knn runs a knn search and hands its k best items, ascending, to emit while the searcher that
// owns them is held (emit is not called when the index is empty).
func (x *Index) knn(query []float32, k int, opts *api.SearchOptions, emit func([]topk.Item)) error {
	sp, err := x.parsed.Get(opts.Block)
	if err != nil {
		return err
	}
	deadline := sp.deadline(opts)
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.labels.Live() == 0 {
		return nil
	}
	c, ps := x.getCtx()
	defer ps.putCtx(c)
	c.s.ResetStats()
	var items []topk.Item
	ef := max(*sp.EfSearch, k)
	capacity := max(sp.SearchBufferCapacity, ef)
	if x.exhaustive(capacity, sp, opts.Filter) {
		items = x.scan(c, query, k, -1, opts.Filter, deadline)
	} else {
		items = x.graphSearch(c, query, ef, capacity, sp, opts.Filter, deadline, false, 0)
		items = x.rerank(c, sp, query, items, k, 0)
	}
	if len(items) > k {
		items = items[:k]
	}
	x.fillStats(c, opts)
	emit(items)
	return nil
}

// RangeSearch implements api.Engine.
func (x *Index) RangeSearch(query []float32, radius float32, limit int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	sp, err := x.parsed.Get(opts.Block)
	if err != nil {
		return nil, err
	}
	deadline := sp.deadline(opts)
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.labels.Live() == 0 {
		return []api.Neighbor{}, nil
	}
	c, ps := x.getCtx()
	defer ps.putCtx(c)
	c.s.ResetStats()
	var items []topk.Item
	ef := *sp.EfSearch
	if limit > 0 {
		ef = max(ef, limit)
	}
	if x.exhaustive(ef, sp, opts.Filter) {
		items = x.scan(c, query, 0, radius, opts.Filter, deadline)
	} else {
		top := x.graphSearch(c, query, ef, max(sp.SearchBufferCapacity, ef), sp, opts.Filter, deadline, true, radius)
		// the nodes found within the radius plus the beam (which may hold more under reorder)
		items = append(c.items[:0], c.s.InRange...)
		if x.reranks(sp) {
			items = append(items, top...)
			items = dedupe(items)
			items = x.rerank(c, sp, query, items, 0, radius)
		} else {
			topk.SortItems(items)
		}
		c.items = items
		n := sort.Search(len(items), func(i int) bool { return items[i].Dist > radius })
		items = items[:n]
	}
	if limit > 0 && len(items) > limit {
		items = items[:limit]
	}
	x.fillStats(c, opts)
	return x.labels.Neighbors(items), nil
}

// exhaustive decides for an exact scan: when the filter keeps at most brute_force_threshold of
// the labels, or when the beam would cover every node anyway.
func (x *Index) exhaustive(ef int, sp *SearchParams, filter api.Filter) bool {
	if ef >= x.g.Len() {
		return true
	}
	return filter != nil && sp.BruteForceThreshold > 0 && float64(filter.ValidRatio()) <= sp.BruteForceThreshold
}

func dedupe(items []topk.Item) []topk.Item {
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	out := items[:0]
	for i, it := range items {
		if i == 0 || it.ID != items[i-1].ID {
			out = append(out, it)
		}
	}
	return out
}

func (x *Index) fillStats(c *searchCtx, opts *api.SearchOptions) {
	if opts.Stats == nil {
		return
	}
	opts.Stats.DistanceComputations += c.s.DistCmp
	opts.Stats.Hops += c.s.Hops
	opts.Stats.TimedOut = opts.Stats.TimedOut || c.s.TimedOut
}

// graphSearch walks the graph with the base codes and returns the ef best eligible nodes
// (the searcher's slice). Caller holds mu shared.
func (x *Index) graphSearch(c *searchCtx, query []float32, ef, capacity int, sp *SearchParams, filter api.Filter, deadline time.Time, rangeMode bool, radius float32) []topk.Item {
	c.trav.SetQuery(query)
	p := graph.Params{Ef: ef, Capacity: capacity, HopsLimit: sp.HopsLimit, Deadline: deadline, Range: rangeMode, Radius: radius}
	if x.labels.NumRemoved() > 0 {
		p.Removed = x.labels.RemovedWords()
	}
	if filter != nil {
		c.filter, c.labels = filter, x.labels
		p.Keep = c.keep
		if sp.Skip != nil {
			p.Visit = c.skipGate(sp.Skip, filter)
		}
	}
	p.FewRejected = x.fewRejected(filter)
	return c.s.Search(x.g, x.travSpace(c), &p)
}

// fewRejected estimates whether the removed nodes and the filter leave out at most half of the
// nodes a search meets, so that it may keep them with its results in one sorted buffer (see
// graph.Params.FewRejected). A filter whose share is unknown (ValidRatio 1) is not counted on.
func (x *Index) fewRejected(filter api.Filter) bool {
	kept := 1 - float64(x.labels.NumRemoved())/float64(max(x.g.Len(), 1))
	if filter != nil {
		r := float64(filter.ValidRatio())
		if r >= 1 {
			return false
		}
		kept *= r
	}
	return kept >= 0.5
}

// rerank recomputes the distances of items, when the request reranks, with the precise codes
// (use_reorder) or else the full codes of a two-stage base, and sorts them. When the base codes
// give error bounds (rabitq), candidates that cannot qualify are not reranked: with k > 0 (knn)
// only the k best are wanted (rerankBounded, at most k items returned); with k == 0 (range)
// candidates whose lower bound exceeds radius are dropped.
func (x *Index) rerank(c *searchCtx, sp *SearchParams, query []float32, items []topk.Item, k int, radius float32) []topk.Item {
	if len(items) == 0 || !x.reranks(sp) {
		return items
	}
	comp, codes := c.base, x.baseCodes
	if x.precise != nil {
		comp, codes = c.precise, x.preciseCodes
		if b, ok := c.base.(quant.Bounded); ok && boundedRerank && x.ts == nil && !codes.ReadsRows() {
			if k > 0 && len(items) > firstRerankBatch(k) {
				return x.rerankBounded(c, b, query, items, k)
			}
			if k == 0 {
				items = x.dropBeyond(b, items, radius)
			}
		} else if v, ok := x.residuals(); ok {
			if v.exact && queryResidual(c, query) == 0 {
				// the estimates are the precise distances (residual.go)
				sortItems(items)
				return items
			}
			if k > 0 && len(items) > firstRerankBatch(k) {
				return x.rerankResidual(c, &v, query, items, k, sp.marginSigmas())
			}
			if k == 0 {
				items = x.dropResidual(c, &v, query, items, radius)
			}
		}
	}
	if sigmas := sp.marginSigmas(); sigmas > 0 && k > 0 && len(items) > firstRerankBatch(k)+adaptiveMin && !codes.ReadsRows() {
		return x.rerankAdaptive(c, comp, codes, query, items, k, sigmas)
	}
	comp.SetQuery(query)
	c.ids = c.ids[:0]
	for _, it := range items {
		c.ids = append(c.ids, it.ID)
	}
	if cap(c.dists) < len(items) {
		c.dists = make([]float32, len(items))
	}
	d := c.dists[:len(items)]
	slab, ids := codes.Gather(c.ids, &c.gather) // the slab and ids as they are, unless buffer_io
	comp.DistanceBatch(slab, ids, d)
	c.s.DistCmp += int64(len(items))
	for i := range items {
		items[i].Dist = d[i]
	}
	sortItems(items)
	return items
}

// boundedRerank enables the skipping of rerankBounded; tests and benchmarks turn it off to
// compare.
var boundedRerank = true

// rerankChunk is the number of candidates measured per batch of precise distances after the
// first. The first batch takes max(k, 2*rerankChunk) candidates, at most rerankFirst: the first
// k are measured whatever the bounds say, and a batch of two groups or more lets the batch
// kernels request the next group's rows while one group is measured (fp16 reorder of
// sq4_uniform codes at ef_search 12-16: +4-7% against batches of eight).
const (
	rerankChunk = 8
	rerankFirst = 64
)

// firstRerankBatch returns the size of the first batch of a bounded rerank of the k best. When
// there are no more candidates than that, the bounds cannot skip any of them, and the rerank
// measures them all without the bounded path's chunks and heap (sq8_uniform + fp32 reorder on
// Fashion-MNIST at ef_search 14 and 16, k 10: -2% to -4% through the bounded path).
func firstRerankBatch(k int) int { return min(rerankFirst, max(k, 2*rerankChunk)) }

// rerankBounded reranks the traversal's candidates with the precise codes, keeping the k best.
// items carry the base estimates and the base computer still holds the query (the traversal
// ran on it), so with a Margined computer a lower bound is the estimate minus the margin. Candidates are visited by ascending estimate, in chunks measured by one batch
// call; once k precise distances are known, a candidate whose lower bound of the true distance
// (at rabitq_error_rate) exceeds the k-th of them is skipped without reading its precise code.
// Skipped candidates are not counted as distance computations: their estimates were counted
// by the traversal. It returns the k best, sorted.
func (x *Index) rerankBounded(c *searchCtx, b quant.Bounded, query []float32, items []topk.Item, k int) []topk.Item {
	return x.rerankTop(c, query, items, k, 0, func(it topk.Item, bound float32) bool {
		return x.lowerBound(b, it) > bound
	})
}

// lowerBound returns the lower bound of the true distance of it (carrying its base estimate)
// that the base computer b gives: the estimate less the margin where b gives it alone.
func (x *Index) lowerBound(b quant.Bounded, it topk.Item) float32 {
	code := x.baseCodes.Code(int(it.ID))
	if m, ok := b.(quant.Margined); ok {
		return it.Dist - m.Margin(code)
	}
	_, lower := b.DistanceBound(code)
	return lower
}

// rerankTop reranks items (carrying the base estimates) with the precise codes, keeping the k
// best: candidates are visited by ascending estimate, in chunks measured by one batch call, and
// once k precise distances are known a candidate for which skip(candidate, k-th distance) holds
// is passed over without reading its precise code. With sigmas > 0 the rerank also stops, as
// rerankAdaptive does, at the first candidate whose estimate less the mean error plus sigmas
// standard deviations of the errors measured so far (at least the first chunk's) exceeds the
// k-th distance (see adaptive.go). Skipped candidates are not counted as distance computations:
// their estimates were counted by the traversal. It returns the k best, sorted.
func (x *Index) rerankTop(c *searchCtx, query []float32, items []topk.Item, k int, sigmas float64, skip func(it topk.Item, bound float32) bool) []topk.Item {
	sortItems(items)
	c.precise.SetQuery(query)
	slab := x.preciseCodes.Slab()
	var dist, est [rerankFirst]float32
	var errs errorStats
	c.heap.Reset(k)
	for i := 0; i < len(items); {
		ids := c.ids[:0]
		bound := c.heap.Bound()
		limit := rerankChunk
		if i == 0 {
			limit = firstRerankBatch(k)
		}
		stop := float32(math.Inf(1)) // an estimate above it ends the rerank
		if sigmas > 0 && errs.n > 0 && c.heap.Full() {
			stop = bound + errs.margin(sigmas)
		}
		for ; i < len(items) && len(ids) < limit; i++ {
			if items[i].Dist > stop {
				i = len(items) // every later candidate's estimate is at least as high
				break
			}
			if c.heap.Full() && skip(items[i], bound) {
				continue
			}
			est[len(ids)] = items[i].Dist
			ids = append(ids, items[i].ID)
		}
		c.ids = ids
		if len(ids) == 0 {
			continue
		}
		d := dist[:len(ids)]
		c.precise.DistanceBatch(slab, ids, d)
		c.s.DistCmp += int64(len(ids))
		for j, id := range ids {
			c.heap.Push(d[j], id)
			errs.add(est[j], d[j])
		}
	}
	out := append(items[:0], c.heap.Items()...)
	sortItems(out)
	return out
}

// dropBeyond removes the items whose lower bound of the true distance exceeds radius; items
// carry the base estimates, as in rerankBounded.
func (x *Index) dropBeyond(b quant.Bounded, items []topk.Item, radius float32) []topk.Item {
	out := items[:0]
	for _, it := range items {
		if x.lowerBound(b, it) <= radius {
			out = append(out, it)
		}
	}
	return out
}

// sortItems is an allocation-free insertion sort for the short lists a search returns.
func sortItems(items []topk.Item) {
	if len(items) > 256 {
		topk.SortItems(items)
		return
	}
	for i := 1; i < len(items); i++ {
		it := items[i]
		j := i
		for j > 0 && (items[j-1].Dist > it.Dist || items[j-1].Dist == it.Dist && items[j-1].ID > it.ID) {
			items[j] = items[j-1]
			j--
		}
		items[j] = it
	}
}

const scanBlock = 256

// scan is the exact path for very selective filters: it measures every kept live row with the
// most precise codes held. k > 0 keeps the k best; otherwise rows within radius are kept.
func (x *Index) scan(c *searchCtx, query []float32, k int, radius float32, filter api.Filter, deadline time.Time) []topk.Item {
	if items, ok := x.scanListed(c, query, k, radius, filter, deadline); ok {
		return items // a filter that lists its few labels: measure only those (filtered.go)
	}
	codes, comp := x.baseCodes, c.base
	if x.preciseCodes != nil {
		codes, comp = x.preciseCodes, c.precise
	}
	comp.SetQuery(query)
	n := codes.Len()
	slab := codes.Slab()
	removed := x.labels.RemovedWords()
	var dist [scanBlock]float32
	c.heap.Reset(max(k, 1))
	c.items = c.items[:0]
	c.ids = c.ids[:0]
	for b := 0; b < n; b += scanBlock {
		e := min(b+scanBlock, n)
		// filter first: a selective filter leaves few rows to measure
		ids := c.ids[:0]
		for r := uint32(b); r < uint32(e); r++ {
			if removed[r>>6]&(1<<(r&63)) != 0 || (filter != nil && !filter.CheckValid(x.labels.Label(r))) {
				continue
			}
			ids = append(ids, r)
		}
		c.ids = ids
		if len(ids) > 0 {
			d := dist[:len(ids)]
			comp.DistanceBatch(slab, ids, d)
			c.s.DistCmp += int64(len(ids))
			for i, r := range ids {
				if k > 0 {
					c.heap.Push(d[i], r)
				} else if d[i] <= radius {
					c.items = append(c.items, topk.Item{Dist: d[i], ID: r})
				}
			}
		}
		c.s.Hops += int64(e - b)
		if !deadline.IsZero() && time.Now().After(deadline) {
			c.s.TimedOut = true
			break
		}
	}
	if k > 0 {
		c.items = c.items[:0]
		for c.heap.Len() > 0 {
			c.items = append(c.items, c.heap.Pop())
		}
		for i, j := 0, len(c.items)-1; i < j; i, j = i+1, j-1 {
			c.items[i], c.items[j] = c.items[j], c.items[i]
		}
		return c.items
	}
	topk.SortItems(c.items)
	return c.items
}

// Package pyramid is VSAG's path-partitioned graph index for multi-tenant data: every vector
// carries a path per hierarchy, such as "tenant/shop/item", and the index keeps one proximity
// graph per path prefix (the root's graph holds every vector, a tenant's graph its own
// vectors). A search names a path and stays inside that subtree: it runs on the subtree's own
// graph, so it costs what a search of an index of that tenant alone would.
//
// Layout: the codes (base, precise for use_reorder, raw for store_raw_vector) and the label
// table are shared; a sub-graph numbers its nodes 0..n-1 and maps them to the shared inner ids
// through its member list, so no code is stored twice. Groups smaller than index_min_size are
// scanned exactly until they grow to it; levels listed in no_build_levels get no graph (a
// search there searches the graphs of the children). Several named hierarchies partition the
// same vectors along different paths; a query over several of them joins their subtrees with
// hierarchy_op union or intersection.
package pyramid

import (
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"

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
const Name = "pyramid"

// trainSampleMax bounds the rows handed to a quantizer's training.
const trainSampleMax = 100_000

// Index is the pyramid engine.
//
// Locking: mu guards the label table, the code stores and the trees (nodes, member lists,
// graph node sets). Searches hold it shared. An insert appends rows and places them in the
// trees under the exclusive lock, then links them into the graphs under the shared lock, so
// searches go on meanwhile; the graphs' lists are guarded by their per-node locks.
type Index struct {
	store.LabelView
	mu      sync.RWMutex
	dim     int
	metric  metric.Kind
	p       Params
	threads int

	base         quant.Quantizer
	baseCodes    *store.Codes
	precise      quant.Quantizer    // nil unless use_reorder
	split        quant.SplitPrecise // precise as the rest records of rabitq's split layout, else nil
	preciseCodes *store.Codes
	raw          *store.Codes // fp32 copy when store_raw_vector
	labels       *store.Labels
	hiers        []*hierarchy
	rng          *rand.Rand

	pools  atomic.Pointer[sync.Pool] // *searchCtx, replaced when the quantizers are trained
	parsed params.Cache[*SearchParams]
	// modelID names the model the index was made from: drawn at creation, copied by
	// ExportModel and kept by saving. Merge takes only sources of the same model.
	modelID uint64
	// acct and side: the index's memory account and the charge of what its code stores do not
	// hold (nil: none handed yet); see account.go
	acct *alloc.Account
	side *alloc.Tracker
	sc   sideCharge
}

// New creates an empty pyramid index from parsed create parameters.
func New(c *params.Create) (*Index, error) {
	p, err := parseParams(c)
	if err != nil {
		return nil, err
	}
	base, split, err := newBase(c, p)
	if err != nil {
		return nil, err
	}
	x := &Index{
		dim: c.Dim, metric: c.Metric, p: p, threads: p.buildThreads(),
		base: base, baseCodes: store.NewCodes(base), labels: store.NewLabels(),
		rng: newRNG(), modelID: rand.Uint64(),
	}
	x.LabelView = store.LabelView{Mu: &x.mu, Table: func() *store.Labels { return x.labels }, Index: Name}
	x.parsed.Parse = parseSearch
	switch {
	case split != nil:
		x.precise, x.preciseCodes, x.split = split, store.NewCodes(split), split
	case p.UseReorder:
		pq, err := quant.New(p.PreciseQuantizationType, c.Dim, c.Metric, p.preciseOptions())
		if err != nil {
			return nil, api.Wrap(api.InvalidArgument, err, "key \"precise_quantization_type\"")
		}
		x.precise, x.preciseCodes = pq, store.NewCodes(pq)
	}
	if p.StoreRawVector {
		rq, _ := quant.New("fp32", c.Dim, c.Metric, quant.DefaultOptions())
		x.raw = store.NewCodes(rq)
	}
	x.hiers = newHierarchies(p)
	x.resetPools()
	return x, nil
}

// newHierarchies returns empty trees for the parameters' hierarchies.
func newHierarchies(p Params) []*hierarchy {
	out := make([]*hierarchy, len(p.hiers))
	for i, hp := range p.hiers {
		out[i] = &hierarchy{name: hp.Name, hp: hp, nodes: 1}
		out[i].setRoot(newNode("", nil, !hp.noBuild(0)))
	}
	return out
}

// newRNG returns the generator of graph levels (seeded: builds are reproducible).
func newRNG() *rand.Rand { return rand.New(rand.NewPCG(0x5eed, 0x7a11)) }

func (x *Index) resetPools() { x.pools.Store(&sync.Pool{}) }

// hierarchy returns the tree named name ("" is the unnamed one), or nil.
func (x *Index) hierarchy(name string) *hierarchy {
	for _, h := range x.hiers {
		if h.name == name {
			return h
		}
	}
	return nil
}

// names lists the hierarchy names, for messages.
func (x *Index) names() []string {
	out := make([]string, len(x.hiers))
	for i, h := range x.hiers {
		out[i] = h.name
	}
	return out
}

// Name implements api.Engine.
func (x *Index) Name() string { return Name }

// Features implements api.Engine: the metrics and the multi-thread and concurrency flags;
// core derives the rest from the capabilities pyramid implements.
func (x *Index) Features() api.FeatureSet {
	return api.NewFeatureSet(
		api.SupportMetricTypeL2, api.SupportMetricTypeInnerProduct, api.SupportMetricTypeCosine,
		api.SupportBuildWithMultiThread, api.SupportBatchAddWithMultiThread,
		api.SupportSearchConcurrent, api.SupportAddConcurrent, api.SupportDeleteConcurrent,
		api.SupportUpdateIDConcurrent,
		api.SupportAddSearchConcurrent, api.SupportAddDeleteConcurrent, api.SupportSearchDeleteConcurrent,
		api.SupportAddSearchDeleteConcurrent,
	)
}

// NeedsTraining implements api.Trainer.
func (x *Index) NeedsTraining() bool {
	return x.base.NeedTrain() || (x.precise != nil && x.precise.NeedTrain())
}

// Train implements api.Trainer.
func (x *Index) Train(vectors []float32, n int) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.labels.Total() > 0 {
		return api.Errorf(api.WrongStatus, "pyramid: cannot train an index that already holds vectors")
	}
	return x.train(vectors, n, true)
}

// train trains the quantizers that need it (all of them when force).
func (x *Index) train(vectors []float32, n int, force bool) error {
	if n == 0 {
		return api.Errorf(api.InvalidArgument, "pyramid: training needs at least one vector")
	}
	sample, sn := vectors[:n*x.dim], n
	if n > trainSampleMax {
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
		if err := q.Train(sample, sn); err != nil {
			return api.Wrap(api.InternalError, err, "pyramid: train %s quantizer", q.Name())
		}
	}
	x.resetPools()
	return nil
}

func (x *Index) untrained() bool {
	return (x.base.NeedTrain() && !x.base.Trained()) || (x.precise != nil && x.precise.NeedTrain() && !x.precise.Trained())
}

// Build implements api.Builder. Rows without paths cannot be placed in any tree, so a build
// through this method (core passes paths through InsertWithPaths) is INVALID_ARGUMENT.
func (x *Index) Build(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	return x.InsertWithPaths(vectors, ids, nil, true, onInsert)
}

// Add implements api.Engine; as Build, it needs paths (see InsertWithPaths).
func (x *Index) Add(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	return x.InsertWithPaths(vectors, ids, nil, false, onInsert)
}

// buildStore returns the codes the graphs are built on: the precise codes when the index
// reranks with them, else the base codes.
func (x *Index) buildStore() *store.Codes {
	if x.preciseCodes != nil && x.split == nil {
		return x.preciseCodes
	}
	return x.baseCodes
}

// minGraphSize is the smallest group that gets a graph, whatever index_min_size: a search of
// fewer vectors scans them exactly for less than a graph search costs (and a graph per tiny
// group, such as paths that end in an item id, would cost more memory than its vectors).
const minGraphSize = 32

// appendChunk is the number of rows appended per hold of the write lock.
const appendChunk = 1024

// pendingLink is a graph node added under the exclusive lock and not yet linked.
type pendingLink struct {
	n     *node
	local uint32
	level int32
	row   int32 // row of the input batch, or -1: decode the vector from the build codes
}

// InsertWithPaths implements api.PathInserter: it inserts a batch as Build (build true) or
// Add does. paths maps a hierarchy name ("" for the unnamed hierarchy) to one path per row;
// every row needs a path in at least one hierarchy of the index, and a hierarchy without paths
// in the batch gets none of its rows. An index with named hierarchies takes plain paths ("")
// when it has exactly one hierarchy. Labels already present are returned and skipped.
func (x *Index) InsertWithPaths(vectors []float32, ids []int64, paths map[string][]string, build bool, onInsert api.InsertHook) ([]int64, error) {
	what := "add"
	if build {
		what = "build"
	}
	byHier, err := x.batchPaths(what, paths, len(ids))
	if err != nil {
		return nil, err
	}
	touched := map[*node]struct{}{} // the nodes on the batch's paths, charged again at the end
	defer func() { x.chargeNodes(touched) }()
	x.mu.Lock()
	if build && x.labels.Total() > 0 {
		x.mu.Unlock()
		return nil, api.Errorf(api.BuildTwice, "pyramid: the index is already built")
	}
	if len(ids) > 0 && x.untrained() {
		if err := x.train(vectors, len(ids), false); err != nil {
			x.mu.Unlock()
			return nil, err
		}
	}
	if err := x.checkBatch(what, len(ids), byHier); err != nil {
		x.mu.Unlock()
		return nil, err
	}
	// the code stores take the whole batch at once (no slack left by doubling), when it fits
	_ = x.ensure(len(ids))
	x.mu.Unlock()
	var failed []int64
	var pending []pendingLink
	for lo := 0; lo < len(ids) && err == nil; lo += appendChunk {
		err = x.underExclusive(func() error {
			f, p, err := x.appendRows(vectors, ids, byHier, lo, min(lo+appendChunk, len(ids)), onInsert, touched)
			failed, pending = append(failed, f...), append(pending, p...)
			return err
		})
	}
	link := x.linkAll
	if build && x.p.GraphType == "odescent" {
		link = x.linkODescent
	}
	if lerr := link(pending, vectors); lerr != nil {
		return failed, lerr
	}
	return failed, err
}

// batchPaths checks the batch's paths against the index's hierarchies and returns them in
// the order of x.hiers (nil for a hierarchy the batch has no paths for).
func (x *Index) batchPaths(what string, paths map[string][]string, n int) ([][]string, error) {
	if n == 0 {
		return make([][]string, len(x.hiers)), nil
	}
	if len(paths) == 0 {
		return nil, api.Errorf(api.InvalidArgument, "pyramid: %s: the rows need paths (one per row, such as \"tenant/shop\")", what)
	}
	out := make([][]string, len(x.hiers))
	for name, ps := range paths {
		h := name
		if name == "" && x.p.named {
			if len(x.hiers) != 1 {
				return nil, api.Errorf(api.InvalidArgument, "pyramid: %s: the index has the hierarchies %v; give the paths by hierarchy name", what, x.names())
			}
			h = x.hiers[0].name
		}
		i := -1
		for j, hh := range x.hiers {
			if hh.name == h {
				i = j
			}
		}
		if i < 0 {
			if name == "" {
				return nil, api.Errorf(api.InvalidArgument, "pyramid: %s: the index has named hierarchies %v; give the paths by hierarchy name", what, x.names())
			}
			return nil, api.Errorf(api.InvalidArgument, "pyramid: %s: the index has no hierarchy %q (it has %v)", what, name, x.names())
		}
		if out[i] != nil {
			return nil, api.Errorf(api.InvalidArgument, "pyramid: %s: two path lists for hierarchy %q", what, h)
		}
		if len(ps) < n {
			return nil, api.Errorf(api.InvalidArgument, "pyramid: %s: %d paths for %d rows", what, len(ps), n)
		}
		for r, p := range ps[:n] {
			if err := checkRowPath(what, r, p); err != nil {
				return nil, err
			}
		}
		out[i] = ps[:n]
	}
	return out, nil
}

// underExclusive runs fn with the exclusive lock held.
func (x *Index) underExclusive(fn func() error) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return fn()
}

// underShared runs fn with the shared lock held.
func (x *Index) underShared(fn func() error) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return fn()
}

// ensure makes room for n more rows in every code store, or returns NO_ENOUGH_MEMORY.
func (x *Index) ensure(n int) error {
	for _, c := range []*store.Codes{x.baseCodes, x.preciseCodes, x.raw} {
		if c == nil {
			continue
		}
		if err := c.Ensure(n); err != nil {
			return err
		}
	}
	return nil
}

// appendRows adds rows lo..hi-1 of the batch: labels, codes and their places in the trees.
// Nodes whose group reaches index_min_size get their graph here, every member a pending
// link. Every node on the path of a row placed is added to paths. Caller holds the exclusive
// lock.
func (x *Index) appendRows(vectors []float32, ids []int64, byHier [][]string, lo, hi int, onInsert api.InsertHook, paths map[*node]struct{}) ([]int64, []pendingLink, error) {
	if err := x.ensure(hi - lo); err != nil {
		return nil, nil, err
	}
	first := uint32(x.labels.Total())
	rowOf := make([]int32, 0, hi-lo) // row of the batch of inner id first+i
	var failed []int64
	var touched []*node
	var pending []pendingLink
	seen := map[*node]bool{}
	for i := lo; i < hi; i++ {
		id := ids[i]
		inner, err := x.labels.Append(id)
		if err != nil {
			failed = append(failed, id)
			continue
		}
		v := vectors[i*x.dim : (i+1)*x.dim]
		x.baseCodes.Append(v)
		if x.preciseCodes != nil {
			x.preciseCodes.Append(v)
		}
		if x.raw != nil {
			x.raw.Append(v)
		}
		rowOf = append(rowOf, int32(i))
		for hi, h := range x.hiers {
			for len(h.leaf) <= int(inner) {
				h.leaf = append(h.leaf, nil)
			}
			if byHier[hi] == nil {
				continue
			}
			x.place(h, inner, splitPath(byHier[hi][i]), func(n *node) {
				if n.g != nil {
					if pl, ok := x.addGraphMember(n, uint32(len(n.members)-1), int32(i)); ok {
						pending = append(pending, pl)
					}
				} else if !seen[n] {
					seen[n] = true
					touched = append(touched, n)
				}
			})
			for n := h.leaf[inner]; n != nil; n = n.parent {
				paths[n] = struct{}{}
			}
		}
		if onInsert != nil {
			onInsert(i, id)
		}
	}
	return failed, x.openGraphs(touched, first, rowOf, pending, len(ids)-hi), nil
}

// openGraphs gives the nodes of touched whose groups reached index_min_size their graph, sized
// for the members they have, and returns pending with every member of those graphs added: the
// members appended as inner ids first.. link from rowOf[id-first] of the batch, the others from
// their decoded build codes. A root graph gets room for the rest more rows of the batch too.
// Caller holds the exclusive lock.
func (x *Index) openGraphs(touched []*node, first uint32, rowOf []int32, pending []pendingLink, rest int) []pendingLink {
	for _, n := range touched {
		h := x.hierOf(n)
		if n.g != nil || len(n.members) < minGraphSize || int64(len(n.members)) < h.hp.IndexMinSize {
			continue
		}
		n.degree = h.hp.MaxDegree
		if n.level > 0 {
			n.degree = subDegree(h.hp.MaxDegree, len(n.members))
		}
		if n.level == 0 {
			n.g = graph.New(n.degree)
			n.g.Reserve(len(n.members) + rest)
		} else {
			n.g = graph.NewStriped(n.degree, len(n.members)) // a sub-graph: few node locks
			n.g.Reserve(len(n.members))
		}
		for local, m := range n.members {
			row := int32(-1)
			if m >= first && int(m-first) < len(rowOf) {
				row = rowOf[m-first]
			}
			if pl, ok := x.addGraphMember(n, uint32(local), row); ok {
				pending = append(pending, pl)
			}
		}
	}
	return pending
}

// hierOf returns the hierarchy whose tree holds n.
func (x *Index) hierOf(n *node) *hierarchy {
	for n.parent != nil {
		n = n.parent
	}
	for _, h := range x.hiers {
		if h.root == n {
			return h
		}
	}
	panic("pyramid: a node outside every tree") // an internal invariant, never input-driven
}

// addGraphNode adds local id local of n to its graph and returns its pending link. Caller
// holds the exclusive lock.
func (x *Index) addGraphNode(n *node, local uint32, row int32) pendingLink {
	level := graph.RandomLevel(1-x.rng.Float64(), n.degree)
	if gid := n.g.AddNode(level); gid != local {
		panic("pyramid: a graph and its members disagree") // an internal invariant
	}
	return pendingLink{n: n, local: local, level: int32(level), row: row}
}

// place walks segs from the root of h, creating the nodes it lacks, adds inner to every node
// with an index of its own (calling added for it) and records the path's last node. Caller
// holds the exclusive lock.
func (x *Index) place(h *hierarchy, inner uint32, segs []string, added func(*node)) {
	n := h.root
	visit := func(n *node) {
		n.count++
		if n.build {
			n.addMember(inner)
			added(n)
		}
	}
	visit(n)
	for _, s := range segs {
		c := n.child(s)
		if c == nil {
			c = newNode(s, n, !h.hp.noBuild(n.level+1))
			if n.children == nil {
				n.children = map[string]*node{}
			}
			n.children[s] = c
			h.nodes++
		}
		n = c
		visit(n)
	}
	if !n.build {
		n.own = append(n.own, inner)
	}
	h.leaf[inner] = n
}

// linkAll links the pending nodes into their graphs on up to x.threads goroutines, chunk by
// chunk under the shared lock, then makes the new nodes reachable (each linked back from a
// neighbour, a graph repaired once it grew by a quarter since its last repair) and opens the
// graphs of new groups to searches.
func (x *Index) linkAll(pending []pendingLink, vectors []float32) error {
	if len(pending) == 0 {
		return nil
	}
	threads := x.threads
	if len(pending) < 256 {
		threads = 1
	}
	for lo := 0; lo < len(pending); lo += linkChunk {
		chunk := pending[lo:min(lo+linkChunk, len(pending))]
		err := x.underShared(func() error {
			lk := x.newLinker(threads)
			return lk.each(chunk, func(w *linkWorker, pl pendingLink) {
				b := lk.builder(pl.n)
				v := w.vector(x, pl, vectors)
				b.Insert(w.worker(b), pl.local, int(pl.level), v)
			})
		})
		if err != nil {
			return err
		}
	}
	return x.underShared(func() error {
		lk := x.newLinker(threads)
		if err := lk.each(pending, func(w *linkWorker, pl pendingLink) {
			b := lk.builder(pl.n)
			b.LinkBack(w.worker(b), pl.local)
		}); err != nil {
			return err
		}
		// count the new nodes per graph, repair the graphs that grew by a quarter
		grown := map[*node]int{}
		for _, pl := range pending {
			grown[pl.n]++
		}
		nodes := make([]*node, 0, len(grown))
		for n := range grown {
			nodes = append(nodes, n)
		}
		sort.Slice(nodes, func(i, j int) bool { return len(nodes[i].members) > len(nodes[j].members) })
		err := parallel.For(len(nodes), threads, func(wi, i int) error {
			n := nodes[i]
			since := n.sinceRepair.Add(int64(grown[n]))
			if since*4 >= int64(n.g.Len()) && n.g.Len() >= 2 {
				n.sinceRepair.Store(0)
				b := lk.builder(n)
				b.Repair(lk.workers[wi].worker(b))
			}
			return nil
		})
		for _, n := range nodes {
			n.ready.Store(true)
		}
		return err
	})
}

// linkChunk is the number of nodes linked per hold of the shared lock.
const linkChunk = 256

// linker holds the builders and workers of one hold of the shared lock (the code slabs may
// move between holds, and the mapped computers keep the slab they were made with).
type linker struct {
	x        *Index
	mu       sync.Mutex
	builders map[*node]*graph.Builder
	plain    quant.Quantizer // the build store's quantizer, for graphs of identity members
	mapped   *mappedQuant
	slab     []byte
	workers  []*linkWorker
	proto    [2]*graph.Builder // templates for workers: plain, mapped
}

// linkWorker is one goroutine's insertion state.
type linkWorker struct {
	plain, mapped *graph.Worker
	lk            *linker
	vec           []float32
}

func (x *Index) newLinker(threads int) *linker {
	bs := x.buildStore()
	lk := &linker{x: x, builders: map[*node]*graph.Builder{}, plain: bs.Quantizer(), slab: bs.Slab()}
	lk.mapped = newMappedQuant(bs.Quantizer(), lk.slab)
	deg, efc := 4, 1
	for _, h := range x.hiers {
		deg, efc = max(deg, h.hp.MaxDegree), max(efc, h.hp.EfConstruction)
	}
	// workers size their buffers by the largest degree and beam of any graph
	lk.proto[0] = &graph.Builder{G: graph.New(deg), Quant: lk.plain, Slab: lk.slab, EfConstruction: efc}
	lk.proto[1] = &graph.Builder{G: graph.New(deg), Quant: lk.mapped, EfConstruction: efc}
	lk.workers = make([]*linkWorker, threads)
	for i := range lk.workers {
		lk.workers[i] = &linkWorker{lk: lk, vec: make([]float32, x.dim)}
	}
	return lk
}

// builder returns the builder of n's graph.
func (lk *linker) builder(n *node) *graph.Builder {
	lk.mu.Lock()
	defer lk.mu.Unlock()
	if b, ok := lk.builders[n]; ok {
		return b
	}
	h := lk.x.hierOf(n)
	b := &graph.Builder{G: n.g, Alpha: float32(h.hp.Alpha), EfConstruction: h.hp.EfConstruction}
	if lk.x.p.SupportDuplicate {
		b.Skip = n.skipDup // duplicates stay without edges (their heads lead to them)
	}
	if n.identity {
		b.Quant, b.Slab = lk.plain, lk.slab
	} else {
		b.Quant, b.Slab = lk.mapped, n.memberBytes()
	}
	lk.builders[n] = b
	return b
}

// worker returns the goroutine's worker for builder b's kind of codes.
func (w *linkWorker) worker(b *graph.Builder) *graph.Worker {
	if b.Quant == w.lk.plain {
		if w.plain == nil {
			w.plain = w.lk.proto[0].NewWorker()
		}
		return w.plain
	}
	if w.mapped == nil {
		w.mapped = w.lk.proto[1].NewWorker()
	}
	return w.mapped
}

// vector returns the vector of a pending link: its input row, or the decoded build code.
func (w *linkWorker) vector(x *Index, pl pendingLink, vectors []float32) []float32 {
	if pl.row >= 0 {
		return vectors[int(pl.row)*x.dim : int(pl.row+1)*x.dim]
	}
	r := int(pl.n.members[pl.local])
	bs := x.buildStore()
	bs.Quantizer().Decode(w.vec, bs.Code(r))
	return w.vec
}

// each calls fn for every item on the linker's goroutines; a panic is INTERNAL_ERROR.
func (lk *linker) each(items []pendingLink, fn func(*linkWorker, pendingLink)) error {
	var next atomic.Int64
	return parallel.Run(len(lk.workers), func(wi int) error {
		w := lk.workers[wi]
		for {
			i := int(next.Add(1) - 1)
			if i >= len(items) {
				return nil
			}
			fn(w, items[i])
		}
	})
}

// Remove implements api.Remover: labels are marked removed; their nodes keep routing searches.
func (x *Index) Remove(ids []int64) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.labels.RemoveAll(ids), nil
}

// sortItems sorts by ascending distance, ties by id.
func sortItems(items []topk.Item) {
	if len(items) > 64 {
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

// Package simq is the simq index, VSAG's accelerated multi-vector index. Rows are documents of
// sub-vectors (tokens, ColBERT-style). A build clusters every token (VSAG's dynamic clustering:
// a random share of the tokens seeds the clusters, the others join their nearest seed found
// through an hgraph over the seeds, and a cluster that outgrows max_cluster_size splits), then
// builds an hgraph over one representative token per cluster. A search finds, for every query
// token, its coarse_k nearest representatives; each document of those clusters gains the
// representative's inner product; the rerank_k best-scored documents are reranked by exact
// MaxSim distance (see package mvec).
package simq

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/index/hgraph"
	"github.com/govsag/vsag/core/index/mvec"
	"github.com/govsag/vsag/core/index/warp"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/parallel"
	"github.com/govsag/vsag/simd"
)

// Name is the index type name.
const Name = "simq"

// Params is the simq index_param block, with VSAG's keys and defaults.
type Params struct {
	// InitClusterRatio is the share of the tokens that seed clusters, in (0, 1] (0.2).
	InitClusterRatio float64 `json:"init_cluster_ratio"`
	// MaxClusterSize is the token count above which a cluster splits (> 1; 64).
	MaxClusterSize int `json:"max_cluster_size"`
	// SplitStartIdx is where, in a build, the members of an overflowing cluster sorted by
	// distance are cut: from this position on they form the new cluster (1 < x < max; 32).
	SplitStartIdx int `json:"split_start_idx"`
	// RandomSeed seeds the choice of the seed tokens (42).
	RandomSeed int64 `json:"random_seed"`
	// CoarseK is the default number of clusters searched per query token (> 0; 8).
	CoarseK int `json:"coarse_k"`
	// RerankK is the default number of documents reranked by exact MaxSim (> 0; 100).
	RerankK int `json:"rerank_k"`
	// QuantizationType is the form of the stored tokens: "fp32" (VSAG's default).
	QuantizationType string `json:"quantization_type"`
	// SplitDelaySeconds delays splits in VSAG; only 0 (split at once) is available.
	SplitDelaySeconds float64 `json:"split_delay_seconds"`
	// BuildThreadCount is the number of goroutines a build uses (default: all CPUs).
	BuildThreadCount int `json:"build_thread_count"`
	// BaseIOType is where the tokens live: memory_io or block_memory_io (both in memory);
	// VSAG's disk-backed types are not available.
	BaseIOType string `json:"base_io_type"`
	// BaseFilePath is VSAG's file of disk-backed io types; accepted and unused in memory.
	BaseFilePath string `json:"base_file_path"`
}

// SearchParams is the simq search block.
type SearchParams struct {
	params.SearchCommon
	// CoarseK overrides the index's coarse_k (> 0).
	CoarseK *int `json:"coarse_k"`
	// RerankK overrides the index's rerank_k (> 0).
	RerankK *int `json:"rerank_k"`
}

// repEfSearch is the beam of the searches in the seed and representative graphs (VSAG's; the
// graphs themselves take VSAG's max_degree 32 and ef_construction 50).
const repEfSearch = 100

// Index is the simq engine.
type Index struct {
	store.LabelView
	mu     sync.RWMutex
	dim    int
	p      Params
	docs   *mvec.Docs
	labels *store.Labels

	// per token (global sub-vector number): its cluster and its distance to the cluster's
	// representative (1 - ip), by which a split orders the members
	tokCluster []uint32
	tokDist    []float32
	// per cluster: its tokens and the documents that have one of them
	clusterTokens [][]uint32
	clusterDocs   [][]uint32
	rep           *hgraph.Index // over one representative per cluster, labels = cluster numbers

	scratch sync.Pool // *searchScratch
}

// New creates an empty simq index. dtype must be float32 and metric_type ip, as VSAG.
func New(c *params.Create) (*Index, error) {
	p := Params{InitClusterRatio: 0.2, MaxClusterSize: 64, SplitStartIdx: 32, RandomSeed: 42,
		CoarseK: 8, RerankK: 100, QuantizationType: "fp32", BaseIOType: "memory_io", BuildThreadCount: runtime.NumCPU()}
	if err := params.DecodeStrict(c.IndexParam, &p, "index_param"); err != nil {
		return nil, err
	}
	if c.DType != params.Float32 {
		return nil, api.Errorf(api.InvalidArgument, "simq only supports float32 datatype, not %s", c.DType)
	}
	if c.Metric != metric.IP {
		return nil, api.Errorf(api.InvalidArgument, "simq only supports ip metric type, not %s", c.Metric)
	}
	if !(p.InitClusterRatio > 0 && p.InitClusterRatio <= 1) {
		return nil, api.Errorf(api.InvalidArgument, "simq: init_cluster_ratio must be in (0, 1], got %g", p.InitClusterRatio)
	}
	if p.MaxClusterSize <= 1 {
		return nil, api.Errorf(api.InvalidArgument, "simq: max_cluster_size must be > 1, got %d", p.MaxClusterSize)
	}
	if p.SplitStartIdx <= 1 || p.SplitStartIdx >= p.MaxClusterSize {
		return nil, api.Errorf(api.InvalidArgument, "simq: split_start_idx must be in (1, max_cluster_size), got %d", p.SplitStartIdx)
	}
	if p.CoarseK <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "simq: coarse_k must be > 0, got %d", p.CoarseK)
	}
	if p.RerankK <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "simq: rerank_k must be > 0, got %d", p.RerankK)
	}
	if p.SplitDelaySeconds < 0 {
		return nil, api.Errorf(api.InvalidArgument, "simq: split_delay_seconds must be >= 0, got %g", p.SplitDelaySeconds)
	}
	if p.SplitDelaySeconds > 0 {
		return nil, api.Errorf(api.InvalidArgument, "simq: split_delay_seconds %g: delayed splits are not available (0 splits at once)", p.SplitDelaySeconds)
	}
	if p.QuantizationType != "fp32" {
		return nil, api.Errorf(api.InvalidArgument, "simq: quantization_type %q is not available, the tokens are stored as fp32", p.QuantizationType)
	}
	if err := params.Int("build_thread_count", p.BuildThreadCount, 1, 1024); err != nil {
		return nil, err
	}
	switch p.BaseIOType {
	case "memory_io", "block_memory_io":
	default:
		return nil, api.Errorf(api.InvalidArgument, "key \"base_io_type\": %q is not available, use memory_io or block_memory_io", p.BaseIOType)
	}
	x := &Index{dim: c.Dim, p: p, docs: mvec.NewDocs(c.Dim), labels: store.NewLabels()}
	x.LabelView = store.LabelView{Mu: &x.mu, Table: func() *store.Labels { return x.labels }, Index: Name}
	return x, nil
}

// newGraph returns an empty inner-product hgraph over tokens.
func (x *Index) newGraph() (*hgraph.Index, error) {
	js := fmt.Sprintf(`{"base_quantization_type":"fp32","max_degree":32,"ef_construction":50,"build_thread_count":%d}`, x.p.BuildThreadCount)
	g, err := hgraph.New(&params.Create{DType: params.Float32, Metric: metric.IP, Dim: x.dim, IndexParam: []byte(js)})
	if err != nil {
		return nil, api.Wrap(api.InternalError, err, "simq: create the representative graph")
	}
	return g, nil
}

// Name implements api.Engine.
func (x *Index) Name() string { return Name }

// Features implements api.Engine.
func (x *Index) Features() api.FeatureSet {
	return api.NewFeatureSet(
		api.SupportMetricTypeInnerProduct,
		api.SupportRangeSearch, api.SupportRangeSearchWithIDFilter, // RangeSearchMulti
		api.SupportBatchAddWithMultiThread,
		api.SupportSearchOneWithMultiThread, // the rerank runs on parallelism goroutines
		api.SupportSearchConcurrent, api.SupportDeleteConcurrent, api.SupportSearchDeleteConcurrent,
		api.SupportGetStats, // MultiVectorStats
	)
}

// Add implements api.Engine: simq refuses one-vector-per-row input.
func (x *Index) Add([]float32, []int64, api.InsertHook) ([]int64, error) {
	return nil, mvec.ErrDense(Name, "add")
}

// KnnSearch implements api.Engine: simq refuses a dense query.
func (x *Index) KnnSearch([]float32, int, *api.SearchOptions) ([]api.Neighbor, error) {
	return nil, mvec.ErrDense(Name, "knn search")
}

// AddMulti implements api.MultiVectorEngine. The first batch into an empty index builds the
// clusters; later batches join their tokens to the nearest representatives and split the
// clusters that outgrow max_cluster_size.
func (x *Index) AddMulti(vectors []float32, counts []int, ids []int64, build bool, onInsert api.InsertHook) ([]int64, error) {
	if err := mvec.CheckCounts(Name, vectors, counts, len(ids), x.dim); err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if build && x.labels.Total() > 0 {
		return nil, api.Errorf(api.BuildTwice, "simq: the index is already built")
	}
	firstTok := x.docs.SubVectors()
	x.docs.Grow(len(vectors), len(ids))
	var failed []int64
	var newDocs []uint32
	off := 0
	for i, id := range ids {
		c := counts[i]
		v := vectors[off*x.dim : (off+c)*x.dim]
		off += c
		r, err := x.labels.Append(id)
		if err != nil {
			failed = append(failed, id)
			continue
		}
		x.docs.Append(v, c)
		newDocs = append(newDocs, r)
		if onInsert != nil {
			onInsert(i, id)
		}
	}
	if len(newDocs) == 0 {
		return failed, nil
	}
	var err error
	if x.rep == nil {
		err = x.buildClusters()
	} else {
		err = x.assign(firstTok)
	}
	if err != nil {
		return nil, err
	}
	return failed, nil
}

// token returns the vector of token t.
func (x *Index) token(t uint32) []float32 {
	return x.docs.Vecs[int64(t)*int64(x.dim) : int64(t+1)*int64(x.dim)]
}

// docOf returns the document of token t.
func (x *Index) docOf(t uint32) uint32 {
	s := x.docs.Starts
	return uint32(sort.Search(len(s)-1, func(i int) bool { return s[i+1] > int64(t) }))
}

func searchOpts(ef int) *api.SearchOptions {
	return &api.SearchOptions{Block: []byte(fmt.Sprintf(`{"ef_search":%d}`, ef)), Parallelism: 1}
}

// member is a token of a cluster being built with its distance to the cluster's seed.
type member struct {
	tok  uint32
	dist float32
}

// buildClusters clusters every token stored (VSAG's dynamic clustering) and builds the
// representative graph.
func (x *Index) buildClusters() error {
	n := int(x.docs.SubVectors())
	order := make([]uint32, n)
	for i := range order {
		order[i] = uint32(i)
	}
	rng := rand.New(rand.NewPCG(uint64(x.p.RandomSeed), 0x5349_4d51))
	rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	nInit := max(1, int(float64(n)*x.p.InitClusterRatio))
	seeds, err := x.newGraph()
	if err != nil {
		return err
	}
	seedVecs := make([]float32, 0, nInit*x.dim)
	seedIDs := make([]int64, nInit)
	clusters := map[uint32][]member{} // by seed token
	centers := make([]uint32, 0, nInit)
	for i, t := range order[:nInit] {
		seedVecs = append(seedVecs, x.token(t)...)
		seedIDs[i] = int64(t)
		clusters[t] = []member{{t, 0}}
		centers = append(centers, t)
	}
	if _, err := seeds.Build(seedVecs, seedIDs, nil); err != nil {
		return api.Wrap(api.InternalError, err, "simq: build the seed graph")
	}
	threads := x.p.BuildThreadCount
	opts := searchOpts(repEfSearch)
	const batch = 10000
	rest := order[nInit:]
	nearest := make([]int64, batch)
	for len(rest) > 0 {
		b := rest[:min(batch, len(rest))]
		rest = rest[len(b):]
		err := parallel.For(len(b), threads, func(_, i int) error {
			o := *opts
			ns, err := seeds.KnnSearch(x.token(b[i]), 1, &o)
			if err != nil {
				return err
			}
			nearest[i] = -1
			if len(ns) > 0 {
				nearest[i] = ns[0].ID
			}
			return nil
		})
		if err != nil {
			return api.Wrap(api.InternalError, err, "simq: assign tokens to seeds")
		}
		for i, t := range b {
			c := centers[0]
			if nearest[i] >= 0 {
				c = uint32(nearest[i])
			}
			ms := clusters[c]
			d := 1 - simd.InnerProduct(x.token(t), x.token(c))
			at := sort.Search(len(ms), func(j int) bool { return ms[j].dist >= d })
			ms = slices.Insert(ms, at, member{t, d})
			clusters[c] = ms
			if len(ms) > x.p.MaxClusterSize {
				nc, err := x.splitBuild(clusters, c, seeds)
				if err != nil {
					return err
				}
				centers = append(centers, nc)
			}
		}
	}
	// number the clusters, choose representatives (the member nearest the mean, as VSAG)
	x.tokCluster = make([]uint32, n)
	x.tokDist = make([]float32, n)
	x.clusterTokens = make([][]uint32, 0, len(centers))
	for ci, c := range centers {
		ms := clusters[c]
		toks := make([]uint32, len(ms))
		for j, m := range ms {
			toks[j] = m.tok
			x.tokCluster[m.tok] = uint32(ci)
			x.tokDist[m.tok] = m.dist
		}
		x.clusterTokens = append(x.clusterTokens, toks)
	}
	reps := make([]float32, len(centers)*x.dim)
	err = parallel.For(len(centers), threads, func(_, ci int) error {
		copy(reps[ci*x.dim:], x.token(x.representative(x.clusterTokens[ci])))
		return nil
	})
	if err != nil {
		return err
	}
	x.clusterDocs = make([][]uint32, len(centers))
	for ci := range centers {
		x.clusterDocs[ci] = x.docsOf(x.clusterTokens[ci])
	}
	rep, err := x.newGraph()
	if err != nil {
		return err
	}
	labels := make([]int64, len(centers))
	for i := range labels {
		labels[i] = int64(i)
	}
	if _, err := rep.Build(reps, labels, nil); err != nil {
		return api.Wrap(api.InternalError, err, "simq: build the representative graph")
	}
	x.rep = rep
	return nil
}

// splitBuild splits the build cluster of seed c: its members from split_start_idx-1 on (the
// farthest) form a new cluster seeded by the farthest member, which joins the seed graph.
func (x *Index) splitBuild(clusters map[uint32][]member, c uint32, seeds *hgraph.Index) (uint32, error) {
	ms := clusters[c]
	nc := ms[len(ms)-1].tok
	move := ms[x.p.SplitStartIdx-1:]
	clusters[c] = slices.Clip(ms[:x.p.SplitStartIdx-1])
	moved := make([]member, 0, len(move))
	for _, m := range move {
		d := float32(0)
		if m.tok != nc {
			d = 1 - simd.InnerProduct(x.token(m.tok), x.token(nc))
		}
		moved = append(moved, member{m.tok, d})
	}
	slices.SortFunc(moved, func(a, b member) int {
		switch {
		case a.dist < b.dist:
			return -1
		case a.dist > b.dist:
			return 1
		}
		return 0
	})
	clusters[nc] = moved
	if _, err := seeds.Add(x.token(nc), []int64{int64(nc)}, nil); err != nil {
		return 0, api.Wrap(api.InternalError, err, "simq: add a seed")
	}
	return nc, nil
}

// representative returns the token of toks nearest (by inner product) to their mean.
func (x *Index) representative(toks []uint32) uint32 {
	mean := make([]float32, x.dim)
	for _, t := range toks {
		for j, v := range x.token(t) {
			mean[j] += v
		}
	}
	best, bestDot := toks[0], float32(math.Inf(-1))
	for _, t := range toks {
		if d := simd.InnerProduct(x.token(t), mean); d > bestDot {
			best, bestDot = t, d
		}
	}
	return best
}

// docsOf returns the distinct documents of toks, ascending.
func (x *Index) docsOf(toks []uint32) []uint32 {
	out := make([]uint32, 0, len(toks))
	for _, t := range toks {
		out = append(out, x.docOf(t))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// assign joins the tokens from first on to their nearest representative and splits the
// clusters that outgrow max_cluster_size (in halves by distance, as VSAG's later splits).
func (x *Index) assign(first int64) error {
	n := x.docs.SubVectors()
	cnt := int(n - first)
	near := make([]int64, cnt)
	dist := make([]float32, cnt)
	err := parallel.For(cnt, x.p.BuildThreadCount, func(_, i int) error {
		ns, err := x.rep.KnnSearch(x.token(uint32(first)+uint32(i)), 1, searchOpts(repEfSearch))
		if err != nil {
			return err
		}
		near[i], dist[i] = 0, 1
		if len(ns) > 0 {
			near[i], dist[i] = ns[0].ID, ns[0].Distance
		}
		return nil
	})
	if err != nil {
		return api.Wrap(api.InternalError, err, "simq: assign tokens")
	}
	pending := map[uint32]bool{}
	for i := 0; i < cnt; i++ {
		t, c := uint32(first)+uint32(i), uint32(near[i])
		x.tokCluster = append(x.tokCluster, c)
		x.tokDist = append(x.tokDist, dist[i])
		x.clusterTokens[c] = append(x.clusterTokens[c], t)
		d := x.docOf(t)
		if ds := x.clusterDocs[c]; len(ds) == 0 || ds[len(ds)-1] != d {
			x.clusterDocs[c] = append(ds, d) // new documents have the largest numbers
		}
		if len(x.clusterTokens[c]) > x.p.MaxClusterSize {
			pending[c] = true
		}
	}
	for len(pending) > 0 {
		cs := make([]uint32, 0, len(pending))
		for c := range pending {
			cs = append(cs, c)
		}
		slices.Sort(cs)
		clear(pending)
		for _, c := range cs {
			nc, err := x.split(c)
			if err != nil {
				return err
			}
			for _, k := range []uint32{c, nc} {
				if len(x.clusterTokens[k]) > x.p.MaxClusterSize {
					pending[k] = true
				}
			}
		}
	}
	return nil
}

// split moves the farther half (by distance to the representative) of cluster c's tokens into
// a new cluster represented by the farthest of them.
func (x *Index) split(c uint32) (uint32, error) {
	toks := slices.Clone(x.clusterTokens[c])
	slices.SortStableFunc(toks, func(a, b uint32) int {
		switch da, db := x.tokDist[a], x.tokDist[b]; {
		case da < db:
			return -1
		case da > db:
			return 1
		}
		return 0
	})
	half := len(toks) / 2
	nc := uint32(len(x.clusterTokens))
	repTok := toks[len(toks)-1]
	rv := slices.Clone(x.token(repTok))
	moved := toks[half:]
	for _, t := range moved {
		x.tokCluster[t] = nc
		x.tokDist[t] = 1 - simd.InnerProduct(x.token(t), rv)
	}
	x.clusterTokens[c] = slices.Clip(toks[:half])
	x.clusterTokens = append(x.clusterTokens, slices.Clone(moved))
	x.clusterDocs[c] = x.docsOf(x.clusterTokens[c])
	x.clusterDocs = append(x.clusterDocs, x.docsOf(moved))
	if _, err := x.rep.Add(rv, []int64{int64(nc)}, nil); err != nil {
		return 0, api.Wrap(api.InternalError, err, "simq: add a representative")
	}
	return nc, nil
}

// Remove implements api.Remover (mark remove: removed documents are never reranked).
func (x *Index) Remove(ids []int64) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.labels.RemoveAll(ids), nil
}

// searchScratch is the per-search state, pooled.
type searchScratch struct {
	score []float32
	seen  []uint32 // the query token that last touched a document, +1
	dirty []uint32
}

func (x *Index) searchParams(opts *api.SearchOptions) (coarseK, rerankK int, err error) {
	sp := &SearchParams{SearchCommon: params.SearchCommon{Parallelism: opts.Parallelism}}
	if err := params.DecodeStrict(opts.Block, sp, "search parameters \"simq\""); err != nil {
		return 0, 0, err
	}
	coarseK, rerankK = x.p.CoarseK, x.p.RerankK
	if sp.CoarseK != nil {
		if *sp.CoarseK <= 0 {
			return 0, 0, api.Errorf(api.InvalidArgument, "simq: coarse_k must be > 0, got %d", *sp.CoarseK)
		}
		coarseK = *sp.CoarseK
	}
	if sp.RerankK != nil {
		if *sp.RerankK <= 0 {
			return 0, 0, api.Errorf(api.InvalidArgument, "simq: rerank_k must be > 0, got %d", *sp.RerankK)
		}
		rerankK = *sp.RerankK
	}
	if err := params.Int("parallelism", sp.Parallelism, 1, 1024); err != nil {
		return 0, 0, err
	}
	opts.Parallelism = sp.Parallelism
	opts.Deadline = sp.Deadline(opts.Deadline)
	return coarseK, rerankK, nil
}

// candidates runs the coarse search: the documents of the clusters near each query token,
// scored by the sum over query tokens of the best representative inner product, best first,
// live and kept by the filter, at most rerankK.
func (x *Index) candidates(query []float32, count, coarseK, rerankK int, opts *api.SearchOptions) ([]uint32, error) {
	sc, _ := x.scratch.Get().(*searchScratch)
	if sc == nil {
		sc = &searchScratch{}
	}
	defer x.scratch.Put(sc)
	n := x.docs.Rows()
	if len(sc.score) < n {
		sc.score = make([]float32, n)
		sc.seen = make([]uint32, n)
	}
	sc.dirty = sc.dirty[:0]
	kc := min(coarseK, len(x.clusterTokens))
	so := searchOpts(max(repEfSearch, kc))
	var coarseCmp int64
	timedOut := false
	for i := 0; i < count; i++ {
		if i > 0 && !opts.Deadline.IsZero() && time.Now().After(opts.Deadline) {
			timedOut = true // the documents of the tokens searched so far are the candidates
			break
		}
		o := *so
		var st api.SearchStats
		o.Stats = &st
		ns, err := x.rep.KnnSearch(query[i*x.dim:(i+1)*x.dim], kc, &o)
		if err != nil {
			return nil, err
		}
		coarseCmp += st.DistanceComputations
		mark := uint32(i + 1)
		for _, nb := range ns {
			cs := 1 - nb.Distance
			for _, d := range x.clusterDocs[nb.ID] {
				if sc.seen[d] == mark {
					continue
				}
				if sc.seen[d] == 0 {
					sc.dirty = append(sc.dirty, d)
				}
				sc.seen[d] = mark
				sc.score[d] += cs
			}
		}
	}
	// the rerankK best-scored live documents the filter keeps: a bounded max-heap on -score
	h := topk.NewMaxHeap(rerankK)
	for _, d := range sc.dirty {
		s := -sc.score[d]
		sc.score[d], sc.seen[d] = 0, 0
		if h.Full() && s >= h.Bound() {
			continue
		}
		if !x.labels.IsRemoved(d) && (opts.Filter == nil || opts.Filter.CheckValid(x.labels.Label(d))) {
			h.Push(s, d)
		}
	}
	cands := h.Sorted()
	if opts.Stats != nil {
		opts.Stats.DistanceComputations += coarseCmp
		opts.Stats.Hops += int64(len(cands))
		opts.Stats.TimedOut = opts.Stats.TimedOut || timedOut
	}
	out := make([]uint32, len(cands))
	for i, c := range cands {
		out[i] = c.ID
	}
	return out, nil
}

// rerankChunk is the candidates one goroutine of a rerank scores between deadline checks.
const rerankChunk = 64

// rerankWorkers, when set (tests), is told how many goroutines a rerank uses for how many
// chunks of candidates.
var rerankWorkers func(workers, chunks int)

// rerank scores the candidates by exact MaxSim distance, ascending, on up to opts.Parallelism
// goroutines (at most the cores, and the library's concurrency limit). Once the deadline has
// passed, the candidates not scored yet are left out.
func (x *Index) rerank(query []float32, count int, cands []uint32, opts *api.SearchOptions) ([]topk.Item, error) {
	items := make([]topk.Item, len(cands))
	chunks := (len(cands) + rerankChunk - 1) / rerankChunk
	done := make([]bool, chunks)
	workers := max(1, min(opts.Parallelism, runtime.GOMAXPROCS(0), chunks))
	if rerankWorkers != nil {
		rerankWorkers(workers, chunks)
	}
	scorers := make([]*mvec.Scorer, workers)
	var late atomic.Bool
	err := parallel.For(chunks, workers, func(w, c int) error {
		if late.Load() {
			return nil
		}
		if !opts.Deadline.IsZero() && c > 0 && time.Now().After(opts.Deadline) {
			late.Store(true)
			return nil
		}
		if scorers[w] == nil {
			scorers[w] = mvec.NewScorer(metric.IP, x.dim, query, count)
		}
		for i := c * rerankChunk; i < min((c+1)*rerankChunk, len(cands)); i++ {
			doc, n := x.docs.Doc(cands[i])
			items[i] = topk.Item{Dist: scorers[w].Distance(doc, n), ID: cands[i]}
		}
		done[c] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	kept := items[:0]
	for c, ok := range done {
		if ok {
			kept = append(kept, items[c*rerankChunk:min((c+1)*rerankChunk, len(cands))]...)
		}
	}
	if opts.Stats != nil {
		opts.Stats.DistanceComputations += int64(len(kept))
		opts.Stats.TimedOut = opts.Stats.TimedOut || late.Load()
	}
	topk.SortItems(kept)
	return kept, nil
}

// KnnSearchMulti implements api.MultiVectorEngine.
func (x *Index) KnnSearchMulti(query []float32, count, k int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	coarseK, rerankK, err := x.searchParams(opts)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.rep == nil {
		return nil, nil
	}
	cands, err := x.candidates(query, count, coarseK, max(rerankK, k), opts)
	if err != nil {
		return nil, err
	}
	items, err := x.rerank(query, count, cands, opts)
	if err != nil {
		return nil, err
	}
	if len(items) > k {
		items = items[:k]
	}
	return x.labels.Neighbors(items), nil
}

// RangeSearchMulti implements api.MultiVectorRangeSearcher: the reranked candidates within
// radius.
func (x *Index) RangeSearchMulti(query []float32, count int, radius float32, limit int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	coarseK, rerankK, err := x.searchParams(opts)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.rep == nil {
		return nil, nil
	}
	cands, err := x.candidates(query, count, coarseK, rerankK, opts)
	if err != nil {
		return nil, err
	}
	items, err := x.rerank(query, count, cands, opts)
	if err != nil {
		return nil, err
	}
	end := sort.Search(len(items), func(i int) bool { return items[i].Dist > radius })
	items = items[:end]
	if limit > 0 && len(items) > limit {
		items = items[:limit]
	}
	return x.labels.Neighbors(items), nil
}

// CalcDistanceMulti implements api.MultiVectorDistanceCalculator.
func (x *Index) CalcDistanceMulti(query []float32, count int, ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := mvec.NewScorer(metric.IP, x.dim, query, count)
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

// MemoryUsage implements api.Engine.
func (x *Index) MemoryUsage() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	m := x.docs.MemoryUsage() + x.labels.MemoryUsage() + int64(cap(x.tokCluster))*4 + int64(cap(x.tokDist))*4 + 4096
	for i := range x.clusterTokens {
		m += int64(cap(x.clusterTokens[i]))*4 + int64(cap(x.clusterDocs[i]))*4 + 48
	}
	if x.rep != nil {
		m += x.rep.MemoryUsage()
	}
	return m
}

// Section names.
const (
	secInfo   = "simq.info"
	secLabels = "simq.labels"
	secDocs   = "simq.docs"
	secTokens = "simq.tokens"
)

// Save implements api.Engine: the documents, each token's cluster and distance, then the
// representative graph's own sections.
func (x *Index) Save(f *serial.File) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	f.Add(secInfo, warp.SaveInfo(x.dim, metric.IP))
	f.AddLockedStream(secLabels, serial.Critical, x.labels.SectionSize(), x.mu.RLocker(), func(w io.Writer) error { return x.labels.WriteSection(w) })
	f.AddLockedStream(secDocs, serial.Critical, x.docs.SectionSize(), x.mu.RLocker(), func(w io.Writer) error { return x.docs.WriteSection(w) })
	tb := make([]byte, 16, 16+8*len(x.tokCluster))
	binary.LittleEndian.PutUint64(tb, uint64(len(x.tokCluster)))
	binary.LittleEndian.PutUint64(tb[8:], uint64(len(x.clusterTokens)))
	for i, c := range x.tokCluster {
		tb = binary.LittleEndian.AppendUint32(tb, c)
		tb = binary.LittleEndian.AppendUint32(tb, math.Float32bits(x.tokDist[i]))
	}
	f.Add(secTokens, tb)
	if x.rep != nil {
		return x.rep.Save(f)
	}
	return nil
}

// Load implements api.Engine.
func (x *Index) Load(f *serial.File) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	labels, docs, err := warp.LoadDocs(f, Name, x.dim, metric.IP, secInfo, secLabels, secDocs)
	if err != nil {
		return err
	}
	tb, err := f.Need(secTokens)
	if err != nil {
		return api.LoadError(err, Name, "tokens")
	}
	if len(tb) < 16 {
		return api.Errorf(api.InvalidBinary, "simq: the token section is too short")
	}
	nt, nc := binary.LittleEndian.Uint64(tb), binary.LittleEndian.Uint64(tb[8:])
	if nt != uint64(docs.SubVectors()) || uint64(len(tb)-16) != 8*nt || nc > nt {
		return api.Errorf(api.InvalidBinary, "simq: the token section does not match %d sub-vectors", docs.SubVectors())
	}
	tokCluster, tokDist := make([]uint32, nt), make([]float32, nt)
	clusterTokens := make([][]uint32, nc)
	for i := range tokCluster {
		c := binary.LittleEndian.Uint32(tb[16+8*i:])
		if uint64(c) >= nc {
			return api.Errorf(api.InvalidBinary, "simq: token %d in cluster %d of %d", i, c, nc)
		}
		tokCluster[i], tokDist[i] = c, math.Float32frombits(binary.LittleEndian.Uint32(tb[20+8*i:]))
		clusterTokens[c] = append(clusterTokens[c], uint32(i))
	}
	x.labels, x.docs = labels, docs
	x.tokCluster, x.tokDist, x.clusterTokens = tokCluster, tokDist, clusterTokens
	x.clusterDocs = make([][]uint32, nc)
	for c := range clusterTokens {
		x.clusterDocs[c] = x.docsOf(clusterTokens[c])
	}
	x.rep = nil
	if nt == 0 {
		return nil
	}
	rep, err := x.newGraph()
	if err != nil {
		return err
	}
	if err := rep.Load(f); err != nil {
		return err
	}
	if rep.NumElements() != int64(nc) {
		return api.Errorf(api.InvalidBinary, "simq: %d representatives for %d clusters", rep.NumElements(), nc)
	}
	x.rep = rep
	return nil
}

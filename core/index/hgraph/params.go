package hgraph

import (
	"github.com/govsag/vsag/internal/parallel"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
)

// Params is the hgraph index_param block, with VSAG's key names and defaults.
type Params struct {
	// BaseQuantizationType is the quantizer of the codes the search traverses (default fp32).
	// Two-stage quantizers (leanvec and the two-level lvq4x4, lvq4x8, lvq8x8) keep their
	// primary codes in a dense store of their own: the graph is searched on those, and every
	// candidate of the search buffer is reranked with the full codes (leanvec's secondary
	// encoding), whose distances are the ones returned.
	BaseQuantizationType string `json:"base_quantization_type"`
	// MaxDegree bounds the bottom graph's degree (default 64, valid 4..max(dim,128)); route
	// layers use half of it.
	MaxDegree int `json:"max_degree"`
	// EfConstruction is the beam width of insertions (default 400, valid
	// max_degree..max(1000, 100*max_degree)).
	EfConstruction int `json:"ef_construction"`
	// Alpha relaxes the pruning heuristic (default 1.0, and 1.2 with graph_type "odescent" as
	// in VSAG; valid 1.0..2.0). With graph_type "vamana" and metric ip or cosine the rule
	// compares similarities, as SVS does, so values below 1 relax it (valid 0.5..2.0 there;
	// SVS uses 0.95).
	Alpha float64 `json:"alpha"`
	// GraphType is the bottom graph construction: "nsw" (hierarchical, VSAG's default),
	// "vamana" (one layer entered at the medoid, built in two passes whose back edges are
	// pruned with alpha 1, then alpha) or "odescent" (hierarchical; Build refines a random
	// graph by NN-descent, later adds insert as nsw does).
	GraphType string `json:"graph_type"`
	// WindowSize is Vamana's build search window (default ef_construction).
	WindowSize int `json:"window_size"`
	// MaxCandidatePoolSize caps Vamana's candidate pool, the nodes a build search expanded
	// plus the current neighbours (default 3 x window_size).
	MaxCandidatePoolSize int `json:"max_candidate_pool_size"`
	// PruneTo is the degree Vamana prunes an overflowing list back to (default max_degree-4).
	PruneTo int `json:"prune_to"`
	// GraphIterTurn, NeighborSampleRate, MinInDegree and BuildBlockSize configure graph_type
	// "odescent" (defaults 30, 0.2, 1, 10000; see odescentKeys); with it alpha defaults to 1.2.
	GraphIterTurn      int     `json:"graph_iter_turn"`
	NeighborSampleRate float64 `json:"neighbor_sample_rate"`
	MinInDegree        int     `json:"min_in_degree"`
	BuildBlockSize     int     `json:"build_block_size"`
	// LeanVecDims is leanvec's reduced dimension (default (dim+1)/2).
	LeanVecDims int `json:"leanvec_dims"`
	// LeanVecPrimary is the encoding of the reduced vectors: fp32, fp16, lvq8 (default), lvq4.
	LeanVecPrimary string `json:"leanvec_primary"`
	// LeanVecSecondary is the encoding of the full vectors used for reranking: fp32, fp16
	// (default), lvq8.
	LeanVecSecondary string `json:"leanvec_secondary"`
	// LeanVecTraining is pca (LeanVec-ID, default) or ood (LeanVec-OOD, learned from sample
	// queries passed to TrainWithQueries). An ood index built without training queries learns
	// from its base vectors standing in for the queries, which is the in-distribution case.
	LeanVecTraining string `json:"leanvec_training"`
	// UseReorder re-ranks the beam with the precise codes.
	UseReorder bool `json:"use_reorder"`
	// PreciseQuantizationType is the quantizer of the re-ranking codes (default fp32).
	PreciseQuantizationType string `json:"precise_quantization_type"`
	// StoreRawVector keeps an fp32 copy of every vector so raw vectors can be returned.
	StoreRawVector bool `json:"store_raw_vector"`
	// BuildThreadCount is the number of goroutines that link nodes (default 100, capped at the
	// number of CPUs).
	BuildThreadCount int `json:"build_thread_count"`
	// BuildByBase builds the graph on the base codes instead of the precise codes.
	BuildByBase bool `json:"build_by_base"`
	// SQ4UniformTruncRate is passed to the sq4_uniform quantizer.
	SQ4UniformTruncRate *float64 `json:"sq4_uniform_trunc_rate"`
	// HGraphInitCapacity is the number of rows to reserve up front (default 100).
	HGraphInitCapacity int `json:"hgraph_init_capacity"`
	// Keys are the codebook quantizers' keys (base_pq_dim, rabitq_*, tq_chain, mrle_dim).
	quant.Keys
	// codebook is what the Keys carry, validated.
	codebook quant.CodebookOptions
	// BaseIOType and PreciseIOType name where codes live: memory_io (default), block_memory_io
	// (the same in-memory slab), mmap_io or buffer_io (a file; see store.NewCodesIO).
	BaseIOType    string `json:"base_io_type"`
	PreciseIOType string `json:"precise_io_type"`
	// BaseFilePath and PreciseFilePath are the files of on-disk stores (required with mmap_io
	// and buffer_io, ignored in memory as VSAG does).
	BaseFilePath    string `json:"base_file_path"`
	PreciseFilePath string `json:"precise_file_path"`
	// SupportRemove is accepted for compatibility: removal always works.
	SupportRemove bool `json:"support_remove"`
	// SupportDuplicate (duplicate-vector handling) is not available; only false is accepted.
	SupportDuplicate bool `json:"support_duplicate"`
	// IgnoreReorder (dropping precise codes on save) is not available; only false is accepted.
	IgnoreReorder bool `json:"ignore_reorder"`
	// UseElpOptimizer (automatic tuning) is not available; only false is accepted.
	UseElpOptimizer bool `json:"use_elp_optimizer"`
	// SupportForceRemove enables removal with RemoveForce (VSAG's support_force_remove,
	// default false): nodes are taken out of the graph and their slots reused.
	SupportForceRemove bool `json:"support_force_remove"`
}

func defaultParams() Params {
	return Params{
		BaseQuantizationType:    "fp32",
		MaxDegree:               64,
		EfConstruction:          400,
		Alpha:                   1.0,
		GraphType:               "nsw",
		PreciseQuantizationType: "fp32",
		BuildThreadCount:        100,
		HGraphInitCapacity:      100,
	}
}

func parseParams(c *params.Create) (Params, error) {
	p := defaultParams()
	if err := params.DecodeStrict(c.IndexParam, &p, "index_param"); err != nil {
		return p, err
	}
	if err := params.Int("max_degree", p.MaxDegree, 4, max(c.Dim, 128)); err != nil {
		return p, err
	}
	if err := params.Int("ef_construction", p.EfConstruction, p.MaxDegree, max(1000, 100*p.MaxDegree)); err != nil {
		return p, err
	}
	if err := p.odescentKeys(c.IndexParam); err != nil {
		return p, err
	}
	alphaLo := 1.0
	if p.GraphType == "vamana" && c.Metric.UsesInnerProduct() {
		alphaLo = 0.5
	}
	if err := params.Float("alpha", p.Alpha, alphaLo, 2.0); err != nil {
		return p, err
	}
	if err := params.Int("build_thread_count", p.BuildThreadCount, 1, 1024); err != nil {
		return p, err
	}
	if err := params.Int("hgraph_init_capacity", p.HGraphInitCapacity, 0, 1<<30); err != nil {
		return p, err
	}
	switch p.GraphType {
	case "nsw", "odescent":
		for _, k := range []struct {
			key string
			v   int
		}{{"window_size", p.WindowSize}, {"max_candidate_pool_size", p.MaxCandidatePoolSize}, {"prune_to", p.PruneTo}} {
			if k.v != 0 {
				return p, api.Errorf(api.InvalidArgument, "key %q is only for graph_type \"vamana\"", k.key)
			}
		}
	case "vamana":
		if p.WindowSize == 0 {
			p.WindowSize = p.EfConstruction
		}
		if err := params.Int("window_size", p.WindowSize, 1, 1<<16); err != nil {
			return p, err
		}
		if p.MaxCandidatePoolSize == 0 {
			p.MaxCandidatePoolSize = 3 * p.WindowSize
		}
		if err := params.Int("max_candidate_pool_size", p.MaxCandidatePoolSize, 1, 1<<18); err != nil {
			return p, err
		}
		if p.PruneTo == 0 {
			p.PruneTo = max(p.MaxDegree-4, 1)
		}
		if err := params.Int("prune_to", p.PruneTo, 1, p.MaxDegree); err != nil {
			return p, err
		}
	default:
		return p, api.Errorf(api.InvalidArgument, "key \"graph_type\": %q is not one of nsw, vamana, odescent", p.GraphType)
	}
	if p.BaseQuantizationType != "leanvec" && (!p.UseReorder || p.PreciseQuantizationType != "leanvec") {
		for _, k := range []struct {
			key string
			set bool
		}{{"leanvec_dims", p.LeanVecDims != 0}, {"leanvec_primary", p.LeanVecPrimary != ""},
			{"leanvec_secondary", p.LeanVecSecondary != ""}, {"leanvec_training", p.LeanVecTraining != ""}} {
			if k.set {
				return p, api.Errorf(api.InvalidArgument, "key %q needs base_quantization_type \"leanvec\"", k.key)
			}
		}
	}
	if err := p.ioKeys(); err != nil {
		return p, err
	}
	for _, f := range []struct {
		key string
		v   bool
	}{{"support_duplicate", p.SupportDuplicate}, {"ignore_reorder", p.IgnoreReorder}, {"use_elp_optimizer", p.UseElpOptimizer}} {
		if f.v {
			return p, api.Errorf(api.InvalidArgument, "key %q: true is not available", f.key)
		}
	}
	if p.SQ4UniformTruncRate != nil {
		if err := params.Float("sq4_uniform_trunc_rate", *p.SQ4UniformTruncRate, 0, 0.5); err != nil {
			return p, err
		}
	}
	cb, err := p.Keys.Validate(c.Dim, p.BaseQuantizationType)
	if err != nil {
		return p, err
	}
	p.codebook = cb
	if cb.RaBitQVersion == "split" {
		switch {
		case p.BaseQuantizationType != "rabitq":
			return p, api.Errorf(api.InvalidArgument, "key \"rabitq_version\": %q needs base_quantization_type \"rabitq\", got %q", p.RaBitQVersion, p.BaseQuantizationType)
		case !p.UseReorder:
			return p, api.Errorf(api.InvalidArgument, "key \"rabitq_version\": %q keeps the remaining bits in the precise codes and needs use_reorder true", p.RaBitQVersion)
		case p.PreciseQuantizationType != "rabitq":
			return p, api.Errorf(api.InvalidArgument, "key \"rabitq_version\": %q needs precise_quantization_type \"rabitq\", got %q", p.RaBitQVersion, p.PreciseQuantizationType)
		case cb.RaBitQBitsPrecise < 1:
			return p, api.Errorf(api.InvalidArgument, "key \"rabitq_version\": %q needs rabitq_bits_per_dim_precise (1..%d)", p.RaBitQVersion, 8-cb.RaBitQBitsBase)
		}
	}
	return p, nil
}

// splitLayout reports whether the codes use rabitq's split layout.
func (p Params) splitLayout() bool { return p.codebook.RaBitQVersion == "split" }

// quantOptions returns the quantizer options the index_param keys carry.
func (p Params) quantOptions() quant.Options {
	o := quant.DefaultOptions()
	if p.SQ4UniformTruncRate != nil {
		o.SQ4UniformTruncRate = *p.SQ4UniformTruncRate
	}
	o.Codebook = p.codebook
	o.LeanVecDims, o.LeanVecPrimary, o.LeanVecSecondary, o.LeanVecTraining = p.LeanVecDims, p.LeanVecPrimary, p.LeanVecSecondary, p.LeanVecTraining
	return o
}

// preciseOptions returns the options of the precise quantizer: the defaults, with leanvec's and
// the codebook keys of the base, except that rabitq precise codes take
// rabitq_bits_per_dim_precise bits when it is given.
func (p Params) preciseOptions() quant.Options {
	o := p.quantOptions()
	o.SQ4UniformTruncRate = quant.DefaultOptions().SQ4UniformTruncRate
	o.Codebook = p.codebook.Precise()
	return o
}

// buildThreads caps the configured thread count at the CPUs available.
func (p Params) buildThreads() int { return parallel.BuildWorkers(p.BuildThreadCount) }

// SearchParams is the hgraph search block ({"hgraph": {...}}), with VSAG's key names.
type SearchParams struct {
	params.SearchCommon
	// EfSearch is the beam width (required unless search_window_size is given, >= 1); the
	// effective beam is max(ef_search, k).
	EfSearch *int `json:"ef_search"`
	// SearchWindowSize is SVS's name for the search window, the same as ef_search: it decides
	// which nodes are expanded and when the search stops.
	SearchWindowSize *int `json:"search_window_size"`
	// SearchBufferCapacity, when larger than the window, is how many of the best nodes seen
	// are kept and reranked (SVS's split search buffer); default the window.
	SearchBufferCapacity int `json:"search_buffer_capacity"`
	// HopsLimit, when positive, bounds the number of nodes expanded.
	HopsLimit int `json:"hops_limit"`
	// BruteForceThreshold: when a filter keeps at most this fraction of the labels, the search
	// scans the kept labels exactly instead of walking the graph (0..1, default 0).
	BruteForceThreshold float64 `json:"brute_force_threshold"`
	// EnableReorder, when false, skips re-ranking with the precise codes for this request.
	EnableReorder *bool `json:"enable_reorder"`
	// RerankMarginSigmas: a knn search's rerank stops when the next candidate's estimate, less
	// the mean error of the estimates measured so far plus this many standard deviations of
	// them, exceeds the k-th precise distance (adaptive.go); 0 measures every candidate.
	// Default 4; base codes with exact bounds use those instead.
	RerankMarginSigmas *float64 `json:"rerank_margin_sigmas"`
	// UseExtraInfoFilter filters on extra info, which hgraph does not store; only false.
	UseExtraInfoFilter bool `json:"use_extra_info_filter"`
	// Skip, set only by index types built on this engine (hnsw's skip_ratio and
	// skip_strategy), skips a share of the neighbours a filter rejects without measuring them.
	Skip *SkipStrategy `json:"-"`
}

const block = "search parameters \"hgraph\""

func parseSearch(raw []byte) (*SearchParams, error) {
	sp := &SearchParams{}
	if err := params.DecodeStrict(raw, sp, block); err != nil {
		return nil, err
	}
	switch {
	case sp.EfSearch == nil && sp.SearchWindowSize == nil:
		return nil, api.Errorf(api.InvalidArgument, "%s: key \"ef_search\" (or \"search_window_size\") is required", block)
	case sp.EfSearch == nil:
		sp.EfSearch = sp.SearchWindowSize
	case sp.SearchWindowSize != nil && *sp.SearchWindowSize != *sp.EfSearch:
		return nil, api.Errorf(api.InvalidArgument, "%s: keys \"ef_search\" (%d) and \"search_window_size\" (%d) name the same window and disagree", block, *sp.EfSearch, *sp.SearchWindowSize)
	}
	if err := params.Int("ef_search", *sp.EfSearch, 1, 1<<20); err != nil {
		return nil, err
	}
	if sp.SearchBufferCapacity != 0 {
		if err := params.Int("search_buffer_capacity", sp.SearchBufferCapacity, *sp.EfSearch, 1<<20); err != nil {
			return nil, err
		}
	}
	if sp.HopsLimit < 0 {
		return nil, api.Errorf(api.InvalidArgument, "key \"hops_limit\": %d must not be negative", sp.HopsLimit)
	}
	if err := params.Float("brute_force_threshold", sp.BruteForceThreshold, 0, 1); err != nil {
		return nil, err
	}
	if sp.RerankMarginSigmas != nil {
		if err := params.Float("rerank_margin_sigmas", *sp.RerankMarginSigmas, 0, 100); err != nil {
			return nil, err
		}
	}
	if sp.UseExtraInfoFilter {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "key \"use_extra_info_filter\": hgraph stores no extra info")
	}
	if sp.Parallelism == 0 {
		sp.Parallelism = 1
	}
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	if err := sp.SingleThreaded("hgraph"); err != nil {
		return nil, err
	}
	return sp, nil
}

// deadline combines the request's deadline with the block's timeout_ms.
func (sp *SearchParams) deadline(opts *api.SearchOptions) time.Time {
	return sp.Deadline(opts.Deadline)
}

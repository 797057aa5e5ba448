package hnsw

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/index/hgraph"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
)

// VSAG's bounds of hnswlib's M, the degree of the upper layers; the bottom layer holds twice
// as many neighbours.
const (
	minimalM = 8
	maximalM = 128
)

// amplification is VSAG's AMPLIFICATION_FACTOR: ef_construction may reach 100 x max_degree and
// ef_search 100 x k (and at least 1000 either way).
const amplification = 100

// rangeEfMax is the largest ef_search of a range search.
const rangeEfMax = 1000

// Params is the "hnsw" create block, with VSAG's key names: max_degree and ef_construction
// are required.
type Params struct {
	// MaxDegree is hnswlib's M (valid 4..max(dim, 128)); the graph takes M = max_degree
	// clamped to 8..128 for its upper layers and 2M for its bottom layer, as VSAG does.
	MaxDegree *int `json:"max_degree"`
	// EfConstruction is the beam width of insertions (valid max_degree..max(1000,
	// 100 x max_degree)).
	EfConstruction *int `json:"ef_construction"`
	// UseConjugateGraph keeps a conjugate graph learned from Feedback and Pretrain, which
	// searches consult unless their use_conjugate_graph_search is false (default false).
	UseConjugateGraph bool `json:"use_conjugate_graph"`
}

const createBlock = "create parameters \"hnsw\""

func parseParams(c *params.Create) (Params, error) {
	var p Params
	if len(c.IndexParam) == 0 {
		return p, api.Errorf(api.InvalidArgument, "create parameters must contain \"hnsw\" with max_degree and ef_construction")
	}
	if c.DType == params.Int8 && c.Metric != metric.IP {
		return p, api.Errorf(api.InvalidArgument, "hnsw: dtype \"int8\" needs metric_type \"ip\", got %q", c.Metric.String())
	}
	if err := params.DecodeStrict(c.IndexParam, &p, createBlock); err != nil {
		return p, err
	}
	if p.MaxDegree == nil {
		return p, api.Errorf(api.InvalidArgument, "%s: key \"max_degree\" is required", createBlock)
	}
	if p.EfConstruction == nil {
		return p, api.Errorf(api.InvalidArgument, "%s: key \"ef_construction\" is required", createBlock)
	}
	if err := params.Int("max_degree", *p.MaxDegree, 4, max(c.Dim, 128)); err != nil {
		return p, err
	}
	if err := params.Int("ef_construction", *p.EfConstruction, *p.MaxDegree, max(1000, amplification**p.MaxDegree)); err != nil {
		return p, err
	}
	return p, nil
}

// m returns hnswlib's M: max_degree clamped to VSAG's bounds.
func (p Params) m() int { return min(max(*p.MaxDegree, minimalM), maximalM) }

// SearchParams is the hnsw search block ({"hnsw": {...}}), with VSAG's key names and defaults.
type SearchParams struct {
	params.SearchCommon
	// EfSearch is the beam width (required; 1..max(1000, 100 x k) for a knn search, 1..1000 for
	// a range search); the effective beam is max(ef_search, k).
	EfSearch *int `json:"ef_search"`
	// SkipRatio is the share of the neighbours a filter rejects that a filtered search leaves
	// out without measuring them (0..1, default 0.1).
	SkipRatio *float64 `json:"skip_ratio"`
	// SkipStrategy picks those neighbours: "deterministic_accumulative" (default, evenly
	// spaced) or "random".
	SkipStrategy string `json:"skip_strategy"`
	// UseConjugateGraphSearch consults the conjugate graph of an index created with
	// use_conjugate_graph (default true): the search asks the graph for at least 20 results
	// and takes in the conjugate neighbours of the 20 best that are closer than its worst.
	UseConjugateGraphSearch *bool `json:"use_conjugate_graph_search"`

	engine *hgraph.SearchParams // the same request in hgraph's terms
}

const searchBlock = "search parameters \"hnsw\""

// defaultSkipRatio is VSAG's default skip_ratio of hnsw.
const defaultSkipRatio = 0.1

func parseSearch(raw []byte) (*SearchParams, error) {
	sp := &SearchParams{}
	if err := params.DecodeStrict(raw, sp, searchBlock); err != nil {
		return nil, err
	}
	if sp.EfSearch == nil {
		return nil, api.Errorf(api.InvalidArgument, "%s: key \"ef_search\" is required", searchBlock)
	}
	if err := params.Int("ef_search", *sp.EfSearch, 1, 1<<20); err != nil {
		return nil, err
	}
	skip := &hgraph.SkipStrategy{Ratio: defaultSkipRatio}
	if sp.SkipRatio != nil {
		if err := params.Float("skip_ratio", *sp.SkipRatio, 0, 1); err != nil {
			return nil, err
		}
		skip.Ratio = *sp.SkipRatio
	}
	switch sp.SkipStrategy {
	case "", "deterministic_accumulative":
	case "random":
		skip.Random = true
	default:
		return nil, api.Errorf(api.InvalidArgument, "key \"skip_strategy\": %q is not one of deterministic_accumulative, random", sp.SkipStrategy)
	}
	if sp.Parallelism == 0 {
		sp.Parallelism = 1
	}
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	if err := sp.SingleThreaded("hnsw"); err != nil {
		return nil, err
	}
	ef := *sp.EfSearch
	sp.engine = &hgraph.SearchParams{SearchCommon: sp.SearchCommon, EfSearch: &ef, Skip: skip}
	return sp, nil
}

// conjugate reports whether the request consults the conjugate graph (when there is one).
func (sp *SearchParams) conjugate() bool {
	return sp.UseConjugateGraphSearch == nil || *sp.UseConjugateGraphSearch
}

// checkKnn checks ef_search against VSAG's bound for a knn search of k results.
func (sp *SearchParams) checkKnn(k int) error {
	return params.Int("ef_search", *sp.EfSearch, 1, max(amplification*k, 1000))
}

// checkRange checks ef_search against VSAG's bound for a range search.
func (sp *SearchParams) checkRange() error {
	return params.Int("ef_search", *sp.EfSearch, 1, rangeEfMax)
}

package diskann

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
)

// Params is the diskann index_param block, with VSAG's key names, defaults and ranges.
type Params struct {
	// MaxDegree is the Vamana graph's degree R (required, 5..128).
	MaxDegree int `json:"max_degree"`
	// EfConstruction is the build search list size L (required, max_degree..1000).
	EfConstruction int `json:"ef_construction"`
	// PQDims is the number of PQ subspaces of the in-memory codes (required; 1..dim, dividing
	// dim): each vector is kept in memory as pq_dims bytes.
	PQDims int `json:"pq_dims"`
	// PQSampleRate is the share of the vectors the PQ codebooks are trained on (required,
	// (0, 1]; at least 256 vectors, or all of them, are used).
	PQSampleRate float64 `json:"pq_sample_rate"`
	// UsePQSearch (VSAG's "preload") keeps the graph in memory too: searches walk it on the PQ
	// codes without reading the disk and, with use_reorder, read the full vectors of the best
	// io_limit candidates to rerank them.
	UsePQSearch bool `json:"use_pq_search"`
	// UseReference is accepted as VSAG does (default true); the vectors are always copied into
	// the disk layout.
	UseReference *bool `json:"use_reference"`
	// UseOPQ (an optimized rotation before PQ) is not available; only false is accepted.
	UseOPQ bool `json:"use_opq"`
	// UseBSA (VSAG's bit-sliced distance kernels) is not available; only false is accepted.
	UseBSA bool `json:"use_bsa"`
	// GraphType is "vamana" (VSAG also had "odescent", not available here).
	GraphType string `json:"graph_type"`
	// Alpha relaxes Vamana's pruning (default 1.2, 1.0..2.0).
	Alpha float64 `json:"alpha"`
	// SupportCalcDistanceByID enables CalcDistanceByID, which reads the vectors' records.
	SupportCalcDistanceByID bool `json:"support_calc_distance_by_id"`
	// BuildMemoryLimit, when positive, bounds the bytes the graph build holds (besides the
	// input): past it the vectors are split into overlapping clusters, each cluster's graph is
	// built on its own and written to disk, and the graphs are merged from disk (DiskANN's
	// partitioned build). 0: no limit.
	BuildMemoryLimit int64 `json:"build_memory_limit"`
}

func parseParams(c *params.Create) (Params, error) {
	p := Params{GraphType: "vamana", Alpha: 1.2}
	if err := params.DecodeStrict(c.IndexParam, &p, "index_param"); err != nil {
		return p, err
	}
	if c.DType != params.Float32 {
		return p, api.Errorf(api.InvalidArgument, "diskann: dtype must be float32")
	}
	for _, k := range []struct {
		key string
		v   bool
	}{{"max_degree", p.MaxDegree == 0}, {"ef_construction", p.EfConstruction == 0}, {"pq_dims", p.PQDims == 0}, {"pq_sample_rate", p.PQSampleRate == 0}} {
		if k.v {
			return p, api.Errorf(api.InvalidArgument, "diskann: index_param must contain %q", k.key)
		}
	}
	if err := params.Int("max_degree", p.MaxDegree, 5, 128); err != nil {
		return p, err
	}
	if err := params.Int("ef_construction", p.EfConstruction, p.MaxDegree, 1000); err != nil {
		return p, err
	}
	if err := params.Int("pq_dims", p.PQDims, 1, c.Dim); err != nil {
		return p, err
	}
	if c.Dim%p.PQDims != 0 {
		return p, api.Errorf(api.InvalidArgument, "key \"pq_dims\": %d does not divide dim %d", p.PQDims, c.Dim)
	}
	if !(p.PQSampleRate > 0 && p.PQSampleRate <= 1) {
		return p, api.Errorf(api.InvalidArgument, "key \"pq_sample_rate\": %g is out of range (0, 1]", p.PQSampleRate)
	}
	if p.GraphType != "vamana" {
		return p, api.Errorf(api.InvalidArgument, "key \"graph_type\": %q is not available (only vamana)", p.GraphType)
	}
	if err := params.Float("alpha", p.Alpha, 1.0, 2.0); err != nil {
		return p, err
	}
	if p.UseOPQ || p.UseBSA {
		return p, api.Errorf(api.InvalidArgument, "keys \"use_opq\" and \"use_bsa\": true is not available")
	}
	if p.BuildMemoryLimit < 0 {
		return p, api.Errorf(api.InvalidArgument, "key \"build_memory_limit\": %d must not be negative", p.BuildMemoryLimit)
	}
	return p, nil
}

// SearchParams is the diskann search block ({"diskann": {...}}).
type SearchParams struct {
	params.SearchCommon
	// EfSearch is the search list size L (default 400, 1..1000); the effective list is
	// max(ef_search, k).
	EfSearch int `json:"ef_search"`
	// BeamSearch is the beam width W: the nodes whose records one step reads (default 4, 1..64).
	BeamSearch int `json:"beam_search"`
	// IOLimit bounds the node records one search reads (default 200, 1..512); with
	// use_pq_search it is the number of candidates reranked.
	IOLimit int `json:"io_limit"`
	// UseReorder, with use_pq_search, reranks the best candidates with their full vectors.
	UseReorder bool `json:"use_reorder"`
	// UseAsyncIO reads the records of a beam concurrently (one pread each on the bounded IO
	// pool) instead of one after the other.
	UseAsyncIO bool `json:"use_async_io"`
}

const block = "search parameters \"diskann\""

func parseSearch(raw []byte) (*SearchParams, error) {
	sp := &SearchParams{EfSearch: 400, BeamSearch: 4, IOLimit: 200}
	if err := params.DecodeStrict(raw, sp, block); err != nil {
		return nil, err
	}
	if err := params.Int("ef_search", sp.EfSearch, 1, 1000); err != nil {
		return nil, err
	}
	if err := params.Int("beam_search", sp.BeamSearch, 1, 64); err != nil {
		return nil, err
	}
	if err := params.Int("io_limit", sp.IOLimit, 1, 512); err != nil {
		return nil, err
	}
	if sp.Parallelism == 0 {
		sp.Parallelism = 1
	}
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	if err := sp.SingleThreaded("diskann"); err != nil {
		return nil, err
	}
	return sp, nil
}

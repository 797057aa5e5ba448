package ivf

import (
	"github.com/govsag/vsag/internal/parallel"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
)

// Params is the ivf index_param block, with VSAG's key names and defaults (its code's, not its
// older documents' nlist / nprobe).
type Params struct {
	// BucketsCount is the number of inverted lists (default 10). With partition_strategy_type
	// gno_imi it is first_order_buckets_count x second_order_buckets_count.
	BucketsCount int `json:"buckets_count"`
	// BaseQuantizationType is the quantizer of the codes stored in the buckets (default fp32).
	BaseQuantizationType string `json:"base_quantization_type"`
	// UseReorder keeps a second, precise code per vector that reranks the candidates.
	UseReorder bool `json:"use_reorder"`
	// PreciseQuantizationType is the quantizer of the reranking codes (default fp32).
	PreciseQuantizationType string `json:"precise_quantization_type"`
	// IVFTrainType is how the centroids are chosen: kmeans (default) or random.
	IVFTrainType string `json:"ivf_train_type"`
	// TrainSampleCount caps the vectors training reads (default max(65536, 64 x buckets)).
	TrainSampleCount int `json:"train_sample_count"`
	// PartitionStrategyType is ivf (one level of centroids, default) or gno_imi (two levels:
	// a bucket is a pair of a first-order centroid and a second-order residual centroid).
	PartitionStrategyType string `json:"partition_strategy_type"`
	// FirstOrderBucketsCount and SecondOrderBucketsCount size gno_imi's two levels (the first
	// is required with gno_imi, the second defaults to it).
	FirstOrderBucketsCount  int `json:"first_order_buckets_count"`
	SecondOrderBucketsCount int `json:"second_order_buckets_count"`
	// BucketsPerData is the number of buckets each vector is stored in (default 1).
	BucketsPerData int `json:"buckets_per_data"`
	// UseResidual encodes a vector's difference from its bucket's centroid.
	UseResidual bool `json:"use_residual"`
	// ThreadCount is the number of goroutines routing and encoding use (default 1, capped at
	// the CPUs); k-means runs on all of them.
	ThreadCount int `json:"thread_count"`
	// RouteMaxDegree and RouteEfConstruction configure the graph over the centroids used to
	// route vectors and queries when there are many buckets (defaults 64 and 300).
	RouteMaxDegree      int `json:"route_max_degree"`
	RouteEfConstruction int `json:"route_ef_construction"`
	// GraphBuildThreshold: a bucket holding more vectors than this is searched through a
	// graph of its own (0: never).
	GraphBuildThreshold int `json:"graph_build_threshold"`
	// PreciseCodesLayout stores the precise codes by vector (flat, default) or next to the
	// base codes in each bucket (bucket: needs use_reorder and buckets_per_data 1).
	PreciseCodesLayout string `json:"precise_codes_layout"`
	// SQ4UniformTruncRate is passed to the sq4_uniform quantizer.
	SQ4UniformTruncRate *float64 `json:"sq4_uniform_trunc_rate"`
	// BaseIOType, PreciseIOType, BaseFilePath and PreciseFilePath name where codes live; only
	// memory is available.
	BaseIOType      string `json:"base_io_type"`
	PreciseIOType   string `json:"precise_io_type"`
	BaseFilePath    string `json:"base_file_path"`
	PreciseFilePath string `json:"precise_file_path"`
	// UseAttributeFilter is accepted as VSAG does; attribute filters always work.
	UseAttributeFilter bool `json:"use_attribute_filter"`
	// Keys are the codebook quantizers' keys (base_pq_dim, rabitq_*, tq_chain, mrle_dim).
	quant.Keys

	codebook quant.CodebookOptions
}

// The partition strategies.
const (
	strategyIVF    = "ivf"
	strategyGNOIMI = "gno_imi"
)

func defaultParams() Params {
	return Params{
		BucketsCount: 10, BaseQuantizationType: "fp32", PreciseQuantizationType: "fp32",
		IVFTrainType: "kmeans", PartitionStrategyType: strategyIVF, BucketsPerData: 1,
		ThreadCount: 1, RouteMaxDegree: 64, RouteEfConstruction: 300, PreciseCodesLayout: "flat",
	}
}

// maxBuckets bounds buckets_count so a hostile value cannot size an allocation.
const maxBuckets = 1 << 22

func parseParams(c *params.Create) (Params, error) {
	if c.DType == params.Int8 {
		return Params{}, api.Errorf(api.InvalidArgument, "IVF not support int8 datatype")
	}
	p := defaultParams()
	if err := params.DecodeStrict(c.IndexParam, &p, "index_param"); err != nil {
		return p, err
	}
	switch p.PartitionStrategyType {
	case strategyIVF:
		if p.FirstOrderBucketsCount != 0 || p.SecondOrderBucketsCount != 0 {
			return p, api.Errorf(api.InvalidArgument, "keys \"first_order_buckets_count\" and \"second_order_buckets_count\" need partition_strategy_type \"gno_imi\"")
		}
	case strategyGNOIMI:
		if p.FirstOrderBucketsCount == 0 {
			return p, api.Errorf(api.InvalidArgument, "key \"first_order_buckets_count\" is required with partition_strategy_type \"gno_imi\"")
		}
		if p.SecondOrderBucketsCount == 0 {
			p.SecondOrderBucketsCount = p.FirstOrderBucketsCount
		}
		if err := params.Int("first_order_buckets_count", p.FirstOrderBucketsCount, 1, 1<<16); err != nil {
			return p, err
		}
		if err := params.Int("second_order_buckets_count", p.SecondOrderBucketsCount, 1, 1<<16); err != nil {
			return p, err
		}
		if p.FirstOrderBucketsCount*p.SecondOrderBucketsCount > maxBuckets {
			return p, api.Errorf(api.InvalidArgument, "first_order_buckets_count x second_order_buckets_count = %d exceeds %d", p.FirstOrderBucketsCount*p.SecondOrderBucketsCount, maxBuckets)
		}
		p.BucketsCount = p.FirstOrderBucketsCount * p.SecondOrderBucketsCount
	default:
		return p, api.Errorf(api.InvalidArgument, "key \"partition_strategy_type\": %q is not one of ivf, gno_imi", p.PartitionStrategyType)
	}
	if err := params.Int("buckets_count", p.BucketsCount, 1, maxBuckets); err != nil {
		return p, err
	}
	switch p.IVFTrainType {
	case "kmeans", "random":
	default:
		return p, api.Errorf(api.InvalidArgument, "key \"ivf_train_type\": %q is not one of kmeans, random", p.IVFTrainType)
	}
	if p.TrainSampleCount == 0 {
		p.TrainSampleCount = max(65536, 64*p.BucketsCount)
	}
	if err := params.Int("train_sample_count", p.TrainSampleCount, 1, 1<<31-1); err != nil {
		return p, err
	}
	if err := params.Int("buckets_per_data", p.BucketsPerData, 1, p.BucketsCount); err != nil {
		return p, err
	}
	if err := params.Int("thread_count", p.ThreadCount, 1, 1024); err != nil {
		return p, err
	}
	if err := params.Int("route_max_degree", p.RouteMaxDegree, 4, max(c.Dim, 128)); err != nil {
		return p, err
	}
	if err := params.Int("route_ef_construction", p.RouteEfConstruction, p.RouteMaxDegree, max(1000, 100*p.RouteMaxDegree)); err != nil {
		return p, err
	}
	if p.GraphBuildThreshold < 0 {
		return p, api.Errorf(api.InvalidArgument, "key \"graph_build_threshold\": graph_build_threshold must be non-negative, got %d", p.GraphBuildThreshold)
	}
	switch p.PreciseCodesLayout {
	case "flat":
	case "bucket":
		if !p.UseReorder {
			return p, api.Errorf(api.InvalidArgument, "key \"precise_codes_layout\": precise_codes_layout=bucket requires use_reorder=true")
		}
		if p.BucketsPerData != 1 {
			return p, api.Errorf(api.InvalidArgument, "key \"precise_codes_layout\": precise_codes_layout=bucket requires buckets_per_data=1")
		}
		if p.PreciseQuantizationType == "pqfs" {
			return p, api.Errorf(api.InvalidArgument, "key \"precise_codes_layout\": precise_codes_layout=bucket does not support pqfs precise quantization")
		}
	default:
		return p, api.Errorf(api.InvalidArgument, "key \"precise_codes_layout\": invalid precise_codes_layout: %s, supported values are \"flat\" and \"bucket\"", p.PreciseCodesLayout)
	}
	for _, io := range []struct{ key, v string }{{"base_io_type", p.BaseIOType}, {"precise_io_type", p.PreciseIOType}} {
		switch io.v {
		case "", "memory_io", "block_memory_io":
		default:
			return p, api.Errorf(api.InvalidArgument, "key %q: %q is not available (only memory_io, block_memory_io)", io.key, io.v)
		}
	}
	if p.SQ4UniformTruncRate != nil {
		if err := params.Float("sq4_uniform_trunc_rate", *p.SQ4UniformTruncRate, 0, 0.5); err != nil {
			return p, err
		}
	}
	for _, q := range []string{p.BaseQuantizationType, p.PreciseQuantizationType} {
		if q == "leanvec" {
			return p, api.Errorf(api.InvalidArgument, "ivf: quantization type \"leanvec\" is for hgraph and brute_force")
		}
	}
	cb, err := p.Keys.Validate(c.Dim, p.BaseQuantizationType)
	if err != nil {
		return p, err
	}
	p.codebook = cb
	return p, nil
}

// quantOptions returns the options of the base quantizer.
func (p Params) quantOptions() quant.Options {
	o := quant.DefaultOptions()
	if p.SQ4UniformTruncRate != nil {
		o.SQ4UniformTruncRate = *p.SQ4UniformTruncRate
	}
	o.Codebook = p.codebook
	o.Residuals = p.UseResidual
	return o
}

// preciseOptions returns the options of the precise quantizer.
func (p Params) preciseOptions() quant.Options {
	o := quant.DefaultOptions()
	o.Codebook = p.codebook.Precise()
	return o
}

func (p Params) threads() int { return parallel.BuildWorkers(p.ThreadCount) }

// SearchParams is the ivf search block ({"ivf": {...}}), with VSAG's key names.
type SearchParams struct {
	params.SearchCommon
	// ScanBucketsCount is the number of buckets scanned (required, 1..buckets_count).
	ScanBucketsCount *int `json:"scan_buckets_count"`
	// Factor: with reordering, factor x k candidates of the base codes are reranked (default 2.0).
	Factor *float64 `json:"factor"`
	// FirstOrderScanRatio is the fraction of gno_imi's first-order centroids whose buckets
	// are considered (default 1.0).
	FirstOrderScanRatio *float64 `json:"first_order_scan_ratio"`
	// EnableReorder, when false, returns the base codes' distances without reranking.
	EnableReorder *bool `json:"enable_reorder"`
	// EfSearch is the beam of the graph searches: the route graph over the centroids and
	// the graphs of large buckets (default max(scan_buckets_count, k) and 2 x k, at least 10).
	EfSearch int `json:"ef_search"`
	// DisableBucketScan is VSAG's switch to skip the bucket scan; only false is accepted.
	DisableBucketScan bool `json:"disable_bucket_scan"`
}

// search is a validated search block.
type search struct {
	scan     int
	factor   float64
	ratio    float64
	reorder  bool
	ef       int
	parallel int
	deadline time.Time
}

const block = "search parameters \"ivf\""

func parseSearch(raw []byte, buckets int) (*SearchParams, error) {
	sp := &SearchParams{}
	if err := params.DecodeStrict(raw, sp, block); err != nil {
		return nil, err
	}
	if sp.ScanBucketsCount == nil {
		return nil, api.Errorf(api.InvalidArgument, "parameters[ivf] must contains scan_buckets_count")
	}
	if err := params.Int("scan_buckets_count", *sp.ScanBucketsCount, 1, buckets); err != nil {
		return nil, err
	}
	if sp.Factor != nil {
		if err := params.Float("factor", *sp.Factor, 1, 1<<10); err != nil {
			return nil, err
		}
	}
	if sp.FirstOrderScanRatio != nil {
		if err := params.Float("first_order_scan_ratio", *sp.FirstOrderScanRatio, 0, 1); err != nil {
			return nil, err
		}
	}
	if sp.EfSearch < 0 || sp.EfSearch > 1<<20 {
		return nil, api.Errorf(api.InvalidArgument, "key \"ef_search\": %d is out of range [0, %d]", sp.EfSearch, 1<<20)
	}
	if sp.DisableBucketScan {
		return nil, api.Errorf(api.InvalidArgument, "key \"disable_bucket_scan\": true is not available")
	}
	common := sp.SearchCommon
	if common.Parallelism == 0 {
		common.Parallelism = 1 // absent: the request's parallelism applies
	}
	if err := common.Validate(); err != nil {
		return nil, err
	}
	return sp, nil
}

// resolve turns a cached block and the request's options into one search's settings.
func (sp *SearchParams) resolve(opts *api.SearchOptions) *search {
	s := &search{scan: *sp.ScanBucketsCount, factor: 2.0, ratio: 1.0, reorder: true, ef: sp.EfSearch, parallel: opts.Parallelism}
	if sp.Factor != nil {
		s.factor = *sp.Factor
	}
	if sp.FirstOrderScanRatio != nil {
		s.ratio = *sp.FirstOrderScanRatio
	}
	if sp.EnableReorder != nil {
		s.reorder = *sp.EnableReorder
	}
	if sp.Parallelism > 0 {
		s.parallel = sp.Parallelism
	}
	s.parallel = max(1, s.parallel)
	s.deadline = sp.Deadline(opts.Deadline)
	return s
}

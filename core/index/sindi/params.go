package sindi

import (
	"bytes"
	"math"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
)

// Value formats of the posting lists (use_quantization).
const (
	valueFP32 = iota // false
	valueSQ8         // true
	valueFP16        // "fp16"
)

var valueNames = [...]string{"fp32", "sq8", "fp16"}

// Defaults and bounds of VSAG's SINDI parameters.
const (
	defaultTermIDLimit      = 1_000_000
	maxTermIDLimit          = 50_000_000
	defaultWindowSize       = 50_000
	minWindowSize           = 10_000
	maxWindowSize           = 60_000
	defaultAvgDocTermLength = 100
	// amplification bounds n_candidate: at most amplification*k (VSAG's SPARSE_AMPLIFICATION_FACTOR).
	amplification    = 500
	defaultDMQShared = 1024
)

// Params is the sindi index_param block.
type Params struct {
	// TermIDLimit bounds the term ids (ids must be below it), or with remap_term_ids the
	// number of distinct terms.
	TermIDLimit *int64 `json:"term_id_limit"`
	// WindowSize is the number of documents per window.
	WindowSize *int64 `json:"window_size"`
	// DocPruneRatio is the share of each document's weight mass dropped at build, lowest
	// weights first.
	DocPruneRatio *float64 `json:"doc_prune_ratio"`
	// UseQuantization is false (fp32 postings), true (sq8) or "fp16".
	UseQuantization json.RawMessage `json:"use_quantization"`
	// UseReorder keeps the documents whole and rescores the candidates with them.
	UseReorder bool `json:"use_reorder"`
	// RerankType is the form of the rescoring store: "fp32" or "dmq8".
	RerankType *string `json:"rerank_type"`
	// DMQSharedCodebookThreshold: with dmq8, terms occurring at most this often share a codebook.
	DMQSharedCodebookThreshold *int64 `json:"dmq_shared_codebook_threshold"`
	// RemapTermIDs maps the term ids to dense internal ids.
	RemapTermIDs bool `json:"remap_term_ids"`
	// AvgDocTermLength sizes EstimateMemory.
	AvgDocTermLength *int64 `json:"avg_doc_term_length"`
	// Immutable makes the index read-only after its build.
	Immutable bool `json:"immutable"`
	// DocOrderedPostings (an extension of this library; default false) keeps the postings a
	// second time, sorted by document, for the knn searches of use_max_score (docorder.go);
	// rebuilt on load, not persisted.
	DocOrderedPostings bool `json:"doc_ordered_postings"`
	// DeserializeWithoutFooter and DeserializeWithoutBuffer are VSAG loader switches,
	// accepted and without effect here.
	DeserializeWithoutFooter bool `json:"deserialize_without_footer"`
	DeserializeWithoutBuffer bool `json:"deserialize_without_buffer"`
}

// config is the validated create configuration.
type config struct {
	TermIDLimit      uint32  `json:"term_id_limit"`
	WindowSize       int     `json:"window_size"`
	DocPruneRatio    float32 `json:"doc_prune_ratio"`
	Value            int     `json:"value_format"`
	UseReorder       bool    `json:"use_reorder"`
	RerankDMQ8       bool    `json:"rerank_dmq8"`
	DMQShared        uint32  `json:"dmq_shared_codebook_threshold"`
	RemapTermIDs     bool    `json:"remap_term_ids"`
	AvgDocTermLength int     `json:"avg_doc_term_length"`
	Immutable        bool    `json:"immutable"`
	// DocOrderedPostings is left out of the saved configuration when false, so files without
	// it read as before.
	DocOrderedPostings bool `json:"doc_ordered_postings,omitempty"`
}

func parseConfig(raw []byte) (config, error) {
	var p Params
	if err := params.DecodeStrict(raw, &p, "index_param"); err != nil {
		return config{}, err
	}
	c := config{TermIDLimit: defaultTermIDLimit, WindowSize: defaultWindowSize, AvgDocTermLength: defaultAvgDocTermLength,
		UseReorder: p.UseReorder, RemapTermIDs: p.RemapTermIDs, Immutable: p.Immutable, DMQShared: defaultDMQShared}
	if p.TermIDLimit != nil {
		if *p.TermIDLimit <= 0 || *p.TermIDLimit > maxTermIDLimit {
			return c, api.Errorf(api.InvalidArgument, "key \"term_id_limit\": must be in (0, 50000000], got %d", *p.TermIDLimit)
		}
		c.TermIDLimit = uint32(*p.TermIDLimit)
	}
	if p.WindowSize != nil {
		if err := params.Int("window_size", int(*p.WindowSize), minWindowSize, maxWindowSize); err != nil {
			return c, err
		}
		c.WindowSize = int(*p.WindowSize)
	}
	if p.DocPruneRatio != nil {
		if r := *p.DocPruneRatio; !(r >= 0 && r < 1) {
			return c, api.Errorf(api.InvalidArgument, "key \"doc_prune_ratio\": must be in [0, 1), got %g", r)
		}
		c.DocPruneRatio = float32(*p.DocPruneRatio)
	}
	if q := bytes.TrimSpace(p.UseQuantization); len(q) > 0 && string(q) != "null" {
		var b bool
		var s string
		switch {
		case json.Unmarshal(q, &b) == nil:
			if b {
				c.Value = valueSQ8
			}
		case json.Unmarshal(q, &s) == nil:
			switch s {
			case "fp32":
				c.Value = valueFP32
			case "sq8":
				c.Value = valueSQ8
			case "fp16":
				c.Value = valueFP16
			default:
				return c, api.Errorf(api.InvalidArgument, "key \"use_quantization\": must be false, true, or fp16, but got %s", s)
			}
		default:
			return c, api.Errorf(api.InvalidArgument, "key \"use_quantization\": must be false, true, or fp16")
		}
	}
	if p.AvgDocTermLength != nil {
		if *p.AvgDocTermLength <= 0 || *p.AvgDocTermLength > math.MaxInt32 {
			return c, api.Errorf(api.InvalidArgument, "key \"avg_doc_term_length\": must be greater than 0, but now is %d", *p.AvgDocTermLength)
		}
		c.AvgDocTermLength = int(*p.AvgDocTermLength)
	}
	c.DocOrderedPostings = p.DocOrderedPostings
	if p.RerankType != nil {
		switch *p.RerankType {
		case "fp32":
		case "dmq8":
			c.RerankDMQ8 = true
		default:
			return c, api.Errorf(api.InvalidArgument, "key \"rerank_type\": must be fp32 or dmq8, got %s", *p.RerankType)
		}
	}
	if c.RerankDMQ8 && !c.UseReorder {
		return c, api.Errorf(api.InvalidArgument, "key \"rerank_type\": rerank_type=dmq8 requires use_reorder=true")
	}
	if p.DMQSharedCodebookThreshold != nil {
		if t := *p.DMQSharedCodebookThreshold; t < 0 || t > math.MaxUint32 {
			return c, api.Errorf(api.InvalidArgument, "key \"dmq_shared_codebook_threshold\": must be in [0, %d], got %d", uint32(math.MaxUint32), t)
		}
		c.DMQShared = uint32(*p.DMQSharedCodebookThreshold)
	}
	return c, nil
}

// SearchParams is the sindi search block.
type SearchParams struct {
	params.SearchCommon
	// NCandidate is the size of the candidate heap (0: k); at most 500*k.
	NCandidate int64 `json:"n_candidate"`
	// QueryPruneRatio is the share of the query's terms skipped, lowest weights first.
	QueryPruneRatio float64 `json:"query_prune_ratio"`
	// TermPruneRatio is the share of each posting list skipped, lowest values first.
	TermPruneRatio float64 `json:"term_prune_ratio"`
	// TermRetainThreshold caps the postings scanned per term across all windows (0: none).
	TermRetainThreshold int64 `json:"term_retain_threshold"`
	// FilterCallbackLimit caps the filter calls of one search (0: none); the search then
	// returns what it has.
	FilterCallbackLimit int64 `json:"filter_callback_limit"`
	// UseDynamicPruning (an extension of this library; default false) makes a knn search
	// return the exact top k of the stored postings (with use_reorder, fp32 postings and no
	// doc pruning: of the whole documents) while reading only the parts of the posting lists
	// that can still change it (dynamic.go). query_prune_ratio, term_prune_ratio and
	// term_retain_threshold still cut what is read and make the answer approximate (the
	// candidates found then differ from the plain search's: with fp32 postings and use_reorder
	// a candidate is scored with its whole document, cut terms included);
	// n_candidate sizes the heap rescored with the whole documents when the postings are
	// quantized or pruned. Range searches ignore it.
	UseDynamicPruning bool `json:"use_dynamic_pruning"`
	// UseMaxScore (an extension of this library; default false) makes a knn search run
	// MaxScore over the postings of doc_ordered_postings (maxscore.go): the candidates of the
	// plain search (the stored postings' top n_candidate), their scores summed in another term
	// order. It needs an index created with doc_ordered_postings and excludes
	// use_dynamic_pruning, term_prune_ratio and term_retain_threshold. Range searches ignore it.
	UseMaxScore bool `json:"use_max_score"`
	// UseTermListsHeapInsert is VSAG's legacy key, accepted and ignored.
	UseTermListsHeapInsert *bool `json:"use_term_lists_heap_insert"`
}

func parseSearch(raw []byte) (*SearchParams, error) {
	sp := &SearchParams{SearchCommon: params.SearchCommon{Parallelism: 1}}
	if err := params.DecodeStrict(raw, sp, "sindi"); err != nil {
		return nil, err
	}
	if sp.NCandidate < 0 {
		return nil, api.Errorf(api.InvalidArgument, "key \"n_candidate\": %d must not be negative", sp.NCandidate)
	}
	for _, r := range []struct {
		k string
		v float64
	}{{"query_prune_ratio", sp.QueryPruneRatio}, {"term_prune_ratio", sp.TermPruneRatio}} {
		if !(r.v >= 0 && r.v < 1) {
			return nil, api.Errorf(api.InvalidArgument, "key %q: must be in [0, 1), got %g", r.k, r.v)
		}
	}
	if sp.TermRetainThreshold < 0 {
		return nil, api.Errorf(api.InvalidArgument, "key \"term_retain_threshold\": must be non-negative, got %d", sp.TermRetainThreshold)
	}
	if sp.FilterCallbackLimit < 0 {
		return nil, api.Errorf(api.InvalidArgument, "key \"filter_callback_limit\": must be non-negative, got %d", sp.FilterCallbackLimit)
	}
	if sp.UseMaxScore {
		switch {
		case sp.UseDynamicPruning:
			return nil, api.Errorf(api.InvalidArgument, "key \"use_max_score\": cannot be combined with use_dynamic_pruning")
		case sp.TermPruneRatio > 0:
			return nil, api.Errorf(api.InvalidArgument, "key \"use_max_score\": cannot be combined with term_prune_ratio")
		case sp.TermRetainThreshold > 0:
			return nil, api.Errorf(api.InvalidArgument, "key \"use_max_score\": cannot be combined with term_retain_threshold")
		}
	}
	if err := sp.SearchCommon.Validate(); err != nil {
		return nil, err
	}
	if err := sp.SingleThreaded("sindi"); err != nil {
		return nil, err
	}
	return sp, nil
}

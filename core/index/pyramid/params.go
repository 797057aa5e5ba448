package pyramid

import (
	"bytes"
	"github.com/govsag/vsag/internal/parallel"
	"math"
	"sort"
	"time"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
)

// Params is the pyramid index_param block, with VSAG's key names and defaults.
type Params struct {
	// BaseQuantizationType is the quantizer of the codes every sub-graph is searched on
	// (default fp32; any quantizer of the library).
	BaseQuantizationType string `json:"base_quantization_type"`
	// MaxDegree bounds the degree of the root graph (default 64, valid 4..max(dim,128)); the
	// graphs of the nodes below the root take min(max_degree, 24) while they hold fewer than
	// 100 000 vectors and min(max_degree, 32) below a million, as VSAG sizes them.
	MaxDegree int `json:"max_degree"`
	// EfConstruction is the beam width of insertions (default 400, >= 1).
	EfConstruction int `json:"ef_construction"`
	// Alpha relaxes the pruning heuristic (default 1.2, in (0, 10]).
	Alpha float64 `json:"alpha"`
	// GraphType is the sub-graph construction of a Build: "nsw" (insertion, the default) or
	// "odescent" (each sub-graph built at once by ODescent over its group); vectors added
	// after the build are inserted as nsw does.
	GraphType string `json:"graph_type"`
	// GraphIterTurn, NeighborSampleRate, MinInDegree and BuildBlockSize are ODescent's keys
	// (defaults 30, 0.2, 1, 10000; see params.ParseODescentKeys), refused with graph_type "nsw".
	GraphIterTurn      *int     `json:"graph_iter_turn"`
	NeighborSampleRate *float64 `json:"neighbor_sample_rate"`
	MinInDegree        *int     `json:"min_in_degree"`
	BuildBlockSize     *int     `json:"build_block_size"`
	// UseReorder re-ranks the candidates with the precise codes.
	UseReorder bool `json:"use_reorder"`
	// PreciseQuantizationType is the quantizer of the re-ranking codes (default fp32).
	PreciseQuantizationType string `json:"precise_quantization_type"`
	// StoreRawVector keeps an fp32 copy of every vector so raw vectors can be returned.
	StoreRawVector bool `json:"store_raw_vector"`
	// IndexMinSize is the size a node's group must reach before it gets a graph; smaller
	// groups are scanned exactly (default 0; groups of fewer than 32 vectors are always
	// scanned, which costs less than a graph search of so few).
	IndexMinSize int64 `json:"index_min_size"`
	// NoBuildLevels are the tree levels (0 is the root) that get no graph: a search that starts
	// at such a node searches the graphs of its children.
	NoBuildLevels []int `json:"no_build_levels"`
	// SupportDuplicate records a vector whose build codes equal those of a vector already in a
	// sub-graph as that vector's duplicate instead of linking it (see dup.go); searches return
	// the duplicates with their head.
	SupportDuplicate bool `json:"support_duplicate"`
	// PersistSourceID (build caches) is not available; only false is accepted.
	PersistSourceID bool `json:"persist_source_id"`
	// BuildThreadCount is the number of goroutines that link vectors (default 1, as VSAG's,
	// capped at the number of CPUs).
	BuildThreadCount int `json:"build_thread_count"`
	// Hierarchies, when given, names the path trees of the index: each element a name, or an
	// object {"name": ..., "max_degree", "ef_construction", "alpha", "no_build_levels",
	// "index_min_size"} overriding the top-level keys for that tree.
	Hierarchies json.RawMessage `json:"hierarchies"`
	// SQ4UniformTruncRate is passed to the sq4_uniform quantizer.
	SQ4UniformTruncRate *float64 `json:"sq4_uniform_trunc_rate"`
	// Keys are the codebook quantizers' keys (base_pq_dim, rabitq_*, tq_chain, mrle_dim).
	quant.Keys
	// BaseIOType and PreciseIOType name where codes live; only memory is available.
	BaseIOType    string `json:"base_io_type"`
	PreciseIOType string `json:"precise_io_type"`
	// BaseFilePath and PreciseFilePath are meaningless for in-memory codes and accepted as VSAG does.
	BaseFilePath    string `json:"base_file_path"`
	PreciseFilePath string `json:"precise_file_path"`

	codebook quant.CodebookOptions
	od       params.ODescentKeys // the odescent keys, filled in (graph_type "odescent")
	hiers    []hierParams        // the path trees, one unnamed tree without "hierarchies"
	named    bool                // "hierarchies" was given
}

// hierParams are the build settings of one path tree.
type hierParams struct {
	Name           string `json:"name"`
	MaxDegree      int    `json:"max_degree"`
	EfConstruction int    `json:"ef_construction"`
	Alpha          float64
	NoBuildLevels  []int `json:"no_build_levels"`
	IndexMinSize   int64 `json:"index_min_size"`
}

// noBuild reports whether level gets no graph.
func (h *hierParams) noBuild(level int) bool {
	i := sort.SearchInts(h.NoBuildLevels, level)
	return i < len(h.NoBuildLevels) && h.NoBuildLevels[i] == level
}

func defaultParams() Params {
	return Params{
		BaseQuantizationType:    "fp32",
		MaxDegree:               64,
		EfConstruction:          400,
		Alpha:                   1.2,
		GraphType:               "nsw",
		PreciseQuantizationType: "fp32",
		BuildThreadCount:        1,
	}
}

// maxLevels bounds the segments of a path (and so the depth of a tree).
const maxLevels = 256

func parseParams(c *params.Create) (Params, error) {
	p := defaultParams()
	if err := params.DecodeStrict(c.IndexParam, &p, "index_param"); err != nil {
		return p, err
	}
	maxDeg := max(c.Dim, 128)
	if err := params.Int("max_degree", p.MaxDegree, 4, maxDeg); err != nil {
		return p, err
	}
	if err := params.Int("ef_construction", p.EfConstruction, 1, 1<<16); err != nil {
		return p, err
	}
	if err := checkAlpha("alpha", p.Alpha); err != nil {
		return p, err
	}
	if err := params.Int("build_thread_count", p.BuildThreadCount, 1, 1024); err != nil {
		return p, err
	}
	if err := checkMinSize("index_min_size", p.IndexMinSize); err != nil {
		return p, err
	}
	levels, err := checkLevels("no_build_levels", p.NoBuildLevels)
	if err != nil {
		return p, err
	}
	p.NoBuildLevels = levels
	switch p.GraphType {
	case "nsw", "odescent":
	default:
		return p, api.Errorf(api.InvalidArgument, "key \"graph_type\": %q is not one of nsw, odescent", p.GraphType)
	}
	if p.od, err = params.ParseODescentKeys(c.IndexParam, p.GraphType == "odescent", p.MaxDegree); err != nil {
		return p, err
	}
	for _, io := range []struct{ key, v string }{{"base_io_type", p.BaseIOType}, {"precise_io_type", p.PreciseIOType}} {
		switch io.v {
		case "", "memory_io", "block_memory_io":
		default:
			return p, api.Errorf(api.InvalidArgument, "key %q: %q is not available (only memory_io, block_memory_io)", io.key, io.v)
		}
	}
	if p.PersistSourceID {
		return p, api.Errorf(api.InvalidArgument, "key \"persist_source_id\": true is not available for pyramid (it has no build cache)")
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
	p.codebook = cb
	top := hierParams{MaxDegree: p.MaxDegree, EfConstruction: p.EfConstruction, Alpha: p.Alpha, NoBuildLevels: p.NoBuildLevels, IndexMinSize: p.IndexMinSize}
	if p.Hierarchies == nil || string(bytes.TrimSpace(p.Hierarchies)) == "null" {
		p.hiers = []hierParams{top}
		return p, nil
	}
	p.named = true
	p.hiers, err = parseHierarchies(p.Hierarchies, top, maxDeg)
	return p, err
}

func checkAlpha(key string, a float64) error {
	if !(a > 0 && a <= 10) {
		return api.Errorf(api.InvalidArgument, "key %q: %g must be in (0, 10]", key, a)
	}
	return nil
}

func checkMinSize(key string, v int64) error {
	if v < 0 || v > math.MaxUint32 {
		return api.Errorf(api.InvalidArgument, "key %q: %d is out of range [0, %d]", key, v, uint32(math.MaxUint32))
	}
	return nil
}

// checkLevels validates no_build_levels and returns them sorted without repeats.
func checkLevels(key string, levels []int) ([]int, error) {
	out := append([]int(nil), levels...)
	sort.Ints(out)
	for _, l := range out {
		if l < 0 || l > maxLevels {
			return nil, api.Errorf(api.InvalidArgument, "key %q: level %d is out of range [0, %d]", key, l, maxLevels)
		}
	}
	j := 0
	for i, l := range out {
		if i == 0 || l != out[j-1] {
			out[j] = l
			j++
		}
	}
	return out[:j], nil
}

// parseHierarchies reads "hierarchies": a non-empty array of unique names, each a string or an
// object overriding the top-level build keys.
func parseHierarchies(raw json.RawMessage, top hierParams, maxDeg int) ([]hierParams, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, api.Errorf(api.InvalidArgument, "key \"hierarchies\" must be an array of names or objects")
	}
	if len(elems) == 0 {
		return nil, api.Errorf(api.InvalidArgument, "key \"hierarchies\" must not be empty")
	}
	seen := map[string]bool{}
	out := make([]hierParams, 0, len(elems))
	for _, e := range elems {
		h := top
		h.NoBuildLevels = append([]int(nil), top.NoBuildLevels...)
		e = bytes.TrimSpace(e)
		switch {
		case len(e) > 0 && e[0] == '"':
			if err := json.Unmarshal(e, &h.Name); err != nil {
				return nil, api.Errorf(api.InvalidArgument, "key \"hierarchies\": bad name %s", e)
			}
		case len(e) > 0 && e[0] == '{':
			var o struct {
				Name           *string  `json:"name"`
				MaxDegree      *int     `json:"max_degree"`
				EfConstruction *int     `json:"ef_construction"`
				Alpha          *float64 `json:"alpha"`
				NoBuildLevels  []int    `json:"no_build_levels"`
				IndexMinSize   *int64   `json:"index_min_size"`
			}
			if err := params.DecodeStrict(e, &o, "hierarchy"); err != nil {
				return nil, err
			}
			if o.Name == nil {
				return nil, api.Errorf(api.InvalidArgument, "key \"hierarchies\": a hierarchy object must contain \"name\"")
			}
			h.Name = *o.Name
			where := "hierarchy " + h.Name + " "
			if o.MaxDegree != nil {
				h.MaxDegree = *o.MaxDegree
				if err := params.Int(where+"max_degree", h.MaxDegree, 4, maxDeg); err != nil {
					return nil, err
				}
			}
			if o.EfConstruction != nil {
				h.EfConstruction = *o.EfConstruction
				if err := params.Int(where+"ef_construction", h.EfConstruction, 1, 1<<16); err != nil {
					return nil, err
				}
			}
			if o.Alpha != nil {
				h.Alpha = *o.Alpha
				if err := checkAlpha(where+"alpha", h.Alpha); err != nil {
					return nil, err
				}
			}
			if o.NoBuildLevels != nil {
				levels, err := checkLevels(where+"no_build_levels", o.NoBuildLevels)
				if err != nil {
					return nil, err
				}
				h.NoBuildLevels = levels
			}
			if o.IndexMinSize != nil {
				h.IndexMinSize = *o.IndexMinSize
				if err := checkMinSize(where+"index_min_size", h.IndexMinSize); err != nil {
					return nil, err
				}
			}
		default:
			return nil, api.Errorf(api.InvalidArgument, "key \"hierarchies\": each hierarchy is a name or an object, got %s", e)
		}
		if h.Name == "" {
			return nil, api.Errorf(api.InvalidArgument, "key \"hierarchies\": a hierarchy name must not be empty")
		}
		if seen[h.Name] {
			return nil, api.Errorf(api.InvalidArgument, "key \"hierarchies\": duplicate hierarchy name %q", h.Name)
		}
		seen[h.Name] = true
		out = append(out, h)
	}
	return out, nil
}

// quantOptions returns the quantizer options the index_param keys carry.
func (p Params) quantOptions() quant.Options {
	o := quant.DefaultOptions()
	if p.SQ4UniformTruncRate != nil {
		o.SQ4UniformTruncRate = *p.SQ4UniformTruncRate
	}
	o.Codebook = p.codebook
	return o
}

// preciseOptions returns the options of the precise quantizer.
func (p Params) preciseOptions() quant.Options {
	o := quant.DefaultOptions()
	o.Codebook = p.codebook.Precise()
	return o
}

// buildThreads caps the configured thread count at the CPUs available.
func (p Params) buildThreads() int { return parallel.BuildWorkers(p.BuildThreadCount) }

// Hierarchy operations of a search over several hierarchies.
const (
	opSingle = iota
	opUnion
	opIntersection
)

// SearchParams is the pyramid search block ({"pyramid": {...}}), with VSAG's key names.
type SearchParams struct {
	params.SearchCommon
	// EfSearch is the beam width of a search (required, 1..max(100*k, 1000)); the effective
	// beam is max(ef_search, k).
	EfSearch *int `json:"ef_search"`
	// SubindexEfSearch shapes the beam of the graphs below the root (default 50): a graph of
	// fewer than 1 000 vectors searches with min(ef, max(1.5k, subindex_ef_search)), one below
	// 100 000 with min(ef, max(2k, 2*subindex_ef_search)), as VSAG does.
	SubindexEfSearch *int `json:"subindex_ef_search"`
	// HopsLimit caps the nodes a search of the root graph expands; ignored unless it exceeds
	// ef_search.
	HopsLimit *int64 `json:"hops_limit"`
	// Hierarchies names the hierarchies to search (default: the ones the query has paths
	// for, else the unnamed hierarchy).
	Hierarchies []string `json:"hierarchies"`
	// HierarchyOp joins the results of several hierarchies: "union" (a vector in any of the
	// query's subtrees) or "intersection" (in all of them). Required with several hierarchies.
	HierarchyOp string `json:"hierarchy_op"`
	// RaBitQErrorRate is accepted as VSAG does; pyramid reranks every candidate it keeps, so
	// no candidate is skipped on its error bound.
	RaBitQErrorRate *float64 `json:"rabitq_error_rate"`

	op int
}

const block = "search parameters \"pyramid\""

// maxEf is VSAG's upper bound of ef_search for k results.
func maxEf(k int) int { return max(100*k, 1000) }

func parseSearch(raw []byte) (*SearchParams, error) {
	sp := &SearchParams{}
	if err := params.DecodeStrict(raw, sp, block); err != nil {
		return nil, err
	}
	if sp.EfSearch == nil {
		return nil, api.Errorf(api.InvalidArgument, "%s: key \"ef_search\" is required", block)
	}
	if *sp.EfSearch < 1 {
		return nil, api.Errorf(api.InvalidArgument, "key \"ef_search\": %d must be at least 1", *sp.EfSearch)
	}
	if sp.SubindexEfSearch == nil {
		v := 50
		sp.SubindexEfSearch = &v
	} else if err := params.Int("subindex_ef_search", *sp.SubindexEfSearch, 1, 1<<20); err != nil {
		return nil, err
	}
	if sp.HopsLimit != nil && (*sp.HopsLimit < 0 || *sp.HopsLimit > math.MaxUint32) {
		return nil, api.Errorf(api.InvalidArgument, "key \"hops_limit\": %d must be in range [0, %d]", *sp.HopsLimit, uint32(math.MaxUint32))
	}
	if sp.RaBitQErrorRate != nil && !(*sp.RaBitQErrorRate > 0 && !math.IsInf(*sp.RaBitQErrorRate, 0)) {
		return nil, api.Errorf(api.InvalidArgument, "key \"rabitq_error_rate\" must be finite and positive, got %g", *sp.RaBitQErrorRate)
	}
	if sp.Hierarchies != nil {
		if len(sp.Hierarchies) == 0 {
			return nil, api.Errorf(api.InvalidArgument, "key \"hierarchies\" must not be empty")
		}
		seen := map[string]bool{}
		for _, h := range sp.Hierarchies {
			if h == "" {
				return nil, api.Errorf(api.InvalidArgument, "key \"hierarchies\": a hierarchy name must not be empty")
			}
			if seen[h] {
				return nil, api.Errorf(api.InvalidArgument, "key \"hierarchies\": duplicate hierarchy name %q", h)
			}
			seen[h] = true
		}
	}
	if sp.HierarchyOp != "" {
		if sp.Hierarchies != nil && len(sp.Hierarchies) < 2 {
			return nil, api.Errorf(api.InvalidArgument, "key \"hierarchy_op\" needs at least two hierarchies")
		}
		switch sp.HierarchyOp {
		case "union":
			sp.op = opUnion
		case "intersection":
			sp.op = opIntersection
		default:
			return nil, api.Errorf(api.InvalidArgument, "key \"hierarchy_op\": %q is not one of union, intersection", sp.HierarchyOp)
		}
	} else if len(sp.Hierarchies) > 1 {
		return nil, api.Errorf(api.InvalidArgument, "key \"hierarchy_op\" (union or intersection) is required to search several hierarchies")
	}
	if sp.Parallelism == 0 {
		sp.Parallelism = 1
	}
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	if err := sp.SingleThreaded("pyramid"); err != nil {
		return nil, err
	}
	return sp, nil
}

// deadline combines the request's deadline with the block's timeout_ms.
func (sp *SearchParams) deadline(opts *api.SearchOptions) time.Time {
	return sp.Deadline(opts.Deadline)
}

// subEf returns the beam of a graph below the root holding n vectors, VSAG's
// get_suitable_ef_search capped at ef.
func subEf(ef, k, n, sub int) int {
	var s int
	switch {
	case n < 1_000:
		s = max(int(1.5*float64(k)), sub)
	case n < 100_000:
		s = max(2*k, 2*sub)
	case n < 1_000_000:
		s = max(3*k, 4*sub)
	default:
		s = max(4*k, 8*sub)
	}
	return min(ef, s)
}

// subDegree returns the degree of a graph below the root sized for n vectors, VSAG's
// get_suitable_max_degree capped at maxDegree.
func subDegree(maxDegree, n int) int {
	switch {
	case n < 100_000:
		return min(maxDegree, 24)
	case n < 1_000_000:
		return min(maxDegree, 32)
	}
	return maxDegree
}

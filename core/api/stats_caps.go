package api

// This file holds the capabilities of index introspection: core's Index.GetStats
// (SUPPORT_GET_STATS) and Index.AnalyzeIndexBySearch (SUPPORT_ANALYZE_INDEX_BY_SEARCH) sample
// stored vectors, search them and measure their distances through an Introspector; an engine
// adds its own structural figures (graph shape, bucket sizes) through StructureStats. The
// search statistics of a single search (SearchStats) live in engine.go and stats.go.

// Representation names one of the forms in which an engine holds its vectors.
type Representation int

const (
	// BaseRepresentation is the codes a search measures its candidates with before any
	// rerank (the base quantizer's codes).
	BaseRepresentation Representation = iota
	// BestRepresentation is the most precise form the engine holds: the raw vectors when it
	// keeps them, else the precise (reorder) codes, else the base codes. Exact ground truth
	// is computed on it.
	BestRepresentation
)

// Representations describes how an engine holds its vectors.
type Representations struct {
	// Base names the base codes, such as "sq8".
	Base string
	// Best names the most precise form, such as "fp32 raw vectors" or "fp32 precise codes".
	Best string
	// Separate reports that Best is another store than Base, so that the error of the base
	// codes can be measured against it.
	Separate bool
	// BaseExact reports that the base codes reproduce the input vectors (fp32).
	BaseExact bool
	// BestExact reports that Best reproduces the input vectors, so ground truth on it is the
	// exact ground truth of the input.
	BestExact bool
}

// Introspector is implemented by engines that support core's index analysis. All methods are
// safe for concurrent use; core calls them while no write runs.
type Introspector interface {
	// StructureStats returns the engine's structural statistics under VSAG's key names where
	// VSAG has them (hgraph: connect_components, in_degree_distribution, ...; ivf:
	// bucket_count, bucket_num, ...), to be merged into the GetStats object. Values must
	// marshal to JSON.
	StructureStats() (map[string]any, error)
	// AnalysisSearchParams returns the search JSON GetStats searches its sampled vectors
	// with when the caller names none (hgraph: ef_search = ef_construction, as VSAG).
	AnalysisSearchParams() string
	// Representations describes the forms the vectors are held in.
	Representations() Representations
	// MeasureByIDs writes the distance of query to each label, measured with r, into out
	// (-1 where a label is not live).
	MeasureByIDs(query []float32, ids []int64, r Representation, out []float32) error
	// ExactKnn returns the k live vectors nearest to query by the best representation,
	// measuring every one, in ascending distance.
	ExactKnn(query []float32, k int) ([]Neighbor, error)
	// DecodeByIDs writes the vector of each label, decoded from the best representation, into
	// out (row-major); a label that is not live is an INVALID_ARGUMENT error.
	DecodeByIDs(ids []int64, out []float32) error
}

// GraphIntrospector is implemented by graph engines: the bottom-layer neighbours of a node,
// for the proximity recall of its neighbour list.
type GraphIntrospector interface {
	// NeighborLabels returns the labels of the bottom-layer neighbours of label (removed
	// neighbours included), or false when label is not live.
	NeighborLabels(label int64) ([]int64, bool)
}

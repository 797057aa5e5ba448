package api

// MultiVectorEngine is implemented by engines whose rows are multi-vector documents
// (ColBERT-style: a document is a set of sub-vectors of the index's dim), scored by MaxSim. Core
// hands them the rows of Build and Add and the queries of every search in this form, validated
// (counts that add up, no NaN or infinity); their dense Engine methods (Add, KnnSearch) refuse
// one-vector-per-row input with INVALID_ARGUMENT.
//
// vectors holds sum(counts) sub-vectors of dim floats, row-major; counts[i] (>= 1) is the number
// of sub-vectors of row i.
type MultiVectorEngine interface {
	// AddMulti inserts a batch of documents as Build (build true) or Add does and returns the
	// labels that could not be added (duplicates). onInsert is as for Engine.Add.
	AddMulti(vectors []float32, counts []int, ids []int64, build bool, onInsert InsertHook) ([]int64, error)
	// KnnSearchMulti returns up to k documents nearest to the query document (count
	// sub-vectors in query) in ascending MaxSim distance, honouring opts.Filter.
	KnnSearchMulti(query []float32, count, k int, opts *SearchOptions) ([]Neighbor, error)
}

// MultiVectorRangeSearcher is implemented by multi-vector engines with range search.
type MultiVectorRangeSearcher interface {
	// RangeSearchMulti returns the documents within radius of the query document, ascending;
	// limit < 0 is unlimited.
	RangeSearchMulti(query []float32, count int, radius float32, limit int, opts *SearchOptions) ([]Neighbor, error)
}

// MultiVectorDistanceCalculator is implemented by multi-vector engines that measure a query
// document against stored labels.
type MultiVectorDistanceCalculator interface {
	// CalcDistanceMulti writes the MaxSim distance of the query document to each label into
	// out (-1 when the label is missing).
	CalcDistanceMulti(query []float32, count int, ids []int64, out []float32) error
}

// MultiVectorStatsReporter is implemented by multi-vector engines that report their
// statistics (GetStats, SUPPORT_GET_STATS).
type MultiVectorStatsReporter interface {
	// MultiVectorStats returns the engine's statistics (documents, sub-vectors, structure) to
	// be merged into the GetStats object; values must marshal to JSON.
	MultiVectorStats() (map[string]any, error)
}

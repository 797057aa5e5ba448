package api

// Dataset carries vectors in and results out, like VSAG's Dataset. Exactly one vector field is
// set for input (the one matching the index dtype); results use IDs and Distances with Dim = k
// (results per query) and NumElements = number of queries.
type Dataset struct {
	// NumElements is the number of rows (vectors, or queries for results).
	NumElements int
	// Dim is the vector dimension for input and the number of results per row for output.
	Dim int
	// IDs are the labels, one per row for input; for output, row-major with -1 padding.
	IDs []int64
	// Float32 holds dense float32 vectors, row-major.
	Float32 []float32
	// Float16 holds IEEE half-precision vectors as raw bits, row-major.
	Float16 []uint16
	// BFloat16 holds bfloat16 vectors as raw bits, row-major.
	BFloat16 []uint16
	// Int8 holds int8 vectors, row-major.
	Int8 []int8
	// Distances are result distances, parallel to IDs.
	Distances []float32
	// ExtraInfos holds extra_info_size bytes per row.
	ExtraInfos []byte
	// Attributes holds one attribute map per input row (nil or empty: none), for attribute
	// filtering at search time. Values are integers, floats, strings, bools (stored as 1/0) or
	// lists of one of these; see package core/attr. Leave the slice nil when no row has any.
	Attributes []map[string]any
}

// Neighbor is one search result: a label and its distance (smaller is closer).
type Neighbor struct {
	ID       int64
	Distance float32
}

// ResultDataset packs one query's neighbors into a Dataset (NumElements 1, Dim = len(ns)).
func ResultDataset(ns []Neighbor) *Dataset {
	ds := &Dataset{NumElements: 1, Dim: len(ns), IDs: make([]int64, len(ns)), Distances: make([]float32, len(ns))}
	for i, n := range ns {
		ds.IDs[i] = n.ID
		ds.Distances[i] = n.Distance
	}
	return ds
}

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
	// SparseOffsets, SparseIDs and SparseValues hold sparse rows (dtype "sparse") in CSR form:
	// row i's term ids are SparseIDs[SparseOffsets[i]:SparseOffsets[i+1]], sorted ascending and
	// unique, with their weights at the same positions of SparseValues. len(SparseOffsets) is
	// NumElements+1 and SparseOffsets[0] is 0.
	SparseOffsets []int64
	// SparseIDs are the term ids of the sparse rows (see SparseOffsets).
	SparseIDs []uint32
	// SparseValues are the weights of the sparse rows (see SparseOffsets).
	SparseValues []float32
	// VectorCounts makes the rows multi-vector documents: row i is VectorCounts[i] sub-vectors
	// of Dim floats, concatenated in Float32 (so Float32 holds sum(VectorCounts)*Dim values).
	VectorCounts []int
	// Paths gives each row a path per hierarchy, such as "tenant/shop/item" (pyramid).
	Paths []string
	// HierarchyPaths gives the rows their paths in named hierarchies (pyramid indexes created
	// with "hierarchies"): one path per row under each hierarchy's name. Paths is the path of
	// the unnamed hierarchy. A query takes the first path of each list.
	HierarchyPaths map[string][]string
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

// Kind names the form of a dataset's rows.
type Kind int

const (
	// DenseRows are fixed-dimension vectors in one of the dense fields.
	DenseRows Kind = iota
	// SparseRows are CSR rows of term ids and weights.
	SparseRows
	// MultiVectorRows are documents of VectorCounts sub-vectors each.
	MultiVectorRows
)

// Kind reports the form of the rows ds carries.
func (ds *Dataset) Kind() Kind {
	switch {
	case ds.SparseOffsets != nil || ds.SparseIDs != nil || ds.SparseValues != nil:
		return SparseRows
	case ds.VectorCounts != nil:
		return MultiVectorRows
	}
	return DenseRows
}

func (k Kind) String() string {
	switch k {
	case SparseRows:
		return "sparse"
	case MultiVectorRows:
		return "multi-vector"
	}
	return "dense"
}

// CheckSparse validates the CSR rows of ds: offsets that start at 0, never decrease and end at
// the number of ids and values; term ids sorted ascending and unique within each row; finite
// weights. what names the call in errors.
func (ds *Dataset) CheckSparse(what string) error {
	n := ds.NumElements
	if n < 0 {
		return Errorf(InvalidArgument, "%s: num_elements %d is negative", what, n)
	}
	if len(ds.SparseOffsets) != n+1 {
		return Errorf(InvalidArgument, "%s: %d sparse offsets for %d rows, need num_elements+1", what, len(ds.SparseOffsets), n)
	}
	if len(ds.SparseIDs) != len(ds.SparseValues) {
		return Errorf(InvalidArgument, "%s: %d term ids but %d values", what, len(ds.SparseIDs), len(ds.SparseValues))
	}
	if ds.SparseOffsets[0] != 0 {
		return Errorf(InvalidArgument, "%s: the first sparse offset is %d, must be 0", what, ds.SparseOffsets[0])
	}
	if last := ds.SparseOffsets[n]; last != int64(len(ds.SparseIDs)) {
		return Errorf(InvalidArgument, "%s: the last sparse offset is %d, there are %d term ids", what, last, len(ds.SparseIDs))
	}
	for i := 0; i < n; i++ {
		if lo, hi := ds.SparseOffsets[i], ds.SparseOffsets[i+1]; hi < lo {
			return Errorf(InvalidArgument, "%s: sparse offsets decrease at row %d (%d then %d)", what, i, lo, hi)
		}
	}
	for i := 0; i < n; i++ {
		lo, hi := ds.SparseOffsets[i], ds.SparseOffsets[i+1]
		for j := lo; j < hi; j++ {
			if j > lo && ds.SparseIDs[j] <= ds.SparseIDs[j-1] {
				return Errorf(InvalidArgument, "%s: row %d: term ids must be sorted and unique (%d after %d)", what, i, ds.SparseIDs[j], ds.SparseIDs[j-1])
			}
			if v := ds.SparseValues[j]; v != v || v > maxFloat32 || v < -maxFloat32 {
				return Errorf(InvalidArgument, "%s: row %d: term %d has a NaN or infinite weight", what, i, ds.SparseIDs[j])
			}
		}
	}
	return nil
}

// CheckMultiVector validates the multi-vector rows of ds: one positive count per row, and
// Float32 holding exactly sum(VectorCounts)*Dim values. It returns the total sub-vector count.
func (ds *Dataset) CheckMultiVector(what string) (int, error) {
	n := ds.NumElements
	if len(ds.VectorCounts) != n {
		return 0, Errorf(InvalidArgument, "%s: %d vector counts for %d rows", what, len(ds.VectorCounts), n)
	}
	if ds.Dim <= 0 {
		return 0, Errorf(InvalidArgument, "%s: multi-vector dim %d must be positive", what, ds.Dim)
	}
	total := 0
	for i, c := range ds.VectorCounts {
		if c <= 0 {
			return 0, Errorf(InvalidArgument, "%s: row %d has %d sub-vectors, need at least one", what, i, c)
		}
		if total > (1<<62)/ds.Dim-c {
			return 0, Errorf(InvalidArgument, "%s: the vector counts overflow", what)
		}
		total += c
	}
	if len(ds.Float32) != total*ds.Dim {
		return 0, Errorf(InvalidArgument, "%s: the vector counts add up to %d sub-vectors of dim %d = %d floats, the dataset holds %d", what, total, ds.Dim, total*ds.Dim, len(ds.Float32))
	}
	return total, nil
}

// CheckPaths validates the paths of ds: one non-empty path per row, without empty segments
// ("a//b", "/a", "a/").
func (ds *Dataset) CheckPaths(what string) error {
	if len(ds.Paths) != ds.NumElements {
		return Errorf(InvalidArgument, "%s: %d paths for %d rows", what, len(ds.Paths), ds.NumElements)
	}
	for i, p := range ds.Paths {
		if p == "" {
			return Errorf(InvalidArgument, "%s: row %d has an empty path", what, i)
		}
		prev := byte('/')
		for j := 0; j < len(p); j++ {
			if p[j] == '/' && prev == '/' {
				return Errorf(InvalidArgument, "%s: row %d: path %q has an empty segment", what, i, p)
			}
			prev = p[j]
		}
		if prev == '/' {
			return Errorf(InvalidArgument, "%s: row %d: path %q has an empty segment", what, i, p)
		}
	}
	return nil
}

const maxFloat32 = 3.40282346638528859811704183484516925440e+38

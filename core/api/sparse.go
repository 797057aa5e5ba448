package api

// This file holds the capability of engines that take sparse rows (dtype "sparse", the sindi
// index): core validates the CSR rows (Dataset.CheckSparse) and hands them over as a
// SparseBatch; queries come as one SparseVector. Such an engine refuses the dense Engine
// methods (Add, KnnSearch) with INVALID_ARGUMENT.

// SparseVector is one sparse row: term ids sorted ascending and unique, and their weights.
type SparseVector struct {
	// IDs are the term ids.
	IDs []uint32
	// Values are the weights, parallel to IDs.
	Values []float32
}

// SparseBatch is a batch of sparse rows in CSR form (see Dataset.SparseOffsets): row i is
// IDs[Offsets[i]:Offsets[i+1]] with its weights at the same positions of Values.
type SparseBatch struct {
	Offsets []int64
	IDs     []uint32
	Values  []float32
}

// Len returns the number of rows.
func (b SparseBatch) Len() int {
	if len(b.Offsets) == 0 {
		return 0
	}
	return len(b.Offsets) - 1
}

// Row returns row i (sharing the batch's memory).
func (b SparseBatch) Row(i int) SparseVector {
	lo, hi := b.Offsets[i], b.Offsets[i+1]
	return SparseVector{IDs: b.IDs[lo:hi], Values: b.Values[lo:hi]}
}

// SparseBatchOf returns the first n sparse rows of ds (already validated by CheckSparse).
func SparseBatchOf(ds *Dataset, n int) SparseBatch {
	if n == 0 {
		return SparseBatch{Offsets: []int64{0}}
	}
	end := ds.SparseOffsets[n]
	return SparseBatch{Offsets: ds.SparseOffsets[:n+1], IDs: ds.SparseIDs[:end], Values: ds.SparseValues[:end]}
}

// SparseEngine is implemented by engines whose rows are sparse vectors (dtype "sparse"). core
// routes Build, Add, searches, distance computation and vector updates of sparse rows to it.
type SparseEngine interface {
	// AddSparse inserts a batch as Add does: labels that could not be added (duplicates) are
	// returned, onInsert (may be nil) is called for every row stored. A bad row (a term id
	// beyond the engine's limit, an empty row) fails the whole batch with INVALID_ARGUMENT
	// before anything is stored.
	AddSparse(rows SparseBatch, ids []int64, onInsert InsertHook) ([]int64, error)
	// KnnSearchSparse returns up to k neighbours of q in ascending distance (1 - inner
	// product), honouring opts.Filter.
	KnnSearchSparse(q SparseVector, k int, opts *SearchOptions) ([]Neighbor, error)
	// RangeSearchSparse returns the neighbours of q within radius in ascending distance;
	// limit < 0 is unlimited.
	RangeSearchSparse(q SparseVector, radius float32, limit int, opts *SearchOptions) ([]Neighbor, error)
	// CalcDistanceSparse writes the distance of q to each label into out (-1 when missing).
	CalcDistanceSparse(q SparseVector, ids []int64, out []float32) error
	// UpdateSparse replaces the row of label. Without force the new row must keep every term
	// of the old one (VSAG's rule), otherwise the call fails with INVALID_ARGUMENT.
	UpdateSparse(label int64, v SparseVector, force bool) error
	// GetSparse returns the stored row of each label (as stored: pruned and quantized values
	// when the index prunes or quantizes); a missing label is INVALID_ARGUMENT.
	GetSparse(ids []int64) ([]SparseVector, error)
	// SparseStats returns the engine's structural statistics for GetStats.
	SparseStats() (map[string]any, error)
}

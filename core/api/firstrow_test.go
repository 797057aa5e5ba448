package api

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFirstRow(t *testing.T) {
	var none *Dataset
	assert.Nil(t, none.FirstRow())
	one := &Dataset{NumElements: 1, Dim: 2, Float32: []float32{1, 2, 3, 4}}
	assert.Same(t, one, one.FirstRow(), "one row: as it is")

	dense := &Dataset{NumElements: 2, Dim: 2, Float32: []float32{1, 2, 3, 4}}
	r := dense.FirstRow()
	assert.Equal(t, 1, r.NumElements)
	assert.Equal(t, []float32{1, 2, 3, 4}, r.Float32, "dense rows are left whole")
	assert.Equal(t, 2, dense.NumElements, "the original is not changed")

	sparse := &Dataset{NumElements: 2, SparseOffsets: []int64{0, 2, 3}, SparseIDs: []uint32{1, 5, 2},
		SparseValues: []float32{0.5, 0.25, 1}, Paths: []string{"a/b", "c"}}
	r = sparse.FirstRow()
	assert.Equal(t, []int64{0, 2}, r.SparseOffsets)
	assert.Equal(t, []uint32{1, 5}, r.SparseIDs)
	assert.Equal(t, []float32{0.5, 0.25}, r.SparseValues)
	assert.Equal(t, []string{"a/b"}, r.Paths)

	multi := &Dataset{NumElements: 2, Dim: 2, VectorCounts: []int{2, 1}, Float32: []float32{1, 2, 3, 4, 5, 6}}
	r = multi.FirstRow()
	assert.Equal(t, []int{2}, r.VectorCounts)
	assert.Equal(t, []float32{1, 2, 3, 4}, r.Float32)

	// arrays that do not describe a first row are left for validation to report
	bad := &Dataset{NumElements: 2, SparseOffsets: []int64{1, 2, 3}, SparseIDs: []uint32{1, 2, 3},
		SparseValues: []float32{1, 2, 3}, VectorCounts: []int{9, 1}, Dim: 2, Float32: []float32{1, 2}}
	r = bad.FirstRow()
	assert.Equal(t, bad.SparseOffsets, r.SparseOffsets)
	assert.Equal(t, []int{9}, r.VectorCounts)
	assert.Equal(t, bad.Float32, r.Float32)
}

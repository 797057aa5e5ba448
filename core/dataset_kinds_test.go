package core

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// Sparse rows, multi-vector documents and paths are validated, then refused by the dense index
// types with INVALID_ARGUMENT; nothing is added.
func TestDenseIndexesRefuseOtherRowKinds(t *testing.T) {
	for _, name := range []string{"brute_force", "hgraph"} {
		idx, _ := requestIndex(t, name)
		for what, ds := range map[string]*Dataset{
			"sparse":           {NumElements: 1, IDs: []int64{1}, SparseOffsets: []int64{0, 1}, SparseIDs: []uint32{3}, SparseValues: []float32{1}},
			"unsorted sparse":  {NumElements: 1, IDs: []int64{1}, SparseOffsets: []int64{0, 2}, SparseIDs: []uint32{3, 1}, SparseValues: []float32{1, 1}},
			"multi-vector":     {NumElements: 1, Dim: 2, IDs: []int64{1}, VectorCounts: []int{2}, Float32: []float32{1, 2, 3, 4}},
			"bad multi-vector": {NumElements: 1, Dim: 2, IDs: []int64{1}, VectorCounts: []int{3}, Float32: []float32{1, 2, 3, 4}},
			"paths":            {NumElements: 1, Dim: 2, IDs: []int64{1}, Float32: []float32{1, 2}, Paths: []string{"a/b"}, ExtraInfos: []byte{1}},
			"empty path":       {NumElements: 1, Dim: 2, IDs: []int64{1}, Float32: []float32{1, 2}, Paths: []string{""}, ExtraInfos: []byte{1}},
		} {
			_, err := idx.Add(ds)
			require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%s %s", name, what)
			_, err = idx.SearchWithRequest(&SearchRequest{Query: ds, TopK: 1})
			require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%s %s search", name, what)
		}
		require.EqualValues(t, 10, idx.GetNumElements(), name)
		require.False(t, idx.CheckIDExist(1))
	}
}

package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckSparse(t *testing.T) {
	ok := &Dataset{NumElements: 2, SparseOffsets: []int64{0, 2, 3}, SparseIDs: []uint32{1, 5, 0}, SparseValues: []float32{0.5, 1, 2}}
	require.NoError(t, ok.CheckSparse("build"))
	require.Equal(t, SparseRows, ok.Kind())
	empty := &Dataset{NumElements: 1, SparseOffsets: []int64{0, 0}, SparseIDs: []uint32{}, SparseValues: []float32{}}
	require.NoError(t, empty.CheckSparse("build"), "a row without terms is allowed")
	for what, ds := range map[string]*Dataset{
		"offset count":  {NumElements: 2, SparseOffsets: []int64{0, 2}, SparseIDs: []uint32{1, 2}, SparseValues: []float32{1, 1}},
		"first offset":  {NumElements: 1, SparseOffsets: []int64{1, 2}, SparseIDs: []uint32{1, 2}, SparseValues: []float32{1, 1}},
		"last offset":   {NumElements: 1, SparseOffsets: []int64{0, 1}, SparseIDs: []uint32{1, 2}, SparseValues: []float32{1, 1}},
		"decreasing":    {NumElements: 2, SparseOffsets: []int64{0, 2, 1}, SparseIDs: []uint32{1}, SparseValues: []float32{1}},
		"unsorted":      {NumElements: 1, SparseOffsets: []int64{0, 2}, SparseIDs: []uint32{5, 1}, SparseValues: []float32{1, 1}},
		"duplicate":     {NumElements: 1, SparseOffsets: []int64{0, 2}, SparseIDs: []uint32{3, 3}, SparseValues: []float32{1, 1}},
		"values count":  {NumElements: 1, SparseOffsets: []int64{0, 2}, SparseIDs: []uint32{1, 2}, SparseValues: []float32{1}},
		"nan weight":    {NumElements: 1, SparseOffsets: []int64{0, 1}, SparseIDs: []uint32{1}, SparseValues: []float32{nan32()}},
		"negative rows": {NumElements: -1, SparseOffsets: []int64{0}},
	} {
		require.Equal(t, InvalidArgument, CodeOf(ds.CheckSparse("build")), what)
	}
}

func nan32() float32 {
	z := float32(0)
	return z / z
}

func TestCheckMultiVector(t *testing.T) {
	ds := &Dataset{NumElements: 2, Dim: 2, VectorCounts: []int{1, 2}, Float32: make([]float32, 6)}
	require.Equal(t, MultiVectorRows, ds.Kind())
	total, err := ds.CheckMultiVector("build")
	require.NoError(t, err)
	require.Equal(t, 3, total)
	for what, bad := range map[string]*Dataset{
		"counts that do not add up": {NumElements: 2, Dim: 2, VectorCounts: []int{1, 2}, Float32: make([]float32, 4)},
		"count per row":             {NumElements: 2, Dim: 2, VectorCounts: []int{3}, Float32: make([]float32, 6)},
		"zero sub-vectors":          {NumElements: 2, Dim: 2, VectorCounts: []int{0, 3}, Float32: make([]float32, 6)},
		"no dim":                    {NumElements: 1, Dim: 0, VectorCounts: []int{1}},
		"overflow":                  {NumElements: 2, Dim: 1 << 20, VectorCounts: []int{1 << 60, 1 << 60}},
	} {
		_, err := bad.CheckMultiVector("build")
		require.Equal(t, InvalidArgument, CodeOf(err), what)
	}
}

func TestCheckPaths(t *testing.T) {
	require.NoError(t, (&Dataset{NumElements: 2, Paths: []string{"a/b/c", "x"}}).CheckPaths("build"))
	for _, bad := range [][]string{{""}, {"a//b"}, {"/a"}, {"a/"}, {"a", "b"}} {
		require.Equal(t, InvalidArgument, CodeOf((&Dataset{NumElements: 1, Paths: bad}).CheckPaths("build")), "%q", bad)
	}
}

package sindi_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// TestImmutableRuntime: an immutable sindi index refuses adds and vector updates after its
// build and says so in its feature flags; like VSAG's, it still marks documents removed (the
// label table is not part of the compact runtime), and searches and saves honour that.
func TestImmutableRuntime(t *testing.T) {
	base := &core.Dataset{NumElements: 3, IDs: []int64{10, 11, 12}, SparseOffsets: []int64{0, 2, 3, 5},
		SparseIDs: []uint32{1, 5, 2, 1, 7}, SparseValues: []float32{1, 2, 3, 4, 5}}
	row := &core.Dataset{NumElements: 1, IDs: []int64{13}, SparseOffsets: []int64{0, 1}, SparseIDs: []uint32{1}, SparseValues: []float32{9}}
	query := &core.Dataset{NumElements: 1, SparseOffsets: []int64{0, 1}, SparseIDs: []uint32{1}, SparseValues: []float32{1}}
	for _, immutable := range []bool{false, true} {
		param := `{"dtype":"sparse","metric_type":"ip","dim":8,"index_param":{"window_size":10000,"use_reorder":true}}`
		if immutable {
			param = `{"dtype":"sparse","metric_type":"ip","dim":8,"index_param":{"window_size":10000,"use_reorder":true,"immutable":true}}`
		}
		x, err := core.CreateIndex("sindi", param)
		require.NoError(t, err)
		require.True(t, x.CheckFeature(api.SupportBuild))
		require.Equal(t, !immutable, x.CheckFeature(api.SupportAddAfterBuild), "immutable %v", immutable)
		require.Equal(t, !immutable, x.CheckFeature(api.SupportAddConcurrent), "immutable %v", immutable)
		require.True(t, x.CheckFeature(api.SupportDeleteByID))
		_, err = x.Build(base)
		require.NoError(t, err)
		_, err = x.Add(row)
		if immutable {
			require.Equal(t, api.InvalidArgument, core.CodeOf(err))
			require.Equal(t, api.InvalidArgument, core.CodeOf(x.UpdateVector(10, row, true)))
		} else {
			require.NoError(t, err)
		}

		res, err := x.KnnSearch(query, 1, "", nil)
		require.NoError(t, err)
		top := res.IDs[0]
		n, err := x.Remove(top)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.False(t, x.CheckIDExist(top))
		for _, search := range []string{"", `{"sindi":{"use_dynamic_pruning":true}}`} {
			res, err = x.KnnSearch(query, 3, search, nil)
			require.NoError(t, err)
			require.NotContains(t, res.IDs, top, search)
		}
		var buf bytes.Buffer
		require.NoError(t, x.Serialize(&buf))
		y, err := core.CreateIndex("sindi", param)
		require.NoError(t, err)
		require.NoError(t, y.Deserialize(&buf))
		require.False(t, y.CheckIDExist(top))
		require.EqualValues(t, 1, y.GetNumberRemoved())
		require.Equal(t, !immutable, y.CheckFeature(api.SupportAddAfterBuild))
	}
}

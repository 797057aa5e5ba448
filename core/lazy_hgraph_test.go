package core

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/index/lazyhgraph"
)

// TestLazyHGraphKeepsExtraInfoAndAttributesAcrossTheConversion: core keeps per-label data
// outside the engine, so it must survive the switch from the flat phase to the graph.
func TestLazyHGraphKeepsExtraInfoAndAttributesAcrossTheConversion(t *testing.T) {
	const d, n = 8, 700
	x, err := CreateIndex("lazy_hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"extra_info_size":4,"lazy_hgraph":{"transition_threshold":300,"hgraph":{"max_degree":16,"ef_construction":100}}}`, d))
	require.NoError(t, err)
	v, ids, as := attrData(3, n, d)
	extra := make([]byte, 4*n)
	for i := range ids {
		copy(extra[4*i:], fmt.Sprintf("%04d", i%10000))
	}
	for lo := 0; lo < n; lo += 100 {
		_, err := x.Add(&Dataset{NumElements: 100, Dim: d, IDs: ids[lo : lo+100], Float32: v[lo*d : (lo+100)*d], ExtraInfos: extra[4*lo : 4*(lo+100)], Attributes: as[lo : lo+100]})
		require.NoError(t, err)
	}
	eng := x.Engine().(*lazyhgraph.Index)
	require.NoError(t, eng.WaitConversion())
	require.True(t, eng.Converted())
	require.Equal(t, int64(n), x.GetNumElements())

	got, err := x.GetExtraInfoByIDs([]int64{ids[5], ids[650]})
	require.NoError(t, err)
	require.Equal(t, "00050650", string(got))

	q := v[10*d : 11*d]
	res, err := x.SearchWithRequest(&SearchRequest{Query: &Dataset{NumElements: 1, Dim: d, Float32: q}, TopK: 10, Params: `{"hgraph":{"ef_search":200}}`, FilterExpr: `color = "red"`})
	require.NoError(t, err)
	want := oracle(t, v, ids, as, d, q, 10, `color = "red"`, nil)
	require.ElementsMatch(t, want, res.IDs)

	for _, f := range []Feature{api.SupportKnnSearch, api.SupportAddFromEmpty, api.SupportDeleteByID, api.SupportRangeSearch, api.SupportGetRawVectorByIDs, api.SupportCalDistanceByID} {
		require.True(t, x.CheckFeature(f), "feature %d", f)
	}
	require.False(t, x.CheckFeature(api.SupportMergeIndex))
}

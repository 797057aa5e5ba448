package core

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

func requestIndex(t *testing.T, name string) (*Index, string) {
	t.Helper()
	create := `{"dtype":"float32","metric_type":"l2","dim":2,"extra_info_size":1,"index_param":{"base_quantization_type":"fp32"}}`
	search := `{}`
	if name == "hgraph" {
		create = `{"dtype":"float32","metric_type":"l2","dim":2,"extra_info_size":1,"index_param":{"base_quantization_type":"fp32","max_degree":8,"ef_construction":20}}`
		search = `{"hgraph":{"ef_search":20}}`
	}
	idx, err := CreateIndex(name, create)
	require.NoError(t, err)
	n := 10
	v := make([]float32, 2*n)
	ids := make([]int64, n)
	extra := make([]byte, n)
	attrs := make([]map[string]any, n)
	for i := 0; i < n; i++ {
		v[2*i] = float32(i) // label 100+i sits at (i, 0): distance i^2 from the origin
		ids[i] = int64(100 + i)
		extra[i] = byte(i)
		attrs[i] = map[string]any{"even": i%2 == 0}
	}
	_, err = idx.Build(&Dataset{NumElements: n, Dim: 2, IDs: ids, Float32: v, ExtraInfos: extra, Attributes: attrs})
	require.NoError(t, err)
	return idx, search
}

func TestSearchRequest(t *testing.T) {
	for _, name := range []string{"brute_force", "hgraph"} {
		t.Run(name, func(t *testing.T) {
			idx, search := requestIndex(t, name)
			origin := &Dataset{NumElements: 1, Dim: 2, Float32: []float32{0, 0}}

			// knn with the three filters ANDed: bitset drops 100, the filter drops 102, the
			// expression keeps even rows only
			bits := NewBitset()
			bits.Set(100, true)
			res, err := idx.SearchWithRequest(&SearchRequest{
				Query: origin, TopK: 2, Params: search, IDs: bits,
				Filter:         ExcludeFunc(func(l int64) bool { return l == 102 }),
				FilterExpr:     "even = true",
				ExpectedLabels: []int64{104, 100, 102, 103, 108, 999},
			})
			require.NoError(t, err)
			require.Equal(t, []int64{104, 106}, res.IDs)
			require.Equal(t, []byte{4, 6}, res.ExtraInfos)
			reasons := make([]string, len(res.Expected))
			for i, e := range res.Expected {
				reasons[i] = e.Reason
			}
			require.Equal(t, []string{ReasonFound, ReasonFiltered, ReasonFiltered, ReasonFiltered, ReasonBeyondK, ReasonAbsent}, reasons)
			require.InDelta(t, 16, res.Expected[0].Distance, 1e-5)
			require.InDelta(t, 64, res.Expected[4].Distance, 1e-5)
			require.True(t, math.IsNaN(float64(res.Expected[5].Distance)))

			// range, limited
			res, err = idx.SearchWithRequest(&SearchRequest{Query: origin, Mode: RangeSearchMode, Radius: 9.5, Params: search,
				ExpectedLabels: []int64{103, 104}})
			require.NoError(t, err)
			require.Equal(t, []int64{100, 101, 102, 103}, res.IDs)
			require.Equal(t, ReasonFound, res.Expected[0].Reason)
			require.Equal(t, ReasonBeyondK, res.Expected[1].Reason, "beyond the radius")
			res, err = idx.SearchWithRequest(&SearchRequest{Query: origin, Mode: RangeSearchMode, Radius: 9.5, LimitedSize: 2, Params: search})
			require.NoError(t, err)
			require.Equal(t, []int64{100, 101}, res.IDs)

			// the wrappers agree with the request
			ds, err := idx.KnnSearchWithFilterString(origin, 3, search, "even = false", nil)
			require.NoError(t, err)
			require.Equal(t, []int64{101, 103, 105}, ds.IDs)

			// bad requests
			for what, req := range map[string]*SearchRequest{
				"nil query":    {TopK: 1},
				"k 0":          {Query: origin},
				"bad mode":     {Query: origin, TopK: 1, Mode: 7},
				"bad radius":   {Query: origin, Mode: RangeSearchMode, Radius: -1},
				"bucket ids":   {Query: origin, TopK: 1, BucketIDs: []int64{1}},
				"bad expr":     {Query: origin, TopK: 1, FilterExpr: "even = "},
				"bad params":   {Query: origin, TopK: 1, Params: `{"nope":{}}`},
				"nan in query": {Query: &Dataset{NumElements: 1, Dim: 2, Float32: []float32{float32(math.NaN()), 0}}, TopK: 1},
			} {
				_, err := idx.SearchWithRequest(req)
				require.Equal(t, api.InvalidArgument, api.CodeOf(err), what)
			}
			_, err = idx.SearchWithRequest(&SearchRequest{Query: &Dataset{NumElements: 1, Dim: 3, Float32: []float32{0, 0, 0}}, TopK: 1})
			require.Equal(t, api.DimensionNotEqual, api.CodeOf(err))
			_, err = idx.SearchWithRequest(nil)
			require.Equal(t, api.InvalidArgument, api.CodeOf(err))
		})
	}
}

package core

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// TestBatchCalcDistanceByIDs checks many queries per call against one call per query, on every
// metric and on brute_force and hgraph, with missing labels reported as -1.
func TestBatchCalcDistanceByIDs(t *testing.T) {
	const dim, n, nq, per = 8, 60, 5, 7
	vecs := make([]float32, n*dim)
	for i := range vecs {
		vecs[i] = float32((i*37)%101)/50 - 1
	}
	labels := make([]int64, n)
	for i := range labels {
		labels[i] = int64(100 + i)
	}
	queries := make([]float32, nq*dim)
	for i := range queries {
		queries[i] = float32((i*53)%89)/40 - 1
	}
	ids := make([]int64, nq*per)
	for i := range ids {
		ids[i] = int64(100 + (i*13)%n)
	}
	ids[3], ids[per+1], ids[nq*per-1] = -5, 99999, 7 // missing labels
	for _, name := range []string{"brute_force", "hgraph"} {
		for _, metric := range []string{"l2", "ip", "cosine"} {
			params := `{"dtype":"float32","metric_type":"` + metric + `","dim":8}`
			if name == "hgraph" {
				params = `{"dtype":"float32","metric_type":"` + metric + `","dim":8,"index_param":{"base_quantization_type":"fp32","max_degree":8,"ef_construction":20}}`
			}
			idx, err := CreateIndex(name, params)
			require.NoError(t, err, name)
			_, err = idx.Build(&Dataset{NumElements: n, Dim: dim, IDs: labels, Float32: vecs})
			require.NoError(t, err)
			require.True(t, idx.CheckFeature(api.SupportBatchCalcDistanceByID))
			got, err := idx.BatchCalcDistanceByIDs(&Dataset{NumElements: nq, Dim: dim, Float32: queries}, ids, per)
			require.NoError(t, err)
			require.Len(t, got, nq*per)
			for i := 0; i < nq; i++ {
				want, err := idx.CalcDistanceByIDs(queries[i*dim:(i+1)*dim], ids[i*per:(i+1)*per])
				require.NoError(t, err)
				require.Equal(t, want, got[i*per:(i+1)*per], "%s/%s query %d", name, metric, i)
			}
			require.Equal(t, float32(-1), got[3])
			require.Equal(t, float32(-1), got[per+1])
			require.Equal(t, float32(-1), got[nq*per-1])
			require.GreaterOrEqual(t, got[0], float32(0))
		}
	}
}

func TestBatchCalcDistanceByIDsInvalid(t *testing.T) {
	idx, err := CreateIndex("brute_force", `{"dtype":"float32","metric_type":"l2","dim":2}`)
	require.NoError(t, err)
	_, err = idx.Build(&Dataset{NumElements: 2, Dim: 2, IDs: []int64{1, 2}, Float32: []float32{0, 0, 1, 1}})
	require.NoError(t, err)
	q := &Dataset{NumElements: 2, Dim: 2, Float32: []float32{0, 0, 3, 4}}
	code := func(err error) api.ErrorCode { return CodeOf(err) }

	got, err := idx.BatchCalcDistanceByIDs(q, []int64{1, 2, 2, 9}, 2)
	require.NoError(t, err)
	require.Equal(t, []float32{0, 2, 13, -1}, got)

	_, err = idx.BatchCalcDistanceByIDs(nil, nil, 0)
	require.Equal(t, api.InvalidArgument, code(err), "nil dataset")
	_, err = idx.BatchCalcDistanceByIDs(q, []int64{1, 2, 2}, 2)
	require.Equal(t, api.InvalidArgument, code(err), "short ids")
	_, err = idx.BatchCalcDistanceByIDs(q, []int64{1, 2, 2, 1, 1}, 2)
	require.Equal(t, api.InvalidArgument, code(err), "long ids")
	_, err = idx.BatchCalcDistanceByIDs(q, nil, -1)
	require.Equal(t, api.InvalidArgument, code(err), "negative per query")
	_, err = idx.BatchCalcDistanceByIDs(&Dataset{NumElements: -1, Dim: 2}, nil, 1)
	require.Equal(t, api.InvalidArgument, code(err), "negative num_elements")
	_, err = idx.BatchCalcDistanceByIDs(&Dataset{NumElements: 3, Dim: 2, Float32: make([]float32, 6)}, nil, math.MaxInt/2)
	require.Equal(t, api.InvalidArgument, code(err), "overflowing product")
	require.Contains(t, err.Error(), "overflows")
	_, err = idx.BatchCalcDistanceByIDs(&Dataset{NumElements: 2, Dim: 3, Float32: make([]float32, 6)}, []int64{1, 1}, 1)
	require.Equal(t, api.DimensionNotEqual, code(err), "wrong dim")
	_, err = idx.BatchCalcDistanceByIDs(&Dataset{NumElements: 2, Dim: 2, Float32: []float32{0, 0, float32(math.NaN()), 0}}, []int64{1, 1}, 1)
	require.Equal(t, api.InvalidArgument, code(err), "NaN query")
	_, err = idx.BatchCalcDistanceByIDs(&Dataset{NumElements: 1, Dim: 2, Float32: []float32{float32(math.Inf(-1)), 0}}, []int64{1}, 1)
	require.Equal(t, api.InvalidArgument, code(err), "infinite query")
	_, err = idx.BatchCalcDistanceByIDs(&Dataset{NumElements: 2, Dim: 2, Float32: []float32{0, 0}}, []int64{1, 1}, 1)
	require.Equal(t, api.InvalidArgument, code(err), "too few query values")

	got, err = idx.BatchCalcDistanceByIDs(&Dataset{NumElements: 0, Dim: 2}, nil, 5)
	require.NoError(t, err)
	require.Empty(t, got)
	got, err = idx.BatchCalcDistanceByIDs(q, nil, 0)
	require.NoError(t, err)
	require.Empty(t, got)

	// other element types are converted as for searches
	f16, err := CreateIndex("brute_force", `{"dtype":"float16","metric_type":"l2","dim":2}`)
	require.NoError(t, err)
	one, zero := uint16(0x3c00), uint16(0)
	_, err = f16.Build(&Dataset{NumElements: 2, Dim: 2, IDs: []int64{1, 2}, Float16: []uint16{zero, zero, one, one}})
	require.NoError(t, err)
	got, err = f16.BatchCalcDistanceByIDs(&Dataset{NumElements: 1, Dim: 2, Float16: []uint16{one, zero}}, []int64{1, 2}, 2)
	require.NoError(t, err)
	require.Equal(t, []float32{1, 1}, got)
}

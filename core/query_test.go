package core

import (
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/simd"
)

const qtDim = 8

// qtIndex is a brute_force index of n random vectors labelled 100, 101, ...; attributes
// {"even": label%2 == 0} on every row.
func qtIndex(t *testing.T, n int) (*Index, []float32) {
	t.Helper()
	x, err := CreateIndex("brute_force", `{"dtype":"float32","metric_type":"l2","dim":8}`)
	require.NoError(t, err)
	rng := rand.New(rand.NewSource(7))
	v := make([]float32, n*qtDim)
	for i := range v {
		v[i] = rng.Float32()
	}
	ids := make([]int64, n)
	attrs := make([]map[string]any, n)
	for i := range ids {
		ids[i] = int64(100 + i)
		attrs[i] = map[string]any{"even": int64(ids[i] % 2)}
	}
	_, err = x.Build(&Dataset{NumElements: n, Dim: qtDim, IDs: ids, Float32: v, Attributes: attrs})
	require.NoError(t, err)
	return x, v
}

func qtQueries(nq int, seed int64) []float32 {
	rng := rand.New(rand.NewSource(seed))
	q := make([]float32, nq*qtDim)
	for i := range q {
		q[i] = rng.Float32()
	}
	return q
}

func TestQueryFloat32(t *testing.T) {
	x, _ := qtIndex(t, 10)
	q := qtQueries(1, 1)
	got, err := x.QueryFloat32(&Dataset{NumElements: 1, Dim: qtDim, Float32: q}, "search")
	require.NoError(t, err)
	assert.Same(t, &q[0], &got[0], "float32 is not copied")

	h := make([]uint16, qtDim)
	simd.F32ToF16(h, q)
	want := make([]float32, qtDim)
	simd.F16ToF32(want, h)
	got, err = x.QueryFloat32(&Dataset{NumElements: 1, Dim: qtDim, Float16: h}, "search")
	require.NoError(t, err)
	assert.Equal(t, want, got)

	simd.F32ToBF16(h, q)
	simd.BF16ToF32(want, h)
	got, err = x.QueryFloat32(&Dataset{NumElements: 1, Dim: qtDim, BFloat16: h}, "search")
	require.NoError(t, err)
	assert.Equal(t, want, got)

	i8 := []int8{-128, -1, 0, 1, 2, 3, 100, 127}
	got, err = x.QueryFloat32(&Dataset{NumElements: 1, Dim: qtDim, Int8: i8}, "search")
	require.NoError(t, err)
	assert.Equal(t, []float32{-128, -1, 0, 1, 2, 3, 100, 127}, got)

	_, err = x.QueryFloat32(&Dataset{NumElements: 1, Dim: qtDim + 1, Float32: q}, "search")
	assert.Equal(t, api.DimensionNotEqual, CodeOf(err))
	for _, bad := range []*Dataset{nil, {NumElements: 0, Dim: qtDim, Float32: q}, {NumElements: 1, Dim: qtDim, Float32: q[:3]},
		{NumElements: 1, Dim: qtDim}} {
		_, err = x.QueryFloat32(bad, "search")
		assert.Equal(t, api.InvalidArgument, CodeOf(err), "%+v", bad)
	}
}

// qtExpect is the per-query KnnSearch of rows of q, laid out in rows of k padded entries.
func qtExpect(t *testing.T, x *Index, q []float32, k int, filter Filter) ([]int64, []float32) {
	t.Helper()
	nq := len(q) / qtDim
	ids, dists := make([]int64, nq*k), make([]float32, nq*k)
	for i := 0; i < nq; i++ {
		ns, err := x.Search(q[i*qtDim:(i+1)*qtDim], k, "", filter)
		require.NoError(t, err)
		writeRow(ns, ids[i*k:(i+1)*k], dists[i*k:(i+1)*k])
	}
	return ids, dists
}

func TestBatchKnnSearchInto(t *testing.T) {
	const n = 20
	x, _ := qtIndex(t, n)
	q := qtQueries(5, 2)
	h := make([]uint16, len(q))
	simd.F32ToF16(h, q)
	qh := make([]float32, len(q))
	simd.F16ToF32(qh, h)
	even := KeepFunc(func(l int64) bool { return l%2 == 0 }, 0.5)

	for _, k := range []int{3, n + 4} { // k beyond the live count: padded rows
		for _, nq := range []int{1, 5} {
			for _, half := range []bool{false, true} {
				ds := &Dataset{NumElements: nq, Dim: qtDim, Float32: q[:nq*qtDim]}
				wantIDs, wantD := qtExpect(t, x, q[:nq*qtDim], k, nil)
				if half {
					ds = &Dataset{NumElements: nq, Dim: qtDim, Float16: h[:nq*qtDim]}
					wantIDs, wantD = qtExpect(t, x, qh[:nq*qtDim], k, nil)
				}
				ids, dists := make([]int64, nq*k), make([]float32, nq*k)
				require.NoError(t, x.BatchKnnSearchInto(ds, k, "", "", nil, ids, dists))
				assert.Equal(t, wantIDs, ids, "k=%d nq=%d half=%v", k, nq, half)
				assert.Equal(t, wantD, dists, "k=%d nq=%d half=%v", k, nq, half)
				if k > n {
					assert.Equal(t, int64(-1), ids[nq*k-1])
					assert.True(t, math.IsInf(float64(dists[nq*k-1]), 1))
				}

				// an attribute expression and a filter, both applied
				wantIDs, _ = qtExpect(t, x, q[:nq*qtDim], k, KeepFunc(func(l int64) bool { return l%2 == 0 && l < 110 }, 1))
				if half {
					wantIDs, _ = qtExpect(t, x, qh[:nq*qtDim], k, KeepFunc(func(l int64) bool { return l%2 == 0 && l < 110 }, 1))
				}
				require.NoError(t, x.BatchKnnSearchInto(ds, k, "", "even = 0", KeepFunc(func(l int64) bool { return l < 110 }, 1), ids, dists))
				assert.Equal(t, wantIDs, ids, "with expression: k=%d nq=%d half=%v", k, nq, half)
				require.NoError(t, x.BatchKnnSearchInto(ds, k, "", "", even, ids, dists))
				wantIDs, _ = qtExpect(t, x, q[:nq*qtDim], k, even)
				if half {
					wantIDs, _ = qtExpect(t, x, qh[:nq*qtDim], k, even)
				}
				assert.Equal(t, wantIDs, ids, "with filter: k=%d nq=%d half=%v", k, nq, half)
			}
		}
	}

	// nq 0 is a no-op, even without buffers
	require.NoError(t, x.BatchKnnSearchInto(&Dataset{Dim: qtDim}, 3, "", "", nil, nil, nil))
	ids, dists := make([]int64, 6), make([]float32, 6)
	ds := &Dataset{NumElements: 2, Dim: qtDim, Float32: q[:2*qtDim]}
	for _, tc := range []struct {
		name string
		err  error
		code api.ErrorCode
	}{
		{"nil", x.BatchKnnSearchInto(nil, 3, "", "", nil, ids, dists), api.InvalidArgument},
		{"k 0", x.BatchKnnSearchInto(ds, 0, "", "", nil, ids, dists), api.InvalidArgument},
		{"dim", x.BatchKnnSearchInto(&Dataset{NumElements: 2, Dim: qtDim - 1, Float32: q}, 3, "", "", nil, ids, dists), api.DimensionNotEqual},
		{"short buffers", x.BatchKnnSearchInto(ds, 4, "", "", nil, ids, dists), api.InvalidArgument},
		{"bad json", x.BatchKnnSearchInto(ds, 3, "{", "", nil, ids, dists), api.InvalidArgument},
		{"bad expression", x.BatchKnnSearchInto(ds, 3, "", "even ==", nil, ids, dists), api.InvalidArgument},
		{"negative count", x.BatchKnnSearchInto(&Dataset{NumElements: -1, Dim: qtDim}, 3, "", "", nil, ids, dists), api.InvalidArgument},
	} {
		assert.Equal(t, tc.code, CodeOf(tc.err), "%s: %v", tc.name, tc.err)
	}
}

func TestTimedSearch(t *testing.T) {
	const n, nq, k = 30, 6, 4
	x, _ := qtIndex(t, n)
	q := qtQueries(nq, 3)
	wantIDs, wantD := qtExpect(t, x, q, k, nil)
	ids, dists, secs := make([]int64, nq*k), make([]float32, nq*k), make([]float64, nq)
	require.NoError(t, x.TimedSearch(&Dataset{NumElements: nq, Dim: qtDim, Float32: q}, k, "", nil, ids, dists, secs))
	assert.Equal(t, wantIDs, ids)
	assert.Equal(t, wantD, dists)
	for i, s := range secs {
		assert.True(t, s > 0 && s < 10, "seconds[%d] = %g", i, s)
	}

	// int8 rows are converted one by one, a filter applies to each query
	i8 := make([]int8, nq*qtDim)
	f8 := make([]float32, nq*qtDim)
	for i := range i8 {
		i8[i] = int8(i % 3)
		f8[i] = float32(i8[i])
	}
	even := KeepFunc(func(l int64) bool { return l%2 == 0 }, 0.5)
	wantIDs, _ = qtExpect(t, x, f8, k, even)
	require.NoError(t, x.TimedSearch(&Dataset{NumElements: nq, Dim: qtDim, Int8: i8}, k, "", even, ids, dists, secs))
	assert.Equal(t, wantIDs, ids)

	require.NoError(t, x.TimedSearch(&Dataset{Dim: qtDim}, k, "", nil, nil, nil, nil))
	err := x.TimedSearch(&Dataset{NumElements: nq, Dim: qtDim, Float32: q}, k, "", nil, ids, dists, secs[:1])
	assert.Equal(t, api.InvalidArgument, CodeOf(err))
	err = x.TimedSearch(&Dataset{NumElements: nq, Dim: qtDim, Float32: q[:qtDim*2]}, k, "", nil, ids, dists, secs)
	assert.Equal(t, api.InvalidArgument, CodeOf(err), "rows missing")
	err = x.TimedSearch(&Dataset{NumElements: nq, Dim: qtDim + 1, Float32: q}, k, "", nil, ids, dists, secs)
	assert.Equal(t, api.DimensionNotEqual, CodeOf(err))
	err = x.TimedSearch(&Dataset{NumElements: nq, Dim: qtDim, Float32: q}, 0, "", nil, ids, dists, secs)
	assert.Equal(t, api.InvalidArgument, CodeOf(err))
}

// TestBatchSearchRowSearcher: a batch over an engine that writes rows itself (hgraph's
// api.RowSearcher) gives what per-query searches give, padded past the live count, with a
// filter and an attribute expression.
func TestBatchSearchRowSearcher(t *testing.T) {
	const n, d = 300, 8
	x, err := CreateIndex("hgraph", `{"dtype":"float32","metric_type":"l2","dim":8,"index_param":{"base_quantization_type":"fp32","max_degree":12,"ef_construction":60}}`)
	require.NoError(t, err)
	_, ok := x.Engine().(api.RowSearcher)
	require.True(t, ok, "hgraph writes rows itself")
	rng := rand.New(rand.NewSource(11))
	v := make([]float32, n*d)
	for i := range v {
		v[i] = rng.Float32()
	}
	ids := make([]int64, n)
	attrs := make([]map[string]any, n)
	for i := range ids {
		ids[i] = int64(1000 + i)
		attrs[i] = map[string]any{"even": int64(i % 2)}
	}
	_, err = x.Build(&Dataset{NumElements: n, Dim: d, IDs: ids, Float32: v, Attributes: attrs})
	require.NoError(t, err)
	q := v[:20*d]
	keep := KeepFunc(func(l int64) bool { return l%3 != 0 }, 0.66)
	for _, k := range []int{1, 7, n + 5} {
		for _, tc := range []struct {
			expr   string
			filter Filter
		}{{"", nil}, {"", keep}, {"even = 0", keep}} {
			gotIDs, gotD := make([]int64, 20*k), make([]float32, 20*k)
			js := `{"hgraph":{"ef_search":30}}`
			require.NoError(t, x.BatchKnnSearchInto(&Dataset{NumElements: 20, Dim: d, Float32: q}, k, js, tc.expr, tc.filter, gotIDs, gotD))
			for i := 0; i < 20; i++ {
				one, err := x.SearchWithFilterString(q[i*d:(i+1)*d], k, js, tc.expr, tc.filter)
				require.NoError(t, err)
				wantIDs, wantD := make([]int64, k), make([]float32, k)
				writeRow(one, wantIDs, wantD)
				require.Equal(t, wantIDs, gotIDs[i*k:(i+1)*k], "k %d expr %q query %d", k, tc.expr, i)
				require.Equal(t, wantD, gotD[i*k:(i+1)*k])
			}
			if k > n {
				require.Equal(t, int64(-1), gotIDs[20*k-1])
				require.True(t, math.IsInf(float64(gotD[20*k-1]), 1))
			}
		}
	}
}

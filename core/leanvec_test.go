package core

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
)

func leanVecTestData(seed uint64, n, d int) []float32 {
	r := rand.New(rand.NewPCG(seed, 11))
	centres := make([]float32, 6*d)
	for i := range centres {
		centres[i] = float32(r.NormFloat64() * 3)
	}
	out := make([]float32, n*d)
	for i := 0; i < n; i++ {
		c := r.IntN(6)
		for j := 0; j < d; j++ {
			out[i*d+j] = centres[c*d+j] + float32(r.NormFloat64())
		}
	}
	return out
}

func leanVecIndex(t *testing.T, name, metricType string, d int, param string) *Index {
	t.Helper()
	x, err := CreateIndex(name, fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{%s}}`, metricType, d, param))
	require.NoError(t, err)
	return x
}

func TestSetLeanVecMatricesErrors(t *testing.T) {
	const d, ld = 8, 3
	ok := make([]float32, ld*d)
	for r := 0; r < ld; r++ {
		ok[r*d+r] = 1
	}
	withBad := func(v float32) []float32 {
		m := append([]float32(nil), ok...)
		m[d+2] = v
		return m
	}
	nanMean := make([]float32, d)
	nanMean[5] = float32(math.NaN())
	data := leanVecTestData(1, 50, d)
	lv := `"base_quantization_type":"leanvec","leanvec_dims":3,"leanvec_training":"ood"`
	for _, tc := range []struct {
		name        string
		index       string
		param       string
		data, query []float32
		mean        []float32
		reduced     int
		prepare     func(t *testing.T, x *Index)
		want        api.ErrorCode
		msg         string
	}{
		{name: "reduced dim 0", param: lv, data: ok, reduced: 0, want: api.InvalidArgument, msg: "reduced_dim"},
		{name: "reduced dim above dim", param: lv, data: ok, reduced: d + 1, want: api.InvalidArgument, msg: "reduced_dim"},
		{name: "short data matrix", param: lv, data: ok[:len(ok)-1], reduced: ld, want: api.InvalidArgument, msg: "data matrix holds 23"},
		{name: "long query matrix", param: lv, data: ok, query: append(ok, 0), reduced: ld, want: api.InvalidArgument, msg: "query matrix holds 25"},
		{name: "short mean", param: lv, data: ok, mean: make([]float32, d-1), reduced: ld, want: api.InvalidArgument, msg: "mean holds 7"},
		{name: "NaN in data matrix", param: lv, data: withBad(float32(math.NaN())), reduced: ld, want: api.InvalidArgument, msg: "data matrix has a NaN or infinite value at row 1, column 2"},
		{name: "Inf in query matrix", param: lv, data: ok, query: withBad(float32(math.Inf(1))), reduced: ld, want: api.InvalidArgument, msg: "query matrix has a NaN"},
		{name: "NaN in mean", param: lv, data: ok, mean: nanMean, reduced: ld, want: api.InvalidArgument, msg: "mean has a NaN or infinite value at dimension 5"},
		{name: "reduced dim not leanvec_dims", param: lv, data: ok[:2*d], reduced: 2, want: api.InvalidArgument, msg: "want 8 to 3"},
		{name: "pca with two matrices", param: `"base_quantization_type":"leanvec","leanvec_dims":3`, data: ok, query: withBad(2), reduced: ld, want: api.InvalidArgument, msg: "ood"},
		{name: "hgraph fp32", param: `"base_quantization_type":"fp32"`, data: ok, reduced: ld, want: api.UnsupportedIndexOperation, msg: "leanvec"},
		{name: "brute_force fp32", index: "brute_force", data: ok, reduced: ld, want: api.UnsupportedIndexOperation, msg: "leanvec"},
		{name: "immutable", param: lv, data: ok, reduced: ld, prepare: func(t *testing.T, x *Index) { require.NoError(t, x.SetImmutable()) }, want: api.WrongStatus},
		{name: "trained", param: lv, data: ok, reduced: ld, prepare: func(t *testing.T, x *Index) {
			require.NoError(t, x.Train(&Dataset{NumElements: 50, Dim: d, Float32: data}))
		}, want: api.WrongStatus, msg: "training"},
		{name: "built", index: "brute_force", param: lv, data: ok, reduced: ld, prepare: func(t *testing.T, x *Index) {
			_, err := x.Build(&Dataset{NumElements: 2, Dim: d, IDs: []int64{1, 2}, Float32: data[:2*d]})
			require.NoError(t, err)
		}, want: api.WrongStatus},
		{name: "pca with equal matrices", param: `"base_quantization_type":"leanvec","leanvec_dims":3`, data: ok, query: append([]float32(nil), ok...), reduced: ld, want: api.OK},
		{name: "ood with mean", param: lv, data: ok, query: withBad(2), mean: make([]float32, d), reduced: ld, want: api.OK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.index
			if name == "" {
				name = "hgraph"
			}
			x := leanVecIndex(t, name, "l2", d, tc.param)
			if tc.prepare != nil {
				tc.prepare(t, x)
			}
			err := x.SetLeanVecMatrices(tc.data, tc.query, tc.mean, tc.reduced)
			require.Equal(t, tc.want, CodeOf(err), "%v", err)
			if tc.msg != "" {
				require.ErrorContains(t, err, tc.msg)
			}
		})
	}
}

// TestSetLeanVecMatricesEndToEnd: an hgraph index given the LeanVec-OOD matrices that
// TrainWithQueries learns from the same queries answers exactly as the trained one, keeps the
// matrices through serialization, and the given matrices are copied.
func TestSetLeanVecMatricesEndToEnd(t *testing.T) {
	const n, d, ld, k = 600, 20, 6, 5
	data := leanVecTestData(2, n, d)
	queries := leanVecTestData(3, 80, d)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(100 + i)
	}
	for _, m := range []string{"l2", "cosine"} {
		t.Run(m, func(t *testing.T) {
			base, q := data, queries
			if m == "cosine" {
				base, q = normalizedCopy(data, data, d), normalizedCopy(queries, queries, d)
			}
			tr, _, err := quant.LearnOOD(base, n, q, 60, d, ld)
			require.NoError(t, err)
			param := `"base_quantization_type":"leanvec","leanvec_dims":6,"leanvec_training":"ood","max_degree":12,"ef_construction":40,"build_thread_count":1`

			given := leanVecIndex(t, "hgraph", m, d, param)
			dm, qm := append([]float32(nil), tr.Data...), append([]float32(nil), tr.Query...)
			require.NoError(t, given.SetLeanVecMatrices(dm, qm, nil, ld))
			clear(dm) // the index holds its own copy
			_, err = given.Build(&Dataset{NumElements: n, Dim: d, IDs: ids, Float32: data})
			require.NoError(t, err)

			learned := leanVecIndex(t, "hgraph", m, d, param)
			require.NoError(t, learned.TrainWithQueries(&Dataset{NumElements: n, Dim: d, Float32: data}, &Dataset{NumElements: 60, Dim: d, Float32: queries}))
			_, err = learned.Build(&Dataset{NumElements: n, Dim: d, IDs: ids, Float32: data})
			require.NoError(t, err)

			var buf bytes.Buffer
			require.NoError(t, given.Serialize(&buf))
			loaded, err := Load(&buf)
			require.NoError(t, err)
			rest := &Dataset{NumElements: 20, Dim: d, Float32: queries[60*d:]}
			// without reordering the distances are the primary ones, which depend on the matrices
			for _, search := range []string{`{"hgraph":{"ef_search":30}}`, `{"hgraph":{"ef_search":30,"enable_reorder":false}}`} {
				want, err := learned.BatchKnnSearch(rest, k, search, nil)
				require.NoError(t, err)
				for _, x := range []*Index{given, loaded} {
					got, err := x.BatchKnnSearch(rest, k, search, nil)
					require.NoError(t, err)
					require.Equal(t, want.IDs, got.IDs, search)
					require.Equal(t, want.Distances, got.Distances, search)
				}
			}
			require.Equal(t, api.WrongStatus, CodeOf(loaded.SetLeanVecMatrices(tr.Data, tr.Query, nil, ld)))
		})
	}
}

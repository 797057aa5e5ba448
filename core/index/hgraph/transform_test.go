package hgraph

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
)

// TestSetLeanVecTransform gives an index the LeanVec-OOD matrices that TrainWithQueries would
// learn from the same queries: both indexes then hold the same transform, identical primary
// codes and give identical results, and save/load keeps the given transform.
func TestSetLeanVecTransform(t *testing.T) {
	const n, d, ld, k = 800, 24, 8, 10
	data := clustered(51, n, d, 6)
	queries := clustered(52, 120, d, 6)
	normalizeRows(data, d)
	normalizeRows(queries, d)
	param := `"base_quantization_type":"leanvec","leanvec_dims":8,"leanvec_training":"ood","max_degree":16,"ef_construction":60,"build_thread_count":1`

	tr, _, err := quant.LearnOOD(data, n, queries, 100, d, ld)
	require.NoError(t, err)
	require.False(t, tr.Same())

	x := newWith(t, "ip", d, param)
	require.NoError(t, x.SetLeanVecTransform(tr))
	require.False(t, x.base.Trained(), "setting matrices does not train the encodings")
	_, err = x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	got := x.base.(*quant.LeanVec).Transform()
	require.Equal(t, tr.Data, got.Data)
	require.Equal(t, tr.Query, got.Query)
	require.Equal(t, tr.Mean, got.Mean)
	require.Equal(t, api.WrongStatus, api.CodeOf(x.SetLeanVecTransform(tr)), "after build")

	learned := newWith(t, "ip", d, param)
	require.NoError(t, learned.TrainWithQueries(data, n, queries, 100))
	_, err = learned.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	require.Equal(t, learned.primCodes.rows(), x.primCodes.rows(), "the dense primary store is encoded with the given matrices")
	require.Equal(t, learned.baseCodes.Slab()[:n*learned.baseCodes.Stride()], x.baseCodes.Slab()[:n*x.baseCodes.Stride()])
	for i := 100; i < 120; i++ {
		q := queries[i*d : (i+1)*d]
		require.Equal(t, knn(t, learned, q, k, `{"ef_search":40}`), knn(t, x, q, k, `{"ef_search":40}`))
	}

	f := &serial.File{}
	require.NoError(t, x.Save(f))
	y := newWith(t, "ip", d, param)
	require.NoError(t, y.Load(f))
	loaded := y.base.(*quant.LeanVec).Transform()
	require.Equal(t, tr.Data, loaded.Data)
	require.Equal(t, tr.Query, loaded.Query)
	require.Equal(t, x.primCodes.rows(), y.primCodes.rows())
	for i := 100; i < 120; i++ {
		q := queries[i*d : (i+1)*d]
		require.Equal(t, knn(t, x, q, k, `{"ef_search":40}`), knn(t, y, q, k, `{"ef_search":40}`))
	}
	require.Equal(t, api.WrongStatus, api.CodeOf(y.SetLeanVecTransform(tr)), "a loaded index is trained")
}

func TestSetLeanVecTransformErrors(t *testing.T) {
	const d, ld = 16, 4
	data := clustered(61, 200, d, 4)
	pca, err := quant.LearnPCA(data, 200, d, ld)
	require.NoError(t, err)
	ood, _, err := quant.LearnOOD(data, 200, data, 50, d, ld)
	require.NoError(t, err)
	wrongDims, err := quant.LearnPCA(data, 200, d, ld+1)
	require.NoError(t, err)
	for _, tc := range []struct {
		name, param string
		tr          *quant.Transform
		prepare     func(x *Index)
		want        api.ErrorCode
	}{
		{"fp32 base", `"base_quantization_type":"fp32"`, pca, nil, api.UnsupportedIndexOperation},
		{"pca with two matrices", `"base_quantization_type":"leanvec","leanvec_dims":4`, ood, nil, api.InvalidArgument},
		{"other reduced dim", `"base_quantization_type":"leanvec","leanvec_dims":4`, wrongDims, nil, api.InvalidArgument},
		{"trained", `"base_quantization_type":"leanvec","leanvec_dims":4`, pca, func(x *Index) { require.NoError(t, x.Train(data, 200)) }, api.WrongStatus},
		{"pca with one matrix", `"base_quantization_type":"leanvec","leanvec_dims":4`, pca, nil, api.OK},
		{"ood with one matrix", `"base_quantization_type":"leanvec","leanvec_dims":4,"leanvec_training":"ood"`, pca, nil, api.OK},
		{"leanvec precise", `"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"leanvec","leanvec_dims":4`, pca, nil, api.OK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newWith(t, "l2", d, tc.param)
			if tc.prepare != nil {
				tc.prepare(x)
			}
			require.Equal(t, tc.want, api.CodeOf(x.SetLeanVecTransform(tc.tr)))
			if tc.want != api.OK {
				return
			}
			_, err := x.Build(data, seq(0, 200), nil)
			require.NoError(t, err)
			for _, q := range []quant.Quantizer{x.base, x.precise} {
				if lv, ok := q.(*quant.LeanVec); ok {
					require.Equal(t, tc.tr.Data, lv.Transform().Data)
				}
			}
			got := knn(t, x, data[:d], 1, `{"ef_search":20}`)
			require.Equal(t, int64(0), got[0].ID)
		})
	}
}

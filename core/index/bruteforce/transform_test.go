package bruteforce

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
)

func newLeanVecIndex(t *testing.T, d int, param string) *Index {
	t.Helper()
	c, err := params.ParseCreate(Name, fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{%s}}`, d, param))
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	return x
}

// TestSetLeanVecTransform: given matrices are used by training, kept by save/load, and refused
// once the index is trained or holds vectors, or when the quantizer is not leanvec.
func TestSetLeanVecTransform(t *testing.T) {
	const n, d, ld = 300, 16, 6
	r := rand.New(rand.NewPCG(3, 4))
	data := make([]float32, n*d)
	for i := range data {
		data[i] = float32(r.NormFloat64())
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	tr, _, err := quant.LearnOOD(data, n, data[:50*d], 50, d, ld)
	require.NoError(t, err)
	param := `"base_quantization_type":"leanvec","leanvec_dims":6,"leanvec_training":"ood"`

	x := newLeanVecIndex(t, d, param)
	require.NoError(t, x.SetLeanVecTransform(tr))
	_, err = x.Build(data, ids, nil)
	require.NoError(t, err)
	lv := x.q.(*quant.LeanVec)
	require.Equal(t, tr.Data, lv.Transform().Data)
	require.Equal(t, tr.Query, lv.Transform().Query)
	require.Equal(t, api.WrongStatus, api.CodeOf(x.SetLeanVecTransform(tr)))

	f := &serial.File{}
	require.NoError(t, x.Save(f))
	y := newLeanVecIndex(t, d, param)
	require.NoError(t, y.Load(f))
	require.Equal(t, tr.Query, y.q.(*quant.LeanVec).Transform().Query)
	require.Equal(t, x.codes.Slab()[:n*x.codes.Stride()], y.codes.Slab()[:n*y.codes.Stride()])

	z := newLeanVecIndex(t, d, param)
	require.NoError(t, z.Train(data, n))
	require.Equal(t, api.WrongStatus, api.CodeOf(z.SetLeanVecTransform(tr)), "trained")

	pca := newLeanVecIndex(t, d, `"base_quantization_type":"leanvec","leanvec_dims":6`)
	require.Equal(t, api.InvalidArgument, api.CodeOf(pca.SetLeanVecTransform(tr)), "pca takes one matrix")

	fp := newLeanVecIndex(t, d, `"base_quantization_type":"fp32"`)
	require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(fp.SetLeanVecTransform(tr)))
}

package core

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

func TestExtraInfo(t *testing.T) {
	idx, err := CreateIndex("brute_force", `{"dtype":"float32","metric_type":"l2","dim":2,"extra_info_size":3}`)
	require.NoError(t, err)
	require.True(t, idx.CheckFeature(api.SupportGetExtraInfoByID))
	vecs := []float32{0, 0, 1, 1, 2, 2, 3, 3}
	extra := []byte("aaabbbcccddd")
	failed, err := idx.Build(&Dataset{NumElements: 4, Dim: 2, IDs: []int64{1, 2, 2, 4}, Float32: vecs, ExtraInfos: extra})
	require.NoError(t, err)
	require.Equal(t, []int64{2}, failed)
	got, err := idx.GetExtraInfoByIDs([]int64{4, 1, 2})
	require.NoError(t, err)
	require.Equal(t, "dddaaabbb", string(got), "first occurrence of a duplicate wins")

	res, err := idx.KnnSearch(&Dataset{NumElements: 1, Dim: 2, Float32: []float32{3, 3}}, 2, "", nil)
	require.NoError(t, err)
	require.Equal(t, "dddbbb", string(res.ExtraInfos))

	_, err = idx.Add(&Dataset{NumElements: 1, Dim: 2, IDs: []int64{9}, Float32: vecs[:2], ExtraInfos: []byte("x")})
	require.Equal(t, api.InvalidArgument, CodeOf(err), "short extra infos")

	n, err := idx.Remove(1)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = idx.GetExtraInfoByIDs([]int64{1})
	require.Equal(t, api.InvalidArgument, CodeOf(err))
	require.NoError(t, idx.UpdateID(4, 40))
	got, err = idx.GetExtraInfoByIDs([]int64{40})
	require.NoError(t, err)
	require.Equal(t, "ddd", string(got))

	var buf bytes.Buffer
	require.NoError(t, idx.Serialize(&buf))
	back, err := LoadBytes(buf.Bytes())
	require.NoError(t, err)
	got, err = back.GetExtraInfoByIDs([]int64{2, 40})
	require.NoError(t, err)
	require.Equal(t, "bbbddd", string(got))
	cl, err := idx.Clone()
	require.NoError(t, err)
	got, err = cl.GetExtraInfoByIDs([]int64{2})
	require.NoError(t, err)
	require.Equal(t, "bbb", string(got))

	plain, err := CreateIndex("brute_force", `{"dim":2}`)
	require.NoError(t, err)
	_, err = plain.GetExtraInfoByIDs([]int64{1})
	require.Equal(t, api.UnsupportedIndexOperation, CodeOf(err))
}

func TestInputDTypes(t *testing.T) {
	for _, tc := range []struct {
		dtype string
		ds    *Dataset
	}{
		{"float16", &Dataset{NumElements: 2, Dim: 2, IDs: []int64{1, 2}, Float16: []uint16{0x3c00, 0x3c00, 0x4000, 0x4000}}},
		{"bfloat16", &Dataset{NumElements: 2, Dim: 2, IDs: []int64{1, 2}, BFloat16: []uint16{0x3f80, 0x3f80, 0x4000, 0x4000}}},
		{"int8", &Dataset{NumElements: 2, Dim: 2, IDs: []int64{1, 2}, Int8: []int8{1, 1, 2, 2}}},
	} {
		t.Run(tc.dtype, func(t *testing.T) {
			idx, err := CreateIndex("brute_force", `{"dtype":"`+tc.dtype+`","metric_type":"l2","dim":2}`)
			require.NoError(t, err)
			_, err = idx.Build(tc.ds)
			require.NoError(t, err)
			res, err := idx.Search([]float32{2, 2}, 2, "", nil)
			require.NoError(t, err)
			require.Len(t, res, 2)
			require.EqualValues(t, 2, res[0].ID)
			require.InDelta(t, 0, res[0].Distance, 1e-6)
			require.InDelta(t, 2, res[1].Distance, 1e-6)
		})
	}
}

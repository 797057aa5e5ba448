package core

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

func randomRows(seed uint64, n, d int) []float32 {
	r := rand.New(rand.NewPCG(seed, 3))
	v := make([]float32, n*d)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func TestRemoveWithModeRefusals(t *testing.T) {
	const d = 4
	data := randomRows(1, 20, d)
	ids := make([]int64, 20)
	for i := range ids {
		ids[i] = int64(i)
	}
	for _, c := range []struct {
		name, index, params string
		code                api.ErrorCode
	}{
		{"brute_force has no force remove", "brute_force", `{"dtype":"float32","metric_type":"l2","dim":4}`, api.UnsupportedIndexOperation},
		{"hgraph without support_force_remove", "hgraph", `{"dtype":"float32","metric_type":"l2","dim":4,"index_param":{"base_quantization_type":"fp32","max_degree":8,"ef_construction":20}}`, api.InvalidArgument},
	} {
		t.Run(c.name, func(t *testing.T) {
			x, err := CreateIndex(c.index, c.params)
			require.NoError(t, err)
			_, err = x.Build(&Dataset{NumElements: 20, Dim: d, IDs: ids, Float32: data})
			require.NoError(t, err)
			_, err = x.RemoveWithMode([]int64{1}, RemoveForce)
			require.Equal(t, c.code, api.CodeOf(err), "%v", err)
			require.True(t, x.CheckIDExist(1))
			// mark mode is Remove
			n, err := x.RemoveWithMode([]int64{1, 2, 99}, RemoveMark)
			require.NoError(t, err)
			require.Equal(t, 2, n)
			require.EqualValues(t, 2, x.GetNumberRemoved())
			_, err = x.RemoveWithMode([]int64{3}, RemoveMode(7))
			require.Equal(t, api.InvalidArgument, api.CodeOf(err))
		})
	}
	m, err := ParseRemoveMode("force")
	require.NoError(t, err)
	require.Equal(t, RemoveForce, m)
	_, err = ParseRemoveMode("soft")
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
}

// TestForceRemoveDropsPerLabelData checks that force remove reclaims the extra info and
// attributes of a label (marked removed labels keep theirs until they are added again), that
// adds reuse the rows, and that a saved index with free slots loads and keeps reusing them.
func TestForceRemoveDropsPerLabelData(t *testing.T) {
	const n, d = 400, 8
	x, err := CreateIndex("hgraph", `{"dtype":"float32","metric_type":"l2","dim":8,"extra_info_size":4,
		"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":60,"support_force_remove":true}}`)
	require.NoError(t, err)
	data := randomRows(2, n, d)
	ids := make([]int64, n)
	extra := make([]byte, 4*n)
	attrs := make([]map[string]any, n)
	for i := range ids {
		ids[i] = int64(i)
		extra[4*i] = byte(i)
		attrs[i] = map[string]any{"group": int64(i % 3)}
	}
	_, err = x.Build(&Dataset{NumElements: n, Dim: d, IDs: ids, Float32: data, ExtraInfos: extra, Attributes: attrs})
	require.NoError(t, err)
	mem := x.GetMemoryUsage()
	gone := []int64{5, 6, 7, 8}
	_, err = x.Remove(8) // marked first: force remove takes it out as well
	require.NoError(t, err)
	cnt, err := x.RemoveWithMode(gone, RemoveForce)
	require.NoError(t, err)
	require.Equal(t, 4, cnt)
	require.Zero(t, x.GetNumberRemoved())
	require.EqualValues(t, n-4, x.GetNumElements())
	_, err = x.GetExtraInfoByIDs([]int64{5})
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	require.Len(t, x.extra.rows, n-4)
	require.Len(t, x.attrTable.Load().m, n-4)
	// a search never returns them, nor an attribute filter
	for i := 0; i < 20; i++ {
		res, err := x.SearchWithFilterString(data[(5+i%4)*d:(6+i%4)*d], 10, `{"hgraph":{"ef_search":50}}`, "group >= 0", nil)
		require.NoError(t, err)
		for _, r := range res {
			require.NotContains(t, gone, r.ID)
		}
	}

	// re-added with new data: the rows are reused, the memory does not grow
	newExtra := []byte{50, 0, 0, 0, 60, 0, 0, 0, 70, 0, 0, 0, 80, 0, 0, 0}
	newAttrs := []map[string]any{{"group": int64(9)}, {"group": int64(9)}, nil, {"group": int64(9)}}
	vecs := randomRows(3, 4, d)
	failed, err := x.Add(&Dataset{NumElements: 4, Dim: d, IDs: gone, Float32: vecs, ExtraInfos: newExtra, Attributes: newAttrs})
	require.NoError(t, err)
	require.Empty(t, failed)
	got, err := x.GetExtraInfoByIDs(gone)
	require.NoError(t, err)
	require.Equal(t, newExtra, got)
	require.LessOrEqual(t, float64(x.GetMemoryUsage()), 1.01*float64(mem))
	a, err := x.GetAttributesByIDs([]int64{7})
	require.NoError(t, err)
	require.Nil(t, a[0])

	// free slots survive a save and load, and the loaded index reuses them
	cnt, err = x.RemoveWithMode([]int64{10, 11}, RemoveForce)
	require.NoError(t, err)
	require.Equal(t, 2, cnt)
	var buf bytes.Buffer
	require.NoError(t, x.Serialize(&buf))
	y, err := Load(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	require.EqualValues(t, n-2, y.GetNumElements())
	require.Zero(t, y.GetNumberRemoved())
	for i := 0; i < 10; i++ {
		q := data[(20+i)*d : (21+i)*d]
		r1, err := x.Search(q, 5, `{"hgraph":{"ef_search":40}}`, nil)
		require.NoError(t, err)
		r2, err := y.Search(q, 5, `{"hgraph":{"ef_search":40}}`, nil)
		require.NoError(t, err)
		require.Equal(t, r1, r2)
	}
	// the stores of a loaded index are sized exactly: two rows into the free slots leave them
	// as they are, two more grow them
	m0 := y.Engine().MemoryUsage()
	_, err = y.Add(&Dataset{NumElements: 2, Dim: d, IDs: []int64{1000, 1001}, Float32: randomRows(4, 2, d), ExtraInfos: make([]byte, 8)})
	require.NoError(t, err)
	m1 := y.Engine().MemoryUsage()
	_, err = y.Add(&Dataset{NumElements: 2, Dim: d, IDs: []int64{1002, 1003}, Float32: randomRows(5, 2, d), ExtraInfos: make([]byte, 8)})
	require.NoError(t, err)
	m2 := y.Engine().MemoryUsage()
	require.Less(t, 4*(m1-m0), m2-m1, "memory %d -> %d -> %d", m0, m1, m2)
	require.True(t, y.CheckIDExist(1001))
}

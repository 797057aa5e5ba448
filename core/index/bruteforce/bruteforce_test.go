package bruteforce

import (
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
)

func newTestIndex(t *testing.T, dim int) *Index {
	t.Helper()
	c, err := params.ParseCreate(Name, `{"dim":`+itoa(dim)+`,"metric_type":"l2"}`)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	return x
}

func itoa(i int) string {
	b := []byte{}
	for i > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	return string(b)
}

// TestBatchEqualsSingle checks the tiled batch scan against one-query scans, with removed
// labels and a filter, over sizes that are not multiples of the tiles.
func TestBatchEqualsSingle(t *testing.T) {
	const dim, n, nq, k = 17, 1000, 37, 7
	rng := rand.New(rand.NewSource(5))
	vecs := make([]float32, n*dim)
	for i := range vecs {
		vecs[i] = rng.Float32()
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i * 2)
	}
	x := newTestIndex(t, dim)
	_, err := x.Build(vecs, ids, nil)
	require.NoError(t, err)
	_, err = x.Remove([]int64{0, 2, 4, 600})
	require.NoError(t, err)
	qs := make([]float32, nq*dim)
	for i := range qs {
		qs[i] = rng.Float32()
	}
	filter := api.ExcludeFunc(func(l int64) bool { return l%6 == 0 })
	gotIDs := make([]int64, nq*k)
	gotD := make([]float32, nq*k)
	require.NoError(t, x.BatchKnnSearch(qs, nq, k, &api.SearchOptions{Parallelism: 1, Filter: filter}, gotIDs, gotD))
	for q := 0; q < nq; q++ {
		one, err := x.KnnSearch(qs[q*dim:(q+1)*dim], k, &api.SearchOptions{Parallelism: 2, Filter: filter})
		require.NoError(t, err)
		require.Len(t, one, k)
		for j, r := range one {
			require.Equal(t, r.ID, gotIDs[q*k+j], "query %d rank %d", q, j)
			require.Equal(t, r.Distance, gotD[q*k+j])
			require.NotZero(t, r.ID%6)
		}
	}
}

func TestLeanVecKeys(t *testing.T) {
	c, err := params.ParseCreate(Name, `{"dim":16,"metric_type":"l2","index_param":{"base_quantization_type":"leanvec","leanvec_dims":6,"leanvec_primary":"lvq8","leanvec_secondary":"fp32"}}`)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	rng := rand.New(rand.NewSource(9))
	const n = 300
	vecs := make([]float32, n*16)
	for i := range vecs {
		vecs[i] = float32(rng.NormFloat64())
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	_, err = x.Build(vecs, ids, nil)
	require.NoError(t, err)
	res, err := x.KnnSearch(vecs[5*16:6*16], 1, &api.SearchOptions{Parallelism: 1})
	require.NoError(t, err)
	require.EqualValues(t, 5, res[0].ID, "the secondary (fp32) codes find the vector itself")
	require.InDelta(t, 0, res[0].Distance, 1e-4)

	c, err = params.ParseCreate(Name, `{"dim":16,"index_param":{"base_quantization_type":"fp32","leanvec_dims":6}}`)
	require.NoError(t, err)
	_, err = New(c)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
}

// A block timeout_ms never extends the caller's deadline: the earlier of the two holds.
func TestBlockTimeoutKeepsTheEarlierDeadline(t *testing.T) {
	const dim = 8
	x := newTestIndex(t, dim)
	n := 2000
	data := make([]float32, n*dim)
	for i := range data {
		data[i] = float32(i % 7)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	_, err := x.Add(data, ids, nil)
	require.NoError(t, err)
	st := &api.SearchStats{}
	_, err = x.KnnSearch(data[:dim], 5, &api.SearchOptions{Block: []byte(`{"timeout_ms":60000}`), Parallelism: 1,
		Deadline: time.Now().Add(-time.Second), Stats: st})
	require.NoError(t, err)
	require.True(t, st.TimedOut)
}

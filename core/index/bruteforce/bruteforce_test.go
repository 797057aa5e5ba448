package bruteforce

import (
	"math/rand"
	"testing"

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
	_, err := x.Build(vecs, ids)
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

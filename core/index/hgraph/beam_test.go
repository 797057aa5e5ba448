package hgraph

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

// TestFewRejected: a search keeps removed and filtered-out nodes with its results in one sorted
// buffer only while they are at most half of the nodes, by the index's count of removed nodes
// and the filter's known share; a filter of unknown share keeps the heaps. Results stay exact
// against the oracle either way.
func TestFewRejected(t *testing.T) {
	const n, d = 400, 8
	data := clustered(3, n, d, 4)
	x := newIndex(t, "l2", d, "")
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	bits := func(count int) api.Filter {
		b := api.NewBitset()
		for i := range count {
			b.Set(int64(i), true)
		}
		return api.BitsetFilter(b, n)
	}
	require.True(t, x.fewRejected(nil))
	require.False(t, x.fewRejected(api.ExcludeFunc(func(int64) bool { return false })), "unknown share")
	require.True(t, x.fewRejected(bits(100)))
	require.False(t, x.fewRejected(bits(300)))

	removed := seq(0, 100)
	_, err = x.Remove(removed)
	require.NoError(t, err)
	require.True(t, x.fewRejected(nil), "a quarter removed")
	require.True(t, x.fewRejected(bits(20)), "0.75 x 0.95 kept")
	require.False(t, x.fewRejected(bits(200)), "0.75 x 0.5 kept")

	gone := func(i int) bool { return i < 100 }
	for qi := 0; qi < 20; qi++ {
		q := data[(100+qi*13)*d : (100+qi*13+1)*d]
		got, err := x.KnnSearch(q, 10, searchOpts(200))
		require.NoError(t, err)
		want := oracle(metric.L2, data, d, q, 10, gone)
		ids := make([]int64, len(got))
		for i, nb := range got {
			ids[i] = nb.ID
		}
		require.Equal(t, want, ids, "query %d", qi)
	}

	_, err = x.Remove(seq(100, 150))
	require.NoError(t, err)
	require.False(t, x.fewRejected(nil), "more than half removed")
}

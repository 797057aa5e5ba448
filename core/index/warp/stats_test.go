package warp

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
)

// TestWarpMultiVectorStats checks warp's statistics against the documents it was given, through
// adds, a duplicate and removals, and that the feature is declared.
func TestWarpMultiVectorStats(t *testing.T) {
	c, err := params.ParseCreate(Name, `{"dtype":"float32","metric_type":"ip","dim":4}`)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	require.True(t, x.Features().Has(api.SupportGetStats))
	rng := rand.New(rand.NewPCG(1, 2))
	counts := []int{3, 1, 4, 1, 5, 9, 2, 6}
	total := 0
	for _, n := range counts {
		total += n
	}
	vecs := make([]float32, total*4)
	for i := range vecs {
		vecs[i] = rng.Float32()
	}
	ids := []int64{10, 11, 12, 13, 14, 15, 16, 17}
	failed, err := x.AddMulti(vecs, counts, ids, true, nil)
	require.NoError(t, err)
	require.Empty(t, failed)
	failed, err = x.AddMulti(vecs[:3*4], []int{3}, []int64{10}, false, nil) // a duplicate label
	require.NoError(t, err)
	require.Equal(t, []int64{10}, failed)
	n, err := x.Remove([]int64{15, 99})
	require.NoError(t, err)
	require.Equal(t, 1, n)

	st, err := x.MultiVectorStats()
	require.NoError(t, err)
	require.Equal(t, int64(total), st["sub_vector_count"])
	require.Equal(t, int64(total-9), st["live_sub_vector_count"])
	require.Equal(t, []int64{0, 2, 1, 1, 1, 1, 1}, st["sub_vector_count_histogram"])
	dist := st["sub_vectors_per_document"].(map[string]any)
	require.Equal(t, 1.0, dist["min"])
	require.Equal(t, 6.0, dist["max"])
	require.InDelta(t, float64(total-9)/7, dist["mean"], 1e-12)
	require.Equal(t, "ip", st["metric"])
	require.Equal(t, 4, st["dim"])
	require.GreaterOrEqual(t, st["sub_vector_bytes"], int64(total*4*4))
}

package simq

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
)

// TestSimqMultiVectorStats checks simq's cluster statistics against its clusters after a
// build and adds that split clusters: every token in exactly one cluster, no cluster above
// max_cluster_size, one representative per cluster, and per-document cluster counts within
// the document's token count.
func TestSimqMultiVectorStats(t *testing.T) {
	c, err := params.ParseCreate(Name, `{"dtype":"float32","metric_type":"ip","dim":8,"index_param":{"init_cluster_ratio":0.01,"max_cluster_size":16,"split_start_idx":8,"build_thread_count":2}}`)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	require.True(t, x.Features().Has(api.SupportGetStats))

	st, err := x.MultiVectorStats()
	require.NoError(t, err)
	require.Equal(t, 0, st["cluster_count"])
	require.NotContains(t, st, "representative_graph")

	rng := rand.New(rand.NewPCG(3, 4))
	batch := func(first, n int) ([]float32, []int, []int64) {
		var vecs []float32
		var counts []int
		var ids []int64
		for i := 0; i < n; i++ {
			cnt := 1 + rng.IntN(7)
			for s := 0; s < cnt; s++ {
				v := make([]float32, 8)
				var norm float64
				for j := range v {
					v[j] = float32(rng.NormFloat64())
					norm += float64(v[j] * v[j])
				}
				for j := range v {
					v[j] /= float32(math.Sqrt(norm))
				}
				vecs = append(vecs, v...)
			}
			counts = append(counts, cnt)
			ids = append(ids, int64(first+i))
		}
		return vecs, counts, ids
	}
	tokens := 0
	maxCount := 0
	built := 0
	for step, n := range []int{150, 60, 60} {
		v, counts, ids := batch(step*1000, n)
		_, err := x.AddMulti(v, counts, ids, step == 0, nil)
		require.NoError(t, err)
		for _, c := range counts {
			tokens += c
			maxCount = max(maxCount, c)
		}
		if step == 0 {
			built = len(x.clusterTokens)
		}
	}
	require.Greater(t, len(x.clusterTokens), built, "the adds split clusters")
	_, err = x.Remove([]int64{0, 1000})
	require.NoError(t, err)

	st, err = x.MultiVectorStats()
	require.NoError(t, err)
	nc := st["cluster_count"].(int)
	require.Equal(t, len(x.clusterTokens), nc)
	sum := 0
	for _, toks := range x.clusterTokens {
		sum += len(toks)
	}
	require.Equal(t, tokens, sum)
	require.Equal(t, int64(tokens), st["sub_vector_count"])
	sizes := st["cluster_size"].(map[string]any)
	require.InDelta(t, float64(tokens)/float64(nc), sizes["mean"], 1e-9)
	require.LessOrEqual(t, st["largest_cluster_size"], 16)
	require.Equal(t, 0, st["oversized_cluster_count"])
	per := st["clusters_per_document"].(map[string]any)
	require.GreaterOrEqual(t, per["min"], 1.0)
	require.LessOrEqual(t, per["max"], float64(maxCount))
	g := st["representative_graph"].(map[string]any)
	require.Equal(t, int64(nc), g["num_elements"])
	require.Contains(t, g, "connect_components")
	require.Equal(t, 16, st["max_cluster_size"])
}

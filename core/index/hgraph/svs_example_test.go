package hgraph_test

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/simd"
)

// svsExampleCreate is SVS's documented LeanVec example in our schema: maximum inner product,
// LeanVec to 128 of 256 dimensions with lvq8 primary and fp16 secondary codes, a Vamana graph
// with alpha 0.95, degree 64 pruned to 60, build window 128 and a pool of 80 candidates.
const svsExampleCreate = `{"dtype":"float32","metric_type":"ip","dim":256,"index_param":{
	"base_quantization_type":"leanvec","leanvec_dims":128,"leanvec_primary":"lvq8","leanvec_secondary":"fp16",
	"graph_type":"vamana","alpha":0.95,"max_degree":64,"prune_to":60,"window_size":128,
	"max_candidate_pool_size":80,"build_thread_count":4}}`

// svsExampleSearch is SearchBufferConfig(30, 60).
const svsExampleSearch = `{"hgraph":{"search_window_size":30,"search_buffer_capacity":60}}`

func gaussian(seed uint64, n, d int) []float32 {
	r := rand.New(rand.NewPCG(seed, 0x5e5))
	out := make([]float32, n*d)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return out
}

// TestSVSLeanVecExample reproduces the setting of SVS's LeanVec example (1000 x 256 i.i.d.
// standard normal vectors, 100 queries, k = 10), for which SVS reports recall 0.86 +- 0.03.
func TestSVSLeanVecExample(t *testing.T) {
	const n, nq, d, k = 1000, 100, 256, 10
	data, queries := gaussian(1234, n, d), gaussian(5678, nq, d)
	idx, err := core.CreateIndex("hgraph", svsExampleCreate)
	require.NoError(t, err)
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	failed, err := idx.Build(&core.Dataset{NumElements: n, Dim: d, IDs: ids, Float32: data})
	require.NoError(t, err)
	require.Empty(t, failed)
	hit := 0
	for q := 0; q < nq; q++ {
		qv := queries[q*d : (q+1)*d]
		res, err := idx.Search(qv, k, svsExampleSearch, nil)
		require.NoError(t, err)
		require.Len(t, res, k)
		type pair struct {
			ip float32
			id int
		}
		all := make([]pair, n)
		for i := range all {
			all[i] = pair{simd.InnerProduct(qv, data[i*d:(i+1)*d]), i}
		}
		sort.Slice(all, func(a, b int) bool { return all[a].ip > all[b].ip })
		truth := map[int64]bool{}
		for _, p := range all[:k] {
			truth[int64(p.id)] = true
		}
		for _, r := range res {
			if truth[r.ID] {
				hit++
			}
		}
	}
	recall := float64(hit) / float64(nq*k)
	t.Logf("SVS LeanVec example: recall@%d = %.3f (SVS reports 0.86 +- 0.03)", k, recall)
	require.InDelta(t, 0.86, recall, 0.03)
}

package hgraph

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

// TestAdaptiveRerank: where the base codes give no bounds (sq4_uniform under an fp32 or fp16
// reorder, sq8_uniform under the inner product, LeanVec), a knn search's rerank stops once the
// next estimate, less the margin of the errors seen, exceeds the k-th precise distance. It
// measures fewer precise rows than the full rerank (rerank_margin_sigmas 0), returns k results
// by ascending precise distance, and agrees with the full rerank on nearly every neighbour.
// A beam no larger than the first chunk and adaptiveMin more, and a margin too wide to stop,
// give the full rerank's results exactly.
func TestAdaptiveRerank(t *testing.T) {
	const common = `"max_degree":16,"ef_construction":80,"build_thread_count":1`
	for _, tc := range []struct {
		m, param string
		tol      float64 // precise distances against the reference (fp16 rounds)
	}{
		{"l2", `"base_quantization_type":"sq4_uniform","use_reorder":true,"precise_quantization_type":"fp32",`, 1e-3},
		{"cosine", `"base_quantization_type":"sq4_uniform","use_reorder":true,"precise_quantization_type":"fp16",`, 2e-3},
		{"ip", `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32",`, 1e-3},
		{"l2", `"base_quantization_type":"leanvec","leanvec_dims":16,"leanvec_primary":"lvq8","leanvec_secondary":"fp16",`, 5e-2},
	} {
		t.Run(tc.m+"/"+tc.param, func(t *testing.T) {
			const n, d, k, nq, ef = 3000, 48, 10, 40, 100
			all := lowRank(91, n+nq, d, 12, 8)
			kind, err := metric.Parse(tc.m)
			require.NoError(t, err)
			if kind == metric.Cosine {
				normalizeRows(all, d)
			}
			data, queries := all[:n*d], all[n*d:]
			x := newWith(t, tc.m, d, tc.param+common)
			_, err = x.Build(data, seq(0, n), nil)
			require.NoError(t, err)
			search := func(q []float32, block string) ([]api.Neighbor, int64) {
				var st api.SearchStats
				got, err := x.KnnSearch(q, k, &api.SearchOptions{Block: []byte(block), Stats: &st})
				require.NoError(t, err)
				return got, st.DistanceComputations
			}
			var fullDC, adaptDC int64
			agree := 0
			for i := 0; i < nq; i++ {
				q := queries[i*d : (i+1)*d]
				full, dcFull := search(q, fmt.Sprintf(`{"ef_search":%d,"rerank_margin_sigmas":0}`, ef))
				got, dc := search(q, fmt.Sprintf(`{"ef_search":%d}`, ef))
				fullDC += dcFull
				adaptDC += dc
				require.Len(t, got, k)
				for j, r := range got {
					if j > 0 {
						require.LessOrEqual(t, got[j-1].Distance, r.Distance)
					}
					want := metric.Reference(kind, q, data[r.ID*int64(d):(r.ID+1)*int64(d)])
					require.InDelta(t, want, r.Distance, tc.tol*(1+math.Abs(float64(want))), "query %d", i)
				}
				in := map[int64]bool{}
				for _, r := range full {
					in[r.ID] = true
				}
				for _, r := range got {
					if in[r.ID] {
						agree++
					}
				}
				// beams measured whole (the first chunk, and up to adaptiveMin more), and a
				// margin too wide to stop on
				for _, small := range []int{12, firstRerankBatch(k) + adaptiveMin} {
					got, dcGot := search(q, fmt.Sprintf(`{"ef_search":%d}`, small))
					want, dcWant := search(q, fmt.Sprintf(`{"ef_search":%d,"rerank_margin_sigmas":0}`, small))
					require.Equal(t, want, got, "query %d, ef_search %d", i, small)
					require.Equal(t, dcWant, dcGot, "query %d, ef_search %d", i, small)
				}
				wide, _ := search(q, fmt.Sprintf(`{"ef_search":%d,"rerank_margin_sigmas":100}`, ef))
				require.Equal(t, full, wide, "query %d", i)
			}
			t.Logf("%d precise distances with the margin, %d without; %d of %d neighbours agree", adaptDC, fullDC, agree, nq*k)
			require.Less(t, adaptDC, fullDC)
			require.GreaterOrEqual(t, agree, nq*k*99/100)
		})
	}
}

// TestErrorStatsMargin: the margin is the mean error plus sigmas population standard
// deviations of the errors added.
func TestErrorStatsMargin(t *testing.T) {
	var e errorStats
	for _, p := range [][2]float32{{1.5, 1}, {2, 2}, {3.5, 2}, {0, 1}} { // errors 0.5, 0, 1.5, -1
		e.add(p[0], p[1])
	}
	mean := 0.25
	sd := math.Sqrt((0.25*0.25 + 0.25*0.25 + 1.25*1.25 + 1.25*1.25) / 4)
	require.InDelta(t, mean, float64(e.margin(0)), 1e-6)
	require.InDelta(t, mean+4*sd, float64(e.margin(4)), 1e-6)
	var one errorStats
	one.add(3, 2)
	require.InDelta(t, 1, float64(one.margin(4)), 1e-6) // one error: no spread
}

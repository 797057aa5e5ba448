package bruteforce_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

// TestProductQuantizerRecall builds brute_force on pq and pqfs codes of 16 bytes (base_pq_dim
// 16 and 32 of dim 32) for every metric on clustered data, checks recall@10 against the exact neighbours and that the distances ascend,
// and that a save/load round trip gives the same results.
func TestProductQuantizerRecall(t *testing.T) {
	const n, nq, dim, k = 2000, 30, 32, 10
	minRecall := map[string]map[metric.Kind]float64{
		"pq":   {metric.L2: 0.75, metric.IP: 0.75, metric.Cosine: 0.5},
		"pqfs": {metric.L2: 0.65, metric.IP: 0.65, metric.Cosine: 0.4},
	}
	all := clusteredData(n+nq, dim, 20, 23)
	base, queries := all[:n*dim], all[n*dim:]
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	pqDim := map[string]int{"pq": 16, "pqfs": 32}
	for _, qt := range []string{"pq", "pqfs"} {
		for _, m := range []metric.Kind{metric.L2, metric.IP, metric.Cosine} {
			t.Run(fmt.Sprintf("%s/%s", qt, m), func(t *testing.T) {
				idx, err := core.CreateIndex("brute_force", fmt.Sprintf(
					`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":%q,"base_pq_dim":%d}}`, m, dim, qt, pqDim[qt]))
				require.NoError(t, err)
				assert.True(t, idx.CheckFeature(api.NeedTrain))
				failed, err := idx.Build(&core.Dataset{NumElements: n, Dim: dim, IDs: ids, Float32: base})
				require.NoError(t, err)
				require.Empty(t, failed)
				var sum float64
				results := make([][]core.Neighbor, nq)
				for i := 0; i < nq; i++ {
					q := queries[i*dim : (i+1)*dim]
					res, err := idx.Search(q, k, `{"brute_force":{"parallelism":1}}`, nil)
					require.NoError(t, err)
					require.Len(t, res, k)
					for j := 1; j < len(res); j++ {
						require.LessOrEqual(t, res[j-1].Distance, res[j].Distance)
					}
					results[i] = res
					sum += recallOf(res, exactKNN(m, base, q, dim, k))
				}
				recall := sum / nq
				t.Logf("recall@%d %.3f", k, recall)
				assert.GreaterOrEqual(t, recall, minRecall[qt][m])

				var blob bytes.Buffer
				require.NoError(t, idx.Serialize(&blob))
				again, err := core.CreateIndex("brute_force", idx.CreateParams())
				require.NoError(t, err)
				require.NoError(t, again.Deserialize(&blob))
				for i := 0; i < 3; i++ {
					res, err := again.Search(queries[i*dim:(i+1)*dim], k, `{"brute_force":{"parallelism":1}}`, nil)
					require.NoError(t, err)
					require.Equal(t, results[i], res)
				}
			})
		}
	}
}

// TestProductQuantizerParams: base_pq_dim must divide dim.
func TestProductQuantizerParams(t *testing.T) {
	for _, qt := range []string{"pq", "pqfs"} {
		_, err := core.CreateIndex("brute_force", fmt.Sprintf(
			`{"dtype":"float32","metric_type":"l2","dim":30,"index_param":{"base_quantization_type":%q,"base_pq_dim":7}}`, qt))
		require.Error(t, err, qt)
		assert.Equal(t, api.InvalidArgument, api.CodeOf(err))
		assert.Contains(t, err.Error(), "pq_dim(7) does not divide evenly into dim(30)")
	}
}

package quant_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/internal/dataset"
)

// clustered returns n seeded vectors around 16 Gaussian centres with a common offset.
func clustered(n, dim int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	centres := make([]float32, 16*dim)
	for i := range centres {
		centres[i] = float32(r.NormFloat64()*3 + 1)
	}
	out := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		c := centres[r.IntN(16)*dim:]
		for j := 0; j < dim; j++ {
			out[i*dim+j] = c[j] + float32(r.NormFloat64())
		}
	}
	return out
}

// exactKNN returns the ids of the k nearest rows of base to q under m.
func exactKNN(m metric.Kind, base, q []float32, dim, k int) []int64 {
	n := len(base) / dim
	ids := make([]int64, n)
	d := make([]float32, n)
	for i := range ids {
		ids[i] = int64(i)
		d[i] = metric.Reference(m, q, base[i*dim:(i+1)*dim])
	}
	sort.SliceStable(ids, func(a, b int) bool { return d[ids[a]] < d[ids[b]] })
	return ids[:k]
}

func recallAt(got []core.Neighbor, truth []int64) float64 {
	hit := 0
	for _, t := range truth {
		for _, g := range got {
			if g.ID == t {
				hit++
				break
			}
		}
	}
	return float64(hit) / float64(len(truth))
}

// bruteRecall builds brute_force with the quantizer on base and returns recall@k over the
// queries, checking that a save/load round trip returns the same results.
func bruteRecall(t testing.TB, qt string, m metric.Kind, base, queries []float32, dim, k int) float64 {
	n, nq := len(base)/dim, len(queries)/dim
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	idx, err := core.CreateIndex("brute_force", fmt.Sprintf(
		`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":%q}}`, m, dim, qt))
	require.NoError(t, err)
	failed, err := idx.Build(&core.Dataset{NumElements: n, Dim: dim, IDs: ids, Float32: base})
	require.NoError(t, err)
	require.Empty(t, failed)
	var blob bytes.Buffer
	require.NoError(t, idx.Serialize(&blob))
	again, err := core.CreateIndex("brute_force", idx.CreateParams())
	require.NoError(t, err)
	require.NoError(t, again.Deserialize(bytes.NewReader(blob.Bytes())))
	var sum float64
	for i := 0; i < nq; i++ {
		q := queries[i*dim : (i+1)*dim]
		res, err := idx.Search(q, k, `{"brute_force":{"parallelism":1}}`, nil)
		require.NoError(t, err)
		res2, err := again.Search(q, k, `{"brute_force":{"parallelism":1}}`, nil)
		require.NoError(t, err)
		require.Equal(t, res, res2, "results after save/load")
		sum += recallAt(res, exactKNN(m, base, q, dim, k))
	}
	return sum / float64(nq)
}

// TestLVQBruteForceRecall: lvq8 scans stay close to the fp32 scan (exact); the two-level codes
// (whose NewComputer uses both levels) closer still; lvq4 is coarse.
func TestLVQBruteForceRecall(t *testing.T) {
	const n, nq, dim, k = 3000, 40, 48, 10
	all := clustered(n+nq, dim, 3)
	base, queries := all[:n*dim], all[n*dim:]
	maxLoss := map[string]float64{"lvq8": 0.05, "lvq4": 0.3, "lvq4x4": 0.04, "lvq4x8": 0.01, "lvq8x8": 0.01}
	for _, m := range []metric.Kind{metric.L2, metric.IP} {
		exact := bruteRecall(t, "fp32", m, base, queries, dim, k)
		for _, qt := range []string{"lvq8", "lvq4", "lvq4x4", "lvq4x8", "lvq8x8"} {
			t.Run(fmt.Sprintf("%s/%s", qt, m), func(t *testing.T) {
				r := bruteRecall(t, qt, m, base, queries, dim, k)
				t.Logf("recall@%d %.3f (fp32 %.3f)", k, r, exact)
				require.GreaterOrEqual(t, r, exact-maxLoss[qt])
			})
		}
	}
}

// BenchmarkLVQFashionMNIST reports recall@10 of brute_force with lvq8 (and the other LVQ
// codes) against fp32 on Fashion-MNIST (VSAG_FASHION_MNIST or the Debian location), over the
// first 200 test images.
func BenchmarkLVQFashionMNIST(b *testing.B) {
	dir := os.Getenv("VSAG_FASHION_MNIST")
	if dir == "" {
		dir = "/usr/share/datasets/fashion-mnist"
	}
	set, err := dataset.FashionMNIST(dir)
	if err != nil {
		b.Skip("Fashion-MNIST not available:", err)
	}
	const nq, k = 200, 10
	dim := set.Dim
	queries := set.Queries[:nq*dim]
	truth := dataset.GroundTruth(set.Base, queries, dim, k, "l2")
	for _, qt := range []string{"fp32", "lvq8", "lvq4x8", "lvq8x8", "lvq4"} {
		b.Run(qt, func(b *testing.B) {
			n := set.NumBase()
			ids := make([]int64, n)
			for i := range ids {
				ids[i] = int64(i)
			}
			idx, err := core.CreateIndex("brute_force", fmt.Sprintf(
				`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":%q}}`, dim, qt))
			require.NoError(b, err)
			_, err = idx.Build(&core.Dataset{NumElements: n, Dim: dim, IDs: ids, Float32: set.Base})
			require.NoError(b, err)
			got := make([]int64, nq*k)
			b.ResetTimer()
			for it := 0; it < b.N; it++ {
				for i := 0; i < nq; i++ {
					res, err := idx.Search(queries[i*dim:(i+1)*dim], k, `{"brute_force":{"parallelism":1}}`, nil)
					require.NoError(b, err)
					for j, r := range res {
						got[i*k+j] = r.ID
					}
				}
			}
			b.ReportMetric(dataset.Recall(got, k, truth, k), "recall@10")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*nq), "ns/query")
		})
	}
}

package bruteforce_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

// clusteredData returns n seeded vectors around Gaussian centres.
func clusteredData(n, dim, clusters int, seed int64) []float32 {
	rng := rand.New(rand.NewSource(seed))
	centres := make([]float32, clusters*dim)
	for i := range centres {
		centres[i] = float32(rng.NormFloat64() * 3)
	}
	out := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		c := centres[rng.Intn(clusters)*dim:]
		for j := 0; j < dim; j++ {
			out[i*dim+j] = c[j] + float32(rng.NormFloat64())
		}
	}
	return out
}

// exactKNN returns the k nearest base rows of q under m, by the float64 reference distance.
func exactKNN(m metric.Kind, base, q []float32, dim, k int) []int64 {
	n := len(base) / dim
	type cand struct {
		d  float32
		id int64
	}
	cs := make([]cand, n)
	for i := range cs {
		cs[i] = cand{metric.Reference(m, q, base[i*dim:(i+1)*dim]), int64(i)}
	}
	sort.Slice(cs, func(a, b int) bool { return cs[a].d < cs[b].d || cs[a].d == cs[b].d && cs[a].id < cs[b].id })
	out := make([]int64, k)
	for i := range out {
		out[i] = cs[i].id
	}
	return out
}

func recallOf(got []core.Neighbor, truth []int64) float64 {
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

// TestQuantizerRecall builds brute_force with every scalar quantizer and metric on clustered
// data and checks recall@10 against the exact neighbours, then that a save/load round trip
// gives the same results.
func TestQuantizerRecall(t *testing.T) {
	const n, nq, dim, k = 3000, 30, 48, 10
	minRecall := map[string]float64{
		"fp32": 1, "fp16": 0.98, "bf16": 0.9, "int8": 0.99,
		"sq8": 0.95, "sq8_uniform": 0.9, "sq4": 0.6, "sq4_uniform": 0.55,
	}
	cosineRecall := map[string]float64{"int8": 0.85, "sq4": 0.4, "sq4_uniform": 0.35}
	all := clusteredData(n+nq, dim, 20, 11)
	base, queries := all[:n*dim], all[n*dim:]
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	for _, qt := range []string{"fp32", "fp16", "bf16", "int8", "sq8", "sq4", "sq8_uniform", "sq4_uniform"} {
		for _, m := range []metric.Kind{metric.L2, metric.IP, metric.Cosine} {
			t.Run(fmt.Sprintf("%s/%s", qt, m), func(t *testing.T) {
				dtype := "float32"
				ds := &core.Dataset{NumElements: n, Dim: dim, IDs: ids, Float32: base}
				qv := queries
				ref := base
				if qt == "int8" && m != metric.Cosine {
					// int8 is the quantizer of int8 input: integers, stored exactly
					dtype = "int8"
					b8, q8 := toInt8(base, 10), toInt8(queries, 10)
					ds = &core.Dataset{NumElements: n, Dim: dim, IDs: ids, Int8: b8}
					ref, qv = fromInt8(b8), fromInt8(q8)
				}
				idx, err := core.CreateIndex("brute_force", fmt.Sprintf(
					`{"dtype":%q,"metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":%q}}`, dtype, m, dim, qt))
				require.NoError(t, err)
				failed, err := idx.Build(ds)
				require.NoError(t, err)
				require.Empty(t, failed)
				if qt != "fp32" && qt != "fp16" && qt != "bf16" && qt != "int8" {
					assert.True(t, idx.CheckFeature(api.NeedTrain))
				}
				var sum float64
				results := make([][]core.Neighbor, nq)
				for i := 0; i < nq; i++ {
					q := qv[i*dim : (i+1)*dim]
					var res []core.Neighbor
					if dtype == "int8" {
						out, err := idx.KnnSearch(&core.Dataset{NumElements: 1, Dim: dim, Int8: toInt8(q, 1)}, k, `{"brute_force":{"parallelism":1}}`, nil)
						require.NoError(t, err)
						for j, id := range out.IDs {
							res = append(res, core.Neighbor{ID: id, Distance: out.Distances[j]})
						}
					} else {
						res, err = idx.Search(q, k, `{"brute_force":{"parallelism":1}}`, nil)
						require.NoError(t, err)
					}
					require.Len(t, res, k)
					for j := 1; j < len(res); j++ {
						require.LessOrEqual(t, res[j-1].Distance, res[j].Distance)
					}
					results[i] = res
					sum += recallOf(res, exactKNN(m, ref, q, dim, k))
				}
				recall := sum / nq
				t.Logf("recall@%d %.3f", k, recall)
				want := minRecall[qt]
				if m == metric.Cosine {
					// unit vectors crowd their neighbours closer than the coarse formats resolve
					want = min(want, cosineRecall[qt])
				}
				assert.GreaterOrEqual(t, recall, want)

				var blob bytes.Buffer
				require.NoError(t, idx.Serialize(&blob))
				again, err := core.CreateIndex("brute_force", idx.CreateParams())
				require.NoError(t, err)
				require.NoError(t, again.Deserialize(&blob))
				if dtype == "float32" {
					for i := 0; i < 3; i++ {
						res, err := again.Search(qv[i*dim:(i+1)*dim], k, `{"brute_force":{"parallelism":1}}`, nil)
						require.NoError(t, err)
						require.Equal(t, results[i], res)
					}
				}
			})
		}
	}
}

func toInt8(v []float32, scale float32) []int8 {
	out := make([]int8, len(v))
	for i, x := range v {
		out[i] = int8(max(-128, min(127, math.Round(float64(x*scale)))))
	}
	return out
}

func fromInt8(v []int8) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

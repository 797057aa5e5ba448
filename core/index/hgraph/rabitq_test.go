package hgraph

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/internal/dataset"
)

// lowRank returns n seeded vectors of dim d around `clusters` centres, varying along rank
// random directions (standard deviations decaying from 4) plus a little isotropic noise:
// clustered data of low intrinsic dimension, as real embeddings are.
func lowRank(seed uint64, n, d, rank, clusters int) []float32 {
	r := rand.New(rand.NewPCG(seed, 11))
	basis := make([]float64, rank*d)
	for i := range basis {
		basis[i] = r.NormFloat64() / math.Sqrt(float64(d))
	}
	centres := make([]float64, clusters*d)
	for i := range centres {
		centres[i] = r.NormFloat64() * 3
	}
	out := make([]float32, n*d)
	for i := 0; i < n; i++ {
		x := out[i*d : (i+1)*d]
		c := centres[r.IntN(clusters)*d:]
		for j := range x {
			x[j] = float32(c[j] + 0.1*r.NormFloat64())
		}
		for b := 0; b < rank; b++ {
			z := r.NormFloat64() * 4 / (1 + float64(b)/3)
			for j := range x {
				x[j] += float32(z * basis[b*d+j])
			}
		}
	}
	return out
}

// TestRaBitQBase builds hgraph on rabitq codes with fp32 reorder for each metric: recall after
// reranking is high, the returned distances are exact, and save/load keeps the results.
func TestRaBitQBase(t *testing.T) {
	const n, d, k, nq = 2000, 64, 10, 30
	for _, tc := range []struct {
		m, param string
	}{
		{"l2", `"base_quantization_type":"rabitq"`},
		{"ip", `"base_quantization_type":"rabitq","rabitq_use_fht":true`},
		{"cosine", `"base_quantization_type":"rabitq","rabitq_bits_per_dim_query":4`},
		{"l2", `"base_quantization_type":"rabitq","rabitq_bits_per_dim_base":4,"rabitq_pca_dim":48`},
	} {
		t.Run(tc.m+"/"+tc.param, func(t *testing.T) {
			m, err := metric.Parse(tc.m)
			require.NoError(t, err)
			all := lowRank(41, n+nq, d, 16, 10)
			data, queries := all[:n*d], all[n*d:]
			if m == metric.Cosine {
				normalizeRows(data, d)
				normalizeRows(queries, d)
			}
			param := tc.param + `,"use_reorder":true,"precise_quantization_type":"fp32","max_degree":16,"ef_construction":80,"build_thread_count":1`
			x := newWith(t, tc.m, d, param)
			require.True(t, x.NeedsTraining())
			_, err = x.Build(data, seq(0, n), nil)
			require.NoError(t, err)
			recall := meanRecall(t, x, m, data, queries, d, k, 120, nil)
			t.Logf("recall@%d %.3f", k, recall)
			require.GreaterOrEqual(t, recall, 0.95)
			for i := 0; i < 5; i++ {
				q := queries[i*d : (i+1)*d]
				for _, g := range knn(t, x, q, k, `{"ef_search":120}`) {
					require.InDelta(t, metric.Reference(m, q, data[int(g.ID)*d:int(g.ID+1)*d]), g.Distance, 1e-3, "reranked distances are exact")
				}
			}
			f := &serial.File{}
			require.NoError(t, x.Save(f))
			y := newWith(t, tc.m, d, param)
			require.NoError(t, y.Load(f))
			for i := 0; i < 5; i++ {
				q := queries[i*d : (i+1)*d]
				require.Equal(t, knn(t, x, q, k, `{"ef_search":120}`), knn(t, y, q, k, `{"ef_search":120}`))
			}
		})
	}
}

// TestRaBitQBoundedRerank: with rabitq base codes and fp32 reorder, candidates whose lower
// bound exceeds the k-th precise distance are not reranked; the results match a full rerank
// (the bound fails rarely) with fewer precise distances, through a tq chain of rotations too.
// Range searches drop the candidates whose lower bound exceeds the radius.
func TestRaBitQBoundedRerank(t *testing.T) {
	const n, d, k, nq, ef = 2000, 64, 10, 30, 300
	defer func() { boundedRerank = true }()
	all := lowRank(51, n+nq, d, 16, 10)
	data, queries := all[:n*d], all[n*d:]
	for _, param := range []string{
		`"base_quantization_type":"rabitq","rabitq_bits_per_dim_base":2`,
		`"base_quantization_type":"tq","tq_chain":"fht, rabitq","rabitq_bits_per_dim_base":2`,
		`"base_quantization_type":"rabitq","rabitq_bits_per_dim_base":2,"rabitq_pca_dim":32`,
	} {
		t.Run(param, func(t *testing.T) {
			x := newWith(t, "l2", d, param+`,"use_reorder":true,"precise_quantization_type":"fp32","max_degree":16,"ef_construction":80,"build_thread_count":1`)
			_, err := x.Build(data, seq(0, n), nil)
			require.NoError(t, err)
			same := 0
			var with, without int64
			block := []byte(fmt.Sprintf(`{"ef_search":%d,"rerank_margin_sigmas":0}`, ef))
			for i := 0; i < nq; i++ {
				q := queries[i*d : (i+1)*d]
				a, b, s1, s2 := onOff(t, &boundedRerank, func(st *api.SearchStats) ([]api.Neighbor, error) {
					return x.KnnSearch(q, k, &api.SearchOptions{Block: block, Stats: st})
				})
				require.Len(t, a, k)
				for j := range a {
					require.InDelta(t, metric.Reference(metric.L2, q, data[int(a[j].ID)*d:int(a[j].ID+1)*d]), a[j].Distance, 1e-3)
				}
				if fmt.Sprint(a) == fmt.Sprint(b) {
					same++
				}
				with += s1.DistanceComputations
				without += s2.DistanceComputations
				// range search: candidates whose lower bound exceeds the radius are dropped
				radius := b[k-1].Distance
				ra, rb, _, _ := onOff(t, &boundedRerank, func(*api.SearchStats) ([]api.Neighbor, error) {
					return x.RangeSearch(q, radius, -1, &api.SearchOptions{Block: block})
				})
				require.GreaterOrEqual(t, len(ra), len(rb)-1)
				for _, r := range ra {
					require.LessOrEqual(t, r.Distance, radius)
				}
			}
			t.Logf("identical results for %d of %d queries; %d distances with the bound, %d without", same, nq, with, without)
			require.GreaterOrEqual(t, same, nq*9/10)
			require.Less(t, with, without)
		})
	}
}

// TestTQBase builds hgraph on tq chains: rotations and pca before a terminal quantizer, with
// fp32 reorder, and mrle with prefix distances.
func TestTQBase(t *testing.T) {
	const n, d, k, nq = 1500, 48, 10, 20
	all := lowRank(61, n+nq, d, 12, 8)
	data, queries := all[:n*d], all[n*d:]
	for _, tc := range []struct {
		m, param  string
		minRecall float64
	}{
		{"l2", `"base_quantization_type":"tq","tq_chain":"pca, rom, sq8_uniform","rabitq_pca_dim":24,"use_reorder":true,"precise_quantization_type":"fp32"`, 0.95},
		{"ip", `"base_quantization_type":"tq","tq_chain":"fht, sq8","use_reorder":true,"precise_quantization_type":"fp32"`, 0.95},
		{"cosine", `"base_quantization_type":"tq","tq_chain":"rom, rabitq","use_reorder":true,"precise_quantization_type":"fp32"`, 0.95},
		{"l2", `"base_quantization_type":"tq","tq_chain":"rom, fp32"`, 0.98},
		{"l2", `"base_quantization_type":"tq","tq_chain":"mrle, fp16","mrle_dim":40,"use_reorder":true,"precise_quantization_type":"fp32"`, 0.95},
	} {
		t.Run(tc.m+"/"+tc.param, func(t *testing.T) {
			m, err := metric.Parse(tc.m)
			require.NoError(t, err)
			data, queries := append([]float32(nil), data...), append([]float32(nil), queries...)
			if m == metric.Cosine {
				normalizeRows(data, d)
				normalizeRows(queries, d)
			}
			x := newWith(t, tc.m, d, tc.param+`,"max_degree":16,"ef_construction":80,"build_thread_count":1`)
			_, err = x.Build(data, seq(0, n), nil)
			require.NoError(t, err)
			recall := meanRecall(t, x, m, data, queries, d, k, 120, nil)
			t.Logf("recall@%d %.3f", k, recall)
			require.GreaterOrEqual(t, recall, tc.minRecall)
			f := &serial.File{}
			require.NoError(t, x.Save(f))
			y := newWith(t, tc.m, d, tc.param+`,"max_degree":16,"ef_construction":80,"build_thread_count":1`)
			require.NoError(t, y.Load(f))
			q := queries[:d]
			require.Equal(t, knn(t, x, q, k, `{"ef_search":120}`), knn(t, y, q, k, `{"ef_search":120}`))
		})
	}
}

// TestRaBitQParamErrors: tq chain errors and split layouts without rabitq base and precise
// codes under use_reorder are refused when the index is created.
func TestRaBitQParamErrors(t *testing.T) {
	for _, tc := range []struct {
		param string
		code  api.ErrorCode
		msg   string
	}{
		{`"base_quantization_type":"tq","tq_chain":"rom"`, api.InvalidArgument, "must contains 1 or more transformer"},
		{`"base_quantization_type":"tq","tq_chain":"rom, mrle, fp32"`, api.InvalidArgument, "MRLE must be first"},
		{`"base_quantization_type":"tq","tq_chain":"rom, int8"`, api.InvalidArgument, `base quantizer: "int8" is invalid`},
		{`"base_quantization_type":"tq","tq_chain":"kac, fp32"`, api.InvalidArgument, "invalid transformer name kac"},
		{`"base_quantization_type":"rabitq","rabitq_version":"split","precise_quantization_type":"rabitq","rabitq_bits_per_dim_precise":3`, api.InvalidArgument, "needs use_reorder true"},
		{`"base_quantization_type":"rabitq","rabitq_version":"split_1bit_7bit","use_reorder":true,"precise_quantization_type":"fp32"`, api.InvalidArgument, "needs precise_quantization_type \"rabitq\""},
		{`"base_quantization_type":"rabitq","rabitq_version":"split_1bit_7bit","use_reorder":true`, api.InvalidArgument, "needs precise_quantization_type \"rabitq\""},
		{`"base_quantization_type":"fp32","rabitq_version":"split_1bit_7bit","use_reorder":true,"precise_quantization_type":"rabitq"`, api.InvalidArgument, "needs base_quantization_type \"rabitq\""},
		{`"base_quantization_type":"rabitq","rabitq_version":"split","use_reorder":true,"precise_quantization_type":"rabitq"`, api.InvalidArgument, "needs rabitq_bits_per_dim_precise"},
		{`"base_quantization_type":"rabitq","rabitq_version":"split","rabitq_bits_per_dim_base":4,"rabitq_bits_per_dim_precise":5,"use_reorder":true,"precise_quantization_type":"rabitq"`, api.InvalidArgument, "must not exceed 8"},
		{`"base_quantization_type":"rabitq","rabitq_version":"split_1bit_7bit","rabitq_bits_per_dim_query":4,"use_reorder":true,"precise_quantization_type":"rabitq"`, api.InvalidArgument, "rabitq_bits_per_dim_query=32"},
		{`"base_quantization_type":"rabitq","rabitq_bits_per_dim_query":8`, api.InvalidArgument, "rabitq_bits_per_dim_query"},
	} {
		c, err := params.ParseCreate(Name, fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":32,"index_param":{%s}}`, tc.param))
		if err == nil {
			_, err = New(c)
		}
		require.Error(t, err, tc.param)
		require.Equal(t, tc.code, api.CodeOf(err), "%s: %v", tc.param, err)
		require.Contains(t, err.Error(), tc.msg, tc.param)
	}
}

// BenchmarkRaBitQFashionMNIST reports hgraph on Fashion-MNIST (60 000 x 784, l2, the first
// 1 000 test images as queries, k = 10; max_degree 32, ef_construction 200) with 1-bit rabitq
// base codes and fp32 reorder (Hadamard rotation with 32- and 4-bit queries, and the dense
// rotation), next to fp32 codes: recall@10, the base code's size against fp32, queries per CPU-second of the
// searching thread (so other work on the machine does not distort it) and precise distances per
// query with and without the error-bound skip. It skips when the Debian package
// dataset-fashion-mnist is not installed.
func BenchmarkRaBitQFashionMNIST(b *testing.B) {
	set, err := dataset.FashionMNIST("")
	if errors.Is(err, dataset.ErrNotFound) {
		b.Skip("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)")
	}
	require.NoError(b, err)
	const k, nq = 10, 1000
	d, n := set.Dim, set.NumBase()
	queries := set.Queries[:nq*d]
	truth := dataset.GroundTruth(set.Base, queries, d, k, "l2")
	defer func() { boundedRerank = true }()
	for _, cfg := range []struct{ name, param string }{
		{"rabitq1-fht+fp32", `"base_quantization_type":"rabitq","rabitq_use_fht":true,"use_reorder":true,"precise_quantization_type":"fp32"`},
		{"rabitq1-fht-q4+fp32", `"base_quantization_type":"rabitq","rabitq_use_fht":true,"rabitq_bits_per_dim_query":4,"use_reorder":true,"precise_quantization_type":"fp32"`},
		{"rabitq1+fp32", `"base_quantization_type":"rabitq","use_reorder":true,"precise_quantization_type":"fp32"`},
		{"fp32", `"base_quantization_type":"fp32"`},
	} {
		x := newWith(b, "l2", d, cfg.param+`,"max_degree":32,"ef_construction":200`)
		start := time.Now()
		_, err := x.Build(set.Base, seq(0, n), nil)
		require.NoError(b, err)
		build := time.Since(start)
		ratio := float64(4*d) / float64(x.base.CodeSize())
		b.Logf("%s: built %d vectors in %v; base code %d bytes, %.1fx smaller than fp32", cfg.name, n, build.Round(time.Millisecond), x.base.CodeSize(), ratio)
		for _, ef := range []int{20, 30, 40, 60, 100} {
			block := []byte(fmt.Sprintf(`{"ef_search":%d,"rerank_margin_sigmas":0}`, ef))
			run := func(skip bool) (recall, qps, dists float64) {
				boundedRerank = skip
				got := make([]int64, nq*k)
				var stats api.SearchStats
				for i := 0; i < 20; i++ { // warm the pools
					_, _ = x.KnnSearch(queries[i*d:(i+1)*d], k, &api.SearchOptions{Block: block})
				}
				runtime.LockOSThread()
				c0 := threadCPU()
				for i := 0; i < nq; i++ {
					res, err := x.KnnSearch(queries[i*d:(i+1)*d], k, &api.SearchOptions{Block: block, Stats: &stats})
					require.NoError(b, err)
					for j := range got[i*k : (i+1)*k] {
						got[i*k+j] = -1
						if j < len(res) {
							got[i*k+j] = res[j].ID
						}
					}
				}
				cpu := (threadCPU() - c0).Seconds()
				runtime.UnlockOSThread()
				return dataset.Recall(got, k, truth, k), nq / cpu, float64(stats.DistanceComputations) / nq
			}
			recall, qps, dists := run(true)
			_, _, plain := run(false)
			boundedRerank = true
			b.Logf("%s ef=%d: recall@10 %.4f, %.0f queries per CPU-second, %.0f distances per query (%.0f without the bound skip)", cfg.name, ef, recall, qps, dists, plain)
			b.Run(fmt.Sprintf("%s/ef=%d", cfg.name, ef), func(b *testing.B) {
				opts := &api.SearchOptions{Block: block}
				for i := 0; i < b.N; i++ {
					q := queries[(i%nq)*d : (i%nq+1)*d]
					if _, err := x.KnnSearch(q, k, opts); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(recall, "recall@10")
				b.ReportMetric(ratio, "x-smaller")
				b.ReportMetric(qps, "cpu-qps")
				b.ReportMetric(dists, "dists/query")
				b.ReportMetric(plain-dists, "skipped/query")
			})
		}
	}
}

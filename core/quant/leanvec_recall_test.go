package quant_test

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/internal/dataset"
)

// TestLeanVecBruteForceRecall: brute_force scans leanvec codes with NewComputer, the secondary
// (fp16) codes, so its recall matches fp32; a save/load round trip keeps the results.
func TestLeanVecBruteForceRecall(t *testing.T) {
	const n, nq, dim, k = 2000, 30, 40, 10
	all := clustered(n+nq, dim, 5)
	base, queries := all[:n*dim], all[n*dim:]
	for _, m := range []metric.Kind{metric.L2, metric.IP, metric.Cosine} {
		t.Run(m.String(), func(t *testing.T) {
			exact := bruteRecall(t, "fp32", m, base, queries, dim, k)
			r := bruteRecall(t, "leanvec", m, base, queries, dim, k)
			t.Logf("recall@%d %.3f (fp32 %.3f)", k, r, exact)
			require.GreaterOrEqual(t, r, exact-0.02)
		})
	}
}

// twoStageRecall scans the primary distances of every row, reranks the best c with the
// quantizer's precise computer and returns recall@k of the primary order and of the reranked
// one.
func twoStageRecall(q quant.TwoStage, slab []byte, n int, queries []float32, dim, k, c int, truth []int32) (primary, reranked float64) {
	pc, fc := q.NewPrimaryComputer(), q.NewComputer()
	d := make([]float32, n)
	order := make([]int, n)
	var sp, sr float64
	nq := len(queries) / dim
	for i := 0; i < nq; i++ {
		qv := queries[i*dim : (i+1)*dim]
		pc.SetQuery(qv)
		pc.DistanceRows(slab, d)
		for j := range order {
			order[j] = j
		}
		sort.Slice(order, func(a, b int) bool { return d[order[a]] < d[order[b]] })
		got := make([]int64, k)
		for j := range got {
			got[j] = int64(order[j])
		}
		sp += dataset.RecallOne(got, truth[i*k:(i+1)*k])
		cand := make([]uint32, c)
		for j := range cand {
			cand[j] = uint32(order[j])
		}
		rd := make([]float32, c)
		fc.SetQuery(qv)
		fc.DistanceBatch(slab, cand, rd)
		idx := make([]int, c)
		for j := range idx {
			idx[j] = j
		}
		sort.Slice(idx, func(a, b int) bool { return rd[idx[a]] < rd[idx[b]] })
		for j := range got {
			got[j] = int64(cand[idx[j]])
		}
		sr += dataset.RecallOne(got, truth[i*k:(i+1)*k])
	}
	return sp / float64(nq), sr / float64(nq)
}

// BenchmarkLeanVecFashionMNIST trains leanvec on Fashion-MNIST (l2) and reports training
// time, bytes per vector and recall@10 of the primary distances alone and after reranking the
// best 50 with the secondary codes (an exhaustive stand-in for graph traversal), for a few
// reduced dimensions and encodings. VSAG_BENCH_LEANVEC_OOD=1 adds LeanVec-OOD trained on the
// last 1000 test images.
func BenchmarkLeanVecFashionMNIST(b *testing.B) {
	dir := os.Getenv("VSAG_FASHION_MNIST")
	if dir == "" {
		dir = "/usr/share/datasets/fashion-mnist"
	}
	set, err := dataset.FashionMNIST(dir)
	if err != nil {
		b.Skip("Fashion-MNIST not available:", err)
	}
	const nq, k, c = 200, 10, 50
	dim, n := set.Dim, set.NumBase()
	queries := set.Queries[:nq*dim]
	truth := dataset.GroundTruth(set.Base, queries, dim, k, "l2")
	configs := []quant.Options{
		{LeanVecDims: 160, LeanVecPrimary: "lvq8", LeanVecSecondary: "fp16"},
		{LeanVecDims: 160, LeanVecPrimary: "lvq4", LeanVecSecondary: "fp16"},
		{LeanVecDims: 96, LeanVecPrimary: "lvq8", LeanVecSecondary: "lvq8"},
	}
	if os.Getenv("VSAG_BENCH_LEANVEC_OOD") != "" {
		// minutes: up to 500 Frank-Wolfe steps of 784x784x160 products
		configs = append(configs, quant.Options{LeanVecDims: 160, LeanVecPrimary: "lvq8", LeanVecSecondary: "fp16", LeanVecTraining: "ood"})
	}
	for _, cfg := range configs {
		name := fmt.Sprintf("d=%d/%s-%s/%s", cfg.LeanVecDims, cfg.LeanVecPrimary, cfg.LeanVecSecondary, cfg.LeanVecTraining)
		b.Run(name, func(b *testing.B) {
			for it := 0; it < b.N; it++ {
				q, err := quant.New("leanvec", dim, metric.L2, cfg)
				require.NoError(b, err)
				lv := q.(*quant.LeanVec)
				t0 := time.Now()
				if cfg.LeanVecTraining == "ood" {
					// training queries: the last 1000 test images (not among the measured ones)
					tq := set.Queries[len(set.Queries)-1000*dim:]
					require.NoError(b, lv.TrainWithQueries(set.Base, n, tq, 1000))
				} else {
					require.NoError(b, lv.Train(set.Base, n))
				}
				train := time.Since(t0)
				size := lv.CodeSize()
				slab := make([]byte, n*size)
				t0 = time.Now()
				for i := 0; i < n; i++ {
					lv.Encode(slab[i*size:(i+1)*size], set.Base[i*dim:(i+1)*dim])
				}
				encode := time.Since(t0)
				rp, rr := twoStageRecall(lv, slab, n, queries, dim, k, c, truth)
				b.ReportMetric(train.Seconds(), "train-s")
				b.ReportMetric(encode.Seconds(), "encode-s")
				b.ReportMetric(float64(size), "bytes/vec")
				b.ReportMetric(float64(lv.PrimaryCodeSize()), "primary-bytes")
				b.ReportMetric(rp, "recall-primary")
				b.ReportMetric(rr, "recall-rerank50")
				if l := lv.Losses(); len(l) > 0 {
					b.ReportMetric(float64(len(l)), "ood-steps")
				}
			}
		})
	}
}

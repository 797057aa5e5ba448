// Command flat measures brute_force flat search on Fashion-MNIST (60k x 784) with each scalar
// quantizer: single-query QPS with parallelism 1 (a memory-bound scan of every code), recall@10
// against the exact neighbours, and the QPS of batch search over many queries on all cores
// (queries blocked against row tiles, so the scan becomes compute-bound).
//
// Without the Debian package dataset-fashion-mnist it runs on generated data of the same shape.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
	"github.com/govsag/vsag/simd"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "flat:", err)
		os.Exit(1)
	}
}

type result struct {
	name         string
	build        time.Duration
	qps, recall  float64
	bqps, brecal float64
	mib          float64
}

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	quants := flag.String("quant", "fp32,fp16,bf16,sq8,sq8_uniform,sq4,sq4_uniform", "comma-separated base_quantization_type values")
	nq := flag.Int("queries", 100, "queries per round for the single-query measurement")
	nb := flag.Int("batch-queries", 1000, "queries per round for the batch measurement")
	rounds := flag.Int("rounds", 3, "measurement rounds; each quantizer reports its best round")
	k := flag.Int("k", 10, "neighbours per query")
	check := flag.Bool("check", false, "exit non-zero when fp16/sq8 miss their QPS or recall targets")
	flag.Parse()

	set, err := dataset.FashionMNISTOrGenerated(*dir, os.Stdout)
	if err != nil {
		return err
	}
	*nq = min(*nq, set.NumQueries())
	*nb = min(*nb, set.NumQueries())
	d := set.Dim
	n := set.NumBase()
	*rounds = max(1, *rounds)
	fmt.Printf("dataset %s: %d x %d, %d single and %d batch queries per round, best of %d rounds, k=%d, simd %s, GOMAXPROCS %d\n",
		set.Name, n, d, *nq, *nb, *rounds, *k, simd.Level(), runtime.GOMAXPROCS(0))

	t0 := time.Now()
	gt := dataset.GroundTruth(set.Base, set.Queries[:*nb*d], d, *k, "l2")
	fmt.Printf("exact ground truth for %d queries: %.1fs\n\n", *nb, time.Since(t0).Seconds())

	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	// Build every index first, then measure in rounds that visit the quantizers in turn and keep
	// each one's best round, so a busy machine skews the ratios less.
	results := make([]result, 0)
	indexes := make([]*core.Index, 0)
	for _, qt := range strings.Split(*quants, ",") {
		qt = strings.TrimSpace(qt)
		idx, err := core.CreateIndex("brute_force", fmt.Sprintf(
			`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":%q}}`, d, qt))
		if err != nil {
			return err
		}
		r := result{name: qt}
		t0 := time.Now()
		if _, err := idx.Build(&core.Dataset{NumElements: n, Dim: d, IDs: ids, Float32: set.Base}); err != nil {
			return err
		}
		r.build = time.Since(t0)
		r.mib = float64(idx.GetMemoryUsage()) / (1 << 20)
		results = append(results, r)
		indexes = append(indexes, idx)
	}
	got := make([]int64, *nq**k)
	for round := 0; round < *rounds; round++ {
		for qi, idx := range indexes {
			r := &results[qi]
			// warm-up, then one query at a time on one goroutine
			if _, err := idx.Search(set.Queries[:d], *k, `{"brute_force":{"parallelism":1}}`, nil); err != nil {
				return err
			}
			start := time.Now()
			for i := 0; i < *nq; i++ {
				res, err := idx.Search(set.Queries[i*d:(i+1)*d], *k, `{"brute_force":{"parallelism":1}}`, nil)
				if err != nil {
					return err
				}
				for j, nb := range res {
					got[i**k+j] = nb.ID
				}
			}
			r.qps = max(r.qps, float64(*nq)/time.Since(start).Seconds())
			r.recall = dataset.Recall(got, *k, gt, *k)

			start = time.Now()
			batch, err := idx.BatchKnnSearch(&core.Dataset{NumElements: *nb, Dim: d, Float32: set.Queries[:*nb*d]}, *k, "", nil)
			if err != nil {
				return err
			}
			r.bqps = max(r.bqps, float64(*nb)/time.Since(start).Seconds())
			r.brecal = dataset.Recall(batch.IDs, *k, gt, *k)
		}
	}
	for _, r := range results {
		fmt.Printf("%-12s build %5.1fs  %6.1f MiB  single QPS %7.1f  recall@%d %.4f  batch QPS %8.1f  recall@%d %.4f\n",
			r.name, r.build.Seconds(), r.mib, r.qps, *k, r.recall, r.bqps, *k, r.brecal)
	}

	var base *result
	for i := range results {
		if results[i].name == "fp32" {
			base = &results[i]
		}
	}
	if base == nil {
		return nil
	}
	fmt.Println()
	fmt.Printf("%-12s %12s %12s %10s %12s\n", "quantizer", "single QPS", "x fp32", "recall@10", "batch QPS")
	failed := false
	targets := map[string][2]float64{"fp16": {1.6, 0.99}, "sq8": {2.5, 0.95}}
	for _, r := range results {
		ratio := r.qps / base.qps
		note := ""
		if t, ok := targets[r.name]; ok {
			note = fmt.Sprintf("  (target >= %.1fx, recall >= %.2f)", t[0], t[1])
			if ratio < t[0] || r.recall < t[1] {
				note += " MISSED"
				failed = true
			}
		}
		fmt.Printf("%-12s %12.1f %11.2fx %10.4f %12.1f%s\n", r.name, r.qps, ratio, r.recall, r.bqps, note)
	}
	if *check && failed {
		return errors.New("a flat-search target was missed")
	}
	return nil
}

// Command vsag-demo builds an index on Fashion-MNIST (or on generated data when the Debian
// package dataset-fashion-mnist is not installed), runs the test queries and prints recall@10,
// QPS and latency percentiles.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "vsag-demo:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	nq := flag.Int("queries", 1000, "number of test queries to run")
	k := flag.Int("k", 10, "neighbours per query")
	flag.Parse()

	set, err := dataset.FashionMNIST(*dir)
	if errors.Is(err, dataset.ErrNotFound) {
		fmt.Println("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist); using generated data instead.")
		set = dataset.Generated(20000, 1000, 128, 42)
	} else if err != nil {
		return err
	}
	if *nq > set.NumQueries() {
		*nq = set.NumQueries()
	}
	queries := set.Queries[:*nq*set.Dim]
	fmt.Printf("dataset %s: %d base vectors, %d queries, dim %d\n", set.Name, set.NumBase(), *nq, set.Dim)

	t0 := time.Now()
	gt := dataset.GroundTruth(set.Base, queries, set.Dim, *k, "l2")
	fmt.Printf("exact ground truth: %.2fs\n", time.Since(t0).Seconds())

	idx, err := core.CreateIndex("brute_force", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"fp32"}}`, set.Dim))
	if err != nil {
		return err
	}
	n := set.NumBase()
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	t0 = time.Now()
	if _, err := idx.Build(&core.Dataset{NumElements: n, Dim: set.Dim, IDs: ids, Float32: set.Base}); err != nil {
		return err
	}
	fmt.Printf("brute_force fp32 build: %.2fs, memory %.1f MiB\n", time.Since(t0).Seconds(), float64(idx.GetMemoryUsage())/(1<<20))

	lat := make([]time.Duration, *nq)
	got := make([]int64, *nq**k)
	start := time.Now()
	for i := 0; i < *nq; i++ {
		q := queries[i*set.Dim : (i+1)*set.Dim]
		t := time.Now()
		res, err := idx.Search(q, *k, `{"brute_force":{"parallelism":1}}`, nil)
		if err != nil {
			return err
		}
		lat[i] = time.Since(t)
		for j, r := range res {
			got[i**k+j] = r.ID
		}
	}
	wall := time.Since(start)
	recall := dataset.Recall(got, *k, gt, *k)
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	fmt.Printf("single-query search, 1 thread: recall@%d %.4f  QPS %.1f  latency ms p50 %.3f p90 %.3f p99 %.3f\n",
		*k, recall, float64(*nq)/wall.Seconds(), pct(0.5), pct(0.9), pct(0.99))

	t0 = time.Now()
	batch, err := idx.BatchKnnSearch(&core.Dataset{NumElements: *nq, Dim: set.Dim, Float32: queries}, *k, "", nil)
	if err != nil {
		return err
	}
	bw := time.Since(t0)
	fmt.Printf("batch search, all cores:       recall@%d %.4f  QPS %.1f\n", *k, dataset.Recall(batch.IDs, *k, gt, *k), float64(*nq)/bw.Seconds())
	if recall < 0.9999 {
		return fmt.Errorf("exact search recall %.4f is not 1.0", recall)
	}
	return nil
}

// Command conjugate measures what VSAG's conjugate graph does for the hnsw index on
// Fashion-MNIST (60k x 784, l2): recall@k and single-thread QPS at a few ef_search values with
// the conjugate graph off (use_conjugate_graph_search false), on before any feedback, and on
// after Feedback on a set of queries, scored on those queries and on as many held-out ones.
//
// A search that consults the conjugate graph asks the graph for max(k, 20) results, so its
// beam is at least 20 even before any feedback; the graph's own contribution is the
// difference between "on, after feedback" and "on, before feedback" at the same ef_search.
// The program fails when that lift on the fed-back queries at -target-ef is below -min-lift.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/benchutil"
	"github.com/govsag/vsag/internal/dataset"
	"github.com/govsag/vsag/simd"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-conjugate:", err)
		os.Exit(1)
	}
}

type mode struct {
	name string
	js   func(ef int) string
}

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	cache := flag.String("cache", "build/cache", "folder for the cached ground truth")
	nq := flag.Int("queries", 1000, "queries given as feedback (and as many held-out queries scored)")
	k := flag.Int("k", 10, "neighbours per query")
	efList := flag.String("ef", "16,32,64", "ef_search values to measure")
	targetEf := flag.Int("target-ef", 16, "ef_search of the recall target")
	minLift := flag.Float64("min-lift", 0.01, "least recall@k lift the conjugate graph must give at -target-ef (0: report only)")
	maxDegree := flag.Int("max-degree", 16, "hnsw max_degree (hnswlib's M)")
	efc := flag.Int("ef-construction", 200, "hnsw ef_construction")
	rounds := flag.Int("rounds", 3, "timing rounds; each point keeps its best QPS")
	flag.Parse()

	set, err := dataset.FashionMNISTOrGenerated(*dir, os.Stdout)
	if err != nil {
		return err
	}
	d, n := set.Dim, set.NumBase()
	if 2**nq > set.NumQueries() {
		*nq = set.NumQueries() / 2
	}
	efs, err := parseInts(*efList)
	if err != nil {
		return err
	}
	fmt.Printf("dataset %s: %d x %d; %d feedback queries + %d held out, k=%d, simd %s, %d CPUs; QPS is one query at a time on one thread\n",
		set.Name, n, d, *nq, *nq, *k, simd.Level(), runtime.NumCPU())
	if err := os.MkdirAll(*cache, 0o755); err != nil {
		return err
	}
	const gtk = 100
	// the ground truth of the first 2*nq queries: the fed-back half, then the held-out half
	all := set.Queries[:2**nq*d]
	gt, err := benchutil.LoadOrComputeTruth(filepath.Join(*cache, fmt.Sprintf("%s-l2-q%d-k%d.i32", set.Name, 2**nq, gtk)), set.Base, all, d, gtk)
	if err != nil {
		return err
	}
	fed, held := all[:*nq*d], all[*nq*d:]
	scFed := benchutil.NewScorer(set.Base, fed, d, *k, gt[:*nq*gtk], gtk)
	scHeld := benchutil.NewScorer(set.Base, held, d, *k, gt[*nq*gtk:], gtk)

	create := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"hnsw":{"max_degree":%d,"ef_construction":%d,"use_conjugate_graph":true}}`, d, *maxDegree, *efc)
	// the built index (before any feedback) is cached: a build takes minutes
	path := filepath.Join(*cache, fmt.Sprintf("%s-hnsw-m%d-efc%d.vsag", set.Name, *maxDegree, *efc))
	var idx *core.Index
	if idx, err = core.LoadFile(path); err == nil && idx.CreateParams() == create {
		fmt.Printf("hnsw max_degree %d ef_construction %d: cached %s, %.0f bytes/vector\n\n", *maxDegree, *efc, path, float64(idx.GetMemoryUsage())/float64(n))
	} else {
		if idx, err = core.CreateIndex("hnsw", create); err != nil {
			return err
		}
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = int64(i)
		}
		t0 := time.Now()
		if _, err := idx.Build(&core.Dataset{NumElements: n, Dim: d, IDs: ids, Float32: set.Base}); err != nil {
			return err
		}
		fmt.Printf("hnsw max_degree %d ef_construction %d: built in %.1fs, %.0f bytes/vector\n\n", *maxDegree, *efc, time.Since(t0).Seconds(), float64(idx.GetMemoryUsage())/float64(n))
		if err := idx.SerializeFile(path); err != nil {
			return err
		}
	}
	if !slices.Contains(efs, *targetEf) {
		efs = append(efs, *targetEf)
		slices.Sort(efs)
	}

	off := func(name string) mode {
		return mode{name, func(ef int) string {
			return fmt.Sprintf(`{"hnsw":{"ef_search":%d,"use_conjugate_graph_search":false}}`, ef)
		}}
	}
	on := func(name string) mode {
		return mode{name, func(ef int) string { return fmt.Sprintf(`{"hnsw":{"ef_search":%d}}`, ef) }}
	}
	type row struct {
		recallFed, recallHeld float64
		qps, cpuQPS           float64 // per second of wall time, of the searching thread's CPU time
	}
	// measure sweeps the modes at every ef, interleaved round by round so that load from other
	// work on the machine falls on each alike; each point keeps its best QPS
	measure := func(modes ...mode) (map[string]map[int]*row, error) {
		out := map[string]map[int]*row{}
		for _, m := range modes {
			out[m.name] = map[int]*row{}
			for _, ef := range efs {
				got, _, _, err := benchutil.TimedSearch(idx, m.js(ef), held, d, *nq, *k)
				if err != nil {
					return nil, err
				}
				r := &row{}
				r.recallHeld, _ = scHeld.Score(got)
				out[m.name][ef] = r
			}
		}
		for round := 0; round < *rounds; round++ {
			for _, ef := range efs {
				for _, m := range modes {
					got, secs, cpu, err := benchutil.TimedSearch(idx, m.js(ef), fed, d, *nq, *k)
					if err != nil {
						return nil, err
					}
					r := out[m.name][ef]
					r.recallFed, _ = scFed.Score(got)
					r.qps = math.Max(r.qps, float64(*nq)/secs)
					r.cpuQPS = math.Max(r.cpuQPS, float64(*nq)/cpu)
				}
			}
		}
		for _, m := range modes {
			for _, ef := range efs {
				r := out[m.name][ef]
				fmt.Printf("  %-28s ef %4d  recall@%d fed %.4f  held-out %.4f  qps %7.0f  cpu-qps %7.0f\n", m.name, ef, *k, r.recallFed, r.recallHeld, r.qps, r.cpuQPS)
			}
		}
		return out, nil
	}
	before, err := measure(off("off"), on("on, before feedback"))
	if err != nil {
		return err
	}
	// feedback on the fed half: the index finds each query's true neighbours by an exact scan
	t0 := time.Now()
	edges := 0
	fbJS := fmt.Sprintf(`{"hnsw":{"ef_search":%d}}`, *targetEf)
	for i := 0; i < *nq; i++ {
		e, err := idx.Feedback(fed[i*d:(i+1)*d], *k, fbJS, core.GlobalOptimumUnknown)
		if err != nil {
			return err
		}
		edges += e
	}
	fmt.Printf("feedback on %d queries (k %d, ef_search %d): %d edges in %.1fs, index now %.0f bytes/vector\n",
		*nq, *k, *targetEf, edges, time.Since(t0).Seconds(), float64(idx.GetMemoryUsage())/float64(n))
	after, err := measure(off("off (after feedback)"), on("on, after feedback"))
	if err != nil {
		return err
	}

	fmt.Println()
	for _, ef := range efs {
		o, b := before["off"][ef], before["on, before feedback"][ef]
		o2, a := after["off (after feedback)"][ef], after["on, after feedback"][ef]
		fmt.Printf("ef_search %4d: recall@%d of the fed-back queries %.4f (off) -> %.4f (on, before) -> %.4f (after): lift %+.4f over on-before (held-out queries %+.4f); CPU-time QPS to off: %.2fx before, %.2fx after feedback\n",
			ef, *k, o.recallFed, b.recallFed, a.recallFed, a.recallFed-b.recallFed, a.recallHeld-b.recallHeld, b.cpuQPS/o.cpuQPS, a.cpuQPS/o2.cpuQPS)
	}
	lift := after["on, after feedback"][*targetEf].recallFed - before["on, before feedback"][*targetEf].recallFed
	if *minLift > 0 {
		if !(lift >= *minLift) {
			return fmt.Errorf("the conjugate graph lifts recall@%d at ef_search %d by %.4f, below the target %.4f", *k, *targetEf, lift, *minLift)
		}
		fmt.Printf("target met: recall@%d lift %.4f >= %.4f at ef_search %d\n", *k, lift, *minLift, *targetEf)
	}
	return nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("bad integer %q in %q", f, s)
		}
		out = append(out, v)
	}
	return out, nil
}

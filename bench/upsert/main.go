// Command upsert measures hgraph under upserts on Fashion-MNIST (or generated data of the same
// shape when the Debian package is missing): each round removes a random share of the labels
// (10% by default) and adds the same labels and vectors back. With force remove
// ("support_force_remove": true, RemoveForce) the nodes are taken out and their slots reused, so
// memory and search cost must stay where the first round left them: after 20 rounds the memory
// must be within 1.1x and recall@10 within 0.01 of the first round's. The program prints the
// memory, recall@10, distance computations per query and timings of every round and exits 1
// when a bound is broken. -mode mark runs the same rounds with mark remove for comparison (its
// memory grows every round: the removed nodes stay).
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/benchutil"
	"github.com/govsag/vsag/internal/dataset"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "upsert:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	n := flag.Int("n", 60000, "base vectors")
	nq := flag.Int("nq", 10000, "queries scored per round")
	rounds := flag.Int("rounds", 20, "upsert rounds")
	frac := flag.Float64("frac", 0.1, "share of the labels removed and added back per round")
	ef := flag.Int("ef", 60, "ef_search of the scored searches")
	params := flag.String("params", `"base_quantization_type":"fp32","max_degree":32,"ef_construction":200,"build_thread_count":2`, "hgraph index_param members (support_force_remove is added)")
	mode := flag.String("mode", "force", "remove mode: force or mark")
	cache := flag.String("cache", "build/cache", "folder for the cached ground truth")
	maxMem := flag.Float64("max-memory", 1.1, "largest memory of a round, relative to the first round")
	maxDrop := flag.Float64("max-recall-drop", 0.01, "largest recall@10 drop of a round below the first round")
	seed := flag.Uint64("seed", 1, "seed of the labels picked each round")
	flag.Parse()

	rm, err := core.ParseRemoveMode(*mode)
	if err != nil {
		return err
	}
	set, err := dataset.FashionMNISTOrGenerated(*dir, os.Stdout)
	if err != nil {
		return err
	}
	d := set.Dim
	*n = min(*n, set.NumBase())
	*nq = min(*nq, set.NumQueries())
	base, queries := set.Base[:*n*d], set.Queries[:*nq*d]
	const k = 10
	if err := os.MkdirAll(*cache, 0o755); err != nil {
		return err
	}
	gt, err := benchutil.LoadOrComputeTruth(filepath.Join(*cache, fmt.Sprintf("upsert-%s-%d-%d.gt", set.Name, *n, *nq)), base, queries, d, k)
	if err != nil {
		return err
	}
	scorer := benchutil.NewScorer(base, queries, d, k, gt, k)
	create := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{%s,"support_force_remove":true}}`, d, *params)
	search := fmt.Sprintf(`{"hgraph":{"ef_search":%d}}`, *ef)
	fmt.Printf("dataset %s: %d x %d, %d queries scored, %d CPUs\nhgraph {%s}, ef_search %d, %s remove, %d rounds of %.0f%%\n\n",
		set.Name, *n, d, *nq, runtime.NumCPU(), *params, *ef, rm, *rounds, 100**frac)

	idx, err := core.CreateIndex("hgraph", create)
	if err != nil {
		return err
	}
	ids := make([]int64, *n)
	for i := range ids {
		ids[i] = int64(i)
	}
	t0 := time.Now()
	if _, err := idx.Build(&core.Dataset{NumElements: *n, Dim: d, IDs: ids, Float32: base}); err != nil {
		return err
	}
	fmt.Printf("build: %.1f s\n\n", time.Since(t0).Seconds())

	measure := func() (mem int64, recall, distCmp float64, err error) {
		runtime.GC()
		mem = idx.GetMemoryUsage()
		got := make([]int64, *nq*k)
		dists := make([]float32, *nq*k)
		if err := idx.BatchSearchInto(queries, *nq, k, search, nil, got, dists); err != nil {
			return 0, 0, 0, err
		}
		recall, _ = scorer.Score(got)
		// search cost: distances computed per query, over the first 1 000 queries
		m := min(*nq, 1000)
		var st core.SearchStats
		for q := 0; q < m; q++ {
			if _, err := idx.KnnSearchWithStats(&core.Dataset{NumElements: 1, Dim: d, Float32: queries[q*d : (q+1)*d]}, k, search, nil, &st); err != nil {
				return 0, 0, 0, err
			}
		}
		return mem, recall, float64(st.DistanceComputations) / float64(m), nil
	}
	mem0, rec0, cmp0, err := measure()
	if err != nil {
		return err
	}
	fmt.Printf("%-6s %10s %8s %10s %9s %10s %9s %9s\n", "round", "memory MB", "x first", "recall@10", "- first", "dist/query", "remove s", "add s")
	fmt.Printf("%-6s %10.1f %8s %10.4f %9s %10.0f %9s %9s\n", "built", mb(mem0), "", rec0, "", cmp0, "", "")
	rng := rand.New(rand.NewPCG(*seed, 2))
	pick := int(float64(*n) * *frac)
	var firstMem int64
	var firstRec float64
	var worstMem, worstDrop float64
	for r := 1; r <= *rounds; r++ {
		perm := rng.Perm(*n)[:pick]
		labels := make([]int64, pick)
		vecs := make([]float32, 0, pick*d)
		for i, p := range perm {
			labels[i] = int64(p)
			vecs = append(vecs, base[p*d:(p+1)*d]...)
		}
		t := time.Now()
		cnt, err := idx.RemoveWithMode(labels, rm)
		if err != nil {
			return err
		}
		if cnt != pick {
			return fmt.Errorf("round %d: %d of %d labels removed", r, cnt, pick)
		}
		tRemove := time.Since(t).Seconds()
		t = time.Now()
		failed, err := idx.Add(&core.Dataset{NumElements: pick, Dim: d, IDs: labels, Float32: vecs})
		if err != nil {
			return err
		}
		if len(failed) > 0 {
			return fmt.Errorf("round %d: %d labels not added back", r, len(failed))
		}
		tAdd := time.Since(t).Seconds()
		mem, rec, cmp, err := measure()
		if err != nil {
			return err
		}
		if r == 1 {
			firstMem, firstRec = mem, rec
		}
		ratio, drop := float64(mem)/float64(firstMem), firstRec-rec
		worstMem, worstDrop = max(worstMem, ratio), max(worstDrop, drop)
		fmt.Printf("%-6d %10.1f %8.3f %10.4f %+9.4f %10.0f %9.1f %9.1f\n", r, mb(mem), ratio, rec, -drop, cmp, tRemove, tAdd)
	}
	fmt.Printf("\nworst round: memory %.3fx the first round's (bound %.2fx), recall@10 %.4f below it (bound %.2f)\n", worstMem, *maxMem, worstDrop, *maxDrop)
	if worstMem > *maxMem || worstDrop > *maxDrop {
		fmt.Println("FAIL: a bound is broken")
		os.Exit(1)
	}
	fmt.Println("PASS")
	return nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

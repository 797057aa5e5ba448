// Command pyramid measures the pyramid index as a multi-tenant store on Fashion-MNIST
// (60 000 x 784, l2): the vectors are dealt to tenants of Zipf-skewed sizes (600 by default)
// and every query is confined to one tenant, drawn with the same skew.
//
//   - Tenant queries: pyramid searches the query's tenant ("tenant<i>") and is compared with an
//     hgraph over all tenants searched with an attribute filter on the tenant ("tenant = i",
//     the filter compiled per query as a user's request is; the filter's selectivity estimate
//     lets hgraph scan the few rows of a small tenant exactly when brute_force_threshold is
//     set, so several thresholds are tried and the best is kept) and with a precomputed id
//     bitset per tenant (the cheapest filter there is). Recall@10 is against an exact scan of
//     the tenant.
//   - Root queries: pyramid without a path (its root graph holds every vector) against a plain
//     hgraph of the same data and graph settings, recall@10 against an exact scan of all.
//
// Each search is one query at a time on one locked OS thread, timed in CPU-seconds of that
// thread (so other work on the machine distorts it less); the measurements run in rounds
// that visit every configuration in turn and keep each one's best round, so a busy machine
// skews the ratios less. QPS at a recall is interpolated between the ef_search values that
// bracket it. Without the Debian package dataset-fashion-mnist it runs on generated data.
package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/internal/benchutil"
	"github.com/govsag/vsag/internal/dataset"
	"github.com/govsag/vsag/simd"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pyramid:", err)
		os.Exit(1)
	}
}

// curve is one configuration's recall and best QPS per ef_search.
type curve struct {
	name   string
	root   bool // scored against the exact neighbours among all rows
	ef     []int
	recall []float64
	qps    []float64
	search func(ef int) ([]int64, float64, error) // results (k per query) and CPU seconds
}

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	cache := flag.String("cache", "build/cache", "folder for the cached ground truth")
	tenants := flag.Int("tenants", 600, "number of tenants")
	zipf := flag.Float64("zipf", 1.0, "Zipf exponent of the tenant sizes (size of tenant i ~ 1/(i+1)^s)")
	nq := flag.Int("queries", 1000, "queries (each confined to one tenant)")
	k := flag.Int("k", 10, "neighbours per query")
	rounds := flag.Int("rounds", 3, "measurement rounds; each configuration reports its best")
	threads := flag.Int("threads", 2, "build threads")
	graphKeys := flag.String("graph", `"max_degree":32,"ef_construction":200,"alpha":1.2`, "graph keys of both indexes' index_param")
	tenantEf := flag.String("ef", "10,12,16,20,24,32,48,64,96,128", "ef_search values of the tenant queries")
	rootEf := flag.String("root-ef", "16,24,32,48,64,96,128,192", "ef_search values of the root queries")
	hgraphEf := flag.String("hgraph-ef", "16,32,64,128,256,512,1000", "ef_search values of the filtered hgraph")
	thresholds := flag.String("thresholds", "0.01,0.05,0.2", "brute_force_threshold values of the filtered hgraph (0 walks the graph for every tenant: its small tenants take seconds per query)")
	check := flag.Bool("check", false, "exit non-zero when a target is missed")
	verbose := flag.Bool("v", false, "report each configuration as it is measured")
	withPyramid := flag.Bool("pyramid", true, "build and measure pyramid too (false: the filtered hgraph alone, no root queries)")
	hgFile := flag.String("hgraph-file", "", "load the hgraph from this file when it exists, else build it and save it there")
	flag.Parse()

	set, err := dataset.FashionMNISTOrGenerated(*dir, os.Stdout)
	if err != nil {
		return err
	}
	d, n := set.Dim, set.NumBase()
	*nq = min(*nq, set.NumQueries())
	queries := set.Queries[:*nq*d]
	fmt.Printf("dataset %s: %d x %d, %d queries, k=%d, %d tenants (Zipf %.2f), simd %s, GOMAXPROCS %d\n",
		set.Name, n, d, *nq, *k, *tenants, *zipf, simd.Level(), runtime.GOMAXPROCS(0))

	// deal the rows to tenants of Zipf sizes, in a random order
	r := rand.New(rand.NewPCG(42, 600))
	sizes := zipfSizes(n, *tenants, *zipf)
	tenantOf := make([]int, n)
	perm := r.Perm(n)
	pos := 0
	for t, s := range sizes {
		for j := 0; j < s; j++ {
			tenantOf[perm[pos]] = t
			pos++
		}
	}
	members := make([][]int32, *tenants)
	for row, t := range tenantOf {
		members[t] = append(members[t], int32(row))
	}
	qTenant := make([]int, *nq)
	cum := make([]float64, len(sizes))
	acc := 0.0
	for t, s := range sizes {
		acc += float64(s)
		cum[t] = acc
	}
	for i := range qTenant {
		u := r.Float64() * acc
		qTenant[i] = sort.SearchFloat64s(cum, u)
	}
	fmt.Printf("tenant sizes: largest %d, median %d, smallest %d\n", sizes[0], sizes[len(sizes)/2], sizes[len(sizes)-1])

	// exact truth: inside each query's tenant, and over all rows (cached)
	tenantKth := make([]float32, *nq)
	for i := range qTenant {
		q := queries[i*d : (i+1)*d]
		ds := make([]float32, 0, len(members[qTenant[i]]))
		for _, row := range members[qTenant[i]] {
			ds = append(ds, simd.L2Sqr(q, set.Base[int(row)*d:int(row+1)*d]))
		}
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		tenantKth[i] = ds[min(*k, len(ds))-1]
	}
	if err := os.MkdirAll(*cache, 0o755); err != nil {
		return err
	}
	gtk := 100
	gt, err := benchutil.LoadOrComputeTruth(filepath.Join(*cache, fmt.Sprintf("%s-l2-q%d-k%d.i32", set.Name, *nq, gtk)), set.Base, queries, d, gtk)
	if err != nil {
		return err
	}
	rootScorer := benchutil.NewScorer(set.Base, queries, d, *k, gt, gtk)
	tenantRecall := func(got []int64) float64 {
		hit, total := 0, 0
		for i := range qTenant {
			q := queries[i*d : (i+1)*d]
			total += min(*k, len(members[qTenant[i]]))
			for _, id := range got[i**k : (i+1)**k] {
				if id >= 0 && tenantOf[id] == qTenant[i] && simd.L2Sqr(q, set.Base[int(id)*d:int(id+1)*d]) <= tenantKth[i]*(1+1e-6) {
					hit++
				}
			}
		}
		return float64(hit) / float64(total)
	}

	ids := make([]int64, n)
	paths := make([]string, n)
	attrs := make([]map[string]any, n)
	for i := range ids {
		ids[i] = int64(i)
		paths[i] = "tenant" + strconv.Itoa(tenantOf[i])
		attrs[i] = map[string]any{"tenant": tenantOf[i]}
	}
	mk := func(name string, keys string) (*core.Index, error) {
		return core.CreateIndex(name, fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"fp32",%s,"build_thread_count":%d}}`, d, keys, *threads))
	}
	var py *core.Index
	var pyBuild time.Duration
	if *withPyramid {
		if py, err = mk("pyramid", *graphKeys); err != nil {
			return err
		}
		t0 := time.Now()
		if _, err := py.Build(&core.Dataset{NumElements: n, Dim: d, IDs: ids, Float32: set.Base, Paths: paths}); err != nil {
			return err
		}
		pyBuild = time.Since(t0)
		fmt.Printf("build (%d threads): pyramid %.1fs, %.1f MiB\n", *threads, pyBuild.Seconds(), float64(py.GetMemoryUsage())/(1<<20))
	}
	hg, err := mk("hgraph", *graphKeys)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if _, serr := os.Stat(*hgFile); *hgFile != "" && serr == nil {
		if err := hg.DeserializeFile(*hgFile); err != nil {
			return err
		}
		fmt.Printf("hgraph loaded from %s in %.1fs, %.1f MiB\n", *hgFile, time.Since(t0).Seconds(), float64(hg.GetMemoryUsage())/(1<<20))
	} else {
		if _, err := hg.Build(&core.Dataset{NumElements: n, Dim: d, IDs: ids, Float32: set.Base, Attributes: attrs}); err != nil {
			return err
		}
		fmt.Printf("build (%d threads): hgraph %.1fs, %.1f MiB\n", *threads, time.Since(t0).Seconds(), float64(hg.GetMemoryUsage())/(1<<20))
		if *hgFile != "" {
			if err := hg.SerializeFile(*hgFile); err != nil {
				return err
			}
		}
	}

	bitsets := make([]*api.Bitset, *tenants) // a set bit excludes: every row of other tenants
	for t := range bitsets {
		b := api.NewBitset()
		for row := 0; row < n; row++ {
			if tenantOf[row] != t {
				b.Set(int64(row), true)
			}
		}
		bitsets[t] = b
	}

	timed := func(fn func(i int) (*core.SearchResult, error)) ([]int64, float64, error) {
		got := make([]int64, *nq**k)
		for i := 0; i < min(*nq, 20); i++ {
			if _, err := fn(i); err != nil {
				return nil, 0, err
			}
		}
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		c0 := benchutil.ThreadCPU()
		for i := 0; i < *nq; i++ {
			res, err := fn(i)
			if err != nil {
				return nil, 0, err
			}
			row := got[i**k : (i+1)**k]
			for j := range row {
				row[j] = -1
				if j < len(res.IDs) {
					row[j] = res.IDs[j]
				}
			}
		}
		return got, (benchutil.ThreadCPU() - c0).Seconds(), nil
	}
	qds := func(i int, path string) *core.Dataset {
		ds := &core.Dataset{NumElements: 1, Dim: d, Float32: queries[i*d : (i+1)*d]}
		if path != "" {
			ds.Paths = []string{path}
		}
		return ds
	}
	var tenantCurves []*curve
	efs, err := ints(*tenantEf)
	if err != nil {
		return err
	}
	if *withPyramid {
		tenantCurves = append(tenantCurves, &curve{name: "pyramid, the tenant's subtree", ef: efs, search: func(ef int) ([]int64, float64, error) {
			js := fmt.Sprintf(`{"pyramid":{"ef_search":%d}}`, ef)
			return timed(func(i int) (*core.SearchResult, error) {
				return py.SearchWithRequest(&core.SearchRequest{Query: qds(i, "tenant"+strconv.Itoa(qTenant[i])), TopK: *k, Params: js})
			})
		}})
	}
	hefs, err := ints(*hgraphEf)
	if err != nil {
		return err
	}
	for _, th := range strings.Split(*thresholds, ",") {
		th := strings.TrimSpace(th)
		tenantCurves = append(tenantCurves, &curve{name: "hgraph + attribute filter, brute_force_threshold " + th, ef: hefs, search: func(ef int) ([]int64, float64, error) {
			js := fmt.Sprintf(`{"hgraph":{"ef_search":%d,"brute_force_threshold":%s}}`, ef, th)
			return timed(func(i int) (*core.SearchResult, error) {
				return hg.SearchWithRequest(&core.SearchRequest{Query: qds(i, ""), TopK: *k, Params: js, FilterExpr: "tenant = " + strconv.Itoa(qTenant[i])})
			})
		}})
		tenantCurves = append(tenantCurves, &curve{name: "hgraph + bitset filter, brute_force_threshold " + th, ef: hefs, search: func(ef int) ([]int64, float64, error) {
			js := fmt.Sprintf(`{"hgraph":{"ef_search":%d,"brute_force_threshold":%s}}`, ef, th)
			return timed(func(i int) (*core.SearchResult, error) {
				return hg.SearchWithRequest(&core.SearchRequest{Query: qds(i, ""), TopK: *k, Params: js, IDs: bitsets[qTenant[i]]})
			})
		}})
	}
	refs, err := ints(*rootEf)
	if err != nil {
		return err
	}
	var rootCurves []*curve
	if *withPyramid {
		rootCurves = []*curve{
			{name: "pyramid, the root (no path)", root: true, ef: refs, search: func(ef int) ([]int64, float64, error) {
				js := fmt.Sprintf(`{"pyramid":{"ef_search":%d}}`, ef)
				return timed(func(i int) (*core.SearchResult, error) {
					return py.SearchWithRequest(&core.SearchRequest{Query: qds(i, ""), TopK: *k, Params: js})
				})
			}},
			{name: "hgraph, no filter", root: true, ef: refs, search: func(ef int) ([]int64, float64, error) {
				js := fmt.Sprintf(`{"hgraph":{"ef_search":%d}}`, ef)
				return timed(func(i int) (*core.SearchResult, error) {
					return hg.SearchWithRequest(&core.SearchRequest{Query: qds(i, ""), TopK: *k, Params: js})
				})
			}},
		}
	}
	all := append(append([]*curve{}, tenantCurves...), rootCurves...)
	for _, c := range all {
		c.recall, c.qps = make([]float64, len(c.ef)), make([]float64, len(c.ef))
	}
	for round := 0; round < max(*rounds, 1); round++ {
		for _, c := range all {
			for j, ef := range c.ef {
				got, secs, err := c.search(ef)
				if err != nil {
					return fmt.Errorf("%s, ef %d: %w", c.name, ef, err)
				}
				if c.root {
					c.recall[j], _ = rootScorer.Score(got)
				} else {
					c.recall[j] = tenantRecall(got)
				}
				c.qps[j] = max(c.qps[j], float64(*nq)/secs)
			}
			if *verbose {
				fmt.Printf("  round %d: %s measured\n", round+1, c.name)
			}
		}
		fmt.Printf("round %d done\n", round+1)
	}
	fmt.Println("\ntenant queries (recall@10 against an exact scan of the tenant)")
	for _, c := range tenantCurves {
		print(c)
	}
	fmt.Println("\nroot queries (recall@10 against an exact scan of all vectors)")
	for _, c := range rootCurves {
		print(c)
	}

	var missed []string
	fmt.Println()
	target := 0.98
	best, bestName := 0.0, ""
	for _, c := range tenantCurves {
		if !strings.Contains(c.name, "attribute") {
			continue
		}
		if q := at(c, target); q > best {
			best, bestName = q, c.name
		}
	}
	bestBits, bestBitsName := 0.0, ""
	for _, c := range tenantCurves {
		if strings.Contains(c.name, "bitset") {
			if q := at(c, target); q > bestBits {
				bestBits, bestBitsName = q, c.name
			}
		}
	}
	fmt.Printf("tenant queries at recall@10 %.2f: best hgraph + attribute filter %.0f QPS (%s); best hgraph + bitset filter %.0f QPS (%s)\n",
		target, best, bestName, bestBits, bestBitsName)
	if !*withPyramid {
		return nil
	}
	pq := at(tenantCurves[0], target)
	fmt.Printf("tenant queries at recall@10 %.2f: pyramid %.0f QPS; best hgraph + attribute filter %.0f QPS (%s): %.1fx; best hgraph + bitset filter %.0f QPS: %.1fx\n",
		target, pq, best, bestName, ratio(pq, best), bestBits, ratio(pq, bestBits))
	if pq == 0 {
		missed = append(missed, fmt.Sprintf("pyramid does not reach recall %.2f on tenant queries", target))
	} else if ratio(pq, best) < 5 {
		missed = append(missed, fmt.Sprintf("pyramid is %.1fx the filtered hgraph, target 5x", ratio(pq, best)))
	}
	for _, rt := range []float64{0.95, 0.98, 0.99} {
		a, b := at(rootCurves[0], rt), at(rootCurves[1], rt)
		fmt.Printf("root queries at recall@10 %.2f: pyramid %.0f QPS, hgraph %.0f QPS: %.2fx\n", rt, a, b, ratio(a, b))
		if rt == 0.98 && (a == 0 || ratio(a, b) < 0.9) {
			missed = append(missed, fmt.Sprintf("root queries at recall %.2f are %.2fx hgraph, target 0.90x", rt, ratio(a, b)))
		}
	}
	if len(missed) > 0 {
		fmt.Println("targets missed:", strings.Join(missed, "; "))
		if *check {
			return errors.New("targets missed")
		}
	} else {
		fmt.Println("targets met")
	}
	return nil
}

// zipfSizes splits n rows over t tenants, tenant i's share ~ 1/(i+1)^s, each at least one.
func zipfSizes(n, t int, s float64) []int {
	w := make([]float64, t)
	sum := 0.0
	for i := range w {
		w[i] = 1 / math.Pow(float64(i+1), s)
		sum += w[i]
	}
	sizes := make([]int, t)
	total := 0
	for i := range sizes {
		sizes[i] = max(1, int(math.Round(w[i]/sum*float64(n))))
		total += sizes[i]
	}
	sizes[0] += n - total // the largest absorbs the rounding
	return sizes
}

func print(c *curve) {
	fmt.Printf("  %s\n", c.name)
	for j, ef := range c.ef {
		fmt.Printf("    ef %5d  recall@10 %.4f  QPS %9.1f\n", ef, c.recall[j], c.qps[j])
	}
}

// at interpolates the QPS of c at recall r (0 when c does not reach it). Points are taken in
// ef order; the first pair that brackets r is used.
func at(c *curve, r float64) float64 {
	for j := range c.ef {
		if c.recall[j] >= r {
			if j == 0 {
				return c.qps[0]
			}
			r0, r1 := c.recall[j-1], c.recall[j]
			if r1 == r0 || r0 > r {
				return c.qps[j]
			}
			f := (r - r0) / (r1 - r0)
			return c.qps[j-1] + f*(c.qps[j]-c.qps[j-1])
		}
	}
	return 0
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.Inf(1)
	}
	return a / b
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("bad integer list %q", s)
		}
		out = append(out, v)
	}
	return out, nil
}

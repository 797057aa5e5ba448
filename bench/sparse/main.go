// Command sparse benchmarks the sindi index on a BM25 corpus made on the machine from
// Debian's package descriptions (apt's Translation-en lists; nothing is downloaded): the long
// descriptions are the documents, the short summaries of held-out packages the queries, and
// exact ground truth comes from an exact sparse brute force (an inverted-index scan of every
// posting of every query term into one accumulator). It prints recall@10 and single-thread QPS
// of sindi configurations against the brute force.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/benchutil"
	"github.com/govsag/vsag/internal/textcorpus"
)

func main() {
	dir := flag.String("lists", "/var/lib/apt/lists", "directory of apt's package lists")
	nq := flag.Int("queries", 1000, "held-out packages whose summaries are the queries")
	k := flag.Int("k", 10, "neighbours per query")
	rounds := flag.Int("rounds", 3, "timed rounds per configuration (the best is kept)")
	only := flag.String("builds", "", "comma-separated build names to run (default: all)")
	searchList := flag.String("searches", "", "semicolon-separated search parameter blocks to run instead of the default list")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the sindi searches to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/sparse:", err)
			os.Exit(1)
		}
		defer f.Close()
		profiling = func(on bool) {
			if on {
				_ = pprof.StartCPUProfile(f)
			} else {
				pprof.StopCPUProfile()
			}
		}
	}
	onlyBuilds = *only
	if *searchList != "" {
		onlySearches = strings.Split(*searchList, ";")
	}
	if err := run(*dir, *nq, *k, *rounds); err != nil {
		profiling(false)
		fmt.Fprintln(os.Stderr, "bench/sparse:", err)
		os.Exit(1)
	}
}

// brute is the exact sparse brute force: one inverted list per term over the whole corpus.
type brute struct {
	docs [][]uint32
	vals [][]float32
	acc  []float32
	heap topk.MaxHeap
}

func newBrute(c *textcorpus.CSR, vocab int) *brute {
	b := &brute{docs: make([][]uint32, vocab), vals: make([][]float32, vocab), acc: make([]float32, c.Rows())}
	for d := 0; d < c.Rows(); d++ {
		for p := c.Off[d]; p < c.Off[d+1]; p++ {
			t := c.IDs[p]
			b.docs[t] = append(b.docs[t], uint32(d))
			b.vals[t] = append(b.vals[t], c.Vals[p])
		}
	}
	return b
}

// search scores every posting of the query's terms and returns the k best documents.
func (b *brute) search(ids []uint32, w []float32, k int) []topk.Item {
	acc := b.acc
	for i, t := range ids {
		q := w[i]
		vals := b.vals[t]
		for j, d := range b.docs[t] {
			acc[d] += q * vals[j]
		}
	}
	h := &b.heap
	h.Reset(k)
	for _, t := range ids {
		for _, d := range b.docs[t] {
			if s := acc[d]; s != 0 {
				acc[d] = 0
				if !h.Full() || 1-s < h.Top().Dist {
					h.Push(1-s, d)
				}
			}
		}
	}
	return b.heap.Sorted()
}

// onlyBuilds limits the builds run (-builds).
var onlyBuilds string

// onlySearches replaces the searches run (-searches).
var onlySearches []string

// profiling starts and stops the CPU profile around the sindi searches (-cpuprofile).
var profiling = func(bool) {}

func run(dir string, nq, k, rounds int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := time.Now()
	entries, err := textcorpus.ReadDescriptions(dir)
	if err != nil {
		return err
	}
	queryText, docText := textcorpus.Split(entries, nq)
	enc := textcorpus.FitBM25(docText)
	docs := enc.EncodeDocs(docText)
	queries := enc.EncodeQueries(queryText)
	fmt.Printf("corpus: %d package descriptions (%d terms, %d postings, %.1f terms/doc), %d queries (%.1f terms/query), prepared in %.1fs\n",
		docs.Rows(), len(enc.DF), len(docs.IDs), float64(len(docs.IDs))/float64(docs.Rows()), queries.Rows(),
		float64(len(queries.IDs))/float64(queries.Rows()), time.Since(t0).Seconds())

	bf := newBrute(docs, len(enc.DF))
	gt := make([][]int64, queries.Rows())
	kth := make([]float32, queries.Rows())
	bfTime := time.Duration(1 << 62)
	for r := 0; r < rounds; r++ {
		start := benchutil.ThreadCPU()
		for i := range gt {
			lo, hi := queries.Off[i], queries.Off[i+1]
			items := bf.search(queries.IDs[lo:hi], queries.Vals[lo:hi], k)
			if r == 0 {
				for _, it := range items {
					gt[i] = append(gt[i], int64(it.ID))
				}
				if len(items) > 0 {
					kth[i] = items[len(items)-1].Dist
				}
			}
		}
		bfTime = min(bfTime, benchutil.ThreadCPU()-start)
	}
	bfQPS := float64(queries.Rows()) / bfTime.Seconds()
	fmt.Printf("exact sparse brute force (inverted-index scan): %.0f QPS, one thread (queries per CPU-second of the searching thread)\n\n", bfQPS)
	ev := &evaluator{docs: docs, queries: queries, gt: gt, kth: kth}
	// baseline runs the brute force over every query once, for the rounds interleaved with
	// each configuration's, and returns its CPU time
	ev.baseline = func() time.Duration {
		start := benchutil.ThreadCPU()
		for i := range gt {
			lo, hi := queries.Off[i], queries.Off[i+1]
			bf.search(queries.IDs[lo:hi], queries.Vals[lo:hi], k)
		}
		return benchutil.ThreadCPU() - start
	}

	ids := make([]int64, docs.Rows())
	for i := range ids {
		ids[i] = int64(i)
	}
	base := &core.Dataset{NumElements: docs.Rows(), IDs: ids, SparseOffsets: docs.Off, SparseIDs: docs.IDs, SparseValues: docs.Vals}
	builds := []struct{ name, param string }{
		{"fp32", `{}`},
		{"fp32+reorder", `{"use_reorder":true}`},
		{"sq8+reorder", `{"use_quantization":true,"use_reorder":true}`},
		{"prune0.3+reorder", `{"doc_prune_ratio":0.3,"use_reorder":true}`},
		{"fp32+docorder", `{"doc_ordered_postings":true}`},
		{"fp32+reorder+do", `{"use_reorder":true,"doc_ordered_postings":true}`},
	}
	searches := []string{
		`{"sindi":{}}`,
		`{"sindi":{"use_dynamic_pruning":true}}`,
		`{"sindi":{"use_max_score":true}}`,
		`{"sindi":{"n_candidate":100,"term_retain_threshold":4000}}`,
		`{"sindi":{"n_candidate":100,"term_retain_threshold":2000}}`,
		`{"sindi":{"n_candidate":200,"term_retain_threshold":1000}}`,
		`{"sindi":{"n_candidate":200,"term_retain_threshold":500}}`,
		`{"sindi":{"n_candidate":100,"term_prune_ratio":0.5}}`,
		`{"sindi":{"n_candidate":100,"query_prune_ratio":0.3,"term_retain_threshold":2000}}`,
	}
	if onlySearches != nil {
		searches = onlySearches
	}
	fmt.Printf("%-18s %-78s %9s %9s %9s %8s\n", "build", "search", "recall@10", "QPS", "bf QPS", "vs bf")
	type best struct {
		build, search string
		recall, qps   float64
		ratio         float64
	}
	var top best
	profiling(true)
	defer profiling(false)
	for _, b := range builds {
		if onlyBuilds != "" && !slices.Contains(strings.Split(onlyBuilds, ","), b.name) {
			continue
		}
		x, err := core.CreateIndex("sindi", fmt.Sprintf(`{"dtype":"sparse","metric_type":"ip","dim":%d,"index_param":%s}`, 256, b.param))
		if err != nil {
			return err
		}
		start := time.Now()
		if _, err := x.Build(base); err != nil {
			return err
		}
		fmt.Printf("%-18s built in %.2fs, %.1f MB\n", b.name, time.Since(start).Seconds(), float64(x.GetMemoryUsage())/1e6)
		for _, s := range searches {
			maxScore := strings.Contains(s, `"use_max_score":true`)
			if maxScore != strings.Contains(b.param, `"doc_ordered_postings":true`) && (maxScore || onlySearches == nil) {
				continue // use_max_score needs doc_ordered_postings; that build runs only it by default
			}
			if b.name == "fp32" && s != searches[0] && s != searches[1] && onlySearches == nil {
				continue
			}
			recall, qps, bfNow, err := ev.measure(x, k, s, rounds)
			if err != nil {
				return err
			}
			fmt.Printf("%-18s %-78s %9.4f %9.0f %9.0f %7.2fx\n", b.name, s, recall, qps, bfNow, qps/bfNow)
			if recall >= 0.99 && qps/bfNow > top.ratio {
				top = best{b.name, s, recall, qps, qps / bfNow}
			}
		}
	}
	if top.qps > 0 {
		fmt.Printf("\nbest at recall@10 >= 0.99: %s %s: recall %.4f, %.0f QPS = %.2fx the brute force of the same rounds\n", top.build, top.search, top.recall, top.qps, top.ratio)
	}
	return nil
}

// evaluator scores results against the brute force's ground truth. A result counts as a hit
// when it is a ground-truth label or scores exactly as well as the k-th of them (BM25 gives
// many documents equal scores; which of the tied ones a search returns is arbitrary).
type evaluator struct {
	docs, queries *textcorpus.CSR
	gt            [][]int64
	kth           []float32
	baseline      func() time.Duration // one brute-force round over every query
}

// dist returns the exact distance (1 - inner product) of query i to document d.
func (e *evaluator) dist(i int, d int64) float32 {
	qa, qb := e.queries.Off[i], e.queries.Off[i+1]
	da, db := e.docs.Off[d], e.docs.Off[d+1]
	s := float32(0)
	for qa < qb && da < db {
		switch a, b := e.queries.IDs[qa], e.docs.IDs[da]; {
		case a == b:
			s += e.queries.Vals[qa] * e.docs.Vals[da]
			qa++
			da++
		case a < b:
			qa++
		default:
			da++
		}
	}
	return 1 - s
}

func (e *evaluator) hits(i int, got []int64) int {
	in := map[int64]bool{}
	for _, g := range e.gt[i] {
		in[g] = true
	}
	n := 0
	for _, g := range got {
		if g >= 0 && (in[g] || e.dist(i, g) <= e.kth[i]+1e-5) {
			n++
		}
	}
	return min(n, len(e.gt[i]))
}

// measure runs every query through Index.KnnSearch on one thread, rounds times, each round
// after a round of the brute force, and returns recall@k and the best round's queries per
// CPU-second of the search and of the brute force (interleaved, so that both see the same
// machine).
func (e *evaluator) measure(x *core.Index, k int, search string, rounds int) (float64, float64, float64, error) {
	q := e.queries
	best, bfBest := time.Duration(1<<62), time.Duration(1<<62)
	hits, total := 0, 0
	for r := 0; r < rounds; r++ {
		bfBest = min(bfBest, e.baseline())
		start := benchutil.ThreadCPU()
		for i := 0; i < q.Rows(); i++ {
			lo, hi := q.Off[i], q.Off[i+1]
			one := &core.Dataset{NumElements: 1, SparseOffsets: []int64{0, hi - lo}, SparseIDs: q.IDs[lo:hi], SparseValues: q.Vals[lo:hi]}
			res, err := x.KnnSearch(one, k, search, nil)
			if err != nil {
				return 0, 0, 0, err
			}
			if r == 0 {
				hits += e.hits(i, res.IDs)
				total += len(e.gt[i])
			}
		}
		best = min(best, benchutil.ThreadCPU()-start)
	}
	n := float64(q.Rows())
	return float64(hits) / float64(max(total, 1)), n / best.Seconds(), n / bfBest.Seconds(), nil
}

// Command hgraph compares the hgraph index with hnswlib on Fashion-MNIST (60k x 784, l2): it
// builds hgraph with several quantizers and hnswlib (M=16, ef_construction=200, through the
// C++ driver next to this file), sweeps ef_search over single-threaded queries, and prints
// recall@k, QPS, build time, bytes per vector and the QPS ratio to hnswlib interpolated at
// fixed recalls.
//
// Searches are measured in -rounds rounds; each round sweeps every hgraph index and then
// hnswlib (its driver keeps its index and answers one ef at a time), and each point keeps its
// best QPS, so that load from other work on a shared machine falls on every index alike.
//
// The exact ground truth and the fvecs copies the driver reads are cached under -cache.
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"github.com/govsag/vsag/internal/benchutil"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/internal/dataset"
	"github.com/govsag/vsag/internal/textcorpus"
	"github.com/govsag/vsag/simd"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-hgraph:", err)
		os.Exit(1)
	}
}

// point is one measurement of a sweep.
type point struct {
	ef     int
	recall float64
	byID   float64
	qps    float64 // queries per second of wall time
	cpuQPS float64 // queries per second of the searching thread's CPU time
}

// curve is one index configuration's results.
type curve struct {
	name     string
	build    time.Duration
	buildCPU time.Duration
	bytes    float64
	points   []point
}

type config struct {
	name  string
	param string // index_param body
	// search is the search block with {W} for the swept window and {2W} for twice it
	// (default: ef_search only)
	search string
}

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	cache := flag.String("cache", "build/cache", "folder for the cached ground truth and fvecs files")
	driver := flag.String("driver", "build/hnswlib_driver", "the compiled hnswlib driver (empty: skip hnswlib)")
	nq := flag.Int("queries", 1000, "number of test queries")
	k := flag.Int("k", 10, "neighbours per query")
	efList := flag.String("ef", "10,12,13,14,16,18,20,24,32,48,64,96,128,200,300", "ef_search values to sweep")
	only := flag.String("only", "", "comma-separated config names to run (default all)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of every round of the searches to this file (hnswlib's run in its own process; -only picks the indexes)")
	rounds := flag.Int("rounds", 5, "measurement rounds over all indexes and hnswlib, interleaved; each point keeps its best")
	hnswM := flag.Int("hnswlib-m", 16, "hnswlib's M (its bottom layer keeps 2M neighbours); the ratios are against this hnswlib")
	mode := flag.String("mode", "hnswlib", "hnswlib: quantizers against hnswlib; leanvec: LeanVec and LVQ-8 against fp32 (no hnswlib)")
	data := flag.String("data", "fashion-mnist", "fashion-mnist; fashion-mnist-196 (the images pooled 2x2 to 14x14, another dimension); clustered-128 (100 000 Gaussian vectors around 32 centres, 128 dimensions: another distribution); fashion-mnist-cosine (the images at unit length searched by cosine: another metric); debian-text-256 (Debian's package descriptions as TF-IDF vectors projected to 256 dimensions, searched by cosine: text; needs apt's Translation-en lists)")
	var extra []string
	flag.Func("config", "an extra index to measure, NAME=INDEX_PARAM_BODY, split where '=\"' first occurs (repeatable; e.g. 'my sq8 alpha=1.1=\"base_quantization_type\":\"sq8\",\"alpha\":1.1'); -only names it too", func(v string) error {
		if !strings.Contains(v, `="`) {
			return fmt.Errorf("want NAME=INDEX_PARAM_BODY (the body starts with a quoted key), got %q", v)
		}
		extra = append(extra, v)
		return nil
	})
	flag.Parse()

	set, err := loadData(*data, *dir)
	if err != nil {
		return err
	}
	d, n := set.Dim, set.NumBase()
	metric := "l2"
	if set.Metric == "cosine" {
		metric = "cosine"
	}
	*nq = min(*nq, set.NumQueries())
	queries := set.Queries[:*nq*d]
	efs, err := parseInts(*efList)
	if err != nil {
		return err
	}
	fmt.Printf("dataset %s: %d x %d, %d queries, k=%d, simd %s, %d CPUs; QPS is one query at a time on one thread\n\n",
		set.Name, n, d, *nq, *k, simd.Level(), runtime.NumCPU())

	if err := os.MkdirAll(*cache, 0o755); err != nil {
		return err
	}
	gtk := 100
	gtPath := filepath.Join(*cache, fmt.Sprintf("%s-l2-q%d-k%d.i32", set.Name, *nq, gtk))
	gt, err := benchutil.LoadOrComputeTruth(gtPath, set.Base, queries, d, gtk)
	if err != nil {
		return err
	}
	sc := benchutil.NewScorer(set.Base, queries, d, *k, gt, gtk)

	configs := []config{
		{"hgraph fp32", `"base_quantization_type":"fp32","max_degree":32,"ef_construction":200,"build_thread_count":1`, ""},
		{"hgraph sq8_uniform+fp32 reorder", `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32","max_degree":32,"ef_construction":200,"build_thread_count":1`, ""},
		{"hgraph sq4_uniform+fp32 reorder", `"base_quantization_type":"sq4_uniform","use_reorder":true,"precise_quantization_type":"fp32","max_degree":32,"ef_construction":200,"build_thread_count":1`, ""},
		{"hgraph fp16", `"base_quantization_type":"fp16","max_degree":32,"ef_construction":200,"build_thread_count":1`, ""},
		// alpha > 1 keeps more edges through pruning: a denser graph that reaches higher recall
		{"hgraph fp32 alpha=1.1", `"base_quantization_type":"fp32","max_degree":32,"ef_construction":200,"alpha":1.1,"build_thread_count":1`, ""},
		{"hgraph sq8_uniform+fp32 reorder alpha=1.1", `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32","max_degree":32,"ef_construction":200,"alpha":1.1,"build_thread_count":1`, ""},
		{"hgraph sq4_uniform+fp32 reorder alpha=1.1", `"base_quantization_type":"sq4_uniform","use_reorder":true,"precise_quantization_type":"fp32","max_degree":32,"ef_construction":200,"alpha":1.1,"build_thread_count":1`, ""},
		// fp16 reorder: half the bytes per reranked row of fp32, distances within 2^-11 relative
		{"hgraph sq8_uniform+fp16 reorder", `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp16","max_degree":32,"ef_construction":200,"build_thread_count":1`, ""},
		{"hgraph sq4_uniform+fp16 reorder alpha=1.1", `"base_quantization_type":"sq4_uniform","use_reorder":true,"precise_quantization_type":"fp16","max_degree":32,"ef_construction":200,"alpha":1.1,"build_thread_count":1`, ""},
		// sq8_uniform reorder: a byte per dimension, a quarter of fp32's rerank reads; its distances
		// are exact on byte-valued data (Fashion-MNIST's pixels), a coarser rerank elsewhere
		{"hgraph sq4_uniform+sq8_uniform reorder alpha=1.1", `"base_quantization_type":"sq4_uniform","use_reorder":true,"precise_quantization_type":"sq8_uniform","max_degree":32,"ef_construction":200,"alpha":1.1,"build_thread_count":1`, ""},
		{"hgraph fp32 alpha=1.2", `"base_quantization_type":"fp32","max_degree":32,"ef_construction":200,"alpha":1.2,"build_thread_count":1`, ""},
	}
	if *mode == "leanvec" {
		configs = leanvecConfigs(d)
		*driver = ""
	}
	for _, v := range extra {
		i := strings.Index(v, `="`)
		name, body := v[:i], v[i+1:]
		configs = append(configs, config{name: name, param: body})
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			want[s] = true
		}
	}
	var prof *os.File
	if *cpuprofile != "" {
		if prof, err = os.Create(*cpuprofile); err != nil {
			return err
		}
		defer prof.Close()
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	var curves []curve
	type builtIndex struct {
		idx *core.Index
		cf  config
	}
	var built []builtIndex
	var build1, build2 time.Duration // fastest one-thread and two-thread fp32 builds
	for _, cf := range configs {
		if len(want) > 0 && !want[cf.name] {
			continue
		}
		js := fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{%s}}`, metric, d, cf.param)
		idx, err := core.CreateIndex("hgraph", js)
		if err != nil {
			fmt.Printf("%s: skipped (%v)\n", cf.name, err)
			continue
		}
		t0, cpu0 := time.Now(), benchutil.ProcessCPU()
		if _, err := idx.Build(&core.Dataset{NumElements: n, Dim: d, IDs: ids, Float32: set.Base}); err != nil {
			return err
		}
		c := curve{name: cf.name, build: time.Since(t0), buildCPU: benchutil.ProcessCPU() - cpu0, bytes: float64(idx.GetMemoryUsage()) / float64(n)}
		fmt.Printf("%s: built in %.1fs (%.1fs of CPU), %.0f bytes/vector\n", cf.name, c.build.Seconds(), c.buildCPU.Seconds(), c.bytes)
		// measured below in interleaved rounds, so that load from other work on the machine
		// falls on every index (and on hnswlib) alike
		curves = append(curves, c)
		built = append(built, builtIndex{idx, cf})
		if cf.name == "hgraph fp32" && runtime.NumCPU() >= 2 && *mode != "leanvec" {
			// one-thread and two-thread builds alternate, and each count keeps its fastest of
			// two, as the searches keep their best round: a build that happened to share the
			// machine does not decide the ratio
			js2 := strings.Replace(js, `"build_thread_count":1`, `"build_thread_count":2`, 1)
			build1 = c.build
			var cores float64
			var idx2 *core.Index
			for round := 0; round < 2; round++ {
				if round > 0 {
					t1, err := timedBuild(js, n, d, ids, set.Base)
					if err != nil {
						return err
					}
					build1 = min(build1, t1)
				}
				ix, err := core.CreateIndex("hgraph", js2)
				if err != nil {
					return err
				}
				t0, cpu0 := time.Now(), benchutil.ProcessCPU()
				if _, err := ix.Build(&core.Dataset{NumElements: n, Dim: d, IDs: ids, Float32: set.Base}); err != nil {
					return err
				}
				if t := time.Since(t0); build2 == 0 || t < build2 {
					build2, cores, idx2 = t, (benchutil.ProcessCPU()-cpu0).Seconds()/t.Seconds(), ix
				}
			}
			p, err := sweep(idx2, cf.searchJSON(64), queries, d, *nq, *k, 64, sc)
			if err != nil {
				return err
			}
			// CPU over wall time shows how many cores the build really got: on a shared machine
			// the speed-up is bounded by it, whatever the index does
			fmt.Printf("hgraph fp32, fastest of two builds each: 1 thread %.1fs, 2 threads %.1fs (%.2fx faster, %.2f cores busy); recall at ef 64 %.4f\n",
				build1.Seconds(), build2.Seconds(), build1.Seconds()/build2.Seconds(), cores, p.recall)
		}
		runtime.GC()
	}

	var hn *hnswlibProc
	if *driver != "" {
		if hn, err = startHnswlib(*driver, *cache, set, queries, gtPath, gtk, *k, *hnswM, sc); err != nil {
			fmt.Printf("hnswlib: skipped (%v)\n", err)
		} else {
			defer hn.close()
			fmt.Printf("%s: built in %.1fs (%.1fs of CPU), %.0f bytes/vector\n", hn.curve.name, hn.curve.build.Seconds(), hn.curve.buildCPU.Seconds(), hn.curve.bytes)
		}
	}
	keep := func(c *curve, r, j int, p point) {
		if r == 0 {
			c.points = append(c.points, p)
			return
		}
		c.points[j].qps = math.Max(c.points[j].qps, p.qps)
		c.points[j].cpuQPS = math.Max(c.points[j].cpuQPS, p.cpuQPS)
	}
	if prof != nil {
		_ = pprof.StartCPUProfile(prof)
		defer pprof.StopCPUProfile() // on an early return; a no-op after the stop below
	}
	for r := 0; r < *rounds && len(built) > 0; r++ {
		for i, b := range built {
			for j, ef := range efs {
				p, err := sweep(b.idx, b.cf.searchJSON(ef), queries, d, *nq, *k, ef, sc)
				if err != nil {
					return err
				}
				keep(&curves[i], r, j, p)
			}
		}
		if hn != nil {
			for j, ef := range efs {
				p, err := hn.sweep(ef)
				if err != nil {
					return err
				}
				keep(&hn.curve, r, j, p)
			}
		}
	}
	if prof != nil {
		pprof.StopCPUProfile()
	}
	all := curves
	if hn != nil {
		all = append(append([]curve(nil), curves...), hn.curve)
	}
	for _, c := range all {
		fmt.Printf("%s (best of %d rounds):\n", c.name, *rounds)
		for _, p := range c.points {
			fmt.Printf("  ef %4d  recall %.4f (by id %.4f)  qps %8.0f  cpu-qps %8.0f\n", p.ef, p.recall, p.byID, p.qps, p.cpuQPS)
		}
	}

	var ref *curve
	if hn != nil {
		ref = &hn.curve
	}
	report(curves, ref, build1, build2)
	if *mode == "leanvec" {
		leanvecReport(curves)
	}
	return nil
}

func (c config) searchJSON(ef int) string {
	if c.search == "" {
		return fmt.Sprintf(`{"hgraph":{"ef_search":%d}}`, ef)
	}
	return strings.NewReplacer("{2W}", strconv.Itoa(2*ef), "{W}", strconv.Itoa(ef)).Replace(c.search)
}

// leanvecConfigs are the configurations of -mode leanvec: fp32 as the reference, LVQ-8 codes
// without reranking on the same graph settings, and LeanVec to about d/5 dimensions (lvq8
// primary codes for the graph, fp16 full vectors for reranking) on an nsw and a Vamana graph.
func leanvecConfigs(dim int) []config {
	ld := (dim/5 + 15) / 16 * 16 // 784 -> 160
	common := `"max_degree":32,"ef_construction":200,"build_thread_count":1`
	lv := fmt.Sprintf(`"base_quantization_type":"leanvec","leanvec_dims":%d,"leanvec_primary":"lvq8","leanvec_secondary":"fp16",`, ld)
	return []config{
		{name: "hgraph fp32", param: `"base_quantization_type":"fp32",` + common},
		{name: "hgraph lvq8", param: `"base_quantization_type":"lvq8",` + common},
		{name: fmt.Sprintf("hgraph leanvec %d lvq8/fp16", ld), param: lv + common},
		{name: fmt.Sprintf("hgraph leanvec %d lvq8/fp16 buffer 2x", ld), param: lv + common,
			search: `{"hgraph":{"search_window_size":{W},"search_buffer_capacity":{2W}}}`},
		{name: fmt.Sprintf("hgraph vamana leanvec %d lvq8/fp16", ld), param: lv + `"graph_type":"vamana","alpha":1.2,"window_size":100,` + common},
	}
}

// leanvecReport prints the targets: LeanVec's QPS at recall@10 0.95 against fp32's,
// and LVQ-8's recall at each ef against fp32's.
func leanvecReport(curves []curve) {
	var fp, lq *curve
	for i := range curves {
		switch curves[i].name {
		case "hgraph fp32":
			fp = &curves[i]
		case "hgraph lvq8":
			lq = &curves[i]
		}
	}
	if fp == nil {
		return
	}
	fmt.Println()
	for _, cpu := range []bool{true, false} {
		fq, ok := qpsAt(fp, 0.95, cpu)
		if !ok {
			continue
		}
		unit := "CPU"
		if !cpu {
			unit = "wall"
		}
		for i := range curves {
			c := &curves[i]
			if c == fp || c == lq {
				continue
			}
			if q, ok := qpsAt(c, 0.95, cpu); ok {
				fmt.Printf("%s at recall@10 0.95: %.0f QPS (%s) vs fp32 %.0f: %.2fx; build %.1fs vs %.1fs; %.0f vs %.0f bytes/vector\n",
					c.name, q, unit, fq, q/fq, c.build.Seconds(), fp.build.Seconds(), c.bytes, fp.bytes)
			} else {
				fmt.Printf("%s: never reaches recall@10 0.95\n", c.name)
			}
		}
	}
	if lq != nil {
		worst := 0.0
		for i, p := range lq.points {
			if i < len(fp.points) && fp.points[i].ef == p.ef {
				diff := fp.points[i].recall - p.recall
				worst = math.Max(worst, diff)
				fmt.Printf("ef %4d: fp32 recall %.4f, lvq8 %.4f (%+.4f)\n", p.ef, fp.points[i].recall, p.recall, -diff)
			}
		}
		fmt.Printf("lvq8 without rerank: largest recall@10 loss to fp32 at the same ef %.4f\n", worst)
	}
}

// sweep runs every query once at one ef and returns recall@k and QPS.
func sweep(idx *core.Index, js string, queries []float32, d, nq, k, ef int, sc *benchutil.Scorer) (point, error) {
	got, secs, cpu, err := benchutil.TimedSearch(idx, js, queries, d, nq, k)
	if err != nil {
		return point{}, err
	}
	r, byID := sc.Score(got)
	return point{ef: ef, recall: r, byID: byID, qps: float64(nq) / secs, cpuQPS: float64(nq) / cpu}, nil
}

// hnswlibProc is the hnswlib driver running interactively: it builds its index once, then
// answers one ef sweep point per line written to its input, so that its searches can be
// interleaved with hgraph's in measurement rounds.
type hnswlibProc struct {
	cmd       *exec.Cmd
	in        io.WriteCloser
	lines     *bufio.Scanner
	outPrefix string
	k         int
	sc        *benchutil.Scorer
	curve     curve
}

func startHnswlib(driver, cache string, set *dataset.Set, queries []float32, gtPath string, gtk, k, m int, sc *benchutil.Scorer) (*hnswlibProc, error) {
	if _, err := os.Stat(driver); err != nil {
		return nil, fmt.Errorf("driver %s not built", driver)
	}
	d := set.Dim
	basePath := filepath.Join(cache, set.Name+"-base.fvecs")
	qPath := filepath.Join(cache, fmt.Sprintf("%s-queries-%d.fvecs", set.Name, len(queries)/d))
	for _, f := range []struct {
		path string
		v    []float32
	}{{basePath, set.Base}, {qPath, queries}} {
		if st, err := os.Stat(f.path); err == nil && st.Size() == int64(len(f.v)/d*(4+4*d)) {
			continue
		}
		if err := dataset.WriteFvecs(f.path, f.v, d); err != nil {
			return nil, err
		}
	}
	h := &hnswlibProc{outPrefix: filepath.Join(cache, "hnswlib-results"), k: k, sc: sc,
		curve: curve{name: fmt.Sprintf("hnswlib M=%d efc=200", m)}}
	args := []string{basePath, qPath, gtPath, strconv.Itoa(gtk), strconv.Itoa(m), "200", strconv.Itoa(k), h.outPrefix, "-"}
	if set.Metric == "cosine" {
		args = append([]string{"-ip"}, args...)
	}
	h.cmd = exec.Command(driver, args...)
	h.cmd.Stderr = os.Stderr
	var err error
	if h.in, err = h.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := h.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := h.cmd.Start(); err != nil {
		return nil, err
	}
	h.lines = bufio.NewScanner(out)
	for h.curve.bytes == 0 && h.lines.Scan() {
		f := strings.Fields(h.lines.Text())
		switch {
		case len(f) == 3 && f[0] == "build_seconds":
			s, _ := strconv.ParseFloat(f[1], 64)
			h.curve.build = time.Duration(s * float64(time.Second))
			s, _ = strconv.ParseFloat(f[2], 64)
			h.curve.buildCPU = time.Duration(s * float64(time.Second))
		case len(f) == 2 && f[0] == "bytes_per_vector":
			h.curve.bytes, _ = strconv.ParseFloat(f[1], 64)
		}
	}
	if h.curve.bytes == 0 {
		h.close()
		return nil, fmt.Errorf("hnswlib driver ended before its index was built")
	}
	return h, nil
}

// sweep has the driver search every query at ef and scores its results.
func (h *hnswlibProc) sweep(ef int) (point, error) {
	if _, err := fmt.Fprintf(h.in, "%d\n", ef); err != nil {
		return point{}, err
	}
	if !h.lines.Scan() {
		return point{}, fmt.Errorf("hnswlib driver ended: %v", h.lines.Err())
	}
	f := strings.Fields(h.lines.Text())
	if len(f) != 8 || f[0] != "ef" {
		return point{}, fmt.Errorf("hnswlib driver said %q", h.lines.Text())
	}
	q, _ := strconv.ParseFloat(f[5], 64)
	cq, _ := strconv.ParseFloat(f[7], 64)
	b, err := os.ReadFile(fmt.Sprintf("%s-ef%d.i64", h.outPrefix, ef))
	if err != nil {
		return point{}, err
	}
	got := make([]int64, len(b)/8)
	for i := range got {
		got[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	if len(got) != h.sc.Queries()*h.k {
		return point{}, fmt.Errorf("hnswlib results for ef %d hold %d ids", ef, len(got))
	}
	r, byID := h.sc.Score(got)
	return point{ef: ef, recall: r, byID: byID, qps: q, cpuQPS: cq}, nil
}

func (h *hnswlibProc) close() {
	_ = h.in.Close()
	_ = h.cmd.Wait()
}

// qpsAt interpolates the QPS (wall or CPU) of a curve at a recall, log-linearly between
// neighbouring measurements; ok is false when the curve never reaches the recall.
func qpsAt(c *curve, recall float64, cpu bool) (float64, bool) {
	pts := append([]point(nil), c.points...)
	sort.Slice(pts, func(i, j int) bool { return pts[i].recall < pts[j].recall })
	q := func(p point) float64 {
		if cpu {
			return p.cpuQPS
		}
		return p.qps
	}
	for i := range pts {
		if pts[i].recall >= recall {
			if i == 0 {
				return q(pts[0]), true
			}
			a, b := pts[i-1], pts[i]
			if b.recall == a.recall {
				return q(b), true
			}
			t := (recall - a.recall) / (b.recall - a.recall)
			return math.Exp(math.Log(q(a)) + t*(math.Log(q(b))-math.Log(q(a)))), true
		}
	}
	return 0, false
}

func report(curves []curve, ref *curve, build1, build2 time.Duration) {
	targets := []float64{0.90, 0.95, 0.97, 0.99}
	all := curves
	if ref != nil {
		all = append(append([]curve(nil), curves...), *ref)
	}
	for _, cpu := range []bool{true, false} {
		what := "QPS per CPU-second of the searching thread"
		if !cpu {
			what = "QPS per wall-clock second"
		}
		fmt.Printf("\n%s (ratio to hnswlib at the same recall@10 in parentheses)\n\n", what)
		fmt.Println("| index | build s (CPU s) | bytes/vector | @0.90 | @0.95 | @0.97 | @0.99 | max recall |")
		fmt.Println("|---|---|---|---|---|---|---|---|")
		for i := range all {
			c := &all[i]
			row := fmt.Sprintf("| %s | %.1f (%.1f) | %.0f |", c.name, c.build.Seconds(), c.buildCPU.Seconds(), c.bytes)
			for _, r := range targets {
				q, ok := qpsAt(c, r, cpu)
				cell := "-"
				if ok {
					cell = fmt.Sprintf("%.0f", q)
					if ref != nil && i < len(all)-1 {
						if rq, rok := qpsAt(ref, r, cpu); rok {
							cell += fmt.Sprintf(" (%.2fx)", q/rq)
						}
					}
				}
				row += " " + cell + " |"
			}
			best := 0.0
			for _, p := range c.points {
				best = math.Max(best, p.recall)
			}
			fmt.Printf("%s %.4f |\n", row, best)
		}
	}
	if ref != nil {
		for _, c := range curves {
			if c.name == "hgraph fp32" {
				fmt.Printf("\nbuild, max_degree 32 / M 16, ef_construction 200, 1 thread: hgraph %.1fs (%.1fs CPU) vs hnswlib %.1fs (%.1fs CPU): %.2fx wall, %.2fx CPU\n",
					c.build.Seconds(), c.buildCPU.Seconds(), ref.build.Seconds(), ref.buildCPU.Seconds(),
					c.build.Seconds()/ref.build.Seconds(), c.buildCPU.Seconds()/ref.buildCPU.Seconds())
				if build2 > 0 {
					fmt.Printf("hgraph with 2 build threads: %.1fs, %.2fx faster than 1 thread (%.1fs; fastest of two builds each)\n", build2.Seconds(), build1.Seconds()/build2.Seconds(), build1.Seconds())
				}
			}
		}
	}
	fmt.Println("recall@10 counts a result as a hit when it is no farther than the 10th true neighbour (ties are not misses);")
	fmt.Println("CPU-second figures do not depend on other work sharing the machine, wall-clock figures do.")
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("bad ef value %q", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// timedBuild builds an hgraph index of the given parameters over the n x d vectors and returns
// the wall time the build took; the index is dropped.
func timedBuild(js string, n, d int, ids []int64, base []float32) (time.Duration, error) {
	ix, err := core.CreateIndex("hgraph", js)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	if _, err := ix.Build(&core.Dataset{NumElements: n, Dim: d, IDs: ids, Float32: base}); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// loadData returns the benchmark's dataset: Fashion-MNIST (or generated data of its shape when it
// is not installed), Fashion-MNIST pooled to 14 x 14, or clustered Gaussian vectors; the latter
// two are data the quantizers and defaults were not tuned on.
func loadData(name, dir string) (*dataset.Set, error) {
	switch name {
	case "fashion-mnist":
		return dataset.FashionMNISTOrGenerated(dir, os.Stdout)
	case "fashion-mnist-196":
		set, err := dataset.FashionMNISTOrGenerated(dir, os.Stdout)
		if err != nil {
			return nil, err
		}
		return pool2x2(set, 28), nil
	case "clustered-128":
		set := dataset.Generated(100000, 1000, 128, 7)
		set.Name = "clustered-100000x128"
		return set, nil
	case "fashion-mnist-cosine":
		set, err := dataset.FashionMNISTOrGenerated(dir, os.Stdout)
		if err != nil {
			return nil, err
		}
		return normalized(set), nil
	case "debian-text-256":
		return textSet(256)
	}
	return nil, fmt.Errorf("unknown -data %q", name)
}

// textSet returns Debian's package descriptions as dense vectors of dim dimensions, searched by
// cosine: BM25 term weights times IDF (TF-IDF with BM25's saturation and length norm), mapped
// by a Gaussian random projection. The documents are the long descriptions, the queries the
// summaries of 1 000 held-out packages, split as bench/sparse splits them. The text comes
// from apt's Translation-en lists (apt-get update -o Acquire::Languages=en).
func textSet(dim int) (*dataset.Set, error) {
	entries, err := textcorpus.ReadDescriptions("/var/lib/apt/lists")
	if err != nil {
		return nil, err
	}
	_, dText := textcorpus.Split(entries, 0)
	qText, dText := dText[len(dText)-1000:], dText[:len(dText)-1000]
	m := textcorpus.FitBM25(dText)
	idf := func(t uint32) float32 { return float32(m.IDF(t)) }
	base := textcorpus.Project(m.EncodeDocs(dText), len(m.DF), dim, 5, idf)
	queries := textcorpus.Project(m.EncodeDocs(qText), len(m.DF), dim, 5, idf)
	// a document or query whose terms all fell outside the vocabulary projects to zero: drop it
	keep := func(v []float32) []float32 {
		out := v[:0]
		for i := 0; i+dim <= len(v); i += dim {
			var n float32
			for _, x := range v[i : i+dim] {
				n += x * x
			}
			if n > 0 {
				out = append(out, v[i:i+dim]...)
			}
		}
		return out
	}
	set := &dataset.Set{Name: fmt.Sprintf("debian-text-%d", dim), Dim: dim, Base: keep(base), Queries: keep(queries), Metric: "l2", DType: "float32"}
	fmt.Printf("debian-text-%d: %d package descriptions, %d queries, %d terms\n", dim, len(set.Base)/dim, len(set.Queries)/dim, len(m.DF))
	return normalized(set), nil
}

// normalized returns set with every vector scaled to unit length, to be searched by cosine: on
// unit vectors the l2 order (ground truth, scoring) is the cosine order. hgraph gets
// metric_type "cosine" and hnswlib its inner-product space, as each library's users search by
// cosine.
func normalized(set *dataset.Set) *dataset.Set {
	unit := func(v []float32) []float32 {
		out := slices.Clone(v)
		for i := 0; i+set.Dim <= len(out); i += set.Dim {
			metric.Normalize(out[i : i+set.Dim])
		}
		return out
	}
	return &dataset.Set{Name: set.Name + "-unit", Dim: set.Dim, Base: unit(set.Base), Queries: unit(set.Queries), Metric: "cosine", DType: set.DType}
}

// pool2x2 averages each 2 x 2 block of the side x side images of set: a quarter of the
// dimensions, values no longer whole numbers.
func pool2x2(set *dataset.Set, side int) *dataset.Set {
	h := side / 2
	pool := func(v []float32) []float32 {
		n := len(v) / set.Dim
		out := make([]float32, n*h*h)
		for i := range n {
			img, o := v[i*set.Dim:], out[i*h*h:]
			for y := range h {
				for x := range h {
					a := 2*y*side + 2*x
					o[y*h+x] = (img[a] + img[a+1] + img[a+side] + img[a+side+1]) / 4
				}
			}
		}
		return out
	}
	p := *set
	p.Name, p.Dim = set.Name+"-pooled-196", h*h
	p.Base, p.Queries = pool(set.Base), pool(set.Queries)
	return &p
}

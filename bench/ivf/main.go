// Command ivf compares the ivf index with Faiss on Fashion-MNIST (60k x 784, l2), one thread
// on both sides:
//
//   - ivf with fp32 codes against Faiss IndexIVFFlat, with the same numbers of lists (-lists)
//     and probes (-probes): recall@k and QPS at every probe count;
//   - ivf with pqfs codes (base_pq_dim from -pq-dims) reranked with fp32 codes against Faiss
//     IndexIVFPQFastScan (4-bit, M = base_pq_dim) inside IndexRefineFlat: a grid of probe
//     counts and rerank factors (factor / k_factor), and the QPS at recall 0.95 of both;
//   - the build (train + add) time of every index.
//
// Faiss runs in a Python child process (faiss_driver.py next to this file, Debian's
// python3-faiss) that builds its indexes once and then answers one search setting per request,
// so that each measurement round sweeps our index and Faiss back to back. Each point keeps its
// best QPS over -rounds rounds, so that load from other work on a shared machine falls on both
// sides alike. Faiss is measured two ways: "batch", one search call over all queries (its usual
// use: the coarse quantizer ranks the centroids of all queries with one matrix product), and
// "seq", query by query (no matrix product across queries, fast-scan lists scanned per query),
// which is what our index does.
//
// Our side searches one query at a time on one locked goroutine with parallelism 1 and
// GOMAXPROCS 1; Faiss runs with one OpenMP thread and one BLAS thread. QPS is reported per
// wall-clock second and per CPU-second of the searching thread.
//
// The exact ground truth and the fvecs copies the driver reads are cached under -cache.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
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
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/internal/dataset"
	"github.com/govsag/vsag/simd"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-ivf:", err)
		os.Exit(1)
	}
}

// setting is one search setting of a sweep: the probes (scan_buckets_count / nprobe) and the
// rerank factor (factor / k_factor; 0 without reranking).
type setting struct {
	probes int
	factor float64
}

// point is one measurement of a sweep.
type point struct {
	setting
	recall float64 // recall@k, ties at the k-th distance counted as hits
	byID   float64 // plain overlap with the ground-truth ids
	qps    float64 // queries per wall-clock second
	cpuQPS float64 // queries per CPU-second of the searching thread
}

// curve is one index's (or one Faiss search mode's) measurements.
type curve struct {
	name   string
	points []point
}

// keep records p as point j of c in round r, keeping the best QPS over rounds.
func (c *curve) keep(r, j int, p point) {
	if r == 0 {
		c.points = append(c.points, p)
		return
	}
	c.points[j].qps = math.Max(c.points[j].qps, p.qps)
	c.points[j].cpuQPS = math.Max(c.points[j].cpuQPS, p.cpuQPS)
}

// buildInfo is the build of one index.
type buildInfo struct {
	train, add time.Duration // wall time
	cpu        time.Duration // CPU time of the process over train + add
	bytes      float64       // bytes per vector
}

// bench is one configuration measured on both sides.
type bench struct {
	name   string
	kind   string // "ivfflat" or "ivfpqfs"
	lists  int
	pqDim  int
	sets   []setting
	idx    *core.Index
	ours   curve
	build  buildInfo
	faiss  map[string]*curve // by search mode
	fbuild *buildInfo
}

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	cache := flag.String("cache", "build/cache", "folder for the cached ground truth and fvecs files")
	nq := flag.Int("queries", 1000, "number of test queries")
	k := flag.Int("k", 10, "neighbours per query")
	listsFlag := flag.String("lists", "1024,256", "numbers of lists (buckets_count / nlist) of the fp32 comparison")
	probesFlag := flag.String("probes", "1,2,4,8,16,32,64,128", "probe counts (scan_buckets_count / nprobe) of the fp32 comparison")
	pqDims := flag.String("pq-dims", "392,196", "base_pq_dim / M of the pqfs comparison (empty: skip it)")
	pqLists := flag.Int("pq-lists", 1024, "number of lists of the pqfs comparison")
	pqProbes := flag.String("pq-probes", "8,16,32,64", "probe counts of the pqfs comparison")
	factors := flag.String("factors", "1,2,4,8,16", "rerank factors (factor / k_factor) of the pqfs comparison")
	residual := flag.Bool("residual", false, "encode pqfs codes as residuals to the list centroid on both sides (Faiss's by_residual; its fast-scan default is false)")
	target := flag.Float64("target", 0.95, "recall@k at which the pqfs comparison reports QPS")
	rounds := flag.Int("rounds", 5, "measurement rounds, each sweeping our index and Faiss back to back; each point keeps its best QPS")
	python := flag.String("python", "/usr/bin/python3", "Python interpreter with faiss and numpy")
	driver := flag.String("driver", "bench/ivf/faiss_driver.py", "the Faiss driver (empty: skip Faiss)")
	modesFlag := flag.String("faiss-modes", "batch,seq", "Faiss search modes: batch (one call over all queries) and/or seq (query by query)")
	only := flag.String("only", "", "comma-separated configuration names to run, e.g. \"fp32/1024,pqfs392/1024\" (default all)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of one extra sweep of our searches (after the rounds) to this file")
	profilePasses := flag.Int("profile-passes", 1, "sweeps of every setting the -cpuprofile pass runs")
	buildprofile := flag.String("buildprofile", "", "write a CPU profile of our builds to this file")
	flag.Parse()

	set, err := dataset.FashionMNISTOrGenerated(*dir, os.Stdout)
	if err != nil {
		return err
	}
	d, n := set.Dim, set.NumBase()
	*nq = min(*nq, set.NumQueries())
	queries := set.Queries[:*nq*d]
	lists, err := parseInts(*listsFlag)
	if err != nil {
		return err
	}
	probes, err := parseInts(*probesFlag)
	if err != nil {
		return err
	}
	var pqd, pqp []int
	var facs []float64
	if *pqDims != "" {
		if pqd, err = parseInts(*pqDims); err != nil {
			return err
		}
		if pqp, err = parseInts(*pqProbes); err != nil {
			return err
		}
		if facs, err = parseFloats(*factors); err != nil {
			return err
		}
	}
	var modes []string
	for _, m := range strings.Split(*modesFlag, ",") {
		switch m = strings.TrimSpace(m); m {
		case "batch", "seq":
			modes = append(modes, m)
		case "":
		default:
			return fmt.Errorf("unknown Faiss search mode %q", m)
		}
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			want[s] = true
		}
	}

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

	// from here on one thread: builds with thread_count 1, searches on one goroutine, and no
	// garbage collector work on a second core
	runtime.GOMAXPROCS(1)
	fmt.Printf("dataset %s: %d x %d, %d queries, k=%d, simd %s, %d CPUs, GOMAXPROCS 1; one thread on both sides\n\n",
		set.Name, n, d, *nq, *k, simd.Level(), runtime.NumCPU())

	var benches []*bench
	for _, l := range lists {
		b := &bench{name: fmt.Sprintf("fp32/%d", l), kind: "ivfflat", lists: l}
		for _, p := range probes {
			if p <= l {
				b.sets = append(b.sets, setting{probes: p})
			}
		}
		benches = append(benches, b)
	}
	hasPQFS := slices.Contains(quant.Names(), "pqfs")
	for _, m := range pqd {
		b := &bench{name: fmt.Sprintf("pqfs%d/%d", m, *pqLists), kind: "ivfpqfs", lists: *pqLists, pqDim: m}
		for _, p := range pqp {
			for _, f := range facs {
				if p <= *pqLists {
					b.sets = append(b.sets, setting{probes: p, factor: f})
				}
			}
		}
		if !hasPQFS {
			fmt.Printf("%s: skipped: the pqfs quantizer is not registered (quant.Names: %v)\n", b.name, quant.Names())
			continue
		}
		benches = append(benches, b)
	}
	if len(want) > 0 {
		benches = slices.DeleteFunc(benches, func(b *bench) bool { return !want[b.name] })
	}
	if len(benches) == 0 {
		return fmt.Errorf("no configuration to run")
	}

	// our builds
	var bprof *os.File
	if *buildprofile != "" {
		if bprof, err = os.Create(*buildprofile); err != nil {
			return err
		}
		defer bprof.Close()
		if err := pprof.StartCPUProfile(bprof); err != nil {
			return err
		}
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	kept := benches[:0]
	for _, b := range benches {
		if err := b.buildOurs(set.Base, ids, d, *residual); err != nil {
			fmt.Printf("ivf %s: skipped (%v)\n", b.name, err)
			continue
		}
		fmt.Printf("ivf %s: trained in %.1fs, added in %.1fs (%.1fs of CPU), %.0f bytes/vector\n",
			b.name, b.build.train.Seconds(), b.build.add.Seconds(), b.build.cpu.Seconds(), b.build.bytes)
		kept = append(kept, b)
		runtime.GC()
	}
	benches = kept
	if bprof != nil {
		pprof.StopCPUProfile()
	}

	// Faiss builds
	var fs *faissProc
	if *driver != "" && len(modes) > 0 {
		fs, err = startFaiss(*python, *driver, *cache, set, queries, *k, sc)
		if err != nil {
			fmt.Printf("faiss: skipped (%v)\n", err)
			fs = nil
		} else {
			defer fs.close()
			for _, b := range benches {
				bi, err := fs.build(b, *residual)
				if err != nil {
					fmt.Printf("faiss %s: skipped (%v)\n", b.name, err)
					continue
				}
				b.fbuild = bi
				b.faiss = map[string]*curve{}
				for _, m := range modes {
					b.faiss[m] = &curve{name: "faiss " + m}
				}
				fmt.Printf("faiss %s: trained in %.1fs, added in %.1fs (%.1fs of CPU), %.0f bytes/vector\n",
					b.name, bi.train.Seconds(), bi.add.Seconds(), bi.cpu.Seconds(), bi.bytes)
			}
		}
	}

	// interleaved measurement rounds
	for r := 0; r < *rounds; r++ {
		t0 := time.Now()
		for _, b := range benches {
			// an untimed pass over all queries at the first setting: the first sweep after
			// switching index (or process) is otherwise measurably slower
			if _, err := sweep(b.idx, b.sets[0], queries, d, *nq, *k, sc); err != nil {
				return fmt.Errorf("ivf %s: %w", b.name, err)
			}
			for j, s := range b.sets {
				p, err := sweep(b.idx, s, queries, d, *nq, *k, sc)
				if err != nil {
					return fmt.Errorf("ivf %s: %w", b.name, err)
				}
				b.ours.keep(r, j, p)
			}
			if b.faiss == nil {
				continue
			}
			for _, m := range modes {
				if _, err := fs.search(b.name, b.sets[0], m); err != nil {
					return fmt.Errorf("faiss %s: %w", b.name, err)
				}
				for j, s := range b.sets {
					p, err := fs.search(b.name, s, m)
					if err != nil {
						return fmt.Errorf("faiss %s: %w", b.name, err)
					}
					b.faiss[m].keep(r, j, p)
				}
			}
		}
		fmt.Printf("round %d/%d done in %.0fs\n", r+1, *rounds, time.Since(t0).Seconds())
	}
	if *cpuprofile != "" {
		// one more pass over our searches alone, profiled
		if err := profileSearches(*cpuprofile, *profilePasses, benches, queries, d, *nq, *k, sc); err != nil {
			return err
		}
	}

	for _, b := range benches {
		report(b, modes, *k, *target, *rounds)
	}
	buildReport(benches)
	fmt.Printf("\nrecall@%d counts a result as a hit when it is no farther than the %d-th true neighbour (ties are not misses).\n", *k, *k)
	fmt.Println("QPS is the best of the rounds; CPU-QPS counts the CPU time of the searching thread only and does not depend on other work sharing the machine.")
	return nil
}

// profileSearches writes a CPU profile of passes sweeps of every configuration of ours.
func profileSearches(path string, passes int, benches []*bench, queries []float32, d, nq, k int, sc *benchutil.Scorer) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	for _, b := range benches {
		for _, s := range b.sets {
			for i := 0; i < passes; i++ {
				if _, err := sweep(b.idx, s, queries, d, nq, k, sc); err != nil {
					return err
				}
			}
		}
	}
	fmt.Printf("cpu profile of our searches written to %s\n", path)
	return nil
}

// createJSON returns the create parameters of our index.
func (b *bench) createJSON(dim int, residual bool) string {
	p := fmt.Sprintf(`"buckets_count":%d,"thread_count":1,"partition_strategy_type":"ivf","ivf_train_type":"kmeans"`, b.lists)
	if b.kind == "ivfpqfs" {
		p += fmt.Sprintf(`,"base_quantization_type":"pqfs","base_pq_dim":%d,"use_reorder":true,"precise_quantization_type":"fp32","use_residual":%t`, b.pqDim, residual)
	} else {
		p += `,"base_quantization_type":"fp32"`
	}
	return fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{%s}}`, dim, p)
}

// searchJSON returns our search parameters of a setting.
func searchJSON(s setting) string {
	if s.factor > 0 {
		return fmt.Sprintf(`{"ivf":{"scan_buckets_count":%d,"factor":%g}}`, s.probes, s.factor)
	}
	return fmt.Sprintf(`{"ivf":{"scan_buckets_count":%d}}`, s.probes)
}

// buildOurs creates, trains and fills our index.
func (b *bench) buildOurs(base []float32, ids []int64, dim int, residual bool) error {
	idx, err := core.CreateIndex("ivf", b.createJSON(dim, residual))
	if err != nil {
		return err
	}
	ds := &core.Dataset{NumElements: len(ids), Dim: dim, IDs: ids, Float32: base}
	c0, t0 := benchutil.ProcessCPU(), time.Now()
	if err := idx.Train(ds); err != nil {
		return err
	}
	t1 := time.Now()
	if _, err := idx.Build(ds); err != nil {
		return err
	}
	b.build = buildInfo{train: t1.Sub(t0), add: time.Since(t1), cpu: benchutil.ProcessCPU() - c0,
		bytes: float64(idx.GetMemoryUsage()) / float64(len(ids))}
	b.idx = idx
	return nil
}

// sweep searches every query once at one setting, one query at a time on a locked thread,
// after a warm-up over the first few, and returns recall@k and QPS.
func sweep(idx *core.Index, s setting, queries []float32, d, nq, k int, sc *benchutil.Scorer) (point, error) {
	got, secs, cpu, err := benchutil.TimedSearch(idx, searchJSON(s), queries, d, nq, k)
	if err != nil {
		return point{}, err
	}
	r, byID := sc.Score(got)
	return point{setting: s, recall: r, byID: byID, qps: float64(nq) / secs, cpuQPS: float64(nq) / cpu}, nil
}

// faissProc is the Faiss driver running interactively.
type faissProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	k   int
	nq  int
	nb  int
	sc  *benchutil.Scorer
}

func startFaiss(python, driver, cache string, set *dataset.Set, queries []float32, k int, sc *benchutil.Scorer) (*faissProc, error) {
	if _, err := os.Stat(driver); err != nil {
		return nil, fmt.Errorf("driver %s not found", driver)
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
	fp := &faissProc{k: k, nq: len(queries) / d, nb: set.NumBase(), sc: sc}
	fp.cmd = exec.Command(python, driver, "--base", basePath, "--queries", qPath, "--k", strconv.Itoa(k))
	// one thread for OpenMP and for whichever BLAS the Faiss build links
	fp.cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", "MKL_NUM_THREADS=1", "BLIS_NUM_THREADS=1")
	fp.cmd.Stderr = os.Stderr
	var err error
	if fp.in, err = fp.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := fp.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := fp.cmd.Start(); err != nil {
		return nil, err
	}
	fp.out = bufio.NewReader(out)
	var hello struct {
		OK          bool   `json:"ok"`
		Version     string `json:"faiss"`
		OMPThreads  int    `json:"omp_threads"`
		Compile     string `json:"compile"`
		BaseShape   []int  `json:"base"`
		QueryShape  []int  `json:"queries"`
		ErrorString string `json:"error"`
	}
	if err := fp.reply(&hello); err != nil {
		fp.close()
		return nil, err
	}
	fmt.Printf("faiss %s (compile options %q), %d OpenMP thread(s), base %v, queries %v\n",
		hello.Version, hello.Compile, hello.OMPThreads, hello.BaseShape, hello.QueryShape)
	return fp, nil
}

// reply reads one JSON line from the driver into v.
func (f *faissProc) reply(v any) error {
	line, err := f.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("faiss driver ended: %v", err)
	}
	var st struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(line, &st); err != nil {
		return fmt.Errorf("faiss driver said %q", strings.TrimSpace(string(line)))
	}
	if !st.OK {
		return fmt.Errorf("faiss driver: %s", st.Error)
	}
	return json.Unmarshal(line, v)
}

// call sends one request and reads its reply into v.
func (f *faissProc) call(req map[string]any, v any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := f.in.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("faiss driver: %v", err)
	}
	return f.reply(v)
}

// build has the driver build the Faiss counterpart of b.
func (f *faissProc) build(b *bench, residual bool) (*buildInfo, error) {
	req := map[string]any{"op": "build", "name": b.name, "type": b.kind, "nlist": b.lists}
	if b.kind == "ivfpqfs" {
		req["m"], req["refine"], req["residual"] = b.pqDim, true, residual
	}
	var rep struct {
		Train float64 `json:"train_s"`
		Add   float64 `json:"add_s"`
		CPU   float64 `json:"build_cpu_s"`
		Bytes float64 `json:"bytes"`
	}
	if err := f.call(req, &rep); err != nil {
		return nil, err
	}
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	return &buildInfo{train: sec(rep.Train), add: sec(rep.Add), cpu: sec(rep.CPU), bytes: rep.Bytes / float64(f.nb)}, nil
}

// search has the driver search every query at one setting and scores its results.
func (f *faissProc) search(name string, s setting, mode string) (point, error) {
	req := map[string]any{"op": "search", "name": name, "nprobe": s.probes, "mode": mode}
	if s.factor > 0 {
		req["k_factor"] = s.factor
	}
	var rep struct {
		Wall    float64 `json:"wall_s"`
		CPU     float64 `json:"cpu_s"`
		ProcCPU float64 `json:"proc_cpu_s"`
		IDs     []byte  `json:"ids"`
	}
	if err := f.call(req, &rep); err != nil {
		return point{}, err
	}
	if len(rep.IDs) != 8*f.nq*f.k {
		return point{}, fmt.Errorf("faiss results hold %d bytes, want %d", len(rep.IDs), 8*f.nq*f.k)
	}
	got := make([]int64, f.nq*f.k)
	for i := range got {
		got[i] = int64(binary.LittleEndian.Uint64(rep.IDs[8*i:]))
	}
	r, byID := f.sc.Score(got)
	// the thread's CPU time, or the process's when other threads did part of the work
	cpu := math.Max(rep.CPU, rep.ProcCPU)
	return point{setting: s, recall: r, byID: byID, qps: float64(f.nq) / rep.Wall, cpuQPS: float64(f.nq) / cpu}, nil
}

func (f *faissProc) close() {
	_, _ = f.in.Write([]byte(`{"op":"quit"}` + "\n"))
	_ = f.in.Close()
	_ = f.cmd.Wait()
}

// frontier returns the points no other point beats on both recall and QPS, by recall.
func frontier(pts []point, cpu bool) []point {
	q := func(p point) float64 {
		if cpu {
			return p.cpuQPS
		}
		return p.qps
	}
	s := append([]point(nil), pts...)
	sort.Slice(s, func(i, j int) bool {
		if s[i].recall != s[j].recall {
			return s[i].recall > s[j].recall
		}
		return q(s[i]) > q(s[j])
	})
	var out []point
	best := -1.0
	for _, p := range s {
		if q(p) > best {
			out = append(out, p)
			best = q(p)
		}
	}
	slices.Reverse(out)
	return out
}

// qpsAt interpolates the QPS (wall or CPU) of the frontier of pts at a recall, log-linearly
// between neighbouring points; ok is false when no point reaches the recall.
func qpsAt(pts []point, recall float64, cpu bool) (float64, bool) {
	f := frontier(pts, cpu)
	q := func(p point) float64 {
		if cpu {
			return p.cpuQPS
		}
		return p.qps
	}
	for i := range f {
		if f[i].recall >= recall {
			if i == 0 {
				return q(f[0]), true
			}
			a, b := f[i-1], f[i]
			t := (recall - a.recall) / (b.recall - a.recall)
			return math.Exp(math.Log(q(a)) + t*(math.Log(q(b))-math.Log(q(a)))), true
		}
	}
	return 0, false
}

// report prints one configuration's tables.
func report(b *bench, modes []string, k int, target float64, rounds int) {
	fmt.Printf("\n### %s: %d lists, best of %d rounds\n\n", b.title(), b.lists, rounds)
	hdr := "| probes |"
	sep := "|---|"
	if b.kind == "ivfpqfs" {
		hdr, sep = "| probes | factor |", "|---|---|"
	}
	hdr += " ivf recall@" + strconv.Itoa(k) + " |"
	sep += "---|"
	var fcs []*curve
	for _, m := range modes {
		if c := b.faiss[m]; c != nil {
			fcs = append(fcs, c)
		}
	}
	if len(fcs) > 0 {
		hdr += " faiss recall@" + strconv.Itoa(k) + " | diff |"
		sep += "---|---|"
	}
	hdr += " ivf QPS (CPU-QPS) |"
	sep += "---|"
	for _, c := range fcs {
		hdr += " " + c.name + " QPS (CPU-QPS) | ivf/" + c.name + " CPU |"
		sep += "---|---|"
	}
	fmt.Println(hdr)
	fmt.Println(sep)
	for j, p := range b.ours.points {
		row := fmt.Sprintf("| %d |", p.probes)
		if b.kind == "ivfpqfs" {
			row += fmt.Sprintf(" %g |", p.factor)
		}
		row += fmt.Sprintf(" %.4f |", p.recall)
		if len(fcs) > 0 {
			fr := fcs[0].points[j].recall
			row += fmt.Sprintf(" %.4f | %+.4f |", fr, p.recall-fr)
		}
		row += fmt.Sprintf(" %.0f (%.0f) |", p.qps, p.cpuQPS)
		for _, c := range fcs {
			fp := c.points[j]
			row += fmt.Sprintf(" %.0f (%.0f) | %.2fx |", fp.qps, fp.cpuQPS, p.cpuQPS/fp.cpuQPS)
		}
		fmt.Println(row)
	}
	if len(fcs) == 0 {
		return
	}
	fmt.Println()
	if b.kind == "ivfflat" {
		// recall at the same probes, and QPS at equal recall
		tol := func(p int) float64 {
			if p >= 8 {
				return 0.005
			}
			return 0.01
		}
		worst, met := 0.0, true
		for j, p := range b.ours.points {
			diff := fcs[0].points[j].recall - p.recall // positive: we are below Faiss
			worst = math.Max(worst, diff)
			if diff > tol(p.probes) {
				met = false
				fmt.Printf("recall target missed at %d probes: ivf %.4f vs faiss %.4f (allowed %.3f below)\n", p.probes, p.recall, fcs[0].points[j].recall, tol(p.probes))
			}
		}
		fmt.Printf("recall target (within 0.01 of Faiss, 0.005 from 8 probes): %s; largest shortfall %.4f\n", yesNo(met), worst)
		for _, c := range fcs {
			for _, cpu := range []bool{true, false} {
				unit := "CPU-QPS"
				if !cpu {
					unit = "wall QPS"
				}
				var cells []string
				lower := 0
				for _, p := range b.ours.points {
					fq, ok := qpsAt(c.points, p.recall, cpu)
					if !ok {
						continue
					}
					q := p.cpuQPS
					if !cpu {
						q = p.qps
					}
					if q <= fq {
						lower++
					}
					cells = append(cells, fmt.Sprintf("%.4f: %.2fx", p.recall, q/fq))
				}
				fmt.Printf("ivf/%s %s at equal recall (%d of %d points lower): %s\n", c.name, unit, lower, len(cells), strings.Join(cells, ", "))
			}
		}
		return
	}
	// pqfs: QPS at the target recall over the frontier of the grid
	fmt.Printf("| QPS at recall@%d %.2f | ivf | %s |\n", k, target, strings.Join(curveNames(fcs), " | "))
	fmt.Printf("|---|---|%s\n", strings.Repeat("---|", len(fcs)))
	for _, cpu := range []bool{true, false} {
		unit := "CPU-QPS"
		if !cpu {
			unit = "wall QPS"
		}
		row := "| " + unit + " | " + qpsCell(b.ours.points, target, cpu, nil) + " |"
		for _, c := range fcs {
			row += " " + qpsCell(c.points, target, cpu, b.ours.points) + " |"
		}
		fmt.Println(row)
	}
}

func (b *bench) title() string {
	if b.kind == "ivfpqfs" {
		return fmt.Sprintf("ivf pqfs (base_pq_dim %d) + fp32 reorder vs Faiss IndexIVFPQFastScan (M %d, 4 bits) + IndexRefineFlat", b.pqDim, b.pqDim)
	}
	return "ivf fp32 vs Faiss IndexIVFFlat"
}

// qpsCell formats the QPS of pts at recall, with the ratio of ours (when given) to it.
func qpsCell(pts []point, recall float64, cpu bool, ours []point) string {
	q, ok := qpsAt(pts, recall, cpu)
	if !ok {
		best := 0.0
		for _, p := range pts {
			best = math.Max(best, p.recall)
		}
		return fmt.Sprintf("- (max recall %.4f)", best)
	}
	cell := fmt.Sprintf("%.0f", q)
	if ours != nil {
		if oq, ok := qpsAt(ours, recall, cpu); ok {
			cell += fmt.Sprintf(" (ivf %.2fx)", oq/q)
		}
	}
	return cell
}

func curveNames(cs []*curve) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.name)
	}
	return out
}

// buildReport prints the build times of every configuration on both sides.
func buildReport(benches []*bench) {
	fmt.Print("\n### Build (train + add), one thread\n\n")
	fmt.Println("| index | lists | ivf train s | ivf add s | ivf total s (CPU s) | ivf bytes/vector | faiss train s | faiss add s | faiss total s (CPU s) | faiss bytes/vector | ivf/faiss wall | ivf/faiss CPU |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, b := range benches {
		o := b.build
		row := fmt.Sprintf("| %s | %d | %.2f | %.2f | %.2f (%.2f) | %.0f |", b.label(), b.lists,
			o.train.Seconds(), o.add.Seconds(), (o.train + o.add).Seconds(), o.cpu.Seconds(), o.bytes)
		if f := b.fbuild; f != nil {
			row += fmt.Sprintf(" %.2f | %.2f | %.2f (%.2f) | %.0f | %.2fx | %.2fx |", f.train.Seconds(), f.add.Seconds(),
				(f.train + f.add).Seconds(), f.cpu.Seconds(), f.bytes, (o.train+o.add).Seconds()/(f.train+f.add).Seconds(), o.cpu.Seconds()/f.cpu.Seconds())
		} else {
			row += " - | - | - | - | - | - |"
		}
		fmt.Println(row)
	}
}

func (b *bench) label() string {
	if b.kind == "ivfpqfs" {
		return fmt.Sprintf("pqfs %d + fp32 reorder / IVFPQFastScan M%d + RefineFlat", b.pqDim, b.pqDim)
	}
	return "fp32 / IVFFlat"
}

func yesNo(b bool) string {
	if b {
		return "met"
	}
	return "MISSED"
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("bad count %q", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func parseFloats(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("bad factor %q", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// Command diskann measures the diskann index on Fashion-MNIST (60k x 784, l2) with only its PQ
// codes in memory: recall@10, single-thread QPS, mean records read per query and the resident
// memory of a process that loads the saved index and serves the queries (measured in a child
// process, so the data set held by the builder is not counted), against the size of the fp32
// vectors. It then compares hgraph with sq8 base codes in memory and fp32 precise codes on
// disk (buffer_io, mmap_io) with the same index all in memory.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/internal/benchutil"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-diskann:", err)
		os.Exit(1)
	}
}

const k = 10

var (
	cache   = flag.String("cache", "build/cache", "folder of the cached ground truth and index files")
	nq      = flag.Int("nq", 1000, "queries")
	serve   = flag.String("serve", "", "(child) serve the index file with the queries of -queries")
	queries = flag.String("queries", "", "(child) raw float32 queries")
	sweep   = flag.String("sweep", `{"ef_search":60,"beam_search":4,"io_limit":60,"use_async_io":true};{"ef_search":100,"beam_search":4,"io_limit":100,"use_async_io":true};{"ef_search":150,"beam_search":4,"io_limit":150,"use_async_io":true};{"ef_search":150,"beam_search":4,"io_limit":150}`, "search blocks of the diskann sweep, ';'-separated")
	hgIO    = flag.String("hgraph-io", "memory_io,buffer_io,mmap_io", "precise_io_type values of the hgraph comparison ('' skips it)")
	base    = flag.Int("base", 0, "base rows indexed (0: all 60 000); fewer build faster, the ground truth is computed for them")
	build   = flag.String("build", `"max_degree":48,"ef_construction":128`, "diskann build parameters besides pq_dims and pq_sample_rate")
	rounds  = flag.Int("rounds", 1, "times the child serves the queries; QPS is that of its fastest round (less noise on a shared machine)")
	uring   = flag.String("io-uring", "", "VSAG_IO_URING values each search block is served with, comma-separated (1,0 compares io_uring with pread); '' inherits the environment")
)

func run() error {
	flag.Parse()
	if *serve != "" {
		return child()
	}
	f, err := benchutil.LoadFashion("", *cache, *nq, k, os.Stdout)
	if err != nil {
		return err
	}
	d, n := f.Dim, f.Set.NumBase()
	if *base > 0 && *base < n {
		n = *base
		f.Set.Base = f.Set.Base[:n*d]
		gt, err := benchutil.LoadOrComputeTruth(filepath.Join(*cache, fmt.Sprintf("%s-base%d-l2-q%d-k%d.i32", f.Set.Name, n, f.NQ, 100)), f.Set.Base, f.Queries, d, 100)
		if err != nil {
			return err
		}
		f.Scorer = benchutil.NewScorer(f.Set.Base, f.Queries, d, k, gt, 100)
	}
	fp32 := float64(n * d * 4)
	fmt.Printf("Fashion-MNIST: %d x %d, fp32 vectors %.1f MiB, %d queries\n", n, d, fp32/(1<<20), f.NQ)
	if err := os.MkdirAll(*cache, 0o755); err != nil {
		return err
	}
	create := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"diskann":{%s,"pq_dims":%d,"pq_sample_rate":0.2}}`, d, *build, d/8)
	idx, err := core.CreateIndex("diskann", create)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := idx.Build(&core.Dataset{NumElements: n, Dim: d, IDs: f.Labels(0, n), Float32: f.Set.Base}); err != nil {
		return err
	}
	fmt.Printf("diskann build: %.1fs (%s, pq_dims %d), memory usage %.1f MiB\n", time.Since(t0).Seconds(), *build, d/8, float64(idx.GetMemoryUsage())/(1<<20))
	path := filepath.Join(*cache, "diskann-fashion.index")
	if n < f.Set.NumBase() {
		path = filepath.Join(*cache, fmt.Sprintf("diskann-fashion-%d.index", n))
	}
	if err := idx.SerializeFile(path); err != nil {
		return err
	}
	idx = nil
	qpath := filepath.Join(*cache, "diskann-fashion-queries.f32")
	qb := make([]byte, 4*len(f.Queries))
	for i, v := range f.Queries {
		binary.LittleEndian.PutUint32(qb[4*i:], math.Float32bits(v))
	}
	if err := os.WriteFile(qpath, qb, 0o644); err != nil {
		return err
	}
	fmt.Printf("\n%-72s %8s %8s %10s %10s %10s\n", "diskann search (child process, index loaded from file)", "recall", "QPS", "reads/q", "RSS MiB", "RSS/fp32")
	modes := []string{""}
	if *uring != "" {
		modes = strings.Split(*uring, ",")
	}
	for _, blk := range strings.Split(*sweep, ";") {
		for _, mode := range modes {
			if err := serveBlock(f, path, qpath, blk, mode, fp32); err != nil {
				return err
			}
		}
	}
	if *hgIO != "" {
		return hgraph(f)
	}
	return nil
}

// serveBlock serves the queries with one search block in a child process (VSAG_IO_URING set to
// mode unless it is empty) and prints its line.
func serveBlock(f *benchutil.Fashion, path, qpath, blk, mode string, fp32 float64) error {
	{
		cmd := exec.Command(os.Args[0], "-serve", path, "-queries", qpath, "-sweep", blk, "-rounds", strconv.Itoa(*rounds))
		label := blk
		if mode != "" {
			cmd.Env = append(os.Environ(), "VSAG_IO_URING="+mode)
		}
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("child: %w", err)
		}
		var qps, reads, rss float64
		var ids []int64
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			fs := strings.Fields(line)
			switch {
			case len(fs) == 4 && fs[0] == "stats":
				qps, _ = strconv.ParseFloat(fs[1], 64)
				reads, _ = strconv.ParseFloat(fs[2], 64)
				rss, _ = strconv.ParseFloat(fs[3], 64)
			case len(fs) == 2 && fs[0] == "uring" && mode != "":
				label += " (io_uring " + map[string]string{"true": "on", "false": "off"}[fs[1]] + ")"
			case len(fs) > 0 && fs[0] == "ids":
				for _, s := range fs[1:] {
					v, _ := strconv.ParseInt(s, 10, 64)
					ids = append(ids, v)
				}
			}
		}
		recall, _ := f.Scorer.Score(ids)
		fmt.Printf("%-72s %8.4f %8.0f %10.1f %10.1f %9.1f%%\n", label, recall, qps, reads, rss/(1<<20), 100*rss/fp32)
	}
	return nil
}

// child loads the index, searches the queries once, one at a time, and prints the results, the
// QPS, the mean reads and the process's peak resident memory.
func child() error {
	debug.SetGCPercent(50)
	idx, err := core.LoadFile(*serve)
	if err != nil {
		return err
	}
	qb, err := os.ReadFile(*queries)
	if err != nil {
		return err
	}
	qs := make([]float32, len(qb)/4)
	for i := range qs {
		qs[i] = math.Float32frombits(binary.LittleEndian.Uint32(qb[4*i:]))
	}
	qb = nil
	d := idx.Dim()
	n := len(qs) / d
	runtime.GC()
	var reads int64
	ids := make([]string, 0, n*k)
	best := math.Inf(1)
	for r := 1; r < *rounds; r++ { // rounds before the last, timed only
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if _, err := idx.KnnSearch(&core.Dataset{NumElements: 1, Dim: d, Float32: qs[i*d : (i+1)*d]}, k, `{"diskann":`+*sweep+`}`, nil); err != nil {
				return err
			}
		}
		best = min(best, time.Since(t0).Seconds())
	}
	t0 := time.Now()
	for i := 0; i < n; i++ {
		st := &core.SearchStats{}
		res, err := idx.KnnSearchWithStats(&core.Dataset{NumElements: 1, Dim: d, Float32: qs[i*d : (i+1)*d]}, k, `{"diskann":`+*sweep+`}`, nil, st)
		if err != nil {
			return err
		}
		reads += st.IOReads
		for j := 0; j < k; j++ {
			id := int64(-1)
			if j < len(res.IDs) {
				id = res.IDs[j]
			}
			ids = append(ids, strconv.FormatInt(id, 10))
		}
	}
	secs := min(best, time.Since(t0).Seconds())
	fmt.Printf("stats %.1f %.2f %d\n", float64(n)/secs, float64(reads)/float64(n), peakRSS())
	fmt.Printf("uring %v\n", store.URingEnabled())
	fmt.Printf("ids %s\n", strings.Join(ids, " "))
	return nil
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			fs := strings.Fields(line)
			v, _ := strconv.ParseInt(fs[1], 10, 64)
			return v << 10
		}
	}
	return -1
}

// hgraph compares sq8 base codes in memory and fp32 precise codes on disk with all in memory.
func hgraph(f *benchutil.Fashion) error {
	d, n := f.Dim, f.Set.NumBase()
	dir, err := os.MkdirTemp(*cache, "hgraph-io-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Printf("\nhgraph sq8 base in memory, fp32 precise codes by precise_io_type (max_degree 32, ef_construction 200)\n")
	fmt.Printf("%-12s %8s %10s %8s %8s %12s\n", "io", "build s", "ef_search", "recall", "QPS", "memory MiB")
	for _, io := range strings.Split(*hgIO, ",") {
		extra := ""
		if io != "memory_io" {
			extra = fmt.Sprintf(`,"precise_io_type":%q,"precise_file_path":%q`, io, filepath.Join(dir, io+".bin"))
		}
		create := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"sq8","max_degree":32,"ef_construction":200,"use_reorder":true,"precise_quantization_type":"fp32"%s}}`, d, extra)
		idx, err := core.CreateIndex("hgraph", create)
		if err != nil {
			return err
		}
		t0 := time.Now()
		if _, err := idx.Build(&core.Dataset{NumElements: n, Dim: d, IDs: f.Labels(0, n), Float32: f.Set.Base}); err != nil {
			return err
		}
		build := time.Since(t0).Seconds()
		for _, ef := range []int{40, 80, 160} {
			got, secs, _, err := benchutil.TimedSearch(idx, fmt.Sprintf(`{"hgraph":{"ef_search":%d}}`, ef), f.Queries, d, f.NQ, k)
			if err != nil {
				return err
			}
			recall, _ := f.Scorer.Score(got)
			fmt.Printf("%-12s %8.1f %10d %8.4f %8.0f %12.1f\n", io, build, ef, recall, float64(f.NQ)/secs, float64(idx.GetMemoryUsage())/(1<<20))
		}
	}
	return nil
}

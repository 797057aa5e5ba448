// Command scale builds and serves an hgraph index of a large generated data set on one
// machine: by default 10 000 000 unit-length 96-d float32 vectors from a seeded mixture of
// Gaussian clusters (Deep-10M-like, see data.go), with sq8 base codes in memory and fp32 precise
// codes on disk (mmap_io or buffer_io) for the rerank. The data set is written to an fvecs file
// in a scratch folder with the exact top-10 of 1 000 held-out queries and added to the index
// batch by batch from that file, so it is never held in memory whole. It prints the build time
// (wall and CPU), the peak resident memory, the resident memory after the build (anonymous and
// file-backed), bytes per vector, the on-disk bytes, and per ef_search the recall@10, the
// single-thread QPS (wall and CPU time), p50/p99 latency and the precise-store reads per query.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/benchutil"
)

var (
	flagN        = flag.Int("n", 10_000_000, "base vectors")
	flagDim      = flag.Int("dim", 96, "dimension")
	flagNQ       = flag.Int("nq", 1000, "held-out queries")
	flagClusters = flag.Int("clusters", 4096, "Gaussian clusters of the data set")
	flagSeed     = flag.Uint64("seed", 20261206, "seed of the data set")
	flagDegree   = flag.Int("degree", 32, "max_degree")
	flagEfc      = flag.Int("efc", 120, "ef_construction")
	flagIO       = flag.String("io", "mmap_io", "precise_io_type of the fp32 precise codes (mmap_io or buffer_io)")
	flagDir      = flag.String("dir", "build/scale", "scratch folder of the data, ground truth and index files")
	flagBatch    = flag.Int("batch", 250_000, "rows added per Add call (divides -step)")
	flagStep     = flag.Int("step", 1_000_000, "rows between ground-truth checkpoints")
	flagThreads  = flag.Int("threads", 2, "build_thread_count and the threads of generation and ground truth")
	flagEf       = flag.String("ef", "40,60,80,120,160,240", "ef_search values of the sweep")
	flagDeadline = flag.String("deadline", "", "UTC time HH:MM: stop adding at the last checkpoint the build can reach before it (projected from the rate so far)")
	flagSave     = flag.Bool("save", false, "serialize the index to the scratch folder and report the file's size")
	flagByBase   = flag.Bool("build-by-base", false, "build_by_base: build the graph on the sq8 codes instead of reading the fp32 precise codes from their file")
)

const k = 10

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-scale:", err)
		os.Exit(1)
	}
}

// paths are the scratch files of one data set.
type paths struct{ base, queries, truth, precise, index string }

func run() error {
	n, d, nq := *flagN, *flagDim, *flagNQ
	if n <= 0 || d <= 0 || nq <= 0 || *flagBatch <= 0 || *flagStep <= 0 || *flagStep%*flagBatch != 0 {
		return fmt.Errorf("need n, dim, nq, batch, step > 0 and batch dividing step")
	}
	if err := os.MkdirAll(*flagDir, 0o755); err != nil {
		return err
	}
	tag := fmt.Sprintf("n%d-d%d-c%d-s%d", n, d, *flagClusters, *flagSeed)
	p := &paths{
		base:    filepath.Join(*flagDir, "base-"+tag+".fvecs"),
		queries: filepath.Join(*flagDir, "queries-"+tag+".fvecs"),
		truth:   filepath.Join(*flagDir, fmt.Sprintf("truth-%s-q%d-step%d.bin", tag, nq, *flagStep)),
		precise: filepath.Join(*flagDir, fmt.Sprintf("precise-%s.%s", tag, *flagIO)),
		index:   filepath.Join(*flagDir, "hgraph-"+tag+".index"),
	}
	baseBytes := int64(n) * int64(4+4*d)
	have := fileSize(p.base) == baseBytes && fileSize(p.queries) == int64(nq)*int64(4+4*d) && fileSize(p.truth) > 0
	need := int64(n) * int64(4*d) // the precise codes
	if !have {
		need += baseBytes
	}
	if *flagSave {
		need += int64(n) * int64(d+4*(*flagDegree+2)+16)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(*flagDir, &st); err != nil {
		return fmt.Errorf("free space of %s: %w", *flagDir, err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	fmt.Printf("scratch %s: %.1f GiB free, %.1f GiB needed\n", *flagDir, gib(free), gib(need))
	if free < need+(1<<30) {
		return fmt.Errorf("scratch %s: %.1f GiB free, need %.1f GiB and 1 GiB to spare", *flagDir, gib(free), gib(need))
	}
	if !have {
		if err := generate(p, n, d, nq, *flagClusters, k, *flagStep, *flagThreads, *flagSeed); err != nil {
			return err
		}
	} else {
		fmt.Printf("data: cached %s\n", p.base)
	}
	snaps, err := loadTruth(p.truth, nq, k)
	if err != nil {
		return err
	}
	qr, err := openFvecs(p.queries, d)
	if err != nil {
		return err
	}
	queries := make([]float32, nq*d)
	err = qr.read(queries)
	qr.Close()
	if err != nil {
		return err
	}

	idx, built, err := build(p, n, d, snaps)
	if err != nil {
		return err
	}
	var gt []int32
	for _, s := range snaps {
		if s.n == built {
			gt = s.ids
		}
	}
	if gt == nil {
		return fmt.Errorf("no ground truth for %d rows", built)
	}
	return search(idx, queries, d, nq, gt)
}

// build adds the base rows batch by batch and reports time and memory; it returns the index
// and the rows it holds (n, or the last checkpoint reached before -deadline).
func build(p *paths, n, d int, snaps []snapshot) (*core.Index, int, error) {
	create := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"sq8","max_degree":%d,"ef_construction":%d,"use_reorder":true,"precise_quantization_type":"fp32","precise_io_type":%q,"precise_file_path":%q,"build_thread_count":%d,"hgraph_init_capacity":%d,"build_by_base":%t}}`,
		d, *flagDegree, *flagEfc, *flagIO, p.precise, *flagThreads, n, *flagByBase)
	fmt.Printf("create: %s\n", create)
	idx, err := core.CreateIndex("hgraph", create)
	if err != nil {
		return nil, 0, err
	}
	var deadline time.Time
	if *flagDeadline != "" {
		t, err := time.Parse("15:04", *flagDeadline)
		if err != nil {
			return nil, 0, fmt.Errorf("-deadline: %w", err)
		}
		now := time.Now().UTC()
		deadline = time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), 0, 0, time.UTC)
	}
	checkpoint := map[int]bool{}
	for _, s := range snaps {
		checkpoint[s.n] = true
	}
	fr, err := openFvecs(p.base, d)
	if err != nil {
		return nil, 0, err
	}
	defer fr.Close()
	batch := make([]float32, *flagBatch*d)
	ids := make([]int64, *flagBatch)
	t0, c0 := time.Now(), benchutil.ProcessCPU()
	var read time.Duration
	lastCk, lastCkT := 0, t0
	built := 0
	for built < n {
		hi := min(built+*flagBatch, n)
		rows := batch[:(hi-built)*d]
		tr := time.Now()
		if err := fr.read(rows); err != nil {
			return nil, 0, err
		}
		read += time.Since(tr)
		for i := built; i < hi; i++ {
			ids[i-built] = int64(i)
		}
		ds := &core.Dataset{NumElements: hi - built, Dim: d, IDs: ids[:hi-built], Float32: rows}
		if built == 0 {
			_, err = idx.Build(ds)
		} else {
			_, err = idx.Add(ds)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("adding rows %d..%d: %w", built, hi, err)
		}
		built = hi
		el := time.Since(t0)
		fmt.Printf("  %9d rows  %7.0fs wall  %7.0fs cpu  %6.0f rows/s  rss %5.2f GiB  hwm %5.2f GiB\n",
			built, el.Seconds(), (benchutil.ProcessCPU() - c0).Seconds(), float64(built)/el.Seconds(), gib(status("VmRSS")), gib(status("VmHWM")))
		if checkpoint[built] && built < n && !deadline.IsZero() {
			// the next checkpoint takes at least as long as the last one (insertion slows as the
			// graph grows), scaled by its rows
			now := time.Now()
			per := now.Sub(lastCkT).Seconds() / float64(built-lastCk)
			nextRows := min(built+*flagStep, n) - built
			lastCk, lastCkT = built, now
			if now.Add(time.Duration(per * 1.05 * float64(nextRows) * float64(time.Second))).After(deadline) {
				fmt.Printf("  stopping at %d rows: the next %d would end after %s UTC\n", built, nextRows, deadline.Format("15:04"))
				break
			}
		}
	}
	wall, cpu := time.Since(t0), benchutil.ProcessCPU()-c0
	fmt.Printf("\nbuild: %d x %d, max_degree %d, ef_construction %d, %d threads, sq8 base in memory, fp32 precise %s\n",
		built, d, *flagDegree, *flagEfc, *flagThreads, *flagIO)
	fmt.Printf("  wall %.0fs (%.0f rows/s; reading the fvecs file %.0fs), process CPU %.0fs (%.2f cores)\n",
		wall.Seconds(), float64(built)/wall.Seconds(), read.Seconds(), cpu.Seconds(), cpu.Seconds()/wall.Seconds())
	batch, ids = nil, nil
	runtime.GC()
	mem := idx.GetMemoryUsage()
	fmt.Printf("  peak RSS (VmHWM) %.2f GiB; after build RSS %.2f GiB = anonymous %.2f + file-backed %.2f (the mapped precise file's cached pages)\n",
		gib(status("VmHWM")), gib(status("VmRSS")), gib(status("RssAnon")), gib(status("RssFile")))
	fmt.Printf("  index memory (GetMemoryUsage, room for %d rows reserved by hgraph_init_capacity) %.2f GiB = %.1f bytes/row reserved; anonymous RSS %.1f bytes/vector; fp32 vectors would be %d bytes/vector\n",
		n, gib(mem), float64(mem)/float64(n), float64(status("RssAnon"))/float64(built), 4*d)
	used := diskUsage(p.precise)
	fmt.Printf("  on disk: precise codes %s %.2f GiB allocated = %.0f bytes/vector (file size %.2f GiB: room for the reserved rows)\n",
		p.precise, gib(used), float64(used)/float64(built), gib(fileSize(p.precise)))
	if *flagSave {
		ts := time.Now()
		if err := idx.SerializeFile(p.index); err != nil {
			return nil, 0, err
		}
		fmt.Printf("  index file %s %.2f GiB (graph and sq8 codes; references the precise file), written in %.0fs\n",
			p.index, gib(fileSize(p.index)), time.Since(ts).Seconds())
	}
	return idx, built, nil
}

// search runs the ef_search sweep: every query once, one at a time on a locked OS thread.
func search(idx *core.Index, queries []float32, d, nq int, gt []int32) error {
	fmt.Printf("\nsearch: %d queries, one thread, k=%d (recall@10 against the exact top-10)\n", nq, k)
	fmt.Printf("%6s %8s %9s %9s %9s %9s %12s %12s\n", "ef", "recall", "QPS wall", "QPS cpu", "p50 ms", "p99 ms", "pread rows/q", "faults/q")
	for _, s := range strings.Split(*flagEf, ",") {
		ef, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-ef %q: %w", s, err)
		}
		js := fmt.Sprintf(`{"hgraph":{"ef_search":%d}}`, ef)
		for i := 0; i < min(nq, 20); i++ {
			if _, err := idx.Search(queries[i*d:(i+1)*d], k, js, nil); err != nil {
				return err
			}
		}
		got := make([]int64, nq*k)
		lat := make([]float64, nq)
		runtime.LockOSThread()
		r0, f0 := ioChars(), faults()
		t0, c0 := time.Now(), benchutil.ThreadCPU()
		for i := 0; i < nq; i++ {
			ts := time.Now()
			res, err := idx.Search(queries[i*d:(i+1)*d], k, js, nil)
			lat[i] = time.Since(ts).Seconds() * 1e3
			if err != nil {
				runtime.UnlockOSThread()
				return err
			}
			for j := 0; j < k; j++ {
				got[i*k+j] = -1
				if j < len(res) {
					got[i*k+j] = res[j].ID
				}
			}
		}
		wall, cpu := time.Since(t0).Seconds(), (benchutil.ThreadCPU() - c0).Seconds()
		rows := float64(ioChars()-r0) / float64(4*d) / float64(nq)
		flt := float64(faults()-f0) / float64(nq)
		runtime.UnlockOSThread()
		sort.Float64s(lat)
		fmt.Printf("%6d %8.4f %9.0f %9.0f %9.3f %9.3f %12.1f %12.2f\n", ef, recall(got, gt, nq), float64(nq)/wall, float64(nq)/cpu,
			lat[nq/2], lat[min(nq-1, nq*99/100)], rows, flt)
	}
	return nil
}

// recall returns the share of the exact top-k found.
func recall(got []int64, gt []int32, nq int) float64 {
	hit := 0
	for q := 0; q < nq; q++ {
		want := map[int64]bool{}
		for _, id := range gt[q*k : (q+1)*k] {
			want[int64(id)] = true
		}
		for _, id := range got[q*k : (q+1)*k] {
			if want[id] {
				hit++
			}
		}
	}
	return float64(hit) / float64(nq*k)
}

func gib(b int64) float64 { return float64(b) / (1 << 30) }

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return st.Size()
}

// diskUsage returns the bytes of disk a (possibly sparse) file takes.
func diskUsage(path string) int64 {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return -1
	}
	return st.Blocks * 512
}

// status returns a kB field of /proc/self/status in bytes (-1 when missing).
func status(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field+":") {
			fs := strings.Fields(line)
			v, _ := strconv.ParseInt(fs[1], 10, 64)
			return v << 10
		}
	}
	return -1
}

// ioChars returns the bytes the process read through read system calls (/proc/self/io rchar):
// a buffer_io store's preads of precise rows.
func ioChars() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "rchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// faults returns the page faults of the process (minor + major): an mmap_io store's rows
// touched for the first time since they were evicted or mapped.
func faults() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Minflt + ru.Majflt
}

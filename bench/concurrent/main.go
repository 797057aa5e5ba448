// Command concurrent measures hgraph under writes on Fashion-MNIST (or generated data of the
// same shape when the Debian package is missing):
//
//   - stall: one goroutine adds the base vectors in batches (5 000 by default) while another
//     searches one query at a time; the latency percentiles of those searches are compared with
//     the same searches on the finished index with nothing else running (idle);
//   - streaming: the same vectors added in batches (1 000 by default) against one Build of all
//     of them, wall time and recall@10 of each.
package main

import (
	"flag"
	"fmt"
	"github.com/govsag/vsag/internal/benchutil"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "concurrent:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	n := flag.Int("n", 60000, "base vectors to add")
	stallBatch := flag.Int("stall-batch", 5000, "batch size of the adds in the stall measurement")
	streamBatch := flag.Int("stream-batch", 1000, "batch size of the adds in the streaming measurement")
	ef := flag.Int("ef", 60, "ef_search of the searches")
	params := flag.String("params", `"base_quantization_type":"fp32","max_degree":32,"ef_construction":200,"build_thread_count":2`, "hgraph index_param members")
	mode := flag.String("mode", "stall,streaming", "which measurements to run")
	flag.Parse()

	set, err := dataset.FashionMNISTOrGenerated(*dir, os.Stdout)
	if err != nil {
		return err
	}
	d := set.Dim
	*n = min(*n, set.NumBase())
	base := set.Base[:*n*d]
	queries := set.Queries
	nq := set.NumQueries()
	create := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{%s}}`, d, *params)
	search := fmt.Sprintf(`{"hgraph":{"ef_search":%d}}`, *ef)
	fmt.Printf("dataset %s: %d x %d, %d CPUs, GOMAXPROCS %d\nhgraph {%s}, ef_search %d\n\n", set.Name, *n, d, runtime.NumCPU(), runtime.GOMAXPROCS(0), *params, *ef)
	ids := make([]int64, *n)
	for i := range ids {
		ids[i] = int64(i)
	}
	for _, m := range splitComma(*mode) {
		switch m {
		case "stall":
			if err := stall(create, search, base, ids, queries, nq, d, *stallBatch); err != nil {
				return err
			}
		case "streaming":
			if err := streaming(create, search, base, ids, queries, nq, d, *streamBatch); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown mode %q", m)
		}
	}
	return nil
}

func stall(create, search string, base []float32, ids []int64, queries []float32, nq, d, batch int) error {
	idx, err := core.CreateIndex("hgraph", create)
	if err != nil {
		return err
	}
	n := len(ids)
	// a first batch so the searches have a graph to walk from the start
	if _, err := idx.Build(&core.Dataset{NumElements: batch, Dim: d, IDs: ids[:batch], Float32: base[:batch*d]}); err != nil {
		return err
	}
	var during []time.Duration
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	var serr error
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			q := queries[(i%nq)*d : (i%nq+1)*d]
			t := time.Now()
			if _, err := idx.Search(q, 10, search, nil); err != nil {
				serr = err
				return
			}
			during = append(during, time.Since(t))
		}
	}()
	start := time.Now()
	for lo := batch; lo < n; lo += batch {
		hi := min(lo+batch, n)
		if _, err := idx.Add(&core.Dataset{NumElements: hi - lo, Dim: d, IDs: ids[lo:hi], Float32: base[lo*d : hi*d]}); err != nil {
			return err
		}
	}
	addTime := time.Since(start)
	stop.Store(true)
	wg.Wait()
	if serr != nil {
		return serr
	}
	// idle: the same number of searches on the finished index, nothing else running
	idle := make([]time.Duration, 0, len(during))
	for i := 0; i < len(during); i++ {
		q := queries[(i%nq)*d : (i%nq+1)*d]
		t := time.Now()
		if _, err := idx.Search(q, 10, search, nil); err != nil {
			return err
		}
		idle = append(idle, time.Since(t))
	}
	fmt.Printf("stall: %d vectors added in batches of %d in %.1f s while %d searches ran\n", n-batch, batch, addTime.Seconds(), len(during))
	fmt.Printf("  %-28s %10s %10s %10s %10s\n", "search latency (ms)", "p50", "p90", "p99", "max")
	pi, pd := pct(idle), pct(during)
	fmt.Printf("  %-28s %10.3f %10.3f %10.3f %10.3f\n", "idle (finished index)", pi[0], pi[1], pi[2], pi[3])
	fmt.Printf("  %-28s %10.3f %10.3f %10.3f %10.3f\n", "during the adds", pd[0], pd[1], pd[2], pd[3])
	fmt.Printf("  p99 during / idle: %.2fx\n\n", pd[2]/pi[2])
	return nil
}

func streaming(create, search string, base []float32, ids []int64, queries []float32, nq, d, batch int) error {
	n := len(ids)
	truth := dataset.GroundTruth(base, queries[:min(nq, 200)*d], d, 10, "l2")
	recall := func(idx *core.Index) (float64, error) {
		var sum float64
		m := min(nq, 200)
		for i := 0; i < m; i++ {
			res, err := idx.Search(queries[i*d:(i+1)*d], 10, search, nil)
			if err != nil {
				return 0, err
			}
			got := make([]int64, len(res))
			for j, r := range res {
				got[j] = r.ID
			}
			sum += dataset.RecallOne(got, truth[i*10:(i+1)*10])
		}
		return sum / float64(m), nil
	}
	one, err := core.CreateIndex("hgraph", create)
	if err != nil {
		return err
	}
	t, c0 := time.Now(), benchutil.ProcessCPU()
	if _, err := one.Build(&core.Dataset{NumElements: n, Dim: d, IDs: ids, Float32: base}); err != nil {
		return err
	}
	buildTime, buildCPU := time.Since(t), benchutil.ProcessCPU()-c0
	r1, err := recall(one)
	if err != nil {
		return err
	}
	one = nil
	runtime.GC()
	stream, err := core.CreateIndex("hgraph", create)
	if err != nil {
		return err
	}
	t, c0 = time.Now(), benchutil.ProcessCPU()
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		if _, err := stream.Add(&core.Dataset{NumElements: hi - lo, Dim: d, IDs: ids[lo:hi], Float32: base[lo*d : hi*d]}); err != nil {
			return err
		}
	}
	streamTime, streamCPU := time.Since(t), benchutil.ProcessCPU()-c0
	r2, err := recall(stream)
	if err != nil {
		return err
	}
	fmt.Printf("streaming: %d vectors\n", n)
	fmt.Printf("  %-34s %8.1f s wall %8.1f s CPU  recall@10 %.4f\n", "one Build", buildTime.Seconds(), buildCPU.Seconds(), r1)
	fmt.Printf("  %-34s %8.1f s wall %8.1f s CPU  recall@10 %.4f\n", fmt.Sprintf("Add in batches of %d", batch), streamTime.Seconds(), streamCPU.Seconds(), r2)
	fmt.Printf("  streaming / build: %.2fx wall, %.2fx CPU\n\n", streamTime.Seconds()/buildTime.Seconds(), streamCPU.Seconds()/buildCPU.Seconds())
	return nil
}

// pct returns p50, p90, p99 and the maximum in milliseconds.
func pct(ds []time.Duration) [4]float64 {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(p float64) float64 {
		i := min(len(s)-1, int(p*float64(len(s))))
		return float64(s[i].Microseconds()) / 1000
	}
	return [4]float64{at(0.50), at(0.90), at(0.99), float64(s[len(s)-1].Microseconds()) / 1000}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// Command odescent compares hgraph's two builds of the same hierarchical graph on Fashion-MNIST
// (60k x 784, l2, fp32 codes): graph_type "nsw" (one insertion at a time) against "odescent"
// (NN-descent over the whole batch, then pruning and reverse edges), both on -threads build
// threads with the same max_degree. The builds are interleaved over -rounds rounds (nsw, then
// each odescent setting, per round) so that load from other work on a shared machine falls on
// all alike; each reports its median build time, and recall@k at every ef_search averaged over
// its builds, with the difference to nsw.
//
// Extra odescent settings to compare are given with -odescent as ';'-separated index_param
// fragments, e.g. -odescent '"graph_iter_turn":40;"neighbor_sample_rate":0.3'.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
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
		fmt.Fprintln(os.Stderr, "bench-odescent:", err)
		os.Exit(1)
	}
}

// config is one build setting and what its builds measured.
type config struct {
	name   string
	param  string
	builds []time.Duration
	cpu    []time.Duration
	recall [][]float64 // per ef, one value per build
	qps    [][]float64 // per ef, one value per build (CPU time of the searching thread)
}

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	cache := flag.String("cache", "build/cache", "folder for the cached ground truth")
	nq := flag.Int("queries", 1000, "number of test queries")
	k := flag.Int("k", 10, "neighbours per query")
	efList := flag.String("ef", "32,64,100,200", "ef_search values")
	rounds := flag.Int("rounds", 3, "interleaved build rounds")
	threads := flag.Int("threads", 2, "build_thread_count of every build")
	degree := flag.Int("max-degree", 32, "max_degree of every build")
	efc := flag.Int("ef-construction", 200, "ef_construction of the nsw build")
	extra := flag.String("odescent", "", "extra odescent settings: ';'-separated index_param fragments")
	skipNSW := flag.Bool("skip-nsw", false, "build odescent only (recall differences are then against the first odescent setting)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the builds to this file")
	flag.Parse()

	f, err := benchutil.LoadFashion(*dir, *cache, *nq, *k, os.Stdout)
	if err != nil {
		return err
	}
	set, d, n, queries, sc := f.Set, f.Dim, f.Set.NumBase(), f.Queries, f.Scorer
	*nq = f.NQ
	efs, err := parseInts(*efList)
	if err != nil {
		return err
	}
	fmt.Printf("dataset %s: %d x %d, %d queries, k=%d, simd %s, %d CPUs, %d build threads, max_degree %d\n",
		set.Name, n, d, *nq, *k, simd.Level(), runtime.NumCPU(), *threads, *degree)

	common := fmt.Sprintf(`"base_quantization_type":"fp32","max_degree":%d,"build_thread_count":%d`, *degree, *threads)
	configs := []*config{
		{name: fmt.Sprintf("nsw ef_construction %d", *efc), param: fmt.Sprintf(`%s,"ef_construction":%d`, common, *efc)},
		{name: "odescent", param: common + `,"graph_type":"odescent"`},
	}
	if *skipNSW {
		configs = configs[1:]
	}
	for _, e := range strings.Split(*extra, ";") {
		if e = strings.TrimSpace(e); e != "" {
			configs = append(configs, &config{name: "odescent " + e, param: common + `,"graph_type":"odescent",` + e})
		}
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for r := 0; r < *rounds; r++ {
		for _, c := range configs {
			c.recall = grow(c.recall, len(efs))
			c.qps = grow(c.qps, len(efs))
			js := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{%s}}`, d, c.param)
			idx, err := core.CreateIndex("hgraph", js)
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			runtime.GC()
			t0, cpu0 := time.Now(), benchutil.ProcessCPU()
			if _, err := idx.Build(&core.Dataset{NumElements: n, Dim: d, IDs: ids, Float32: set.Base}); err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			wall, cpu := time.Since(t0), benchutil.ProcessCPU()-cpu0
			c.builds, c.cpu = append(c.builds, wall), append(c.cpu, cpu)
			line := fmt.Sprintf("round %d %-28s build %6.2fs, %6.2fs of CPU (%.1f cores busy)  recall@%d", r+1, c.name, wall.Seconds(), cpu.Seconds(), cpu.Seconds()/wall.Seconds(), *k)
			for j, ef := range efs {
				got, _, secs, err := benchutil.TimedSearch(idx, fmt.Sprintf(`{"hgraph":{"ef_search":%d}}`, ef), queries, d, *nq, *k)
				if err != nil {
					return err
				}
				rec, _ := sc.Score(got)
				c.recall[j] = append(c.recall[j], rec)
				c.qps[j] = append(c.qps[j], float64(*nq)/secs)
				line += fmt.Sprintf("  ef %d %.4f", ef, rec)
			}
			fmt.Println(line)
			_ = idx
		}
	}

	ref := configs[0]
	refBuild, refCPU := median(ref.builds), median(ref.cpu)
	fmt.Printf("\nsummary over %d rounds (median build time, mean recall@%d; QPS per CPU-second of the searching thread, median):\n", *rounds, *k)
	for _, c := range configs {
		b, cpu := median(c.builds), median(c.cpu)
		fmt.Printf("%-30s build %6.2fs (%.2fx nsw's speed), %6.2fs of CPU (%.2fx nsw's)\n", c.name, b.Seconds(), refBuild.Seconds()/b.Seconds(), cpu.Seconds(), refCPU.Seconds()/cpu.Seconds())
		worst := 0.0
		for j, ef := range efs {
			rec, rr := mean(c.recall[j]), mean(ref.recall[j])
			worst = math.Max(worst, rr-rec)
			fmt.Printf("    ef %4d  recall %.4f (%+.4f vs nsw)  qps %7.0f\n", ef, rec, rec-rr, medianF(c.qps[j]))
		}
		if c != ref {
			verdict := "equal recall (within 0.005) at every ef"
			if worst > 0.005 {
				verdict = fmt.Sprintf("recall below nsw's by up to %.4f", worst)
			}
			fmt.Printf("    %s\n", verdict)
		}
	}
	return nil
}

func grow(v [][]float64, n int) [][]float64 {
	for len(v) < n {
		v = append(v, nil)
	}
	return v
}

func median(v []time.Duration) time.Duration {
	s := append([]time.Duration(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianF(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func mean(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t / float64(len(v))
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("bad integer %q", f)
		}
		out = append(out, v)
	}
	return out, nil
}

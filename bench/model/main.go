// Command model measures hgraph's Merge and Tune on Fashion-MNIST (60k x 784, l2).
//
// -mode merge: for each configuration, one index is built from all rows; its model is exported
// (ExportModel), two copies are filled with the two halves of the rows, and a third copy merges
// them. The merged index and the whole one are searched over an ef_search sweep: recall@k, the
// largest recall gap, QPS, and the times of the whole build, the half builds and the merge.
//
// -mode tune: one fp32 index is built; clones of it are tuned to other codes (Tune): sq8_uniform
// with fp32 reorder, fp16, sq4_uniform with fp16 reorder, sq4_uniform alone. Each is measured
// against the fp32 index and, for the first target, against an index built directly with those
// codes: recall@k and QPS over the sweep, tune time and memory.
//
// Searches run one query at a time on one thread; QPS is per CPU-second of the searching
// thread. Each point is measured in -rounds interleaved rounds and keeps its best QPS, so load
// from other work on a shared machine falls on every index alike.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/benchutil"
	"github.com/govsag/vsag/simd"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-model:", err)
		os.Exit(1)
	}
}

type options struct {
	k, rounds, threads int
	efs                []int
	data               *benchutil.Fashion
	profile            string
}

var o options

func run() error {
	dir := flag.String("fashion-mnist", "", "folder holding the Fashion-MNIST IDX files (default Debian's)")
	cache := flag.String("cache", "build/cache", "folder for the cached ground truth")
	mode := flag.String("mode", "merge", "merge or tune")
	nq := flag.Int("queries", 1000, "number of test queries")
	k := flag.Int("k", 10, "neighbours per query")
	efList := flag.String("ef", "32,48,64,96,128,200", "ef_search values to sweep")
	rounds := flag.Int("rounds", 3, "interleaved measurement rounds; each point keeps its best QPS")
	threads := flag.Int("threads", runtime.NumCPU(), "build_thread_count of the builds")
	only := flag.String("only", "", "comma-separated configuration names to run (default all)")
	flag.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the merges (or tunes) to this file")
	flag.Parse()
	o.k, o.rounds, o.threads = *k, *rounds, *threads
	for _, s := range strings.Split(*efList, ",") {
		ef, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-ef: %w", err)
		}
		o.efs = append(o.efs, ef)
	}
	data, err := benchutil.LoadFashion(*dir, *cache, *nq, *k, os.Stdout)
	if err != nil {
		return err
	}
	o.data = data
	fmt.Printf("dataset %s: %d x %d, %d queries, k=%d, simd %s, %d CPUs, %d build threads\n\n",
		data.Set.Name, data.Set.NumBase(), data.Dim, data.NQ, o.k, simd.Level(), runtime.NumCPU(), o.threads)
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			want[s] = true
		}
	}
	switch *mode {
	case "merge":
		return benchMerge(&o, want)
	case "tune":
		return benchTune(&o, want)
	}
	return fmt.Errorf("-mode %q is not merge or tune", *mode)
}

// create returns the create JSON of an hgraph index with the index_param body param.
func (o *options) create(param string) string {
	return fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{%s,"build_thread_count":%d}}`,
		o.data.Dim, param, o.threads)
}

const graph = `"max_degree":32,"ef_construction":200`

// point is one measurement of a sweep.
type point struct {
	recall, qps float64
}

// sweep measures every index over the ef values in interleaved rounds and returns the points
// per index.
func (o *options) sweep(idxs []*core.Index) ([][]point, error) {
	out := make([][]point, len(idxs))
	for i := range out {
		out[i] = make([]point, len(o.efs))
	}
	for r := 0; r < o.rounds; r++ {
		for j, ef := range o.efs {
			js := fmt.Sprintf(`{"hgraph":{"ef_search":%d}}`, ef)
			for i, idx := range idxs {
				got, _, cpu, err := benchutil.TimedSearch(idx, js, o.data.Queries, o.data.Dim, o.data.NQ, o.k)
				if err != nil {
					return nil, err
				}
				rec, _ := o.data.Scorer.Score(got)
				p := &out[i][j]
				p.recall = rec
				if q := float64(o.data.NQ) / cpu; q > p.qps {
					p.qps = q
				}
			}
		}
	}
	return out, nil
}

// span is the wall and process CPU time of one step.
type span struct{ wall, cpu time.Duration }

// String formats the span for the report.
func (s span) String() string {
	return fmt.Sprintf("%.1f s (%.1f s CPU)", s.wall.Seconds(), s.cpu.Seconds())
}

// timed runs fn and returns its wall and process CPU time.
func timed(fn func() error) (span, error) {
	t0, c0 := time.Now(), benchutil.ProcessCPU()
	err := fn()
	return span{time.Since(t0), benchutil.ProcessCPU() - c0}, err
}

// profiled runs fn under the CPU profiler when -cpuprofile is set (the profile of the last
// call is kept).
func (o *options) profiled(fn func() error) (span, error) {
	if o.profile == "" {
		return timed(fn)
	}
	f, err := os.Create(o.profile)
	if err != nil {
		return span{}, err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return span{}, err
	}
	defer pprof.StopCPUProfile()
	return timed(fn)
}

// build creates an index and builds it from rows lo..hi-1.
func (o *options) build(create string, lo, hi int) (*core.Index, span, error) {
	idx, err := core.CreateIndex("hgraph", create)
	if err != nil {
		return nil, span{}, err
	}
	t, err := timed(func() error {
		_, err := idx.Build(&core.Dataset{NumElements: hi - lo, Dim: o.data.Dim, IDs: o.data.Labels(lo, hi), Float32: o.data.Rows(lo, hi)})
		return err
	})
	return idx, t, err
}

// fill adds rows lo..hi-1 to idx.
func (o *options) fill(idx *core.Index, lo, hi int) (span, error) {
	return timed(func() error {
		_, err := idx.Add(&core.Dataset{NumElements: hi - lo, Dim: o.data.Dim, IDs: o.data.Labels(lo, hi), Float32: o.data.Rows(lo, hi)})
		return err
	})
}

type config struct{ name, param string }

func benchMerge(o *options, want map[string]bool) error {
	configs := []config{
		{"fp32", `"base_quantization_type":"fp32",` + graph},
		{"sq8_uniform+fp32 reorder", `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32",` + graph},
	}
	n := o.data.Set.NumBase()
	half := n / 2
	for _, cf := range configs {
		if len(want) > 0 && !want[cf.name] {
			continue
		}
		full, tFull, err := o.build(o.create(cf.param), 0, n)
		if err != nil {
			return err
		}
		model, err := full.ExportModel()
		if err != nil {
			return err
		}
		a, err := model.Clone()
		if err != nil {
			return err
		}
		b, err := model.Clone()
		if err != nil {
			return err
		}
		tA, err := o.fill(a, 0, half)
		if err != nil {
			return err
		}
		tB, err := o.fill(b, half, n)
		if err != nil {
			return err
		}
		merged, err := model.Clone()
		if err != nil {
			return err
		}
		var failed []int64
		tMerge, err := o.profiled(func() error {
			var err error
			failed, err = merged.Merge([]core.MergeUnit{{Index: a}, {Index: b}})
			return err
		})
		if err != nil {
			return err
		}
		if len(failed) > 0 || merged.GetNumElements() != int64(n) {
			return fmt.Errorf("merge: %d failed, %d elements", len(failed), merged.GetNumElements())
		}
		fmt.Printf("hgraph %s: whole build %v; halves %v + %v; merge %v\n", cf.name, tFull, tA, tB, tMerge)
		pts, err := o.sweep([]*core.Index{full, merged})
		if err != nil {
			return err
		}
		fmt.Println("| ef_search | whole recall@10 | merged recall@10 | gap | whole QPS | merged QPS |")
		fmt.Println("|---|---|---|---|---|---|")
		worst := 0.0
		for j, ef := range o.efs {
			w, m := pts[0][j], pts[1][j]
			gap := w.recall - m.recall
			worst = math.Max(worst, math.Abs(gap))
			fmt.Printf("| %d | %.4f | %.4f | %+.4f | %.0f | %.0f |\n", ef, w.recall, m.recall, -gap, w.qps, m.qps)
		}
		fmt.Printf("largest recall gap over ef %d..%d: %.4f\n\n", o.efs[0], o.efs[len(o.efs)-1], worst)
		full, model, a, b, merged = nil, nil, nil, nil, nil
		runtime.GC()
	}
	return nil
}

func benchTune(o *options, want map[string]bool) error {
	n := o.data.Set.NumBase()
	src, tBuild, err := o.build(o.create(`"base_quantization_type":"fp32",`+graph), 0, n)
	if err != nil {
		return err
	}
	fmt.Printf("hgraph fp32 built in %v, %.0f bytes/vector\n\n", tBuild, float64(src.GetMemoryUsage())/float64(n))
	targets := []config{
		{"sq8_uniform+fp32 reorder", `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32"`},
		{"fp16", `"base_quantization_type":"fp16"`},
		{"sq4_uniform+fp16 reorder", `"base_quantization_type":"sq4_uniform","use_reorder":true,"precise_quantization_type":"fp16"`},
		{"sq4_uniform", `"base_quantization_type":"sq4_uniform"`},
	}
	for i, tg := range targets {
		if len(want) > 0 && !want[tg.name] {
			continue
		}
		tuned, err := src.Clone()
		if err != nil {
			return err
		}
		tTune, err := o.profiled(func() error { return tuned.Tune(`{"index_param":{`+tg.param+`}}`, false) })
		if err != nil {
			return err
		}
		idxs := []*core.Index{src, tuned}
		names := []string{"fp32 (before)", tg.name + " (tuned)"}
		if i == 0 {
			direct, tDirect, err := o.build(o.create(tg.param+","+graph), 0, n)
			if err != nil {
				return err
			}
			idxs = append(idxs, direct)
			names = append(names, tg.name+" (built so)")
			fmt.Printf("built directly with %s in %v\n", tg.name, tDirect)
		}
		fmt.Printf("tune fp32 -> %s: %v; %.0f -> %.0f bytes/vector\n", tg.name, tTune,
			float64(src.GetMemoryUsage())/float64(n), float64(tuned.GetMemoryUsage())/float64(n))
		pts, err := o.sweep(idxs)
		if err != nil {
			return err
		}
		fmt.Print("| ef_search |")
		for _, nm := range names {
			fmt.Printf(" %s recall@10 | QPS |", nm)
		}
		fmt.Println()
		fmt.Println("|---" + strings.Repeat("|---|---", len(names)) + "|")
		for j, ef := range o.efs {
			fmt.Printf("| %d |", ef)
			for x := range idxs {
				fmt.Printf(" %.4f | %.0f |", pts[x][j].recall, pts[x][j].qps)
			}
			fmt.Println()
		}
		fmt.Println()
		runtime.GC()
	}
	return nil
}

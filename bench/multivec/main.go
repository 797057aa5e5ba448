// Command multivec benchmarks the multi-vector indexes on Fashion-MNIST cut into patches: each
// 28x28 image is a document of its non-blank 7x7 patches (a 4x4 grid; a patch is kept when its
// mean intensity is at least -min-ink of full scale), each patch a 49-dim sub-vector normalised
// to unit length. Test images are the queries; exact MaxSim ground truth (inner product) is
// computed by a plain loop (cached). It prints recall@k and single-thread QPS of warp's exact
// scan and of simq at several coarse_k/rerank_k settings (QPS per CPU-second of the searching
// thread), and with -dump writes the documents,
// queries and ground truth for bench/multivec/numpy_maxsim.py (the numpy exact scan).
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/benchutil"
	"github.com/govsag/vsag/internal/dataset"
	"github.com/govsag/vsag/internal/parallel"
	"github.com/govsag/vsag/simd"
)

const (
	side  = 28
	patch = 7
	dim   = patch * patch
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-multivec:", err)
		os.Exit(1)
	}
}

// docs is a set of multi-vector documents.
type docs struct {
	vecs   []float32
	counts []int
}

func (d *docs) doc(starts []int, i int) []float32 { return d.vecs[starts[i]*dim : starts[i+1]*dim] }

func (d *docs) starts() []int {
	s := make([]int, len(d.counts)+1)
	for i, c := range d.counts {
		s[i+1] = s[i] + c
	}
	return s
}

// patches cuts n images of side x side pixels into documents of normalised non-blank patches.
func patches(img []float32, n int, minInk float32) *docs {
	out := &docs{}
	v := make([]float32, dim)
	for i := 0; i < n; i++ {
		im := img[i*side*side : (i+1)*side*side]
		c := 0
		for py := 0; py < side/patch; py++ {
			for px := 0; px < side/patch; px++ {
				var sum, sq float64
				for y := 0; y < patch; y++ {
					for x := 0; x < patch; x++ {
						p := im[(py*patch+y)*side+px*patch+x] / 255
						v[y*patch+x] = p
						sum += float64(p)
						sq += float64(p) * float64(p)
					}
				}
				if sum/dim < float64(minInk) || sq == 0 {
					continue
				}
				inv := float32(1 / math.Sqrt(sq))
				for j := range v {
					out.vecs = append(out.vecs, v[j]*inv)
				}
				c++
			}
		}
		if c == 0 { // a blank image keeps its brightest patch: a document has at least one
			out.vecs = append(out.vecs, make([]float32, dim)...)
			out.vecs[len(out.vecs)-dim] = 1
			c = 1
		}
		out.counts = append(out.counts, c)
	}
	return out
}

// truth computes the exact top-k of every query by MaxSim distance with a plain loop.
func truth(base, q *docs, k int) [][]int64 {
	bs, qs := base.starts(), q.starts()
	out := make([][]int64, len(q.counts))
	_ = parallel.For(len(q.counts), runtime.GOMAXPROCS(0), func(_, i int) error {
		qd := q.doc(qs, i)
		type sc struct {
			d  float32
			id int
		}
		all := make([]sc, len(base.counts))
		for j := range base.counts {
			dd := base.doc(bs, j)
			var total float32
			for a := 0; a < len(qd); a += dim {
				best := float32(math.Inf(-1))
				for b := 0; b < len(dd); b += dim {
					best = max(best, simd.InnerProduct(qd[a:a+dim], dd[b:b+dim]))
				}
				total += 1 - best
			}
			all[j] = sc{total, j}
		}
		sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d || (all[a].d == all[b].d && all[a].id < all[b].id) })
		out[i] = make([]int64, k)
		for r := range out[i] {
			out[i][r] = int64(all[r].id)
		}
		return nil
	})
	return out
}

func recall(got []int64, want []int64) float64 {
	hit := 0
	for _, g := range got {
		for _, w := range want {
			if g == w {
				hit++
				break
			}
		}
	}
	return float64(hit) / float64(len(want))
}

// measure runs every query once on this goroutine, locked to its OS thread, and returns
// recall@k and QPS per CPU-second of that thread (so other work on the machine does not distort
// it).
func measure(idx *core.Index, q *docs, gt [][]int64, k int, js string) (float64, float64, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	qs := q.starts()
	var rec float64
	start := benchutil.ThreadCPU()
	for i := range q.counts {
		res, err := idx.KnnSearch(&core.Dataset{NumElements: 1, Dim: dim, Float32: q.doc(qs, i), VectorCounts: q.counts[i : i+1]}, k, js, nil)
		if err != nil {
			return 0, 0, err
		}
		rec += recall(res.IDs, gt[i])
	}
	secs := (benchutil.ThreadCPU() - start).Seconds()
	return rec / float64(len(q.counts)), float64(len(q.counts)) / secs, nil
}

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	cache := flag.String("cache", "build/cache", "folder for the cached ground truth")
	n := flag.Int("n", 60000, "documents (training images)")
	nq := flag.Int("queries", 200, "queries (test images)")
	k := flag.Int("k", 10, "neighbours per query")
	minInk := flag.Float64("min-ink", 0.05, "mean intensity below which a patch is blank and left out")
	simqParams := flag.String("simq", `"init_cluster_ratio":0.02,"max_cluster_size":256,"split_start_idx":128`, "simq index_param keys")
	settings := flag.String("settings", "16:200,32:500,64:800,64:1200,128:1600", "simq coarse_k:rerank_k settings")
	runWarp := flag.Bool("warp", true, "measure warp's exact scan (the speedups are against it)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the simq searches to this file")
	dump := flag.String("dump", "", "write the documents, queries and ground truth into this folder for numpy_maxsim.py")
	flag.Parse()
	runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 1))

	set, err := dataset.FashionMNISTOrGenerated(*dir, os.Stdout)
	if err != nil {
		return err
	}
	if set.Dim != side*side {
		return fmt.Errorf("the data has dim %d, patches need 28x28 images", set.Dim)
	}
	*n = min(*n, set.NumBase())
	*nq = min(*nq, set.NumQueries())
	base := patches(set.Base, *n, float32(*minInk))
	q := patches(set.Queries, *nq, float32(*minInk))
	fmt.Printf("documents: %d images -> %d patches of %d dims (%.1f per image); queries: %d (%.1f patches each)\n",
		*n, len(base.vecs)/dim, dim, float64(len(base.vecs)/dim)/float64(*n), *nq, float64(len(q.vecs)/dim)/float64(*nq))

	if err := os.MkdirAll(*cache, 0o755); err != nil {
		return err
	}
	gtPath := filepath.Join(*cache, fmt.Sprintf("multivec-%s-n%d-q%d-k%d-ink%g.i64", set.Name, *n, *nq, *k, *minInk))
	gt, err := loadTruth(gtPath, *nq, *k)
	if err != nil {
		t0 := time.Now()
		gt = truth(base, q, *k)
		fmt.Printf("exact MaxSim ground truth: %.1f s (plain loop, %d threads)\n", time.Since(t0).Seconds(), runtime.GOMAXPROCS(0))
		if err := saveTruth(gtPath, gt); err != nil {
			return err
		}
	}
	if *dump != "" {
		if err := dumpData(*dump, base, q, gt); err != nil {
			return err
		}
	}

	ids := make([]int64, *n)
	for i := range ids {
		ids[i] = int64(i)
	}
	ds := &core.Dataset{NumElements: *n, Dim: dim, IDs: ids, Float32: base.vecs, VectorCounts: base.counts}
	create := fmt.Sprintf(`{"dtype":"float32","metric_type":"ip","dim":%d}`, dim)

	warp, err := core.CreateIndex("warp", create)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if _, err := warp.Build(ds); err != nil {
		return err
	}
	fmt.Printf("warp build: %.2f s, memory %.1f MB\n", time.Since(t0).Seconds(), float64(warp.GetMemoryUsage())/1e6)
	wr, wq := math.NaN(), math.NaN()
	if *runWarp {
		if wr, wq, err = measure(warp, q, gt, *k, ""); err != nil {
			return err
		}
	}

	simq, err := core.CreateIndex("simq", fmt.Sprintf(`{"dtype":"float32","metric_type":"ip","dim":%d,"index_param":{%s}}`, dim, *simqParams))
	if err != nil {
		return err
	}
	t0 = time.Now()
	if _, err := simq.Build(ds); err != nil {
		return err
	}
	fmt.Printf("simq build: %.1f s on %d threads (%s), memory %.1f MB\n", time.Since(t0).Seconds(), runtime.NumCPU(), *simqParams, float64(simq.GetMemoryUsage())/1e6)

	fmt.Printf("\none thread, recall@%d against exact MaxSim, %d queries, QPS per CPU-second of the searching thread:\n", *k, *nq)
	fmt.Printf("%-34s %8s %10s %8s\n", "index", "recall", "QPS", "speedup")
	fmt.Printf("%-34s %8.4f %10.1f %8s\n", "warp (exact scan)", wr, wq, "1.0x")
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for _, s := range strings.Split(*settings, ",") {
		var ck, rk int
		if _, err := fmt.Sscanf(s, "%d:%d", &ck, &rk); err != nil {
			return fmt.Errorf("setting %q: %w", s, err)
		}
		js := fmt.Sprintf(`{"simq":{"coarse_k":%d,"rerank_k":%d}}`, ck, rk)
		r, qps, err := measure(simq, q, gt, *k, js)
		if err != nil {
			return err
		}
		fmt.Printf("%-34s %8.4f %10.1f %7.1fx\n", fmt.Sprintf("simq coarse_k=%d rerank_k=%d", ck, rk), r, qps, qps/wq)
	}
	return nil
}

func loadTruth(path string, nq, k int) ([][]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) != nq*k*8 {
		return nil, fmt.Errorf("%s: %d bytes, want %d", path, len(b), nq*k*8)
	}
	gt := make([][]int64, nq)
	for i := range gt {
		gt[i] = make([]int64, k)
		for j := range gt[i] {
			gt[i][j] = int64(binary.LittleEndian.Uint64(b[(i*k+j)*8:]))
		}
	}
	return gt, nil
}

func saveTruth(path string, gt [][]int64) error {
	var b []byte
	for _, row := range gt {
		for _, v := range row {
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return os.WriteFile(path, b, 0o644)
}

// dumpData writes base.f32/base.counts.i64, queries.f32/queries.counts.i64 and truth.i64 (nq x
// k) as raw little-endian arrays, and meta.txt with dim and k.
func dumpData(dir string, base, q *docs, gt [][]int64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, f func(w io.Writer) error) error {
		fh, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := f(fh); err != nil {
			fh.Close()
			return err
		}
		return fh.Close()
	}
	f32 := func(v []float32) func(io.Writer) error {
		return func(w io.Writer) error { return binary.Write(w, binary.LittleEndian, v) }
	}
	i64 := func(c []int) func(io.Writer) error {
		return func(w io.Writer) error {
			v := make([]int64, len(c))
			for i, x := range c {
				v[i] = int64(x)
			}
			return binary.Write(w, binary.LittleEndian, v)
		}
	}
	var flat []int
	for _, row := range gt {
		for _, v := range row {
			flat = append(flat, int(v))
		}
	}
	for _, s := range []struct {
		name string
		f    func(io.Writer) error
	}{
		{"base.f32", f32(base.vecs)}, {"base.counts.i64", i64(base.counts)},
		{"queries.f32", f32(q.vecs)}, {"queries.counts.i64", i64(q.counts)}, {"truth.i64", i64(flat)},
	} {
		if err := write(s.name, s.f); err != nil {
			return err
		}
	}
	k := 0
	if len(gt) > 0 {
		k = len(gt[0])
	}
	return os.WriteFile(filepath.Join(dir, "meta.txt"), []byte(fmt.Sprintf("%d %d\n", dim, k)), 0o644)
}

// Command vsag-demo builds an hgraph index (or, with -index ivf, an ivf index of 256 k-means
// buckets) on Fashion-MNIST (or on generated data when the Debian package
// dataset-fashion-mnist is not installed), sweeps ef_search (scan_buckets_count), and prints the
// recall/QPS/latency table next to brute_force's exact figures (and hnswlib's curve when
// Debian's python3-hnswlib is installed), then writes the recall-vs-QPS plot. Ground truth is
// computed once and cached under build/cache.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
	"github.com/govsag/vsag/internal/eval"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "vsag-demo:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	nq := flag.Int("queries", 1000, "number of test queries to run")
	k := flag.Int("k", 10, "neighbours per query")
	efs := flag.String("ef", "10,20,40,80,160,320", "ef_search values to sweep")
	out := flag.String("out", "build/demo", "folder for the sweep's CSV, JSON and PNG")
	cache := flag.String("cache", "build/cache", "ground-truth cache folder")
	threads := flag.Int("threads", 1, "concurrent searching goroutines")
	hnsw := flag.Bool("hnswlib", true, "also measure hnswlib (Debian python3-hnswlib) when it is installed")
	rounds := flag.Int("rounds", 3, "measurements of each point, interleaved with hnswlib's; the best is kept")
	which := flag.String("index", "hgraph", "index type: hgraph or ivf")
	probes := flag.String("probes", "1,2,4,8,16,32,64", "scan_buckets_count values to sweep with -index ivf")
	flag.Parse()
	start := time.Now()

	datapath := *dir
	name := "fashion-mnist"
	if _, err := dataset.FashionMNIST(*dir); errors.Is(err, dataset.ErrNotFound) {
		fmt.Println("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist); using generated data instead.")
		datapath, name = "generated:20000,1000,128", "generated"
	} else if err != nil {
		return err
	}

	index := *which
	var create, sweep string
	switch index {
	case "hgraph":
		create = `{"dtype":"float32","metric_type":"l2","index_param":{"base_quantization_type":"fp32","max_degree":32,"ef_construction":200}}`
		sweep = "ef_search=" + *efs
	case "ivf":
		create = `{"dtype":"float32","metric_type":"l2","index_param":{"base_quantization_type":"fp32","buckets_count":256,"thread_count":8}}`
		sweep = "scan_buckets_count=" + *probes
	default:
		return fmt.Errorf("-index %q: want hgraph or ivf", index)
	}
	if !slices.Contains(core.IndexNames(), index) {
		fmt.Printf("note: the %s index is not available in this build (index types: %v); running brute_force instead.\n", index, core.IndexNames())
		index, create, sweep = "brute_force", `{"dtype":"float32","metric_type":"l2","index_param":{"base_quantization_type":"fp32"}}`, ".parallelism=1"
	}
	withHNSW := *hnsw && index == "hgraph" && exec.Command(dataset.Python(), "-c", "import hnswlib, numpy").Run() == nil
	if *hnsw && !withHNSW && index == "hgraph" {
		fmt.Println("note: python3-hnswlib is not installed; the hnswlib curve is skipped.")
	}

	c := eval.Defaults()
	c.Name = "demo"
	c.DataPath = datapath
	c.Type = "build,search"
	c.IndexName = index
	c.CreateParams = create
	c.IndexPath = "" // in memory
	c.TopK = *k
	c.SearchQueryCount = *nq
	c.NumThreadsSearching = *threads
	c.Sweep = sweep
	c.SweepRounds = *rounds
	c.Baseline = true
	c.HNSWLib = withHNSW
	c.CacheDir = *cache
	c.SweepOutput = filepath.Join(*out, fmt.Sprintf("%s-%s-%s", name, index, strings.SplitN(sweep, "=", 2)[0]))

	r := eval.NewRunner(os.Stderr, eval.IsTerminal(os.Stderr))
	sr, err := r.RunSweep(&c)
	if err != nil {
		return err
	}
	fmt.Printf("\n%s: %d base vectors x %d dims, %d queries, recall@%d, %d search thread(s)\n",
		sr.Dataset.FilePath, sr.Dataset.BaseCount, sr.Dataset.Dim, min(*nq, sr.Dataset.QueryCount), *k, sr.Threads)
	fmt.Printf("QPS: after one untimed warm-up pass, the best of %d rounds per point (index and hnswlib interleaved)\n\n", max(1, *rounds))
	fmt.Print(eval.FormatSweepTable(sr))
	fmt.Println()
	summarize(sr)
	note, err := eval.WriteSweepFiles(c.SweepOutput, sr)
	if err != nil {
		return err
	}
	if note != "" {
		fmt.Printf("note: %s\nwrote %s.csv and %s.json\n", note, c.SweepOutput, c.SweepOutput)
	} else {
		fmt.Printf("plot: %s.png (data: %s.csv, %s.json)\n", c.SweepOutput, c.SweepOutput, c.SweepOutput)
	}
	fmt.Printf("demo finished in %.0fs\n", time.Since(start).Seconds())

	exact := sr.Curves[len(sr.Curves)-1].Points[0]
	if exact.Recall < 0.9999 {
		return fmt.Errorf("exact search recall %.4f is not 1.0", exact.Recall)
	}
	return nil
}

// summarize prints, for a few recall targets, the fastest setting of each curve that reaches
// it, and its speed-up over exact search.
func summarize(sr *eval.SweepResult) {
	exact := sr.Curves[len(sr.Curves)-1].Points[0]
	fmt.Printf("brute_force (exact): recall %.4f at %.1f QPS\n", exact.Recall, exact.QPS)
	for _, cv := range sr.Curves[:len(sr.Curves)-1] {
		var parts []string
		for _, target := range []float64{0.9, 0.95, 0.99} {
			best := -1
			for i, p := range cv.Points {
				if p.Recall >= target && (best < 0 || p.QPS > cv.Points[best].QPS) {
					best = i
				}
			}
			if best < 0 {
				parts = append(parts, fmt.Sprintf("recall %.2f not reached", target))
				continue
			}
			p := cv.Points[best]
			speed := ""
			if exact.QPS > 0 {
				speed = fmt.Sprintf(", %.0fx brute_force", p.QPS/exact.QPS)
			}
			parts = append(parts, fmt.Sprintf("recall >= %.2f at %s: %.0f QPS%s", target, p.Label, p.QPS, speed))
		}
		fmt.Printf("%s: %s\n", cv.Name, strings.Join(parts, "; "))
	}
}

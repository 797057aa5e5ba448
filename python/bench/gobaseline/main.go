// Command gobaseline times searches through the Go API for python/bench/bench_search.py, on an
// index file and queries that the Python side wrote, so both sides search the same graph:
//
//	gobaseline -index idx.vsag -queries q.fvecs -k 10 -params '{"hgraph":{"ef_search":100}}' -mode batch
//
// Mode "batch" times BatchSearchInto over every query (one call, all cores); mode "single" times
// Search once per query, one after another, and also reports each query's time. It prints one JSON object per repetition:
// {"mode":"batch","seconds":0.0123,"cpu_seconds":0.0241,"queries":1000,"check":...}, where
// cpu_seconds is the process's user+system time (all threads), which a busy machine disturbs
// less than the wall time. The Python side interleaves its own repetitions with these runs and
// compares the best of each.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
)

type report struct {
	Mode    string  `json:"mode"`
	Seconds float64 `json:"seconds"`
	CPU     float64 `json:"cpu_seconds"`
	Queries int     `json:"queries"`
	Check   int64   `json:"check"`
	// PerQuery holds each query's time in seconds (mode "single").
	PerQuery []float64 `json:"per_query,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gobaseline:", err)
		os.Exit(1)
	}
}

func run() error {
	indexPath := flag.String("index", "", "index file written by pyvsag's Index.save")
	queryPath := flag.String("queries", "", "queries as .fvecs")
	k := flag.Int("k", 10, "neighbours per query")
	params := flag.String("params", "", "search JSON")
	mode := flag.String("mode", "batch", "batch or single")
	reps := flag.Int("reps", 1, "repetitions (one JSON line each)")
	flag.Parse()

	idx, err := core.LoadFile(*indexPath)
	if err != nil {
		return err
	}
	q, dim, err := dataset.ReadVecs(*queryPath, 0)
	if err != nil {
		return err
	}
	if dim != idx.Dim() {
		return fmt.Errorf("queries have dim %d, the index %d", dim, idx.Dim())
	}
	nq := len(q) / dim
	ids := make([]int64, nq**k)
	dists := make([]float32, nq**k)
	enc := json.NewEncoder(os.Stdout)
	for r := 0; r < *reps; r++ {
		var check int64
		var perQuery []float64
		cpu0 := cpuSeconds()
		start := time.Now()
		switch *mode {
		case "batch":
			if err := idx.BatchSearchInto(q, nq, *k, *params, nil, ids, dists); err != nil {
				return err
			}
			check = ids[0]
		case "single":
			perQuery = make([]float64, nq)
			for i := 0; i < nq; i++ {
				t := time.Now()
				res, err := idx.Search(q[i*dim:(i+1)*dim], *k, *params, nil)
				perQuery[i] = time.Since(t).Seconds()
				if err != nil {
					return err
				}
				check += res[0].ID
			}
		default:
			return fmt.Errorf("unknown mode %q", *mode)
		}
		elapsed := time.Since(start)
		cpu := cpuSeconds() - cpu0
		if err := enc.Encode(report{Mode: *mode, Seconds: elapsed.Seconds(), CPU: cpu, Queries: nq, Check: check, PerQuery: perQuery}); err != nil {
			return err
		}
	}
	return nil
}

// cpuSeconds returns the user+system CPU time of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

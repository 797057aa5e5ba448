// Command gobench times batch k-NN search through the Go API, for comparison with the same
// search made from Node.js through the npm package (typescript/bench/bench.js runs both).
//
// It loads an index file (core.LoadFile) and a file of float32 queries (little-endian,
// row-major), runs the batch search reps times with BatchKnnSearch (the Go user's call, which
// allocates its result) and with BatchSearchInto (the zero-copy call libvsag.so makes), and
// prints the wall time of every repetition as JSON:
//
//	{"batch_knn_search_ms":[...],"batch_search_into_ms":[...],"checksum":...}
//
// The checksum (sum of the returned labels) lets the caller confirm both sides found the
// same neighbours.
//
// With -serve it instead reads one command per line from stdin ("knn" or "into"), runs one
// search and answers "<wall ms> <process CPU ms> <checksum>", so the caller can alternate
// single repetitions of the two processes and compare them under the same machine load (CPU
// time, user + system over all threads, is barely affected by other processes' load).
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"syscall"
	"time"

	"github.com/govsag/vsag/core"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gobench:", err)
		os.Exit(1)
	}
}

func run() error {
	indexPath := flag.String("index", "", "index file written by Index.save")
	queryPath := flag.String("queries", "", "float32 queries, little-endian, row-major")
	k := flag.Int("k", 10, "neighbours per query")
	search := flag.String("search", "", "search JSON")
	reps := flag.Int("reps", 10, "timed repetitions of each call")
	warmup := flag.Int("warmup", 2, "untimed repetitions first")
	serve := flag.Bool("serve", false, "answer timing commands from stdin")
	flag.Parse()

	idx, err := core.LoadFile(*indexPath)
	if err != nil {
		return fmt.Errorf("load index: %w", err)
	}
	raw, err := os.ReadFile(*queryPath)
	if err != nil {
		return fmt.Errorf("read queries: %w", err)
	}
	queries := make([]float32, len(raw)/4)
	for i := range queries {
		queries[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	dim := idx.Dim()
	if len(queries)%dim != 0 {
		return fmt.Errorf("%d query values are not a multiple of dim %d", len(queries), dim)
	}
	nq := len(queries) / dim
	ds := &core.Dataset{NumElements: nq, Dim: dim, Float32: queries}
	ids := make([]int64, nq**k)
	dists := make([]float32, nq**k)

	sum := func(xs []int64) int64 {
		var s int64
		for _, x := range xs {
			s += x
		}
		return s
	}
	if *serve {
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			cpu0 := cpuTime()
			start := time.Now()
			var got []int64
			switch in.Text() {
			case "knn":
				res, err := idx.BatchKnnSearch(ds, *k, *search, nil)
				if err != nil {
					return fmt.Errorf("BatchKnnSearch: %w", err)
				}
				got = res.IDs
			case "into":
				if err := idx.BatchSearchInto(queries, nq, *k, *search, nil, ids, dists); err != nil {
					return fmt.Errorf("BatchSearchInto: %w", err)
				}
				got = ids
			default:
				return fmt.Errorf("unknown command %q", in.Text())
			}
			ms := float64(time.Since(start).Nanoseconds()) / 1e6
			fmt.Printf("%.4f %.4f %d\n", ms, float64(cpuTime()-cpu0)/1e6, sum(got))
		}
		return in.Err()
	}

	timeIt := func(f func() error) ([]float64, error) {
		var out []float64
		for r := 0; r < *warmup+*reps; r++ {
			start := time.Now()
			if err := f(); err != nil {
				return nil, err
			}
			if r >= *warmup {
				out = append(out, float64(time.Since(start).Nanoseconds())/1e6)
			}
		}
		return out, nil
	}
	var checksum int64
	knn, err := timeIt(func() error {
		res, err := idx.BatchKnnSearch(ds, *k, *search, nil)
		if err == nil {
			checksum = sum(res.IDs)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("BatchKnnSearch: %w", err)
	}
	into, err := timeIt(func() error {
		return idx.BatchSearchInto(queries, nq, *k, *search, nil, ids, dists)
	})
	if err != nil {
		return fmt.Errorf("BatchSearchInto: %w", err)
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"batch_knn_search_ms":  knn,
		"batch_search_into_ms": into,
		"checksum":             checksum,
	})
}

// cpuTime returns the user + system CPU time of the whole process in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

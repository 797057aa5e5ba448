//go:build cgo

package main

import (
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/govsag/vsag/core"
)

// The Go-API side of the FFI-cost benchmark: the same data (same generator), indexes and
// searches as tests/capi/bench.c, called directly on package core. Compare its figures with
// the C program's (`make bench-capi`).

const (
	benchDim   = 128
	benchNBase = 10000
	benchNQ    = 1000
	benchK     = 10
)

// benchVectors reproduces bench.c's generator: a 64-bit LCG, 24 bits per value.
func benchVectors(n int, seed uint64) []float32 {
	state := seed*2862933555777941757 + 3037000493
	v := make([]float32, n*benchDim)
	for i := range v {
		state = state*6364136223846793005 + 1442695040888963407
		v[i] = float32((state>>40)&0xFFFFFF) / 16777216
	}
	return v
}

var benchIndexes = []struct{ name, create, search string }{
	{"brute_force", `{"dtype":"float32","metric_type":"l2","dim":128}`, ""},
	{"hgraph", `{"dtype":"float32","metric_type":"l2","dim":128,"index_param":{"base_quantization_type":"fp32","max_degree":32,"ef_construction":100}}`, `{"hgraph":{"ef_search":100}}`},
}

// benchData holds the generated data and the built indexes, shared by every run of the
// benchmark (building hgraph takes seconds).
var benchData struct {
	once    sync.Once
	queries []float32
	indexes []*core.Index
	err     error
}

func loadBenchData() error {
	benchData.once.Do(func() {
		base := benchVectors(benchNBase, 1)
		benchData.queries = benchVectors(benchNQ, 2)
		ids := make([]int64, benchNBase)
		for i := range ids {
			ids[i] = int64(i)
		}
		for _, ix := range benchIndexes {
			x, err := core.CreateIndex(ix.name, ix.create)
			if err == nil {
				_, err = x.Build(&core.Dataset{NumElements: benchNBase, Dim: benchDim, IDs: ids, Float32: base})
			}
			if err != nil {
				benchData.err = err
				return
			}
			benchData.indexes = append(benchData.indexes, x)
		}
	})
	return benchData.err
}

func BenchmarkGoAPI(b *testing.B) {
	b.Run("trivial/GetNumElements", func(b *testing.B) {
		x, err := core.CreateIndex("brute_force", benchIndexes[0].create)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			_ = x.GetNumElements()
		}
	})
	b.Run("tiny/Search", func(b *testing.B) {
		x := tinyIndex(b)
		q := benchVectors(64*16/benchDim, 3)
		for i := 0; i < b.N; i++ {
			if _, err := x.Search(q[(i&63)*16:(i&63)*16+16], benchK, "", nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tiny/BatchSearchInto", func(b *testing.B) {
		x := tinyIndex(b)
		q := benchVectors(64*16/benchDim, 3)
		ids := make([]int64, benchK)
		dists := make([]float32, benchK)
		for i := 0; i < b.N; i++ {
			if err := x.BatchSearchInto(q[(i&63)*16:(i&63)*16+16], 1, benchK, "", nil, ids, dists); err != nil {
				b.Fatal(err)
			}
		}
	})
	if err := loadBenchData(); err != nil {
		b.Fatal(err)
	}
	queries := benchData.queries
	outIDs := make([]int64, benchNQ*benchK)
	outDists := make([]float32, benchNQ*benchK)
	for i, x := range benchData.indexes {
		search := benchIndexes[i].search
		b.Run(fmt.Sprintf("single/%s", x.Name()), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				q := queries[(i%benchNQ)*benchDim : (i%benchNQ+1)*benchDim]
				if err := x.BatchSearchInto(q, 1, benchK, search, nil, outIDs, outDists); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("batch%d/%s", benchNQ, x.Name()), func(b *testing.B) {
			c := cpuTime()
			for i := 0; i < b.N; i++ {
				if err := x.BatchSearchInto(queries, benchNQ, benchK, search, nil, outIDs, outDists); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-c).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// tinyIndex is bench.c's tiny index: 64 vectors of dim 16, the same generated values.
func tinyIndex(b *testing.B) *core.Index {
	x, err := core.CreateIndex("brute_force", `{"dtype":"float32","metric_type":"l2","dim":16}`)
	if err != nil {
		b.Fatal(err)
	}
	v := benchVectors(64*16/benchDim, 3)
	ids := make([]int64, 64)
	for i := range ids {
		ids[i] = int64(i)
	}
	if _, err := x.Add(&core.Dataset{NumElements: 64, Dim: 16, IDs: ids, Float32: v}); err != nil {
		b.Fatal(err)
	}
	return x
}

// cpuTime returns the CPU time (user + system, all threads) the process has used; unlike wall
// time it hardly moves when other processes load the machine.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

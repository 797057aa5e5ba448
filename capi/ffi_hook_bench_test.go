//go:build cgo && vsagbench

package main

import (
	"sort"
	"testing"
	"time"
)

// The in-process half of the FFI-cost benchmark needs the benchmark hook vsagi_bench_batch,
// built only with the tag vsagbench (make bench-capi builds the test binary with it).

// BenchmarkFFIBatch compares, in one process and alternating call by call, a batch of 1000
// queries through the Go API and through the public C function (called from Go, so crossing
// the boundary twice). Metrics: median wall time of each and their ratio.
func BenchmarkFFIBatch(b *testing.B) {
	if err := loadBenchData(); err != nil {
		b.Fatal(err)
	}
	queries := benchData.queries
	for i, x := range benchData.indexes {
		search := benchIndexes[i].search
		b.Run(x.Name(), func(b *testing.B) {
			h, err := handles.add(kindIndex, x)
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _, _ = handles.release(h, kindIndex) }()
			ids := make([]int64, benchNQ*benchK)
			dists := make([]float32, benchNQ*benchK)
			var goT, cT []float64
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if err := x.BatchSearchInto(queries, benchNQ, benchK, search, nil, ids, dists); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if rc := cBatchSearch(h, queries, benchNQ, benchDim, benchK, search, ids, dists); rc != 0 {
					b.Fatalf("C batch search: %d", rc)
				}
				goT = append(goT, t1.Sub(t0).Seconds()*1e3)
				cT = append(cT, time.Since(t1).Seconds()*1e3)
			}
			g, c := median(goT), median(cT)
			b.ReportMetric(g, "go-ms")
			b.ReportMetric(c, "c-ms")
			b.ReportMetric(c/g, "c/go")
		})
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

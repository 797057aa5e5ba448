package ivf

import (
	"fmt"
	"io"
	"testing"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/internal/dataset"
)

// BenchmarkSearchFashionMNIST measures one-thread ivf searches on Fashion-MNIST (or generated
// data): 1024 buckets, fp32 codes, 16 buckets scanned per query.
func BenchmarkSearchFashionMNIST(b *testing.B) {
	s, err := dataset.FashionMNISTOrGenerated(dataset.FashionMNISTDir, io.Discard)
	if err != nil {
		b.Skip(err)
	}
	for _, cfg := range []struct{ name, block string }{
		{"fp32", `"buckets_count":1024,"thread_count":2`},
		{"pqfs+reorder", `"buckets_count":1024,"thread_count":2,"base_quantization_type":"pqfs","base_pq_dim":392,"use_reorder":true`},
	} {
		x := mustIndex(b, "l2", s.Dim, cfg.block)
		if _, err := x.Build(s.Base, seq(len(s.Base)/s.Dim), nil); err != nil {
			b.Fatal(err)
		}
		opts := &api.SearchOptions{Block: []byte(`{"scan_buckets_count":16,"factor":4}`), Parallelism: 1}
		b.Run(fmt.Sprintf("%s/probe16", cfg.name), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				q := i % (len(s.Queries) / s.Dim)
				if _, err := x.KnnSearch(s.Queries[q*s.Dim:(q+1)*s.Dim], 10, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBatchFashionMNIST compares the grouped batch search (each bucket read once per
// group of queries) with answering the same 1 000 queries one by one on all cores.
func BenchmarkBatchFashionMNIST(b *testing.B) {
	s, err := dataset.FashionMNISTOrGenerated(dataset.FashionMNISTDir, io.Discard)
	if err != nil {
		b.Skip(err)
	}
	n, nq := len(s.Base)/s.Dim, min(1000, len(s.Queries)/s.Dim)
	x := mustIndex(b, "l2", s.Dim, `"buckets_count":1024,"thread_count":2`)
	if _, err := x.Build(s.Base, seq(n), nil); err != nil {
		b.Fatal(err)
	}
	ids, dists := make([]int64, nq*10), make([]float32, nq*10)
	for _, probes := range []int{4, 16, 64} {
		opts := &api.SearchOptions{Block: []byte(fmt.Sprintf(`{"scan_buckets_count":%d}`, probes)), Parallelism: 1}
		b.Run(fmt.Sprintf("grouped/probe%d", probes), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := x.BatchKnnSearch(s.Queries[:nq*s.Dim], nq, 10, opts, ids, dists); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("onebyone/probe%d", probes), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := x.batchOneByOne(s.Queries[:nq*s.Dim], nq, 10, opts, ids, dists); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

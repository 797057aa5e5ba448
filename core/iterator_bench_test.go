package core

import (
	"fmt"
	"testing"

	"github.com/govsag/vsag/internal/dataset"
)

// BenchmarkIteratorPages compares ten pages of 10 from one session with one search of k=100
// and with ten searches of growing k (what paging without a session costs), on hgraph.
func BenchmarkIteratorPages(b *testing.B) {
	const n, dim, nq = 20000, 64, 50
	data := dataset.Clustered(n+nq, dim, 20, 9)
	x, err := CreateIndex("hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"fp32","max_degree":24,"ef_construction":120}}`, dim))
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	if _, err := x.Build(&Dataset{NumElements: n, Dim: dim, IDs: ids, Float32: data[:n*dim]}); err != nil {
		b.Fatal(err)
	}
	q := func(i int) []float32 { return data[(n+i%nq)*dim : (n+i%nq+1)*dim] }
	const search = `{"hgraph":{"ef_search":40}}`
	b.Run("session_10x10", func(b *testing.B) {
		var st SearchStats
		for i := 0; i < b.N; i++ {
			it, err := x.NewSearchIterator(q(i), search, nil)
			if err != nil {
				b.Fatal(err)
			}
			for p := 0; p < 10; p++ {
				if _, err := it.NextWithStats(10, &st); err != nil {
					b.Fatal(err)
				}
			}
			it.Close()
		}
		b.ReportMetric(float64(st.DistanceComputations)/float64(b.N), "dist/op")
	})
	b.Run("one_search_k100", func(b *testing.B) {
		var st SearchStats
		for i := 0; i < b.N; i++ {
			if _, err := x.KnnSearchWithStats(&Dataset{NumElements: 1, Dim: dim, Float32: q(i)}, 100, search, nil, &st); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(st.DistanceComputations)/float64(b.N), "dist/op")
	})
	b.Run("restarts_k10..100", func(b *testing.B) {
		var st SearchStats
		for i := 0; i < b.N; i++ {
			for p := 1; p <= 10; p++ {
				if _, err := x.KnnSearchWithStats(&Dataset{NumElements: 1, Dim: dim, Float32: q(i)}, 10*p, search, nil, &st); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(st.DistanceComputations)/float64(b.N), "dist/op")
	})
}

package quant

import (
	"fmt"
	"testing"

	"github.com/govsag/vsag/core/metric"
)

// BenchmarkPQScan compares the scans of a bucket of 10 000 rows at the same pq_dim: pq's
// DistanceRows (8-bit codes, float tables), pqfs's DistanceRows (4-bit codes, float tables) and
// pqfs's DistancePacked (blocks of 32 rows, 8-bit tables). It reports ns per row.
func BenchmarkPQScan(b *testing.B) {
	const dim, n, train = 128, 10000, 2000
	data := clustered(n, dim, 16, 1)
	for _, pqDim := range []int{16, 32, 64} {
		for _, name := range pqNames {
			q, err := New(name, dim, metric.L2, pqOptions(pqDim))
			if err != nil {
				b.Fatal(err)
			}
			if err := q.Train(data[:train*dim], train); err != nil {
				b.Fatal(err)
			}
			cs := q.CodeSize()
			codes := make([]byte, n*cs)
			for i := 0; i < n; i++ {
				q.Encode(codes[i*cs:(i+1)*cs], data[i*dim:(i+1)*dim])
			}
			c := q.NewComputer()
			c.SetQuery(data[:dim])
			out := make([]float32, n)
			b.Run(fmt.Sprintf("pq_dim=%d/%s/rows", pqDim, name), func(b *testing.B) {
				for b.Loop() {
					c.DistanceRows(codes, out)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
			})
			p, ok := q.(Packed)
			if !ok {
				continue
			}
			slab := make([]byte, p.PackedSize(n))
			for i := 0; i < n; i++ {
				p.PackRow(slab, i, codes[i*cs:(i+1)*cs])
			}
			pc := c.(PackedComputer)
			b.Run(fmt.Sprintf("pq_dim=%d/%s/packed", pqDim, name), func(b *testing.B) {
				for b.Loop() {
					pc.DistancePacked(slab, out)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
			})
		}
	}
}

package quant

import (
	"fmt"
	"math/rand/v2"
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

// BenchmarkPQBatch measures DistanceBatch over 32 rows at random ids (a graph hop's neighbours)
// of a 200 000-row slab, for pq and pqfs. It reports ns per row.
func BenchmarkPQBatch(b *testing.B) {
	for _, pqDim := range []int{16, 64} {
		for _, name := range pqNames {
			b.Run(fmt.Sprintf("pq_dim=%d/%s", pqDim, name), func(b *testing.B) {
				benchRandomBatch(b, name, pqOptions(pqDim))
			})
		}
	}
}

// BenchmarkInt8Batch measures int8's DistanceBatch the same way (128 dimensions, a float query,
// so the rows are decoded).
func BenchmarkInt8Batch(b *testing.B) { benchRandomBatch(b, "int8", DefaultOptions()) }

// benchRandomBatch trains the quantizer name on 2 000 clustered rows of 128 dimensions, encodes
// 200 000 rows (those 2 000 over and over) and times DistanceBatch over 32 random ids at a time.
func benchRandomBatch(b *testing.B, name string, o Options) {
	const dim, n, train, hop = 128, 200000, 2000, 32
	data := clustered(train, dim, 16, 1)
	r := rand.New(rand.NewPCG(3, 4))
	ids := make([]uint32, 1<<16)
	for i := range ids {
		ids[i] = uint32(r.IntN(n))
	}
	q, err := New(name, dim, metric.L2, o)
	if err != nil {
		b.Fatal(err)
	}
	if err := q.Train(data, train); err != nil {
		b.Fatal(err)
	}
	cs := q.CodeSize()
	codes := make([]byte, n*cs)
	for i := 0; i < n; i++ {
		q.Encode(codes[i*cs:(i+1)*cs], data[(i%train)*dim:(i%train+1)*dim])
	}
	c := q.NewComputer()
	c.SetQuery(data[:dim])
	out := make([]float32, hop)
	at := 0
	for b.Loop() {
		c.DistanceBatch(codes, ids[at:at+hop], out)
		at = (at + hop) & (len(ids) - 1)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*hop), "ns/row")
}

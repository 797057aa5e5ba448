package quant

import (
	"fmt"
	"testing"

	"github.com/govsag/vsag/core/metric"
)

// BenchmarkComputerRows scans 1024 codes per iteration with each quantizer's computer (rows in
// cache), reporting the code bytes read per second.
func BenchmarkComputerRows(b *testing.B) {
	const n = 1024
	for _, name := range append([]string{"fp32"}, scalarNames...) {
		for _, m := range []metric.Kind{metric.L2, metric.IP} {
			for _, dim := range []int{128, 784} {
				b.Run(fmt.Sprintf("quant=%s/metric=%s/dim=%d", name, m, dim), func(b *testing.B) {
					data, q := benchQuantizer(b, name, m, n, dim)
					cs := q.CodeSize()
					slab := make([]byte, n*cs)
					for i := 0; i < n; i++ {
						q.Encode(slab[i*cs:(i+1)*cs], data[i*dim:(i+1)*dim])
					}
					c := q.NewComputer()
					c.SetQuery(data[:dim])
					out := make([]float32, n)
					b.SetBytes(int64(n * cs))
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						c.DistanceRows(slab, out)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
				})
			}
		}
	}
}

// BenchmarkSetQuery measures what each search pays once to prepare its query.
func BenchmarkSetQuery(b *testing.B) {
	const n = 256
	for _, name := range append([]string{"fp32"}, scalarNames...) {
		for _, dim := range []int{128, 784} {
			b.Run(fmt.Sprintf("quant=%s/dim=%d", name, dim), func(b *testing.B) {
				data, q := benchQuantizer(b, name, metric.L2, n, dim)
				c := q.NewComputer()
				i := 0
				for b.Loop() {
					c.SetQuery(data[i*dim : (i+1)*dim])
					i = (i + 1) % n
				}
			})
		}
	}
}

// benchQuantizer returns n test vectors of dim and quantizer name trained on them.
func benchQuantizer(b *testing.B, name string, m metric.Kind, n, dim int) ([]float32, Quantizer) {
	b.Helper()
	data := testVectors(name, m, n, dim, 1)
	q, err := New(name, dim, m, DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	if q.NeedTrain() {
		if err := q.Train(data, n); err != nil {
			b.Fatal(err)
		}
	}
	return data, q
}

package bruteforce_test

import (
	"fmt"
	"testing"

	"github.com/govsag/vsag/core"
)

// BenchmarkFlatSearch measures brute_force search on 20 000 generated 784-d vectors with each
// scalar quantizer: one query at a time with parallelism 1 (mode=single; one op is one query)
// and batch search of 64 queries on all cores (mode=batch; one op is the whole batch). The
// bench/flat program runs the same comparison on Fashion-MNIST with recall.
func BenchmarkFlatSearch(b *testing.B) {
	const n, dim, nq, k = 20000, 784, 64, 10
	all := clusteredData(n+nq, dim, 50, 3)
	base, queries := all[:n*dim], all[n*dim:]
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	for _, qt := range []string{"fp32", "fp16", "bf16", "sq8", "sq8_uniform", "sq4", "sq4_uniform"} {
		idx, err := core.CreateIndex("brute_force", fmt.Sprintf(
			`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":%q}}`, dim, qt))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := idx.Build(&core.Dataset{NumElements: n, Dim: dim, IDs: ids, Float32: base}); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("quant=%s/mode=single", qt), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				q := queries[(i%nq)*dim : (i%nq+1)*dim]
				if _, err := idx.Search(q, k, `{"brute_force":{"parallelism":1}}`, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "QPS")
		})
		b.Run(fmt.Sprintf("quant=%s/mode=batch", qt), func(b *testing.B) {
			ds := &core.Dataset{NumElements: nq, Dim: dim, Float32: queries}
			for i := 0; i < b.N; i++ {
				if _, err := idx.BatchKnnSearch(ds, k, "", nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*nq)/b.Elapsed().Seconds(), "QPS")
		})
	}
}

package hgraph

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/govsag/vsag/core/params"
)

// BenchmarkSearchReorder measures knn searches of an sq8 graph reranked with fp32 codes, the
// precise codes in memory (memory_io) or in a file (mmap_io, buffer_io).
func BenchmarkSearchReorder(b *testing.B) {
	const n, d, k = 20000, 64, 10
	data := clustered(21, n, d, 50)
	queries := clustered(22, 200, d, 50)
	for _, io := range []string{"memory_io", "mmap_io", "buffer_io"} {
		b.Run(io, func(b *testing.B) {
			extra := ""
			if io != "memory_io" {
				extra = fmt.Sprintf(`,"precise_io_type":%q,"precise_file_path":%q`, io, filepath.Join(b.TempDir(), "p"))
			}
			js := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"sq8","max_degree":16,"ef_construction":100,"use_reorder":true,"precise_quantization_type":"fp32"%s}}`, d, extra)
			c, err := params.ParseCreate(Name, js)
			if err != nil {
				b.Fatal(err)
			}
			x, err := New(c)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := x.Build(data, seq(0, n), nil); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				q := queries[(i%200)*d : (i%200+1)*d]
				if _, err := x.KnnSearch(q, k, searchOpts(80)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package conformance

import "fmt"

// diskannCreate is diskann with PQ codes of dim/2 bytes; extra adds keys to the diskann block.
func diskannCreate(extra string) func(string, int) string {
	return func(metric string, dim int) string {
		return fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"diskann":{"max_degree":24,"ef_construction":80,"pq_dims":%d,"pq_sample_rate":0.5%s}}`, metric, dim, pqDims(dim), extra)
	}
}

func init() {
	register(Case{Name: "diskann/beam", Index: "diskann", Create: diskannCreate(""), Search: `{"diskann":{"ef_search":100,"beam_search":4,"io_limit":300,"use_async_io":true}}`, MinRecall: 0.95})
	register(Case{Name: "diskann/pq_search+reorder", Index: "diskann", Create: diskannCreate(`,"use_pq_search":true`), Search: `{"diskann":{"ef_search":100,"io_limit":100,"use_reorder":true}}`, MinRecall: 0.9})
}

// pqDims is the largest divisor of dim no larger than dim/2 (pq_dims must divide dim).
func pqDims(dim int) int {
	for m := max(dim/2, 1); m > 1; m-- {
		if dim%m == 0 {
			return m
		}
	}
	return 1
}

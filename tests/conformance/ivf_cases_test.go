package conformance

import "fmt"

// ivfCreate is ivf with 16 buckets; extra adds keys to index_param.
func ivfCreate(base, extra string) func(string, int) string {
	return func(metric string, dim int) string {
		return fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":%q,"buckets_count":16%s}}`, metric, dim, base, extra)
	}
}

func init() {
	// Scanning every bucket with fp32 codes is an exact search.
	register(Case{Name: "ivf/fp32", Index: "ivf", Create: ivfCreate("fp32", ""), Search: `{"ivf":{"scan_buckets_count":16}}`, Exact: true, MinRecall: 1})
	register(Case{Name: "ivf/fp32-probe", Index: "ivf", Create: ivfCreate("fp32", `,"thread_count":2`), Search: `{"ivf":{"scan_buckets_count":6,"parallelism":2}}`, MinRecall: 0.9, Partial: true})
	register(Case{Name: "ivf/sq8+residual+reorder", Index: "ivf", Create: ivfCreate("sq8", `,"use_residual":true,"use_reorder":true,"precise_quantization_type":"fp32"`), Search: `{"ivf":{"scan_buckets_count":8,"factor":4}}`, MinRecall: 0.95, Quantizer: "sq8", Partial: true})
	register(Case{Name: "ivf/pqfs+reorder", Index: "ivf", Create: func(metric string, dim int) string {
		return ivfCreate("pqfs", fmt.Sprintf(`,"base_pq_dim":%d,"use_reorder":true,"precise_codes_layout":"bucket"`, pqDimFor(dim)))(metric, dim)
	}, Search: `{"ivf":{"scan_buckets_count":8,"factor":8}}`, MinRecall: 0.95, Quantizer: "pqfs", Partial: true})
	register(Case{Name: "ivf/rabitq+residual+reorder", Index: "ivf", Create: ivfCreate("rabitq", `,"use_residual":true,"rabitq_bits_per_dim_base":4,"use_reorder":true`), Search: `{"ivf":{"scan_buckets_count":8,"factor":4}}`, MinRecall: 0.95, Quantizer: "rabitq", Partial: true})
	register(Case{Name: "ivf/graph", Index: "ivf", Create: func(metric string, dim int) string {
		return fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"buckets_count":4,"graph_build_threshold":100}}`, metric, dim)
	}, Search: `{"ivf":{"scan_buckets_count":3,"ef_search":60}}`, MinRecall: 0.9, Partial: true})
	register(Case{Name: "ivf/gno_imi", Index: "ivf", Create: func(metric string, dim int) string {
		return fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":"fp32","partition_strategy_type":"gno_imi","first_order_buckets_count":4,"buckets_per_data":2}}`, metric, dim)
	}, Search: `{"ivf":{"scan_buckets_count":8}}`, MinRecall: 0.9, Partial: true})
}

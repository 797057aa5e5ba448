package conformance

import "fmt"

func hgraphCreate(base, extra string) func(string, int) string {
	return func(metric string, dim int) string {
		return fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":%q,"max_degree":16,"ef_construction":100%s}}`, metric, dim, base, extra)
	}
}

func init() {
	register(Case{Name: "hgraph/fp32", Index: "hgraph", Create: hgraphCreate("fp32", ""), Search: `{"hgraph":{"ef_search":100}}`, Exact: false, MinRecall: 0.95})
	register(Case{Name: "hgraph/sq8_uniform+reorder", Index: "hgraph", Create: hgraphCreate("sq8_uniform", `,"use_reorder":true,"precise_quantization_type":"fp32"`), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95, Quantizer: "sq8_uniform"})
	register(Case{Name: "hgraph/fp16", Index: "hgraph", Create: hgraphCreate("fp16", ""), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95, Quantizer: "fp16"})
	register(Case{Name: "hgraph/sq8+raw", Index: "hgraph", Create: hgraphCreate("sq8", `,"store_raw_vector":true`), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.9, Quantizer: "sq8"})
}

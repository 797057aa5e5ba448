package conformance

import "fmt"

func hgraphCreate(base, extra string) func(string, int) string {
	return func(metric string, dim int) string {
		return fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":%q,"max_degree":16,"ef_construction":100%s}}`, metric, dim, base, extra)
	}
}

// vamanaCreate is hgraph with a Vamana graph; ip and cosine take alpha 0.95 as SVS does.
func vamanaCreate(base, extra string) func(string, int) string {
	return func(metric string, dim int) string {
		alpha := "1.2"
		if metric != "l2" {
			alpha = "0.95"
		}
		return hgraphCreate(base, `,"graph_type":"vamana","window_size":60,"alpha":`+alpha+extra)(metric, dim)
	}
}

func init() {
	register(Case{Name: "hgraph/fp32", Index: "hgraph", Create: hgraphCreate("fp32", ""), Search: `{"hgraph":{"ef_search":100}}`, Exact: false, MinRecall: 0.95})
	register(Case{Name: "hgraph/sq8_uniform+reorder", Index: "hgraph", Create: hgraphCreate("sq8_uniform", `,"use_reorder":true,"precise_quantization_type":"fp32"`), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95, Quantizer: "sq8_uniform"})
	register(Case{Name: "hgraph/fp16", Index: "hgraph", Create: hgraphCreate("fp16", ""), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95, Quantizer: "fp16"})
	register(Case{Name: "hgraph/sq8+raw", Index: "hgraph", Create: hgraphCreate("sq8", `,"store_raw_vector":true`), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.9, Quantizer: "sq8"})
	register(Case{Name: "hgraph/lvq8", Index: "hgraph", Create: hgraphCreate("lvq8", ""), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95, Quantizer: "lvq8"})
	register(Case{Name: "hgraph/lvq4x8", Index: "hgraph", Create: hgraphCreate("lvq4x8", ""), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95, Quantizer: "lvq4x8"})
	register(Case{Name: "hgraph/leanvec", Index: "hgraph", Create: hgraphCreate("leanvec", `,"leanvec_dims":12`), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.9, Quantizer: "leanvec"})
	register(Case{Name: "hgraph/rabitq+reorder", Index: "hgraph", Create: hgraphCreate("rabitq", `,"rabitq_use_fht":true,"use_reorder":true,"precise_quantization_type":"fp32"`), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95, Quantizer: "rabitq"})
	register(Case{Name: "hgraph/rabitq-split", Index: "hgraph", Create: hgraphCreate("rabitq", `,"rabitq_version":"split_1bit_7bit","use_reorder":true,"precise_quantization_type":"rabitq"`), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95, Quantizer: "rabitq"})
	register(Case{Name: "hgraph/tq-fht-rabitq4", Index: "hgraph", Create: hgraphCreate("tq", `,"tq_chain":"fht, rabitq","rabitq_bits_per_dim_query":4,"use_reorder":true,"precise_quantization_type":"fp32"`), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95, Quantizer: "tq"})
	register(Case{Name: "hgraph/tq-pca-rom-sq8u", Index: "hgraph", Create: hgraphCreate("tq", `,"tq_chain":"pca, rom, sq8_uniform","rabitq_pca_dim":16,"use_reorder":true,"precise_quantization_type":"fp32"`), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95, Quantizer: "tq"})
	register(Case{Name: "hgraph/pq+reorder", Index: "hgraph", Create: func(metric string, dim int) string {
		return hgraphCreate("pq", fmt.Sprintf(`,"base_pq_dim":%d,"use_reorder":true,"precise_quantization_type":"fp32"`, pqDimFor(dim)))(metric, dim)
	}, Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95, Quantizer: "pq"})
	register(Case{Name: "hgraph/vamana", Index: "hgraph", Create: vamanaCreate("fp32", ""), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95})
	register(Case{Name: "hgraph/vamana+leanvec", Index: "hgraph", Create: vamanaCreate("leanvec", `,"leanvec_dims":12,"leanvec_primary":"lvq8","leanvec_secondary":"fp16"`), Search: `{"hgraph":{"search_window_size":50,"search_buffer_capacity":100}}`, MinRecall: 0.9, Quantizer: "leanvec"})
	register(Case{Name: "hgraph/odescent", Index: "hgraph", Create: hgraphCreate("fp32", `,"graph_type":"odescent"`), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95})
}

// pqDimFor returns a pq_dim that divides dim: two dimensions per subspace when dim is even,
// one otherwise.
func pqDimFor(dim int) int {
	if dim%2 == 0 {
		return dim / 2
	}
	return dim
}

// lazyCreate is lazy_hgraph with an fp32 hgraph for its graph phase.
func lazyCreate(threshold int) func(string, int) string {
	return func(metric string, dim int) string {
		return fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"lazy_hgraph":{"transition_threshold":%d,"hgraph":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100}}}`, metric, dim, threshold)
	}
}

func init() {
	// Below its threshold lazy_hgraph answers exactly; past it, as the hgraph it becomes.
	register(Case{Name: "lazy_hgraph/flat", Index: "lazy_hgraph", Create: lazyCreate(1 << 20), Search: `{"hgraph":{"ef_search":100}}`, Exact: true, MinRecall: 1})
	register(Case{Name: "lazy_hgraph/graph", Index: "lazy_hgraph", Create: lazyCreate(300), Search: `{"hgraph":{"ef_search":100}}`, MinRecall: 0.95})
}

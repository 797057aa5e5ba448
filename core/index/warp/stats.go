package warp

import "github.com/govsag/vsag/core/index/mvec"

// MultiVectorStats implements api.MultiVectorStatsReporter: the documents and their
// sub-vectors (see mvec.Stats) and the metric.
func (x *Index) MultiVectorStats() (map[string]any, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := mvec.Stats(x.docs, x.labels)
	out["metric"] = x.metric.String()
	out["base_quantization_type"] = "fp32"
	return out, nil
}

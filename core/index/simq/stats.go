package simq

import (
	"github.com/govsag/vsag/core/index/mvec"
	"github.com/govsag/vsag/core/internal/summary"
)

// MultiVectorStats implements api.MultiVectorStatsReporter: the documents and their
// sub-vectors (tokens; see mvec.Stats), then the clusters:
//
//	cluster_count                 the clusters (one representative each)
//	cluster_size                  mean, std, min, max, q25, q50, q75 of the tokens per cluster
//	                              (the tokens of removed documents stay in their clusters)
//	largest_cluster_size          the most tokens of one cluster
//	oversized_cluster_count       clusters above max_cluster_size (0 after every add: a
//	                              cluster that outgrows it splits)
//	documents_per_cluster         the distribution of the documents a cluster's tokens belong to
//	clusters_per_document         the distribution, over live documents, of the distinct
//	                              clusters of their tokens
//	representative_graph          the hgraph over the representatives: its GetStats structure
//	                              (connect_components, degree distributions, ...) and its
//	                              memory_usage; absent while the index is empty
//
// and the index parameters a search and an add use (coarse_k, rerank_k, max_cluster_size,
// split_start_idx, init_cluster_ratio).
func (x *Index) MultiVectorStats() (map[string]any, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := mvec.Stats(x.docs, x.labels)
	out["metric"] = "ip"
	out["quantization_type"] = x.p.QuantizationType
	sizes := make([]float64, len(x.clusterTokens))
	docsPer := make([]float64, len(x.clusterTokens))
	largest, oversized := 0, 0
	for c, toks := range x.clusterTokens {
		sizes[c] = float64(len(toks))
		docsPer[c] = float64(len(x.clusterDocs[c]))
		largest = max(largest, len(toks))
		if len(toks) > x.p.MaxClusterSize {
			oversized++
		}
	}
	out["cluster_count"] = len(x.clusterTokens)
	out["cluster_size"] = summary.Distribution(sizes)
	out["largest_cluster_size"] = largest
	out["oversized_cluster_count"] = oversized
	out["documents_per_cluster"] = summary.Distribution(docsPer)
	out["clusters_per_document"] = summary.Distribution(x.clustersPerDocument())
	out["coarse_k"] = x.p.CoarseK
	out["rerank_k"] = x.p.RerankK
	out["max_cluster_size"] = x.p.MaxClusterSize
	out["split_start_idx"] = x.p.SplitStartIdx
	out["init_cluster_ratio"] = x.p.InitClusterRatio
	if x.rep != nil {
		g, err := x.rep.StructureStats()
		if err != nil {
			return nil, err
		}
		g["num_elements"] = x.rep.NumElements()
		g["memory_usage"] = x.rep.MemoryUsage()
		out["representative_graph"] = g
	}
	return out, nil
}

// clustersPerDocument returns, for every live document, the number of distinct clusters its
// tokens belong to. Caller holds mu shared.
func (x *Index) clustersPerDocument() []float64 {
	rows := min(x.docs.Rows(), x.labels.Total())
	out := make([]float64, 0, x.labels.Live())
	mark := make([]uint32, len(x.clusterTokens)) // the last document (+1) that counted a cluster
	for r := 0; r < rows; r++ {
		if x.labels.IsRemoved(uint32(r)) {
			continue
		}
		lo, hi := x.docs.Starts[r], x.docs.Starts[r+1]
		if hi > int64(len(x.tokCluster)) {
			continue
		}
		n := 0
		for _, c := range x.tokCluster[lo:hi] {
			if int(c) < len(mark) && mark[c] != uint32(r)+1 {
				mark[c] = uint32(r) + 1
				n++
			}
		}
		out = append(out, float64(n))
	}
	return out
}

package hgraph

import (
	"math"
	"sort"

	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/core/topk"
)

// Reranking that stops on the errors it has seen.
//
// Base codes without bounds of their own (sq4_uniform, sq4, int8, the primary codes of LeanVec,
// sq8 and sq8_uniform under an fp16 or sq8 reorder, any base under the inner product) leave the
// rerank no way to prove that a candidate cannot enter the k best, so it used to measure every
// candidate of the beam: at ef_search 96 and k 10, 86 precise rows that, read at random, cost
// 200-300 ns each. Most of them are far behind: the candidates come by ascending estimate, and
// the estimates err by little against the distances between neighbours.
//
// The rerank measures the candidates in that order and keeps, besides the k best precise
// distances, the mean m and the standard deviation s of the errors (estimate - precise) of
// every candidate measured so far. It stops at the first candidate whose estimate, less m + σ·s
// (σ = rerank_margin_sigmas, default 4), exceeds the k-th precise distance: that candidate, and
// every later one, would need an estimate too high by more than σ standard deviations of the
// errors seen to belong to the k best. The first chunk
// always holds at least k and 16 candidates, so the errors are known from 16 or more of them,
// and beams of up to 16 more than that are measured whole. rerank_margin_sigmas 0 measures
// every candidate, as before.
//
// The residual bounds of sq8 and sq8_uniform under an fp32 reorder (residual.go) prove which
// candidates cannot enter, but where the codes err by much against the distances between
// neighbours they let most of the beam in: on 128-dimension Gaussian clusters (clustered-128,
// sq8_uniform, max_degree 32) the exact rerank of the bounds cost 8-13% of a search at
// ef_search 48-200 against the same rerank that also stops by the rule above (rerankTop with
// sigmas), with the same recall@10 to four places; elsewhere the two ran within -1% to +7%
// (Fashion-MNIST l2, where the codes decode exactly and the bounds skip every precise row;
// unit Fashion-MNIST under cosine; Fashion-MNIST pooled to 196 dimensions). So the residual
// rerank stops on the errors too, unless rerank_margin_sigmas is 0.

// defaultMarginSigmas is rerank_margin_sigmas when the search block does not give it. Unit
// Fashion-MNIST under cosine, sq4_uniform (trunc 0.01) + fp16 reorder, 1 000 queries: 2 lost
// recall@10 0.0011-0.0022 at ef_search 24-128 against the full rerank, 3 0.0004-0.0011, 4
// 0.0001-0.0004 (and 0 at sq8_uniform + fp16).
const defaultMarginSigmas = 4

// adaptiveMin is how many candidates beyond the first chunk make the stop rule worth its second
// batch call: with fewer, one call measures them all (LeanVec 160 lvq8 / fp16 on Fashion-MNIST
// at ef_search 24, nothing to stop: 16 + 8 rows in two calls cost 3% more than 24 in one).
const adaptiveMin = 16

// marginSigmas returns the block's rerank_margin_sigmas, or the default.
func (sp *SearchParams) marginSigmas() float64 {
	if sp.RerankMarginSigmas == nil {
		return defaultMarginSigmas
	}
	return *sp.RerankMarginSigmas
}

// errorStats accumulates the errors of the estimates against the precise distances.
type errorStats struct {
	n, sum, sumSq float64
}

func (e *errorStats) add(est, precise float32) {
	d := float64(est) - float64(precise)
	e.n++
	e.sum += d
	e.sumSq += d * d
}

// margin returns the mean error plus sigmas standard deviations of the errors.
func (e *errorStats) margin(sigmas float64) float32 {
	mean := e.sum / e.n
	sd := math.Sqrt(max(e.sumSq/e.n-mean*mean, 0))
	return float32(mean + sigmas*sd)
}

// rerankAdaptive reranks items (carrying the traversal estimates) with comp over codes (in
// memory), keeping the k best, and stops where no later candidate is likely to enter them (see
// above). After the first chunk it measures, in one batch call, every candidate up to the first
// one the stop rule rejects with the k-th distance and the margin known then; the k-th distance
// only falls as they are measured, so no candidate past that point is wanted unless the margin
// has grown, which the next pass checks. Batches of many rows keep the kernels' reads ahead of
// their arithmetic; chunks of eight, each checked, cost 3-5% at ef_search 24-32 when nothing
// was skipped. Candidates not measured are not counted as distance computations: their
// estimates were counted by the traversal. It returns the k best, sorted.
func (x *Index) rerankAdaptive(c *searchCtx, comp quant.Computer, codes *store.Codes, query []float32, items []topk.Item, k int, sigmas float64) []topk.Item {
	sortItems(items)
	comp.SetQuery(query)
	slab := codes.Slab()
	var dist [rerankFirst]float32
	var errs errorStats
	c.heap.Reset(k)
	end := firstRerankBatch(k) // <= len(items), >= k: the heap is full after it
	for done := 0; end > done; {
		for done < end {
			chunk := items[done:min(end, done+rerankFirst)]
			ids := c.ids[:0]
			for _, it := range chunk {
				ids = append(ids, it.ID)
			}
			c.ids = ids
			d := dist[:len(ids)]
			comp.DistanceBatch(slab, ids, d)
			c.s.DistCmp += int64(len(ids))
			for j, it := range chunk {
				c.heap.Push(d[j], it.ID)
				errs.add(it.Dist, d[j])
			}
			done += len(chunk)
		}
		margin, bound := errs.margin(sigmas), c.heap.Bound()
		rest := items[done:]
		end = done + sort.Search(len(rest), func(j int) bool { return rest[j].Dist-margin > bound })
	}
	out := append(items[:0], c.heap.Items()...)
	sortItems(out)
	return out
}

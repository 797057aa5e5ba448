package ivf

import (
	"fmt"
	"math"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/internal/summary"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/topk"
)

// StructureStats implements api.Introspector: the buckets, with VSAG's IVF key names.
// bucket_num summarises the live vectors per bucket and bucket_radius, over the non-empty
// buckets, the largest distance (in the index's metric) from a bucket's centroid to a live
// vector stored in it, decoded from the most precise codes held. An untrained index has no
// centroids and reports its bucket count only.
func (x *Index) StructureStats() (map[string]any, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	counts := make([]float64, len(x.buckets))
	var radius []float64
	empty, graphs := 0, 0
	cent := make([]float32, x.dim)
	v := make([]float32, x.dim)
	removed := x.labels.RemovedWords()
	for b := range x.buckets {
		bk := &x.buckets[b]
		if bk.graph != nil {
			graphs++
		}
		var far float64 = -math.MaxFloat64
		if x.trained {
			x.part.centroid(b, cent)
		}
		for _, r := range bk.rows {
			if removed[r>>6]&(1<<(r&63)) != 0 {
				continue
			}
			counts[b]++
			if x.trained {
				x.decode(r, v)
				far = max(far, float64(metric.Reference(x.metric, cent, v)))
			}
		}
		if counts[b] == 0 {
			empty++
		} else if x.trained {
			radius = append(radius, far)
		}
	}
	return map[string]any{
		"bucket_count":       len(x.buckets),
		"bucket_num":         summary.Distribution(counts),
		"bucket_radius":      summary.Distribution(radius),
		"empty_bucket_count": empty,
		"graph_bucket_count": graphs,
		"buckets_per_data":   x.p.BucketsPerData,
		"trained":            x.trained,
	}, nil
}

// AnalysisSearchParams implements api.Introspector: a tenth of the buckets (at least one).
func (x *Index) AnalysisSearchParams() string {
	return fmt.Sprintf(`{"ivf":{"scan_buckets_count":%d}}`, max(1, (x.p.BucketsCount+9)/10))
}

// Representations implements api.Introspector.
func (x *Index) Representations() api.Representations {
	r := api.Representations{Base: x.base.Name(), BaseExact: quant.Exact(x.base) && !x.p.UseResidual}
	if x.p.UseResidual {
		r.Base += " residual"
	}
	if x.precise != nil {
		r.Best, r.Separate, r.BestExact = x.precise.Name()+" precise codes", true, quant.Exact(x.precise)
	} else {
		r.Best, r.BestExact = r.Base+" base codes", r.BaseExact
	}
	return r
}

// baseDistance returns the distance of q to row as a bucket scan measures it (residual codes
// against the query relative to the bucket's centroid). It holds mu shared.
func (x *Index) baseDistance(c quant.Computer, q []float32, row uint32, resid, cent []float32) float32 {
	code, b := x.baseCode(row)
	if !x.p.UseResidual {
		return c.Distance(code)
	}
	x.part.centroid(int(b), cent)
	if x.metric == metric.L2 {
		for d := range q {
			resid[d] = q[d] - cent[d]
		}
		c.SetQuery(resid)
		return c.Distance(code)
	}
	var ip float32
	for d := range q {
		ip += q[d] * cent[d]
	}
	return c.Distance(code) - ip
}

// MeasureByIDs implements api.Introspector.
func (x *Index) MeasureByIDs(query []float32, ids []int64, r api.Representation, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	precise := r == api.BestRepresentation && x.precise != nil
	var c quant.Computer
	if precise {
		c = x.precisePool.Get().(quant.Computer)
		defer x.precisePool.Put(c)
	} else {
		c = x.basePool.Get().(quant.Computer)
		defer x.basePool.Put(c)
	}
	c.SetQuery(query)
	resid, cent := make([]float32, x.dim), make([]float32, x.dim)
	for i, id := range ids {
		row, ok := x.labels.Lookup(id)
		switch {
		case !ok:
			out[i] = -1
		case precise:
			out[i] = c.Distance(x.preciseCode(row))
		default:
			out[i] = x.baseDistance(c, query, row, resid, cent)
		}
	}
	return nil
}

// ExactKnn implements api.Introspector: every live vector measured with the precise codes,
// or else every bucket scanned whole with the base codes (a vector stored in several buckets
// counted once, at its nearest copy).
func (x *Index) ExactKnn(query []float32, k int) ([]api.Neighbor, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := x.labels.Total()
	if k <= 0 || n == 0 {
		return []api.Neighbor{}, nil
	}
	if x.precise != nil {
		c := x.precisePool.Get().(quant.Computer)
		defer x.precisePool.Put(c)
		c.SetQuery(query)
		h := topk.NewMaxHeap(min(k, n))
		for r := 0; r < n; r++ {
			if !x.labels.IsRemoved(uint32(r)) {
				h.Push(c.Distance(x.preciseCode(uint32(r))), uint32(r))
			}
		}
		return x.labels.Neighbors(h.Sorted()), nil
	}
	want := min(k, n) * x.p.BucketsPerData
	s := x.newScanner(query, want)
	defer x.release(s)
	for b := range x.buckets {
		x.scanBucket(s, query, uint32(b), 0, nil, nil)
	}
	items := s.h.Sorted()
	if x.p.BucketsPerData > 1 {
		items = dedupe(items)
	}
	return x.labels.Neighbors(items[:min(len(items), k)]), nil
}

// DecodeByIDs implements api.Introspector.
func (x *Index) DecodeByIDs(ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok {
			return api.Errorf(api.InvalidArgument, "ivf: label %d does not exist", id)
		}
		x.decode(r, out[i*x.dim:(i+1)*x.dim])
	}
	return nil
}

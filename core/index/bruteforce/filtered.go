package bruteforce

import (
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/topk"
)

// knnListed is KnnSearch over the labels a filter lists (scanListed); false when it cannot.
func (x *Index) knnListed(query []float32, k int, opts *api.SearchOptions) ([]api.Neighbor, bool) {
	h := topk.NewMaxHeap(k)
	m, ok := x.scanListed(query, opts, func(d float32, r uint32) { h.Push(d, r) })
	if !ok {
		return nil, false
	}
	if opts.Stats != nil {
		opts.Stats.DistanceComputations += int64(m)
		opts.Stats.Hops += int64(m)
	}
	return x.labels.Neighbors(h.Sorted()), true
}

// listedShare: a search lists the labels a filter keeps (api.KeptLister) and measures only
// those, instead of measuring every row and testing each, when they are fewer than this share
// of the rows (a listed label costs a look-up in the label table and a gathered distance).
const listedShare = 0.25

// scanListed measures the live rows of the labels filter lists and hands each to visit. It
// returns the number of rows measured, and false (having measured nothing) when the filter
// cannot list its labels or they are too many. Caller holds mu shared.
func (x *Index) scanListed(query []float32, opts *api.SearchOptions, visit func(d float32, r uint32)) (int, bool) {
	kl, ok := opts.Filter.(api.KeptLister)
	if !ok {
		return 0, false
	}
	lo, hi, ok := x.labels.Bounds()
	if !ok {
		return 0, false
	}
	if n, ok := kl.CountKept(lo, hi); !ok || float64(n) > listedShare*float64(x.labels.Total()) {
		return 0, false
	}
	c := x.computer(query)
	defer x.pool.Put(c)
	slab := x.codes.Slab()
	var dist [scanBlock]float32
	ids := make([]uint32, 0, scanBlock)
	measured := 0
	stop := false
	flush := func() {
		d := dist[:len(ids)]
		c.DistanceBatch(slab, ids, d)
		measured += len(ids)
		for i, r := range ids {
			visit(d[i], r)
		}
		ids = ids[:0]
		if !opts.Deadline.IsZero() && time.Now().After(opts.Deadline) {
			stop = true
		}
	}
	kl.ForEachKept(lo, hi, func(l int64) bool {
		r, live := x.labels.Lookup(l)
		if !live {
			return true
		}
		ids = append(ids, r)
		if len(ids) == scanBlock {
			flush()
		}
		return !stop
	})
	if len(ids) > 0 && !stop {
		flush()
	}
	if opts.Stats != nil && stop {
		opts.Stats.TimedOut = true
	}
	return measured, true
}

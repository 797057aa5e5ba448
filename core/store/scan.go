package store

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/topk"
)

// exactBlock is the number of rows measured per DistanceRows call of ExactKnn.
const exactBlock = 256

// ExactKnn measures query (already set on comp) against every live row of the first n rows of
// slab and returns the k nearest as labelled neighbours in ascending
// distance. It is the exhaustive scan index analysis computes ground truth with; the caller
// holds the index's read lock.
func ExactKnn(comp quant.Computer, slab []byte, n int, labels *Labels, k int) []api.Neighbor {
	if k <= 0 || n <= 0 {
		return []api.Neighbor{}
	}
	h := topk.NewMaxHeap(min(k, n))
	removed := labels.RemovedWords()
	var dist [exactBlock]float32
	var rows [exactBlock]uint32
	for b := 0; b < n; b += exactBlock {
		e := min(b+exactBlock, n)
		ids := rows[:e-b]
		for i := range ids {
			ids[i] = uint32(b + i)
		}
		out := dist[:e-b]
		// by row ids over the whole slab: computers of split layouts pair rows across stores
		comp.DistanceBatch(slab, ids, out)
		for i, d := range out {
			r := ids[i]
			if removed[r>>6]&(1<<(r&63)) != 0 {
				continue
			}
			h.Push(d, r)
		}
	}
	return labels.Neighbors(h.Sorted())
}

// MeasureByIDs writes the distance of query (already set on comp) to the row of each label of
// ids into out, -1 where a label is not live. The caller holds the index's read lock.
func MeasureByIDs(comp quant.Computer, slab []byte, labels *Labels, ids []int64, out []float32) {
	var one [1]uint32
	for i, id := range ids {
		r, ok := labels.Lookup(id)
		if !ok {
			out[i] = -1
			continue
		}
		one[0] = r
		comp.DistanceBatch(slab, one[:], out[i:i+1])
	}
}

package bruteforce

import (
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/parallel"
)

// Queries and rows are processed in tiles so one tile of rows is read from memory once and
// scanned by every query of the group while it sits in cache.
const (
	batchQueries = 16
	batchRows    = 128
)

// BatchKnnSearch implements api.BatchSearcher: a blocked scan over query groups and row tiles on
// all cores.
func (x *Index) BatchKnnSearch(queries []float32, nq, k int, opts *api.SearchOptions, ids []int64, dists []float32) error {
	if _, err := x.searchParams(opts); err != nil {
		return err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	groups := (nq + batchQueries - 1) / batchQueries
	workers := max(1, min(runtime.GOMAXPROCS(0), groups))
	var next atomic.Int64
	return parallel.Run(workers, func(int) error {
		comps := make([]quant.Computer, 0, batchQueries)
		heaps := make([]*topk.MaxHeap, batchQueries)
		for i := range heaps {
			heaps[i] = topk.NewMaxHeap(k)
		}
		for {
			g := int(next.Add(1) - 1)
			if g >= groups {
				return nil
			}
			lo, hi := g*batchQueries, min((g+1)*batchQueries, nq)
			comps = comps[:0]
			for q := lo; q < hi; q++ {
				comps = append(comps, x.computer(queries[q*x.dim:(q+1)*x.dim]))
				heaps[q-lo].Reset(k)
			}
			x.scanTiles(comps, heaps, opts)
			for i, c := range comps {
				x.pool.Put(c)
				q := lo + i
				items := heaps[i].Sorted()
				row, drow := ids[q*k:(q+1)*k], dists[q*k:(q+1)*k]
				for j := range row {
					if j < len(items) {
						row[j], drow[j] = x.labels.Label(items[j].ID), items[j].Dist
					} else {
						row[j], drow[j] = -1, float32(math.Inf(1))
					}
				}
			}
		}
	})
}

func (x *Index) scanTiles(comps []quant.Computer, heaps []*topk.MaxHeap, opts *api.SearchOptions) {
	var dist [batchRows]float32
	n := x.codes.Len()
	slab := x.codes.Slab()
	stride := x.codes.Stride()
	removed := x.labels.RemovedWords()
	var valid [batchRows]bool
	checkTime := !opts.Deadline.IsZero()
	for b := 0; b < n; b += batchRows {
		e := min(b+batchRows, n)
		tile := slab[b*stride : e*stride]
		for i := b; i < e; i++ {
			r := uint32(i)
			ok := removed[r>>6]&(1<<(r&63)) == 0
			if ok && opts.Filter != nil {
				ok = opts.Filter.CheckValid(x.labels.Label(r))
			}
			valid[i-b] = ok
		}
		for qi, c := range comps {
			out := dist[:e-b]
			c.DistanceRows(tile, out)
			h := heaps[qi]
			for i, d := range out {
				if valid[i] && d < h.Bound() {
					h.Push(d, uint32(b+i))
				}
			}
		}
		if checkTime && time.Now().After(opts.Deadline) {
			return
		}
	}
}

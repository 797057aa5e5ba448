package bruteforce

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/parallel"
)

// NewIterator implements api.IteratorSearcher.
//
// A session is exact: its first page measures every row the filter keeps among those present
// when the session started (on up to parallelism goroutines, not cut by timeout_ms, so that
// the order is complete), and every page then takes the next rows of that order. Pages are
// disjoint and, taken one after the other, ascend by distance: the first distance of a page is
// never below the last of the page before. A row removed before its page is cut is skipped;
// rows added after the session started are not returned; a row's distance is the one
// measured by the first page (an UpdateVector later does not move it). The session holds 8
// bytes per kept row until it is closed.
func (x *Index) NewIterator(query []float32, opts *api.SearchOptions) (api.Iterator, error) {
	sp, err := x.searchParams(&api.SearchOptions{Block: opts.Block, Parallelism: opts.Parallelism})
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	n0 := x.codes.Len()
	x.mu.RUnlock()
	return &iterator{x: x, query: append([]float32(nil), query...), filter: opts.Filter, parallel: sp.Parallelism, n0: n0}, nil
}

// iterator is a brute_force search session.
type iterator struct {
	x        *Index
	query    []float32
	filter   api.Filter
	parallel int
	n0       int // rows below n0 existed when the session started

	scanned bool
	order   topk.MinHeap // kept rows not returned yet
	done    bool
}

// scan measures every kept row below n0 into the order. Caller holds mu shared.
func (it *iterator) scan(stats *api.SearchStats) error {
	x := it.x
	ranges := parts(it.n0, it.parallel)
	found := make([][]topk.Item, len(ranges))
	opts := &api.SearchOptions{Filter: it.filter}
	err := parallel.Run(len(ranges), func(i int) error {
		rg := ranges[i]
		c := x.computer(it.query)
		var local []topk.Item
		x.scan(c, rg[0], rg[1], opts, func(d float32, r uint32) { local = append(local, topk.Item{Dist: d, ID: r}) })
		x.pool.Put(c)
		found[i] = local
		return nil
	})
	if err != nil {
		return err
	}
	n := 0
	for _, f := range found {
		n += len(f)
	}
	all := make([]topk.Item, 0, n)
	for _, f := range found {
		all = append(all, f...)
	}
	it.order.Init(all)
	it.scanned = true
	if stats != nil {
		stats.DistanceComputations += int64(it.n0)
		stats.Hops += int64(it.n0)
	}
	return nil
}

// take pops up to k rows that are still live and kept by the filter (checked again: the
// filter may have changed since the scan). Caller holds mu shared.
func (it *iterator) take(k int) []topk.Item {
	labels := it.x.labels
	removed := labels.RemovedWords()
	out := make([]topk.Item, 0, min(k, it.order.Len()))
	for len(out) < k && it.order.Len() > 0 {
		r := it.order.Pop()
		if removed[r.ID>>6]&(1<<(r.ID&63)) == 0 && (it.filter == nil || it.filter.CheckValid(labels.Label(r.ID))) {
			out = append(out, r)
		}
	}
	return out
}

// Next implements api.Iterator.
func (it *iterator) Next(k int, page *api.PageOptions) ([]api.Neighbor, error) {
	if it.done {
		return []api.Neighbor{}, nil
	}
	x := it.x
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !it.scanned {
		var stats *api.SearchStats
		if page != nil {
			stats = page.Stats
		}
		if err := it.scan(stats); err != nil {
			return nil, err
		}
	}
	return x.labels.Neighbors(it.take(k)), nil
}

// Drain implements api.Iterator: the next k rows of the order (a session that has returned
// nothing yet has measured nothing, and drains nothing).
func (it *iterator) Drain(k int) ([]api.Neighbor, error) {
	defer it.Close()
	if it.done || !it.scanned {
		return []api.Neighbor{}, nil
	}
	x := it.x
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.labels.Neighbors(it.take(k)), nil
}

// Close implements api.Iterator.
func (it *iterator) Close() {
	it.done = true
	it.order = topk.MinHeap{}
}

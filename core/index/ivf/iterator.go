package ivf

import (
	"math"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/simd"
)

// NewIterator implements api.IteratorSearcher.
//
// A session scans buckets in order of their centroids' distance to the query, the first
// scan_buckets_count of them as KnnSearch routes them, and keeps every row it measured and did
// not return. It scans scan_buckets_count more buckets for each first page's worth of results
// it hands out (so the first p pages of k are drawn from the p*scan_buckets_count nearest
// buckets, as a search for p*k would with that many probes), and further ones while it holds
// fewer than a page. A page is cut from the best rows measured so far: with reordering, the
// best factor*k of them by base distance are measured with the precise codes (once each) and
// the k best precise distances go out. Every bucket is scanned in full (bucket graphs are not
// used), and once all are scanned the rest comes out in order, so a session that runs to its
// end returns every kept label once.
//
// Pages are disjoint and each ascends. Across pages the order is approximate, as IVF's
// recall is: a row in a bucket scanned late can be closer than rows already returned. A label
// removed before its page is cut is skipped; labels added after the session started are not
// returned. timeout_ms bounds each page's scan (at least one bucket is scanned per page).
func (x *Index) NewIterator(query []float32, opts *api.SearchOptions) (api.Iterator, error) {
	sp, err := x.cache.Get(opts.Block)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	n0 := x.labels.Total()
	x.mu.RUnlock()
	return &iterator{x: x, sp: sp, query: append([]float32(nil), query...), filter: opts.Filter, n0: n0}, nil
}

// iterator is an ivf search session.
type iterator struct {
	x      *Index
	sp     *SearchParams
	query  []float32
	filter api.Filter
	n0     int // rows below n0 existed when the session started

	started   bool
	order     []uint32 // buckets in scan order (the routed ones, then the rest)
	restDone  bool     // order holds every bucket
	next      int      // buckets of order scanned
	firstK    int      // the first page's k: scan_buckets_count buckets per firstK results
	returned  int
	pooled    []uint64     // bit per row: measured (never pooled twice)
	pool      topk.MinHeap // measured, not returned, base distances
	ranked    topk.MinHeap // reranked with precise codes, not returned
	reordered bool
	done      bool
}

// resolve parses the page's search settings.
func (it *iterator) resolve(page *api.PageOptions) *search {
	opts := &api.SearchOptions{}
	if page != nil {
		opts.Deadline = page.Deadline
	}
	return it.sp.resolve(opts)
}

// orderRest appends every non-empty bucket not yet in order, nearest centroid first. Caller
// holds mu shared.
func (it *iterator) orderRest() {
	x := it.x
	in := make(map[uint32]bool, len(it.order))
	for _, b := range it.order {
		in[b] = true
	}
	cent := make([]float32, x.dim)
	var rest []topk.Item
	for b := range x.buckets {
		if in[uint32(b)] || len(x.buckets[b].rows) == 0 {
			continue
		}
		x.part.centroid(b, cent)
		var d float32
		if x.metric == metric.L2 {
			d = simd.L2Sqr(it.query, cent)
		} else {
			d = 1 - simd.InnerProduct(it.query, cent)
		}
		rest = append(rest, topk.Item{Dist: d, ID: uint32(b)})
	}
	topk.SortItems(rest)
	for _, r := range rest {
		it.order = append(it.order, r.ID)
	}
	it.restDone = true
}

// scanNext scans the next bucket of the order into the pool; false when none is left. Caller
// holds mu shared.
func (it *iterator) scanNext(s *scanner, stats *api.SearchStats) bool {
	if it.next >= len(it.order) {
		if it.restDone {
			return false
		}
		it.orderRest()
		if it.next >= len(it.order) {
			return false
		}
	}
	x := it.x
	b := it.order[it.next]
	it.next++
	n0 := uint32(it.n0)
	if len(it.pooled) < (it.n0+63)/64 {
		it.pooled = make([]uint64, (it.n0+63)/64)
	}
	keep := func(r uint32) bool {
		if r >= n0 || it.pooled[r>>6]&(1<<(r&63)) != 0 {
			return false
		}
		return it.filter == nil || it.filter.CheckValid(x.labels.Label(r))
	}
	rows := s.rows
	x.scanBucket(s, it.query, b, 0, keep, func(d float32, r uint32) {
		it.pooled[r>>6] |= 1 << (r & 63)
		it.pool.Push(d, r)
	})
	if stats != nil {
		stats.DistanceComputations += s.rows - rows
		stats.Hops++
	}
	return true
}

// Next implements api.Iterator.
func (it *iterator) Next(k int, page *api.PageOptions) ([]api.Neighbor, error) {
	if it.done {
		return []api.Neighbor{}, nil
	}
	x := it.x
	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.trained {
		return []api.Neighbor{}, nil
	}
	sr := it.resolve(page)
	var stats *api.SearchStats
	if page != nil {
		stats = page.Stats
	}
	if !it.started {
		it.started = true
		it.firstK = k
		it.reordered = x.precise != nil && sr.reorder
		it.order = x.part.route(it.query, sr, make([]uint32, 0, sr.scan))
	}
	s := x.newScanner(it.query, 1)
	defer x.release(s)
	// scan_buckets_count buckets per first page's worth of results handed out
	target := sr.scan * int(math.Ceil(float64(it.returned+k)/float64(it.firstK)))
	for scanned := 0; it.next < target || it.pool.Len()+it.ranked.Len() < k; scanned++ {
		if scanned > 0 && !sr.deadline.IsZero() && time.Now().After(sr.deadline) {
			if stats != nil {
				stats.TimedOut = true
			}
			break
		}
		if !it.scanNext(s, stats) {
			break
		}
	}
	out := it.take(k, sr, stats)
	it.returned += len(out)
	return x.labels.Neighbors(out), nil
}

// take cuts up to k live rows from the measured ones. Caller holds mu shared.
func (it *iterator) take(k int, sr *search, stats *api.SearchStats) []topk.Item {
	x := it.x
	removed := x.labels.RemovedWords()
	// still live and kept by the filter (checked again: the filter may have changed)
	live := func(r uint32) bool {
		return removed[r>>6]&(1<<(r&63)) == 0 && (it.filter == nil || it.filter.CheckValid(x.labels.Label(r)))
	}
	out := make([]topk.Item, 0, min(k, it.pool.Len()+it.ranked.Len()))
	if !it.reordered {
		for len(out) < k && it.pool.Len() > 0 {
			if r := it.pool.Pop(); live(r.ID) {
				out = append(out, r)
			}
		}
		return out
	}
	// rerank the best factor*k by base distance (those not reranked yet), then take the best
	want := int(math.Ceil(sr.factor * float64(k)))
	pc := x.precisePool.Get().(quant.Computer)
	defer x.precisePool.Put(pc)
	pc.SetQuery(it.query)
	for it.ranked.Len() < want && it.pool.Len() > 0 {
		r := it.pool.Pop()
		if !live(r.ID) {
			continue
		}
		it.ranked.Push(pc.Distance(x.preciseCode(r.ID)), r.ID)
		if stats != nil {
			stats.DistanceComputations++
		}
	}
	for len(out) < k && it.ranked.Len() > 0 {
		if r := it.ranked.Pop(); live(r.ID) {
			out = append(out, r)
		}
	}
	return out
}

// Drain implements api.Iterator: the best k of the rows measured and not returned.
func (it *iterator) Drain(k int) ([]api.Neighbor, error) {
	defer it.Close()
	if it.done || !it.started {
		return []api.Neighbor{}, nil
	}
	x := it.x
	x.mu.RLock()
	defer x.mu.RUnlock()
	sr := it.resolve(nil)
	if it.reordered {
		sr.factor = math.Max(1, float64(it.pool.Len()+it.ranked.Len())/float64(k))
	}
	return x.labels.Neighbors(it.take(k, sr, nil)), nil
}

// Close implements api.Iterator.
func (it *iterator) Close() {
	it.done = true
	it.pool, it.ranked, it.pooled, it.order = topk.MinHeap{}, topk.MinHeap{}, nil, nil
}

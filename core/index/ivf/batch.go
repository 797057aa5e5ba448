package ivf

import (
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/internal/parallel"
)

// batchQueries is the number of queries one goroutine routes and scans together: each bucket
// any of them probes is read once for all of them while it is in cache.
const batchQueries = 32

// BatchKnnSearch implements api.BatchSearcher: queries are taken in groups; a group's buckets
// are scanned one after the other for every query of the group that probes them, on all cores.
// Results are k per query, padded with -1 and +Inf. With a timeout, queries run one by one,
// each with its own deadline.
func (x *Index) BatchKnnSearch(queries []float32, nq, k int, opts *api.SearchOptions, ids []int64, dists []float32) error {
	sp, err := x.cache.Get(opts.Block)
	if err != nil {
		return err
	}
	if sr := sp.resolve(opts); !sr.deadline.IsZero() {
		return x.batchOneByOne(queries, nq, k, opts, ids, dists)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	groups := (nq + batchQueries - 1) / batchQueries
	var next atomic.Int64
	return parallel.Run(max(1, min(runtime.GOMAXPROCS(0), groups)), func(int) error {
		for {
			g := int(next.Add(1) - 1)
			if g >= groups {
				return nil
			}
			lo, hi := g*batchQueries, min((g+1)*batchQueries, nq)
			if err := x.searchGroup(queries, lo, hi, k, opts, ids, dists); err != nil {
				return err
			}
		}
	})
}

// searchGroup answers queries [lo, hi) together; it holds mu shared.
func (x *Index) searchGroup(queries []float32, lo, hi, k int, opts *api.SearchOptions, ids []int64, dists []float32) error {
	n := hi - lo
	if n <= 0 {
		return nil
	}
	type probe struct {
		bucket uint32
		query  int32
	}
	var probes []probe
	var sr *search
	orders := make([][]uint32, n)
	for i := 0; i < n; i++ {
		q := queries[(lo+i)*x.dim : (lo+i+1)*x.dim]
		var err error
		sr, orders[i], err = x.prepare(q, opts)
		if err != nil {
			return err
		}
		for _, b := range orders[i] {
			probes = append(probes, probe{b, int32(i)})
		}
	}
	reorder := x.precise != nil && sr.reorder
	want := k
	if reorder {
		want = int(math.Ceil(sr.factor * float64(k)))
	}
	want *= x.p.BucketsPerData
	// bucket by bucket, so a bucket's codes are read once for every query probing it
	slices.SortFunc(probes, func(a, b probe) int {
		if a.bucket != b.bucket {
			return int(a.bucket) - int(b.bucket)
		}
		return int(a.query) - int(b.query)
	})
	scanners := make([]*scanner, n)
	for i := range scanners {
		scanners[i] = x.newScanner(queries[(lo+i)*x.dim:(lo+i+1)*x.dim], want)
	}
	defer func() {
		for _, s := range scanners {
			x.release(s)
		}
	}()
	keep := x.keeper(opts)
	ef := max(sr.ef, want)
	for _, p := range probes {
		q := queries[(lo+int(p.query))*x.dim : (lo+int(p.query)+1)*x.dim]
		x.scanBucket(scanners[p.query], q, p.bucket, ef, keep, nil)
	}
	var rows int64
	for i, s := range scanners {
		q := queries[(lo+i)*x.dim : (lo+i+1)*x.dim]
		items := s.h.Sorted()
		if x.p.BucketsPerData > 1 {
			items = dedupe(items)
		}
		if reorder {
			x.rerank(q, items, nil)
		}
		row, drow := ids[(lo+i)*k:(lo+i+1)*k], dists[(lo+i)*k:(lo+i+1)*k]
		for j := range row {
			if j < len(items) {
				row[j], drow[j] = x.labels.Label(items[j].ID), items[j].Dist
			} else {
				row[j], drow[j] = -1, float32(math.Inf(1))
			}
		}
		rows += s.rows
	}
	if opts.Stats != nil {
		atomic.AddInt64(&opts.Stats.DistanceComputations, rows)
		atomic.AddInt64(&opts.Stats.Hops, int64(len(probes)))
	}
	return nil
}

// batchOneByOne answers the queries one at a time on all cores, each within its own timeout.
func (x *Index) batchOneByOne(queries []float32, nq, k int, opts *api.SearchOptions, ids []int64, dists []float32) error {
	var timeout time.Duration
	if !opts.Deadline.IsZero() {
		timeout = time.Until(opts.Deadline)
	}
	return parallel.For(nq, runtime.GOMAXPROCS(0), func(_, i int) error {
		o := *opts
		if timeout > 0 {
			o.Deadline = time.Now().Add(timeout)
		}
		ns, err := x.KnnSearch(queries[i*x.dim:(i+1)*x.dim], k, &o)
		if err != nil {
			return err
		}
		for j := 0; j < k; j++ {
			if j < len(ns) {
				ids[i*k+j], dists[i*k+j] = ns[j].ID, ns[j].Distance
			} else {
				ids[i*k+j], dists[i*k+j] = -1, float32(math.Inf(1))
			}
		}
		return nil
	})
}

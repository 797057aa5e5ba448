package core

import (
	"runtime"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/internal/parallel"
)

// batchSearchWithPaths is BatchKnnSearch for queries that carry paths (pyramid indexes): query
// i searches inside its own paths (row i of Paths and of each list of HierarchyPaths). v holds
// the nq validated queries.
func (x *Index) batchSearchWithPaths(queries *Dataset, v []float32, nq, k int, searchJSON string, filter Filter) (_ *Dataset, err error) {
	defer recovered(&err)
	opts, err := x.searchOptions(searchJSON, filter)
	if err != nil {
		return nil, err
	}
	k = x.capK(k)
	if nq > 0 && k > maxResultEntries/nq {
		return nil, api.Errorf(api.NoEnoughMemory, "batch search: %d queries x k %d results do not fit in memory", nq, k)
	}
	out := &Dataset{NumElements: nq, Dim: k, IDs: make([]int64, nq*k), Distances: make([]float32, nq*k)}
	var timeout time.Duration
	if !opts.Deadline.IsZero() {
		timeout = time.Until(opts.Deadline)
	}
	d := x.create.Dim
	err = parallel.For(nq, runtime.GOMAXPROCS(0), func(_, i int) error {
		o := *opts
		if timeout > 0 {
			o.Deadline = time.Now().Add(timeout)
		}
		o.Paths = rowPaths(queries, i)
		ns, err := x.eng().KnnSearch(v[i*d:(i+1)*d], k, &o)
		if err != nil {
			return err
		}
		writeRow(ns, out.IDs[i*k:(i+1)*k], out.Distances[i*k:(i+1)*k])
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rowPaths returns the paths of row i of ds by hierarchy ("" for Paths).
func rowPaths(ds *Dataset, i int) map[string]string {
	out := make(map[string]string, len(ds.HierarchyPaths)+1)
	if i < len(ds.Paths) {
		out[""] = ds.Paths[i]
	}
	for name, ps := range ds.HierarchyPaths {
		if i < len(ps) {
			out[name] = ps[i]
		}
	}
	return out
}

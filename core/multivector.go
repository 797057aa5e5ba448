package core

import (
	"math"
	"runtime"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/internal/parallel"
)

// This file routes multi-vector documents (datasets with VectorCounts) to the engines that
// take them (api.MultiVectorEngine: warp, simq). The entry points of index.go, request.go and
// query.go branch here in one line when the index is a multi-vector index.

// multiVectorEngine returns the engine as a multi-vector engine, or nil.
func (x *Index) multiVectorEngine() api.MultiVectorEngine {
	mv, _ := x.eng().(api.MultiVectorEngine)
	return mv
}

// multiVectorIndex reports whether the index takes multi-vector documents.
func (x *Index) multiVectorIndex() bool { return x.multiVectorEngine() != nil }

// multiVectors validates the multi-vector rows of ds for a multi-vector index and returns the
// float32 sub-vectors (normalised per sub-vector for cosine, copied then), the counts and the
// row count. Any other row form is INVALID_ARGUMENT.
func (x *Index) multiVectors(ds *Dataset, what string) ([]float32, []int, int, error) {
	if ds == nil {
		return nil, nil, 0, api.Errorf(api.InvalidArgument, "%s: dataset is nil", what)
	}
	if ds.NumElements < 0 {
		return nil, nil, 0, api.Errorf(api.InvalidArgument, "%s: num_elements %d is negative", what, ds.NumElements)
	}
	if ds.Kind() != api.MultiVectorRows {
		return nil, nil, 0, api.Errorf(api.InvalidArgument, "%s: %s takes multi-vector documents (vector_counts), the dataset holds %s rows", what, x.name, ds.Kind())
	}
	if ds.HasPaths() {
		return nil, nil, 0, api.Errorf(api.InvalidArgument, "%s: paths are for pyramid indexes, not %s", what, x.name)
	}
	if ds.Float32 == nil && (ds.Float16 != nil || ds.BFloat16 != nil || ds.Int8 != nil) {
		return nil, nil, 0, api.Errorf(api.InvalidArgument, "%s: multi-vector documents hold float32 sub-vectors", what)
	}
	if ds.NumElements == 0 && len(ds.VectorCounts) == 0 {
		return nil, nil, 0, nil
	}
	total, err := ds.CheckMultiVector(what)
	if err != nil {
		return nil, nil, 0, err
	}
	d := x.create.Dim
	if ds.Dim != d {
		return nil, nil, 0, api.Errorf(api.DimensionNotEqual, "%s: multi-vector dim %d does not match the index dim %d", what, ds.Dim, d)
	}
	v := ds.Float32[:total*d]
	for i, f := range v {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return nil, nil, 0, api.Errorf(api.InvalidArgument, "%s: sub-vector %d has a NaN or infinite value at dimension %d", what, i/d, i%d)
		}
	}
	if x.create.Metric.NeedsNormalize() {
		v = normalizedCopy(v, ds.Float32, d)
	}
	return v, ds.VectorCounts, ds.NumElements, nil
}

// insertMulti is insert for a multi-vector index.
func (x *Index) insertMulti(ds *Dataset, what string) (_ []int64, err error) {
	defer recovered(&err)
	if err := x.checkMutable(what); err != nil {
		return nil, err
	}
	v, counts, n, err := x.multiVectors(ds, what)
	if err != nil {
		return nil, err
	}
	if len(ds.IDs) < n {
		return nil, api.Errorf(api.InvalidArgument, "%s: %d ids for %d documents", what, len(ds.IDs), n)
	}
	if err := x.checkExtra(ds, n, what); err != nil {
		return nil, err
	}
	sets, err := x.prepareAttrs(ds, n, what)
	if err != nil {
		return nil, err
	}
	hook := x.insertHook(ds, sets)
	defer x.writing()()
	releaseAttrs, err := x.reserveAttrs(what, idsOf(ds, n), sets)
	if err != nil {
		return nil, err
	}
	defer releaseAttrs()
	return x.multiVectorEngine().AddMulti(v, counts, idsOf(ds, n), what == "build", hook)
}

// multiQuery validates the first document of a query dataset.
func (x *Index) multiQuery(ds *Dataset, what string) ([]float32, int, error) {
	if ds == nil {
		return nil, 0, api.Errorf(api.InvalidArgument, "%s: query dataset is nil", what)
	}
	if ds.NumElements < 1 {
		return nil, 0, api.Errorf(api.InvalidArgument, "%s: query dataset holds no document", what)
	}
	v, counts, _, err := x.multiVectors(ds.FirstRow(), what)
	if err != nil {
		return nil, 0, err
	}
	return v, counts[0], nil
}

// searchMulti is SearchWithRequest for a multi-vector index.
func (x *Index) searchMulti(req *SearchRequest) (_ *SearchResult, err error) {
	defer recovered(&err)
	if req == nil {
		return nil, api.Errorf(api.InvalidArgument, "search: request is nil")
	}
	what := "knn search"
	if req.Mode == RangeSearchMode {
		what = "range search"
	}
	q, count, err := x.multiQuery(req.Query, what)
	if err != nil {
		return nil, err
	}
	if req.BucketIDs != nil {
		return nil, api.Errorf(api.InvalidArgument, "search: bucket_ids are for ivf indexes, not %s", x.name)
	}
	filter, err := x.requestFilter(req)
	if err != nil {
		return nil, err
	}
	ns, err := x.searchMultiVector(q, count, req, filter)
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Dataset: api.ResultDataset(ns)}
	x.attachExtra(res.Dataset)
	if len(req.ExpectedLabels) > 0 {
		res.Expected = x.explainMulti(req, q, count, ns, filter)
	}
	return res, nil
}

// searchMultiVector runs req for a validated query document.
func (x *Index) searchMultiVector(q []float32, count int, req *SearchRequest, filter Filter) ([]Neighbor, error) {
	opts, err := x.searchOptions(req.Params, filter)
	if err != nil {
		return nil, err
	}
	opts.Stats = req.Stats
	start := time.Now()
	defer func() {
		if req.Stats != nil {
			req.Stats.ElapsedMs = float64(time.Since(start).Nanoseconds()) / 1e6
		}
	}()
	switch req.Mode {
	case KnnSearchMode:
		if req.TopK <= 0 {
			return nil, api.Errorf(api.InvalidArgument, "knn search: k %d must be positive", req.TopK)
		}
		return x.multiVectorEngine().KnnSearchMulti(q, count, x.capK(req.TopK), opts)
	case RangeSearchMode:
		limit := req.LimitedSize
		if limit == 0 {
			limit = -1
		}
		if err := checkLimitedSize(limit); err != nil {
			return nil, err
		}
		if math.IsNaN(float64(req.Radius)) || req.Radius < 0 {
			return nil, api.Errorf(api.InvalidArgument, "range search: radius %g must be a non-negative number", req.Radius)
		}
		rs, ok := x.eng().(api.MultiVectorRangeSearcher)
		if !ok {
			return nil, api.Errorf(api.UnsupportedIndexOperation, "range search is not supported by %s", x.name)
		}
		return rs.RangeSearchMulti(q, count, req.Radius, limit, opts)
	}
	return nil, api.Errorf(api.InvalidArgument, "search: unknown mode %d", req.Mode)
}

// explainMulti is explain for a query document.
func (x *Index) explainMulti(req *SearchRequest, q []float32, count int, ns []Neighbor, filter Filter) []Explanation {
	out := x.explain(req, nil, ns, filter)
	dc, ok := x.eng().(api.MultiVectorDistanceCalculator)
	if !ok {
		return out
	}
	for i := range out {
		if out[i].Reason != ReasonNotReached {
			continue
		}
		var dist [1]float32
		if dc.CalcDistanceMulti(q, count, []int64{out[i].Label}, dist[:]) == nil && dist[0] >= 0 {
			out[i].Distance = dist[0]
			if beyond(req, ns, dist[0]) {
				out[i].Reason = ReasonBeyondK
			}
		}
	}
	return out
}

// batchKnnSearchMulti is BatchKnnSearch for a multi-vector index: queries holds one document
// per row (VectorCounts), searched on all cores.
func (x *Index) batchKnnSearchMulti(queries *Dataset, k int, searchJSON string, filter Filter) (_ *Dataset, err error) {
	defer recovered(&err)
	const what = "batch search"
	if k <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "%s: k %d must be positive", what, k)
	}
	v, counts, nq, err := x.multiVectors(queries, what)
	if err != nil {
		return nil, err
	}
	k = x.capK(k)
	if nq > 0 && k > maxResultEntries/nq {
		return nil, api.Errorf(api.NoEnoughMemory, "%s: %d queries x k %d results do not fit in memory", what, nq, k)
	}
	out := &Dataset{NumElements: nq, Dim: k, IDs: make([]int64, nq*k), Distances: make([]float32, nq*k)}
	opts, err := x.searchOptions(searchJSON, filter)
	if err != nil {
		return nil, err
	}
	starts := make([]int, nq+1)
	for i, c := range counts[:nq] {
		starts[i+1] = starts[i] + c
	}
	d := x.create.Dim
	eng := x.multiVectorEngine()
	err = parallel.For(nq, runtime.GOMAXPROCS(0), func(_, i int) error {
		o := *opts
		ns, err := eng.KnnSearchMulti(v[starts[i]*d:starts[i+1]*d], counts[i], k, &o)
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

// CalcDistanceMulti returns the MaxSim distance of the first document of query to each label
// (-1 where a label is missing). Index types without multi-vector documents answer
// UNSUPPORTED_INDEX_OPERATION.
func (x *Index) CalcDistanceMulti(query *Dataset, labels []int64) (_ []float32, err error) {
	defer recovered(&err)
	const what = "calc distance by id"
	dc, ok := x.eng().(api.MultiVectorDistanceCalculator)
	if !ok {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "%s: %s does not measure multi-vector documents", what, x.name)
	}
	q, count, err := x.multiQuery(query, what)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(labels))
	if err := dc.CalcDistanceMulti(q, count, labels, out); err != nil {
		return nil, err
	}
	return out, nil
}

// IsMultiVector reports whether the index takes multi-vector documents (warp, simq).
func (x *Index) IsMultiVector() bool { return x.multiVectorIndex() }

// multiVectorStats is GetStats for multi-vector indexes: the counts core keeps for every
// index, the memory held and the engine's own statistics (documents, sub-vectors, clusters).
// An engine without them answers UNSUPPORTED_INDEX_OPERATION.
func (x *Index) multiVectorStats() (_ string, err error) {
	defer recovered(&err)
	defer x.snapshotting()()
	eng := x.eng()
	sr, ok := eng.(api.MultiVectorStatsReporter)
	if !ok {
		return "", api.Errorf(api.UnsupportedIndexOperation, "get stats is not supported by %s", x.name)
	}
	out, err := sr.MultiVectorStats()
	if err != nil {
		return "", err
	}
	out = x.countStats(out, eng)
	out["memory_usage"] = x.GetMemoryUsage()
	return render(out)
}

// batchKnnSearchMultiInto is BatchKnnSearchInto for a multi-vector index: queries holds nq
// documents (VectorCounts, the sub-vectors of all of them in Float32), each searched for its k
// nearest documents on all cores, with the filter and the attribute expression ANDed; query
// i's results go to ids[i*k:(i+1)*k] and dists[i*k:(i+1)*k], ascending, padded with -1 /
// +Inf. Every document is validated before any search runs. An index that takes one vector
// per row refuses documents with INVALID_ARGUMENT.
func (x *Index) batchKnnSearchMultiInto(queries *Dataset, k int, searchJSON, filterExpr string, filter Filter, ids []int64, dists []float32) (err error) {
	defer recovered(&err)
	const what = "batch search"
	nq, err := x.checkInto(what, queries, k, ids, dists)
	if err != nil || nq == 0 {
		return err
	}
	if !x.multiVectorIndex() {
		if _, err := queries.CheckMultiVector(what); err != nil {
			return err
		}
		return api.Errorf(api.InvalidArgument, "%s: %s takes one vector per row, the dataset holds multi-vector documents", what, x.name)
	}
	v, counts, _, err := x.multiVectors(queries, what)
	if err != nil {
		return err
	}
	attrFilter := x.AttributeFilter
	if nq > 1 {
		attrFilter = x.BatchAttributeFilter // evaluated once per label, not per query
	}
	f, err := attrFilter(filterExpr, filter)
	if err != nil {
		return err
	}
	opts, err := x.searchOptions(searchJSON, f)
	if err != nil {
		return err
	}
	kk := x.capK(k)
	starts := make([]int, nq+1)
	for i, c := range counts[:nq] {
		starts[i+1] = starts[i] + c
	}
	d := x.create.Dim
	eng := x.multiVectorEngine()
	search := func(_, i int) error {
		o := *opts
		ns, err := eng.KnnSearchMulti(v[starts[i]*d:starts[i+1]*d], counts[i], kk, &o)
		if err != nil {
			return err
		}
		writeRow(ns, ids[i*k:(i+1)*k], dists[i*k:(i+1)*k])
		return nil
	}
	if nq == 1 { // on the calling goroutine, as a single search
		return search(0, 0)
	}
	return parallel.For(nq, runtime.GOMAXPROCS(0), search)
}

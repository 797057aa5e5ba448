package core

import (
	"math"
	"time"

	"github.com/govsag/vsag/core/api"
)

// This file routes the sparse rows of dtype "sparse" indexes (sindi) to the engine's
// api.SparseEngine capability: build and add, every search form, distance by id, vector
// update and statistics. The dense entry points branch here in one line each.

// sparseEngine returns the engine's sparse capability, or nil for dense engines.
func (x *Index) sparseEngine() api.SparseEngine {
	se, _ := x.eng().(api.SparseEngine)
	return se
}

// sparseIndex reports whether the index takes sparse rows.
func (x *Index) sparseIndex() bool { return x.sparseEngine() != nil }

// sparseOnly is the error of a dense entry point called on a sparse index: dense rows are
// refused, sparse rows are refused by operations that have no sparse form.
func (x *Index) sparseOnly(ds *Dataset, what string) error {
	if ds != nil && ds.Kind() == api.SparseRows {
		return api.Errorf(api.UnsupportedIndexOperation, "%s is not supported by %s", what, x.name)
	}
	kind := "dense"
	if ds != nil {
		kind = ds.Kind().String()
	}
	return api.Errorf(api.InvalidArgument, "%s: %s takes sparse rows (dtype sparse), the dataset holds %s rows", what, x.name, kind)
}

// sparseRows validates that ds holds n >= 0 well-formed sparse rows.
func (x *Index) sparseRows(ds *Dataset, what string) error {
	if ds == nil {
		return api.Errorf(api.InvalidArgument, "%s: dataset is nil", what)
	}
	if ds.NumElements < 0 {
		return api.Errorf(api.InvalidArgument, "%s: num_elements %d is negative", what, ds.NumElements)
	}
	if ds.Kind() != api.SparseRows {
		return x.sparseOnly(ds, what)
	}
	if ds.HasPaths() {
		return api.Errorf(api.InvalidArgument, "%s: paths are for pyramid indexes, not %s", what, x.name)
	}
	return ds.CheckSparse(what)
}

// sparseQuery validates a query dataset and returns its first row.
func (x *Index) sparseQuery(ds *Dataset, what string) (api.SparseVector, error) {
	if ds == nil {
		return api.SparseVector{}, api.Errorf(api.InvalidArgument, "%s: query dataset is nil", what)
	}
	if ds.NumElements < 1 {
		return api.SparseVector{}, api.Errorf(api.InvalidArgument, "%s: query dataset holds no vector", what)
	}
	one := ds.FirstRow()
	if err := x.sparseRows(one, what); err != nil {
		return api.SparseVector{}, err
	}
	return api.SparseBatchOf(one, 1).Row(0), nil
}

// insertSparse is Build and Add for sparse rows.
func (x *Index) insertSparse(ds *Dataset, what string) (_ []int64, err error) {
	defer recovered(&err)
	if err := x.checkMutable(what); err != nil {
		return nil, err
	}
	if err := x.sparseRows(ds, what); err != nil {
		return nil, err
	}
	n := ds.NumElements
	if len(ds.IDs) < n {
		return nil, api.Errorf(api.InvalidArgument, "%s: %d ids for %d vectors", what, len(ds.IDs), n)
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
	eng := x.eng()
	if what == "build" && (eng.NumElements() > 0 || x.numRemoved(eng) > 0) {
		return nil, api.Errorf(api.BuildTwice, "%s: the index is already built", x.name)
	}
	if n == 0 {
		return nil, nil
	}
	return x.sparseEngine().AddSparse(api.SparseBatchOf(ds, n), ds.IDs[:n], hook)
}

// searchSparse is SearchWithRequest for sparse queries.
func (x *Index) searchSparse(req *SearchRequest) (*SearchResult, error) {
	what := "knn search"
	if req.Mode == RangeSearchMode {
		what = "range search"
	}
	q, err := x.sparseQuery(req.Query, what)
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
	ns, err := x.searchSparseVector(req, q, filter)
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Dataset: api.ResultDataset(ns)}
	x.attachExtra(res.Dataset)
	if len(req.ExpectedLabels) > 0 {
		res.Expected = x.explainSparse(req, q, ns, filter)
	}
	return res, nil
}

// searchSparseVector runs a knn or range search of req for the validated query q.
func (x *Index) searchSparseVector(req *SearchRequest, q api.SparseVector, filter Filter) ([]Neighbor, error) {
	se := x.sparseEngine()
	opts, err := x.searchOptions(req.Params, filter)
	if err != nil {
		return nil, err
	}
	opts.Stats = req.Stats
	start := time.Now()
	var ns []Neighbor
	switch req.Mode {
	case KnnSearchMode:
		if req.TopK <= 0 {
			return nil, api.Errorf(api.InvalidArgument, "knn search: k %d must be positive", req.TopK)
		}
		ns, err = se.KnnSearchSparse(q, x.capK(req.TopK), opts)
	case RangeSearchMode:
		limit := req.LimitedSize
		if limit == 0 {
			limit = -1
		}
		if err := checkLimitedSize(limit); err != nil {
			return nil, err
		}
		// 1 - inner product is negative for documents scoring above 1, so any radius is valid
		if math.IsNaN(float64(req.Radius)) {
			return nil, api.Errorf(api.InvalidArgument, "range search: radius must be a number, not NaN")
		}
		ns, err = se.RangeSearchSparse(q, req.Radius, limit, opts)
	default:
		return nil, api.Errorf(api.InvalidArgument, "search: unknown mode %d", req.Mode)
	}
	if req.Stats != nil {
		req.Stats.ElapsedMs = float64(time.Since(start).Nanoseconds()) / 1e6
	}
	return ns, err
}

// explainSparse is explain for a sparse query.
func (x *Index) explainSparse(req *SearchRequest, q api.SparseVector, ns []Neighbor, filter Filter) []Explanation {
	nan := float32(math.NaN())
	out := make([]Explanation, len(req.ExpectedLabels))
	found := make(map[int64]float32, len(ns))
	for _, n := range ns {
		found[n.ID] = n.Distance
	}
	for i, l := range req.ExpectedLabels {
		e := Explanation{Label: l, Distance: nan}
		switch d, ok := found[l]; {
		case ok:
			e.Reason, e.Distance = ReasonFound, d
		case !x.eng().Contains(l):
			e.Reason = ReasonAbsent
		case filter != nil && !filter.CheckValid(l):
			e.Reason = ReasonFiltered
		default:
			e.Reason = ReasonNotReached
			var dist [1]float32
			if x.sparseEngine().CalcDistanceSparse(q, []int64{l}, dist[:]) == nil && dist[0] >= 0 {
				e.Distance = dist[0]
			}
			if beyond(req, ns, e.Distance) {
				e.Reason = ReasonBeyondK
			}
		}
		out[i] = e
	}
	return out
}

// batchSearchSparse is BatchKnnSearch for sparse queries: every row searched, results padded.
func (x *Index) batchSearchSparse(queries *Dataset, k int, searchJSON string, filter Filter) (_ *Dataset, err error) {
	defer recovered(&err)
	const what = "batch search"
	if err := x.sparseRows(queries, what); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "%s: k %d must be positive", what, k)
	}
	nq := queries.NumElements
	k = x.capK(k)
	if nq > 0 && k > maxResultEntries/nq {
		return nil, api.Errorf(api.NoEnoughMemory, "%s: %d queries x k %d results do not fit in memory", what, nq, k)
	}
	out := &Dataset{NumElements: nq, Dim: k, IDs: make([]int64, nq*k), Distances: make([]float32, nq*k)}
	rows := api.SparseBatchOf(queries, nq)
	for i := 0; i < nq; i++ {
		ns, err := x.searchSparseVector(&SearchRequest{TopK: k, Params: searchJSON}, rows.Row(i), filter)
		if err != nil {
			return nil, err
		}
		writeRow(ns, out.IDs[i*k:(i+1)*k], out.Distances[i*k:(i+1)*k])
	}
	return out, nil
}

// CalcDistanceByIDsSparse returns the distance (1 - inner product) of the first sparse row of
// query to each label, -1 where a label is missing. Dense indexes return
// UNSUPPORTED_INDEX_OPERATION.
func (x *Index) CalcDistanceByIDsSparse(query *Dataset, labels []int64) (_ []float32, err error) {
	defer recovered(&err)
	const what = "calc distance by id"
	se := x.sparseEngine()
	if se == nil {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "%s: %s takes dense queries", what, x.name)
	}
	q, err := x.sparseQuery(query, what)
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(labels))
	if err := se.CalcDistanceSparse(q, labels, out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetSparseVectorByIDs returns the stored sparse rows of labels as a CSR dataset (the whole
// documents with use_reorder, else the stored postings: pruned and quantized values).
func (x *Index) GetSparseVectorByIDs(labels []int64) (_ *Dataset, err error) {
	defer recovered(&err)
	se := x.sparseEngine()
	if se == nil {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "get sparse vectors: %s holds dense vectors", x.name)
	}
	rows, err := se.GetSparse(labels)
	if err != nil {
		return nil, err
	}
	out := &Dataset{NumElements: len(rows), IDs: append([]int64(nil), labels...), SparseOffsets: make([]int64, 1, len(rows)+1),
		SparseIDs: []uint32{}, SparseValues: []float32{}}
	for _, r := range rows {
		out.SparseIDs = append(out.SparseIDs, r.IDs...)
		out.SparseValues = append(out.SparseValues, r.Values...)
		out.SparseOffsets = append(out.SparseOffsets, int64(len(out.SparseIDs)))
	}
	return out, nil
}

// updateSparse is UpdateVector for sparse rows.
func (x *Index) updateSparse(label int64, ds *Dataset, force bool) (err error) {
	defer recovered(&err)
	const what = "update vector"
	if err := x.checkMutable(what); err != nil {
		return err
	}
	if err := x.sparseRows(ds, what); err != nil {
		return err
	}
	if ds.NumElements != 1 {
		return api.Errorf(api.InvalidArgument, "%s: dataset must hold exactly one vector, has %d", what, ds.NumElements)
	}
	defer x.writing()()
	return x.sparseEngine().UpdateSparse(label, api.SparseBatchOf(ds, 1).Row(0), force)
}

// sparseStats is GetStats for sparse indexes: counts and the engine's structure.
func (x *Index) sparseStats() (_ string, err error) {
	defer recovered(&err)
	defer x.snapshotting()()
	eng := x.eng()
	out, err := x.sparseEngine().SparseStats()
	if err != nil {
		return "", err
	}
	out = x.countStats(out, eng)
	out["memory_usage"] = x.GetMemoryUsage()
	return render(out)
}

package core

import (
	"math"
	"time"

	"github.com/govsag/vsag/core/api"
)

// QueryFloat32 returns the first row of query as the float32 vector that Search,
// RangeSearchVector and CalcDistanceByIDs take: float32 values as they are (not copied),
// float16, bfloat16 and int8 values converted to float32 the way the index converts all its
// input (the field of the index's dtype when it is set, else the vector field that is). It
// neither checks the values (NaN, infinities) nor normalises them for cosine: the search that
// takes the vector does both. what prefixes error messages.
// Errors: INVALID_ARGUMENT for a nil dataset or one without a full row; DIMENSION_NOT_EQUAL
// when query.Dim is not the index's dimension.
func (x *Index) QueryFloat32(query *Dataset, what string) ([]float32, error) {
	if query == nil {
		return nil, api.Errorf(api.InvalidArgument, "%s: query dataset is nil", what)
	}
	if query.Dim != x.Dim() {
		return nil, api.Errorf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, query.Dim, x.Dim())
	}
	if query.NumElements < 1 {
		return nil, api.Errorf(api.InvalidArgument, "%s: query dataset holds no vector", what)
	}
	return toFloat32(query, query.Dim, x.create.DType, what)
}

// checkInto validates the common arguments of the searches that write nq rows of k results
// into caller buffers.
func (x *Index) checkInto(what string, queries *Dataset, k int, ids []int64, dists []float32) (int, error) {
	if queries == nil {
		return 0, api.Errorf(api.InvalidArgument, "%s: query dataset is nil", what)
	}
	if k <= 0 {
		return 0, api.Errorf(api.InvalidArgument, "%s: k %d must be positive", what, k)
	}
	if queries.Dim != x.Dim() {
		return 0, api.Errorf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, queries.Dim, x.Dim())
	}
	nq := queries.NumElements
	if nq < 0 {
		return 0, api.Errorf(api.InvalidArgument, "%s: num_elements %d is negative", what, nq)
	}
	if nq > 0 && (k > len(ids)/nq || k > len(dists)/nq) {
		return 0, api.Errorf(api.InvalidArgument, "%s: output buffers hold %d/%d entries, need %d*%d", what, len(ids), len(dists), nq, k)
	}
	return nq, nil
}

// BatchKnnSearchInto searches every query of queries (dense rows of any dtype: float32,
// float16, bfloat16 or int8) for its k nearest neighbours and writes query i's results into
// ids[i*k:(i+1)*k] and dists[i*k:(i+1)*k], ascending, padded with id -1 and distance +Inf. A
// label is returned only when filter (nil: all) and the attribute expression filterExpr (""
// none; compiled once, and for many queries evaluated once per label up front) keep it.
// Many queries run on all cores (float32 rows are read in place, other dtypes converted
// first); a single query runs on the calling goroutine, as Search would, which spares a
// caller's thread the hand-off to the worker goroutines. nq = queries.NumElements; 0 is a
// successful no-op. k beyond the live count is searched as the live count and padded.
// Errors: k <= 0, a dimension other than the index's, buffers shorter than nq*k, bad search
// JSON or expression, and whatever the search reports; the buffers' content is then
// unspecified. On a multi-vector index (warp, simq) each query is a document: VectorCounts
// gives its sub-vectors, as builds take them; other indexes refuse documents.
func (x *Index) BatchKnnSearchInto(queries *Dataset, k int, searchJSON, filterExpr string, filter Filter, ids []int64, dists []float32) error {
	if x.multiVectorIndex() || (queries != nil && queries.Kind() == api.MultiVectorRows) { // documents
		return x.batchKnnSearchMultiInto(queries, k, searchJSON, filterExpr, filter, ids, dists)
	}
	const what = "batch search"
	nq, err := x.checkInto(what, queries, k, ids, dists)
	if err != nil || nq == 0 {
		return err
	}
	if nq == 1 && filterExpr == "" {
		q, err := x.QueryFloat32(queries, what)
		if err != nil {
			return err
		}
		ns, err := x.Search(q, k, searchJSON, filter)
		if err != nil {
			return err
		}
		writeRow(ns, ids[:k], dists[:k])
		return nil
	}
	attrFilter := x.AttributeFilter
	if nq > 1 {
		attrFilter = x.BatchAttributeFilter // evaluated once per label, not per query
	}
	f, err := attrFilter(filterExpr, filter)
	if err != nil {
		return err
	}
	if nq == 1 {
		res, err := x.KnnSearch(queries, k, searchJSON, f)
		if err != nil {
			return err
		}
		spreadRows(res, 1, k, ids, dists)
		return nil
	}
	if queries.Float32 != nil {
		return x.BatchSearchInto(queries.Float32, nq, k, searchJSON, f, ids, dists)
	}
	res, err := x.BatchKnnSearch(queries, k, searchJSON, f)
	if err != nil {
		return err
	}
	spreadRows(res, nq, k, ids, dists)
	return nil
}

// spreadRows copies nq result rows of res (res.Dim entries each; a knn search caps its rows at
// the live count) into rows of k entries of ids and dists, padding each with -1 / +Inf.
func spreadRows(res *Dataset, nq, k int, ids []int64, dists []float32) {
	stride := res.Dim
	for i := 0; i < nq; i++ {
		row, drow := ids[i*k:(i+1)*k], dists[i*k:(i+1)*k]
		lo := min(i*stride, len(res.IDs))
		hi := min(lo+min(stride, k), len(res.IDs))
		n := copy(row, res.IDs[lo:hi])
		copy(drow, res.Distances[lo:hi])
		padRow(row[n:], drow[n:])
	}
}

// writeRow writes ns into the k-entry row ids, dists, padding with -1 / +Inf.
func writeRow(ns []Neighbor, ids []int64, dists []float32) {
	n := min(len(ns), len(ids))
	for j := 0; j < n; j++ {
		ids[j], dists[j] = ns[j].ID, ns[j].Distance
	}
	padRow(ids[n:], dists[n:])
}

// padRow fills result slots without a neighbour with id -1 and distance +Inf.
func padRow(ids []int64, dists []float32) {
	inf := float32(math.Inf(1))
	for j := range ids {
		ids[j], dists[j] = -1, inf
	}
}

// denseRow returns row i of a dense dataset of rows of d values as a one-row dataset (no
// copy). A vector field too short for the row is cut where it ends, for QueryFloat32 to report.
func denseRow(ds *Dataset, i, d int) *Dataset {
	lo, hi := i*d, (i+1)*d
	one := &Dataset{NumElements: 1, Dim: ds.Dim}
	if ds.Float32 != nil {
		one.Float32 = ds.Float32[min(lo, len(ds.Float32)):min(hi, len(ds.Float32))]
	}
	if ds.Float16 != nil {
		one.Float16 = ds.Float16[min(lo, len(ds.Float16)):min(hi, len(ds.Float16))]
	}
	if ds.BFloat16 != nil {
		one.BFloat16 = ds.BFloat16[min(lo, len(ds.BFloat16)):min(hi, len(ds.BFloat16))]
	}
	if ds.Int8 != nil {
		one.Int8 = ds.Int8[min(lo, len(ds.Int8)):min(hi, len(ds.Int8))]
	}
	return one
}

// TimedSearch measures the latency of single-query searches: it runs the queries of queries
// (dense rows of any dtype) one at a time on the calling goroutine, each by one Search call
// as a program searching query by query would, writes query i's k results into
// ids[i*k:(i+1)*k] and dists[i*k:(i+1)*k] (ascending, padded with -1 / +Inf) and the wall
// time of its Search call, in seconds, into seconds[i]. Converting a query of another dtype to
// float32 happens before its clock starts. filter (nil: all) applies to every query.
// Benchmarks use it to compare a binding's per-query cost with the engine's own time.
// Errors: those of BatchKnnSearchInto, and seconds shorter than nq; the first failing query
// ends the loop.
func (x *Index) TimedSearch(queries *Dataset, k int, searchJSON string, filter Filter, ids []int64, dists []float32, seconds []float64) error {
	const what = "timed search"
	nq, err := x.checkInto(what, queries, k, ids, dists)
	if err != nil || nq == 0 {
		return err
	}
	if len(seconds) < nq {
		return api.Errorf(api.InvalidArgument, "%s: seconds holds %d entries, need %d", what, len(seconds), nq)
	}
	d := queries.Dim
	for i := 0; i < nq; i++ {
		q, err := x.QueryFloat32(denseRow(queries, i, d), what)
		if err != nil {
			return err
		}
		start := time.Now()
		ns, err := x.Search(q, k, searchJSON, filter)
		seconds[i] = time.Since(start).Seconds()
		if err != nil {
			return err
		}
		writeRow(ns, ids[i*k:(i+1)*k], dists[i*k:(i+1)*k])
	}
	return nil
}

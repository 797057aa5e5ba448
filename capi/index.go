package main

/*
#include "capi.h"
*/
import "C"

import (
	"math"
	"time"
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

func addIndex(x *core.Index, out *C.uintptr_t) C.int {
	h, err := handles.add(kindIndex, x)
	if err != nil {
		return fail(err)
	}
	*out = C.uintptr_t(h)
	return 0
}

//export vsagi_index_make
func vsagi_index_make(name, params *C.char, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	if out == nil {
		return fail(errNil("index make", "out"))
	}
	*out = 0
	if name == nil {
		return fail(errNil("index make", "index name"))
	}
	if params == nil {
		return fail(errNil("index make", "parameters"))
	}
	x, err := core.CreateIndex(C.GoString(name), C.GoString(params))
	if err != nil {
		return fail(err)
	}
	return addIndex(x, out)
}

//export vsagi_index_close
func vsagi_index_close(h C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	if h == 0 {
		return 0
	}
	if _, err := handles.release(uint64(h), kindIndex); err != nil {
		return fail(err)
	}
	return 0
}

// Insert modes of vsagi_index_insert.
const (
	modeBuild = 0
	modeAdd   = 1
)

func insert(x *core.Index, mode C.int, ds *core.Dataset) ([]int64, error) {
	if mode == modeBuild {
		return x.Build(ds)
	}
	return x.Add(ds)
}

func modeName(mode C.int) string {
	if mode == modeBuild {
		return "build"
	}
	return "add"
}

//export vsagi_index_insert
func vsagi_index_insert(h C.uintptr_t, mode C.int, vectors unsafe.Pointer, dtype C.vsag_dtype_t,
	ids *C.int64_t, count, dim C.uint64_t, failed *C.int64_t, numFailed *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	return insertVectors(h, mode, vectors, dtype, ids, count, dim, nil, failed, numFailed)
}

// insertVectors is the build/add behind vsag_index_{build,add}_vectors and their forms with
// attributes (attrs NULL: none).
func insertVectors(h C.uintptr_t, mode C.int, vectors unsafe.Pointer, dtype C.vsag_dtype_t,
	ids *C.int64_t, count, dim C.uint64_t, attrs *C.char, failed *C.int64_t, numFailed *C.uint64_t) C.int {
	what := modeName(mode)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if ids == nil && count > 0 {
		return fail(errNil(what, "ids"))
	}
	ds, err := vectorDataset(what, vectors, dtype, uint64(count), uint64(dim))
	if err != nil {
		return fail(err)
	}
	ds.IDs = int64s(ids, uint64(count))
	if attrs != nil {
		if ds.Attributes, err = attributeRows(what, C.GoString(attrs), uint64(count)); err != nil {
			return fail(err)
		}
	}
	bad, err := insert(x, mode, ds)
	if err != nil {
		return fail(err)
	}
	writeFailed(bad, failed, uint64(count), numFailed)
	return 0
}

//export vsagi_index_train
func vsagi_index_train(h C.uintptr_t, vectors unsafe.Pointer, dtype C.vsag_dtype_t, count, dim C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	ds, err := vectorDataset("train", vectors, dtype, uint64(count), uint64(dim))
	if err != nil {
		return fail(err)
	}
	if err := x.Train(ds); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_index_remove_many
func vsagi_index_remove_many(h C.uintptr_t, ids *C.int64_t, count C.uint64_t, removed *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if ids == nil && count > 0 {
		return fail(errNil("remove", "ids"))
	}
	if err := checkSizes("remove", uint64(count), 1); err != nil {
		return fail(err)
	}
	n, err := x.Remove(int64s(ids, uint64(count))...)
	if err != nil {
		return fail(err)
	}
	if removed != nil {
		*removed = C.uint64_t(n)
	}
	return 0
}

//export vsagi_index_knn_search_batch
func vsagi_index_knn_search_batch(h C.uintptr_t, queries unsafe.Pointer, dtype C.vsag_dtype_t, nq, dim C.uint64_t,
	k C.int64_t, params *C.char, cf *C.vsag_filter_t, ids *C.int64_t, dists *C.float, last *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	if nq == 1 {
		return knnSearchOne(h, queries, dtype, dim, k, params, cf, ids, dists, last)
	}
	return knnSearchBatch(h, queries, dtype, nq, dim, k, params, nil, cf, ids, dists)
}

// knnSearchBatch is the batch search behind vsag_index_knn_search_batch and its form with a
// filter expression (expr NULL or "": none).
func knnSearchBatch(h C.uintptr_t, queries unsafe.Pointer, dtype C.vsag_dtype_t, nq, dim C.uint64_t,
	k C.int64_t, params, expr *C.char, cf *C.vsag_filter_t, ids *C.int64_t, dists *C.float) C.int {
	const what = "batch search"
	x, qs, done, rc := batchSearchArgs(what, h, queries, dtype, nq, dim, k, ids != nil && dists != nil)
	if done {
		return rc
	}
	f, release, err := buildFilter(x, what, cf)
	if err != nil {
		return fail(err)
	}
	defer release()
	n := uint64(nq) * uint64(k)
	if err := x.BatchKnnSearchInto(qs, int(k), goStr(params), goStr(expr), f, int64s(ids, n), float32s(dists, n)); err != nil {
		return fail(err)
	}
	return 0
}

// batchSearchArgs checks the arguments every batch search takes and views the queries. done
// reports that the call is over, with status rc: an error, or nothing to search (nq 0).
// buffers tells whether the caller gave its output buffers.
func batchSearchArgs(what string, h C.uintptr_t, queries unsafe.Pointer, dtype C.vsag_dtype_t, nq, dim C.uint64_t,
	k C.int64_t, buffers bool) (x *core.Index, qs *core.Dataset, done bool, rc C.int) {
	x, err := getIndex(h)
	if err != nil {
		return nil, nil, true, fail(err)
	}
	if k <= 0 {
		return nil, nil, true, failf(api.InvalidArgument, "%s: k %d must be positive", what, int64(k))
	}
	if uint64(dim) != uint64(x.Dim()) {
		return nil, nil, true, failf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, uint64(dim), x.Dim())
	}
	if nq == 0 {
		return nil, nil, true, 0
	}
	if err := checkResults(what, uint64(nq), int64(k)); err != nil {
		return nil, nil, true, fail(err)
	}
	if !buffers {
		return nil, nil, true, fail(errNil(what, "output buffer"))
	}
	qs, err = vectorDataset(what, queries, dtype, uint64(nq), uint64(dim))
	if err != nil {
		return nil, nil, true, fail(err) // checks the dtype and the pointer
	}
	return x, qs, false, 0
}

// pad fills unfilled result slots of a caller's buffers with id -1 and distance +Inf.
func pad(ids []int64, dists []float32) {
	for j := range ids {
		ids[j], dists[j] = -1, float32(math.Inf(1))
	}
}

//export vsagi_index_knn_search_vector
func vsagi_index_knn_search_vector(h C.uintptr_t, query unsafe.Pointer, dtype C.vsag_dtype_t, dim C.uint64_t,
	k C.int64_t, params *C.char, cf *C.vsag_filter_t, result *C.uintptr_t, last *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "knn search"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if result == nil {
		return fail(errNil(what, "result"))
	}
	*result = 0
	if k <= 0 {
		return failf(api.InvalidArgument, "%s: k %d must be positive", what, int64(k))
	}
	if uint64(dim) != uint64(x.Dim()) {
		return failf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, uint64(dim), x.Dim())
	}
	if query == nil {
		return fail(errNil(what, "query"))
	}
	q, err := vectorDataset(what, query, dtype, 1, uint64(dim))
	if err != nil {
		return fail(err)
	}
	f, release, err := buildFilter(x, what, cf)
	if err != nil {
		return fail(err)
	}
	defer release()
	req := &core.SearchRequest{Query: q, TopK: int(k), Params: goStr(params), Filter: f}
	start := time.Now()
	res, stats, err := x.SearchWithStatistics(req)
	if last != nil {
		*last = C.uint64_t(time.Since(start))
	}
	if err != nil {
		return fail(err)
	}
	return addResult(res.IDs, res.Distances, stats, result)
}

//export vsagi_index_range_search_vector
func vsagi_index_range_search_vector(h C.uintptr_t, query unsafe.Pointer, dtype C.vsag_dtype_t, dim C.uint64_t,
	radius C.float, params *C.char, cf *C.vsag_filter_t, limited C.int64_t, result *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	const what = "range search"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if result == nil {
		return fail(errNil(what, "result"))
	}
	*result = 0
	if uint64(dim) != uint64(x.Dim()) {
		return failf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, uint64(dim), x.Dim())
	}
	if query == nil {
		return fail(errNil(what, "query"))
	}
	if limited > math.MaxInt32 {
		limited = math.MaxInt32
	}
	q, err := vectorDataset(what, query, dtype, 1, uint64(dim))
	if err != nil {
		return fail(err)
	}
	f, release, err := buildFilter(x, what, cf)
	if err != nil {
		return fail(err)
	}
	defer release()
	res, err := x.RangeSearch(q, float32(radius), goStr(params), f, int(limited))
	if err != nil {
		return fail(err)
	}
	return addResult(res.IDs, res.Distances, "", result)
}

// Search modes of vsagi_index_search_dataset.
const (
	modeKnn   = 0
	modeRange = 1
)

//export vsagi_index_search_dataset
func vsagi_index_search_dataset(h C.uintptr_t, mode C.int, qh C.uintptr_t, k C.int64_t, radius C.float,
	params *C.char, bh C.uintptr_t, limited C.int64_t, result *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	what := "knn search"
	if mode == modeRange {
		what = "range search"
	}
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if result == nil {
		return fail(errNil(what, "result"))
	}
	*result = 0
	qd, err := getDataset(qh)
	if err != nil {
		return fail(err)
	}
	q, done, err := qd.toCore(what, false)
	if err != nil {
		return fail(err)
	}
	defer done()
	var filter api.Filter
	if bh != 0 {
		b, err := getBitset(bh)
		if err != nil {
			return fail(err)
		}
		b.mu.RLock()
		defer b.mu.RUnlock()
		filter = api.BitsetFilter(b.b, int(x.GetNumElements()))
	}
	if mode == modeRange {
		if limited > math.MaxInt32 {
			limited = math.MaxInt32
		}
		res, err := x.RangeSearch(q, float32(radius), goStr(params), filter, int(limited))
		if err != nil {
			return fail(err)
		}
		return addResult(res.IDs, res.Distances, "", result)
	}
	if k <= 0 {
		return failf(api.InvalidArgument, "%s: k %d must be positive", what, int64(k))
	}
	res, stats, err := x.SearchWithStatistics(&core.SearchRequest{Query: q, TopK: int(k), Params: goStr(params), Filter: filter})
	if err != nil {
		return fail(err)
	}
	return addResult(res.IDs, res.Distances, stats, result)
}

//export vsagi_index_calc_distance
func vsagi_index_calc_distance(h C.uintptr_t, query unsafe.Pointer, dtype C.vsag_dtype_t, dim C.uint64_t,
	ids *C.int64_t, count C.uint64_t, dists *C.float) (rc C.int) {
	defer guard(&rc)
	const what = "calc distance by id"
	x, err := distanceCall(h, what, ids, count, dists)
	if err != nil {
		return fail(err)
	}
	q, err := float32Query(x, what, query, dtype, uint64(dim))
	if err != nil {
		return fail(err)
	}
	if count == 0 {
		return 0
	}
	out, err := x.CalcDistanceByIDs(q, int64s(ids, uint64(count)))
	return distancesOut(out, err, dists, count)
}

// distanceCall returns the index of a calc-distance call after the checks its forms share:
// ids and dists given for a nonzero count, and a count within bounds.
func distanceCall(h C.uintptr_t, what string, ids *C.int64_t, count C.uint64_t, dists *C.float) (*core.Index, error) {
	x, err := getIndex(h)
	if err != nil {
		return nil, err
	}
	if (ids == nil || dists == nil) && count > 0 {
		return nil, errNil(what, "ids or dists")
	}
	if err := checkSizes(what, uint64(count), 1); err != nil {
		return nil, err
	}
	return x, nil
}

// distancesOut writes the distances of a calc-distance call to the caller's buffer, or fails
// with the call's error.
func distancesOut(out []float32, err error, dists *C.float, count C.uint64_t) C.int {
	if err != nil {
		return fail(err)
	}
	copy(float32s(dists, uint64(count)), out)
	return 0
}

//export vsagi_index_batch_calc_distance
func vsagi_index_batch_calc_distance(h C.uintptr_t, queries unsafe.Pointer, dtype C.vsag_dtype_t, nq, dim C.uint64_t,
	ids *C.int64_t, perQuery C.uint64_t, dists *C.float) (rc C.int) {
	defer guard(&rc)
	const what = "batch calc distance by id"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if uint64(dim) != uint64(x.Dim()) {
		return failf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, uint64(dim), x.Dim())
	}
	if nq > maxRows || perQuery > maxRows || (nq > 0 && uint64(perQuery) > maxVals/uint64(nq)) {
		return failf(api.InvalidArgument, "%s: nq*ids_per_query = %d*%d is too large", what, uint64(nq), uint64(perQuery))
	}
	total := uint64(nq) * uint64(perQuery)
	if total > 0 && (ids == nil || dists == nil) {
		return fail(errNil(what, "ids or dists"))
	}
	qs, err := vectorDataset(what, queries, dtype, uint64(nq), uint64(dim))
	if err != nil {
		return fail(err)
	}
	out, err := x.BatchCalcDistanceByIDs(qs, int64s(ids, total), int(perQuery))
	if err != nil {
		return fail(err)
	}
	copy(float32s(dists, total), out)
	return 0
}

//export vsagi_index_get_vectors
func vsagi_index_get_vectors(h C.uintptr_t, ids *C.int64_t, count C.uint64_t, vectors *C.float) (rc C.int) {
	defer guard(&rc)
	const what = "get vector by ids"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if (ids == nil || vectors == nil) && count > 0 {
		return fail(errNil(what, "ids or vectors"))
	}
	if err := checkSizes(what, uint64(count), uint64(x.Dim())); err != nil {
		return fail(err)
	}
	res, err := x.GetRawVectorByIDs(int64s(ids, uint64(count)))
	if err != nil {
		return fail(err)
	}
	copy(float32s(vectors, uint64(count)*uint64(x.Dim())), res.Float32)
	return 0
}

//export vsagi_index_update_ids
func vsagi_index_update_ids(h C.uintptr_t, oldIDs, newIDs *C.int64_t, count C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if (oldIDs == nil || newIDs == nil) && count > 0 {
		return fail(errNil("update ids", "old_ids or new_ids"))
	}
	if err := checkSizes("update ids", uint64(count), 1); err != nil {
		return fail(err)
	}
	olds, news := int64s(oldIDs, uint64(count)), int64s(newIDs, uint64(count))
	for i := range olds {
		if err := x.UpdateID(olds[i], news[i]); err != nil {
			return fail(err)
		}
	}
	return 0
}

//export vsagi_index_update_vector
func vsagi_index_update_vector(h C.uintptr_t, id C.int64_t, data *C.float, dim C.uint64_t, force C.bool) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	ds, err := vectorDataset("update vector", unsafe.Pointer(data), C.VSAG_DTYPE_FLOAT32, 1, uint64(dim))
	if err != nil {
		return fail(err)
	}
	if err := x.UpdateVector(int64(id), ds, bool(force)); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_index_clone
func vsagi_index_clone(h C.uintptr_t, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("clone", "clone_index"))
	}
	if !x.CheckFeature(api.SupportClone) {
		return failf(api.UnsupportedIndexOperation, "clone is not supported by %s", x.Name())
	}
	c, err := x.Clone()
	if err != nil {
		return fail(err)
	}
	return addIndex(c, out)
}

//export vsagi_index_export_model
func vsagi_index_export_model(h C.uintptr_t, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("export model", "model_index"))
	}
	m, err := x.ExportModel()
	if err != nil {
		return fail(err)
	}
	return addIndex(m, out)
}

// Integer properties of vsagi_index_get_int.
const (
	propNumElements = 0
	propMemoryUsage = 1
	propNumRemoved  = 2
	propDim         = 3
	propDType       = 4
)

var dtypeCodes = map[string]int64{
	"float32":  C.VSAG_DTYPE_FLOAT32,
	"float16":  C.VSAG_DTYPE_FLOAT16,
	"bfloat16": C.VSAG_DTYPE_BFLOAT16,
	"int8":     C.VSAG_DTYPE_INT8,
	"sparse":   C.VSAG_DTYPE_SPARSE,
}

//export vsagi_index_get_int
func vsagi_index_get_int(h C.uintptr_t, prop C.int, out *C.int64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("index property", "out"))
	}
	var v int64
	switch prop {
	case propNumElements:
		v = x.GetNumElements()
	case propMemoryUsage:
		v = x.GetMemoryUsage()
	case propNumRemoved:
		v = x.GetNumberRemoved()
	case propDim:
		v = int64(x.Dim())
	case propDType:
		v = dtypeCodes[x.DataType()]
	default:
		return failf(api.InvalidArgument, "index property %d does not exist", int(prop))
	}
	*out = C.int64_t(v)
	return 0
}

// String properties of vsagi_index_get_string.
const (
	propName   = 0
	propParams = 1
)

//export vsagi_index_get_string
func vsagi_index_get_string(h C.uintptr_t, prop C.int, buf *C.char, capacity C.uint64_t, length *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if buf == nil && capacity > 0 {
		return fail(errNil("index property", "buf"))
	}
	switch prop {
	case propName:
		copyOut(x.Name(), buf, capacity, length)
	case propParams:
		copyOut(x.CreateParams(), buf, capacity, length)
	default:
		return failf(api.InvalidArgument, "index property %d does not exist", int(prop))
	}
	return 0
}

//export vsagi_index_check_feature
func vsagi_index_check_feature(h C.uintptr_t, feature C.int, out *C.bool) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("check feature", "out"))
	}
	*out = C.bool(x.CheckFeature(core.Feature(feature)))
	return 0
}

//export vsagi_index_estimate_memory
func vsagi_index_estimate_memory(h C.uintptr_t, n C.uint64_t, out *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("estimate memory", "out"))
	}
	if !x.CheckFeature(api.SupportEstimateMemory) {
		return failf(api.UnsupportedIndexOperation, "estimate memory is not supported by %s", x.Name())
	}
	*out = C.uint64_t(x.EstimateMemory(uint64(n)))
	return 0
}

//export vsagi_index_check_ids_exist
func vsagi_index_check_ids_exist(h C.uintptr_t, ids *C.int64_t, count C.uint64_t, out *C.bool) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if (ids == nil || out == nil) && count > 0 {
		return fail(errNil("check id exist", "ids or out"))
	}
	if err := checkSizes("check id exist", uint64(count), 1); err != nil {
		return fail(err)
	}
	res := unsafe.Slice((*C.bool)(out), uint64(count))
	for i, id := range int64s(ids, uint64(count)) {
		res[i] = C.bool(x.CheckIDExist(id))
	}
	return 0
}

//export vsagi_index_get_min_max_id
func vsagi_index_get_min_max_id(h C.uintptr_t, minID, maxID *C.int64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if minID == nil || maxID == nil {
		return fail(errNil("get min and max id", "min_id or max_id"))
	}
	lo, hi, err := x.GetMinAndMaxID()
	if err != nil {
		return fail(err)
	}
	*minID, *maxID = C.int64_t(lo), C.int64_t(hi)
	return 0
}

//export vsagi_index_export_ids
func vsagi_index_export_ids(h C.uintptr_t, ids *C.int64_t, capacity C.uint64_t, count *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if count == nil {
		return fail(errNil("export ids", "count"))
	}
	if ids == nil && capacity > 0 {
		return fail(errNil("export ids", "ids"))
	}
	if !x.CheckFeature(api.SupportExportIDs) {
		return failf(api.UnsupportedIndexOperation, "export ids is not supported by %s", x.Name())
	}
	all := x.ExportIDs()
	*count = C.uint64_t(len(all))
	n := min(uint64(capacity), uint64(len(all)))
	copy(int64s(ids, n), all)
	return 0
}

//export vsagi_index_set_immutable
func vsagi_index_set_immutable(h C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if err := x.SetImmutable(); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_index_reset
func vsagi_index_reset(h C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if err := x.Reset(); err != nil {
		return fail(err)
	}
	return 0
}

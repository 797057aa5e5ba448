package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

//export vsagi_index_knn_search_multi_batch
func vsagi_index_knn_search_multi_batch(h C.uintptr_t, queries *C.float, counts *C.int64_t, nq, numVectors, dim C.uint64_t,
	k C.int64_t, params, expr *C.char, cf *C.vsag_filter_t, ids *C.int64_t, dists *C.float) (rc C.int) {
	defer guard(&rc)
	const what = "batch search"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if k <= 0 {
		return failf(api.InvalidArgument, "%s: k %d must be positive", what, int64(k))
	}
	if uint64(dim) != uint64(x.Dim()) {
		return failf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, uint64(dim), x.Dim())
	}
	if nq == 0 {
		return 0
	}
	if err := checkResults(what, uint64(nq), int64(k)); err != nil {
		return fail(err)
	}
	if ids == nil || dists == nil {
		return fail(errNil(what, "output buffer"))
	}
	if counts == nil {
		return fail(errNil(what, "vector_counts"))
	}
	if queries == nil && numVectors > 0 {
		return fail(errNil(what, "queries"))
	}
	if err := checkSizes(what, uint64(numVectors), uint64(dim)); err != nil {
		return fail(err)
	}
	vecs := float32s(queries, uint64(numVectors)*uint64(dim))
	if vecs == nil {
		vecs = []float32{} // no sub-vectors: the counts cannot add up
	}
	qs := &core.Dataset{
		NumElements:  int(nq),
		Dim:          int(dim),
		Float32:      vecs,
		VectorCounts: unsafe.Slice((*int)(unsafe.Pointer(counts)), int(nq)), // int is 64-bit
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

//export vsagi_index_calc_distance_multi
func vsagi_index_calc_distance_multi(h C.uintptr_t, query *C.float, numVectors, dim C.uint64_t,
	ids *C.int64_t, count C.uint64_t, dists *C.float) (rc C.int) {
	defer guard(&rc)
	const what = "calc distance by id"
	x, err := distanceCall(h, what, ids, count, dists)
	if err != nil {
		return fail(err)
	}
	if uint64(dim) != uint64(x.Dim()) {
		return failf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, uint64(dim), x.Dim())
	}
	if err := checkSizes(what, uint64(numVectors), uint64(dim)); err != nil {
		return fail(err)
	}
	if query == nil && numVectors > 0 {
		return fail(errNil(what, "query"))
	}
	vecs := float32s(query, uint64(numVectors)*uint64(dim))
	if vecs == nil {
		vecs = []float32{} // no sub-vectors: refused as a document of none
	}
	q := &core.Dataset{NumElements: 1, Dim: int(dim), Float32: vecs, VectorCounts: []int{int(numVectors)}}
	out, err := x.CalcDistanceMulti(q, int64s(ids, uint64(count)))
	return distancesOut(out, err, dists, count)
}

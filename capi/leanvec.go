package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/govsag/vsag/core/api"
)

//export vsagi_index_set_leanvec_matrices
func vsagi_index_set_leanvec_matrices(h C.uintptr_t, data, query, mean *C.float, reducedDim, dim C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "set leanvec matrices"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if data == nil {
		return fail(errNil(what, "data_matrix"))
	}
	if uint64(dim) != uint64(x.Dim()) {
		return failf(api.DimensionNotEqual, "%s: dim %d does not match the index dim %d", what, uint64(dim), x.Dim())
	}
	if reducedDim == 0 || uint64(reducedDim) > uint64(dim) {
		return failf(api.InvalidArgument, "%s: reduced_dim %d must be in [1, %d]", what, uint64(reducedDim), uint64(dim))
	}
	n := uint64(reducedDim) * uint64(dim)
	// a NULL query matrix or mean stays nil: one matrix for both, no centring
	if err := x.SetLeanVecMatrices(float32s(data, n), float32s(query, n), float32s(mean, uint64(dim)), int(reducedDim)); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_index_train_with_queries
func vsagi_index_train_with_queries(h C.uintptr_t, vectors unsafe.Pointer, dtype C.vsag_dtype_t, count C.uint64_t,
	queries unsafe.Pointer, nq, dim C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	ds, err := vectorDataset("train", vectors, dtype, uint64(count), uint64(dim))
	if err != nil {
		return fail(err)
	}
	qs, err := vectorDataset("train queries", queries, dtype, uint64(nq), uint64(dim))
	if err != nil {
		return fail(err)
	}
	if err := x.TrainWithQueries(ds, qs); err != nil {
		return fail(err)
	}
	return 0
}

package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/govsag/vsag/core/api"
)

//export vsagi_index_feedback
func vsagi_index_feedback(h C.uintptr_t, query unsafe.Pointer, dtype C.vsag_dtype_t, dim C.uint64_t, k C.int64_t,
	params *C.char, optimum C.int64_t, numEdges *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "feedback"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if k <= 0 {
		return failf(api.InvalidArgument, "%s: k %d must be positive", what, int64(k))
	}
	q, err := float32Query(x, what, query, dtype, uint64(dim))
	if err != nil {
		return fail(err)
	}
	n, err := x.Feedback(q, int(min(k, maxRows)), goStr(params), int64(optimum))
	if err != nil {
		return fail(err)
	}
	if numEdges != nil {
		*numEdges = C.uint64_t(n)
	}
	return 0
}

//export vsagi_index_pretrain
func vsagi_index_pretrain(h C.uintptr_t, ids *C.int64_t, count C.uint64_t, k C.int64_t, params *C.char,
	numEdges *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "pretrain"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if ids == nil && count > 0 {
		return fail(errNil(what, "ids"))
	}
	if err := checkSizes(what, uint64(count), 1); err != nil {
		return fail(err)
	}
	if k <= 0 {
		return failf(api.InvalidArgument, "%s: k %d must be positive", what, int64(k))
	}
	n, err := x.Pretrain(int64s(ids, uint64(count)), int(min(k, maxRows)), goStr(params))
	if err != nil {
		return fail(err)
	}
	if numEdges != nil {
		*numEdges = C.uint64_t(n)
	}
	return 0
}

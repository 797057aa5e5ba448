package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/govsag/vsag/core/api"
)

// cJSON hands a JSON string to C as new memory the caller frees with vsag_free: *out the
// NUL-terminated text, *size (when not NULL) its length without the NUL.
func cJSON(js string, out **C.char, size *C.uint64_t) {
	p := cMalloc(uintptr(len(js)) + 1)
	dst := unsafe.Slice((*byte)(p), len(js)+1)
	copy(dst, js)
	dst[len(js)] = 0
	*out = (*C.char)(p)
	if size != nil {
		*size = C.uint64_t(len(js))
	}
}

//export vsagi_index_get_stats
func vsagi_index_get_stats(h C.uintptr_t, out **C.char, size *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "get stats"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil(what, "out"))
	}
	js, err := x.GetStats()
	if err != nil {
		return fail(err)
	}
	cJSON(js, out, size)
	return 0
}

//export vsagi_index_analyze_by_search
func vsagi_index_analyze_by_search(h C.uintptr_t, queries unsafe.Pointer, dtype C.vsag_dtype_t, nq, dim C.uint64_t,
	k C.int64_t, params *C.char, out **C.char, size *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "analyze index by search"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil(what, "out"))
	}
	if k <= 0 {
		return failf(api.InvalidArgument, "%s: k %d must be positive", what, int64(k))
	}
	if uint64(dim) != uint64(x.Dim()) {
		return failf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, uint64(dim), x.Dim())
	}
	if nq == 0 {
		return failf(api.InvalidArgument, "%s: no queries (nq is 0)", what)
	}
	qs, err := vectorDataset(what, queries, dtype, uint64(nq), uint64(dim))
	if err != nil {
		return fail(err)
	}
	// k beyond the live count is capped by the analysis; int is 64 bits wide here
	js, err := x.AnalyzeIndexBySearch(qs, int(min(int64(k), 1<<62)), goStr(params))
	if err != nil {
		return fail(err)
	}
	cJSON(js, out, size)
	return 0
}

//go:build vsagbench

// Benchmark hooks, built only with the build tag vsagbench (`make lib-bench`): the public
// library has none of this file, benchhook.c or the symbols they define.

package main

/*
#include "capi.h"
int vsagi_bench_batch(uintptr_t index, const float* queries, uint64_t nq, uint64_t dim, int64_t k,
                      const char* parameters, int64_t* ids, float* dists);
*/
import "C"

import "unsafe"

//export vsagi_index_knn_search_timed
func vsagi_index_knn_search_timed(h C.uintptr_t, queries unsafe.Pointer, dtype C.vsag_dtype_t, nq, dim C.uint64_t,
	k C.int64_t, params *C.char, ids *C.int64_t, dists *C.float, seconds *C.double) (rc C.int) {
	defer guard(&rc)
	const what = "timed search"
	x, qs, done, rc := batchSearchArgs(what, h, queries, dtype, nq, dim, k, ids != nil && dists != nil && seconds != nil)
	if done {
		return rc
	}
	n := uint64(nq) * uint64(k)
	secs := unsafe.Slice((*float64)(unsafe.Pointer(seconds)), uint64(nq))
	if err := x.TimedSearch(qs, int(k), goStr(params), nil, int64s(ids, n), float32s(dists, n), secs); err != nil {
		return fail(err)
	}
	return 0
}

// cBatchSearch runs a batch search through the public C function, called from Go: the call
// crosses Go -> C -> Go, both of the crossings a C caller pays one of. Only the in-process FFI
// benchmark uses it.
func cBatchSearch(h uint64, queries []float32, nq, dim, k int, params string, ids []int64, dists []float32) int {
	cs := C.CString(params)
	defer C.free(unsafe.Pointer(cs))
	return int(C.vsagi_bench_batch(C.uintptr_t(h), (*C.float)(unsafe.Pointer(&queries[0])), C.uint64_t(nq),
		C.uint64_t(dim), C.int64_t(k), cs, (*C.int64_t)(unsafe.Pointer(&ids[0])), (*C.float)(unsafe.Pointer(&dists[0]))))
}

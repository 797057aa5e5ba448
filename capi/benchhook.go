package main

/*
#include "capi.h"
*/
import "C"

import "unsafe"

// cBatchSearch runs a batch search through the public C function, called from Go: the call
// crosses Go -> C -> Go, both of the crossings a C caller pays one of. Only the in-process FFI
// benchmark uses it (the linker drops it from the library).
func cBatchSearch(h uint64, queries []float32, nq, dim, k int, params string, ids []int64, dists []float32) int {
	cs := C.CString(params)
	defer C.free(unsafe.Pointer(cs))
	return int(C.vsagi_bench_batch(C.uintptr_t(h), (*C.float)(unsafe.Pointer(&queries[0])), C.uint64_t(nq),
		C.uint64_t(dim), C.int64_t(k), cs, (*C.int64_t)(unsafe.Pointer(&ids[0])), (*C.float)(unsafe.Pointer(&dists[0]))))
}

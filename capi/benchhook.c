//go:build vsagbench

/*
 * Benchmark hooks (vsag_bench.h), compiled only with the Go build tag vsagbench: the public
 * libvsag.so neither defines nor exports them.
 */
#include "_cgo_export.h"
#include "capi.h"
#include "vsag_bench.h"

int vsag_index_knn_search_timed(vsag_index_t index, const void* queries, vsag_dtype_t dtype,
                                uint64_t nq, uint64_t dim, int64_t k, const char* parameters,
                                int64_t* ids, float* dists, double* seconds) {
    return vsagi_index_knn_search_timed((uintptr_t)index, (void*)queries, dtype, nq, dim, k,
                                        (char*)parameters, ids, dists, seconds);
}

/* vsagi_bench_batch calls the public batch search with a handle held as an integer; only the
 * in-process FFI benchmark (ffi_hook_bench_test.go) uses it, to cross Go -> C -> Go. */
int vsagi_bench_batch(uintptr_t index, const float* queries, uint64_t nq, uint64_t dim, int64_t k,
                      const char* parameters, int64_t* ids, float* dists) {
    return vsag_index_knn_search_batch((vsag_index_t)index, queries, VSAG_DTYPE_FLOAT32, nq, dim, k, parameters,
                                       NULL, ids, dists);
}

/*
 * vsag_bench.h - benchmark hooks of libvsag.so. NOT part of the public API and not installed.
 *
 * These functions exist only in the library built with the Go build tag vsagbench
 * (`make lib-bench`: build/lib-bench/libvsag.so); the public library (`make lib`) does not
 * export them, so a program that uses them must be linked to, or must load, the benchmark
 * build. Bindings look them up at run time and skip what needs them when they are absent.
 */
#ifndef VSAG_BENCH_H
#define VSAG_BENCH_H

#include "vsag.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * vsag_index_knn_search_timed runs nq queries one at a time on the calling thread, as a program
 * calling the engine directly would (no filter), writes the results as
 * vsag_index_knn_search_batch does, and stores each query's search time, measured inside the
 * library, in seconds[i]. It lets a benchmark compare the time a binding's single-query call
 * takes with the engine's own time for the same queries in the same process.
 * Errors: as vsag_index_knn_search_batch; seconds must hold nq entries.
 */
int vsag_index_knn_search_timed(vsag_index_t index, const void* queries, vsag_dtype_t dtype,
                                uint64_t nq, uint64_t dim, int64_t k, const char* parameters,
                                int64_t* ids, float* dists, double* seconds);

#ifdef __cplusplus
}
#endif

#endif /* VSAG_BENCH_H */

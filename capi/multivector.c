/* vsag_index_knn_search_multi_vector_batch of include/vsag.h, forwarding to capi/multivector.go. */
#include "_cgo_export.h"
#include "capi.h"

int vsag_index_knn_search_multi_vector_batch(vsag_index_t index, const float* queries,
                                             const int64_t* vector_counts, uint64_t nq,
                                             uint64_t num_vectors, uint64_t dim, int64_t k,
                                             const char* parameters, const char* filter_expr,
                                             const vsag_filter_t* filter, int64_t* ids,
                                             float* dists) {
    return vsagi_index_knn_search_multi_batch((uintptr_t)index, (float*)queries,
                                              (int64_t*)vector_counts, nq, num_vectors, dim, k,
                                              (char*)parameters, (char*)filter_expr,
                                              (vsag_filter_t*)filter, ids, dists);
}

/*
 * The index-introspection functions of include/vsag.h (vsag_index_get_stats,
 * vsag_index_analyze_by_search), compiled against the header and forwarding to Go.
 */
#include "_cgo_export.h"
#include "capi.h"

int vsag_index_get_stats(vsag_index_t index, char** out, uint64_t* size) {
    return vsagi_index_get_stats((uintptr_t)index, out, size);
}

int vsag_index_analyze_by_search(vsag_index_t index, const void* queries, vsag_dtype_t dtype,
                                 uint64_t nq, uint64_t dim, int64_t k, const char* parameters,
                                 char** out, uint64_t* size) {
    return vsagi_index_analyze_by_search((uintptr_t)index, (void*)queries, dtype, nq, dim, k,
                                         (char*)parameters, out, size);
}

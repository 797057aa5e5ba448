/*
 * The iterator search functions of include/vsag.h, forwarding to the Go functions of
 * iterator.go (as wrappers.c does for the rest of the header).
 */
#include "_cgo_export.h"
#include "capi.h"

int vsag_iterator_create(vsag_index_t index, const void* query, vsag_dtype_t dtype, uint64_t dim,
                         const char* parameters, const vsag_filter_t* filter,
                         vsag_iterator_t* out) {
    uintptr_t h = 0;
    int rc = vsagi_iterator_create((uintptr_t)index, (void*)query, dtype, dim, (char*)parameters,
                                   (vsag_filter_t*)filter, out == NULL ? NULL : &h);
    if (out != NULL) {
        *out = (vsag_iterator_t)h;
    }
    return rc;
}

int vsag_iterator_next(vsag_iterator_t iterator, int64_t k, int64_t* ids, float* dists,
                       uint64_t* count) {
    return vsagi_iterator_next((uintptr_t)iterator, k, ids, dists, count);
}

int vsag_iterator_drain(vsag_iterator_t iterator, int64_t k, int64_t* ids, float* dists,
                        uint64_t* count) {
    return vsagi_iterator_drain((uintptr_t)iterator, k, ids, dists, count);
}

int vsag_iterator_destroy(vsag_iterator_t iterator) {
    return vsagi_iterator_destroy((uintptr_t)iterator);
}

/* The conjugate graph functions of include/vsag.h: vsag_index_feedback, vsag_index_pretrain. */
#include "_cgo_export.h"
#include "capi.h"

int vsag_index_feedback(vsag_index_t index, const void* query, vsag_dtype_t dtype, uint64_t dim,
                        int64_t k, const char* parameters, int64_t global_optimum_id,
                        uint64_t* num_edges) {
    return vsagi_index_feedback((uintptr_t)index, (void*)query, dtype, dim, k, (char*)parameters,
                                global_optimum_id, num_edges);
}

int vsag_index_pretrain(vsag_index_t index, const int64_t* ids, uint64_t count, int64_t k,
                        const char* parameters, uint64_t* num_edges) {
    return vsagi_index_pretrain((uintptr_t)index, (int64_t*)ids, count, k, (char*)parameters,
                                num_edges);
}

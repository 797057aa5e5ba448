/* vsag_index_remove_with_mode of include/vsag.h, forwarding to capi/remove.go. */
#include "_cgo_export.h"
#include "capi.h"

int vsag_index_remove_with_mode(vsag_index_t index, const int64_t* ids, uint64_t count, int mode,
                                uint64_t* num_removed) {
    return vsagi_index_remove_with_mode((uintptr_t)index, (int64_t*)ids, count, mode, num_removed);
}

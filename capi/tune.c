/* vsag_index_tune of include/vsag.h, forwarding to the Go function of tune.go. */
#include "_cgo_export.h"
#include "capi.h"

int vsag_index_tune(vsag_index_t index, const char* params_json, bool disable_future_tuning) {
    return vsagi_index_tune((uintptr_t)index, (char*)params_json, disable_future_tuning);
}

/*
 * The calling thread's last single-query search time (vsag_last_search_nanoseconds). The C
 * wrapper of vsag_index_knn_search_batch hands the Go side the address of this thread's slot,
 * so recording the time costs no extra crossing between C and Go.
 */
#include "capi.h"

__thread uint64_t vsagi_last_search_ns;

uint64_t vsag_last_search_nanoseconds(void) { return vsagi_last_search_ns; }

/* Internal declarations shared by the C and Go halves of libvsag.so. Not installed. */
#ifndef VSAG_CAPI_INTERNAL_H
#define VSAG_CAPI_INTERNAL_H

#include <stdint.h>
#include <stdlib.h>
#include "vsag.h"

/* vsagi_set_error records code and the first n bytes of msg as the calling thread's last error. */
void vsagi_set_error(int code, const char* msg, size_t n);

/* vsagi_last_search_ns is the calling thread's slot of vsag_last_search_nanoseconds
 * (lastsearch.c). */
extern __thread uint64_t vsagi_last_search_ns;

/* vsagi_try_malloc is malloc: cgo's C.malloc ends the process when malloc returns NULL, so
 * allocations whose size a caller or an index decides go through this one and check. */
void* vsagi_try_malloc(size_t n);

/* Trampolines: Go cannot call C function pointers directly. */
bool vsagi_call_filter_func(FilterFunc_t f, int64_t id);
bool vsagi_call_filter_fn(vsag_filter_fn f, int64_t id, void* ctx);
bool vsagi_call_extra_info_filter_fn(vsag_extra_info_filter_fn f, const uint8_t* info, uint64_t size, void* ctx);
void vsagi_call_write_func(void (*f)(OffsetType, SizeType, const void*), uint64_t off, uint64_t size, const void* data);
void vsagi_call_read_func(void (*f)(OffsetType, SizeType, void*), uint64_t off, uint64_t size, void* data);
uint64_t vsagi_call_size_func(SizeType (*f)(void));

void* vsagi_call_allocate(const vsag_allocator_t* a, uint64_t size);
void vsagi_call_deallocate(const vsag_allocator_t* a, void* p);
void* vsagi_call_reallocate(const vsag_allocator_t* a, void* p, uint64_t size);
void vsagi_call_log_fn(vsag_log_fn fn, int level, const char* msg, void* user_data);
const char* vsagi_op_name(int op);
int vsagi_call_progress_fn(vsag_progress_fn fn, const char* op, uint64_t done, uint64_t total, void* user_data);

typedef void (*vsagi_write_func)(OffsetType, SizeType, const void*);
typedef void (*vsagi_read_func)(OffsetType, SizeType, void*);
typedef SizeType (*vsagi_size_func)(void);

#endif

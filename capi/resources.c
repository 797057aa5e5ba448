/* The resource functions of include/vsag.h: memory budgets, the allocator, global options, the
 * logger and progress callbacks, and the trampolines through which Go calls the callbacks. */
#include <pthread.h>
#include <string.h>

#include "_cgo_export.h"
#include "capi.h"

int vsag_set_global_memory_budget(uint64_t bytes) { return vsagi_set_global_memory_budget(bytes); }

int vsag_get_global_memory_budget(uint64_t* out) { return vsagi_get_global_memory(0, out); }

int vsag_get_global_budgeted_memory(uint64_t* out) { return vsagi_get_global_memory(1, out); }

int vsag_index_set_memory_budget(vsag_index_t index, uint64_t bytes) {
    return vsagi_index_set_memory_budget((uintptr_t)index, bytes);
}

int vsag_index_get_memory_budget(vsag_index_t index, uint64_t* out) {
    return vsagi_index_get_memory(((uintptr_t)index), 0, out);
}

int vsag_index_get_budgeted_memory(vsag_index_t index, uint64_t* out) {
    return vsagi_index_get_memory(((uintptr_t)index), 1, out);
}

/* copy_node holds the library's copy of an allocator given to vsag_index_set_allocator. */
struct copy_node {
    vsag_allocator_t a;
    struct copy_node* next;
};
static struct copy_node* copies;
static pthread_mutex_t copies_mu = PTHREAD_MUTEX_INITIALIZER;

int vsag_index_set_allocator(vsag_index_t index, const vsag_allocator_t* allocator) {
    if (allocator == NULL) {
        return vsagi_index_set_allocator((uintptr_t)index, NULL);
    }
    if (allocator->allocate == NULL || allocator->deallocate == NULL || allocator->reallocate == NULL) {
        static const char msg[] = "INVALID_ARGUMENT: set allocator: allocate, deallocate and reallocate must not be NULL";
        vsagi_set_error(VSAG_INVALID_ARGUMENT, msg, sizeof(msg) - 1);
        return VSAG_INVALID_ARGUMENT;
    }
    /* The library keeps its own copy, the caller's struct may go away; blocks allocated through
     * it may be freed at any later time, so copies are kept (in a list, for the life of the
     * process). */
    struct copy_node* node = malloc(sizeof(*node));
    if (node == NULL) {
        static const char msg[] = "NO_ENOUGH_MEMORY: set allocator";
        vsagi_set_error(VSAG_NO_ENOUGH_MEMORY, msg, sizeof(msg) - 1);
        return VSAG_NO_ENOUGH_MEMORY;
    }
    node->a = *allocator;
    int rc = vsagi_index_set_allocator((uintptr_t)index, &node->a);
    if (rc != 0) {
        free(node);
        return rc;
    }
    pthread_mutex_lock(&copies_mu);
    node->next = copies;
    copies = node;
    pthread_mutex_unlock(&copies_mu);
    return rc;
}

int vsag_set_option(const char* name, int64_t value) { return vsagi_set_option((char*)name, value); }

int vsag_get_option(const char* name, int64_t* out) { return vsagi_get_option((char*)name, out); }

int vsag_set_logger(vsag_log_fn fn, void* user_data) { return vsagi_set_logger(fn, user_data); }

int vsag_index_set_progress(vsag_index_t index, vsag_progress_fn fn, void* user_data) {
    return vsagi_index_set_progress((uintptr_t)index, fn, user_data);
}

void* vsagi_call_allocate(const vsag_allocator_t* a, uint64_t size) { return a->allocate(size, a->user_data); }

void vsagi_call_deallocate(const vsag_allocator_t* a, void* p) { a->deallocate(p, a->user_data); }

void* vsagi_call_reallocate(const vsag_allocator_t* a, void* p, uint64_t size) {
    return a->reallocate(p, size, a->user_data);
}

void vsagi_call_log_fn(vsag_log_fn fn, int level, const char* msg, void* user_data) { fn(level, msg, user_data); }

int vsagi_call_progress_fn(vsag_progress_fn fn, const char* op, uint64_t done, uint64_t total, void* user_data) {
    return fn(op, done, total, user_data);
}

const char* vsagi_op_name(int op) {
    static const char* const names[] = {"build", "add", "train", "load"};
    return op >= 0 && op < 4 ? names[op] : "unknown";
}

/* The counting allocator of include/vsag.h: malloc, realloc and free behind a vsag_allocator_t
 * that counts the bytes it holds and refuses growth beyond a limit. The bindings hand it to
 * indexes where a callback into their language per slab is unsafe (Node: the slabs are
 * allocated on library threads, which cannot call JavaScript while the main thread waits in
 * the library) and read its counters for their policy. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi.h"

/* counting is an allocator's state; it is never freed, as blocks may be freed at any time. */
struct counting {
    _Atomic uint64_t limit; /* 0: none */
    _Atomic uint64_t in_use, peak, blocks, allocations, failures;
    char name[64];
};

/* A block starts with a header holding its size; the caller's bytes follow, 16-byte aligned. */
#define HDR 16

static int take(struct counting* c, uint64_t n) {
    uint64_t cur = atomic_load(&c->in_use);
    for (;;) {
        uint64_t lim = atomic_load(&c->limit);
        if (n > UINT64_MAX - cur || (lim != 0 && cur + n > lim)) {
            atomic_fetch_add(&c->failures, 1);
            return 0;
        }
        if (atomic_compare_exchange_weak(&c->in_use, &cur, cur + n)) break;
    }
    uint64_t now = cur + n, p = atomic_load(&c->peak);
    while (now > p && !atomic_compare_exchange_weak(&c->peak, &p, now)) {
    }
    return 1;
}

static void* counting_allocate(uint64_t size, void* user) {
    struct counting* c = user;
    if (size > UINT64_MAX - HDR || size + HDR > (uint64_t)SIZE_MAX) {
        atomic_fetch_add(&c->failures, 1);
        return NULL;
    }
    if (!take(c, size)) return NULL; /* take counted the failure */
    unsigned char* b = malloc((size_t)(size + HDR));
    if (b == NULL) {
        atomic_fetch_sub(&c->in_use, size);
        atomic_fetch_add(&c->failures, 1);
        return NULL;
    }
    memcpy(b, &size, sizeof size);
    atomic_fetch_add(&c->blocks, 1);
    atomic_fetch_add(&c->allocations, 1);
    return b + HDR;
}

static void counting_deallocate(void* p, void* user) {
    struct counting* c = user;
    if (p == NULL) return;
    unsigned char* b = (unsigned char*)p - HDR;
    uint64_t size;
    memcpy(&size, b, sizeof size);
    free(b);
    atomic_fetch_sub(&c->in_use, size);
    atomic_fetch_sub(&c->blocks, 1);
}

static void* counting_reallocate(void* p, uint64_t size, void* user) {
    struct counting* c = user;
    if (p == NULL) return counting_allocate(size, user);
    unsigned char* b = (unsigned char*)p - HDR;
    uint64_t old;
    memcpy(&old, b, sizeof old);
    if (size > UINT64_MAX - HDR || size + HDR > (uint64_t)SIZE_MAX) {
        atomic_fetch_add(&c->failures, 1);
        return NULL;
    }
    if (size > old && !take(c, size - old)) return NULL;
    unsigned char* nb = realloc(b, (size_t)(size + HDR));
    if (nb == NULL) {
        if (size > old) atomic_fetch_sub(&c->in_use, size - old);
        atomic_fetch_add(&c->failures, 1);
        return NULL;
    }
    if (size < old) atomic_fetch_sub(&c->in_use, old - size);
    memcpy(nb, &size, sizeof size);
    atomic_fetch_add(&c->allocations, 1);
    return nb + HDR;
}

static int invalid(const char* msg) {
    vsagi_set_error(VSAG_INVALID_ARGUMENT, msg, strlen(msg));
    return VSAG_INVALID_ARGUMENT;
}

int vsag_counting_allocator_new(const char* name, uint64_t limit, vsag_allocator_t* out) {
    if (out == NULL) return invalid("INVALID_ARGUMENT: counting allocator: out must not be NULL");
    struct counting* c = calloc(1, sizeof *c);
    if (c == NULL) {
        static const char msg[] = "NO_ENOUGH_MEMORY: counting allocator";
        vsagi_set_error(VSAG_NO_ENOUGH_MEMORY, msg, sizeof(msg) - 1);
        return VSAG_NO_ENOUGH_MEMORY;
    }
    atomic_store(&c->limit, limit);
    snprintf(c->name, sizeof c->name, "%s", name != NULL ? name : "counting");
    out->name = c->name;
    out->allocate = counting_allocate;
    out->deallocate = counting_deallocate;
    out->reallocate = counting_reallocate;
    out->user_data = c;
    return 0;
}

/* counting_of returns a's state, or NULL when a is not a counting allocator. */
static struct counting* counting_of(const vsag_allocator_t* a) {
    if (a == NULL || a->allocate != counting_allocate || a->user_data == NULL) return NULL;
    return a->user_data;
}

int vsag_counting_allocator_stats(const vsag_allocator_t* allocator, vsag_allocator_stats_t* out) {
    struct counting* c = counting_of(allocator);
    if (c == NULL) return invalid("INVALID_ARGUMENT: allocator stats: not a counting allocator");
    if (out == NULL) return invalid("INVALID_ARGUMENT: allocator stats: out must not be NULL");
    out->bytes_in_use = atomic_load(&c->in_use);
    out->peak_bytes = atomic_load(&c->peak);
    out->blocks = atomic_load(&c->blocks);
    out->allocations = atomic_load(&c->allocations);
    out->failures = atomic_load(&c->failures);
    out->limit = atomic_load(&c->limit);
    return 0;
}

int vsag_counting_allocator_set_limit(const vsag_allocator_t* allocator, uint64_t limit) {
    struct counting* c = counting_of(allocator);
    if (c == NULL) return invalid("INVALID_ARGUMENT: allocator limit: not a counting allocator");
    atomic_store(&c->limit, limit);
    return 0;
}

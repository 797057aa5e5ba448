/* Resource hooks of libvsag.so: memory budgets (per index and global), the allocator, global
 * options, the logger and progress callbacks (with cancellation of a build and of a load). */
#include <pthread.h>
#include <stdatomic.h>

#include "testutil.h"

#define DIM 32
static const char* BF = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":32}";
static const char* HG =
    "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":32,\"index_param\":{\"base_quantization_type\":\"fp32\","
    "\"max_degree\":16,\"ef_construction\":60}}";

static int64_t* labels(int64_t n, int64_t first) {
    int64_t* ids = malloc(sizeof(int64_t) * (size_t)n);
    for (int64_t i = 0; i < n; i++) ids[i] = first + i;
    return ids;
}

static uint64_t count_of(vsag_index_t idx) {
    int64_t n = 0;
    OK(vsag_index_get_num_elements(idx, &n));
    return (uint64_t)n;
}

static void test_options(void) {
    int64_t v = 0;
    OK(vsag_get_option("num_threads_building", &v));
    CHECK(v == 4);
    OK(vsag_set_option("num_threads_building", 2));
    OK(vsag_get_option("num_threads_building", &v));
    CHECK(v == 2);
    FAILS(vsag_set_option("num_threads_building", 0), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_set_option("num_threads_building", 201), VSAG_INVALID_ARGUMENT);
    OK(vsag_set_option("num_threads_building", 4));
    OK(vsag_get_option("num_threads_io", &v));
    CHECK(v == 8);
    OK(vsag_get_option("block_size_limit", &v));
    CHECK(v == 128 << 20);
    FAILS(vsag_set_option("block_size_limit", 1000), VSAG_INVALID_ARGUMENT);
    OK(vsag_set_option("concurrency_limit", 1));
    OK(vsag_get_option("concurrency_limit", &v));
    CHECK(v == 1);
    OK(vsag_set_option("concurrency_limit", 0));
    FAILS(vsag_set_option("no_such_option", 1), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_set_option(NULL, 1), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_get_option("num_threads_io", NULL), VSAG_INVALID_ARGUMENT);
}

/* A batch beyond the index's budget is refused whole; the index answers and keeps its rows. */
static void test_index_budget(const char* name, const char* params, const char* sp) {
    vsag_index_t idx = vsag_index_factory(name, params);
    CHECK(idx != NULL);
    const uint64_t budget = 400 << 10;
    OK(vsag_index_set_memory_budget(idx, budget));
    uint64_t got = 0;
    OK(vsag_index_get_memory_budget(idx, &got));
    CHECK(got == budget);
    uint64_t held = 0;
    int refused = 0;
    for (int b = 0; b < 100 && !refused; b++) {
        float* v = tu_vectors(500, DIM, (uint64_t)b + 1);
        int64_t* ids = labels(500, (int64_t)b * 500);
        Error_t e = b == 0 ? vsag_index_build(idx, v, ids, DIM, 500) : vsag_index_add(idx, v, ids, DIM, 500);
        if (e.code == VSAG_SUCCESS) {
            held += 500;
        } else {
            CHECK(e.code == VSAG_NO_ENOUGH_MEMORY);
            refused = 1;
        }
        uint64_t used = 0;
        OK(vsag_index_get_budgeted_memory(idx, &used));
        CHECK(used <= budget);
        free(v);
        free(ids);
    }
    CHECK(refused);
    CHECK(held > 0);
    CHECK(count_of(idx) == held);
    float* q = tu_vectors(1, DIM, 999);
    int64_t rid[10];
    float rd[10];
    SearchResult_t r = {rd, rid, 0, NULL};
    EOK(vsag_index_knn_search(idx, q, DIM, 10, sp, &r));
    CHECK(r.count == 10);
    free(q);
    FAILS(vsag_index_set_memory_budget(NULL, 1), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_get_budgeted_memory(idx, NULL), VSAG_INVALID_ARGUMENT);
    EOK(vsag_index_destroy(idx));
}

static void test_global_budget(void) {
    uint64_t used = 0, b = 1;
    OK(vsag_get_global_budgeted_memory(&used));
    OK(vsag_set_global_memory_budget(used + (64 << 10)));
    OK(vsag_get_global_memory_budget(&b));
    CHECK(b == used + (64 << 10));
    vsag_index_t idx = vsag_index_factory("brute_force", BF);
    float* v = tu_vectors(5000, DIM, 3);
    int64_t* ids = labels(5000, 0);
    Error_t e = vsag_index_build(idx, v, ids, DIM, 5000);
    CHECK(e.code == VSAG_NO_ENOUGH_MEMORY);
    CHECK(count_of(idx) == 0);
    EOK(vsag_index_build(idx, v, ids, DIM, 100));
    CHECK(count_of(idx) == 100);
    OK(vsag_set_global_memory_budget(0));
    EOK(vsag_index_add(idx, v + 100 * DIM, ids + 100, DIM, 4900));
    CHECK(count_of(idx) == 5000);
    free(v);
    free(ids);
    EOK(vsag_index_destroy(idx));
}

/* A malloc-backed allocator that counts its calls. */
typedef struct {
    atomic_long allocs, frees, reallocs;
} counting_t;

static void* c_alloc(uint64_t size, void* u) {
    atomic_fetch_add(&((counting_t*)u)->allocs, 1);
    return malloc(size);
}
static void c_free(void* p, void* u) {
    atomic_fetch_add(&((counting_t*)u)->frees, 1);
    free(p);
}
static void* c_realloc(void* p, uint64_t size, void* u) {
    atomic_fetch_add(&((counting_t*)u)->reallocs, 1);
    return realloc(p, size);
}
static void* null_alloc(uint64_t size, void* u) {
    (void)size;
    (void)u;
    return NULL;
}
static void* null_realloc(void* p, uint64_t size, void* u) {
    (void)p;
    (void)size;
    (void)u;
    return NULL;
}

static counting_t counting; /* lives for the process: blocks may be freed after destroy */

static void test_allocator(void) {
    vsag_index_t idx = vsag_index_factory("hgraph", HG);
    vsag_allocator_t a = {"counting", c_alloc, c_free, c_realloc, &counting};
    OK(vsag_index_set_allocator(idx, &a));
    const int64_t n = 3000;
    float* v = tu_vectors(n, DIM, 5);
    int64_t* ids = labels(n, 0);
    EOK(vsag_index_build(idx, v, ids, DIM, 1000));
    EOK(vsag_index_add(idx, v + 1000 * DIM, ids + 1000, DIM, 2000));
    CHECK(atomic_load(&counting.allocs) + atomic_load(&counting.reallocs) > 0);
    /* the nearest neighbour of a stored vector is itself, read from the allocator's memory */
    int64_t rid[1];
    float rd[1];
    SearchResult_t r = {rd, rid, 0, NULL};
    EOK(vsag_index_knn_search(idx, v + 1234 * DIM, DIM, 1, "{\"hgraph\":{\"ef_search\":100}}", &r));
    CHECK(r.count == 1 && rid[0] == 1234);

    /* an allocator that has no memory: the add fails whole with NO_ENOUGH_MEMORY */
    vsag_index_t small = vsag_index_factory("brute_force", BF);
    vsag_allocator_t none = {NULL, null_alloc, c_free, null_realloc, &counting};
    OK(vsag_index_set_allocator(small, &none));
    Error_t e = vsag_index_build(small, v, ids, DIM, 100);
    CHECK(e.code == VSAG_NO_ENOUGH_MEMORY);
    CHECK(count_of(small) == 0);
    OK(vsag_index_set_allocator(small, NULL));
    EOK(vsag_index_build(small, v, ids, DIM, 100));
    vsag_allocator_t bad = {NULL, NULL, c_free, c_realloc, NULL};
    FAILS(vsag_index_set_allocator(small, &bad), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_set_allocator(NULL, &a), VSAG_INVALID_ARGUMENT);
    free(v);
    free(ids);
    EOK(vsag_index_destroy(small));
    EOK(vsag_index_destroy(idx));
}

/* The library's counting allocator sees the code slabs of an hgraph, refuses growth beyond its
 * limit (the add fails whole with NO_ENOUGH_MEMORY) and gets every block back. */
static void test_counting_allocator(void) {
    vsag_allocator_t a;
    OK(vsag_counting_allocator_new("counted", 0, &a));
    CHECK(a.name != NULL && strcmp(a.name, "counted") == 0);
    vsag_index_t idx = vsag_index_factory("hgraph", HG);
    OK(vsag_index_set_allocator(idx, &a));
    const int64_t n = 3000;
    float* v = tu_vectors(n, DIM, 6);
    int64_t* ids = labels(n, 0);
    EOK(vsag_index_build(idx, v, ids, DIM, 2000));
    vsag_allocator_stats_t st;
    OK(vsag_counting_allocator_stats(&a, &st));
    /* the fp32 codes of 2000 vectors (256 KB) are in the allocator's blocks */
    CHECK(st.bytes_in_use >= 2000u * DIM * 4 && st.blocks > 0 && st.allocations > 0);
    CHECK(st.peak_bytes >= st.bytes_in_use && st.failures == 0 && st.limit == 0);
    /* a limit at what is held: the next growth is refused whole */
    OK(vsag_counting_allocator_set_limit(&a, st.bytes_in_use));
    Error_t e = vsag_index_add(idx, v + 2000 * DIM, ids + 2000, DIM, 1000);
    CHECK(e.code == VSAG_NO_ENOUGH_MEMORY);
    CHECK(count_of(idx) == 2000);
    OK(vsag_counting_allocator_stats(&a, &st));
    CHECK(st.failures > 0 && st.limit > 0);
    OK(vsag_counting_allocator_set_limit(&a, 0));
    EOK(vsag_index_add(idx, v + 2000 * DIM, ids + 2000, DIM, 1000));
    int64_t rid[1];
    float rd[1];
    SearchResult_t r = {rd, rid, 0, NULL};
    EOK(vsag_index_knn_search(idx, v + 2345 * DIM, DIM, 1, "{\"hgraph\":{\"ef_search\":100}}", &r));
    CHECK(r.count == 1 && rid[0] == 2345);
    EOK(vsag_index_destroy(idx));
    /* the blocks come back once the library reclaims the destroyed index */
    for (int i = 0; i < 200; i++) {
        OK(vsag_counting_allocator_stats(&a, &st));
        if (st.blocks == 0) break;
        vsag_index_t tmp = vsag_index_factory("brute_force", BF); /* churn to let the reclaimer run */
        EOK(vsag_index_build(tmp, v, ids, DIM, 1000));
        EOK(vsag_index_destroy(tmp));
    }
    CHECK(st.blocks == 0 && st.bytes_in_use == 0);
    vsag_allocator_t plain = {NULL, c_alloc, c_free, c_realloc, &counting};
    FAILS(vsag_counting_allocator_stats(&plain, &st), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_counting_allocator_stats(&a, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_counting_allocator_set_limit(NULL, 1), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_counting_allocator_new("x", 0, NULL), VSAG_INVALID_ARGUMENT);
    free(v);
    free(ids);
}

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_warn, log_debug, log_below;
static int log_min_level = VSAG_LOG_DEBUG;

static void on_log(int level, const char* msg, void* u) {
    CHECK(u == &log_mu);
    CHECK(msg != NULL && strlen(msg) > 0);
    pthread_mutex_lock(&log_mu);
    if (level == VSAG_LOG_WARN && strstr(msg, "NO_ENOUGH_MEMORY") != NULL) log_warn++;
    if (level == VSAG_LOG_DEBUG) log_debug++;
    if (level < log_min_level) log_below++;
    pthread_mutex_unlock(&log_mu);
}

static void test_logger(void) {
    OK(vsag_set_logger(on_log, &log_mu));
    OK(vsag_set_log_level(VSAG_LOG_DEBUG));
    vsag_index_t idx = vsag_index_factory("brute_force", BF);
    OK(vsag_index_set_memory_budget(idx, 10 << 10));
    float* v = tu_vectors(1000, DIM, 7);
    int64_t* ids = labels(1000, 0);
    CHECK(vsag_index_build(idx, v, ids, DIM, 1000).code == VSAG_NO_ENOUGH_MEMORY);
    EOK(vsag_index_build(idx, v, ids, DIM, 10));
    CHECK(log_warn >= 1);
    CHECK(log_debug >= 1);
    /* above the level nothing arrives */
    OK(vsag_set_log_level(VSAG_LOG_ERROR));
    log_min_level = VSAG_LOG_ERROR;
    int before = log_warn;
    CHECK(vsag_index_add(idx, v, ids + 0, DIM, 1000).code != VSAG_SUCCESS);
    CHECK(log_warn == before);
    CHECK(log_below == 0);
    OK(vsag_set_log_level(VSAG_LOG_INFO));
    OK(vsag_set_logger(NULL, NULL));
    free(v);
    free(ids);
    EOK(vsag_index_destroy(idx));
}

typedef struct {
    pthread_mutex_t mu;
    uint64_t calls, first, last, total, cancel_at, backwards;
    int in_call; /* calls never overlap */
    int overlaps;
    char op[16];
} progress_t;

static int on_progress(const char* op, uint64_t done, uint64_t total, void* u) {
    progress_t* p = u;
    pthread_mutex_lock(&p->mu);
    if (p->in_call) p->overlaps++;
    p->in_call = 1;
    if (p->calls == 0) p->first = done;
    if (p->calls > 0 && done < p->last) p->backwards++;
    p->calls++;
    p->last = done;
    p->total = total;
    snprintf(p->op, sizeof p->op, "%s", op);
    int cancel = p->cancel_at != UINT64_MAX && done >= p->cancel_at;
    p->in_call = 0;
    pthread_mutex_unlock(&p->mu);
    return cancel;
}

static void progress_reset(progress_t* p, uint64_t cancel_at) {
    p->calls = p->first = p->last = p->total = p->backwards = 0;
    p->overlaps = 0;
    p->cancel_at = cancel_at;
    p->op[0] = 0;
}

static void test_progress(const char* dir) {
    progress_t p = {.mu = PTHREAD_MUTEX_INITIALIZER};
    const int64_t n = 4000;
    float* v = tu_vectors(n, DIM, 11);
    int64_t* ids = labels(n, 0);
    vsag_index_t idx = vsag_index_factory("hgraph", HG);
    OK(vsag_index_set_progress(idx, on_progress, &p));

    /* cancelled at its first report: nothing is built */
    progress_reset(&p, 0);
    Error_t e = vsag_index_build(idx, v, ids, DIM, (uint64_t)n);
    CHECK(e.code == VSAG_UNKNOWN_ERROR && strstr(e.message, "cancelled") != NULL);
    CHECK(count_of(idx) == 0);

    progress_reset(&p, UINT64_MAX);
    EOK(vsag_index_build(idx, v, ids, DIM, (uint64_t)n));
    CHECK(strcmp(p.op, "build") == 0);
    CHECK(p.first == 0 && p.last == (uint64_t)n && p.total == (uint64_t)n);
    CHECK(p.calls >= 20 && p.calls <= 103);
    CHECK(p.backwards == 0 && p.overlaps == 0);

    char path[1024];
    snprintf(path, sizeof path, "%s/resources_progress.vsag", dir);
    OK(vsag_index_serialize_file(idx, path));

    /* a load cancelled half way leaves the index empty; then it loads */
    vsag_index_t dst = vsag_index_factory("hgraph", HG);
    OK(vsag_index_set_progress(dst, on_progress, &p));
    progress_reset(&p, (uint64_t)n * DIM * 4 / 2);
    FAILS(vsag_index_deserialize_file(dst, path), VSAG_UNKNOWN_ERROR);
    CHECK(strstr(vsag_last_error(), "cancelled") != NULL);
    CHECK(count_of(dst) == 0);
    CHECK(strcmp(p.op, "load") == 0);
    progress_reset(&p, UINT64_MAX);
    OK(vsag_index_deserialize_file(dst, path));
    CHECK(count_of(dst) == (uint64_t)n);
    CHECK(p.total > (uint64_t)n * DIM * 4 && p.last == p.total);

    OK(vsag_index_set_progress(idx, NULL, NULL));
    FAILS(vsag_index_set_progress(NULL, on_progress, &p), VSAG_INVALID_ARGUMENT);
    free(v);
    free(ids);
    EOK(vsag_index_destroy(dst));
    EOK(vsag_index_destroy(idx));
    remove(path);
}

int main(int argc, char** argv) {
    const char* dir = argc > 1 ? argv[1] : "/tmp";
    test_options();
    test_index_budget("brute_force", BF, "");
    test_index_budget("hgraph", HG, "{\"hgraph\":{\"ef_search\":60}}");
    test_global_budget();
    test_allocator();
    test_counting_allocator();
    test_logger();
    test_progress(dir);
    return tu_report("resources_test");
}

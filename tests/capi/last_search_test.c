/*
 * The one-query search path of vsag_index_knn_search_batch (nq = 1) and
 * vsag_last_search_nanoseconds: results equal to an exact oracle (padding, filters, int8
 * queries on a float index refused as before), the per-thread slot of the engine's time (0
 * before a thread's first search, set by one-query searches only, never above the call's wall
 * time), parameter strings changed in place between calls, and bad arguments.
 */
#define _POSIX_C_SOURCE 199309L
#include <pthread.h>
#include <time.h>

#include "testutil.h"

#define DIM 16
#define N 400
#define NQ 20

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct thread_arg {
    vsag_index_t idx;
    const float* q;
    uint64_t before, after;
    int rc;
} thread_arg;

static void* search_in_thread(void* p) {
    thread_arg* a = p;
    int64_t ids[5];
    float d[5];
    a->before = vsag_last_search_nanoseconds();
    a->rc = vsag_index_knn_search_batch(a->idx, a->q, VSAG_DTYPE_FLOAT32, 1, DIM, 5, "", NULL, ids, d);
    a->after = vsag_last_search_nanoseconds();
    return NULL;
}

int main(void) {
    CHECK(vsag_last_search_nanoseconds() == 0); /* no search on this thread yet */
    vsag_index_t idx = NULL;
    OK(vsag_index_make("brute_force",
                       "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                       "\"index_param\":{\"base_quantization_type\":\"fp32\"}}",
                       &idx));
    float* base = tu_vectors(N, DIM, 3);
    float* queries = tu_vectors(NQ, DIM, 4);
    int64_t labels[N];
    for (int64_t i = 0; i < N; i++) labels[i] = 1000 + i;
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, labels, N, DIM, NULL, NULL));

    /* results equal the exact answer; the engine's time is positive and within the wall time */
    for (int i = 0; i < NQ; i++) {
        const float* q = queries + i * DIM;
        int64_t ids[10], want[10];
        float d[10], want_d[10];
        tu_exact_knn(base, labels, N, DIM, q, 10, want, want_d);
        uint64_t t = now_ns();
        OK(vsag_index_knn_search_batch(idx, q, VSAG_DTYPE_FLOAT32, 1, DIM, 10, "", NULL, ids, d));
        t = now_ns() - t;
        uint64_t e = vsag_last_search_nanoseconds();
        CHECK(e > 0 && e <= t);
        for (int j = 0; j < 10; j++) CHECK(ids[j] == want[j] && tu_near(d[j], want_d[j]));
    }

    /* k above the count: the row is padded with -1 / +inf */
    {
        enum { K = N + 7 };
        static int64_t ids[K], want[K];
        static float d[K], want_d[K];
        tu_exact_knn(base, labels, N, DIM, queries, K, want, want_d);
        OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, NULL, NULL, ids, d));
        for (int j = 0; j < N; j++) CHECK(ids[j] == want[j]);
        for (int j = N; j < K; j++) CHECK(ids[j] == -1 && isinf(d[j]) && d[j] > 0);
    }

    /* a filter applies: exclude the exact top 3 */
    {
        int64_t want[13], ids[10];
        float want_d[13], d[10];
        tu_exact_knn(base, labels, N, DIM, queries, 13, want, want_d);
        vsag_filter_t f = VSAG_FILTER_INIT;
        f.exclude_ids = want;
        f.num_exclude_ids = 3;
        OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 10, "", &f, ids, d));
        for (int j = 0; j < 10; j++) CHECK(ids[j] == want[j + 3]);
    }

    /* the same batch search with nq = 1 and nq = 2 agree; nq = 2 leaves the slot alone */
    {
        int64_t one[2][5], two[10];
        float d1[2][5], d2[10];
        OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 5, "", NULL, one[0], d1[0]));
        OK(vsag_index_knn_search_batch(idx, queries + DIM, VSAG_DTYPE_FLOAT32, 1, DIM, 5, "", NULL, one[1], d1[1]));
        uint64_t e = vsag_last_search_nanoseconds();
        OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 2, DIM, 5, "", NULL, two, d2));
        CHECK(vsag_last_search_nanoseconds() == e);
        for (int j = 0; j < 5; j++) CHECK(two[j] == one[0][j] && two[5 + j] == one[1][j]);
    }

    /* vsag_index_knn_search_vector records its time too */
    {
        vsag_dataset_t ds = NULL;
        uint64_t t = now_ns();
        OK(vsag_index_knn_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, 5, "", NULL, &ds));
        t = now_ns() - t;
        uint64_t e = vsag_last_search_nanoseconds();
        CHECK(e > 0 && e <= t);
        OK(vsag_dataset_destroy(ds));
    }

    /* a parameter buffer rewritten in place between calls is read anew each time */
    {
        char params[64];
        int64_t ids[5];
        float d[5];
        snprintf(params, sizeof params, "{\"brute_force\":{}}");
        OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 5, params, NULL, ids, d));
        snprintf(params, sizeof params, "{\"brute_force\":");
        FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 5, params, NULL, ids, d),
              VSAG_INVALID_ARGUMENT);
        snprintf(params, sizeof params, "{\"brute_force\":{}}");
        OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 5, params, NULL, ids, d));
    }

    /* bad arguments */
    {
        int64_t ids[5];
        float d[5];
        FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM + 1, 5, "", NULL, ids, d),
              VSAG_DIMENSION_NOT_EQUAL);
        FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 0, "", NULL, ids, d),
              VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 5, "", NULL, NULL, d),
              VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_knn_search_batch(idx, NULL, VSAG_DTYPE_FLOAT32, 1, DIM, 5, "", NULL, ids, d),
              VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_knn_search_batch(idx, queries, (vsag_dtype_t)99, 1, DIM, 5, "", NULL, ids, d),
              VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_knn_search_batch(NULL, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 5, "", NULL, ids, d),
              VSAG_INVALID_ARGUMENT);
    }

    /* each thread has its own slot */
    {
        uint64_t mine = vsag_last_search_nanoseconds();
        thread_arg a = {idx, queries, 1, 0, -1};
        pthread_t th;
        CHECK(pthread_create(&th, NULL, search_in_thread, &a) == 0);
        CHECK(pthread_join(th, NULL) == 0);
        CHECK(a.rc == 0 && a.before == 0 && a.after > 0);
        CHECK(vsag_last_search_nanoseconds() == mine);
    }

    OK(vsag_index_close(idx));
    free(base);
    free(queries);
    return tu_report("last_search_test");
}

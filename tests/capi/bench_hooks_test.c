/*
 * bench_hooks_test.c tests the benchmark hooks of capi/vsag_bench.h. They are only in the
 * library built with the Go build tag vsagbench (build/lib-bench/libvsag.so, `make
 * lib-bench`); `make test-capi` links this program to that build, and checks separately that
 * the public library exports none of them.
 */
#include "testutil.h"
#include "vsag_bench.h"

#define DIM 16
#define N 400
#define NQ 7
#define K 10

static const char* BF_PARAMS = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16}";

int main(void) {
    float* base = tu_vectors(N, DIM, 1);
    float* queries = tu_vectors(NQ, DIM, 2);
    int64_t ids[N];
    for (int i = 0; i < N; i++) ids[i] = 1000 + i;

    vsag_index_t idx = NULL;
    OK(vsag_index_make("brute_force", BF_PARAMS, &idx));
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));

    /* timed single searches give the batch's results and a time per query */
    int64_t bids[NQ * K], tids[NQ * K];
    float bd[NQ * K], td[NQ * K];
    double secs[NQ];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", NULL, bids, bd));
    for (int i = 0; i < NQ; i++) secs[i] = -1;
    OK(vsag_index_knn_search_timed(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", tids, td, secs));
    for (int i = 0; i < NQ * K; i++) CHECK(tids[i] == bids[i] && td[i] == bd[i]);
    for (int i = 0; i < NQ; i++) CHECK(secs[i] > 0 && secs[i] < 10);
    for (int qi = 0; qi < NQ; qi++) {
        int64_t want[K];
        float wd[K];
        tu_exact_knn(base, ids, N, DIM, queries + qi * DIM, K, want, wd);
        CHECK(tids[qi * K] == want[0]);
    }

    /* float16 queries are converted: the same answers as the batch search of the same rows */
    uint16_t h16[NQ * DIM];
    for (int i = 0; i < NQ * DIM; i++) h16[i] = tu_f32_to_f16(queries[i]);
    OK(vsag_index_knn_search_batch(idx, h16, VSAG_DTYPE_FLOAT16, NQ, DIM, K, "", NULL, bids, bd));
    OK(vsag_index_knn_search_timed(idx, h16, VSAG_DTYPE_FLOAT16, NQ, DIM, K, "", tids, td, secs));
    for (int i = 0; i < NQ * K; i++) CHECK(tids[i] == bids[i] && td[i] == bd[i]);

    /* k beyond the live count: padded rows */
    enum { BIGK = N + 5 };
    int64_t* pids = malloc(sizeof(int64_t) * 2 * BIGK);
    float* pd = malloc(sizeof(float) * 2 * BIGK);
    OK(vsag_index_knn_search_timed(idx, queries, VSAG_DTYPE_FLOAT32, 2, DIM, BIGK, "", pids, pd, secs));
    for (int qi = 0; qi < 2; qi++) {
        CHECK(pids[qi * BIGK + N - 1] >= 1000);
        CHECK(pids[qi * BIGK + N] == -1 && isinf(pd[qi * BIGK + N]));
        CHECK(pids[qi * BIGK + BIGK - 1] == -1);
    }
    free(pids);
    free(pd);

    /* errors */
    OK(vsag_index_knn_search_timed(idx, queries, VSAG_DTYPE_FLOAT32, 0, DIM, K, "", NULL, NULL, NULL));
    FAILS(vsag_index_knn_search_timed(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", tids, td, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_timed(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, 0, "", tids, td, secs), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_timed(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM + 1, K, "", tids, td, secs), VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_knn_search_timed(idx, queries, (vsag_dtype_t)9, NQ, DIM, K, "", tids, td, secs), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_timed(idx, NULL, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", tids, td, secs), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_timed(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "{", tids, td, secs), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_timed(idx, queries, VSAG_DTYPE_FLOAT32, (uint64_t)1 << 62, DIM, K, "", tids, td, secs),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_timed(NULL, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", tids, td, secs), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_close(idx));
    /* a destroyed handle is an error, not a crash */
    FAILS(vsag_index_knn_search_timed(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 2, "", tids, td, secs), VSAG_INVALID_ARGUMENT);

    free(base);
    free(queries);
    return tu_report("bench_hooks_test");
}

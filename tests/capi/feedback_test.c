/*
 * feedback_test.c exercises the hnsw index and its conjugate graph through libvsag.so:
 * vsag_index_feedback, vsag_index_pretrain, VSAG_FEATURE_SUPPORT_FEEDBACK, the conjugate graph
 * across a save and load, and their error paths. Compiled only against include/vsag.h (C99,
 * -Wall -Werror) and also built with AddressSanitizer.
 *
 * Usage: feedback_test [scratch directory]
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>

#include "testutil.h"

#define DIM 32
#define N 3000
#define NQ 100
#define K 10

static const char* CG_PARAMS =
    "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":32,"
    "\"hnsw\":{\"max_degree\":8,\"ef_construction\":20,\"use_conjugate_graph\":true}}";
static const char* PLAIN_PARAMS =
    "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":32,"
    "\"hnsw\":{\"max_degree\":8,\"ef_construction\":20}}";
static const char* SP = "{\"hnsw\":{\"ef_search\":1}}";

static float* base;
static int64_t ids[N];
static float* queries;

/* hits counts the true k nearest neighbours the index returns for the NQ queries. */
static int hits(vsag_index_t idx, const char* sp) {
    int64_t got[NQ * K];
    float gd[NQ * K];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, sp, NULL, got, gd));
    int h = 0;
    for (int q = 0; q < NQ; q++) {
        int64_t want[K];
        float wd[K];
        tu_exact_knn(base, ids, N, DIM, queries + q * DIM, K, want, wd);
        for (int a = 0; a < K; a++)
            for (int b = 0; b < K; b++) h += got[q * K + a] == want[b];
    }
    return h;
}

static void test_feedback(const char* scratch) {
    vsag_index_t idx = NULL;
    OK(vsag_index_make("hnsw", CG_PARAMS, &idx));
    if (idx == NULL) return;
    bool feat = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_FEEDBACK, &feat));
    CHECK(feat);
    /* an empty index learns nothing */
    uint64_t edges = 7;
    OK(vsag_index_feedback(idx, queries, VSAG_DTYPE_FLOAT32, DIM, K, SP, VSAG_GLOBAL_OPTIMUM_UNKNOWN, &edges));
    CHECK(edges == 0);
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));

    const char* off = "{\"hnsw\":{\"ef_search\":1,\"use_conjugate_graph_search\":false}}";
    int before = hits(idx, SP), before_off = hits(idx, off);
    CHECK(before < NQ * K);
    uint64_t total = 0;
    for (int q = 0; q < NQ; q++) {
        OK(vsag_index_feedback(idx, queries + q * DIM, VSAG_DTYPE_FLOAT32, DIM, K, SP, VSAG_GLOBAL_OPTIMUM_UNKNOWN,
                               &edges));
        total += edges;
    }
    CHECK(total > 0);
    int after = hits(idx, SP);
    printf("hnsw conjugate graph: recall@%d at ef_search 1 %.3f -> %.3f after %llu edges\n", K,
           (double)before / (NQ * K), (double)after / (NQ * K), (unsigned long long)total);
    CHECK(after == NQ * K);
    /* the conjugate graph is not consulted when the request says so */
    CHECK(hits(idx, off) == before_off);

    /* a given global optimum; NULL num_edges is allowed */
    OK(vsag_index_feedback(idx, queries, VSAG_DTYPE_FLOAT32, DIM, K, SP, 5, NULL));

    /* errors */
    FAILS(vsag_index_feedback(idx, queries, VSAG_DTYPE_FLOAT32, DIM, 0, SP, 5, &edges), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_feedback(idx, queries, VSAG_DTYPE_FLOAT32, DIM, K, SP, N + 5, &edges), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_feedback(idx, queries, VSAG_DTYPE_FLOAT32, DIM - 1, K, SP, 5, &edges), VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_feedback(idx, NULL, VSAG_DTYPE_FLOAT32, DIM, K, SP, 5, &edges), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_feedback(idx, queries, VSAG_DTYPE_FLOAT32, DIM, K, "{\"hnsw\":{}}", 5, &edges),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_pretrain(idx, NULL, 3, K, SP, &edges), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_pretrain(idx, ids, 3, 0, SP, &edges), VSAG_INVALID_ARGUMENT);
    int64_t absent[2] = {1, N + 10};
    FAILS(vsag_index_pretrain(idx, absent, 2, K, SP, &edges), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_pretrain(idx, ids, 0, K, SP, &edges));
    CHECK(edges == 0);
    OK(vsag_index_pretrain(idx, ids, 20, K, SP, &edges));
    CHECK(edges > 0);

    /* the conjugate graph is saved with the index */
    char path[600];
    snprintf(path, sizeof(path), "%s/feedback.vsag", scratch);
    int saved = hits(idx, SP);
    EOK(vsag_serialize_file(idx, path));
    vsag_index_t back = NULL;
    OK(vsag_index_load_file(path, &back));
    CHECK(back != NULL && hits(back, SP) == saved);
    OK(vsag_index_close(back));

    /* immutable indexes learn nothing */
    OK(vsag_index_set_immutable(idx));
    FAILS(vsag_index_feedback(idx, queries, VSAG_DTYPE_FLOAT32, DIM, K, SP, 5, &edges), VSAG_WRONG_STATUS);
    FAILS(vsag_index_pretrain(idx, ids, 1, K, SP, &edges), VSAG_WRONG_STATUS);
    OK(vsag_index_close(idx));
    FAILS(vsag_index_feedback(idx, queries, VSAG_DTYPE_FLOAT32, DIM, K, SP, 5, &edges), VSAG_INVALID_ARGUMENT);

    /* without a conjugate graph, and on other index types */
    OK(vsag_index_make("hnsw", PLAIN_PARAMS, &idx));
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_FEEDBACK, &feat));
    CHECK(!feat);
    FAILS(vsag_index_feedback(idx, queries, VSAG_DTYPE_FLOAT32, DIM, K, SP, 5, &edges),
          VSAG_UNSUPPORTED_INDEX_OPERATION);
    FAILS(vsag_index_pretrain(idx, ids, 1, K, SP, &edges), VSAG_UNSUPPORTED_INDEX_OPERATION);
    OK(vsag_index_close(idx));
    OK(vsag_index_make("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":32}", &idx));
    FAILS(vsag_index_feedback(idx, queries, VSAG_DTYPE_FLOAT32, DIM, K, "", 5, &edges),
          VSAG_UNSUPPORTED_INDEX_OPERATION);
    OK(vsag_index_close(idx));
}

/* test_hnsw_params checks the hnsw parameter block's validation through the C API. */
static void test_hnsw_params(void) {
    const char* bad[] = {
        "{\"dim\":32}",
        "{\"dim\":32,\"hnsw\":{\"ef_construction\":100}}",
        "{\"dim\":32,\"hnsw\":{\"max_degree\":16}}",
        "{\"dim\":32,\"hnsw\":{\"max_degree\":2,\"ef_construction\":100}}",
        "{\"dim\":32,\"hnsw\":{\"max_degree\":16,\"ef_construction\":8}}",
        "{\"dim\":32,\"hnsw\":{\"max_degree\":16,\"ef_construction\":100,\"alpha\":1.2}}",
        "{\"dim\":32,\"dtype\":\"int8\",\"metric_type\":\"l2\",\"hnsw\":{\"max_degree\":16,\"ef_construction\":100}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vsag_index_t idx = NULL;
        FAILS(vsag_index_make("hnsw", bad[i], &idx), VSAG_INVALID_ARGUMENT);
        CHECK(idx == NULL);
    }
}

int main(int argc, char** argv) {
    const char* scratch = argc > 1 ? argv[1] : "/tmp";
    /* uniform random vectors: hard enough for a beam of 20 to miss neighbours */
    base = tu_vectors(N, DIM, 11);
    queries = tu_vectors(NQ, DIM, 12);
    for (int i = 0; i < N; i++) ids[i] = i;
    test_hnsw_params();
    test_feedback(scratch);
    free(base);
    free(queries);
    return tu_report("feedback_test");
}

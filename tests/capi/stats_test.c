/*
 * Index introspection through the C ABI: vsag_index_get_stats and
 * vsag_index_analyze_by_search on hgraph, brute_force and ivf, with the feature flags, the
 * ownership of the returned JSON (vsag_free) and the error codes of bad input.
 */
#include "testutil.h"

#define DIM 8
#define N 300
#define NQ 12

/* has_key reports whether the JSON text js holds "key": (a crude check; the Python and Node
 * tests parse the objects). */
static bool has_key(const char* js, const char* key) {
    char pat[96];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    return strstr(js, pat) != NULL;
}

/* number_of returns the number after "key": in js, or NAN. */
static double number_of(const char* js, const char* key) {
    char pat[96];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char* p = strstr(js, pat);
    return p ? strtod(p + strlen(pat), NULL) : NAN;
}

static void check_index(const char* name, const char* params, const char* search) {
    vsag_index_t idx = NULL;
    OK(vsag_index_make(name, params, &idx));
    bool has = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_GET_STATS, &has));
    CHECK(has);
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_ANALYZE_INDEX_BY_SEARCH, &has));
    CHECK(has);
    float* base = tu_vectors(N, DIM, 7);
    float* queries = tu_vectors(NQ, DIM, 8);
    int64_t ids[N];
    for (int64_t i = 0; i < N; i++) ids[i] = 100 + i;

    char* js = NULL;
    uint64_t size = 0;
    /* an empty index: statistics, but nothing to analyse */
    OK(vsag_index_get_stats(idx, &js, NULL));
    CHECK(js != NULL && number_of(js, "total_count") == 0);
    vsag_free(js);
    js = NULL;
    FAILS(vsag_index_analyze_by_search(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, 5, search, &js, &size),
          VSAG_INDEX_EMPTY);
    CHECK(js == NULL);

    if (strcmp(name, "ivf") == 0) OK(vsag_index_train_vectors(idx, base, VSAG_DTYPE_FLOAT32, N, DIM));
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    uint32_t removed = 0;
    OK(vsag_index_remove(idx, 100, &removed));
    CHECK(removed == 1);

    OK(vsag_index_get_stats(idx, &js, &size));
    CHECK(js != NULL && size == strlen(js));
    CHECK(number_of(js, "total_count") == N);
    CHECK(number_of(js, "deleted_count") == 1);
    CHECK(number_of(js, "num_elements") == N - 1);
    CHECK(number_of(js, "self_recall") >= 0.9);
    CHECK(has_key(js, "duplicate_ratio") && has_key(js, "recall_base"));
    if (strcmp(name, "hgraph") == 0) {
        CHECK(number_of(js, "connect_components") >= 1);
        CHECK(has_key(js, "in_degree_distribution") && has_key(js, "proximity_recall_neighbor"));
    }
    if (strcmp(name, "ivf") == 0) CHECK(has_key(js, "bucket_num") && has_key(js, "bucket_radius"));
    vsag_free(js);

    js = NULL;
    OK(vsag_index_analyze_by_search(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, 10, search, &js, &size));
    CHECK(js != NULL && size == strlen(js));
    CHECK(number_of(js, "num_queries") == NQ);
    CHECK(number_of(js, "topk") == 10);
    CHECK(number_of(js, "recall_query") >= 0.8);
    CHECK(has_key(js, "latency_ms") && has_key(js, "time_cost_query"));
    CHECK(has_key(js, "quantization_bias_ratio_query"));
    vsag_free(js);

    /* k above the count is capped; bad input fails with the right code and no output */
    js = NULL;
    OK(vsag_index_analyze_by_search(idx, queries, VSAG_DTYPE_FLOAT32, 2, DIM, 100000, search, &js, NULL));
    CHECK(js != NULL && number_of(js, "topk") == N - 1);
    vsag_free(js);
    js = NULL;
    FAILS(vsag_index_get_stats(idx, NULL, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_get_stats(NULL, &js, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_analyze_by_search(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, 0, search, &js, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_analyze_by_search(idx, queries, VSAG_DTYPE_FLOAT32, 0, DIM, 5, search, &js, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_analyze_by_search(idx, NULL, VSAG_DTYPE_FLOAT32, NQ, DIM, 5, search, &js, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_analyze_by_search(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM + 1, 5, search, &js, NULL), VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_analyze_by_search(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, 5, "{\"bad", &js, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_analyze_by_search(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, 5, search, NULL, NULL), VSAG_INVALID_ARGUMENT);
    queries[3] = NAN;
    FAILS(vsag_index_analyze_by_search(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, 5, search, &js, NULL), VSAG_INVALID_ARGUMENT);
    CHECK(js == NULL);

    OK(vsag_index_close(idx));
    FAILS(vsag_index_get_stats(idx, &js, NULL), VSAG_INVALID_ARGUMENT);
    free(base);
    free(queries);
}

int main(void) {
    check_index("hgraph",
                "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":8,\"index_param\":{"
                "\"base_quantization_type\":\"sq8\",\"use_reorder\":true,\"max_degree\":12,"
                "\"ef_construction\":60}}",
                "{\"hgraph\":{\"ef_search\":60}}");
    check_index("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"cosine\",\"dim\":8}",
                "{\"brute_force\":{}}");
    check_index("ivf",
                "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":8,\"index_param\":{"
                "\"buckets_count\":4}}",
                "{\"ivf\":{\"scan_buckets_count\":4}}");
    return tu_report("stats_test");
}

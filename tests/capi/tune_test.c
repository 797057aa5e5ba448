/*
 * tune_test.c: vsag_index_tune on hgraph through the C ABI. An sq4_uniform index that keeps its
 * raw vectors is tuned to fp16 codes reranked by fp32 (recall rises, the graph stays, the tuned
 * parameters become the index's), saved and loaded tuned, tuned again with
 * disable_future_tuning (the raw vectors go, later tunes are refused, also after a reload);
 * refusals: NULL and destroyed handles, bad JSON, a graph key that changes, a create key that is
 * not the index's, an index without a precise source, an immutable index, brute_force.
 */
#include "testutil.h"

#define DIM 16
#define N 1500
#define NQ 30
#define K 10

static const char* SEARCH = "{\"hgraph\":{\"ef_search\":60}}";
static float* base;
static float* queries;
static int64_t ids[N];

static bool feature(vsag_index_t idx, int f) {
    bool b = false;
    OK(vsag_index_check_feature(idx, f, &b));
    return b;
}

static double recall(vsag_index_t idx) {
    int64_t got[NQ * K], want[K];
    float gd[NQ * K], wd[K];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, SEARCH, NULL, got, gd));
    int hit = 0;
    for (int q = 0; q < NQ; q++) {
        tu_exact_knn(base, ids, N, DIM, queries + q * DIM, K, want, wd);
        for (int j = 0; j < K; j++)
            for (int g = 0; g < K; g++) hit += got[q * K + g] == want[j];
    }
    return (double)hit / (NQ * K);
}

static vsag_index_t built(const char* params) {
    vsag_index_t idx = NULL;
    OK(vsag_index_make("hgraph", params, &idx));
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    return idx;
}

int main(void) {
    base = tu_vectors(N, DIM, 5);
    queries = tu_vectors(NQ, DIM, 6);
    for (int i = 0; i < N; i++) ids[i] = 10 * i + 1;
    vsag_index_t probe = NULL;
    if (vsag_index_make("hgraph", "{\"dim\":4}", &probe) == VSAG_UNSUPPORTED_INDEX) {
        printf("hgraph is not in this library: skipping\n");
        return 0;
    }
    vsag_index_close(probe);

    vsag_index_t idx = built(
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
        "{\"base_quantization_type\":\"sq4_uniform\",\"store_raw_vector\":true,\"max_degree\":16,"
        "\"ef_construction\":100}}");
    CHECK(feature(idx, VSAG_FEATURE_SUPPORT_TUNE));
    CHECK(VSAG_FEATURE_SUPPORT_TUNE == 50);
    double before = recall(idx);
    OK(vsag_index_tune(idx, "{\"index_param\":{\"base_quantization_type\":\"fp16\",\"use_reorder\":true}}", false));
    double after = recall(idx);
    printf("hgraph recall@%d: sq4_uniform %.3f, tuned to fp16 + fp32 reorder %.3f\n", K, before, after);
    CHECK(after > before && after >= 0.95);
    char params[2048];
    OK(vsag_index_get_parameters(idx, params, sizeof(params), NULL));
    CHECK(strstr(params, "\"fp16\"") != NULL && strstr(params, "\"use_reorder\":true") != NULL);
    CHECK(strstr(params, "\"store_raw_vector\":true") != NULL);
    CHECK(feature(idx, VSAG_FEATURE_SUPPORT_TUNE));
    CHECK(feature(idx, VSAG_FEATURE_SUPPORT_GET_RAW_VECTOR_BY_IDS));

    /* the tuned index saves and loads as it is */
    void* buf = NULL;
    uint64_t size = 0;
    OK(vsag_index_serialize_buffer(idx, &buf, &size));
    vsag_index_t back = NULL;
    OK(vsag_index_load_buffer(buf, size, &back));
    CHECK(recall(back) == after);
    char back_params[2048];
    OK(vsag_index_get_parameters(back, back_params, sizeof(back_params), NULL));
    CHECK(strcmp(params, back_params) == 0);
    vsag_free(buf);
    vsag_index_close(back);

    /* refusals that change nothing */
    FAILS(vsag_index_tune(idx, NULL, false), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_tune(NULL, "{\"index_param\":{}}", false), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_tune(idx, "{\"index_param\":", false), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_tune(idx, "{}", false), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_tune(idx, "{\"index_param\":{\"max_degree\":32}}", false), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "max_degree") != NULL);
    FAILS(vsag_index_tune(idx, "{\"dim\":8,\"index_param\":{}}", false), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_tune(idx, "{\"index_param\":{\"base_quantization_type\":\"fp99\"}}", false), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_tune(idx, "{\"index_param\":{\"no_such_key\":1}}", false), VSAG_INVALID_ARGUMENT);
    CHECK(recall(idx) == after);

    /* the last tune: sq8 codes with fp16 rerank; the raw vectors go and tuning is over */
    OK(vsag_index_tune(idx,
                       "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
                       "{\"base_quantization_type\":\"sq8\",\"use_reorder\":true,"
                       "\"precise_quantization_type\":\"fp16\",\"max_degree\":16}}",
                       true));
    CHECK(!feature(idx, VSAG_FEATURE_SUPPORT_TUNE));
    CHECK(!feature(idx, VSAG_FEATURE_SUPPORT_GET_RAW_VECTOR_BY_IDS));
    CHECK(recall(idx) >= 0.9);
    FAILS(vsag_index_tune(idx, "{\"index_param\":{\"base_quantization_type\":\"fp16\"}}", false),
          VSAG_UNSUPPORTED_INDEX_OPERATION);
    CHECK(strstr(vsag_last_error(), "disable") != NULL);
    OK(vsag_index_serialize_buffer(idx, &buf, &size));
    OK(vsag_index_load_buffer(buf, size, &back));
    CHECK(!feature(back, VSAG_FEATURE_SUPPORT_TUNE));
    FAILS(vsag_index_tune(back, "{\"index_param\":{\"base_quantization_type\":\"fp16\"}}", false),
          VSAG_UNSUPPORTED_INDEX_OPERATION);
    vsag_free(buf);
    vsag_index_close(back);
    vsag_index_close(idx);
    FAILS(vsag_index_tune(idx, "{\"index_param\":{}}", false), VSAG_INVALID_ARGUMENT); /* destroyed */

    /* without a precise source: the flag is off and the call says what is missing */
    vsag_index_t sq = built(
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
        "{\"base_quantization_type\":\"sq8\",\"max_degree\":16,\"ef_construction\":100}}");
    CHECK(!feature(sq, VSAG_FEATURE_SUPPORT_TUNE));
    FAILS(vsag_index_tune(sq, "{\"index_param\":{\"base_quantization_type\":\"fp16\"}}", false),
          VSAG_UNSUPPORTED_INDEX_OPERATION);
    CHECK(strstr(vsag_last_error(), "store_raw_vector") != NULL);
    vsag_index_close(sq);

    /* an fp32 index tunes from its own codes; immutable, it does not */
    vsag_index_t fp = built(
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
        "{\"base_quantization_type\":\"fp32\",\"max_degree\":16,\"ef_construction\":100}}");
    CHECK(feature(fp, VSAG_FEATURE_SUPPORT_TUNE));
    OK(vsag_index_set_immutable(fp));
    CHECK(!feature(fp, VSAG_FEATURE_SUPPORT_TUNE));
    FAILS(vsag_index_tune(fp, "{\"index_param\":{\"base_quantization_type\":\"fp16\"}}", false),
          VSAG_WRONG_STATUS);
    vsag_index_close(fp);

    vsag_index_t bf = NULL;
    OK(vsag_index_make("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16}", &bf));
    CHECK(!feature(bf, VSAG_FEATURE_SUPPORT_TUNE));
    FAILS(vsag_index_tune(bf, "{\"index_param\":{}}", false), VSAG_UNSUPPORTED_INDEX_OPERATION);
    vsag_index_close(bf);

    free(base);
    free(queries);
    return tu_report("tune_test");
}

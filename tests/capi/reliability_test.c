/*
 * reliability_test.c throws hostile input at libvsag.so through include/vsag.h only:
 *
 *   - every feature number of vsag_feature_t, written out (VSAG's IndexFeature numbering);
 *   - hostile sizes: k = 2^43 on brute_force and hgraph, k above 2^20 in batch searches,
 *     hgraph_init_capacity 2^30 at dim 1024: the right result or error code, process alive,
 *     resident memory bounded;
 *   - the bad-input matrix: NaN and infinite values in every dtype, wrong dimensions, bad and
 *     wrongly typed JSON, NULL, destroyed, forged and wrong-kind handles in every function;
 *   - thousands of create/destroy cycles with flat resident memory.
 *
 * Usage: reliability_test [scratch directory]
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <unistd.h>

#include "testutil.h"

#define DIM 16
#define N 200

static const char* BF = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16}";
static const char* HG = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                        "\"index_param\":{\"base_quantization_type\":\"fp32\",\"max_degree\":16,"
                        "\"ef_construction\":60}}";
static char scratch[512] = "/tmp";

/* sp returns search parameters that suit the index type. */
static const char* sp_for(const char* name) {
    return strcmp(name, "hgraph") == 0 ? "{\"hgraph\":{\"ef_search\":100}}" : "";
}

static float* base;
static int64_t ids[N];
static float* queries;

/* rss_mb returns the resident set size of this process in MiB (from /proc/self/statm). */
static double rss_mb(void) {
    FILE* f = fopen("/proc/self/statm", "r");
    if (f == NULL) return 0;
    long size = 0, resident = 0;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
    fclose(f);
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static vsag_index_t make_built(const char* name, const char* params) {
    vsag_index_t idx = NULL;
    OK(vsag_index_make(name, params, &idx));
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    return idx;
}

/* ---------------------------------------------------------------------------------------- */
/* Feature numbers: VSAG's IndexFeature enum, every value written out.                       */

static void test_feature_numbers(void) {
    CHECK(VSAG_FEATURE_NEED_TRAIN == 1);
    CHECK(VSAG_FEATURE_SUPPORT_BUILD == 2);
    CHECK(VSAG_FEATURE_SUPPORT_ADD_AFTER_BUILD == 3);
    CHECK(VSAG_FEATURE_SUPPORT_ADD_FROM_EMPTY == 4);
    CHECK(VSAG_FEATURE_SUPPORT_KNN_SEARCH == 5);
    CHECK(VSAG_FEATURE_SUPPORT_KNN_SEARCH_WITH_ID_FILTER == 6);
    CHECK(VSAG_FEATURE_SUPPORT_RANGE_SEARCH == 7);
    CHECK(VSAG_FEATURE_SUPPORT_RANGE_SEARCH_WITH_ID_FILTER == 8);
    CHECK(VSAG_FEATURE_SUPPORT_KNN_ITERATOR_FILTER_SEARCH == 9);
    CHECK(VSAG_FEATURE_SUPPORT_DELETE_BY_ID == 10);
    CHECK(VSAG_FEATURE_SUPPORT_BATCH_SEARCH == 11);
    CHECK(VSAG_FEATURE_SUPPORT_METRIC_TYPE_L2 == 12);
    CHECK(VSAG_FEATURE_SUPPORT_METRIC_TYPE_INNER_PRODUCT == 13);
    CHECK(VSAG_FEATURE_SUPPORT_METRIC_TYPE_COSINE == 14);
    CHECK(VSAG_FEATURE_SUPPORT_SERIALIZE_FILE == 15);
    CHECK(VSAG_FEATURE_SUPPORT_SERIALIZE_BINARY_SET == 16);
    CHECK(VSAG_FEATURE_SUPPORT_SERIALIZE_WRITE_FUNC == 17);
    CHECK(VSAG_FEATURE_SUPPORT_DESERIALIZE_FILE == 18);
    CHECK(VSAG_FEATURE_SUPPORT_DESERIALIZE_BINARY_SET == 19);
    CHECK(VSAG_FEATURE_SUPPORT_DESERIALIZE_READER_SET == 20);
    CHECK(VSAG_FEATURE_SUPPORT_RESET == 21);
    CHECK(VSAG_FEATURE_SUPPORT_FEEDBACK == 22);
    CHECK(VSAG_FEATURE_SUPPORT_CAL_DISTANCE_BY_ID == 23);
    CHECK(VSAG_FEATURE_SUPPORT_TRAIN_WITH_MULTI_THREAD == 24);
    CHECK(VSAG_FEATURE_SUPPORT_BUILD_WITH_MULTI_THREAD == 25);
    CHECK(VSAG_FEATURE_SUPPORT_BATCH_ADD_WITH_MULTI_THREAD == 26);
    CHECK(VSAG_FEATURE_SUPPORT_SEARCH_ONE_WITH_MULTI_THREAD == 27);
    CHECK(VSAG_FEATURE_SUPPORT_BATCH_SEARCH_WITH_MULTI_THREAD == 28);
    CHECK(VSAG_FEATURE_SUPPORT_ADD_CONCURRENT == 29);
    CHECK(VSAG_FEATURE_SUPPORT_UPDATE_ID_CONCURRENT == 30);
    CHECK(VSAG_FEATURE_SUPPORT_UPDATE_VECTOR_CONCURRENT == 31);
    CHECK(VSAG_FEATURE_SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT == 32);
    CHECK(VSAG_FEATURE_SUPPORT_SEARCH_CONCURRENT == 33);
    CHECK(VSAG_FEATURE_SUPPORT_DELETE_CONCURRENT == 34);
    CHECK(VSAG_FEATURE_SUPPORT_ADD_SEARCH_CONCURRENT == 35);
    CHECK(VSAG_FEATURE_SUPPORT_ADD_DELETE_CONCURRENT == 36);
    CHECK(VSAG_FEATURE_SUPPORT_SEARCH_DELETE_CONCURRENT == 37);
    CHECK(VSAG_FEATURE_SUPPORT_ADD_SEARCH_DELETE_CONCURRENT == 38);
    CHECK(VSAG_FEATURE_SUPPORT_ESTIMATE_MEMORY == 39);
    CHECK(VSAG_FEATURE_SUPPORT_GET_MEMORY_USAGE == 40);
    CHECK(VSAG_FEATURE_SUPPORT_CHECK_ID_EXIST == 41);
    CHECK(VSAG_FEATURE_SUPPORT_MERGE_INDEX == 42);
    CHECK(VSAG_FEATURE_SUPPORT_GET_EXTRA_INFO_BY_ID == 43);
    CHECK(VSAG_FEATURE_SUPPORT_GET_RAW_VECTOR_BY_IDS == 44);
    CHECK(VSAG_FEATURE_SUPPORT_GET_DATA_BY_IDS == 45);
    CHECK(VSAG_FEATURE_SUPPORT_EXPORT_IDS == 46);
    CHECK(VSAG_FEATURE_SUPPORT_KNN_SEARCH_WITH_EX_FILTER == 47);
    CHECK(VSAG_FEATURE_SUPPORT_CLONE == 48);
    CHECK(VSAG_FEATURE_SUPPORT_EXPORT_MODEL == 49);
    CHECK(VSAG_FEATURE_SUPPORT_TUNE == 50);
    CHECK(VSAG_FEATURE_SUPPORT_BATCH_CALC_DISTANCE_BY_ID == 51);
    CHECK(VSAG_FEATURE_SUPPORT_CONTINUE_SEARCH_SESSION == 52);
    CHECK(VSAG_FEATURE_SUPPORT_GET_STATS == 53);
    CHECK(VSAG_FEATURE_SUPPORT_ANALYZE_INDEX_BY_SEARCH == 54);

    /* the library answers by the same numbers */
    const char* names[2] = {"brute_force", "hgraph"};
    const char* params[2] = {BF, HG};
    for (int t = 0; t < 2; t++) {
        vsag_index_t idx = make_built(names[t], params[t]);
        bool b = true;
        OK(vsag_index_check_feature(idx, 1, &b)); /* NEED_TRAIN */
        CHECK(!b);
        OK(vsag_index_check_feature(idx, 5, &b)); /* KNN_SEARCH */
        CHECK(b);
        OK(vsag_index_check_feature(idx, 12, &b)); /* METRIC_TYPE_L2 */
        CHECK(b);
        OK(vsag_index_check_feature(idx, 23, &b)); /* CAL_DISTANCE_BY_ID */
        CHECK(b);
        OK(vsag_index_check_feature(idx, 33, &b)); /* SEARCH_CONCURRENT */
        CHECK(b);
        OK(vsag_index_check_feature(idx, 51, &b)); /* BATCH_CALC_DISTANCE_BY_ID: it works */
        CHECK(b);
        int64_t per[2] = {ids[0], ids[1]};
        float d[2] = {-2, -2};
        OK(vsag_index_batch_calc_distance_by_ids(idx, base, VSAG_DTYPE_FLOAT32, 2, DIM, per, 1, d));
        CHECK(d[0] == 0.0f && d[1] == 0.0f);
        for (int f = -1; f <= 0; f++) {
            OK(vsag_index_check_feature(idx, f, &b));
            CHECK(!b);
        }
        for (int f = 55; f <= 70; f++) {
            OK(vsag_index_check_feature(idx, f, &b));
            CHECK(!b);
        }
        OK(vsag_index_close(idx));
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Hostile sizes                                                                              */

static void check_full_answer(const float* q, const int64_t* rids, const float* rds, int64_t n) {
    CHECK(n == N);
    if (n != N) return;
    int64_t want[5];
    float wd[5];
    tu_exact_knn(base, ids, N, DIM, q, 5, want, wd);
    CHECK(rids[0] == want[0]);
    for (int j = 0; j < 5; j++) CHECK(tu_near(rds[j], wd[j]));
    for (int64_t j = 1; j < n; j++) CHECK(rds[j - 1] <= rds[j]);
}

static void test_hostile_k(const char* name, const char* params) {
    const char* SP = sp_for(name);
    const int64_t huge = (int64_t)1 << 43;
    vsag_index_t idx = make_built(name, params);
    double before = rss_mb();

    /* a library-allocated result: capped at the live count */
    for (int rep = 0; rep < 3; rep++) {
        vsag_dataset_t res = NULL;
        OK(vsag_index_knn_search_vector(idx, queries + rep * DIM, VSAG_DTYPE_FLOAT32, DIM, huge, SP, NULL, &res));
        int64_t rk = 0;
        const int64_t* rids = NULL;
        const float* rds = NULL;
        OK(vsag_dataset_get_dim(res, &rk));
        OK(vsag_dataset_get_ids(res, &rids));
        OK(vsag_dataset_get_distances(res, &rds));
        check_full_answer(queries + rep * DIM, rids, rds, rk);
        OK(vsag_dataset_destroy(res));
    }
    FAILS(vsag_index_knn_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, INT64_MAX, SP, NULL, NULL),
          VSAG_INVALID_ARGUMENT);

    /* the handle API's dataset search */
    vsag_dataset_t q = NULL, res = NULL;
    OK(vsag_dataset_make(&q));
    OK(vsag_dataset_set_num_elements(q, 1));
    OK(vsag_dataset_set_dim(q, DIM));
    OK(vsag_dataset_set_float32_vectors(q, queries));
    OK(vsag_index_knn_search_dataset(idx, q, INT64_MAX, SP, NULL, &res));
    int64_t rk = 0;
    OK(vsag_dataset_get_dim(res, &rk));
    CHECK(rk == N);
    OK(vsag_dataset_destroy(res));
    OK(vsag_dataset_destroy(q));

    /* VSAG's C API: the caller's buffers need room for min(k, live count) entries only */
    int64_t rids[N];
    float rds[N];
    SearchResult_t sr = {rds, rids, 0, NULL};
    EOK(vsag_index_knn_search(idx, queries, DIM, huge, SP, &sr));
    check_full_answer(queries, rids, rds, sr.count);

    /* batch search: k above 2^20 works, padded past the live count */
    const int64_t bigk = ((int64_t)1 << 20) + 3;
    int64_t* bids = malloc(sizeof(int64_t) * 2 * (size_t)bigk);
    float* bd = malloc(sizeof(float) * 2 * (size_t)bigk);
    vsag_clear_last_error();
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 2, DIM, bigk, SP, NULL, bids, bd));
    for (int qi = 0; qi < 2; qi++) {
        check_full_answer(queries + qi * DIM, bids + qi * bigk, bd + qi * bigk, N);
        CHECK(bids[qi * bigk + N] == -1 && isinf(bd[qi * bigk + N]));
        CHECK(bids[qi * bigk + bigk - 1] == -1 && isinf(bd[qi * bigk + bigk - 1]));
    }
    /* one query through the batch entry point (the single-query path) */
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, bigk, SP, NULL, bids, bd));
    check_full_answer(queries, bids, bd, N);
    CHECK(bids[bigk - 1] == -1);
    /* with an attribute expression (none of the labels has attributes: all padding) */
    OK(vsag_index_knn_search_batch_with_filter_string(idx, queries, VSAG_DTYPE_FLOAT32, 2, DIM, bigk, SP, "x = 1",
                                                      NULL, bids, bd));
    CHECK(bids[0] == -1 && bids[2 * bigk - 1] == -1);
    free(bids);
    free(bd);
    /* nq*k beyond what any buffer can hold: refused, naming k, not the dimension */
    int64_t one_id;
    float one_d;
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1024, DIM, huge, SP, NULL, &one_id, &one_d),
          VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "k") != NULL && strstr(vsag_last_error(), "dim") == NULL);
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1024, DIM, INT64_MAX, SP, NULL, &one_id, &one_d),
          VSAG_INVALID_ARGUMENT);

    /* range search with an unlimited cap and a huge one */
    vsag_dataset_t rr = NULL;
    OK(vsag_index_range_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, 1e30f, SP, NULL, INT64_MAX, &rr));
    OK(vsag_dataset_get_dim(rr, &rk));
    CHECK(rk == N);
    OK(vsag_dataset_destroy(rr));
    sr.count = 0;
    EOK(vsag_index_range_search(idx, queries, DIM, 1e30f, huge, SP, &sr));
    CHECK(sr.count == N);

    /* search requests: a huge topk is capped at the live count; hostile sizes are refused
     * before anything is allocated; a range search reports how many results did not fit */
    {
        vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
        req.query = queries;
        req.query_dim = DIM;
        req.topk = INT64_MAX;
        req.parameters = SP;
        int64_t* qids = malloc(sizeof(int64_t) * (N + 1));
        float* qd = malloc(sizeof(float) * (N + 1));
        uint64_t cnt = 0, tot = 0;
        OK(vsag_index_search_request(idx, &req, qids, qd, NULL, N + 1, &cnt, &tot, NULL));
        CHECK(cnt == N && tot == N && qids[N] == -1);
        check_full_answer(queries, qids, qd, (int64_t)cnt);
        FAILS(vsag_index_search_request(idx, &req, qids, qd, NULL, UINT64_MAX, &cnt, &tot, NULL),
              VSAG_INVALID_ARGUMENT);
        int64_t lab1 = 1;
        vsag_search_explanation_t ex1;
        req.expected_labels = &lab1;
        req.num_expected_labels = UINT64_MAX;
        FAILS(vsag_index_search_request(idx, &req, qids, qd, NULL, N, &cnt, &tot, &ex1),
              VSAG_INVALID_ARGUMENT);
        req.num_expected_labels = 0;
        req.bucket_ids = &lab1;
        req.num_bucket_ids = UINT64_MAX;
        FAILS(vsag_index_search_request(idx, &req, qids, qd, NULL, N, &cnt, &tot, NULL),
              VSAG_INVALID_ARGUMENT);
        req.bucket_ids = NULL;
        req.num_bucket_ids = 0;
        req.query = NULL;
        req.query_dtype = VSAG_DTYPE_SPARSE;
        req.query_nnz = UINT64_MAX;
        FAILS(vsag_index_search_request(idx, &req, qids, qd, NULL, N, &cnt, &tot, NULL),
              VSAG_INVALID_ARGUMENT);
        req.query_dtype = VSAG_DTYPE_FLOAT32;
        req.query = queries;
        req.query_vector_count = UINT64_MAX;
        FAILS(vsag_index_search_request(idx, &req, qids, qd, NULL, N, &cnt, &tot, NULL),
              VSAG_INVALID_ARGUMENT);
        req.query_vector_count = 0;
        req.mode = VSAG_SEARCH_RANGE;
        req.radius = 1e30f;
        req.limited_size = INT64_MAX;
        OK(vsag_index_search_request(idx, &req, qids, qd, NULL, 1, &cnt, &tot, NULL));
        CHECK(cnt == 1 && tot == N);
        free(qids);
        free(qd);
        /* dataset setters refuse sizes no buffer can have */
        vsag_dataset_t hd = NULL;
        OK(vsag_dataset_make(&hd));
        uint32_t term = 1;
        FAILS(vsag_dataset_set_sparse_vectors(hd, &lab1, &term, queries, UINT64_MAX), VSAG_INVALID_ARGUMENT);
        FAILS(vsag_dataset_set_vector_counts(hd, &lab1, UINT64_MAX), VSAG_INVALID_ARGUMENT);
        const char* one_path[1] = {"a"};
        FAILS(vsag_dataset_set_paths(hd, one_path, UINT64_MAX), VSAG_INVALID_ARGUMENT);
        OK(vsag_dataset_destroy(hd));
    }

    /* estimates for absurd sizes do not allocate */
    uint64_t est = 0;
    OK(vsag_index_estimate_memory(idx, UINT64_MAX, &est));
    CHECK(est > 0);

    double after = rss_mb();
    CHECK(after - before < 256);
    if (after - before >= 256) fprintf(stderr, "  %s: RSS grew %.0f MiB\n", name, after - before);
    OK(vsag_index_close(idx));

    /* an empty index answers zero results for any k */
    OK(vsag_index_make(name, params, &idx));
    vsag_dataset_t er = NULL;
    OK(vsag_index_knn_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, huge, SP, NULL, &er));
    OK(vsag_dataset_get_dim(er, &rk));
    CHECK(rk == 0);
    OK(vsag_dataset_destroy(er));
    int64_t pid[4];
    float pd[4];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 2, DIM, 2, SP, NULL, pid, pd));
    CHECK(pid[0] == -1 && pid[3] == -1 && isinf(pd[0]));
    OK(vsag_index_close(idx));
}

static void test_hostile_capacity(void) {
    double before = rss_mb();
    const char* p = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":1024,\"index_param\":{"
                    "\"base_quantization_type\":\"fp32\",\"hgraph_init_capacity\":1073741824}}";
    vsag_clear_last_error();
    vsag_index_t idx = vsag_index_factory("hgraph", p);
    if (idx == NULL) {
        int code = vsag_last_error_code();
        CHECK(code == VSAG_NO_ENOUGH_MEMORY || code == VSAG_INVALID_ARGUMENT);
        CHECK(strlen(vsag_last_error()) > 0);
    } else {
        /* accepted: it must be cheap, and the first insert too (capacity grows lazily, or the
         * insert fails with NO_ENOUGH_MEMORY) */
        CHECK(rss_mb() - before < 256);
        float* v = tu_vectors(4, 1024, 9);
        int64_t four[4] = {1, 2, 3, 4};
        int rc = vsag_index_add_vectors(idx, v, VSAG_DTYPE_FLOAT32, four, 4, 1024, NULL, NULL);
        CHECK(rc == 0 || rc == VSAG_NO_ENOUGH_MEMORY);
        if (rc == 0) {
            int64_t n = 0;
            OK(vsag_index_get_num_elements(idx, &n));
            CHECK(n == 4);
            int64_t rid[2];
            float rd[2];
            OK(vsag_index_knn_search_batch(idx, v, VSAG_DTYPE_FLOAT32, 1, 1024, 2, "{\"hgraph\":{\"ef_search\":10}}",
                                           NULL, rid, rd));
            CHECK(rid[0] == 1 && rd[0] == 0.0f);
        }
        free(v);
        EOK(vsag_index_destroy(idx));
    }
    double after = rss_mb();
    CHECK(after - before < 512);
    if (after - before >= 512) fprintf(stderr, "  hgraph_init_capacity 2^30: RSS grew %.0f MiB\n", after - before);
    /* beyond the documented range: refused */
    CHECK(vsag_index_factory("hgraph", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":1024,\"index_param\":{"
                                       "\"base_quantization_type\":\"fp32\",\"hgraph_init_capacity\":4294967296}}") ==
          NULL);
    CHECK(vsag_last_error_code() == VSAG_INVALID_ARGUMENT);
    /* the same hint through vsag_index_make */
    vsag_index_t h2 = NULL;
    int rc = vsag_index_make("hgraph", p, &h2);
    CHECK(rc == 0 || rc == VSAG_NO_ENOUGH_MEMORY || rc == VSAG_INVALID_ARGUMENT);
    if (rc == 0) OK(vsag_index_close(h2));
}

/* ---------------------------------------------------------------------------------------- */
/* The bad-input matrix                                                                      */

/* every place that takes vectors refuses a NaN or infinite value, and nothing is inserted */
static void test_non_finite(const char* name, const char* params) {
    const char* SP = sp_for(name);
    const float bad_values[3] = {NAN, INFINITY, -INFINITY};
    vsag_index_t idx = make_built(name, params);
    vsag_index_t empty = NULL;
    OK(vsag_index_make(name, params, &empty));
    float* v = tu_vectors(4, DIM, 5);
    int64_t lab[4] = {1000, 1001, 1002, 1003};
    for (int b = 0; b < 3; b++) {
        v[2 * DIM + 3] = bad_values[b];
        const float* bq = v + 2 * DIM;
        FAILS(vsag_index_build_vectors(empty, v, VSAG_DTYPE_FLOAT32, lab, 4, DIM, NULL, NULL), VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_add_vectors(idx, v, VSAG_DTYPE_FLOAT32, lab, 4, DIM, NULL, NULL), VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_train_vectors(empty, v, VSAG_DTYPE_FLOAT32, 4, DIM), VSAG_INVALID_ARGUMENT);
        EFAILS(vsag_index_add(idx, v, lab, DIM, 4), VSAG_INVALID_ARGUMENT);
        EFAILS(vsag_index_build(empty, v, lab, DIM, 4), VSAG_INVALID_ARGUMENT);
        int64_t n = -1;
        OK(vsag_index_get_num_elements(idx, &n));
        CHECK(n == N);
        OK(vsag_index_get_num_elements(empty, &n));
        CHECK(n == 0);
        bool there = true;
        OK(vsag_index_check_id_exist(idx, lab[0], &there));
        CHECK(!there);

        vsag_dataset_t res = NULL;
        FAILS(vsag_index_knn_search_vector(idx, bq, VSAG_DTYPE_FLOAT32, DIM, 3, SP, NULL, &res), VSAG_INVALID_ARGUMENT);
        CHECK(res == NULL);
        FAILS(vsag_index_range_search_vector(idx, bq, VSAG_DTYPE_FLOAT32, DIM, 1.0f, SP, NULL, -1, &res),
              VSAG_INVALID_ARGUMENT);
        int64_t rid[3 * 3];
        float rd[3 * 3];
        FAILS(vsag_index_knn_search_batch(idx, v, VSAG_DTYPE_FLOAT32, 3, DIM, 3, SP, NULL, rid, rd), VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_knn_search_batch(idx, bq, VSAG_DTYPE_FLOAT32, 1, DIM, 3, SP, NULL, rid, rd), VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_knn_search_batch_with_filter_string(idx, v, VSAG_DTYPE_FLOAT32, 3, DIM, 3, SP, "a = 1", NULL,
                                                             rid, rd),
              VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_calc_distance_by_ids(idx, bq, VSAG_DTYPE_FLOAT32, DIM, ids, 2, rd), VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_batch_calc_distance_by_ids(idx, v, VSAG_DTYPE_FLOAT32, 3, DIM, ids, 2, rd), VSAG_INVALID_ARGUMENT);
        SearchResult_t sr = {rd, rid, 0, NULL};
        EFAILS(vsag_index_knn_search(idx, bq, DIM, 3, SP, &sr), VSAG_INVALID_ARGUMENT);
        EFAILS(vsag_index_range_search(idx, bq, DIM, 1.0f, 3, SP, &sr), VSAG_INVALID_ARGUMENT);
        EFAILS(vsag_index_calculate_distance_by_ids(idx, bq, DIM, ids, 2, rd), VSAG_INVALID_ARGUMENT);
        EFAILS(vsag_index_update_vector_force(idx, ids[3], bq, DIM), VSAG_INVALID_ARGUMENT);
        EFAILS(vsag_index_update_vector(idx, ids[3], bq, DIM), VSAG_INVALID_ARGUMENT);
        /* the stored vector is unchanged */
        float d = -1;
        OK(vsag_index_calc_distance_by_ids(idx, base + 3 * DIM, VSAG_DTYPE_FLOAT32, DIM, ids + 3, 1, &d));
        CHECK(d == 0.0f);
        /* a NaN radius */
        FAILS(vsag_index_range_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, NAN, SP, NULL, -1, &res),
              VSAG_INVALID_ARGUMENT);
    }
    free(v);
    OK(vsag_index_close(empty));
    OK(vsag_index_close(idx));

    /* half precision and bfloat16: NaN and infinity bit patterns */
    const char* hp[2] = {"{\"dtype\":\"float16\",\"metric_type\":\"l2\",\"dim\":16}",
                         "{\"dtype\":\"bfloat16\",\"metric_type\":\"l2\",\"dim\":16}"};
    const uint16_t bad16[2][3] = {{0x7e00, 0x7c00, 0xfc00}, {0x7fc0, 0x7f80, 0xff80}};
    const vsag_dtype_t dt[2] = {VSAG_DTYPE_FLOAT16, VSAG_DTYPE_BFLOAT16};
    for (int t = 0; t < 2; t++) {
        uint16_t h[4 * DIM];
        for (int i = 0; i < 4 * DIM; i++) h[i] = t == 0 ? tu_f32_to_f16(base[i]) : tu_f32_to_bf16(base[i]);
        vsag_index_t hi = NULL;
        OK(vsag_index_make("brute_force", hp[t], &hi));
        OK(vsag_index_build_vectors(hi, h, dt[t], ids, 2, DIM, NULL, NULL));
        for (int b = 0; b < 3; b++) {
            h[3 * DIM + 7] = bad16[t][b];
            FAILS(vsag_index_add_vectors(hi, h + 2 * DIM, dt[t], ids + 2, 2, DIM, NULL, NULL), VSAG_INVALID_ARGUMENT);
            vsag_dataset_t res = NULL;
            FAILS(vsag_index_knn_search_vector(hi, h + 3 * DIM, dt[t], DIM, 1, SP, NULL, &res), VSAG_INVALID_ARGUMENT);
            float d;
            FAILS(vsag_index_calc_distance_by_ids(hi, h + 3 * DIM, dt[t], DIM, ids, 1, &d), VSAG_INVALID_ARGUMENT);
        }
        int64_t n = 0;
        OK(vsag_index_get_num_elements(hi, &n));
        CHECK(n == 2);
        OK(vsag_index_close(hi));
    }
}

/* every place that takes vectors refuses a dimension other than the index's */
static void test_wrong_dim(const char* name, const char* params) {
    const char* SP = sp_for(name);
    vsag_index_t idx = make_built(name, params);
    vsag_index_t empty = NULL;
    OK(vsag_index_make(name, params, &empty));
    int64_t lab[2] = {5000, 5001};
    int64_t rid[4];
    float rd[4];
    vsag_dataset_t res = NULL;
    for (int delta = -1; delta <= 1; delta += 2) {
        uint64_t d = (uint64_t)(DIM + delta);
        FAILS(vsag_index_build_vectors(empty, base, VSAG_DTYPE_FLOAT32, lab, 2, d, NULL, NULL), VSAG_DIMENSION_NOT_EQUAL);
        FAILS(vsag_index_add_vectors(idx, base, VSAG_DTYPE_FLOAT32, lab, 2, d, NULL, NULL), VSAG_DIMENSION_NOT_EQUAL);
        EFAILS(vsag_index_add(idx, base, lab, d, 2), VSAG_DIMENSION_NOT_EQUAL);
        FAILS(vsag_index_knn_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, d, 2, SP, NULL, &res), VSAG_DIMENSION_NOT_EQUAL);
        FAILS(vsag_index_range_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, d, 1.0f, SP, NULL, -1, &res),
              VSAG_DIMENSION_NOT_EQUAL);
        FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 2, d, 2, SP, NULL, rid, rd),
              VSAG_DIMENSION_NOT_EQUAL);
        FAILS(vsag_index_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, d, ids, 2, rd), VSAG_DIMENSION_NOT_EQUAL);
        FAILS(vsag_index_batch_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, 2, d, ids, 2, rd),
              VSAG_DIMENSION_NOT_EQUAL);
        SearchResult_t sr = {rd, rid, 0, NULL};
        EFAILS(vsag_index_knn_search(idx, queries, d, 2, SP, &sr), VSAG_DIMENSION_NOT_EQUAL);
        EFAILS(vsag_index_update_vector_force(idx, ids[0], queries, d), VSAG_DIMENSION_NOT_EQUAL);
        vsag_dataset_t q = NULL;
        OK(vsag_dataset_make(&q));
        OK(vsag_dataset_set_num_elements(q, 1));
        OK(vsag_dataset_set_dim(q, (int64_t)d));
        OK(vsag_dataset_set_float32_vectors(q, queries));
        FAILS(vsag_index_knn_search_dataset(idx, q, 2, SP, NULL, &res), VSAG_DIMENSION_NOT_EQUAL);
        OK(vsag_dataset_destroy(q));
    }
    /* absurd dimensions and counts fail before anything is read */
    FAILS(vsag_index_add_vectors(idx, base, VSAG_DTYPE_FLOAT32, lab, 1, UINT64_MAX, NULL, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_add_vectors(idx, base, VSAG_DTYPE_FLOAT32, lab, UINT64_MAX, DIM, NULL, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, UINT64_MAX, DIM, 2, SP, NULL, rid, rd),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, UINT64_MAX, 2, SP, NULL, &res),
          VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, DIM, ids, UINT64_MAX, rd),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_remove_many(idx, ids, UINT64_MAX, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_check_ids_exist(idx, ids, UINT64_MAX, NULL), VSAG_INVALID_ARGUMENT);
    int64_t n = 0;
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == N);
    OK(vsag_index_close(empty));
    OK(vsag_index_close(idx));
}

/* bad JSON and wrongly typed JSON values: INVALID_ARGUMENT with a message, never a crash */
static void test_bad_json(void) {
    const char* create[] = {
        "",
        "{",
        "null",
        "[]",
        "42",
        "\"brute_force\"",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":\"16\"}",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16.5}",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":-16}",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":1e30}",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":null}",
        "{\"dtype\":\"float32\",\"metric_type\":3,\"dim\":16}",
        "{\"dtype\":\"float32\",\"metric_type\":\"l3\",\"dim\":16}",
        "{\"dtype\":true,\"metric_type\":\"l2\",\"dim\":16}",
        "{\"dtype\":\"float64\",\"metric_type\":\"l2\",\"dim\":16}",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":[]}",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"extra_info_size\":\"4\"}",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"extra_info_size\":-4}",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"no_such_key\":1}",
    };
    for (size_t i = 0; i < sizeof(create) / sizeof(create[0]); i++) {
        for (int t = 0; t < 2; t++) {
            vsag_index_t idx = (vsag_index_t)1;
            int rc = vsag_index_make(t ? "hgraph" : "brute_force", create[i], &idx);
            CHECK(rc == VSAG_INVALID_ARGUMENT);
            CHECK(idx == NULL);
            if (rc != VSAG_INVALID_ARGUMENT) fprintf(stderr, "  accepted create JSON %s\n", create[i]);
        }
    }
    FAILS(vsag_index_make("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"no_such_key\":1}",
                          &(vsag_index_t){NULL}),
          VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "no_such_key") != NULL);
    const char* hgraph_params[] = {
        "\"max_degree\":\"32\"",        "\"max_degree\":32.5",           "\"max_degree\":-1",
        "\"ef_construction\":\"x\"",    "\"ef_construction\":1e40",      "\"base_quantization_type\":7",
        "\"base_quantization_type\":\"fp99\"", "\"hgraph_init_capacity\":\"1\"", "\"hgraph_init_capacity\":-1",
        "\"unknown_param\":1",
    };
    for (size_t i = 0; i < sizeof(hgraph_params) / sizeof(hgraph_params[0]); i++) {
        char buf[512];
        snprintf(buf, sizeof(buf), "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":{%s}}",
                 hgraph_params[i]);
        CHECK(vsag_index_factory("hgraph", buf) == NULL);
        CHECK(vsag_last_error_code() == VSAG_INVALID_ARGUMENT);
        if (vsag_last_error_code() != VSAG_INVALID_ARGUMENT) fprintf(stderr, "  accepted %s\n", buf);
    }
    CHECK(vsag_index_factory(NULL, BF) == NULL);
    CHECK(vsag_last_error_code() == VSAG_INVALID_ARGUMENT);
    CHECK(vsag_index_factory("brute_force", NULL) == NULL);
    CHECK(vsag_last_error_code() == VSAG_INVALID_ARGUMENT);
    CHECK(vsag_index_factory("no such index", BF) == NULL);
    CHECK(vsag_last_error_code() == VSAG_UNSUPPORTED_INDEX);

    /* search JSON */
    const char* names[2] = {"brute_force", "hgraph"};
    const char* params[2] = {BF, HG};
    const char* search[2][8] = {
        {"{", "[]", "null", "1", "{\"brute_force\":[]}", "{\"brute_force\":{\"no_such\":1}}", "{\"hgraph\":{}}",
         "{\"parallelism\":\"2\"}"},
        {"{", "[]", "{\"hgraph\":[]}", "{\"hgraph\":{\"ef_search\":\"100\"}}", "{\"hgraph\":{\"ef_search\":0}}",
         "{\"hgraph\":{\"ef_search\":1.5}}", "{\"hgraph\":{\"ef_search\":100,\"no_such\":1}}",
         "{\"timeout_ms\":\"x\",\"hgraph\":{\"ef_search\":10}}"},
    };
    for (int t = 0; t < 2; t++) {
        vsag_index_t idx = make_built(names[t], params[t]);
        for (int i = 0; i < 8; i++) {
            const char* sp = search[t][i];
            int64_t rid[4];
            float rd[4];
            vsag_dataset_t res = NULL;
            FAILS(vsag_index_knn_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, 2, sp, NULL, &res),
                  VSAG_INVALID_ARGUMENT);
            FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 2, DIM, 2, sp, NULL, rid, rd),
                  VSAG_INVALID_ARGUMENT);
            FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 2, sp, NULL, rid, rd),
                  VSAG_INVALID_ARGUMENT);
            FAILS(vsag_index_range_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, 1.0f, sp, NULL, -1, &res),
                  VSAG_INVALID_ARGUMENT);
            SearchResult_t sr = {rd, rid, 0, NULL};
            EFAILS(vsag_index_knn_search(idx, queries, DIM, 2, sp, &sr), VSAG_INVALID_ARGUMENT);
        }
        /* attributes JSON and filter expressions */
        int64_t lab[1] = {N + 1};
        FAILS(vsag_index_add_vectors_with_attributes(idx, base, VSAG_DTYPE_FLOAT32, lab, 1, DIM, "[{\"a\":", NULL, NULL),
              VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_add_vectors_with_attributes(idx, base, VSAG_DTYPE_FLOAT32, lab, 1, DIM, "{\"a\":1}", NULL,
                                                     NULL),
              VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_add_vectors_with_attributes(idx, base, VSAG_DTYPE_FLOAT32, lab, 1, DIM, "[{\"a\":{\"b\":1}}]",
                                                     NULL, NULL),
              VSAG_INVALID_ARGUMENT);
        int64_t rid[2];
        float rd[2];
        FAILS(vsag_index_knn_search_batch_with_filter_string(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 2, sp_for(names[t]),
                                                             "a = = 1", NULL, rid, rd),
              VSAG_INVALID_ARGUMENT);
        OK(vsag_index_close(idx));
    }
}

/* NULL, destroyed, forged and wrong-kind handles in every function that takes a handle */
static bool no_keep(int64_t id) {
    (void)id;
    return false;
}
static void wf(OffsetType o, SizeType s, const void* d) {
    (void)o;
    (void)s;
    (void)d;
}
static void rf(OffsetType o, SizeType s, void* d) {
    (void)o;
    memset(d, 0, (size_t)s);
}
static SizeType sf(void) { return 16; }

static void sweep_index(vsag_index_t h) {
    const int E = VSAG_INVALID_ARGUMENT;
    int64_t lab[2] = {1, 2}, rid[4];
    float rd[4], mat[DIM * DIM];
    bool b;
    uint64_t u;
    int64_t i64, i64b;
    uint32_t u32;
    vsag_dtype_t dt;
    char buf[16];
    void* mem = NULL;
    char* str = NULL;
    vsag_dataset_t ds = NULL, res = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, 1));
    OK(vsag_dataset_set_dim(ds, DIM));
    OK(vsag_dataset_set_ids(ds, lab));
    OK(vsag_dataset_set_float32_vectors(ds, base));
    const char* file = "/nonexistent-dir/x.vsag";
    SearchResult_t sr = {rd, rid, 0, NULL};
    vsag_index_t out = NULL;

    FAILS(vsag_index_build_dataset(h, ds, NULL, NULL), E);
    FAILS(vsag_index_add_dataset(h, ds, NULL, NULL), E);
    FAILS(vsag_index_train_dataset(h, ds), E);
    FAILS(vsag_index_remove(h, 1, &u32), E);
    FAILS(vsag_index_knn_search_dataset(h, ds, 2, "", NULL, &res), E);
    FAILS(vsag_index_range_search_dataset(h, ds, 1.0f, "", NULL, -1, &res), E);
    FAILS(vsag_index_serialize_file(h, file), E);
    FAILS(vsag_index_deserialize_file(h, file), E);
    FAILS(vsag_index_serialize_buffer(h, &mem, &u), E);
    FAILS(vsag_index_deserialize_buffer(h, buf, sizeof(buf)), E);
    FAILS(vsag_index_get_num_elements(h, &i64), E);
    FAILS(vsag_index_get_memory_usage(h, &u), E);
    FAILS(vsag_index_build_vectors(h, base, VSAG_DTYPE_FLOAT32, lab, 2, DIM, NULL, NULL), E);
    FAILS(vsag_index_add_vectors(h, base, VSAG_DTYPE_FLOAT32, lab, 2, DIM, NULL, NULL), E);
    FAILS(vsag_index_train_vectors(h, base, VSAG_DTYPE_FLOAT32, 2, DIM), E);
    FAILS(vsag_index_train_with_queries(h, base, VSAG_DTYPE_FLOAT32, 2, queries, 2, DIM), E);
    FAILS(vsag_index_set_leanvec_matrices(h, mat, NULL, NULL, 4, DIM), E);
    FAILS(vsag_index_remove_many(h, lab, 2, &u), E);
    FAILS(vsag_index_knn_search_batch(h, queries, VSAG_DTYPE_FLOAT32, 2, DIM, 2, "", NULL, rid, rd), E);
    FAILS(vsag_index_range_search_vector(h, queries, VSAG_DTYPE_FLOAT32, DIM, 1.0f, "", NULL, -1, &res), E);
    FAILS(vsag_index_knn_search_vector(h, queries, VSAG_DTYPE_FLOAT32, DIM, 2, "", NULL, &res), E);
    FAILS(vsag_index_calc_distance_by_ids(h, queries, VSAG_DTYPE_FLOAT32, DIM, lab, 2, rd), E);
    FAILS(vsag_index_batch_calc_distance_by_ids(h, queries, VSAG_DTYPE_FLOAT32, 2, DIM, lab, 1, rd), E);
    FAILS(vsag_index_check_feature(h, 5, &b), E);
    FAILS(vsag_index_estimate_memory(h, 10, &u), E);
    FAILS(vsag_index_check_id_exist(h, 1, &b), E);
    FAILS(vsag_index_check_ids_exist(h, lab, 2, (bool[2]){0}), E);
    FAILS(vsag_index_get_min_max_id(h, &i64, &i64b), E);
    FAILS(vsag_index_get_num_removed(h, &i64), E);
    FAILS(vsag_index_get_dim(h, &i64), E);
    FAILS(vsag_index_get_dtype(h, &dt), E);
    FAILS(vsag_index_get_name(h, buf, sizeof(buf), &u), E);
    FAILS(vsag_index_get_parameters(h, buf, sizeof(buf), &u), E);
    FAILS(vsag_index_export_ids(h, rid, 4, &u), E);
    FAILS(vsag_index_set_immutable(h), E);
    FAILS(vsag_index_get_extra_info_by_ids(h, lab, 1, buf), E);
    FAILS(vsag_index_update_extra_info(h, lab, 1, buf), E);
    FAILS(vsag_index_reset(h), E);
    FAILS(vsag_index_build_vectors_with_attributes(h, base, VSAG_DTYPE_FLOAT32, lab, 1, DIM, "[null]", NULL, NULL), E);
    FAILS(vsag_index_add_vectors_with_attributes(h, base, VSAG_DTYPE_FLOAT32, lab, 1, DIM, "[null]", NULL, NULL), E);
    FAILS(vsag_index_knn_search_batch_with_filter_string(h, queries, VSAG_DTYPE_FLOAT32, 1, DIM, 2, "", "a = 1", NULL,
                                                         rid, rd),
          E);
    FAILS(vsag_index_get_attributes(h, lab, 1, &str, &u), E);
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    req.query = queries;
    req.query_dim = DIM;
    req.topk = 2;
    FAILS(vsag_index_search_request(h, &req, rid, rd, NULL, 2, &u, NULL, NULL), E);
    vsag_merge_unit_t mu = VSAG_MERGE_UNIT_INIT;
    mu.index = h;
    FAILS(vsag_index_merge(h, &mu, 1, rid, 4, &u), E);
    FAILS(vsag_index_merge(h, NULL, 0, NULL, 0, &u), E);

    EFAILS(vsag_index_build(h, base, lab, DIM, 2), E);
    EFAILS(vsag_index_add(h, base, lab, DIM, 2), E);
    EFAILS(vsag_index_train(h, base, lab, DIM, 2), E);
    EFAILS(vsag_index_knn_search(h, queries, DIM, 2, "", &sr), E);
    EFAILS(vsag_index_knn_search_with_filter(h, queries, DIM, 2, "", no_keep, &sr), E);
    EFAILS(vsag_index_range_search(h, queries, DIM, 1.0f, 2, "", &sr), E);
    EFAILS(vsag_index_range_search_with_filter(h, queries, DIM, 1.0f, 2, "", no_keep, &sr), E);
    EFAILS(vsag_index_clone(h, &out), E);
    EFAILS(vsag_index_export_model(h, &out), E);
    EFAILS(vsag_index_calculate_distance_by_ids(h, queries, DIM, lab, 2, rd), E);
    EFAILS(vsag_index_update_ids(h, lab, lab + 1, DIM, 1), E);
    EFAILS(vsag_index_update_vector(h, 1, queries, DIM), E);
    EFAILS(vsag_index_update_vector_force(h, 1, queries, DIM), E);
    EFAILS(vsag_index_get_vector_by_ids(h, lab, 1, rd), E);
    EFAILS(vsag_serialize_file(h, file), E);
    EFAILS(vsag_deserialize_file(h, file), E);
    EFAILS(vsag_serialize_write_func(h, wf), E);
    EFAILS(vsag_deserialize_read_func(h, rf, sf), E);
    CHECK(res == NULL && out == NULL && str == NULL);
    OK(vsag_dataset_destroy(ds));
}

static void sweep_dataset(vsag_dataset_t d) {
    const int E = VSAG_INVALID_ARGUMENT;
    int64_t i64;
    bool b;
    const int64_t* pi;
    const float* pf;
    const uint16_t* ph;
    const int8_t* p8;
    const char* pc;
    int64_t lab[1] = {1};
    FAILS(vsag_dataset_set_owner(d, false), E);
    FAILS(vsag_dataset_get_owner(d, &b), E);
    FAILS(vsag_dataset_set_num_elements(d, 1), E);
    FAILS(vsag_dataset_get_num_elements(d, &i64), E);
    FAILS(vsag_dataset_set_dim(d, 1), E);
    FAILS(vsag_dataset_get_dim(d, &i64), E);
    FAILS(vsag_dataset_set_ids(d, lab), E);
    FAILS(vsag_dataset_get_ids(d, &pi), E);
    FAILS(vsag_dataset_set_distances(d, base), E);
    FAILS(vsag_dataset_get_distances(d, &pf), E);
    FAILS(vsag_dataset_set_float32_vectors(d, base), E);
    FAILS(vsag_dataset_get_float32_vectors(d, &pf), E);
    FAILS(vsag_dataset_set_float16_vectors(d, (const uint16_t*)base), E);
    FAILS(vsag_dataset_get_float16_vectors(d, &ph), E);
    FAILS(vsag_dataset_set_bfloat16_vectors(d, (const uint16_t*)base), E);
    FAILS(vsag_dataset_get_bfloat16_vectors(d, &ph), E);
    FAILS(vsag_dataset_set_int8_vectors(d, (const int8_t*)base), E);
    FAILS(vsag_dataset_get_int8_vectors(d, &p8), E);
    FAILS(vsag_dataset_set_extra_infos(d, "x"), E);
    FAILS(vsag_dataset_get_extra_infos(d, &pc), E);
    FAILS(vsag_dataset_set_extra_info_size(d, 1), E);
    FAILS(vsag_dataset_get_extra_info_size(d, &i64), E);
    FAILS(vsag_dataset_get_statistics(d, &pc), E);
    FAILS(vsag_dataset_set_attributes(d, "[null]"), E);
    const int64_t* po;
    const uint32_t* pt;
    uint64_t u;
    uint32_t term = 1;
    const char* one_path[1] = {"a"};
    char buf[4];
    FAILS(vsag_dataset_set_sparse_vectors(d, lab, &term, base, 1), E);
    FAILS(vsag_dataset_get_sparse_vectors(d, &po, &pt, &pf, &u), E);
    FAILS(vsag_dataset_set_vector_counts(d, lab, 1), E);
    FAILS(vsag_dataset_get_vector_counts(d, &pi, &u), E);
    FAILS(vsag_dataset_set_paths(d, one_path, 1), E);
    FAILS(vsag_dataset_get_num_paths(d, &u), E);
    FAILS(vsag_dataset_get_path(d, 0, buf, sizeof buf, &u), E);
}

static void sweep_bitset(vsag_bitset_t b) {
    const int E = VSAG_INVALID_ARGUMENT;
    int64_t lab[1] = {1};
    bool v;
    uint64_t u;
    FAILS(vsag_bitset_set(b, 1, true), E);
    FAILS(vsag_bitset_set_many(b, lab, 1, true), E);
    FAILS(vsag_bitset_test(b, 1, &v), E);
    FAILS(vsag_bitset_count(b, &u), E);
    FAILS(vsag_bitset_clear(b), E);
}

static void test_bad_handles(void) {
    /* NULL */
    sweep_index(NULL);
    sweep_dataset(NULL);
    sweep_bitset(NULL);
    /* destroyed */
    vsag_index_t idx = make_built("brute_force", BF);
    vsag_index_t gone = idx;
    OK(vsag_index_close(idx));
    sweep_index(gone);
    FAILS(vsag_index_close(gone), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_destroy(gone), VSAG_INVALID_ARGUMENT);
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_destroy(ds));
    sweep_dataset(ds);
    FAILS(vsag_dataset_destroy(ds), VSAG_INVALID_ARGUMENT);
    vsag_bitset_t bs = NULL;
    OK(vsag_bitset_make(&bs));
    OK(vsag_bitset_destroy(bs));
    sweep_bitset(bs);
    FAILS(vsag_bitset_destroy(bs), VSAG_INVALID_ARGUMENT);
    /* forged values */
    const uintptr_t forged[4] = {1, 0x12345678u, (uintptr_t)-1, (uintptr_t)0x0100000500000001ull};
    for (int i = 0; i < 4; i++) {
        sweep_index((vsag_index_t)forged[i]);
        sweep_dataset((vsag_dataset_t)forged[i]);
        sweep_bitset((vsag_bitset_t)forged[i]);
    }
    /* a live handle of another kind */
    vsag_dataset_t live_ds = NULL;
    vsag_bitset_t live_bs = NULL;
    OK(vsag_dataset_make(&live_ds));
    OK(vsag_bitset_make(&live_bs));
    idx = make_built("brute_force", BF);
    sweep_index((vsag_index_t)live_ds);
    sweep_index((vsag_index_t)live_bs);
    sweep_dataset((vsag_dataset_t)idx);
    sweep_dataset((vsag_dataset_t)live_bs);
    sweep_bitset((vsag_bitset_t)idx);
    sweep_bitset((vsag_bitset_t)live_ds);
    /* the same handles as merge sources into a live index */
    const uintptr_t bad_sources[7] = {0, (uintptr_t)gone, forged[0], forged[1], forged[3],
                                      (uintptr_t)live_ds, (uintptr_t)live_bs};
    for (int i = 0; i < 7; i++) {
        vsag_merge_unit_t mu = VSAG_MERGE_UNIT_INIT;
        mu.index = (vsag_index_t)bad_sources[i];
        uint64_t nf = 0;
        FAILS(vsag_index_merge(idx, &mu, 1, NULL, 0, &nf), VSAG_INVALID_ARGUMENT);
        CHECK(strstr(vsag_last_error(), "unit 0") != NULL);
    }
    /* the live objects were not touched by the wrong-kind calls */
    int64_t n = 0;
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == N);
    OK(vsag_index_close(idx));
    OK(vsag_dataset_destroy(live_ds));
    OK(vsag_bitset_destroy(live_bs));
    /* NULL is accepted by every destroy function */
    OK(vsag_index_close(NULL));
    EOK(vsag_index_destroy(NULL));
    OK(vsag_dataset_destroy(NULL));
    OK(vsag_bitset_destroy(NULL));
}

/* ---------------------------------------------------------------------------------------- */
/* Create/destroy cycles keep resident memory flat                                           */

static void cycle(const char* name, const char* params, int i) {
    const char* SP = sp_for(name);
    vsag_index_t idx = NULL;
    OK(vsag_index_make(name, params, &idx));
    int64_t lab[8];
    for (int j = 0; j < 8; j++) lab[j] = i * 8 + j;
    OK(vsag_index_add_vectors(idx, base + (i % 20) * DIM, VSAG_DTYPE_FLOAT32, lab, 8, DIM, NULL, NULL));
    int64_t rid[2 * 3];
    float rd[2 * 3];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 2, DIM, 3, SP, NULL, rid, rd));
    CHECK(rid[0] >= lab[0] && rid[0] <= lab[7]);
    vsag_dataset_t res = NULL;
    OK(vsag_index_knn_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, 3, SP, NULL, &res));
    OK(vsag_dataset_destroy(res));
    vsag_dataset_t ds = NULL;
    vsag_bitset_t bs = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_bitset_make(&bs));
    OK(vsag_bitset_set(bs, lab[0], true));
    OK(vsag_dataset_destroy(ds));
    OK(vsag_bitset_destroy(bs));
    if (i % 10 == 0) {
        void* buf = NULL;
        uint64_t size = 0;
        OK(vsag_index_serialize_buffer(idx, &buf, &size));
        vsag_index_t back = NULL;
        OK(vsag_index_load_buffer(buf, size, &back));
        vsag_free(buf);
        OK(vsag_index_close(back));
    }
    /* half the indexes go through VSAG's C API */
    if (i % 2)
        EOK(vsag_index_destroy(idx));
    else
        OK(vsag_index_close(idx));
}

static void test_cycles(const char* name, const char* params, int warmup, int cycles) {
    for (int i = 0; i < warmup; i++) cycle(name, params, i);
    double before = rss_mb();
    for (int i = 0; i < cycles; i++) cycle(name, params, i);
    double after = rss_mb();
    printf("%s: %d create/destroy cycles, RSS %.1f -> %.1f MiB\n", name, cycles, before, after);
    CHECK(after - before < 48);
}

int main(int argc, char** argv) {
    if (argc > 1) snprintf(scratch, sizeof(scratch), "%s", argv[1]);
    base = tu_vectors(N, DIM, 1);
    queries = tu_vectors(16, DIM, 2);
    for (int i = 0; i < N; i++) ids[i] = i;

    test_feature_numbers();
    test_hostile_k("brute_force", BF);
    test_hostile_k("hgraph", HG);
    test_hostile_capacity();
    test_non_finite("brute_force", BF);
    test_non_finite("hgraph", HG);
    test_wrong_dim("brute_force", BF);
    test_wrong_dim("hgraph", HG);
    test_bad_json();
    test_bad_handles();
    test_cycles("brute_force", BF, 300, 3000);
    test_cycles("hgraph", HG, 100, 1000);

    free(base);
    free(queries);
    return tu_report("reliability_test");
}

/* Sparse rows through the C ABI: a sindi index built from a CSR dataset, searched with sparse
 * queries by vsag_index_search_request (knn, range, bitset, expression, expected labels) and
 * by a query dataset, bad rows refused with nothing lost, and a save and load. */
#include "testutil.h"

#define N 2000
#define VOCAB 200
#define TERMS 6

static const char* SINDI =
    "{\"dtype\":\"sparse\",\"metric_type\":\"ip\",\"dim\":16,\"index_param\":{"
    "\"term_id_limit\":200,\"window_size\":10000,\"use_reorder\":true}}";

static int64_t offsets[N + 1];
static uint32_t terms[N * TERMS];
static float weights[N * TERMS];
static int64_t ids[N];

/* fill gives row i TERMS distinct ascending terms below VOCAB and positive weights. */
static void fill(void) {
    uint64_t seed = 42;
    for (int i = 0; i < N; i++) {
        offsets[i] = (int64_t)i * TERMS;
        uint32_t t = (uint32_t)(i % 23);
        for (int j = 0; j < TERMS; j++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            t += 1 + (uint32_t)((seed >> 33) % 25);
            terms[i * TERMS + j] = t;
            weights[i * TERMS + j] = 0.05f + (float)((seed >> 40) % 1000) / 1000.0f;
        }
        ids[i] = 100 + i;
    }
    offsets[N] = (int64_t)N * TERMS;
}

/* exact_top1 returns the label of the best inner product with row q over all rows. */
static int64_t exact_top1(int q) {
    float best = -1e30f;
    int64_t label = -1;
    for (int i = 0; i < N; i++) {
        float s = 0;
        for (int64_t a = offsets[i], b = offsets[q]; a < offsets[i + 1] && b < offsets[q + 1];) {
            if (terms[a] == terms[b]) s += weights[a++] * weights[b++];
            else if (terms[a] < terms[b]) a++;
            else b++;
        }
        if (s > best) best = s, label = ids[i];
    }
    return label;
}

static vsag_dataset_t sparse_ds(int64_t n, const int64_t* off, const uint32_t* t, const float* w,
                                const int64_t* labels) {
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, n));
    OK(vsag_dataset_set_ids(ds, labels));
    OK(vsag_dataset_set_sparse_vectors(ds, off, t, w, (uint64_t)off[n]));
    return ds;
}

/* knn runs a sparse knn request for row i and returns the first label. */
static int64_t knn(vsag_index_t idx, int i, int64_t* out, float* dist, int k) {
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    req.query_dtype = VSAG_DTYPE_SPARSE;
    req.query_term_ids = terms + offsets[i];
    req.query_term_values = weights + offsets[i];
    req.query_nnz = (uint64_t)(offsets[i + 1] - offsets[i]);
    req.topk = k;
    req.parameters = "{\"sindi\":{\"n_candidate\":50}}";
    uint64_t count = 0;
    OK(vsag_index_search_request(idx, &req, out, dist, NULL, (uint64_t)k, &count, NULL, NULL));
    CHECK(count == (uint64_t)k);
    return out[0];
}

int main(int argc, char** argv) {
    const char* dir = argc > 1 ? argv[1] : "/tmp";
    char path[512];
    snprintf(path, sizeof path, "%s/sparse_test.vsag", dir);
    fill();
    vsag_index_t idx = NULL;
    OK(vsag_index_make("sindi", SINDI, &idx));
    bool has = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_RANGE_SEARCH, &has));
    CHECK(has);
    vsag_dataset_t base = sparse_ds(N, offsets, terms, weights, ids);
    uint64_t failed = 9;
    OK(vsag_index_build_dataset(idx, base, NULL, &failed));
    CHECK(failed == 0);
    int64_t n = 0;
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == N);

    /* the nearest label is the exact best inner product */
    int64_t out[10];
    float dist[10];
    int self = 0;
    for (int i = 0; i < 200; i++) self += knn(idx, i, out, dist, 10) == exact_top1(i);
    CHECK(self == 200);
    for (int j = 1; j < 10; j++) CHECK(dist[j] >= dist[j - 1]);

    /* range search, a bitset, an expected label */
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    req.query_dtype = VSAG_DTYPE_SPARSE;
    req.query_term_ids = terms;
    req.query_term_values = weights;
    req.query_nnz = TERMS;
    req.mode = VSAG_SEARCH_RANGE;
    req.radius = 10.0f;
    req.limited_size = 5;
    uint64_t count = 0, total = 0;
    OK(vsag_index_search_request(idx, &req, out, dist, NULL, 10, &count, &total, NULL));
    CHECK(count == 5);
    vsag_bitset_t bs = NULL;
    OK(vsag_bitset_make(&bs));
    OK(vsag_bitset_set(bs, ids[0], true));
    int64_t expected[1] = {ids[0]};
    vsag_search_explanation_t why[1];
    vsag_search_request_t kreq = VSAG_SEARCH_REQUEST_INIT;
    kreq.query_dtype = VSAG_DTYPE_SPARSE;
    kreq.query_term_ids = terms;
    kreq.query_term_values = weights;
    kreq.query_nnz = TERMS;
    kreq.topk = 5;
    kreq.invalid = bs;
    kreq.expected_labels = expected;
    kreq.num_expected_labels = 1;
    OK(vsag_index_search_request(idx, &kreq, out, dist, NULL, 5, &count, NULL, why));
    for (uint64_t j = 0; j < count; j++) CHECK(out[j] != ids[0]);
    CHECK(why[0].reason == VSAG_REASON_FILTERED);
    OK(vsag_bitset_destroy(bs));

    /* a query dataset (vsag_index_search with a dataset handle goes through the same path) */
    vsag_dataset_t q = sparse_ds(1, offsets, terms, weights, ids);
    vsag_search_request_t dreq = VSAG_SEARCH_REQUEST_INIT;
    dreq.query_dataset = q;
    dreq.topk = 1;
    OK(vsag_index_search_request(idx, &dreq, out, dist, NULL, 1, &count, NULL, NULL));
    CHECK(out[0] == ids[0]);

    /* distances by id and the stored rows: the whole documents (use_reorder) */
    {
        vsag_dtype_t dt = VSAG_DTYPE_FLOAT32;
        OK(vsag_index_get_dtype(idx, &dt));
        CHECK(dt == VSAG_DTYPE_SPARSE);
        float dense_out[16];
        Error_t ge = vsag_index_get_vector_by_ids(idx, ids, 1, dense_out);
        CHECK(ge.code == VSAG_UNSUPPORTED_INDEX_OPERATION);
        CHECK(strstr(ge.message, "sparse rows") != NULL);
        int64_t labels[3] = {ids[0], 424242, ids[7]};
        float d3[3] = {0, 0, 0};
        OK(vsag_index_calc_distance_by_ids_sparse(idx, terms, weights, TERMS, labels, 3, d3));
        float ip0 = 0, ip7 = 0;
        for (int j = 0; j < TERMS; j++) ip0 += weights[j] * weights[j];
        for (int64_t a = offsets[7], b = 0; a < offsets[8] && b < TERMS;) {
            if (terms[a] == terms[b]) ip7 += weights[a++] * weights[b++];
            else if (terms[a] < terms[b]) a++;
            else b++;
        }
        CHECK(fabsf(d3[0] - (1 - ip0)) < 1e-5f);
        CHECK(d3[1] == -1.0f);
        CHECK(fabsf(d3[2] - (1 - ip7)) < 1e-5f);
        /* the query's distance to its own row is what knn search reports for it */
        knn(idx, 0, out, dist, 10);
        CHECK(out[0] == ids[0] && fabsf(dist[0] - d3[0]) < 1e-5f);
        OK(vsag_index_calc_distance_by_ids_sparse(idx, terms, weights, TERMS, NULL, 0, NULL));
        FAILS(vsag_index_calc_distance_by_ids_sparse(idx, NULL, weights, TERMS, labels, 3, d3),
              VSAG_INVALID_ARGUMENT);
        uint32_t unsorted_q[2] = {9, 3};
        FAILS(vsag_index_calc_distance_by_ids_sparse(idx, unsorted_q, weights, 2, labels, 3, d3),
              VSAG_INVALID_ARGUMENT);
        /* a query term no row holds (even beyond term_id_limit) adds nothing, as in search */
        uint32_t beyond_q[2] = {terms[0], 500};
        float with[3], without[3];
        OK(vsag_index_calc_distance_by_ids_sparse(idx, beyond_q, weights, 2, labels, 3, with));
        OK(vsag_index_calc_distance_by_ids_sparse(idx, beyond_q, weights, 1, labels, 3, without));
        for (int j = 0; j < 3; j++) CHECK(with[j] == without[j]);
        CHECK(without[0] < 1.0f);
        FAILS(vsag_index_calc_distance_by_ids_sparse(idx, terms, weights, TERMS, NULL, 3, d3),
              VSAG_INVALID_ARGUMENT);
        float e3[3];
        OK(vsag_index_calc_distance_by_ids_sparse(idx, NULL, NULL, 0, labels, 3, e3));
        CHECK(e3[0] == 1.0f && e3[1] == -1.0f && e3[2] == 1.0f); /* an empty query scores 0 */
        float nan_w[2] = {1, NAN};
        FAILS(vsag_index_calc_distance_by_ids_sparse(idx, terms, nan_w, 2, labels, 3, d3),
              VSAG_INVALID_ARGUMENT);

        int64_t two[2] = {ids[7], ids[0]};
        vsag_dataset_t rows = NULL;
        OK(vsag_index_get_sparse_vectors_by_ids(idx, two, 2, &rows));
        int64_t rn = 0;
        OK(vsag_dataset_get_num_elements(rows, &rn));
        CHECK(rn == 2);
        const int64_t* rids = NULL;
        OK(vsag_dataset_get_ids(rows, &rids));
        CHECK(rids[0] == ids[7] && rids[1] == ids[0]);
        const int64_t* ro = NULL;
        const uint32_t* rt = NULL;
        const float* rv = NULL;
        uint64_t rnnz = 0;
        OK(vsag_dataset_get_sparse_vectors(rows, &ro, &rt, &rv, &rnnz));
        CHECK(rnnz == 2 * TERMS && ro[0] == 0 && ro[1] == TERMS && ro[2] == 2 * TERMS);
        for (int j = 0; j < TERMS; j++) {
            CHECK(rt[j] == terms[offsets[7] + j] && rv[j] == weights[offsets[7] + j]);
            CHECK(rt[TERMS + j] == terms[j] && rv[TERMS + j] == weights[j]);
        }
        OK(vsag_dataset_destroy(rows));
        vsag_dataset_t none = NULL;
        OK(vsag_index_get_sparse_vectors_by_ids(idx, NULL, 0, &none));
        OK(vsag_dataset_get_num_elements(none, &rn));
        CHECK(rn == 0);
        OK(vsag_dataset_destroy(none));
        int64_t missing[2] = {ids[0], 424242};
        vsag_dataset_t bad = (vsag_dataset_t)1;
        FAILS(vsag_index_get_sparse_vectors_by_ids(idx, missing, 2, &bad), VSAG_INVALID_ARGUMENT);
        CHECK(bad == NULL);
        FAILS(vsag_index_get_sparse_vectors_by_ids(idx, two, 2, NULL), VSAG_INVALID_ARGUMENT);

        /* an index of dense vectors has no sparse rows */
        vsag_index_t dense_idx = NULL;
        OK(vsag_index_make("brute_force",
                           "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":4}",
                           &dense_idx));
        float v4[4] = {1, 2, 3, 4};
        OK(vsag_index_add_vectors(dense_idx, v4, VSAG_DTYPE_FLOAT32, ids, 1, 4, NULL, NULL));
        FAILS(vsag_index_calc_distance_by_ids_sparse(dense_idx, terms, weights, TERMS, ids, 1, d3),
              VSAG_UNSUPPORTED_INDEX_OPERATION);
        FAILS(vsag_index_get_sparse_vectors_by_ids(dense_idx, ids, 1, &bad),
              VSAG_UNSUPPORTED_INDEX_OPERATION);
        OK(vsag_index_close(dense_idx));
    }

    /* bad rows: INVALID_ARGUMENT and nothing lost */
    int64_t boff[2] = {0, 2};
    uint32_t unsorted[2] = {9, 3}, beyond[2] = {3, 500};
    float w2[2] = {1, 1}, wnan[2] = {1, NAN};
    uint32_t fine[2] = {3, 9};
    int64_t bid[1] = {999999};
    vsag_dataset_t bad1 = sparse_ds(1, boff, unsorted, w2, bid);
    vsag_dataset_t bad2 = sparse_ds(1, boff, beyond, w2, bid);
    vsag_dataset_t bad3 = sparse_ds(1, boff, fine, wnan, bid);
    int64_t eoff[2] = {0, 0};
    vsag_dataset_t bad4 = sparse_ds(1, eoff, fine, w2, bid);
    FAILS(vsag_index_add_dataset(idx, bad1, NULL, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_add_dataset(idx, bad2, NULL, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_add_dataset(idx, bad3, NULL, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_add_dataset(idx, bad4, NULL, NULL), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == N);
    /* dense vectors are refused */
    float dense[16] = {0};
    FAILS(vsag_index_add_vectors(idx, dense, VSAG_DTYPE_FLOAT32, bid, 1, 16, NULL, NULL),
          VSAG_INVALID_ARGUMENT);

    /* stats, save and load */
    char* stats = NULL;
    uint64_t size = 0;
    OK(vsag_index_get_stats(idx, &stats, &size));
    CHECK(strstr(stats, "window_count") != NULL);
    vsag_free(stats);
    OK(vsag_index_serialize_file(idx, path));
    vsag_index_t again = NULL;
    OK(vsag_index_load_file(path, &again));
    CHECK(knn(again, 3, out, dist, 10) == knn(idx, 3, out, dist, 10));
    OK(vsag_index_close(again));

    OK(vsag_dataset_destroy(q));
    OK(vsag_dataset_destroy(bad1));
    OK(vsag_dataset_destroy(bad2));
    OK(vsag_dataset_destroy(bad3));
    OK(vsag_dataset_destroy(bad4));
    OK(vsag_dataset_destroy(base));
    OK(vsag_index_close(idx));
    return tu_report("sparse_test");
}

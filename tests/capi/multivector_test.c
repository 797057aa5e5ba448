/* Multi-vector documents through the C ABI: warp and simq built from a dataset with
 * vector_counts, searched with a query dataset (vsag_index_knn_search_dataset), with
 * vsag_index_search_request (query_vector_count) and in batches
 * (vsag_index_knn_search_multi_vector_batch), GetStats, range search, mark remove, save and load, and
 * the refusals (counts that do not add up, zero counts, NaN, dense rows) that keep what is
 * stored. */
#include "testutil.h"

#define DIM 8
#define N 120

static float vecs[N * 6 * DIM];
static int64_t counts[N], ids[N], starts[N + 1];

/* fill makes documents of 1..6 unit sub-vectors. */
static void fill(void) {
    uint64_t seed = 12345;
    int off = 0;
    for (int i = 0; i < N; i++) {
        counts[i] = 1 + i % 6;
        ids[i] = 100 + i;
        starts[i] = off;
        for (int s = 0; s < counts[i]; s++, off++) {
            float norm = 0;
            for (int j = 0; j < DIM; j++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                float v = (float)((seed >> 40) % 2000) / 1000.0f - 1.0f;
                vecs[off * DIM + j] = v;
                norm += v * v;
            }
            for (int j = 0; j < DIM; j++) vecs[off * DIM + j] /= sqrtf(norm);
        }
    }
    starts[N] = off;
}

static vsag_dataset_t docs(int lo, int hi) {
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, hi - lo));
    OK(vsag_dataset_set_dim(ds, DIM));
    OK(vsag_dataset_set_ids(ds, ids + lo));
    OK(vsag_dataset_set_float32_vectors(ds, vecs + starts[lo] * DIM));
    OK(vsag_dataset_set_vector_counts(ds, counts + lo, (uint64_t)(starts[hi] - starts[lo])));
    return ds;
}

/* nearest searches document i as the query and returns the first label found. */
static int64_t nearest(vsag_index_t idx, int i, const char* params) {
    vsag_dataset_t q = NULL, res = NULL;
    const int64_t* got = NULL;
    int64_t dim = 0, out = -1;
    OK(vsag_dataset_make(&q));
    OK(vsag_dataset_set_num_elements(q, 1));
    OK(vsag_dataset_set_dim(q, DIM));
    OK(vsag_dataset_set_float32_vectors(q, vecs + starts[i] * DIM));
    OK(vsag_dataset_set_vector_counts(q, counts + i, (uint64_t)counts[i]));
    OK(vsag_index_knn_search_dataset(idx, q, 5, params, NULL, &res));
    OK(vsag_dataset_get_dim(res, &dim));
    OK(vsag_dataset_get_ids(res, &got));
    if (dim > 0 && got != NULL) out = got[0];
    OK(vsag_dataset_destroy(res));
    OK(vsag_dataset_destroy(q));
    return out;
}

/* one searches document i alone through vsag_index_search_request (filter may be NULL). */
static void one(vsag_index_t idx, int i, int64_t k, const char* params, const vsag_filter_t* filter,
                int64_t* got, float* dist) {
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    uint64_t count = 0, total = 0;
    req.query = vecs + starts[i] * DIM;
    req.query_dim = DIM;
    req.query_dtype = VSAG_DTYPE_FLOAT32;
    req.query_vector_count = (uint64_t)counts[i];
    req.topk = k;
    req.parameters = params;
    req.filter_spec = filter;
    OK(vsag_index_search_request(idx, &req, got, dist, NULL, (uint64_t)k, &count, &total, NULL));
}

#define NQ 5
#define BK 6

/* batch checks vsag_index_knn_search_multi_vector_batch against one search per query, with
 * and without a filter, padding past the live count, and its refusals, which lose nothing. */
static void batch(vsag_index_t idx, const char* params) {
    static const int qs[NQ] = {3, 8, 14, 27, 50};
    static float flat[NQ * 6 * DIM];
    int64_t qcounts[NQ], ids_out[NQ * N], want[N];
    float dists_out[NQ * N], wantd[N];
    uint64_t total = 0;
    for (int q = 0; q < NQ; q++) {
        int i = qs[q];
        memcpy(flat + total * DIM, vecs + starts[i] * DIM, sizeof(float) * (size_t)(counts[i] * DIM));
        qcounts[q] = counts[i];
        total += (uint64_t)counts[i];
    }
    int64_t excluded[2] = {ids[8], ids[27]};
    vsag_filter_t filter = VSAG_FILTER_INIT;
    filter.exclude_ids = excluded;
    filter.num_exclude_ids = 2;
    const vsag_filter_t* filters[2] = {NULL, &filter};
    for (int fi = 0; fi < 2; fi++) {
        OK(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, NQ, total, DIM, BK, params, NULL,
                                                    filters[fi], ids_out, dists_out));
        for (int q = 0; q < NQ; q++) {
            one(idx, qs[q], BK, params, filters[fi], want, wantd);
            for (int j = 0; j < BK; j++) {
                CHECK(ids_out[q * BK + j] == want[j]);
                CHECK(dists_out[q * BK + j] == wantd[j]);
            }
            if (fi == 0 && counts[qs[q]] > 1) CHECK(ids_out[q * BK] == ids[qs[q]]);
            if (fi == 1) CHECK(ids_out[q * BK] != ids[8] && ids_out[q * BK] != ids[27]);
        }
    }
    /* an attribute expression the index cannot compile is refused */
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, NQ, total, DIM, BK, params, "a ==",
                                                   NULL, ids_out, dists_out),
          VSAG_INVALID_ARGUMENT);
    /* k beyond the live count: rows of k, padded */
    int64_t n = 0;
    OK(vsag_index_get_num_elements(idx, &n));
    OK(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, 2, (uint64_t)(qcounts[0] + qcounts[1]),
                                                DIM, N + 8, params, "", NULL, ids_out, dists_out));
    for (int q = 0; q < 2; q++) {
        CHECK(ids_out[q * (N + 8)] == ids[qs[q]]);
        CHECK(ids_out[q * (N + 8) + N + 7] == -1 && isinf(dists_out[q * (N + 8) + N + 7]));
    }
    /* one query equals the single search too */
    OK(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, 1, (uint64_t)qcounts[0], DIM, BK,
                                                params, NULL, NULL, ids_out, dists_out));
    one(idx, qs[0], BK, params, NULL, want, wantd);
    for (int j = 0; j < BK; j++) CHECK(ids_out[j] == want[j] && dists_out[j] == wantd[j]);

    /* refusals */
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, NQ, total - 1, DIM, BK, params,
                                                   NULL, NULL, ids_out, dists_out),
          VSAG_INVALID_ARGUMENT); /* counts add up to one more than num_vectors */
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, NQ - 1, total, DIM, BK, params,
                                                   NULL, NULL, ids_out, dists_out),
          VSAG_INVALID_ARGUMENT); /* the first nq-1 counts add up to fewer */
    int64_t zero[2] = {qcounts[0], 0};
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, flat, zero, 2, (uint64_t)qcounts[0], DIM, BK,
                                                   params, NULL, NULL, ids_out, dists_out),
          VSAG_INVALID_ARGUMENT);
    int64_t negative[2] = {qcounts[0] + 1, -1};
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, flat, negative, 2, (uint64_t)qcounts[0], DIM, BK,
                                                   params, NULL, NULL, ids_out, dists_out),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, flat, NULL, NQ, total, DIM, BK, params, NULL, NULL,
                                                   ids_out, dists_out),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, NULL, qcounts, NQ, total, DIM, BK, params, NULL,
                                                   NULL, ids_out, dists_out),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, NQ, total, DIM, BK, params, NULL,
                                                   NULL, NULL, dists_out),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, NQ, total, DIM, 0, params, NULL,
                                                   NULL, ids_out, dists_out),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, NQ, total, DIM + 1, BK, params,
                                                   NULL, NULL, ids_out, dists_out),
          VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, NQ, total, DIM, BK, "{\"nope\":",
                                                   NULL, NULL, ids_out, dists_out),
          VSAG_INVALID_ARGUMENT);
    float nan_flat[NQ * 6 * DIM];
    memcpy(nan_flat, flat, sizeof nan_flat);
    nan_flat[DIM + 1] = NAN;
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, nan_flat, qcounts, NQ, total, DIM, BK, params,
                                                   NULL, NULL, ids_out, dists_out),
          VSAG_INVALID_ARGUMENT);
    OK(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, 0, 0, DIM, BK, params, NULL, NULL,
                                                NULL, NULL)); /* nq 0: a no-op */
    /* nothing lost */
    int64_t after = 0;
    OK(vsag_index_get_num_elements(idx, &after));
    CHECK(after == n);
    OK(vsag_index_knn_search_multi_vector_batch(idx, flat, qcounts, NQ, total, DIM, BK, params, NULL,
                                                NULL, ids_out, dists_out));
    for (int q = 0; q < NQ; q++)
        if (counts[qs[q]] > 1) CHECK(ids_out[q * BK] == ids[qs[q]]);
}

/* stats checks the GetStats object of a multi-vector index: counts, sub-vectors, and for simq
 * the clusters and the representative graph. */
static void stats(vsag_index_t idx, const char* name) {
    bool has = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_GET_STATS, &has));
    CHECK(has);
    char* js = NULL;
    uint64_t size = 0;
    OK(vsag_index_get_stats(idx, &js, &size));
    CHECK(js != NULL && size == strlen(js));
    char want[64];
    snprintf(want, sizeof want, "\"sub_vector_count\": %lld", (long long)starts[N]);
    CHECK(strstr(js, want) != NULL);
    snprintf(want, sizeof want, "\"num_elements\": %d", N);
    CHECK(strstr(js, want) != NULL);
    CHECK(strstr(js, "\"sub_vectors_per_document\"") != NULL);
    CHECK(strstr(js, "\"memory_usage\"") != NULL);
    if (strcmp(name, "simq") == 0) {
        CHECK(strstr(js, "\"cluster_count\"") != NULL);
        CHECK(strstr(js, "\"cluster_size\"") != NULL);
        CHECK(strstr(js, "\"representative_graph\"") != NULL);
    }
    vsag_free(js);
}

static void run(const char* name, const char* params, const char* scratch) {
    vsag_index_t idx = NULL, back = NULL;
    int64_t n = 0;
    uint64_t nfailed = 9;
    int64_t failed[N];
    OK(vsag_index_make(name, "{\"dtype\":\"float32\",\"metric_type\":\"ip\",\"dim\":8}", &idx));
    vsag_dataset_t first = docs(0, 80), second = docs(80, N);
    OK(vsag_index_build_dataset(idx, first, failed, &nfailed));
    CHECK(nfailed == 0);
    OK(vsag_index_add_dataset(idx, second, failed, &nfailed));
    CHECK(nfailed == 0);
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == N);
    /* a document with several sub-vectors finds itself (a one-vector document may tie) */
    for (int i = 1; i < N; i += 7)
        if (counts[i] > 1) CHECK(nearest(idx, i, params) == ids[i]);

    /* the request form with query_vector_count */
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    int64_t got[4];
    float dist[4];
    uint64_t count = 0, total = 0;
    req.query = vecs + starts[5] * DIM;
    req.query_dim = DIM;
    req.query_dtype = VSAG_DTYPE_FLOAT32;
    req.query_vector_count = (uint64_t)counts[5];
    req.topk = 4;
    req.parameters = params;
    OK(vsag_index_search_request(idx, &req, got, dist, NULL, 4, &count, &total, NULL));
    CHECK(count == 4 && got[0] == ids[5]);
    CHECK(fabsf(dist[0]) < 1e-4f); /* sum over 6 sub-vectors of 1 - 1 */

    /* distances by id: what the search reports, -1 for a missing label; an exact MaxSim */
    {
        int64_t asked[3] = {got[1], 424242, ids[9]};
        float d3[3];
        OK(vsag_index_calc_distance_by_ids_multi_vector(idx, vecs + starts[5] * DIM,
                                                        (uint64_t)counts[5], DIM, asked, 3, d3));
        CHECK(fabsf(d3[0] - dist[1]) < 1e-5f);
        CHECK(d3[1] == -1.0f);
        float want = 0;
        for (int a = 0; a < counts[5]; a++) {
            float best = -1e30f;
            for (int b = 0; b < counts[9]; b++) {
                float ip = 0;
                for (int j = 0; j < DIM; j++)
                    ip += vecs[(starts[5] + a) * DIM + j] * vecs[(starts[9] + b) * DIM + j];
                if (ip > best) best = ip;
            }
            want += 1 - best;
        }
        CHECK(fabsf(d3[2] - want) < 1e-4f);
        OK(vsag_index_calc_distance_by_ids_multi_vector(idx, vecs, 1, DIM, NULL, 0, NULL));
        FAILS(vsag_index_calc_distance_by_ids_multi_vector(idx, vecs, 0, DIM, asked, 3, d3),
              VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_calc_distance_by_ids_multi_vector(idx, vecs, 2, DIM - 1, asked, 3, d3),
              VSAG_DIMENSION_NOT_EQUAL);
        FAILS(vsag_index_calc_distance_by_ids_multi_vector(idx, NULL, 2, DIM, asked, 3, d3),
              VSAG_INVALID_ARGUMENT);
        float bad[DIM] = {NAN};
        FAILS(vsag_index_calc_distance_by_ids_multi_vector(idx, bad, 1, DIM, asked, 3, d3),
              VSAG_INVALID_ARGUMENT);
    }
    CHECK(dist[1] >= dist[0]);
    req.mode = VSAG_SEARCH_RANGE;
    req.radius = 0.001f;
    OK(vsag_index_search_request(idx, &req, got, dist, NULL, 4, &count, &total, NULL));
    CHECK(count >= 1 && got[0] == ids[5]);

    batch(idx, params);
    stats(idx, name);

    /* a dense query and a dense search are refused */
    req = (vsag_search_request_t)VSAG_SEARCH_REQUEST_INIT;
    req.query = vecs;
    req.query_dim = DIM;
    req.query_dtype = VSAG_DTYPE_FLOAT32;
    req.topk = 4;
    FAILS(vsag_index_search_request(idx, &req, got, dist, NULL, 4, &count, &total, NULL),
          VSAG_INVALID_ARGUMENT);

    /* bad documents: nothing stored is lost */
    int64_t bad_counts[2] = {2, 0}, bad_ids[2] = {7, 8};
    float nan_vecs[3 * DIM];
    memcpy(nan_vecs, vecs, sizeof nan_vecs);
    nan_vecs[DIM + 3] = NAN;
    vsag_dataset_t bad = NULL;
    OK(vsag_dataset_make(&bad));
    OK(vsag_dataset_set_num_elements(bad, 2));
    OK(vsag_dataset_set_dim(bad, DIM));
    OK(vsag_dataset_set_ids(bad, bad_ids));
    OK(vsag_dataset_set_float32_vectors(bad, nan_vecs));
    OK(vsag_dataset_set_vector_counts(bad, bad_counts, 2));
    FAILS(vsag_index_add_dataset(idx, bad, NULL, NULL), VSAG_INVALID_ARGUMENT); /* a zero count */
    bad_counts[1] = 2;
    OK(vsag_dataset_set_vector_counts(bad, bad_counts, 3));
    FAILS(vsag_index_add_dataset(idx, bad, NULL, NULL), VSAG_INVALID_ARGUMENT); /* 4 != 3 */
    bad_counts[1] = 1;
    OK(vsag_dataset_set_vector_counts(bad, bad_counts, 3));
    FAILS(vsag_index_add_dataset(idx, bad, NULL, NULL), VSAG_INVALID_ARGUMENT); /* NaN */
    OK(vsag_dataset_destroy(bad));
    EFAILS(vsag_index_add(idx, vecs, bad_ids, DIM, 1), VSAG_INVALID_ARGUMENT); /* dense rows */
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == N);

    /* mark remove, save, load */
    uint32_t removed = 0;
    OK(vsag_index_remove(idx, ids[5], &removed));
    CHECK(removed == 1);
    CHECK(nearest(idx, 5, params) != ids[5]);
    char path[512];
    snprintf(path, sizeof path, "%s/multivector_%s.vsag", scratch, name);
    OK(vsag_index_serialize_file(idx, path));
    OK(vsag_index_make(name, "{\"dtype\":\"float32\",\"metric_type\":\"ip\",\"dim\":8}", &back));
    OK(vsag_index_deserialize_file(back, path));
    OK(vsag_index_get_num_elements(back, &n));
    CHECK(n == N - 1);
    CHECK(nearest(back, 11, params) == ids[11]);
    OK(vsag_dataset_destroy(first));
    OK(vsag_dataset_destroy(second));
    OK(vsag_index_close(back));
    OK(vsag_index_close(idx));
}

int main(int argc, char** argv) {
    const char* scratch = argc > 1 ? argv[1] : "/tmp";
    fill();
    run("warp", "", scratch);
    run("simq", "{\"simq\":{\"coarse_k\":64,\"rerank_k\":200}}", scratch);
    /* simq takes ip only; warp not cosine */
    vsag_index_t idx = NULL;
    FAILS(vsag_index_make("simq", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":8}", &idx),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_make("warp", "{\"dtype\":\"float32\",\"metric_type\":\"cosine\",\"dim\":8}",
                          &idx),
          VSAG_INVALID_ARGUMENT);
    /* a dense index refuses multi-vector queries in a batch too */
    int64_t one_count = 2, got[2];
    float dist[2];
    OK(vsag_index_make("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"ip\",\"dim\":8}", &idx));
    OK(vsag_index_build_vectors(idx, vecs, VSAG_DTYPE_FLOAT32, ids, 4, DIM, NULL, NULL));
    FAILS(vsag_index_knn_search_multi_vector_batch(idx, vecs, &one_count, 1, 2, DIM, 2, NULL, NULL, NULL,
                                                   got, dist),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_calc_distance_by_ids_multi_vector(idx, vecs, 2, DIM, ids, 1, dist),
          VSAG_UNSUPPORTED_INDEX_OPERATION);
    OK(vsag_index_close(idx));
    return tu_report("multivector_test");
}

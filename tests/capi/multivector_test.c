/* Multi-vector documents through the C ABI: warp and simq built from a dataset with
 * vector_counts, searched with a query dataset (vsag_index_knn_search_dataset) and with
 * vsag_index_search_request (query_vector_count), range search, mark remove, save and load, and
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
    CHECK(dist[1] >= dist[0]);
    req.mode = VSAG_SEARCH_RANGE;
    req.radius = 0.001f;
    OK(vsag_index_search_request(idx, &req, got, dist, NULL, 4, &count, &total, NULL));
    CHECK(count >= 1 && got[0] == ids[5]);

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
    return tu_report("multivector_test");
}

/* diskann through the C ABI: build, knn search with recall against self queries, the add after
 * build refused, truthful feature flags, and a save and load through a file. */
#include "testutil.h"

#define DIM 16
#define N 2000

static const char* CREATE =
    "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"diskann\":{"
    "\"max_degree\":24,\"ef_construction\":80,\"pq_dims\":8,\"pq_sample_rate\":0.5}}";
static const char* SEARCH =
    "{\"diskann\":{\"ef_search\":80,\"beam_search\":4,\"io_limit\":200,\"use_async_io\":true}}";

static float data[N * DIM];
static int64_t ids[N];

static void fill(uint64_t seed) {
    for (int i = 0; i < N * DIM; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        data[i] = (float)((seed >> 40) % 2000) / 1000.0f - 1.0f;
    }
    for (int i = 0; i < N; i++) ids[i] = i;
}

static int self_hits(vsag_index_t idx, int n) {
    int hits = 0;
    int64_t* got = malloc(sizeof(int64_t) * n);
    float* dist = malloc(sizeof(float) * n);
    OK(vsag_index_knn_search_batch(idx, data, VSAG_DTYPE_FLOAT32, n, DIM, 1, SEARCH, NULL, got,
                                   dist));
    for (int i = 0; i < n; i++) hits += got[i] == i;
    free(got);
    free(dist);
    return hits;
}

int main(int argc, char** argv) {
    const char* dir = argc > 1 ? argv[1] : ".";
    char path[1024];
    vsag_index_t idx = NULL, back = NULL;
    bool has = true;
    int64_t num = 0;
    fill(7);
    OK(vsag_index_make("diskann", CREATE, &idx));
    OK(vsag_index_build_vectors(idx, data, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    CHECK(self_hits(idx, 200) >= 195);
    FAILS(vsag_index_add_vectors(idx, data, VSAG_DTYPE_FLOAT32, ids, 1, DIM, NULL, NULL),
          VSAG_UNSUPPORTED_INDEX_OPERATION);
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_ADD_AFTER_BUILD, &has));
    CHECK(!has);
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_RANGE_SEARCH, &has));
    CHECK(has);
    /* missing required keys are INVALID_ARGUMENT */
    FAILS(vsag_index_make("diskann",
                          "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"diskann\":{"
                          "\"max_degree\":24}}",
                          &back),
          VSAG_INVALID_ARGUMENT);
    snprintf(path, sizeof path, "%s/diskann_c.vsag", dir);
    OK(vsag_index_serialize_file(idx, path));
    OK(vsag_index_close(idx));
    OK(vsag_index_load_file(path, &back));
    OK(vsag_index_get_num_elements(back, &num));
    CHECK(num == N);
    CHECK(self_hits(back, 200) >= 195);
    OK(vsag_index_close(back));
    remove(path);
    return tu_report("diskann_test");
}

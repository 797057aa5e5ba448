/* Remove modes through the C ABI: vsag_index_remove_with_mode with VSAG_REMOVE_MARK and
 * VSAG_REMOVE_FORCE on hgraph (with and without support_force_remove) and brute_force, the
 * reuse of reclaimed slots by adds, and a save and load with reclaimed slots. */
#include "testutil.h"

#define DIM 16
#define N 1000

static const char* HGRAPH_FORCE =
    "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":{"
    "\"base_quantization_type\":\"fp32\",\"max_degree\":16,\"ef_construction\":100,"
    "\"support_force_remove\":true}}";
static const char* HGRAPH_PLAIN =
    "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":{"
    "\"base_quantization_type\":\"fp32\",\"max_degree\":16,\"ef_construction\":100}}";
static const char* SEARCH = "{\"hgraph\":{\"ef_search\":60}}";

static float data[N * DIM];
static int64_t ids[N];

static void fill(uint64_t seed) {
    for (int i = 0; i < N * DIM; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        data[i] = (float)((seed >> 40) % 2000) / 1000.0f - 1.0f;
    }
    for (int i = 0; i < N; i++) ids[i] = i;
}

/* self_hits counts the labels of rows lo..hi-1 found as their own nearest neighbour. */
static int self_hits(vsag_index_t idx, int lo, int hi) {
    int n = hi - lo, hits = 0;
    int64_t* got = malloc(sizeof(int64_t) * n);
    float* dist = malloc(sizeof(float) * n);
    OK(vsag_index_knn_search_batch(idx, data + (size_t)lo * DIM, VSAG_DTYPE_FLOAT32, n, DIM, 1,
                                   SEARCH, NULL, got, dist));
    for (int i = 0; i < n; i++) hits += got[i] == lo + i;
    free(got);
    free(dist);
    return hits;
}

static void test_refusals(void) {
    vsag_index_t plain = NULL, flat = NULL;
    uint64_t removed = 7;
    OK(vsag_index_make("hgraph", HGRAPH_PLAIN, &plain));
    OK(vsag_index_build_vectors(plain, data, VSAG_DTYPE_FLOAT32, ids, 100, DIM, NULL, NULL));
    FAILS(vsag_index_remove_with_mode(plain, ids, 2, VSAG_REMOVE_FORCE, &removed),
          VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "support_force_remove") != NULL);
    FAILS(vsag_index_remove_with_mode(plain, ids, 2, 5, &removed), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_remove_with_mode(plain, NULL, 2, VSAG_REMOVE_MARK, &removed),
          VSAG_INVALID_ARGUMENT);
    OK(vsag_index_remove_with_mode(plain, ids, 2, VSAG_REMOVE_MARK, &removed));
    CHECK(removed == 2);
    OK(vsag_index_remove_with_mode(plain, NULL, 0, VSAG_REMOVE_MARK, NULL));
    OK(vsag_index_close(plain));

    OK(vsag_index_make("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16}",
                       &flat));
    OK(vsag_index_build_vectors(flat, data, VSAG_DTYPE_FLOAT32, ids, 100, DIM, NULL, NULL));
    FAILS(vsag_index_remove_with_mode(flat, ids, 1, VSAG_REMOVE_FORCE, NULL),
          VSAG_UNSUPPORTED_INDEX_OPERATION);
    OK(vsag_index_close(flat));
    FAILS(vsag_index_remove_with_mode(NULL, ids, 1, VSAG_REMOVE_FORCE, NULL),
          VSAG_INVALID_ARGUMENT);
}

static void test_force(const char* dir) {
    vsag_index_t idx = NULL, back = NULL;
    uint64_t removed = 0, mem0 = 0, mem1 = 0;
    int64_t num = 0, nrem = 0;
    bool exist = true;
    char path[1024];
    OK(vsag_index_make("hgraph", HGRAPH_FORCE, &idx));
    OK(vsag_index_build_vectors(idx, data, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    OK(vsag_index_get_memory_usage(idx, &mem0));

    /* a marked label is taken out by force as well; absent labels are skipped */
    int64_t marked = 5;
    OK(vsag_index_remove_with_mode(idx, &marked, 1, VSAG_REMOVE_MARK, &removed));
    int64_t gone[101];
    for (int i = 0; i < 100; i++) gone[i] = i * 10 + 5; /* 5, 15, ..., 995 */
    gone[100] = 123456;
    OK(vsag_index_remove_with_mode(idx, gone, 101, VSAG_REMOVE_FORCE, &removed));
    CHECK(removed == 100);
    OK(vsag_index_get_num_elements(idx, &num));
    OK(vsag_index_get_num_removed(idx, &nrem));
    CHECK(num == N - 100 && nrem == 0);
    OK(vsag_index_check_id_exist(idx, 15, &exist));
    CHECK(!exist);

    /* searches never return them; the others are still found */
    int64_t got[N];
    float dist[N];
    OK(vsag_index_knn_search_batch(idx, data, VSAG_DTYPE_FLOAT32, N, DIM, 1, SEARCH, NULL, got,
                                   dist));
    int hits = 0;
    for (int i = 0; i < N; i++) {
        CHECK(got[i] % 10 != 5);
        hits += i % 10 != 5 && got[i] == i;
    }
    CHECK(hits >= 890);

    /* re-added, they take the reclaimed slots: the memory does not grow */
    float again[100 * DIM];
    for (int i = 0; i < 100; i++) memcpy(again + i * DIM, data + gone[i] * DIM, sizeof(float) * DIM);
    OK(vsag_index_add_vectors(idx, again, VSAG_DTYPE_FLOAT32, gone, 100, DIM, NULL, NULL));
    OK(vsag_index_get_memory_usage(idx, &mem1));
    CHECK(mem1 <= mem0 + mem0 / 100);
    CHECK(self_hits(idx, 0, N) >= 990);

    /* a saved index with reclaimed slots loads and keeps reusing them */
    OK(vsag_index_remove_with_mode(idx, gone, 50, VSAG_REMOVE_FORCE, &removed));
    CHECK(removed == 50);
    snprintf(path, sizeof(path), "%s/remove_force.vsag", dir);
    OK(vsag_index_serialize_file(idx, path));
    OK(vsag_index_make("hgraph", HGRAPH_FORCE, &back));
    OK(vsag_index_deserialize_file(back, path));
    OK(vsag_index_get_num_elements(back, &num));
    CHECK(num == N - 50);
    OK(vsag_index_add_vectors(back, again, VSAG_DTYPE_FLOAT32, gone, 50, DIM, NULL, NULL));
    OK(vsag_index_get_num_elements(back, &num));
    CHECK(num == N);
    CHECK(self_hits(back, 0, N) >= 990);
    OK(vsag_index_close(back));
    OK(vsag_index_close(idx));
}

int main(int argc, char** argv) {
    const char* dir = argc > 1 ? argv[1] : ".";
    fill(42);
    test_refusals();
    test_force(dir);
    return tu_report("remove_test");
}

/*
 * Quickstart in C: build an hgraph index over random vectors, search it (one batch call for
 * many queries), run one search request that explains what became of two labels, save it to a
 * file and load it back with the parameters stored in the file.
 *
 *   cc -std=c99 -Iinclude examples/c/quickstart.c -Lbuild/lib -lvsag -Wl,-rpath,build/lib
 *   ./a.out [index file]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsag.h"

#define DIM 128
#define NUM 2000
#define NQ 5
#define K 10

static int check(int rc, const char* what) {
    if (rc != VSAG_SUCCESS) {
        fprintf(stderr, "%s failed: %s (%s)\n", what, vsag_errstr(rc), vsag_last_error());
        exit(1);
    }
    return rc;
}

static uint64_t state = 47;
static float uniform(void) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)(state >> 40) / 16777216.0f;
}

int main(int argc, char** argv) {
    const char* path = argc > 1 ? argv[1] : "quickstart_c.vsag";
    printf("libvsag %s (header %s)\n", vsag_version(), VSAG_VERSION);

    /* random base vectors with labels 0..NUM-1 */
    float* data = malloc(sizeof(float) * NUM * DIM);
    int64_t* ids = malloc(sizeof(int64_t) * NUM);
    for (int64_t i = 0; i < NUM; i++) ids[i] = i;
    for (int64_t i = 0; i < NUM * DIM; i++) data[i] = uniform();

    const char* name = "hgraph";
    const char* build_params =
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":128,"
        "\"index_param\":{\"base_quantization_type\":\"fp32\",\"max_degree\":32,\"ef_construction\":200}}";
    const char* search_params = "{\"hgraph\":{\"ef_search\":100}}";
    vsag_index_t index = NULL;
    int rc = vsag_index_make(name, build_params, &index);
    if (rc == VSAG_UNSUPPORTED_INDEX) {
        printf("note: this libvsag has no hgraph index; using brute_force instead\n");
        name = "brute_force";
        build_params = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":128}";
        search_params = "";
        rc = vsag_index_make(name, build_params, &index);
    }
    check(rc, "create index");

    uint64_t failed = 0;
    check(vsag_index_build_vectors(index, data, VSAG_DTYPE_FLOAT32, ids, NUM, DIM, NULL, &failed), "build");
    int64_t n = 0;
    check(vsag_index_get_num_elements(index, &n), "count");
    printf("built %s with %lld vectors (%llu rejected)\n", name, (long long)n, (unsigned long long)failed);

    /* queries: the first NQ base vectors, so each must find itself first */
    int64_t res_ids[NQ * K];
    float res_dists[NQ * K];
    check(vsag_index_knn_search_batch(index, data, VSAG_DTYPE_FLOAT32, NQ, DIM, K, search_params, NULL, res_ids,
                                      res_dists),
          "search");
    int ok = 1;
    for (int q = 0; q < NQ; q++) {
        printf("query %d:", q);
        for (int j = 0; j < 3; j++) printf(" %lld (%.3f)", (long long)res_ids[q * K + j], res_dists[q * K + j]);
        printf(" ...\n");
        ok &= res_ids[q * K] == q;
    }

    /* one search request: exclude query 0's own vector with a bitset and ask what became of
     * it and of its former second neighbour */
    vsag_bitset_t excluded = NULL;
    check(vsag_bitset_make(&excluded), "bitset");
    check(vsag_bitset_set(excluded, 0, true), "bitset set");
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    req.query = data;
    req.query_dim = DIM;
    req.topk = K;
    req.parameters = search_params;
    req.invalid = excluded;
    int64_t expected[2] = {0, res_ids[1]};
    req.expected_labels = expected;
    req.num_expected_labels = 2;
    vsag_search_explanation_t why[2];
    int64_t req_ids[K];
    float req_dists[K];
    uint64_t count = 0;
    check(vsag_index_search_request(index, &req, req_ids, req_dists, NULL, K, &count, NULL, why),
          "search request");
    static const char* reasons[] = {"found", "absent", "filtered", "beyond_k", "not_reached"};
    printf("request: %llu results; label %lld %s, label %lld %s\n", (unsigned long long)count,
           (long long)why[0].label, reasons[why[0].reason], (long long)why[1].label,
           reasons[why[1].reason]);
    ok &= why[0].reason == VSAG_REASON_FILTERED && req_ids[0] != 0;
    vsag_bitset_destroy(excluded);

    /* save, then load into a new index recreated from the file */
    check(vsag_index_serialize_file(index, path), "save");
    vsag_index_t loaded = NULL;
    check(vsag_index_load_file(path, &loaded), "load");
    int64_t again_ids[NQ * K];
    float again_dists[NQ * K];
    check(vsag_index_knn_search_batch(loaded, data, VSAG_DTYPE_FLOAT32, NQ, DIM, K, search_params, NULL, again_ids,
                                      again_dists),
          "search loaded");
    ok &= memcmp(res_ids, again_ids, sizeof(res_ids)) == 0;
    printf("saved to %s and loaded: %s\n", path, ok ? "same results" : "DIFFERENT results");

    vsag_index_close(loaded);
    vsag_index_close(index);
    remove(path);
    free(data);
    free(ids);
    return ok ? 0 : 1;
}

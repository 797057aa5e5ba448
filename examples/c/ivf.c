/*
 * IVF in C: train the buckets on generated data, search a few buckets or all of them, name the
 * buckets of one search, save and load, and merge two shards filled from the exported model
 * (the second one's labels renamed through an id map).
 *
 *   cc -std=c99 -Iinclude examples/c/ivf.c -Lbuild/lib -lvsag -Wl,-rpath,build/lib
 *   ./a.out [index file]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsag.h"

#define DIM 32
#define NUM 4000
#define BUCKETS 32
#define NQ 20
#define K 10

static void check(int rc, const char* what) {
    if (rc != VSAG_SUCCESS) {
        fprintf(stderr, "%s failed: %s (%s)\n", what, vsag_errstr(rc), vsag_last_error());
        exit(1);
    }
}

static void echeck(Error_t e, const char* what) {
    if (e.code != VSAG_SUCCESS) {
        fprintf(stderr, "%s failed: %s\n", what, e.message);
        exit(1);
    }
}

static uint64_t state = 7;
static float uniform(void) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)(state >> 40) / 16777216.0f;
}

/* clustered fills n vectors around BUCKETS random centres */
static void clustered(float* out, int n, const float* centres) {
    for (int i = 0; i < n; i++) {
        const float* c = centres + (int)(uniform() * BUCKETS) * DIM;
        for (int j = 0; j < DIM; j++) out[i * DIM + j] = c[j] + uniform() - 0.5f;
    }
}

static double overlap(const int64_t* a, const int64_t* b) {
    int hits = 0;
    for (int q = 0; q < NQ; q++)
        for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++) hits += a[q * K + i] == b[q * K + j];
    return (double)hits / (NQ * K);
}

int main(int argc, char** argv) {
    const char* path = argc > 1 ? argv[1] : "ivf_c.vsag";
    static float centres[BUCKETS * DIM], data[NUM * DIM], queries[NQ * DIM];
    static int64_t ids[NUM], shifted[NUM];
    for (int i = 0; i < BUCKETS * DIM; i++) centres[i] = uniform() * 8 - 4;
    clustered(data, NUM, centres);
    clustered(queries, NQ, centres);
    for (int i = 0; i < NUM; i++) ids[i] = i;

    const char* params =
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":32,\"index_param\":"
        "{\"buckets_count\":32,\"base_quantization_type\":\"sq8\",\"use_reorder\":true,"
        "\"precise_quantization_type\":\"fp32\"}}";
    vsag_index_t index = NULL;
    check(vsag_index_make("ivf", params, &index), "create ivf");
    /* k-means centroids and sq8 ranges from a sample, then the vectors */
    check(vsag_index_train_vectors(index, data, VSAG_DTYPE_FLOAT32, 2000, DIM), "train");
    uint64_t failed = 0;
    check(vsag_index_add_vectors(index, data, VSAG_DTYPE_FLOAT32, ids, NUM, DIM, NULL, &failed), "add");

    static int64_t all_ids[NQ * K], few_ids[NQ * K], want[NQ * K];
    static float dists[NQ * K];
    check(vsag_index_knn_search_batch(index, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K,
                                      "{\"ivf\":{\"scan_buckets_count\":32}}", NULL, all_ids, dists),
          "search all buckets");
    check(vsag_index_knn_search_batch(index, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K,
                                      "{\"ivf\":{\"scan_buckets_count\":1}}", NULL, few_ids, dists),
          "search one bucket");
    printf("scan_buckets_count=1: recall@%d %.3f against all %d buckets\n", K, overlap(few_ids, all_ids),
           BUCKETS);

    /* one search over named buckets only */
    int64_t named[3] = {0, 1, 2};
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    req.query = queries;
    req.query_dim = DIM;
    req.topk = 5;
    req.parameters = "{\"ivf\":{\"scan_buckets_count\":1}}";
    req.bucket_ids = named;
    req.num_bucket_ids = 3;
    int64_t rid[5];
    float rd[5];
    uint64_t count = 0;
    check(vsag_index_search_request(index, &req, rid, rd, NULL, 5, &count, NULL, NULL), "bucket search");
    printf("buckets 0-2: %llu results, nearest %lld\n", (unsigned long long)count, count ? (long long)rid[0] : -1LL);

    const char* search = "{\"ivf\":{\"scan_buckets_count\":8}}";
    check(vsag_index_knn_search_batch(index, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, search, NULL, want, dists),
          "search");
    check(vsag_index_serialize_file(index, path), "save");
    vsag_index_t loaded = NULL;
    check(vsag_index_load_file(path, &loaded), "load");
    check(vsag_index_knn_search_batch(loaded, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, search, NULL, few_ids, dists),
          "search loaded");
    int ok = memcmp(want, few_ids, sizeof(want)) == 0;
    printf("saved to %s and loaded: %s\n", path, ok ? "same results" : "DIFFERENT results");

    /* the trained model, empty: two copies filled separately, merged into a third */
    vsag_index_t model = NULL, shard_a = NULL, shard_b = NULL, merged = NULL;
    echeck(vsag_index_export_model(index, &model), "export model");
    echeck(vsag_index_clone(model, &shard_a), "clone");
    echeck(vsag_index_clone(model, &shard_b), "clone");
    echeck(vsag_index_clone(model, &merged), "clone");
    const int half = NUM / 2;
    for (int i = half; i < NUM; i++) shifted[i] = ids[i] + 1000000;
    check(vsag_index_add_vectors(shard_a, data, VSAG_DTYPE_FLOAT32, ids, half, DIM, NULL, NULL), "fill a");
    check(vsag_index_add_vectors(shard_b, data + half * DIM, VSAG_DTYPE_FLOAT32, shifted + half, NUM - half, DIM,
                                 NULL, NULL),
          "fill b");
    vsag_merge_unit_t units[2] = {VSAG_MERGE_UNIT_INIT, VSAG_MERGE_UNIT_INIT};
    units[0].index = shard_a;
    units[1].index = shard_b;
    units[1].id_map_from = shifted + half; /* label ids[i] + 1000000 becomes ids[i] */
    units[1].id_map_to = ids + half;
    units[1].id_map_count = NUM - half;
    static int64_t merge_failed[NUM];
    uint64_t num_failed = 0;
    check(vsag_index_merge(merged, units, 2, merge_failed, NUM, &num_failed), "merge");
    int64_t n = 0;
    check(vsag_index_get_num_elements(merged, &n), "count");
    check(vsag_index_knn_search_batch(merged, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, search, NULL, few_ids, dists),
          "search merged");
    int same = memcmp(want, few_ids, sizeof(want)) == 0;
    printf("merged two shards of the exported model: %lld vectors, %llu failed, %s\n", (long long)n,
           (unsigned long long)num_failed, same ? "same results" : "DIFFERENT results");
    ok &= same && n == NUM && num_failed == 0;

    vsag_index_t all[6] = {index, loaded, model, shard_a, shard_b, merged};
    for (int i = 0; i < 6; i++) vsag_index_close(all[i]);
    remove(path);
    return ok ? 0 : 1;
}

/*
 * Pyramid in C: one index for many tenants. Every vector carries its tenant's path
 * ("tenant3/shop1"); a search request names a tenant's path (query_path) and runs on that
 * tenant's own graph, so it never returns another tenant's vectors. A second hierarchy
 * (named hierarchies, vsag_dataset_set_hierarchy_paths) partitions the same vectors by
 * category, and a query dataset carrying both paths joins them (hierarchy_op intersection).
 *
 *   cc -std=c99 -Iinclude examples/c/pyramid.c -Lbuild/lib -lvsag -Wl,-rpath,build/lib
 *   ./a.out [index file]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsag.h"

#define DIM 16
#define NUM 3000
#define TENANTS 25
#define K 5

static void check(int rc, const char* what) {
    if (rc != VSAG_SUCCESS) {
        fprintf(stderr, "%s failed: %s (%s)\n", what, vsag_errstr(rc), vsag_last_error());
        exit(1);
    }
}

static uint64_t state = 7;
static float uniform(void) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)(state >> 40) / 16777216.0f;
}

static char shop_buf[NUM][32], cat_buf[NUM][8];

int main(int argc, char** argv) {
    const char* file = argc > 1 ? argv[1] : "pyramid_c.vsag";
    static float vecs[NUM * DIM];
    static int64_t ids[NUM];
    static int tenant[NUM];
    const char* shops[NUM];
    const char* cats[NUM];
    for (int i = 0; i < NUM * DIM; i++) vecs[i] = uniform();
    for (int i = 0; i < NUM; i++) {
        ids[i] = i;
        /* skewed tenants: the first ones hold most rows */
        float u = uniform();
        tenant[i] = (int)(u * u * TENANTS);
        snprintf(shop_buf[i], sizeof(shop_buf[i]), "tenant%d/shop%d", tenant[i], i % 3);
        snprintf(cat_buf[i], sizeof(cat_buf[i]), "cat%d", i % 4);
        shops[i] = shop_buf[i];
        cats[i] = cat_buf[i];
    }
    vsag_index_t index = NULL;
    check(vsag_index_make("pyramid",
                          "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
                          "{\"max_degree\":16,\"ef_construction\":100,\"index_min_size\":32,"
                          "\"hierarchies\":[\"shop\",\"category\"]}}",
                          &index),
          "make");
    vsag_dataset_t ds = NULL;
    check(vsag_dataset_make(&ds), "dataset");
    check(vsag_dataset_set_num_elements(ds, NUM), "dataset");
    check(vsag_dataset_set_dim(ds, DIM), "dataset");
    check(vsag_dataset_set_ids(ds, ids), "dataset");
    check(vsag_dataset_set_float32_vectors(ds, vecs), "dataset");
    check(vsag_dataset_set_hierarchy_paths(ds, "shop", shops, NUM), "shop paths");
    check(vsag_dataset_set_hierarchy_paths(ds, "category", cats, NUM), "category paths");
    check(vsag_index_build_dataset(index, ds, NULL, NULL), "build");
    vsag_dataset_destroy(ds);

    /* the query: row 7 and its tenant's path (and a category for the joined search) */
    const float* q = vecs + 7 * DIM;
    char mine[32];
    snprintf(mine, sizeof(mine), "tenant%d", tenant[7]);
    const char* qshop[1] = {mine};
    const char* qcat[1] = {"cat3"};
    vsag_dataset_t qd = NULL;
    check(vsag_dataset_make(&qd), "query");
    check(vsag_dataset_set_num_elements(qd, 1), "query");
    check(vsag_dataset_set_dim(qd, DIM), "query");
    check(vsag_dataset_set_float32_vectors(qd, q), "query");
    check(vsag_dataset_set_hierarchy_paths(qd, "shop", qshop, 1), "query path");

    int64_t got[K];
    float dist[K];
    uint64_t count = 0;
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    req.topk = K;
    req.query_dataset = qd;
    req.parameters = "{\"pyramid\":{\"ef_search\":64}}";
    check(vsag_index_search_request(index, &req, got, dist, NULL, K, &count, NULL, NULL), "search");
    printf("%s:", mine);
    for (uint64_t i = 0; i < count; i++) {
        printf(" %lld", (long long)got[i]);
        if (tenant[got[i]] != tenant[7]) {
            fprintf(stderr, "label %lld is not %s's\n", (long long)got[i], mine);
            return 1;
        }
    }
    printf("\n");

    check(vsag_dataset_set_hierarchy_paths(qd, "category", qcat, 1), "query path");
    req.parameters = "{\"pyramid\":{\"ef_search\":64,\"hierarchy_op\":\"intersection\"}}";
    check(vsag_index_search_request(index, &req, got, dist, NULL, K, &count, NULL, NULL), "search");
    printf("%s and cat3:", mine);
    for (uint64_t i = 0; i < count; i++) {
        printf(" %lld", (long long)got[i]);
        if (tenant[got[i]] != tenant[7] || got[i] % 4 != 3) {
            fprintf(stderr, "label %lld is not in %s and cat3\n", (long long)got[i], mine);
            return 1;
        }
    }
    printf("\n");
    vsag_dataset_destroy(qd);

    /* saved and loaded with its trees */
    check(vsag_index_serialize_file(index, file), "save");
    vsag_index_destroy(index);
    check(vsag_index_load_file(file, &index), "load");
    vsag_search_request_t one = VSAG_SEARCH_REQUEST_INIT;
    one.topk = K;
    one.query = q;
    one.query_dim = DIM;
    one.parameters = "{\"pyramid\":{\"ef_search\":64,\"hierarchies\":[\"shop\"]}}";
    one.query_path = mine; /* a plain path falls back to every hierarchy searched */
    check(vsag_index_search_request(index, &one, got, dist, NULL, K, &count, NULL, NULL), "search");
    printf("loaded, %s: %llu results\n", mine, (unsigned long long)count);
    vsag_index_destroy(index);
    return 0;
}

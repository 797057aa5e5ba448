/*
 * A program written against VSAG's C API (vsag_c_api.h): the same names, types and calls work
 * with vsag-go's include/vsag.h. It uses the factory, build, knn search into caller arrays,
 * range search, a filter callback, serialize/deserialize to a file, distances by id and vectors
 * by id, and checks each answer against an exact scan.
 *
 *   cc -std=c99 -Wall -Werror -Iinclude examples/c/vsag_c_api.c -Lbuild/lib -lvsag -lm
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsag.h"

#define DIM 32
#define COUNT 1000
#define TOPK 10

static int failures;
static void expect(bool ok, const char* what) {
    if (!ok) {
        failures++;
        fprintf(stderr, "FAILED: %s\n", what);
    }
}
static void must(Error_t e, const char* what) {
    if (e.code != VSAG_SUCCESS) {
        fprintf(stderr, "%s: error %d: %s\n", what, e.code, e.message);
        exit(1);
    }
}

static bool only_even(int64_t id) { return id % 2 == 0; } /* true keeps the id */

static float l2(const float* a, const float* b) {
    float s = 0;
    for (int i = 0; i < DIM; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return s;
}

int main(int argc, char** argv) {
    const char* path = argc > 1 ? argv[1] : "vsag_c_api.index";
    float* data = (float*)malloc(sizeof(float) * COUNT * DIM);
    int64_t* ids = (int64_t*)malloc(sizeof(int64_t) * COUNT);
    srand(7);
    for (int i = 0; i < COUNT; i++) ids[i] = 1000 + i;
    for (int i = 0; i < COUNT * DIM; i++) data[i] = (float)rand() / (float)RAND_MAX;

    const char* index_name = "hgraph";
    const char* build_params =
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":32,"
        "\"index_param\":{\"base_quantization_type\":\"fp32\",\"max_degree\":32,\"ef_construction\":200}}";
    const char* search_params = "{\"hgraph\":{\"ef_search\":200}}";
    vsag_index_t index = vsag_index_factory(index_name, build_params);
    if (index == NULL && vsag_last_error_code() == VSAG_UNSUPPORTED_INDEX) {
        printf("note: this libvsag has no hgraph index; using brute_force instead\n");
        index_name = "brute_force";
        build_params = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":32}";
        search_params = "{}";
        index = vsag_index_factory(index_name, build_params);
    }
    if (index == NULL) {
        fprintf(stderr, "factory: %s\n", vsag_last_error());
        return 1;
    }
    must(vsag_index_build(index, data, ids, DIM, COUNT), "build");

    /* knn search into caller arrays */
    const float* query = data + 17 * DIM;
    float dists[TOPK];
    int64_t results[TOPK];
    SearchResult_t result;
    result.dists = dists;
    result.ids = results;
    result.count = 0;
    result.other_result = NULL;
    must(vsag_index_knn_search(index, query, DIM, TOPK, search_params, &result), "knn search");
    expect(result.count == TOPK, "knn search returns k results");
    expect(results[0] == ids[17] && dists[0] == 0.0f, "the query finds itself first");
    for (int64_t i = 1; i < result.count; i++) expect(dists[i - 1] <= dists[i], "distances ascend");
    /* the k-th distance equals the exact k-th distance */
    float exact[COUNT];
    for (int i = 0; i < COUNT; i++) exact[i] = l2(query, data + i * DIM);
    int closer = 0;
    for (int i = 0; i < COUNT; i++) closer += exact[i] < dists[TOPK - 1];
    expect(closer <= TOPK - 1, "no vector is closer than the k-th result but missing");
    printf("knn: %lld results, nearest %lld at %.4f, k-th at %.4f\n", (long long)result.count,
           (long long)results[0], dists[0], dists[TOPK - 1]);

    /* filter callback: true keeps */
    must(vsag_index_knn_search_with_filter(index, query, DIM, TOPK, search_params, only_even, &result), "filtered");
    for (int64_t i = 0; i < result.count; i++) expect(results[i] % 2 == 0, "filter keeps even ids only");

    /* range search: everything within the 5th distance, at most TOPK */
    must(vsag_index_knn_search(index, query, DIM, TOPK, search_params, &result), "knn search");
    float radius = dists[4];
    must(vsag_index_range_search(index, query, DIM, radius, TOPK, search_params, &result), "range search");
    int within = 0;
    for (int i = 0; i < COUNT; i++) within += exact[i] <= radius;
    expect(result.count == (within < TOPK ? within : TOPK), "range search finds every vector within the radius");
    for (int64_t i = 0; i < result.count; i++) expect(dists[i] <= radius, "range results lie within the radius");
    printf("range: %lld results within %.4f\n", (long long)result.count, radius);
    must(vsag_index_range_search_with_filter(index, query, DIM, radius, TOPK, search_params, only_even, &result),
         "filtered range search");
    for (int64_t i = 0; i < result.count; i++) expect(results[i] % 2 == 0, "range filter keeps even ids only");

    /* distances and vectors by id */
    int64_t some[3] = {ids[3], ids[500], 42}; /* 42 is not in the index */
    float by_id[3];
    must(vsag_index_calculate_distance_by_ids(index, query, DIM, some, 3, by_id), "distance by ids");
    expect(fabsf(by_id[0] - exact[3]) < 1e-3f && fabsf(by_id[1] - exact[500]) < 1e-3f, "distances by id");
    expect(by_id[2] < 0, "a missing id has a negative distance");
    float vectors[2 * DIM];
    must(vsag_index_get_vector_by_ids(index, some, 2, vectors), "vectors by ids");
    expect(memcmp(vectors, data + 3 * DIM, sizeof(float) * DIM) == 0, "vector by id");

    /* serialize to a file, deserialize into a new index, same answers */
    must(vsag_serialize_file(index, path), "serialize");
    vsag_index_t loaded = vsag_index_factory(index_name, build_params);
    must(vsag_deserialize_file(loaded, path), "deserialize");
    float dists2[TOPK];
    int64_t results2[TOPK];
    SearchResult_t result2 = {dists2, results2, 0, NULL};
    must(vsag_index_knn_search(index, query, DIM, TOPK, search_params, &result), "knn search");
    must(vsag_index_knn_search(loaded, query, DIM, TOPK, search_params, &result2), "knn search loaded");
    expect(result.count == result2.count && memcmp(results, results2, sizeof(results)) == 0,
           "the loaded index answers the same");
    Error_t missing = vsag_deserialize_file(loaded, "no-such-file.index");
    expect(missing.code != VSAG_SUCCESS, "deserializing a missing file fails");

    must(vsag_index_destroy(loaded), "destroy");
    must(vsag_index_destroy(index), "destroy");
    remove(path);
    free(data);
    free(ids);
    printf("%s: %s\n", index_name, failures == 0 ? "all answers correct" : "WRONG answers");
    return failures == 0 ? 0 : 1;
}

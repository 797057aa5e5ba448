/*
 * capi_overhead: the single-query overhead of the C ABI itself, measured in process: for each
 * call of vsag_index_knn_search_batch (nq = 1), its wall time minus the engine's own time for
 * the same call (vsag_last_search_nanoseconds). Prints p50 / p90 of the overhead and the
 * engine's own p50.
 *
 *   capi_overhead INDEX_FILE [nq rounds k ef]
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vsag.h"

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_i64(const void* a, const void* b) {
    int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
    return (x > y) - (x < y);
}

static double pct(int64_t* v, size_t n, double q) {
    qsort(v, n, sizeof *v, cmp_i64);
    size_t i = (size_t)(q / 100.0 * (double)(n - 1) + 0.5);
    return (double)v[i];
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s INDEX_FILE [nq rounds k ef]\n", argv[0]);
        return 2;
    }
    size_t nq = argc > 2 ? (size_t)atol(argv[2]) : 1000;
    size_t rounds = argc > 3 ? (size_t)atol(argv[3]) : 20;
    int64_t k = argc > 4 ? atol(argv[4]) : 10;
    int ef = argc > 5 ? atoi(argv[5]) : 32;
    vsag_index_t index = NULL;
    if (vsag_index_load_file(argv[1], &index) != 0) {
        fprintf(stderr, "load %s: %s\n", argv[1], vsag_last_error());
        return 1;
    }
    int64_t dim = 0;
    vsag_index_get_dim(index, &dim);
    float* q = malloc(sizeof(float) * nq * (size_t)dim);
    int64_t* ids = malloc(sizeof(int64_t) * (size_t)k);
    float* dists = malloc(sizeof(float) * (size_t)k);
    size_t total = nq * rounds;
    int64_t* over = malloc(sizeof(int64_t) * total);
    int64_t* eng = malloc(sizeof(int64_t) * total);
    if (!q || !ids || !dists || !over || !eng) return 1;
    srand(7);
    for (size_t i = 0; i < nq * (size_t)dim; i++) q[i] = (float)rand() / (float)RAND_MAX;
    char params[64];
    snprintf(params, sizeof params, "{\"hgraph\":{\"ef_search\":%d}}", ef);
    for (size_t i = 0; i < nq && i < 200; i++)
        vsag_index_knn_search_batch(index, q + i * (size_t)dim, VSAG_DTYPE_FLOAT32, 1, (uint64_t)dim, k,
                                    params, NULL, ids, dists);
    for (size_t j = 0; j < total; j++) {
        const float* qi = q + (j % nq) * (size_t)dim;
        uint64_t t = now_ns();
        int st = vsag_index_knn_search_batch(index, qi, VSAG_DTYPE_FLOAT32, 1, (uint64_t)dim, k,
                                             params, NULL, ids, dists);
        t = now_ns() - t;
        if (st != 0) {
            fprintf(stderr, "search: %s\n", vsag_last_error());
            return 1;
        }
        eng[j] = (int64_t)vsag_last_search_nanoseconds();
        over[j] = (int64_t)t - eng[j];
    }
    double e50 = pct(eng, total, 50);
    double o50 = pct(over, total, 50), o90 = pct(over, total, 90);
    printf("{\"binding\": \"c\", \"samples\": %zu, \"engine_p50_us\": %.3f, "
           "\"c_overhead_p50_us\": %.3f, \"c_overhead_p90_us\": %.3f}\n",
           total, e50 / 1e3, o50 / 1e3, o90 / 1e3);
    vsag_index_close(index);
    return 0;
}

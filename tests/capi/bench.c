/*
 * bench.c measures the cost of going through libvsag.so's C ABI. It reports:
 *   - trivial calls (vsag_index_get_num_elements, vsag_index_check_id_exist, vsag_bitset_test)
 *     from the main thread and from a new pthread, in ns per call;
 *   - a search that does almost no work (64 vectors), for the per-call cost of a search;
 *   - one query through vsag_index_knn_search_batch (nq = 1), in us;
 *   - a batch of 1000 queries through vsag_index_knn_search_batch, in ms (median of runs),
 *     for brute_force and hgraph.
 * capi/ffi_bench_test.go (BenchmarkGoAPI) runs the same workloads, on the same generated data,
 * through the Go API; `make bench-capi` runs both.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "vsag.h"

#define DIM 128
#define NBASE 10000
#define NQ 1000
#define K 10
#define RUNS 7

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* cpu returns the CPU time (user + system, all threads) the process has used, in seconds. */
static double cpu(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec * 1e-6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec * 1e-6;
}

/* Same generator as capi/ffi_bench_test.go. */
static uint64_t state;
static void seed(uint64_t s) { state = s * 2862933555777941757ull + 3037000493ull; }
static float uniform(void) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((state >> 40) & 0xFFFFFF) / 16777216.0f;
}
static float* gen(int64_t n, uint64_t s) {
    float* v = (float*)malloc(sizeof(float) * (size_t)(n * DIM));
    seed(s);
    for (int64_t i = 0; i < n * DIM; i++) v[i] = uniform();
    return v;
}

static void must(int rc, const char* what) {
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", what, vsag_last_error());
        exit(1);
    }
}

static int cmp_double(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return x < y ? -1 : x > y;
}

static vsag_index_t trivial_index;
static vsag_bitset_t trivial_bitset;
static void* trivial_calls(void* arg) {
    const char* where = (const char*)arg;
    const int n = 2000000;
    int64_t v = 0;
    bool b = false;
    /* warm up: the first call on a thread binds it to the Go runtime */
    must(vsag_index_get_num_elements(trivial_index, &v), "warm up");
    double t = now();
    for (int i = 0; i < n; i++) vsag_index_get_num_elements(trivial_index, &v);
    double ne = (now() - t) / n * 1e9;
    t = now();
    for (int i = 0; i < n; i++) vsag_index_check_id_exist(trivial_index, i & 1023, &b);
    double ce = (now() - t) / n * 1e9;
    t = now();
    for (int i = 0; i < n; i++) vsag_bitset_test(trivial_bitset, i & 1023, &b);
    double bt = (now() - t) / n * 1e9;
    t = now();
    for (int i = 0; i < n; i++) vsag_version();
    double pv = (now() - t) / n * 1e9;
    printf("trivial calls (%s): get_num_elements %.0f ns, check_id_exist %.0f ns, bitset_test %.0f ns; "
           "plain C vsag_version %.1f ns\n",
           where, ne, ce, bt, pv);
    return NULL;
}

/* tiny: the per-call cost of a search that does almost no work (64 vectors of dim 16) */
static void bench_tiny(void) {
    vsag_index_t idx = NULL;
    must(vsag_index_make("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16}", &idx), "make");
    float* v = gen(64 * 8, 3); /* 64 rows of 16 */
    int64_t ids[64];
    for (int i = 0; i < 64; i++) ids[i] = i;
    must(vsag_index_add_vectors(idx, v, VSAG_DTYPE_FLOAT32, ids, 64, 16, NULL, NULL), "add");
    int64_t out[K];
    float d[K];
    SearchResult_t r = {d, out, 0, NULL};
    const int n = 200000;
    double best_b = 1e9, best_c = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double t = now();
        for (int i = 0; i < n; i++)
            vsag_index_knn_search_batch(idx, v + (i & 63) * 16, VSAG_DTYPE_FLOAT32, 1, 16, K, "", NULL, out, d);
        double b = (now() - t) / n * 1e9;
        t = now();
        for (int i = 0; i < n; i++) vsag_index_knn_search(idx, v + (i & 63) * 16, 16, K, "", &r);
        double c = (now() - t) / n * 1e9;
        best_b = b < best_b ? b : best_b;
        best_c = c < best_c ? c : best_c;
    }
    printf("tiny search (64 x 16, k=10), best of 5: vsag_index_knn_search_batch(nq=1) %.0f ns, "
           "vsag_index_knn_search %.0f ns\n", best_b, best_c);
    free(v);
    vsag_index_close(idx);
}

static void bench_index(const char* name, const char* params, const char* sp, const float* base,
                        const int64_t* ids, const float* queries) {
    vsag_index_t idx = NULL;
    int rc = vsag_index_make(name, params, &idx);
    if (rc == VSAG_UNSUPPORTED_INDEX) {
        printf("%s: not in this library\n", name);
        return;
    }
    must(rc, "make");
    double t = now();
    must(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, NBASE, DIM, NULL, NULL), "build");
    printf("%s: built %d x %d in %.2f s\n", name, NBASE, DIM, now() - t);

    int64_t* out_ids = (int64_t*)malloc(sizeof(int64_t) * NQ * K);
    float* out_d = (float*)malloc(sizeof(float) * NQ * K);
    /* single queries, one call each */
    const int singles = 2000;
    must(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, sp, NULL, out_ids, out_d), "warm");
    t = now();
    for (int i = 0; i < singles; i++)
        vsag_index_knn_search_batch(idx, queries + (i % NQ) * DIM, VSAG_DTYPE_FLOAT32, 1, DIM, K, sp, NULL, out_ids,
                                    out_d);
    printf("%s: single query via C ABI: %.2f us\n", name, (now() - t) / singles * 1e6);

    double runs[RUNS], cpus[RUNS];
    must(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, sp, NULL, out_ids, out_d), "warm");
    for (int r = 0; r < RUNS; r++) {
        double c = cpu();
        t = now();
        must(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, sp, NULL, out_ids, out_d),
             "batch");
        runs[r] = now() - t;
        cpus[r] = cpu() - c;
    }
    qsort(runs, RUNS, sizeof(double), cmp_double);
    qsort(cpus, RUNS, sizeof(double), cmp_double);
    printf("%s: batch of %d queries via C ABI: median %.3f ms (min %.3f ms, %d runs), cpu median %.3f ms\n", name,
           NQ, runs[RUNS / 2] * 1e3, runs[0] * 1e3, RUNS, cpus[RUNS / 2] * 1e3);
    free(out_ids);
    free(out_d);
    vsag_index_close(idx);
}

int main(void) {
    float* base = gen(NBASE, 1);
    float* queries = gen(NQ, 2);
    int64_t* ids = (int64_t*)malloc(sizeof(int64_t) * NBASE);
    for (int i = 0; i < NBASE; i++) ids[i] = i;

    must(vsag_index_make("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":128}", &trivial_index),
         "make");
    must(vsag_index_add_vectors(trivial_index, base, VSAG_DTYPE_FLOAT32, ids, 1000, DIM, NULL, NULL), "add");
    must(vsag_bitset_make(&trivial_bitset), "bitset");
    trivial_calls((void*)"main thread");
    pthread_t th;
    pthread_create(&th, NULL, trivial_calls, (void*)"new pthread");
    pthread_join(th, NULL);
    vsag_index_close(trivial_index);
    vsag_bitset_destroy(trivial_bitset);
    bench_tiny();

    bench_index("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":128}", "", base, ids, queries);
    bench_index("hgraph",
                "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":128,\"index_param\":"
                "{\"base_quantization_type\":\"fp32\",\"max_degree\":32,\"ef_construction\":100}}",
                "{\"hgraph\":{\"ef_search\":100}}", base, ids, queries);
    free(base);
    free(queries);
    free(ids);
    return 0;
}

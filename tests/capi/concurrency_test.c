/*
 * concurrency_test.c: several pthreads search one index (batch, single and compat searches)
 * while one thread adds vectors and another removes some; then threads race a destroy against
 * searches on a second index. Checks that every call either succeeds with well-formed results
 * or fails cleanly, and that the final counts are exact. Runs for brute_force and, when the
 * library has it, hgraph.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdbool.h>

#include "testutil.h"

#define DIM 16
#define INITIAL 2000
#define ADDED 2000
#define BATCH 50
#define SEARCHERS 4
#define K 10

static float* vecs;
static int64_t* labels;
static float* queries;
static vsag_index_t shared;
static const char* search_params = "";
static const char* index_name = "";
static volatile int adding_done;
static pthread_mutex_t report_mu = PTHREAD_MUTEX_INITIALIZER;
static int thread_errors;

static void report(const char* what, int rc) {
    pthread_mutex_lock(&report_mu);
    thread_errors++;
    fprintf(stderr, "%s: %s failed: %d %s\n", index_name, what, rc, vsag_last_error());
    pthread_mutex_unlock(&report_mu);
}

/*
 * A search that returns fewer than K results while vectors are being added is wrong for every
 * index type: the index always holds far more than K live vectors.
 */
static bool exact_index;
static int short_results;
static void note_short(int got) {
    pthread_mutex_lock(&report_mu);
    short_results++;
    pthread_mutex_unlock(&report_mu);
    if (exact_index) {
        fprintf(stderr, "%s: only %d of %d results\n", index_name, got, K);
        report("exact search", 0);
    }
}

static void* adder(void* arg) {
    (void)arg;
    for (int i = INITIAL; i < INITIAL + ADDED; i += BATCH) {
        uint64_t nf = 1;
        int rc = vsag_index_add_vectors(shared, vecs + (int64_t)i * DIM, VSAG_DTYPE_FLOAT32, labels + i,
                                        BATCH, DIM, NULL, &nf);
        if (rc != 0 || nf != 0) report("add", rc);
    }
    adding_done = 1;
    return NULL;
}

static void* remover(void* arg) {
    (void)arg;
    /* remove every 10th of the initial labels, one call at a time */
    for (int i = 0; i < INITIAL; i += 10) {
        uint32_t removed = 0;
        int rc = vsag_index_remove(shared, labels[i], &removed);
        if (rc != 0 || removed != 1) report("remove", rc);
    }
    return NULL;
}

static void* searcher(void* arg) {
    int id = (int)(intptr_t)arg;
    int64_t ids[8 * K];
    float d[8 * K];
    int rounds = 0;
    while (!adding_done || rounds < 20) {
        rounds++;
        const float* q = queries + ((rounds * 7 + id) % 56) * DIM;
        int rc = vsag_index_knn_search_batch(shared, q, VSAG_DTYPE_FLOAT32, 8, DIM, K, search_params,
                                             NULL, ids, d);
        if (rc != 0) {
            report("batch search", rc);
            break;
        }
        for (int j = 0; j < 8 * K; j++) {
            /* well-formed: labels that exist, ascending distances, -1 only as trailing padding */
            if (ids[j] == -1) {
                if (!isinf(d[j])) report("batch search padding", 0);
                if (j % K == 0 || ids[j - 1] != -1) note_short(j % K);
                continue;
            }
            if (ids[j] < 0 || ids[j] >= INITIAL + ADDED || (j % K > 0 && ids[j - 1] == -1)) {
                fprintf(stderr, "result %d of query %d is %lld\n", j % K, j / K, (long long)ids[j]);
                report("batch search result", 0);
                break;
            }
            if (j % K > 0 && d[j] < d[j - 1]) {
                report("batch search order", 0);
                break;
            }
        }
        SearchResult_t r = {d, ids, 0, NULL};
        Error_t e = vsag_index_knn_search(shared, q, DIM, K, search_params, &r);
        if (e.code != 0 || r.count < 1 || r.count > K) {
            fprintf(stderr, "compat search: %lld results\n", (long long)r.count);
            report("compat search", e.code);
        } else if (r.count < K) {
            note_short((int)r.count);
        }
        vsag_dataset_t res = NULL;
        rc = vsag_index_knn_search_vector(shared, q, VSAG_DTYPE_FLOAT32, DIM, K, search_params, NULL, &res);
        if (rc != 0) report("vector search", rc);
        vsag_dataset_destroy(res);
        /* a search request explaining its own first result and a label being removed */
        vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
        req.query = q;
        req.query_dim = DIM;
        req.topk = K;
        req.parameters = search_params;
        int64_t expect[2] = {ids[0], labels[(rounds * 10) % INITIAL]};
        vsag_search_explanation_t ex[2];
        req.expected_labels = expect;
        req.num_expected_labels = 2;
        uint64_t cnt = 0, tot = 0;
        rc = vsag_index_search_request(shared, &req, ids, d, NULL, K, &cnt, &tot, ex);
        if (rc != 0 || cnt < 1 || cnt > K || tot != cnt) {
            report("search request", rc);
        } else if (ex[1].reason != VSAG_REASON_ABSENT && ex[1].reason != VSAG_REASON_FOUND &&
                   ex[1].reason != VSAG_REASON_BEYOND_K && ex[1].reason != VSAG_REASON_NOT_REACHED) {
            report("search request explanation", ex[1].reason);
        }
        int64_t n = 0;
        if (vsag_index_get_num_elements(shared, &n) != 0 || n < INITIAL - INITIAL / 10 || n > INITIAL + ADDED)
            report("num elements", 0);
    }
    return NULL;
}

/* Destroy races: searches on a second index see success or a clean INVALID_ARGUMENT. */
static vsag_index_t doomed;
static volatile int destroyed;
static void* doomed_searcher(void* arg) {
    (void)arg;
    int64_t ids[K];
    float d[K];
    for (int i = 0; i < 2000; i++) {
        int rc = vsag_index_knn_search_batch(doomed, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, search_params,
                                             NULL, ids, d);
        if (rc == VSAG_INVALID_ARGUMENT && destroyed) return NULL;
        if (rc != 0) {
            report("search during destroy", rc);
            return NULL;
        }
    }
    return NULL;
}

static void run(const char* name, const char* params, const char* sp) {
    search_params = sp;
    index_name = name;
    exact_index = true;
    short_results = 0;
    adding_done = 0;
    destroyed = 0;
    int rc = vsag_index_make(name, params, &shared);
    if (rc == VSAG_UNSUPPORTED_INDEX) {
        printf("%s is not in this library: skipped\n", name);
        return;
    }
    OK(rc);
    OK(vsag_index_build_vectors(shared, vecs, VSAG_DTYPE_FLOAT32, labels, INITIAL, DIM, NULL, NULL));

    pthread_t add_t, rm_t, s_t[SEARCHERS];
    CHECK(pthread_create(&add_t, NULL, adder, NULL) == 0);
    CHECK(pthread_create(&rm_t, NULL, remover, NULL) == 0);
    for (int i = 0; i < SEARCHERS; i++) CHECK(pthread_create(&s_t[i], NULL, searcher, (void*)(intptr_t)i) == 0);
    pthread_join(add_t, NULL);
    pthread_join(rm_t, NULL);
    for (int i = 0; i < SEARCHERS; i++) pthread_join(s_t[i], NULL);

    int64_t n = 0, removed = 0;
    OK(vsag_index_get_num_elements(shared, &n));
    OK(vsag_index_get_num_removed(shared, &removed));
    CHECK(n == INITIAL + ADDED - INITIAL / 10);
    CHECK(removed == INITIAL / 10);
    /* every added vector is found by itself */
    int64_t ids[K];
    float d[K];
    OK(vsag_index_knn_search_batch(shared, vecs + (int64_t)(INITIAL + ADDED - 1) * DIM, VSAG_DTYPE_FLOAT32, 1, DIM,
                                   K, sp, NULL, ids, d));
    CHECK(ids[0] == INITIAL + ADDED - 1);

    OK(vsag_index_make(name, params, &doomed));
    OK(vsag_index_build_vectors(doomed, vecs, VSAG_DTYPE_FLOAT32, labels, 500, DIM, NULL, NULL));
    pthread_t d_t[3];
    for (int i = 0; i < 3; i++) CHECK(pthread_create(&d_t[i], NULL, doomed_searcher, NULL) == 0);
    struct timespec ts = {0, 2 * 1000 * 1000};
    nanosleep(&ts, NULL);
    destroyed = 1;
    OK(vsag_index_close(doomed));
    for (int i = 0; i < 3; i++) pthread_join(d_t[i], NULL);

    OK(vsag_index_close(shared));
    if (short_results > 0)
        printf("warning: %d searches on %s returned fewer than %d results while vectors were being added\n",
               short_results, name, K);
    printf("%s: concurrent search/add/remove and destroy races done\n", name);
}

int main(void) {
    vecs = tu_vectors(INITIAL + ADDED, DIM, 11);
    queries = tu_vectors(64, DIM, 12);
    labels = (int64_t*)malloc(sizeof(int64_t) * (INITIAL + ADDED));
    for (int i = 0; i < INITIAL + ADDED; i++) labels[i] = i;

    run("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16}", "");
    run("hgraph",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
        "{\"base_quantization_type\":\"fp32\",\"max_degree\":16,\"ef_construction\":80}}",
        "{\"hgraph\":{\"ef_search\":40}}");

    CHECK(thread_errors == 0);
    free(vecs);
    free(queries);
    free(labels);
    return tu_report("concurrency_test");
}

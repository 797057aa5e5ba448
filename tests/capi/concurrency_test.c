/*
 * concurrency_test.c: several pthreads search one index (batch, single and compat searches)
 * while one thread adds vectors and another removes some; then threads race a destroy against
 * searches on a second index. Checks that every call either succeeds with well-formed results
 * or fails cleanly, and that the final counts are exact. Runs for brute_force and, when the
 * library has it, hgraph. Then ivf merges race each other over the same indexes in opposite
 * orders (A and B into C, B and A into D, C into D, D into C) while other threads search and
 * save them: none may wait forever (an alarm ends a hung run) and the counts are exact.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

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

/* ---- ivf merges racing each other ---- */

#define MERGE_ROUNDS 15
#define SHARD 600
static vsag_index_t ma, mb, mc, md;

struct merge_job {
    vsag_index_t target;
    vsag_index_t sources[2];
    int n;
};

static void* merger(void* arg) {
    struct merge_job* j = (struct merge_job*)arg;
    vsag_merge_unit_t u[2] = {VSAG_MERGE_UNIT_INIT, VSAG_MERGE_UNIT_INIT};
    for (int i = 0; i < j->n; i++) u[i].index = j->sources[i];
    for (int r = 0; r < MERGE_ROUNDS; r++) {
        uint64_t nf = 0;
        int rc = vsag_index_merge(j->target, u, (uint64_t)j->n, NULL, 0, &nf);
        if (rc != 0) report("merge", rc);
    }
    return NULL;
}

static volatile int merging_done;
static void* merge_watcher(void* arg) {
    vsag_index_t idx = (vsag_index_t)arg;
    int64_t ids[K];
    float d[K];
    while (!merging_done) {
        int rc = vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K,
                                             "{\"ivf\":{\"scan_buckets_count\":4}}", NULL, ids, d);
        if (rc != 0) report("search during merges", rc);
        void* buf = NULL;
        uint64_t size = 0;
        rc = vsag_index_serialize_buffer(idx, &buf, &size);
        if (rc != 0) report("save during merges", rc);
        vsag_free(buf);
    }
    return NULL;
}

static void run_merges(void) {
    index_name = "ivf";
    vsag_index_t full = NULL;
    int rc = vsag_index_make("ivf",
                             "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                             "\"index_param\":{\"buckets_count\":4}}",
                             &full);
    if (rc == VSAG_UNSUPPORTED_INDEX) {
        printf("ivf is not in this library: skipped\n");
        return;
    }
    OK(rc);
    alarm(120); /* a merge waiting forever ends the test */
    OK(vsag_index_train_vectors(full, vecs, VSAG_DTYPE_FLOAT32, 2 * SHARD, DIM));
    vsag_index_t model = NULL;
    EOK(vsag_index_export_model(full, &model));
    EOK(vsag_index_clone(model, &ma));
    EOK(vsag_index_clone(model, &mb));
    EOK(vsag_index_clone(model, &mc));
    EOK(vsag_index_clone(model, &md));
    OK(vsag_index_add_vectors(ma, vecs, VSAG_DTYPE_FLOAT32, labels, SHARD, DIM, NULL, NULL));
    OK(vsag_index_add_vectors(mb, vecs + SHARD * DIM, VSAG_DTYPE_FLOAT32, labels + SHARD, SHARD, DIM,
                              NULL, NULL));
    struct merge_job jobs[4] = {{mc, {ma, mb}, 2}, {md, {mb, ma}, 2}, {md, {mc, NULL}, 1},
                                {mc, {md, NULL}, 1}};
    merging_done = 0;
    pthread_t t[4], w[2];
    for (int i = 0; i < 4; i++) CHECK(pthread_create(&t[i], NULL, merger, &jobs[i]) == 0);
    CHECK(pthread_create(&w[0], NULL, merge_watcher, mc) == 0);
    CHECK(pthread_create(&w[1], NULL, merge_watcher, ma) == 0);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    merging_done = 1;
    pthread_join(w[0], NULL);
    pthread_join(w[1], NULL);
    alarm(0);
    int64_t n[4] = {0, 0, 0, 0};
    OK(vsag_index_get_num_elements(ma, &n[0]));
    OK(vsag_index_get_num_elements(mb, &n[1]));
    OK(vsag_index_get_num_elements(mc, &n[2]));
    OK(vsag_index_get_num_elements(md, &n[3]));
    CHECK(n[0] == SHARD && n[1] == SHARD && n[2] == 2 * SHARD && n[3] == 2 * SHARD);
    vsag_index_t all[6] = {full, model, ma, mb, mc, md};
    for (int i = 0; i < 6; i++) OK(vsag_index_close(all[i]));
    printf("ivf: %d rounds of four merges in opposite orders with searches and saves done\n",
           MERGE_ROUNDS);
}

/* ---- an owned dataset destroyed while another thread builds from it ---- */

#define OWNED_ROWS 200000
static vsag_dataset_t owned;
static vsag_index_t owned_target;
static volatile int owned_rc = -1;

static void* owned_builder(void* arg) {
    (void)arg;
    owned_rc = vsag_index_build_dataset(owned_target, owned, NULL, NULL);
    return NULL;
}

/* The handle goes at once; the arrays stay until the build has read them. The build either
   succeeds (it had the dataset first) or finds the handle gone: never a fault. */
static void run_owned_destroy(void) {
    float* v = tu_vectors(OWNED_ROWS, DIM, 21);
    int64_t* ids = (int64_t*)malloc(sizeof(int64_t) * OWNED_ROWS);
    for (int i = 0; i < OWNED_ROWS; i++) ids[i] = i;
    OK(vsag_index_make("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16}", &owned_target));
    OK(vsag_dataset_make(&owned));
    OK(vsag_dataset_set_num_elements(owned, OWNED_ROWS));
    OK(vsag_dataset_set_dim(owned, DIM));
    OK(vsag_dataset_set_ids(owned, ids));
    OK(vsag_dataset_set_float32_vectors(owned, v));
    OK(vsag_dataset_set_owner(owned, true)); /* the dataset frees v and ids */
    pthread_t t;
    CHECK(pthread_create(&t, NULL, owned_builder, NULL) == 0);
    struct timespec ts = {0, 1000 * 1000};
    nanosleep(&ts, NULL);
    vsag_dataset_destroy(owned);
    pthread_join(t, NULL);
    int64_t n = -1;
    OK(vsag_index_get_num_elements(owned_target, &n));
    CHECK((owned_rc == VSAG_SUCCESS && n == OWNED_ROWS) || (owned_rc == VSAG_INVALID_ARGUMENT && n == 0));
    OK(vsag_index_close(owned_target));
    printf("owned dataset destroyed during a build: rc %d, %lld rows\n", owned_rc, (long long)n);
}

int main(void) {
    run_owned_destroy();
    vecs = tu_vectors(INITIAL + ADDED, DIM, 11);
    queries = tu_vectors(64, DIM, 12);
    labels = (int64_t*)malloc(sizeof(int64_t) * (INITIAL + ADDED));
    for (int i = 0; i < INITIAL + ADDED; i++) labels[i] = i;

    run("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16}", "");
    run("hgraph",
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
        "{\"base_quantization_type\":\"fp32\",\"max_degree\":16,\"ef_construction\":80}}",
        "{\"hgraph\":{\"ef_search\":40}}");
    run_merges();

    CHECK(thread_errors == 0);
    free(vecs);
    free(queries);
    free(labels);
    return tu_report("concurrency_test");
}

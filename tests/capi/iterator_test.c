/* Iterator search sessions through the C ABI: vsag_iterator_create / next / drain / destroy. */
#include <stdbool.h>

#include "testutil.h"

enum { N = 600, DIM = 12, PAGE = 20 };

static vsag_index_t make_index(const char* name, const char* index_param, const float* base,
                               const int64_t* ids) {
    char params[512];
    snprintf(params, sizeof params,
             "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":%d,\"index_param\":%s}", DIM,
             index_param);
    vsag_index_t idx = NULL;
    OK(vsag_index_make(name, params, &idx));
    uint64_t failed = 0;
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, &failed));
    CHECK(failed == 0);
    return idx;
}

static bool keep_even(int64_t id, void* ctx) {
    (void)ctx;
    return id % 2 == 0;
}

static int contains(const int64_t* ids, uint64_t n, int64_t id) {
    for (uint64_t i = 0; i < n; i++)
        if (ids[i] == id) return 1;
    return 0;
}

/* exact_order checks that brute_force pages, one after the other, are the exact order. */
static void exact_order(const float* base, const int64_t* ids, const float* q) {
    vsag_index_t idx = make_index("brute_force", "{}", base, ids);
    bool on = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_KNN_ITERATOR_FILTER_SEARCH, &on));
    CHECK(on);
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_CONTINUE_SEARCH_SESSION, &on));
    CHECK(on);
    int64_t truth[5 * PAGE];
    float truth_d[5 * PAGE];
    tu_exact_knn(base, ids, N, DIM, q, 5 * PAGE, truth, truth_d);

    vsag_iterator_t it = NULL;
    OK(vsag_iterator_create(idx, q, VSAG_DTYPE_FLOAT32, DIM, "{}", NULL, &it));
    CHECK(it != NULL);
    int64_t got[5 * PAGE];
    float got_d[5 * PAGE];
    for (int p = 0; p < 5; p++) {
        uint64_t n = 0;
        OK(vsag_iterator_next(it, PAGE, got + p * PAGE, got_d + p * PAGE, &n));
        CHECK(n == PAGE);
    }
    for (int i = 0; i < 5 * PAGE; i++) {
        CHECK(got[i] == truth[i]);
        CHECK(tu_near(got_d[i], truth_d[i]));
    }
    /* drain: the next ones, then the session is over */
    int64_t rest[N];
    float rest_d[N];
    uint64_t n = 0;
    OK(vsag_iterator_drain(it, N, rest, rest_d, &n));
    CHECK(n == N - 5 * PAGE);
    CHECK(rest_d[0] >= got_d[5 * PAGE - 1]);
    FAILS(vsag_iterator_next(it, PAGE, got, got_d, &n), VSAG_WRONG_STATUS);
    OK(vsag_iterator_destroy(it));
    FAILS(vsag_iterator_next(it, PAGE, got, got_d, &n), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_iterator_destroy(it), VSAG_INVALID_ARGUMENT);
    OK(vsag_iterator_destroy(NULL));
    OK(vsag_index_close(idx));
}

/* filtered_graph pages an hgraph session with a keep callback, an exclude list copied at
 * create, and a bitset changed and removals made between pages. */
static void filtered_graph(const float* base, const int64_t* ids, const float* q) {
    vsag_index_t idx = make_index(
        "hgraph", "{\"base_quantization_type\":\"fp32\",\"max_degree\":16,\"ef_construction\":80}",
        base, ids);
    vsag_bitset_t bits = NULL;
    OK(vsag_bitset_make(&bits));
    int64_t* excl = (int64_t*)malloc(sizeof(int64_t) * 2);
    excl[0] = 4;
    excl[1] = 8;
    vsag_filter_t f = VSAG_FILTER_INIT;
    f.keep = keep_even;
    f.exclude_ids = excl;
    f.num_exclude_ids = 2;
    f.bitset = bits;
    vsag_iterator_t it = NULL;
    OK(vsag_iterator_create(idx, q, VSAG_DTYPE_FLOAT32, DIM, "{\"hgraph\":{\"ef_search\":40}}", &f,
                            &it));
    excl[0] = excl[1] = 0; /* the session holds its own copy */
    free(excl);

    int64_t seen[N];
    uint64_t nseen = 0;
    int64_t page[PAGE];
    float dist[PAGE];
    for (int p = 0; p < 40; p++) {
        if (p == 2) {
            /* exclude 2 and remove 6 from now on */
            OK(vsag_bitset_set(bits, 2, true));
            int64_t gone = 6;
            uint64_t removed = 0;
            OK(vsag_index_remove_many(idx, &gone, 1, &removed));
        }
        uint64_t n = 0;
        OK(vsag_iterator_next(it, PAGE, page, dist, &n));
        if (n == 0) break;
        for (uint64_t i = 0; i < n; i++) {
            CHECK(page[i] % 2 == 0);
            CHECK(page[i] != 4 && page[i] != 8);
            if (p >= 2) CHECK(page[i] != 2 && page[i] != 6);
            CHECK(!contains(seen, nseen, page[i]));
            seen[nseen++] = page[i];
            if (i > 0) CHECK(dist[i - 1] <= dist[i]);
        }
    }
    /* every even label but 4 and 8 (and 2 and 6 unless returned before they went) */
    uint64_t want = N / 2 - 2;
    if (!contains(seen, nseen, 2)) want--;
    if (!contains(seen, nseen, 6)) want--;
    CHECK(nseen == want);
    OK(vsag_iterator_destroy(it));

    /* a destroyed bitset fails the next page */
    f.exclude_ids = NULL;
    f.num_exclude_ids = 0;
    OK(vsag_iterator_create(idx, q, VSAG_DTYPE_FLOAT32, DIM, "{\"hgraph\":{\"ef_search\":40}}", &f,
                            &it));
    OK(vsag_bitset_destroy(bits));
    uint64_t n = 0;
    FAILS(vsag_iterator_next(it, PAGE, page, dist, &n), VSAG_INVALID_ARGUMENT);
    OK(vsag_iterator_destroy(it));
    OK(vsag_index_close(idx));
}

static void bad_input(const float* base, const int64_t* ids, const float* q) {
    vsag_index_t idx = make_index("brute_force", "{}", base, ids);
    vsag_iterator_t it = NULL;
    FAILS(vsag_iterator_create(idx, q, VSAG_DTYPE_FLOAT32, DIM + 1, "{}", NULL, &it),
          VSAG_DIMENSION_NOT_EQUAL);
    CHECK(it == NULL);
    FAILS(vsag_iterator_create(idx, NULL, VSAG_DTYPE_FLOAT32, DIM, "{}", NULL, &it),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_iterator_create(idx, q, VSAG_DTYPE_FLOAT32, DIM, "{\"nope\":1}", NULL, &it),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_iterator_create(idx, q, VSAG_DTYPE_FLOAT32, DIM, "{}", NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    OK(vsag_iterator_create(idx, q, VSAG_DTYPE_FLOAT32, DIM, "{}", NULL, &it));
    int64_t page[4];
    float dist[4];
    uint64_t n = 0;
    FAILS(vsag_iterator_next(it, 0, page, dist, &n), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_iterator_next(it, 4, NULL, dist, &n), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_iterator_next(it, 4, page, dist, NULL), VSAG_INVALID_ARGUMENT);
    /* an index handle is not an iterator handle */
    FAILS(vsag_iterator_next((vsag_iterator_t)idx, 4, page, dist, &n), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_reset(idx));
    FAILS(vsag_iterator_next(it, 4, page, dist, &n), VSAG_WRONG_STATUS);
    OK(vsag_iterator_destroy(it));
    OK(vsag_index_close(idx));
}

/* ivf_pages runs an ivf session to its end: every label once, each page ascending. */
static void ivf_pages(const float* base, const int64_t* ids, const float* q) {
    vsag_index_t idx = make_index("ivf", "{\"buckets_count\":8}", base, ids);
    bool on = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_KNN_ITERATOR_FILTER_SEARCH, &on));
    CHECK(on);
    vsag_iterator_t it = NULL;
    OK(vsag_iterator_create(idx, q, VSAG_DTYPE_FLOAT32, DIM, "{\"ivf\":{\"scan_buckets_count\":2}}",
                            NULL, &it));
    int64_t seen[N];
    uint64_t nseen = 0;
    int64_t page[PAGE];
    float dist[PAGE];
    for (int p = 0; p < N; p++) {
        uint64_t n = 0;
        OK(vsag_iterator_next(it, PAGE, page, dist, &n));
        if (n == 0) break;
        for (uint64_t i = 0; i < n; i++) {
            CHECK(!contains(seen, nseen, page[i]));
            seen[nseen++] = page[i];
            if (i > 0) CHECK(dist[i - 1] <= dist[i]);
        }
    }
    CHECK(nseen == N);
    OK(vsag_iterator_destroy(it));
    OK(vsag_index_close(idx));
}

int main(void) {
    float* base = tu_vectors(N, DIM, 11);
    float* q = tu_vectors(1, DIM, 12);
    int64_t ids[N];
    for (int i = 0; i < N; i++) ids[i] = i;
    exact_order(base, ids, q);
    filtered_graph(base, ids, q);
    bad_input(base, ids, q);
    ivf_pages(base, ids, q);
    free(base);
    free(q);
    return tu_report("iterator_test");
}

/*
 * capi_test.c exercises every function of include/vsag.h through libvsag.so, including the
 * error paths: bad JSON, unknown index, wrong dim, k <= 0, NULL arguments, destroyed and
 * forged handles, missing and corrupted files. It is compiled only against include/vsag.h
 * (C99, -Wall -Werror) and also built with AddressSanitizer.
 *
 * Usage: capi_test [scratch directory]
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdbool.h>

#include "testutil.h"

#define DIM 16
#define N 400
#define K 10

static const char* BF_PARAMS = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16}";
static char scratch[512] = "/tmp";

static char* path_in_scratch(const char* name) {
    static char buf[4][600];
    static int next;
    char* p = buf[next++ & 3];
    snprintf(p, sizeof(buf[0]), "%s/%s", scratch, name);
    return p;
}

static float* base;
static int64_t ids[N];
static float* queries;

/* ---------------------------------------------------------------------------------------- */

static void test_versions_and_errors(void) {
    CHECK(strcmp(vsag_version(), VSAG_VERSION) == 0);
    CHECK(vsag_version_number() == VSAG_VERSION_NUMBER);
    CHECK(vsag_abi_version() == VSAG_ABI_VERSION);

    CHECK(strcmp(vsag_errstr(0), "SUCCESS") == 0);
    CHECK(strcmp(vsag_errstr(VSAG_INVALID_ARGUMENT), "INVALID_ARGUMENT") == 0);
    CHECK(strcmp(vsag_errstr(3), "INVALID_ARGUMENT") == 0);
    CHECK(strcmp(vsag_errstr(VSAG_INVALID_BINARY), "INVALID_BINARY") == 0);
    CHECK(strcmp(vsag_errstr(-99), "UNKNOWN_ERROR") == 0);

    vsag_clear_last_error();
    CHECK(vsag_last_error_code() == 0);
    CHECK(strcmp(vsag_last_error(), "") == 0);

    CHECK(vsag_get_log_level() == VSAG_LOG_INFO);
    OK(vsag_set_log_level(VSAG_LOG_OFF));
    CHECK(vsag_get_log_level() == VSAG_LOG_OFF);
    FAILS(vsag_set_log_level(7), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_set_log_level(-1), VSAG_INVALID_ARGUMENT);
    OK(vsag_set_log_level(VSAG_LOG_INFO));

    vsag_free(NULL);
}

/* The last error is per thread: a failure on another thread leaves this thread's slot alone. */
static void* fail_on_thread(void* arg) {
    (void)arg;
    int64_t n;
    int rc = vsag_index_get_num_elements(NULL, &n);
    static int ok;
    ok = rc == VSAG_INVALID_ARGUMENT && vsag_last_error_code() == VSAG_INVALID_ARGUMENT &&
         strstr(vsag_last_error(), "NULL") != NULL;
    return &ok;
}

static void test_thread_local_error(void) {
    vsag_index_t idx = vsag_index_factory("no_such_index", BF_PARAMS);
    CHECK(idx == NULL);
    CHECK(vsag_last_error_code() == VSAG_UNSUPPORTED_INDEX);
    char mine[VSAG_ERROR_MESSAGE_SIZE];
    snprintf(mine, sizeof(mine), "%s", vsag_last_error());
    CHECK(strstr(mine, "no_such_index") != NULL);

    pthread_t t;
    void* res = NULL;
    CHECK(pthread_create(&t, NULL, fail_on_thread, NULL) == 0);
    CHECK(pthread_join(t, &res) == 0);
    CHECK(res != NULL && *(int*)res);
    CHECK(strcmp(vsag_last_error(), mine) == 0);
    CHECK(vsag_last_error_code() == VSAG_UNSUPPORTED_INDEX);

    /* success does not clear it */
    int64_t n;
    vsag_index_t ok = vsag_index_factory("brute_force", BF_PARAMS);
    CHECK(ok != NULL);
    OK(vsag_index_get_num_elements(ok, &n));
    CHECK(strcmp(vsag_last_error(), mine) == 0);
    EOK(vsag_index_destroy(ok));
}

/* ---------------------------------------------------------------------------------------- */
/* Layer 1: VSAG C API compatibility                                                         */

static bool keep_even(int64_t id) { return id % 2 == 0; }
/* a callback written elsewhere may answer true with any non-zero byte */
static unsigned char two_for_odd(int64_t id) { return id % 2 ? 2 : 0; }

static unsigned char* wf_buf;
static size_t wf_cap, wf_size;
static void write_func(OffsetType off, SizeType size, const void* data) {
    if (off + size > wf_cap) {
        wf_cap = (size_t)(off + size) * 2;
        wf_buf = (unsigned char*)realloc(wf_buf, wf_cap);
    }
    memcpy(wf_buf + off, data, (size_t)size);
    if (off + size > wf_size) wf_size = (size_t)(off + size);
}
static void read_func(OffsetType off, SizeType size, void* data) {
    memcpy(data, wf_buf + off, (size_t)size);
}
static SizeType size_func(void) { return wf_size; }

static void check_knn_exact(vsag_index_t idx, const float* q, int64_t k) {
    int64_t got[K + 5], want[K + 5];
    float gd[K + 5], wd[K + 5];
    SearchResult_t r = {gd, got, 0, NULL};
    EOK(vsag_index_knn_search(idx, q, DIM, k, "", &r));
    CHECK(r.count == k);
    tu_exact_knn(base, ids, N, DIM, q, k, want, wd);
    for (int64_t j = 0; j < r.count && j < k; j++) {
        CHECK(tu_near(gd[j], wd[j]));
        if (j > 0) CHECK(gd[j - 1] <= gd[j]);
    }
    CHECK(got[0] == want[0]);
}

static void compare_search(vsag_index_t a, vsag_index_t b) {
    for (int qi = 0; qi < 5; qi++) {
        int64_t ia[K], ib[K];
        float da[K], db[K];
        SearchResult_t ra = {da, ia, 0, NULL}, rb = {db, ib, 0, NULL};
        EOK(vsag_index_knn_search(a, queries + qi * DIM, DIM, K, "", &ra));
        EOK(vsag_index_knn_search(b, queries + qi * DIM, DIM, K, "", &rb));
        CHECK(ra.count == rb.count);
        for (int j = 0; j < K && j < ra.count; j++) CHECK(ia[j] == ib[j] && da[j] == db[j]);
    }
}

static void test_compat(void) {
    /* factory errors */
    CHECK(vsag_index_factory("brute_force", "{not json") == NULL);
    CHECK(vsag_last_error_code() == VSAG_INVALID_ARGUMENT);
    CHECK(vsag_index_factory("brute_force", "{\"dim\":16,\"bogus_key\":1}") == NULL);
    CHECK(strstr(vsag_last_error(), "bogus_key") != NULL);
    CHECK(vsag_index_factory("brute_force", "{\"dtype\":\"float32\"}") == NULL);
    CHECK(vsag_index_factory(NULL, BF_PARAMS) == NULL);
    CHECK(vsag_index_factory("brute_force", NULL) == NULL);
    CHECK(vsag_last_error_code() == VSAG_INVALID_ARGUMENT);

    vsag_index_t idx = vsag_index_factory("brute_force", BF_PARAMS);
    CHECK(idx != NULL);
    if (idx == NULL) return;

    /* empty index: zero results, not an error */
    int64_t rid[K + 5];
    float rd[K + 5];
    SearchResult_t r = {rd, rid, -1, NULL};
    EOK(vsag_index_knn_search(idx, queries, DIM, K, "", &r));
    CHECK(r.count == 0);

    /* build errors */
    EFAILS(vsag_index_build(idx, base, ids, DIM + 1, N), VSAG_DIMENSION_NOT_EQUAL);
    EFAILS(vsag_index_build(idx, NULL, ids, DIM, N), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_build(idx, base, NULL, DIM, N), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_build(NULL, base, ids, DIM, N), VSAG_INVALID_ARGUMENT);
    float nan_vec[DIM];
    int64_t nan_id = 999999;
    memcpy(nan_vec, base, sizeof(nan_vec));
    nan_vec[3] = NAN;
    EFAILS(vsag_index_add(idx, nan_vec, &nan_id, DIM, 1), VSAG_INVALID_ARGUMENT);

    /* train: a float32 brute_force index needs none, the call succeeds */
    EOK(vsag_index_train(idx, base, NULL, DIM, N));
    EOK(vsag_index_build(idx, base, ids, DIM, N / 2));
    EOK(vsag_index_add(idx, base + (N / 2) * DIM, ids + N / 2, DIM, N - N / 2));
    EFAILS(vsag_index_build(idx, base, ids, DIM, N), VSAG_BUILD_TWICE);

    /* knn search */
    for (int qi = 0; qi < 5; qi++) check_knn_exact(idx, queries + qi * DIM, K);
    EFAILS(vsag_index_knn_search(idx, queries, DIM, 0, "", &r), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_knn_search(idx, queries, DIM, -3, "", &r), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_knn_search(idx, queries, DIM - 1, K, "", &r), VSAG_DIMENSION_NOT_EQUAL);
    EFAILS(vsag_index_knn_search(idx, queries, DIM, K, "{\"brute_force\":", &r), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_knn_search(idx, queries, DIM, K, "{\"nope\":{}}", &r), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_knn_search(idx, NULL, DIM, K, "", &r), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_knn_search(idx, queries, DIM, K, "", NULL), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_knn_search(NULL, queries, DIM, K, "", &r), VSAG_INVALID_ARGUMENT);
    SearchResult_t nobuf = {NULL, NULL, 0, NULL};
    EFAILS(vsag_index_knn_search(idx, queries, DIM, K, "", &nobuf), VSAG_INVALID_ARGUMENT);
    EOK(vsag_index_knn_search(idx, queries, DIM, K, NULL, &r));
    EOK(vsag_index_knn_search(idx, queries, DIM, K, "{\"parallelism\":1}", &r));
    CHECK(r.count == K);

    /* filter: the callback returns true to keep */
    EOK(vsag_index_knn_search_with_filter(idx, queries, DIM, K, "", keep_even, &r));
    CHECK(r.count == K);
    for (int64_t j = 0; j < r.count; j++) CHECK(rid[j] % 2 == 0);
    union {
        unsigned char (*byte)(int64_t);
        FilterFunc_t filter;
    } odd = {two_for_odd};
    EOK(vsag_index_knn_search_with_filter(idx, queries, DIM, K, "", odd.filter, &r));
    CHECK(r.count == K);
    for (int64_t j = 0; j < r.count; j++) CHECK(rid[j] % 2 == 1);
    EOK(vsag_index_knn_search_with_filter(idx, queries, DIM, K, "", NULL, &r));
    CHECK(r.count == K);
    EFAILS(vsag_index_knn_search_with_filter(NULL, queries, DIM, K, "", keep_even, &r), VSAG_INVALID_ARGUMENT);

    /* range search: radius at the 5th neighbour's distance returns those 5 */
    int64_t want[K];
    float wd[K];
    tu_exact_knn(base, ids, N, DIM, queries, K, want, wd);
    float radius = wd[4] + 1e-6f;
    EOK(vsag_index_range_search(idx, queries, DIM, radius, K, "", &r));
    CHECK(r.count >= 5 && r.count <= K);
    for (int64_t j = 0; j < r.count; j++) CHECK(rd[j] <= radius);
    CHECK(rid[0] == want[0]);
    EOK(vsag_index_range_search(idx, queries, DIM, radius, 2, "", &r));
    CHECK(r.count == 2);
    EOK(vsag_index_range_search_with_filter(idx, queries, DIM, wd[K - 1] + 1e-6f, K, "", keep_even, &r));
    for (int64_t j = 0; j < r.count; j++) CHECK(rid[j] % 2 == 0);
    EFAILS(vsag_index_range_search(NULL, queries, DIM, radius, K, "", &r), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_range_search_with_filter(NULL, queries, DIM, radius, K, "", keep_even, &r), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_range_search(idx, queries, DIM, radius, 0, "", &r), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_range_search(idx, queries, DIM, -1.0f, K, "", &r), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_range_search(idx, queries, DIM + 2, radius, K, "", &r), VSAG_DIMENSION_NOT_EQUAL);

    /* statistics trio */
    SearchResult_t sr = {rd, rid, 0, (void*)&sr};
    CHECK(vsag_search_result_get_statistics(&sr) == NULL);
    EOK(vsag_search_result_enable_statistics(&sr));
    CHECK(sr.other_result == NULL);
    EFAILS(vsag_search_result_enable_statistics(&sr), VSAG_INVALID_ARGUMENT);
    CHECK(vsag_search_result_get_statistics(&sr) == NULL);
    EOK(vsag_index_knn_search(idx, queries, DIM, K, "", &sr));
    const char* st = vsag_search_result_get_statistics(&sr);
    CHECK(st != NULL && strstr(st, "dist_cmp") != NULL);
    CHECK(sr.other_result == (const void*)st);
    EFAILS(vsag_search_result_enable_statistics(&sr), VSAG_INVALID_ARGUMENT);
    vsag_search_result_destroy_statistics(&sr);
    CHECK(sr.other_result == NULL);
    CHECK(vsag_search_result_get_statistics(&sr) == NULL);
    vsag_search_result_destroy_statistics(&sr);
    vsag_search_result_destroy_statistics(NULL);
    CHECK(vsag_search_result_get_statistics(NULL) == NULL);
    EFAILS(vsag_search_result_enable_statistics(NULL), VSAG_INVALID_ARGUMENT);
    /* range search statistics, and a pending request dropped by destroy */
    EOK(vsag_search_result_enable_statistics(&sr));
    EOK(vsag_index_range_search(idx, queries, DIM, radius, K, "", &sr));
    st = vsag_search_result_get_statistics(&sr);
    CHECK(st != NULL && strstr(st, "elapsed_ms") != NULL);
    vsag_search_result_destroy_statistics(&sr);
    EOK(vsag_search_result_enable_statistics(&sr));
    vsag_search_result_destroy_statistics(&sr);
    EOK(vsag_index_knn_search(idx, queries, DIM, K, "", &sr));
    CHECK(vsag_search_result_get_statistics(&sr) == NULL);
    CHECK(sr.other_result == NULL);

    /* distance by ids equals the search distance; missing ids give -1 */
    EOK(vsag_index_knn_search(idx, queries, DIM, K, "", &r));
    int64_t some[3] = {rid[0], rid[1], 123456789};
    float dd[3];
    EOK(vsag_index_calculate_distance_by_ids(idx, queries, DIM, some, 3, dd));
    CHECK(tu_near(dd[0], rd[0]) && tu_near(dd[1], rd[1]) && dd[2] == -1.0f);
    EFAILS(vsag_index_calculate_distance_by_ids(idx, queries, DIM + 1, some, 3, dd), VSAG_DIMENSION_NOT_EQUAL);
    EFAILS(vsag_index_calculate_distance_by_ids(NULL, queries, DIM, some, 3, dd), VSAG_INVALID_ARGUMENT);

    /* vectors by ids */
    float got[2 * DIM];
    int64_t two[2] = {ids[7], ids[300]};
    EOK(vsag_index_get_vector_by_ids(idx, two, 2, got));
    CHECK(memcmp(got, base + 7 * DIM, sizeof(float) * DIM) == 0);
    CHECK(memcmp(got + DIM, base + 300 * DIM, sizeof(float) * DIM) == 0);
    int64_t missing = 987654321;
    EFAILS(vsag_index_get_vector_by_ids(idx, &missing, 1, got), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_get_vector_by_ids(NULL, two, 2, got), VSAG_INVALID_ARGUMENT);

    /* clone is independent */
    vsag_index_t cl = NULL;
    EOK(vsag_index_clone(idx, &cl));
    CHECK(cl != NULL && cl != idx);
    EFAILS(vsag_index_clone(idx, NULL), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_clone(NULL, &cl), VSAG_INVALID_ARGUMENT);
    compare_search(idx, cl);

    /* update ids and vectors on the clone */
    int64_t olds[2] = {ids[0], ids[1]}, news[2] = {100000, 100001};
    EOK(vsag_index_update_ids(cl, olds, news, DIM, 2));
    int64_t n1 = 0, n2 = 0;
    bool ex = true;
    OK(vsag_index_check_id_exist(cl, ids[0], &ex));
    CHECK(!ex);
    OK(vsag_index_check_id_exist(cl, 100000, &ex));
    CHECK(ex);
    OK(vsag_index_check_id_exist(idx, ids[0], &ex));
    CHECK(ex);
    EFAILS(vsag_index_update_ids(cl, olds, news, DIM, 1), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_update_ids(NULL, olds, news, DIM, 1), VSAG_INVALID_ARGUMENT);
    EOK(vsag_index_update_vector(cl, 100000, queries, DIM));
    EOK(vsag_index_knn_search(cl, queries, DIM, 1, "", &r));
    CHECK(r.count == 1 && rid[0] == 100000 && rd[0] == 0.0f);
    EOK(vsag_index_update_vector_force(cl, 100001, queries + DIM, DIM));
    EOK(vsag_index_knn_search(cl, queries + DIM, DIM, 1, "", &r));
    CHECK(r.count == 1 && rid[0] == 100001);
    EFAILS(vsag_index_update_vector(cl, 55555555, queries, DIM), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_update_vector_force(cl, 100000, queries, DIM + 1), VSAG_DIMENSION_NOT_EQUAL);
    EFAILS(vsag_index_update_vector(NULL, 1, queries, DIM), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_update_vector_force(NULL, 1, queries, DIM), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_get_num_elements(idx, &n1));
    OK(vsag_index_get_num_elements(cl, &n2));
    CHECK(n1 == N && n2 == N);

    /* export model: either a working empty model or UNSUPPORTED_INDEX_OPERATION */
    vsag_index_t model = NULL;
    bool can_export = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_EXPORT_MODEL, &can_export));
    Error_t em = vsag_index_export_model(idx, &model);
    if (can_export) {
        CHECK(em.code == VSAG_SUCCESS);
        int64_t mn = -1;
        OK(vsag_index_get_num_elements(model, &mn));
        CHECK(mn == 0);
        EOK(vsag_index_destroy(model));
    } else {
        CHECK(em.code == VSAG_UNSUPPORTED_INDEX_OPERATION);
    }
    EFAILS(vsag_index_export_model(NULL, &model), VSAG_INVALID_ARGUMENT);

    /* serialize to a file and back */
    const char* file = path_in_scratch("compat.vsag");
    EOK(vsag_serialize_file(idx, file));
    vsag_index_t loaded = vsag_index_factory("brute_force", BF_PARAMS);
    EOK(vsag_deserialize_file(loaded, file));
    compare_search(idx, loaded);
    EFAILS(vsag_deserialize_file(loaded, file), VSAG_INDEX_NOT_EMPTY);
    EFAILS(vsag_serialize_file(NULL, file), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_serialize_file(idx, NULL), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_serialize_file(idx, "/nonexistent-dir/x/y.vsag"), VSAG_INVALID_ARGUMENT);
    EOK(vsag_index_destroy(loaded));

    vsag_index_t fresh = vsag_index_factory("brute_force", BF_PARAMS);
    EFAILS(vsag_deserialize_file(fresh, path_in_scratch("does-not-exist.vsag")), VSAG_MISSING_FILE);
    EFAILS(vsag_deserialize_file(NULL, file), VSAG_INVALID_ARGUMENT);
    /* a parameter mismatch names the field */
    vsag_index_t other = vsag_index_factory("brute_force", "{\"dtype\":\"float32\",\"metric_type\":\"ip\",\"dim\":16}");
    Error_t mm = vsag_deserialize_file(other, file);
    CHECK(mm.code == VSAG_INVALID_ARGUMENT && strstr(mm.message, "metric_type") != NULL);
    EOK(vsag_index_destroy(other));

    /* corrupted and truncated files */
    FILE* fp = fopen(file, "rb");
    CHECK(fp != NULL);
    unsigned char* bytes = NULL;
    long size = 0;
    if (fp != NULL) {
        fseek(fp, 0, SEEK_END);
        size = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        bytes = (unsigned char*)malloc((size_t)size);
        CHECK(fread(bytes, 1, (size_t)size, fp) == (size_t)size);
        fclose(fp);
    }
    if (bytes != NULL) {
        const char* bad = path_in_scratch("corrupt.vsag");
        unsigned char* copy = (unsigned char*)malloc((size_t)size);
        memcpy(copy, bytes, (size_t)size);
        copy[size / 2] ^= 0x5A;
        fp = fopen(bad, "wb");
        fwrite(copy, 1, (size_t)size, fp);
        fclose(fp);
        EFAILS(vsag_deserialize_file(fresh, bad), VSAG_INVALID_BINARY);
        fp = fopen(bad, "wb");
        fwrite(bytes, 1, (size_t)size / 3, fp);
        fclose(fp);
        EFAILS(vsag_deserialize_file(fresh, bad), VSAG_INVALID_BINARY);
        fp = fopen(bad, "wb");
        fwrite("hello, not an index", 1, 19, fp);
        fclose(fp);
        EFAILS(vsag_deserialize_file(fresh, bad), VSAG_INVALID_BINARY);
        free(copy);
        int64_t fn = -1;
        OK(vsag_index_get_num_elements(fresh, &fn));
        CHECK(fn == 0);
    }

    /* write/read functions */
    wf_size = 0;
    EOK(vsag_serialize_write_func(idx, write_func));
    CHECK(wf_size > 0 && (long)wf_size == size);
    if (bytes != NULL && (long)wf_size == size) CHECK(memcmp(bytes, wf_buf, wf_size) == 0);
    EOK(vsag_deserialize_read_func(fresh, read_func, size_func));
    compare_search(idx, fresh);
    EFAILS(vsag_serialize_write_func(idx, NULL), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_serialize_write_func(NULL, write_func), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_deserialize_read_func(fresh, read_func, NULL), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_deserialize_read_func(NULL, read_func, size_func), VSAG_INVALID_ARGUMENT);
    free(bytes);

    /* destroy: NULL is fine; use after destroy and double destroy are errors, not crashes */
    EOK(vsag_index_destroy(NULL));
    EOK(vsag_index_destroy(fresh));
    EOK(vsag_index_destroy(cl));
    EOK(vsag_index_destroy(idx));
    EFAILS(vsag_index_destroy(idx), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_knn_search(idx, queries, DIM, K, "", &r), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "destroyed") != NULL);
    EFAILS(vsag_index_add(idx, base, ids, DIM, 1), VSAG_INVALID_ARGUMENT);
    /* forged handles */
    EFAILS(vsag_index_knn_search((vsag_index_t)(uintptr_t)0x1234, queries, DIM, K, "", &r), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_knn_search((vsag_index_t)&r, queries, DIM, K, "", &r), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_destroy((vsag_index_t)(uintptr_t)0xdeadbeefcafeull), VSAG_INVALID_ARGUMENT);
}

/* ---------------------------------------------------------------------------------------- */
/* Layer 2: datasets and bitsets                                                            */

static void test_dataset(void) {
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    CHECK(ds != NULL);
    FAILS(vsag_dataset_make(NULL), VSAG_INVALID_ARGUMENT);

    int64_t v = -1;
    bool own = true;
    OK(vsag_dataset_get_num_elements(ds, &v));
    CHECK(v == 0);
    OK(vsag_dataset_get_dim(ds, &v));
    CHECK(v == 0);
    OK(vsag_dataset_get_owner(ds, &own));
    CHECK(!own);

    int64_t lids[3] = {1, 2, 3};
    float dists[3] = {0.5f, 1.5f, 2.5f};
    uint16_t h16[6] = {1, 2, 3, 4, 5, 6};
    int8_t i8[6] = {1, -2, 3, -4, 5, -6};
    char extra[9] = "abcdefgh";
    OK(vsag_dataset_set_num_elements(ds, 3));
    OK(vsag_dataset_set_dim(ds, 2));
    OK(vsag_dataset_set_ids(ds, lids));
    OK(vsag_dataset_set_distances(ds, dists));
    OK(vsag_dataset_set_float32_vectors(ds, base));
    OK(vsag_dataset_set_float16_vectors(ds, h16));
    OK(vsag_dataset_set_bfloat16_vectors(ds, h16 + 1));
    OK(vsag_dataset_set_int8_vectors(ds, i8));
    OK(vsag_dataset_set_extra_infos(ds, extra));
    OK(vsag_dataset_set_extra_info_size(ds, 2));
    FAILS(vsag_dataset_set_num_elements(ds, -1), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_dataset_set_dim(ds, -5), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_dataset_set_extra_info_size(ds, -5), VSAG_INVALID_ARGUMENT);

    const int64_t* gi = NULL;
    const float* gf = NULL;
    const uint16_t* gh = NULL;
    const int8_t* gb = NULL;
    const char* gc = NULL;
    OK(vsag_dataset_get_num_elements(ds, &v));
    CHECK(v == 3);
    OK(vsag_dataset_get_dim(ds, &v));
    CHECK(v == 2);
    OK(vsag_dataset_get_ids(ds, &gi));
    CHECK(gi == lids);
    OK(vsag_dataset_get_distances(ds, &gf));
    CHECK(gf == dists);
    OK(vsag_dataset_get_float32_vectors(ds, &gf));
    CHECK(gf == base);
    OK(vsag_dataset_get_float16_vectors(ds, &gh));
    CHECK(gh == h16);
    OK(vsag_dataset_get_bfloat16_vectors(ds, &gh));
    CHECK(gh == h16 + 1);
    OK(vsag_dataset_get_int8_vectors(ds, &gb));
    CHECK(gb == i8);
    OK(vsag_dataset_get_extra_infos(ds, &gc));
    CHECK(gc == extra);
    OK(vsag_dataset_get_extra_info_size(ds, &v));
    CHECK(v == 2);
    OK(vsag_dataset_get_statistics(ds, &gc));
    CHECK(gc == NULL);
    FAILS(vsag_dataset_get_ids(ds, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_dataset_get_dim(ds, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_dataset_get_owner(ds, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_dataset_get_statistics(ds, NULL), VSAG_INVALID_ARGUMENT);
    OK(vsag_dataset_destroy(ds));

    /* use after destroy, wrong kind, NULL */
    FAILS(vsag_dataset_get_dim(ds, &v), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_dataset_set_dim(ds, 3), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_dataset_destroy(ds), VSAG_INVALID_ARGUMENT);
    OK(vsag_dataset_destroy(NULL));
    FAILS(vsag_dataset_get_dim(NULL, &v), VSAG_INVALID_ARGUMENT);
    vsag_bitset_t bs = NULL;
    OK(vsag_bitset_make(&bs));
    FAILS(vsag_dataset_get_dim((vsag_dataset_t)bs, &v), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "bitset handle") != NULL);
    OK(vsag_bitset_destroy(bs));

    /* an owning dataset frees malloc'd arrays on destroy (checked by ASan/valgrind builds) */
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_owner(ds, true));
    OK(vsag_dataset_get_owner(ds, &own));
    CHECK(own);
    OK(vsag_dataset_set_ids(ds, (int64_t*)malloc(8 * 4)));
    OK(vsag_dataset_set_float32_vectors(ds, (float*)malloc(4 * 8)));
    OK(vsag_dataset_destroy(ds));
}

static void test_bitset(void) {
    vsag_bitset_t b = NULL;
    OK(vsag_bitset_make(&b));
    FAILS(vsag_bitset_make(NULL), VSAG_INVALID_ARGUMENT);
    uint64_t c = 99;
    bool t = true;
    OK(vsag_bitset_count(b, &c));
    CHECK(c == 0);
    OK(vsag_bitset_set(b, 5, true));
    OK(vsag_bitset_set(b, 1000000, true));
    OK(vsag_bitset_set(b, (int64_t)1 << 40, true));
    OK(vsag_bitset_test(b, 5, &t));
    CHECK(t);
    OK(vsag_bitset_test(b, 6, &t));
    CHECK(!t);
    OK(vsag_bitset_test(b, -1, &t));
    CHECK(!t);
    OK(vsag_bitset_test(b, (int64_t)1 << 40, &t));
    CHECK(t);
    OK(vsag_bitset_count(b, &c));
    CHECK(c == 3);
    int64_t many[4] = {7, 8, 9, 5};
    OK(vsag_bitset_set_many(b, many, 4, true));
    OK(vsag_bitset_count(b, &c));
    CHECK(c == 6);
    OK(vsag_bitset_set(b, 5, false));
    OK(vsag_bitset_count(b, &c));
    CHECK(c == 5);
    OK(vsag_bitset_set_many(b, many, 2, false));
    OK(vsag_bitset_count(b, &c));
    CHECK(c == 3);
    FAILS(vsag_bitset_set(b, -4, true), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_bitset_set_many(b, NULL, 3, true), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_bitset_test(b, 1, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_bitset_count(b, NULL), VSAG_INVALID_ARGUMENT);
    OK(vsag_bitset_clear(b));
    OK(vsag_bitset_count(b, &c));
    CHECK(c == 0);
    OK(vsag_bitset_destroy(b));
    FAILS(vsag_bitset_set(b, 1, true), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_bitset_clear(b), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_bitset_destroy(b), VSAG_INVALID_ARGUMENT);
    OK(vsag_bitset_destroy(NULL));
    FAILS(vsag_bitset_count(NULL, &c), VSAG_INVALID_ARGUMENT);
}

/* ---------------------------------------------------------------------------------------- */
/* Layer 2: index handles                                                                    */

static void test_index_handles(void) {
    vsag_index_t idx = NULL;
    FAILS(vsag_index_make("brute_force", "[1,2]", &idx), VSAG_INVALID_ARGUMENT);
    CHECK(idx == NULL);
    FAILS(vsag_index_make("brute_force", "{\"dim\":0}", &idx), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_make("unknown", BF_PARAMS, &idx), VSAG_UNSUPPORTED_INDEX);
    FAILS(vsag_index_make("brute_force", BF_PARAMS, NULL), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_make("brute_force", BF_PARAMS, &idx));

    int64_t dup_ids[N];
    memcpy(dup_ids, ids, sizeof(dup_ids));
    dup_ids[N - 1] = dup_ids[0]; /* a duplicate label is reported, not fatal */
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, N));
    OK(vsag_dataset_set_dim(ds, DIM));
    OK(vsag_dataset_set_ids(ds, dup_ids));
    OK(vsag_dataset_set_float32_vectors(ds, base));
    OK(vsag_index_train_dataset(idx, ds));
    int64_t failed[N];
    uint64_t nfailed = 99;
    OK(vsag_index_build_dataset(idx, ds, failed, &nfailed));
    CHECK(nfailed == 1 && failed[0] == dup_ids[0]);
    int64_t n = 0;
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == N - 1);
    /* add the last row under its own label */
    OK(vsag_dataset_set_num_elements(ds, 1));
    OK(vsag_dataset_set_ids(ds, ids + N - 1));
    OK(vsag_dataset_set_float32_vectors(ds, base + (N - 1) * DIM));
    OK(vsag_index_add_dataset(idx, ds, NULL, NULL));
    OK(vsag_index_add_dataset(idx, ds, failed, &nfailed));
    CHECK(nfailed == 1);
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == N);
    OK(vsag_dataset_set_dim(ds, DIM + 1));
    FAILS(vsag_index_add_dataset(idx, ds, NULL, NULL), VSAG_DIMENSION_NOT_EQUAL);
    OK(vsag_dataset_set_ids(ds, NULL));
    OK(vsag_dataset_set_dim(ds, DIM));
    FAILS(vsag_index_add_dataset(idx, ds, NULL, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_build_dataset(idx, NULL, NULL, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_train_dataset(NULL, ds), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_add_dataset((vsag_index_t)ds, ds, NULL, NULL), VSAG_INVALID_ARGUMENT);

    uint64_t mem = 0;
    OK(vsag_index_get_memory_usage(idx, &mem));
    CHECK(mem > (uint64_t)N * DIM * 4);

    /* knn search with a query dataset and a bitset of excluded labels */
    vsag_dataset_t q = NULL, res = NULL;
    OK(vsag_dataset_make(&q));
    OK(vsag_dataset_set_num_elements(q, 1));
    OK(vsag_dataset_set_dim(q, DIM));
    OK(vsag_dataset_set_float32_vectors(q, queries));
    int64_t want[K];
    float wd[K];
    tu_exact_knn(base, ids, N, DIM, queries, K, want, wd);
    vsag_bitset_t invalid = NULL;
    OK(vsag_bitset_make(&invalid));
    OK(vsag_bitset_set(invalid, want[0], true));
    OK(vsag_index_knn_search_dataset(idx, q, K, "", invalid, &res));
    int64_t rn = 0, rk = 0;
    const int64_t* rids = NULL;
    const float* rds = NULL;
    const char* st = NULL;
    OK(vsag_dataset_get_num_elements(res, &rn));
    OK(vsag_dataset_get_dim(res, &rk));
    OK(vsag_dataset_get_ids(res, &rids));
    OK(vsag_dataset_get_distances(res, &rds));
    OK(vsag_dataset_get_statistics(res, &st));
    CHECK(rn == 1 && rk == K);
    CHECK(rids[0] == want[1] && tu_near(rds[0], wd[1]));
    for (int64_t j = 0; j < rk; j++) CHECK(rids[j] != want[0]);
    CHECK(st != NULL && strstr(st, "dist_cmp") != NULL);
    bool own = false;
    OK(vsag_dataset_get_owner(res, &own));
    CHECK(own);
    OK(vsag_dataset_destroy(res));
    OK(vsag_index_knn_search_dataset(idx, q, K, NULL, NULL, &res));
    OK(vsag_dataset_get_ids(res, &rids));
    CHECK(rids[0] == want[0]);
    OK(vsag_dataset_destroy(res));
    FAILS(vsag_index_knn_search_dataset(idx, q, 0, "", NULL, &res), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_dataset(idx, q, K, "", NULL, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_dataset(idx, NULL, K, "", NULL, &res), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_dataset(idx, q, K, "", (vsag_bitset_t)q, &res), VSAG_INVALID_ARGUMENT);
    CHECK(res == NULL);

    /* range search with a cap */
    OK(vsag_index_range_search_dataset(idx, q, wd[K - 1] + 1e-6f, "", NULL, -1, &res));
    OK(vsag_dataset_get_dim(res, &rk));
    CHECK(rk >= K);
    OK(vsag_dataset_destroy(res));
    OK(vsag_index_range_search_dataset(idx, q, wd[K - 1] + 1e-6f, "", invalid, 3, &res));
    OK(vsag_dataset_get_dim(res, &rk));
    OK(vsag_dataset_get_ids(res, &rids));
    CHECK(rk == 3 && rids[0] == want[1]);
    OK(vsag_dataset_destroy(res));
    OK(vsag_index_range_search_dataset(idx, q, 0.0f, "", NULL, -1, &res));
    OK(vsag_dataset_get_dim(res, &rk));
    OK(vsag_dataset_get_ids(res, &rids));
    CHECK(rk == 0 && rids != NULL);
    OK(vsag_dataset_destroy(res));
    FAILS(vsag_index_range_search_dataset(idx, q, 1.0f, "", NULL, 0, &res), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_range_search_dataset(NULL, q, 1.0f, "", NULL, -1, &res), VSAG_INVALID_ARGUMENT);

    /* remove */
    uint32_t removed = 9;
    OK(vsag_index_remove(idx, want[0], &removed));
    CHECK(removed == 1);
    OK(vsag_index_remove(idx, want[0], &removed));
    CHECK(removed == 0);
    OK(vsag_index_remove(idx, 77777777, NULL));
    FAILS(vsag_index_remove(NULL, 1, &removed), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_knn_search_dataset(idx, q, 1, "", NULL, &res));
    OK(vsag_dataset_get_ids(res, &rids));
    CHECK(rids[0] == want[1]);
    OK(vsag_dataset_destroy(res));

    /* memory buffers */
    void* buf = NULL;
    uint64_t size = 0;
    OK(vsag_index_serialize_buffer(idx, &buf, &size));
    CHECK(buf != NULL && size > 0);
    FAILS(vsag_index_serialize_buffer(idx, NULL, &size), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_serialize_buffer(NULL, &buf, &size), VSAG_INVALID_ARGUMENT);
    vsag_index_t copy = NULL;
    OK(vsag_index_make("brute_force", BF_PARAMS, &copy));
    OK(vsag_index_deserialize_buffer(copy, buf, size));
    FAILS(vsag_index_deserialize_buffer(copy, buf, size), VSAG_INDEX_NOT_EMPTY);
    int64_t cn = 0, rem = 0;
    OK(vsag_index_get_num_elements(copy, &cn));
    OK(vsag_index_get_num_removed(copy, &rem));
    CHECK(cn == N - 1 && rem == 1);
    OK(vsag_index_close(copy));
    vsag_index_t lb = NULL;
    OK(vsag_index_load_buffer(buf, size, &lb));
    OK(vsag_index_get_num_elements(lb, &cn));
    CHECK(cn == N - 1);
    OK(vsag_index_close(lb));
    FAILS(vsag_index_load_buffer(buf, size / 2, &lb), VSAG_INVALID_BINARY);
    CHECK(lb == NULL);
    FAILS(vsag_index_load_buffer(NULL, size, &lb), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_load_buffer(buf, size, NULL), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_make("brute_force", BF_PARAMS, &copy));
    FAILS(vsag_index_deserialize_buffer(copy, buf, size - 7), VSAG_INVALID_BINARY);
    FAILS(vsag_index_deserialize_buffer(copy, NULL, size), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_deserialize_buffer(NULL, buf, size), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_close(copy));
    vsag_free(buf);

    /* files through the handle API, and the one-call load */
    const char* file = path_in_scratch("handles.vsag");
    OK(vsag_index_serialize_file(idx, file));
    FAILS(vsag_index_serialize_file(idx, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_serialize_file(NULL, file), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_make("brute_force", BF_PARAMS, &copy));
    OK(vsag_index_deserialize_file(copy, file));
    OK(vsag_index_get_num_elements(copy, &cn));
    CHECK(cn == N - 1);
    OK(vsag_index_close(copy));
    OK(vsag_index_make("brute_force", BF_PARAMS, &copy));
    FAILS(vsag_index_deserialize_file(copy, path_in_scratch("missing.vsag")), VSAG_MISSING_FILE);
    FAILS(vsag_index_deserialize_file(NULL, file), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_close(copy));
    vsag_index_t lf = NULL;
    OK(vsag_index_load_file(file, &lf));
    OK(vsag_index_get_num_elements(lf, &cn));
    CHECK(cn == N - 1);
    char name[32];
    uint64_t len = 0;
    OK(vsag_index_get_name(lf, name, sizeof(name), &len));
    CHECK(strcmp(name, "brute_force") == 0 && len == 11);
    OK(vsag_index_close(lf));
    FAILS(vsag_index_load_file(path_in_scratch("missing.vsag"), &lf), VSAG_MISSING_FILE);
    FAILS(vsag_index_load_file(NULL, &lf), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_load_file(file, NULL), VSAG_INVALID_ARGUMENT);

    OK(vsag_dataset_destroy(q));
    OK(vsag_dataset_destroy(ds));
    OK(vsag_bitset_destroy(invalid));
    OK(vsag_index_close(idx));
    OK(vsag_index_close(NULL));
    FAILS(vsag_index_close(idx), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_get_num_elements(idx, &n), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_get_memory_usage(idx, &mem), VSAG_INVALID_ARGUMENT);
}

/* ---------------------------------------------------------------------------------------- */
/* Layer 3: batch and introspection                                                          */

static bool keep_multiple(int64_t id, void* ctx) { return id % *(int64_t*)ctx == 0; }

static void test_batch(void) {
    vsag_index_t idx = NULL;
    OK(vsag_index_make("brute_force", BF_PARAMS, &idx));

    /* empty index */
    int64_t lo = 0, hi = 0;
    FAILS(vsag_index_get_min_max_id(idx, &lo, &hi), VSAG_INDEX_EMPTY);

    OK(vsag_index_train_vectors(idx, base, VSAG_DTYPE_FLOAT32, N, DIM));
    FAILS(vsag_index_train_vectors(idx, base, VSAG_DTYPE_FLOAT32, 0, DIM), VSAG_INVALID_ARGUMENT);
    uint64_t nf = 9;
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N / 2, DIM, NULL, &nf));
    CHECK(nf == 0);
    int64_t failed[N];
    OK(vsag_index_add_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, failed, &nf));
    CHECK(nf == N / 2 && failed[0] == ids[0]);
    FAILS(vsag_index_add_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM + 1, NULL, NULL), VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_add_vectors(idx, base, (vsag_dtype_t)9, ids, N, DIM, NULL, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_add_vectors(idx, NULL, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL), VSAG_BUILD_TWICE);
    FAILS(vsag_index_add_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, (uint64_t)1 << 62, DIM, NULL, NULL), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_add_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, 0, DIM, NULL, NULL));

    /* batch search equals single searches; padding past the index size */
    enum { NQ = 7 };
    int64_t bids[NQ * K];
    float bd[NQ * K];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", NULL, bids, bd));
    for (int qi = 0; qi < NQ; qi++) {
        int64_t want[K];
        float wd[K];
        tu_exact_knn(base, ids, N, DIM, queries + qi * DIM, K, want, wd);
        CHECK(bids[qi * K] == want[0]);
        for (int j = 0; j < K; j++) CHECK(tu_near(bd[qi * K + j], wd[j]));
        vsag_dataset_t one = NULL;
        OK(vsag_index_knn_search_vector(idx, queries + qi * DIM, VSAG_DTYPE_FLOAT32, DIM, K, "", NULL, &one));
        const int64_t* oi = NULL;
        OK(vsag_dataset_get_ids(one, &oi));
        for (int j = 0; j < K; j++) CHECK(oi[j] == bids[qi * K + j]);
        OK(vsag_dataset_destroy(one));
    }
    /* (vsag_index_knn_search_timed is a benchmark hook outside the public library: see
     * bench_hooks_test.c) */
    int64_t tids[NQ * K];
    float td[NQ * K];
    /* one query through the batch call equals row 0 of the batch */
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", NULL, tids, td));
    for (int j = 0; j < K; j++) CHECK(tids[j] == bids[j] && td[j] == bd[j]);

    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 0, DIM, K, "", NULL, NULL, NULL));
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, 0, "", NULL, bids, bd), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM - 1, K, "", NULL, bids, bd), VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", NULL, NULL, bd), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "{", NULL, bids, bd), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_batch(NULL, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", NULL, bids, bd), VSAG_INVALID_ARGUMENT);

    vsag_index_t small = NULL;
    OK(vsag_index_make("brute_force", BF_PARAMS, &small));
    OK(vsag_index_add_vectors(small, base, VSAG_DTYPE_FLOAT32, ids, 3, DIM, NULL, NULL));
    OK(vsag_index_knn_search_batch(small, queries, VSAG_DTYPE_FLOAT32, 2, DIM, 5, "", NULL, bids, bd));
    for (int qi = 0; qi < 2; qi++) {
        for (int j = 0; j < 3; j++) CHECK(bids[qi * 5 + j] >= 0);
        for (int j = 3; j < 5; j++) CHECK(bids[qi * 5 + j] == -1 && isinf(bd[qi * 5 + j]));
    }
    OK(vsag_index_close(small));

    /* filters: exclude-byte mask, keep-packed mask, exclude ids, callback, bitset, combined */
    unsigned char mask[N];
    memset(mask, 0, sizeof(mask));
    for (int i = 0; i < N; i++) mask[i] = (unsigned char)(i % 3 == 0); /* labels are 0..N-1 */
    vsag_filter_t f = VSAG_FILTER_INIT;
    f.mask = mask;
    f.mask_len = N;
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", &f, bids, bd));
    for (int i = 0; i < NQ * K; i++) CHECK(bids[i] >= 0 && bids[i] % 3 != 0);

    unsigned char packed[(N + 7) / 8];
    memset(packed, 0, sizeof(packed));
    for (int i = 0; i < N; i += 4) packed[i / 8] |= (unsigned char)(1u << (i % 8));
    vsag_filter_t fk = VSAG_FILTER_INIT;
    fk.flags = VSAG_FILTER_MASK_KEEP | VSAG_FILTER_MASK_PACKED;
    fk.mask = packed;
    fk.mask_len = N;
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", &fk, bids, bd));
    for (int i = 0; i < NQ * K; i++) CHECK(bids[i] >= 0 && bids[i] % 4 == 0);

    int64_t want[K];
    float wd[K];
    tu_exact_knn(base, ids, N, DIM, queries, K, want, wd);
    vsag_filter_t fe = VSAG_FILTER_INIT;
    fe.exclude_ids = want;
    fe.num_exclude_ids = 3;
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", &fe, bids, bd));
    CHECK(bids[0] == want[3]);

    int64_t modulus = 5;
    vsag_filter_t fc = VSAG_FILTER_INIT;
    fc.keep = keep_multiple;
    fc.keep_ctx = &modulus;
    fc.valid_ratio = 0.2f;
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", &fc, bids, bd));
    for (int i = 0; i < NQ * K; i++) CHECK(bids[i] >= 0 && bids[i] % 5 == 0);

    vsag_bitset_t bs = NULL;
    OK(vsag_bitset_make(&bs));
    OK(vsag_bitset_set(bs, want[0], true));
    vsag_filter_t fb = VSAG_FILTER_INIT;
    fb.bitset = bs;
    fb.keep = keep_multiple; /* combined with the callback */
    fb.keep_ctx = &modulus;
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", &fb, bids, bd));
    for (int j = 0; j < K; j++) CHECK(bids[j] != want[0] && bids[j] % 5 == 0);

    vsag_filter_t fbad = VSAG_FILTER_INIT;
    fbad.struct_size = 0;
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", &fbad, bids, bd), VSAG_INVALID_ARGUMENT);
    fbad = (vsag_filter_t)VSAG_FILTER_INIT;
    fbad.valid_ratio = 2.0f;
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", &fbad, bids, bd), VSAG_INVALID_ARGUMENT);
    fbad = (vsag_filter_t)VSAG_FILTER_INIT;
    fbad.bitset = (vsag_bitset_t)idx;
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", &fbad, bids, bd), VSAG_INVALID_ARGUMENT);
    /* a caller built against an older, smaller struct: fields past struct_size are ignored */
    vsag_filter_t fold = VSAG_FILTER_INIT;
    fold.struct_size = 40; /* up to exclude_ids */
    fold.mask = mask;
    fold.mask_len = N;
    fold.keep = keep_multiple;
    fold.keep_ctx = NULL; /* would crash if read */
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", &fold, bids, bd));
    for (int j = 0; j < K; j++) CHECK(bids[j] % 3 != 0);

    /* single knn and range searches by vector, with filter and statistics */
    vsag_dataset_t res = NULL;
    const char* st = NULL;
    const int64_t* rids = NULL;
    int64_t rk = 0;
    OK(vsag_index_knn_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, K, "", &fb, &res));
    OK(vsag_dataset_get_statistics(res, &st));
    CHECK(st != NULL && strstr(st, "dist_cmp") != NULL);
    OK(vsag_dataset_destroy(res));
    FAILS(vsag_index_knn_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, 0, "", NULL, &res), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_vector(idx, NULL, VSAG_DTYPE_FLOAT32, DIM, K, "", NULL, &res), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_knn_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM + 1, K, "", NULL, &res), VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_knn_search_vector(NULL, queries, VSAG_DTYPE_FLOAT32, DIM, K, "", NULL, &res), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_range_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, wd[K - 1] + 1e-6f, "", &fe, -1, &res));
    OK(vsag_dataset_get_dim(res, &rk));
    OK(vsag_dataset_get_ids(res, &rids));
    CHECK(rk == K - 3 && rids[0] == want[3]);
    OK(vsag_dataset_destroy(res));
    FAILS(vsag_index_range_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, 1.0f, "", NULL, 0, &res), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_range_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM + 1, 1.0f, "", NULL, -1, &res), VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_range_search_vector(NULL, queries, VSAG_DTYPE_FLOAT32, DIM, 1.0f, "", NULL, -1, &res), VSAG_INVALID_ARGUMENT);

    /* distances by ids */
    float dd[3];
    int64_t three[3] = {want[0], want[1], -5};
    OK(vsag_index_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, DIM, three, 3, dd));
    CHECK(tu_near(dd[0], wd[0]) && tu_near(dd[1], wd[1]) && dd[2] == -1.0f);
    FAILS(vsag_index_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, DIM + 1, three, 3, dd), VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_calc_distance_by_ids(NULL, queries, VSAG_DTYPE_FLOAT32, DIM, three, 3, dd), VSAG_INVALID_ARGUMENT);

    /* many queries in one call: NQ queries x 3 labels each, row-major, -1 for a missing label */
    {
        int64_t per[NQ * 3];
        float pd[NQ * 3];
        for (int qi = 0; qi < NQ; qi++) {
            per[qi * 3] = ids[qi];
            per[qi * 3 + 1] = ids[N - 1 - qi];
            per[qi * 3 + 2] = qi % 2 ? -7 : N + 1000; /* missing */
        }
        OK(vsag_index_batch_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, per, 3, pd));
        for (int qi = 0; qi < NQ; qi++) {
            const float* q = queries + qi * DIM;
            CHECK(tu_near(pd[qi * 3], tu_l2(base + qi * DIM, q, DIM)));
            CHECK(tu_near(pd[qi * 3 + 1], tu_l2(base + (N - 1 - qi) * DIM, q, DIM)));
            CHECK(pd[qi * 3 + 2] == -1.0f);
            float one[3];
            OK(vsag_index_calc_distance_by_ids(idx, q, VSAG_DTYPE_FLOAT32, DIM, per + qi * 3, 3, one));
            for (int j = 0; j < 3; j++) CHECK(one[j] == pd[qi * 3 + j]);
        }
        OK(vsag_index_batch_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, 0, DIM, NULL, 3, NULL));
        OK(vsag_index_batch_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, NULL, 0, NULL));
        FAILS(vsag_index_batch_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM + 1, per, 3, pd), VSAG_DIMENSION_NOT_EQUAL);
        FAILS(vsag_index_batch_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, NULL, 3, pd), VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_batch_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, per, 3, NULL), VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_batch_calc_distance_by_ids(idx, NULL, VSAG_DTYPE_FLOAT32, NQ, DIM, per, 3, pd), VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_batch_calc_distance_by_ids(idx, queries, (vsag_dtype_t)9, NQ, DIM, per, 3, pd), VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_batch_calc_distance_by_ids(idx, queries, VSAG_DTYPE_FLOAT32, (uint64_t)1 << 40, DIM, per, (uint64_t)1 << 40, pd), VSAG_INVALID_ARGUMENT);
        FAILS(vsag_index_batch_calc_distance_by_ids(NULL, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, per, 3, pd), VSAG_INVALID_ARGUMENT);
        bool can = false;
        OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_BATCH_CALC_DISTANCE_BY_ID, &can));
        CHECK(can);
    }

    /* introspection */
    bool b = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_KNN_SEARCH, &b));
    CHECK(b);
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_NEED_TRAIN, &b));
    CHECK(!b);
    OK(vsag_index_check_feature(idx, 1000, &b));
    CHECK(!b);
    FAILS(vsag_index_check_feature(idx, 5, NULL), VSAG_INVALID_ARGUMENT);
    uint64_t est1 = 0, est2 = 0;
    OK(vsag_index_estimate_memory(idx, 1000, &est1));
    OK(vsag_index_estimate_memory(idx, 100000, &est2));
    CHECK(est1 > 1000 * DIM * 4 && est2 > est1);
    FAILS(vsag_index_estimate_memory(NULL, 10, &est1), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_check_id_exist(idx, ids[5], &b));
    CHECK(b);
    OK(vsag_index_check_id_exist(idx, -1, &b));
    CHECK(!b);
    OK(vsag_index_check_id_exist(idx, N + 10, &b));
    CHECK(!b);
    bool exist[3];
    int64_t probe[3] = {ids[0], N + 1, ids[N - 1]};
    OK(vsag_index_check_ids_exist(idx, probe, 3, exist));
    CHECK(exist[0] && !exist[1] && exist[2]);
    FAILS(vsag_index_check_ids_exist(idx, NULL, 3, exist), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_get_min_max_id(idx, &lo, &hi));
    CHECK(lo == 0 && hi == N - 1);
    FAILS(vsag_index_get_min_max_id(idx, NULL, &hi), VSAG_INVALID_ARGUMENT);

    uint64_t removed = 0;
    int64_t rm[3] = {0, 1, 99999};
    OK(vsag_index_remove_many(idx, rm, 3, &removed));
    CHECK(removed == 2);
    OK(vsag_index_get_min_max_id(idx, &lo, &hi));
    CHECK(lo == 2);
    int64_t nrem = 0, num = 0, dim = 0;
    OK(vsag_index_get_num_removed(idx, &nrem));
    OK(vsag_index_get_num_elements(idx, &num));
    CHECK(nrem == 2 && num == N - 2);
    FAILS(vsag_index_remove_many(idx, NULL, 2, &removed), VSAG_INVALID_ARGUMENT);
    /* the remove modes have their own test (remove_test.c); mark mode is remove_many */
    OK(vsag_index_remove_with_mode(idx, rm, 3, VSAG_REMOVE_MARK, &removed));
    CHECK(removed == 0);
    OK(vsag_index_get_dim(idx, &dim));
    CHECK(dim == DIM);
    vsag_dtype_t dt = VSAG_DTYPE_INT8;
    OK(vsag_index_get_dtype(idx, &dt));
    CHECK(dt == VSAG_DTYPE_FLOAT32);
    FAILS(vsag_index_get_dtype(idx, NULL), VSAG_INVALID_ARGUMENT);
    char buf[8];
    uint64_t len = 0;
    OK(vsag_index_get_name(idx, NULL, 0, &len));
    CHECK(len == strlen("brute_force"));
    OK(vsag_index_get_name(idx, buf, sizeof(buf), &len));
    CHECK(strcmp(buf, "brute_f") == 0); /* truncated, NUL-terminated */
    char pbuf[256];
    OK(vsag_index_get_parameters(idx, pbuf, sizeof(pbuf), &len));
    CHECK(strcmp(pbuf, BF_PARAMS) == 0 && len == strlen(BF_PARAMS));
    FAILS(vsag_index_get_parameters(idx, NULL, 10, &len), VSAG_INVALID_ARGUMENT);
    uint64_t count = 0;
    int64_t exported[N];
    OK(vsag_index_export_ids(idx, NULL, 0, &count));
    CHECK(count == N - 2);
    OK(vsag_index_export_ids(idx, exported, 5, &count));
    CHECK(count == N - 2 && exported[0] == 2 && exported[4] == 6);
    FAILS(vsag_index_export_ids(idx, exported, 5, NULL), VSAG_INVALID_ARGUMENT);

    /* immutable */
    OK(vsag_index_set_immutable(idx));
    FAILS(vsag_index_add_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, 1, DIM, NULL, NULL), VSAG_WRONG_STATUS);
    FAILS(vsag_index_remove_many(idx, ids + 5, 1, NULL), VSAG_WRONG_STATUS);
    EFAILS(vsag_index_update_vector_force(idx, ids[5], queries, DIM), VSAG_WRONG_STATUS);
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", NULL, bids, bd));
    FAILS(vsag_index_set_immutable(NULL), VSAG_INVALID_ARGUMENT);

    OK(vsag_bitset_destroy(bs));
    OK(vsag_index_close(idx));
}

/* fp16, bf16 and int8 inputs and indexes */
static void test_dtypes(void) {
    const char* params[3] = {
        "{\"dtype\":\"float16\",\"metric_type\":\"l2\",\"dim\":16}",
        "{\"dtype\":\"bfloat16\",\"metric_type\":\"l2\",\"dim\":16}",
        "{\"dtype\":\"int8\",\"metric_type\":\"l2\",\"dim\":16}",
    };
    vsag_dtype_t dts[3] = {VSAG_DTYPE_FLOAT16, VSAG_DTYPE_BFLOAT16, VSAG_DTYPE_INT8};
    uint16_t* h = (uint16_t*)malloc(sizeof(uint16_t) * N * DIM);
    int8_t* i8 = (int8_t*)malloc(N * DIM);
    float* back = (float*)malloc(sizeof(float) * N * DIM);
    for (int t = 0; t < 3; t++) {
        vsag_index_t idx = NULL;
        OK(vsag_index_make("brute_force", params[t], &idx));
        if (idx == NULL) continue;
        vsag_dtype_t got = VSAG_DTYPE_FLOAT32;
        OK(vsag_index_get_dtype(idx, &got));
        CHECK(got == dts[t]);
        const void* vecs;
        for (int i = 0; i < N * DIM; i++) {
            if (t == 0) h[i] = tu_f32_to_f16(base[i]);
            if (t == 1) h[i] = tu_f32_to_bf16(base[i]);
            if (t == 2) i8[i] = (int8_t)(base[i] * 100.0f - 50.0f);
        }
        vecs = t == 2 ? (const void*)i8 : (const void*)h;
        OK(vsag_index_build_vectors(idx, vecs, dts[t], ids, N, DIM, NULL, NULL));
        /* the exact answer on the dequantised rows */
        for (int i = 0; i < N * DIM; i++) {
            if (t == 2) {
                back[i] = (float)i8[i];
            } else {
                uint32_t bits = 0;
                if (t == 1) {
                    bits = (uint32_t)h[i] << 16;
                    memcpy(&back[i], &bits, 4);
                } else {
                    back[i] = base[i]; /* fp16 of [0,1) values: compare the top result only */
                }
            }
        }
        /* query in the same dtype, through the batch and single paths */
        int64_t bids[2 * K];
        float bd[2 * K];
        const void* q = t == 2 ? (const void*)(i8 + 9 * DIM) : (const void*)(h + 9 * DIM);
        OK(vsag_index_knn_search_batch(idx, q, dts[t], 1, DIM, K, "", NULL, bids, bd));
        CHECK(bids[0] == ids[9] && bd[0] == 0.0f);
        vsag_dataset_t res = NULL;
        OK(vsag_index_knn_search_vector(idx, q, dts[t], DIM, K, "", NULL, &res));
        const int64_t* rids = NULL;
        OK(vsag_dataset_get_ids(res, &rids));
        for (int j = 0; j < K; j++) CHECK(rids[j] == bids[j]);
        OK(vsag_dataset_destroy(res));
        OK(vsag_index_range_search_vector(idx, q, dts[t], DIM, 0.0f, "", NULL, -1, &res));
        OK(vsag_dataset_get_ids(res, &rids));
        CHECK(rids[0] == ids[9]);
        OK(vsag_dataset_destroy(res));
        float d0 = -1;
        OK(vsag_index_calc_distance_by_ids(idx, q, dts[t], DIM, ids + 9, 1, &d0));
        CHECK(d0 == 0.0f);
        if (t > 0) {
            int64_t want[K];
            float wd[K];
            tu_exact_knn(back, ids, N, DIM, back + 9 * DIM, K, want, wd);
            for (int j = 0; j < K; j++) CHECK(tu_near(bd[j], wd[j]));
        }
        /* a float32 query on a half-precision index is converted */
        if (t < 2) {
            OK(vsag_index_knn_search_batch(idx, base + 9 * DIM, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", NULL, bids, bd));
            CHECK(bids[0] == ids[9]);
        }
        /* datasets with half-precision vectors */
        vsag_dataset_t ds = NULL;
        OK(vsag_dataset_make(&ds));
        OK(vsag_dataset_set_num_elements(ds, 1));
        OK(vsag_dataset_set_dim(ds, DIM));
        if (t == 0) OK(vsag_dataset_set_float16_vectors(ds, h + 9 * DIM));
        if (t == 1) OK(vsag_dataset_set_bfloat16_vectors(ds, h + 9 * DIM));
        if (t == 2) OK(vsag_dataset_set_int8_vectors(ds, i8 + 9 * DIM));
        OK(vsag_index_knn_search_dataset(idx, ds, 1, "", NULL, &res));
        OK(vsag_dataset_get_ids(res, &rids));
        CHECK(rids[0] == ids[9]);
        OK(vsag_dataset_destroy(res));
        OK(vsag_dataset_destroy(ds));
        OK(vsag_index_close(idx));
    }
    free(h);
    free(i8);
    free(back);
}

/* hgraph, when the library has it: build, recall against the exact answer, save/load */
static void test_hgraph(void) {
    const char* hp = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                     "\"index_param\":{\"base_quantization_type\":\"fp32\",\"max_degree\":16,"
                     "\"ef_construction\":100}}";
    vsag_index_t idx = NULL;
    int rc = vsag_index_make("hgraph", hp, &idx);
    if (rc == VSAG_UNSUPPORTED_INDEX) {
        printf("hgraph is not in this library: skipping its checks\n");
        return;
    }
    OK(rc);
    if (idx == NULL) return;
    bool feat = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_BUILD, &feat));
    CHECK(feat);
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    const char* sp = "{\"hgraph\":{\"ef_search\":100}}";
    enum { NQ = 20 };
    int64_t bids[NQ * K];
    float bd[NQ * K];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, sp, NULL, bids, bd));
    int hits = 0;
    for (int qi = 0; qi < NQ; qi++) {
        int64_t want[K];
        float wd[K];
        tu_exact_knn(base, ids, N, DIM, queries + qi * DIM, K, want, wd);
        for (int a = 0; a < K; a++)
            for (int b = 0; b < K; b++) hits += bids[qi * K + a] == want[b];
    }
    double recall = (double)hits / (NQ * K);
    printf("hgraph recall@%d on %d queries: %.3f\n", K, NQ, recall);
    CHECK(recall >= 0.9);
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "{\"hgraph\":{\"ef_search\":0}}", NULL, bids, bd), VSAG_INVALID_ARGUMENT);

    const char* file = path_in_scratch("hgraph.vsag");
    EOK(vsag_serialize_file(idx, file));
    vsag_index_t back = vsag_index_factory("hgraph", hp);
    EOK(vsag_deserialize_file(back, file));
    vsag_index_t lf = NULL;
    OK(vsag_index_load_file(file, &lf));
    int64_t b2[NQ * K], b3[NQ * K];
    float d2[NQ * K], d3[NQ * K];
    OK(vsag_index_knn_search_batch(back, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, sp, NULL, b2, d2));
    OK(vsag_index_knn_search_batch(lf, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, sp, NULL, b3, d3));
    CHECK(memcmp(bids, b2, sizeof(b2)) == 0 && memcmp(bids, b3, sizeof(b3)) == 0);
    /* compat search and filter callback on hgraph */
    int64_t rid[K];
    float rd[K];
    SearchResult_t r = {rd, rid, 0, NULL};
    EOK(vsag_index_knn_search_with_filter(idx, queries, DIM, K, sp, keep_even, &r));
    CHECK(r.count == K);
    for (int j = 0; j < r.count; j++) CHECK(rid[j] % 2 == 0);
    EOK(vsag_index_destroy(back));
    OK(vsag_index_close(lf));
    OK(vsag_index_close(idx));
}

/* hgraph recall@K of NQ queries against the exact neighbours. */
static double hgraph_recall(vsag_index_t idx, const char* sp, int nq) {
    int64_t bids[64 * K];
    float bd[64 * K];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, (uint64_t)nq, DIM, K, sp, NULL, bids, bd));
    int hits = 0;
    for (int qi = 0; qi < nq; qi++) {
        int64_t want[K];
        float wd[K];
        tu_exact_knn(base, ids, N, DIM, queries + qi * DIM, K, want, wd);
        for (int a = 0; a < K; a++)
            for (int b = 0; b < K; b++) hits += bids[qi * K + a] == want[b];
    }
    return (double)hits / (nq * K);
}

/* LeanVec: explicit matrices (SVS's LeanVecLoader) and training with sample queries (OOD). */
static void test_leanvec(void) {
    enum { LD = 4, NQ = 20 };
    const char* ood = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                      "\"index_param\":{\"base_quantization_type\":\"leanvec\",\"leanvec_dims\":4,"
                      "\"leanvec_training\":\"ood\",\"max_degree\":16,\"ef_construction\":60,"
                      "\"build_thread_count\":1}}";
    const char* pca = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                      "\"index_param\":{\"base_quantization_type\":\"leanvec\",\"leanvec_dims\":4,"
                      "\"max_degree\":16,\"ef_construction\":60}}";
    const char* fp = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                     "\"index_param\":{\"base_quantization_type\":\"fp32\"}}";
    const char* sp = "{\"hgraph\":{\"ef_search\":80}}";
    vsag_index_t idx = NULL;
    int rc = vsag_index_make("hgraph", ood, &idx);
    if (rc == VSAG_UNSUPPORTED_INDEX) {
        printf("hgraph is not in this library: skipping the leanvec checks\n");
        return;
    }
    OK(rc);

    /* LD x DIM row-major: row r averages coordinates 4r..4r+3 (orthonormal rows); the query
     * matrix weighs them differently. */
    float dm[LD * DIM], qm[LD * DIM], mean[DIM], bad[LD * DIM];
    memset(dm, 0, sizeof(dm));
    for (int r = 0; r < LD; r++)
        for (int j = 4 * r; j < 4 * r + 4; j++) dm[r * DIM + j] = 0.5f;
    for (int i = 0; i < LD * DIM; i++) qm[i] = dm[i] * (1.0f + 0.1f * (float)(i % 3));
    for (int j = 0; j < DIM; j++) mean[j] = 0.5f;
    memcpy(bad, dm, sizeof(dm));
    bad[DIM + 3] = NAN;

    FAILS(vsag_index_set_leanvec_matrices(NULL, dm, NULL, NULL, LD, DIM), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_set_leanvec_matrices(idx, NULL, qm, NULL, LD, DIM), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_set_leanvec_matrices(idx, dm, NULL, NULL, LD, DIM + 1), VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_set_leanvec_matrices(idx, dm, NULL, NULL, 0, DIM), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_set_leanvec_matrices(idx, dm, NULL, NULL, DIM + 1, DIM), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_set_leanvec_matrices(idx, dm, NULL, NULL, LD - 1, DIM), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "want 16 to 4") != NULL);
    FAILS(vsag_index_set_leanvec_matrices(idx, bad, NULL, NULL, LD, DIM), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "row 1, column 3") != NULL);
    FAILS(vsag_index_set_leanvec_matrices(idx, dm, bad, NULL, LD, DIM), VSAG_INVALID_ARGUMENT);

    /* OOD: different data and query matrices and a mean */
    OK(vsag_index_set_leanvec_matrices(idx, dm, qm, mean, LD, DIM));
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    double recall = hgraph_recall(idx, sp, NQ);
    printf("hgraph leanvec with given matrices recall@%d: %.3f\n", K, recall);
    /* uniform data has no 4-dimensional structure: the block averages keep part of the order,
     * and the rerank of ef_search candidates (a fifth of the index) recovers most of the rest */
    CHECK(recall >= 0.5);
    FAILS(vsag_index_set_leanvec_matrices(idx, dm, qm, mean, LD, DIM), VSAG_WRONG_STATUS);
    FAILS(vsag_index_train_with_queries(idx, base, VSAG_DTYPE_FLOAT32, N, queries, NQ, DIM), VSAG_WRONG_STATUS);

    /* the matrices survive serialization: a reloaded index answers identically, also without
     * the rerank (the primary distances depend on the matrices) */
    void* buf = NULL;
    uint64_t size = 0;
    OK(vsag_index_serialize_buffer(idx, &buf, &size));
    vsag_index_t back = NULL;
    OK(vsag_index_load_buffer(buf, size, &back));
    vsag_free(buf);
    FAILS(vsag_index_set_leanvec_matrices(back, dm, qm, mean, LD, DIM), VSAG_WRONG_STATUS);
    const char* noreorder = "{\"hgraph\":{\"ef_search\":40,\"enable_reorder\":false}}";
    int64_t a[NQ * K], b[NQ * K];
    float ad[NQ * K], bd[NQ * K];
    for (int pass = 0; pass < 2; pass++) {
        const char* p = pass ? noreorder : sp;
        OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, p, NULL, a, ad));
        OK(vsag_index_knn_search_batch(back, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, p, NULL, b, bd));
        CHECK(memcmp(a, b, sizeof(a)) == 0 && memcmp(ad, bd, sizeof(ad)) == 0);
    }
    OK(vsag_index_close(back));
    OK(vsag_index_close(idx));

    /* LeanVec-ID takes one matrix (or two equal ones) */
    OK(vsag_index_make("hgraph", pca, &idx));
    FAILS(vsag_index_set_leanvec_matrices(idx, dm, qm, NULL, LD, DIM), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_set_leanvec_matrices(idx, dm, dm, NULL, LD, DIM));
    OK(vsag_index_train_vectors(idx, base, VSAG_DTYPE_FLOAT32, N, DIM));
    FAILS(vsag_index_set_leanvec_matrices(idx, dm, NULL, NULL, LD, DIM), VSAG_WRONG_STATUS);
    OK(vsag_index_close(idx));

    /* indexes without a leanvec quantizer */
    OK(vsag_index_make("hgraph", fp, &idx));
    FAILS(vsag_index_set_leanvec_matrices(idx, dm, NULL, NULL, LD, DIM), VSAG_UNSUPPORTED_INDEX_OPERATION);
    FAILS(vsag_index_train_with_queries(idx, base, VSAG_DTYPE_FLOAT32, N, queries, NQ, DIM), VSAG_UNSUPPORTED_INDEX_OPERATION);
    OK(vsag_index_close(idx));
    OK(vsag_index_make("brute_force", BF_PARAMS, &idx));
    FAILS(vsag_index_set_leanvec_matrices(idx, dm, NULL, NULL, LD, DIM), VSAG_UNSUPPORTED_INDEX_OPERATION);
    OK(vsag_index_close(idx));

    /* training with sample queries (LeanVec-OOD learned) */
    OK(vsag_index_make("hgraph", ood, &idx));
    FAILS(vsag_index_train_with_queries(NULL, base, VSAG_DTYPE_FLOAT32, N, queries, NQ, DIM), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_train_with_queries(idx, base, VSAG_DTYPE_FLOAT32, 0, queries, NQ, DIM), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_train_with_queries(idx, NULL, VSAG_DTYPE_FLOAT32, N, queries, NQ, DIM), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_train_with_queries(idx, base, VSAG_DTYPE_FLOAT32, N, NULL, NQ, DIM), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_train_with_queries(idx, base, VSAG_DTYPE_FLOAT32, N, queries, NQ, DIM + 1), VSAG_DIMENSION_NOT_EQUAL);
    FAILS(vsag_index_train_with_queries(idx, base, (vsag_dtype_t)9, N, queries, NQ, DIM), VSAG_INVALID_ARGUMENT);
    float* nanq = tu_vectors(NQ, DIM, 3);
    nanq[5] = NAN;
    FAILS(vsag_index_train_with_queries(idx, base, VSAG_DTYPE_FLOAT32, N, nanq, NQ, DIM), VSAG_INVALID_ARGUMENT);
    free(nanq);
    OK(vsag_index_train_with_queries(idx, base, VSAG_DTYPE_FLOAT32, N, NULL, 0, DIM));
    OK(vsag_index_train_with_queries(idx, base, VSAG_DTYPE_FLOAT32, N, queries, NQ, DIM));
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    recall = hgraph_recall(idx, sp, NQ);
    printf("hgraph leanvec trained with queries recall@%d: %.3f\n", K, recall);
    CHECK(recall >= 0.8);
    FAILS(vsag_index_train_with_queries(idx, base, VSAG_DTYPE_FLOAT32, N, queries, NQ, DIM), VSAG_WRONG_STATUS);
    OK(vsag_index_close(idx));
    FAILS(vsag_index_train_with_queries(idx, base, VSAG_DTYPE_FLOAT32, N, queries, NQ, DIM), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_set_leanvec_matrices(idx, dm, NULL, NULL, LD, DIM), VSAG_INVALID_ARGUMENT);
}

/* ---------------------------------------------------------------------------------------- */

static const char* COLORS[3] = {"red", "green", "blue"};

/* attr_pass is the C oracle of `color = "red" AND price < 20` over the rows of attrs_json. */
static int attr_pass(int64_t i) { return i % 5 != 4 && i % 3 == 0 && i % 40 < 20; }

/* attrs_json returns a malloc'ed JSON array for rows 0..n-1; every fifth row has none. */
static char* attrs_json(int n) {
    size_t cap = (size_t)n * 80 + 16, len = 0;
    char* s = malloc(cap);
    len += (size_t)snprintf(s + len, cap - len, "[");
    for (int i = 0; i < n; i++) {
        if (i % 5 == 4)
            len += (size_t)snprintf(s + len, cap - len, "%snull", i ? "," : "");
        else
            len += (size_t)snprintf(s + len, cap - len,
                                    "%s{\"color\":\"%s\",\"price\":%d,\"tags\":[\"t%d\",\"all\"]}",
                                    i ? "," : "", COLORS[i % 3], i % 40, i % 4);
    }
    snprintf(s + len, cap - len, "]");
    return s;
}

static void test_attributes(void) {
    enum { NQ = 6 };
    char* js = attrs_json(N);
    vsag_index_t idx = NULL;
    OK(vsag_index_make("brute_force", BF_PARAMS, &idx));
    FAILS(vsag_index_build_vectors_with_attributes(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM,
                                                   "[{}]", NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "1 rows for 400") != NULL);
    FAILS(vsag_index_build_vectors_with_attributes(idx, base, VSAG_DTYPE_FLOAT32, ids, 2, DIM,
                                                   "[{\"a\":{\"b\":1}}, null]", NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "row 0") != NULL);
    FAILS(vsag_index_build_vectors_with_attributes(idx, base, VSAG_DTYPE_FLOAT32, ids, 1, DIM,
                                                   "not json", NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    int64_t n = -1;
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == 0);
    OK(vsag_index_build_vectors_with_attributes(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, js,
                                                NULL, NULL));

    /* the filtered batch equals an exact scan of the passing rows */
    float* pass_base = malloc(sizeof(float) * N * DIM);
    int64_t pass_ids[N];
    int np = 0;
    for (int i = 0; i < N; i++)
        if (attr_pass(i)) {
            memcpy(pass_base + np * DIM, base + i * DIM, sizeof(float) * DIM);
            pass_ids[np++] = i;
        }
    int64_t got[NQ * K], want[K];
    float gd[NQ * K], wd[K];
    const char* expr = "color = \"red\" AND price < 20";
    OK(vsag_index_knn_search_batch_with_filter_string(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K,
                                                      "", expr, NULL, got, gd));
    for (int q = 0; q < NQ; q++) {
        tu_exact_knn(pass_base, pass_ids, np, DIM, queries + q * DIM, K, want, wd);
        for (int j = 0; j < K; j++) CHECK(got[q * K + j] == want[j]);
    }
    /* one query takes the single-query path */
    OK(vsag_index_knn_search_batch_with_filter_string(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K,
                                                      NULL, expr, NULL, got, gd));
    tu_exact_knn(pass_base, pass_ids, np, DIM, queries, K, want, wd);
    for (int j = 0; j < K; j++) CHECK(got[j] == want[j]);

    /* combined with an id filter: both must keep the label */
    int64_t excl[K];
    memcpy(excl, want, sizeof(excl));
    vsag_filter_t f = VSAG_FILTER_INIT;
    f.exclude_ids = excl;
    f.num_exclude_ids = 5;
    OK(vsag_index_knn_search_batch_with_filter_string(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K,
                                                      "", expr, &f, got, gd));
    for (int j = 0; j < K; j++) {
        CHECK(got[j] >= 0 && attr_pass(got[j]));
        for (int e = 0; e < 5; e++) CHECK(got[j] != excl[e]);
    }
    CHECK(got[0] == want[5]);

    /* a selective expression pads with -1; multi-valued IN and NOT */
    OK(vsag_index_knn_search_batch_with_filter_string(
        idx, queries, VSAG_DTYPE_FLOAT32, 2, DIM, K, "",
        "price = 7 AND tags IN [\"t3\"] AND NOT color = \"green\"", NULL, got, gd));
    for (int q = 0; q < 2; q++) {
        int cnt = 0;
        for (int j = 0; j < K; j++) {
            int64_t l = got[q * K + j];
            if (l < 0) {
                CHECK(isinf(gd[q * K + j]));
                continue;
            }
            cnt++;
            CHECK(l % 40 == 7 && l % 4 == 3 && l % 3 != 1 && l % 5 != 4);
        }
        CHECK(cnt > 0 && cnt < K);
    }
    /* no expression: like vsag_index_knn_search_batch */
    int64_t plain[K];
    float pd[K];
    OK(vsag_index_knn_search_batch_with_filter_string(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K,
                                                      "", "", NULL, got, gd));
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", NULL, plain, pd));
    for (int j = 0; j < K; j++) CHECK(got[j] == plain[j]);
    FAILS(vsag_index_knn_search_batch_with_filter_string(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM,
                                                         K, "", "price >", NULL, got, gd),
          VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "position 7") != NULL);
    FAILS(vsag_index_knn_search_batch_with_filter_string(NULL, queries, VSAG_DTYPE_FLOAT32, 1, DIM,
                                                         K, "", expr, NULL, got, gd),
          VSAG_INVALID_ARGUMENT);

    /* add with attributes, read them back, survive a round trip */
    float extra_v[2 * DIM];
    memcpy(extra_v, queries, sizeof(extra_v));
    int64_t new_ids[2] = {5000, 5001};
    OK(vsag_index_add_vectors_with_attributes(
        idx, extra_v, VSAG_DTYPE_FLOAT32, new_ids, 2, DIM,
        "[{\"color\":\"new\",\"w\":2.5}, {\"color\":\"new\",\"flag\":true}]", NULL, NULL));
    char* out = NULL;
    uint64_t len = 0;
    int64_t look[3] = {5000, 4, 0};
    OK(vsag_index_get_attributes(idx, look, 3, &out, &len));
    CHECK(out != NULL && strlen(out) == len);
    CHECK(out != NULL && strstr(out, "\"w\":2.5") != NULL && strstr(out, "null") != NULL &&
          strstr(out, "\"red\"") != NULL);
    vsag_free(out);
    int64_t missing = 99999;
    FAILS(vsag_index_get_attributes(idx, &missing, 1, &out, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_get_attributes(idx, look, 1, NULL, NULL), VSAG_INVALID_ARGUMENT);

    void* buf = NULL;
    uint64_t size = 0;
    OK(vsag_index_serialize_buffer(idx, &buf, &size));
    vsag_index_t back = NULL;
    OK(vsag_index_load_buffer(buf, size, &back));
    vsag_free(buf);
    OK(vsag_index_knn_search_batch_with_filter_string(back, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K,
                                                      "", "color = \"new\" AND flag = 1", NULL,
                                                      got, gd));
    CHECK(got[0] == 5001 && got[1] == -1);
    vsag_index_destroy(back);
    vsag_index_destroy(idx);

    /* the dataset route */
    OK(vsag_index_make("brute_force", BF_PARAMS, &idx));
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, N));
    OK(vsag_dataset_set_dim(ds, DIM));
    OK(vsag_dataset_set_ids(ds, ids));
    OK(vsag_dataset_set_float32_vectors(ds, base));
    OK(vsag_dataset_set_attributes(ds, "[{}]"));
    FAILS(vsag_index_build_dataset(idx, ds, NULL, NULL), VSAG_INVALID_ARGUMENT);
    OK(vsag_dataset_set_attributes(ds, js));
    OK(vsag_index_build_dataset(idx, ds, NULL, NULL));
    FAILS(vsag_dataset_set_attributes(NULL, js), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_knn_search_batch_with_filter_string(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K,
                                                      "", expr, NULL, got, gd));
    tu_exact_knn(pass_base, pass_ids, np, DIM, queries, K, want, wd);
    for (int j = 0; j < K; j++) CHECK(got[j] == want[j]);
    vsag_dataset_destroy(ds);
    vsag_index_destroy(idx);
    free(pass_base);
    free(js);
}

static bool keep_digit_below(const uint8_t* info, uint64_t size, void* ctx) {
    return size == 4 && info[3] < (uint8_t)*(const char*)ctx;
}

static void test_extra_info(void) {
    const char* params = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                         "\"extra_info_size\":4}";
    vsag_index_t idx = NULL;
    OK(vsag_index_make("brute_force", params, &idx));
    char extra[N * 4 + 1];
    for (int i = 0; i < N; i++) {
        extra[4 * i] = (char)('0' + i / 1000 % 10);
        extra[4 * i + 1] = (char)('0' + i / 100 % 10);
        extra[4 * i + 2] = (char)('0' + i / 10 % 10);
        extra[4 * i + 3] = (char)('0' + i % 10);
    }
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, N));
    OK(vsag_dataset_set_dim(ds, DIM));
    OK(vsag_dataset_set_ids(ds, ids));
    OK(vsag_dataset_set_float32_vectors(ds, base));
    /* rows of another size than the index's would be stored shifted across rows: refused,
       nothing stored */
    OK(vsag_dataset_set_extra_info_size(ds, 5));
    OK(vsag_dataset_set_extra_infos(ds, extra));
    FAILS(vsag_index_build_dataset(idx, ds, NULL, NULL), VSAG_INVALID_ARGUMENT);
    int64_t count = -1;
    OK(vsag_index_get_num_elements(idx, &count));
    CHECK(count == 0);
    OK(vsag_dataset_set_extra_info_size(ds, 4));
    OK(vsag_index_build_dataset(idx, ds, NULL, NULL));
    vsag_dataset_destroy(ds);

    int64_t look[3] = {7, 0, 399};
    char out[3 * 4 + 1];
    out[12] = 'Z';
    OK(vsag_index_get_extra_info_by_ids(idx, look, 3, out));
    CHECK(memcmp(out, "000700000399", 12) == 0);
    CHECK(out[12] == 'Z'); /* nothing past count*extra_info_size */
    OK(vsag_index_get_extra_info_by_ids(idx, NULL, 0, NULL));
    int64_t missing = 1234;
    FAILS(vsag_index_get_extra_info_by_ids(idx, &missing, 1, out), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_get_extra_info_by_ids(idx, look, 1, NULL), VSAG_INVALID_ARGUMENT);
    uint64_t removed = 0;
    OK(vsag_index_remove_many(idx, look, 1, &removed));
    FAILS(vsag_index_get_extra_info_by_ids(idx, look, 1, out), VSAG_INVALID_ARGUMENT);

    enum { NQ = 5 };
    /* extra-info filter: keeps labels whose last digit is below *ctx, ANDed with the mask
       (which excludes multiples of 3); label 7 is removed. Exact against a scan. */
    bool ex = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_KNN_SEARCH_WITH_EX_FILTER, &ex));
    CHECK(ex);
    char below = '5';
    unsigned char m3[N];
    for (int i = 0; i < N; i++) m3[i] = (unsigned char)(i % 3 == 0);
    vsag_filter_t fx = VSAG_FILTER_INIT;
    fx.mask = m3;
    fx.mask_len = N;
    fx.keep_extra_info = keep_digit_below;
    fx.keep_extra_info_ctx = &below;
    int64_t xids[NQ * K];
    float xd[NQ * K];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, "", &fx, xids, xd));
    float* pass_base = malloc(sizeof(float) * N * DIM);
    int64_t pass_ids[N];
    int np = 0;
    for (int i = 0; i < N; i++) {
        if (i == 7 || i % 3 == 0 || i % 10 >= 5) continue;
        memcpy(pass_base + (size_t)np * DIM, base + (size_t)i * DIM, sizeof(float) * DIM);
        pass_ids[np++] = i;
    }
    for (int q = 0; q < NQ; q++) {
        int64_t want[K];
        float wd[K];
        tu_exact_knn(pass_base, pass_ids, np, DIM, queries + (size_t)q * DIM, K, want, wd);
        for (int j = 0; j < K; j++) CHECK(xids[q * K + j] == want[j]);
    }
    /* the single-query path and a search request take it too */
    vsag_dataset_t xr = NULL;
    OK(vsag_index_knn_search_vector(idx, queries, VSAG_DTYPE_FLOAT32, DIM, K, "", &fx, &xr));
    const int64_t* xr_ids = NULL;
    OK(vsag_dataset_get_ids(xr, &xr_ids));
    for (int j = 0; j < K; j++) CHECK(xr_ids[j] == xids[j]);
    vsag_dataset_destroy(xr);
    /* the callback alone: rejecting everything returns nothing */
    char none = '0';
    vsag_filter_t fn0 = VSAG_FILTER_INIT;
    fn0.keep_extra_info = keep_digit_below;
    fn0.keep_extra_info_ctx = &none;
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", &fn0, xids, xd));
    for (int j = 0; j < K; j++) CHECK(xids[j] == -1);
    /* an older caller's struct_size ends before keep_extra_info: the fields are not read */
    vsag_filter_t fo = VSAG_FILTER_INIT;
    fo.struct_size = (uint32_t)offsetof(vsag_filter_t, keep_extra_info);
    fo.keep_extra_info = keep_digit_below;
    fo.keep_extra_info_ctx = NULL; /* would crash if read */
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", &fo, xids, xd));
    for (int j = 0; j < K; j++) CHECK(xids[j] >= 0);
    free(pass_base);
    vsag_index_destroy(idx);

    OK(vsag_index_make("brute_force", BF_PARAMS, &idx));
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    FAILS(vsag_index_get_extra_info_by_ids(idx, look, 1, out), VSAG_UNSUPPORTED_INDEX_OPERATION);
    ex = true;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_KNN_SEARCH_WITH_EX_FILTER, &ex));
    CHECK(!ex);
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", &fn0, xids, xd),
          VSAG_UNSUPPORTED_INDEX_OPERATION);
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, "", &fo, xids, xd));
    vsag_index_destroy(idx);
    FAILS(vsag_index_get_extra_info_by_ids(idx, look, 1, out), VSAG_INVALID_ARGUMENT);
}

/* ---------------------------------------------------------------------------------------- */
/* search requests                                                                          */

static bool keep_below_200(int64_t id, void* ctx) {
    (void)ctx;
    return id < 200;
}

static int32_t extra_label(const char* e) {
    int32_t v;
    memcpy(&v, e, 4);
    return v;
}

static void test_search_request(void) {
    const char* params = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                         "\"extra_info_size\":4}";
    char* js = attrs_json(N);
    static char extra[N * 4];
    for (int32_t i = 0; i < N; i++) memcpy(extra + 4 * i, &i, 4);
    vsag_index_t idx = NULL;
    OK(vsag_index_make("brute_force", params, &idx));
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, N));
    OK(vsag_dataset_set_dim(ds, DIM));
    OK(vsag_dataset_set_ids(ds, ids));
    OK(vsag_dataset_set_float32_vectors(ds, base));
    OK(vsag_dataset_set_extra_info_size(ds, 4));
    OK(vsag_dataset_set_extra_infos(ds, extra));
    OK(vsag_dataset_set_attributes(ds, js));
    OK(vsag_index_build_dataset(idx, ds, NULL, NULL));
    free(js);

    int64_t want[K];
    float wd[K];
    tu_exact_knn(base, ids, N, DIM, queries, K, want, wd);

    /* knn: results, extra infos and padding in caller buffers */
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    CHECK(req.struct_size == sizeof(vsag_search_request_t));
    req.query = queries;
    req.query_dim = DIM;
    req.topk = K;
    int64_t got[K + 2];
    float gd[K + 2];
    char ge[(K + 2) * 4];
    uint64_t count = 99, total = 99;
    OK(vsag_index_search_request(idx, &req, got, gd, ge, K + 2, &count, &total, NULL));
    CHECK(count == K && total == K);
    for (int j = 0; j < K; j++) {
        CHECK(got[j] == want[j]);
        CHECK(tu_near(gd[j], wd[j]));
        CHECK(extra_label(ge + 4 * j) == want[j]);
    }
    CHECK(got[K] == -1 && got[K + 1] == -1 && isinf(gd[K]) && extra_label(ge + 4 * K) == 0);
    /* the same through a query dataset (its first row) and through float16 input */
    vsag_dataset_t qds = NULL;
    OK(vsag_dataset_make(&qds));
    OK(vsag_dataset_set_num_elements(qds, 2));
    OK(vsag_dataset_set_dim(qds, DIM));
    OK(vsag_dataset_set_float32_vectors(qds, queries));
    vsag_search_request_t rq = VSAG_SEARCH_REQUEST_INIT;
    rq.query_dataset = qds;
    rq.topk = K;
    OK(vsag_index_search_request(idx, &rq, got, gd, NULL, K, &count, NULL, NULL));
    CHECK(count == K && got[0] == want[0] && got[K - 1] == want[K - 1]);
    rq.query = queries; /* two query forms */
    FAILS(vsag_index_search_request(idx, &rq, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    uint16_t q16[DIM];
    for (int i = 0; i < DIM; i++) q16[i] = tu_f32_to_f16(queries[i]);
    vsag_search_request_t r16 = VSAG_SEARCH_REQUEST_INIT;
    r16.query = q16;
    r16.query_dtype = VSAG_DTYPE_FLOAT16;
    r16.query_dim = DIM;
    r16.topk = 1;
    OK(vsag_index_search_request(idx, &r16, got, gd, NULL, 1, &count, NULL, NULL));
    CHECK(count == 1 && got[0] == want[0]);

    /* every filter ANDed, and the expected labels explained */
    float* pass_base = malloc(sizeof(float) * N * DIM);
    int64_t pass_ids[N];
    int np = 0;
    for (int i = 0; i < N; i++)
        if (attr_pass(i) && i < 200 && i != 0 && i != 3) {
            memcpy(pass_base + np * DIM, base + i * DIM, sizeof(float) * DIM);
            pass_ids[np++] = i;
        }
    int64_t pw[N];
    float pwd[N];
    tu_exact_knn(pass_base, pass_ids, np, DIM, queries, np, pw, pwd);
    vsag_bitset_t bs = NULL;
    OK(vsag_bitset_make(&bs));
    OK(vsag_bitset_set(bs, 0, true));
    int64_t three = 3;
    vsag_filter_t spec = VSAG_FILTER_INIT;
    spec.exclude_ids = &three;
    spec.num_exclude_ids = 1;
    req.invalid = bs;
    req.filter = keep_below_200;
    req.filter_spec = &spec;
    req.filter_expr = "color = \"red\" AND price < 20";
    int64_t expected[5] = {0, 9999, pw[0], pw[np - 1], 201};
    vsag_search_explanation_t ex[5];
    memset(ex, 0, sizeof ex);
    req.expected_labels = expected;
    req.num_expected_labels = 5;
    OK(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, &total, ex));
    CHECK(count == K && total == K);
    for (int j = 0; j < K; j++) CHECK(got[j] == pw[j]);
    CHECK(ex[0].label == 0 && ex[0].reason == VSAG_REASON_FILTERED && isnan(ex[0].distance));
    CHECK(ex[1].label == 9999 && ex[1].reason == VSAG_REASON_ABSENT && isnan(ex[1].distance));
    CHECK(ex[2].label == pw[0] && ex[2].reason == VSAG_REASON_FOUND && tu_near(ex[2].distance, pwd[0]));
    CHECK(ex[3].reason == VSAG_REASON_BEYOND_K && ex[3].distance >= gd[K - 1]);
    CHECK(ex[4].reason == VSAG_REASON_FILTERED); /* 201: the callback keeps ids below 200 */
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, &total, NULL),
          VSAG_INVALID_ARGUMENT); /* expected labels need an explanations buffer */
    req.invalid = NULL;
    req.filter = NULL;
    req.filter_spec = NULL;
    req.filter_expr = NULL;
    req.expected_labels = NULL;
    req.num_expected_labels = 0;

    /* range search: total, too small a buffer, limited_size */
    req.mode = VSAG_SEARCH_RANGE;
    req.radius = wd[4];
    OK(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, &total, NULL));
    CHECK(count == 5 && total == 5 && got[4] == want[4] && got[5] == -1);
    OK(vsag_index_search_request(idx, &req, got, gd, NULL, 3, &count, &total, NULL));
    CHECK(count == 3 && total == 5 && got[2] == want[2]);
    OK(vsag_index_search_request(idx, &req, NULL, NULL, NULL, 0, &count, &total, NULL));
    CHECK(count == 0 && total == 5);
    req.limited_size = 2;
    OK(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, &total, NULL));
    CHECK(count == 2 && total == 2 && got[1] == want[1]);
    req.limited_size = -2;
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, &total, NULL),
          VSAG_INVALID_ARGUMENT);
    req.limited_size = 0;
    req.radius = -1;
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, &total, NULL),
          VSAG_INVALID_ARGUMENT);
    req.radius = wd[4];
    req.mode = 7;
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, &total, NULL),
          VSAG_INVALID_ARGUMENT);
    req.mode = VSAG_SEARCH_KNN;

    /* struct_size: smaller than the first version, absurd, or a longer struct from a later
     * version: accepted only when the fields this library does not know are zero */
    req.struct_size = sizeof(vsag_search_request_t) - 8;
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "struct_size") != NULL);
    req.struct_size = 0;
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    req.struct_size = (size_t)1 << 40;
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    struct {
        vsag_search_request_t r;
        uint64_t later_field;
    } longer;
    memset(&longer, 0, sizeof longer);
    longer.r = req;
    longer.r.struct_size = sizeof longer;
    OK(vsag_index_search_request(idx, &longer.r, got, gd, NULL, K, &count, NULL, NULL));
    CHECK(count == K && got[0] == want[0]);
    longer.later_field = 1;
    FAILS(vsag_index_search_request(idx, &longer.r, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    req.struct_size = sizeof req;

    /* other bad requests */
    FAILS(vsag_index_search_request(idx, NULL, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    req.topk = 0;
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    req.topk = K;
    FAILS(vsag_index_search_request(idx, &req, NULL, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, (uint64_t)1 << 50, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    req.query_dim = DIM - 1;
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_DIMENSION_NOT_EQUAL);
    req.query_dim = DIM;
    req.parameters = "{not json";
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    req.parameters = NULL;
    req.filter_expr = "color = ";
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    req.filter_expr = NULL;
    int64_t bucket = 1;
    req.bucket_ids = &bucket;
    req.num_bucket_ids = 1;
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "bucket_ids") != NULL);
    req.bucket_ids = NULL;
    req.num_bucket_ids = 0;
    req.invalid = (vsag_bitset_t)qds; /* a dataset handle where a bitset belongs */
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    req.invalid = NULL;
    req.query = NULL;
    FAILS(vsag_index_search_request(idx, &req, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "no query") != NULL);
    req.query = queries;

    /* an index without extra infos refuses an extra_infos buffer; a destroyed index fails */
    vsag_index_t plain = NULL;
    OK(vsag_index_make("brute_force", BF_PARAMS, &plain));
    OK(vsag_index_search_request(plain, &req, got, gd, NULL, K, &count, &total, NULL));
    CHECK(count == 0 && total == 0 && got[0] == -1); /* empty index: no results, no error */
    FAILS(vsag_index_search_request(plain, &req, got, gd, ge, K, &count, NULL, NULL),
          VSAG_UNSUPPORTED_INDEX_OPERATION);
    vsag_index_destroy(plain);
    FAILS(vsag_index_search_request(plain, &req, got, gd, NULL, K, &count, NULL, NULL),
          VSAG_INVALID_ARGUMENT);

    free(pass_base);
    vsag_bitset_destroy(bs);
    vsag_dataset_destroy(qds);
    vsag_dataset_destroy(ds);
    vsag_index_destroy(idx);
}

/* ---------------------------------------------------------------------------------------- */
/* reset and update extra info                                                              */

/* reset_checks builds an index of name/params, resets it and builds it again; sp are its search
 * parameters. */
static void reset_checks(const char* name, const char* params, const char* sp) {
    vsag_index_t idx = NULL;
    int rc = vsag_index_make(name, params, &idx);
    if (rc == VSAG_UNSUPPORTED_INDEX) {
        printf("%s is not in this library: skipping its reset checks\n", name);
        return;
    }
    OK(rc);
    if (idx == NULL) return;
    bool feat = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_RESET, &feat));
    CHECK(feat);
    CHECK(VSAG_FEATURE_SUPPORT_RESET == 21);
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    int64_t n = -1;
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == N);

    OK(vsag_index_reset(idx));
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == 0);
    bool ex = true;
    OK(vsag_index_check_id_exist(idx, 7, &ex));
    CHECK(!ex);
    int64_t got[K];
    float gd[K];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, sp, NULL, got, gd));
    for (int j = 0; j < K; j++) CHECK(got[j] == -1 && isinf(gd[j]));
    OK(vsag_index_reset(idx)); /* an empty index resets too */

    /* built again (the same labels: nothing of the old contents is left), it answers */
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == N);
    OK(vsag_index_knn_search_batch(idx, base + 7 * DIM, VSAG_DTYPE_FLOAT32, 1, DIM, K, sp, NULL,
                                   got, gd));
    CHECK(got[0] == 7 && gd[0] < 1e-2f);

    OK(vsag_index_set_immutable(idx));
    FAILS(vsag_index_reset(idx), VSAG_WRONG_STATUS);
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == N);
    vsag_index_destroy(idx);
    FAILS(vsag_index_reset(idx), VSAG_INVALID_ARGUMENT);
}

static void test_reset_and_update_extra_info(void) {
    reset_checks("brute_force", BF_PARAMS, NULL);
    reset_checks("hgraph",
                 "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                 "\"index_param\":{\"base_quantization_type\":\"sq8\",\"max_degree\":16,"
                 "\"ef_construction\":100}}",
                 "{\"hgraph\":{\"ef_search\":100}}");
    FAILS(vsag_index_reset(NULL), VSAG_INVALID_ARGUMENT);
    CHECK(VSAG_FEATURE_SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT == 32);

    const char* params = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                         "\"extra_info_size\":4}";
    vsag_index_t idx = NULL;
    OK(vsag_index_make("brute_force", params, &idx));
    bool feat = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT, &feat));
    CHECK(feat);
    static char extra[N * 4];
    for (int32_t i = 0; i < N; i++) memcpy(extra + 4 * i, &i, 4);
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, N));
    OK(vsag_dataset_set_dim(ds, DIM));
    OK(vsag_dataset_set_ids(ds, ids));
    OK(vsag_dataset_set_float32_vectors(ds, base));
    OK(vsag_dataset_set_extra_info_size(ds, 4));
    OK(vsag_dataset_set_extra_infos(ds, extra));
    OK(vsag_index_build_dataset(idx, ds, NULL, NULL));

    int64_t upd[2] = {7, 0};
    OK(vsag_index_update_extra_info(idx, upd, 2, "abcdwxyz"));
    int64_t look[3] = {7, 0, 1};
    char out[12];
    OK(vsag_index_get_extra_info_by_ids(idx, look, 3, out));
    CHECK(memcmp(out, "abcdwxyz", 8) == 0 && extra_label(out + 8) == 1);
    /* a search returns the new extra info */
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    req.query = base + 7 * DIM;
    req.query_dim = DIM;
    req.topk = 1;
    int64_t got[1];
    float gd[1];
    char ge[4];
    uint64_t count = 0;
    OK(vsag_index_search_request(idx, &req, got, gd, ge, 1, &count, NULL, NULL));
    CHECK(count == 1 && got[0] == 7 && memcmp(ge, "abcd", 4) == 0);
    OK(vsag_index_update_extra_info(idx, NULL, 0, NULL)); /* count 0: a no-op */

    /* a missing label (even after a live one) changes nothing */
    int64_t bad[2] = {1, 12345};
    FAILS(vsag_index_update_extra_info(idx, bad, 2, "qqqqrrrr"), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "12345") != NULL);
    OK(vsag_index_get_extra_info_by_ids(idx, look, 3, out));
    CHECK(memcmp(out, "abcdwxyz", 8) == 0 && extra_label(out + 8) == 1);
    uint64_t removed = 0;
    OK(vsag_index_remove_many(idx, look + 2, 1, &removed)); /* a removed label is missing too */
    FAILS(vsag_index_update_extra_info(idx, look + 2, 1, "qqqq"), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_update_extra_info(idx, upd, 1, NULL), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_update_extra_info(idx, NULL, 1, "qqqq"), VSAG_INVALID_ARGUMENT);

    /* reset drops the extra infos; a new build brings its own */
    OK(vsag_index_reset(idx));
    FAILS(vsag_index_get_extra_info_by_ids(idx, upd, 1, out), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_build_dataset(idx, ds, NULL, NULL));
    vsag_dataset_destroy(ds);
    OK(vsag_index_get_extra_info_by_ids(idx, upd, 1, out));
    CHECK(extra_label(out) == 7);

    OK(vsag_index_set_immutable(idx));
    FAILS(vsag_index_update_extra_info(idx, upd, 1, "abcd"), VSAG_WRONG_STATUS);
    vsag_index_destroy(idx);
    FAILS(vsag_index_update_extra_info(idx, upd, 1, "abcd"), VSAG_INVALID_ARGUMENT);

    /* an index without extra info refuses, and does not report the feature */
    OK(vsag_index_make("brute_force", BF_PARAMS, &idx));
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT, &feat));
    CHECK(!feat);
    FAILS(vsag_index_update_extra_info(idx, upd, 1, "abcd"), VSAG_UNSUPPORTED_INDEX_OPERATION);
    vsag_index_destroy(idx);
    FAILS(vsag_index_update_extra_info(NULL, upd, 1, "abcd"), VSAG_INVALID_ARGUMENT);
}

/* ---------------------------------------------------------------------------------------- */
/* sparse, multi-vector and path rows                                                       */

/* insert_fails checks that building idx from ds fails with INVALID_ARGUMENT, a message holding
 * want, and nothing inserted. */
static void insert_fails(vsag_index_t idx, vsag_dataset_t ds, const char* want) {
    FAILS(vsag_index_build_dataset(idx, ds, NULL, NULL), VSAG_INVALID_ARGUMENT);
    if (strstr(vsag_last_error(), want) == NULL) {
        tu_failures++;
        fprintf(stderr, "message %s lacks %s\n", vsag_last_error(), want);
    }
    FAILS(vsag_index_add_dataset(idx, ds, NULL, NULL), VSAG_INVALID_ARGUMENT);
    int64_t n = -1;
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == 0);
}

/* search_fails checks that a request fails with INVALID_ARGUMENT and a message holding want. */
static void search_fails(vsag_index_t idx, const vsag_search_request_t* req, const char* want) {
    int64_t got[K];
    float gd[K];
    FAILS(vsag_index_search_request(idx, req, got, gd, NULL, K, NULL, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    if (strstr(vsag_last_error(), want) == NULL) {
        tu_failures++;
        fprintf(stderr, "message %s lacks %s\n", vsag_last_error(), want);
    }
}

static void test_row_kinds(void) {
    vsag_index_t idx = NULL;
    OK(vsag_index_make("brute_force", BF_PARAMS, &idx));
    int64_t rid[3] = {10, 11, 12};

    /* sparse rows */
    int64_t off[4] = {0, 2, 2, 5};
    uint32_t tid[5] = {1, 7, 0, 3, 9};
    float tv[5] = {0.5f, 1, 2, 3, 4};
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, 3));
    OK(vsag_dataset_set_ids(ds, rid));
    OK(vsag_dataset_set_sparse_vectors(ds, off, tid, tv, 5));
    const int64_t* go = NULL;
    const uint32_t* gt = NULL;
    const float* gv = NULL;
    uint64_t nnz = 0;
    OK(vsag_dataset_get_sparse_vectors(ds, &go, &gt, &gv, &nnz));
    CHECK(go == off && gt == tid && gv == tv && nnz == 5);
    OK(vsag_dataset_get_sparse_vectors(ds, NULL, NULL, NULL, NULL));
    insert_fails(idx, ds, "the dataset holds sparse rows");
    FAILS(vsag_index_train_dataset(idx, ds), VSAG_INVALID_ARGUMENT);
    tid[1] = 1; /* duplicate term id */
    insert_fails(idx, ds, "sorted and unique");
    tid[1] = 0; /* unsorted */
    insert_fails(idx, ds, "sorted and unique");
    tid[1] = 7;
    OK(vsag_dataset_set_sparse_vectors(ds, off, tid, tv, 4)); /* offsets do not end at nnz */
    insert_fails(idx, ds, "last sparse offset");
    off[1] = 3;
    off[2] = 1; /* decreasing */
    OK(vsag_dataset_set_sparse_vectors(ds, off, tid, tv, 5));
    insert_fails(idx, ds, "decrease");
    off[1] = 2;
    off[2] = 2;
    tv[3] = NAN;
    insert_fails(idx, ds, "NaN");
    tv[3] = 3;
    FAILS(vsag_dataset_set_sparse_vectors(ds, off, NULL, tv, 5), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_dataset_set_sparse_vectors(ds, off, tid, tv, (uint64_t)1 << 60), VSAG_INVALID_ARGUMENT);
    OK(vsag_dataset_set_sparse_vectors(ds, NULL, NULL, NULL, 0));
    OK(vsag_dataset_get_sparse_vectors(ds, &go, NULL, NULL, &nnz));
    CHECK(go == NULL && nnz == 0);
    vsag_dataset_destroy(ds);

    /* multi-vector rows: 2 + 1 + 3 sub-vectors of DIM floats */
    int64_t counts[3] = {2, 1, 3};
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, 3));
    OK(vsag_dataset_set_dim(ds, DIM));
    OK(vsag_dataset_set_ids(ds, rid));
    OK(vsag_dataset_set_float32_vectors(ds, base));
    OK(vsag_dataset_set_vector_counts(ds, counts, 6));
    const int64_t* gc = NULL;
    uint64_t nv = 0;
    OK(vsag_dataset_get_vector_counts(ds, &gc, &nv));
    CHECK(gc == counts && nv == 6);
    insert_fails(idx, ds, "multi-vector documents");
    OK(vsag_dataset_set_vector_counts(ds, counts, 7));
    insert_fails(idx, ds, "the vector counts add up to 6");
    counts[1] = 0;
    OK(vsag_dataset_set_vector_counts(ds, counts, 5));
    insert_fails(idx, ds, "at least one");
    counts[1] = 1;
    FAILS(vsag_dataset_set_vector_counts(ds, counts, (uint64_t)1 << 50), VSAG_INVALID_ARGUMENT);
    OK(vsag_dataset_set_vector_counts(ds, NULL, 0));
    OK(vsag_dataset_get_vector_counts(ds, &gc, &nv));
    CHECK(gc == NULL && nv == 0);

    /* paths, on the same dense rows */
    const char* paths[3] = {"a/b", "a/c", "d"};
    OK(vsag_dataset_set_paths(ds, paths, 3));
    uint64_t np = 0, len = 0;
    OK(vsag_dataset_get_num_paths(ds, &np));
    CHECK(np == 3);
    char buf[8];
    OK(vsag_dataset_get_path(ds, 1, buf, sizeof buf, &len));
    CHECK(strcmp(buf, "a/c") == 0 && len == 3);
    OK(vsag_dataset_get_path(ds, 0, NULL, 0, &len));
    CHECK(len == 3);
    FAILS(vsag_dataset_get_path(ds, 3, buf, sizeof buf, &len), VSAG_INVALID_ARGUMENT);
    insert_fails(idx, ds, "paths are for pyramid indexes");
    const char* bad[3] = {"a/b", NULL, "d"};
    FAILS(vsag_dataset_set_paths(ds, bad, 3), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "paths[1]") != NULL);
    OK(vsag_dataset_get_num_paths(ds, &np));
    CHECK(np == 3); /* the earlier paths are kept */
    bad[1] = "";
    OK(vsag_dataset_set_paths(ds, bad, 3));
    insert_fails(idx, ds, "row 1 has an empty path");
    bad[1] = "a//b";
    OK(vsag_dataset_set_paths(ds, bad, 3));
    insert_fails(idx, ds, "empty segment");
    OK(vsag_dataset_set_paths(ds, paths, 2));
    insert_fails(idx, ds, "2 paths for 3 rows");
    OK(vsag_dataset_set_paths(ds, NULL, 0));
    OK(vsag_dataset_get_num_paths(ds, &np));
    CHECK(np == 0);
    /* without the extra kinds the same dataset builds */
    OK(vsag_index_build_dataset(idx, ds, NULL, NULL));
    int64_t n = 0;
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == 3);

    /* queries of every kind reach the index, which refuses them with the kind named */
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    req.topk = K;
    req.query_dtype = VSAG_DTYPE_SPARSE;
    req.query_term_ids = tid;
    req.query_term_values = tv;
    req.query_nnz = 2;
    search_fails(idx, &req, "the dataset holds sparse rows");
    uint32_t unsorted[2] = {7, 1};
    req.query_term_ids = unsorted;
    search_fails(idx, &req, "sorted and unique");
    req.query = base; /* sparse query with a dense pointer */
    search_fails(idx, &req, "query must be NULL");
    req.query = NULL;
    req.query_nnz = 0; /* an empty sparse row is still a sparse row */
    search_fails(idx, &req, "sparse rows");
    vsag_search_request_t mv = VSAG_SEARCH_REQUEST_INIT;
    mv.topk = K;
    mv.query = base;
    mv.query_dim = DIM;
    mv.query_vector_count = 2;
    search_fails(idx, &mv, "multi-vector documents");
    mv.query_dtype = VSAG_DTYPE_INT8;
    search_fails(idx, &mv, "float32");
    vsag_search_request_t pr = VSAG_SEARCH_REQUEST_INIT;
    pr.topk = K;
    pr.query = base;
    pr.query_dim = DIM;
    pr.query_path = "a/b";
    search_fails(idx, &pr, "paths are for pyramid indexes");
    pr.query_path = "";
    search_fails(idx, &pr, "empty path");
    /* a query dataset of sparse rows (owned, malloc'd arrays: freed by destroy) */
    vsag_dataset_t qs = NULL;
    OK(vsag_dataset_make(&qs));
    OK(vsag_dataset_set_num_elements(qs, 2));
    int64_t* qo = malloc(3 * sizeof(int64_t));
    uint32_t* qt = malloc(3 * sizeof(uint32_t));
    float* qv = malloc(3 * sizeof(float));
    qo[0] = 0, qo[1] = 2, qo[2] = 3;
    qt[0] = 4, qt[1] = 5, qt[2] = 1;
    qv[0] = qv[1] = qv[2] = 1;
    OK(vsag_dataset_set_sparse_vectors(qs, qo, qt, qv, 3));
    OK(vsag_dataset_set_owner(qs, true));
    vsag_search_request_t dr = VSAG_SEARCH_REQUEST_INIT;
    dr.topk = K;
    dr.query_dataset = qs;
    search_fails(idx, &dr, "the dataset holds sparse rows");
    qt[1] = 4; /* the first row is checked */
    search_fails(idx, &dr, "sorted and unique");
    dr.query_path = "a";
    search_fails(idx, &dr, "query_path");
    vsag_dataset_destroy(qs);
    OK(vsag_index_get_num_elements(idx, &n));
    CHECK(n == 3);

    vsag_dataset_destroy(ds);
    vsag_index_destroy(idx);
}

/* ---------------------------------------------------------------------------------------- */
/* ivf: training, bucket_ids, exported models and merging                                    */

#define IVF_BUCKETS 8
static const char* IVF_PARAMS = "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,"
                                "\"extra_info_size\":4,\"index_param\":{\"buckets_count\":8}}";
/* every bucket scanned: the search is exact on fp32 codes */
static const char* IVF_ALL = "{\"ivf\":{\"scan_buckets_count\":8}}";

/* ivf_features_checked compares every feature number of idx with the list Go's core reports
 * for an ivf index; extra_info_size adds UPDATE_EXTRA_INFO_CONCURRENT (32),
 * GET_EXTRA_INFO_BY_ID (43) and KNN_SEARCH_WITH_EX_FILTER (47). */
static void ivf_features_checked(vsag_index_t idx, bool extra) {
    static const int want[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                               16, 17, 18, 19, 21, 23, 24, 25, 26, 27, 28, 29, 30, 33,
                               34, 35, 36, 37, 38, 39, 40, 41, 42, 44, 46, 48, 49, 51, 52,
                               53, 54};
    for (int f = -1; f <= 60; f++) {
        bool has = false, expect = extra && (f == 32 || f == 43 || f == 47);
        for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) expect = expect || want[w] == f;
        OK(vsag_index_check_feature(idx, f, &has));
        if (has != expect) fprintf(stderr, "ivf feature %d: got %d\n", f, (int)has);
        CHECK(has == expect);
    }
}

/* ivf_add fills idx with rows [from, to) of base under labels ids[i] + offset, extra info the
 * row number and attributes {"shard": shard}. */
static void ivf_add(vsag_index_t idx, int from, int to, int64_t offset, const char* shard) {
    int n = to - from;
    int64_t* labels = malloc(sizeof(int64_t) * (size_t)n);
    char* extra = malloc(4 * (size_t)n);
    char* js = malloc((size_t)n * 32 + 8);
    size_t len = 0;
    js[len++] = '[';
    for (int i = 0; i < n; i++) {
        int32_t row = from + i;
        labels[i] = ids[from + i] + offset;
        memcpy(extra + 4 * i, &row, 4);
        len += (size_t)sprintf(js + len, "%s{\"shard\":\"%s\"}", i ? "," : "", shard);
    }
    js[len++] = ']';
    js[len] = '\0';
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, n));
    OK(vsag_dataset_set_dim(ds, DIM));
    OK(vsag_dataset_set_ids(ds, labels));
    OK(vsag_dataset_set_float32_vectors(ds, base + (size_t)from * DIM));
    OK(vsag_dataset_set_extra_info_size(ds, 4));
    OK(vsag_dataset_set_extra_infos(ds, extra));
    OK(vsag_dataset_set_attributes(ds, js));
    uint64_t nf = 99;
    OK(vsag_index_add_dataset(idx, ds, NULL, &nf));
    CHECK(nf == 0);
    vsag_dataset_destroy(ds);
    free(labels);
    free(extra);
    free(js);
}

static int64_t ivf_count(vsag_index_t idx) {
    int64_t n = -1;
    OK(vsag_index_get_num_elements(idx, &n));
    return n;
}

/* ivf_same_answers checks that a and b give the same distances for NQ queries (all buckets). */
static void ivf_same_answers(vsag_index_t a, vsag_index_t b) {
    enum { NQ = 8 };
    int64_t ia[NQ * K], ib[NQ * K];
    float da[NQ * K], db[NQ * K];
    OK(vsag_index_knn_search_batch(a, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, IVF_ALL, NULL, ia, da));
    OK(vsag_index_knn_search_batch(b, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, IVF_ALL, NULL, ib, db));
    for (int i = 0; i < NQ * K; i++) CHECK(ib[i] >= 0 && tu_near(da[i], db[i]));
}

static void test_ivf(void) {
    enum { HALF = N / 2 };
    const int64_t OFFSET = (int64_t)1 << 40;
    vsag_index_t full = NULL;
    int rc = vsag_index_make("ivf", IVF_PARAMS, &full);
    if (rc == VSAG_UNSUPPORTED_INDEX) {
        printf("ivf is not in this library: skipping its checks\n");
        return;
    }
    OK(rc);
    CHECK(VSAG_FEATURE_SUPPORT_MERGE_INDEX == 42 && VSAG_FEATURE_SUPPORT_EXPORT_MODEL == 49);
    ivf_features_checked(full, true);

    /* an untrained ivf index has no model to merge into: train, then add */
    float* sample = tu_vectors(N, DIM, 9);
    OK(vsag_index_train_vectors(full, sample, VSAG_DTYPE_FLOAT32, N, DIM));
    free(sample);
    ivf_add(full, 0, N, 0, "full");
    CHECK(ivf_count(full) == N);
    ivf_features_checked(full, true);

    /* every bucket scanned: exact */
    int64_t got[K], want[K];
    float gd[K], wd[K];
    for (int q = 0; q < 4; q++) {
        OK(vsag_index_knn_search_batch(full, queries + q * DIM, VSAG_DTYPE_FLOAT32, 1, DIM, K,
                                       IVF_ALL, NULL, got, gd));
        tu_exact_knn(base, ids, N, DIM, queries + q * DIM, K, want, wd);
        for (int j = 0; j < K; j++) CHECK(got[j] == want[j]);
    }
    /* fewer buckets: still the nearest first, at most the same quality */
    OK(vsag_index_knn_search_batch(full, base + 5 * DIM, VSAG_DTYPE_FLOAT32, 1, DIM, K,
                                   "{\"ivf\":{\"scan_buckets_count\":1}}", NULL, got, gd));
    CHECK(got[0] == 5 && gd[0] < 1e-4f);
    int64_t one[K];
    float onef[K];
    FAILS(vsag_index_knn_search_batch(full, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K,
                                      "{\"ivf\":{\"scan_buckets_count\":9}}", NULL, one, onef),
          VSAG_INVALID_ARGUMENT);

    /* bucket_ids: each label lives in exactly one bucket; all buckets together are exact */
    static int seen[N];
    memset(seen, 0, sizeof(seen));
    static int64_t bid[N];
    static float bd[N];
    vsag_search_request_t req = VSAG_SEARCH_REQUEST_INIT;
    req.query = queries;
    req.query_dim = DIM;
    req.topk = N;
    req.parameters = "{\"ivf\":{\"scan_buckets_count\":1}}";
    uint64_t total_found = 0;
    for (int64_t b = 0; b < IVF_BUCKETS; b++) {
        req.bucket_ids = &b;
        req.num_bucket_ids = 1;
        uint64_t cnt = 0;
        OK(vsag_index_search_request(full, &req, bid, bd, NULL, N, &cnt, NULL, NULL));
        for (uint64_t i = 0; i < cnt; i++) {
            CHECK(bid[i] >= 0 && bid[i] < N);
            if (bid[i] >= 0 && bid[i] < N) seen[bid[i]]++;
        }
        total_found += cnt;
    }
    CHECK(total_found == N);
    for (int i = 0; i < N; i++) CHECK(seen[i] == 1);
    int64_t all_buckets[IVF_BUCKETS];
    for (int b = 0; b < IVF_BUCKETS; b++) all_buckets[b] = b;
    req.bucket_ids = all_buckets;
    req.num_bucket_ids = IVF_BUCKETS;
    req.topk = K;
    uint64_t cnt = 0;
    OK(vsag_index_search_request(full, &req, got, gd, NULL, K, &cnt, NULL, NULL));
    tu_exact_knn(base, ids, N, DIM, queries, K, want, wd);
    CHECK(cnt == K);
    for (int j = 0; j < K; j++) CHECK(got[j] == want[j]);
    int64_t out_of_range = IVF_BUCKETS;
    req.bucket_ids = &out_of_range;
    req.num_bucket_ids = 1;
    FAILS(vsag_index_search_request(full, &req, got, gd, NULL, K, &cnt, NULL, NULL),
          VSAG_INVALID_ARGUMENT);

    /* the exported model: empty, same parameters and features, trained */
    vsag_index_t model = NULL;
    EFAILS(vsag_index_export_model(full, NULL), VSAG_INVALID_ARGUMENT);
    EOK(vsag_index_export_model(full, &model));
    CHECK(model != NULL && ivf_count(model) == 0);
    ivf_features_checked(model, true);
    char pa[1024], pb[1024];
    OK(vsag_index_get_parameters(full, pa, sizeof(pa), NULL));
    OK(vsag_index_get_parameters(model, pb, sizeof(pb), NULL));
    CHECK(strcmp(pa, pb) == 0);
    OK(vsag_index_knn_search_batch(model, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, IVF_ALL, NULL,
                                   got, gd));
    CHECK(got[0] == -1);

    /* two shards filled from copies of the model; shard b under shifted labels, one removed */
    vsag_index_t shard_a = NULL, shard_b = NULL, merged = NULL;
    EOK(vsag_index_clone(model, &shard_a));
    EOK(vsag_index_clone(model, &shard_b));
    EOK(vsag_index_clone(model, &merged));
    ivf_add(shard_a, 0, HALF, 0, "a");
    ivf_add(shard_b, HALF, N, OFFSET, "b");
    uint64_t removed = 0;
    int64_t gone = ids[HALF] + OFFSET;
    OK(vsag_index_remove_many(shard_b, &gone, 1, &removed));
    CHECK(removed == 1);

    /* shard b's map takes every label back but ids[HALF + 1], which it leaves out */
    int64_t from[N - HALF], to[N - HALF];
    uint64_t nmap = 0;
    for (int i = HALF; i < N; i++) {
        if (i == HALF + 1) continue;
        from[nmap] = ids[i] + OFFSET;
        to[nmap] = ids[i];
        nmap++;
    }
    vsag_merge_unit_t units[2] = {VSAG_MERGE_UNIT_INIT, VSAG_MERGE_UNIT_INIT};
    units[0].index = shard_a;
    units[1].index = shard_b;
    units[1].id_map_from = from;
    units[1].id_map_to = to;
    units[1].id_map_count = nmap;
    int64_t failed[N];
    uint64_t nf = 99;
    OK(vsag_index_merge(merged, units, 2, failed, N, &nf));
    CHECK(nf == 0);
    CHECK(ivf_count(merged) == N - 2);
    CHECK(ivf_count(shard_a) == HALF && ivf_count(shard_b) == N - HALF - 1);
    bool ex = true;
    OK(vsag_index_check_id_exist(merged, ids[HALF], &ex));
    CHECK(!ex); /* removed in the source */
    OK(vsag_index_check_id_exist(merged, ids[HALF + 1], &ex));
    CHECK(!ex); /* not in the map */
    OK(vsag_index_check_id_exist(merged, ids[HALF + 2], &ex));
    CHECK(ex);
    OK(vsag_index_check_id_exist(merged, ids[HALF + 2] + OFFSET, &ex));
    CHECK(!ex);

    /* extra info and attributes came along */
    int64_t look[2] = {ids[3], ids[HALF + 5]};
    char ex_out[8];
    OK(vsag_index_get_extra_info_by_ids(merged, look, 2, ex_out));
    int32_t r0, r1;
    memcpy(&r0, ex_out, 4);
    memcpy(&r1, ex_out + 4, 4);
    CHECK(r0 == 3 && r1 == HALF + 5);
    char* attrs = NULL;
    OK(vsag_index_get_attributes(merged, look, 2, &attrs, NULL));
    CHECK(attrs != NULL && strstr(attrs, "\"a\"") != NULL && strstr(attrs, "\"b\"") != NULL);
    vsag_free(attrs);
    vsag_search_request_t er = VSAG_SEARCH_REQUEST_INIT;
    er.query = base + (HALF + 5) * DIM;
    er.query_dim = DIM;
    er.topk = 1;
    er.parameters = IVF_ALL;
    er.filter_expr = "shard = \"b\"";
    char einfo[4];
    OK(vsag_index_search_request(merged, &er, got, gd, einfo, 1, &cnt, NULL, NULL));
    memcpy(&r1, einfo, 4);
    CHECK(cnt == 1 && got[0] == ids[HALF + 5] && r1 == HALF + 5);

    /* the merged index answers as the whole index without the two labels */
    int64_t drop[2] = {ids[HALF], ids[HALF + 1]};
    OK(vsag_index_remove_many(full, drop, 2, &removed));
    CHECK(removed == 2);
    ivf_same_answers(full, merged);

    /* merging shard a again fails label by label; the buffer takes what fits */
    int64_t few[3] = {-7, -7, -7};
    nf = 0;
    OK(vsag_index_merge(merged, units, 1, few, 2, &nf));
    CHECK(nf == HALF);
    CHECK(few[0] >= 0 && few[0] < HALF && few[1] >= 0 && few[1] < HALF && few[2] == -7);
    CHECK(ivf_count(merged) == N - 2);
    OK(vsag_index_merge(merged, units, 1, NULL, 0, NULL));
    OK(vsag_index_merge(merged, NULL, 0, NULL, 0, NULL)); /* nothing to merge */
    /* an empty map merges nothing */
    vsag_index_t fresh = NULL;
    EOK(vsag_index_clone(model, &fresh));
    vsag_merge_unit_t empty_map = VSAG_MERGE_UNIT_INIT;
    empty_map.index = shard_a;
    empty_map.id_map_from = from;
    empty_map.id_map_to = to;
    OK(vsag_index_merge(fresh, &empty_map, 1, failed, N, &nf));
    CHECK(nf == 0 && ivf_count(fresh) == 0);

    /* the merged index saves and loads */
    void* buf = NULL;
    uint64_t size = 0;
    OK(vsag_index_serialize_buffer(merged, &buf, &size));
    vsag_index_t loaded = NULL;
    OK(vsag_index_load_buffer(buf, size, &loaded));
    vsag_free(buf);
    CHECK(ivf_count(loaded) == N - 2);
    ivf_same_answers(merged, loaded);
    vsag_index_destroy(loaded);

    /* refusals change nothing */
    vsag_index_t other = NULL;
    OK(vsag_index_make("ivf", IVF_PARAMS, &other));
    float* other_data = tu_vectors(N, DIM, 77);
    for (int i = 0; i < N * DIM; i++) other_data[i] = other_data[i] * 5 - 2;
    OK(vsag_index_train_vectors(other, other_data, VSAG_DTYPE_FLOAT32, N, DIM));
    free(other_data);
    ivf_add(other, 0, 50, 5000, "other");
    vsag_merge_unit_t u = VSAG_MERGE_UNIT_INIT;
    u.index = other;
    FAILS(vsag_index_merge(merged, &u, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    CHECK(ivf_count(merged) == N - 2);
    u.index = merged;
    FAILS(vsag_index_merge(merged, &u, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    units[1] = units[0];
    FAILS(vsag_index_merge(merged, units, 2, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_merge(merged, NULL, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_merge(merged, units, 1, NULL, 4, &nf), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_index_merge(NULL, units, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    u = (vsag_merge_unit_t)VSAG_MERGE_UNIT_INIT;
    FAILS(vsag_index_merge(merged, &u, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT); /* no index */
    u.index = shard_a;
    u.struct_size = 8;
    FAILS(vsag_index_merge(merged, &u, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "struct_size") != NULL);
    u.struct_size = sizeof(u);
    u.id_map_from = from;
    FAILS(vsag_index_merge(merged, &u, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT); /* no id_map_to */
    u.id_map_from = NULL;
    u.id_map_count = 3;
    FAILS(vsag_index_merge(merged, &u, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    int64_t dup_from[2] = {1, 1}, dup_to[2] = {1, 2};
    u.id_map_from = dup_from;
    u.id_map_to = dup_to;
    u.id_map_count = 2;
    FAILS(vsag_index_merge(fresh, &u, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "twice") != NULL && ivf_count(fresh) == 0);
    /* a later version's unit: bigger, its unknown tail zero, is read with its stride */
    struct {
        vsag_merge_unit_t u;
        uint64_t later;
    } big[2];
    memset(big, 0, sizeof(big));
    for (int i = 0; i < 2; i++) big[i].u.struct_size = sizeof(big[0]);
    big[0].u.index = shard_a;
    big[1].u.index = shard_b;
    big[1].u.id_map_from = from + 1; /* ids[HALF + 2] and ids[HALF + 3] */
    big[1].u.id_map_to = to + 1;
    big[1].u.id_map_count = 2;
    OK(vsag_index_merge(fresh, &big[0].u, 2, failed, N, &nf));
    CHECK(nf == 0 && ivf_count(fresh) == HALF + 2);
    big[1].later = 1;
    FAILS(vsag_index_merge(other, &big[0].u, 2, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    big[1].later = 0;
    big[1].u.struct_size = sizeof(vsag_merge_unit_t);
    FAILS(vsag_index_merge(other, &big[0].u, 2, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "struct_size") != NULL);

    /* gno_imi partitions, sq8 codes reranked by fp32, no extra info: built (trained by the
     * build), searched, its model exported */
    vsag_index_t gno = NULL;
    OK(vsag_index_make("ivf",
                       "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
                       "{\"partition_strategy_type\":\"gno_imi\",\"first_order_buckets_count\":4,"
                       "\"second_order_buckets_count\":2,\"base_quantization_type\":\"sq8\","
                       "\"use_reorder\":true,\"precise_quantization_type\":\"fp32\"}}",
                       &gno));
    ivf_features_checked(gno, false);
    OK(vsag_index_build_vectors(gno, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, &nf));
    CHECK(nf == 0 && ivf_count(gno) == N);
    for (int q = 0; q < 4; q++) {
        OK(vsag_index_knn_search_batch(gno, base + (q * 37) * DIM, VSAG_DTYPE_FLOAT32, 1, DIM, K,
                                       "{\"ivf\":{\"scan_buckets_count\":8}}", NULL, got, gd));
        CHECK(got[0] == q * 37 && gd[0] < 1e-4f);
    }
    vsag_index_t gno_model = NULL;
    EOK(vsag_index_export_model(gno, &gno_model));
    CHECK(ivf_count(gno_model) == 0);
    ivf_features_checked(gno_model, false);
    u = (vsag_merge_unit_t)VSAG_MERGE_UNIT_INIT;
    u.index = gno;
    OK(vsag_index_merge(gno_model, &u, 1, failed, N, &nf));
    CHECK(nf == 0 && ivf_count(gno_model) == N);
    ivf_same_answers(gno, gno_model);
    vsag_index_destroy(gno_model);
    vsag_index_destroy(gno);

    /* types without a model: no export, no merge (hgraph merges too: tests/capi/hgraph_merge_test.c) */
    vsag_index_t hg = NULL;
    OK(vsag_index_make("brute_force", BF_PARAMS, &hg));
    OK(vsag_index_build_vectors(hg, base, VSAG_DTYPE_FLOAT32, ids, 20, DIM, NULL, NULL));
    bool feat = true;
    OK(vsag_index_check_feature(hg, VSAG_FEATURE_SUPPORT_EXPORT_MODEL, &feat));
    CHECK(!feat);
    OK(vsag_index_check_feature(hg, VSAG_FEATURE_SUPPORT_MERGE_INDEX, &feat));
    CHECK(!feat);
    vsag_index_t none = NULL;
    EFAILS(vsag_index_export_model(hg, &none), VSAG_UNSUPPORTED_INDEX_OPERATION);
    CHECK(none == NULL);
    u = (vsag_merge_unit_t)VSAG_MERGE_UNIT_INIT;
    u.index = shard_a;
    FAILS(vsag_index_merge(hg, &u, 1, failed, N, &nf), VSAG_UNSUPPORTED_INDEX_OPERATION);
    u.index = hg;
    FAILS(vsag_index_merge(fresh, &u, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    req.bucket_ids = all_buckets;
    req.parameters = "";
    FAILS(vsag_index_search_request(hg, &req, got, gd, NULL, K, &cnt, NULL, NULL),
          VSAG_INVALID_ARGUMENT);
    /* nor tuning (hgraph's: tests/capi/tune_test.c) */
    FAILS(vsag_index_tune(hg, "{\"index_param\":{}}", false), VSAG_UNSUPPORTED_INDEX_OPERATION);
    vsag_index_destroy(hg);

    /* an untrained or immutable target refuses; destroyed handles are errors */
    u.index = shard_a;
    vsag_index_t untrained = NULL;
    OK(vsag_index_make("ivf", IVF_PARAMS, &untrained));
    FAILS(vsag_index_merge(untrained, &u, 1, failed, N, &nf), VSAG_WRONG_STATUS);
    CHECK(ivf_count(untrained) == 0);
    vsag_index_destroy(untrained);
    OK(vsag_index_set_immutable(fresh));
    FAILS(vsag_index_merge(fresh, &u, 1, failed, N, &nf), VSAG_WRONG_STATUS);
    vsag_index_destroy(other);
    u.index = other;
    FAILS(vsag_index_merge(merged, &u, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    vsag_index_destroy(fresh);
    u.index = shard_a;
    FAILS(vsag_index_merge(fresh, &u, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    EFAILS(vsag_index_export_model(fresh, &none), VSAG_INVALID_ARGUMENT);

    vsag_index_destroy(shard_a);
    vsag_index_destroy(shard_b);
    vsag_index_destroy(merged);
    vsag_index_destroy(model);
    vsag_index_destroy(full);
}

/* lazy_hgraph: exact below transition_threshold, the hgraph past it (built in the background),
 * hgraph's search parameters in both phases, both phases serialized. */
static void test_lazy_hgraph(void) {
    const char* params =
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"lazy_hgraph\":"
        "{\"transition_threshold\":200,\"hgraph\":{\"max_degree\":16,\"ef_construction\":100}}}";
    const char* search = "{\"hgraph\":{\"ef_search\":100}}";
    vsag_index_t idx = NULL;
    OK(vsag_index_make("lazy_hgraph", params, &idx));
    OK(vsag_index_add_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, 100, DIM, NULL, NULL));
    int64_t got[K], want[K];
    float gd[K], wd[K];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K, search, NULL, got,
                                   gd));
    tu_exact_knn(base, ids, 100, DIM, queries, K, want, wd);
    for (int j = 0; j < K; j++) CHECK(got[j] == want[j]);
    FAILS(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, 1, DIM, K,
                                      "{\"lazy_hgraph\":{\"ef_search\":10}}", NULL, got, gd),
          VSAG_INVALID_ARGUMENT);
    void* flat = NULL;
    uint64_t flat_size = 0;
    OK(vsag_index_serialize_buffer(idx, &flat, &flat_size));
    for (int lo = 100; lo < N; lo += 100)
        OK(vsag_index_add_vectors(idx, base + lo * DIM, VSAG_DTYPE_FLOAT32, ids + lo, 100, DIM, NULL,
                                  NULL));
    int64_t count = 0;
    OK(vsag_index_get_num_elements(idx, &count));
    CHECK(count == N);
    int hits = 0;
    for (int q = 0; q < 10; q++) {
        OK(vsag_index_knn_search_batch(idx, queries + q * DIM, VSAG_DTYPE_FLOAT32, 1, DIM, K, search,
                                       NULL, got, gd));
        tu_exact_knn(base, ids, N, DIM, queries + q * DIM, K, want, wd);
        for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++) hits += got[i] == want[j];
    }
    CHECK(hits >= 95);
    vsag_index_t loaded = NULL;
    OK(vsag_index_make("lazy_hgraph", params, &loaded));
    OK(vsag_index_deserialize_buffer(loaded, flat, flat_size));
    OK(vsag_index_get_num_elements(loaded, &count));
    CHECK(count == 100);
    vsag_free(flat);
    vsag_index_destroy(loaded);
    vsag_index_destroy(idx);
    FAILS(vsag_index_make("lazy_hgraph",
                          "{\"dtype\":\"float16\",\"metric_type\":\"l2\",\"dim\":16}", &idx),
          VSAG_INVALID_ARGUMENT);
}

/* The conjugate graph functions; tests/capi/feedback_test.c covers them on hnsw. */
static void test_feedback_unsupported(void) {
    vsag_index_t idx = NULL;
    OK(vsag_index_make("brute_force", BF_PARAMS, &idx));
    OK(vsag_index_build_vectors(idx, base, VSAG_DTYPE_FLOAT32, ids, N, DIM, NULL, NULL));
    uint64_t edges = 0;
    FAILS(vsag_index_feedback(idx, queries, VSAG_DTYPE_FLOAT32, DIM, K, "", VSAG_GLOBAL_OPTIMUM_UNKNOWN, &edges),
          VSAG_UNSUPPORTED_INDEX_OPERATION);
    FAILS(vsag_index_pretrain(idx, ids, 1, K, "", &edges), VSAG_UNSUPPORTED_INDEX_OPERATION);
    OK(vsag_index_close(idx));
}

/* ---------------------------------------------------------------------------------------- */
/* pyramid: paths on build and add, searches confined to a path, named hierarchies           */

#define PYR_TENANTS 7
static const char* PYR_SEARCH = "{\"pyramid\":{\"ef_search\":100}}";

/* pyr_knn runs a knn request for query q with path p (NULL: none) and returns the count. */
static uint64_t pyr_knn(vsag_index_t idx, const float* q, const char* p, const char* sp,
                        int64_t* got, float* gd) {
    vsag_search_request_t r = VSAG_SEARCH_REQUEST_INIT;
    r.topk = K;
    r.query = q;
    r.query_dim = DIM;
    r.query_path = p;
    r.parameters = sp;
    uint64_t count = 0;
    OK(vsag_index_search_request(idx, &r, got, gd, NULL, K, &count, NULL, NULL));
    return count;
}

/* pyr_tenant_knn writes the exact k nearest labels among rows of tenant t (of the first n). */
static void pyr_tenant_knn(int n, int t, const float* q, int64_t* want, float* wd) {
    float* sub = malloc(sizeof(float) * n * DIM);
    int64_t* sid = malloc(sizeof(int64_t) * n);
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (i % PYR_TENANTS != t) continue;
        memcpy(sub + m * DIM, base + i * DIM, sizeof(float) * DIM);
        sid[m++] = ids[i];
    }
    tu_exact_knn(sub, sid, m, DIM, q, K, want, wd);
    free(sub);
    free(sid);
}

static void test_pyramid(void) {
    const char* params =
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
        "{\"max_degree\":16,\"ef_construction\":100,\"index_min_size\":20}}";
    static char buf[N][16];
    const char* paths[N];
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof(buf[i]), "t%d/s%d", i % PYR_TENANTS, (i / PYR_TENANTS) % 2);
        paths[i] = buf[i];
    }
    vsag_index_t idx = NULL;
    OK(vsag_index_make("pyramid", params, &idx));
    bool feat = false;
    OK(vsag_index_check_feature(idx, VSAG_FEATURE_SUPPORT_RANGE_SEARCH, &feat));
    CHECK(feat);
    vsag_dataset_t ds = NULL;
    OK(vsag_dataset_make(&ds));
    OK(vsag_dataset_set_num_elements(ds, N / 2));
    OK(vsag_dataset_set_dim(ds, DIM));
    OK(vsag_dataset_set_ids(ds, ids));
    OK(vsag_dataset_set_float32_vectors(ds, base));
    /* rows without paths have no place in the trees */
    FAILS(vsag_index_build_dataset(idx, ds, NULL, NULL), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "need paths") != NULL);
    OK(vsag_dataset_set_paths(ds, paths, N / 2));
    OK(vsag_index_build_dataset(idx, ds, NULL, NULL));
    /* the second half through add */
    OK(vsag_dataset_set_ids(ds, ids + N / 2));
    OK(vsag_dataset_set_float32_vectors(ds, base + (N / 2) * DIM));
    OK(vsag_dataset_set_paths(ds, paths + N / 2, N / 2));
    OK(vsag_index_add_dataset(idx, ds, NULL, NULL));
    int64_t count = 0;
    OK(vsag_index_get_num_elements(idx, &count));
    CHECK(count == N);

    int64_t got[K], want[K];
    float gd[K], wd[K];
    int hits = 0;
    for (int q = 0; q < 10; q++) {
        const float* qv = queries + q * DIM;
        int t = q % PYR_TENANTS;
        char p[8];
        snprintf(p, sizeof(p), "t%d", t);
        CHECK(pyr_knn(idx, qv, p, PYR_SEARCH, got, gd) == K);
        pyr_tenant_knn(N, t, qv, want, wd);
        for (int i = 0; i < K; i++) {
            CHECK(got[i] % PYR_TENANTS == t);
            for (int j = 0; j < K; j++) hits += got[i] == want[j];
        }
    }
    CHECK(hits >= 95);
    /* alternatives, a shop, an absent path, the root */
    CHECK(pyr_knn(idx, queries, "t1|t2/s0", PYR_SEARCH, got, gd) == K);
    for (int i = 0; i < K; i++)
        CHECK(got[i] % PYR_TENANTS == 1 || (got[i] % PYR_TENANTS == 2 && (got[i] / PYR_TENANTS) % 2 == 0));
    CHECK(pyr_knn(idx, queries, "t9", PYR_SEARCH, got, gd) == 0);
    CHECK(pyr_knn(idx, queries, NULL, PYR_SEARCH, got, gd) == K);
    /* range search inside a tenant, and a removed label */
    pyr_tenant_knn(N, 3, queries, want, wd);
    vsag_search_request_t rr = VSAG_SEARCH_REQUEST_INIT;
    rr.mode = VSAG_SEARCH_RANGE;
    rr.query = queries;
    rr.query_dim = DIM;
    rr.query_path = "t3";
    rr.radius = wd[4] * 1.0001f;
    rr.parameters = PYR_SEARCH;
    uint64_t total = 0, found = 0;
    OK(vsag_index_search_request(idx, &rr, got, gd, NULL, K, &found, &total, NULL));
    CHECK(total >= 4 && total <= 6);
    for (uint64_t i = 0; i < found; i++) CHECK(got[i] % PYR_TENANTS == 3 && gd[i] <= rr.radius);
    uint32_t removed = 0;
    OK(vsag_index_remove(idx, want[0], &removed));
    CHECK(removed == 1);
    CHECK(pyr_knn(idx, queries, "t3", PYR_SEARCH, got, gd) == K);
    for (int i = 0; i < K; i++) CHECK(got[i] != want[0]);
    /* search parameters */
    vsag_search_request_t bad = VSAG_SEARCH_REQUEST_INIT;
    bad.topk = K;
    bad.query = queries;
    bad.query_dim = DIM;
    bad.query_path = "t3";
    bad.parameters = "{\"pyramid\":{}}";
    search_fails(idx, &bad, "ef_search");
    bad.parameters = "{\"pyramid\":{\"ef_search\":10,\"hierarchy_op\":\"union\"}}";
    search_fails(idx, &bad, "hierarchy_op");
    /* saved and loaded, it answers the same */
    void* flat = NULL;
    uint64_t flat_size = 0;
    OK(vsag_index_serialize_buffer(idx, &flat, &flat_size));
    vsag_index_t loaded = NULL;
    OK(vsag_index_make("pyramid", params, &loaded));
    OK(vsag_index_deserialize_buffer(loaded, flat, flat_size));
    vsag_free(flat);
    int64_t got2[K];
    float gd2[K];
    CHECK(pyr_knn(idx, queries + DIM, "t5", PYR_SEARCH, got, gd) == K);
    CHECK(pyr_knn(loaded, queries + DIM, "t5", PYR_SEARCH, got2, gd2) == K);
    for (int i = 0; i < K; i++) CHECK(got[i] == got2[i]);
    vsag_index_destroy(loaded);
    vsag_index_destroy(idx);

    /* named hierarchies: the tenant and the parity of the label */
    const char* named =
        "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
        "{\"max_degree\":16,\"ef_construction\":100,\"hierarchies\":[\"site\","
        "{\"name\":\"parity\",\"max_degree\":8}]}}";
    OK(vsag_index_make("pyramid", named, &idx));
    static char pbuf[N][8];
    const char* parity[N];
    for (int i = 0; i < N; i++) {
        snprintf(pbuf[i], sizeof(pbuf[i]), "p%d", i % 2);
        parity[i] = pbuf[i];
    }
    OK(vsag_dataset_set_num_elements(ds, N));
    OK(vsag_dataset_set_ids(ds, ids));
    OK(vsag_dataset_set_float32_vectors(ds, base));
    OK(vsag_dataset_set_paths(ds, NULL, 0));
    FAILS(vsag_dataset_set_hierarchy_paths(ds, NULL, paths, N), VSAG_INVALID_ARGUMENT);
    FAILS(vsag_dataset_set_hierarchy_paths(ds, "", paths, N), VSAG_INVALID_ARGUMENT);
    const char* holes[2] = {"a", NULL};
    FAILS(vsag_dataset_set_hierarchy_paths(ds, "site", holes, 2), VSAG_INVALID_ARGUMENT);
    OK(vsag_dataset_set_hierarchy_paths(ds, "site", paths, N));
    OK(vsag_dataset_set_hierarchy_paths(ds, "parity", parity, N));
    uint64_t np = 0;
    OK(vsag_dataset_get_num_hierarchy_paths(ds, "parity", &np));
    CHECK(np == N);
    OK(vsag_dataset_get_num_hierarchy_paths(ds, "other", &np));
    CHECK(np == 0);
    char pb[16];
    uint64_t plen = 0;
    OK(vsag_dataset_get_hierarchy_path(ds, "site", 8, pb, sizeof(pb), &plen));
    CHECK(strcmp(pb, "t1/s1") == 0 && plen == 5);
    FAILS(vsag_dataset_get_hierarchy_path(ds, "site", N, pb, sizeof(pb), &plen), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_build_dataset(idx, ds, NULL, NULL));
    /* a query dataset carries one path per hierarchy */
    vsag_dataset_t qd = NULL;
    OK(vsag_dataset_make(&qd));
    OK(vsag_dataset_set_num_elements(qd, 1));
    OK(vsag_dataset_set_dim(qd, DIM));
    OK(vsag_dataset_set_float32_vectors(qd, queries));
    const char* qsite[1] = {"t4"};
    const char* qpar[1] = {"p1"};
    OK(vsag_dataset_set_hierarchy_paths(qd, "site", qsite, 1));
    OK(vsag_dataset_set_hierarchy_paths(qd, "parity", qpar, 1));
    vsag_search_request_t hr = VSAG_SEARCH_REQUEST_INIT;
    hr.topk = K;
    hr.query_dataset = qd;
    hr.parameters = "{\"pyramid\":{\"ef_search\":100,\"hierarchy_op\":\"intersection\"}}";
    OK(vsag_index_search_request(idx, &hr, got, gd, NULL, K, &found, NULL, NULL));
    CHECK(found == K);
    for (int i = 0; i < K; i++) CHECK(got[i] % PYR_TENANTS == 4 && got[i] % 2 == 1);
    hr.parameters = "{\"pyramid\":{\"ef_search\":100,\"hierarchy_op\":\"union\"}}";
    OK(vsag_index_search_request(idx, &hr, got, gd, NULL, K, &found, NULL, NULL));
    CHECK(found == K);
    for (int i = 0; i < K; i++) CHECK(got[i] % PYR_TENANTS == 4 || got[i] % 2 == 1);
    hr.parameters = "{\"pyramid\":{\"ef_search\":100,\"hierarchies\":[\"site\"]}}";
    OK(vsag_index_search_request(idx, &hr, got, gd, NULL, K, &found, NULL, NULL));
    for (int i = 0; i < K; i++) CHECK(got[i] % PYR_TENANTS == 4);
    hr.parameters = PYR_SEARCH;
    search_fails(idx, &hr, "hierarchy_op");
    OK(vsag_dataset_set_hierarchy_paths(qd, "parity", NULL, 0));
    OK(vsag_dataset_get_num_hierarchy_paths(qd, "parity", &np));
    CHECK(np == 0);
    OK(vsag_index_search_request(idx, &hr, got, gd, NULL, K, &found, NULL, NULL));
    for (int i = 0; i < K; i++) CHECK(got[i] % PYR_TENANTS == 4);
    vsag_dataset_destroy(qd);
    vsag_dataset_destroy(ds);
    vsag_index_destroy(idx);
    /* odescent builds pyramid's sub-graphs; its keys are checked */
    OK(vsag_index_make("pyramid",
                       "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
                       "{\"graph_type\":\"odescent\",\"graph_iter_turn\":5}}",
                       &idx));
    vsag_index_destroy(idx);
    FAILS(vsag_index_make("pyramid",
                          "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"index_param\":"
                          "{\"graph_type\":\"odescent\",\"neighbor_sample_rate\":0}}",
                          &idx),
          VSAG_INVALID_ARGUMENT);
}

int main(int argc, char** argv) {
    if (argc > 1) snprintf(scratch, sizeof(scratch), "%s", argv[1]);
    base = tu_vectors(N, DIM, 1);
    queries = tu_vectors(64, DIM, 2);
    for (int i = 0; i < N; i++) ids[i] = i;

    test_versions_and_errors();
    test_thread_local_error();
    test_compat();
    test_dataset();
    test_bitset();
    test_index_handles();
    test_batch();
    test_dtypes();
    test_hgraph();
    test_leanvec();
    test_attributes();
    test_extra_info();
    test_search_request();
    test_reset_and_update_extra_info();
    test_row_kinds();
    test_ivf();
    test_lazy_hgraph();
    test_feedback_unsupported();
    test_pyramid();

    free(base);
    free(queries);
    free(wf_buf);
    return tu_report("capi_test");
}

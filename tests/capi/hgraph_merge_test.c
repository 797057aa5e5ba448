/*
 * hgraph_merge_test.c: hgraph's exported model and merge through the C ABI. An sq8 index with
 * fp32 reorder is built whole; its model is exported, two shards are filled from copies of it
 * (one under shifted labels with one label removed, both with extra info and attributes) and
 * merged back through an id map. The merged index holds the right labels with their extra
 * info and attributes, finds what the whole index finds, saves and loads; refusals: another
 * model, other parameters, an untrained target, the index itself.
 */
#include "testutil.h"

#define DIM 16
#define N 1200
#define HALF (N / 2)
#define NQ 20
#define K 10

static const char* PARAMS =
    "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"extra_info_size\":4,"
    "\"index_param\":{\"base_quantization_type\":\"sq8\",\"use_reorder\":true,"
    "\"precise_quantization_type\":\"fp32\",\"max_degree\":16,\"ef_construction\":100}}";
static const char* SEARCH = "{\"hgraph\":{\"ef_search\":100}}";
static const int64_t OFFSET = (int64_t)1 << 40;

static float* base;
static float* queries;
static int64_t ids[N];

static int64_t count(vsag_index_t idx) {
    int64_t n = -1;
    OK(vsag_index_get_num_elements(idx, &n));
    return n;
}

/* add rows [from, to) with labels ids + offset, extra info = the row, attribute shard */
static void add_rows(vsag_index_t idx, int from, int to, int64_t offset, const char* shard) {
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

/* recall@K of idx against the exact neighbours of the rows in [0, N) but skip */
static double recall(vsag_index_t idx, int64_t skip) {
    int64_t got[NQ * K], want[K + 1];
    float gd[NQ * K], wd[K + 1];
    OK(vsag_index_knn_search_batch(idx, queries, VSAG_DTYPE_FLOAT32, NQ, DIM, K, SEARCH, NULL, got, gd));
    int hit = 0;
    for (int q = 0; q < NQ; q++) {
        tu_exact_knn(base, ids, N, DIM, queries + q * DIM, K + 1, want, wd);
        int w = 0;
        for (int j = 0; j < K + 1 && w < K; j++) {
            if (want[j] == skip) continue;
            for (int g = 0; g < K; g++) hit += got[q * K + g] == want[j];
            w++;
        }
    }
    return (double)hit / (NQ * K);
}

int main(void) {
    base = tu_vectors(N, DIM, 3);
    queries = tu_vectors(NQ, DIM, 4);
    for (int i = 0; i < N; i++) ids[i] = 1000 + 7 * i;

    vsag_index_t full = NULL, model = NULL, a = NULL, b = NULL, merged = NULL;
    int rc = vsag_index_make("hgraph", PARAMS, &full);
    if (rc == VSAG_UNSUPPORTED_INDEX) {
        printf("hgraph is not in this library: skipping\n");
        return 0;
    }
    OK(rc);
    add_rows(full, 0, N, 0, "whole");
    bool feat = false;
    OK(vsag_index_check_feature(full, VSAG_FEATURE_SUPPORT_EXPORT_MODEL, &feat));
    CHECK(feat);
    OK(vsag_index_check_feature(full, VSAG_FEATURE_SUPPORT_MERGE_INDEX, &feat));
    CHECK(feat);

    /* the model: empty, the same parameters and codes (an index built from it encodes alike) */
    EOK(vsag_index_export_model(full, &model));
    CHECK(count(model) == 0);
    char pa[1024], pb[1024];
    OK(vsag_index_get_parameters(full, pa, sizeof(pa), NULL));
    OK(vsag_index_get_parameters(model, pb, sizeof(pb), NULL));
    CHECK(strcmp(pa, pb) == 0);

    EOK(vsag_index_clone(model, &a));
    EOK(vsag_index_clone(model, &b));
    EOK(vsag_index_clone(model, &merged));
    add_rows(a, 0, HALF, 0, "a");
    add_rows(b, HALF, N, OFFSET, "b");
    int64_t gone = ids[HALF] + OFFSET;
    uint64_t removed = 0;
    OK(vsag_index_remove_many(b, &gone, 1, &removed));
    CHECK(removed == 1);

    /* b's map takes every label back but ids[HALF + 1] */
    int64_t from[N - HALF], to[N - HALF];
    uint64_t nmap = 0;
    for (int i = HALF; i < N; i++) {
        if (i == HALF + 1) continue;
        from[nmap] = ids[i] + OFFSET;
        to[nmap] = ids[i];
        nmap++;
    }
    vsag_merge_unit_t units[2] = {VSAG_MERGE_UNIT_INIT, VSAG_MERGE_UNIT_INIT};
    units[0].index = a;
    units[1].index = b;
    units[1].id_map_from = from;
    units[1].id_map_to = to;
    units[1].id_map_count = nmap;
    int64_t failed[N];
    uint64_t nf = 99;
    OK(vsag_index_merge(merged, units, 2, failed, N, &nf));
    CHECK(nf == 0);
    CHECK(count(merged) == N - 2);
    CHECK(count(a) == HALF && count(b) == N - HALF - 1);
    bool ex = true;
    OK(vsag_index_check_id_exist(merged, ids[HALF], &ex));
    CHECK(!ex);
    OK(vsag_index_check_id_exist(merged, ids[HALF + 1], &ex));
    CHECK(!ex);
    OK(vsag_index_check_id_exist(merged, ids[N - 1], &ex));
    CHECK(ex);

    /* extra info and attributes came along */
    int64_t look[2] = {ids[3], ids[N - 1]};
    char einfo[8];
    OK(vsag_index_get_extra_info_by_ids(merged, look, 2, einfo));
    int32_t r0, r1;
    memcpy(&r0, einfo, 4);
    memcpy(&r1, einfo + 4, 4);
    CHECK(r0 == 3 && r1 == N - 1);
    char* attrs = NULL;
    OK(vsag_index_get_attributes(merged, look, 2, &attrs, NULL));
    CHECK(attrs != NULL && strstr(attrs, "\"a\"") != NULL && strstr(attrs, "\"b\"") != NULL);
    vsag_free(attrs);

    /* it finds what the whole index finds */
    double rf = recall(full, -1), rm = recall(merged, ids[HALF + 1]);
    printf("hgraph recall@%d: whole %.3f, merged from two shards %.3f\n", K, rf, rm);
    CHECK(rm >= 0.95 && rm >= rf - 0.03);
    int64_t one[1];
    float od[1];
    OK(vsag_index_knn_search_batch(merged, base + (size_t)(N - 1) * DIM, VSAG_DTYPE_FLOAT32, 1, DIM, 1, SEARCH, NULL, one, od));
    CHECK(one[0] == ids[N - 1] && od[0] < 1e-5f);

    /* merging a again: every label fails, nothing is added */
    vsag_merge_unit_t ua = VSAG_MERGE_UNIT_INIT;
    ua.index = a;
    OK(vsag_index_merge(merged, &ua, 1, failed, N, &nf));
    CHECK(nf == HALF && count(merged) == N - 2);

    /* saves and loads */
    void* buf = NULL;
    uint64_t size = 0;
    OK(vsag_index_serialize_buffer(merged, &buf, &size));
    vsag_index_t back = NULL;
    OK(vsag_index_load_buffer(buf, size, &back));
    CHECK(count(back) == N - 2);
    CHECK(recall(back, ids[HALF + 1]) == rm);
    vsag_free(buf);
    vsag_index_destroy(back);

    /* refusals: another model, other parameters, an untrained target, itself */
    vsag_index_t other = NULL, fresh = NULL, deg = NULL;
    OK(vsag_index_make("hgraph", PARAMS, &other));
    for (int i = 0; i < N * DIM; i++) base[i] *= 3; /* other data: other sq8 ranges */
    add_rows(other, 0, 50, OFFSET * 2, "o");
    for (int i = 0; i < N * DIM; i++) base[i] /= 3;
    vsag_merge_unit_t uo = VSAG_MERGE_UNIT_INIT;
    uo.index = other;
    FAILS(vsag_index_merge(merged, &uo, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    CHECK(strstr(vsag_last_error(), "model") != NULL);
    OK(vsag_index_make("hgraph",
                       "{\"dtype\":\"float32\",\"metric_type\":\"l2\",\"dim\":16,\"extra_info_size\":4,"
                       "\"index_param\":{\"base_quantization_type\":\"sq8\",\"use_reorder\":true,"
                       "\"precise_quantization_type\":\"fp32\",\"max_degree\":8,\"ef_construction\":100}}",
                       &deg));
    add_rows(deg, 0, 50, OFFSET * 3, "d");
    uo.index = deg;
    FAILS(vsag_index_merge(merged, &uo, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    OK(vsag_index_make("hgraph", PARAMS, &fresh));
    FAILS(vsag_index_merge(fresh, &ua, 1, failed, N, &nf), VSAG_WRONG_STATUS);
    uo.index = merged;
    FAILS(vsag_index_merge(merged, &uo, 1, failed, N, &nf), VSAG_INVALID_ARGUMENT);
    CHECK(count(merged) == N - 2 && count(fresh) == 0);

    vsag_index_destroy(other);
    vsag_index_destroy(deg);
    vsag_index_destroy(fresh);
    vsag_index_destroy(merged);
    vsag_index_destroy(a);
    vsag_index_destroy(b);
    vsag_index_destroy(model);
    vsag_index_destroy(full);
    free(base);
    free(queries);
    return tu_report("hgraph_merge_test");
}

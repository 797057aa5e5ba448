/*
 * The public functions of include/vsag.h. Each is compiled against the header (so the compiler
 * checks it matches its declaration) and forwards to a Go function exported as vsagi_*.
 */
#include <string.h>

#include "_cgo_export.h"
#include "capi.h"

#define H(x) ((uintptr_t)(x))

/* Dataset fields, as numbered in dataset.go. */
enum { F_IDS = 0, F_DISTS, F_F32, F_F16, F_BF16, F_I8, F_EXTRA };
enum { I_NUM = 0, I_DIM = 1, I_EXTRA_SIZE = 2, I_OWNER = 3 };
/* Index properties, as numbered in index.go. */
enum { P_NUM = 0, P_MEM = 1, P_REMOVED = 2, P_DIM = 3, P_DTYPE = 4 };
enum { S_NAME = 0, S_PARAMS = 1 };

/* status turns a return code into VSAG's Error_t, taking the message of a failure from the
 * calling thread's last error. */
static Error_t status(int rc) {
    Error_t e;
    e.code = rc;
    if (rc == 0) {
        memcpy(e.message, "success", sizeof("success"));
    } else {
        const char* m = vsag_last_error();
        size_t n = strlen(m);
        if (n >= sizeof(e.message)) {
            n = sizeof(e.message) - 1;
        }
        memcpy(e.message, m, n);
        e.message[n] = '\0';
    }
    return e;
}

/* ---- layer 1 ---- */

Error_t vsag_search_result_enable_statistics(SearchResult_t* search_result) {
    return status(vsagi_stats_enable(search_result));
}

const char* vsag_search_result_get_statistics(const SearchResult_t* search_result) {
    return vsagi_stats_get((SearchResult_t*)search_result);
}

void vsag_search_result_destroy_statistics(SearchResult_t* search_result) {
    vsagi_stats_destroy(search_result);
}

vsag_index_t vsag_index_factory(const char* index_name, const char* index_param) {
    uintptr_t h = 0;
    if (vsagi_index_make((char*)index_name, (char*)index_param, &h) != 0) {
        return NULL;
    }
    return (vsag_index_t)h;
}

Error_t vsag_index_destroy(vsag_index_t index) { return status(vsagi_index_close(H(index))); }

Error_t vsag_index_build(vsag_index_t index, const float* data, const int64_t* ids, uint64_t dim,
                         uint64_t count) {
    return status(vsagi_index_insert(H(index), 0, (void*)data, VSAG_DTYPE_FLOAT32, (int64_t*)ids,
                                     count, dim, NULL, NULL));
}

Error_t vsag_index_add(vsag_index_t index, const float* data, const int64_t* ids,
                       const uint64_t dim, const uint64_t count) {
    return status(vsagi_index_insert(H(index), 1, (void*)data, VSAG_DTYPE_FLOAT32, (int64_t*)ids,
                                     count, dim, NULL, NULL));
}

Error_t vsag_index_train(vsag_index_t index, const float* data, const int64_t* ids,
                         const uint64_t dim, const uint64_t count) {
    (void)ids;
    return status(vsagi_index_train(H(index), (void*)data, VSAG_DTYPE_FLOAT32, count, dim));
}

Error_t vsag_index_knn_search(vsag_index_t index, const float* query, uint64_t dim, int64_t k,
                              const char* parameters, SearchResult_t* search_result) {
    return status(vsagi_compat_search(H(index), (float*)query, dim, false, k, 0.0f,
                                      (char*)parameters, NULL, search_result));
}

Error_t vsag_index_knn_search_with_filter(vsag_index_t index, const float* query, uint64_t dim,
                                          int64_t k, const char* parameters, FilterFunc_t filter,
                                          SearchResult_t* search_result) {
    return status(vsagi_compat_search(H(index), (float*)query, dim, false, k, 0.0f,
                                      (char*)parameters, filter, search_result));
}

Error_t vsag_index_range_search(vsag_index_t index, const float* query, uint64_t dim, float radius,
                                int64_t k, const char* parameters, SearchResult_t* search_result) {
    return status(vsagi_compat_search(H(index), (float*)query, dim, true, k, radius,
                                      (char*)parameters, NULL, search_result));
}

Error_t vsag_index_range_search_with_filter(vsag_index_t index, const float* query, uint64_t dim,
                                            float radius, int64_t k, const char* parameters,
                                            FilterFunc_t filter, SearchResult_t* search_result) {
    return status(vsagi_compat_search(H(index), (float*)query, dim, true, k, radius,
                                      (char*)parameters, filter, search_result));
}

Error_t vsag_index_clone(const vsag_index_t index, vsag_index_t* clone_index) {
    uintptr_t h = 0;
    int rc = vsagi_index_clone(H(index), clone_index == NULL ? NULL : &h);
    if (rc == 0) {
        *clone_index = (vsag_index_t)h;
    }
    return status(rc);
}

Error_t vsag_index_export_model(const vsag_index_t index, vsag_index_t* model_index) {
    uintptr_t h = 0;
    int rc = vsagi_index_export_model(H(index), model_index == NULL ? NULL : &h);
    if (rc == 0) {
        *model_index = (vsag_index_t)h;
    }
    return status(rc);
}

Error_t vsag_index_calculate_distance_by_ids(const vsag_index_t index, const float* query,
                                             const uint64_t dim, const int64_t* ids,
                                             const uint64_t count, float* dists) {
    return status(vsagi_index_calc_distance(H(index), (void*)query, VSAG_DTYPE_FLOAT32, dim,
                                            (int64_t*)ids, count, dists));
}

Error_t vsag_index_update_ids(vsag_index_t index, const int64_t* old_ids, const int64_t* new_ids,
                              const uint64_t dim, const uint64_t count) {
    (void)dim;
    return status(vsagi_index_update_ids(H(index), (int64_t*)old_ids, (int64_t*)new_ids, count));
}

Error_t vsag_index_update_vector(vsag_index_t index, const int64_t id, const float* new_data,
                                 const uint64_t dim) {
    return status(vsagi_index_update_vector(H(index), id, (float*)new_data, dim, false));
}

Error_t vsag_index_update_vector_force(vsag_index_t index, const int64_t id, const float* new_data,
                                       const uint64_t dim) {
    return status(vsagi_index_update_vector(H(index), id, (float*)new_data, dim, true));
}

Error_t vsag_index_get_vector_by_ids(vsag_index_t index, const int64_t* ids, const uint64_t count,
                                     float* vectors) {
    return status(vsagi_index_get_vectors(H(index), (int64_t*)ids, count, vectors));
}

Error_t vsag_serialize_file(vsag_index_t index, const char* file_path) {
    return status(vsagi_index_serialize_file(H(index), (char*)file_path));
}

Error_t vsag_deserialize_file(vsag_index_t index, const char* file_path) {
    return status(vsagi_index_deserialize_file(H(index), (char*)file_path));
}

Error_t vsag_serialize_write_func(vsag_index_t index,
                                  void (*write_func)(OffsetType offset, SizeType size,
                                                     const void* data)) {
    return status(vsagi_index_serialize_write_func(H(index), write_func));
}

Error_t vsag_deserialize_read_func(vsag_index_t index,
                                   void (*read_func)(OffsetType offset, SizeType size, void* data),
                                   SizeType (*size_func)(void)) {
    return status(vsagi_index_deserialize_read_func(H(index), read_func, size_func));
}

/* ---- layer 2: datasets ---- */

int vsag_dataset_make(vsag_dataset_t* out) {
    uintptr_t h = 0;
    int rc = vsagi_dataset_make(out == NULL ? NULL : &h);
    if (rc == 0) {
        *out = (vsag_dataset_t)h;
    }
    return rc;
}

int vsag_dataset_destroy(vsag_dataset_t ds) { return vsagi_dataset_destroy(H(ds)); }

int vsag_dataset_set_owner(vsag_dataset_t ds, bool is_owner) {
    return vsagi_dataset_set_int(H(ds), I_OWNER, is_owner ? 1 : 0);
}

int vsag_dataset_get_owner(vsag_dataset_t ds, bool* out) {
    int64_t v = 0;
    int rc = vsagi_dataset_get_int(H(ds), I_OWNER, out == NULL ? NULL : &v);
    if (rc == 0) {
        *out = v != 0;
    }
    return rc;
}

int vsag_dataset_set_num_elements(vsag_dataset_t ds, int64_t num_elements) {
    return vsagi_dataset_set_int(H(ds), I_NUM, num_elements);
}

int vsag_dataset_get_num_elements(vsag_dataset_t ds, int64_t* out) {
    return vsagi_dataset_get_int(H(ds), I_NUM, out);
}

int vsag_dataset_set_dim(vsag_dataset_t ds, int64_t dim) { return vsagi_dataset_set_int(H(ds), I_DIM, dim); }

int vsag_dataset_get_dim(vsag_dataset_t ds, int64_t* out) { return vsagi_dataset_get_int(H(ds), I_DIM, out); }

int vsag_dataset_set_extra_info_size(vsag_dataset_t ds, int64_t size) {
    return vsagi_dataset_set_int(H(ds), I_EXTRA_SIZE, size);
}

int vsag_dataset_get_extra_info_size(vsag_dataset_t ds, int64_t* out) {
    return vsagi_dataset_get_int(H(ds), I_EXTRA_SIZE, out);
}

#define DATASET_PTR(name, field, type)                                   \
    int vsag_dataset_set_##name(vsag_dataset_t ds, const type* p) {      \
        return vsagi_dataset_set_ptr(H(ds), field, (void*)p);            \
    }                                                                    \
    int vsag_dataset_get_##name(vsag_dataset_t ds, const type** out) {   \
        void* p = NULL;                                                  \
        int rc = vsagi_dataset_get_ptr(H(ds), field, out == NULL ? NULL : &p); \
        if (rc == 0) {                                                   \
            *out = (const type*)p;                                       \
        }                                                                \
        return rc;                                                       \
    }

DATASET_PTR(ids, F_IDS, int64_t)
DATASET_PTR(distances, F_DISTS, float)
DATASET_PTR(float32_vectors, F_F32, float)
DATASET_PTR(float16_vectors, F_F16, uint16_t)
DATASET_PTR(bfloat16_vectors, F_BF16, uint16_t)
DATASET_PTR(int8_vectors, F_I8, int8_t)
DATASET_PTR(extra_infos, F_EXTRA, char)

int vsag_dataset_get_statistics(vsag_dataset_t ds, const char** out) {
    char* p = NULL;
    int rc = vsagi_dataset_get_statistics(H(ds), out == NULL ? NULL : &p);
    if (rc == 0) {
        *out = p;
    }
    return rc;
}

/* ---- layer 2: bitsets ---- */

int vsag_bitset_make(vsag_bitset_t* out) {
    uintptr_t h = 0;
    int rc = vsagi_bitset_make(out == NULL ? NULL : &h);
    if (rc == 0) {
        *out = (vsag_bitset_t)h;
    }
    return rc;
}

int vsag_bitset_destroy(vsag_bitset_t bitset) { return vsagi_bitset_destroy(H(bitset)); }

int vsag_bitset_set(vsag_bitset_t bitset, int64_t pos, bool value) {
    return vsagi_bitset_set_many(H(bitset), &pos, 1, value);
}

int vsag_bitset_set_many(vsag_bitset_t bitset, const int64_t* pos, uint64_t count, bool value) {
    return vsagi_bitset_set_many(H(bitset), (int64_t*)pos, count, value);
}

int vsag_bitset_test(vsag_bitset_t bitset, int64_t pos, bool* out) {
    return vsagi_bitset_test(H(bitset), pos, out);
}

int vsag_bitset_count(vsag_bitset_t bitset, uint64_t* out) { return vsagi_bitset_count(H(bitset), out); }

int vsag_bitset_clear(vsag_bitset_t bitset) { return vsagi_bitset_clear(H(bitset)); }

/* ---- layer 2: indexes ---- */

int vsag_index_make(const char* name, const char* parameters, vsag_index_t* out) {
    uintptr_t h = 0;
    int rc = vsagi_index_make((char*)name, (char*)parameters, out == NULL ? NULL : &h);
    if (out != NULL) {
        *out = (vsag_index_t)h;
    }
    return rc;
}

int vsag_index_close(vsag_index_t index) { return vsagi_index_close(H(index)); }

int vsag_index_build_dataset(vsag_index_t index, vsag_dataset_t base, int64_t* failed_ids,
                             uint64_t* num_failed) {
    return vsagi_index_insert_dataset(H(index), 0, H(base), failed_ids, num_failed);
}

int vsag_index_add_dataset(vsag_index_t index, vsag_dataset_t base, int64_t* failed_ids,
                           uint64_t* num_failed) {
    return vsagi_index_insert_dataset(H(index), 1, H(base), failed_ids, num_failed);
}

int vsag_index_train_dataset(vsag_index_t index, vsag_dataset_t base) {
    return vsagi_index_train_dataset(H(index), H(base));
}

int vsag_index_remove(vsag_index_t index, int64_t id, uint32_t* num_removed) {
    uint64_t n = 0;
    int rc = vsagi_index_remove_many(H(index), &id, 1, &n);
    if (rc == 0 && num_removed != NULL) {
        *num_removed = (uint32_t)n;
    }
    return rc;
}

static int result_out(int rc, uintptr_t h, vsag_dataset_t* result) {
    if (result != NULL) {
        *result = (vsag_dataset_t)h;
    }
    return rc;
}

int vsag_index_knn_search_dataset(vsag_index_t index, vsag_dataset_t query, int64_t k,
                                  const char* parameters, vsag_bitset_t invalid,
                                  vsag_dataset_t* result) {
    uintptr_t h = 0;
    int rc = vsagi_index_search_dataset(H(index), 0, H(query), k, 0.0f, (char*)parameters, H(invalid),
                                        -1, result == NULL ? NULL : &h);
    return result_out(rc, h, result);
}

int vsag_index_range_search_dataset(vsag_index_t index, vsag_dataset_t query, float radius,
                                    const char* parameters, vsag_bitset_t invalid,
                                    int64_t limited_size, vsag_dataset_t* result) {
    uintptr_t h = 0;
    int rc = vsagi_index_search_dataset(H(index), 1, H(query), 0, radius, (char*)parameters, H(invalid),
                                        limited_size, result == NULL ? NULL : &h);
    return result_out(rc, h, result);
}

int vsag_index_serialize_file(vsag_index_t index, const char* path) {
    return vsagi_index_serialize_file(H(index), (char*)path);
}

int vsag_index_deserialize_file(vsag_index_t index, const char* path) {
    return vsagi_index_deserialize_file(H(index), (char*)path);
}

int vsag_index_serialize_buffer(vsag_index_t index, void** data, uint64_t* size) {
    return vsagi_index_serialize_buffer(H(index), data, size);
}

int vsag_index_deserialize_buffer(vsag_index_t index, const void* data, uint64_t size) {
    return vsagi_index_deserialize_buffer(H(index), (void*)data, size);
}

int vsag_index_get_num_elements(vsag_index_t index, int64_t* out) {
    return vsagi_index_get_int(H(index), P_NUM, out);
}

int vsag_index_get_memory_usage(vsag_index_t index, uint64_t* out) {
    return vsagi_index_get_int(H(index), P_MEM, (int64_t*)out);
}

/* ---- layer 3 ---- */

int vsag_index_build_vectors(vsag_index_t index, const void* vectors, vsag_dtype_t dtype,
                             const int64_t* ids, uint64_t count, uint64_t dim,
                             int64_t* failed_ids, uint64_t* num_failed) {
    return vsagi_index_insert(H(index), 0, (void*)vectors, dtype, (int64_t*)ids, count, dim,
                              failed_ids, num_failed);
}

int vsag_index_add_vectors(vsag_index_t index, const void* vectors, vsag_dtype_t dtype,
                           const int64_t* ids, uint64_t count, uint64_t dim, int64_t* failed_ids,
                           uint64_t* num_failed) {
    return vsagi_index_insert(H(index), 1, (void*)vectors, dtype, (int64_t*)ids, count, dim,
                              failed_ids, num_failed);
}

int vsag_index_train_vectors(vsag_index_t index, const void* vectors, vsag_dtype_t dtype,
                             uint64_t count, uint64_t dim) {
    return vsagi_index_train(H(index), (void*)vectors, dtype, count, dim);
}

int vsag_index_train_with_queries(vsag_index_t index, const void* vectors, vsag_dtype_t dtype,
                                  uint64_t count, const void* queries, uint64_t num_queries,
                                  uint64_t dim) {
    return vsagi_index_train_with_queries(H(index), (void*)vectors, dtype, count, (void*)queries,
                                          num_queries, dim);
}

int vsag_index_set_leanvec_matrices(vsag_index_t index, const float* data_matrix,
                                    const float* query_matrix, const float* mean,
                                    uint64_t reduced_dim, uint64_t dim) {
    return vsagi_index_set_leanvec_matrices(H(index), (float*)data_matrix, (float*)query_matrix,
                                            (float*)mean, reduced_dim, dim);
}

int vsag_index_remove_many(vsag_index_t index, const int64_t* ids, uint64_t count,
                           uint64_t* num_removed) {
    return vsagi_index_remove_many(H(index), (int64_t*)ids, count, num_removed);
}

int vsag_index_knn_search_batch(vsag_index_t index, const void* queries, vsag_dtype_t dtype,
                                uint64_t nq, uint64_t dim, int64_t k, const char* parameters,
                                const vsag_filter_t* filter, int64_t* ids, float* dists) {
    return vsagi_index_knn_search_batch(H(index), (void*)queries, dtype, nq, dim, k,
                                        (char*)parameters, (vsag_filter_t*)filter, ids, dists,
                                        &vsagi_last_search_ns);
}

int vsag_index_range_search_vector(vsag_index_t index, const void* query, vsag_dtype_t dtype,
                                   uint64_t dim, float radius, const char* parameters,
                                   const vsag_filter_t* filter, int64_t limited_size,
                                   vsag_dataset_t* result) {
    uintptr_t h = 0;
    int rc = vsagi_index_range_search_vector(H(index), (void*)query, dtype, dim, radius,
                                             (char*)parameters, (vsag_filter_t*)filter,
                                             limited_size, result == NULL ? NULL : &h);
    return result_out(rc, h, result);
}

int vsag_index_knn_search_vector(vsag_index_t index, const void* query, vsag_dtype_t dtype,
                                 uint64_t dim, int64_t k, const char* parameters,
                                 const vsag_filter_t* filter, vsag_dataset_t* result) {
    uintptr_t h = 0;
    int rc = vsagi_index_knn_search_vector(H(index), (void*)query, dtype, dim, k, (char*)parameters,
                                           (vsag_filter_t*)filter, result == NULL ? NULL : &h,
                                           &vsagi_last_search_ns);
    return result_out(rc, h, result);
}

int vsag_index_calc_distance_by_ids(vsag_index_t index, const void* query, vsag_dtype_t dtype,
                                    uint64_t dim, const int64_t* ids, uint64_t count,
                                    float* dists) {
    return vsagi_index_calc_distance(H(index), (void*)query, dtype, dim, (int64_t*)ids, count, dists);
}

int vsag_index_batch_calc_distance_by_ids(vsag_index_t index, const void* queries,
                                          vsag_dtype_t dtype, uint64_t nq, uint64_t dim,
                                          const int64_t* ids, uint64_t ids_per_query,
                                          float* dists) {
    return vsagi_index_batch_calc_distance(H(index), (void*)queries, dtype, nq, dim, (int64_t*)ids,
                                           ids_per_query, dists);
}

int vsag_index_calc_distance_by_ids_sparse(vsag_index_t index, const uint32_t* term_ids,
                                           const float* values, uint64_t nnz, const int64_t* ids,
                                           uint64_t count, float* dists) {
    return vsagi_index_calc_distance_sparse(H(index), (uint32_t*)term_ids, (float*)values, nnz,
                                            (int64_t*)ids, count, dists);
}

int vsag_index_calc_distance_by_ids_multi_vector(vsag_index_t index, const float* query,
                                                 uint64_t num_vectors, uint64_t dim,
                                                 const int64_t* ids, uint64_t count, float* dists) {
    return vsagi_index_calc_distance_multi(H(index), (float*)query, num_vectors, dim, (int64_t*)ids,
                                           count, dists);
}

int vsag_index_get_sparse_vectors_by_ids(vsag_index_t index, const int64_t* ids, uint64_t count,
                                         vsag_dataset_t* result) {
    uintptr_t h = 0;
    int rc = vsagi_index_get_sparse_vectors(H(index), (int64_t*)ids, count,
                                            result == NULL ? NULL : &h);
    return result_out(rc, h, result);
}

int vsag_index_check_feature(vsag_index_t index, int feature, bool* out) {
    return vsagi_index_check_feature(H(index), feature, out);
}

int vsag_index_estimate_memory(vsag_index_t index, uint64_t num_elements, uint64_t* out) {
    return vsagi_index_estimate_memory(H(index), num_elements, out);
}

int vsag_index_check_id_exist(vsag_index_t index, int64_t id, bool* out) {
    return vsagi_index_check_ids_exist(H(index), &id, 1, out);
}

int vsag_index_check_ids_exist(vsag_index_t index, const int64_t* ids, uint64_t count, bool* out) {
    return vsagi_index_check_ids_exist(H(index), (int64_t*)ids, count, out);
}

int vsag_index_get_min_max_id(vsag_index_t index, int64_t* min_id, int64_t* max_id) {
    return vsagi_index_get_min_max_id(H(index), min_id, max_id);
}

int vsag_index_get_num_removed(vsag_index_t index, int64_t* out) {
    return vsagi_index_get_int(H(index), P_REMOVED, out);
}

int vsag_index_get_dim(vsag_index_t index, int64_t* out) { return vsagi_index_get_int(H(index), P_DIM, out); }

int vsag_index_get_dtype(vsag_index_t index, vsag_dtype_t* out) {
    int64_t v = 0;
    int rc = vsagi_index_get_int(H(index), P_DTYPE, out == NULL ? NULL : &v);
    if (rc == 0) {
        *out = (vsag_dtype_t)v;
    }
    return rc;
}

int vsag_index_get_name(vsag_index_t index, char* buf, uint64_t cap, uint64_t* len) {
    return vsagi_index_get_string(H(index), S_NAME, buf, cap, len);
}

int vsag_index_get_parameters(vsag_index_t index, char* buf, uint64_t cap, uint64_t* len) {
    return vsagi_index_get_string(H(index), S_PARAMS, buf, cap, len);
}

int vsag_index_export_ids(vsag_index_t index, int64_t* ids, uint64_t cap, uint64_t* count) {
    return vsagi_index_export_ids(H(index), ids, cap, count);
}

int vsag_index_set_immutable(vsag_index_t index) { return vsagi_index_set_immutable(H(index)); }

int vsag_index_reset(vsag_index_t index) { return vsagi_index_reset(H(index)); }

int vsag_index_load_file(const char* path, vsag_index_t* out) {
    uintptr_t h = 0;
    int rc = vsagi_index_load_file((char*)path, out == NULL ? NULL : &h);
    if (out != NULL) {
        *out = (vsag_index_t)h;
    }
    return rc;
}

int vsag_index_load_buffer(const void* data, uint64_t size, vsag_index_t* out) {
    uintptr_t h = 0;
    int rc = vsagi_index_load_buffer((void*)data, size, out == NULL ? NULL : &h);
    if (out != NULL) {
        *out = (vsag_index_t)h;
    }
    return rc;
}

/* ---- extra info and attributes ---- */

int vsag_index_get_extra_info_by_ids(vsag_index_t index, const int64_t* ids, uint64_t count,
                                     char* out) {
    return vsagi_index_get_extra_info_by_ids(H(index), (int64_t*)ids, count, out);
}

int vsag_index_update_extra_info(vsag_index_t index, const int64_t* ids, uint64_t count,
                                 const char* infos) {
    return vsagi_index_update_extra_info(H(index), (int64_t*)ids, count, (char*)infos);
}

int vsag_dataset_set_attributes(vsag_dataset_t ds, const char* attributes_json) {
    return vsagi_dataset_set_attributes(H(ds), (char*)attributes_json);
}

int vsag_index_build_vectors_with_attributes(vsag_index_t index, const void* vectors,
                                             vsag_dtype_t dtype, const int64_t* ids,
                                             uint64_t count, uint64_t dim,
                                             const char* attributes_json, int64_t* failed_ids,
                                             uint64_t* num_failed) {
    return vsagi_index_insert_attributes(H(index), 0, (void*)vectors, dtype, (int64_t*)ids, count,
                                         dim, (char*)attributes_json, failed_ids, num_failed);
}

int vsag_index_add_vectors_with_attributes(vsag_index_t index, const void* vectors,
                                           vsag_dtype_t dtype, const int64_t* ids, uint64_t count,
                                           uint64_t dim, const char* attributes_json,
                                           int64_t* failed_ids, uint64_t* num_failed) {
    return vsagi_index_insert_attributes(H(index), 1, (void*)vectors, dtype, (int64_t*)ids, count,
                                         dim, (char*)attributes_json, failed_ids, num_failed);
}

int vsag_index_knn_search_batch_with_filter_string(vsag_index_t index, const void* queries,
                                                   vsag_dtype_t dtype, uint64_t nq, uint64_t dim,
                                                   int64_t k, const char* parameters,
                                                   const char* filter_expr,
                                                   const vsag_filter_t* filter, int64_t* ids,
                                                   float* dists) {
    return vsagi_index_knn_search_batch_expr(H(index), (void*)queries, dtype, nq, dim, k,
                                             (char*)parameters, (char*)filter_expr,
                                             (vsag_filter_t*)filter, ids, dists);
}

int vsag_index_get_attributes(vsag_index_t index, const int64_t* ids, uint64_t count, char** out,
                              uint64_t* size) {
    return vsagi_index_get_attributes(H(index), (int64_t*)ids, count, out, size);
}

/* ---- sparse, multi-vector and path rows ---- */

int vsag_dataset_set_sparse_vectors(vsag_dataset_t ds, const int64_t* offsets,
                                    const uint32_t* term_ids, const float* values, uint64_t nnz) {
    return vsagi_dataset_set_sparse(H(ds), (int64_t*)offsets, (uint32_t*)term_ids, (float*)values,
                                    nnz);
}

int vsag_dataset_get_sparse_vectors(vsag_dataset_t ds, const int64_t** offsets,
                                    const uint32_t** term_ids, const float** values,
                                    uint64_t* nnz) {
    return vsagi_dataset_get_sparse(H(ds), (int64_t**)offsets, (uint32_t**)term_ids,
                                    (float**)values, nnz);
}

int vsag_dataset_set_vector_counts(vsag_dataset_t ds, const int64_t* counts,
                                   uint64_t num_vectors) {
    return vsagi_dataset_set_vector_counts(H(ds), (int64_t*)counts, num_vectors);
}

int vsag_dataset_get_vector_counts(vsag_dataset_t ds, const int64_t** counts,
                                   uint64_t* num_vectors) {
    return vsagi_dataset_get_vector_counts(H(ds), (int64_t**)counts, num_vectors);
}

int vsag_dataset_set_paths(vsag_dataset_t ds, const char* const* paths, uint64_t count) {
    return vsagi_dataset_set_paths(H(ds), (char**)paths, count);
}

int vsag_dataset_get_num_paths(vsag_dataset_t ds, uint64_t* out) {
    return vsagi_dataset_get_num_paths(H(ds), out);
}

int vsag_dataset_get_path(vsag_dataset_t ds, uint64_t row, char* buf, uint64_t cap,
                          uint64_t* len) {
    return vsagi_dataset_get_path(H(ds), row, buf, cap, len);
}

int vsag_dataset_set_hierarchy_paths(vsag_dataset_t ds, const char* hierarchy,
                                     const char* const* paths, uint64_t count) {
    return vsagi_dataset_set_hierarchy_paths(H(ds), (char*)hierarchy, (char**)paths, count);
}

int vsag_dataset_get_num_hierarchy_paths(vsag_dataset_t ds, const char* hierarchy,
                                         uint64_t* out) {
    return vsagi_dataset_get_num_hierarchy_paths(H(ds), (char*)hierarchy, out);
}

int vsag_dataset_get_hierarchy_path(vsag_dataset_t ds, const char* hierarchy, uint64_t row,
                                    char* buf, uint64_t cap, uint64_t* len) {
    return vsagi_dataset_get_hierarchy_path(H(ds), (char*)hierarchy, row, buf, cap, len);
}

/* ---- search requests ---- */

int vsag_index_search_request(vsag_index_t index, const vsag_search_request_t* request,
                              int64_t* ids, float* dists, char* extra_infos, uint64_t capacity,
                              uint64_t* count, uint64_t* total,
                              vsag_search_explanation_t* explanations) {
    return vsagi_index_search_request(H(index), (vsag_search_request_t*)request, ids, dists,
                                      extra_infos, capacity, count, total, explanations);
}

/* ---- merging ---- */

int vsag_index_merge(vsag_index_t index, const vsag_merge_unit_t* units, uint64_t num_units,
                     int64_t* failed_ids, uint64_t capacity, uint64_t* num_failed) {
    return vsagi_index_merge(H(index), (void*)units, num_units, failed_ids, capacity, num_failed);
}

/*
 * libvsag.h - the functions of include/vsag.h that the addon calls, reached through pointers
 * filled by vsag_open() from a libvsag.so opened at run time. Opening it ourselves (instead of
 * linking it) lets the package look for the library where pyvsag does: next to the package
 * first, then VSAG_LIBRARY_PATH, then the system's search path.
 *
 * After this header, a call such as vsag_index_make(...) goes through its pointer; the names
 * stay those of vsag.h.
 */
#ifndef VSAG_NODE_LIBVSAG_H
#define VSAG_NODE_LIBVSAG_H

#include <stddef.h>

#include "vsag.h"

/* VSAG_IMPORTS lists every imported function. */
#define VSAG_IMPORTS(X) \
    X(vsag_version) \
    X(vsag_errstr) \
    X(vsag_last_error) \
    X(vsag_last_error_code) \
    X(vsag_set_log_level) \
    X(vsag_get_log_level) \
    X(vsag_dataset_destroy) \
    X(vsag_dataset_get_dim) \
    X(vsag_dataset_get_distances) \
    X(vsag_dataset_get_ids) \
    X(vsag_index_make) \
    X(vsag_index_close) \
    X(vsag_index_load_file) \
    X(vsag_index_build_vectors) \
    X(vsag_index_add_vectors) \
    X(vsag_index_remove_many) \
    X(vsag_index_remove_with_mode) \
    X(vsag_index_knn_search_batch) \
    X(vsag_index_knn_search_vector) \
    X(vsag_index_range_search_vector) \
    X(vsag_index_calc_distance_by_ids) \
    X(vsag_index_batch_calc_distance_by_ids) \
    X(vsag_index_calc_distance_by_ids_sparse) \
    X(vsag_index_calc_distance_by_ids_multi_vector) \
    X(vsag_index_get_sparse_vectors_by_ids) \
    X(vsag_dataset_get_sparse_vectors) \
    X(vsag_index_serialize_file) \
    X(vsag_index_deserialize_file) \
    X(vsag_index_get_num_elements) \
    X(vsag_index_get_num_removed) \
    X(vsag_index_get_memory_usage) \
    X(vsag_index_estimate_memory) \
    X(vsag_index_check_feature) \
    X(vsag_index_check_id_exist) \
    X(vsag_index_check_ids_exist) \
    X(vsag_index_get_min_max_id) \
    X(vsag_index_export_ids) \
    X(vsag_index_get_name) \
    X(vsag_index_get_parameters) \
    X(vsag_index_get_dim) \
    X(vsag_index_get_dtype) \
    X(vsag_index_set_immutable) \
    X(vsag_index_reset) \
    X(vsag_index_serialize_buffer) \
    X(vsag_index_deserialize_buffer) \
    X(vsag_index_load_buffer) \
    X(vsag_free) \
    X(vsag_iterator_create) \
    X(vsag_iterator_next) \
    X(vsag_iterator_drain) \
    X(vsag_iterator_destroy) \
    X(vsag_index_build_vectors_with_attributes) \
    X(vsag_index_add_vectors_with_attributes) \
    X(vsag_index_knn_search_batch_with_filter_string) \
    X(vsag_index_get_extra_info_by_ids) \
    X(vsag_index_update_extra_info) \
    X(vsag_index_get_attributes) \
    X(vsag_index_set_leanvec_matrices) \
    X(vsag_index_train_with_queries) \
    X(vsag_dataset_make) \
    X(vsag_dataset_set_num_elements) \
    X(vsag_dataset_set_dim) \
    X(vsag_dataset_set_ids) \
    X(vsag_dataset_set_float32_vectors) \
    X(vsag_dataset_set_float16_vectors) \
    X(vsag_dataset_set_bfloat16_vectors) \
    X(vsag_dataset_set_int8_vectors) \
    X(vsag_dataset_set_extra_info_size) \
    X(vsag_dataset_set_extra_infos) \
    X(vsag_dataset_set_attributes) \
    X(vsag_index_build_dataset) \
    X(vsag_index_add_dataset) \
    X(vsag_dataset_set_sparse_vectors) \
    X(vsag_dataset_set_vector_counts) \
    X(vsag_index_knn_search_multi_vector_batch) \
    X(vsag_dataset_set_paths) \
    X(vsag_index_search_request) \
    X(vsag_index_clone) \
    X(vsag_index_export_model) \
    X(vsag_index_merge) \
    X(vsag_index_train_vectors) \
    X(vsag_index_feedback) \
    X(vsag_index_pretrain) \
    X(vsag_index_get_stats) \
    X(vsag_index_analyze_by_search) \
    X(vsag_index_tune) \
    X(vsag_dataset_set_hierarchy_paths) \
    X(vsag_last_search_nanoseconds) \
    X(vsag_set_global_memory_budget) \
    X(vsag_get_global_memory_budget) \
    X(vsag_get_global_budgeted_memory) \
    X(vsag_index_set_memory_budget) \
    X(vsag_index_get_memory_budget) \
    X(vsag_index_get_budgeted_memory) \
    X(vsag_set_option) \
    X(vsag_get_option) \
    X(vsag_set_logger) \
    X(vsag_index_set_progress)

#define VSAG_DECLARE_IMPORT(name) extern __typeof__(name)* vsagp_##name;
VSAG_IMPORTS(VSAG_DECLARE_IMPORT)
#undef VSAG_DECLARE_IMPORT

/*
 * vsag_open opens libvsag.so once per process: <dir of this addon>/../../lib/libvsag.so, then
 * $VSAG_LIBRARY_PATH (the file, or a directory holding libvsag.so), then "libvsag.so" through
 * the system's search path. Returns 0, or -1 with a description of every attempt in err.
 * Thread-safety: call from JavaScript threads; concurrent first calls are serialised.
 */
int vsag_open(char* err, size_t cap);

/* vsag_library_path returns the path of the opened library ("" before vsag_open succeeds). */
const char* vsag_library_path(void);

#define vsag_version (*vsagp_vsag_version)
#define vsag_errstr (*vsagp_vsag_errstr)
#define vsag_last_error (*vsagp_vsag_last_error)
#define vsag_last_error_code (*vsagp_vsag_last_error_code)
#define vsag_set_log_level (*vsagp_vsag_set_log_level)
#define vsag_get_log_level (*vsagp_vsag_get_log_level)
#define vsag_dataset_destroy (*vsagp_vsag_dataset_destroy)
#define vsag_dataset_get_dim (*vsagp_vsag_dataset_get_dim)
#define vsag_dataset_get_distances (*vsagp_vsag_dataset_get_distances)
#define vsag_dataset_get_ids (*vsagp_vsag_dataset_get_ids)
#define vsag_index_make (*vsagp_vsag_index_make)
#define vsag_index_close (*vsagp_vsag_index_close)
#define vsag_index_load_file (*vsagp_vsag_index_load_file)
#define vsag_index_build_vectors (*vsagp_vsag_index_build_vectors)
#define vsag_index_add_vectors (*vsagp_vsag_index_add_vectors)
#define vsag_index_remove_many (*vsagp_vsag_index_remove_many)
#define vsag_index_remove_with_mode (*vsagp_vsag_index_remove_with_mode)
#define vsag_index_knn_search_batch (*vsagp_vsag_index_knn_search_batch)
#define vsag_index_knn_search_vector (*vsagp_vsag_index_knn_search_vector)
#define vsag_index_range_search_vector (*vsagp_vsag_index_range_search_vector)
#define vsag_index_calc_distance_by_ids (*vsagp_vsag_index_calc_distance_by_ids)
#define vsag_index_batch_calc_distance_by_ids (*vsagp_vsag_index_batch_calc_distance_by_ids)
#define vsag_index_calc_distance_by_ids_sparse (*vsagp_vsag_index_calc_distance_by_ids_sparse)
#define vsag_index_calc_distance_by_ids_multi_vector (*vsagp_vsag_index_calc_distance_by_ids_multi_vector)
#define vsag_index_get_sparse_vectors_by_ids (*vsagp_vsag_index_get_sparse_vectors_by_ids)
#define vsag_dataset_get_sparse_vectors (*vsagp_vsag_dataset_get_sparse_vectors)
#define vsag_index_serialize_file (*vsagp_vsag_index_serialize_file)
#define vsag_index_deserialize_file (*vsagp_vsag_index_deserialize_file)
#define vsag_index_get_num_elements (*vsagp_vsag_index_get_num_elements)
#define vsag_index_get_num_removed (*vsagp_vsag_index_get_num_removed)
#define vsag_index_get_memory_usage (*vsagp_vsag_index_get_memory_usage)
#define vsag_index_estimate_memory (*vsagp_vsag_index_estimate_memory)
#define vsag_index_check_feature (*vsagp_vsag_index_check_feature)
#define vsag_index_check_id_exist (*vsagp_vsag_index_check_id_exist)
#define vsag_index_check_ids_exist (*vsagp_vsag_index_check_ids_exist)
#define vsag_index_get_min_max_id (*vsagp_vsag_index_get_min_max_id)
#define vsag_index_export_ids (*vsagp_vsag_index_export_ids)
#define vsag_index_get_name (*vsagp_vsag_index_get_name)
#define vsag_index_get_parameters (*vsagp_vsag_index_get_parameters)
#define vsag_index_get_dim (*vsagp_vsag_index_get_dim)
#define vsag_index_get_dtype (*vsagp_vsag_index_get_dtype)
#define vsag_index_set_immutable (*vsagp_vsag_index_set_immutable)
#define vsag_index_reset (*vsagp_vsag_index_reset)
#define vsag_index_serialize_buffer (*vsagp_vsag_index_serialize_buffer)
#define vsag_index_deserialize_buffer (*vsagp_vsag_index_deserialize_buffer)
#define vsag_index_load_buffer (*vsagp_vsag_index_load_buffer)
#define vsag_free (*vsagp_vsag_free)
#define vsag_iterator_create (*vsagp_vsag_iterator_create)
#define vsag_iterator_next (*vsagp_vsag_iterator_next)
#define vsag_iterator_drain (*vsagp_vsag_iterator_drain)
#define vsag_iterator_destroy (*vsagp_vsag_iterator_destroy)
#define vsag_index_build_vectors_with_attributes (*vsagp_vsag_index_build_vectors_with_attributes)
#define vsag_index_add_vectors_with_attributes (*vsagp_vsag_index_add_vectors_with_attributes)
#define vsag_index_knn_search_batch_with_filter_string (*vsagp_vsag_index_knn_search_batch_with_filter_string)
#define vsag_index_get_extra_info_by_ids (*vsagp_vsag_index_get_extra_info_by_ids)
#define vsag_index_update_extra_info (*vsagp_vsag_index_update_extra_info)
#define vsag_index_get_attributes (*vsagp_vsag_index_get_attributes)
#define vsag_index_set_leanvec_matrices (*vsagp_vsag_index_set_leanvec_matrices)
#define vsag_index_train_with_queries (*vsagp_vsag_index_train_with_queries)
#define vsag_dataset_make (*vsagp_vsag_dataset_make)
#define vsag_dataset_set_num_elements (*vsagp_vsag_dataset_set_num_elements)
#define vsag_dataset_set_dim (*vsagp_vsag_dataset_set_dim)
#define vsag_dataset_set_ids (*vsagp_vsag_dataset_set_ids)
#define vsag_dataset_set_float32_vectors (*vsagp_vsag_dataset_set_float32_vectors)
#define vsag_dataset_set_float16_vectors (*vsagp_vsag_dataset_set_float16_vectors)
#define vsag_dataset_set_bfloat16_vectors (*vsagp_vsag_dataset_set_bfloat16_vectors)
#define vsag_dataset_set_int8_vectors (*vsagp_vsag_dataset_set_int8_vectors)
#define vsag_dataset_set_extra_info_size (*vsagp_vsag_dataset_set_extra_info_size)
#define vsag_dataset_set_extra_infos (*vsagp_vsag_dataset_set_extra_infos)
#define vsag_dataset_set_attributes (*vsagp_vsag_dataset_set_attributes)
#define vsag_index_build_dataset (*vsagp_vsag_index_build_dataset)
#define vsag_index_add_dataset (*vsagp_vsag_index_add_dataset)
#define vsag_dataset_set_sparse_vectors (*vsagp_vsag_dataset_set_sparse_vectors)
#define vsag_dataset_set_vector_counts (*vsagp_vsag_dataset_set_vector_counts)
#define vsag_index_knn_search_multi_vector_batch (*vsagp_vsag_index_knn_search_multi_vector_batch)
#define vsag_dataset_set_paths (*vsagp_vsag_dataset_set_paths)
#define vsag_index_search_request (*vsagp_vsag_index_search_request)
#define vsag_index_clone (*vsagp_vsag_index_clone)
#define vsag_index_export_model (*vsagp_vsag_index_export_model)
#define vsag_index_merge (*vsagp_vsag_index_merge)
#define vsag_index_train_vectors (*vsagp_vsag_index_train_vectors)
#define vsag_index_feedback (*vsagp_vsag_index_feedback)
#define vsag_index_pretrain (*vsagp_vsag_index_pretrain)
#define vsag_index_get_stats (*vsagp_vsag_index_get_stats)
#define vsag_index_analyze_by_search (*vsagp_vsag_index_analyze_by_search)
#define vsag_index_tune (*vsagp_vsag_index_tune)
#define vsag_dataset_set_hierarchy_paths (*vsagp_vsag_dataset_set_hierarchy_paths)
#define vsag_last_search_nanoseconds (*vsagp_vsag_last_search_nanoseconds)
#define vsag_set_global_memory_budget (*vsagp_vsag_set_global_memory_budget)
#define vsag_get_global_memory_budget (*vsagp_vsag_get_global_memory_budget)
#define vsag_get_global_budgeted_memory (*vsagp_vsag_get_global_budgeted_memory)
#define vsag_index_set_memory_budget (*vsagp_vsag_index_set_memory_budget)
#define vsag_index_get_memory_budget (*vsagp_vsag_index_get_memory_budget)
#define vsag_index_get_budgeted_memory (*vsagp_vsag_index_get_budgeted_memory)
#define vsag_set_option (*vsagp_vsag_set_option)
#define vsag_get_option (*vsagp_vsag_get_option)
#define vsag_set_logger (*vsagp_vsag_set_logger)
#define vsag_index_set_progress (*vsagp_vsag_index_set_progress)

#endif

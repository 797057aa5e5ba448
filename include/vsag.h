/*
 * vsag.h - the C interface of vsag-go (libvsag.so).
 *
 * Plain C99; also compiles as C++. Link with -lvsag (build/lib/libvsag.so).
 *
 * The header has three layers that share one index handle type (vsag_index_t):
 *
 *   1. VSAG C API compatibility (VSAG's vsag_c_api.h): Error_t, SearchResult_t, FilterFunc_t,
 *      vsag_index_factory, vsag_index_knn_search, ... with the same names, types and semantics,
 *      so a program written against VSAG's C API compiles and runs unchanged. These functions
 *      return Error_t by value.
 *   2. Handle API (VSAG's vsag_ext): dataset, bitset and index handles. These functions return an
 *      int status.
 *   3. Batch and introspection extensions: many rows per call, into caller buffers, so that numpy
 *      arrays and TypedArrays are read and filled without copies. int status.
 *
 * Conventions (all layers)
 *   - Status: 0 (VSAG_SUCCESS) or a negative VSAG error code (VSAG_INVALID_ARGUMENT, ...).
 *     Every failing call also records a message in a per-thread "last error" slot, read with
 *     vsag_last_error() / vsag_last_error_code(). A successful call does NOT clear the slot,
 *     so read it right after the call that failed. vsag_errstr(code) gives a static name.
 *   - Handles are opaque values, not pointers. A destroyed, forged or wrong-kind handle is
 *     detected and the call fails with VSAG_INVALID_ARGUMENT (it never crashes). NULL handles
 *     fail with VSAG_INVALID_ARGUMENT, except in destroy functions, which accept NULL.
 *   - Ownership: the library never keeps a caller pointer after a call returns, except the
 *     arrays attached to a dataset handle (which the dataset borrows, or owns after
 *     vsag_dataset_set_owner(ds, true)). Memory the library hands out is released with the
 *     function named in its documentation (vsag_free, vsag_dataset_destroy, ...).
 *   - Threads: every function may be called from any thread. On one index, searches run in
 *     parallel with each other and with add/remove (for index types reporting the *_CONCURRENT
 *     features); destroying a handle while another thread uses it is safe (the running call
 *     finishes, later calls fail). A dataset or bitset handle must not be modified while another
 *     thread reads it.
 *   - Distances are smaller-is-better: squared L2 for "l2", 1 - <q,x> for "ip", 1 - cos for
 *     "cosine". Results ascend by distance.
 *   - Filter polarity: a FilterFunc_t / vsag_filter_fn returns true to KEEP a label; a set bit in
 *     a bitset EXCLUDES the label (as in VSAG).
 *   - A 64-bit platform is assumed (handles are 64-bit values).
 *   - The library runs the Go runtime: batch calls use GOMAXPROCS threads (default: the number
 *     of CPUs; set the GOMAXPROCS environment variable before the library loads to change it). A
 *     child created by fork() must not call the library (the runtime's threads do not survive
 *     fork); exec first, or load the library after forking.
 */
#ifndef VSAG_H
#define VSAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Versions                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** VSAG_VERSION is the library version this header belongs to. */
#define VSAG_VERSION "0.1.0"
/** VSAG_VERSION_NUMBER is major*1000000 + minor*1000 + patch. */
#define VSAG_VERSION_NUMBER 1000
/** VSAG_ABI_VERSION changes only when a shipped declaration changes incompatibly (never so far). */
#define VSAG_ABI_VERSION 1

/**
 * vsag_version returns the library version, such as "0.1.0".
 * Returns: a static string (never NULL, never freed). Thread-safety: any thread.
 */
const char* vsag_version(void);

/** vsag_version_number returns the library's VSAG_VERSION_NUMBER. Thread-safety: any thread. */
int vsag_version_number(void);

/**
 * vsag_abi_version returns the library's VSAG_ABI_VERSION; a program can compare it with the
 * macro it was compiled with. Thread-safety: any thread.
 */
int vsag_abi_version(void);

/* ------------------------------------------------------------------------------------------ */
/* Error codes and the per-thread last error                                                   */
/* ------------------------------------------------------------------------------------------ */

#define VSAG_SUCCESS 0
#define VSAG_UNKNOWN_ERROR (-1)
#define VSAG_INTERNAL_ERROR (-2)
#define VSAG_INVALID_ARGUMENT (-3)
#define VSAG_WRONG_STATUS (-4)
#define VSAG_BUILD_TWICE (-5)
#define VSAG_INDEX_NOT_EMPTY (-6)
#define VSAG_UNSUPPORTED_INDEX (-7)
#define VSAG_UNSUPPORTED_INDEX_OPERATION (-8)
#define VSAG_DIMENSION_NOT_EQUAL (-9)
#define VSAG_INDEX_EMPTY (-10)
#define VSAG_NO_ENOUGH_MEMORY (-11)
#define VSAG_READ_ERROR (-12)
#define VSAG_MISSING_FILE (-13)
#define VSAG_INVALID_BINARY (-14)

/** VSAG_ERROR_MESSAGE_SIZE is the size of Error_t.message and of the last-error buffer. */
#define VSAG_ERROR_MESSAGE_SIZE 1024

/**
 * vsag_errstr returns the name of a status code, such as "INVALID_ARGUMENT" for -3 (3 is
 * accepted too), "SUCCESS" for 0 and "UNKNOWN_ERROR" for codes it does not know.
 * Returns: a static string. Thread-safety: any thread.
 */
const char* vsag_errstr(int code);

/**
 * vsag_last_error returns the message of the most recent failed call made by the calling thread
 * (any function of this header), or "" if none failed yet. Successful calls leave it unchanged.
 * Returns: a thread-local buffer owned by the library, valid until the thread's next failing
 * call; never NULL. Thread-safety: each thread has its own slot.
 */
const char* vsag_last_error(void);

/**
 * vsag_last_error_code returns the status code (negative) of the most recent failed call made by
 * the calling thread, or 0 if none failed yet. Thread-safety: each thread has its own slot.
 */
int vsag_last_error_code(void);

/** vsag_clear_last_error resets the calling thread's last error to 0 and "". */
void vsag_clear_last_error(void);

/**
 * vsag_free releases memory the library allocated and handed out (vsag_index_serialize_buffer).
 * NULL is accepted. Thread-safety: any thread.
 */
void vsag_free(void* ptr);

/* ------------------------------------------------------------------------------------------ */
/* Logging                                                                                     */
/* ------------------------------------------------------------------------------------------ */

#define VSAG_LOG_TRACE 0
#define VSAG_LOG_DEBUG 1
#define VSAG_LOG_INFO 2
#define VSAG_LOG_WARN 3
#define VSAG_LOG_ERROR 4
#define VSAG_LOG_CRITICAL 5
#define VSAG_LOG_OFF 6

/**
 * vsag_set_log_level sets the library's log level (VSAG_LOG_*; VSAG's numbering): messages below
 * it do not reach the logger of vsag_set_logger; errors are always reported
 * through status codes and vsag_last_error().
 * Returns: 0, or VSAG_INVALID_ARGUMENT for a level outside 0..6. Thread-safety: any thread.
 */
int vsag_set_log_level(int level);

/** vsag_get_log_level returns the level last set (VSAG_LOG_INFO by default). */
int vsag_get_log_level(void);

/* ------------------------------------------------------------------------------------------ */
/* Enumerations                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** vsag_dtype_t names the element type of a vector buffer. */
typedef enum vsag_dtype {
    VSAG_DTYPE_FLOAT32 = 0,  /**< float */
    VSAG_DTYPE_FLOAT16 = 1,  /**< IEEE 754 half precision, raw bits in uint16_t */
    VSAG_DTYPE_BFLOAT16 = 2, /**< bfloat16, raw bits in uint16_t */
    VSAG_DTYPE_INT8 = 3,     /**< int8_t */
    VSAG_DTYPE_SPARSE = 4    /**< sparse rows: term ids (uint32_t) + weights (float); see
                                  vsag_dataset_set_sparse_vectors and vsag_search_request_t.
                                  Not a vector buffer type: the dense calls refuse it. */
} vsag_dtype_t;

/**
 * vsag_feature_t is a capability flag with VSAG's numbering, for vsag_index_check_feature.
 * An index reports a flag only when the operation really works.
 */
typedef enum vsag_feature {
    VSAG_FEATURE_NEED_TRAIN = 1,
    VSAG_FEATURE_SUPPORT_BUILD = 2,
    VSAG_FEATURE_SUPPORT_ADD_AFTER_BUILD = 3,
    VSAG_FEATURE_SUPPORT_ADD_FROM_EMPTY = 4,
    VSAG_FEATURE_SUPPORT_KNN_SEARCH = 5,
    VSAG_FEATURE_SUPPORT_KNN_SEARCH_WITH_ID_FILTER = 6,
    VSAG_FEATURE_SUPPORT_RANGE_SEARCH = 7,
    VSAG_FEATURE_SUPPORT_RANGE_SEARCH_WITH_ID_FILTER = 8,
    VSAG_FEATURE_SUPPORT_KNN_ITERATOR_FILTER_SEARCH = 9,
    VSAG_FEATURE_SUPPORT_DELETE_BY_ID = 10,
    VSAG_FEATURE_SUPPORT_BATCH_SEARCH = 11,
    VSAG_FEATURE_SUPPORT_METRIC_TYPE_L2 = 12,
    VSAG_FEATURE_SUPPORT_METRIC_TYPE_INNER_PRODUCT = 13,
    VSAG_FEATURE_SUPPORT_METRIC_TYPE_COSINE = 14,
    VSAG_FEATURE_SUPPORT_SERIALIZE_FILE = 15,
    VSAG_FEATURE_SUPPORT_SERIALIZE_BINARY_SET = 16,
    VSAG_FEATURE_SUPPORT_SERIALIZE_WRITE_FUNC = 17,
    VSAG_FEATURE_SUPPORT_DESERIALIZE_FILE = 18,
    VSAG_FEATURE_SUPPORT_DESERIALIZE_BINARY_SET = 19,
    VSAG_FEATURE_SUPPORT_DESERIALIZE_READER_SET = 20,
    VSAG_FEATURE_SUPPORT_RESET = 21,
    VSAG_FEATURE_SUPPORT_FEEDBACK = 22,
    VSAG_FEATURE_SUPPORT_CAL_DISTANCE_BY_ID = 23,
    VSAG_FEATURE_SUPPORT_TRAIN_WITH_MULTI_THREAD = 24,
    VSAG_FEATURE_SUPPORT_BUILD_WITH_MULTI_THREAD = 25,
    VSAG_FEATURE_SUPPORT_BATCH_ADD_WITH_MULTI_THREAD = 26,
    VSAG_FEATURE_SUPPORT_SEARCH_ONE_WITH_MULTI_THREAD = 27,
    VSAG_FEATURE_SUPPORT_BATCH_SEARCH_WITH_MULTI_THREAD = 28,
    VSAG_FEATURE_SUPPORT_ADD_CONCURRENT = 29,
    VSAG_FEATURE_SUPPORT_UPDATE_ID_CONCURRENT = 30,
    VSAG_FEATURE_SUPPORT_UPDATE_VECTOR_CONCURRENT = 31,
    VSAG_FEATURE_SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT = 32,
    VSAG_FEATURE_SUPPORT_SEARCH_CONCURRENT = 33,
    VSAG_FEATURE_SUPPORT_DELETE_CONCURRENT = 34,
    VSAG_FEATURE_SUPPORT_ADD_SEARCH_CONCURRENT = 35,
    VSAG_FEATURE_SUPPORT_ADD_DELETE_CONCURRENT = 36,
    VSAG_FEATURE_SUPPORT_SEARCH_DELETE_CONCURRENT = 37,
    VSAG_FEATURE_SUPPORT_ADD_SEARCH_DELETE_CONCURRENT = 38,
    VSAG_FEATURE_SUPPORT_ESTIMATE_MEMORY = 39,
    VSAG_FEATURE_SUPPORT_GET_MEMORY_USAGE = 40,
    VSAG_FEATURE_SUPPORT_CHECK_ID_EXIST = 41,
    VSAG_FEATURE_SUPPORT_MERGE_INDEX = 42,
    VSAG_FEATURE_SUPPORT_GET_EXTRA_INFO_BY_ID = 43,
    VSAG_FEATURE_SUPPORT_GET_RAW_VECTOR_BY_IDS = 44,
    VSAG_FEATURE_SUPPORT_GET_DATA_BY_IDS = 45,
    VSAG_FEATURE_SUPPORT_EXPORT_IDS = 46,
    VSAG_FEATURE_SUPPORT_KNN_SEARCH_WITH_EX_FILTER = 47,
    VSAG_FEATURE_SUPPORT_CLONE = 48,
    VSAG_FEATURE_SUPPORT_EXPORT_MODEL = 49,
    VSAG_FEATURE_SUPPORT_TUNE = 50,
    VSAG_FEATURE_SUPPORT_BATCH_CALC_DISTANCE_BY_ID = 51,
    VSAG_FEATURE_SUPPORT_CONTINUE_SEARCH_SESSION = 52,
    VSAG_FEATURE_SUPPORT_GET_STATS = 53,
    VSAG_FEATURE_SUPPORT_ANALYZE_INDEX_BY_SEARCH = 54
} vsag_feature_t;

/* ------------------------------------------------------------------------------------------ */
/* Handle types                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** vsag_index_t is an index handle (VSAG's type: void*). Used by every layer. */
typedef void* vsag_index_t;

/** vsag_dataset_t is a dataset handle: vectors, ids, distances, sizes. */
typedef struct vsag_dataset_s* vsag_dataset_t;

/** vsag_bitset_t is a bitset handle: a set of labels; as a filter a set bit EXCLUDES a label. */
typedef struct vsag_bitset_s* vsag_bitset_t;

/* ========================================================================================== */
/* Layer 1: VSAG C API compatibility                                                           */
/* ========================================================================================== */

/**
 * Error_t is the status of a compatibility-layer call: code is 0 or a negative VSAG code,
 * message is "success" or a description of the failure (NUL-terminated, truncated to fit).
 */
typedef struct Error {
    int code;
    char message[VSAG_ERROR_MESSAGE_SIZE];
} Error_t;

/**
 * FilterFunc_t is a filter callback: it returns true to KEEP the label. It is called from the
 * library's search threads, once per candidate label, which is much slower than a bitset or a
 * mask (see vsag_filter_t); it must be thread-safe and must not call back into the library.
 */
typedef bool (*FilterFunc_t)(int64_t id);

/**
 * SearchResult_t receives the results of a compatibility-layer search. The caller allocates ids
 * and dists with room for k entries (knn) or k entries (range, k is the cap) and sets the two
 * pointers; the search writes at most k results ascending by distance and sets count.
 * other_result is NULL unless statistics were enabled (vsag_search_result_enable_statistics),
 * in which case it points to the statistics string after the search.
 */
typedef struct SearchResult {
    float* dists;
    int64_t* ids;
    int64_t count;
    void* other_result;
} SearchResult_t;

/** OffsetType is a byte offset in a serialized index (VSAG's name). */
typedef uint64_t OffsetType;
/** SizeType is a byte count in a serialized index (VSAG's name). */
typedef uint64_t SizeType;

/**
 * vsag_search_result_enable_statistics opts in to statistics for the next search that writes
 * search_result: after it, vsag_search_result_get_statistics returns a JSON object such as
 * {"dist_cmp":1000,"hops":1000,"elapsed_ms":0.05,"timed_out":false}. It sets
 * search_result->other_result to NULL.
 * Errors: NULL search_result, or statistics already enabled/attached for it (destroy first).
 * Thread-safety: calls on different SearchResult_t objects may run concurrently.
 */
Error_t vsag_search_result_enable_statistics(SearchResult_t* search_result);

/**
 * vsag_search_result_get_statistics returns the statistics JSON attached to search_result by a
 * search after vsag_search_result_enable_statistics, or NULL if there is none.
 * Ownership: the string belongs to the library and stays valid until
 * vsag_search_result_destroy_statistics(search_result). Thread-safety: do not race with destroy
 * on the same result.
 */
const char* vsag_search_result_get_statistics(const SearchResult_t* search_result);

/**
 * vsag_search_result_destroy_statistics releases the statistics of search_result (pending or
 * attached) and sets other_result to NULL when it held them. NULL and results without
 * statistics are accepted.
 */
void vsag_search_result_destroy_statistics(SearchResult_t* search_result);

/**
 * vsag_index_factory creates an empty index of type index_name ("hgraph", "brute_force", ...)
 * from the create JSON index_param (VSAG's schema: dtype, metric_type, dim, index_param).
 * Returns: a handle to release with vsag_index_destroy, or NULL on failure; the reason is then
 * in vsag_last_error() / vsag_last_error_code() (VSAG_UNSUPPORTED_INDEX for an unknown name,
 * VSAG_INVALID_ARGUMENT for bad JSON or values). Thread-safety: any thread.
 */
vsag_index_t vsag_index_factory(const char* index_name, const char* index_param);

/**
 * vsag_index_destroy releases an index handle; NULL is accepted. Later calls with the handle fail
 * with VSAG_INVALID_ARGUMENT. Calls already running on other threads finish normally.
 * Errors: a forged or already destroyed handle.
 */
Error_t vsag_index_destroy(vsag_index_t index);

/**
 * vsag_index_build adds the first count vectors of dimension dim (row-major floats) with labels
 * ids to an empty index, training it first when it needs training. Labels that cannot be added
 * (such as duplicates) are skipped. The index must be float32 (other dtypes: use
 * vsag_index_build_vectors). Errors: NULL arguments, dim mismatch (VSAG_DIMENSION_NOT_EQUAL),
 * NaN/Inf values, an immutable index (VSAG_WRONG_STATUS). Thread-safety: see conventions.
 */
Error_t vsag_index_build(vsag_index_t index, const float* data, const int64_t* ids, uint64_t dim,
                         uint64_t count);

/** vsag_index_add inserts count vectors with labels ids; as vsag_index_build otherwise. */
Error_t vsag_index_add(vsag_index_t index, const float* data, const int64_t* ids,
                       const uint64_t dim, const uint64_t count);

/**
 * vsag_index_train learns the index's quantizer state from count vectors without adding them.
 * ids is not used and may be NULL.
 */
Error_t vsag_index_train(vsag_index_t index, const float* data, const int64_t* ids,
                         const uint64_t dim, const uint64_t count);

/**
 * vsag_index_knn_search finds the k nearest neighbours of one query (dim floats). The caller
 * provides search_result->ids and ->dists with room for min(k, number of live vectors)
 * entries; count is set to the number written (fewer than k when the index holds fewer). k is
 * capped at the index's live count before the search allocates anything, so any positive k is
 * accepted. parameters is the search JSON, e.g. {"hgraph":{"ef_search":100}}; NULL or "" means
 * none.
 * Errors: NULL index/query/result/buffers, k <= 0, dim mismatch, bad JSON.
 */
Error_t vsag_index_knn_search(vsag_index_t index, const float* query, uint64_t dim, int64_t k,
                              const char* parameters, SearchResult_t* search_result);

/**
 * vsag_index_knn_search_with_filter is vsag_index_knn_search returning only labels for which
 * filter returns true (see FilterFunc_t; NULL keeps all).
 */
Error_t vsag_index_knn_search_with_filter(vsag_index_t index, const float* query, uint64_t dim,
                                          int64_t k, const char* parameters, FilterFunc_t filter,
                                          SearchResult_t* search_result);

/**
 * vsag_index_range_search finds neighbours within radius (distance units) of one query, at most k
 * of them (k >= 1; the caller's buffers hold min(k, number of live vectors) entries), ascending;
 * count is set.
 * Errors: as vsag_index_knn_search; NULL index is an error; a negative or NaN radius.
 */
Error_t vsag_index_range_search(vsag_index_t index, const float* query, uint64_t dim, float radius,
                                int64_t k, const char* parameters, SearchResult_t* search_result);

/** vsag_index_range_search_with_filter is vsag_index_range_search with a keep-filter callback. */
Error_t vsag_index_range_search_with_filter(vsag_index_t index, const float* query, uint64_t dim,
                                            float radius, int64_t k, const char* parameters,
                                            FilterFunc_t filter, SearchResult_t* search_result);

/**
 * vsag_index_clone stores in *clone_index a new, independent, mutable deep copy of index.
 * Release it with vsag_index_destroy. Errors: NULL arguments; VSAG_UNSUPPORTED_INDEX_OPERATION.
 */
Error_t vsag_index_clone(const vsag_index_t index, vsag_index_t* clone_index);

/**
 * vsag_index_export_model stores in *model_index a new, empty, mutable index with index's type,
 * create parameters and trained state (centroids, codebooks, quantizer ranges): copies of it
 * (vsag_index_clone) filled elsewhere share the model and can be merged back with
 * vsag_index_merge. Release it with vsag_index_destroy. The vectors, labels, extra info and
 * attributes of index are not carried.
 * Errors: NULL arguments, VSAG_UNSUPPORTED_INDEX_OPERATION for index types without
 * VSAG_FEATURE_SUPPORT_EXPORT_MODEL ("ivf" and "hgraph" have it). *model_index is unchanged on
 * error.
 * Thread-safety: any thread; it runs as a write to index (concurrently with searches).
 */
Error_t vsag_index_export_model(const vsag_index_t index, vsag_index_t* model_index);

/**
 * vsag_index_calculate_distance_by_ids writes into dists[i] the distance from query (dim floats)
 * to the stored vector of ids[i], or -1 when ids[i] is not in the index.
 */
Error_t vsag_index_calculate_distance_by_ids(const vsag_index_t index, const float* query,
                                             const uint64_t dim, const int64_t* ids,
                                             const uint64_t count, float* dists);

/**
 * vsag_index_update_ids changes label old_ids[i] to new_ids[i] for i < count, in order, stopping
 * at the first failure. dim is not used.
 */
Error_t vsag_index_update_ids(vsag_index_t index, const int64_t* old_ids, const int64_t* new_ids,
                              const uint64_t dim, const uint64_t count);

/**
 * vsag_index_update_vector replaces the vector of label id with new_data (dim floats). The index
 * may refuse a vector too far from the old one (VSAG's rule): use the _force variant to replace
 * unconditionally.
 */
Error_t vsag_index_update_vector(vsag_index_t index, const int64_t id, const float* new_data,
                                 const uint64_t dim);

/** vsag_index_update_vector_force replaces the vector of label id unconditionally. */
Error_t vsag_index_update_vector_force(vsag_index_t index, const int64_t id, const float* new_data,
                                       const uint64_t dim);

/**
 * vsag_index_get_vector_by_ids writes the stored vectors of ids into vectors (count*dim floats,
 * row-major; normalised for "cosine"). Errors: a missing label; indexes that do not keep raw
 * vectors (VSAG_UNSUPPORTED_INDEX_OPERATION).
 */
Error_t vsag_index_get_vector_by_ids(vsag_index_t index, const int64_t* ids, const uint64_t count,
                                     float* vectors);

/**
 * vsag_serialize_file writes index to file_path atomically (temporary file + rename).
 * Errors: unwritable path (VSAG_INVALID_ARGUMENT / VSAG_INTERNAL_ERROR).
 */
Error_t vsag_serialize_file(vsag_index_t index, const char* file_path);

/**
 * vsag_deserialize_file loads file_path into index, which must be empty and created with
 * matching parameters. Errors: VSAG_MISSING_FILE, VSAG_INVALID_BINARY (truncated/corrupted),
 * VSAG_INVALID_ARGUMENT (parameter mismatch, naming the field), VSAG_INDEX_NOT_EMPTY.
 */
Error_t vsag_deserialize_file(vsag_index_t index, const char* file_path);

/**
 * vsag_serialize_write_func streams the serialized index to write_func in order: each call
 * delivers size bytes at data that belong at offset. data is valid only during the callback.
 * write_func is called on the calling thread, while the index holds its snapshot lock: writes to
 * the same index wait until the save ends (searches do not), so write_func must not add to,
 * remove from or otherwise modify the index it is saving.
 */
Error_t vsag_serialize_write_func(vsag_index_t index,
                                  void (*write_func)(OffsetType offset, SizeType size,
                                                     const void* data));

/**
 * vsag_deserialize_read_func loads into the empty index a serialized index of size_func() bytes,
 * read through read_func, which must copy size bytes starting at offset into data.
 */
Error_t vsag_deserialize_read_func(vsag_index_t index,
                                   void (*read_func)(OffsetType offset, SizeType size, void* data),
                                   SizeType (*size_func)(void));

/* ========================================================================================== */
/* Layer 2: handle API (VSAG's vsag_ext)                                                       */
/* ========================================================================================== */

/* ---- datasets ---------------------------------------------------------------------------- */

/**
 * vsag_dataset_make creates an empty dataset (0 elements, dim 0, no arrays, not owner).
 * Release with vsag_dataset_destroy. Errors: NULL out.
 */
int vsag_dataset_make(vsag_dataset_t* out);

/**
 * vsag_dataset_destroy releases a dataset; NULL is accepted. If the dataset owns its arrays
 * (vsag_dataset_set_owner(ds, true), or any dataset returned by a search), they are freed with
 * free(). Errors: forged or destroyed handle.
 */
int vsag_dataset_destroy(vsag_dataset_t ds);

/**
 * vsag_dataset_set_owner says whether the dataset owns the arrays attached to it. An owner frees
 * every attached array with the C library's free() when destroyed, so they must come from
 * malloc. Default: false (the dataset borrows arrays, which must outlive its use).
 */
int vsag_dataset_set_owner(vsag_dataset_t ds, bool is_owner);

/** vsag_dataset_get_owner stores in *out whether the dataset owns its arrays. */
int vsag_dataset_get_owner(vsag_dataset_t ds, bool* out);

/** vsag_dataset_set_num_elements sets the number of rows (>= 0). */
int vsag_dataset_set_num_elements(vsag_dataset_t ds, int64_t num_elements);

/** vsag_dataset_get_num_elements stores the number of rows (queries, for a search result). */
int vsag_dataset_get_num_elements(vsag_dataset_t ds, int64_t* out);

/** vsag_dataset_set_dim sets the vector dimension (>= 0). */
int vsag_dataset_set_dim(vsag_dataset_t ds, int64_t dim);

/** vsag_dataset_get_dim stores the dimension (the number of results per row, for a result). */
int vsag_dataset_get_dim(vsag_dataset_t ds, int64_t* out);

/** vsag_dataset_set_ids attaches num_elements labels (borrowed, or owned; see set_owner). */
int vsag_dataset_set_ids(vsag_dataset_t ds, const int64_t* ids);

/** vsag_dataset_get_ids stores the attached ids array (NULL if none), valid while ds lives. */
int vsag_dataset_get_ids(vsag_dataset_t ds, const int64_t** out);

/** vsag_dataset_set_distances attaches a distances array. */
int vsag_dataset_set_distances(vsag_dataset_t ds, const float* dists);

/** vsag_dataset_get_distances stores the attached distances array (NULL if none). */
int vsag_dataset_get_distances(vsag_dataset_t ds, const float** out);

/** vsag_dataset_set_float32_vectors attaches num_elements*dim floats, row-major. */
int vsag_dataset_set_float32_vectors(vsag_dataset_t ds, const float* vectors);

/** vsag_dataset_get_float32_vectors stores the attached float32 vectors (NULL if none). */
int vsag_dataset_get_float32_vectors(vsag_dataset_t ds, const float** out);

/** vsag_dataset_set_float16_vectors attaches IEEE half-precision vectors (raw bits). */
int vsag_dataset_set_float16_vectors(vsag_dataset_t ds, const uint16_t* vectors);

/** vsag_dataset_get_float16_vectors stores the attached float16 vectors (NULL if none). */
int vsag_dataset_get_float16_vectors(vsag_dataset_t ds, const uint16_t** out);

/** vsag_dataset_set_bfloat16_vectors attaches bfloat16 vectors (raw bits). */
int vsag_dataset_set_bfloat16_vectors(vsag_dataset_t ds, const uint16_t* vectors);

/** vsag_dataset_get_bfloat16_vectors stores the attached bfloat16 vectors (NULL if none). */
int vsag_dataset_get_bfloat16_vectors(vsag_dataset_t ds, const uint16_t** out);

/** vsag_dataset_set_int8_vectors attaches int8 vectors. */
int vsag_dataset_set_int8_vectors(vsag_dataset_t ds, const int8_t* vectors);

/** vsag_dataset_get_int8_vectors stores the attached int8 vectors (NULL if none). */
int vsag_dataset_get_int8_vectors(vsag_dataset_t ds, const int8_t** out);

/** vsag_dataset_set_extra_infos attaches num_elements*extra_info_size bytes of extra info. */
int vsag_dataset_set_extra_infos(vsag_dataset_t ds, const char* extra_infos);

/** vsag_dataset_get_extra_infos stores the attached extra infos (NULL if none). */
int vsag_dataset_get_extra_infos(vsag_dataset_t ds, const char** out);

/** vsag_dataset_set_extra_info_size sets the bytes of extra info per row (>= 0). */
int vsag_dataset_set_extra_info_size(vsag_dataset_t ds, int64_t size);

/** vsag_dataset_get_extra_info_size stores the bytes of extra info per row. */
int vsag_dataset_get_extra_info_size(vsag_dataset_t ds, int64_t* out);

/**
 * vsag_dataset_get_statistics stores the search statistics JSON of a search result (NULL for
 * other datasets); the string is owned by the dataset.
 */
int vsag_dataset_get_statistics(vsag_dataset_t ds, const char** out);

/* ---- bitsets ----------------------------------------------------------------------------- */

/** vsag_bitset_make creates an empty bitset; release with vsag_bitset_destroy. */
int vsag_bitset_make(vsag_bitset_t* out);

/** vsag_bitset_destroy releases a bitset; NULL is accepted. */
int vsag_bitset_destroy(vsag_bitset_t bitset);

/**
 * vsag_bitset_set sets (value true) or clears bit pos (a label >= 0).
 * Thread-safety: may run while searches read the bitset; such searches see the bit either way.
 */
int vsag_bitset_set(vsag_bitset_t bitset, int64_t pos, bool value);

/** vsag_bitset_set_many sets or clears the bits of count labels in one call. */
int vsag_bitset_set_many(vsag_bitset_t bitset, const int64_t* pos, uint64_t count, bool value);

/** vsag_bitset_test stores in *out whether bit pos is set (false for pos < 0). */
int vsag_bitset_test(vsag_bitset_t bitset, int64_t pos, bool* out);

/** vsag_bitset_count stores the number of set bits. */
int vsag_bitset_count(vsag_bitset_t bitset, uint64_t* out);

/** vsag_bitset_clear clears every bit. */
int vsag_bitset_clear(vsag_bitset_t bitset);

/* ---- indexes ----------------------------------------------------------------------------- */

/**
 * vsag_index_make creates an empty index of type name from the create JSON parameters and
 * stores its handle in *out (released with vsag_index_close or vsag_index_destroy).
 * Errors: VSAG_UNSUPPORTED_INDEX (unknown name), VSAG_INVALID_ARGUMENT (JSON naming the key).
 */
int vsag_index_make(const char* name, const char* parameters, vsag_index_t* out);

/**
 * vsag_index_close releases an index handle, like vsag_index_destroy but returning a status;
 * NULL is accepted.
 */
int vsag_index_close(vsag_index_t index);

/**
 * vsag_index_build_dataset builds the empty index from base (num_elements, dim, ids and the
 * vectors matching the index dtype; another vector type is converted). Labels that could not be
 * added are written to failed_ids (room for num_elements entries; may be NULL) and their number
 * to *num_failed (may be NULL).
 */
int vsag_index_build_dataset(vsag_index_t index, vsag_dataset_t base, int64_t* failed_ids,
                             uint64_t* num_failed);

/** vsag_index_add_dataset inserts the rows of base; as vsag_index_build_dataset otherwise. */
int vsag_index_add_dataset(vsag_index_t index, vsag_dataset_t base, int64_t* failed_ids,
                           uint64_t* num_failed);

/** vsag_index_train_dataset trains the index's quantizers on base without adding it. */
int vsag_index_train_dataset(vsag_index_t index, vsag_dataset_t base);

/**
 * vsag_index_remove marks label id removed; *num_removed (may be NULL) becomes 1, or 0 when the
 * label was absent. Errors: VSAG_UNSUPPORTED_INDEX_OPERATION, immutable index.
 */
int vsag_index_remove(vsag_index_t index, int64_t id, uint32_t* num_removed);

/**
 * vsag_index_knn_search_dataset searches the first vector of query for its k nearest neighbours,
 * skipping labels set in invalid (may be NULL), and stores a new result dataset in *result:
 * num_elements 1, dim = number of results, ids, distances and statistics, owned by the dataset
 * (release with vsag_dataset_destroy).
 */
int vsag_index_knn_search_dataset(vsag_index_t index, vsag_dataset_t query, int64_t k,
                                  const char* parameters, vsag_bitset_t invalid,
                                  vsag_dataset_t* result);

/**
 * vsag_index_range_search_dataset is the range form: every neighbour within radius, at most
 * limited_size of them (-1: unlimited; 0 is invalid), skipping labels set in invalid.
 */
int vsag_index_range_search_dataset(vsag_index_t index, vsag_dataset_t query, float radius,
                                    const char* parameters, vsag_bitset_t invalid,
                                    int64_t limited_size, vsag_dataset_t* result);

/** vsag_index_serialize_file writes the index to path atomically. */
int vsag_index_serialize_file(vsag_index_t index, const char* path);

/** vsag_index_deserialize_file loads path into the empty index created with matching parameters. */
int vsag_index_deserialize_file(vsag_index_t index, const char* path);

/**
 * vsag_index_serialize_buffer serializes the index into a new buffer stored in *data (release
 * with vsag_free) of *size bytes.
 */
int vsag_index_serialize_buffer(vsag_index_t index, void** data, uint64_t* size);

/** vsag_index_deserialize_buffer loads size bytes at data into the empty index. */
int vsag_index_deserialize_buffer(vsag_index_t index, const void* data, uint64_t size);

/** vsag_index_get_num_elements stores the number of live vectors. */
int vsag_index_get_num_elements(vsag_index_t index, int64_t* out);

/** vsag_index_get_memory_usage stores the bytes the index holds now. */
int vsag_index_get_memory_usage(vsag_index_t index, uint64_t* out);

/* ========================================================================================== */
/* Layer 3: batch and introspection extensions                                                 */
/* ========================================================================================== */

/**
 * vsag_filter_fn is a keep-filter with a context pointer: it returns true to KEEP label id.
 * It is called from the library's search threads (several at once during batch search), once
 * per candidate, which costs a C call per candidate: prefer a mask or a bitset when possible.
 * It must be thread-safe and must not call back into the library.
 */
typedef bool (*vsag_filter_fn)(int64_t id, void* ctx);

/**
 * vsag_extra_info_filter_fn is a keep-filter on a label's extra info: it receives the
 * extra_info_size bytes stored with a candidate label and returns true to KEEP the label. info
 * is valid only during the call: it must not be retained or modified. Like vsag_filter_fn it is
 * called from the library's search threads (several at once during batch search), once per
 * candidate, so it must be thread-safe and must not call back into the library.
 */
typedef bool (*vsag_extra_info_filter_fn)(const uint8_t* info, uint64_t size, void* ctx);

/** In vsag_filter_t.flags: a nonzero mask entry KEEPS the label (default: it EXCLUDES it). */
#define VSAG_FILTER_MASK_KEEP 1u
/** In vsag_filter_t.flags: the mask holds one bit per label, LSB first (default: one byte). */
#define VSAG_FILTER_MASK_PACKED 2u

/**
 * vsag_filter_t describes which labels a search may return. Every part that is set applies; a
 * label is returned only when all of them keep it. The arrays are read during the call only.
 *
 *   struct_size     must be sizeof(vsag_filter_t) (lets the struct grow compatibly)
 *   flags           VSAG_FILTER_MASK_* bits describing mask
 *   bitset          a bitset handle: a set bit EXCLUDES the label; NULL for none
 *   mask, mask_len  a per-label mask for labels 0..mask_len-1 (bytes, or bits if PACKED;
 *                   mask_len counts labels). Without MASK_KEEP a nonzero entry excludes the label
 *                   and labels outside the mask are kept (numpy bool "exclude" arrays); with
 *                   MASK_KEEP a nonzero entry keeps it and labels outside are excluded.
 *   exclude_ids     num_exclude_ids labels to exclude
 *   keep, keep_ctx  a callback returning true to keep (see vsag_filter_fn)
 *   valid_ratio     estimated fraction of labels kept, in (0,1]; 0 when unknown (graph
 *                   indexes use it to choose a strategy)
 *   keep_extra_info, keep_extra_info_ctx
 *                   a callback on the label's stored extra info returning true to keep (see
 *                   vsag_extra_info_filter_fn); only for an index created with
 *                   extra_info_size > 0 (otherwise a non-NULL keep_extra_info fails with
 *                   VSAG_UNSUPPORTED_INDEX_OPERATION; such indexes report
 *                   VSAG_FEATURE_SUPPORT_KNN_SEARCH_WITH_EX_FILTER). Read only when struct_size covers
 *                   them: a caller built against the older struct without these two fields
 *                   (struct_size = offsetof(vsag_filter_t, keep_extra_info)) keeps working.
 *
 * Initialise with VSAG_FILTER_INIT (C: vsag_filter_t f = VSAG_FILTER_INIT;).
 */
typedef struct vsag_filter {
    uint32_t struct_size;
    uint32_t flags;
    vsag_bitset_t bitset;
    const uint8_t* mask;
    uint64_t mask_len;
    const int64_t* exclude_ids;
    uint64_t num_exclude_ids;
    vsag_filter_fn keep;
    void* keep_ctx;
    float valid_ratio;
    vsag_extra_info_filter_fn keep_extra_info;
    void* keep_extra_info_ctx;
} vsag_filter_t;

/** VSAG_FILTER_INIT is an initializer for a filter that keeps everything. */
#define VSAG_FILTER_INIT {(uint32_t)sizeof(vsag_filter_t), 0u, NULL, NULL, 0u, NULL, 0u, NULL, NULL, 0.0f, NULL, NULL}

/**
 * vsag_index_build_vectors builds the empty index from count vectors of dimension dim at vectors
 * (row-major, element type dtype; converted when it differs from the index dtype) with labels
 * ids. Labels that could not be added are written to failed_ids (room for count entries; may be
 * NULL) and their number to *num_failed (may be NULL). Nothing is copied when dtype is the
 * index's dtype and no conversion or normalisation is needed.
 */
int vsag_index_build_vectors(vsag_index_t index, const void* vectors, vsag_dtype_t dtype,
                             const int64_t* ids, uint64_t count, uint64_t dim,
                             int64_t* failed_ids, uint64_t* num_failed);

/** vsag_index_add_vectors inserts count vectors; as vsag_index_build_vectors otherwise. */
int vsag_index_add_vectors(vsag_index_t index, const void* vectors, vsag_dtype_t dtype,
                           const int64_t* ids, uint64_t count, uint64_t dim, int64_t* failed_ids,
                           uint64_t* num_failed);

/** vsag_index_train_vectors trains the index on count vectors without adding them. */
int vsag_index_train_vectors(vsag_index_t index, const void* vectors, vsag_dtype_t dtype,
                             uint64_t count, uint64_t dim);

/**
 * vsag_index_train_with_queries is vsag_index_train_vectors that also hands num_queries sample
 * queries (row-major, num_queries*dim elements of type dtype, like vectors) to the quantizers
 * that learn from them: leanvec with "leanvec_training": "ood" learns its data and query
 * matrices from the vectors and the queries (LeanVec-OOD). Other quantizers of the index train
 * as vsag_index_train_vectors trains them. queries may be NULL when num_queries is 0 (the
 * vectors then stand in for the queries).
 * Returns: 0, or VSAG_UNSUPPORTED_INDEX_OPERATION (an index type without such quantizers),
 * VSAG_WRONG_STATUS (the index holds vectors or is immutable), VSAG_DIMENSION_NOT_EQUAL,
 * VSAG_INVALID_ARGUMENT (count 0, NULL arrays, NaN or infinite values, bad dtype).
 * Ownership: vectors and queries are read during the call only.
 * Thread-safety: any thread; it excludes other operations on the index while it runs.
 */
int vsag_index_train_with_queries(vsag_index_t index, const void* vectors, vsag_dtype_t dtype,
                                  uint64_t count, const void* queries, uint64_t num_queries,
                                  uint64_t dim);

/**
 * vsag_index_set_leanvec_matrices makes the index's leanvec quantizer (base_quantization_type
 * "leanvec", or a leanvec precise quantizer) use explicit LeanVec matrices instead of learning
 * them, as SVS's LeanVecLoader does with data_matrix and query_matrix.
 *   data_matrix   reduced_dim*dim floats, a row-major reduced_dim x dim matrix: row r holds
 *                 the weights of reduced coordinate r (SVS's dim x reduced_dim matrices
 *                 transposed). A data vector x is reduced to data_matrix (x - mean).
 *   query_matrix  the same shape, or NULL for data_matrix. One matrix (or two equal ones) is
 *                 LeanVec-ID; different matrices are LeanVec-OOD and need "leanvec_training":
 *                 "ood".
 *   mean          dim floats subtracted from data vectors before the projection, or NULL for
 *                 none (zero, as LeanVec-OOD uses).
 *   reduced_dim   the index's "leanvec_dims"; dim the index dim.
 * For cosine indexes the matrices apply to the normalised vectors. Call it on an empty,
 * untrained index: the next train or build trains the primary and secondary encodings with
 * these matrices, and serialization keeps them.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (NULL data_matrix, reduced_dim not leanvec_dims, a NaN or
 * infinite value, different matrices with "leanvec_training": "pca"), VSAG_DIMENSION_NOT_EQUAL
 * (dim), VSAG_UNSUPPORTED_INDEX_OPERATION (the index has no leanvec quantizer),
 * VSAG_WRONG_STATUS (the index is trained, holds vectors or is immutable).
 * Ownership: the arrays are copied; the library keeps no pointer to them.
 * Thread-safety: any thread; it excludes other operations on the index while it runs.
 */
int vsag_index_set_leanvec_matrices(vsag_index_t index, const float* data_matrix,
                                    const float* query_matrix, const float* mean,
                                    uint64_t reduced_dim, uint64_t dim);

/**
 * vsag_index_remove_many marks count labels removed and stores how many were present in
 * *num_removed (may be NULL). Absent labels are skipped.
 */
int vsag_index_remove_many(vsag_index_t index, const int64_t* ids, uint64_t count,
                           uint64_t* num_removed);

/** Remove modes of vsag_index_remove_with_mode (VSAG's RemoveMode). */
#define VSAG_REMOVE_MARK 0  /**< mark labels removed: fast, storage kept (MARK_REMOVE) */
#define VSAG_REMOVE_FORCE 1 /**< take labels out and reclaim their storage (FORCE_REMOVE) */

/**
 * vsag_index_remove_with_mode removes count labels with mode VSAG_REMOVE_MARK (as
 * vsag_index_remove_many) or VSAG_REMOVE_FORCE, and stores how many were removed in
 * *num_removed (may be NULL). Absent labels are skipped. VSAG_REMOVE_FORCE repairs the index
 * around the labels and reclaims their slots, codes, extra info and attributes for later adds;
 * labels only marked removed are reclaimed too. It needs an hgraph index created with
 * "support_force_remove": true (VSAG_INVALID_ARGUMENT otherwise); other index types return
 * VSAG_UNSUPPORTED_INDEX_OPERATION. Another mode is VSAG_INVALID_ARGUMENT.
 * Ownership: ids is read during the call only.
 * Thread-safety: any thread, concurrently with searches, which never return a reclaimed label;
 * adds to the same index wait for a force removal to finish.
 */
int vsag_index_remove_with_mode(vsag_index_t index, const int64_t* ids, uint64_t count, int mode,
                                uint64_t* num_removed);

/**
 * vsag_index_knn_search_batch searches nq queries (row-major, nq*dim elements of type dtype) for
 * their k nearest neighbours, on all cores, writing query i's results into ids[i*k .. i*k+k-1]
 * and dists[i*k .. i*k+k-1] ascending; missing results are padded with id -1 and distance
 * +INFINITY. ids and dists are caller buffers of nq*k entries (a numpy array or TypedArray can be
 * passed directly). filter may be NULL. nq == 0 is a successful no-op. k larger than the index's
 * live count is capped at that count for the search (nothing is allocated by k); the rest of
 * each row is padding.
 * Errors: k <= 0, nq*k beyond 2^46 entries, dim mismatch, bad JSON, NULL buffers; on error the
 * buffers' content is unspecified.
 */
int vsag_index_knn_search_batch(vsag_index_t index, const void* queries, vsag_dtype_t dtype,
                                uint64_t nq, uint64_t dim, int64_t k, const char* parameters,
                                const vsag_filter_t* filter, int64_t* ids, float* dists);

/**
 * vsag_index_range_search_vector finds the neighbours of one query (dim elements of type dtype)
 * within radius, at most limited_size (-1: unlimited), honouring filter (may be NULL), and stores
 * a new result dataset in *result (release with vsag_dataset_destroy).
 */
int vsag_index_range_search_vector(vsag_index_t index, const void* query, vsag_dtype_t dtype,
                                   uint64_t dim, float radius, const char* parameters,
                                   const vsag_filter_t* filter, int64_t limited_size,
                                   vsag_dataset_t* result);

/**
 * vsag_index_knn_search_vector searches one query (dim elements of type dtype) for its k nearest
 * neighbours with filter (may be NULL) and stores a new result dataset (ids, distances and
 * statistics JSON) in *result; release with vsag_dataset_destroy. The result holds at most
 * min(k, number of live vectors) entries: k is capped before anything is allocated.
 */
int vsag_index_knn_search_vector(vsag_index_t index, const void* query, vsag_dtype_t dtype,
                                 uint64_t dim, int64_t k, const char* parameters,
                                 const vsag_filter_t* filter, vsag_dataset_t* result);

/**
 * vsag_index_calc_distance_by_ids writes into dists[i] the distance from query (dim elements of
 * type dtype) to the vector of ids[i], -1 where the label is missing.
 */
int vsag_index_calc_distance_by_ids(vsag_index_t index, const void* query, vsag_dtype_t dtype,
                                    uint64_t dim, const int64_t* ids, uint64_t count,
                                    float* dists);

/**
 * vsag_index_batch_calc_distance_by_ids computes distances for nq queries in one call
 * (VSAG_FEATURE_SUPPORT_BATCH_CALC_DISTANCE_BY_ID): queries holds nq*dim elements of type dtype
 * (row-major), ids holds nq*ids_per_query labels row-major (query i's labels at
 * ids[i*ids_per_query .. i*ids_per_query+ids_per_query-1]), and dists receives the distance
 * from query i to the stored vector of each of its labels in the same layout, -1 where a label
 * does not exist. nq == 0 or ids_per_query == 0 is a successful no-op (ids and dists may then
 * be NULL).
 * Returns: 0, or VSAG_DIMENSION_NOT_EQUAL (dim), VSAG_INVALID_ARGUMENT (NULL arrays, a NaN or
 * infinite query value, a bad dtype, nq*ids_per_query too large).
 * Ownership: every array is read or written during the call only.
 * Thread-safety: any thread, concurrently with searches.
 */
int vsag_index_batch_calc_distance_by_ids(vsag_index_t index, const void* queries,
                                          vsag_dtype_t dtype, uint64_t nq, uint64_t dim,
                                          const int64_t* ids, uint64_t ids_per_query,
                                          float* dists);

/**
 * vsag_index_calc_distance_by_ids_sparse writes into dists[i] the distance (1 - inner product)
 * from one sparse query to the stored row of ids[i], -1 where the label is missing (sparse
 * indexes: sindi). The query is one CSR row: nnz sorted, unique term ids and their weights. The
 * stored row is what the index keeps: the whole document with use_reorder, else its postings
 * (pruned by doc_prune_ratio, quantized by use_quantization), as search scores them.
 * A query term no stored row holds adds nothing, as in search (an empty query: distance 1).
 * Returns: 0, or VSAG_INVALID_ARGUMENT (NULL arrays with a nonzero size, unsorted or duplicate
 * term ids, NaN or infinite weights),
 * VSAG_UNSUPPORTED_INDEX_OPERATION (an index of dense vectors: see
 * vsag_index_calc_distance_by_ids).
 * Ownership: every array is read or written during the call only.
 * Thread-safety: any thread, concurrently with searches and updates.
 */
int vsag_index_calc_distance_by_ids_sparse(vsag_index_t index, const uint32_t* term_ids,
                                           const float* values, uint64_t nnz, const int64_t* ids,
                                           uint64_t count, float* dists);

/**
 * vsag_index_calc_distance_by_ids_multi_vector writes into dists[i] the MaxSim distance (see
 * vsag_index_knn_search_multi_vector_batch) from one multi-vector query -- num_vectors (>= 1)
 * sub-vectors of dim floats in query -- to the stored document of ids[i], -1 where the label is
 * missing (multi-vector indexes: warp, simq; the distance is what their searches report).
 * Returns: 0, or VSAG_INVALID_ARGUMENT (NULL arrays with a nonzero size, no sub-vector, NaN or
 * infinite values), VSAG_DIMENSION_NOT_EQUAL, VSAG_UNSUPPORTED_INDEX_OPERATION (an index of one
 * vector per row: see vsag_index_calc_distance_by_ids).
 * Ownership: every array is read or written during the call only.
 * Thread-safety: any thread, concurrently with searches and updates.
 */
int vsag_index_calc_distance_by_ids_multi_vector(vsag_index_t index, const float* query,
                                                 uint64_t num_vectors, uint64_t dim,
                                                 const int64_t* ids, uint64_t count, float* dists);

/**
 * vsag_index_get_sparse_vectors_by_ids stores in *result a new dataset holding the stored rows
 * of ids, in order: count rows, their labels (vsag_dataset_get_ids) and the rows in CSR form
 * (vsag_dataset_get_sparse_vectors: count+1 offsets, term ids ascending, weights). The rows
 * are what the index keeps (see vsag_index_calc_distance_by_ids_sparse). Release the dataset
 * with vsag_dataset_destroy, which frees its arrays. count == 0 gives an empty dataset.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (a missing label, NULL ids with a nonzero count, NULL
 * result), VSAG_UNSUPPORTED_INDEX_OPERATION (an index of dense vectors: see
 * vsag_index_get_vector_by_ids). On error *result is NULL.
 * Thread-safety: any thread, concurrently with searches and updates.
 */
int vsag_index_get_sparse_vectors_by_ids(vsag_index_t index, const int64_t* ids, uint64_t count,
                                         vsag_dataset_t* result);

/** vsag_index_check_feature stores in *out whether the index supports feature (vsag_feature_t). */
int vsag_index_check_feature(vsag_index_t index, int feature, bool* out);

/**
 * vsag_index_estimate_memory stores in *out the estimated bytes an index of this configuration
 * needs for num_elements vectors.
 */
int vsag_index_estimate_memory(vsag_index_t index, uint64_t num_elements, uint64_t* out);

/** vsag_index_check_id_exist stores in *out whether label id is live in the index. */
int vsag_index_check_id_exist(vsag_index_t index, int64_t id, bool* out);

/** vsag_index_check_ids_exist writes into out[i] whether ids[i] is live, for i < count. */
int vsag_index_check_ids_exist(vsag_index_t index, const int64_t* ids, uint64_t count, bool* out);

/** vsag_index_get_min_max_id stores the smallest and largest live label; VSAG_INDEX_EMPTY if none. */
int vsag_index_get_min_max_id(vsag_index_t index, int64_t* min_id, int64_t* max_id);

/** vsag_index_get_num_removed stores the number of vectors marked removed. */
int vsag_index_get_num_removed(vsag_index_t index, int64_t* out);

/** vsag_index_get_dim stores the index's vector dimension. */
int vsag_index_get_dim(vsag_index_t index, int64_t* out);

/** vsag_index_get_dtype stores the index's input element type. */
int vsag_index_get_dtype(vsag_index_t index, vsag_dtype_t* out);

/**
 * vsag_index_get_name copies the index type name ("hgraph", ...) into buf (capacity cap bytes,
 * NUL-terminated, truncated to fit; buf may be NULL when cap is 0) and stores the full length
 * without the NUL in *len (may be NULL). Call with cap 0 to learn the size.
 */
int vsag_index_get_name(vsag_index_t index, char* buf, uint64_t cap, uint64_t* len);

/**
 * vsag_index_get_parameters copies the index's create JSON into buf like vsag_index_get_name
 * (useful after vsag_index_load_file, which recreates the index from the file).
 */
int vsag_index_get_parameters(vsag_index_t index, char* buf, uint64_t cap, uint64_t* len);

/**
 * vsag_index_export_ids writes up to cap live labels, ascending, into ids (may be NULL when cap
 * is 0) and stores the total number of live labels in *count.
 */
int vsag_index_export_ids(vsag_index_t index, int64_t* ids, uint64_t cap, uint64_t* count);

/**
 * vsag_index_set_immutable makes the index read-only: later build, add, remove and updates fail
 * with VSAG_WRONG_STATUS. Searches and serialization keep working.
 */
int vsag_index_set_immutable(vsag_index_t index);

/**
 * vsag_index_reset empties the index and returns it to the state it had right after it was
 * created (VSAG_FEATURE_SUPPORT_RESET, reported by every index type): every vector, label,
 * extra info and attribute is dropped and trained quantizers forget their training; the create
 * parameters stay, so the index can be trained, built or added to again.
 * Returns: 0, or VSAG_WRONG_STATUS (the index is immutable), VSAG_INVALID_ARGUMENT (NULL or
 * destroyed handle).
 * Thread-safety: any thread; it waits for the writes in flight (as a snapshot does), and
 * searches running meanwhile finish on the old contents.
 */
int vsag_index_reset(vsag_index_t index);

/**
 * vsag_index_load_file recreates an index from a file written by any serialize function, using
 * the parameters stored in the file, and stores its handle in *out.
 * Errors: VSAG_MISSING_FILE, VSAG_INVALID_BINARY, VSAG_READ_ERROR.
 */
int vsag_index_load_file(const char* path, vsag_index_t* out);

/** vsag_index_load_buffer is vsag_index_load_file from size bytes at data. */
int vsag_index_load_buffer(const void* data, uint64_t size, vsag_index_t* out);

/* ---- extra info and attributes ------------------------------------------------------------ */

/**
 * vsag_index_get_extra_info_by_ids copies the extra info of count labels into out, row i at
 * out + i*extra_info_size (out holds count*extra_info_size bytes).
 * Returns: 0, or VSAG_UNSUPPORTED_INDEX_OPERATION (the index was created without
 * extra_info_size), VSAG_INVALID_ARGUMENT (a label that does not exist, NULL arrays with count
 * > 0). count 0 is a successful no-op.
 * Ownership: ids and out are read and written during the call only.
 * Thread-safety: any thread, concurrently with searches.
 */
int vsag_index_get_extra_info_by_ids(vsag_index_t index, const int64_t* ids, uint64_t count,
                                     char* out);

/**
 * vsag_index_update_extra_info replaces the extra info of count live labels: infos holds
 * count*extra_info_size bytes, row i (at infos + i*extra_info_size) for ids[i]. Every label is
 * checked first: if one is not live, nothing is changed. count 0 is a successful no-op (ids and
 * infos may then be NULL).
 * Returns: 0, or VSAG_INVALID_ARGUMENT (a label that does not exist, NULL arrays with count > 0,
 * count too large), VSAG_UNSUPPORTED_INDEX_OPERATION (the index was created without
 * extra_info_size), VSAG_WRONG_STATUS (the index is immutable).
 * Ownership: ids and infos are read during the call only.
 * Thread-safety: any thread, concurrently with searches and other writes
 * (VSAG_FEATURE_SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT, reported when extra_info_size > 0).
 */
int vsag_index_update_extra_info(vsag_index_t index, const int64_t* ids, uint64_t count,
                                 const char* infos);

/**
 * vsag_dataset_set_attributes attaches attributes to the rows of a dataset for
 * vsag_index_build_dataset / vsag_index_add_dataset: a JSON array of num_elements objects, one
 * per row, or null for a row without attributes, e.g.
 *   [{"color":"red","price":3,"tags":["a","b"]}, null, ...]
 * Values are integers, floats, strings, booleans (stored as 1/0) or arrays of one kind; they
 * are checked when the dataset is inserted. NULL or "" detaches them.
 * Ownership: the string is copied. Thread-safety: not while the dataset is in use.
 */
int vsag_dataset_set_attributes(vsag_dataset_t ds, const char* attributes_json);

/**
 * vsag_index_build_vectors_with_attributes is vsag_index_build_vectors that also stores the
 * attributes of each row, given as a JSON array of count objects (or nulls) like
 * vsag_dataset_set_attributes; attributes_json may be NULL for none. Only the rows the index
 * accepts keep their attributes; they are removed, relabelled, serialized and cloned with
 * their vectors.
 * Returns: as vsag_index_build_vectors, and VSAG_INVALID_ARGUMENT for malformed attributes
 * (naming the row), or an array whose length is not count; then nothing is inserted.
 * Ownership: every array is read during the call only.
 */
int vsag_index_build_vectors_with_attributes(vsag_index_t index, const void* vectors,
                                             vsag_dtype_t dtype, const int64_t* ids,
                                             uint64_t count, uint64_t dim,
                                             const char* attributes_json, int64_t* failed_ids,
                                             uint64_t* num_failed);

/** vsag_index_add_vectors_with_attributes is the add form of the function above. */
int vsag_index_add_vectors_with_attributes(vsag_index_t index, const void* vectors,
                                           vsag_dtype_t dtype, const int64_t* ids, uint64_t count,
                                           uint64_t dim, const char* attributes_json,
                                           int64_t* failed_ids, uint64_t* num_failed);

/**
 * vsag_index_knn_search_batch_with_filter_string is vsag_index_knn_search_batch that also
 * applies an attribute filter expression: a label is returned only when its attributes satisfy
 * filter_expr and filter (may be NULL) keeps it. The expression (NULL or "": none) is compiled
 * once per call, e.g.
 *   color = "red" AND price < 10
 *   id IN [1, 2, 3] OR tags NOT IN ["a", "b"]
 *   multi_in(tags, "a|b") AND NOT (score >= 0.5)
 * Comparisons =, !=, <, <=, >, >= take a number or a quoted string; IN / NOT IN take a list in
 * [...]; AND (&&), OR (||), NOT (!) and parentheses combine them. On a list-valued attribute a
 * predicate holds when any element satisfies it; != and NOT IN are the negations of = and IN
 * (so a label without the attribute passes them). Results are written as in
 * vsag_index_knn_search_batch, padded with id -1 and distance +INFINITY.
 * Returns: as vsag_index_knn_search_batch, and VSAG_INVALID_ARGUMENT for a malformed
 * expression, with a message naming the position and the token.
 * Thread-safety: any thread, concurrently with other searches.
 */
int vsag_index_knn_search_batch_with_filter_string(vsag_index_t index, const void* queries,
                                                   vsag_dtype_t dtype, uint64_t nq, uint64_t dim,
                                                   int64_t k, const char* parameters,
                                                   const char* filter_expr,
                                                   const vsag_filter_t* filter, int64_t* ids,
                                                   float* dists);

/**
 * vsag_index_get_attributes stores in *out a new NUL-terminated JSON array with the attributes
 * of count labels (one object per label, null for a label without attributes) and its length
 * without the NUL in *size (may be NULL). Release *out with vsag_free.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (a label that does not exist, NULL out).
 * Thread-safety: any thread, concurrently with searches.
 */
int vsag_index_get_attributes(vsag_index_t index, const int64_t* ids, uint64_t count, char** out,
                              uint64_t* size);

/* ---- sparse, multi-vector and path rows ------------------------------------------------- */

/*
 * Besides dense vectors, a dataset can carry the other kinds of rows VSAG knows:
 *   - sparse rows (indexes created with "dtype": "sparse"), in CSR form;
 *   - multi-vector rows: each row a document of several sub-vectors of dim floats;
 *   - paths: one string per row, such as "tenant/shop/item" (pyramid indexes).
 * They are checked when the dataset is used (build, add, train, search), with
 * VSAG_INVALID_ARGUMENT and a message naming the row for: offsets that do not start at 0,
 * decrease or do not end at nnz; term ids that are not sorted ascending or repeat within a row;
 * NaN or infinite weights; vector counts below 1 or not adding up to num_vectors; a number of
 * paths other than num_elements; empty paths or empty path segments ("a//b", "/a", "a/").
 * A failed call inserts nothing. Index types that take dense vectors only (hgraph,
 * brute_force, ...) validate these rows and then refuse them with VSAG_INVALID_ARGUMENT naming
 * the kind ("... the dataset holds sparse rows", "... multi-vector documents", "paths are for
 * pyramid indexes ...").
 */

/**
 * vsag_dataset_set_sparse_vectors attaches num_elements sparse rows in CSR form: row i's term
 * ids are term_ids[offsets[i] .. offsets[i+1]-1], sorted ascending and unique, with their
 * weights at the same positions of values. offsets holds num_elements+1 entries (offsets[0] is
 * 0, offsets[num_elements] is nnz); term_ids and values hold nnz entries each (they may be NULL
 * when nnz is 0). Like the dense arrays the three arrays are borrowed, or owned after
 * vsag_dataset_set_owner(ds, true) (then freed with free()). NULL offsets detaches the sparse
 * rows. A dataset with sparse rows is a sparse dataset even when dense vectors are attached.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (NULL term_ids or values with nnz > 0, nnz beyond 2^46).
 * Thread-safety: not while the dataset is in use.
 */
int vsag_dataset_set_sparse_vectors(vsag_dataset_t ds, const int64_t* offsets,
                                    const uint32_t* term_ids, const float* values, uint64_t nnz);

/**
 * vsag_dataset_get_sparse_vectors stores the attached CSR arrays (NULL when none) and nnz;
 * any output pointer may be NULL.
 */
int vsag_dataset_get_sparse_vectors(vsag_dataset_t ds, const int64_t** offsets,
                                    const uint32_t** term_ids, const float** values,
                                    uint64_t* nnz);

/**
 * vsag_dataset_set_vector_counts makes the rows multi-vector documents: row i is counts[i]
 * (>= 1) sub-vectors of dim floats, concatenated row after row in the float32 vectors
 * (vsag_dataset_set_float32_vectors), which then hold num_vectors*dim floats; counts holds
 * num_elements entries and must add up to num_vectors. The counts array is borrowed (or owned,
 * as the other arrays). NULL counts detaches them.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (num_vectors beyond 2^40).
 * Thread-safety: not while the dataset is in use.
 */
int vsag_dataset_set_vector_counts(vsag_dataset_t ds, const int64_t* counts,
                                   uint64_t num_vectors);

/** vsag_dataset_get_vector_counts stores the attached counts (NULL when none) and num_vectors. */
int vsag_dataset_get_vector_counts(vsag_dataset_t ds, const int64_t** counts,
                                   uint64_t* num_vectors);

/**
 * vsag_index_knn_search_multi_vector_batch searches nq multi-vector queries (warp and simq
 * indexes) for their k nearest documents by MaxSim distance, on all cores. The queries are laid
 * out as a build dataset's documents: query i is vector_counts[i] (>= 1) sub-vectors of dim
 * floats, the sub-vectors of all queries concatenated in queries (num_vectors*dim floats;
 * vector_counts holds nq entries adding up to num_vectors). Results are written as
 * vsag_index_knn_search_batch writes them: query i's at ids[i*k .. i*k+k-1] and
 * dists[i*k .. i*k+k-1], ascending, padded with id -1 and distance +INFINITY; k beyond the live
 * count is capped for the search. parameters is the search JSON (e.g.
 * {"simq":{"coarse_k":16,"rerank_k":200}}); filter_expr an attribute filter expression (see
 * vsag_index_knn_search_batch_with_filter_string; NULL or "": none) and filter a
 * vsag_filter_t (NULL: none), both applied. Each row equals what a one-query search
 * (vsag_index_search_request with query_vector_count) returns. nq == 0 is a successful no-op.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (k <= 0, nq*k beyond 2^46 entries, NULL queries,
 * vector_counts or buffers, a count below 1, counts that do not add up to num_vectors, NaN or
 * infinite values, bad JSON or expression, an index that takes one vector per row),
 * VSAG_DIMENSION_NOT_EQUAL. Every query is checked before any search runs; on error the
 * buffers' content is unspecified and the index is unchanged.
 * Ownership: every array is read or written during the call only.
 * Thread-safety: any thread, concurrently with other searches and with add/remove.
 */
int vsag_index_knn_search_multi_vector_batch(vsag_index_t index, const float* queries,
                                             const int64_t* vector_counts, uint64_t nq,
                                             uint64_t num_vectors, uint64_t dim, int64_t k,
                                             const char* parameters, const char* filter_expr,
                                             const vsag_filter_t* filter, int64_t* ids,
                                             float* dists);

/**
 * vsag_dataset_set_paths gives the rows their paths, such as "tenant/shop/item" (pyramid
 * indexes): count NUL-terminated UTF-8 strings, copied (the caller may free them afterwards).
 * count must equal num_elements when the dataset is used. NULL paths detaches them (count is
 * then ignored).
 * Returns: 0, or VSAG_INVALID_ARGUMENT (a NULL entry, naming it; count beyond 2^40); on error
 * the dataset's earlier paths are kept.
 * Thread-safety: not while the dataset is in use.
 */
int vsag_dataset_set_paths(vsag_dataset_t ds, const char* const* paths, uint64_t count);

/** vsag_dataset_get_num_paths stores the number of attached paths (0 when none). */
int vsag_dataset_get_num_paths(vsag_dataset_t ds, uint64_t* out);

/**
 * vsag_dataset_get_path copies path number row into buf like vsag_index_get_name (capacity cap
 * bytes, NUL-terminated, truncated to fit; buf may be NULL when cap is 0) and stores its full
 * length in *len (may be NULL). Errors: row beyond the attached paths.
 */
int vsag_dataset_get_path(vsag_dataset_t ds, uint64_t row, char* buf, uint64_t cap,
                          uint64_t* len);

/**
 * vsag_dataset_set_hierarchy_paths gives the rows their paths in the hierarchy named
 * hierarchy, for pyramid indexes created with "hierarchies" (VSAG's Dataset::Paths(name,
 * paths)): count NUL-terminated strings, copied, one per row. Each hierarchy has its own list;
 * NULL paths detaches the hierarchy's list (count is then ignored). As query_dataset of a
 * search request, the first path of each list is the query's path in that hierarchy.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (NULL or empty hierarchy, a NULL entry, count beyond
 * 2^40); on error the dataset's earlier paths are kept.
 * Thread-safety: not while the dataset is in use.
 */
int vsag_dataset_set_hierarchy_paths(vsag_dataset_t ds, const char* hierarchy,
                                     const char* const* paths, uint64_t count);

/** vsag_dataset_get_num_hierarchy_paths stores the number of paths attached for hierarchy. */
int vsag_dataset_get_num_hierarchy_paths(vsag_dataset_t ds, const char* hierarchy,
                                         uint64_t* out);

/**
 * vsag_dataset_get_hierarchy_path copies path number row of hierarchy into buf like
 * vsag_dataset_get_path. Errors: row beyond the hierarchy's paths.
 */
int vsag_dataset_get_hierarchy_path(vsag_dataset_t ds, const char* hierarchy, uint64_t row,
                                    char* buf, uint64_t cap, uint64_t* len);

/* ---- search requests ---------------------------------------------------------------------- */

/** vsag_search_mode_t selects the kind of search of a vsag_search_request_t. */
typedef enum vsag_search_mode {
    VSAG_SEARCH_KNN = 0,  /**< the topk nearest neighbours */
    VSAG_SEARCH_RANGE = 1 /**< the neighbours within radius */
} vsag_search_mode_t;

/** vsag_search_reason_t tells what became of an expected label (vsag_search_explanation_t). */
typedef enum vsag_search_reason {
    VSAG_REASON_FOUND = 0,      /**< the label is in the result */
    VSAG_REASON_ABSENT = 1,     /**< the label is not live in the index */
    VSAG_REASON_FILTERED = 2,   /**< the bitset, a filter or the expression excludes it */
    VSAG_REASON_BEYOND_K = 3,   /**< farther than the last result (knn: the k-th; range: beyond
                                     radius or the last result kept by limited_size): an exact
                                     search would not return it either */
    VSAG_REASON_NOT_REACHED = 4 /**< an exact search would return it; the index's search did
                                     not reach it (raise ef_search, ...) */
} vsag_search_reason_t;

/**
 * vsag_search_explanation_t is the fate of one expected label: reason is a
 * vsag_search_reason_t, distance the label's distance to the query (NAN when the label is
 * absent or the distance cannot be measured).
 */
typedef struct vsag_search_explanation {
    int64_t label;
    float distance;
    int32_t reason;
} vsag_search_explanation_t;

/**
 * vsag_search_request_t is one search, VSAG's SearchRequest. Initialise it with
 * VSAG_SEARCH_REQUEST_INIT (every field zero but struct_size), then set what applies. Fields:
 *
 *   struct_size     sizeof(vsag_search_request_t). The struct may grow at its end in later
 *                   versions: the library reads only the fields struct_size covers, refuses a
 *                   struct_size smaller than this first version's, and refuses nonzero bytes
 *                   beyond the fields it knows (a newer request it cannot honour).
 *   mode            VSAG_SEARCH_KNN (default) or VSAG_SEARCH_RANGE.
 *
 * The query, in exactly one of these forms:
 *   query, query_dim, query_dtype
 *                   one dense vector of query_dim elements of type query_dtype (vsag_dtype_t;
 *                   0 is float32), converted to the index dtype as the other calls convert.
 *   ... + query_vector_count
 *                   when nonzero, the query is a multi-vector document: query holds
 *                   query_vector_count sub-vectors of query_dim floats (float32 only).
 *   query_dtype == VSAG_DTYPE_SPARSE with query_term_ids, query_term_values, query_nnz
 *                   one sparse row (a CSR row): query_nnz sorted unique term ids and their
 *                   weights; query must be NULL.
 *   query_dataset   the first row of a dataset handle of any kind (dense, sparse,
 *                   multi-vector, with a path); query and query_term_ids must be NULL.
 *   query_path      the query's path (pyramid indexes) for the pointer forms; NULL: none.
 *
 * What to return:
 *   topk            knn: the number of neighbours (>= 1; capped at the live count before
 *                   anything is allocated).
 *   radius          range: the distance bound (>= 0, distance units).
 *   limited_size    range: at most this many results, the nearest (-1 or 0: unlimited).
 *   parameters      the search JSON, e.g. {"hgraph":{"ef_search":100}}; NULL or "": none.
 *
 * Which labels may be returned (every part that is set applies; a label must pass all):
 *   invalid         a bitset handle: a set bit EXCLUDES the label; NULL: none.
 *   filter, filter_ctx
 *                   a callback returning true to KEEP the label (see vsag_filter_fn); NULL:
 *                   none.
 *   filter_spec     a vsag_filter_t (masks, excluded ids, bitset, callback, valid ratio);
 *                   NULL: none.
 *   filter_expr     an attribute filter expression (see
 *                   vsag_index_knn_search_batch_with_filter_string); NULL or "": none.
 *   bucket_ids, num_bucket_ids
 *                   the buckets an ivf index scans; a non-NULL bucket_ids is refused with
 *                   VSAG_INVALID_ARGUMENT by the other index types.
 *
 * Explanations:
 *   expected_labels, num_expected_labels
 *                   labels whose fate the search reports in the explanations array of
 *                   vsag_index_search_request (found, or why not); NULL / 0: none.
 *
 * Ownership: the library reads the request and everything it points to during the call only.
 */
typedef struct vsag_search_request {
    size_t struct_size;
    int32_t mode;
    int32_t query_dtype;
    const void* query;
    uint64_t query_dim;
    uint64_t query_vector_count;
    const uint32_t* query_term_ids;
    const float* query_term_values;
    uint64_t query_nnz;
    vsag_dataset_t query_dataset;
    const char* query_path;
    int64_t topk;
    float radius;
    int64_t limited_size;
    const char* parameters;
    vsag_bitset_t invalid;
    vsag_filter_fn filter;
    void* filter_ctx;
    const vsag_filter_t* filter_spec;
    const char* filter_expr;
    const int64_t* bucket_ids;
    uint64_t num_bucket_ids;
    const int64_t* expected_labels;
    uint64_t num_expected_labels;
} vsag_search_request_t;

/** VSAG_SEARCH_REQUEST_INIT initialises a request: a knn search with nothing else set. */
#define VSAG_SEARCH_REQUEST_INIT                                                               \
    {sizeof(vsag_search_request_t), 0, 0, NULL, 0u, 0u, NULL, NULL, 0u, NULL, NULL, 0, 0.0f, 0, \
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0u, NULL, 0u}

/**
 * vsag_index_search_request runs one search as request describes (knn or range, one query of
 * any kind, the bitset, filters and attribute expression ANDed) and writes its results into
 * caller buffers:
 *
 *   ids, dists      room for capacity entries each: the results, ascending by distance; the
 *                   entries after the last result are padded with id -1 and distance
 *                   +INFINITY. May be NULL when capacity is 0 (to learn *total only).
 *   extra_infos     NULL, or room for capacity*extra_info_size bytes: the extra info of each
 *                   result (indexes created with extra_info_size; others refuse a non-NULL
 *                   buffer with VSAG_UNSUPPORTED_INDEX_OPERATION); padding entries are zeroed.
 *   count           (may be NULL) the number of results written, at most capacity.
 *   total           (may be NULL) the number of results the search found. When it exceeds
 *                   capacity the buffers were too small: the nearest capacity results are
 *                   written and the call still succeeds (as vsag_index_range_search keeps at
 *                   most k); call again with a larger buffer (or a limited_size) to get them
 *                   all. A knn search finds at most min(topk, live count), so capacity = topk
 *                   always suffices.
 *   explanations    room for request->num_expected_labels entries (NULL when there are none):
 *                   entry i explains expected_labels[i].
 *
 * Returns: 0 (an empty index gives 0 results), or VSAG_INVALID_ARGUMENT (NULL request, bad
 * struct_size, no query or two query forms, topk <= 0, a negative or NaN radius, limited_size
 * below -1, malformed sparse / multi-vector / path rows, bad JSON or expression, bucket_ids on a
 * non-ivf index, NULL buffers with capacity > 0, capacity beyond 2^46), VSAG_DIMENSION_NOT_EQUAL,
 * VSAG_UNSUPPORTED_INDEX_OPERATION. On error the buffers' content is unspecified.
 * Ownership: every array is read or written during the call only.
 * Thread-safety: any thread, concurrently with other searches and with add/remove (as the other
 * searches); the bitsets it names are read-locked for the call.
 */
int vsag_index_search_request(vsag_index_t index, const vsag_search_request_t* request,
                              int64_t* ids, float* dists, char* extra_infos, uint64_t capacity,
                              uint64_t* count, uint64_t* total,
                              vsag_search_explanation_t* explanations);

/* ---- merging indexes of one model ---------------------------------------------------------- */

/**
 * vsag_merge_unit_t is one source of vsag_index_merge: an index and an optional map of its
 * labels. Initialise it with VSAG_MERGE_UNIT_INIT, then set what applies. Fields:
 *
 *   struct_size     sizeof(vsag_merge_unit_t). The struct may grow at its end in later
 *                   versions: the library refuses a struct_size smaller than this first
 *                   version's and nonzero bytes beyond the fields it knows. It is also the
 *                   stride of the units array, so every unit of one call has the same value.
 *   index           the source index handle. It is read, never changed.
 *   id_map_from, id_map_to, id_map_count
 *                   NULL id_map_from (with NULL id_map_to and id_map_count 0): the source's
 *                   labels are merged as they are. Otherwise a map of id_map_count pairs:
 *                   source label id_map_from[i] is merged as id_map_to[i], and the source's
 *                   labels the map does not name are left out (so id_map_count 0 with a non-NULL
 *                   id_map_from merges nothing). A label may appear only once in id_map_from.
 */
typedef struct vsag_merge_unit {
    size_t struct_size;
    vsag_index_t index;
    const int64_t* id_map_from;
    const int64_t* id_map_to;
    uint64_t id_map_count;
} vsag_merge_unit_t;

/** VSAG_MERGE_UNIT_INIT initialises a unit: no index, no id map. */
#define VSAG_MERGE_UNIT_INIT {sizeof(vsag_merge_unit_t), NULL, NULL, NULL, 0u}

/**
 * vsag_index_merge adds to index the live vectors of num_units source indexes, with their extra
 * info and attributes (VSAG_FEATURE_SUPPORT_MERGE_INDEX; "ivf" and "hgraph" have it). Every
 * source must be of index's type and create parameters and share its trained model: indexes
 * made with vsag_index_export_model from one index (or clones of such a model) and then filled,
 * or indexes trained identically. Their codes are taken over without re-encoding (hgraph links
 * the merged nodes into its graph; the first source merged whole into an empty index brings its
 * graph along). Removed source labels are not merged. A label already present in index (or merged earlier in the same call) is left out
 * and counted as failed:
 *
 *   failed_ids      room for capacity labels (may be NULL when capacity is 0): the first
 *                   capacity failed labels, as mapped.
 *   num_failed      (may be NULL) the number of failed labels, which may exceed capacity (then
 *                   only capacity were written). The sum of the sources' live counts
 *                   (vsag_index_get_num_elements) as capacity always suffices.
 *
 * num_units 0 is a successful no-op for index types that merge (units may then be NULL).
 * Returns: 0, or VSAG_INVALID_ARGUMENT (NULL or destroyed handles, NULL units with num_units > 0,
 * bad struct_size, an id map with NULL arrays or a repeated source label, a source of another
 * type, dim, metric, dtype or extra_info_size, a source trained on another model, a source that
 * is index itself or appears twice, NULL failed_ids with capacity > 0),
 * VSAG_UNSUPPORTED_INDEX_OPERATION (index types without VSAG_FEATURE_SUPPORT_MERGE_INDEX),
 * VSAG_WRONG_STATUS (index is immutable, or untrained: merge into an exported model or a
 * trained index). On error index is unchanged.
 * Ownership: units and the arrays they point to are read during the call only.
 * Thread-safety: any thread. It writes to index as an add does (searches on index run
 * meanwhile) and reads each source under that source's snapshot lock: writes to the sources
 * (and saving them) wait until the merge ends, searches on them do not. Merges run one at a
 * time within the library.
 */
int vsag_index_merge(vsag_index_t index, const vsag_merge_unit_t* units, uint64_t num_units,
                     int64_t* failed_ids, uint64_t capacity, uint64_t* num_failed);

/* ========================================================================================== */
/* Iterator search sessions                                                                    */
/* ========================================================================================== */

/**
 * vsag_iterator_t is an iterator search session handle: the neighbours of one query, page by
 * page, each page the next ones not returned before (VSAG's KnnSearch with an IteratorContext;
 * VSAG_FEATURE_SUPPORT_KNN_ITERATOR_FILTER_SEARCH and VSAG_FEATURE_SUPPORT_CONTINUE_SEARCH_SESSION).
 */
typedef struct vsag_iterator_s* vsag_iterator_t;

/**
 * vsag_iterator_create starts a session on index for one query (dim elements of type dtype)
 * with the search parameters (JSON as for vsag_index_knn_search_vector; ef_search is the window
 * of each page) and filter (may be NULL), and stores its handle in *out (release with
 * vsag_iterator_destroy). No search runs until the first vsag_iterator_next.
 *
 * Every session guarantees: pages are disjoint (a label is returned at most once); each page
 * ascends by distance; a label removed before a page is cut is never returned by it or a later
 * page; labels added after the session was created are not returned; the filter applies to
 * every label returned. "brute_force" sessions are exact: page after page the distances never
 * decrease. "hgraph" sessions continue one graph search (its visited nodes and candidates are
 * kept between pages, so no page restarts it), and a page may start slightly below the
 * previous page's last distance when the walk reaches a node late. "ivf" sessions scan
 * buckets nearest centroid first, scan_buckets_count more for each first page's worth of
 * results, with the same caveat. A session run until an empty page has returned every label
 * the filter keeps among those live at its start and not removed since.
 *
 * Ownership: query is read during the call only. The filter struct, its mask and its exclude_ids
 * are copied; its bitset is looked up at each page (changes between pages apply; destroying it
 * makes the next page fail with VSAG_INVALID_ARGUMENT); its keep / keep_extra_info callbacks
 * are called during each page, so their contexts must stay valid until the session is destroyed.
 * Errors: VSAG_UNSUPPORTED_INDEX_OPERATION (index types without the flags), dim mismatch, bad
 * JSON, bad filter, NULL arguments.
 * Thread-safety: any thread; sessions hold no lock between pages, so writes to the index run
 * between them. A session whose index is reset or loaded into fails with VSAG_WRONG_STATUS.
 */
int vsag_iterator_create(vsag_index_t index, const void* query, vsag_dtype_t dtype, uint64_t dim,
                         const char* parameters, const vsag_filter_t* filter,
                         vsag_iterator_t* out);

/**
 * vsag_iterator_next writes the next page, up to k neighbours not returned before, ascending,
 * into ids and dists (caller buffers of k entries) and their number into *count. A page shorter
 * than k is possible when timeout_ms cut it; *count 0 means the session has nothing more.
 * Errors: k <= 0, NULL buffers, a destroyed handle, a drained session (VSAG_WRONG_STATUS).
 * Thread-safety: any thread; calls on one session are serialised.
 */
int vsag_iterator_next(vsag_iterator_t iterator, int64_t k, int64_t* ids, float* dists,
                       uint64_t* count);

/**
 * vsag_iterator_drain writes up to k of the neighbours the session has found but not returned,
 * ascending, without searching further (VSAG's is_last_search), and ends the session: later
 * vsag_iterator_next calls fail with VSAG_WRONG_STATUS. Optional: vsag_iterator_destroy alone
 * releases a session. Same buffers and errors as vsag_iterator_next.
 */
int vsag_iterator_drain(vsag_iterator_t iterator, int64_t k, int64_t* ids, float* dists,
                        uint64_t* count);

/** vsag_iterator_destroy releases a session (NULL is a no-op); the handle is invalid afterwards. */
int vsag_iterator_destroy(vsag_iterator_t iterator);
/* ---- conjugate graph: feedback and pretraining ------------------------------------------- */

/**
 * VSAG_GLOBAL_OPTIMUM_UNKNOWN, as vsag_index_feedback's global_optimum_id, makes the index find
 * the query's true nearest neighbour itself by an exact scan (VSAG's default argument).
 */
#define VSAG_GLOBAL_OPTIMUM_UNKNOWN INT64_MAX

/**
 * vsag_index_feedback teaches the conjugate graph of index (VSAG_FEATURE_SUPPORT_FEEDBACK: an
 * "hnsw" index created with "use_conjugate_graph": true) from one query, as VSAG's
 * Index::Feedback: the query (dim elements of type dtype) is searched for its k nearest
 * neighbours with parameters (the search JSON, such as {"hnsw":{"ef_search":16}}), and an edge
 * is added from each result to global_optimum_id, the label of the query's true nearest
 * neighbour (VSAG_GLOBAL_OPTIMUM_UNKNOWN: found by an exact scan over the index). Later knn
 * searches with "use_conjugate_graph_search" (true by default) follow these edges from their
 * best results. *num_edges (may be NULL) receives the number of edges added: edges already
 * present, self edges and edges beyond 128 per label are not. An empty index adds none.
 * Returns: 0, or VSAG_UNSUPPORTED_INDEX_OPERATION (an index without a conjugate graph),
 * VSAG_INVALID_ARGUMENT (k <= 0, NULL query, a NaN or infinite value, bad JSON, a
 * global_optimum_id that is not in the index), VSAG_DIMENSION_NOT_EQUAL (dim),
 * VSAG_WRONG_STATUS (an immutable index). On error nothing is added.
 * Ownership: query and parameters are read during the call only.
 * Thread-safety: any thread; it runs beside searches and writes, and a save waits for it.
 */
int vsag_index_feedback(vsag_index_t index, const void* query, vsag_dtype_t dtype, uint64_t dim,
                        int64_t k, const char* parameters, int64_t global_optimum_id,
                        uint64_t* num_edges);

/**
 * vsag_index_pretrain teaches the conjugate graph without queries, as VSAG's Index::Pretrain:
 * for each of the count labels of ids, its stored vector is searched for 50 neighbours, and for
 * each neighbour a query made 51% of the way from the neighbour to the vector is given as
 * feedback (k results searched with parameters) with the label as the global optimum.
 * *num_edges (may be NULL) receives the number of edges added.
 * Returns: 0, or VSAG_UNSUPPORTED_INDEX_OPERATION (an index without a conjugate graph),
 * VSAG_INVALID_ARGUMENT (k <= 0, NULL ids with count > 0, bad JSON, a label that is not in the
 * index: then nothing is added), VSAG_WRONG_STATUS (an immutable index).
 * Ownership: ids and parameters are read during the call only.
 * Thread-safety: as vsag_index_feedback. It costs about 51 searches per label.
 */
int vsag_index_pretrain(vsag_index_t index, const int64_t* ids, uint64_t count, int64_t k,
                        const char* parameters, uint64_t* num_edges);

/* ---- index introspection ---------------------------------------------------------------- */

/**
 * vsag_index_get_stats stores in *out a new NUL-terminated JSON object with the index's
 * statistics, VSAG's GetStats (VSAG_FEATURE_SUPPORT_GET_STATS), and its length without the NUL
 * in *size (may be NULL). Release *out with vsag_free. Keys, VSAG's where VSAG has them:
 * total_count, deleted_count, num_elements; the structure (hgraph: connect_components,
 * maximal_component_size, in_degree_distribution, out_degree_distribution, average_degree,
 * unreachable_from_entry, ...; ivf: bucket_count, bucket_num, bucket_radius, ...);
 * duplicate_ratio; and from a sample of stored vectors searched as queries: recall_base,
 * self_recall, avg_distance_base, time_cost_query, quantization_bias_ratio,
 * quantization_inversion_count_rate (an object {"skipped_reason": ...} when the index keeps
 * nothing more precise than lossy base codes) and, on graphs, proximity_recall_neighbor.
 * Multi-vector indexes (warp, simq) report no sampled searches but their documents:
 * memory_usage, sub_vector_count, live_sub_vector_count, sub_vectors_per_document {mean, std,
 * min, max, q25, q50, q75}, sub_vector_count_histogram; simq adds cluster_count, cluster_size,
 * largest_cluster_size, documents_per_cluster, clusters_per_document and representative_graph
 * (the hgraph over the cluster representatives: its structure keys and memory_usage).
 * Returns: 0, VSAG_INVALID_ARGUMENT (bad handle, NULL out), VSAG_UNSUPPORTED_INDEX_OPERATION
 * (index types without the feature).
 * Thread-safety: any thread; searches run meanwhile, writes to index wait until it returns.
 */
int vsag_index_get_stats(vsag_index_t index, char** out, uint64_t* size);

/**
 * vsag_index_analyze_by_search searches nq queries (row-major, nq x dim of dtype, as
 * vsag_index_knn_search_batch takes them) for their k nearest neighbours with the search JSON
 * parameters, one query at a time, and stores in *out a new NUL-terminated JSON object with
 * VSAG's AnalyzeIndexBySearch analysis (VSAG_FEATURE_SUPPORT_ANALYZE_INDEX_BY_SEARCH) and its
 * length without the NUL in *size (may be NULL): recall_query (against exact ground truth over
 * the stored vectors), avg_distance_query, time_cost_query and latency_ms {mean, p50, p90, p99,
 * max} in milliseconds, quantization_bias_ratio_query and
 * quantization_inversion_count_rate_query. Release *out with vsag_free. A k above the number
 * of vectors is capped at it.
 * Returns: 0, VSAG_INVALID_ARGUMENT (bad handle, NULL out or queries, nq 0, k <= 0, bad JSON,
 * NaN/Inf in a query, bad dtype), VSAG_DIMENSION_NOT_EQUAL, VSAG_INDEX_EMPTY (no vectors),
 * VSAG_UNSUPPORTED_INDEX_OPERATION (index types without the feature).
 * Ownership: queries and parameters are read during the call only.
 * Thread-safety: any thread; searches run meanwhile, writes to index wait until it returns.
 */
int vsag_index_analyze_by_search(vsag_index_t index, const void* queries, vsag_dtype_t dtype,
                                 uint64_t nq, uint64_t dim, int64_t k, const char* parameters,
                                 char** out, uint64_t* size);

/* ---- tuning ---------------------------------------------------------------------------------- */

/**
 * vsag_index_tune changes how index encodes its vectors without rebuilding its graph (VSAG's
 * Index::Tune; VSAG_FEATURE_SUPPORT_TUNE, reported by "hgraph" while it keeps a precise source).
 * params_json is {"index_param": {...}}; the whole create JSON may be given, its dim, dtype,
 * metric_type and extra_info_size then being index's. For hgraph the block gives
 * base_quantization_type, use_reorder, precise_quantization_type, store_raw_vector and the
 * quantizer keys anew (absent ones take their defaults); max_degree, ef_construction, alpha,
 * graph_type and Vamana's keys cannot change (absent, they keep index's values). The stores whose
 * quantizer changes are trained again and re-encoded from the raw vectors (store_raw_vector),
 * else from fp32 precise or base codes; precise codes use_reorder no longer asks for are dropped.
 * The raw vectors stay, so the index can be tuned again, until a call with
 * disable_future_tuning true drops them (unless the block asks for store_raw_vector) and refuses
 * every later tune. The tuned parameters become index's create parameters
 * (vsag_index_get_parameters), and the index saves and loads tuned.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (NULL or destroyed handle, NULL params_json, bad JSON, an
 * unknown key, a graph key that differs, a create key that is not index's),
 * VSAG_UNSUPPORTED_INDEX_OPERATION (index types without tuning; an index that keeps no precise
 * source to re-encode from; tuning disabled by an earlier call), VSAG_WRONG_STATUS (immutable).
 * On error index is unchanged.
 * Thread-safety: any thread. Searches run meanwhile; writes to index and saves wait for it.
 */
int vsag_index_tune(vsag_index_t index, const char* params_json, bool disable_future_tuning);

/* ---- latency measurement --------------------------------------------------------------------- */

/**
 * vsag_last_search_nanoseconds returns how long the calling thread's most recent one-query
 * search through vsag_index_knn_search_batch (nq = 1) or vsag_index_knn_search_vector spent
 * inside the engine, in nanoseconds: the time of the engine's own search call (what the Go
 * API's Index.Search, or Index.SearchWithStatistics for the latter, takes), excluding
 * the argument checks, the crossing into the library and the copy of the results. A failed
 * search records its time too; 0 before the thread's first such search. With it a binding
 * measures its own overhead in process: the wall time of its call minus this, for the same
 * call. Returns: nanoseconds. Thread-safety: each thread has its own slot; the call does not
 * enter the Go runtime.
 */
uint64_t vsag_last_search_nanoseconds(void);

/* ---- resources: memory budgets, allocator, global options, logger, progress ------------------ */

/**
 * vsag_set_global_memory_budget limits the bytes of the large slabs of all indexes together
 * (code stores, graph adjacency, ivf bucket lists; what vsag_get_global_budgeted_memory counts)
 * to bytes; 0 removes the limit (the default). A build, add, merge or load that would grow them
 * beyond it fails with VSAG_NO_ENOUGH_MEMORY before any vector is stored: the index is left as
 * it was. A limit below what is held refuses every growth and frees nothing.
 * Returns: 0. Thread-safety: any thread.
 */
int vsag_set_global_memory_budget(uint64_t bytes);

/** vsag_get_global_memory_budget stores the global memory budget in *out (0: none). */
int vsag_get_global_memory_budget(uint64_t* out);

/**
 * vsag_get_global_budgeted_memory stores in *out the bytes of large slabs charged to the global
 * budget. The slabs of a destroyed index are released when the library reclaims its memory,
 * shortly after vsag_index_destroy, not within it.
 */
int vsag_get_global_budgeted_memory(uint64_t* out);

/**
 * vsag_index_set_memory_budget limits the bytes of index's large slabs to bytes (0: no limit of
 * its own; the global budget still applies), as vsag_set_global_memory_budget does for all
 * indexes: a write or load beyond it is VSAG_NO_ENOUGH_MEMORY and stores nothing; searches are
 * never refused.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (NULL or destroyed handle). Thread-safety: any thread.
 */
int vsag_index_set_memory_budget(vsag_index_t index, uint64_t bytes);

/** vsag_index_get_memory_budget stores index's memory budget in *out (0: none). */
int vsag_index_get_memory_budget(vsag_index_t index, uint64_t* out);

/**
 * vsag_index_get_budgeted_memory stores in *out the bytes of index's large slabs charged to its
 * budget (a part of vsag_index_get_memory_usage: hgraph, hnsw, pyramid, lazy_hgraph and
 * brute_force charge their labels, trees and search scratch too; small fixed tables are not
 * charged).
 */
int vsag_index_get_budgeted_memory(vsag_index_t index, uint64_t* out);

/**
 * vsag_allocator_t supplies the memory of an index's code stores (VSAG's Allocator). allocate
 * returns at least size bytes or NULL; deallocate frees a block allocate or reallocate returned;
 * reallocate resizes a block keeping its contents, or returns NULL leaving it unchanged. A NULL
 * from allocate or reallocate makes the write that needed the memory fail with
 * VSAG_NO_ENOUGH_MEMORY (nothing stored). The functions are called from library threads
 * (deallocate also from the thread that reclaims a replaced or destroyed index's memory, which
 * may run after vsag_index_destroy returns), must be thread-safe and must not call the library.
 * The functions and user_data must stay valid until every block is deallocated: in practice,
 * for the life of the process. name may be NULL.
 */
typedef struct vsag_allocator_s {
    const char* name;
    void* (*allocate)(uint64_t size, void* user_data);
    void (*deallocate)(void* ptr, void* user_data);
    void* (*reallocate)(void* ptr, uint64_t size, void* user_data);
    void* user_data;
} vsag_allocator_t;

/**
 * vsag_index_set_allocator makes index's code stores allocate their slabs through allocator
 * (copied) from their next growth on; NULL restores the library's own allocation. Slabs
 * allocated before keep the allocator they came from and are freed with it.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (NULL or destroyed handle, a NULL function in allocator).
 * Thread-safety: any thread.
 */
int vsag_index_set_allocator(vsag_index_t index, const vsag_allocator_t* allocator);

/** vsag_allocator_stats_t holds a counting allocator's counters (vsag_counting_allocator_stats). */
typedef struct vsag_allocator_stats_s {
    uint64_t bytes_in_use; /* bytes of the blocks held now */
    uint64_t peak_bytes;   /* the most bytes held at once */
    uint64_t blocks;       /* blocks held now */
    uint64_t allocations;  /* allocate and reallocate calls served */
    uint64_t failures;     /* calls refused: beyond the limit, or malloc failed */
    uint64_t limit;        /* the limit in bytes, 0 for none */
} vsag_allocator_stats_t;

/**
 * vsag_counting_allocator_new fills *out with an allocator over malloc, realloc and free that
 * counts the bytes it holds and refuses (returns NULL from allocate or reallocate, so the write
 * that needed the memory fails with VSAG_NO_ENOUGH_MEMORY and stores nothing) growth beyond
 * limit bytes (0: no limit); name (may be NULL) is copied. Hand it to vsag_index_set_allocator
 * (any number of indexes) and read it with vsag_counting_allocator_stats. It makes no callback
 * into the caller, so bindings whose language cannot be called from library threads use it.
 * Its state (a few dozen bytes) lives for the process; *out may be copied freely.
 * Returns: 0, VSAG_INVALID_ARGUMENT (out NULL) or VSAG_NO_ENOUGH_MEMORY. Thread-safety: any
 * thread; the allocator itself is thread-safe.
 */
int vsag_counting_allocator_new(const char* name, uint64_t limit, vsag_allocator_t* out);

/**
 * vsag_counting_allocator_stats stores allocator's counters in *out.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (out NULL, or allocator not made by
 * vsag_counting_allocator_new).
 */
int vsag_counting_allocator_stats(const vsag_allocator_t* allocator, vsag_allocator_stats_t* out);

/**
 * vsag_counting_allocator_set_limit changes allocator's limit (0: none); blocks held beyond a
 * lower limit stay, later growth is refused.
 * Returns: 0, or VSAG_INVALID_ARGUMENT (not made by vsag_counting_allocator_new).
 */
int vsag_counting_allocator_set_limit(const vsag_allocator_t* allocator, uint64_t limit);

/**
 * vsag_set_option sets a global option (VSAG's Options): "num_threads_building" (1..200,
 * default 4: threads one build or add uses, also capped by the CPUs and the index's
 * build_thread_count), "num_threads_io" (1..200, default 8: concurrent reads of one search on a
 * disk-resident store), "block_size_limit" (bytes, at least 262144, default 134217728: the most
 * a store allocates beyond what it needs when it grows), "concurrency_limit" (the most threads
 * any one call of the library runs work on, in place of VSAG's thread pool size; 0, the
 * default, for no limit).
 * Returns: 0, or VSAG_INVALID_ARGUMENT (NULL or unknown name, value out of range).
 * Thread-safety: any thread; calls already running keep the value they started with.
 */
int vsag_set_option(const char* name, int64_t value);

/** vsag_get_option stores a global option's value in *out (see vsag_set_option). */
int vsag_get_option(const char* name, int64_t* out);

/**
 * vsag_log_fn receives one log message at level (VSAG_LOG_TRACE..VSAG_LOG_CRITICAL); message
 * is valid during the call only. It is called from library threads, one call at a time, and
 * must not call the library.
 */
typedef void (*vsag_log_fn)(int level, const char* message, void* user_data);

/**
 * vsag_set_logger makes fn receive the library's messages at or above vsag_set_log_level's
 * level (NULL: drop them, the default). The library logs writes and loads (debug, info),
 * refusals such as a memory budget's (warn) and cancellations (info).
 * Returns: 0. Thread-safety: any thread.
 */
int vsag_set_logger(vsag_log_fn fn, void* user_data);

/**
 * vsag_progress_fn receives the progress of a long operation: op is "build", "add", "train" or
 * "load", done of total units (vectors; bytes for a load, total 0 when the input's size is not
 * known in advance, as for a stream). It is called from library threads, one call at a time:
 * first with done 0, then about every 1% of the work, and last with done == total when the
 * operation succeeds. A non-zero return cancels the operation where nothing is lost: a load at
 * any point (the index stays empty), a build, add or train at its first call, before anything
 * changes; the operation then fails with VSAG_UNKNOWN_ERROR and a message saying it was
 * cancelled. Later non-zero returns of a build, add or train are ignored. It must not call the
 * library on the same index.
 */
typedef int (*vsag_progress_fn)(const char* op, uint64_t done, uint64_t total, void* user_data);

/**
 * vsag_index_set_progress makes fn receive the progress of index's builds, adds, trains and
 * loads (NULL: none).
 * Returns: 0, or VSAG_INVALID_ARGUMENT (NULL or destroyed handle). Thread-safety: any thread.
 */
int vsag_index_set_progress(vsag_index_t index, vsag_progress_fn fn, void* user_data);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* VSAG_H */

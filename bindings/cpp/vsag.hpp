// vsag.hpp - header-only C++17 wrapper over the C interface of vsag-go (include/vsag.h).
//
// Code shaped like VSAG's C++ quickstart works with it:
//
//   auto base = vsag::Dataset::Make();
//   base->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->Owner(false);
//   auto index = vsag::Factory::CreateIndex("hgraph", build_params).value();
//   if (auto r = index->Build(base); !r.has_value()) { std::cerr << r.error().message; }
//   auto result = index->KnnSearch(query, 10, R"({"hgraph":{"ef_search":100}})").value();
//   for (int64_t i = 0; i < result->GetDim(); ++i) use(result->GetIds()[i], result->GetDistances()[i]);
//
// Results are vsag::expected<T>: has_value()/value()/error(), where value() on an error throws
// vsag::Exception (a std::runtime_error carrying the code). Handles are released by destructors.
// Thread-safety is that of the C functions (see vsag.h): one Index may be searched from many
// threads at once; Dataset and Bitset objects must not be modified while another thread reads them.
// Link with -lvsag.
#ifndef VSAG_HPP
#define VSAG_HPP

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <istream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vsag.h"

namespace vsag {

/// ErrorType mirrors VSAG's vsag::ErrorType; its values are the positive VSAG codes.
enum class ErrorType : int {
    UNKNOWN_ERROR = 1,
    INTERNAL_ERROR = 2,
    INVALID_ARGUMENT = 3,
    WRONG_STATUS = 4,
    BUILD_TWICE = 5,
    INDEX_NOT_EMPTY = 6,
    UNSUPPORTED_INDEX = 7,
    UNSUPPORTED_INDEX_OPERATION = 8,
    DIMENSION_NOT_EQUAL = 9,
    INDEX_EMPTY = 10,
    NO_ENOUGH_MEMORY = 11,
    READ_ERROR = 12,
    MISSING_FILE = 13,
    INVALID_BINARY = 14,
};

/// Error is the error half of an expected: the type and the library's message.
struct Error {
    ErrorType type{ErrorType::UNKNOWN_ERROR};
    std::string message;

    /// code returns the C status code (negative).
    int code() const { return -static_cast<int>(type); }
};

/// Exception is thrown by expected<T>::value() on an error, and by constructors that cannot fail
/// otherwise.
class Exception : public std::runtime_error {
public:
    explicit Exception(Error e) : std::runtime_error(e.message), error_(std::move(e)) {}
    /// type returns the VSAG error type.
    ErrorType type() const { return error_.type; }
    /// code returns the C status code (negative).
    int code() const { return error_.code(); }
    /// error returns the error.
    const Error& error() const { return error_; }

private:
    Error error_;
};

namespace detail {
inline Error last_error(int rc) {
    Error e;
    e.type = static_cast<ErrorType>(rc < 0 ? -rc : rc);
    e.message = vsag_last_error();
    return e;
}
inline Error from_c(const Error_t& err) {
    Error e;
    e.type = static_cast<ErrorType>(err.code < 0 ? -err.code : err.code);
    e.message = err.message;
    return e;
}
inline void check(int rc) {
    if (rc != VSAG_SUCCESS) throw Exception(last_error(rc));
}
}  // namespace detail

/// expected holds a T or an Error, like VSAG's tl::expected<T, Error>.
template <typename T>
class expected {
public:
    expected(T v) : ok_(true), value_(std::move(v)) {}
    expected(Error e) : ok_(false), error_(std::move(e)) {}

    bool has_value() const { return ok_; }
    explicit operator bool() const { return ok_; }
    /// value returns the value, or throws Exception on an error.
    T& value() & {
        if (!ok_) throw Exception(error_);
        return value_;
    }
    const T& value() const& {
        if (!ok_) throw Exception(error_);
        return value_;
    }
    T&& value() && {
        if (!ok_) throw Exception(error_);
        return std::move(value_);
    }
    T& operator*() { return value(); }
    T* operator->() { return &value(); }
    /// error returns the error (meaningful only when !has_value()).
    const Error& error() const { return error_; }

private:
    bool ok_;
    T value_{};
    Error error_;
};

/// expected<void> holds nothing or an Error.
template <>
class expected<void> {
public:
    expected() = default;
    expected(Error e) : ok_(false), error_(std::move(e)) {}
    bool has_value() const { return ok_; }
    explicit operator bool() const { return ok_; }
    void value() const {
        if (!ok_) throw Exception(error_);
    }
    const Error& error() const { return error_; }

private:
    bool ok_{true};
    Error error_;
};

namespace detail {
template <typename T>
expected<T> fail(int rc) {
    return expected<T>(last_error(rc));
}
}  // namespace detail

/// init exists for source compatibility with VSAG; the library needs no initialisation.
inline bool init() { return true; }

/// version returns the library version.
inline std::string version() { return vsag_version(); }

/// IndexFeature lists the capability flags with VSAG's IndexFeature numbering (the values of
/// vsag.h's vsag_feature_t, 1 NEED_TRAIN .. 54 SUPPORT_ANALYZE_INDEX_BY_SEARCH).
enum IndexFeature : int {
    NEED_TRAIN = VSAG_FEATURE_NEED_TRAIN,
    SUPPORT_BUILD = VSAG_FEATURE_SUPPORT_BUILD,
    SUPPORT_ADD_AFTER_BUILD = VSAG_FEATURE_SUPPORT_ADD_AFTER_BUILD,
    SUPPORT_ADD_FROM_EMPTY = VSAG_FEATURE_SUPPORT_ADD_FROM_EMPTY,
    SUPPORT_KNN_SEARCH = VSAG_FEATURE_SUPPORT_KNN_SEARCH,
    SUPPORT_KNN_SEARCH_WITH_ID_FILTER = VSAG_FEATURE_SUPPORT_KNN_SEARCH_WITH_ID_FILTER,
    SUPPORT_RANGE_SEARCH = VSAG_FEATURE_SUPPORT_RANGE_SEARCH,
    SUPPORT_RANGE_SEARCH_WITH_ID_FILTER = VSAG_FEATURE_SUPPORT_RANGE_SEARCH_WITH_ID_FILTER,
    SUPPORT_KNN_ITERATOR_FILTER_SEARCH = VSAG_FEATURE_SUPPORT_KNN_ITERATOR_FILTER_SEARCH,
    SUPPORT_DELETE_BY_ID = VSAG_FEATURE_SUPPORT_DELETE_BY_ID,
    SUPPORT_BATCH_SEARCH = VSAG_FEATURE_SUPPORT_BATCH_SEARCH,
    SUPPORT_METRIC_TYPE_L2 = VSAG_FEATURE_SUPPORT_METRIC_TYPE_L2,
    SUPPORT_METRIC_TYPE_INNER_PRODUCT = VSAG_FEATURE_SUPPORT_METRIC_TYPE_INNER_PRODUCT,
    SUPPORT_METRIC_TYPE_COSINE = VSAG_FEATURE_SUPPORT_METRIC_TYPE_COSINE,
    SUPPORT_SERIALIZE_FILE = VSAG_FEATURE_SUPPORT_SERIALIZE_FILE,
    SUPPORT_SERIALIZE_BINARY_SET = VSAG_FEATURE_SUPPORT_SERIALIZE_BINARY_SET,
    SUPPORT_SERIALIZE_WRITE_FUNC = VSAG_FEATURE_SUPPORT_SERIALIZE_WRITE_FUNC,
    SUPPORT_DESERIALIZE_FILE = VSAG_FEATURE_SUPPORT_DESERIALIZE_FILE,
    SUPPORT_DESERIALIZE_BINARY_SET = VSAG_FEATURE_SUPPORT_DESERIALIZE_BINARY_SET,
    SUPPORT_DESERIALIZE_READER_SET = VSAG_FEATURE_SUPPORT_DESERIALIZE_READER_SET,
    SUPPORT_RESET = VSAG_FEATURE_SUPPORT_RESET,
    SUPPORT_FEEDBACK = VSAG_FEATURE_SUPPORT_FEEDBACK,
    SUPPORT_CAL_DISTANCE_BY_ID = VSAG_FEATURE_SUPPORT_CAL_DISTANCE_BY_ID,
    SUPPORT_TRAIN_WITH_MULTI_THREAD = VSAG_FEATURE_SUPPORT_TRAIN_WITH_MULTI_THREAD,
    SUPPORT_BUILD_WITH_MULTI_THREAD = VSAG_FEATURE_SUPPORT_BUILD_WITH_MULTI_THREAD,
    SUPPORT_BATCH_ADD_WITH_MULTI_THREAD = VSAG_FEATURE_SUPPORT_BATCH_ADD_WITH_MULTI_THREAD,
    SUPPORT_SEARCH_ONE_WITH_MULTI_THREAD = VSAG_FEATURE_SUPPORT_SEARCH_ONE_WITH_MULTI_THREAD,
    SUPPORT_BATCH_SEARCH_WITH_MULTI_THREAD = VSAG_FEATURE_SUPPORT_BATCH_SEARCH_WITH_MULTI_THREAD,
    SUPPORT_ADD_CONCURRENT = VSAG_FEATURE_SUPPORT_ADD_CONCURRENT,
    SUPPORT_UPDATE_ID_CONCURRENT = VSAG_FEATURE_SUPPORT_UPDATE_ID_CONCURRENT,
    SUPPORT_UPDATE_VECTOR_CONCURRENT = VSAG_FEATURE_SUPPORT_UPDATE_VECTOR_CONCURRENT,
    SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT = VSAG_FEATURE_SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT,
    SUPPORT_SEARCH_CONCURRENT = VSAG_FEATURE_SUPPORT_SEARCH_CONCURRENT,
    SUPPORT_DELETE_CONCURRENT = VSAG_FEATURE_SUPPORT_DELETE_CONCURRENT,
    SUPPORT_ADD_SEARCH_CONCURRENT = VSAG_FEATURE_SUPPORT_ADD_SEARCH_CONCURRENT,
    SUPPORT_ADD_DELETE_CONCURRENT = VSAG_FEATURE_SUPPORT_ADD_DELETE_CONCURRENT,
    SUPPORT_SEARCH_DELETE_CONCURRENT = VSAG_FEATURE_SUPPORT_SEARCH_DELETE_CONCURRENT,
    SUPPORT_ADD_SEARCH_DELETE_CONCURRENT = VSAG_FEATURE_SUPPORT_ADD_SEARCH_DELETE_CONCURRENT,
    SUPPORT_ESTIMATE_MEMORY = VSAG_FEATURE_SUPPORT_ESTIMATE_MEMORY,
    SUPPORT_GET_MEMORY_USAGE = VSAG_FEATURE_SUPPORT_GET_MEMORY_USAGE,
    SUPPORT_CHECK_ID_EXIST = VSAG_FEATURE_SUPPORT_CHECK_ID_EXIST,
    SUPPORT_MERGE_INDEX = VSAG_FEATURE_SUPPORT_MERGE_INDEX,
    SUPPORT_GET_EXTRA_INFO_BY_ID = VSAG_FEATURE_SUPPORT_GET_EXTRA_INFO_BY_ID,
    SUPPORT_GET_RAW_VECTOR_BY_IDS = VSAG_FEATURE_SUPPORT_GET_RAW_VECTOR_BY_IDS,
    SUPPORT_GET_DATA_BY_IDS = VSAG_FEATURE_SUPPORT_GET_DATA_BY_IDS,
    SUPPORT_EXPORT_IDS = VSAG_FEATURE_SUPPORT_EXPORT_IDS,
    SUPPORT_KNN_SEARCH_WITH_EX_FILTER = VSAG_FEATURE_SUPPORT_KNN_SEARCH_WITH_EX_FILTER,
    SUPPORT_CLONE = VSAG_FEATURE_SUPPORT_CLONE,
    SUPPORT_EXPORT_MODEL = VSAG_FEATURE_SUPPORT_EXPORT_MODEL,
    SUPPORT_TUNE = VSAG_FEATURE_SUPPORT_TUNE,
    SUPPORT_BATCH_CALC_DISTANCE_BY_ID = VSAG_FEATURE_SUPPORT_BATCH_CALC_DISTANCE_BY_ID,
    SUPPORT_CONTINUE_SEARCH_SESSION = VSAG_FEATURE_SUPPORT_CONTINUE_SEARCH_SESSION,
    SUPPORT_GET_STATS = VSAG_FEATURE_SUPPORT_GET_STATS,
    SUPPORT_ANALYZE_INDEX_BY_SEARCH = VSAG_FEATURE_SUPPORT_ANALYZE_INDEX_BY_SEARCH,
};

class Dataset;
class Bitset;
class Index;
/// DatasetPtr is how datasets are held, as in VSAG.
using DatasetPtr = std::shared_ptr<Dataset>;
/// BitsetPtr is how bitsets are held.
using BitsetPtr = std::shared_ptr<Bitset>;
/// IndexPtr is how indexes are held.
using IndexPtr = std::shared_ptr<Index>;

/// IdMapFunction maps a label of a merged index to the label it takes in the target: {true, to}
/// merges it as to, {false, ignored} leaves it out (VSAG's type).
using IdMapFunction = std::function<std::tuple<bool, int64_t>(int64_t)>;

/// MergeUnit is one source of Index::Merge: an index sharing the target's trained model (see
/// Index::ExportModel) and at most one of two forms of map of its labels:
///   - id_map: a map {from: to}; labels it does not name are left out;
///   - id_map_func: VSAG's form, asked for every live label of the source (read with
///     ExportIDs before the merge; labels added to the source meanwhile are left out).
/// With neither, the labels are merged as they are.
struct MergeUnit {
    IndexPtr index;
    IdMapFunction id_map_func{nullptr};
    std::optional<std::unordered_map<int64_t, int64_t>> id_map{std::nullopt};
};

/// Dataset carries vectors in and results out. Setters chain and store pointers without
/// copying: the arrays must outlive the dataset's use unless Owner(true) hands them over (then
/// they are freed with free(), so they must come from malloc).
class Dataset : public std::enable_shared_from_this<Dataset> {
public:
    /// Make returns an empty dataset.
    static DatasetPtr Make() {
        vsag_dataset_t h = nullptr;
        detail::check(vsag_dataset_make(&h));
        return DatasetPtr(new Dataset(h));
    }
    ~Dataset() { vsag_dataset_destroy(h_); }
    Dataset(const Dataset&) = delete;
    Dataset& operator=(const Dataset&) = delete;

    DatasetPtr Owner(bool is_owner) { return set(vsag_dataset_set_owner(h_, is_owner)); }
    DatasetPtr NumElements(int64_t n) { return set(vsag_dataset_set_num_elements(h_, n)); }
    DatasetPtr Dim(int64_t d) { return set(vsag_dataset_set_dim(h_, d)); }
    DatasetPtr Ids(const int64_t* ids) { return set(vsag_dataset_set_ids(h_, ids)); }
    DatasetPtr Distances(const float* d) { return set(vsag_dataset_set_distances(h_, d)); }
    DatasetPtr Float32Vectors(const float* v) { return set(vsag_dataset_set_float32_vectors(h_, v)); }
    /// Float16Vectors attaches IEEE half-precision bits.
    DatasetPtr Float16Vectors(const uint16_t* v) { return set(vsag_dataset_set_float16_vectors(h_, v)); }
    /// BFloat16Vectors attaches bfloat16 bits.
    DatasetPtr BFloat16Vectors(const uint16_t* v) { return set(vsag_dataset_set_bfloat16_vectors(h_, v)); }
    DatasetPtr Int8Vectors(const int8_t* v) { return set(vsag_dataset_set_int8_vectors(h_, v)); }
    DatasetPtr ExtraInfos(const char* e) { return set(vsag_dataset_set_extra_infos(h_, e)); }
    DatasetPtr ExtraInfoSize(int64_t s) { return set(vsag_dataset_set_extra_info_size(h_, s)); }
    /// Attributes attaches one attribute object per row as a JSON array (null for a row without
    /// any), e.g. [{"color":"red","price":3,"tags":["a","b"]}, null]; the string is copied.
    DatasetPtr Attributes(const std::string& json) { return set(vsag_dataset_set_attributes(h_, json.c_str())); }
    /// SparseVectors attaches NumElements sparse rows in CSR form: row i's term ids are
    /// term_ids[offsets[i], offsets[i+1]) (sorted, unique) with their weights in values;
    /// offsets holds NumElements+1 entries ending at nnz. Borrowed (or owned, see Owner).
    DatasetPtr SparseVectors(const int64_t* offsets, const uint32_t* term_ids, const float* values, uint64_t nnz) {
        return set(vsag_dataset_set_sparse_vectors(h_, offsets, term_ids, values, nnz));
    }
    /// VectorCounts makes the rows multi-vector documents: row i is counts[i] sub-vectors of Dim
    /// floats in Float32Vectors, num_vectors of them in all. Borrowed (or owned, see Owner).
    DatasetPtr VectorCounts(const int64_t* counts, uint64_t num_vectors) {
        return set(vsag_dataset_set_vector_counts(h_, counts, num_vectors));
    }
    /// Paths gives each row a path such as "tenant/shop/item" (pyramid indexes); copied.
    DatasetPtr Paths(const std::vector<std::string>& paths) {
        std::vector<const char*> p;
        p.reserve(paths.size());
        for (const auto& x : paths) p.push_back(x.c_str());
        return set(vsag_dataset_set_paths(h_, p.data(), p.size()));
    }
    /// Paths(hierarchy, paths) gives each row its path in the named hierarchy of a pyramid index
    /// created with "hierarchies" (VSAG's Dataset::Paths(name, paths)); copied. Each hierarchy
    /// keeps its own list. As a search request's query dataset (SearchRequest::Query), the
    /// first path of each list is the query's path in that hierarchy.
    DatasetPtr Paths(const std::string& hierarchy, const std::vector<std::string>& paths) {
        std::vector<const char*> p;
        p.reserve(paths.size());
        for (const auto& x : paths) p.push_back(x.c_str());
        return set(vsag_dataset_set_hierarchy_paths(h_, hierarchy.c_str(), p.data(), p.size()));
    }
    /// HierarchyPaths sets the paths of several hierarchies at once, as Paths(name, list) for
    /// each entry.
    DatasetPtr HierarchyPaths(const std::map<std::string, std::vector<std::string>>& paths) {
        for (const auto& kv : paths) Paths(kv.first, kv.second);
        return shared_from_this();
    }

    int64_t GetNumElements() const { return get_int(vsag_dataset_get_num_elements); }
    int64_t GetDim() const { return get_int(vsag_dataset_get_dim); }
    int64_t GetExtraInfoSize() const { return get_int(vsag_dataset_get_extra_info_size); }
    const int64_t* GetIds() const { return get_ptr<int64_t>(vsag_dataset_get_ids); }
    const float* GetDistances() const { return get_ptr<float>(vsag_dataset_get_distances); }
    const float* GetFloat32Vectors() const { return get_ptr<float>(vsag_dataset_get_float32_vectors); }
    const uint16_t* GetFloat16Vectors() const { return get_ptr<uint16_t>(vsag_dataset_get_float16_vectors); }
    const uint16_t* GetBFloat16Vectors() const { return get_ptr<uint16_t>(vsag_dataset_get_bfloat16_vectors); }
    const int8_t* GetInt8Vectors() const { return get_ptr<int8_t>(vsag_dataset_get_int8_vectors); }
    const char* GetExtraInfos() const { return get_ptr<char>(vsag_dataset_get_extra_infos); }
    /// SparseView is the CSR arrays of a sparse dataset (null pointers when none).
    struct SparseView {
        const int64_t* offsets{nullptr};
        const uint32_t* term_ids{nullptr};
        const float* values{nullptr};
        uint64_t nnz{0};
    };
    SparseView GetSparseVectors() const {
        SparseView v;
        detail::check(vsag_dataset_get_sparse_vectors(h_, &v.offsets, &v.term_ids, &v.values, &v.nnz));
        return v;
    }
    /// GetVectorCounts returns the multi-vector counts (null when none); num_vectors receives
    /// their sum as declared.
    const int64_t* GetVectorCounts(uint64_t* num_vectors = nullptr) const {
        const int64_t* c = nullptr;
        uint64_t n = 0;
        detail::check(vsag_dataset_get_vector_counts(h_, &c, &n));
        if (num_vectors != nullptr) *num_vectors = n;
        return c;
    }
    /// GetPaths returns a copy of the attached paths (empty when none).
    std::vector<std::string> GetPaths() const {
        uint64_t n = 0;
        detail::check(vsag_dataset_get_num_paths(h_, &n));
        std::vector<std::string> out;
        for (uint64_t i = 0; i < n; ++i) {
            uint64_t len = 0;
            detail::check(vsag_dataset_get_path(h_, i, nullptr, 0, &len));
            std::string p(static_cast<size_t>(len) + 1, '\0');
            detail::check(vsag_dataset_get_path(h_, i, &p[0], p.size(), &len));
            p.resize(static_cast<size_t>(len));
            out.push_back(std::move(p));
        }
        return out;
    }
    /// GetPaths(hierarchy) returns a copy of the paths attached for the named hierarchy
    /// (empty when none).
    std::vector<std::string> GetPaths(const std::string& hierarchy) const {
        uint64_t n = 0;
        detail::check(vsag_dataset_get_num_hierarchy_paths(h_, hierarchy.c_str(), &n));
        std::vector<std::string> out;
        for (uint64_t i = 0; i < n; ++i) {
            uint64_t len = 0;
            detail::check(vsag_dataset_get_hierarchy_path(h_, hierarchy.c_str(), i, nullptr, 0, &len));
            std::string p(static_cast<size_t>(len) + 1, '\0');
            detail::check(vsag_dataset_get_hierarchy_path(h_, hierarchy.c_str(), i, &p[0], p.size(), &len));
            p.resize(static_cast<size_t>(len));
            out.push_back(std::move(p));
        }
        return out;
    }
    /// GetStatistics returns the search statistics JSON of a result ("" otherwise).
    std::string GetStatistics() const {
        const char* s = get_ptr<char>(vsag_dataset_get_statistics);
        return s ? s : "";
    }

    /// handle returns the C handle (owned by this object).
    vsag_dataset_t handle() const { return h_; }

private:
    friend class Index;
    explicit Dataset(vsag_dataset_t h) : h_(h) {}
    DatasetPtr set(int rc) {
        detail::check(rc);
        return shared_from_this();
    }
    int64_t get_int(int (*fn)(vsag_dataset_t, int64_t*)) const {
        int64_t v = 0;
        detail::check(fn(h_, &v));
        return v;
    }
    template <typename T>
    const T* get_ptr(int (*fn)(vsag_dataset_t, const T**)) const {
        const T* p = nullptr;
        detail::check(fn(h_, &p));
        return p;
    }
    vsag_dataset_t h_;
};

/// Bitset is a set of labels; used as a filter, a set bit EXCLUDES the label (VSAG's polarity).
class Bitset {
public:
    static BitsetPtr Make() {
        vsag_bitset_t h = nullptr;
        detail::check(vsag_bitset_make(&h));
        return BitsetPtr(new Bitset(h));
    }
    ~Bitset() { vsag_bitset_destroy(h_); }
    Bitset(const Bitset&) = delete;
    Bitset& operator=(const Bitset&) = delete;

    void Set(int64_t pos, bool value = true) { detail::check(vsag_bitset_set(h_, pos, value)); }
    void Set(const std::vector<int64_t>& pos, bool value = true) {
        detail::check(vsag_bitset_set_many(h_, pos.data(), pos.size(), value));
    }
    bool Test(int64_t pos) const {
        bool b = false;
        detail::check(vsag_bitset_test(h_, pos, &b));
        return b;
    }
    uint64_t Count() const {
        uint64_t n = 0;
        detail::check(vsag_bitset_count(h_, &n));
        return n;
    }
    void Clear() { detail::check(vsag_bitset_clear(h_)); }
    vsag_bitset_t handle() const { return h_; }

private:
    explicit Bitset(vsag_bitset_t h) : h_(h) {}
    vsag_bitset_t h_;
};

/// SearchReason tells what became of an expected label (vsag_search_reason_t).
enum class SearchReason : int32_t {
    FOUND = VSAG_REASON_FOUND,            ///< in the result
    ABSENT = VSAG_REASON_ABSENT,          ///< not live in the index
    FILTERED = VSAG_REASON_FILTERED,      ///< excluded by the bitset, a filter or the expression
    BEYOND_K = VSAG_REASON_BEYOND_K,      ///< farther than the last result: an exact search agrees
    NOT_REACHED = VSAG_REASON_NOT_REACHED ///< an exact search returns it; the index did not reach it
};

/// Explanation is the fate of one expected label; distance is NaN when unknown.
struct Explanation {
    int64_t label{0};
    float distance{0};
    SearchReason reason{SearchReason::ABSENT};
};

/// SearchResult is the answer of Index::Search: the results ascending by distance, their extra
/// infos (ids.size() * extra_info_size bytes, for indexes created with extra_info_size), and
/// one Explanation per expected label, in the request's order.
struct SearchResult {
    std::vector<int64_t> ids;
    std::vector<float> distances;
    std::vector<char> extra_infos;
    std::vector<Explanation> expected;
};

/// SearchRequest describes one search (VSAG's SearchRequest) for Index::Search: a knn or range
/// search of one query (dense, multi-vector, sparse or the first row of a Dataset, optionally
/// with a path), with a bitset, keep/exclude functions, a vsag_filter_t and an attribute
/// expression, all ANDed; ivf bucket ids; labels to explain. Setters chain. Strings, id lists,
/// functions and Dataset/Bitset pointers are held by the request; the query arrays and a
/// vsag_filter_t are borrowed and must outlive the search. The request may be copied and reused.
class SearchRequest {
public:
    /// Knn starts a knn search for the k nearest neighbours.
    static SearchRequest Knn(int64_t k) {
        SearchRequest r;
        r.mode_ = VSAG_SEARCH_KNN;
        r.topk_ = k;
        return r;
    }
    /// Range starts a range search: every neighbour within radius, at most limited_size (-1 or
    /// 0: no cap).
    static SearchRequest Range(float radius, int64_t limited_size = -1) {
        SearchRequest r;
        r.mode_ = VSAG_SEARCH_RANGE;
        r.radius_ = radius;
        r.limited_ = limited_size;
        return r;
    }

    /// Query sets one dense query of dim elements of type dtype (borrowed).
    SearchRequest& Query(const void* vector, uint64_t dim, vsag_dtype_t dtype = VSAG_DTYPE_FLOAT32) {
        clear_query();
        query_ = vector;
        dim_ = dim;
        dtype_ = dtype;
        return *this;
    }
    /// MultiVectorQuery sets a multi-vector query: count sub-vectors of dim floats (borrowed).
    SearchRequest& MultiVectorQuery(const float* vectors, uint64_t count, uint64_t dim) {
        clear_query();
        query_ = vectors;
        dim_ = dim;
        count_ = count;
        return *this;
    }
    /// SparseQuery sets one sparse query row: nnz sorted, unique term ids and their weights
    /// (borrowed).
    SearchRequest& SparseQuery(const uint32_t* term_ids, const float* values, uint64_t nnz) {
        clear_query();
        dtype_ = VSAG_DTYPE_SPARSE;
        term_ids_ = term_ids;
        term_values_ = values;
        nnz_ = nnz;
        return *this;
    }
    /// Query sets the first row of a dataset (of any kind, with its path) as the query.
    SearchRequest& Query(const DatasetPtr& dataset) {
        clear_query();
        dataset_ = dataset;
        return *this;
    }
    /// Path sets the query's path (pyramid indexes) for the vector forms.
    SearchRequest& Path(const std::string& path) {
        path_ = path;
        has_path_ = true;
        return *this;
    }
    SearchRequest& TopK(int64_t k) {
        topk_ = k;
        return *this;
    }
    SearchRequest& Radius(float radius) {
        radius_ = radius;
        return *this;
    }
    SearchRequest& LimitedSize(int64_t limited_size) {
        limited_ = limited_size;
        return *this;
    }
    /// Parameters sets the search JSON, e.g. {"hgraph":{"ef_search":100}}.
    SearchRequest& Parameters(const std::string& json) {
        params_ = json;
        return *this;
    }
    /// Invalid sets a bitset whose set bits EXCLUDE labels.
    SearchRequest& Invalid(const BitsetPtr& bitset) {
        invalid_ = bitset;
        return *this;
    }
    /// KeepIf keeps only labels for which keep returns true (VSAG's Filter::CheckValid
    /// polarity). Called from search threads once per candidate: it must be thread-safe.
    SearchRequest& KeepIf(std::function<bool(int64_t)> keep) {
        keep_ = std::move(keep);
        return *this;
    }
    /// ExcludeIf leaves out labels for which exclude returns true (the polarity of
    /// Index::KnnSearch's std::function filter).
    SearchRequest& ExcludeIf(std::function<bool(int64_t)> exclude) {
        if (!exclude) {
            keep_ = nullptr;
            return *this;
        }
        keep_ = [f = std::move(exclude)](int64_t id) { return !f(id); };
        return *this;
    }
    /// KeepExtraInfoIf keeps only labels whose stored extra info keep accepts (true keeps; it
    /// receives the extra_info_size bytes, valid only during the call). Only for an index with
    /// extra info (others fail with UNSUPPORTED_INDEX_OPERATION). Called from search threads
    /// once per candidate: it must be thread-safe. ANDed with every other filter, including a
    /// FilterSpec's own keep_extra_info.
    SearchRequest& KeepExtraInfoIf(std::function<bool(const uint8_t*, uint64_t)> keep) {
        keep_extra_ = std::move(keep);
        return *this;
    }
    /// FilterSpec sets a vsag_filter_t (masks, excluded ids, bitset, callback); borrowed.
    SearchRequest& FilterSpec(const vsag_filter_t* filter) {
        spec_ = filter;
        return *this;
    }
    /// FilterExpr sets an attribute filter expression such as `color = "red" AND price < 10`.
    SearchRequest& FilterExpr(const std::string& expr) {
        expr_ = expr;
        return *this;
    }
    /// BucketIds names the buckets an ivf index scans (other index types refuse them).
    SearchRequest& BucketIds(std::vector<int64_t> ids) {
        buckets_ = std::move(ids);
        has_buckets_ = true;
        return *this;
    }
    /// ExpectedLabels asks the search to explain what became of these labels.
    SearchRequest& ExpectedLabels(std::vector<int64_t> labels) {
        expected_ = std::move(labels);
        return *this;
    }

    int32_t mode() const { return mode_; }
    int64_t topk() const { return topk_; }
    int64_t limited_size() const { return limited_; }
    size_t num_expected() const { return expected_.size(); }

    /// c returns the C request pointing into this object (valid while it lives unchanged).
    vsag_search_request_t c() const {
        vsag_search_request_t r = VSAG_SEARCH_REQUEST_INIT;
        r.mode = mode_;
        r.query_dtype = dtype_;
        r.query = query_;
        r.query_dim = dim_;
        r.query_vector_count = count_;
        r.query_term_ids = term_ids_;
        r.query_term_values = term_values_;
        r.query_nnz = nnz_;
        r.query_dataset = dataset_ ? dataset_->handle() : nullptr;
        r.query_path = has_path_ ? path_.c_str() : nullptr;
        r.topk = topk_;
        r.radius = radius_;
        r.limited_size = limited_;
        r.parameters = params_.c_str();
        r.invalid = invalid_ ? invalid_->handle() : nullptr;
        if (keep_) {
            r.filter = &call_keep;
            r.filter_ctx = const_cast<std::function<bool(int64_t)>*>(&keep_);
        }
        r.filter_spec = spec_;
        if (keep_extra_) {
            // The request's own spec: a copy of the borrowed one (the part its struct_size
            // covers) plus the extra-info callback, chained to the borrowed one's if it has one.
            own_spec_ = vsag_filter_t VSAG_FILTER_INIT;
            if (spec_ != nullptr) {
                size_t n = spec_->struct_size < sizeof(vsag_filter_t) ? spec_->struct_size : sizeof(vsag_filter_t);
                std::memcpy(&own_spec_, spec_, n);
                own_spec_.struct_size = static_cast<uint32_t>(sizeof(vsag_filter_t));
                if (n < offsetof(vsag_filter_t, keep_extra_info_ctx) + sizeof(void*)) {
                    own_spec_.keep_extra_info = nullptr;
                    own_spec_.keep_extra_info_ctx = nullptr;
                }
            }
            inner_extra_ = own_spec_.keep_extra_info;
            inner_extra_ctx_ = own_spec_.keep_extra_info_ctx;
            own_spec_.keep_extra_info = &call_keep_extra;
            own_spec_.keep_extra_info_ctx = const_cast<SearchRequest*>(this);
            r.filter_spec = &own_spec_;
        }
        r.filter_expr = expr_.empty() ? nullptr : expr_.c_str();
        if (has_buckets_) {
            static const int64_t none = 0;
            r.bucket_ids = buckets_.empty() ? &none : buckets_.data();
            r.num_bucket_ids = buckets_.size();
        }
        r.expected_labels = expected_.empty() ? nullptr : expected_.data();
        r.num_expected_labels = expected_.size();
        return r;
    }

private:
    static bool call_keep(int64_t id, void* ctx) { return (*static_cast<std::function<bool(int64_t)>*>(ctx))(id); }
    static bool call_keep_extra(const uint8_t* info, uint64_t size, void* ctx) {
        const SearchRequest* self = static_cast<const SearchRequest*>(ctx);
        if (self->inner_extra_ != nullptr && !self->inner_extra_(info, size, self->inner_extra_ctx_)) return false;
        return self->keep_extra_(info, size);
    }
    void clear_query() {
        query_ = nullptr;
        dim_ = count_ = nnz_ = 0;
        dtype_ = VSAG_DTYPE_FLOAT32;
        term_ids_ = nullptr;
        term_values_ = nullptr;
        dataset_.reset();
    }

    int32_t mode_{VSAG_SEARCH_KNN};
    int32_t dtype_{VSAG_DTYPE_FLOAT32};
    const void* query_{nullptr};
    uint64_t dim_{0}, count_{0}, nnz_{0};
    const uint32_t* term_ids_{nullptr};
    const float* term_values_{nullptr};
    DatasetPtr dataset_;
    std::string path_;
    bool has_path_{false};
    int64_t topk_{0};
    float radius_{0};
    int64_t limited_{-1};
    std::string params_;
    BitsetPtr invalid_;
    std::function<bool(int64_t)> keep_;
    const vsag_filter_t* spec_{nullptr};
    std::function<bool(const uint8_t*, uint64_t)> keep_extra_;
    mutable vsag_filter_t own_spec_ = VSAG_FILTER_INIT;
    mutable vsag_extra_info_filter_fn inner_extra_{nullptr};
    mutable void* inner_extra_ctx_{nullptr};
    std::string expr_;
    std::vector<int64_t> buckets_;
    bool has_buckets_{false};
    std::vector<int64_t> expected_;
};

/// Index is an index of any type (VSAG's vsag::Index).
/// RemoveMode selects how Index::Remove takes ids out (VSAG's RemoveMode): MARK_REMOVE marks
/// them removed (fast, storage kept), FORCE_REMOVE takes them out of the index and reclaims
/// their storage.
enum class RemoveMode : int {
    MARK_REMOVE = VSAG_REMOVE_MARK,
    FORCE_REMOVE = VSAG_REMOVE_FORCE,
};

/// Allocator supplies the memory of an index's code stores, as VSAG's vsag::Allocator. Allocate
/// returns at least size bytes or nullptr; Deallocate frees a block of Allocate or Reallocate;
/// Reallocate resizes a block keeping its contents, or returns nullptr leaving it unchanged. The
/// methods are called from library threads and must be thread-safe. An allocator must outlive
/// every block it handed out: Deallocate may run after the index is destroyed (see
/// vsag_allocator_t), so keep it for the life of the process.
class Allocator {
public:
    virtual ~Allocator() = default;
    virtual std::string Name() = 0;
    virtual void* Allocate(uint64_t size) = 0;
    virtual void Deallocate(void* p) = 0;
    virtual void* Reallocate(void* p, uint64_t size) = 0;
};

/// ProgressFunction receives an operation's progress ("build", "add", "train", "load"; done of
/// total) and returns false to cancel it where nothing is lost (see vsag_progress_fn).
using ProgressFunction = std::function<bool(const std::string& op, uint64_t done, uint64_t total)>;

class Index {
public:
    /// Adopt wraps a C handle and takes ownership of it.
    static IndexPtr Adopt(vsag_index_t h) { return IndexPtr(new Index(h)); }

    /// LoadFile recreates an index from a file, with the parameters stored in it.
    static expected<IndexPtr> LoadFile(const std::string& path) {
        vsag_index_t h = nullptr;
        int rc = vsag_index_load_file(path.c_str(), &h);
        if (rc != VSAG_SUCCESS) return detail::fail<IndexPtr>(rc);
        return Adopt(h);
    }

    ~Index() { vsag_index_close(h_); }
    Index(const Index&) = delete;
    Index& operator=(const Index&) = delete;

    /// Build adds the first batch and returns the labels that could not be added.
    expected<std::vector<int64_t>> Build(const DatasetPtr& base) {
        return insert(base, vsag_index_build_dataset);
    }
    /// Add inserts a batch and returns the labels that could not be added.
    expected<std::vector<int64_t>> Add(const DatasetPtr& base) { return insert(base, vsag_index_add_dataset); }
    /// Train learns the quantizers without adding the vectors.
    expected<void> Train(const DatasetPtr& base) {
        int rc = vsag_index_train_dataset(h_, base ? base->handle() : nullptr);
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// Remove marks id removed; the value says whether it was present.
    expected<bool> Remove(int64_t id) {
        uint32_t n = 0;
        int rc = vsag_index_remove(h_, id, &n);
        if (rc != VSAG_SUCCESS) return detail::fail<bool>(rc);
        return n == 1;
    }
    /// Remove marks several ids removed and returns how many were present.
    expected<uint64_t> Remove(const std::vector<int64_t>& ids) {
        uint64_t n = 0;
        int rc = vsag_index_remove_many(h_, ids.data(), ids.size(), &n);
        if (rc != VSAG_SUCCESS) return detail::fail<uint64_t>(rc);
        return n;
    }
    /// Remove removes several ids with mode (VSAG's RemoveMode) and returns how many were
    /// removed. RemoveMode::FORCE_REMOVE takes them out and reclaims their storage for later
    /// adds (hgraph created with "support_force_remove": true; other index types return
    /// UNSUPPORTED_INDEX_OPERATION).
    expected<uint64_t> Remove(const std::vector<int64_t>& ids, RemoveMode mode) {
        uint64_t n = 0;
        int rc = vsag_index_remove_with_mode(h_, ids.data(), ids.size(), static_cast<int>(mode), &n);
        if (rc != VSAG_SUCCESS) return detail::fail<uint64_t>(rc);
        return n;
    }
    /// Remove removes one id with mode and reports whether it was present.
    expected<bool> Remove(int64_t id, RemoveMode mode) {
        uint64_t n = 0;
        int rc = vsag_index_remove_with_mode(h_, &id, 1, static_cast<int>(mode), &n);
        if (rc != VSAG_SUCCESS) return detail::fail<bool>(rc);
        return n == 1;
    }

    /// KnnSearch returns the k nearest neighbours of the first vector of query, skipping labels
    /// set in invalid.
    expected<DatasetPtr> KnnSearch(const DatasetPtr& query, int64_t k, const std::string& parameters,
                                   const BitsetPtr& invalid = nullptr) const {
        vsag_dataset_t r = nullptr;
        int rc = vsag_index_knn_search_dataset(h_, query ? query->handle() : nullptr, k, parameters.c_str(),
                                               invalid ? invalid->handle() : nullptr, &r);
        return result(rc, r);
    }
    /// KnnSearch with a function filter: it returns true to EXCLUDE a label (VSAG's C++
    /// std::function polarity). It is called once per candidate from search threads, so it
    /// must be thread-safe. The query's float32 vectors are used.
    expected<DatasetPtr> KnnSearch(const DatasetPtr& query, int64_t k, const std::string& parameters,
                                   const std::function<bool(int64_t)>& filter) const {
        vsag_filter_t f = VSAG_FILTER_INIT;
        f.keep = &keep_unless;
        f.keep_ctx = const_cast<std::function<bool(int64_t)>*>(&filter);
        const float* v = query ? query->GetFloat32Vectors() : nullptr;
        vsag_dataset_t r = nullptr;
        int rc = vsag_index_knn_search_vector(h_, v, VSAG_DTYPE_FLOAT32, query ? query->GetDim() : 0, k,
                                              parameters.c_str(), filter ? &f : nullptr, &r);
        return result(rc, r);
    }
    /// RangeSearch returns the neighbours within radius, at most limited_size (-1: no cap).
    expected<DatasetPtr> RangeSearch(const DatasetPtr& query, float radius, const std::string& parameters,
                                     const BitsetPtr& invalid = nullptr, int64_t limited_size = -1) const {
        vsag_dataset_t r = nullptr;
        int rc = vsag_index_range_search_dataset(h_, query ? query->handle() : nullptr, radius,
                                                 parameters.c_str(), invalid ? invalid->handle() : nullptr,
                                                 limited_size, &r);
        return result(rc, r);
    }
    /// Search runs one SearchRequest and returns every result (a range search whose results
    /// outgrow the first buffer is repeated with room for all of them), with extra infos when
    /// the index has them and the explanations of the request's expected labels.
    expected<SearchResult> Search(const SearchRequest& request) const {
        vsag_search_request_t r = request.c();
        uint64_t esize = ExtraInfoSize();
        uint64_t cap = 64;
        if (request.mode() == VSAG_SEARCH_KNN && request.topk() > 0) {
            uint64_t live = static_cast<uint64_t>(GetNumElements());
            cap = static_cast<uint64_t>(request.topk()) < live ? static_cast<uint64_t>(request.topk()) : live;
        } else if (request.mode() == VSAG_SEARCH_RANGE && request.limited_size() > 0 &&
                   static_cast<uint64_t>(request.limited_size()) < cap) {
            cap = static_cast<uint64_t>(request.limited_size());
        }
        SearchResult out;
        out.expected.resize(request.num_expected());
        std::vector<vsag_search_explanation_t> ex(request.num_expected());
        for (;;) {
            out.ids.resize(static_cast<size_t>(cap));
            out.distances.resize(static_cast<size_t>(cap));
            out.extra_infos.resize(static_cast<size_t>(cap * esize));
            uint64_t count = 0, total = 0;
            int rc = vsag_index_search_request(h_, &r, cap ? out.ids.data() : nullptr,
                                               cap ? out.distances.data() : nullptr,
                                               esize && cap ? out.extra_infos.data() : nullptr, cap, &count,
                                               &total, ex.empty() ? nullptr : ex.data());
            if (rc != VSAG_SUCCESS) return detail::fail<SearchResult>(rc);
            if (total <= cap) {
                out.ids.resize(static_cast<size_t>(count));
                out.distances.resize(static_cast<size_t>(count));
                out.extra_infos.resize(static_cast<size_t>(count * esize));
                break;
            }
            cap = total;  // the buffers were too small: again with room for every result
        }
        for (size_t i = 0; i < ex.size(); ++i) {
            out.expected[i].label = ex[i].label;
            out.expected[i].distance = ex[i].distance;
            out.expected[i].reason = static_cast<SearchReason>(ex[i].reason);
        }
        return out;
    }

    /// ExtraInfoSize returns the bytes of extra info stored per vector (0: none), read from the
    /// create parameters.
    uint64_t ExtraInfoSize() const {
        uint64_t n = 0;
        detail::check(vsag_index_get_parameters(h_, nullptr, 0, &n));
        std::string p(static_cast<size_t>(n) + 1, '\0');
        detail::check(vsag_index_get_parameters(h_, &p[0], p.size(), &n));
        const std::string key = "\"extra_info_size\"";
        size_t at = p.find(key);
        if (at == std::string::npos) return 0;
        at = p.find(':', at + key.size());
        if (at == std::string::npos) return 0;
        return std::strtoull(p.c_str() + at + 1, nullptr, 10);
    }

    /// BatchKnnSearch searches nq float32 queries into caller buffers of nq*k ids and
    /// distances (-1 / +inf padding), on all cores.
    expected<void> BatchKnnSearch(const float* queries, uint64_t nq, int64_t k, const std::string& parameters,
                                  int64_t* ids, float* dists, const vsag_filter_t* filter = nullptr) const {
        int rc = vsag_index_knn_search_batch(h_, queries, VSAG_DTYPE_FLOAT32, nq, static_cast<uint64_t>(GetDim()),
                                             k, parameters.c_str(), filter, ids, dists);
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }

    /// BatchKnnSearchWithFilterString is BatchKnnSearch that also applies an attribute filter
    /// expression such as `color = "red" AND price < 10` (empty: none); a label must satisfy it
    /// and be kept by filter.
    expected<void> BatchKnnSearchWithFilterString(const float* queries, uint64_t nq, int64_t k,
                                                  const std::string& parameters, const std::string& filter_expr,
                                                  int64_t* ids, float* dists,
                                                  const vsag_filter_t* filter = nullptr) const {
        int rc = vsag_index_knn_search_batch_with_filter_string(h_, queries, VSAG_DTYPE_FLOAT32, nq,
                                                                static_cast<uint64_t>(GetDim()), k,
                                                                parameters.c_str(), filter_expr.c_str(), filter,
                                                                ids, dists);
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }

    /// BatchKnnSearchMultiVector searches nq multi-vector queries (warp, simq indexes) for their
    /// k nearest documents, on all cores: query i is vector_counts[i] sub-vectors of the index
    /// dim, the sub-vectors of all queries concatenated in queries (num_vectors in all, the sum
    /// of the counts). Results go into caller buffers of nq*k ids and distances as
    /// BatchKnnSearch writes them; a label must satisfy filter_expr (empty: none) and be kept
    /// by filter.
    expected<void> BatchKnnSearchMultiVector(const float* queries, const int64_t* vector_counts, uint64_t nq,
                                             uint64_t num_vectors, int64_t k, const std::string& parameters,
                                             int64_t* ids, float* dists, const vsag_filter_t* filter = nullptr,
                                             const std::string& filter_expr = "") const {
        int rc = vsag_index_knn_search_multi_vector_batch(h_, queries, vector_counts, nq, num_vectors,
                                                          static_cast<uint64_t>(GetDim()), k, parameters.c_str(),
                                                          filter_expr.c_str(), filter, ids, dists);
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// BuildWithAttributes builds from count float32 vectors with labels ids and their
    /// attributes as a JSON array of count objects; returns the labels that could not be added.
    expected<std::vector<int64_t>> BuildWithAttributes(const float* vectors, const int64_t* ids, uint64_t count,
                                                       const std::string& attributes_json) {
        return insert_attrs(vsag_index_build_vectors_with_attributes, vectors, ids, count, attributes_json);
    }
    /// AddWithAttributes is the add form of BuildWithAttributes.
    expected<std::vector<int64_t>> AddWithAttributes(const float* vectors, const int64_t* ids, uint64_t count,
                                                     const std::string& attributes_json) {
        return insert_attrs(vsag_index_add_vectors_with_attributes, vectors, ids, count, attributes_json);
    }
    /// GetAttributes returns the attributes of count labels as a JSON array (null for none).
    expected<std::string> GetAttributes(const int64_t* ids, uint64_t count) const {
        char* out = nullptr;
        uint64_t len = 0;
        int rc = vsag_index_get_attributes(h_, ids, count, &out, &len);
        if (rc != VSAG_SUCCESS) return detail::fail<std::string>(rc);
        std::string s(out, static_cast<size_t>(len));
        vsag_free(out);
        return s;
    }
    /// GetExtraInfoByIds copies the extra info of count labels into out (count *
    /// extra_info_size bytes).
    expected<void> GetExtraInfoByIds(const int64_t* ids, uint64_t count, char* out) const {
        int rc = vsag_index_get_extra_info_by_ids(h_, ids, count, out);
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// UpdateExtraInfo replaces the extra info of count live labels: infos holds count *
    /// extra_info_size bytes, row i for ids[i]. A label that is not live is INVALID_ARGUMENT and
    /// nothing changes; an index without extra_info_size refuses (UNSUPPORTED_INDEX_OPERATION).
    expected<void> UpdateExtraInfo(const int64_t* ids, uint64_t count, const char* infos) {
        int rc = vsag_index_update_extra_info(h_, ids, count, infos);
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// UpdateExtraInfo with the ids and extra infos of a dataset (as VSAG takes them); its
    /// extra_info_size must be the index's.
    expected<void> UpdateExtraInfo(const DatasetPtr& base) {
        if (!base) return Error{ErrorType::INVALID_ARGUMENT, "update extra info: the dataset is null"};
        uint64_t size = ExtraInfoSize();
        if (size > 0 && static_cast<uint64_t>(base->GetExtraInfoSize()) != size) {
            return Error{ErrorType::INVALID_ARGUMENT,
                         "update extra info: the dataset's extra_info_size " +
                             std::to_string(base->GetExtraInfoSize()) + " is not the index's " +
                             std::to_string(size)};
        }
        return UpdateExtraInfo(base->GetIds(), static_cast<uint64_t>(base->GetNumElements()),
                               base->GetExtraInfos());
    }
    /// SetLeanVecMatrices gives the leanvec quantizer explicit reduced_dim x dim matrices
    /// (query_matrix and mean may be null); call it on an empty, untrained index.
    expected<void> SetLeanVecMatrices(const float* data_matrix, const float* query_matrix, const float* mean,
                                      uint64_t reduced_dim) {
        int rc = vsag_index_set_leanvec_matrices(h_, data_matrix, query_matrix, mean, reduced_dim,
                                                 static_cast<uint64_t>(GetDim()));
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// TrainWithQueries trains on count float32 vectors and nq sample queries (LeanVec-OOD).
    expected<void> TrainWithQueries(const float* vectors, uint64_t count, const float* queries, uint64_t nq) {
        int rc = vsag_index_train_with_queries(h_, vectors, VSAG_DTYPE_FLOAT32, count, queries, nq,
                                               static_cast<uint64_t>(GetDim()));
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }

    /// CalDistanceById returns a dataset whose distances are those from query to each id
    /// (-1 for a missing id).
    expected<DatasetPtr> CalDistanceById(const float* query, const int64_t* ids, int64_t count) const {
        return distances(count, [&](float* d) {
            return vsag_index_calc_distance_by_ids(h_, query, VSAG_DTYPE_FLOAT32, static_cast<uint64_t>(GetDim()),
                                                   ids, static_cast<uint64_t>(count), d);
        });
    }
    /// CalDistanceById with a dataset: the distances from its first row to each id (-1 for a
    /// missing id). A sparse row (sparse indexes such as sindi) is measured by 1 - inner
    /// product against the stored rows; a multi-vector document (VectorCounts: warp, simq) by
    /// MaxSim distance against the stored documents; a dense row as the float32 overload does.
    expected<DatasetPtr> CalDistanceById(const DatasetPtr& query, const int64_t* ids, int64_t count) const {
        if (!query) return Error{ErrorType::INVALID_ARGUMENT, "calc distance by id: the query dataset is null"};
        uint64_t num_vectors = 0;
        const int64_t* counts = query->GetVectorCounts(&num_vectors);
        if (counts != nullptr) {
            if (query->GetNumElements() < 1 || counts[0] < 0 || static_cast<uint64_t>(counts[0]) > num_vectors) {
                return Error{ErrorType::INVALID_ARGUMENT, "calc distance by id: the query's vector counts are out of range"};
            }
            return distances(count, [&](float* d) {
                return vsag_index_calc_distance_by_ids_multi_vector(
                    h_, query->GetFloat32Vectors(), static_cast<uint64_t>(counts[0]),
                    static_cast<uint64_t>(query->GetDim()), ids, static_cast<uint64_t>(count), d);
            });
        }
        Dataset::SparseView sv = query->GetSparseVectors();
        if (sv.offsets == nullptr) return CalDistanceById(query->GetFloat32Vectors(), ids, count);
        if (query->GetNumElements() < 1) {
            return Error{ErrorType::INVALID_ARGUMENT, "calc distance by id: the query dataset holds no row"};
        }
        int64_t lo = sv.offsets[0], hi = sv.offsets[1];
        if (lo < 0 || hi < lo || static_cast<uint64_t>(hi) > sv.nnz) {
            return Error{ErrorType::INVALID_ARGUMENT, "calc distance by id: the query's sparse offsets are out of range"};
        }
        return distances(count, [&](float* d) {
            return vsag_index_calc_distance_by_ids_sparse(
                h_, sv.term_ids == nullptr ? nullptr : sv.term_ids + lo,
                sv.values == nullptr ? nullptr : sv.values + lo, static_cast<uint64_t>(hi - lo), ids,
                static_cast<uint64_t>(count), d);
        });
    }
    /// BatchCalcDistanceById computes the distances of nq float32 queries (row-major) to
    /// ids_per_query labels each: ids and dists are nq*ids_per_query entries row-major (query
    /// i's at [i*ids_per_query, (i+1)*ids_per_query)), -1 for a missing label.
    expected<void> BatchCalcDistanceById(const float* queries, uint64_t nq, const int64_t* ids,
                                         uint64_t ids_per_query, float* dists) const {
        int rc = vsag_index_batch_calc_distance_by_ids(h_, queries, VSAG_DTYPE_FLOAT32, nq,
                                                       static_cast<uint64_t>(GetDim()), ids, ids_per_query, dists);
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// GetRawVectorByIds returns the stored float32 vectors of ids (count x dim), or for a
    /// sparse index (dtype sparse, such as sindi) the stored rows in CSR form with their ids
    /// (GetSparseVectors, GetIds).
    expected<DatasetPtr> GetRawVectorByIds(const int64_t* ids, int64_t count) const {
        vsag_dtype_t dt = VSAG_DTYPE_FLOAT32;
        if (vsag_index_get_dtype(h_, &dt) == VSAG_SUCCESS && dt == VSAG_DTYPE_SPARSE) {
            return GetSparseVectorByIds(ids, count);
        }
        int64_t dim = GetDim();
        size_t bytes = sizeof(float) * static_cast<size_t>(count * dim > 0 ? count * dim : 1);
        float* v = static_cast<float*>(std::malloc(bytes));
        Error_t e = vsag_index_get_vector_by_ids(h_, ids, static_cast<uint64_t>(count), v);
        if (e.code != VSAG_SUCCESS) {
            std::free(v);
            return detail::from_c(e);
        }
        auto ds = Dataset::Make();
        ds->NumElements(count)->Dim(dim)->Float32Vectors(v)->Owner(true);
        return ds;
    }

    /// GetSparseVectorByIds returns the stored sparse rows of ids (sparse indexes): count rows
    /// in CSR form (GetSparseVectors) and their ids (GetIds). A missing label is
    /// INVALID_ARGUMENT.
    expected<DatasetPtr> GetSparseVectorByIds(const int64_t* ids, int64_t count) const {
        if (count < 0) return Error{ErrorType::INVALID_ARGUMENT, "get sparse vectors: count is negative"};
        vsag_dataset_t r = nullptr;
        int rc = vsag_index_get_sparse_vectors_by_ids(h_, ids, static_cast<uint64_t>(count), &r);
        return result(rc, r);
    }

    /// UpdateId changes a label.
    expected<void> UpdateId(int64_t old_id, int64_t new_id) {
        Error_t e = vsag_index_update_ids(h_, &old_id, &new_id, 0, 1);
        if (e.code != VSAG_SUCCESS) return detail::from_c(e);
        return {};
    }
    /// UpdateVector replaces the vector of id with the first float32 vector of v.
    expected<void> UpdateVector(int64_t id, const DatasetPtr& v, bool force_update = false) {
        const float* data = v ? v->GetFloat32Vectors() : nullptr;
        uint64_t dim = v ? static_cast<uint64_t>(v->GetDim()) : 0;
        Error_t e = force_update ? vsag_index_update_vector_force(h_, id, data, dim)
                                 : vsag_index_update_vector(h_, id, data, dim);
        if (e.code != VSAG_SUCCESS) return detail::from_c(e);
        return {};
    }

    /// Feedback teaches the conjugate graph (SUPPORT_FEEDBACK: hnsw created with
    /// "use_conjugate_graph": true) from the first float32 vector of query: it is searched for k
    /// results with parameters and its results are linked to global_optimum_tag_id, its true
    /// nearest neighbour (by default found by an exact scan, together with the other true
    /// neighbours the search missed). Returns the number of edges added.
    expected<uint32_t> Feedback(const DatasetPtr& query, int64_t k, const std::string& parameters,
                                int64_t global_optimum_tag_id = VSAG_GLOBAL_OPTIMUM_UNKNOWN) {
        const float* v = query ? query->GetFloat32Vectors() : nullptr;
        uint64_t dim = query ? static_cast<uint64_t>(query->GetDim()) : 0;
        uint64_t n = 0;
        int rc = vsag_index_feedback(h_, v, VSAG_DTYPE_FLOAT32, dim, k, parameters.c_str(), global_optimum_tag_id, &n);
        if (rc != VSAG_SUCCESS) return detail::fail<uint32_t>(rc);
        return static_cast<uint32_t>(n);
    }
    /// Pretrain teaches the conjugate graph from queries made around the stored vectors of
    /// base_tag_ids (k results searched with parameters each). Returns the number of edges added.
    expected<uint32_t> Pretrain(const std::vector<int64_t>& base_tag_ids, uint32_t k, const std::string& parameters) {
        uint64_t n = 0;
        int rc = vsag_index_pretrain(h_, base_tag_ids.data(), base_tag_ids.size(), static_cast<int64_t>(k),
                                     parameters.c_str(), &n);
        if (rc != VSAG_SUCCESS) return detail::fail<uint32_t>(rc);
        return static_cast<uint32_t>(n);
    }

    /// Clone returns an independent deep copy.
    expected<IndexPtr> Clone() const {
        vsag_index_t c = nullptr;
        Error_t e = vsag_index_clone(h_, &c);
        if (e.code != VSAG_SUCCESS) return detail::from_c(e);
        return Adopt(c);
    }
    /// ExportModel returns a new, empty index with this index's parameters and trained model
    /// (SUPPORT_EXPORT_MODEL): fill copies of it (Clone) elsewhere and Merge them back.
    /// UNSUPPORTED_INDEX_OPERATION for index types without a model to export.
    expected<IndexPtr> ExportModel() const {
        vsag_index_t c = nullptr;
        Error_t e = vsag_index_export_model(h_, &c);
        if (e.code != VSAG_SUCCESS) return detail::from_c(e);
        return Adopt(c);
    }
    /// Merge adds the live vectors, extra info and attributes of the units' indexes, which share
    /// this index's model (SUPPORT_MERGE_INDEX), and returns the labels (as mapped) that were
    /// already present and were left out. A unit with a null index, or with both id_map and
    /// id_map_func, is INVALID_ARGUMENT; on any error nothing is merged.
    expected<std::vector<int64_t>> Merge(const std::vector<MergeUnit>& units) {
        std::vector<std::vector<int64_t>> from(units.size()), to(units.size());
        std::vector<vsag_merge_unit_t> c(units.size());
        uint64_t cap = 0;
        for (size_t i = 0; i < units.size(); ++i) {
            const MergeUnit& u = units[i];
            c[i] = vsag_merge_unit_t VSAG_MERGE_UNIT_INIT;
            c[i].index = u.index ? u.index->h_ : nullptr;
            if (u.id_map_func && u.id_map) {
                return Error{ErrorType::INVALID_ARGUMENT,
                             "merge: unit " + std::to_string(i) + " has both id_map and id_map_func"};
            }
            if (u.id_map) {
                from[i].reserve(u.id_map->size());
                to[i].reserve(u.id_map->size());
                for (const auto& kv : *u.id_map) {
                    from[i].push_back(kv.first);
                    to[i].push_back(kv.second);
                }
            } else if (u.id_map_func && u.index) {
                for (int64_t label : u.index->ExportIDs()) {
                    auto [keep, target] = u.id_map_func(label);
                    if (keep) {
                        from[i].push_back(label);
                        to[i].push_back(target);
                    }
                }
            }
            if (u.id_map || u.id_map_func) {
                static const int64_t none = 0;  // a non-NULL map that names nothing
                c[i].id_map_from = from[i].empty() ? &none : from[i].data();
                c[i].id_map_to = to[i].empty() ? &none : to[i].data();
                c[i].id_map_count = from[i].size();
            }
            if (u.index) cap += static_cast<uint64_t>(u.index->GetNumElements());
        }
        std::vector<int64_t> failed(static_cast<size_t>(cap));
        uint64_t nf = 0;
        int rc = vsag_index_merge(h_, c.data(), c.size(), failed.data(), failed.size(), &nf);
        if (rc != VSAG_SUCCESS) return detail::fail<std::vector<int64_t>>(rc);
        // a source that grew after it was counted may fail more labels than the buffer holds
        failed.resize(static_cast<size_t>(nf < cap ? nf : cap));
        return failed;
    }
    /// Tune re-encodes the index's vectors with the storage settings of parameters
    /// ({"index_param": {...}}, as VSAG's Index::Tune) without rebuilding its graph
    /// (SUPPORT_TUNE; see vsag_index_tune). It returns true once applied; an index without a
    /// precise source to re-encode from, or whose tuning was disabled, is
    /// UNSUPPORTED_INDEX_OPERATION, and bad parameters INVALID_ARGUMENT.
    expected<bool> Tune(const std::string& parameters, bool disable_future_tuning = false) {
        int rc = vsag_index_tune(h_, parameters.c_str(), disable_future_tuning);
        if (rc != VSAG_SUCCESS) return detail::fail<bool>(rc);
        return true;
    }

    /// Serialize writes the index to out.
    expected<void> Serialize(std::ostream& out) const {
        void* data = nullptr;
        uint64_t size = 0;
        int rc = vsag_index_serialize_buffer(h_, &data, &size);
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
        vsag_free(data);
        if (!out) return Error{ErrorType::INTERNAL_ERROR, "serialize: the stream failed"};
        return {};
    }
    /// Deserialize loads the index from in; this index must be empty and created with
    /// matching parameters.
    expected<void> Deserialize(std::istream& in) {
        std::vector<char> buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        int rc = vsag_index_deserialize_buffer(h_, buf.data(), buf.size());
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// Serialize writes the index to a file atomically.
    expected<void> Serialize(const std::string& path) const {
        int rc = vsag_index_serialize_file(h_, path.c_str());
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// Deserialize loads a file into this empty index.
    expected<void> Deserialize(const std::string& path) {
        int rc = vsag_index_deserialize_file(h_, path.c_str());
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }

    int64_t GetNumElements() const { return get_i64(vsag_index_get_num_elements); }
    int64_t GetNumberRemoved() const { return get_i64(vsag_index_get_num_removed); }
    int64_t GetDim() const { return get_i64(vsag_index_get_dim); }
    uint64_t GetMemoryUsage() const {
        uint64_t v = 0;
        detail::check(vsag_index_get_memory_usage(h_, &v));
        return v;
    }
    uint64_t EstimateMemory(uint64_t num_elements) const {
        uint64_t v = 0;
        detail::check(vsag_index_estimate_memory(h_, num_elements, &v));
        return v;
    }
    bool CheckFeature(IndexFeature f) const {
        bool b = false;
        detail::check(vsag_index_check_feature(h_, static_cast<int>(f), &b));
        return b;
    }
    bool CheckIdExist(int64_t id) const {
        bool b = false;
        detail::check(vsag_index_check_id_exist(h_, id, &b));
        return b;
    }
    expected<std::pair<int64_t, int64_t>> GetMinAndMaxId() const {
        int64_t lo = 0, hi = 0;
        int rc = vsag_index_get_min_max_id(h_, &lo, &hi);
        if (rc != VSAG_SUCCESS) return detail::fail<std::pair<int64_t, int64_t>>(rc);
        return std::make_pair(lo, hi);
    }
    std::vector<int64_t> ExportIDs() const {
        uint64_t n = 0;
        detail::check(vsag_index_export_ids(h_, nullptr, 0, &n));
        std::vector<int64_t> ids(static_cast<size_t>(n));
        detail::check(vsag_index_export_ids(h_, ids.data(), ids.size(), &n));
        ids.resize(static_cast<size_t>(n < ids.size() ? n : ids.size()));
        return ids;
    }
    expected<void> SetImmutable() {
        int rc = vsag_index_set_immutable(h_);
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// Reset empties the index back to its freshly created state (the create parameters stay);
    /// an immutable index refuses it (WRONG_STATUS).
    expected<void> Reset() {
        int rc = vsag_index_reset(h_);
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// GetIndexName returns the index type name.
    std::string GetIndexName() const {
        uint64_t n = 0;
        detail::check(vsag_index_get_name(h_, nullptr, 0, &n));
        std::string s(static_cast<size_t>(n) + 1, '\0');
        detail::check(vsag_index_get_name(h_, &s[0], s.size(), &n));
        s.resize(static_cast<size_t>(n));
        return s;
    }
    /// GetStats returns the index's statistics as VSAG's GetStats JSON object (graph
    /// connectivity and degrees, bucket sizes, duplicates, sampled self-recall, quantization
    /// error; see vsag_index_get_stats).
    expected<std::string> GetStats() const {
        char* out = nullptr;
        uint64_t len = 0;
        int rc = vsag_index_get_stats(h_, &out, &len);
        if (rc != VSAG_SUCCESS) return detail::fail<std::string>(rc);
        std::string s(out, static_cast<size_t>(len));
        vsag_free(out);
        return s;
    }
    /// AnalyzeIndexBySearch searches nq float32 queries (row-major) for k neighbours with the
    /// search JSON parameters and returns VSAG's AnalyzeIndexBySearch JSON object (recall against
    /// exact ground truth, latency, quantization error; see vsag_index_analyze_by_search).
    expected<std::string> AnalyzeIndexBySearch(const float* queries, uint64_t nq, int64_t k,
                                               const std::string& parameters) const {
        char* out = nullptr;
        uint64_t len = 0;
        int rc = vsag_index_analyze_by_search(h_, queries, VSAG_DTYPE_FLOAT32, nq, static_cast<uint64_t>(GetDim()),
                                              k, parameters.c_str(), &out, &len);
        if (rc != VSAG_SUCCESS) return detail::fail<std::string>(rc);
        std::string s(out, static_cast<size_t>(len));
        vsag_free(out);
        return s;
    }
    /// AnalyzeIndexBySearch with every row of a float32 dataset as a query.
    expected<std::string> AnalyzeIndexBySearch(const DatasetPtr& queries, int64_t k, const std::string& parameters) const {
        if (!queries) return Error{ErrorType::INVALID_ARGUMENT, "analyze index by search: the dataset is null"};
        return AnalyzeIndexBySearch(queries->GetFloat32Vectors(), static_cast<uint64_t>(queries->GetNumElements()), k,
                                    parameters);
    }

    /// SetMemoryBudget limits the bytes of the index's large slabs (0: none); a write or load
    /// beyond it fails with NO_ENOUGH_MEMORY and stores nothing (vsag_index_set_memory_budget).
    expected<void> SetMemoryBudget(uint64_t bytes) {
        int rc = vsag_index_set_memory_budget(h_, bytes);
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// GetMemoryBudget returns the index's memory budget (0: none).
    uint64_t GetMemoryBudget() const {
        uint64_t v = 0;
        detail::check(vsag_index_get_memory_budget(h_, &v));
        return v;
    }
    /// GetBudgetedMemory returns the bytes of the index's large slabs charged to its budget.
    uint64_t GetBudgetedMemory() const {
        uint64_t v = 0;
        detail::check(vsag_index_get_budgeted_memory(h_, &v));
        return v;
    }
    /// SetAllocator makes the code stores allocate their slabs through allocator from their next
    /// growth on (nullptr restores the library's allocation).
    expected<void> SetAllocator(Allocator* allocator) {
        int rc;
        if (allocator == nullptr) {
            rc = vsag_index_set_allocator(h_, nullptr);
        } else {
            vsag_allocator_t a{nullptr, &Index::allocate, &Index::deallocate, &Index::reallocate, allocator};
            rc = vsag_index_set_allocator(h_, &a);
        }
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        return {};
    }
    /// SetProgress makes fn receive the progress of the index's builds, adds, trains and loads
    /// (an empty function: none). fn is called from library threads, one call at a time.
    expected<void> SetProgress(ProgressFunction fn) {
        if (!fn) {
            int rc = vsag_index_set_progress(h_, nullptr, nullptr);
            if (rc != VSAG_SUCCESS) return detail::last_error(rc);
            progress_.reset();
            return {};
        }
        std::unique_ptr<ProgressFunction> next(new ProgressFunction(std::move(fn)));
        int rc = vsag_index_set_progress(h_, &Index::on_progress, next.get());
        if (rc != VSAG_SUCCESS) return detail::last_error(rc);
        old_progress_.push_back(std::move(progress_));  // a running operation may still call it
        progress_ = std::move(next);
        return {};
    }

    /// handle returns the C handle (owned by this object).
    vsag_index_t handle() const { return h_; }

private:
    explicit Index(vsag_index_t h) : h_(h) {}

    static bool keep_unless(int64_t id, void* ctx) {
        return !(*static_cast<std::function<bool(int64_t)>*>(ctx))(id);
    }
    /// distances runs call(d) into a new array d of count floats and returns it as a result
    /// dataset of one row (Distances, owned), or the error of the call.
    template <typename Fn>
    static expected<DatasetPtr> distances(int64_t count, Fn call) {
        float* d = static_cast<float*>(std::malloc(sizeof(float) * static_cast<size_t>(count > 0 ? count : 1)));
        int rc = call(d);
        if (rc != VSAG_SUCCESS) {
            std::free(d);
            return detail::fail<DatasetPtr>(rc);
        }
        auto ds = Dataset::Make();
        ds->NumElements(1)->Dim(count)->Distances(d)->Owner(true);
        return ds;
    }
    static expected<DatasetPtr> result(int rc, vsag_dataset_t r) {
        if (rc != VSAG_SUCCESS) return detail::fail<DatasetPtr>(rc);
        return DatasetPtr(new Dataset(r));
    }
    template <typename Fn>
    expected<std::vector<int64_t>> insert_attrs(Fn fn, const float* vectors, const int64_t* ids, uint64_t count,
                                                const std::string& attributes_json) {
        std::vector<int64_t> failed(static_cast<size_t>(count));
        uint64_t nf = 0;
        int rc = fn(h_, vectors, VSAG_DTYPE_FLOAT32, ids, count, static_cast<uint64_t>(GetDim()),
                    attributes_json.c_str(), failed.data(), &nf);
        if (rc != VSAG_SUCCESS) return detail::fail<std::vector<int64_t>>(rc);
        failed.resize(static_cast<size_t>(nf));
        return failed;
    }
    expected<std::vector<int64_t>> insert(const DatasetPtr& base,
                                          int (*fn)(vsag_index_t, vsag_dataset_t, int64_t*, uint64_t*)) {
        int64_t n = base ? base->GetNumElements() : 0;
        std::vector<int64_t> failed(static_cast<size_t>(n > 0 ? n : 0));
        uint64_t nf = 0;
        int rc = fn(h_, base ? base->handle() : nullptr, failed.data(), &nf);
        if (rc != VSAG_SUCCESS) return detail::fail<std::vector<int64_t>>(rc);
        failed.resize(static_cast<size_t>(nf));
        return failed;
    }
    int64_t get_i64(int (*fn)(vsag_index_t, int64_t*)) const {
        int64_t v = 0;
        detail::check(fn(h_, &v));
        return v;
    }

    static void* allocate(uint64_t size, void* a) { return static_cast<Allocator*>(a)->Allocate(size); }
    static void deallocate(void* p, void* a) { static_cast<Allocator*>(a)->Deallocate(p); }
    static void* reallocate(void* p, uint64_t size, void* a) { return static_cast<Allocator*>(a)->Reallocate(p, size); }
    static int on_progress(const char* op, uint64_t done, uint64_t total, void* fn) {
        try {
            return (*static_cast<ProgressFunction*>(fn))(op, done, total) ? 0 : 1;
        } catch (...) {
            return 1;  // an exception cannot cross the library; it cancels where that is safe
        }
    }

    vsag_index_t h_;
    std::unique_ptr<ProgressFunction> progress_;
    std::vector<std::unique_ptr<ProgressFunction>> old_progress_;
};

class SearchIterator;
using SearchIteratorPtr = std::unique_ptr<SearchIterator>;

/// SearchIterator is an iterator search session (VSAG's KnnSearch with an IteratorContext;
/// IndexFeature SUPPORT_KNN_ITERATOR_FILTER_SEARCH): the neighbours of one query, page by page,
/// each page the next ones not returned before. The destructor releases it (RAII). Pages are
/// disjoint and ascend; labels removed before a page are never in it; labels added after the
/// session started are not returned. brute_force pages are exact, page after page; hgraph
/// continues one graph search; ivf scans further buckets as results are handed out (see
/// vsag_iterator_create in vsag.h).
class SearchIterator {
public:
    /// Page is one page of results, ascending by distance.
    struct Page {
        std::vector<int64_t> ids;
        std::vector<float> distances;
        size_t size() const { return ids.size(); }
        bool empty() const { return ids.empty(); }
    };

    /// Create starts a session on index for dim(index) float32 values at query, with the search
    /// parameters and filter (may be NULL; its arrays are copied, its callbacks' contexts must
    /// outlive the session).
    static expected<SearchIteratorPtr> Create(const Index& index, const float* query, const std::string& parameters,
                                              const vsag_filter_t* filter = nullptr) {
        SearchIteratorPtr it(new SearchIterator(index.handle()));
        int rc = vsag_iterator_create(index.handle(), query, VSAG_DTYPE_FLOAT32,
                                      static_cast<uint64_t>(index.GetDim()), parameters.c_str(), filter, &it->h_);
        if (rc != VSAG_SUCCESS) return detail::fail<SearchIteratorPtr>(rc);
        return it;
    }
    /// Create with a function filter that returns true to EXCLUDE a label (VSAG's C++
    /// polarity); the session keeps its own copy of the function.
    static expected<SearchIteratorPtr> Create(const Index& index, const float* query, const std::string& parameters,
                                              std::function<bool(int64_t)> exclude) {
        SearchIteratorPtr it(new SearchIterator(index.handle()));
        it->exclude_ = std::move(exclude);
        vsag_filter_t f = VSAG_FILTER_INIT;
        f.keep = &keep_unless;
        f.keep_ctx = &it->exclude_;
        int rc = vsag_iterator_create(index.handle(), query, VSAG_DTYPE_FLOAT32,
                                      static_cast<uint64_t>(index.GetDim()), parameters.c_str(),
                                      it->exclude_ ? &f : nullptr, &it->h_);
        if (rc != VSAG_SUCCESS) return detail::fail<SearchIteratorPtr>(rc);
        return it;
    }

    ~SearchIterator() { vsag_iterator_destroy(h_); }
    SearchIterator(const SearchIterator&) = delete;
    SearchIterator& operator=(const SearchIterator&) = delete;

    /// Next returns up to k neighbours not returned before; an empty page ends the session.
    expected<Page> Next(int64_t k) { return page(k, vsag_iterator_next); }
    /// Drain returns up to k of the neighbours found and not returned, without searching
    /// further (VSAG's is_last_search), and ends the session.
    expected<Page> Drain(int64_t k) { return page(k, vsag_iterator_drain); }
    /// handle returns the C handle (owned by this object).
    vsag_iterator_t handle() const { return h_; }

private:
    explicit SearchIterator(vsag_index_t index) : index_(index) {}
    static bool keep_unless(int64_t id, void* ctx) {
        return !(*static_cast<std::function<bool(int64_t)>*>(ctx))(id);
    }
    expected<Page> page(int64_t k, int (*fn)(vsag_iterator_t, int64_t, int64_t*, float*, uint64_t*)) {
        Page p;
        int64_t live = 0;
        // the buffers hold at most the live count (a page never holds more)
        if (k > 0 && vsag_index_get_num_elements(index_, &live) == VSAG_SUCCESS && live < k) k = live > 0 ? live : 1;
        size_t cap = k > 0 ? static_cast<size_t>(k) : 0;
        p.ids.resize(cap);
        p.distances.resize(cap);
        uint64_t n = 0;
        int rc = fn(h_, k, p.ids.data(), p.distances.data(), &n);
        if (rc != VSAG_SUCCESS) return detail::fail<Page>(rc);
        p.ids.resize(static_cast<size_t>(n));
        p.distances.resize(static_cast<size_t>(n));
        return p;
    }

    vsag_index_t index_;
    vsag_iterator_t h_ = nullptr;
    std::function<bool(int64_t)> exclude_;
};

/// Factory creates indexes by name, as VSAG's vsag::Factory.
class Factory {
public:
    /// CreateIndex returns a new empty index of type name configured by the create JSON.
    static expected<IndexPtr> CreateIndex(const std::string& name, const std::string& parameters) {
        vsag_index_t h = nullptr;
        int rc = vsag_index_make(name.c_str(), parameters.c_str(), &h);
        if (rc != VSAG_SUCCESS) return detail::fail<IndexPtr>(rc);
        return Index::Adopt(h);
    }
};

/// LoggerFunction receives a log message and its level (VSAG_LOG_TRACE..VSAG_LOG_CRITICAL).
using LoggerFunction = std::function<void(int level, const std::string& message)>;

/// Options holds the library's global options, as VSAG's vsag::Options singleton.
class Options {
public:
    static Options& Instance() {
        static Options o;
        return o;
    }
    uint64_t num_threads_building() const { return static_cast<uint64_t>(get("num_threads_building")); }
    void set_num_threads_building(uint64_t n) { set("num_threads_building", n); }
    uint64_t num_threads_io() const { return static_cast<uint64_t>(get("num_threads_io")); }
    void set_num_threads_io(uint64_t n) { set("num_threads_io", n); }
    uint64_t block_size_limit() const { return static_cast<uint64_t>(get("block_size_limit")); }
    void set_block_size_limit(uint64_t n) { set("block_size_limit", n); }
    /// concurrency_limit caps the threads one call of the library runs work on (0: none).
    uint64_t concurrency_limit() const { return static_cast<uint64_t>(get("concurrency_limit")); }
    void set_concurrency_limit(uint64_t n) { set("concurrency_limit", n); }
    /// global_memory_budget limits the large slabs of all indexes together (0: none).
    uint64_t global_memory_budget() const {
        uint64_t v = 0;
        detail::check(vsag_get_global_memory_budget(&v));
        return v;
    }
    void set_global_memory_budget(uint64_t bytes) { detail::check(vsag_set_global_memory_budget(bytes)); }
    /// set_logger makes fn receive the library's messages at or above set_log_level's level (an
    /// empty function: none). fn is called from library threads, one call at a time.
    void set_logger(LoggerFunction fn) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!fn) {
            detail::check(vsag_set_logger(nullptr, nullptr));
            return;
        }
        std::unique_ptr<LoggerFunction> next(new LoggerFunction(std::move(fn)));
        detail::check(vsag_set_logger(&Options::on_log, next.get()));
        loggers_.push_back(std::move(next));  // a message in flight may still use the old one
    }
    void set_log_level(int level) { detail::check(vsag_set_log_level(level)); }
    int log_level() const { return vsag_get_log_level(); }

private:
    Options() = default;
    static int64_t get(const char* name) {
        int64_t v = 0;
        detail::check(vsag_get_option(name, &v));
        return v;
    }
    static void set(const char* name, uint64_t v) {
        detail::check(vsag_set_option(name, v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v)));
    }
    static void on_log(int level, const char* msg, void* fn) {
        try {
            (*static_cast<LoggerFunction*>(fn))(level, msg);
        } catch (...) {
        }
    }
    std::mutex mu_;
    std::vector<std::unique_ptr<LoggerFunction>> loggers_;
};

}  // namespace vsag

#endif  // VSAG_HPP

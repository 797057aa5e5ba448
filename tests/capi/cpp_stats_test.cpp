// cpp_stats_test.cpp checks the index-introspection methods of the C++ wrapper
// (Index::GetStats, Index::AnalyzeIndexBySearch) against libvsag.so.
#include <cstdio>
#include <string>
#include <vector>

#include "vsag.hpp"

static int checks, failures;
#define CHECK(cond)                                                                        \
    do {                                                                                   \
        ++checks;                                                                          \
        if (!(cond)) {                                                                     \
            ++failures;                                                                    \
            std::fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        }                                                                                  \
    } while (0)

// number returns the number after "key": in js (-1 when absent).
static double number(const std::string& js, const std::string& key) {
    auto p = js.find("\"" + key + "\":");
    return p == std::string::npos ? -1 : std::stod(js.substr(p + key.size() + 3));
}

int main() {
    const int64_t n = 400, dim = 8, nq = 10;
    std::vector<int64_t> ids(n);
    std::vector<float> data((n + nq) * dim);
    uint64_t s = 5;
    for (int64_t i = 0; i < n; ++i) ids[i] = 7 * i;
    for (auto& v : data) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v = static_cast<float>(s >> 40) / 16777216.0f;
    }
    auto created = vsag::Factory::CreateIndex(
        "hgraph", R"({"dtype":"float32","metric_type":"l2","dim":8,"index_param":{"base_quantization_type":"fp32","max_degree":12,"ef_construction":80}})");
    CHECK(created.has_value());
    auto index = created.value();
    CHECK(index->CheckFeature(vsag::SUPPORT_GET_STATS));
    CHECK(index->CheckFeature(vsag::SUPPORT_ANALYZE_INDEX_BY_SEARCH));
    auto base = vsag::Dataset::Make();
    base->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->Owner(false);
    CHECK(index->Build(base).has_value());

    auto stats = index->GetStats();
    CHECK(stats.has_value());
    CHECK(number(stats.value(), "total_count") == n);
    CHECK(number(stats.value(), "connect_components") == 1);
    CHECK(number(stats.value(), "self_recall") == 1);
    CHECK(stats.value().find("\"out_degree_distribution\"") != std::string::npos);

    const float* queries = data.data() + n * dim;
    auto analysis = index->AnalyzeIndexBySearch(queries, nq, 10, R"({"hgraph":{"ef_search":50}})");
    CHECK(analysis.has_value());
    CHECK(number(analysis.value(), "num_queries") == nq);
    CHECK(number(analysis.value(), "recall_query") >= 0.9);
    CHECK(analysis.value().find("\"latency_ms\"") != std::string::npos);

    auto qs = vsag::Dataset::Make();
    qs->NumElements(nq)->Dim(dim)->Float32Vectors(queries)->Owner(false);
    auto again = index->AnalyzeIndexBySearch(qs, 10, R"({"hgraph":{"ef_search":50}})");
    CHECK(again.has_value() && number(again.value(), "recall_query") == number(analysis.value(), "recall_query"));

    auto bad = index->AnalyzeIndexBySearch(queries, nq, 0, R"({"hgraph":{"ef_search":50}})");
    CHECK(!bad.has_value() && bad.error().type == vsag::ErrorType::INVALID_ARGUMENT);
    auto badjson = index->AnalyzeIndexBySearch(qs, 10, "{");
    CHECK(!badjson.has_value() && badjson.error().type == vsag::ErrorType::INVALID_ARGUMENT);
    auto null = index->AnalyzeIndexBySearch(vsag::DatasetPtr(), 10, "");
    CHECK(!null.has_value());

    if (failures > 0) {
        std::fprintf(stderr, "cpp_stats_test: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    std::printf("cpp_stats_test: all %d checks passed\n", checks);
    return 0;
}

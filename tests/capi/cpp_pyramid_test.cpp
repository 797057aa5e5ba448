// cpp_pyramid_test.cpp checks pyramid through the C++ wrapper bindings/cpp/vsag.hpp: rows with
// paths in two named hierarchies (Dataset::Paths(name, paths)), queries confined to a path of
// one hierarchy or joined over both (a query dataset with a path per hierarchy), an odescent
// build, duplicates (support_duplicate) and the memory estimate.
#include <cstdio>
#include <map>
#include <set>
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

static const int64_t n = 1200, dim = 8;

int main() {
    std::vector<int64_t> ids(n + 2);
    std::vector<float> data((n + 2) * dim);
    std::vector<std::string> site(n + 2), color(n + 2);
    uint64_t s = 3;
    for (auto& v : data) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v = static_cast<float>(s >> 40) / 16777216.0f;
    }
    for (int64_t i = 0; i < n + 2; ++i) {
        ids[i] = 100 + i;
        site[i] = "s" + std::to_string(i % 6) + "/shop" + std::to_string(i % 4);
        color[i] = "c" + std::to_string(i % 5);
    }
    // the last two rows repeat row 0, on its paths
    for (int64_t j = 0; j < dim; ++j) {
        data[n * dim + j] = data[j];
        data[(n + 1) * dim + j] = data[j];
    }
    site[n] = site[n + 1] = site[0];
    color[n] = color[n + 1] = color[0];

    const char* params = R"({"dtype":"float32","metric_type":"l2","dim":8,"index_param":{
        "base_quantization_type":"fp32","max_degree":16,"graph_type":"odescent","graph_iter_turn":15,
        "support_duplicate":true,"hierarchies":["site",{"name":"color","max_degree":8}]}})";
    auto created = vsag::Factory::CreateIndex("pyramid", params);
    CHECK(created.has_value());
    auto index = created.value();
    CHECK(index->CheckFeature(vsag::SUPPORT_ESTIMATE_MEMORY));
    CHECK(!index->CheckFeature(vsag::SUPPORT_KNN_ITERATOR_FILTER_SEARCH));
    uint64_t estimate = index->EstimateMemory(n + 2);

    auto base = vsag::Dataset::Make();
    base->NumElements(n + 2)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->Owner(false);
    base->HierarchyPaths({{"site", site}, {"color", color}});
    CHECK(base->GetPaths("site") == site && base->GetPaths("color") == color);
    CHECK(base->GetPaths("nothing").empty() && base->GetPaths().empty());
    auto built = index->Build(base);
    CHECK(built.has_value() && built.value().empty());
    uint64_t used = index->GetMemoryUsage();
    CHECK(estimate > used / 2 && estimate < used * 2);

    const std::string ef = R"({"pyramid":{"ef_search":80,"hierarchies":["site"]}})";
    // a query confined to a path of one hierarchy: every result lies on it, the nearest is the row
    auto one = [&](int64_t row, const std::map<std::string, std::vector<std::string>>& paths, const std::string& p) {
        auto q = vsag::Dataset::Make();
        q->NumElements(1)->Dim(dim)->Float32Vectors(data.data() + row * dim)->Owner(false);
        q->HierarchyPaths(paths);
        return index->Search(vsag::SearchRequest::Knn(10).Query(q).Parameters(p));
    };
    int hits = 0;
    for (int64_t r = 1; r < n; r += 37) {
        auto res = one(r, {{"site", {site[r]}}}, ef);
        CHECK(res.has_value());
        if (!res.has_value()) continue;
        for (auto id : res.value().ids) CHECK(site[id - 100] == site[r]);
        hits += !res.value().ids.empty() && res.value().ids[0] == ids[r];
    }
    CHECK(hits >= 30);
    // the tenant prefix, and an intersection of both hierarchies
    auto pre = one(5, {{"site", {"s5"}}}, ef);
    CHECK(pre.has_value());
    for (auto id : pre.value().ids) CHECK(site[id - 100].rfind("s5/", 0) == 0);
    auto both = one(7, {{"site", {"s1"}}, {"color", {"c2"}}},
                    R"({"pyramid":{"ef_search":80,"hierarchies":["site","color"],"hierarchy_op":"intersection"}})");
    CHECK(both.has_value() && !both.value().ids.empty());
    for (auto id : both.value().ids) CHECK(site[id - 100].rfind("s1/", 0) == 0 && color[id - 100] == "c2");
    // the duplicates of row 0 come back with it, at its distance
    auto dup = one(0, {{"site", {site[0]}}}, ef);
    CHECK(dup.has_value());
    std::set<int64_t> zero;
    for (size_t i = 0; i < dup.value().ids.size(); ++i)
        if (dup.value().distances[i] <= 1e-6f) zero.insert(dup.value().ids[i]);
    CHECK(zero == (std::set<int64_t>{ids[0], ids[n], ids[n + 1]}));
    // a path in a hierarchy the index lacks is INVALID_ARGUMENT
    auto bad = one(0, {{"size", {"x"}}}, R"({"pyramid":{"ef_search":80,"hierarchies":["size"]}})");
    CHECK(!bad.has_value() && bad.error().type == vsag::ErrorType::INVALID_ARGUMENT);

    std::printf("cpp_pyramid_test: %d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}

// pyramid in C++ with bindings/cpp/vsag.hpp: one index for many tenants, each vector on a path
// "tenant/shop", built with ODescent; a query confined to its tenant's subtree (or to one shop,
// or to two tenants at once) never sees another tenant's rows. Also a second, named hierarchy
// joined by intersection, and a save and load.
//
//   c++ -std=c++17 -Iinclude -Ibindings/cpp examples/cpp/pyramid.cpp -Lbuild/lib -lvsag
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "vsag.hpp"

int main(int argc, char** argv) {
    std::string file = argc > 1 ? argv[1] : "pyramid_cpp.vsag";
    const int64_t num = 6000, dim = 24, tenants = 40, k = 5;

    // tenants of skewed sizes, three shops each; a colour per row in a second hierarchy
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(0, 1);
    std::vector<float> data(num * dim);
    for (auto& v : data) v = u(rng);
    std::vector<int64_t> ids(num);
    std::vector<std::string> site(num), colour(num);
    std::vector<int> tenant(num);
    for (int64_t i = 0; i < num; ++i) {
        ids[i] = 1000 + i;
        tenant[i] = static_cast<int>(tenants * u(rng) * u(rng));
        site[i] = "t" + std::to_string(tenant[i]) + "/s" + std::to_string(i % 3);
        colour[i] = i % 2 ? "red" : "blue";
    }

    const char* params = R"({"dtype":"float32","metric_type":"l2","dim":24,"index_param":{
        "base_quantization_type":"fp32","max_degree":24,"graph_type":"odescent",
        "hierarchies":["site","colour"]}})";
    auto index = vsag::Factory::CreateIndex("pyramid", params).value();
    auto base = vsag::Dataset::Make();
    base->NumElements(num)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->Owner(false);
    base->HierarchyPaths({{"site", site}, {"colour", colour}});
    index->Build(base).value();
    std::printf("built %lld vectors in %lld tenants, %.1f MiB (estimated %.1f MiB)\n",
                static_cast<long long>(index->GetNumElements()), static_cast<long long>(tenants),
                index->GetMemoryUsage() / 1048576.0, index->EstimateMemory(num) / 1048576.0);

    // search a path of the "site" hierarchy: a query dataset carries the path per hierarchy
    auto search = [&](const float* q, const std::map<std::string, std::string>& paths, const std::string& p) {
        auto qd = vsag::Dataset::Make();
        qd->NumElements(1)->Dim(dim)->Float32Vectors(q)->Owner(false);
        for (const auto& kv : paths) qd->Paths(kv.first, {kv.second});
        return index->Search(vsag::SearchRequest::Knn(k).Query(qd).Parameters(p)).value();
    };
    const std::string one = R"({"pyramid":{"ef_search":60,"hierarchies":["site"]}})";
    const float* q = data.data() + 17 * dim;
    for (const std::string path : {"t3", "t3/s1", "t3|t8"}) {
        auto res = search(q, {{"site", path}}, one);
        std::printf("site %-6s:", path.c_str());
        for (size_t i = 0; i < res.ids.size(); ++i) {
            int64_t r = res.ids[i] - 1000;
            std::printf(" %lld(%s)", static_cast<long long>(res.ids[i]), site[r].c_str());
            if (path == "t3" && tenant[r] != 3) return 1;  // never another tenant's row
        }
        std::printf("\n");
    }
    // both hierarchies: the red rows of tenant 3
    auto both = search(q, {{"site", "t3"}, {"colour", "red"}},
                       R"({"pyramid":{"ef_search":60,"hierarchies":["site","colour"],"hierarchy_op":"intersection"}})");
    std::printf("t3 and red:");
    for (auto id : both.ids) {
        std::printf(" %lld", static_cast<long long>(id));
        if (tenant[id - 1000] != 3 || colour[id - 1000] != "red") return 1;
    }
    std::printf("\n");

    // save and load: the loaded index answers the same
    index->Serialize(file).value();
    auto loaded = vsag::Index::LoadFile(file).value();
    std::printf("loaded %lld vectors from %s\n", static_cast<long long>(loaded->GetNumElements()), file.c_str());
    return 0;
}

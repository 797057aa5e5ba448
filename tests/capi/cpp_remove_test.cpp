// cpp_remove_test.cpp checks Index::Remove with a RemoveMode in bindings/cpp/vsag.hpp.
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

int main() {
    const int64_t n = 500, dim = 8;
    std::vector<int64_t> ids(n);
    std::vector<float> data(n * dim);
    uint64_t s = 11;
    for (int64_t i = 0; i < n; ++i) ids[i] = i;
    for (auto& v : data) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v = static_cast<float>(s >> 40) / 16777216.0f;
    }
    const std::string plain = R"({"dtype":"float32","metric_type":"l2","dim":8,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":80}})";
    const std::string force = R"({"dtype":"float32","metric_type":"l2","dim":8,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":80,"support_force_remove":true}})";
    auto base = vsag::Dataset::Make();
    base->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->Owner(false);

    // hgraph without support_force_remove refuses FORCE_REMOVE; MARK_REMOVE is the old Remove
    auto p = vsag::Factory::CreateIndex("hgraph", plain).value();
    CHECK(p->Build(base).has_value());
    auto refused = p->Remove(std::vector<int64_t>{1, 2}, vsag::RemoveMode::FORCE_REMOVE);
    CHECK(!refused.has_value() && refused.error().type == vsag::ErrorType::INVALID_ARGUMENT);
    CHECK(p->Remove(std::vector<int64_t>{1, 2, 9999}, vsag::RemoveMode::MARK_REMOVE).value() == 2);
    CHECK(p->GetNumberRemoved() == 2);
    auto flat = vsag::Factory::CreateIndex("brute_force", R"({"dtype":"float32","metric_type":"l2","dim":8})").value();
    CHECK(flat->Build(base).has_value());
    auto unsupported = flat->Remove(3, vsag::RemoveMode::FORCE_REMOVE);
    CHECK(!unsupported.has_value() && unsupported.error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);

    // FORCE_REMOVE takes ids out; adds reuse their storage
    auto x = vsag::Factory::CreateIndex("hgraph", force).value();
    CHECK(x->Build(base).has_value());
    auto mem = x->GetMemoryUsage();
    std::vector<int64_t> gone;
    for (int64_t i = 0; i < n; i += 5) gone.push_back(i);
    CHECK(x->Remove(gone, vsag::RemoveMode::FORCE_REMOVE).value() == gone.size());
    CHECK(x->Remove(gone[0], vsag::RemoveMode::FORCE_REMOVE).value() == false);
    CHECK(x->GetNumElements() == n - static_cast<int64_t>(gone.size()) && x->GetNumberRemoved() == 0);
    CHECK(!x->CheckIdExist(gone[1]));
    std::vector<float> again;
    for (auto g : gone) again.insert(again.end(), data.begin() + g * dim, data.begin() + (g + 1) * dim);
    auto re = vsag::Dataset::Make();
    re->NumElements(gone.size())->Dim(dim)->Ids(gone.data())->Float32Vectors(again.data())->Owner(false);
    CHECK(x->Add(re).value().empty());
    CHECK(x->GetNumElements() == n);
    CHECK(x->GetMemoryUsage() <= mem + mem / 100);
    auto query = vsag::Dataset::Make();
    query->NumElements(1)->Dim(dim)->Float32Vectors(data.data() + gone[3] * dim);
    auto res = x->KnnSearch(query, 1, R"({"hgraph":{"ef_search":50}})").value();
    CHECK(res->GetIds()[0] == gone[3]);

    if (failures > 0) {
        std::fprintf(stderr, "cpp_remove_test: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    std::printf("cpp_remove_test: all %d checks passed\n", checks);
    return 0;
}

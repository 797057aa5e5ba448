// feedback_cpp_test.cpp checks the conjugate graph calls of the C++ wrapper (Feedback, Pretrain)
// on an hnsw index against libvsag.so.
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
    const int64_t n = 2000, dim = 16, nq = 50, k = 10;
    std::vector<int64_t> ids(n);
    std::vector<float> data(n * dim), queries(nq * dim);
    uint64_t s = 5;
    auto next = [&s] {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<float>(s >> 40) / 16777216.0f;
    };
    for (int64_t i = 0; i < n; ++i) ids[i] = i;
    for (auto& v : data) v = next();
    for (auto& v : queries) v = next();
    auto made = vsag::Factory::CreateIndex(
        "hnsw", R"({"dtype":"float32","metric_type":"l2","dim":16,"hnsw":{"max_degree":8,"ef_construction":20,"use_conjugate_graph":true}})");
    CHECK(made.has_value());
    if (!made.has_value()) return 1;
    auto idx = made.value();
    CHECK(idx->CheckFeature(vsag::IndexFeature::SUPPORT_FEEDBACK));
    auto base = vsag::Dataset::Make();
    base->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->Owner(false);
    CHECK(idx->Build(base).has_value());

    const std::string sp = R"({"hnsw":{"ef_search":1}})";
    uint64_t total = 0;
    for (int64_t q = 0; q < nq; ++q) {
        auto query = vsag::Dataset::Make();
        query->NumElements(1)->Dim(dim)->Float32Vectors(queries.data() + q * dim)->Owner(false);
        auto fb = idx->Feedback(query, k, sp);
        CHECK(fb.has_value());
        if (fb.has_value()) total += fb.value();
        // after its feedback, the query's nearest neighbour comes first
        float best = 1e30f;
        int64_t nn = -1;
        for (int64_t i = 0; i < n; ++i) {
            float d = 0;
            for (int64_t j = 0; j < dim; ++j) {
                float t = queries[q * dim + j] - data[i * dim + j];
                d += t * t;
            }
            if (d < best) best = d, nn = i;
        }
        auto res = idx->KnnSearch(query, 1, sp);
        CHECK(res.has_value() && res.value()->GetIds()[0] == nn);
    }
    CHECK(total > 0);
    auto pt = idx->Pretrain({1, 2, 3}, 5, sp);
    CHECK(pt.has_value() && pt.value() > 0);
    auto bad = idx->Pretrain({n + 1}, 5, sp);
    CHECK(!bad.has_value() && bad.error().type == vsag::ErrorType::INVALID_ARGUMENT);
    auto query = vsag::Dataset::Make();
    query->NumElements(1)->Dim(dim)->Float32Vectors(queries.data())->Owner(false);
    auto missing = idx->Feedback(query, k, sp, n + 5);
    CHECK(!missing.has_value() && missing.error().type == vsag::ErrorType::INVALID_ARGUMENT);

    auto plain = vsag::Factory::CreateIndex("hnsw", R"({"dtype":"float32","metric_type":"l2","dim":16,"hnsw":{"max_degree":8,"ef_construction":20}})");
    CHECK(plain.has_value() && !plain.value()->CheckFeature(vsag::IndexFeature::SUPPORT_FEEDBACK));
    auto unsupported = plain.value()->Feedback(query, k, sp);
    CHECK(!unsupported.has_value() && unsupported.error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);

    if (failures > 0) {
        std::fprintf(stderr, "feedback_cpp_test: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    std::printf("feedback_cpp_test: all %d checks passed\n", checks);
    return 0;
}

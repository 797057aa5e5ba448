// iterator_cpp_test.cpp checks vsag::SearchIterator of bindings/cpp/vsag.hpp against libvsag.so.
#include <cstdio>
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

int main() {
    const int64_t n = 400, dim = 8;
    std::vector<int64_t> ids(n);
    std::vector<float> data(n * dim);
    uint64_t s = 5;
    for (int64_t i = 0; i < n; ++i) ids[i] = 100 + i;
    for (auto& v : data) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v = static_cast<float>(s >> 40) / 16777216.0f;
    }
    struct Case {
        const char *name, *index_param, *search;
    };
    const Case cases[] = {
        {"brute_force", "{}", "{}"},
        {"hgraph", R"({"base_quantization_type":"fp32","max_degree":12,"ef_construction":60})",
         R"({"hgraph":{"ef_search":30}})"},
    };
    for (const Case& c : cases) {
        const std::string name = c.name;
        auto index = vsag::Factory::CreateIndex(
                         name, std::string(R"({"dtype":"float32","metric_type":"l2","dim":8,"index_param":)") +
                                   c.index_param + "}")
                         .value();
        CHECK(index->CheckFeature(vsag::SUPPORT_KNN_ITERATOR_FILTER_SEARCH));
        CHECK(index->CheckFeature(vsag::SUPPORT_CONTINUE_SEARCH_SESSION));
        auto base = vsag::Dataset::Make();
        base->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->Owner(false);
        CHECK(index->Build(base).has_value());
        const float* q = data.data() + 7 * dim;
        // exclude odd labels with a function filter; page until the end
        auto it = vsag::SearchIterator::Create(*index, q, c.search, [](int64_t id) { return id % 2 == 1; });
        CHECK(it.has_value());
        std::set<int64_t> seen;
        float last = -1;
        int pages = 0;
        for (;;) {
            auto page = it.value()->Next(17);
            CHECK(page.has_value());
            if (page->empty()) break;
            ++pages;
            for (size_t i = 0; i < page->size(); ++i) {
                CHECK(page->ids[i] % 2 == 0);
                CHECK(seen.insert(page->ids[i]).second);
                if (i > 0) CHECK(page->distances[i - 1] <= page->distances[i]);
            }
            if (name == "brute_force") CHECK(page->distances[0] >= last);
            last = page->distances.back();
        }
        CHECK(seen.size() == static_cast<size_t>(n / 2));
        CHECK(pages == (n / 2 + 16) / 17);
        // drain ends the session
        auto it2 = vsag::SearchIterator::Create(*index, q, c.search);
        CHECK(it2.has_value());
        auto first = it2.value()->Next(5);
        CHECK(first.has_value() && first->size() == 5);
        auto rest = it2.value()->Drain(1000);
        CHECK(rest.has_value() && !rest->empty());
        auto after = it2.value()->Next(5);
        CHECK(!after.has_value() && after.error().type == vsag::ErrorType::WRONG_STATUS);
        // bad parameters
        auto bad = vsag::SearchIterator::Create(*index, q, "{\"nope\":1}");
        CHECK(!bad.has_value() && bad.error().type == vsag::ErrorType::INVALID_ARGUMENT);
    }
    if (failures > 0) {
        std::fprintf(stderr, "iterator_cpp_test: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    std::printf("iterator_cpp_test: all %d checks passed\n", checks);
    return 0;
}

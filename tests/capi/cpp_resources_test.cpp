// cpp_resources_test.cpp checks the resource hooks of the C++ wrapper against libvsag.so:
// vsag::Options (global options, budget, logger), Index::SetMemoryBudget, Index::SetAllocator
// and Index::SetProgress (with a cancelled build and a cancelled load).
#include <atomic>
#include <cstdio>
#include <cstdlib>
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

static const char* kHGraph =
    R"({"dtype":"float32","metric_type":"l2","dim":16,"index_param":{"base_quantization_type":"fp32","max_degree":12,"ef_construction":60}})";

class CountingAllocator : public vsag::Allocator {
public:
    std::string Name() override { return "counting"; }
    void* Allocate(uint64_t size) override {
        ++calls;
        return std::malloc(size);
    }
    void Deallocate(void* p) override { std::free(p); }
    void* Reallocate(void* p, uint64_t size) override {
        ++calls;
        return std::realloc(p, size);
    }
    std::atomic<int> calls{0};
};

static CountingAllocator counting;  // outlives every block (see vsag::Allocator)

int main(int argc, char** argv) {
    std::string dir = argc > 1 ? argv[1] : "/tmp";
    const int64_t n = 3000, dim = 16;
    std::vector<int64_t> ids(n);
    std::vector<float> data(n * dim);
    uint64_t s = 9;
    for (int64_t i = 0; i < n; ++i) ids[i] = i;
    for (auto& v : data) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v = static_cast<float>(s >> 40) / 16777216.0f;
    }
    auto rows = [&](int64_t first, int64_t count) {
        auto ds = vsag::Dataset::Make();
        ds->NumElements(count)->Dim(dim)->Ids(ids.data() + first)->Float32Vectors(data.data() + first * dim)->Owner(false);
        return ds;
    };

    // options
    auto& opt = vsag::Options::Instance();
    CHECK(opt.num_threads_building() == 4);
    opt.set_num_threads_building(2);
    CHECK(opt.num_threads_building() == 2);
    opt.set_num_threads_building(4);
    bool threw = false;
    try {
        opt.set_block_size_limit(10);
    } catch (const vsag::Exception&) {
        threw = true;
    }
    CHECK(threw);
    CHECK(opt.block_size_limit() == 128u << 20);

    // logger
    std::atomic<int> warnings{0};
    opt.set_logger([&](int level, const std::string& msg) {
        if (level == VSAG_LOG_WARN && msg.find("NO_ENOUGH_MEMORY") != std::string::npos) ++warnings;
    });

    // a budget refuses the batch whole
    auto index = vsag::Factory::CreateIndex("hgraph", kHGraph).value();
    CHECK(index->SetMemoryBudget(200 << 10).has_value());
    CHECK(index->GetMemoryBudget() == 200u << 10);
    auto refused = index->Build(rows(0, n));
    CHECK(!refused.has_value() && refused.error().type == vsag::ErrorType::NO_ENOUGH_MEMORY);
    CHECK(index->GetNumElements() == 0);
    CHECK(warnings.load() >= 1);
    opt.set_logger(nullptr);
    CHECK(index->Build(rows(0, 500)).has_value());
    CHECK(index->GetBudgetedMemory() <= 200u << 10);
    CHECK(index->SetMemoryBudget(0).has_value());

    // allocator
    CHECK(index->SetAllocator(&counting).has_value());
    CHECK(index->Add(rows(500, n - 500)).has_value());
    CHECK(counting.calls.load() > 0);
    CHECK(index->GetNumElements() == n);

    // progress, and a load cancelled half way
    std::string path = dir + "/cpp_resources.vsag";
    CHECK(index->Serialize(path).has_value());
    auto dst = vsag::Factory::CreateIndex("hgraph", kHGraph).value();
    uint64_t last = 0, total = 0;
    int calls = 0;
    CHECK(dst->SetProgress([&](const std::string& op, uint64_t done, uint64_t t) {
                  CHECK(op == "load");
                  ++calls;
                  last = done;
                  total = t;
                  return done < t / 2;
              })
              .has_value());
    auto cancelled = dst->Deserialize(path);
    CHECK(!cancelled.has_value());
    CHECK(dst->GetNumElements() == 0);
    CHECK(dst->SetProgress([&](const std::string&, uint64_t done, uint64_t t) {
                  ++calls;
                  last = done;
                  total = t;
                  return true;
              })
              .has_value());
    CHECK(dst->Deserialize(path).has_value());
    CHECK(dst->GetNumElements() == n);
    CHECK(total > 0 && last == total);
    CHECK(calls > 2);
    CHECK(dst->SetProgress(nullptr).has_value());
    std::remove(path.c_str());

    if (failures) {
        std::fprintf(stderr, "cpp_resources_test: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    std::printf("cpp_resources_test: all %d checks passed\n", checks);
    return 0;
}

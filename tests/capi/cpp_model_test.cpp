// cpp_model_test.cpp checks hgraph's ExportModel, Merge and Tune through the C++ wrapper
// bindings/cpp/vsag.hpp: shards filled from the exported model merge back (one through VSAG's
// IdMapFunction) into an index that finds what the whole index finds; an index that keeps its
// raw vectors is tuned to other codes, saves and loads tuned, and refuses tuning once disabled.
#include <cstdio>
#include <sstream>
#include <string>
#include <tuple>
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

static const int64_t n = 800, dim = 12;
static std::vector<int64_t> ids(n);
static std::vector<float> data(n* dim);

static vsag::DatasetPtr rows(int64_t from, int64_t to, const int64_t* labels) {
    auto ds = vsag::Dataset::Make();
    ds->NumElements(to - from)->Dim(dim)->Ids(labels)->Float32Vectors(data.data() + from * dim);
    return ds;
}

// hits counts the queries (rows 0, 7, 14, ...) whose own label comes back first.
static int hits(const vsag::IndexPtr& idx) {
    int h = 0;
    for (int64_t r = 0; r < n; r += 7) {
        auto q = vsag::Dataset::Make();
        q->NumElements(1)->Dim(dim)->Float32Vectors(data.data() + r * dim);
        auto res = idx->KnnSearch(q, 1, R"({"hgraph":{"ef_search":60}})").value();
        h += res->GetIds()[0] == ids[r];
    }
    return h;
}

// parameters returns the create JSON in force (after a Tune, the tuned one).
static std::string parameters(const vsag::IndexPtr& idx) {
    uint64_t len = 0;
    vsag_index_get_parameters(idx->handle(), nullptr, 0, &len);
    std::string p(static_cast<size_t>(len) + 1, '\0');
    vsag_index_get_parameters(idx->handle(), &p[0], p.size(), &len);
    p.resize(static_cast<size_t>(len));
    return p;
}

int main() {
    uint64_t s = 11;
    for (int64_t i = 0; i < n; ++i) ids[i] = 100 + i;
    for (auto& v : data) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v = static_cast<float>(s >> 40) / 16777216.0f;
    }
    const std::string params =
        R"({"dtype":"float32","metric_type":"l2","dim":12,"index_param":{"base_quantization_type":"sq8",)"
        R"("store_raw_vector":true,"max_degree":16,"ef_construction":100}})";
    auto made = vsag::Factory::CreateIndex("hgraph", params);
    if (!made.has_value() && made.error().type == vsag::ErrorType::UNSUPPORTED_INDEX) {
        std::printf("hgraph is not in this library: skipping\n");
        return 0;
    }
    auto full = made.value();
    CHECK(full->Build(rows(0, n, ids.data())).value().empty());
    CHECK(full->CheckFeature(vsag::SUPPORT_EXPORT_MODEL) && full->CheckFeature(vsag::SUPPORT_MERGE_INDEX));
    CHECK(full->CheckFeature(vsag::SUPPORT_TUNE));

    // merge: two shards of the model, the second under shifted labels mapped back
    auto model = full->ExportModel().value();
    CHECK(model->GetNumElements() == 0 && model->GetIndexName() == "hgraph");
    const int64_t half = n / 2, offset = int64_t(1) << 35;
    auto a = model->Clone().value(), b = model->Clone().value(), merged = model->Clone().value();
    CHECK(a->Add(rows(0, half, ids.data())).value().empty());
    std::vector<int64_t> shifted(n - half);
    for (int64_t i = 0; i < n - half; ++i) shifted[i] = ids[half + i] + offset;
    CHECK(b->Add(rows(half, n, shifted.data())).value().empty());
    vsag::MergeUnit ua{a};
    vsag::MergeUnit ub{b, [](int64_t l) -> std::tuple<bool, int64_t> { return {true, l - offset}; }};
    auto fails = merged->Merge({ua, ub});
    CHECK(fails.has_value() && fails.value().empty());
    CHECK(merged->GetNumElements() == n);
    CHECK(merged->CheckIdExist(ids[n - 1]) && !merged->CheckIdExist(shifted[0]));
    int hf = hits(full), hm = hits(merged);
    std::printf("hgraph self-hits of %lld queries: whole %d, merged %d\n", static_cast<long long>((n + 6) / 7), hf, hm);
    CHECK(hm >= hf - 2);
    CHECK(merged->Merge({ua}).value().size() == static_cast<size_t>(half));

    // tune: sq8 -> fp16 from the raw vectors; the parameters follow, and a reload keeps them
    CHECK(full->Tune(R"({"index_param":{"base_quantization_type":"fp16"}})").value());
    CHECK(parameters(full).find("fp16") != std::string::npos);
    CHECK(hits(full) >= hf);
    std::stringstream ss;
    CHECK(full->Serialize(ss).has_value());
    auto tuned = vsag::Factory::CreateIndex("hgraph", parameters(full)).value();
    CHECK(tuned->Deserialize(ss).has_value());
    CHECK(tuned->GetNumElements() == n && tuned->CheckFeature(vsag::SUPPORT_TUNE));
    auto bad = full->Tune(R"({"index_param":{"max_degree":8}})");
    CHECK(!bad.has_value() && bad.error().type == vsag::ErrorType::INVALID_ARGUMENT);
    CHECK(full->Tune(R"({"index_param":{"base_quantization_type":"sq8_uniform","use_reorder":true}})", true).value());
    CHECK(!full->CheckFeature(vsag::SUPPORT_TUNE));
    auto off = full->Tune(R"({"index_param":{"base_quantization_type":"fp16"}})");
    CHECK(!off.has_value() && off.error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);
    auto bf = vsag::Factory::CreateIndex("brute_force", R"({"dtype":"float32","metric_type":"l2","dim":12})").value();
    CHECK(bf->Tune(R"({"index_param":{}})").error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);

    if (failures > 0) {
        std::fprintf(stderr, "cpp_model_test: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    std::printf("cpp_model_test: all %d checks passed\n", checks);
    return 0;
}

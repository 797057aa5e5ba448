// IVF in C++ with bindings/cpp/vsag.hpp: train the buckets on generated data, search a few
// buckets or all of them, name the buckets of one search, save and load, and merge two shards
// filled from the exported model (the second one's labels renamed through VSAG's id map
// function).
//
//   c++ -std=c++17 -Iinclude -Ibindings/cpp examples/cpp/ivf.cpp -Lbuild/lib -lvsag
#include <cstdio>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "vsag.hpp"

int main(int argc, char** argv) {
    std::string path = argc > 1 ? argv[1] : "ivf_cpp.vsag";
    const int64_t num = 4000, dim = 32, buckets = 32, nq = 20, k = 10;

    // points around a few centres
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> centre(-4, 4), noise(-0.5f, 0.5f);
    std::uniform_int_distribution<int64_t> pick(0, buckets - 1);
    std::vector<float> centres(buckets * dim);
    for (auto& c : centres) c = centre(rng);
    auto clustered = [&](int64_t n) {
        std::vector<float> v(n * dim);
        for (int64_t i = 0; i < n; ++i) {
            int64_t c = pick(rng);
            for (int64_t j = 0; j < dim; ++j) v[i * dim + j] = centres[c * dim + j] + noise(rng);
        }
        return v;
    };
    std::vector<float> data = clustered(num), queries = clustered(nq);
    std::vector<int64_t> ids(num);
    for (int64_t i = 0; i < num; ++i) ids[i] = i;

    auto index = vsag::Factory::CreateIndex("ivf", R"({"dtype":"float32","metric_type":"l2","dim":32,
        "index_param":{"buckets_count":32,"base_quantization_type":"sq8","use_reorder":true,
                       "precise_quantization_type":"fp32"}})")
                     .value();
    auto sample = vsag::Dataset::Make();
    sample->NumElements(2000)->Dim(dim)->Float32Vectors(data.data());
    index->Train(sample).value();  // k-means centroids and sq8 ranges
    auto base = vsag::Dataset::Make();
    base->NumElements(num)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data());
    index->Add(base).value();

    auto knn = [&](const vsag::IndexPtr& idx, const std::string& params) {
        std::vector<int64_t> out;
        for (int64_t q = 0; q < nq; ++q) {
            auto query = vsag::Dataset::Make();
            query->NumElements(1)->Dim(dim)->Float32Vectors(queries.data() + q * dim);
            auto r = idx->KnnSearch(query, k, params).value();
            out.insert(out.end(), r->GetIds(), r->GetIds() + r->GetDim());
        }
        return out;
    };
    auto all = knn(index, R"({"ivf":{"scan_buckets_count":32}})");
    auto one = knn(index, R"({"ivf":{"scan_buckets_count":1}})");
    std::set<int64_t> truth(all.begin(), all.end());
    size_t hits = 0;
    for (auto id : one) hits += truth.count(id);
    std::printf("scan_buckets_count=1: %zu of %zu neighbours of the all-bucket search\n", hits, all.size());

    // one search over named buckets only
    auto named = index->Search(vsag::SearchRequest::Knn(5)
                                   .Query(queries.data(), dim)
                                   .Parameters(R"({"ivf":{"scan_buckets_count":1}})")
                                   .BucketIds({0, 1, 2}))
                     .value();
    std::printf("buckets 0-2: %zu results\n", named.ids.size());

    const std::string search = R"({"ivf":{"scan_buckets_count":8}})";
    auto want = knn(index, search);
    index->Serialize(path).value();
    auto loaded = vsag::Index::LoadFile(path).value();
    bool ok = knn(loaded, search) == want;
    std::printf("saved to %s and loaded: %s\n", path.c_str(), ok ? "same results" : "DIFFERENT results");

    // the trained model, empty: two copies filled separately, merged into a third
    auto model = index->ExportModel().value();
    auto shard_a = model->Clone().value(), shard_b = model->Clone().value(), merged = model->Clone().value();
    const int64_t half = num / 2, shift = 1000000;
    std::vector<int64_t> shifted(ids.begin() + half, ids.end());
    for (auto& id : shifted) id += shift;
    auto part_a = vsag::Dataset::Make();
    part_a->NumElements(half)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data());
    auto part_b = vsag::Dataset::Make();
    part_b->NumElements(num - half)->Dim(dim)->Ids(shifted.data())->Float32Vectors(data.data() + half * dim);
    shard_a->Add(part_a).value();
    shard_b->Add(part_b).value();
    vsag::MergeUnit a{shard_a};
    vsag::MergeUnit b{shard_b, [&](int64_t id) { return std::make_tuple(true, id - shift); }};
    auto failed = merged->Merge({a, b}).value();
    bool same = knn(merged, search) == want;
    std::printf("merged two shards of the exported model: %lld vectors, %zu failed, %s\n",
                static_cast<long long>(merged->GetNumElements()), failed.size(),
                same ? "same results" : "DIFFERENT results");
    std::remove(path.c_str());
    return ok && same && failed.empty() && merged->GetNumElements() == num ? 0 : 1;
}

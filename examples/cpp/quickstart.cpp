// Quickstart in C++ with bindings/cpp/vsag.hpp, shaped like VSAG's C++ hgraph example: build an
// hgraph index over random vectors, search it, save it and load it into a new index.
//
//   c++ -std=c++17 -Iinclude -Ibindings/cpp examples/cpp/quickstart.cpp -Lbuild/lib -lvsag
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "vsag.hpp"

int main(int argc, char** argv) {
    std::string path = argc > 1 ? argv[1] : "quickstart_cpp.vsag";
    vsag::init();

    /******************* Prepare Base Dataset *****************/
    int64_t num_vectors = 1000;
    int64_t dim = 128;
    std::vector<int64_t> ids(num_vectors);
    std::vector<float> datas(num_vectors * dim);
    std::mt19937 rng(47);
    std::uniform_real_distribution<float> distrib_real;
    for (int64_t i = 0; i < num_vectors; ++i) ids[i] = i;
    for (int64_t i = 0; i < dim * num_vectors; ++i) datas[i] = distrib_real(rng);
    auto base = vsag::Dataset::Make();
    base->NumElements(num_vectors)->Dim(dim)->Ids(ids.data())->Float32Vectors(datas.data())->Owner(false);

    /******************* Create HGraph Index *****************/
    std::string index_name = "hgraph";
    std::string build_parameters = R"(
    {
        "dtype": "float32",
        "metric_type": "l2",
        "dim": 128,
        "index_param": {
            "base_quantization_type": "fp32",
            "max_degree": 26,
            "ef_construction": 100,
            "alpha": 1.2
        }
    }
    )";
    std::string search_parameters = R"({"hgraph": {"ef_search": 100}})";
    auto created = vsag::Factory::CreateIndex(index_name, build_parameters);
    if (!created.has_value() && created.error().type == vsag::ErrorType::UNSUPPORTED_INDEX) {
        std::cout << "note: this libvsag has no hgraph index; using brute_force instead" << std::endl;
        index_name = "brute_force";
        build_parameters = R"({"dtype": "float32", "metric_type": "l2", "dim": 128})";
        search_parameters = "{}";
        created = vsag::Factory::CreateIndex(index_name, build_parameters);
    }
    auto index = created.value();

    /******************* Build Index *****************/
    if (auto build_result = index->Build(base); build_result.has_value()) {
        std::cout << "After Build(), Index " << index_name << " contains: " << index->GetNumElements() << std::endl;
    } else {
        std::cerr << "Failed to build index: " << build_result.error().message << std::endl;
        return 1;
    }

    /******************* KnnSearch *****************/
    std::vector<float> query_vector(datas.begin() + 5 * dim, datas.begin() + 6 * dim);  // base vector 5
    auto query = vsag::Dataset::Make();
    query->NumElements(1)->Dim(dim)->Float32Vectors(query_vector.data())->Owner(false);
    int64_t topk = 10;
    auto result = index->KnnSearch(query, topk, search_parameters).value();
    std::cout << "results: " << std::endl;
    for (int64_t i = 0; i < result->GetDim(); ++i) {
        std::cout << result->GetIds()[i] << ": " << result->GetDistances()[i] << std::endl;
    }
    bool ok = result->GetDim() == topk && result->GetIds()[0] == 5;

    /******************* Save and Load *****************/
    index->Serialize(path).value();
    auto loaded = vsag::Factory::CreateIndex(index_name, build_parameters).value();
    loaded->Deserialize(path).value();
    auto again = loaded->KnnSearch(query, topk, search_parameters).value();
    for (int64_t i = 0; i < topk && ok; ++i) ok = again->GetIds()[i] == result->GetIds()[i];
    std::cout << "saved to " << path << " and loaded: " << (ok ? "same results" : "DIFFERENT results") << std::endl;
    std::remove(path.c_str());
    return ok ? 0 : 1;
}

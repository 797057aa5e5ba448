// The C++ half of the consumer: vsag.hpp from the installed package.
#include <vsag.hpp>

#include <cstdio>
#include <vector>

extern "C" int consumer_c_search(vsag_index_t index, const float* query, int64_t* best);

int main() {
    std::vector<float> data = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
    std::vector<int64_t> ids = {10, 11, 12};
    auto index = vsag::Factory::CreateIndex("brute_force", R"({"dtype":"float32","metric_type":"l2","dim":4})").value();
    auto base = vsag::Dataset::Make();
    base->NumElements(3)->Dim(4)->Ids(ids.data())->Float32Vectors(data.data());
    index->Build(base).value();
    int64_t best = -1;
    int rc = consumer_c_search(index->handle(), data.data() + 8, &best);
    std::printf("consumer: vsag %s, %lld vectors, nearest to row 2 is %lld\n", vsag::version().c_str(),
                static_cast<long long>(index->GetNumElements()), static_cast<long long>(best));
    return rc == 0 && best == 12 ? 0 : 1;
}

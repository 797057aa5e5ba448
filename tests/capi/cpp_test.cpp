// cpp_test.cpp checks the C++ wrapper bindings/cpp/vsag.hpp against libvsag.so.
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>
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

int main(int argc, char** argv) {
    std::string dir = argc > 1 ? argv[1] : "/tmp";
    const int64_t n = 300, dim = 8;
    std::vector<int64_t> ids(n);
    std::vector<float> data(n * dim);
    uint64_t s = 3;
    for (int64_t i = 0; i < n; ++i) ids[i] = i;
    for (auto& v : data) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v = static_cast<float>(s >> 40) / 16777216.0f;
    }
    const std::string params = R"({"dtype":"float32","metric_type":"l2","dim":8})";

    CHECK(vsag::init());
    CHECK(vsag::version() == VSAG_VERSION);

    // errors as expected values and as exceptions
    auto bad = vsag::Factory::CreateIndex("brute_force", "{");
    CHECK(!bad.has_value() && bad.error().type == vsag::ErrorType::INVALID_ARGUMENT);
    CHECK(bad.error().code() == VSAG_INVALID_ARGUMENT && !bad.error().message.empty());
    bool thrown = false;
    try {
        bad.value();
    } catch (const vsag::Exception& e) {
        thrown = e.code() == VSAG_INVALID_ARGUMENT && e.type() == vsag::ErrorType::INVALID_ARGUMENT;
    }
    CHECK(thrown);
    CHECK(!vsag::Factory::CreateIndex("nope", params).has_value());

    auto index = vsag::Factory::CreateIndex("brute_force", params).value();
    CHECK(index->GetIndexName() == "brute_force");
    CHECK(!index->GetMinAndMaxId().has_value());
    auto base = vsag::Dataset::Make();
    base->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->Owner(false);
    CHECK(base->GetNumElements() == n && base->GetDim() == dim && base->GetIds() == ids.data());
    CHECK(index->Train(base).has_value());
    auto failed = index->Build(base);
    CHECK(failed.has_value() && failed.value().empty());
    auto again = index->Add(base);
    CHECK(again.has_value() && again.value().size() == static_cast<size_t>(n));
    CHECK(index->GetNumElements() == n);
    CHECK(index->CheckFeature(vsag::SUPPORT_KNN_SEARCH));
    CHECK(index->GetMemoryUsage() > 0 && index->EstimateMemory(1000) > 0);

    auto query = vsag::Dataset::Make();
    query->NumElements(1)->Dim(dim)->Float32Vectors(data.data() + 7 * dim);
    auto res = index->KnnSearch(query, 5, "").value();
    CHECK(res->GetDim() == 5 && res->GetIds()[0] == 7 && res->GetDistances()[0] == 0.0f);
    CHECK(res->GetStatistics().find("dist_cmp") != std::string::npos);
    CHECK(!index->KnnSearch(query, 0, "").has_value());
    CHECK(index->KnnSearch(query, 0, "").error().type == vsag::ErrorType::INVALID_ARGUMENT);

    // a std::function filter returns true to EXCLUDE; a bitset's set bits exclude
    auto odd = index->KnnSearch(query, 5, "", [](int64_t id) { return id % 2 == 0; }).value();
    for (int64_t i = 0; i < odd->GetDim(); ++i) CHECK(odd->GetIds()[i] % 2 == 1);
    auto invalid = vsag::Bitset::Make();
    invalid->Set(7);
    invalid->Set(std::vector<int64_t>{1, 2, 3});
    CHECK(invalid->Test(7) && !invalid->Test(8) && invalid->Count() == 4);
    auto without7 = index->KnnSearch(query, 5, "", invalid).value();
    for (int64_t i = 0; i < without7->GetDim(); ++i) CHECK(without7->GetIds()[i] != 7);
    invalid->Clear();
    CHECK(invalid->Count() == 0);

    // range search with a cap
    auto range = index->RangeSearch(query, res->GetDistances()[4], "", nullptr, 3).value();
    CHECK(range->GetDim() == 3 && range->GetIds()[0] == 7);

    // batch search into caller buffers
    std::vector<int64_t> bids(4 * 5);
    std::vector<float> bd(4 * 5);
    CHECK(index->BatchKnnSearch(data.data(), 4, 5, "", bids.data(), bd.data()).has_value());
    for (int q = 0; q < 4; ++q) CHECK(bids[q * 5] == q);

    // distances and vectors by id
    int64_t some[2] = {7, 100};
    auto dd = index->CalDistanceById(data.data() + 7 * dim, some, 2).value();
    CHECK(dd->GetDistances()[0] == 0.0f && dd->GetDistances()[1] > 0.0f);
    // many queries in one call: query q (row q of data) against labels {q, 100, -1}
    int64_t per[3 * 3] = {0, 100, -1, 1, 100, -1, 2, 100, -1};
    float pd[3 * 3];
    CHECK(index->BatchCalcDistanceById(data.data(), 3, per, 3, pd).has_value());
    for (int q = 0; q < 3; ++q) CHECK(pd[q * 3] == 0.0f && pd[q * 3 + 1] > 0.0f && pd[q * 3 + 2] == -1.0f);
    CHECK(index->CheckFeature(vsag::SUPPORT_BATCH_CALC_DISTANCE_BY_ID));
    CHECK(vsag::SUPPORT_BATCH_CALC_DISTANCE_BY_ID == 51 && vsag::SUPPORT_ANALYZE_INDEX_BY_SEARCH == 54);
    CHECK(vsag::SUPPORT_TRAIN_WITH_MULTI_THREAD == 24 && vsag::SUPPORT_ADD_SEARCH_DELETE_CONCURRENT == 38);
    auto vv = index->GetRawVectorByIds(some, 2).value();
    CHECK(vv->GetFloat32Vectors()[dim] == data[100 * dim]);
    int64_t missing = 99999;
    CHECK(!index->GetRawVectorByIds(&missing, 1).has_value());

    // clone, update, remove
    auto copy = index->Clone().value();
    CHECK(copy->UpdateId(7, 7007).has_value());
    CHECK(!copy->CheckIdExist(7) && copy->CheckIdExist(7007) && index->CheckIdExist(7));
    auto upd = vsag::Dataset::Make();
    upd->NumElements(1)->Dim(dim)->Float32Vectors(data.data());
    CHECK(copy->UpdateVector(7007, upd, true).has_value());
    CHECK(copy->Remove(7007).value());
    CHECK(!copy->Remove(7007).value());
    CHECK(copy->Remove(std::vector<int64_t>{1, 2, 99999}).value() == 2);
    CHECK(copy->GetNumberRemoved() == 3 && copy->GetNumElements() == n - 3);
    auto mm = copy->GetMinAndMaxId().value();
    CHECK(mm.first == 0 && mm.second == n - 1);
    CHECK(copy->ExportIDs().size() == static_cast<size_t>(n - 3));
    auto model = index->ExportModel();
    CHECK(model.has_value() || model.error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);

    // streams and files
    std::stringstream ss;
    CHECK(index->Serialize(ss).has_value());
    auto from_stream = vsag::Factory::CreateIndex("brute_force", params).value();
    CHECK(from_stream->Deserialize(ss).has_value());
    CHECK(from_stream->GetNumElements() == n);
    std::string path = dir + "/cpp_test.vsag";
    CHECK(index->Serialize(path).has_value());
    auto loaded = vsag::Index::LoadFile(path).value();
    CHECK(loaded->GetNumElements() == n);
    auto r2 = loaded->KnnSearch(query, 5, "").value();
    for (int i = 0; i < 5; ++i) CHECK(r2->GetIds()[i] == res->GetIds()[i]);
    auto missing_file = vsag::Index::LoadFile(dir + "/no-such.vsag");
    CHECK(!missing_file.has_value() && missing_file.error().type == vsag::ErrorType::MISSING_FILE);
    auto empty = vsag::Factory::CreateIndex("brute_force", params).value();
    CHECK(empty->Deserialize(dir + "/no-such.vsag").error().type == vsag::ErrorType::MISSING_FILE);
    std::remove(path.c_str());

    // attributes: a dataset route and a vectors route, then a filter expression with an id filter
    {
        std::string js = "[";
        for (int64_t i = 0; i < n; ++i) {
            js += (i ? "," : "");
            js += "{\"c\":\"" + std::string(i % 2 ? "odd" : "even") + "\",\"i\":" + std::to_string(i) + "}";
        }
        js += "]";
        auto ai = vsag::Factory::CreateIndex("brute_force", params).value();
        auto ab = vsag::Dataset::Make();
        ab->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->Attributes(js);
        CHECK(ai->Build(ab).value().empty());
        auto av = vsag::Factory::CreateIndex("brute_force", params).value();
        CHECK(av->BuildWithAttributes(data.data(), ids.data(), 100, js.substr(0, js.find(",{\"c\":\"even\",\"i\":100}")) + "]")
                  .value()
                  .empty());
        CHECK(av->AddWithAttributes(data.data() + 7 * dim, ids.data() + 7, 1, "[{\"c\":\"x\"}]").value().size() == 1);
        CHECK(!av->AddWithAttributes(data.data(), ids.data(), 2, "[{}]").has_value());
        for (auto* x : {ai.get(), av.get()}) {
            std::vector<int64_t> fi(2 * 5);
            std::vector<float> fd(2 * 5);
            vsag_filter_t f = VSAG_FILTER_INIT;
            int64_t excl = 3;
            f.exclude_ids = &excl;
            f.num_exclude_ids = 1;
            CHECK(x->BatchKnnSearchWithFilterString(data.data(), 2, 5, "", "c = \"odd\" AND i < 20", fi.data(),
                                                    fd.data(), &f)
                      .has_value());
            for (int64_t l : fi) CHECK(l == -1 || (l % 2 == 1 && l < 20 && l != 3));
            CHECK(x->BatchKnnSearchWithFilterString(data.data(), 1, 5, "", "c =", fi.data(), fd.data())
                      .error()
                      .type == vsag::ErrorType::INVALID_ARGUMENT);
        }
        int64_t some_ids[2] = {7, 8};
        auto got = av->GetAttributes(some_ids, 2).value();
        CHECK(got.find("\"odd\"") != std::string::npos && got.find("\"even\"") != std::string::npos);
        CHECK(!av->GetAttributes(&missing, 1).has_value());
        char ebuf[4];
        CHECK(av->GetExtraInfoByIds(some_ids, 1, ebuf).error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);
        auto ei = vsag::Factory::CreateIndex("brute_force", R"({"dtype":"float32","metric_type":"l2","dim":8,"extra_info_size":2})").value();
        std::vector<char> extra(static_cast<size_t>(n * 2));
        for (int64_t i = 0; i < n; ++i) extra[i * 2] = static_cast<char>('a' + i % 26), extra[i * 2 + 1] = '!';
        auto eb = vsag::Dataset::Make();
        eb->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->ExtraInfoSize(2)->ExtraInfos(extra.data());
        CHECK(ei->Build(eb).value().empty());
        CHECK(ei->GetExtraInfoByIds(some_ids, 2, ebuf).has_value());
        CHECK(ebuf[0] == 'h' && ebuf[1] == '!' && ebuf[2] == 'i');
    }

    // LeanVec calls: errors on a brute_force fp32 index come back as values
    {
        std::vector<float> m(2 * dim, 0.5f);
        auto lv = index->SetLeanVecMatrices(m.data(), nullptr, nullptr, 2);
        CHECK(!lv.has_value());
        auto tq = index->TrainWithQueries(data.data(), 10, data.data(), 5);
        CHECK(!tq.has_value());
        auto fresh = vsag::Factory::CreateIndex("brute_force", params).value();
        auto tq2 = fresh->TrainWithQueries(data.data(), 10, data.data(), 5);
        CHECK(tq2.has_value() || tq2.error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);
        auto lvi = vsag::Factory::CreateIndex(
            "hgraph", R"({"dtype":"float32","metric_type":"l2","dim":8,"index_param":{"base_quantization_type":"leanvec","leanvec_dims":2,"leanvec_training":"ood","max_degree":8,"ef_construction":20}})");
        if (lvi.has_value()) {
            std::vector<float> dm(2 * dim, 0.0f), qm(2 * dim, 0.0f);
            for (int64_t j = 0; j < dim; ++j) dm[(j / 4) * dim + j] = 0.5f, qm[(j / 4) * dim + j] = 0.4f;
            CHECK(lvi.value()->SetLeanVecMatrices(dm.data(), qm.data(), nullptr, 2).has_value());
            CHECK(lvi.value()->Build(base).value().empty());
            CHECK(lvi.value()->SetLeanVecMatrices(dm.data(), qm.data(), nullptr, 2).error().type ==
                  vsag::ErrorType::WRONG_STATUS);
            auto lvt = vsag::Factory::CreateIndex(
                           "hgraph", R"({"dtype":"float32","metric_type":"l2","dim":8,"index_param":{"base_quantization_type":"leanvec","leanvec_dims":2,"leanvec_training":"ood","max_degree":8,"ef_construction":20}})")
                           .value();
            CHECK(lvt->TrainWithQueries(data.data(), n, data.data(), 50).has_value());
            CHECK(lvt->Build(base).value().empty());
            auto lr = lvt->KnnSearch(query, 5, R"({"hgraph":{"ef_search":50}})").value();
            CHECK(lr->GetDim() == 5);
        }
    }

    // SearchRequest: knn with every filter ANDed and expected labels, range with a growing
    // buffer, extra infos, and the query kinds the dense index refuses
    {
        auto ri = vsag::Factory::CreateIndex("brute_force", R"({"dtype":"float32","metric_type":"l2","dim":8,"extra_info_size":2})").value();
        std::vector<char> extra(static_cast<size_t>(n * 2));
        for (int64_t i = 0; i < n; ++i) extra[i * 2] = static_cast<char>(i % 128), extra[i * 2 + 1] = '#';
        auto rb = vsag::Dataset::Make();
        rb->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->ExtraInfoSize(2)->ExtraInfos(extra.data());
        CHECK(ri->Build(rb).value().empty());
        CHECK(ri->ExtraInfoSize() == 2 && index->ExtraInfoSize() == 0);
        const float* q = data.data() + 7 * dim;
        auto all = ri->Search(vsag::SearchRequest::Knn(10).Query(q, dim)).value();
        CHECK(all.ids.size() == 10 && all.ids[0] == 7 && all.distances[0] == 0.0f);
        CHECK(all.extra_infos.size() == 20 && all.extra_infos[0] == 7 && all.extra_infos[1] == '#');
        for (size_t i = 1; i < all.ids.size(); ++i) CHECK(all.distances[i] >= all.distances[i - 1]);

        auto bs = vsag::Bitset::Make();
        bs->Set(all.ids[1]);
        vsag_filter_t spec = VSAG_FILTER_INIT;
        int64_t excl = all.ids[2];
        spec.exclude_ids = &excl;
        spec.num_exclude_ids = 1;
        auto req = vsag::SearchRequest::Knn(5)
                       .Query(q, dim)
                       .Invalid(bs)
                       .FilterSpec(&spec)
                       .ExcludeIf([&](int64_t id) { return id == all.ids[3]; })
                       .ExpectedLabels({all.ids[0], all.ids[1], all.ids[2], all.ids[3], 424242, all.ids[9]});
        auto fr = ri->Search(req).value();
        CHECK(fr.ids.size() == 5 && fr.ids[0] == 7 && fr.ids[1] == all.ids[4]);
        CHECK(fr.expected.size() == 6);
        CHECK(fr.expected[0].reason == vsag::SearchReason::FOUND && fr.expected[0].distance == 0.0f);
        for (int i = 1; i <= 3; ++i) CHECK(fr.expected[i].reason == vsag::SearchReason::FILTERED);
        CHECK(fr.expected[4].reason == vsag::SearchReason::ABSENT && std::isnan(fr.expected[4].distance));
        CHECK(fr.expected[5].reason == vsag::SearchReason::BEYOND_K && fr.expected[5].label == all.ids[9]);
        auto kept = ri->Search(vsag::SearchRequest::Knn(3).Query(q, dim).KeepIf([](int64_t id) { return id % 3 == 0; })).value();
        for (int64_t l : kept.ids) CHECK(l % 3 == 0);
        // extra-info filter: the first extra byte is label % 128; ANDed with a FilterSpec
        auto xr = ri->Search(vsag::SearchRequest::Knn(5).Query(q, dim).FilterSpec(&spec).KeepExtraInfoIf(
                                 [](const uint8_t* info, uint64_t size) { return size == 2 && info[0] % 2 == 1; }))
                      .value();
        CHECK(xr.ids.size() == 5);
        for (int64_t l : xr.ids) CHECK(l % 2 == 1 && l != excl);
        {
            std::vector<int64_t> odd;
            for (int64_t l : all.ids)
                if (l % 2 == 1 && l != excl) odd.push_back(l);
            for (size_t i = 0; i < odd.size() && i < xr.ids.size(); ++i) CHECK(xr.ids[i] == odd[i]);
        }
        auto none = ri->Search(vsag::SearchRequest::Knn(5).Query(q, dim).KeepExtraInfoIf(
                                   [](const uint8_t*, uint64_t) { return false; }))
                        .value();
        CHECK(none.ids.empty() || none.ids[0] == -1);
        auto unsup = index->Search(vsag::SearchRequest::Knn(5).Query(q, dim).KeepExtraInfoIf(
            [](const uint8_t*, uint64_t) { return true; }));
        CHECK(!unsup && unsup.error().code() == VSAG_UNSUPPORTED_INDEX_OPERATION);

        // range: more results than the first buffer holds (64) are fetched in a second call
        auto wide = ri->Search(vsag::SearchRequest::Range(1e9f).Query(q, dim)).value();
        CHECK(wide.ids.size() == static_cast<size_t>(n) && wide.ids[0] == 7 && wide.extra_infos.size() == static_cast<size_t>(2 * n));
        auto capped = ri->Search(vsag::SearchRequest::Range(1e9f, 4).Query(q, dim)).value();
        CHECK(capped.ids.size() == 4 && capped.ids[3] == all.ids[3]);
        auto within = ri->Search(vsag::SearchRequest::Range(all.distances[2]).Query(q, dim)).value();
        CHECK(within.ids.size() == 3);

        // a dataset query (its first row), and errors as values
        auto qd = vsag::Dataset::Make();
        qd->NumElements(2)->Dim(dim)->Float32Vectors(q);
        auto dq = ri->Search(vsag::SearchRequest::Knn(1).Query(qd)).value();
        CHECK(dq.ids.size() == 1 && dq.ids[0] == 7);
        auto e0 = ri->Search(vsag::SearchRequest::Knn(0).Query(q, dim));
        CHECK(!e0.has_value() && e0.error().type == vsag::ErrorType::INVALID_ARGUMENT);
        auto eb = ri->Search(vsag::SearchRequest::Knn(1).Query(q, dim).BucketIds({1, 2}));
        CHECK(!eb.has_value() && eb.error().message.find("bucket_ids") != std::string::npos);
        auto ed = ri->Search(vsag::SearchRequest::Knn(1).Query(q, dim - 1));
        CHECK(!ed.has_value() && ed.error().type == vsag::ErrorType::DIMENSION_NOT_EQUAL);
        auto ex = ri->Search(vsag::SearchRequest::Knn(1).Query(q, dim).FilterExpr("c ="));
        CHECK(!ex.has_value() && ex.error().type == vsag::ErrorType::INVALID_ARGUMENT);

        // sparse, multi-vector and path queries reach the index, which names the kind it refuses
        uint32_t tids[3] = {2, 5, 9};
        float tvals[3] = {1, 2, 3};
        auto sq = ri->Search(vsag::SearchRequest::Knn(1).SparseQuery(tids, tvals, 3));
        CHECK(!sq.has_value() && sq.error().message.find("sparse rows") != std::string::npos);
        tids[1] = 1;
        auto su = ri->Search(vsag::SearchRequest::Knn(1).SparseQuery(tids, tvals, 3));
        CHECK(!su.has_value() && su.error().message.find("sorted and unique") != std::string::npos);
        auto mq = ri->Search(vsag::SearchRequest::Knn(1).MultiVectorQuery(data.data(), 3, dim));
        CHECK(!mq.has_value() && mq.error().message.find("multi-vector documents") != std::string::npos);
        auto pq = ri->Search(vsag::SearchRequest::Knn(1).Query(q, dim).Path("a/b"));
        CHECK(!pq.has_value() && pq.error().message.find("pyramid") != std::string::npos);
        auto ep = ri->Search(vsag::SearchRequest::Knn(1).Query(q, dim).Path("a//b"));
        CHECK(!ep.has_value() && ep.error().message.find("empty segment") != std::string::npos);
    }

    // a sparse index: distances by id from a sparse query dataset, and the stored rows back
    {
        auto si = vsag::Factory::CreateIndex(
                      "sindi",
                      R"({"dtype":"sparse","metric_type":"ip","dim":8,"index_param":{"use_reorder":true}})")
                      .value();
        int64_t off[4] = {0, 2, 5, 6};
        uint32_t tid[6] = {1, 7, 2, 7, 9, 4};
        float tv[6] = {0.5f, 1.0f, 2.0f, 0.25f, 1.5f, 3.0f};
        int64_t sids[3] = {10, 11, 12};
        auto sd = vsag::Dataset::Make();
        sd->NumElements(3)->Ids(sids)->SparseVectors(off, tid, tv, 6);
        CHECK(si->Build(sd).has_value());
        int64_t qoff[2] = {0, 2};
        uint32_t qt[2] = {2, 7};
        float qv[2] = {1.0f, 2.0f};
        auto q = vsag::Dataset::Make();
        q->NumElements(1)->SparseVectors(qoff, qt, qv, 2);
        int64_t want[4] = {10, 11, 99, 12};
        auto d = si->CalDistanceById(q, want, 4).value();
        const float* dd = d->GetDistances();
        CHECK(std::fabs(dd[0] - (1 - 2.0f)) < 1e-6f);          // 7: 1.0 * 2
        CHECK(std::fabs(dd[1] - (1 - (2.0f + 0.5f))) < 1e-6f);  // 2: 2*1, 7: 0.25*2
        CHECK(dd[2] == -1.0f && dd[3] == 1.0f);
        auto dense = si->CalDistanceById(data.data(), want, 4);
        CHECK(!dense.has_value());
        int64_t back[2] = {12, 10};
        auto rows = si->GetRawVectorByIds(back, 2).value();
        auto rv = rows->GetSparseVectors();
        CHECK(rows->GetNumElements() == 2 && rows->GetIds()[0] == 12 && rows->GetIds()[1] == 10);
        CHECK(rv.nnz == 3 && rv.offsets[1] == 1 && rv.term_ids[0] == 4 && rv.values[0] == 3.0f);
        CHECK(rv.term_ids[1] == 1 && rv.term_ids[2] == 7 && rv.values[2] == 1.0f);
        int64_t missing[1] = {99};
        auto bad = si->GetSparseVectorByIds(missing, 1);
        CHECK(!bad.has_value() && bad.error().type == vsag::ErrorType::INVALID_ARGUMENT);
        auto di = vsag::Factory::CreateIndex("brute_force", params).value();
        auto no = di->GetSparseVectorByIds(want, 1);
        CHECK(!no.has_value() && no.error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);
        auto nq = di->CalDistanceById(q, want, 1);
        CHECK(!nq.has_value() && nq.error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);
    }

    // datasets of sparse, multi-vector and path rows: bad rows are INVALID_ARGUMENT with the
    // reason, good ones reach the index (which takes dense vectors), nothing is inserted
    {
        auto di = vsag::Factory::CreateIndex("brute_force", params).value();
        int64_t off[3] = {0, 2, 3};
        uint32_t tid[3] = {4, 8, 1};
        float tv[3] = {1, 1, 1};
        auto sd = vsag::Dataset::Make();
        sd->NumElements(2)->Ids(ids.data())->SparseVectors(off, tid, tv, 3);
        auto sv = sd->GetSparseVectors();
        CHECK(sv.offsets == off && sv.term_ids == tid && sv.values == tv && sv.nnz == 3);
        auto r1 = di->Build(sd);
        CHECK(!r1.has_value() && r1.error().message.find("sparse rows") != std::string::npos);
        tid[1] = 4;
        auto r2b = di->Build(sd);
        CHECK(!r2b.has_value() && r2b.error().message.find("sorted and unique") != std::string::npos);
        sd->SparseVectors(off, tid, tv, 2);
        auto r3 = di->Build(sd);
        CHECK(!r3.has_value() && r3.error().type == vsag::ErrorType::INVALID_ARGUMENT);

        int64_t counts[2] = {2, 3};
        auto md = vsag::Dataset::Make();
        md->NumElements(2)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->VectorCounts(counts, 5);
        uint64_t nv = 0;
        CHECK(md->GetVectorCounts(&nv) == counts && nv == 5);
        auto r4 = di->Build(md);
        CHECK(!r4.has_value() && r4.error().message.find("multi-vector documents") != std::string::npos);
        md->VectorCounts(counts, 6);
        auto r5 = di->Add(md);
        CHECK(!r5.has_value() && r5.error().message.find("add up") != std::string::npos);

        auto pd2 = vsag::Dataset::Make();
        pd2->NumElements(2)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->Paths({"x/y", "x/z"});
        CHECK(pd2->GetPaths() == (std::vector<std::string>{"x/y", "x/z"}));
        auto r6 = di->Build(pd2);
        CHECK(!r6.has_value() && r6.error().message.find("pyramid") != std::string::npos);
        pd2->Paths({"x/y", ""});
        auto r7 = di->Build(pd2);
        CHECK(!r7.has_value() && r7.error().message.find("empty path") != std::string::npos);
        CHECK(di->GetNumElements() == 0);
    }

    // Reset and UpdateExtraInfo
    {
        const char* ep = R"({"dtype":"float32","metric_type":"l2","dim":8,"extra_info_size":2})";
        auto ui = vsag::Factory::CreateIndex("brute_force", ep).value();
        CHECK(ui->CheckFeature(vsag::SUPPORT_RESET) && ui->CheckFeature(vsag::SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT));
        std::vector<char> extra(static_cast<size_t>(n * 2), '.');
        auto ub = vsag::Dataset::Make();
        ub->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->ExtraInfoSize(2)->ExtraInfos(extra.data());
        CHECK(ui->Build(ub).value().empty());
        int64_t up[2] = {7, 9};
        CHECK(ui->UpdateExtraInfo(up, 2, "abcd").has_value());
        char eb[4];
        CHECK(ui->GetExtraInfoByIds(up, 2, eb).has_value() && std::string(eb, 4) == "abcd");
        auto sr = ui->Search(vsag::SearchRequest::Knn(1).Query(data.data() + 7 * dim, dim)).value();
        CHECK(sr.ids.size() == 1 && sr.ids[0] == 7 && sr.extra_infos.size() == 2 && sr.extra_infos[0] == 'a');
        int64_t bad[2] = {9, 100000};
        auto ue = ui->UpdateExtraInfo(bad, 2, "xxyy");
        CHECK(!ue.has_value() && ue.error().type == vsag::ErrorType::INVALID_ARGUMENT);
        CHECK(ui->GetExtraInfoByIds(up, 2, eb).has_value() && std::string(eb, 4) == "abcd");
        // the dataset form: ids and extra infos of a dataset
        std::vector<char> two = {'p', 'q', 'r', 's'};
        auto ud = vsag::Dataset::Make();
        ud->NumElements(2)->Ids(up)->ExtraInfoSize(2)->ExtraInfos(two.data());
        CHECK(ui->UpdateExtraInfo(ud).has_value());
        CHECK(ui->GetExtraInfoByIds(up, 2, eb).has_value() && std::string(eb, 4) == "pqrs");
        ud->ExtraInfoSize(1);
        CHECK(ui->UpdateExtraInfo(ud).error().type == vsag::ErrorType::INVALID_ARGUMENT);

        CHECK(ui->Reset().has_value());
        CHECK(ui->GetNumElements() == 0);
        CHECK(ui->KnnSearch(query, 5, "").value()->GetDim() == 0);
        CHECK(ui->Build(ub).value().empty());
        CHECK(ui->GetNumElements() == n);
        auto again = ui->KnnSearch(query, 5, "").value();
        CHECK(again->GetDim() == 5 && again->GetIds()[0] == 7);
        CHECK(ui->GetExtraInfoByIds(up, 1, eb).has_value() && eb[0] == '.');
        CHECK(ui->SetImmutable().has_value());
        CHECK(ui->Reset().error().type == vsag::ErrorType::WRONG_STATUS);
        CHECK(ui->UpdateExtraInfo(up, 1, "zz").error().type == vsag::ErrorType::WRONG_STATUS);

        auto plain = vsag::Factory::CreateIndex("brute_force", params).value();
        CHECK(plain->CheckFeature(vsag::SUPPORT_RESET) && !plain->CheckFeature(vsag::SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT));
        CHECK(plain->Build(base).value().empty());
        CHECK(plain->UpdateExtraInfo(up, 1, "zz").error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);
    }

    // ivf: train, export the model, fill two copies, merge them back
    {
        const std::string ivf_params =
            R"({"dtype":"float32","metric_type":"l2","dim":8,"extra_info_size":2,"index_param":{"buckets_count":4}})";
        const std::string all = R"({"ivf":{"scan_buckets_count":4}})";
        auto full = vsag::Factory::CreateIndex("ivf", ivf_params).value();
        CHECK(full->CheckFeature(vsag::NEED_TRAIN) && full->CheckFeature(vsag::SUPPORT_EXPORT_MODEL) &&
              full->CheckFeature(vsag::SUPPORT_MERGE_INDEX));
        std::vector<char> extra(static_cast<size_t>(n) * 2);
        for (int64_t i = 0; i < n; ++i) {
            extra[2 * i] = static_cast<char>('a' + i % 26);
            extra[2 * i + 1] = static_cast<char>(i % 100);
        }
        auto fb = vsag::Dataset::Make();
        fb->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->ExtraInfoSize(2)->ExtraInfos(
            extra.data());
        CHECK(full->Train(fb).has_value());
        CHECK(full->Add(fb).value().empty());
        auto model = full->ExportModel().value();
        CHECK(model->GetNumElements() == 0 && model->GetIndexName() == "ivf");

        const int64_t half = n / 2, offset = int64_t(1) << 33;
        auto shard_a = model->Clone().value();
        auto shard_b = model->Clone().value();
        auto shard_c = model->Clone().value();
        auto merged = model->Clone().value();
        auto da = vsag::Dataset::Make();
        da->NumElements(half)->Dim(dim)->Ids(ids.data())->Float32Vectors(data.data())->ExtraInfoSize(2)->ExtraInfos(
            extra.data());
        CHECK(shard_a->Add(da).value().empty());
        std::vector<int64_t> shifted(n - half);
        for (int64_t i = 0; i < n - half; ++i) shifted[i] = ids[half + i] + offset;
        auto db = vsag::Dataset::Make();
        db->NumElements(n - half)->Dim(dim)->Ids(shifted.data())->Float32Vectors(data.data() + half * dim)
            ->ExtraInfoSize(2)->ExtraInfos(extra.data() + half * 2);
        CHECK(shard_b->Add(db).value().empty());
        // shard c holds the last ten rows again, under their own labels
        auto dc = vsag::Dataset::Make();
        dc->NumElements(10)->Dim(dim)->Ids(ids.data() + n - 10)->Float32Vectors(data.data() + (n - 10) * dim)
            ->ExtraInfoSize(2)->ExtraInfos(extra.data() + (n - 10) * 2);
        CHECK(shard_c->Add(dc).value().empty());

        // shard b through VSAG's id map function (one label left out), shard c through a map
        vsag::MergeUnit ua{shard_a};
        vsag::MergeUnit ub{shard_b, [&](int64_t l) -> std::tuple<bool, int64_t> {
                               return {l != ids[half] + offset, l - offset};
                           }};
        vsag::MergeUnit uc{shard_c};
        uc.id_map = std::unordered_map<int64_t, int64_t>{{n - 1, n - 1}, {n - 2, n - 2}};
        auto fails = merged->Merge({ua, ub, uc});
        CHECK(fails.has_value());
        CHECK(fails.value().size() == 2);  // n-1 and n-2 came from shard b already
        CHECK(std::set<int64_t>(fails.value().begin(), fails.value().end()) == (std::set<int64_t>{n - 1, n - 2}));
        CHECK(merged->GetNumElements() == n - 1);
        CHECK(!merged->CheckIdExist(ids[half]) && merged->CheckIdExist(ids[half + 1]));
        char eb[2] = {0, 0};
        int64_t look = ids[half + 3];
        CHECK(merged->GetExtraInfoByIds(&look, 1, eb).has_value());
        CHECK(eb[0] == extra[2 * (half + 3)] && eb[1] == extra[2 * (half + 3) + 1]);

        CHECK(full->Remove(ids[half]).value());
        for (int q = 0; q < 5; ++q) {
            auto qd = vsag::Dataset::Make();
            qd->NumElements(1)->Dim(dim)->Float32Vectors(data.data() + (q * 31 + 1) * dim);
            auto want = full->KnnSearch(qd, 10, all).value();
            auto got = merged->KnnSearch(qd, 10, all).value();
            CHECK(want->GetDim() == got->GetDim());
            for (int64_t j = 0; j < want->GetDim() && j < got->GetDim(); ++j)
                CHECK(std::fabs(want->GetDistances()[j] - got->GetDistances()[j]) < 1e-4f);
        }
        // buckets named by the request: together they hold every label once
        std::set<int64_t> seen;
        size_t total = 0;
        for (int64_t b = 0; b < 4; ++b) {
            auto r = merged->Search(vsag::SearchRequest::Knn(n).Query(data.data(), dim).Parameters(all).BucketIds({b}));
            CHECK(r.has_value());
            total += r.value().ids.size();
            seen.insert(r.value().ids.begin(), r.value().ids.end());
        }
        CHECK(total == static_cast<size_t>(n - 1) && seen.size() == static_cast<size_t>(n - 1));

        // refusals
        vsag::MergeUnit both{shard_a, [](int64_t l) -> std::tuple<bool, int64_t> { return {true, l}; }};
        both.id_map = std::unordered_map<int64_t, int64_t>{};
        CHECK(merged->Merge({both}).error().type == vsag::ErrorType::INVALID_ARGUMENT);
        CHECK(merged->Merge({vsag::MergeUnit{}}).error().type == vsag::ErrorType::INVALID_ARGUMENT);
        auto other = vsag::Factory::CreateIndex("ivf", ivf_params).value();
        std::vector<float> far(data);
        for (auto& v : far) v = v * 7 - 3;
        auto fo = vsag::Dataset::Make();
        fo->NumElements(n)->Dim(dim)->Ids(ids.data())->Float32Vectors(far.data())->ExtraInfoSize(2)->ExtraInfos(
            extra.data());
        CHECK(other->Build(fo).value().empty());
        CHECK(merged->Merge({vsag::MergeUnit{other}}).error().type == vsag::ErrorType::INVALID_ARGUMENT);
        CHECK(merged->GetNumElements() == n - 1);
        CHECK(index->ExportModel().error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);
        CHECK(index->Merge({}).error().type == vsag::ErrorType::UNSUPPORTED_INDEX_OPERATION);
        CHECK(merged->Merge({}).value().empty());
    }

    // a batch of multi-vector queries (warp) gives what one Search per query gives
    {
        const int64_t mdim = 4;
        auto mv = vsag::Factory::CreateIndex("warp", R"({"dtype":"float32","metric_type":"l2","dim":4})").value();
        std::vector<int64_t> mcounts = {1, 3, 2, 4, 2, 1, 3, 2};
        std::vector<int64_t> mids = {10, 11, 12, 13, 14, 15, 16, 17};
        const uint64_t total = 18;
        std::vector<float> mvecs(total * mdim);
        for (size_t i = 0; i < mvecs.size(); i++) mvecs[i] = static_cast<float>((i * 7919) % 23) / 23.0f;
        auto md = vsag::Dataset::Make();
        md->NumElements(8)->Dim(mdim)->Ids(mids.data())->Float32Vectors(mvecs.data())->VectorCounts(mcounts.data(), total);
        CHECK(mv->Build(md).value().empty());
        // queries: documents 1 (3 sub-vectors, at 1) and 3 (4 sub-vectors, at 6)
        std::vector<float> mq(mvecs.begin() + 1 * mdim, mvecs.begin() + 4 * mdim);
        mq.insert(mq.end(), mvecs.begin() + 6 * mdim, mvecs.begin() + 10 * mdim);
        int64_t qc[2] = {3, 4};
        int64_t got[2 * 4];
        float gotd[2 * 4];
        CHECK(mv->BatchKnnSearchMultiVector(mq.data(), qc, 2, 7, 4, "", got, gotd).has_value());
        CHECK(got[0] == 11 && got[4] == 13 && gotd[0] == 0.0f && gotd[4] == 0.0f);
        for (int q = 0; q < 2; q++) {
            auto one = mv->Search(vsag::SearchRequest::Knn(4).MultiVectorQuery(mq.data() + (q == 0 ? 0 : 3 * mdim),
                                                                                 static_cast<uint64_t>(qc[q]), mdim));
            CHECK(one.has_value() && one.value().ids.size() == 4);
            if (one.has_value())
                for (size_t j = 0; j < one.value().ids.size(); j++) CHECK(got[q * 4 + j] == one.value().ids[j]);
        }
        auto bad = mv->BatchKnnSearchMultiVector(mq.data(), qc, 2, 6, 4, "", got, gotd);
        CHECK(!bad.has_value() && bad.error().type == vsag::ErrorType::INVALID_ARGUMENT);
        CHECK(mv->GetNumElements() == 8);
        // distances by id from a multi-vector query dataset: what the search reports
        auto qd = vsag::Dataset::Make();
        qd->NumElements(1)->Dim(mdim)->Float32Vectors(mq.data() + 3 * mdim)->VectorCounts(qc + 1, 4);
        int64_t asked[3] = {got[4], got[5], 999};
        auto dd = mv->CalDistanceById(qd, asked, 3).value();
        CHECK(std::fabs(dd->GetDistances()[0] - gotd[4]) < 1e-5f && std::fabs(dd->GetDistances()[1] - gotd[5]) < 1e-5f);
        CHECK(dd->GetDistances()[2] == -1.0f);
    }

    CHECK(index->SetImmutable().has_value());
    auto imm = index->Add(base);
    CHECK(!imm.has_value() && imm.error().type == vsag::ErrorType::WRONG_STATUS);

    if (failures) {
        std::fprintf(stderr, "cpp_test: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    std::printf("cpp_test: all %d checks passed\n", checks);
    return 0;
}

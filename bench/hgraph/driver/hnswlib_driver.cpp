// hnswlib_driver builds an hnswlib index (Debian's libhnswlib-dev, header only) on fvecs base
// vectors with one thread, then sweeps ef over the fvecs queries, one query at a time on one
// thread, each ef after an untimed warm-up over the first 200 queries. For each ef it prints
// recall@k by id against an int32 ground-truth file (nq rows of gtk ids) and writes the result
// ids (nq rows of k int64, -1 padded) to <out>-ef<ef>.i64 so the caller can score them exactly
// as it scores its own results.
//
// usage: hnswlib_driver [-ip] base.fvecs queries.fvecs truth.i32 gtk M ef_construction k out ef...
//        (ef "-": read ef values from stdin, one per line, and answer each as it comes; -ip:
//        hnswlib's inner-product space, which on normalized vectors is its cosine space,
//        instead of l2)
// output lines: "build_seconds <wall s> <cpu s>", "bytes_per_vector <b>" and
// "ef <ef> recall <r> qps <q> cpu_qps <c>", where cpu_qps divides by the thread's CPU time, a
// figure that holds on a machine shared with other work.
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

static double thread_cpu_seconds() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static std::vector<float> read_fvecs(const std::string& path, int& dim, size_t& rows) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<float> out;
    rows = 0;
    dim = 0;
    int32_t d;
    while (in.read(reinterpret_cast<char*>(&d), 4)) {
        if (dim == 0) dim = d;
        if (d != dim) throw std::runtime_error("inconsistent dimension in " + path);
        size_t off = out.size();
        out.resize(off + d);
        if (!in.read(reinterpret_cast<char*>(out.data() + off), 4 * static_cast<size_t>(d)))
            throw std::runtime_error("truncated " + path);
        rows++;
    }
    return out;
}

int main(int argc, char** argv) {
    bool ip = argc > 1 && std::string(argv[1]) == "-ip";
    if (ip) {
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    if (argc < 10) {
        std::fprintf(stderr, "usage: %s [-ip] base.fvecs queries.fvecs truth.i32 gtk M ef_construction k out ef...\n", argv[0]);
        return 2;
    }
    try {
        int dim = 0, qdim = 0;
        size_t n = 0, nq = 0;
        std::vector<float> base = read_fvecs(argv[1], dim, n);
        std::vector<float> queries = read_fvecs(argv[2], qdim, nq);
        if (dim != qdim) throw std::runtime_error("base and query dimensions differ");
        int gtk = std::atoi(argv[4]);
        std::vector<int32_t> truth(nq * gtk);
        std::ifstream tin(argv[3], std::ios::binary);
        if (!tin.read(reinterpret_cast<char*>(truth.data()), 4 * truth.size()))
            throw std::runtime_error("truth file too short");
        size_t M = std::atoi(argv[5]);
        size_t efc = std::atoi(argv[6]);
        size_t k = std::atoi(argv[7]);
        std::string out = argv[8];

        hnswlib::L2Space l2(dim);
        hnswlib::InnerProductSpace inner(dim);
        hnswlib::SpaceInterface<float>* space = &l2;
        if (ip) space = &inner;
        auto t0 = std::chrono::steady_clock::now();
        double c0 = thread_cpu_seconds();
        hnswlib::HierarchicalNSW<float> index(space, n, M, efc, 100);
        for (size_t i = 0; i < n; i++) index.addPoint(base.data() + i * dim, i);
        double build = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("build_seconds %.3f %.3f\n", build, thread_cpu_seconds() - c0);
        // per element: level-0 block (links + vector + label) plus upper links on average
        double bytes = static_cast<double>(index.size_data_per_element_) + sizeof(void*) +
                       static_cast<double>(index.size_links_per_element_) / (std::log(M));
        std::printf("bytes_per_vector %.0f\n", bytes);
        std::fflush(stdout);

        auto search = [&](size_t ef) {
            index.setEf(std::max(ef, k));
            // untimed warm-up over the first queries, as the Go side's searches get
            for (size_t q = 0; q < std::min<size_t>(nq, 200); q++) index.searchKnn(queries.data() + q * dim, k);
            std::vector<std::vector<size_t>> got(nq);
            auto s0 = std::chrono::steady_clock::now();
            double sc0 = thread_cpu_seconds();
            for (size_t q = 0; q < nq; q++) {
                auto res = index.searchKnn(queries.data() + q * dim, k);
                while (!res.empty()) {
                    got[q].push_back(res.top().second);
                    res.pop();
                }
            }
            double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
            double cpu = thread_cpu_seconds() - sc0;
            std::vector<int64_t> flat(nq * k, -1);
            for (size_t q = 0; q < nq; q++) {
                // the queue pops the farthest first: write each row back to front
                for (size_t j = 0; j < got[q].size(); j++)
                    flat[q * k + got[q].size() - 1 - j] = static_cast<int64_t>(got[q][j]);
            }
            std::ofstream of(out + "-ef" + std::to_string(ef) + ".i64", std::ios::binary);
            of.write(reinterpret_cast<const char*>(flat.data()), 8 * flat.size());
            if (!of) throw std::runtime_error("cannot write results");
            size_t hit = 0;
            for (size_t q = 0; q < nq; q++) {
                std::unordered_set<int32_t> t(truth.begin() + q * gtk, truth.begin() + q * gtk + k);
                for (size_t id : got[q]) hit += t.count(static_cast<int32_t>(id));
            }
            std::printf("ef %zu recall %.4f qps %.1f cpu_qps %.1f\n", ef, static_cast<double>(hit) / (nq * k), nq / secs, nq / cpu);
            std::fflush(stdout);
        };
        if (std::string(argv[9]) == "-") {
            // interactive: one ef per line on stdin, one result line each, until end of input
            size_t ef;
            while (std::scanf("%zu", &ef) == 1) search(ef);
        } else {
            for (int a = 9; a < argc; a++) search(static_cast<size_t>(std::atoi(argv[a])));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hnswlib_driver: %s\n", e.what());
        return 1;
    }
    return 0;
}

# Side-by-side benchmark of the hgraph index and hnswlib on Fashion-MNIST (60k x 784, l2):
# recall@10, single-thread QPS over an ef_search sweep, build time and bytes per vector, with
# the QPS ratio to hnswlib interpolated at recall 0.90/0.95/0.97/0.99. hnswlib runs through a
# small C++ driver compiled against Debian's libhnswlib-dev. Exact ground truth is cached in
# build/cache.
BENCH_TARGETS += bench-hgraph

HNSWLIB_DRIVER := build/hnswlib_driver
CXX ?= g++

.PHONY: bench-hgraph

$(HNSWLIB_DRIVER): bench/hgraph/driver/hnswlib_driver.cpp
	@mkdir -p build
	$(CXX) -O3 -march=native -std=c++17 -o $@ $< -lpthread

bench-hgraph:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist libhnswlib-dev g++" || true
	@$(MAKE) --no-print-directory $(HNSWLIB_DRIVER)
	$(GO) run ./bench/hgraph -driver $(HNSWLIB_DRIVER) -cache build/cache $(BENCH_HGRAPH_FLAGS)

# LeanVec and LVQ on Fashion-MNIST, one thread, in one run: hgraph fp32 as the reference,
# lvq8 codes without reranking (recall at each ef against fp32's), and LeanVec to 160 of 784
# dimensions (lvq8 primary codes for the graph, fp16 full vectors for the rerank) on an nsw and
# a Vamana graph; prints the QPS ratio to fp32 at recall@10 0.95, build time and bytes/vector.
BENCH_TARGETS += bench-leanvec

.PHONY: bench-leanvec

bench-leanvec:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	$(GO) run ./bench/hgraph -mode leanvec -cache build/cache -ef 10,12,14,16,20,24,32,48,64,96 $(BENCH_LEANVEC_FLAGS)

# hgraph under writes on Fashion-MNIST: search latency percentiles while one goroutine adds
# 55 000 vectors in batches of 5 000, against the same searches on the finished index; and the
# wall time of adding 60 000 vectors in batches of 1 000 against one Build of them.
BENCH_TARGETS += bench-concurrent

.PHONY: bench-concurrent

bench-concurrent:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	$(GO) run ./bench/concurrent $(BENCH_CONCURRENT_FLAGS)

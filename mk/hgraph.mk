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

# C ABI: build/lib/libvsag.so from capi/ (include/vsag.h is the contract), C/C++ tests and
# examples, the CMake package, and the FFI-cost benchmark.
#
#   make lib          build/lib/libvsag.so (no CMake needed)
#   make lib-bench    build/lib-bench/libvsag.so: the same library built with the Go build tag
#                     vsagbench, which adds the benchmark hooks of capi/vsag_bench.h
#                     (vsag_index_knn_search_timed; vsagi_bench_batch for the in-process FFI
#                     benchmark). Only benchmarks and their tests use it; it is never installed.
#   make test-capi    C test (plain and AddressSanitizer), reliability test (feature numbers,
#                     hostile sizes, bad-input matrix, create/destroy cycles), concurrency test,
#                     C++ wrapper test, hgraph merge and tune tests (C under AddressSanitizer, C++),
#                     exported-symbols check (the public library exports the
#                     header's functions and no benchmark hook), C and C++ examples, and the
#                     benchmark hooks' test against build/lib-bench
#   make test-cmake   the CMake route: configure, build, ctest, install, find_package consumer
#   make bench-capi   FFI cost: batch search through the C ABI vs the Go API (C program against
#                     Go benchmark in alternating rounds, and in one process call by call),
#                     trivial call cost

CAPI_LIB := build/lib/libvsag.so
CAPI_BENCH_LIB := build/lib-bench/libvsag.so
CAPI_OUT := build/capi
# Extra go build tags for the library (for example CAPI_GOTAGS=purego).
CAPI_GOTAGS ?=
capi_comma := ,
# capi_goflags: the go build flags of libvsag.so with the build tags $(1) (may be empty).
capi_goflags = -buildmode=c-shared -trimpath $(if $(1),-tags $(1)) \
	-ldflags "-s -w -extldflags '-Wl,--version-script=$(CURDIR)/capi/vsag.map -Wl,-soname,libvsag.so'"
CAPI_GOFLAGS = $(call capi_goflags,$(CAPI_GOTAGS))
# The benchmark build: the tag vsagbench on top of CAPI_GOTAGS.
CAPI_BENCH_GOTAGS = vsagbench$(if $(CAPI_GOTAGS),$(capi_comma)$(CAPI_GOTAGS))
CAPI_CC ?= gcc
CAPI_CXX ?= g++
CAPI_CFLAGS := -std=c99 -Wall -Wextra -Werror -pedantic -O1 -g -Iinclude
CAPI_CXXFLAGS := -std=c++17 -Wall -Wextra -Werror -pedantic -O1 -g -Iinclude -Ibindings/cpp
CAPI_LDFLAGS := -L$(CURDIR)/build/lib -lvsag -Wl,-rpath,$(CURDIR)/build/lib -lpthread -lm
CAPI_ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# C programs that use the benchmark hooks: vsag_bench.h and the benchmark build.
CAPI_BENCH_CFLAGS := $(CAPI_CFLAGS) -Icapi
CAPI_BENCH_LDFLAGS := -L$(CURDIR)/build/lib-bench -lvsag -Wl,-rpath,$(CURDIR)/build/lib-bench -lpthread -lm

BUILD_TARGETS += lib
TEST_TARGETS += test-capi test-cmake
BENCH_TARGETS += bench-capi

.PHONY: lib lib-bench test-capi test-cmake bench-capi

# go build decides what is stale; the library is relinked only when something changed.
lib:
	@mkdir -p build/lib
	CGO_ENABLED=1 $(GO) build $(CAPI_GOFLAGS) -o $(CAPI_LIB) ./capi
	@rm -f build/lib/libvsag.h

lib-bench:
	@mkdir -p build/lib-bench
	CGO_ENABLED=1 $(GO) build $(call capi_goflags,$(CAPI_BENCH_GOTAGS)) -o $(CAPI_BENCH_LIB) ./capi
	@rm -f build/lib-bench/libvsag.h

test-capi: lib lib-bench
	@mkdir -p $(CAPI_OUT)/scratch
	$(CAPI_CC) $(CAPI_CFLAGS) tests/capi/capi_test.c -o $(CAPI_OUT)/capi_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/capi_test $(CAPI_OUT)/scratch
	$(CAPI_CC) $(CAPI_CFLAGS) $(CAPI_ASAN) tests/capi/capi_test.c -o $(CAPI_OUT)/capi_test_asan $(CAPI_LDFLAGS)
	ASAN_OPTIONS=detect_leaks=1 $(CAPI_OUT)/capi_test_asan $(CAPI_OUT)/scratch
	$(CAPI_CC) $(CAPI_CFLAGS) tests/capi/reliability_test.c -o $(CAPI_OUT)/reliability_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/reliability_test $(CAPI_OUT)/scratch
	$(CAPI_CC) $(CAPI_CFLAGS) tests/capi/concurrency_test.c -o $(CAPI_OUT)/concurrency_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/concurrency_test
	$(CAPI_CC) $(CAPI_CFLAGS) tests/capi/remove_test.c -o $(CAPI_OUT)/remove_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/remove_test $(CAPI_OUT)/scratch
	$(CAPI_CC) $(CAPI_CFLAGS) $(CAPI_ASAN) tests/capi/sparse_test.c -o $(CAPI_OUT)/sparse_test $(CAPI_LDFLAGS)
	ASAN_OPTIONS=detect_leaks=1 $(CAPI_OUT)/sparse_test $(CAPI_OUT)/scratch
	$(CAPI_CXX) $(CAPI_CXXFLAGS) tests/capi/cpp_test.cpp -o $(CAPI_OUT)/cpp_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/cpp_test $(CAPI_OUT)/scratch
	$(CAPI_CC) $(CAPI_CFLAGS) $(CAPI_ASAN) tests/capi/iterator_test.c -o $(CAPI_OUT)/iterator_test_asan $(CAPI_LDFLAGS)
	ASAN_OPTIONS=detect_leaks=1 $(CAPI_OUT)/iterator_test_asan
	$(CAPI_CXX) $(CAPI_CXXFLAGS) tests/capi/iterator_cpp_test.cpp -o $(CAPI_OUT)/iterator_cpp_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/iterator_cpp_test
	$(CAPI_CXX) $(CAPI_CXXFLAGS) tests/capi/cpp_remove_test.cpp -o $(CAPI_OUT)/cpp_remove_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/cpp_remove_test
	$(CAPI_CC) $(CAPI_CFLAGS) $(CAPI_ASAN) tests/capi/stats_test.c -o $(CAPI_OUT)/stats_test $(CAPI_LDFLAGS)
	ASAN_OPTIONS=detect_leaks=1 $(CAPI_OUT)/stats_test
	$(CAPI_CC) $(CAPI_CFLAGS) $(CAPI_ASAN) tests/capi/multivector_test.c -o $(CAPI_OUT)/multivector_test_asan $(CAPI_LDFLAGS)
	ASAN_OPTIONS=detect_leaks=1 $(CAPI_OUT)/multivector_test_asan $(CAPI_OUT)/scratch
	$(CAPI_CXX) $(CAPI_CXXFLAGS) tests/capi/cpp_stats_test.cpp -o $(CAPI_OUT)/cpp_stats_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/cpp_stats_test
	$(CAPI_CC) $(CAPI_CFLAGS) $(CAPI_ASAN) tests/capi/hgraph_merge_test.c -o $(CAPI_OUT)/hgraph_merge_test $(CAPI_LDFLAGS)
	ASAN_OPTIONS=detect_leaks=1 $(CAPI_OUT)/hgraph_merge_test
	$(CAPI_CC) $(CAPI_CFLAGS) $(CAPI_ASAN) tests/capi/tune_test.c -o $(CAPI_OUT)/tune_test $(CAPI_LDFLAGS)
	ASAN_OPTIONS=detect_leaks=1 $(CAPI_OUT)/tune_test
	$(CAPI_CXX) $(CAPI_CXXFLAGS) tests/capi/cpp_model_test.cpp -o $(CAPI_OUT)/cpp_model_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/cpp_model_test
	$(CAPI_CXX) $(CAPI_CXXFLAGS) tests/capi/cpp_pyramid_test.cpp -o $(CAPI_OUT)/cpp_pyramid_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/cpp_pyramid_test
	$(CAPI_CC) $(CAPI_CFLAGS) $(CAPI_ASAN) tests/capi/diskann_test.c -o $(CAPI_OUT)/diskann_test $(CAPI_LDFLAGS)
	ASAN_OPTIONS=detect_leaks=1 $(CAPI_OUT)/diskann_test $(CAPI_OUT)/scratch
	$(CAPI_CC) $(CAPI_CFLAGS) $(CAPI_ASAN) tests/capi/last_search_test.c -o $(CAPI_OUT)/last_search_test_asan $(CAPI_LDFLAGS)
	ASAN_OPTIONS=detect_leaks=1 $(CAPI_OUT)/last_search_test_asan
	$(CAPI_CC) $(CAPI_CFLAGS) $(CAPI_ASAN) tests/capi/resources_test.c -o $(CAPI_OUT)/resources_test_asan $(CAPI_LDFLAGS)
	ASAN_OPTIONS=detect_leaks=1 $(CAPI_OUT)/resources_test_asan $(CAPI_OUT)/scratch
	$(CAPI_CXX) $(CAPI_CXXFLAGS) tests/capi/cpp_resources_test.cpp -o $(CAPI_OUT)/cpp_resources_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/cpp_resources_test $(CAPI_OUT)/scratch
	CC=$(CAPI_CC) tests/capi/check_symbols.sh include/vsag.h $(CAPI_LIB) tests/capi/capi_test.c tests/capi/iterator_test.c tests/capi/remove_test.c tests/capi/stats_test.c tests/capi/sparse_test.c tests/capi/multivector_test.c tests/capi/diskann_test.c tests/capi/last_search_test.c tests/capi/resources_test.c
	$(CAPI_CC) $(CAPI_BENCH_CFLAGS) tests/capi/bench_hooks_test.c -o $(CAPI_OUT)/bench_hooks_test $(CAPI_BENCH_LDFLAGS)
	$(CAPI_OUT)/bench_hooks_test
	cat include/vsag.h capi/vsag_bench.h >$(CAPI_OUT)/vsag_with_bench.h
	cat tests/capi/capi_test.c tests/capi/iterator_test.c tests/capi/stats_test.c tests/capi/resources_test.c tests/capi/bench_hooks_test.c tests/capi/last_search_test.c tests/capi/multivector_test.c tests/capi/sparse_test.c >$(CAPI_OUT)/tests_with_bench.c
	CC=$(CAPI_CC) tests/capi/check_symbols.sh $(CAPI_OUT)/vsag_with_bench.h $(CAPI_BENCH_LIB) $(CAPI_OUT)/tests_with_bench.c
	$(CAPI_CC) $(CAPI_CFLAGS) examples/c/quickstart.c -o $(CAPI_OUT)/quickstart_c $(CAPI_LDFLAGS)
	$(CAPI_OUT)/quickstart_c $(CAPI_OUT)/scratch/quickstart_c.vsag
	$(CAPI_CC) $(CAPI_CFLAGS) examples/c/vsag_c_api.c -o $(CAPI_OUT)/vsag_c_api $(CAPI_LDFLAGS)
	$(CAPI_OUT)/vsag_c_api $(CAPI_OUT)/scratch/vsag_c_api.vsag
	$(CAPI_CXX) $(CAPI_CXXFLAGS) examples/cpp/quickstart.cpp -o $(CAPI_OUT)/quickstart_cpp $(CAPI_LDFLAGS)
	$(CAPI_OUT)/quickstart_cpp $(CAPI_OUT)/scratch/quickstart_cpp.vsag
	$(CAPI_CC) $(CAPI_CFLAGS) examples/c/ivf.c -o $(CAPI_OUT)/ivf_c $(CAPI_LDFLAGS)
	$(CAPI_OUT)/ivf_c $(CAPI_OUT)/scratch/ivf_c.vsag
	$(CAPI_CXX) $(CAPI_CXXFLAGS) examples/cpp/ivf.cpp -o $(CAPI_OUT)/ivf_cpp $(CAPI_LDFLAGS)
	$(CAPI_OUT)/ivf_cpp $(CAPI_OUT)/scratch/ivf_cpp.vsag
	$(CAPI_CXX) $(CAPI_CXXFLAGS) examples/cpp/pyramid.cpp -o $(CAPI_OUT)/pyramid_cpp $(CAPI_LDFLAGS)
	$(CAPI_OUT)/pyramid_cpp $(CAPI_OUT)/scratch/pyramid_cpp.vsag
	$(CAPI_CC) $(CAPI_CFLAGS) examples/c/pyramid.c -o $(CAPI_OUT)/pyramid_c $(CAPI_LDFLAGS)
	$(CAPI_OUT)/pyramid_c $(CAPI_OUT)/scratch/pyramid_c.vsag

test-cmake:
	@command -v cmake >/dev/null || $(MAKE) --no-print-directory deps-apt PKGS="cmake"
	cmake -S . -B build/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVSAG_GO=$(GO) >/dev/null
	cmake --build build/cmake -j 2
	cd build/cmake && ctest --output-on-failure
	cmake --install build/cmake --prefix $(CURDIR)/build/cmake-install >/dev/null
	cmake -S tests/capi/consumer -B build/cmake-consumer -DCMAKE_PREFIX_PATH=$(CURDIR)/build/cmake-install >/dev/null
	cmake --build build/cmake-consumer
	build/cmake-consumer/vsag_consumer

bench-capi: lib
	@mkdir -p $(CAPI_OUT)
	$(CAPI_CC) -std=c99 -O2 -Wall -Iinclude tests/capi/bench.c -o $(CAPI_OUT)/bench $(CAPI_LDFLAGS)
	$(GO) test -c -tags vsagbench -o $(CAPI_OUT)/capi.test ./capi
	$(PYTHON) tests/capi/bench_compare.py $(CAPI_OUT)/bench $(CAPI_OUT)/capi.test 3
	$(CAPI_OUT)/capi.test -test.run '^$$' -test.bench 'BenchmarkGoAPI/(trivial|tiny|single)' -test.count 3
	$(CAPI_OUT)/capi.test -test.run '^$$' -test.bench 'BenchmarkFFIBatch' -test.benchtime 30x -test.count 3

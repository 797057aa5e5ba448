# The hnsw index's conjugate graph (vsag_index_feedback, vsag_index_pretrain).
#
#   make test-capi-feedback   C test (plain and AddressSanitizer) and C++ wrapper test of the
#                             conjugate graph on hnsw
#   make bench-conjugate      on Fashion-MNIST: recall@10 and QPS of hnsw (max_degree 16,
#                             ef_construction 200) with the conjugate graph off, on before any
#                             feedback and on after Feedback on 1000 queries (and on 1000 held-out
#                             ones); fails when the lift at ef_search 16 is below 0.01. The built
#                             index is cached in build/cache.

TEST_TARGETS += test-capi-feedback
BENCH_TARGETS += bench-conjugate

.PHONY: test-capi-feedback bench-conjugate

test-capi-feedback: lib
	@mkdir -p $(CAPI_OUT)/scratch
	$(CAPI_CC) $(CAPI_CFLAGS) tests/capi/feedback_test.c -o $(CAPI_OUT)/feedback_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/feedback_test $(CAPI_OUT)/scratch
	$(CAPI_CC) $(CAPI_CFLAGS) $(CAPI_ASAN) tests/capi/feedback_test.c -o $(CAPI_OUT)/feedback_test_asan $(CAPI_LDFLAGS)
	ASAN_OPTIONS=detect_leaks=1 $(CAPI_OUT)/feedback_test_asan $(CAPI_OUT)/scratch
	$(CAPI_CXX) $(CAPI_CXXFLAGS) tests/capi/feedback_cpp_test.cpp -o $(CAPI_OUT)/feedback_cpp_test $(CAPI_LDFLAGS)
	$(CAPI_OUT)/feedback_cpp_test

bench-conjugate:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	$(GO) run ./bench/conjugate -cache build/cache $(BENCH_CONJUGATE_FLAGS)

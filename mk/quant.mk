# Flat-search benchmark of the scalar quantizers on Fashion-MNIST (brute_force, single query with
# parallelism 1 and batch search), reporting QPS, the ratio to fp32 and recall@10.
BENCH_TARGETS += bench-flat

.PHONY: bench-flat

bench-flat:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	$(GO) run ./bench/flat $(BENCH_FLAT_FLAGS)

# Upserts on hgraph (Fashion-MNIST, 60k x 784, l2): 20 rounds of force-removing 10% of the labels
# and adding them back; prints memory, recall@10 and distance computations per query of every
# round and fails when the memory leaves 1.1x or recall@10 drops more than 0.01 below the first
# round's. BENCH_UPSERT_FLAGS="-mode mark" runs the same rounds with mark remove.
BENCH_TARGETS += bench-upsert

.PHONY: bench-upsert

bench-upsert:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	$(GO) run ./bench/upsert -cache build/cache $(BENCH_UPSERT_FLAGS)

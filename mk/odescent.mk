# hgraph's two builds of one graph on Fashion-MNIST (60k x 784, l2, fp32, max_degree 32, two
# build threads): graph_type "nsw" (ef_construction 200) against "odescent" with VSAG's
# defaults, interleaved over rounds; prints each build's wall and CPU time and recall@10 at
# ef_search 32/64/100/200, then the medians, the speed ratio and the recall differences.
# BENCH_ODESCENT_FLAGS passes more flags, e.g. -rounds 5 or -odescent '"graph_iter_turn":20'.
BENCH_TARGETS += bench-odescent

.PHONY: bench-odescent

bench-odescent:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	$(GO) run ./bench/odescent -cache build/cache $(BENCH_ODESCENT_FLAGS)

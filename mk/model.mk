# hgraph Merge and Tune on Fashion-MNIST (60k x 784, l2), one search thread, QPS per CPU-second,
# interleaved rounds (best QPS per point). Exact ground truth is cached in build/cache.
#
#   make bench-merge   an index built whole against the merge of two halves filled from its
#                      exported model (fp32, and sq8_uniform with fp32 reorder): recall@10 and QPS
#                      over ef_search 32..200, the largest recall gap, build and merge times
#   make bench-tune    an fp32 index tuned to other codes (sq8_uniform + fp32 reorder, fp16,
#                      sq4_uniform + fp16 reorder, sq4_uniform) against itself before the tune
#                      and, for the first, an index built with those codes: recall@10, QPS, tune
#                      time, memory
#
# Options go in BENCH_MODEL_FLAGS, e.g. BENCH_MODEL_FLAGS="-rounds 5 -only fp32".
BENCH_TARGETS += bench-merge bench-tune

.PHONY: bench-merge bench-tune

bench-merge:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	$(GO) run ./bench/model -mode merge -cache build/cache $(BENCH_MODEL_FLAGS)

bench-tune:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	$(GO) run ./bench/model -mode tune -cache build/cache $(BENCH_MODEL_FLAGS)

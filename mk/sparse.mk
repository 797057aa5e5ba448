# Sparse retrieval benchmark: sindi on a BM25 corpus of Debian's package descriptions (apt's
# Translation-en lists, fetched by apt-get update when missing; nothing else is downloaded),
# queries from held-out packages' summaries, exact ground truth by sparse brute force (an
# inverted-index scan); prints recall@10 and single-thread QPS against the brute force.
# BENCH_SPARSE_FLAGS passes more flags, e.g. -queries 2000 -rounds 5, -builds fp32,sq8+reorder,
# -searches '{"sindi":{}};{"sindi":{"use_dynamic_pruning":true}}', -cpuprofile FILE.
BENCH_TARGETS += bench-sparse

.PHONY: bench-sparse bench-sparse-sindi

bench-sparse: bench-sparse-sindi

bench-sparse-sindi:
	@ls /var/lib/apt/lists/*Translation-en* >/dev/null 2>&1 || apt-get update -o Acquire::Languages=en || true
	$(GO) run ./bench/sparse $(BENCH_SPARSE_FLAGS)

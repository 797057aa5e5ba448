# diskann and on-disk code stores on Fashion-MNIST (60k x 784, l2):
#   make bench-diskann   diskann with only PQ codes in memory: recall@10, single-thread QPS, mean
#                        records read per query and the peak resident memory of a process that
#                        loads the saved index and serves the queries, against the fp32 vectors'
#                        size; then hgraph with sq8 base codes in memory and fp32 precise codes on
#                        disk (buffer_io, mmap_io) against all in memory. Ground truth and the
#                        index file are kept in build/cache.
BENCH_TARGETS += bench-diskann

.PHONY: bench-diskann

bench-diskann:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	@mkdir -p build
	$(GO) build -o build/bench-diskann ./bench/diskann
	./build/bench-diskann -cache build/cache $(BENCH_DISKANN_FLAGS)

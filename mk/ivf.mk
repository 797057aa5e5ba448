# Side-by-side benchmark of the ivf index and Faiss on Fashion-MNIST (60k x 784, l2), one thread
# on both sides: ivf fp32 against IndexIVFFlat (1024 and 256 lists, 1..128 probes: recall@10
# and QPS per probe count, QPS at equal recall), ivf pqfs + fp32 reorder against
# IndexIVFPQFastScan + IndexRefineFlat (QPS at recall@10 0.95), and the build times. Faiss runs
# in a Python driver (bench/ivf/faiss_driver.py, Debian's python3-faiss) that the Go program
# drives over stdin/stdout, in interleaved rounds. Exact ground truth is cached in build/cache.
# Options go in BENCH_IVF_FLAGS, e.g. BENCH_IVF_FLAGS="-rounds 3 -only fp32/1024".
BENCH_TARGETS += bench-ivf

.PHONY: bench-ivf

bench-ivf:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist python3-faiss python3-numpy" || true
	$(GO) run ./bench/ivf -python $(PYTHON) -driver bench/ivf/faiss_driver.py -cache build/cache $(BENCH_IVF_FLAGS)

# Multi-vector documents on Fashion-MNIST cut into patches (60k images -> 7x7-patch documents,
# 49-dim unit sub-vectors, inner-product MaxSim): recall@10 and one-thread QPS of warp's exact
# scan, of simq at several coarse_k/rerank_k settings and of an exact numpy MaxSim scan
# (bench/multivec/numpy_maxsim.py, one BLAS thread). BENCH_MULTIVEC_FLAGS passes more flags,
# e.g. -n 20000 -queries 100 or -settings 32:300,64:800.
BENCH_TARGETS += bench-multivec

.PHONY: bench-multivec

bench-multivec:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist python3-numpy" || true
	$(GO) run ./bench/multivec -cache build/cache -dump build/cache/multivec $(BENCH_MULTIVEC_FLAGS)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PYTHON) bench/multivec/numpy_maxsim.py build/cache/multivec

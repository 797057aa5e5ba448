# k-means training benchmark: core/cluster against Faiss (Debian's python3-faiss) on the
# Fashion-MNIST train images (60 000 x 784), KMEANS_K centroids, KMEANS_ITERS Lloyd iterations,
# KMEANS_THREADS threads each (default: all CPUs), KMEANS_ROUNDS alternating rounds. Each side
# prints its wall seconds, CPU seconds and final objective; the target is Go <= 2 x Faiss.
BENCH_TARGETS += bench-kmeans

KMEANS_K ?= 1024
KMEANS_ITERS ?= 25
KMEANS_THREADS ?= $(shell nproc 2>/dev/null || echo 1)
KMEANS_ROUNDS ?= 1

.PHONY: bench-kmeans

bench-kmeans:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist python3-faiss" || true
	$(GO) test -c -o build/kmeans/cluster.test ./core/cluster
	@for r in $$(seq 1 $(KMEANS_ROUNDS)); do \
	  echo "round $$r"; \
	  KMEANS_K=$(KMEANS_K) KMEANS_ITERS=$(KMEANS_ITERS) KMEANS_THREADS=$(KMEANS_THREADS) \
	    ./build/kmeans/cluster.test -test.run '^$$' -test.bench '^BenchmarkTrainFashionMNIST$$' -test.benchtime 1x \
	    | grep -E '^Benchmark|skip' || exit 1; \
	  $(PYTHON) bench/kmeans/faiss_kmeans.py --k $(KMEANS_K) --niter $(KMEANS_ITERS) --threads $(KMEANS_THREADS) \
	    || echo "faiss: not available (Debian package python3-faiss)"; \
	done

# pyvsag.distributed on Dask distributed (Debian's python3-dask and python3-distributed):
# Fashion-MNIST (60k x 784, or generated data of the same shape) in 4 shards, LocalClusters of
# worker processes on loopback. Prints, against the targets of the distributed search:
#   build of 4 shards on 2 workers vs one index (<= 1.2x), recall@10 of the shards through Dask
#   vs one index at several ef_search (>= -0.005), batch QPS of 1000 queries through Dask vs the
#   same shards searched in one process and merged (>= 0.8x), and routing (probe_shards) vs
#   every shard (>= 1.5x QPS within 0.01 recall), each judged on the best of interleaved rounds
#   after a warm-up, with CPU seconds beside the wall clock (Dask's profiler off unless
#   --dask-profiler). BENCH_DASK_FLAGS passes options (python/bench/bench_dask.py --help), e.g.
#   BENCH_DASK_FLAGS="--reps 5 --json out.json".
BENCH_TARGETS += bench-dask

.PHONY: bench-dask

bench-dask: pyvsag pyvsag-deps
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	PYTHONPATH=python $(PYTHON) python/bench/bench_dask.py $(BENCH_DASK_FLAGS)

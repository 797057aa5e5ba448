# hgraph at scale on one machine: 10 000 000 x 96 unit-length float32 vectors drawn with a fixed
# seed from a mixture of Gaussian clusters (Deep-10M-like), sq8 base codes in memory and fp32
# precise codes on disk (mmap_io), built batch by batch from an fvecs file in build/scale (the
# data, the exact top-10 of 1 000 held-out queries and the precise codes: about 8 GB, checked
# with the free space first). Prints build time (wall and CPU), peak RSS, bytes per vector,
# on-disk bytes, and recall@10 / single-thread QPS / p50-p99 latency per ef_search. Hours on
# two cores; BENCH_SCALE_FLAGS="-n 1000000" runs a quick one, -deadline HH:MM (UTC) stops
# the build at the last ground-truth checkpoint it can reach in time.
BENCH_TARGETS += bench-scale

.PHONY: bench-scale

bench-scale:
	@mkdir -p build
	$(GO) build -o build/bench-scale ./bench/scale
	./build/bench-scale -dir build/scale $(BENCH_SCALE_FLAGS)

# Peak memory of saving and loading an index: hgraph fp32 on Fashion-MNIST (60k x 784, or
# generated data of the same shape), saved to a file and loaded in fresh child processes
# (LoadFile, DeserializeFile, Load from a stream); prints the rise of the peak resident set over
# the resident set before each operation against the targets save <= 0.1 x S + 64 MiB and
# load <= 1.2 x S + 64 MiB (S = the file's size).
BENCH_TARGETS += bench-persist

.PHONY: bench-persist

bench-persist:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	$(GO) run ./bench/persist $(BENCH_PERSIST_FLAGS)

# The resource hooks under load.
#
#   make bench-resources   an hgraph (sq8, 100 000 x 96) filled under a memory budget of half its
#                          estimate, then searched on every core: the whole batch refused at the
#                          budget, and the resident memory over the baseline (peak from VmHWM)
#                          against the budget, with Go's allocator and with an mmap allocator
#                          (bench/resources; BENCH_RESOURCES_FLAGS adds flags).

BENCH_TARGETS += bench-resources

.PHONY: bench-resources

bench-resources:
	$(GO) run ./bench/resources -n 100000 -dim 96 -budget-frac 0.5 -queries 20000 $(BENCH_RESOURCES_FLAGS)
	$(GO) run ./bench/resources -n 100000 -dim 96 -budget-frac 0.5 -queries 20000 -mmap $(BENCH_RESOURCES_FLAGS)

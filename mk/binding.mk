# Single-query latency of the bindings, measured in process.
#
#   make bench-binding   p50 / p90 of the overhead of one knn search through pyvsag, Node and
#                        the C ABI over the engine's own time for the same call
#                        (vsag_last_search_nanoseconds), on a saved hgraph of 10 000 x 128 random
#                        vectors (k = 10, ef_search 32); BENCH_BINDING_FLAGS adds flags to
#                        bench/binding/run.py (--reps, --rounds).

BENCH_TARGETS += bench-binding
BINDING_OUT := build/binding

.PHONY: bench-binding

bench-binding: lib pyvsag pyvsag-deps node-build
	@mkdir -p $(BINDING_OUT)
	$(CAPI_CC) -std=c99 -O2 -Wall -Wextra -Iinclude bench/binding/capi_overhead.c -o $(BINDING_OUT)/capi_overhead $(CAPI_LDFLAGS)
	$(PYTHON) bench/binding/run.py --python $(PYTHON) --node $(NODE) --c $(BINDING_OUT)/capi_overhead \
	  --index $(BINDING_OUT)/hg10k.vsag $(BENCH_BINDING_FLAGS)

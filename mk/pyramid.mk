# The pyramid index as a multi-tenant store on Fashion-MNIST (60k x 784, l2): 600 tenants of
# Zipf-skewed sizes, each query confined to one tenant. Tenant queries on pyramid against an
# hgraph of all tenants searched with an attribute filter on the tenant (and with an id bitset),
# at recall@10 0.98 against an exact scan of the tenant; queries at the root against a plain
# hgraph of the same data. One query at a time on one thread, best of rounds. Exact ground
# truth is cached in build/cache. BENCH_PYRAMID_FLAGS="-check" exits non-zero on a missed target.
BENCH_TARGETS += bench-pyramid

.PHONY: bench-pyramid

bench-pyramid:
	@$(MAKE) --no-print-directory deps-apt PKGS="dataset-fashion-mnist" || true
	$(GO) run ./bench/pyramid -cache build/cache $(BENCH_PYRAMID_FLAGS)

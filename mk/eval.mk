# vsag-eval (cmd/vsag-eval, internal/eval) and the demo (cmd/vsag-demo).
# HDF5 goes through Debian's python3-h5py, plots through python3-matplotlib, and the hnswlib
# comparison through python3-hnswlib; they are installed when missing.

EVAL_PY_PKGS := python3-h5py python3-numpy python3-matplotlib python3-hnswlib
EVAL_DIR := build/eval
EVAL_HG_CREATE := {"dtype":"float32","metric_type":"l2","index_param":{"base_quantization_type":"fp32","max_degree":32,"ef_construction":200}}

.PHONY: eval-deps test-eval eval-example

eval-deps:
	@$(MAKE) --no-print-directory deps-apt PKGS="$(EVAL_PY_PKGS)"

# The HDF5, plot and hnswlib paths with their Python helpers required: a missing helper fails
# here instead of skipping.
test-eval: eval-deps
	VSAG_REQUIRE_PY=1 $(GO) test -count=1 -timeout 5m -run 'HDF5|Sweep' ./internal/dataset ./internal/eval

# End to end: a generated ann-benchmarks-style HDF5 file, evaluated in every exporter format,
# then an ef_search sweep with its plot.
eval-example: eval-deps
	@mkdir -p $(EVAL_DIR)
	$(GO) build -o $(EVAL_DIR)/vsag-eval ./cmd/vsag-eval
	$(EVAL_DIR)/vsag-eval --datapath generated:20000,500,64 --export-hdf5 $(EVAL_DIR)/generated-64-euclidean.hdf5
	$(EVAL_DIR)/vsag-eval -d $(EVAL_DIR)/generated-64-euclidean.hdf5 -t build -n hgraph -c '$(EVAL_HG_CREATE)' \
	  -i $(EVAL_DIR)/hgraph.index --format table
	for f in table json line_protocol; do \
	  $(EVAL_DIR)/vsag-eval -d $(EVAL_DIR)/generated-64-euclidean.hdf5 -t search -n hgraph -c '$(EVAL_HG_CREATE)' \
	    -s '{"hgraph":{"ef_search":60}}' -i $(EVAL_DIR)/hgraph.index --format $$f --cache-dir build/cache || exit 1; \
	done
	$(EVAL_DIR)/vsag-eval -d $(EVAL_DIR)/generated-64-euclidean.hdf5 -t search -n hgraph -c '$(EVAL_HG_CREATE)' \
	  -i $(EVAL_DIR)/hgraph.index --sweep ef_search=10,20,40,80,160 --sweep-baseline --hnswlib \
	  --sweep-output $(EVAL_DIR)/generated-64-hgraph-ef_search --format table --cache-dir build/cache

BUILD_TARGETS += eval-deps
TEST_TARGETS += test-eval

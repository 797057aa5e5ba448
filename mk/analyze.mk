# vsag-analyze (cmd/vsag-analyze): the statistics of a saved index (GetStats) and the analysis
# of searches over a query file (AnalyzeIndexBySearch), as VSAG's analyze_index.
#
#   make analyze        build/bin/vsag-analyze
#   make test-analyze   its tests (small saved indexes, every query format but HDF5), then the
#                       binary on an index vsag-eval builds from generated data, as a table and
#                       as JSON

ANALYZE_DIR := build/analyze
ANALYZE_CREATE := {"dtype":"float32","metric_type":"l2","index_param":{"base_quantization_type":"sq8","use_reorder":true,"max_degree":16,"ef_construction":100}}

.PHONY: analyze test-analyze

analyze:
	@mkdir -p build/bin
	$(GO) build -o build/bin/vsag-analyze ./cmd/vsag-analyze

test-analyze: analyze
	$(GO) test -count=1 ./cmd/vsag-analyze
	@mkdir -p $(ANALYZE_DIR)
	$(GO) run ./cmd/vsag-eval -d generated:3000,50,32 -t build -n hgraph -c '$(ANALYZE_CREATE)' -i $(ANALYZE_DIR)/hgraph.index --format json >/dev/null
	build/bin/vsag-analyze -i $(ANALYZE_DIR)/hgraph.index -sample 50
	build/bin/vsag-analyze -i $(ANALYZE_DIR)/hgraph.index -sample 50 -format json | $(PYTHON) -c \
	  'import json,sys; s=json.load(sys.stdin)["stats"]; assert s["total_count"]==3000 and s["connect_components"]>=1 and s["self_recall"]>0.9, s'

TEST_TARGETS += test-analyze

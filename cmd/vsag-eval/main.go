// Command vsag-eval measures an index on a dataset, as VSAG's eval_performance does: build and
// search time, QPS, recall (average and percentiles), latency (average and percentiles), peak
// memory and index size, exported as a table, JSON or InfluxDB line protocol. It takes VSAG's
// flags or a YAML file of cases, and sweeps a search parameter into a recall-vs-QPS curve
// (CSV, JSON and a PNG plot), optionally next to hnswlib.
//
//	vsag-eval --datapath data.hdf5 --type build,search --index_name hgraph \
//	    --create_params '{"index_param":{"base_quantization_type":"fp32","max_degree":32,"ef_construction":200}}' \
//	    --sweep ef_search=10,20,40,80,160 --hnswlib --format table
//
// Run vsag-eval -h for every flag.
package main

import (
	"os"

	"github.com/govsag/vsag/internal/eval"
)

func main() {
	os.Exit(eval.Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Command vsag-analyze inspects a saved index, as VSAG's analyze_index does: it loads the
// index file (recreating the index from the parameters stored in it, or from -build_parameter),
// prints its description and its statistics (GetStats: graph connectivity and degrees, bucket
// sizes, duplicates, self-recall, quantization error), and, given a query file, searches it and
// prints the analysis of those searches (AnalyzeIndexBySearch: recall against exact ground
// truth, latency, quantization error on the results).
//
//	vsag-analyze -i index.vsag
//	vsag-analyze -i index.vsag -qp queries.fvecs -sp '{"hgraph":{"ef_search":100}}' -k 10 -format json
//
// Query files: .fvecs/.bvecs, .npy, .tsv/.txt, IDX, an ann-benchmarks .hdf5/.h5 file (its
// "test" queries; needs python3-h5py), or anything else in VSAG's analyze_index layout (uint32
// rows, uint32 cols, then rows*cols float32, little-endian). Run vsag-analyze -h for every flag.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

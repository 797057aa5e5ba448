package hgraph

import "github.com/govsag/vsag/core/params"

// SearchCommonOf validates an hgraph search block ({"hgraph": {...}}; ef_search is required as
// for an hgraph search) and returns the common keys it holds (parallelism, timeout_ms).
// Indexes that answer hgraph search parameters with another engine for a while (lazy_hgraph
// before its graph exists) check them with it.
func SearchCommonOf(block []byte) (params.SearchCommon, error) {
	sp, err := parseSearch(block)
	if err != nil {
		return params.SearchCommon{}, err
	}
	return sp.SearchCommon, nil
}

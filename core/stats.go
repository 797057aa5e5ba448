package core

import (
	"fmt"
	"time"
)

// SearchWithStatistics runs req as SearchWithRequest does and also returns the statistics of
// the search as VSAG's statistics JSON object, the string the C, Python and Node surfaces
// report: for a knn search its counters and wall time (SearchStats.JSON, such as
// {"dist_cmp":1000,"hops":1000,"elapsed_ms":0.05,"timed_out":false}; req.Stats, when set,
// receives them too), for a range search its wall time only, {"elapsed_ms":0.05}, as range
// searches count nothing yet.
func (x *Index) SearchWithStatistics(req *SearchRequest) (*SearchResult, string, error) {
	if req == nil || req.Mode == RangeSearchMode {
		start := time.Now()
		res, err := x.SearchWithRequest(req)
		if err != nil {
			return nil, "", err
		}
		return res, elapsedJSON(time.Since(start)), nil
	}
	r := *req
	if r.Stats == nil {
		r.Stats = &SearchStats{}
	}
	res, err := x.SearchWithRequest(&r)
	if err != nil {
		return nil, "", err
	}
	return res, r.Stats.JSON(), nil
}

// elapsedJSON is the statistics object of a search that counts nothing but its wall time.
func elapsedJSON(d time.Duration) string {
	return fmt.Sprintf(`{"elapsed_ms":%g}`, float64(d.Nanoseconds())/1e6)
}

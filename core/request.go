package core

import (
	"math"

	"github.com/govsag/vsag/core/api"
)

// SearchMode selects the kind of search a SearchRequest runs.
type SearchMode int

const (
	// KnnSearchMode returns the TopK nearest neighbours (VSAG's KNN_SEARCH).
	KnnSearchMode SearchMode = iota
	// RangeSearchMode returns the neighbours within Radius (VSAG's RANGE_SEARCH).
	RangeSearchMode
)

// SearchRequest is one search, VSAG's SearchRequest: the one entry point every other search
// call of this package wraps. The id bitset, the filter and the attribute expression are all
// applied (a label is returned only when each of them keeps it).
type SearchRequest struct {
	// Query holds the query vector (its first row).
	Query *Dataset
	// Mode is KnnSearchMode (the zero value) or RangeSearchMode.
	Mode SearchMode
	// TopK is the number of neighbours of a knn search (> 0).
	TopK int
	// Radius bounds the distances of a range search (same units as the distances, >= 0).
	Radius float32
	// LimitedSize caps the results of a range search: -1 or 0 (the zero value) is unlimited.
	LimitedSize int
	// Params is the search JSON, such as {"hgraph":{"ef_search":100}}.
	Params string
	// IDs excludes every label whose bit is set (nil: none).
	IDs *Bitset
	// Filter keeps the labels for which CheckValid returns true (nil: all).
	Filter Filter
	// FilterExpr is an attribute filter expression (see package core/attr; empty: none).
	FilterExpr string
	// BucketIDs names the buckets an ivf index scans; other index types refuse it.
	BucketIDs []int64
	// ExpectedLabels, when set, come back in SearchResult.Expected, each with whether it was
	// returned and, when not, why.
	ExpectedLabels []int64
	// Stats, when non-nil, receives counters about the search.
	Stats *SearchStats
}

// Why an expected label is missing from a result.
const (
	// ReasonFound: the label is in the result.
	ReasonFound = "found"
	// ReasonAbsent: the label is not live in the index.
	ReasonAbsent = "absent"
	// ReasonFiltered: the id bitset, the filter or the attribute expression excludes it.
	ReasonFiltered = "filtered"
	// ReasonBeyondK: it is farther than the k-th result (or, in a range search, than the
	// radius or the last result kept by limited_size): an exact search would not return it either.
	ReasonBeyondK = "beyond_k"
	// ReasonNotReached: an exact search would return it, the index's search did not reach it.
	ReasonNotReached = "not_reached"
)

// Explanation tells what became of one of a request's expected labels.
type Explanation struct {
	// Label is the expected label.
	Label int64
	// Reason is one of the Reason* constants.
	Reason string
	// Distance is the label's distance to the query (NaN when absent or not measurable).
	Distance float32
}

// SearchResult is the answer to a SearchRequest: the neighbours in ascending distance (IDs,
// Distances and, when the index has them, ExtraInfos), and the fate of each expected label.
type SearchResult struct {
	*Dataset
	// Expected explains each of the request's ExpectedLabels, in their order.
	Expected []Explanation
}

// SearchWithRequest runs one search as req describes.
func (x *Index) SearchWithRequest(req *SearchRequest) (_ *SearchResult, err error) {
	if x.multiVectorIndex() {
		return x.searchMulti(req)
	}
	defer recovered(&err)
	if req == nil {
		return nil, api.Errorf(api.InvalidArgument, "search: request is nil")
	}
	if x.sparseIndex() {
		return x.searchSparse(req)
	}
	what := "knn search"
	if req.Mode == RangeSearchMode {
		what = "range search"
	}
	q, buf, err := x.searchQuery(req.Query, what)
	defer putQueryBuf(buf)
	if err != nil {
		return nil, err
	}
	ns, filter, err := x.searchVector(req, q)
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Dataset: api.ResultDataset(ns)}
	x.attachExtra(res.Dataset)
	if len(req.ExpectedLabels) > 0 {
		res.Expected = x.explain(req, q, ns, filter)
	}
	return res, nil
}

// searchVector runs req for an already validated query and returns the neighbours and the
// combined filter it applied.
func (x *Index) searchVector(req *SearchRequest, q []float32) ([]Neighbor, Filter, error) {
	if req.BucketIDs != nil {
		if _, ok := x.eng().(api.BucketScanner); !ok {
			return nil, nil, api.Errorf(api.InvalidArgument, "search: bucket_ids are for ivf indexes, not %s", x.name)
		}
	}
	filter, err := x.requestFilter(req)
	if err != nil {
		return nil, nil, err
	}
	var ns []Neighbor
	switch req.Mode {
	case KnnSearchMode:
		ns, err = x.search(q, req.TopK, req.Params, filter, req.Stats, req.BucketIDs, req.Query.QueryPaths())
	case RangeSearchMode:
		limit := req.LimitedSize
		if limit == 0 {
			limit = -1
		}
		ns, err = x.rangeSearch(q, req.Radius, req.Params, filter, limit, req.BucketIDs, req.Query.QueryPaths())
	default:
		return nil, nil, api.Errorf(api.InvalidArgument, "search: unknown mode %d", req.Mode)
	}
	return ns, filter, err
}

// requestFilter combines the request's id bitset, filter and attribute expression into one
// Filter (nil when there is none).
func (x *Index) requestFilter(req *SearchRequest) (Filter, error) {
	filter := req.Filter
	if req.IDs != nil {
		filter = api.AllOf(api.BitsetFilter(req.IDs, int(x.eng().NumElements())), filter)
	}
	return x.AttributeFilter(req.FilterExpr, filter)
}

// explain tells, for each expected label of req, whether ns holds it and why not.
func (x *Index) explain(req *SearchRequest, q []float32, ns []Neighbor, filter Filter) []Explanation {
	nan := float32(math.NaN())
	out := make([]Explanation, len(req.ExpectedLabels))
	found := make(map[int64]float32, len(ns))
	for _, n := range ns {
		found[n.ID] = n.Distance
	}
	dc, canMeasure := x.eng().(api.DistanceCalculator)
	for i, l := range req.ExpectedLabels {
		e := Explanation{Label: l, Distance: nan}
		switch d, ok := found[l]; {
		case ok:
			e.Reason, e.Distance = ReasonFound, d
		case !x.eng().Contains(l):
			e.Reason = ReasonAbsent
		case filter != nil && !filter.CheckValid(l):
			e.Reason = ReasonFiltered
		default:
			e.Reason = ReasonNotReached
			if canMeasure {
				var dist [1]float32
				if dc.CalcDistanceByIDs(q, []int64{l}, dist[:]) == nil && dist[0] >= 0 {
					e.Distance = dist[0]
				}
			}
			if beyond(req, ns, e.Distance) {
				e.Reason = ReasonBeyondK
			}
		}
		out[i] = e
	}
	return out
}

// beyond reports whether a label at distance d would be left out by an exact search too.
func beyond(req *SearchRequest, ns []Neighbor, d float32) bool {
	if math.IsNaN(float64(d)) {
		return false
	}
	if req.Mode == RangeSearchMode {
		if d > req.Radius {
			return true
		}
		limited := req.LimitedSize > 0 && len(ns) >= req.LimitedSize
		return limited && d > ns[len(ns)-1].Distance
	}
	return len(ns) >= req.TopK && len(ns) > 0 && d > ns[len(ns)-1].Distance
}

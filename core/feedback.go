package core

import "github.com/govsag/vsag/core/api"

// GlobalOptimumUnknown, passed as Feedback's globalOptimumID, makes Feedback find the query's
// true nearest neighbour itself by an exact scan (VSAG's default argument, the largest int64).
const GlobalOptimumUnknown = api.GlobalOptimumUnknown

// feedbacker returns the engine's conjugate graph capability, or UNSUPPORTED_INDEX_OPERATION
// naming what is missing.
func (x *Index) feedbacker(what string) (api.Feedbacker, error) {
	fb, ok := x.eng().(api.Feedbacker)
	if !ok {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "%s is not supported by %s", what, x.name)
	}
	if !fb.FeedbackEnabled() {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "%s: this %s index has no conjugate graph (create it with \"use_conjugate_graph\": true)", what, x.name)
	}
	return fb, nil
}

// Feedback teaches the index's conjugate graph (SUPPORT_FEEDBACK: hnsw created with
// use_conjugate_graph) from one query: the query is searched for k results with searchJSON
// and an edge is added from each node the graph search found to globalOptimumID, the label of
// the query's true nearest neighbour, as in VSAG. With GlobalOptimumUnknown the index finds the
// query's true k nearest neighbours by an exact scan and links to the nearest one and to every
// other one the search missed.
// Later searches with use_conjugate_graph_search (the default) follow these edges from their
// best results. It returns the number of edges added (edges present already are not counted);
// an empty index adds none. A globalOptimumID that is not in the index is INVALID_ARGUMENT.
func (x *Index) Feedback(query []float32, k int, searchJSON string, globalOptimumID int64) (_ int, err error) {
	defer recovered(&err)
	const what = "feedback"
	if err := x.checkMutable(what); err != nil {
		return 0, err
	}
	fb, err := x.feedbacker(what)
	if err != nil {
		return 0, err
	}
	if k <= 0 {
		return 0, api.Errorf(api.InvalidArgument, "%s: k %d must be positive", what, k)
	}
	q, err := x.checkQuery(query, what)
	if err != nil {
		return 0, err
	}
	opts, err := x.searchOptions(searchJSON, nil)
	if err != nil {
		return 0, err
	}
	defer x.writing()()
	return fb.Feedback(q, x.capK(k), opts, globalOptimumID)
}

// Pretrain teaches the conjugate graph without queries: for each label of ids, queries are
// made around its stored vector (moved a little towards each of its 50 nearest neighbours)
// and given as Feedback with the label as the global optimum, searched for k results with
// searchJSON. It returns the number of edges added. A label that is not in the index is
// INVALID_ARGUMENT and nothing is added.
func (x *Index) Pretrain(ids []int64, k int, searchJSON string) (_ int, err error) {
	defer recovered(&err)
	const what = "pretrain"
	if err := x.checkMutable(what); err != nil {
		return 0, err
	}
	fb, err := x.feedbacker(what)
	if err != nil {
		return 0, err
	}
	if k <= 0 {
		return 0, api.Errorf(api.InvalidArgument, "%s: k %d must be positive", what, k)
	}
	opts, err := x.searchOptions(searchJSON, nil)
	if err != nil {
		return 0, err
	}
	defer x.writing()()
	return fb.Pretrain(ids, x.capK(k), opts)
}

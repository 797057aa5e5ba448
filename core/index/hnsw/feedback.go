package hnsw

import (
	"slices"
	"strconv"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

// VSAG's settings of Pretrain: each stored vector is searched for generateSearchK neighbours
// with ef_search generateSearchL, and for each neighbour a query is made at generateOmega of
// the way from the neighbour to the vector.
const (
	generateSearchK = 50
	generateSearchL = 400
	generateOmega   = 0.51
)

// FeedbackEnabled implements api.Feedbacker: with use_conjugate_graph.
func (x *Index) FeedbackEnabled() bool { return x.cg != nil }

func (x *Index) checkFeedback(what string, k int) error {
	if x.cg == nil {
		return api.Errorf(api.UnsupportedIndexOperation, "hnsw: %s needs a conjugate graph (create the index with \"use_conjugate_graph\": true)", what)
	}
	if k <= 0 {
		return api.Errorf(api.InvalidArgument, "hnsw: %s: k %d must be positive", what, k)
	}
	return nil
}

// Feedback implements api.Feedbacker: it searches query with opts for k results and adds an
// edge to globalOptimum, the query's true nearest neighbour, from each of the k best nodes the
// graph search found (the nodes whose conjugate edges a later search of the query follows),
// as VSAG does. With api.GlobalOptimumUnknown the index finds the query's true k nearest
// neighbours by an exact scan and links those nodes to the nearest one and to every other one
// the search missed, so that a later search of the query finds all of them. It returns the
// number of edges added: edges present already, self edges and edges beyond a label's 128 are
// not.
func (x *Index) Feedback(query []float32, k int, opts *api.SearchOptions, globalOptimum int64) (int, error) {
	if err := x.checkFeedback("feedback", k); err != nil {
		return 0, err
	}
	if x.g.NumElements() == 0 {
		return 0, nil
	}
	var truth []api.Neighbor
	if globalOptimum == api.GlobalOptimumUnknown {
		var err error
		if truth, err = x.g.ExactKnn(query, k); err != nil {
			return 0, err
		}
		if len(truth) == 0 { // emptied meanwhile
			return 0, nil
		}
	} else if !x.g.Contains(globalOptimum) {
		return 0, api.Errorf(api.InvalidArgument, "hnsw: feedback: the global optimum label %d is not in the index", globalOptimum)
	}
	raw, res, err := x.search(query, k, opts, true)
	if err != nil {
		return 0, err
	}
	from := raw[:min(k, len(raw))]
	if truth == nil {
		return x.link(from, globalOptimum), nil
	}
	n := x.link(from, truth[0].ID)
	for _, t := range truth[1:] {
		if !slices.ContainsFunc(res, func(r api.Neighbor) bool { return r.ID == t.ID }) {
			n += x.link(from, t.ID)
		}
	}
	return n, nil
}

// link adds an edge from each result to target and returns how many were added.
func (x *Index) link(res []api.Neighbor, target int64) int {
	n := 0
	for _, r := range res {
		if x.cg.AddEdge(r.ID, target) {
			n++
		}
	}
	return n
}

// Pretrain implements api.Feedbacker, as VSAG's: for each label of ids, its stored vector is
// searched for 50 neighbours (ef_search 400); for each neighbour, a query 51% of the way from
// the neighbour to the vector is given as Feedback with the label as the global optimum (k
// results searched with opts). Every label is checked before any edge is added; it returns
// the number of edges added.
func (x *Index) Pretrain(ids []int64, k int, opts *api.SearchOptions) (int, error) {
	if err := x.checkFeedback("pretrain", k); err != nil {
		return 0, err
	}
	if x.g.NumElements() == 0 {
		return 0, nil
	}
	for _, id := range ids {
		if !x.g.Contains(id) {
			return 0, api.Errorf(api.InvalidArgument, "hnsw: pretrain: label %d is not in the index", id)
		}
	}
	gen := &api.SearchOptions{Block: []byte(`{"ef_search":` + strconv.Itoa(generateSearchL) + `}`), Parallelism: 1}
	d := x.dim
	base, other, q := make([]float32, d), make([]float32, d), make([]float32, d)
	added := 0
	for _, id := range ids {
		if err := x.g.GetVectors([]int64{id}, base); err != nil {
			return added, err // removed meanwhile
		}
		near, err := x.KnnSearch(base, generateSearchK, gen)
		if err != nil {
			return added, err
		}
		for _, nb := range near {
			if nb.ID == id {
				continue
			}
			if err := x.g.GetVectors([]int64{nb.ID}, other); err != nil {
				continue // removed meanwhile
			}
			for j := range q {
				q[j] = generateOmega*base[j] + (1-generateOmega)*other[j]
			}
			if x.metric.NeedsNormalize() {
				metric.Normalize(q)
			}
			n, err := x.Feedback(q, k, opts, id)
			if err != nil {
				if !x.g.Contains(id) {
					break // removed meanwhile
				}
				return added, err
			}
			added += n
		}
	}
	return added, nil
}

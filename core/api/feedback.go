package api

import "math"

// GlobalOptimumUnknown, passed as Feedback's globalOptimum, asks the engine to find the true
// nearest neighbour of the query itself, by an exact scan (VSAG's default argument, the
// largest int64).
const GlobalOptimumUnknown int64 = math.MaxInt64

// Feedbacker is implemented by engines that learn from search feedback with a conjugate graph
// (SUPPORT_FEEDBACK while FeedbackEnabled reports true): extra edges from the nodes a search
// ended on to the true nearest neighbour, which later searches consult for their best
// results.
type Feedbacker interface {
	// FeedbackEnabled reports whether the engine keeps a conjugate graph (hnsw's
	// use_conjugate_graph); Feedback and Pretrain fail otherwise.
	FeedbackEnabled() bool
	// Feedback searches query with opts for k results and links the nodes the search found to
	// globalOptimum; with GlobalOptimumUnknown the engine finds the true neighbours by an
	// exact scan and links to the nearest and to those the search missed. It returns the
	// number of edges added; an empty engine adds none.
	Feedback(query []float32, k int, opts *SearchOptions, globalOptimum int64) (int, error)
	// Pretrain runs Feedback for queries generated around the stored vectors of ids (each
	// vector moved a little towards each of its neighbours) with the vector's own label as the
	// global optimum, and returns the number of edges added.
	Pretrain(ids []int64, k int, opts *SearchOptions) (int, error)
}

package pyramid

import (
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/store"
)

// estimateDepth is the path depth EstimateMemory assumes: paths of two segments
// ("tenant/shop"), so a vector lies in the root's group and in two groups below it.
const estimateDepth = 2

// estimateFanout is the number of children per prefix EstimateMemory assumes when it weighs
// index_min_size: a group at level l holds n/estimateFanout^l vectors.
const estimateFanout = 8

// EstimateMemory implements api.MemoryEstimator: the bytes n vectors take, with paths of two
// segments in every hierarchy. Per vector: its codes and label; per hierarchy its place in the
// tree (the last node of its path) and, per level 0..2 with an index of its own (not in
// no_build_levels), a member entry and a graph node, of max_degree at the root and of the
// sub-graphs' degree (min(max_degree, 24)) below it, unless index_min_size exceeds the
// groups of that level (taken as n/8^level vectors: eight children per prefix), which are then
// scanned without a graph; with support_duplicate the groups' hash entries. The tree nodes themselves are not counted (their number depends on the paths), nor
// that groups below 32 vectors have no graph: paths of other depths or of many small groups
// move the figure (deeper paths add a sub-graph per level).
func (x *Index) EstimateMemory(n int64) int64 {
	if n <= 0 {
		return fixedOverhead
	}
	b := n*x.codeBytesPerRow() + store.EstimateLabelsMemory(int(n)) + fixedOverhead
	for _, hp := range x.p.hiers {
		b += 8 * n // leaf
		for level := 0; level <= estimateDepth; level++ {
			if hp.noBuild(level) {
				continue
			}
			b += 4 * n // members
			group := n
			for l := 0; l < level; l++ {
				group /= estimateFanout
			}
			if level > 0 && hp.IndexMinSize > group {
				continue
			}
			deg := hp.MaxDegree
			if level > 0 {
				deg = subDegree(hp.MaxDegree, int(n))
			}
			b += graph.EstimateMemory(n, deg)
			if x.p.SupportDuplicate {
				b += 2 * 48 * n
			}
		}
	}
	return b
}

// codeBytesPerRow returns the bytes of one row's codes in every store.
func (x *Index) codeBytesPerRow() int64 {
	b := int64(x.baseCodes.Stride())
	for _, c := range []*store.Codes{x.preciseCodes, x.raw} {
		if c != nil {
			b += int64(c.Stride())
		}
	}
	return b
}

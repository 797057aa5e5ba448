package core

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// TestBudgetMergeIntoEmptyHGraph: merging a whole hgraph into an empty one adopts its graph:
// under a budget that holds the result but not a second copy of the graph the merge succeeds,
// the charge stays within the budget and follows what the index reports as its memory usage.
func TestBudgetMergeIntoEmptyHGraph(t *testing.T) {
	const n = 3000
	create := resIndexes[1].create
	src, err := CreateIndex("hgraph", create)
	require.NoError(t, err)
	_, err = src.Build(resData(n, 1, 0))
	require.NoError(t, err)
	graphBytes := int64(n * (16 + 1) * 4)
	budget := src.GetMemoryUsage() + graphBytes/2
	dst, err := CreateIndex("hgraph", create)
	require.NoError(t, err)
	// a budget short of the result refuses the merge whole
	require.NoError(t, dst.SetMemoryBudget(src.GetMemoryUsage()-graphBytes/2))
	empty := dst.BudgetedMemory()
	_, err = dst.Merge([]MergeUnit{{Index: src}})
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
	require.Zero(t, dst.GetNumElements())
	require.Equal(t, empty, dst.BudgetedMemory())
	require.NoError(t, dst.SetMemoryBudget(budget))
	_, err = dst.Merge([]MergeUnit{{Index: src}})
	require.NoError(t, err)
	require.Equal(t, int64(n), dst.GetNumElements())
	t.Logf("src usage %d charge %d, dst usage %d charge %d, budget %d", src.GetMemoryUsage(), src.BudgetedMemory(), dst.GetMemoryUsage(), dst.BudgetedMemory(), budget)
	require.LessOrEqual(t, dst.BudgetedMemory(), budget)
	// the charge is the memory usage plus the scratch of concurrent searches, as for the
	// index built with the rows (no graph charged twice, none left out)
	gap := func(x *Index) int64 { return x.BudgetedMemory() - x.GetMemoryUsage() }
	require.InDelta(t, gap(src), gap(dst), 4096, "charged %d, memory usage %d", dst.BudgetedMemory(), dst.GetMemoryUsage())
	// the adopted graph's growth with the next add is charged too
	require.NoError(t, dst.SetMemoryBudget(2*budget))
	_, err = dst.Add(resData(100, 2, n))
	require.NoError(t, err)
	require.LessOrEqual(t, dst.BudgetedMemory(), 2*budget)
	require.InDelta(t, gap(src), gap(dst), 8192, "charged %d, memory usage %d", dst.BudgetedMemory(), dst.GetMemoryUsage())
}

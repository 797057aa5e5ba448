package core

import (
	"sync/atomic"
	"unsafe"

	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// budgetCases are the index types whose whole memory (trees and graphs, both lazy phases) is
// charged besides their code stores.
var budgetCases = []struct {
	name, typ, create, search string
	paths                     bool
}{
	{"pyramid", "pyramid", `{"dtype":"float32","metric_type":"l2","dim":32,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":60,"index_min_size":50}}`, `{"pyramid":{"ef_search":60}}`, true},
	{"lazy_hgraph-flat", "lazy_hgraph", `{"dtype":"float32","metric_type":"l2","dim":32,"lazy_hgraph":{"transition_threshold":1000000,"hgraph":{"max_degree":16,"ef_construction":60}}}`, `{"hgraph":{"ef_search":60}}`, false},
	{"lazy_hgraph-graph", "lazy_hgraph", `{"dtype":"float32","metric_type":"l2","dim":32,"lazy_hgraph":{"transition_threshold":200,"hgraph":{"max_degree":16,"ef_construction":60}}}`, `{"hgraph":{"ef_search":60}}`, false},
}

func budgetData(n int, seed uint64, first int64, paths bool) *Dataset {
	ds := resData(n, seed, first)
	if paths {
		ds.Paths = make([]string, n)
		for i := range ds.Paths {
			ds.Paths[i] = fmt.Sprintf("t%d/s%d", (int(first)+i)%4, (int(first)+i)%3)
		}
	}
	return ds
}

// TestBudgetCoversTreesAndPhases: a build larger than the budget is NO_ENOUGH_MEMORY and stores
// nothing; filled batch by batch, the index stops at its budget with whole batches refused
// (also a batch of several append chunks), its charge covers its memory usage, and it answers.
func TestBudgetCoversTreesAndPhases(t *testing.T) {
	for _, tc := range budgetCases {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := CreateIndex(tc.typ, tc.create)
			require.NoError(t, err)
			const budget = 600 << 10
			require.NoError(t, idx.SetMemoryBudget(budget))
			_, err = idx.Build(budgetData(5000, 1, 0, tc.paths))
			require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "build over the budget: %v", err)
			require.Zero(t, idx.GetNumElements())
			require.LessOrEqual(t, idx.BudgetedMemory(), int64(budget))

			held := int64(0)
			var refused error
			for b := 0; b < 60 && refused == nil; b++ {
				ds := budgetData(400, uint64(b+2), int64(b)*400, tc.paths)
				if b == 0 {
					_, refused = idx.Build(ds)
				} else {
					_, refused = idx.Add(ds)
				}
				if refused == nil {
					held += 400
				}
				waitConversion(idx)
				require.LessOrEqual(t, idx.BudgetedMemory(), int64(budget))
			}
			require.Error(t, refused, "the budget never refused a batch")
			require.Equal(t, api.NoEnoughMemory, api.CodeOf(refused), refused.Error())
			require.Equal(t, held, idx.GetNumElements(), "a refused batch left rows behind")
			require.Greater(t, held, int64(400))
			// a batch of several append chunks is refused whole too
			_, err = idx.Add(budgetData(3000, 77, 1<<30, tc.paths))
			require.Equal(t, api.NoEnoughMemory, api.CodeOf(err))
			require.Equal(t, held, idx.GetNumElements())
			// the charge covers the index's own account of its memory (less fixed overheads)
			require.GreaterOrEqual(t, idx.BudgetedMemory(), idx.GetMemoryUsage()-64<<10,
				"charged %d, memory usage %d", idx.BudgetedMemory(), idx.GetMemoryUsage())
			q := budgetData(1, 99, 0, false)
			res, err := idx.KnnSearch(q, 10, tc.search, nil)
			require.NoError(t, err)
			require.Len(t, res.IDs, 10)
			require.NoError(t, idx.SetMemoryBudget(0))
			_, err = idx.Add(budgetData(400, 1000, 1<<40, tc.paths))
			require.NoError(t, err)
			require.Equal(t, held+400, idx.GetNumElements())
		})
	}
}

// waitConversion waits for a lazy_hgraph's background conversion, if one runs.
func waitConversion(idx *Index) {
	if w, ok := idx.eng().(interface{ WaitConversion() error }); ok {
		_ = w.WaitConversion()
	}
}

// refusingAllocator is an mmap allocator that returns no memory once off is set.
type refusingAllocator struct {
	mmapAllocator
	off atomic.Bool
}

func (r *refusingAllocator) Allocate(size uint64) unsafe.Pointer {
	if r.off.Load() {
		return nil
	}
	return r.mmapAllocator.Allocate(size)
}

func (r *refusingAllocator) Reallocate(p unsafe.Pointer, size uint64) unsafe.Pointer {
	if r.off.Load() {
		return nil
	}
	return r.mmapAllocator.Reallocate(p, size)
}

// TestAllocatorRefusalIsNoEnoughMemory: an allocator that returns no memory fails the write
// that needed it with NO_ENOUGH_MEMORY (not an internal error), the index keeps its rows and
// answers, and takes the batch once the allocator serves again.
func TestAllocatorRefusalIsNoEnoughMemory(t *testing.T) {
	for _, tc := range resIndexes {
		if tc.name == "ivf" { // ivf keeps its codes in bucket lists, not in allocator slabs
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			a := &refusingAllocator{mmapAllocator: mmapAllocator{blocks: map[uintptr][]byte{}}}
			idx, err := CreateIndex(resIndexType(tc.name), tc.create)
			require.NoError(t, err)
			idx.SetAllocator(a)
			_, err = idx.Build(resData(500, 1, 0))
			require.NoError(t, err)
			a.off.Store(true)
			_, err = idx.Add(resData(5000, 2, 500))
			require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
			require.Equal(t, int64(500), idx.GetNumElements())
			res, err := idx.KnnSearch(resData(1, 9, 0), 5, tc.search, nil)
			require.NoError(t, err)
			require.Len(t, res.IDs, 5)
			a.off.Store(false)
			_, err = idx.Add(resData(5000, 2, 500))
			require.NoError(t, err)
			require.Equal(t, int64(5500), idx.GetNumElements())
		})
	}
}

// TestBudgetCoversExtraInfo: the extra info of the rows is charged to the budget and a batch
// whose extra info does not fit is refused whole, with nothing stored.
func TestBudgetCoversExtraInfo(t *testing.T) {
	const size = 2048
	idx, err := CreateIndex("hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":32,"extra_info_size":%d,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":60}}`, size))
	require.NoError(t, err)
	const budget = 2 << 20
	require.NoError(t, idx.SetMemoryBudget(budget))
	batch := func(b int) *Dataset {
		ds := resData(200, uint64(b), int64(b)*200)
		ds.ExtraInfos = make([]byte, 200*size)
		for i := range ds.ExtraInfos {
			ds.ExtraInfos[i] = byte(b)
		}
		return ds
	}
	held := int64(0)
	var refused error
	for b := 0; b < 50 && refused == nil; b++ {
		if b == 0 {
			_, refused = idx.Build(batch(b))
		} else {
			_, refused = idx.Add(batch(b))
		}
		if refused == nil {
			held += 200
			require.GreaterOrEqual(t, idx.BudgetedMemory(), held*size, "the extra info is charged")
		}
		require.LessOrEqual(t, idx.BudgetedMemory(), int64(budget))
	}
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(refused), "%v", refused)
	require.Equal(t, held, idx.GetNumElements())
	require.Less(t, held, int64(budget/size), "the extra info alone would not fit in more")
	got, err := idx.GetExtraInfoByIDs([]int64{held - 1})
	require.NoError(t, err)
	require.Equal(t, byte((held-1)/200), got[0])
}

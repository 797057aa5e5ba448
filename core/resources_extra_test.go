package core

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// TestBudgetExtraConcurrentReservations: writes reserving the extra info of their rows at the
// same time under a budget for three of them get exactly three through, the charge never
// exceeds the budget, and a write that ends leaves the reservations of the others charged
// (run it with -race).
func TestBudgetExtraConcurrentReservations(t *testing.T) {
	const size, callers = 4096, 16
	idx, err := CreateIndex("hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":32,"extra_info_size":%d,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":60}}`, size))
	require.NoError(t, err)
	base := idx.BudgetedMemory()
	const need = size + extraRowBytes
	budget := base + 3*need + need/2
	require.NoError(t, idx.SetMemoryBudget(budget))
	for round := 0; round < 30; round++ {
		var mu sync.Mutex
		var releases []func()
		var start, done sync.WaitGroup
		start.Add(1)
		for i := 0; i < callers; i++ {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				release, err := idx.reserveExtra("add", 1)
				if err != nil {
					require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
					return
				}
				require.LessOrEqual(t, idx.BudgetedMemory(), budget)
				mu.Lock()
				releases = append(releases, release)
				mu.Unlock()
			}()
		}
		start.Done()
		done.Wait()
		require.Len(t, releases, 3, "round %d", round)
		require.Equal(t, base+3*need, idx.BudgetedMemory())
		// a write ending must not drop the others' reservations
		releases[0]()
		require.Equal(t, base+2*need, idx.BudgetedMemory())
		releases[1]()
		require.Equal(t, base+need, idx.BudgetedMemory())
		releases[2]()
		require.Equal(t, base, idx.BudgetedMemory())
	}
}

// TestBudgetExtraConcurrentAdds: concurrent adds with extra info under a tight budget store
// no more rows than the budget holds, every refusal is NO_ENOUGH_MEMORY, the rows stored keep
// their extra info, and once the writes end the charge is what the extra info holds (no
// reservation left over or lost). Run it with -race.
func TestBudgetExtraConcurrentAdds(t *testing.T) {
	const size, writers, adds, rows = 8192, 6, 30, 2
	idx, err := CreateIndex("hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":32,"extra_info_size":%d,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":60}}`, size))
	require.NoError(t, err)
	const budget = 1 << 20
	require.NoError(t, idx.SetMemoryBudget(budget))
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := 0; a < adds; a++ {
				first := int64((w*adds + a) * rows)
				ds := resData(rows, uint64(first), first)
				ds.ExtraInfos = make([]byte, rows*size)
				for i := range ds.ExtraInfos {
					ds.ExtraInfos[i] = byte(first + int64(i/size))
				}
				if _, err := idx.Add(ds); err != nil {
					require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
				}
			}
		}()
	}
	wg.Wait()
	held := idx.GetNumElements()
	require.Positive(t, held)
	require.LessOrEqual(t, held*(size+extraRowBytes), int64(budget), "more extra info stored than the budget holds")
	require.Less(t, held, int64(writers*adds*rows), "the budget never refused an add")
	require.Equal(t, idx.extra.memory(), idx.res.extra.Held(), "the extra info's charge after the writes")
	require.GreaterOrEqual(t, idx.BudgetedMemory(), held*size)
	for l := int64(0); l < writers*adds*rows; l++ {
		if !idx.CheckIDExist(l) {
			continue
		}
		got, err := idx.GetExtraInfoByIDs([]int64{l})
		require.NoError(t, err)
		require.Equal(t, byte(l), got[0])
	}
}

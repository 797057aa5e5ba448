package pyramid

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/params"
)

// TestSideChargeIncremental: single-row adds, each on a new path of a growing tree, measure
// only the nodes of their row's path for the side charge, whatever the size of the trees, and
// the charge kept up incrementally equals a full measure of every node, with and without
// graphs and duplicate groups.
func TestSideChargeIncremental(t *testing.T) {
	const d = 8
	for _, extra := range []string{``, `,"support_duplicate":true`, `,"hierarchies":["a","b"]`} {
		t.Run(extra, func(t *testing.T) {
			c, err := params.ParseCreate(Name, fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"fp32","max_degree":8,"ef_construction":40,"index_min_size":32%s}}`, d, extra))
			require.NoError(t, err)
			x, err := New(c)
			require.NoError(t, err)
			x.UseAccount(alloc.NewAccount("test", nil))
			r := rand.New(rand.NewPCG(1, 2))
			hiers := []string{""}
			if extra == `,"hierarchies":["a","b"]` {
				hiers = []string{"a", "b"}
			}
			const rows = 600
			for i := 0; i < rows; i++ {
				v := make([]float32, d)
				for j := range v {
					v[j] = r.Float32()
				}
				if i%7 == 0 && i > 0 && extra == `,"support_duplicate":true` {
					v[0] = 0.5 // a few duplicates
					for j := 1; j < d; j++ {
						v[j] = 0.25
					}
				}
				paths := map[string][]string{}
				for _, h := range hiers {
					// three tenants (groups that get graphs), a new leaf per row
					paths[h] = []string{fmt.Sprintf("t%d/i%d", i%3, i)}
				}
				x.sc.mu.Lock()
				before := x.sc.visits
				x.sc.mu.Unlock()
				_, err := x.InsertWithPaths(v, []int64{int64(i)}, paths, i == 0, nil)
				require.NoError(t, err)
				x.sc.mu.Lock()
				visited := x.sc.visits - before
				x.sc.mu.Unlock()
				// the root, the tenant and the row's own node, per hierarchy
				require.LessOrEqual(t, visited, int64(3*len(hiers)), "add %d measured %d nodes", i, visited)
			}
			x.mu.RLock()
			full := x.sideMemory()
			x.mu.RUnlock()
			require.Equal(t, full, x.side.Held(), "the incremental charge against a full measure")
			x.chargeSide()
			require.Equal(t, full, x.side.Held())
		})
	}
}

// TestSideChargeConcurrentAdds: adds from several goroutines keep the incremental side charge
// equal to a full measure (run it with -race).
func TestSideChargeConcurrentAdds(t *testing.T) {
	const d, writers, adds = 8, 4, 60
	c, err := params.ParseCreate(Name, fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"fp32","max_degree":8,"ef_construction":40,"index_min_size":32}}`, d))
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	x.UseAccount(alloc.NewAccount("test", nil))
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 3))
			for a := 0; a < adds; a++ {
				const n = 3
				v := make([]float32, n*d)
				for j := range v {
					v[j] = r.Float32()
				}
				ids, paths := make([]int64, n), make([]string, n)
				for i := range ids {
					ids[i] = int64((w*adds+a)*n + i)
					paths[i] = fmt.Sprintf("t%d/s%d", (a+i)%4, ids[i]%11)
				}
				_, err := x.InsertWithPaths(v, ids, map[string][]string{"": paths}, false, nil)
				require.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	x.mu.RLock()
	full := x.sideMemory()
	x.mu.RUnlock()
	require.Equal(t, full, x.side.Held())
}

package pyramid_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// TestEstimateMemory compares EstimateMemory with the measured MemoryUsage after a build:
// within a factor of two for paths of one and two segments, several settings.
func TestEstimateMemory(t *testing.T) {
	for _, c := range []struct {
		extra string
		depth int
	}{
		{``, 2},
		{``, 1},
		{`,"use_reorder":true,"base_quantization_type":"sq8","store_raw_vector":true`, 2},
		{`,"max_degree":32,"no_build_levels":[2]`, 2},
		{`,"support_duplicate":true`, 2},
		{`,"index_min_size":500`, 2},
		{`,"hierarchies":["a","b"]`, 2},
	} {
		t.Run(fmt.Sprintf("%s/depth%d", c.extra, c.depth), func(t *testing.T) {
			d := makeData(31, 3000, 30)
			if c.depth == 1 {
				for i := range d.paths {
					d.paths[i] = fmt.Sprintf("t%d", d.tenant[i])
				}
			}
			idx := create(t, "l2", c.extra)
			require.True(t, idx.CheckFeature(api.SupportEstimateMemory))
			est := int64(idx.EstimateMemory(uint64(len(d.ids))))
			ds := &core.Dataset{NumElements: len(d.ids), Dim: dim, IDs: d.ids, Float32: d.vecs, Paths: d.paths}
			if c.extra == `,"hierarchies":["a","b"]` {
				ds.Paths, ds.HierarchyPaths = nil, map[string][]string{"a": d.paths, "b": d.paths}
			}
			_, err := idx.Build(ds)
			require.NoError(t, err)
			used := idx.GetMemoryUsage()
			t.Logf("estimate %d, measured %d (%.2f)", est, used, float64(est)/float64(used))
			require.Greater(t, est, used/2)
			require.Less(t, est, used*2)
		})
	}
}

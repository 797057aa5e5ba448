package core

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// TestMultiVectorBatchKnnSearchInto: a batch of query documents written into caller buffers
// gives, row by row, what one search per document gives (filters and attribute expressions
// included), padded past the live count; malformed batches are refused before any search.
func TestMultiVectorBatchKnnSearchInto(t *testing.T) {
	c := makeMVCorpus(21, 160, 16, 1, 7)
	attrs := make([]map[string]any, len(c.counts))
	for i := range attrs {
		attrs[i] = map[string]any{"shard": int64(i % 3)}
	}
	qs := []int{4, 17, 33, 90, 121, 150}
	var flat []float32
	var qcounts []int
	for _, i := range qs {
		flat = append(flat, c.doc(i)...)
		qcounts = append(qcounts, c.counts[i])
	}
	batch := &Dataset{NumElements: len(qs), Dim: 16, Float32: flat, VectorCounts: qcounts}
	for _, tc := range []struct{ name, metric, search string }{
		{"warp", "ip", ""},
		{"warp", "l2", `{"warp":{"parallelism":2}}`},
		{"simq", "ip", `{"simq":{"coarse_k":16,"rerank_k":60}}`},
	} {
		t.Run(tc.name+"/"+tc.metric, func(t *testing.T) {
			idx, err := CreateIndex(tc.name, fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":16}`, tc.metric))
			require.NoError(t, err)
			ds := c.dataset()
			ds.Attributes = attrs
			_, err = idx.Build(ds)
			require.NoError(t, err)
			_, err = idx.Remove(c.ids[17]) // a query whose own document is gone
			require.NoError(t, err)
			exclude := api.ExcludeFunc(func(l int64) bool { return l%5 == 0 })
			for _, f := range []struct {
				filter Filter
				expr   string
			}{{nil, ""}, {exclude, ""}, {nil, "shard = 1"}, {exclude, "shard != 2"}} {
				for _, k := range []int{1, 10, 500} {
					name := fmt.Sprintf("k=%d filter=%v expr=%q", k, f.filter != nil, f.expr)
					ids := make([]int64, len(qs)*k)
					dists := make([]float32, len(qs)*k)
					require.NoError(t, idx.BatchKnnSearchInto(batch, k, tc.search, f.expr, f.filter, ids, dists), name)
					one, err := idx.AttributeFilter(f.expr, f.filter)
					require.NoError(t, err)
					for r, i := range qs {
						want, err := idx.KnnSearch(c.query(i), k, tc.search, one)
						require.NoError(t, err)
						n := len(want.IDs)
						require.Equal(t, want.IDs, ids[r*k:r*k+n], "%s query %d", name, i)
						require.Equal(t, want.Distances, dists[r*k:r*k+n], "%s query %d", name, i)
						for j := r*k + n; j < (r+1)*k; j++ {
							require.Equal(t, int64(-1), ids[j])
							require.True(t, math.IsInf(float64(dists[j]), 1))
						}
						if k == 500 {
							require.Greater(t, n, 0)
						}
					}
				}
			}
			// one document on the calling goroutine
			ids, dists := make([]int64, 3), make([]float32, 3)
			require.NoError(t, idx.BatchKnnSearchInto(c.query(33), 3, tc.search, "", nil, ids, dists))
			want, err := idx.KnnSearch(c.query(33), 3, tc.search, nil)
			require.NoError(t, err)
			require.Equal(t, want.IDs, ids)

			// refusals
			big := make([]int64, 64)
			bigD := make([]float32, 64)
			for name, bad := range map[string]*Dataset{
				"counts do not add up": {NumElements: 2, Dim: 16, Float32: flat[:5*16], VectorCounts: []int{2, 2}},
				"zero count":           {NumElements: 2, Dim: 16, Float32: flat[:4*16], VectorCounts: []int{4, 0}},
				"counts per row":       {NumElements: 2, Dim: 16, Float32: flat[:4*16], VectorCounts: []int{4}},
				"dense rows":           {NumElements: 2, Dim: 16, Float32: flat[:2*16]},
			} {
				err := idx.BatchKnnSearchInto(bad, 4, tc.search, "", nil, big, bigD)
				require.Equal(t, api.InvalidArgument, CodeOf(err), name)
			}
			err = idx.BatchKnnSearchInto(&Dataset{NumElements: 1, Dim: 8, Float32: flat[:16], VectorCounts: []int{2}}, 4, "", "", nil, big, bigD)
			require.Equal(t, api.DimensionNotEqual, CodeOf(err))
			require.Equal(t, api.InvalidArgument, CodeOf(idx.BatchKnnSearchInto(batch, 0, "", "", nil, big, bigD)))
			require.Equal(t, api.InvalidArgument, CodeOf(idx.BatchKnnSearchInto(batch, 20, "", "", nil, big, bigD))) // 6*20 > 64
			require.Equal(t, api.InvalidArgument, CodeOf(idx.BatchKnnSearchInto(batch, 4, "", "shard ==", nil, big, bigD)))
			require.EqualValues(t, len(c.counts)-1, idx.GetNumElements())
		})
	}
	// a dense index refuses documents, whatever their number
	hg, err := CreateIndex("brute_force", `{"dtype":"float32","metric_type":"ip","dim":16}`)
	require.NoError(t, err)
	_, err = hg.Build(&Dataset{NumElements: 2, Dim: 16, IDs: []int64{1, 2}, Float32: flat[:32]})
	require.NoError(t, err)
	for _, n := range []int{1, 2} {
		ds := &Dataset{NumElements: n, Dim: 16, Float32: flat[:16*mvSum(qcounts[:n])], VectorCounts: qcounts[:n]}
		err = hg.BatchKnnSearchInto(ds, 2, "", "", nil, make([]int64, 4), make([]float32, 4))
		require.Equal(t, api.InvalidArgument, CodeOf(err))
		require.ErrorContains(t, err, "multi-vector documents")
	}
}

// mvSum returns the sum of xs.
func mvSum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

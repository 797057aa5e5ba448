package core

import (
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCosineQueryBuffers checks the searches that normalise cosine queries into pooled buffers:
// the caller's query is left as it was, every entry point gives the results of the same query
// scaled by hand to unit length, and concurrent searches (run with -race) each see their own
// query.
func TestCosineQueryBuffers(t *testing.T) {
	const dim, n = 16, 300
	vecs := make([]float32, n*dim)
	for i := range vecs {
		vecs[i] = float32((i*37)%101)/50 - 1
	}
	labels := make([]int64, n)
	for i := range labels {
		labels[i] = int64(i)
	}
	for _, name := range []string{"brute_force", "hgraph"} {
		params := `{"dtype":"float32","metric_type":"cosine","dim":16}`
		if name == "hgraph" {
			params = `{"dtype":"float32","metric_type":"cosine","dim":16,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":64}}`
		}
		idx, err := CreateIndex(name, params)
		require.NoError(t, err)
		_, err = idx.Build(&Dataset{NumElements: n, Dim: dim, IDs: labels, Float32: vecs})
		require.NoError(t, err)
		js := `{}`
		if name == "hgraph" {
			js = `{"hgraph":{"ef_search":300}}`
		}

		queries := make([][]float32, 8)
		units := make([][]float32, len(queries))
		for i := range queries {
			q := make([]float32, dim)
			var s float64
			for j := range q {
				q[j] = float32(((i+3)*(j+5)*29)%83)/20 - 2
				s += float64(q[j]) * float64(q[j])
			}
			queries[i] = q
			u := make([]float32, dim)
			for j := range q {
				u[j] = float32(float64(q[j]) / math.Sqrt(s))
			}
			units[i] = u
		}
		for i, q := range queries {
			before := append([]float32(nil), q...)
			want, err := idx.Search(units[i], 10, js, nil)
			require.NoError(t, err)
			got, err := idx.Search(q, 10, js, nil)
			require.NoError(t, err)
			require.Equal(t, before, q, "%s: the caller's query is not normalised in place", name)
			requireSameNeighbors(t, want, got)
			got, err = idx.SearchWithFilterString(q, 10, js, "", nil)
			require.NoError(t, err)
			requireSameNeighbors(t, want, got)
			ds, err := idx.KnnSearch(&Dataset{NumElements: 1, Dim: dim, Float32: q}, 10, js, nil)
			require.NoError(t, err)
			require.Equal(t, before, q)
			require.Len(t, ds.IDs, len(want))
			for j := range want {
				require.Equal(t, want[j].ID, ds.IDs[j])
			}
			radius := want[len(want)-1].Distance + 1e-5
			rs, err := idx.RangeSearchVector(q, radius, js, nil, -1)
			require.NoError(t, err)
			require.GreaterOrEqual(t, len(rs), len(want)-1)
			require.Equal(t, before, q)
		}
		// a wrong dimension is refused through the pooled path too
		_, err = idx.Search(make([]float32, dim-1), 10, js, nil)
		require.Error(t, err)

		var wg sync.WaitGroup
		errs := make(chan string, 64)
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for r := 0; r < 40; r++ {
					i := (g + r) % len(queries)
					want, _ := idx.Search(units[i], 10, js, nil)
					got, err := idx.Search(queries[i], 10, js, nil)
					if err != nil || len(got) != len(want) || got[0].ID != want[0].ID {
						errs <- name
						return
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatalf("%s: a concurrent search saw another query", e)
		}
	}
}

func requireSameNeighbors(t *testing.T, want, got []Neighbor) {
	t.Helper()
	require.Len(t, got, len(want))
	for j := range want {
		require.Equal(t, want[j].ID, got[j].ID)
		require.InDelta(t, want[j].Distance, got[j].Distance, 1e-5)
	}
}

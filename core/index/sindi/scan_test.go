package sindi

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// exactSparse returns the k best live, admitted documents of rows (labels ids) for q by
// 1 - inner product, scoring every document: the reference of the plain scan.
func exactSparse(rows api.SparseBatch, ids []int64, gone map[int64]bool, filter api.Filter, q api.SparseVector, k int) []api.Neighbor {
	qw := map[uint32]float32{}
	for i, t := range q.IDs {
		qw[t] = q.Values[i]
	}
	var out []api.Neighbor
	for d := 0; d < rows.Len(); d++ {
		if gone[ids[d]] || filter != nil && !filter.CheckValid(ids[d]) {
			continue
		}
		var s float32
		for p := rows.Offsets[d]; p < rows.Offsets[d+1]; p++ {
			s += qw[rows.IDs[p]] * rows.Values[p]
		}
		if s != 0 {
			out = append(out, api.Neighbor{ID: ids[d], Distance: 1 - s})
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Distance < out[b].Distance })
	return out[:min(k, len(out))]
}

// TestScanMatchesExactScores: the plain scan returns the distances of scoring every document,
// both where it collects a window's scores by walking the query terms' postings again (long
// vocabulary, lists short against the window) and where it sweeps the whole accumulator (16
// terms: the query terms' postings outnumber the window's documents more than sweepFactor
// times), with removed documents, a filter and several k.
func TestScanMatchesExactScores(t *testing.T) {
	const window = 10000
	for _, tc := range []struct {
		name  string
		vocab int
		sweep bool
	}{
		{"walk", 3000, false},
		{"sweep", 16, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, ids := zipfRows(23000, tc.vocab, 1)
			queries, _ := zipfRows(40, tc.vocab, 2)
			// whether some query reaches the sweep in the first window
			swept := false
			for qi := 0; qi < queries.Len(); qi++ {
				in := map[uint32]bool{}
				for _, term := range queries.Row(qi).IDs {
					in[term] = true
				}
				total := 0
				for _, term := range rows.IDs[:rows.Offsets[window]] {
					if in[term] {
						total++
					}
				}
				swept = swept || total > sweepFactor*window
			}
			require.Equal(t, tc.sweep, swept)
			x := newTest(t, `{"window_size":10000}`)
			failed, err := x.AddSparse(rows, ids, nil)
			require.NoError(t, err)
			require.Empty(t, failed)
			gone := map[int64]bool{}
			var removed []int64
			for i := 0; i < len(ids); i += 89 {
				removed = append(removed, ids[i])
				gone[ids[i]] = true
			}
			_, err = x.Remove(removed)
			require.NoError(t, err)
			odd := api.ExcludeFunc(func(l int64) bool { return l%3 == 0 })
			for qi := 0; qi < queries.Len(); qi++ {
				q := queries.Row(qi)
				for _, filter := range []api.Filter{nil, odd} {
					for _, k := range []int{1, 10, 40} {
						want := exactSparse(rows, ids, gone, filter, q, k)
						got, err := x.KnnSearchSparse(q, k, &api.SearchOptions{Filter: filter})
						require.NoError(t, err)
						require.Len(t, got, len(want), "query %d k %d", qi, k)
						for i := range want {
							require.InDelta(t, want[i].Distance, got[i].Distance, 1e-4, "query %d k %d rank %d", qi, k, i)
							require.False(t, gone[got[i].ID])
							require.True(t, filter == nil || filter.CheckValid(got[i].ID))
						}
					}
				}
			}
		})
	}
}

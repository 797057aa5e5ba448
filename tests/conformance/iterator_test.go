package conformance

import (
	"math"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// TestIteratorSearch checks iterator search sessions on every case whose flags say it has
// them (SUPPORT_KNN_ITERATOR_FILTER_SEARCH and SUPPORT_CONTINUE_SEARCH_SESSION, always
// together): pages are disjoint and ascend, honour the filter, never return a label removed
// before the page, and run until every kept label was returned once. The union of the first
// pages is the exact top-N for exact cases (and pages ascend one after the other), and reaches
// the case's recall otherwise. Cases without the flags must refuse a session.
func TestIteratorSearch(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		on := idx.CheckFeature(api.SupportKnnIteratorFilterSearch)
		require.Equal(t, on, idx.CheckFeature(api.SupportContinueSearchSession), "flags 9 and 52 go together")
		if !on {
			_, err := idx.NewSearchIterator(query(0), c.Search, nil)
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
			t.Skip("no iterator search")
		}
		const pageK, npages = 10, 6
		keep := func(l int64) bool { return labelIndex(l)%3 != 0 }
		filter := core.KeepFunc(keep, 2.0/3)
		hit, total := 0, 0
		for qi := 0; qi < 5; qi++ {
			q := query(qi)
			it, err := idx.NewSearchIterator(q, c.Search, filter)
			require.NoError(t, err)
			seen := map[int64]bool{}
			var all []core.Neighbor
			var last float32 = -1
			for p := 0; p < npages; p++ {
				page, err := it.Next(pageK)
				require.NoError(t, err)
				require.Len(t, page, pageK)
				require.True(t, sort.SliceIsSorted(page, func(a, b int) bool { return page[a].Distance < page[b].Distance }), "page %d ascends", p)
				if c.Exact {
					require.GreaterOrEqual(t, page[0].Distance, last, "exact pages ascend one after the other")
				}
				last = page[len(page)-1].Distance
				for _, n := range page {
					require.True(t, keep(n.ID), "label %d is filtered out", n.ID)
					require.False(t, seen[n.ID], "label %d returned twice", n.ID)
					seen[n.ID] = true
				}
				all = append(all, page...)
			}
			truth := oracleKept(q, keep)
			if c.Exact {
				for i, n := range all {
					require.Equal(t, truth[i].ID, n.ID, "rank %d", i)
					require.InDelta(t, truth[i].Distance, n.Distance, 1e-3*math.Max(1, float64(truth[i].Distance)))
				}
			}
			top := map[int64]bool{}
			for _, n := range truth[:len(all)] {
				top[n.ID] = true
			}
			for _, n := range all {
				if top[n.ID] {
					hit++
				}
			}
			total += len(all)

			// remove labels the session would return next, then run it to its end
			var gone []int64
			for _, n := range truth {
				if len(gone) == 15 {
					break
				}
				if !seen[n.ID] {
					gone = append(gone, n.ID)
				}
			}
			if idx.CheckFeature(api.SupportDeleteByID) {
				_, err = idx.Remove(gone...)
				require.NoError(t, err)
			} else {
				gone = nil
			}
			removed := map[int64]bool{}
			for _, g := range gone {
				removed[g] = true
			}
			for p := 0; ; p++ {
				require.Less(t, p, nb, "the session never ends")
				page, err := it.Next(97)
				require.NoError(t, err)
				if len(page) == 0 {
					break
				}
				for _, n := range page {
					require.False(t, removed[n.ID], "label %d removed before the page", n.ID)
					require.True(t, keep(n.ID))
					require.False(t, seen[n.ID], "label %d returned twice", n.ID)
					seen[n.ID] = true
				}
			}
			missing := 0
			for _, n := range truth {
				if !seen[n.ID] && !removed[n.ID] {
					missing++
				}
			}
			require.Zero(t, missing, "every kept label comes out once before the end")
			require.Equal(t, len(truth)-len(gone), len(seen))
			it.Close()
			_, err = it.Next(1)
			require.Equal(t, api.WrongStatus, core.CodeOf(err))
			// put the removed labels back for the next query
			for _, g := range gone {
				i := labelIndex(g)
				_, err := idx.Add(&core.Dataset{NumElements: 1, Dim: dim, IDs: []int64{g}, Float32: data.base[i*dim : (i+1)*dim]})
				require.NoError(t, err)
			}
		}
		recall := float64(hit) / float64(total)
		t.Logf("recall of the first %d pages: %.3f", npages, recall)
		require.GreaterOrEqual(t, recall, c.MinRecall-0.05)
	})
}

// oracleKept is oracle over the labels keep accepts.
func oracleKept(q []float32, keep func(int64) bool) []core.Neighbor {
	var out []core.Neighbor
	for _, n := range oracle("l2", q, nil) {
		if keep(n.ID) {
			out = append(out, n)
		}
	}
	return out
}

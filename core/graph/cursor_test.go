package graph

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/topk"
)

// TestCursorPagesCoverTheGraph takes pages of k from a cursor until it is exhausted: every node
// comes out once, each page ascends, and the first pages are nearly the exact nearest.
func TestCursorPagesCoverTheGraph(t *testing.T) {
	const n, d, k = 1500, 8, 20
	g, codes, data := buildRandom(t, n, d, 16, 2)
	q, err := quant.New("fp32", d, metric.L2, quant.DefaultOptions())
	require.NoError(t, err)
	comp := q.NewComputer()
	query := data[7*d : 8*d]
	comp.SetQuery(query)
	sp := Space{Comp: comp, Slab: codes.Slab()}
	exact := make([]topk.Item, n)
	for i := range exact {
		exact[i] = topk.Item{Dist: metric.Reference(metric.L2, query, data[i*d:(i+1)*d]), ID: uint32(i)}
	}
	topk.SortItems(exact)

	c := NewCursor()
	seen := map[uint32]bool{}
	var order []topk.Item
	for page := 0; !c.Exhausted(); page++ {
		require.Less(t, page, n, "the cursor never ends")
		c.Advance(g, sp, &CursorParams{Ef: 40, Capacity: 40})
		w := c.Window()
		take := w[:min(k, len(w))]
		require.True(t, sort.SliceIsSorted(take, func(a, b int) bool { return take[a].Dist < take[b].Dist }))
		taken := map[uint32]bool{}
		for _, it := range take {
			require.False(t, seen[it.ID], "node %d returned twice", it.ID)
			seen[it.ID], taken[it.ID] = true, true
			order = append(order, it)
		}
		c.Retain(func(it topk.Item) bool { return !taken[it.ID] })
	}
	require.Len(t, seen, n, "an exhausted cursor has returned every node of a connected graph")
	// recall of the first 5 pages against the exact first 100
	truth := map[uint32]bool{}
	for _, it := range exact[:5*k] {
		truth[it.ID] = true
	}
	hit := 0
	for _, it := range order[:5*k] {
		if truth[it.ID] {
			hit++
		}
	}
	require.GreaterOrEqual(t, float64(hit)/float64(5*k), 0.9)
}

// TestCursorEligibleAndCapacity checks that ineligible nodes route but never enter the
// window, and that the window holds Capacity nodes with the rest spilled, not lost.
func TestCursorEligibleAndCapacity(t *testing.T) {
	const n, d = 800, 6
	g, codes, data := buildRandom(t, n, d, 12, 1)
	q, _ := quant.New("fp32", d, metric.L2, quant.DefaultOptions())
	comp := q.NewComputer()
	comp.SetQuery(data[:d])
	sp := Space{Comp: comp, Slab: codes.Slab()}
	c := NewCursor()
	even := func(id uint32) bool { return id%2 == 0 }
	got := map[uint32]bool{}
	for !c.Exhausted() {
		c.Advance(g, sp, &CursorParams{Ef: 10, Capacity: 25, Eligible: even})
		w := c.Window()
		require.LessOrEqual(t, len(w), 25)
		for _, it := range w {
			require.True(t, even(it.ID))
			require.False(t, got[it.ID])
			got[it.ID] = true
		}
		c.Retain(func(topk.Item) bool { return false })
	}
	require.Len(t, got, n/2)
	require.Empty(t, c.Pending())
}

func TestMinHeapInit(t *testing.T) {
	items := []topk.Item{{Dist: 5, ID: 1}, {Dist: 1, ID: 2}, {Dist: 3, ID: 3}, {Dist: 0, ID: 4}, {Dist: 9, ID: 5}, {Dist: 2, ID: 6}}
	var h topk.MinHeap
	h.Init(items)
	var got []float32
	for h.Len() > 0 {
		got = append(got, h.Pop().Dist)
	}
	require.Equal(t, []float32{0, 1, 2, 3, 5, 9}, got)
}

package graph

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
)

// TestClosedListsPruneAlike: adding an edge back to a full closed list by pruneAdd gives the
// lists that pruning it whole gives, on every layer, for strict and relaxed pruning and for l2
// and the inner product.
func TestClosedListsPruneAlike(t *testing.T) {
	const n, d, deg = 3000, 16, 16
	for _, tc := range []struct {
		m     metric.Kind
		alpha float32
	}{{metric.L2, 1}, {metric.L2, 1.2}, {metric.IP, 1}, {metric.IP, 1.2}} {
		q, codes, data, levels := randomPoints(t, n, d, deg, tc.m, 8, 9)
		build := func(noClosed bool) (*Graph, int) {
			g := New(deg)
			for i := 0; i < n; i++ {
				g.AddNode(levels[i])
			}
			b := &Builder{G: g, Quant: q, Slab: codes.Slab(), Alpha: tc.alpha, EfConstruction: 48, noClosed: noClosed}
			w := b.NewWorker()
			for i := 0; i < n; i++ {
				b.Insert(w, uint32(i), levels[i], data[i*d:(i+1)*d])
			}
			closed := 0
			for i := 0; i < n; i++ {
				if atomic.LoadUint32(&g.list(0, uint32(i))[0])&closedMark != 0 {
					closed++
				}
			}
			return g, closed
		}
		whole, _ := build(true)
		fast, closed := build(false)
		// uniform points fill most l2 lists; under the inner product few lists fill
		require.Positive(t, closed, "%v alpha %v: closed lists", tc.m, tc.alpha)
		if tc.m == metric.L2 {
			require.Greater(t, closed, n/10, "alpha %v: closed lists", tc.alpha)
		}
		// files keep the lists, not the marks
		enc, err := fast.MarshalBinary()
		require.NoError(t, err)
		back := New(deg)
		require.NoError(t, back.UnmarshalBinary(enc))
		routeClosed := 0
		for l := 0; l < whole.Levels()+1; l++ {
			for i := 0; i < n; i++ {
				require.Equal(t, whole.Neighbors(l, uint32(i), nil), fast.Neighbors(l, uint32(i), nil), "%v alpha %v level %d node %d", tc.m, tc.alpha, l, i)
				require.Equal(t, fast.Neighbors(l, uint32(i), nil), back.Neighbors(l, uint32(i), nil))
				if lst := back.list(l, uint32(i)); lst != nil {
					require.Zero(t, lst[0]&(headMark|closedMark|headLenMask))
				}
				if lst := fast.list(l, uint32(i)); l > 0 && lst != nil && lst[0]&closedMark != 0 {
					routeClosed++
				}
			}
		}
		if tc.m == metric.L2 {
			require.Positive(t, routeClosed, "closed route lists")
		}
	}
}

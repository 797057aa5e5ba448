package hgraph

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/metric"
)

// TestBuildTraversalBudget: the codes made for an fp32 batch's traversal are charged to the
// index's account while the batch links and released after it; when they do not fit in the
// budget the batch traverses the build codes instead of being refused.
func TestBuildTraversalBudget(t *testing.T) {
	const d, per = 128, minBuildTravBatch
	data := clustered(7, 3*per, d, 20)
	x := newIndex(t, "l2", d, "")
	a := alloc.NewAccount("test", nil)
	x.UseAccount(a)
	_, err := x.Build(data[:per*d], seq(0, per), nil)
	require.NoError(t, err)
	held := a.Used()

	// room: the codes are made and charged, and released with release
	x.mu.RLock()
	bt := x.buildTraversal(per)
	x.mu.RUnlock()
	require.NotNil(t, bt)
	require.GreaterOrEqual(t, a.Used()-held, int64(per*d), "the traversal codes are charged")
	bt.release()
	require.Equal(t, held, a.Used())

	// no room for them: the build codes are traversed, nothing is charged
	require.NoError(t, a.SetLimit(held+int64(per*d)/2))
	x.mu.RLock()
	require.Nil(t, x.buildTraversal(per))
	x.mu.RUnlock()
	require.Equal(t, held, a.Used())

	// an add whose rows fit but whose traversal codes do not (the budget closes once the rows
	// are stored) is not refused for them, and leaves no charge of them behind: its twin
	// without a budget shows what the rows take
	twin := newIndex(t, "l2", d, "")
	ta := alloc.NewAccount("twin", nil)
	twin.UseAccount(ta)
	_, err = twin.Build(data[:per*d], seq(0, per), nil)
	require.NoError(t, err)
	_, err = twin.Add(data[per*d:2*per*d], seq(per, per), nil)
	require.NoError(t, err)
	require.NoError(t, a.SetLimit(0))
	_, err = x.Add(data[per*d:2*per*d], seq(per, per), func(row int, _ int64) {
		if row == per-1 {
			require.NoError(t, a.SetLimit(a.Used()+int64(per*d)/2))
		}
	})
	require.NoError(t, err)
	require.Equal(t, 2*per, x.labels.Total())
	require.LessOrEqual(t, a.Used(), a.Limit())
	require.Equal(t, ta.Used(), a.Used(), "no traversal codes left charged")
	// with room, the next batch's codes are made and released again
	require.NoError(t, a.SetLimit(0))
	_, err = x.Add(data[2*per*d:], seq(2*per, per), nil)
	require.NoError(t, err)
	_, err = twin.Add(data[2*per*d:], seq(2*per, per), nil)
	require.NoError(t, err)
	require.Equal(t, ta.Used(), a.Used(), "no traversal codes left charged")
	require.Greater(t, meanRecall(t, x, metric.L2, data, data[:50*d], d, 10, 64, nil), 0.9)
}

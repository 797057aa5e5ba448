package alloc

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// TestTryChargeConcurrent: many goroutines charging at once under a budget for k charges get
// exactly k through, the account never holds more than its budget, and a refusal charges
// neither the account nor its parent (run it with -race).
func TestTryChargeConcurrent(t *testing.T) {
	const per, k, callers = 1000, 5, 64
	for round := 0; round < 50; round++ {
		parent := NewAccount("parent", nil)
		child := NewAccount("child", parent)
		require.NoError(t, child.SetLimit(k*per+per/2))
		tr := NewTracker(child)
		var ok atomic.Int64
		var start, done sync.WaitGroup
		start.Add(1)
		for i := 0; i < callers; i++ {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				if err := tr.TryAdd(per, "a test charge"); err == nil {
					ok.Add(1)
				} else {
					require.Equal(t, api.NoEnoughMemory, api.CodeOf(err))
				}
				require.LessOrEqual(t, child.Used(), child.Limit())
			}()
		}
		start.Done()
		done.Wait()
		require.Equal(t, int64(k), ok.Load())
		require.Equal(t, int64(k*per), child.Used())
		require.Equal(t, int64(k*per), parent.Used())
		require.Equal(t, int64(k*per), tr.Held())
	}
	// a parent's budget refuses too, and the child's charge is undone
	parent := NewAccount("parent", nil)
	child := NewAccount("child", parent)
	require.NoError(t, parent.SetLimit(100))
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(child.TryCharge(101, "x")))
	require.Zero(t, child.Used())
	require.Zero(t, parent.Used())
	require.NoError(t, child.TryCharge(100, "x"))
	require.Equal(t, int64(100), parent.Used())
}

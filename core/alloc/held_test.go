package alloc

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// TestCheckHeld: what an account and its parent hold is checked after the fact, n = 0
// included, against each limit; nothing is charged.
func TestCheckHeld(t *testing.T) {
	parent := NewAccount("parent", nil)
	child := NewAccount("child", parent)
	require.NoError(t, child.CheckHeld(0, "x"))
	child.Charge(100)
	require.NoError(t, parent.SetLimit(150))
	require.NoError(t, child.CheckHeld(50, "x"))
	err := child.CheckHeld(51, "x")
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(err))
	require.Contains(t, err.Error(), "parent")
	require.NoError(t, child.SetLimit(90))
	err = child.CheckHeld(0, "load")
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "an account over its limit is refused with nothing more")
	require.Contains(t, err.Error(), "child")
	require.Equal(t, int64(100), child.Used())
	require.Equal(t, int64(100), parent.Used())
}

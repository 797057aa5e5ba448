package memguard

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

func TestCheck(t *testing.T) {
	require.NoError(t, Check(1<<20, "small"))
	avail := Available()
	require.Greater(t, avail, int64(0))
	err := Check(math.MaxInt64/2, "a huge slab")
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(err))
	require.Contains(t, err.Error(), "a huge slab")
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(Check(-1, "overflow")))

	restore := SetAvailableForTest(1000)
	require.Error(t, Check(1001, "x"))
	require.NoError(t, Check(999, "x"))
	restore()
	require.NoError(t, Check(1001, "x"))
}

func TestMul(t *testing.T) {
	require.Equal(t, int64(6), Mul(2, 3))
	require.Equal(t, int64(-1), Mul(math.MaxInt64, 2))
	require.Equal(t, int64(-1), Mul(-1, 2))
	require.Equal(t, int64(0), Mul(0, math.MaxInt64))
}

package alloc

import (
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

func TestAccountLimits(t *testing.T) {
	parent := NewAccount("parent", nil)
	child := NewAccount("child", parent)
	cases := []struct {
		name             string
		parentLim, child int64
		n                int64
		wantErr          bool
	}{
		{"no limits", 0, 0, 1 << 30, false},
		{"under child", 0, 1000, 1000, false},
		{"over child", 0, 1000, 1001, true},
		{"over parent", 500, 1000, 600, true},
		{"negative", 0, 0, -1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, parent.SetLimit(tc.parentLim))
			require.NoError(t, child.SetLimit(tc.child))
			err := child.Check(tc.n, "x")
			if tc.wantErr {
				require.Equal(t, api.NoEnoughMemory, api.CodeOf(err))
			} else {
				require.NoError(t, err)
			}
		})
	}
	child.Charge(100)
	require.Equal(t, int64(100), parent.Used())
	child.Charge(-100)
	require.Zero(t, parent.Used())
}

func TestSlabFreeAndGrow(t *testing.T) {
	a := NewAccount("test", nil)
	s := NewSlab(a, 100)
	require.Equal(t, s.Size(), a.Used())
	require.Zero(t, uintptr(unsafe.Pointer(&s.Bytes()[0]))%Align)
	copy(s.Bytes(), "hello")
	g := s.Grow(300, 5)
	require.Equal(t, "hello", string(g.Bytes()[:5]))
	require.Equal(t, g.Size(), a.Used())
	g.Free()
	g.Free()
	require.Zero(t, a.Used())
}

// TestSlabCollected checks that a slab dropped without Free releases its charge once collected.
func TestSlabCollected(t *testing.T) {
	a := NewAccount("test", nil)
	func() { _ = NewSlab(a, 1<<20) }()
	tr := NewTracker(a)
	tr.Set(1000)
	tr = nil
	for i := 0; i < 50 && a.Used() != 0; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	require.Zero(t, a.Used())
	_ = tr
}

func TestGrowRows(t *testing.T) {
	defer func(old int64) { _ = SetBlockSizeLimit(old) }(BlockSizeLimit())
	require.Equal(t, int64(64), GrowRows(1, 0, 16))
	require.Equal(t, int64(200), GrowRows(101, 100, 16))
	require.NoError(t, SetBlockSizeLimit(MinBlockSizeLimit))
	// a 1 KiB row: at most 256 rows beyond need
	require.Equal(t, int64(10001+256), GrowRows(10001, 10000, 1024))
	require.Error(t, SetBlockSizeLimit(1000))
}

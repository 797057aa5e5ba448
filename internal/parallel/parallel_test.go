package parallel

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

func TestForVisitsEveryIndexOnce(t *testing.T) {
	for _, workers := range []int{0, 1, 2, 7} {
		seen := make([]atomic.Int32, 1000)
		require.NoError(t, For(len(seen), workers, func(_, i int) error {
			seen[i].Add(1)
			return nil
		}))
		for i := range seen {
			require.EqualValues(t, 1, seen[i].Load(), "index %d with %d workers", i, workers)
		}
	}
	require.NoError(t, For(0, 4, func(_, _ int) error { panic("never called") }))
}

func TestRecoversPanicsInEveryWorker(t *testing.T) {
	for _, w := range []int{0, 1, 3} {
		err := Run(4, func(me int) error {
			if me == w {
				var m map[string]int
				m["x"] = 1 // a real runtime panic
			}
			return nil
		})
		require.Error(t, err, "panic in worker %d", w)
		require.Equal(t, api.InternalError, api.CodeOf(err))
		require.Contains(t, err.Error(), "assignment to entry in nil map")
	}
	err := For(100, 2, func(_, i int) error {
		if i == 50 {
			panic(errors.New("boom"))
		}
		return nil
	})
	require.Equal(t, api.InternalError, api.CodeOf(err))
	require.Contains(t, err.Error(), "boom")
}

func TestFirstErrorStopsHandingOut(t *testing.T) {
	var calls atomic.Int64
	want := api.Errorf(api.InvalidArgument, "bad row")
	err := For(1_000_000, 2, func(_, i int) error {
		calls.Add(1)
		if i == 10 {
			return want
		}
		return nil
	})
	require.ErrorIs(t, err, want)
	require.Less(t, calls.Load(), int64(1_000_000))
}

func TestGoRecovers(t *testing.T) {
	wait := Go(func() error { panic("in a goroutine") })
	err := wait()
	require.Equal(t, api.InternalError, api.CodeOf(err))
	require.NoError(t, Go(func() error { return nil })())
}

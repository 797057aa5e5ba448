package store

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLabelsAgainstMap drives the table with random appends, removes, revives and relabels and
// compares every answer with a plain map.
func TestLabelsAgainstMap(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	l := NewLabels()
	live := map[int64]uint32{}
	for step := 0; step < 20000; step++ {
		label := int64(rng.Intn(3000)) - 500
		switch rng.Intn(4) {
		case 0, 1:
			inner, err := l.Append(label)
			if _, ok := live[label]; ok {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
				live[label] = inner
			}
		case 2:
			inner, ok := l.Remove(label)
			want, had := live[label]
			require.Equal(t, had, ok)
			if had {
				require.Equal(t, want, inner)
				require.True(t, l.IsRemoved(inner))
				delete(live, label)
			}
		case 3:
			to := int64(rng.Intn(3000)) - 500
			err := l.Relabel(label, to)
			_, hasFrom := live[label]
			_, hasTo := live[to]
			if !hasFrom || (hasTo && to != label) {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
				inner := live[label]
				delete(live, label)
				live[to] = inner
			}
		}
	}
	require.Equal(t, len(live), l.Live())
	for label, inner := range live {
		got, ok := l.Lookup(label)
		require.True(t, ok, "label %d", label)
		require.Equal(t, inner, got)
		require.Equal(t, label, l.Label(inner))
	}
	b, err := l.MarshalBinary()
	require.NoError(t, err)
	var m Labels
	require.NoError(t, m.UnmarshalBinary(b))
	require.Equal(t, l.Live(), m.Live())
	require.Equal(t, l.NumRemoved(), m.NumRemoved())
	for label, inner := range live {
		got, ok := m.Lookup(label)
		require.True(t, ok)
		require.Equal(t, inner, got)
	}
	for _, cut := range []int{0, 7, len(b) - 1} {
		require.Error(t, new(Labels).UnmarshalBinary(b[:cut]))
	}
}

func TestLabelsRevive(t *testing.T) {
	l := NewLabels()
	for i := int64(0); i < 10; i++ {
		_, err := l.Append(i)
		require.NoError(t, err)
	}
	inner, ok := l.Remove(4)
	require.True(t, ok)
	require.False(t, l.Contains(4))
	l.Revive(inner, 44)
	require.True(t, l.Contains(44))
	require.False(t, l.IsRemoved(inner))
	require.Equal(t, 10, l.Live())
	lo, hi, ok := l.MinMax()
	require.True(t, ok)
	require.EqualValues(t, 0, lo)
	require.EqualValues(t, 44, hi)
}

func FuzzLabelsUnmarshal(f *testing.F) {
	l := NewLabels()
	for i := int64(0); i < 70; i++ {
		l.Append(i * 7)
	}
	l.Remove(14)
	b, _ := l.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Labels
		if m.UnmarshalBinary(data) == nil {
			require.LessOrEqual(t, m.Live(), m.Total())
		}
	})
}

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

// unmix inverts the label hash's mixing without its key: labels made with it would all share
// one slot of an unkeyed table.
func unmix(h uint64) int64 {
	unshift := func(z uint64, s uint) uint64 {
		x := z
		for i := 0; i < 64/int(s)+1; i++ {
			x = z ^ (x >> s)
		}
		return x
	}
	inverse := func(m uint64) uint64 { // m odd: Newton's iteration for m*x = 1 mod 2^64
		x := m
		for i := 0; i < 6; i++ {
			x *= 2 - m*x
		}
		return x
	}
	z := unshift(h, 31) * inverse(0x94d049bb133111eb)
	z = unshift(z, 27) * inverse(0xbf58476d1ce4e5b9)
	z = unshift(z, 30)
	return int64(z - 0x9e3779b97f4a7c15)
}

// Labels chosen to collide under the unkeyed hash spread out under the process's key: the
// longest probe from a label's home slot stays short (unkeyed, it would be the label count).
func TestLabelsResistChosenCollisions(t *testing.T) {
	l := NewLabels()
	const n = 20000
	for i := 0; i < n; i++ {
		label := unmix(uint64(i+1) << 40)
		_, err := l.Append(label)
		require.NoError(t, err)
	}
	saved := labelSeed
	t.Cleanup(func() { labelSeed = saved })
	labelSeed = 0
	require.Equal(t, uint64(0), hash64(unmix(5<<40))&(1<<40-1), "unmix inverts the unkeyed hash")
	labelSeed = saved
	mask := uint64(len(l.keys) - 1)
	longest := uint64(0)
	for i, v := range l.vals {
		if v != emptySlot {
			longest = max(longest, (uint64(i)-hash64(l.keys[i]))&mask)
		}
	}
	require.Less(t, longest, uint64(1000))
	for i := 0; i < n; i += 97 {
		inner, ok := l.Lookup(unmix(uint64(i+1) << 40))
		require.True(t, ok)
		require.Equal(t, uint32(i), inner)
	}
}

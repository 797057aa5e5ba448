package store

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPermuteRows(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 64, 65, 300} {
		const stride = 5
		slab := make([]byte, n*stride)
		for i := range slab {
			slab[i] = byte(r.IntN(256))
		}
		perm := make([]uint32, n)
		for i := range perm {
			perm[i] = uint32(i)
		}
		// a random permutation with some fixed points left in place
		r.Shuffle(n, func(i, j int) {
			if (i+j)%3 != 0 {
				perm[i], perm[j] = perm[j], perm[i]
			}
		})
		want := make([]byte, len(slab))
		for i, p := range perm {
			copy(want[i*stride:(i+1)*stride], slab[int(p)*stride:(int(p)+1)*stride])
		}
		PermuteRows(slab, stride, perm)
		require.Equal(t, want, slab, "n=%d", n)
	}
}

func TestLabelsRenumber(t *testing.T) {
	l := NewLabels()
	for i := range 100 {
		_, err := l.Append(int64(1000 + 7*i))
		require.NoError(t, err)
	}
	perm, inv := make([]uint32, 100), make([]uint32, 100)
	for i := range perm {
		perm[i] = uint32((i*37 + 11) % 100)
		inv[perm[i]] = uint32(i)
	}
	require.True(t, l.Renumber(perm, inv))
	for i := range 100 {
		label := int64(1000 + 7*int(perm[i]))
		require.Equal(t, label, l.Label(uint32(i)))
		got, ok := l.Lookup(label)
		require.True(t, ok)
		require.Equal(t, uint32(i), got)
	}
	_, ok := l.Remove(1000)
	require.True(t, ok)
	require.False(t, l.Renumber(perm, inv), "removed marks are not renumbered")
}

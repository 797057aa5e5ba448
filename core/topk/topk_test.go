package topk

import (
	"math/rand"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMaxHeapKeepsKSmallest(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, k := range []int{0, 1, 5, 100} {
		h := NewMaxHeap(k)
		var all []float32
		for i := 0; i < 500; i++ {
			d := rng.Float32()
			all = append(all, d)
			h.Push(d, uint32(i))
		}
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		got := h.Sorted()
		require.Len(t, got, min(k, 500))
		for i, it := range got {
			require.Equal(t, all[i], it.Dist)
		}
	}
}

func TestMinHeapPopsInOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	var h MinHeap
	for i := 0; i < 300; i++ {
		h.Push(rng.Float32(), uint32(i))
	}
	prev := float32(-1)
	for h.Len() > 0 {
		it := h.Pop()
		require.GreaterOrEqual(t, it.Dist, prev)
		prev = it.Dist
	}
}

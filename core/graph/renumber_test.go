package graph

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRenumber renumbers a small layered graph in breadth-first order: the order holds every
// node once (the unreachable ones last), and every list names the same neighbours by their
// new ids.
func TestRenumber(t *testing.T) {
	g := New(4)
	levels := []int{0, 1, 0, 2, 0, 0, 1}
	for _, l := range levels {
		g.AddNode(l)
	}
	g.SetNeighbors(0, 0, []uint32{2, 3})
	g.SetNeighbors(0, 1, []uint32{6})
	g.SetNeighbors(0, 2, []uint32{0, 4})
	g.SetNeighbors(0, 3, []uint32{4, 0})
	g.SetNeighbors(0, 4, []uint32{3})
	g.SetNeighbors(0, 6, []uint32{1}) // 1 and 6 only reach each other, 5 nothing
	g.SetNeighbors(1, 3, []uint32{1, 6})
	g.SetNeighbors(1, 1, []uint32{3})
	g.SetNeighbors(2, 3, nil)
	g.SetEntry(3, 2)

	order := g.BFSOrder()
	require.Equal(t, []uint32{3, 4, 0, 2, 1, 6, 5}, order)
	inv := make([]uint32, len(order))
	for i, o := range order {
		inv[o] = uint32(i)
	}
	old := g.Clone()
	g.Renumber(order, inv)
	e, level, ok := g.Entry()
	require.True(t, ok)
	require.Equal(t, uint32(0), e)
	require.Equal(t, 2, level)
	for i, o := range order {
		require.Equal(t, old.NodeLevel(o), g.NodeLevel(uint32(i)), "node %d (was %d)", i, o)
		for l := 0; l <= old.NodeLevel(o); l++ {
			want := old.Neighbors(l, o, nil)
			for j, nb := range want {
				want[j] = inv[nb]
			}
			require.Equal(t, want, g.Neighbors(l, uint32(i), nil), "level %d of node %d (was %d)", l, i, o)
		}
	}
}

package graph

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// withBeam runs f with plain searches on the beam (on) or on the heaps (off).
func withBeam(t *testing.T, on bool, f func()) {
	t.Helper()
	old := useBeam
	useBeam = on
	defer func() { useBeam = old }()
	f()
}

func TestBeamKeepsTheClosestInOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, ef := range []int{1, 2, 7, 64} {
		var b beam
		b.reset(ef)
		var ref []float32 // every distance offered that beat the bound when offered
		for i := range 500 {
			d := float32(r.IntN(200)) // repeats: equal distances keep their arrival order
			if d < b.bound() {
				b.insert(d, uint32(i))
				ref = append(ref, d)
			}
			require.LessOrEqual(t, len(b.items), ef)
			require.True(t, slices.IsSortedFunc(b.items, func(x, y beamItem) int {
				if x.Dist < y.Dist {
					return -1
				}
				if x.Dist > y.Dist {
					return 1
				}
				if x.ID < y.ID {
					return -1
				}
				return 1
			}), "ef %d: the beam is ascending, ties by arrival", ef)
		}
		slices.Sort(ref)
		got := make([]float32, len(b.items))
		for i, it := range b.items {
			got[i] = it.Dist
		}
		require.Equal(t, ref[:len(got)], got, "ef %d: the beam holds the closest offered", ef)
	}

	// pop returns the closest unexpanded node, also after a closer one arrives
	var b beam
	b.reset(4)
	b.insert(5, 1)
	b.insert(3, 2)
	it, ok := b.pop()
	require.True(t, ok)
	require.Equal(t, uint32(2), it.ID)
	nx, ok := b.peek()
	require.True(t, ok)
	require.Equal(t, uint32(1), nx)
	b.insert(1, 3)
	b.insert(4, 4)
	require.False(t, 6 < b.bound(), "full: 6 does not beat the farthest kept")
	b.insert(2, 5) // full: 1, 2, 3, 4 kept; 5 (node 1) dropped
	var order []uint32
	for {
		it, ok := b.pop()
		if !ok {
			break
		}
		order = append(order, it.ID)
	}
	require.Equal(t, []uint32{3, 5, 4}, order)
	_, ok = b.peekFirst()
	require.False(t, ok)
}

// TestBeamSearchEqualsHeapSearch: a plain search on the beam expands the same nodes, measures
// the same distances and returns the same results as on the heaps, with and without hop limits.
func TestBeamSearchEqualsHeapSearch(t *testing.T) {
	const n, d = 3000, 8
	g, codes, _ := buildRandom(t, n, d, 16, 1)
	comp := codes.Quantizer().NewComputer()
	sp := Space{Comp: comp, Slab: codes.Slab()}
	r := rand.New(rand.NewPCG(5, 6))
	q := make([]float32, d)
	type run struct {
		res          []uint32
		dists        []float32
		hops, dist   int64
		timedOut     bool
		usedTheBeams bool
	}
	search := func(on bool, p *Params) run {
		var out run
		withBeam(t, on, func() {
			s := NewSearcher(16)
			res := s.Search(g, sp, p)
			for _, it := range res {
				out.res = append(out.res, it.ID)
				out.dists = append(out.dists, it.Dist)
			}
			out.hops, out.dist, out.timedOut, out.usedTheBeams = s.Hops, s.DistCmp, s.TimedOut, s.onBeam
		})
		return out
	}
	for _, ef := range []int{1, 5, 10, 32, 100, maxBeam, maxBeam + 1} {
		for range 20 {
			for j := range q {
				q[j] = r.Float32()
			}
			comp.SetQuery(q)
			for _, limit := range []int{0, 4} {
				p := Params{Ef: ef, HopsLimit: limit}
				heap, bm := search(false, &p), search(true, &p)
				require.False(t, heap.usedTheBeams)
				require.Equal(t, ef <= maxBeam, bm.usedTheBeams, "ef %d", ef)
				heap.usedTheBeams = bm.usedTheBeams
				require.Equal(t, heap, bm, "ef %d hops limit %d", ef, limit)
				if limit == 0 {
					require.Len(t, bm.res, min(ef, n))
				}
			}
		}
	}
	// a search that must see nodes it cannot return keeps the heaps
	removed := make([]uint64, (n+63)/64)
	removed[0] = 1
	p := Params{Ef: 10, Removed: removed}
	require.False(t, search(true, &p).usedTheBeams)
}

// TestBeamBuildEqualsHeapBuild: insertion searches on the beam make the same graph.
func TestBeamBuildEqualsHeapBuild(t *testing.T) {
	var heap, bm *Graph
	withBeam(t, false, func() { heap, _, _ = buildRandom(t, 2000, 6, 16, 1) })
	withBeam(t, true, func() { bm, _, _ = buildRandom(t, 2000, 6, 16, 1) })
	require.Equal(t, heap.adj, bm.adj)
	require.Equal(t, heap.Levels(), bm.Levels())
	for l := 1; l <= heap.Levels(); l++ {
		require.Equal(t, heap.layers[l-1].adj, bm.layers[l-1].adj, "route layer %d", l)
	}
}

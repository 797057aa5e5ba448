package graph

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
)

// randomPoints draws n uniform random points of dim d and a level per point for a graph of
// degree deg from one generator (seeds s1, s2), and returns them with their fp32 codes under
// metric m.
func randomPoints(t *testing.T, n, d, deg int, m metric.Kind, s1, s2 uint64) (quant.Quantizer, *store.Codes, []float32, []int) {
	t.Helper()
	q, err := quant.New("fp32", d, m, quant.DefaultOptions())
	require.NoError(t, err)
	codes := store.NewCodes(q)
	r := rand.New(rand.NewPCG(s1, s2))
	data := make([]float32, n*d)
	for i := range data {
		data[i] = r.Float32()
	}
	levels := make([]int, n)
	for i := range levels {
		codes.Append(data[i*d : (i+1)*d])
		levels[i] = RandomLevel(1-r.Float64(), deg)
	}
	return q, codes, data, levels
}

// buildRandom builds a graph over n uniform random points of dim d with the given threads.
func buildRandom(t *testing.T, n, d, deg int, threads int) (*Graph, *store.Codes, []float32) {
	t.Helper()
	q, codes, data, levels := randomPoints(t, n, d, deg, metric.L2, 42, 1)
	g := New(deg)
	for i := 0; i < n; i++ {
		require.Equal(t, uint32(i), g.AddNode(levels[i]))
	}
	b := &Builder{G: g, Quant: q, Slab: codes.Slab(), Alpha: 1, EfConstruction: 64}
	done := make(chan struct{})
	next := make(chan int, n)
	b.Insert(b.NewWorker(), 0, levels[0], data[:d])
	for i := 1; i < n; i++ {
		next <- i
	}
	close(next)
	for w := 0; w < threads; w++ {
		go func() {
			wk := b.NewWorker()
			for i := range next {
				b.Insert(wk, uint32(i), levels[i], data[i*d:(i+1)*d])
			}
			done <- struct{}{}
		}()
	}
	for w := 0; w < threads; w++ {
		<-done
	}
	b.Repair(b.NewWorker())
	return g, codes, data
}

func TestGraphInvariants(t *testing.T) {
	n := 10000
	if raceEnabled {
		n = 2000
	}
	for _, threads := range []int{1, 2} {
		g, _, _ := buildRandom(t, n, 6, 16, threads)
		ep, top, ok := g.Entry()
		require.True(t, ok)
		require.Equal(t, top, g.NodeLevel(ep), "entry point is on its level")
		for l := 0; l <= g.Levels(); l++ {
			members := []uint32{}
			if l == 0 {
				for i := 0; i < g.Len(); i++ {
					members = append(members, uint32(i))
				}
			} else {
				members = g.layers[l-1].nodes
			}
			for _, id := range members {
				nb := g.Neighbors(l, id, nil)
				require.LessOrEqual(t, len(nb), g.Degree(l))
				seen := map[uint32]bool{}
				for _, v := range nb {
					require.NotEqual(t, id, v, "self loop at %d level %d", id, l)
					require.False(t, seen[v], "duplicate edge %d->%d", id, v)
					require.Less(t, int(v), g.Len())
					if l > 0 {
						require.GreaterOrEqual(t, g.NodeLevel(v), l, "route edge leaves the layer")
					}
					seen[v] = true
				}
				if g.Len() > 1 && l == 0 {
					require.NotEmpty(t, nb, "isolated node %d", id)
				}
			}
		}
		// every node is reachable from the entry point on the bottom layer
		seen := make([]bool, g.Len())
		stack := []uint32{ep}
		seen[ep] = true
		count := 1
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, u := range g.Neighbors(0, v, nil) {
				if !seen[u] {
					seen[u] = true
					count++
					stack = append(stack, u)
				}
			}
		}
		require.Equal(t, g.Len(), count, "threads=%d: nodes unreachable from the entry point", threads)
	}
}

func TestSearcherFindsNearest(t *testing.T) {
	const n, d = 3000, 8
	g, codes, data := buildRandom(t, n, d, 16, 1)
	q := codes.Quantizer()
	s := NewSearcher(16)
	comp := q.NewComputer()
	r := rand.New(rand.NewPCG(9, 9))
	hits := 0
	for i := 0; i < 50; i++ {
		id := r.IntN(n)
		comp.SetQuery(data[id*d : (id+1)*d])
		res := s.Search(g, Space{Comp: comp, Slab: codes.Slab()}, &Params{Ef: 32})
		require.NotEmpty(t, res)
		for j := 1; j < len(res); j++ {
			require.LessOrEqual(t, res[j-1].Dist, res[j].Dist)
		}
		if res[0].ID == uint32(id) {
			hits++
		}
	}
	require.GreaterOrEqual(t, hits, 49)
	// removed nodes are traversed but never returned; hop limits cut the search short
	removed := make([]uint64, (n+63)/64)
	for i := 0; i < n; i += 2 {
		removed[i>>6] |= 1 << (i & 63)
	}
	comp.SetQuery(data[:d])
	res := s.Search(g, Space{Comp: comp, Slab: codes.Slab()}, &Params{Ef: 20, Removed: removed})
	require.Len(t, res, 20)
	for _, it := range res {
		require.Equal(t, uint32(1), it.ID%2)
	}
	s.ResetStats()
	s.Search(g, Space{Comp: comp, Slab: codes.Slab()}, &Params{Ef: 200, HopsLimit: 3})
	require.True(t, s.TimedOut)
	require.LessOrEqual(t, s.Hops, int64(3))
}

func TestVisitedEpochWrap(t *testing.T) {
	// bits up to bitsetNodes nodes, tags with epochs beyond; the epochs wrap after 65535 resets
	for _, n := range []int{10, bitsetNodes + 1} {
		var v VisitedList
		v.Reset(n)
		require.Equal(t, n <= bitsetNodes, v.bits != nil, "n %d", n)
		require.False(t, v.Visit(3))
		require.True(t, v.Visit(3))
		require.True(t, v.Seen(3))
		require.False(t, v.Visit(uint32(n-1)))
		require.True(t, v.Seen(uint32(n-1)))
		for i := 0; i < 70000; i++ {
			v.Reset(n)
			require.False(t, v.Seen(3), "n %d iteration %d", n, i)
			if i%1000 == 0 {
				v.Visit(3)
			}
		}
	}
	// a list moving between the modes as its graph grows and shrinks forgets what it saw
	var v VisitedList
	v.Reset(100)
	v.Visit(3)
	v.Reset(bitsetNodes + 10)
	require.False(t, v.Seen(3))
	v.Visit(5)
	v.Reset(200)
	require.False(t, v.Seen(5))
	require.False(t, v.Seen(3))
	for _, n := range []int{1, 100, bitsetNodes, bitsetNodes + 1} {
		var w VisitedList
		w.Reset(n)
		require.Equal(t, VisitedBytes(n), w.MemoryUsage(), "n %d: what an index charges for a search", n)
	}
}

func TestAppendUnvisited(t *testing.T) {
	// in both modes, against Visit one id at a time: the same ids kept in the same order, the
	// same marks left, repeats within one list kept once, dst's own entries untouched, and a
	// dst too small grown
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 64, 1000, bitsetNodes, bitsetNodes + 1} {
		var v, ref VisitedList
		v.Reset(n)
		ref.Reset(n)
		for round := 0; round < 50; round++ {
			list := make([]uint32, rng.IntN(40))
			for i := range list {
				list[i] = uint32(rng.IntN(min(n, 300)))
				if i > 0 && rng.IntN(8) == 0 {
					list[i] = list[rng.IntN(i)]
				}
			}
			prefix := []uint32{99, 98}
			dst := append(make([]uint32, 0, 2+rng.IntN(len(list)+1)), prefix...)
			want := append([]uint32(nil), prefix...)
			for _, id := range list {
				if !ref.Visit(id) {
					want = append(want, id)
				}
			}
			got := v.AppendUnvisited(dst, list)
			require.Equal(t, want, got, "n %d round %d", n, round)
			for id := uint32(0); id < uint32(min(n, 300)); id++ {
				require.Equal(t, ref.Seen(id), v.Seen(id), "n %d id %d", n, id)
			}
			if round%10 == 9 {
				v.Reset(n)
				ref.Reset(n)
			}
		}
	}
}

func TestMarshalRoundTripAndCorruption(t *testing.T) {
	g, _, _ := buildRandom(t, 500, 4, 8, 1)
	b, err := g.MarshalBinary()
	require.NoError(t, err)
	h := New(8)
	require.NoError(t, h.UnmarshalBinary(b))
	b2, _ := h.MarshalBinary()
	require.Equal(t, b, b2)
	for _, cut := range []int{0, 10, 27, len(b) / 2, len(b) - 1} {
		require.Error(t, New(8).UnmarshalBinary(b[:cut]), "cut at %d", cut)
	}
	bad := append([]byte(nil), b...)
	bad[28] = 8 // node 0 claims a full list whose first edge is far out of range
	copy(bad[32:36], []byte{0xff, 0xff, 0xff, 0x7f})
	require.Error(t, New(8).UnmarshalBinary(bad))
	require.Error(t, New(16).UnmarshalBinary(b), "degree mismatch")
}

func TestRandomLevel(t *testing.T) {
	require.Equal(t, 0, RandomLevel(0.5, 32))
	require.Equal(t, 0, RandomLevel(1.0/31, 32))
	require.Equal(t, 1, RandomLevel(1.0/32/1.01, 32))
	require.Equal(t, 2, RandomLevel(1.0/1024/1.01, 32))
}

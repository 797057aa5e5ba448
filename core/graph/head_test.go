package graph

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/core/topk"
)

// headGraph builds a graph of n uniform random points of d dimensions (buildRandom) and returns
// a builder over it with alpha 1.2.
func headGraph(t *testing.T, n, d, deg int) (*Builder, *store.Codes, quant.Quantizer, []float32) {
	t.Helper()
	g, codes, data := buildRandom(t, n, d, deg, 1)
	q := codes.Quantizer()
	return &Builder{G: g, Quant: q, Slab: codes.Slab(), Alpha: 1.2, EfConstruction: 64}, codes, q, data
}

func TestOrderHead(t *testing.T) {
	const n, d, deg = 1500, 24, 32
	b, codes, q, data := headGraph(t, n, d, deg)
	g := b.G
	before := make([][]uint32, n)
	for i := range before {
		before[i] = g.Neighbors(0, uint32(i), nil)
		require.False(t, g.ordered(uint32(i)))
	}
	w := b.NewWorker()
	for _, id := range g.Unordered(nil) {
		b.OrderHead(w, id)
	}
	require.Empty(t, g.Unordered(nil))
	// distances by the kernels the builder uses, so that rounding cannot tell them apart
	comp := q.NewComputer()
	dist := func(a, c uint32) float32 {
		comp.SetQuery(data[int(a)*d : int(a+1)*d])
		out := []float32{0}
		comp.DistanceBatch(codes.Slab(), []uint32{c}, out)
		return out[0]
	}
	tails, fullHeads := 0, 0
	for i := 0; i < n; i++ {
		u := uint32(i)
		got := g.Neighbors(0, u, nil)
		require.ElementsMatch(t, before[i], got, "node %d keeps its edges", i)
		require.True(t, g.ordered(u))
		// the head is the strict pruning rule's choice among the list (alpha 1, at most
		// headSize), nearest first, and word 0 holds its length
		items := make([]topk.Item, len(got))
		for j, id := range got {
			items[j] = topk.Item{Dist: dist(u, id), ID: id}
		}
		slices.SortStableFunc(items, func(x, y topk.Item) int { return cmp.Compare(x.Dist, y.Dist) })
		var want []uint32
		for _, it := range items {
			if len(want) == g.headSize() {
				break
			}
			ok := true
			for _, s := range want {
				if dist(s, it.ID) < it.Dist {
					ok = false
					break
				}
			}
			if ok {
				want = append(want, it.ID)
			}
		}
		require.Equal(t, want, got[:len(want)], "node %d head", i)
		require.Equal(t, len(want), headLen(g.list(0, u)[0]), "node %d head length", i)
		if len(want) < len(got) {
			tails++
		}
		if len(want) == g.headSize() {
			fullHeads++
		}
		// and the rest follow by ascending distance
		rest := got[len(want):]
		for j := 1; j < len(rest); j++ {
			require.LessOrEqual(t, dist(u, rest[j-1]), dist(u, rest[j]), "node %d tail", i)
		}
	}
	require.Greater(t, tails, n/2, "lists longer than their head")
	require.Positive(t, fullHeads, "heads cut at headSize")
	// ordering again changes nothing; any other write drops the mark
	again := g.Neighbors(0, 7, nil)
	b.OrderHead(w, 7)
	require.Equal(t, again, g.Neighbors(0, 7, nil))
	g.Lock(7)
	g.SetNeighbors(0, 7, again)
	g.Unlock(7)
	require.False(t, g.ordered(7))
	require.Equal(t, again, g.Neighbors(0, 7, nil))
	var full uint32
	for i := 0; i < n && full == 0; i++ {
		if nb := g.Neighbors(0, uint32(i), nil); len(nb) < deg && i != 7 && !slices.Contains(nb, 7) {
			full = uint32(i) + 1
		}
	}
	require.NotZero(t, full, "a list with room")
	u := full - 1
	b.addReverse(w, 0, u, 7)
	require.False(t, g.ordered(u), "an edge added back")
	require.Contains(t, g.Neighbors(0, u, nil), uint32(7))
	// a forced link into a full ordered list replaces its farthest entry and drops the mark too
	var whole uint32
	for i := 0; i < n && whole == 0; i++ {
		if nb := g.Neighbors(0, uint32(i), nil); len(nb) == deg && !slices.Contains(nb, 7) && g.ordered(uint32(i)) {
			whole = uint32(i) + 1
		}
	}
	require.NotZero(t, whole, "a full ordered list")
	b.forceLink(w, whole-1, 7)
	require.False(t, g.ordered(whole-1), "a forced link")
	require.Contains(t, g.Neighbors(0, whole-1, nil), uint32(7))
	require.Len(t, g.Neighbors(0, whole-1, nil), deg)
}

func TestHeadReadsLimitSmallBeams(t *testing.T) {
	const n, d, deg = 2000, 32, 32
	b, codes, q, data := headGraph(t, n, d, deg)
	g := b.G
	require.Equal(t, 16, g.headSize())
	require.Equal(t, 6, readsFor(4))
	require.Equal(t, 15, readsFor(10))
	s := NewSearcher(deg)
	comp := q.NewComputer()
	sp := Space{Comp: comp, Slab: codes.Slab()}
	run := func(ef int) (cmp int64, res [][]topk.Item) {
		s.ResetStats()
		for i := 0; i < 200; i++ {
			comp.SetQuery(data[i*d : (i+1)*d])
			res = append(res, slices.Clone(s.Search(g, sp, &Params{Ef: ef})))
		}
		return s.DistCmp, res
	}
	wholeSmall, _ := run(4)
	_, wholeLarge := run(40)
	w := b.NewWorker()
	for _, id := range g.Unordered(nil) {
		b.OrderHead(w, id)
	}
	headSmall, _ := run(4)
	_, headLarge := run(40)
	// a beam of 4 reads the head (or 6 entries) of up to 32 entries a hop; a beam of 40 reads
	// every entry, so its searches find the same nodes as before the lists were ordered
	require.Less(t, float64(headSmall), 0.8*float64(wholeSmall), "distances at ef 4")
	require.Equal(t, wholeLarge, headLarge)
	// the heaps path (a range search) reads whole lists
	comp.SetQuery(data[:d])
	s.ResetStats()
	s.Search(g, sp, &Params{Ef: 4, Range: true, Radius: 1e9, Capacity: 8})
	require.Zero(t, s.headReads)
}

func TestHeadMarksPersistApart(t *testing.T) {
	const n, d, deg = 603, 16, 16
	b, _, _, _ := headGraph(t, n, d, deg)
	g := b.G
	plain, err := g.MarshalBinary()
	require.NoError(t, err)
	require.Nil(t, g.HeadLengths(), "no list ordered")
	w := b.NewWorker()
	for _, id := range g.Unordered(nil) {
		b.OrderHead(w, id)
	}
	g.Lock(3)
	g.SetNeighbors(0, 3, g.Neighbors(0, 3, nil))
	g.Unlock(3)
	heads := g.HeadLengths()
	require.Len(t, heads, 2*n)
	require.Zero(t, binary.LittleEndian.Uint16(heads[6:]), "node 3 unordered")
	require.Equal(t, headLen(g.list(0, 4)[0])+1, int(binary.LittleEndian.Uint16(heads[8:])))
	// the graph section carries the lists without the marks
	enc, err := g.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, len(plain), len(enc))
	back := New(deg)
	require.NoError(t, back.UnmarshalBinary(enc))
	require.Nil(t, back.HeadLengths())
	for i := 0; i < n; i++ {
		require.Equal(t, g.Neighbors(0, uint32(i), nil), back.Neighbors(0, uint32(i), nil))
	}
	require.NoError(t, back.SetHeadLengths(heads))
	require.True(t, bytes.Equal(heads, back.HeadLengths()))
	require.True(t, back.ordered(4))
	require.False(t, back.ordered(3))
	for i := 0; i < n; i++ {
		require.Equal(t, g.list(0, uint32(i))[0]&^closedMark, back.list(0, uint32(i))[0], "node %d word 0", i)
	}
	// lengths of another size, a head longer than its list or than headSize, or an empty head
	// of a list that has entries, are refused, and nothing is marked
	fresh := func() *Graph {
		x := New(deg)
		require.NoError(t, x.UnmarshalBinary(enc))
		return x
	}
	require.Error(t, fresh().SetHeadLengths(heads[:len(heads)-2]))
	long := listLen(g.list(0, 5))
	for _, v := range []int{long + 2, g.headSize() + 2, 1} {
		bad := slices.Clone(heads)
		binary.LittleEndian.PutUint16(bad[10:], uint16(v))
		if v == 1 {
			require.Positive(t, long)
		}
		x := fresh()
		require.Error(t, x.SetHeadLengths(bad), "head %d of a list of %d", v-1, long)
		require.Nil(t, x.HeadLengths())
	}
}

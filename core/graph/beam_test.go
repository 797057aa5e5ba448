package graph

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/topk"
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
				b.insert(d, uint32(i), true)
				ref = append(ref, d)
			}
			require.LessOrEqual(t, len(b.items), ef)
			require.True(t, slices.IsSortedFunc(b.items, func(x, y beamItem) int {
				return cmp.Or(cmp.Compare(x.Dist, y.Dist), cmp.Compare(x.ID, y.ID))
			}), "ef %d: the beam is ascending, ties by arrival", ef)
		}
		slices.Sort(ref)
		got := make([]float32, len(b.items))
		for i, it := range b.items {
			got[i] = it.Dist
		}
		require.Equal(t, ref[:len(got)], got, "ef %d: the beam holds the closest offered", ef)
	}

	// nodes that may not be returned: the beam holds them while they lie before the ef-th node
	// that may, and ends at that node
	for _, ef := range []int{1, 3, 16} {
		var b beam
		b.reset(ef)
		type offer struct {
			d  float32
			id uint32
			ok bool
		}
		var ref []offer
		for i := range 400 {
			o := offer{float32(r.IntN(100)), uint32(i), r.IntN(3) > 0}
			if o.d < b.bound() {
				b.insert(o.d, o.id, o.ok)
				ref = append(ref, o)
			}
		}
		slices.SortStableFunc(ref, func(x, y offer) int { return cmp.Compare(x.d, y.d) })
		nOK, cut := 0, len(ref)
		for i, o := range ref {
			if o.ok {
				if nOK++; nOK == ef {
					cut = i + 1
					break
				}
			}
		}
		require.Len(t, b.items, cut, "ef %d", ef)
		for i, o := range ref[:cut] {
			require.Equal(t, beamItem{Dist: o.d, ID: o.id, ok: o.ok}, b.items[i], "ef %d item %d", ef, i)
		}
		require.Equal(t, min(nOK, ef), b.nOK)
	}

	// pop returns the closest unexpanded node, also after a closer one arrives
	var b beam
	b.reset(4)
	b.insert(5, 1, true)
	b.insert(3, 2, true)
	it, ok := b.pop()
	require.True(t, ok)
	require.Equal(t, uint32(2), it.ID)
	nx, ok := b.unexpanded(b.next + 1)
	require.True(t, ok)
	require.Equal(t, uint32(1), nx)
	b.insert(1, 3, true)
	b.insert(4, 4, true)
	require.False(t, 6 < b.bound(), "full: 6 does not beat the farthest kept")
	b.insert(2, 5, true) // full: 1, 2, 3, 4 kept; 5 (node 1) dropped
	var order []uint32
	for {
		it, ok := b.pop()
		if !ok {
			break
		}
		order = append(order, it.ID)
	}
	require.Equal(t, []uint32{3, 5, 4}, order)
	_, ok = b.unexpanded(b.next)
	require.False(t, ok)
}

// TestBeamMergeEqualsInserts: adding a hop's nodes in one merge leaves the beam as inserting
// them one by one does (each checked against the bound as it stands), with ties, nodes that
// may not be returned, and expansions between hops.
func TestBeamMergeEqualsInserts(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, ef := range []int{1, 3, 16, 48, 100} {
		var one, merged beam
		one.reset(ef)
		merged.reset(ef)
		var add []beamItem
		id := uint32(0)
		for hop := range 300 {
			add = add[:0]
			bound := merged.bound()
			require.Equal(t, one.bound(), bound)
			for range r.IntN(33) {
				it := beamItem{Dist: float32(r.IntN(300)), ID: id, ok: r.IntN(4) > 0}
				id++
				if it.Dist < one.bound() {
					one.insert(it.Dist, it.ID, it.ok)
				}
				if it.Dist < bound {
					add = append(add, it)
				}
			}
			if len(add) > 0 {
				merged.merge(add)
			}
			require.Equal(t, one.items, merged.items, "ef %d hop %d", ef, hop)
			require.Equal(t, one.nOK, merged.nOK, "ef %d hop %d", ef, hop)
			for range r.IntN(3) { // expand some nodes between hops
				a, okA := one.pop()
				b, okB := merged.pop()
				require.Equal(t, okA, okB)
				require.Equal(t, a, b, "ef %d hop %d: the same node expanded", ef, hop)
			}
		}
	}
}

// withMergeFrom runs f with searches of ef >= from adding each hop's nodes by merge.
func withMergeFrom(from int, f func()) {
	old := mergeFromEf
	mergeFromEf = from
	defer func() { mergeFromEf = old }()
	f()
}

// TestBeamSearchEqualsHeapSearch: a plain search on the beam, each hop's nodes added one by one
// or merged, expands the same nodes, measures the same distances and returns the same results
// as on the heaps, with and without hop limits.
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
	mergeFrom := mergeFromEf
	search := func(on bool, p *Params) run {
		var out run
		withBeam(t, on, func() {
			withMergeFrom(mergeFrom, func() {
				s := NewSearcher(16)
				res := s.Search(g, sp, p)
				for _, it := range res {
					out.res = append(out.res, it.ID)
					out.dists = append(out.dists, it.Dist)
				}
				out.hops, out.dist, out.timedOut, out.usedTheBeams = s.Hops, s.DistCmp, s.TimedOut, s.onBeam
			})
		})
		return out
	}
	// every ef through each way of adding a hop's nodes to the beam: one by one, then merged
	for _, from := range []int{maxBeam + 1, 1} {
		mergeFrom = from
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
		// nodes removed or filtered out are traversed and never returned, on the beam as on the
		// heaps, when the caller says they are few; else the heaps are kept
		removed := make([]uint64, (n+63)/64)
		for i := 0; i < n; i++ {
			if r.IntN(10) == 0 {
				removed[i>>6] |= 1 << (i & 63)
			}
		}
		keep := func(id uint32) bool { return id%3 != 0 }
		visit := func(id uint32) bool { return id%7 != 0 }
		for _, ef := range []int{1, 5, 10, 32, 100} {
			for range 20 {
				for j := range q {
					q[j] = r.Float32()
				}
				comp.SetQuery(q)
				for _, p := range []Params{
					{Ef: ef, Removed: removed, FewRejected: true},
					{Ef: ef, Keep: keep, FewRejected: true},
					{Ef: ef, Removed: removed, Keep: keep, Visit: visit, FewRejected: true, HopsLimit: 6},
					{Ef: ef, Visit: visit},
				} {
					heap, bm := search(false, &p), search(true, &p)
					require.True(t, bm.usedTheBeams)
					heap.usedTheBeams = true
					require.Equal(t, heap, bm, "ef %d", ef)
					for _, id := range bm.res {
						if p.Removed != nil {
							require.Zero(t, removed[id>>6]&(1<<(id&63)), "removed node %d returned", id)
						}
						if p.Keep != nil {
							require.True(t, keep(id))
						}
					}
				}
			}
		}
		p := Params{Ef: 10, Removed: removed}
		require.False(t, search(true, &p).usedTheBeams, "rejections not said to be few: the heaps")
	}
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

// TestSearchWithRowStride: a space that gives its row stride (so that expand requests short
// rows before it measures them) searches exactly as one that does not, on the beam and on the
// heaps.
func TestSearchWithRowStride(t *testing.T) {
	const n, d = 2000, 8
	g, codes, _ := buildRandom(t, n, d, 16, 1)
	comp := codes.Quantizer().NewComputer()
	require.LessOrEqual(t, codes.Stride(), prefetchRowBytes)
	r := rand.New(rand.NewPCG(9, 10))
	q := make([]float32, d)
	for _, beam := range []bool{false, true} {
		for _, ef := range []int{1, 10, 64} {
			for range 10 {
				for j := range q {
					q[j] = r.Float32()
				}
				comp.SetQuery(q)
				var plain, strided []topk.Item
				var dc [2]int64
				withBeam(t, beam, func() {
					s := NewSearcher(16)
					plain = append(plain, s.Search(g, Space{Comp: comp, Slab: codes.Slab()}, &Params{Ef: ef})...)
					dc[0] = s.DistCmp
					s = NewSearcher(16)
					strided = append(strided, s.Search(g, Space{Comp: comp, Slab: codes.Slab(), Stride: codes.Stride()}, &Params{Ef: ef})...)
					dc[1] = s.DistCmp
				})
				require.Equal(t, plain, strided, "beam %v ef %d", beam, ef)
				require.Equal(t, dc[0], dc[1])
			}
		}
	}
}

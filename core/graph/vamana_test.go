package graph

import (
	"math/rand/v2"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/core/topk"
)

// buildVamana builds a Vamana graph (two passes from the medoid) over n clustered points.
func buildVamana(t *testing.T, m metric.Kind, n, d, deg, threads int, p VamanaParams) (*Graph, *store.Codes, []float32, uint32) {
	t.Helper()
	q, err := quant.New("fp32", d, m, quant.DefaultOptions())
	require.NoError(t, err)
	codes := store.NewCodes(q)
	r := rand.New(rand.NewPCG(7, 3))
	centers := make([]float32, 8*d)
	for i := range centers {
		centers[i] = float32(r.NormFloat64() * 2)
	}
	data := make([]float32, n*d)
	for i := 0; i < n; i++ {
		c := r.IntN(8)
		for j := 0; j < d; j++ {
			data[i*d+j] = centers[c*d+j] + float32(r.NormFloat64())
		}
		if m != metric.L2 {
			metric.Normalize(data[i*d : (i+1)*d])
		}
	}
	g := New(deg)
	rows := make([]int, n)
	for i := 0; i < n; i++ {
		codes.Append(data[i*d : (i+1)*d])
		require.Equal(t, uint32(i), g.AddNode(0))
		rows[i] = i
	}
	medoid := uint32(Medoid(data, d, rows))
	g.SetEntry(medoid, 0)
	b := &Builder{G: g, Quant: q, Slab: codes.Slab(), Alpha: p.Alpha}
	for _, alpha := range []float32{1, p.Alpha} {
		var wg sync.WaitGroup
		next := make(chan int, n)
		for i := 0; i < n; i++ {
			next <- i
		}
		close(next)
		for w := 0; w < threads; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wk := b.NewWorker()
				for i := range next {
					b.VamanaLink(wk, uint32(i), data[i*d:(i+1)*d], &p, alpha)
				}
			}()
		}
		wg.Wait()
	}
	b.Repair(b.NewWorker())
	return g, codes, data, medoid
}

func TestVamanaInvariantsAndRecall(t *testing.T) {
	n := 3000
	if raceEnabled {
		n = 800
	}
	const d, deg, k = 32, 24, 10
	for _, tc := range []struct {
		name string
		m    metric.Kind
		p    VamanaParams
	}{
		{"l2", metric.L2, VamanaParams{Alpha: 1.2, Window: 50, PoolSize: 150, PruneTo: 20}},
		{"ip alpha<1", metric.IP, VamanaParams{Alpha: 0.95, IP: true, Window: 50, PoolSize: 80, PruneTo: 20}},
	} {
		for _, threads := range []int{1, 2} {
			g, codes, data, medoid := buildVamana(t, tc.m, n, d, deg, threads, tc.p)
			ep, top, ok := g.Entry()
			require.True(t, ok)
			require.Equal(t, medoid, ep, "the medoid is the entry point")
			require.Equal(t, 0, top)
			require.Equal(t, 0, g.Levels(), "one layer")
			total := 0
			for i := 0; i < g.Len(); i++ {
				nb := g.Neighbors(0, uint32(i), nil)
				require.LessOrEqual(t, len(nb), deg)
				total += len(nb)
				seen := map[uint32]bool{}
				for _, v := range nb {
					require.NotEqual(t, uint32(i), v, "self loop at %d", i)
					require.False(t, seen[v], "duplicate edge %d -> %d", i, v)
					require.Less(t, int(v), g.Len())
					seen[v] = true
				}
			}
			// every node is reachable from the medoid
			reach := make([]bool, g.Len())
			stack := []uint32{ep}
			reach[ep] = true
			cnt := 1
			for len(stack) > 0 {
				v := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for _, u := range g.Neighbors(0, v, nil) {
					if !reach[u] {
						reach[u] = true
						cnt++
						stack = append(stack, u)
					}
				}
			}
			require.Equal(t, g.Len(), cnt, "%s threads %d: nodes unreachable from the medoid", tc.name, threads)

			// recall against the exact neighbours, window 16 alone and with a buffer of 80
			q, _ := quant.New("fp32", d, tc.m, quant.DefaultOptions())
			comp := q.NewComputer()
			s := NewSearcher(deg)
			var hit40, hit80 int
			const nq = 50
			qr := rand.New(rand.NewPCG(9, 9))
			for qi := 0; qi < nq; qi++ {
				// a new point near a stored one
				qv := append([]float32(nil), data[qi*7*d:(qi*7+1)*d]...)
				noise := 1.0
				if tc.m != metric.L2 {
					noise = 0.1 // the stored vectors have unit norm
				}
				for j := range qv {
					qv[j] += float32(qr.NormFloat64() * noise)
				}
				if tc.m != metric.L2 {
					metric.Normalize(qv)
				}
				comp.SetQuery(qv)
				all := make([]topk.Item, n)
				for i := range all {
					all[i] = topk.Item{Dist: metric.Reference(tc.m, qv, data[i*d:(i+1)*d]), ID: uint32(i)}
				}
				sort.Slice(all, func(a, b int) bool { return all[a].Dist < all[b].Dist })
				truth := map[uint32]bool{}
				for _, it := range all[:k] {
					truth[it.ID] = true
				}
				for _, c := range []int{0, 80} {
					res := s.Search(g, Space{Comp: comp, Slab: codes.Slab()}, &Params{Ef: 16, Capacity: c})
					if c == 80 {
						require.Len(t, res, 80, "the split buffer returns its capacity")
					} else {
						require.Len(t, res, 16)
					}
					for _, it := range res[:k] {
						if truth[it.ID] {
							if c == 0 {
								hit40++
							} else {
								hit80++
							}
						}
					}
				}
			}
			r40, r80 := float64(hit40)/float64(nq*k), float64(hit80)/float64(nq*k)
			t.Logf("%s threads %d: mean degree %.1f, recall@%d window 16: %.3f, with buffer 80: %.3f", tc.name, threads, float64(total)/float64(g.Len()), k, r40, r80)
			require.GreaterOrEqual(t, r40, 0.9)
			require.GreaterOrEqual(t, r80, r40, "a bigger buffer never loses neighbours the window found")
		}
	}
}

func TestVamanaPruneRounds(t *testing.T) {
	// four points on a line: from pivot 0, candidate 2 lies behind candidate 1
	q, _ := quant.New("fp32", 1, metric.L2, quant.DefaultOptions())
	codes := store.NewCodes(q)
	for _, x := range []float32{0, 1, 2, 10} {
		codes.Append([]float32{x})
	}
	g := New(4)
	for i := 0; i < 4; i++ {
		g.AddNode(0)
	}
	b := &Builder{G: g, Quant: q, Slab: codes.Slab()}
	w := b.NewWorker()
	cands := []topk.Item{{Dist: 1, ID: 1}, {Dist: 4, ID: 2}, {Dist: 100, ID: 3}}
	ids := func(items []topk.Item) []uint32 {
		var out []uint32
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	// alpha 1: d(1,2)=1 < d(0,2)=4 drops 2; d(1,3)=81 < 100 drops 3
	require.Equal(t, []uint32{1}, ids(b.vamanaPrune(w, cands, 3, 1, false)))
	// alpha 4: 4*d(1,2) = 4 < 4 is false, so 2 joins in the second round; 4*81 and 4*64 both
	// exceed 100, so 3 joins too
	require.Equal(t, []uint32{1, 2, 3}, ids(b.vamanaPrune(w, cands, 3, 4, false)))
	// alpha 2: 2*1 < 4 still drops 2; 3 is kept (2*81 > 100)
	require.Equal(t, []uint32{1, 3}, ids(b.vamanaPrune(w, cands, 3, 2, false)))
	// the degree bound holds
	require.Len(t, b.vamanaPrune(w, cands, 1, 4, false), 1)
}

package sindi

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// zipfRows returns n documents over a skewed vocabulary (a few terms in many documents, so
// that long lists with member bitmaps occur next to short ones), values in (0, 2].
func zipfRows(n, vocab int, seed uint64) (api.SparseBatch, []int64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	z := rand.NewZipf(rng, 1.1, 2, uint64(vocab-1))
	rows := api.SparseBatch{Offsets: []int64{0}}
	ids := make([]int64, n)
	for i := 0; i < n; i++ {
		seen := map[uint32]bool{}
		var terms []uint32
		for m := 2 + rng.IntN(12); len(terms) < m; {
			t := uint32(z.Uint64())
			if !seen[t] {
				seen[t] = true
				terms = append(terms, t)
			}
		}
		sort.Slice(terms, func(a, b int) bool { return terms[a] < terms[b] })
		for _, t := range terms {
			rows.IDs = append(rows.IDs, t)
			rows.Values = append(rows.Values, 0.01+2*rng.Float32())
		}
		rows.Offsets = append(rows.Offsets, int64(len(rows.IDs)))
		ids[i] = int64(5000 + i)
	}
	return rows, ids
}

// TestDynamicPruningIsExact: use_dynamic_pruning returns the distances of the exact search
// (every posting of every term scored) for every value format, with and without the whole
// documents, across windows, with removed documents, a filter and a negative query weight.
func TestDynamicPruningIsExact(t *testing.T) {
	rows, ids := zipfRows(23000, 3000, 1)
	queries, _ := zipfRows(60, 3000, 2)
	for _, block := range []string{
		`{"window_size":10000}`,
		`{"window_size":10000,"use_reorder":true}`,
		`{"window_size":10000,"use_quantization":true}`,
		`{"window_size":10000,"use_quantization":"fp16"}`,
		`{"window_size":10000,"use_reorder":true,"immutable":true}`,
	} {
		t.Run(block, func(t *testing.T) {
			x := newTest(t, block)
			failed, err := x.AddSparse(rows, ids, nil)
			require.NoError(t, err)
			require.Empty(t, failed)
			withBits := 0
			for _, w := range x.windows {
				for i := range w.lists {
					if w.lists[i].bits != nil {
						withBits++
					}
				}
			}
			require.Positive(t, withBits, "the corpus has long lists")
			removed := []int64{}
			for i := 0; i < len(ids); i += 97 {
				removed = append(removed, ids[i])
			}
			n, err := x.Remove(removed)
			require.NoError(t, err)
			require.Equal(t, len(removed), n)
			odd := api.ExcludeFunc(func(l int64) bool { return l%3 == 0 })
			for qi := 0; qi < queries.Len(); qi++ {
				q := queries.Row(qi)
				if qi == 7 {
					q.Values = append([]float32(nil), q.Values...)
					q.Values[0] = -q.Values[0] // bounds do not hold: the plain scan answers
				}
				for _, filter := range []api.Filter{nil, odd} {
					for _, k := range []int{1, 10, 40} {
						want, err := x.ExactKnnSparse(q, k, filter)
						require.NoError(t, err)
						got, err := x.KnnSearchSparse(q, k, &api.SearchOptions{Filter: filter, Block: []byte(`{"use_dynamic_pruning":true}`)})
						require.NoError(t, err)
						require.Len(t, got, len(want), "query %d k %d", qi, k)
						for i := range want {
							require.InDelta(t, want[i].Distance, got[i].Distance, 1e-4, "query %d k %d rank %d", qi, k, i)
							require.True(t, filter == nil || filter.CheckValid(got[i].ID))
							require.True(t, x.Contains(got[i].ID))
						}
					}
				}
			}
		})
	}
}

// TestDynamicPruningReadsLess: on a skewed corpus the pruned search reads a fraction of the
// postings the plain scan reads.
func TestDynamicPruningReadsLess(t *testing.T) {
	requireReadsLess(t, `{"window_size":20000,"use_reorder":true}`, `{"use_dynamic_pruning":true}`)
}

// requireReadsLess builds a skewed corpus with the create parameters js and checks that searches
// with the search block reads less than 9/10 of the postings plain searches read.
func requireReadsLess(t *testing.T, js, block string) {
	t.Helper()
	rows, ids := zipfRows(20000, 3000, 4)
	queries, _ := zipfRows(50, 3000, 5)
	x := newTest(t, js)
	_, err := x.AddSparse(rows, ids, nil)
	require.NoError(t, err)
	var plain, pruned api.SearchStats
	for qi := 0; qi < queries.Len(); qi++ {
		q := queries.Row(qi)
		_, err := x.KnnSearchSparse(q, 10, &api.SearchOptions{Stats: &plain})
		require.NoError(t, err)
		_, err = x.KnnSearchSparse(q, 10, &api.SearchOptions{Stats: &pruned, Block: []byte(block)})
		require.NoError(t, err)
	}
	require.Less(t, pruned.DistanceComputations, plain.DistanceComputations*9/10, "%s: %d, plain %d", block, pruned.DistanceComputations, plain.DistanceComputations)
}

// TestMemberBits: a list gets a bitmap of its documents only when it is long enough, and the
// bitmap survives a save and load.
func TestMemberBits(t *testing.T) {
	x := newTest(t, `{"window_size":10000}`)
	l := &plist{docs: make([]uint16, 100), f32: make([]float32, 100)}
	x.memberBits(l)
	require.Nil(t, l.bits)
	l = &plist{}
	for d := 0; d < 9000; d += 3 {
		l.docs = append(l.docs, uint16(d))
		l.f32 = append(l.f32, 1)
	}
	x.memberBits(l)
	require.Len(t, l.bits, (10000+63)/64)
	for d := 0; d < 10000; d++ {
		require.Equal(t, d%3 == 0 && d < 9000, l.bits[d>>6]&(1<<(d&63)) != 0, d)
	}
	require.Equal(t, float32(0), x.margin(l))
}

// TestDynamicPruningConcurrent: pruned searches run beside adds and removes (run with -race);
// every answer holds live documents only.
func TestDynamicPruningConcurrent(t *testing.T) {
	rows, ids := zipfRows(6000, 800, 6)
	x := newTest(t, `{"window_size":10000,"use_reorder":true}`)
	searchesBesideWrites(t, x, rows, ids, []byte(`{"use_dynamic_pruning":true}`), false)
	for qi := 0; qi < 50; qi++ {
		q := rows.Row(qi * 97)
		want, err := x.ExactKnnSparse(q, 10, nil)
		require.NoError(t, err)
		got, err := x.KnnSearchSparse(q, 10, &api.SearchOptions{Block: []byte(`{"use_dynamic_pruning":true}`)})
		require.NoError(t, err)
		require.Len(t, got, len(want))
		for i := range want {
			require.InDelta(t, want[i].Distance, got[i].Distance, 1e-4)
			require.True(t, x.Contains(got[i].ID))
		}
	}
}

// searchesBesideWrites adds the first 3000 of the 6000 rows, then runs three goroutines of
// searches with the search block beside adds of the rest in hundreds, a remove per hundred
// and, with update, an in-place update per hundred; it fails the test on any error.
func searchesBesideWrites(t *testing.T, x *Index, rows api.SparseBatch, ids []int64, block []byte, update bool) {
	t.Helper()
	half := api.SparseBatch{Offsets: rows.Offsets[:3001], IDs: rows.IDs[:rows.Offsets[3000]], Values: rows.Values[:rows.Offsets[3000]]}
	_, err := x.AddSparse(half, ids[:3000], nil)
	require.NoError(t, err)
	done := make(chan struct{})
	errs := make(chan error, 4)
	for g := 0; g < 3; g++ {
		go func(g int) {
			for i := 0; ; i++ {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if _, err := x.KnnSearchSparse(rows.Row((g*131+i)%6000), 10, &api.SearchOptions{Block: block}); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	for i := 3000; i < 6000; i += 100 {
		part := api.SparseBatch{Offsets: make([]int64, 101), IDs: rows.IDs[rows.Offsets[i]:rows.Offsets[i+100]], Values: rows.Values[rows.Offsets[i]:rows.Offsets[i+100]]}
		for j := range part.Offsets {
			part.Offsets[j] = rows.Offsets[i+j] - rows.Offsets[i]
		}
		_, err := x.AddSparse(part, ids[i:i+100], nil)
		require.NoError(t, err)
		_, err = x.Remove([]int64{ids[i-3000]})
		require.NoError(t, err)
		if update {
			require.NoError(t, x.UpdateSparse(ids[i-2999], rows.Row(i), true))
		}
	}
	close(done)
	for g := 0; g < 3; g++ {
		require.NoError(t, <-errs)
	}
}

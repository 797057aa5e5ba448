package hgraph

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/topk"
)

// TestResidualRerank: with byte base codes and fp32 precise codes, the rerank skips the
// candidates whose residual bound exceeds the k-th precise distance. The bound is exact, so the
// results equal the full rerank's, with fewer precise distances; range searches keep every
// result; rows rewritten in place and rows added later are measured before they are bounded.
// Under cosine (unit vectors, as the engine gives them) the bound is half the l2 bound.
func TestResidualRerank(t *testing.T) {
	defer func() { residualOn = true }()
	for _, m := range []string{"l2", "cosine"} {
		for _, base := range []string{"sq8_uniform", "sq8"} {
			t.Run(m+"/"+base, func(t *testing.T) { testResidualRerank(t, m, base) })
		}
	}
}

func testResidualRerank(t *testing.T, m, base string) {
	const n, d, k, nq, ef = 2000, 48, 10, 30, 120
	residualOn = true
	all := lowRank(71, n+n/2+nq, d, 12, 8)
	kind := metric.L2
	if m == "cosine" {
		kind = metric.Cosine
		for i := 0; i < len(all)/d; i++ {
			metric.Normalize(all[i*d : (i+1)*d])
		}
	}
	data, more, queries := all[:n*d], all[n*d:(n+n/2)*d], all[(n+n/2)*d:]
	x := newWith(t, m, d, `"base_quantization_type":"`+base+`","use_reorder":true,"precise_quantization_type":"fp32","max_degree":16,"ef_construction":80,"build_thread_count":1`)
	require.True(t, x.residualBase())
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	check := func(stage string, vecs func(id int64) []float32) {
		var with, without int64
		block := []byte(fmt.Sprintf(`{"ef_search":%d,"rerank_margin_sigmas":0}`, ef))
		for i := 0; i < nq; i++ {
			q := queries[i*d : (i+1)*d]
			a, b, s1, s2 := onOff(t, &residualOn, func(st *api.SearchStats) ([]api.Neighbor, error) {
				return x.KnnSearch(q, k, &api.SearchOptions{Block: block, Stats: st})
			})
			require.Len(t, a, k)
			requireSameKnn(t, b, a, "%s: query %d", stage, i)
			for _, r := range a {
				require.InDelta(t, metric.Reference(kind, q, vecs(r.ID)), r.Distance, 1e-3)
			}
			with += s1.DistanceComputations
			without += s2.DistanceComputations
			radius := b[k/2].Distance
			ra, rb, _, _ := onOff(t, &residualOn, func(*api.SearchStats) ([]api.Neighbor, error) {
				return x.RangeSearch(q, radius, -1, &api.SearchOptions{Block: block})
			})
			require.Equal(t, rb, ra, "%s: range query %d", stage, i)
		}
		t.Logf("%s: %d distances with the bound, %d without", stage, with, without)
		require.Less(t, with, without)
		// the rerank passes over the rows not marked wide on tight: it must bound their norms
		x.resid.mu.Lock()
		for row, v := range x.resid.norms {
			require.Equal(t, v > x.resid.tight, x.resid.wide[row/64]&(1<<(row%64)) != 0, "%s: row %d", stage, row)
		}
		x.resid.mu.Unlock()
	}
	rowOf := func(id int64) []float32 {
		if id < n {
			return data[id*d : (id+1)*d]
		}
		return more[(id-n)*d : (id-n+1)*d]
	}
	check("build", rowOf)
	_, err = x.Add(more, seq(n, n/2), nil)
	require.NoError(t, err)
	check("add", rowOf)
	// a row rewritten in place: its old residual must not bound it
	moved := append([]float32(nil), more[:d]...)
	for j := range moved {
		moved[j] *= 3
	}
	if kind == metric.Cosine { // another direction, at unit length
		slices.Reverse(moved)
		metric.Normalize(moved)
	}
	residualOn = true
	require.NoError(t, x.UpdateVector(0, moved, true))
	// the rewritten row is measured again on its own; the other rows' norms stay
	x.resid.mu.Lock()
	require.Equal(t, x.rowEdits, x.resid.edits)
	require.Len(t, x.resid.norms, n+n/2)
	x.resid.mu.Unlock()
	check("update", func(id int64) []float32 {
		if id == 0 {
			return moved
		}
		return rowOf(id)
	})
}

// requireSameKnn requires the same results, short of which of the vectors at the k-th
// distance exactly is kept (equal under cosine when one is a scaled copy of another).
func requireSameKnn(t *testing.T, want, got []api.Neighbor, msgAndArgs ...any) {
	t.Helper()
	require.Len(t, got, len(want), msgAndArgs...)
	for i := range want {
		require.Equal(t, want[i].Distance, got[i].Distance, msgAndArgs...)
		if want[i].Distance < want[len(want)-1].Distance {
			require.Equal(t, want[i].ID, got[i].ID, msgAndArgs...)
		}
	}
}

// TestResidualSkipped: the inner product, fp32 and sq4_uniform base codes and precise codes on
// disk keep the full rerank; cosine takes the bounds.
func TestResidualSkipped(t *testing.T) {
	x := newWith(t, "ip", 16, `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32"`)
	require.False(t, x.residualBase())
	x = newWith(t, "cosine", 16, `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32"`)
	require.True(t, x.residualBase())
	x = newWith(t, "l2", 16, `"base_quantization_type":"fp16","use_reorder":true,"precise_quantization_type":"fp32"`)
	require.False(t, x.residualBase())
	x = newWith(t, "l2", 16, `"base_quantization_type":"sq4_uniform","use_reorder":true,"precise_quantization_type":"fp32"`)
	require.False(t, x.residualBase())
	x = newWith(t, "l2", 16, `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp16"`)
	require.False(t, x.residualBase())
	x = newWith(t, "l2", 16, `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32"`)
	require.True(t, x.residualBase())
}

// TestResidualTune: a Tune to other base codes measures the residuals of the new codes at once,
// and the reranks stay equal to the full ones; a Tune to codes without them releases them.
func TestResidualTune(t *testing.T) {
	const n, d, k, nq = 1500, 32, 10, 20
	defer func() { residualOn = true }()
	all := lowRank(72, n+nq, d, 8, 6)
	data, queries := all[:n*d], all[n*d:]
	x := newWith(t, "l2", d, `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32","max_degree":16,"ef_construction":60,"build_thread_count":1`)
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	_, err = x.Tune([]byte(`{"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32"}`), false)
	require.NoError(t, err)
	x.resid.mu.Lock()
	require.Len(t, x.resid.norms, n)
	require.Equal(t, x.base, x.resid.q)
	x.resid.mu.Unlock()
	block := []byte(`{"ef_search":100}`)
	for i := 0; i < nq; i++ {
		q := queries[i*d : (i+1)*d]
		a, b, _, _ := onOff(t, &residualOn, func(*api.SearchStats) ([]api.Neighbor, error) {
			return x.KnnSearch(q, k, &api.SearchOptions{Block: block})
		})
		require.Equal(t, b, a, "query %d", i)
	}
	residualOn = true
	_, err = x.Tune([]byte(`{"base_quantization_type":"fp16","use_reorder":true,"precise_quantization_type":"fp32"}`), false)
	require.NoError(t, err)
	require.Zero(t, x.resid.memoryUsage())
}

// onOff runs search with the toggle set and then cleared and returns both answers with the
// statistics of each; the toggle is left cleared (the caller's defer restores it).
func onOff(t *testing.T, toggle *bool, search func(*api.SearchStats) ([]api.Neighbor, error)) (on, off []api.Neighbor, sOn, sOff api.SearchStats) {
	t.Helper()
	var err error
	*toggle = true
	on, err = search(&sOn)
	require.NoError(t, err)
	*toggle = false
	off, err = search(&sOff)
	require.NoError(t, err)
	return on, off, sOn, sOff
}

// TestExactCodesSkipRerank: on byte-valued data (whole numbers in 0..255, as pixels are)
// sq8_uniform codes decode to the rows exactly, and a query of whole numbers quantizes exactly,
// so the traversal's estimates are the precise distances and the rerank reads no precise row;
// the results equal the full rerank's. A row that is not exact (added or rewritten) or a query
// that is not turns the shortcut off until the row is exact again.
func TestExactCodesSkipRerank(t *testing.T) {
	const n, d, k, nq = 1500, 32, 10, 20
	defer func() { residualOn = true }()
	rng := rand.New(rand.NewPCG(3, 4))
	whole := func(rows int) []float32 {
		v := make([]float32, rows*d)
		for i := range v {
			v[i] = float32(rng.IntN(256))
		}
		return v
	}
	data, queries := whole(n), whole(nq)
	x := newWith(t, "l2", d, `"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32","max_degree":16,"ef_construction":60,"build_thread_count":1`)
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	check := func(stage string, q []float32, exact bool) {
		t.Helper()
		for _, ef := range []int{12, 60} {
			block := []byte(fmt.Sprintf(`{"ef_search":%d,"rerank_margin_sigmas":0}`, ef))
			a, b, s1, s2 := onOff(t, &residualOn, func(st *api.SearchStats) ([]api.Neighbor, error) {
				return x.KnnSearch(q, k, &api.SearchOptions{Block: block, Stats: st})
			})
			residualOn = true
			require.Len(t, a, k)
			requireSameKnn(t, b, a, "%s: ef %d", stage, ef)
			// the full rerank measures every candidate again; the exact path none
			if exact {
				require.Equal(t, s2.DistanceComputations-int64(ef), s1.DistanceComputations, "%s: ef %d", stage, ef)
			} else {
				require.Greater(t, s1.DistanceComputations, s2.DistanceComputations-int64(ef), "%s: ef %d", stage, ef)
			}
			ra, rb, _, _ := onOff(t, &residualOn, func(*api.SearchStats) ([]api.Neighbor, error) {
				return x.RangeSearch(q, b[k/2].Distance, -1, &api.SearchOptions{Block: block})
			})
			residualOn = true
			require.Equal(t, rb, ra, "%s: range, ef %d", stage, ef)
		}
	}
	for i := 0; i < nq; i++ {
		check("build", queries[i*d:(i+1)*d], true)
	}
	half := append([]float32(nil), queries[:d]...)
	half[0] += 0.5 // not a whole number: its levels are not exact
	check("query not exact", half, false)
	// a row that is not exact turns the shortcut off for every query
	odd := whole(1)
	odd[3] += 0.25
	_, err = x.Add(odd, seq(n, 1), nil)
	require.NoError(t, err)
	check("row not exact", queries[:d], false)
	// rewritten to whole numbers, the row is exact again
	require.NoError(t, x.UpdateVector(int64(n), whole(1), true))
	check("row rewritten", queries[:d], true)
	// and an exact row rewritten to one that is not turns it off again
	require.NoError(t, x.UpdateVector(0, odd, true))
	check("row rewritten, not exact", queries[:d], false)
}

// TestResidualConcurrentAdds: searches take the residual bounds while another goroutine adds
// rows (which the next search measures and marks in the wide bitmap) and rewrites rows in
// place; run with -race, nothing races, every result is ordered, and at the end the wide marks
// agree with the norms.
func TestResidualConcurrentAdds(t *testing.T) {
	const n, d, k = 3000, 24, 10
	all := lowRank(17, n+40, d, 8, 6)
	data, queries := all[:n*d], all[n*d:]
	x := newWith(t, "l2", d, `"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32","max_degree":16,"ef_construction":60,"build_thread_count":1`)
	_, err := x.Build(data[:500*d], seq(0, 500), nil)
	require.NoError(t, err)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for lo := 500; lo < n; lo += 100 {
			if _, err := x.Add(data[lo*d:(lo+100)*d], seq(lo, 100), nil); err != nil {
				t.Error(err)
				return
			}
			if err := x.UpdateVector(int64(lo/2), data[(lo+1)*d:(lo+2)*d], true); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				q := queries[(i+g)%40*d : ((i+g)%40+1)*d]
				got, err := x.KnnSearch(q, k, &api.SearchOptions{Block: []byte(`{"ef_search":60}`)})
				if err != nil {
					t.Error(err)
					return
				}
				for j := 1; j < len(got); j++ {
					if got[j-1].Distance > got[j].Distance {
						t.Errorf("query %d: results out of order", i)
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	x.resid.mu.Lock()
	for row, v := range x.resid.norms {
		wide := x.resid.wide[row/64]&(1<<(row%64)) != 0
		require.Equal(t, v > x.resid.tight, wide, "row %d", row)
	}
	x.resid.mu.Unlock()
}

// residualRows and residualDim shape the index of residualIndex.
const residualRows, residualDim = 400, 8

// residualIndex builds an sq8 + fp32 reorder index over low-rank rows, for the rerank tests that
// hand-pick the candidates and their estimates.
func residualIndex(t *testing.T) (*Index, []float32) {
	t.Helper()
	data := lowRank(5, residualRows, residualDim, 4, 3)
	x := newWith(t, "l2", residualDim, `"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32","max_degree":8,"ef_construction":20,"build_thread_count":1`)
	_, err := x.Build(data, seq(0, residualRows), nil)
	require.NoError(t, err)
	return x, data
}

// TestResidualWideRows: a candidate marked wide is checked against its own norm, not tight. The
// true nearest row, given a far estimate and a norm that allows it, is measured and returned
// even though the bound with tight would pass over it; an unmarked row, and a marked one whose
// own norm rules it out, with the same far estimate are passed over.
func TestResidualWideRows(t *testing.T) {
	const n, d, k = residualRows, residualDim, 5
	x, data := residualIndex(t)
	c, ps := x.getCtx()
	defer ps.putCtx(c)
	const near = 7
	q := data[near*d : (near+1)*d]
	// the two nearest rows to q after near itself: measured, they would come second and third
	dist := func(id int) float32 { return metric.Reference(metric.L2, q, data[id*d:(id+1)*d]) }
	decoy, marked := -1, -1
	for id := 0; id < 40; id++ {
		switch {
		case id == near:
		case decoy < 0 || dist(id) < dist(decoy):
			decoy, marked = id, decoy
		case marked < 0 || dist(id) < dist(marked):
			marked = id
		}
	}
	c.trav.SetQuery(q) // the base computer holds the query, as after a traversal
	var items []topk.Item
	for id := 0; id < 40; id++ {
		est := metric.Reference(metric.L2, q, data[id*d:(id+1)*d]) + 1
		if id == near || id == decoy || id == marked {
			est = 1e4 // far behind every other candidate
		}
		items = append(items, topk.Item{ID: uint32(id), Dist: est})
	}
	norms := make([]float32, n)
	norms[near] = 1e3 // enough for the bound to let it in
	wide := make([]uint64, (n+63)/64)
	wide[near/64] |= 1 << (near % 64)
	wide[marked/64] |= 1 << (marked % 64) // marked, but its own norm (0) passes it over
	v := residualView{norms: norms, tight: 0, wide: wide}
	got := x.rerankResidual(c, &v, q, append([]topk.Item(nil), items...), k, 0)
	require.Len(t, got, k)
	require.Equal(t, uint32(near), got[0].ID)
	require.Zero(t, got[0].Dist)
	for _, it := range got {
		require.NotEqual(t, uint32(decoy), it.ID, "an unmarked row with a far estimate is passed over")
		require.NotEqual(t, uint32(marked), it.ID, "a marked row whose own norm rules it out is passed over")
	}
}

// TestResidualRerankStopsOnErrors: with rerank_margin_sigmas above 0 the residual rerank also
// stops where the estimate errors seen so far put every later candidate out of reach, even when
// a candidate's residual bound would let it in; with 0 it is the exact rerank of the bounds.
func TestResidualRerankStopsOnErrors(t *testing.T) {
	const n, d, k = residualRows, residualDim, 5
	x, data := residualIndex(t)
	c, ps := x.getCtx()
	defer ps.putCtx(c)
	const near, far = 7, 1e4
	q := data[near*d : (near+1)*d]
	c.trav.SetQuery(q)
	var items []topk.Item
	for id := 0; id < 60; id++ {
		est := metric.Reference(metric.L2, q, data[id*d:(id+1)*d])
		if id == near {
			est = far // an estimate far behind every other candidate's, with a bound that lets it in
		}
		items = append(items, topk.Item{ID: uint32(id), Dist: est})
	}
	norms := make([]float32, n)
	for i := range norms {
		norms[i] = 1e3
	}
	wide := make([]uint64, (n+63)/64)
	for i := range wide {
		wide[i] = ^uint64(0)
	}
	v := residualView{norms: norms, tight: 1e3, wide: wide}
	for _, tc := range []struct {
		sigmas   float64
		measured int64
		found    bool
	}{{0, 60, true}, {defaultMarginSigmas, 0, false}} {
		before := c.s.DistCmp
		got := x.rerankResidual(c, &v, q, append([]topk.Item(nil), items...), k, tc.sigmas)
		require.Len(t, got, k)
		n := c.s.DistCmp - before
		require.Equal(t, tc.found, got[0].ID == near, "sigmas %v", tc.sigmas)
		if tc.found {
			require.Equal(t, tc.measured, n, "the bounds let every candidate in")
		} else {
			require.Less(t, n, int64(len(items)), "the errors end the rerank before the far estimate")
			require.GreaterOrEqual(t, n, int64(firstRerankBatch(k)))
		}
	}
}

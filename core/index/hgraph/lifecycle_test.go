package hgraph

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
)

func TestRemoveAndReAddKeepsRecall(t *testing.T) {
	const n, d, k = 3000, 16, 10
	data := clustered(11, n, d, 15)
	queries := clustered(12, 60, d, 15)
	// One build thread: the graphs, and so the two recalls compared below, do not depend on
	// how the machine schedules the build (with two threads and other work running, the
	// recall after the re-add once came out 0.01 lower).
	x := newIndex(t, "l2", d, `,"build_thread_count":1`)
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	before := meanRecall(t, x, metric.L2, data, queries, d, k, 60, nil)

	removed := map[int]bool{}
	var ids []int64
	for i := 0; i < n; i += 10 {
		removed[i] = true
		ids = append(ids, int64(i))
	}
	cnt, err := x.Remove(ids)
	require.NoError(t, err)
	require.Equal(t, len(ids), cnt)
	require.EqualValues(t, n-len(ids), x.NumElements())
	for i := 0; i < 60; i++ {
		got, err := x.KnnSearch(queries[i*d:(i+1)*d], k, searchOpts(60))
		require.NoError(t, err)
		for _, g := range got {
			require.False(t, removed[int(g.ID)], "removed label %d returned", g.ID)
		}
	}
	// re-add the removed rows under the same labels
	vecs := make([]float32, 0, len(ids)*d)
	for _, id := range ids {
		vecs = append(vecs, data[int(id)*d:int(id+1)*d]...)
	}
	failed, err := x.Add(vecs, ids, nil)
	require.NoError(t, err)
	require.Empty(t, failed)
	require.EqualValues(t, n, x.NumElements())
	after := meanRecall(t, x, metric.L2, data, queries, d, k, 60, nil)
	t.Logf("recall before %.4f after remove+re-add %.4f", before, after)
	require.GreaterOrEqual(t, after, before-0.005)
}

func TestFilterAndBruteForceThreshold(t *testing.T) {
	const n, d, k = 2000, 12, 10
	data := clustered(21, n, d, 10)
	x := newIndex(t, "l2", d, "")
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	keepOdd := api.KeepFunc(func(l int64) bool { return l%2 == 1 }, 0.5)
	rare := api.KeepFunc(func(l int64) bool { return l%50 == 0 }, 0.02)
	for i := 0; i < 20; i++ {
		q := data[i*d : (i+1)*d]
		got, err := x.KnnSearch(q, k, &api.SearchOptions{Block: []byte(`{"ef_search":80}`), Filter: keepOdd})
		require.NoError(t, err)
		require.Len(t, got, k)
		for _, g := range got {
			require.EqualValues(t, 1, g.ID%2)
		}
		// a selective filter under the threshold is answered exactly
		stats := &api.SearchStats{}
		got, err = x.KnnSearch(q, k, &api.SearchOptions{Block: []byte(`{"ef_search":20,"brute_force_threshold":0.05}`), Filter: rare, Stats: stats})
		require.NoError(t, err)
		want := oracle(metric.L2, data, d, q, k, func(r int) bool { return r%50 != 0 })
		ids := make([]int64, len(got))
		for j, g := range got {
			ids[j] = g.ID
		}
		require.Equal(t, want, ids)
		require.EqualValues(t, n, stats.Hops)
	}
}

func TestRangeSearchMatchesOracle(t *testing.T) {
	const n, d = 1500, 8
	data := clustered(31, n, d, 8)
	x := newIndex(t, "l2", d, "")
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	q := data[:d]
	all := oracle(metric.L2, data, d, q, n, nil)
	radius := metric.Reference(metric.L2, q, data[int(all[30])*d:int(all[30]+1)*d])
	got, err := x.RangeSearch(q, radius, -1, searchOpts(50))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(got), 29)
	for j, g := range got {
		require.LessOrEqual(t, g.Distance, radius)
		if j > 0 {
			require.LessOrEqual(t, got[j-1].Distance, g.Distance)
		}
	}
	lim, err := x.RangeSearch(q, radius, 5, searchOpts(50))
	require.NoError(t, err)
	require.Equal(t, got[:5], lim)
}

func TestHopsLimitAndTimeout(t *testing.T) {
	const n, d = 3000, 16
	data := clustered(41, n, d, 10)
	x := newIndex(t, "l2", d, "")
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	stats := &api.SearchStats{}
	got, err := x.KnnSearch(data[:d], 10, &api.SearchOptions{Block: []byte(`{"ef_search":500,"hops_limit":2}`), Stats: stats})
	require.NoError(t, err)
	require.NotEmpty(t, got)
	require.True(t, stats.TimedOut)
	require.LessOrEqual(t, stats.Hops, int64(2))
	stats = &api.SearchStats{}
	got, err = x.KnnSearch(data[:d], 10, &api.SearchOptions{Block: []byte(`{"ef_search":500}`), Deadline: time.Now().Add(-time.Second), Stats: stats})
	require.NoError(t, err)
	require.NotEmpty(t, got, "a timed-out search returns what it found")
	require.True(t, stats.TimedOut)
}

func TestParamErrors(t *testing.T) {
	for _, tc := range []struct{ js, key string }{
		{`{"max_degree":2}`, "max_degree"},
		{`{"max_degree":300}`, "max_degree"},
		{`{"max_degree":16,"ef_construction":8}`, "ef_construction"},
		{`{"alpha":0.5}`, "alpha"},
		{`{"graph_type":"hnsw"}`, "graph_type"},
		{`{"nope":1}`, "nope"},
		{`{"base_quantization_type":"nope"}`, "base_quantization_type"},
		{`{"build_thread_count":0}`, "build_thread_count"},
	} {
		_, err := New(mustCreate(t, fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":32,"index_param":%s}`, tc.js)))
		require.Error(t, err, tc.js)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), tc.js)
		require.Contains(t, err.Error(), tc.key)
	}
	x := newIndex(t, "l2", 4, "")
	_, err := x.Add([]float32{1, 2, 3, 4}, []int64{1}, nil)
	require.NoError(t, err)
	for _, tc := range []struct{ js, key string }{
		{`{}`, "ef_search"},
		{`{"ef_search":0}`, "ef_search"},
		{`{"ef_search":10,"what":1}`, "what"},
		{`{"ef_search":10,"brute_force_threshold":2}`, "brute_force_threshold"},
		{`{"ef_search":10,"rerank_margin_sigmas":-1}`, "rerank_margin_sigmas"},
		{`{"ef_search":10,"rerank_margin_sigmas":101}`, "rerank_margin_sigmas"},
	} {
		_, err := x.KnnSearch([]float32{1, 2, 3, 4}, 1, &api.SearchOptions{Block: []byte(tc.js)})
		require.Error(t, err, tc.js)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), tc.js)
		require.Contains(t, err.Error(), tc.key)
	}
}

func mustCreate(t *testing.T, js string) *params.Create {
	c, err := params.ParseCreate(Name, js)
	require.NoError(t, err)
	return c
}

func TestEstimateMemory(t *testing.T) {
	const n, d = 4000, 32
	data := clustered(51, n, d, 10)
	for _, extra := range []string{"", `,"store_raw_vector":true`} {
		x := newIndex(t, "l2", d, extra)
		_, err := x.Build(data, seq(0, n), nil)
		require.NoError(t, err)
		ratio := float64(x.EstimateMemory(n)) / float64(x.MemoryUsage())
		t.Logf("estimate/usage = %.3f", ratio)
		require.InDelta(t, 1.0, ratio, 0.2)
	}
}

func TestUpdateVector(t *testing.T) {
	const n, d = 1000, 8
	data := clustered(61, n, d, 5)
	x := newIndex(t, "l2", d, "")
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	far := make([]float32, d)
	for i := range far {
		far[i] = 1000
	}
	require.Equal(t, api.InvalidArgument, api.CodeOf(x.UpdateVector(5, far, false)))
	require.NoError(t, x.UpdateVector(5, far, true))
	got, err := x.KnnSearch(far, 1, searchOpts(20))
	require.NoError(t, err)
	require.Equal(t, int64(5), got[0].ID)
	near := append([]float32(nil), data[7*d:8*d]...)
	near[0] += 1e-4
	require.NoError(t, x.UpdateVector(7, near, false))
	require.NoError(t, x.UpdateID(7, 70000, nil))
	got, err = x.KnnSearch(near, 1, searchOpts(20))
	require.NoError(t, err)
	require.Equal(t, int64(70000), got[0].ID)
}

func TestConcurrentAddSearchRemove(t *testing.T) {
	const n, d = 1200, 8
	data := clustered(71, n, d, 6)
	x := newIndex(t, "l2", d, `,"build_thread_count":2`)
	_, err := x.Build(data[:400*d], seq(0, 400), nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 400 + w; i < n; i += 2 {
				_, err := x.Add(data[i*d:(i+1)*d], []int64{int64(i)}, nil)
				assert.NoError(t, err)
			}
		}(w)
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < 300; i++ {
			_, err := x.KnnSearch(data[(i%n)*d:(i%n+1)*d], 5, searchOpts(30))
			assert.NoError(t, err)
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i += 4 {
			_, err := x.Remove([]int64{int64(i)})
			assert.NoError(t, err)
		}
	}()
	wg.Wait()
	require.EqualValues(t, n-50, x.NumElements())
	got, err := x.KnnSearch(data[(n-1)*d:], 1, searchOpts(50))
	require.NoError(t, err)
	require.Equal(t, int64(n-1), got[0].ID)
}

func TestParallelBuildQuality(t *testing.T) {
	n, d, k := 4000, 16, 10
	if raceEnabled {
		n = 1500
	}
	data := clustered(81, n, d, 20)
	queries := clustered(82, 50, d, 20)
	var rec [2]float64
	for i, threads := range []int{1, 2} {
		x := newIndex(t, "l2", d, fmt.Sprintf(`,"build_thread_count":%d`, threads))
		_, err := x.Build(data, seq(0, n), nil)
		require.NoError(t, err)
		rec[i] = meanRecall(t, x, metric.L2, data, queries, d, k, 80, nil)
	}
	t.Logf("recall 1 thread %.4f, 2 threads %.4f", rec[0], rec[1])
	require.InDelta(t, rec[0], rec[1], 0.02)
}

// TestKnnSearchInto: the row form writes what KnnSearch returns, for plain and reranked codes,
// with removed labels, a filter, the exact scan, k beyond the live count and rows shorter than
// k; past what it writes, the row is untouched.
func TestKnnSearchInto(t *testing.T) {
	const n, d = 600, 12
	data := clustered(5, n, d, 8)
	for _, extra := range []string{"", `,"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32"`} {
		x := newIndex(t, "l2", d, extra)
		empty := make([]int64, 4)
		got, err := x.KnnSearchInto(data[:d], 3, searchOpts(10), empty, make([]float32, 4))
		require.NoError(t, err)
		require.Zero(t, got, "an empty index writes nothing")
		_, err = x.Build(data, seq(0, n), nil)
		require.NoError(t, err)
		_, err = x.Remove(seq(0, 40))
		require.NoError(t, err)
		odd := api.KeepFunc(func(l int64) bool { return l%2 == 1 }, 0.5)
		rare := api.KeepFunc(func(l int64) bool { return l%50 == 7 }, 0.02)
		for i := 0; i < 12; i++ {
			q := data[(100+i)*d : (101+i)*d]
			for _, k := range []int{1, 10, n} {
				for _, o := range []*api.SearchOptions{searchOpts(20), {Block: []byte(`{"ef_search":40}`), Filter: odd},
					{Block: []byte(`{"ef_search":20,"brute_force_threshold":0.05}`), Filter: rare}} {
					want, err := x.KnnSearch(q, k, o)
					require.NoError(t, err)
					ids, dists := make([]int64, k+2), make([]float32, k+2)
					for j := range ids {
						ids[j], dists[j] = -7, -7
					}
					got, err := x.KnnSearchInto(q, k, o, ids, dists)
					require.NoError(t, err)
					require.Equal(t, len(want), got, "k %d", k)
					for j, w := range want {
						require.Equal(t, w.ID, ids[j])
						require.Equal(t, w.Distance, dists[j])
					}
					for j := got; j < len(ids); j++ {
						require.Equal(t, int64(-7), ids[j], "row touched past the results")
						require.Equal(t, float32(-7), dists[j])
					}
					if len(want) >= 3 {
						short := make([]int64, 2)
						got, err = x.KnnSearchInto(q, k, o, short, make([]float32, 3))
						require.NoError(t, err)
						require.Equal(t, 2, got, "a row shorter than the results takes what fits")
						require.Equal(t, []int64{want[0].ID, want[1].ID}, short)
					}
				}
			}
		}
		_, err = x.KnnSearchInto(data[:d], 3, &api.SearchOptions{Block: []byte(`{"ef_search":0}`)}, make([]int64, 3), make([]float32, 3))
		require.Error(t, err, "bad search parameters")
	}
}

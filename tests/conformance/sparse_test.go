package conformance

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// sparseCorpus returns n random sparse rows over vocab terms (3..12 terms each, weights in
// (0, 1]) in CSR form, and their labels 1000+i.
func sparseCorpus(n, vocab int, seed uint64) *core.Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	ds := &core.Dataset{NumElements: n, SparseOffsets: []int64{0}, SparseIDs: []uint32{}, SparseValues: []float32{}}
	for i := 0; i < n; i++ {
		m := 3 + rng.IntN(10)
		seen := map[uint32]bool{}
		var ids []uint32
		for len(ids) < m {
			t := uint32(rng.IntN(vocab))
			if !seen[t] {
				seen[t] = true
				ids = append(ids, t)
			}
		}
		sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
		for _, t := range ids {
			ds.SparseIDs = append(ds.SparseIDs, t)
			ds.SparseValues = append(ds.SparseValues, 0.01+rng.Float32())
		}
		ds.SparseOffsets = append(ds.SparseOffsets, int64(len(ds.SparseIDs)))
		ds.IDs = append(ds.IDs, int64(1000+i))
	}
	return ds
}

// rowOf returns row i of ds as a one-row dataset.
func rowOf(ds *core.Dataset, i int) *core.Dataset {
	lo, hi := ds.SparseOffsets[i], ds.SparseOffsets[i+1]
	return &core.Dataset{NumElements: 1, SparseOffsets: []int64{0, hi - lo}, SparseIDs: ds.SparseIDs[lo:hi], SparseValues: ds.SparseValues[lo:hi]}
}

// exactSparse returns the labels of the k best inner products of q with the rows of ds that
// keep accepts (a plain merge per row: the oracle).
func exactSparse(ds *core.Dataset, q *core.Dataset, k int, keep func(int64) bool) ([]int64, []float32) {
	type hit struct {
		l int64
		d float32
	}
	var hits []hit
	for i := 0; i < ds.NumElements; i++ {
		if keep != nil && !keep(ds.IDs[i]) {
			continue
		}
		r := rowOf(ds, i)
		s := float32(0)
		a, b := 0, 0
		for a < len(r.SparseIDs) && b < len(q.SparseIDs) {
			switch {
			case r.SparseIDs[a] == q.SparseIDs[b]:
				s += r.SparseValues[a] * q.SparseValues[b]
				a++
				b++
			case r.SparseIDs[a] < q.SparseIDs[b]:
				a++
			default:
				b++
			}
		}
		if s != 0 {
			hits = append(hits, hit{ds.IDs[i], 1 - s})
		}
	}
	sort.Slice(hits, func(a, b int) bool {
		if hits[a].d != hits[b].d {
			return hits[a].d < hits[b].d
		}
		return hits[a].l < hits[b].l
	})
	var ls []int64
	var ds2 []float32
	for _, h := range hits[:min(k, len(hits))] {
		ls, ds2 = append(ls, h.l), append(ds2, h.d)
	}
	return ls, ds2
}

func newSindi(t testing.TB, param string) *core.Index {
	t.Helper()
	x, err := core.CreateIndex("sindi", fmt.Sprintf(`{"dtype":"sparse","metric_type":"ip","dim":64,"index_param":{%s}}`, param))
	require.NoError(t, err)
	return x
}

// sparseConfigs are the value formats and rerank stores a test runs over. Windows of 10000
// documents with 25000 rows give three windows.
var sparseConfigs = []struct {
	name, param string
	exact       bool // distances equal the oracle's (fp32 postings or an fp32 rerank)
}{
	{"fp32", `"window_size":10000`, true},
	{"sq8", `"window_size":10000,"use_quantization":true`, false},
	{"fp16", `"window_size":10000,"use_quantization":"fp16"`, false},
	{"sq8+reorder", `"window_size":10000,"use_quantization":true,"use_reorder":true`, true},
	{"pruned+reorder", `"window_size":10000,"doc_prune_ratio":0.2,"use_reorder":true`, false},
	{"dmq8", `"window_size":10000,"use_reorder":true,"rerank_type":"dmq8"`, false},
	{"remap", `"window_size":10000,"remap_term_ids":true,"term_id_limit":500`, true},
	{"immutable", `"window_size":10000,"immutable":true`, true},
}

// TestSparseSearch: knn and range results against the oracle, with the id bitset, a filter,
// an attribute expression and expected labels, across the value formats; save/load and clone
// reproduce the results.
func TestSparseSearch(t *testing.T) {
	base := sparseCorpus(25000, 400, 1)
	base.Attributes = make([]map[string]any, base.NumElements)
	for i := range base.Attributes {
		base.Attributes[i] = map[string]any{"shard": i % 3}
	}
	queries := sparseCorpus(30, 400, 2)
	for _, cfg := range sparseConfigs {
		t.Run(cfg.name, func(t *testing.T) {
			x := newSindi(t, cfg.param)
			failed, err := x.Build(base)
			require.NoError(t, err)
			require.Empty(t, failed)
			require.EqualValues(t, base.NumElements, x.GetNumElements())
			search := `{"sindi":{"n_candidate":200}}`
			hits, total := 0, 0
			for qi := 0; qi < queries.NumElements; qi++ {
				q := rowOf(queries, qi)
				want, wantD := exactSparse(base, q, 10, nil)
				res, err := x.KnnSearch(q, 10, search, nil)
				require.NoError(t, err)
				hits += overlap(want, res.IDs)
				total += len(want)
				if cfg.exact {
					require.Equal(t, want, res.IDs, "query %d", qi)
					require.InDeltaSlice(t, wantD, res.Distances, 1e-4)
				}
				// id bitset + filter + expression: all three must keep a label
				bs := core.NewBitset()
				for _, l := range want[:3] {
					bs.Set(l, true)
				}
				odd := core.KeepFunc(func(l int64) bool { return l%2 == 1 }, 0.5)
				keep := func(l int64) bool { return !bs.Test(l) && l%2 == 1 && (l-1000)%3 != 0 }
				fres, err := x.SearchWithRequest(&core.SearchRequest{Query: q, TopK: 10, Params: search, IDs: bs, Filter: odd,
					FilterExpr: "shard != 0", ExpectedLabels: want[:2]})
				require.NoError(t, err)
				fwant, _ := exactSparse(base, q, 10, keep)
				for _, l := range fres.IDs {
					require.True(t, keep(l), "label %d passed the filters", l)
				}
				if cfg.exact {
					require.Equal(t, fwant, fres.IDs)
				}
				require.Equal(t, core.ReasonFiltered, fres.Expected[0].Reason)
				// range search: everything within the 5th distance
				radius := wantD[min(4, len(wantD)-1)] + 1e-5
				rres, err := x.RangeSearch(q, radius, search, nil, -1)
				require.NoError(t, err)
				if cfg.exact {
					rwant, _ := exactSparse(base, q, base.NumElements, func(int64) bool { return true })
					n := 0
					for _, l := range rwant {
						_ = l
						n++
					}
					require.GreaterOrEqual(t, len(rres.IDs), min(5, len(want)))
					for _, d := range rres.Distances {
						require.LessOrEqual(t, d, radius)
					}
				}
				lres, err := x.RangeSearch(q, radius, search, nil, 2)
				require.NoError(t, err)
				require.LessOrEqual(t, len(lres.IDs), 2)
			}
			recall := float64(hits) / float64(total)
			require.GreaterOrEqual(t, recall, 0.9, "recall@10 %.3f", recall)

			// persistence: save/load and clone give the same answers
			var buf bytes.Buffer
			require.NoError(t, x.Serialize(&buf))
			y, err := core.Load(bytes.NewReader(buf.Bytes()))
			require.NoError(t, err)
			c, err := x.Clone()
			require.NoError(t, err)
			for qi := 0; qi < 5; qi++ {
				q := rowOf(queries, qi)
				a, err := x.KnnSearch(q, 10, search, nil)
				require.NoError(t, err)
				b, err := y.KnnSearch(q, 10, search, nil)
				require.NoError(t, err)
				require.Equal(t, a.IDs, b.IDs)
				require.Equal(t, a.Distances, b.Distances)
				cc, err := c.KnnSearch(q, 10, search, nil)
				require.NoError(t, err)
				require.Equal(t, a.IDs, cc.IDs)
			}
			st, err := y.GetStats()
			require.NoError(t, err)
			require.Contains(t, st, `"window_count": 3`)
			require.Contains(t, st, `"posting_list_count"`)
			require.Greater(t, x.GetMemoryUsage(), int64(0))
			require.Greater(t, x.EstimateMemory(25000), uint64(0))
		})
	}
}

func overlap(want, got []int64) int {
	n := 0
	for _, w := range want {
		for _, g := range got {
			if g == w {
				n++
				break
			}
		}
	}
	return n
}

// TestSparseBadInput: malformed rows are INVALID_ARGUMENT and leave the index as it was.
func TestSparseBadInput(t *testing.T) {
	x := newSindi(t, `"term_id_limit":100,"window_size":10000`)
	good := sparseCorpus(50, 100, 3)
	_, err := x.Build(good)
	require.NoError(t, err)
	q := rowOf(good, 0)
	before, err := x.KnnSearch(q, 5, "", nil)
	require.NoError(t, err)
	mem := x.GetMemoryUsage()
	row := func(ids []uint32, vals []float32) *core.Dataset {
		return &core.Dataset{NumElements: 2, IDs: []int64{1, 2},
			SparseOffsets: []int64{0, 1, 1 + int64(len(ids))}, SparseIDs: append([]uint32{5}, ids...), SparseValues: append([]float32{1}, vals...)}
	}
	for name, ds := range map[string]*core.Dataset{
		"unsorted":    row([]uint32{7, 3}, []float32{1, 1}),
		"duplicate":   row([]uint32{3, 3}, []float32{1, 1}),
		"beyondLimit": row([]uint32{3, 100}, []float32{1, 1}),
		"nan":         row([]uint32{3, 4}, []float32{1, float32(math.NaN())}),
		"inf":         row([]uint32{3, 4}, []float32{float32(math.Inf(1)), 1}),
		"empty":       row(nil, nil),
		"dense":       {NumElements: 1, Dim: 64, IDs: []int64{9}, Float32: make([]float32, 64)},
		"badOffsets":  {NumElements: 2, IDs: []int64{1, 2}, SparseOffsets: []int64{0, 2}, SparseIDs: []uint32{1, 2}, SparseValues: []float32{1, 1}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := x.Add(ds)
			require.Error(t, err)
			require.Equal(t, api.InvalidArgument, core.CodeOf(err), err.Error())
			require.EqualValues(t, 50, x.GetNumElements())
			require.False(t, x.CheckIDExist(1))
			after, err := x.KnnSearch(q, 5, "", nil)
			require.NoError(t, err)
			require.Equal(t, before.IDs, after.IDs)
			require.Equal(t, mem, x.GetMemoryUsage())
		})
	}
	// bad queries and search parameters
	_, err = x.KnnSearch(&core.Dataset{NumElements: 1, SparseOffsets: []int64{0, 0}, SparseIDs: []uint32{}, SparseValues: []float32{}}, 5, "", nil)
	require.Equal(t, api.InvalidArgument, core.CodeOf(err))
	_, err = x.KnnSearch(&core.Dataset{NumElements: 1, Dim: 64, Float32: make([]float32, 64)}, 5, "", nil)
	require.Equal(t, api.InvalidArgument, core.CodeOf(err))
	_, err = x.Search(make([]float32, 64), 5, "", nil)
	require.Equal(t, api.InvalidArgument, core.CodeOf(err))
	for _, js := range []string{`{"sindi":{"n_candidate":5000}}`, `{"sindi":{"query_prune_ratio":1}}`, `{"sindi":{"term_prune_ratio":-0.1}}`, `{"sindi":{"bogus":1}}`} {
		_, err = x.KnnSearch(q, 5, js, nil)
		require.Equal(t, api.InvalidArgument, core.CodeOf(err), js)
	}
}

// TestSparseCreateParams: VSAG's validation of the create parameters.
func TestSparseCreateParams(t *testing.T) {
	for _, js := range []string{
		`{"dtype":"sparse","metric_type":"l2","dim":8}`,
		`{"dtype":"float32","metric_type":"ip","dim":8}`,
		`{"dtype":"sparse","metric_type":"ip","dim":8,"index_param":{"window_size":9999}}`,
		`{"dtype":"sparse","metric_type":"ip","dim":8,"index_param":{"window_size":60001}}`,
		`{"dtype":"sparse","metric_type":"ip","dim":8,"index_param":{"term_id_limit":50000001}}`,
		`{"dtype":"sparse","metric_type":"ip","dim":8,"index_param":{"doc_prune_ratio":1}}`,
		`{"dtype":"sparse","metric_type":"ip","dim":8,"index_param":{"use_quantization":"int4"}}`,
		`{"dtype":"sparse","metric_type":"ip","dim":8,"index_param":{"rerank_type":"dmq8"}}`,
		`{"dtype":"sparse","metric_type":"ip","dim":8,"index_param":{"rerank_type":"pq"}}`,
		`{"dtype":"sparse","metric_type":"ip","dim":8,"index_param":{"avg_doc_term_length":0}}`,
	} {
		_, err := core.CreateIndex("sindi", js)
		require.Error(t, err, js)
		require.Equal(t, api.InvalidArgument, core.CodeOf(err), js)
	}
	_, err := core.CreateIndex("hgraph", `{"dtype":"sparse","metric_type":"ip","dim":8}`)
	require.Error(t, err)
	x := newSindi(t, "")
	for _, f := range []core.Feature{api.SupportRangeSearch, api.SupportDeleteByID, api.SupportKnnSearchWithIDFilter, api.SupportGetStats, api.SupportEstimateMemory} {
		require.True(t, x.CheckFeature(f), f)
	}
	require.False(t, x.CheckFeature(api.SupportGetRawVectorByIDs))
}

// TestSparseUpdates: mark remove, update id, vector update and immutability.
func TestSparseUpdates(t *testing.T) {
	base := sparseCorpus(300, 50, 4)
	x := newSindi(t, `"window_size":10000,"use_reorder":true`)
	_, err := x.Build(base)
	require.NoError(t, err)
	_, err = x.Build(base)
	require.Equal(t, api.BuildTwice, core.CodeOf(err))
	failed, err := x.Add(rowWithID(base, 0, 1000))
	require.NoError(t, err)
	require.Equal(t, []int64{1000}, failed)

	q := rowOf(base, 7)
	res, err := x.KnnSearch(q, 1, "", nil)
	require.NoError(t, err)
	require.Equal(t, int64(1007), res.IDs[0])
	n, err := x.Remove(1007)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.EqualValues(t, 1, x.GetNumberRemoved())
	res, err = x.KnnSearch(q, 10, "", nil)
	require.NoError(t, err)
	require.NotContains(t, res.IDs, int64(1007))

	require.NoError(t, x.UpdateID(1008, 5))
	require.False(t, x.CheckIDExist(1008))
	res, err = x.KnnSearch(rowOf(base, 8), 1, "", nil)
	require.NoError(t, err)
	require.Equal(t, int64(5), res.IDs[0])

	// vector update: a superset is accepted without force, a disjoint row needs force
	r9 := rowOf(base, 9)
	sup := &core.Dataset{NumElements: 1, SparseOffsets: []int64{0, int64(len(r9.SparseIDs) + 1)},
		SparseIDs: append(append([]uint32{}, r9.SparseIDs...), 60), SparseValues: append(append([]float32{}, r9.SparseValues...), 5)}
	require.NoError(t, x.UpdateVector(1009, sup, false))
	other := &core.Dataset{NumElements: 1, SparseOffsets: []int64{0, 1}, SparseIDs: []uint32{61}, SparseValues: []float32{3}}
	require.Equal(t, api.InvalidArgument, core.CodeOf(x.UpdateVector(1009, other, false)))
	require.NoError(t, x.UpdateVector(1009, other, true))
	res, err = x.KnnSearch(other, 1, "", nil)
	require.NoError(t, err)
	require.Equal(t, int64(1009), res.IDs[0])
	require.InDelta(t, 1-9.0, res.Distances[0], 1e-5)
	d, err := x.CalcDistanceByIDsSparse(other, []int64{1009, 424242})
	require.NoError(t, err)
	require.InDelta(t, -8, d[0], 1e-5)
	require.EqualValues(t, -1, d[1])
	got, err := x.GetSparseVectorByIDs([]int64{1009})
	require.NoError(t, err)
	require.Equal(t, []uint32{61}, got.SparseIDs)
	_, err = x.GetRawVectorByIDs([]int64{1009})
	require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
	require.Contains(t, err.Error(), "GetSparseVectorByIDs")
	require.EqualValues(t, 299, x.GetNumElements())

	// the updates survive a save/load
	var buf bytes.Buffer
	require.NoError(t, x.Serialize(&buf))
	y, err := core.Load(&buf)
	require.NoError(t, err)
	res, err = y.KnnSearch(other, 1, "", nil)
	require.NoError(t, err)
	require.Equal(t, int64(1009), res.IDs[0])
	require.EqualValues(t, 1, y.GetNumberRemoved())
	require.EqualValues(t, 299, y.GetNumElements())

	// batch search of sparse rows
	bres, err := y.BatchKnnSearch(&core.Dataset{NumElements: 2, SparseOffsets: []int64{0, 1, 2}, SparseIDs: []uint32{61, 61}, SparseValues: []float32{1, 2}}, 3, "", nil)
	require.NoError(t, err)
	require.Equal(t, int64(1009), bres.IDs[0])
	require.Equal(t, int64(1009), bres.IDs[3])

	// immutable runtime: a build, then no adds
	im := newSindi(t, `"window_size":10000,"immutable":true`)
	_, err = im.Build(base)
	require.NoError(t, err)
	_, err = im.Add(rowWithID(base, 0, 77777))
	require.Error(t, err)
	require.False(t, im.CheckIDExist(77777))

	// dmq8: no incremental add
	dm := newSindi(t, `"window_size":10000,"use_reorder":true,"rerank_type":"dmq8"`)
	_, err = dm.Build(base)
	require.NoError(t, err)
	_, err = dm.Add(rowWithID(base, 0, 77777))
	require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
}

func rowWithID(ds *core.Dataset, i int, id int64) *core.Dataset {
	r := rowOf(ds, i)
	r.IDs = []int64{id}
	return r
}

// TestSparseConcurrent: searches, adds and removes in parallel (run with -race).
func TestSparseConcurrent(t *testing.T) {
	base := sparseCorpus(4000, 300, 5)
	x := newSindi(t, `"window_size":10000`)
	_, err := x.Build(&core.Dataset{NumElements: 2000, IDs: base.IDs[:2000], SparseOffsets: base.SparseOffsets[:2001],
		SparseIDs: base.SparseIDs[:base.SparseOffsets[2000]], SparseValues: base.SparseValues[:base.SparseOffsets[2000]]})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				q := rowOf(base, (g*200+i)%4000)
				_, err := x.KnnSearch(q, 10, "", nil)
				require.NoError(t, err)
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 2000; i < 4000; i++ {
			_, err := x.Add(rowWithID(base, i, base.IDs[i]))
			require.NoError(t, err)
			if i%10 == 0 {
				_, err := x.Remove(base.IDs[i-1000])
				require.NoError(t, err)
			}
		}
	}()
	wg.Wait()
	require.EqualValues(t, 4000-200, x.GetNumElements())
}

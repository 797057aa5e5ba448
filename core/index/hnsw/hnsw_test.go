package hnsw_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

// clustered returns n seeded clustered-Gaussian vectors of dim d.
func clustered(seed uint64, n, d, clusters int) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	centers := make([]float32, clusters*d)
	for i := range centers {
		centers[i] = float32(r.NormFloat64() * 3)
	}
	out := make([]float32, n*d)
	for i := 0; i < n; i++ {
		c := r.IntN(clusters)
		for j := 0; j < d; j++ {
			out[i*d+j] = centers[c*d+j] + float32(r.NormFloat64())
		}
	}
	return out
}

func createJSON(m string, d, maxDegree, efc int, conjugate bool) string {
	return fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"hnsw":{"max_degree":%d,"ef_construction":%d,"use_conjugate_graph":%v}}`, m, d, maxDegree, efc, conjugate)
}

const dim = 16

// built returns an hnsw index over n clustered vectors labelled 0..n-1, and the vectors.
func built(t testing.TB, m string, n int, conjugate bool) (*core.Index, []float32) {
	t.Helper()
	return builtWith(t, m, n, conjugate, false)
}

// builtWith is built with the vectors normalised first when normalize is set (for ip, whose
// graph search needs vectors of one length).
func builtWith(t testing.TB, m string, n int, conjugate, normalize bool) (*core.Index, []float32) {
	t.Helper()
	x, err := core.CreateIndex("hnsw", createJSON(m, dim, 8, 40, conjugate))
	require.NoError(t, err)
	data := clustered(1, n, dim, 10)
	if normalize {
		for i := 0; i < n; i++ {
			metric.Normalize(data[i*dim : (i+1)*dim])
		}
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	failed, err := x.Build(&core.Dataset{NumElements: n, Dim: dim, IDs: ids, Float32: data})
	require.NoError(t, err)
	require.Empty(t, failed)
	return x, data
}

// exact returns the labels of the k nearest rows of data to q.
func exact(m metric.Kind, data []float32, q []float32, k int) []int64 {
	type p struct {
		d float32
		i int64
	}
	var all []p
	for i := 0; i*dim < len(data); i++ {
		all = append(all, p{metric.Reference(m, q, data[i*dim:(i+1)*dim]), int64(i)})
	}
	sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d })
	out := make([]int64, k)
	for i := range out {
		out[i] = all[i].i
	}
	return out
}

func search(t testing.TB, x *core.Index, q []float32, k int, js string) []core.Neighbor {
	t.Helper()
	res, err := x.Search(q, k, js, nil)
	require.NoError(t, err)
	return res
}

func TestCreateParams(t *testing.T) {
	good := `{"max_degree":16,"ef_construction":200}`
	for _, tc := range []struct {
		name, js, want string
		code           api.ErrorCode
	}{
		{"no block", `{"dtype":"float32","metric_type":"l2","dim":8}`, `"hnsw"`, api.InvalidArgument},
		{"no max_degree", `{"dim":8,"hnsw":{"ef_construction":200}}`, "max_degree", api.InvalidArgument},
		{"no ef_construction", `{"dim":8,"hnsw":{"max_degree":16}}`, "ef_construction", api.InvalidArgument},
		{"max_degree too small", `{"dim":8,"hnsw":{"max_degree":3,"ef_construction":200}}`, "max_degree", api.InvalidArgument},
		{"max_degree too large", `{"dim":8,"hnsw":{"max_degree":129,"ef_construction":200}}`, "max_degree", api.InvalidArgument},
		{"ef_construction below max_degree", `{"dim":8,"hnsw":{"max_degree":16,"ef_construction":15}}`, "ef_construction", api.InvalidArgument},
		{"ef_construction too large", `{"dim":8,"hnsw":{"max_degree":16,"ef_construction":1601}}`, "ef_construction", api.InvalidArgument},
		{"max_degree wrong type", `{"dim":8,"hnsw":{"max_degree":"16","ef_construction":200}}`, "max_degree", api.InvalidArgument},
		{"use_conjugate_graph wrong type", `{"dim":8,"hnsw":{"max_degree":16,"ef_construction":200,"use_conjugate_graph":1}}`, "use_conjugate_graph", api.InvalidArgument},
		{"unknown key", `{"dim":8,"hnsw":{"max_degree":16,"ef_construction":200,"base_quantization_type":"sq8"}}`, "base_quantization_type", api.InvalidArgument},
		{"int8 with l2", `{"dim":8,"dtype":"int8","metric_type":"l2","hnsw":` + good + `}`, "int8", api.InvalidArgument},
		{"index_param instead of hnsw", `{"dim":8,"index_param":` + good + `}`, "index_param", api.InvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := core.CreateIndex("hnsw", tc.js)
			require.Error(t, err)
			require.Equal(t, tc.code, core.CodeOf(err), err.Error())
			require.Contains(t, err.Error(), tc.want)
		})
	}
	for _, js := range []string{
		`{"dim":8,"hnsw":{"max_degree":4,"ef_construction":4}}`,         // M is clamped to 8 inside
		`{"dim":200,"hnsw":{"max_degree":200,"ef_construction":20000}}`, // max(dim,128), 100 x max_degree
		`{"dim":8,"dtype":"int8","metric_type":"ip","hnsw":` + good + `}`,
		`{"dim":8,"metric_type":"cosine","hnsw":{"max_degree":16,"ef_construction":1000,"use_conjugate_graph":true}}`,
	} {
		_, err := core.CreateIndex("hnsw", js)
		require.NoError(t, err, js)
	}
}

func TestSearchParams(t *testing.T) {
	x, data := built(t, "l2", 300, true)
	q := data[:dim]
	for _, tc := range []struct {
		js   string
		k    int
		want string
	}{
		{`{"hnsw":{}}`, 10, "ef_search"},
		{`{}`, 10, "ef_search"},
		{`{"hnsw":{"ef_search":0}}`, 10, "ef_search"},
		{`{"hnsw":{"ef_search":1001}}`, 10, "ef_search"}, // max(1000, 100 x k)
		{`{"hnsw":{"ef_search":100,"skip_ratio":1.5}}`, 10, "skip_ratio"},
		{`{"hnsw":{"ef_search":100,"skip_strategy":"sometimes"}}`, 10, "skip_strategy"},
		{`{"hnsw":{"ef_search":100,"use_conjugate_graph_search":"yes"}}`, 10, "use_conjugate_graph_search"},
		{`{"hnsw":{"ef_search":100,"search_window_size":100}}`, 10, "search_window_size"},
		{`{"hgraph":{"ef_search":100}}`, 10, "hgraph"},
	} {
		_, err := x.Search(q, tc.k, tc.js, nil)
		require.Error(t, err, tc.js)
		require.Equal(t, api.InvalidArgument, core.CodeOf(err), err.Error())
		require.Contains(t, err.Error(), tc.want, tc.js)
	}
	// 100 x k widens the bound
	_, err := x.Search(q, 20, `{"hnsw":{"ef_search":2000}}`, nil)
	require.NoError(t, err)
	_, err = x.Search(q, 10, `{"hnsw":{"ef_search":50,"skip_ratio":0.5,"skip_strategy":"random","use_conjugate_graph_search":false,"parallelism":1}}`, nil)
	require.NoError(t, err)
	// a range search takes ef_search up to 1000
	_, err = x.RangeSearchVector(q, 1, `{"hnsw":{"ef_search":1001}}`, nil, -1)
	require.Equal(t, api.InvalidArgument, core.CodeOf(err))
	_, err = x.RangeSearchVector(q, 1, `{"hnsw":{"ef_search":1000}}`, nil, -1)
	require.NoError(t, err)
}

func TestRecallAndFeatures(t *testing.T) {
	for _, m := range []string{"l2", "ip", "cosine"} {
		t.Run(m, func(t *testing.T) {
			mk, _ := metric.Parse(m)
			x, data := builtWith(t, m, 2000, false, mk.UsesInnerProduct())
			queries := clustered(2, 50, dim, 10)
			hits := 0
			for i := 0; i < 50; i++ {
				q := append([]float32(nil), queries[i*dim:(i+1)*dim]...)
				if mk.UsesInnerProduct() {
					metric.Normalize(q)
				}
				got := search(t, x, q, 10, `{"hnsw":{"ef_search":200}}`)
				want := exact(mk, data, q, 10)
				for _, g := range got {
					for _, w := range want {
						if g.ID == w {
							hits++
						}
					}
				}
			}
			// a parallel build on a loaded machine has reached 0.94 here; a broken graph or
			// search is far below
			require.GreaterOrEqual(t, float64(hits)/500, 0.92)
		})
	}
	plain, _ := built(t, "l2", 10, false)
	conj, _ := built(t, "l2", 10, true)
	for _, f := range []core.Feature{api.SupportBuild, api.SupportKnnSearch, api.SupportKnnSearchWithIDFilter,
		api.SupportRangeSearch, api.SupportDeleteByID, api.SupportCalDistanceByID, api.SupportGetRawVectorByIDs,
		api.SupportEstimateMemory, api.SupportSearchConcurrent, api.SupportMetricTypeL2, api.SupportMetricTypeCosine} {
		require.True(t, plain.CheckFeature(f), "feature %d", f)
	}
	require.False(t, plain.CheckFeature(api.SupportFeedback))
	require.True(t, conj.CheckFeature(api.SupportFeedback))
	require.False(t, plain.CheckFeature(api.NeedTrain))
}

// TestFeedbackFixesTheQueriesItLearnsFrom: after Feedback on a query, a search of the same
// query with use_conjugate_graph_search finds its true k nearest neighbours (all of them when
// the index found them itself; the nearest when it was given), at any beam width.
func TestFeedbackFixesTheQueriesItLearnsFrom(t *testing.T) {
	const nq, k = 100, 10
	const js = `{"hnsw":{"ef_search":1}}`
	const off = `{"hnsw":{"ef_search":1,"use_conjugate_graph_search":false}}`
	for _, given := range []bool{false, true} {
		t.Run(fmt.Sprintf("optimum given %v", given), func(t *testing.T) {
			x, data := built(t, "l2", 3000, true)
			queries := clustered(3, nq, dim, 10)
			// hits counts the true top-1 (recall@1) and top-k neighbours found
			hits := func(js string) (top1, topk int) {
				for i := 0; i < nq; i++ {
					q := queries[i*dim : (i+1)*dim]
					want := exact(metric.L2, data, q, k)
					got := search(t, x, q, k, js)
					if got[0].ID == want[0] {
						top1++
					}
					for _, g := range got {
						topk += len(slices.DeleteFunc(slices.Clone(want), func(w int64) bool { return w != g.ID }))
					}
				}
				return
			}
			top1, topk := hits(js)
			top1Off, topkOff := hits(off)
			require.Less(t, topk, nq*k, "the test needs queries the graph search misses")
			edges := 0
			for i := 0; i < nq; i++ {
				q := queries[i*dim : (i+1)*dim]
				optimum := core.GlobalOptimumUnknown
				if given {
					optimum = exact(metric.L2, data, q, 1)[0]
				}
				n, err := x.Feedback(q, k, js, optimum)
				require.NoError(t, err)
				edges += n
			}
			require.Positive(t, edges)
			afterTop1, afterTopk := hits(js)
			require.Equal(t, nq, afterTop1, "top-1 hits before feedback %d of %d", top1, nq)
			if !given {
				require.Equal(t, nq*k, afterTopk, "top-k hits before feedback %d of %d", topk, nq*k)
			}
			t1, tk := hits(off)
			require.Equal(t, [2]int{top1Off, topkOff}, [2]int{t1, tk}, "use_conjugate_graph_search false consulted the conjugate graph")
			// a feedback given again adds nothing new
			q := queries[:dim]
			nn := exact(metric.L2, data, q, 1)[0]
			_, err := x.Feedback(q, k, js, nn)
			require.NoError(t, err)
			n, err := x.Feedback(q, k, js, nn)
			require.NoError(t, err)
			require.Zero(t, n)
			t.Logf("top-%d hits %d -> %d, top-1 %d -> %d of %d after %d edges", k, topk, afterTopk, top1, afterTop1, nq, edges)
		})
	}
}

func TestFeedbackErrors(t *testing.T) {
	plain, data := built(t, "l2", 50, false)
	q := data[:dim]
	const js = `{"hnsw":{"ef_search":10}}`
	_, err := plain.Feedback(q, 10, js, core.GlobalOptimumUnknown)
	require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
	require.Contains(t, err.Error(), "use_conjugate_graph")
	_, err = plain.Pretrain([]int64{1}, 10, js)
	require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
	hg, err := core.CreateIndex("hgraph", `{"dim":16,"index_param":{"base_quantization_type":"fp32"}}`)
	require.NoError(t, err)
	_, err = hg.Feedback(q, 10, `{"hgraph":{"ef_search":10}}`, 1)
	require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))

	x, _ := built(t, "l2", 50, true)
	mem := x.GetMemoryUsage()
	for _, tc := range []struct {
		name string
		call func() error
		code api.ErrorCode
	}{
		{"k zero", func() error { _, err := x.Feedback(q, 0, js, 1); return err }, api.InvalidArgument},
		{"absent optimum", func() error { _, err := x.Feedback(q, 10, js, 999); return err }, api.InvalidArgument},
		{"wrong dim", func() error { _, err := x.Feedback(q[:3], 10, js, 1); return err }, api.DimensionNotEqual},
		{"bad json", func() error { _, err := x.Feedback(q, 10, `{"hnsw":{}}`, 1); return err }, api.InvalidArgument},
		{"pretrain k zero", func() error { _, err := x.Pretrain([]int64{1}, 0, js); return err }, api.InvalidArgument},
		{"pretrain absent id", func() error { _, err := x.Pretrain([]int64{1, 999}, 10, js); return err }, api.InvalidArgument},
	} {
		require.Equal(t, tc.code, core.CodeOf(tc.call()), tc.name)
	}
	require.Equal(t, mem, x.GetMemoryUsage(), "a failed call added edges")
	empty, err := core.CreateIndex("hnsw", createJSON("l2", dim, 8, 40, true))
	require.NoError(t, err)
	n, err := empty.Feedback(q, 10, js, core.GlobalOptimumUnknown)
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = empty.Pretrain(nil, 10, js)
	require.NoError(t, err)
	require.Zero(t, n)
	require.NoError(t, x.SetImmutable())
	_, err = x.Feedback(q, 10, js, 1)
	require.Equal(t, api.WrongStatus, core.CodeOf(err))
}

func mustSerialize(t testing.TB, x *core.Index) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, x.Serialize(&buf))
	return buf.Bytes()
}

// taught returns an index whose conjugate graph links every result of q to the label that is
// farthest from it (given as the global optimum), so searches of q show it first.
func taught(t *testing.T) (*core.Index, []float32, int64) {
	x, data := built(t, "l2", 500, true)
	q := data[:dim]
	far := exact(metric.L2, data, q, 500)[499]
	n, err := x.Feedback(q, 10, `{"hnsw":{"ef_search":20}}`, far)
	require.NoError(t, err)
	require.Equal(t, 10, n)
	return x, q, far
}

func TestConjugateEdgesAreFollowedOnlyToCloserLabels(t *testing.T) {
	x, q, far := taught(t)
	// the label is far from q: it does not displace any result
	for _, r := range search(t, x, q, 10, `{"hnsw":{"ef_search":20}}`) {
		require.NotEqual(t, far, r.ID)
	}
	// with k = the whole index it comes back at its own distance
	res := search(t, x, q, 500, `{"hnsw":{"ef_search":500}}`)
	require.Equal(t, far, res[len(res)-1].ID)
}

func TestConjugateSurvivesSerializeAndUpdateID(t *testing.T) {
	x, data := built(t, "l2", 3000, true)
	queries := clustered(3, 40, dim, 10)
	const js = `{"hnsw":{"ef_search":1}}`
	for i := 0; i < 40; i++ {
		_, err := x.Feedback(queries[i*dim:(i+1)*dim], 10, js, core.GlobalOptimumUnknown)
		require.NoError(t, err)
	}
	results := func(x *core.Index) [][]core.Neighbor {
		var out [][]core.Neighbor
		for i := 0; i < 40; i++ {
			out = append(out, search(t, x, queries[i*dim:(i+1)*dim], 10, js))
		}
		return out
	}
	want := results(x)
	b := mustSerialize(t, x)
	loaded, err := core.LoadBytes(b)
	require.NoError(t, err)
	require.Equal(t, want, results(loaded))
	require.True(t, loaded.CheckFeature(api.SupportFeedback))
	clone, err := x.Clone()
	require.NoError(t, err)
	require.Equal(t, want, results(clone))
	// VSAG-style load into an index created with the same parameters
	into, err := core.CreateIndex("hnsw", createJSON("l2", dim, 8, 40, true))
	require.NoError(t, err)
	require.NoError(t, into.Deserialize(bytes.NewReader(b)))
	require.Equal(t, want, results(into))
	// an index without a conjugate graph loads the file and skips the graph
	plain, err := core.CreateIndex("hnsw", createJSON("l2", dim, 8, 40, false))
	require.NoError(t, err)
	require.NoError(t, plain.Deserialize(bytes.NewReader(b)))
	require.False(t, plain.CheckFeature(api.SupportFeedback))

	// the true nearest neighbour of query 0 comes back under its new label
	q := queries[:dim]
	nn := exact(metric.L2, data, q, 1)[0]
	require.Equal(t, nn, search(t, x, q, 1, js)[0].ID)
	require.NoError(t, x.UpdateID(nn, 1_000_000))
	require.Equal(t, int64(1_000_000), search(t, x, q, 1, js)[0].ID)
	// removed, it is not returned; a filter that rejects it is obeyed
	require.NoError(t, x.UpdateID(1_000_000, nn))
	filter := core.ExcludeFunc(func(l int64) bool { return l == nn })
	res, err := x.Search(q, 10, js, filter)
	require.NoError(t, err)
	for _, r := range res {
		require.NotEqual(t, nn, r.ID)
	}
	_, err = x.Remove(nn)
	require.NoError(t, err)
	for _, r := range search(t, x, q, 10, js) {
		require.NotEqual(t, nn, r.ID)
	}
}

// TestPretrain: queries near stored vectors (the vector moved a little towards a neighbour,
// as Pretrain makes them) find those vectors more often after Pretrain.
func TestPretrain(t *testing.T) {
	// unclustered 32-dimensional data, hard enough for a beam of 20 to miss
	const d, nb, n = 32, 4000, 200
	x, err := core.CreateIndex("hnsw", createJSON("l2", d, 8, 20, true))
	require.NoError(t, err)
	data := clustered(6, nb, d, 1)
	ids := make([]int64, nb)
	for i := range ids {
		ids[i] = int64(i)
	}
	_, err = x.Build(&core.Dataset{NumElements: nb, Dim: d, IDs: ids, Float32: data})
	require.NoError(t, err)
	const js = `{"hnsw":{"ef_search":1}}`
	r := rand.New(rand.NewPCG(5, 5))
	queries := make([]float32, n*d)
	for i := 0; i < n; i++ {
		near := search(t, x, data[i*d:(i+1)*d], 2, `{"hnsw":{"ef_search":50}}`)[1].ID
		w := 0.5 + 0.05*r.Float32()
		for j := 0; j < d; j++ {
			queries[i*d+j] = w*data[i*d+j] + (1-w)*data[int(near)*d+j]
		}
	}
	hits := func() (h int) {
		for i := 0; i < n; i++ {
			q := queries[i*d : (i+1)*d]
			best, bestD := -1, float32(0)
			for j := 0; j < nb; j++ {
				if dj := metric.Reference(metric.L2, q, data[j*d:(j+1)*d]); best < 0 || dj < bestD {
					best, bestD = j, dj
				}
			}
			if search(t, x, q, 1, js)[0].ID == int64(best) {
				h++
			}
		}
		return
	}
	before := hits()
	require.Less(t, before, n, "the test needs queries the graph search misses")
	edges, err := x.Pretrain(ids[:n], 10, js)
	require.NoError(t, err)
	require.Positive(t, edges)
	after := hits()
	require.Greater(t, after, before)
	t.Logf("top-1 hits at ef_search 1: %d -> %d of %d after %d edges", before, after, n, edges)
}

// TestSkipRatio: a filtered search that skips the rejected neighbours computes fewer distances
// than one that routes through all of them, and the skip is deterministic.
func TestSkipRatio(t *testing.T) {
	x, data := built(t, "l2", 2000, false)
	filter := core.KeepFunc(func(l int64) bool { return l%4 == 0 }, 0.25)
	cost := func(js string) (int64, []int64) {
		var total int64
		var last []int64
		for i := 0; i < 20; i++ {
			var st core.SearchStats
			res, err := x.SearchWithRequest(&core.SearchRequest{Query: &core.Dataset{NumElements: 1, Dim: dim, Float32: data[i*dim : (i+1)*dim]}, TopK: 10, Params: js, Filter: filter, Stats: &st})
			require.NoError(t, err)
			for _, id := range res.Dataset.IDs {
				require.Zero(t, id%4)
			}
			total += st.DistanceComputations
			last = append(last, res.Dataset.IDs...)
		}
		return total, last
	}
	none, _ := cost(`{"hnsw":{"ef_search":50,"skip_ratio":0}}`)
	half, a := cost(`{"hnsw":{"ef_search":50,"skip_ratio":0.5}}`)
	all, _ := cost(`{"hnsw":{"ef_search":50,"skip_ratio":1}}`)
	rnd, _ := cost(`{"hnsw":{"ef_search":50,"skip_ratio":0.5,"skip_strategy":"random"}}`)
	require.Less(t, half, none)
	require.Less(t, all, half)
	require.Less(t, rnd, none)
	_, b := cost(`{"hnsw":{"ef_search":50,"skip_ratio":0.5}}`)
	require.Equal(t, a, b)
}

func TestFeedbackConcurrent(t *testing.T) {
	x, _ := built(t, "l2", 1000, true)
	queries := clustered(4, 64, dim, 10)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < 64; i += 4 {
				q := queries[i*dim : (i+1)*dim]
				var err error
				switch i % 4 {
				case 0:
					_, err = x.Feedback(q, 5, `{"hnsw":{"ef_search":4}}`, core.GlobalOptimumUnknown)
				case 1:
					_, err = x.Search(q, 10, `{"hnsw":{"ef_search":8}}`, nil)
				case 2:
					_, err = x.Add(&core.Dataset{NumElements: 1, Dim: dim, IDs: []int64{int64(5000 + i)}, Float32: q})
				default:
					_, err = x.Remove(int64(i))
					if err == nil {
						_, err = x.Pretrain([]int64{int64(i + 100)}, 3, `{"hnsw":{"ef_search":4}}`)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int64(1000+16-16), x.GetNumElements())
}

package core

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// mvCorpus is a set of clustered multi-vector documents: every sub-vector is a noisy copy of
// one of a few topic vectors, normalised, so MaxSim separates documents the way it does on
// real token embeddings.
type mvCorpus struct {
	dim    int
	vecs   []float32
	counts []int
	ids    []int64
}

func makeMVCorpus(seed uint64, n, dim, lo, hi int) mvCorpus {
	rng := rand.New(rand.NewPCG(seed, 7))
	topics := make([][]float32, 32)
	for i := range topics {
		topics[i] = make([]float32, dim)
		for j := range topics[i] {
			topics[i][j] = float32(rng.NormFloat64())
		}
	}
	c := mvCorpus{dim: dim}
	for i := 0; i < n; i++ {
		cnt := lo + rng.IntN(hi-lo+1)
		for s := 0; s < cnt; s++ {
			tp := topics[rng.IntN(len(topics))]
			v := make([]float32, dim)
			var norm float64
			for j := range v {
				v[j] = tp[j] + 0.7*float32(rng.NormFloat64())
				norm += float64(v[j] * v[j])
			}
			for j := range v {
				v[j] /= float32(math.Sqrt(norm))
			}
			c.vecs = append(c.vecs, v...)
		}
		c.counts = append(c.counts, cnt)
		c.ids = append(c.ids, int64(1000+i))
	}
	return c
}

func (c mvCorpus) dataset() *Dataset {
	return &Dataset{NumElements: len(c.counts), Dim: c.dim, IDs: c.ids, Float32: c.vecs, VectorCounts: c.counts}
}

// doc returns document i's sub-vectors.
func (c mvCorpus) doc(i int) []float32 {
	off := 0
	for _, n := range c.counts[:i] {
		off += n
	}
	return c.vecs[off*c.dim : (off+c.counts[i])*c.dim]
}

func (c mvCorpus) query(i int) *Dataset {
	return &Dataset{NumElements: 1, Dim: c.dim, Float32: c.doc(i), VectorCounts: []int{c.counts[i]}}
}

// refMaxSim is the reference MaxSim distance: sum over query sub-vectors of 1 - best ip (ip),
// or of the smallest squared distance (l2).
func refMaxSim(q, doc []float32, dim int, l2 bool) float32 {
	var total float64
	for i := 0; i+dim <= len(q); i += dim {
		best := math.Inf(1)
		for j := 0; j+dim <= len(doc); j += dim {
			var s float64
			for k := 0; k < dim; k++ {
				if l2 {
					d := float64(q[i+k] - doc[j+k])
					s += d * d
				} else {
					s += float64(q[i+k] * doc[j+k])
				}
			}
			if !l2 {
				s = 1 - s
			}
			best = math.Min(best, s)
		}
		total += best
	}
	return float32(total)
}

// refKnn returns the k labels nearest to q by reference MaxSim.
func (c mvCorpus) refKnn(q []float32, k int, l2 bool) []int64 {
	type sc struct {
		id int64
		d  float32
	}
	all := make([]sc, len(c.counts))
	for i := range c.counts {
		all[i] = sc{c.ids[i], refMaxSim(q, c.doc(i), c.dim, l2)}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].d < all[j].d })
	out := make([]int64, k)
	for i := range out {
		out[i] = all[i].id
	}
	return out
}

func TestWarpExactMaxSim(t *testing.T) {
	for _, m := range []string{"ip", "l2"} {
		t.Run(m, func(t *testing.T) {
			c := makeMVCorpus(1, 300, 24, 1, 12)
			idx, err := CreateIndex("warp", fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":24}`, m))
			require.NoError(t, err)
			failed, err := idx.Build(c.dataset())
			require.NoError(t, err)
			require.Empty(t, failed)
			require.EqualValues(t, 300, idx.GetNumElements())
			for qi := 0; qi < 20; qi++ {
				q := c.query(qi * 7)
				res, err := idx.KnnSearch(q, 10, "", nil)
				require.NoError(t, err)
				want := c.refKnn(q.Float32, 10, m == "l2")
				require.Equal(t, want[0], res.IDs[0])
				require.ElementsMatch(t, want[:10], res.IDs, "query %d", qi)
				d := refMaxSim(q.Float32, c.doc(int(res.IDs[3]-1000)), c.dim, m == "l2")
				require.InDelta(t, d, res.Distances[3], 1e-3)
			}
			// parallel scan and batch search agree with the single-thread scan
			q := c.query(5)
			one, err := idx.KnnSearch(q, 10, "", nil)
			require.NoError(t, err)
			par, err := idx.KnnSearch(q, 10, `{"warp":{"parallelism":4}}`, nil)
			require.NoError(t, err)
			require.Equal(t, one.IDs, par.IDs)
			batch := &Dataset{NumElements: 2, Dim: c.dim, Float32: append(append([]float32(nil), c.doc(5)...), c.doc(9)...), VectorCounts: []int{c.counts[5], c.counts[9]}}
			br, err := idx.BatchKnnSearch(batch, 10, "", nil)
			require.NoError(t, err)
			require.Equal(t, one.IDs, br.IDs[:10])
			nine, err := idx.KnnSearch(c.query(9), 10, "", nil)
			require.NoError(t, err)
			require.Equal(t, nine.IDs, br.IDs[10:])
		})
	}
}

func TestMultiVectorValidation(t *testing.T) {
	for _, name := range []string{"warp", "simq"} {
		t.Run(name, func(t *testing.T) {
			idx, err := CreateIndex(name, `{"dtype":"float32","metric_type":"ip","dim":4}`)
			require.NoError(t, err)
			c := makeMVCorpus(2, 40, 4, 1, 5)
			_, err = idx.Build(c.dataset())
			require.NoError(t, err)
			before, err := idx.KnnSearch(c.query(3), 5, "", nil)
			require.NoError(t, err)
			v := []float32{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0}
			nan := append([]float32(nil), v...)
			nan[5] = float32(math.NaN())
			bad := map[string]*Dataset{
				"counts do not add up": {NumElements: 2, Dim: 4, IDs: []int64{1, 2}, Float32: v, VectorCounts: []int{1, 1}},
				"zero count":           {NumElements: 2, Dim: 4, IDs: []int64{1, 2}, Float32: v, VectorCounts: []int{3, 0}},
				"negative count":       {NumElements: 2, Dim: 4, IDs: []int64{1, 2}, Float32: v, VectorCounts: []int{4, -1}},
				"counts per row":       {NumElements: 2, Dim: 4, IDs: []int64{1, 2}, Float32: v, VectorCounts: []int{3}},
				"nan":                  {NumElements: 2, Dim: 4, IDs: []int64{1, 2}, Float32: nan, VectorCounts: []int{1, 2}},
				"dense rows":           {NumElements: 3, Dim: 4, IDs: []int64{1, 2, 3}, Float32: v},
				"short ids":            {NumElements: 2, Dim: 4, IDs: []int64{1}, Float32: v, VectorCounts: []int{1, 2}},
			}
			for what, ds := range bad {
				_, err := idx.Add(ds)
				require.Equal(t, api.InvalidArgument, CodeOf(err), "%s: %v", what, err)
			}
			_, err = idx.Add(&Dataset{NumElements: 1, Dim: 3, IDs: []int64{1}, Float32: v[:3], VectorCounts: []int{1}})
			require.Equal(t, api.DimensionNotEqual, CodeOf(err))
			require.EqualValues(t, 40, idx.GetNumElements(), "nothing stored is lost or added")
			after, err := idx.KnnSearch(c.query(3), 5, "", nil)
			require.NoError(t, err)
			require.Equal(t, before.IDs, after.IDs)
			// queries: dense, bad counts, NaN
			_, err = idx.KnnSearch(&Dataset{NumElements: 1, Dim: 4, Float32: v[:4]}, 5, "", nil)
			require.Equal(t, api.InvalidArgument, CodeOf(err))
			_, err = idx.Search(v[:4], 5, "", nil)
			require.Equal(t, api.InvalidArgument, CodeOf(err))
			_, err = idx.KnnSearch(&Dataset{NumElements: 1, Dim: 4, Float32: v, VectorCounts: []int{2}}, 5, "", nil)
			require.Equal(t, api.InvalidArgument, CodeOf(err))
			_, err = idx.KnnSearch(&Dataset{NumElements: 1, Dim: 4, Float32: nan[4:8], VectorCounts: []int{1}}, 5, "", nil)
			require.Equal(t, api.InvalidArgument, CodeOf(err))
			_, err = idx.KnnSearch(c.query(0), 5, fmt.Sprintf(`{%q:{"nope":1}}`, name), nil)
			require.Equal(t, api.InvalidArgument, CodeOf(err))
			_, err = idx.Build(c.dataset())
			require.Equal(t, api.BuildTwice, CodeOf(err))
			// duplicates are returned, the rest added
			failed, err := idx.Add(&Dataset{NumElements: 2, Dim: 4, IDs: []int64{1000, 7}, Float32: v, VectorCounts: []int{1, 2}})
			require.NoError(t, err)
			require.Equal(t, []int64{1000}, failed)
			require.True(t, idx.CheckIDExist(7))
		})
	}
	for _, js := range []string{
		`{"dtype":"float16","metric_type":"ip","dim":4}`,
		`{"dtype":"float32","metric_type":"cosine","dim":4}`,
		`{"dtype":"float32","metric_type":"ip","dim":4,"index_param":{"base_quantization_type":"sq8"}}`,
	} {
		_, err := CreateIndex("warp", js)
		require.Equal(t, api.InvalidArgument, CodeOf(err), js)
	}
	for _, js := range []string{
		`{"dtype":"float32","metric_type":"l2","dim":4}`,
		`{"dtype":"float32","metric_type":"ip","dim":4,"index_param":{"init_cluster_ratio":0}}`,
		`{"dtype":"float32","metric_type":"ip","dim":4,"index_param":{"max_cluster_size":1}}`,
		`{"dtype":"float32","metric_type":"ip","dim":4,"index_param":{"split_start_idx":64}}`,
		`{"dtype":"float32","metric_type":"ip","dim":4,"index_param":{"coarse_k":0}}`,
		`{"dtype":"float32","metric_type":"ip","dim":4,"index_param":{"rerank_k":-1}}`,
	} {
		_, err := CreateIndex("simq", js)
		require.Equal(t, api.InvalidArgument, CodeOf(err), js)
	}
	// dense indexes still refuse documents
	hg, err := CreateIndex("brute_force", `{"dtype":"float32","metric_type":"ip","dim":4}`)
	require.NoError(t, err)
	_, err = hg.Build(&Dataset{NumElements: 1, Dim: 4, IDs: []int64{1}, Float32: []float32{1, 0, 0, 0}, VectorCounts: []int{1}})
	require.Equal(t, api.InvalidArgument, CodeOf(err))
}

func recallAt(got, want []int64) float64 {
	set := map[int64]bool{}
	for _, w := range want {
		set[w] = true
	}
	hit := 0
	for _, g := range got {
		if set[g] {
			hit++
		}
	}
	return float64(hit) / float64(len(want))
}

func TestSimqRecallAndAdd(t *testing.T) {
	c := makeMVCorpus(3, 1500, 32, 4, 16)
	half := len(c.counts) / 2
	idx, err := CreateIndex("simq", `{"dtype":"float32","metric_type":"ip","dim":32,"index_param":{"init_cluster_ratio":0.05,"max_cluster_size":128,"split_start_idx":64}}`)
	require.NoError(t, err)
	first := mvCorpus{dim: c.dim, counts: c.counts[:half], ids: c.ids[:half], vecs: flatDocs(c, 0, half)}
	_, err = idx.Build(first.dataset())
	require.NoError(t, err)
	second := mvCorpus{dim: c.dim, counts: c.counts[half:], ids: c.ids[half:], vecs: flatDocs(c, half, len(c.counts))}
	_, err = idx.Add(second.dataset())
	require.NoError(t, err)
	require.EqualValues(t, len(c.counts), idx.GetNumElements())
	var recall float64
	const nq = 30
	for qi := 0; qi < nq; qi++ {
		q := c.query(qi*41 + 3)
		res, err := idx.KnnSearch(q, 10, `{"simq":{"coarse_k":32,"rerank_k":300}}`, nil)
		require.NoError(t, err)
		recall += recallAt(res.IDs, c.refKnn(q.Float32, 10, false))
	}
	recall /= nq
	t.Logf("simq recall@10 = %.3f", recall)
	require.GreaterOrEqual(t, recall, 0.9)

	// a larger rerank_k never lowers recall on these queries; rerank_k 1 gives 1 result
	res, err := idx.KnnSearch(c.query(3), 10, `{"simq":{"coarse_k":2,"rerank_k":1}}`, nil)
	require.NoError(t, err)
	require.LessOrEqual(t, len(res.IDs), 10)

	st, err := idx.SearchWithRequest(&SearchRequest{Query: c.query(3), TopK: 5, Stats: &SearchStats{}})
	require.NoError(t, err)
	require.NotEmpty(t, st.IDs)
}

func flatDocs(c mvCorpus, lo, hi int) []float32 {
	var out []float32
	for i := lo; i < hi; i++ {
		out = append(out, c.doc(i)...)
	}
	return out
}

func TestMultiVectorRemoveFilterRangePersist(t *testing.T) {
	for _, name := range []string{"warp", "simq"} {
		t.Run(name, func(t *testing.T) {
			c := makeMVCorpus(4, 200, 16, 2, 8)
			idx, err := CreateIndex(name, `{"dtype":"float32","metric_type":"ip","dim":16,"extra_info_size":2}`)
			require.NoError(t, err)
			ds := c.dataset()
			ds.ExtraInfos = make([]byte, 2*len(c.counts))
			ds.Attributes = make([]map[string]any, len(c.counts))
			for i := range ds.Attributes {
				ds.Attributes[i] = map[string]any{"even": int64(i % 2)}
				ds.ExtraInfos[2*i] = byte(i)
			}
			_, err = idx.Build(ds)
			require.NoError(t, err)
			q := c.query(10)
			sp := fmt.Sprintf(`{%q:{}}`, name)
			if name == "simq" {
				sp = `{"simq":{"coarse_k":64,"rerank_k":200}}`
			}
			res, err := idx.KnnSearch(q, 5, sp, nil)
			require.NoError(t, err)
			require.Equal(t, int64(1010), res.IDs[0], "the document itself is nearest")
			require.Equal(t, byte(10), res.ExtraInfos[0])

			// attribute filter and id filter
			fr, err := idx.SearchWithRequest(&SearchRequest{Query: q, TopK: 5, Params: sp, FilterExpr: "even = 1"})
			require.NoError(t, err)
			require.NotEmpty(t, fr.IDs)
			for _, id := range fr.IDs {
				require.Equal(t, int64(1), (id-1000)%2)
			}
			idf, err := idx.KnnSearch(q, 5, sp, api.KeepFunc(func(l int64) bool { return l != 1010 }, 1))
			require.NoError(t, err)
			require.NotContains(t, idf.IDs, int64(1010))

			// range search: the document itself at distance count - count*1 = ~0
			rr, err := idx.RangeSearch(q, 0.01, sp, nil, -1)
			require.NoError(t, err)
			require.Contains(t, rr.IDs, int64(1010))

			// mark remove
			n, err := idx.Remove(1010)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			res, err = idx.KnnSearch(q, 5, sp, nil)
			require.NoError(t, err)
			require.NotContains(t, res.IDs, int64(1010))
			require.EqualValues(t, 199, idx.GetNumElements())

			// expected labels explain themselves
			ex, err := idx.SearchWithRequest(&SearchRequest{Query: q, TopK: 3, Params: sp, ExpectedLabels: []int64{1010, res.IDs[0], 999999}})
			require.NoError(t, err)
			require.Equal(t, ReasonAbsent, ex.Expected[0].Reason)
			require.Equal(t, ReasonFound, ex.Expected[1].Reason)
			require.Equal(t, ReasonAbsent, ex.Expected[2].Reason)

			// persistence and clone keep everything
			var buf bytes.Buffer
			require.NoError(t, idx.Serialize(&buf))
			back, err := LoadBytes(buf.Bytes())
			require.NoError(t, err)
			require.Equal(t, name, back.Name())
			again, err := back.KnnSearch(q, 5, sp, nil)
			require.NoError(t, err)
			require.Equal(t, res.IDs, again.IDs)
			require.Equal(t, res.Distances, again.Distances)
			require.EqualValues(t, 199, back.GetNumElements())
			require.EqualValues(t, 1, back.GetNumberRemoved())
			cl, err := idx.Clone()
			require.NoError(t, err)
			cr, err := cl.KnnSearch(q, 5, sp, nil)
			require.NoError(t, err)
			require.Equal(t, res.IDs, cr.IDs)
			// adding after a load works
			_, err = back.Add(&Dataset{NumElements: 1, Dim: 16, IDs: []int64{5}, Float32: c.doc(10), VectorCounts: []int{c.counts[10]}, ExtraInfos: []byte{1, 2}})
			require.NoError(t, err)
			res, err = back.KnnSearch(q, 1, sp, nil)
			require.NoError(t, err)
			require.Equal(t, int64(5), res.IDs[0])

			require.Greater(t, idx.GetMemoryUsage(), int64(200*16*4))
			require.True(t, idx.CheckFeature(api.SupportDeleteByID))
			require.True(t, idx.CheckFeature(api.SupportRangeSearch))
			require.False(t, idx.CheckFeature(api.SupportCalDistanceByID), "dense distance by id is not offered")
			dm, err := idx.CalcDistanceMulti(q, []int64{1011, 424242})
			require.NoError(t, err)
			require.InDelta(t, refMaxSim(q.Float32, c.doc(11), 16, false), dm[0], 1e-3)
			require.Equal(t, float32(-1), dm[1])
		})
	}
}

func TestMultiVectorConcurrentRace(t *testing.T) {
	for _, name := range []string{"warp", "simq"} {
		t.Run(name, func(t *testing.T) {
			c := makeMVCorpus(5, 400, 8, 1, 6)
			idx, err := CreateIndex(name, `{"dtype":"float32","metric_type":"ip","dim":8}`)
			require.NoError(t, err)
			first := mvCorpus{dim: 8, counts: c.counts[:200], ids: c.ids[:200], vecs: flatDocs(c, 0, 200)}
			_, err = idx.Build(first.dataset())
			require.NoError(t, err)
			var wg sync.WaitGroup
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for i := 0; i < 20; i++ {
						_, err := idx.KnnSearch(c.query((g*37+i)%400), 5, "", nil)
						require.NoError(t, err)
					}
				}(g)
			}
			for b := 200; b < 400; b += 50 {
				part := mvCorpus{dim: 8, counts: c.counts[b : b+50], ids: c.ids[b : b+50], vecs: flatDocs(c, b, b+50)}
				_, err := idx.Add(part.dataset())
				require.NoError(t, err)
				_, err = idx.Remove(c.ids[b])
				require.NoError(t, err)
			}
			wg.Wait()
			require.EqualValues(t, 396, idx.GetNumElements())
		})
	}
}

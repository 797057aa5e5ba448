package conformance

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// mvCase is one multi-vector index configuration.
type mvCase struct {
	name, index, metric, search string
	exact                       bool
	minRecall                   float64
}

var mvCases = []mvCase{
	{"warp/ip", "warp", "ip", "", true, 1},
	{"warp/l2", "warp", "l2", "", true, 1},
	{"simq/ip", "simq", "ip", `{"simq":{"coarse_k":32,"rerank_k":120}}`, false, 0.9},
}

const (
	mvDim = 12
	mvN   = 400
)

// mvData is clustered documents of 1..8 unit sub-vectors, and 20 query documents.
type mvData struct {
	vecs, qvecs     []float32
	counts, qcounts []int
	starts, qstarts []int
	ids             []int64
}

func makeMVData() *mvData {
	rng := rand.New(rand.NewPCG(11, 12))
	topics := make([]float32, 16*mvDim)
	for i := range topics {
		topics[i] = float32(rng.NormFloat64())
	}
	sub := func() []float32 {
		tp := rng.IntN(16)
		v := make([]float32, mvDim)
		var s float64
		for j := range v {
			v[j] = topics[tp*mvDim+j] + 0.6*float32(rng.NormFloat64())
			s += float64(v[j] * v[j])
		}
		for j := range v {
			v[j] /= float32(math.Sqrt(s))
		}
		return v
	}
	d := &mvData{starts: []int{0}, qstarts: []int{0}}
	for i := 0; i < mvN; i++ {
		c := 1 + rng.IntN(8)
		for s := 0; s < c; s++ {
			d.vecs = append(d.vecs, sub()...)
		}
		d.counts = append(d.counts, c)
		d.starts = append(d.starts, d.starts[i]+c)
		d.ids = append(d.ids, int64(10*i+3))
	}
	for i := 0; i < 20; i++ {
		c := 1 + rng.IntN(5)
		for s := 0; s < c; s++ {
			d.qvecs = append(d.qvecs, sub()...)
		}
		d.qcounts = append(d.qcounts, c)
		d.qstarts = append(d.qstarts, d.qstarts[i]+c)
	}
	return d
}

func (d *mvData) base(lo, hi int) *core.Dataset {
	return &core.Dataset{NumElements: hi - lo, Dim: mvDim, IDs: d.ids[lo:hi], Float32: d.vecs[d.starts[lo]*mvDim : d.starts[hi]*mvDim], VectorCounts: d.counts[lo:hi]}
}

func (d *mvData) query(i int) *core.Dataset {
	return &core.Dataset{NumElements: 1, Dim: mvDim, Float32: d.qvecs[d.qstarts[i]*mvDim : d.qstarts[i+1]*mvDim], VectorCounts: d.qcounts[i : i+1]}
}

// oracle is the exact MaxSim distance of query i to document j.
func (d *mvData) oracle(metric string, i, j int) float32 {
	q := d.qvecs[d.qstarts[i]*mvDim : d.qstarts[i+1]*mvDim]
	doc := d.vecs[d.starts[j]*mvDim : d.starts[j+1]*mvDim]
	var total float64
	for a := 0; a < len(q); a += mvDim {
		best := math.Inf(1)
		for b := 0; b < len(doc); b += mvDim {
			var v float64
			for t := 0; t < mvDim; t++ {
				if metric == "l2" {
					x := float64(q[a+t] - doc[b+t])
					v += x * x
				} else {
					v += float64(q[a+t] * doc[b+t])
				}
			}
			if metric != "l2" {
				v = 1 - v
			}
			best = math.Min(best, v)
		}
		total += best
	}
	return float32(total)
}

func (d *mvData) exactKnn(metric string, i, k int, live func(j int) bool) ([]int64, []float32) {
	type sc struct {
		d float32
		j int
	}
	var all []sc
	for j := 0; j < mvN; j++ {
		if live(j) {
			all = append(all, sc{d.oracle(metric, i, j), j})
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d })
	k = min(k, len(all))
	ids, ds := make([]int64, k), make([]float32, k)
	for r := 0; r < k; r++ {
		ids[r], ds[r] = d.ids[all[r].j], all[r].d
	}
	return ids, ds
}

// TestMultiVectorConformance: every multi-vector index configuration answers knn search like
// an exact MaxSim oracle (exact configurations) or with its recall; honours id and attribute
// filters and mark remove; its flags match what it does (range search, delete, serialize,
// clone, estimate memory); a k above the count returns every live document; it round-trips
// through a binary set and a clone; and an immutable index refuses writes.
func TestMultiVectorConformance(t *testing.T) {
	d := makeMVData()
	for _, c := range mvCases {
		t.Run(c.name, func(t *testing.T) {
			idx, err := core.CreateIndex(c.index, fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d}`, c.metric, mvDim))
			require.NoError(t, err)
			for _, f := range []api.Feature{api.SupportBuild, api.SupportAddAfterBuild, api.SupportKnnSearch, api.SupportKnnSearchWithIDFilter,
				api.SupportRangeSearch, api.SupportDeleteByID, api.SupportSerializeBinarySet, api.SupportClone, api.SupportCheckIDExist} {
				require.True(t, idx.CheckFeature(f), "feature %d", f)
			}
			empty, err := idx.KnnSearch(d.query(0), 5, c.search, nil)
			require.NoError(t, err)
			require.Empty(t, empty.IDs)

			b := d.base(0, 250)
			b.Attributes = make([]map[string]any, mvN)
			for i := range b.Attributes {
				b.Attributes[i] = map[string]any{"shard": int64(i % 3)}
			}
			_, err = idx.Build(b)
			require.NoError(t, err)
			rest := d.base(250, mvN)
			rest.Attributes = b.Attributes[250:]
			_, err = idx.Add(rest)
			require.NoError(t, err)
			require.EqualValues(t, mvN, idx.GetNumElements())
			lo, hi, err := idx.GetMinAndMaxID()
			require.NoError(t, err)
			require.Equal(t, []int64{3, int64(10*(mvN-1) + 3)}, []int64{lo, hi})

			all := func(int) bool { return true }
			var recall float64
			for i := 0; i < 20; i++ {
				res, err := idx.KnnSearch(d.query(i), 10, c.search, nil)
				require.NoError(t, err)
				want, wd := d.exactKnn(c.metric, i, 10, all)
				if c.exact {
					require.Equal(t, want, res.IDs, "query %d", i)
					require.InDeltaSlice(t, wd, res.Distances, 1e-3)
				}
				recall += float64(len(intersect(res.IDs, want))) / 10
				require.True(t, sort.SliceIsSorted(res.Distances, func(a, b int) bool { return res.Distances[a] < res.Distances[b] }))
			}
			require.GreaterOrEqual(t, recall/20, c.minRecall)

			// filters: the attribute expression and an id filter
			res, err := idx.SearchWithRequest(&core.SearchRequest{Query: d.query(1), TopK: 10, Params: c.search, FilterExpr: "shard = 1",
				Filter: api.KeepFunc(func(l int64) bool { return l != d.ids[1] }, 1)})
			require.NoError(t, err)
			for _, id := range res.IDs {
				j := int((id - 3) / 10)
				require.Equal(t, 1, j%3)
				require.NotEqual(t, d.ids[1], id)
			}
			// mark remove: the removed never come back
			want, _ := d.exactKnn(c.metric, 2, 3, all)
			n, err := idx.Remove(want...)
			require.NoError(t, err)
			require.Equal(t, 3, n)
			res, err = idx.SearchWithRequest(&core.SearchRequest{Query: d.query(2), TopK: 10, Params: c.search})
			require.NoError(t, err)
			require.Empty(t, intersect(res.IDs, want))
			for _, id := range want {
				require.False(t, idx.CheckIDExist(id))
			}
			// k above the count
			if c.exact {
				big, err := idx.KnnSearch(d.query(3), 5000, c.search, nil)
				require.NoError(t, err)
				require.Len(t, big.IDs, mvN-3)
			}
			// range search: every document within the 5th distance
			top, err := idx.KnnSearch(d.query(4), 5, c.search, nil)
			require.NoError(t, err)
			rr, err := idx.RangeSearch(d.query(4), top.Distances[4], c.search, nil, -1)
			require.NoError(t, err)
			require.Subset(t, rr.IDs, top.IDs)
			lim, err := idx.RangeSearch(d.query(4), top.Distances[4], c.search, nil, 2)
			require.NoError(t, err)
			require.Equal(t, top.IDs[:2], lim.IDs)
			// persistence
			set, err := idx.SerializeBinarySet()
			require.NoError(t, err)
			back, err := core.CreateIndex(c.index, fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d}`, c.metric, mvDim))
			require.NoError(t, err)
			require.NoError(t, back.DeserializeBinarySet(set))
			cl, err := idx.Clone()
			require.NoError(t, err)
			for _, other := range []*core.Index{back, cl} {
				again, err := other.KnnSearch(d.query(4), 5, c.search, nil)
				require.NoError(t, err)
				require.Equal(t, top.IDs, again.IDs)
				require.Equal(t, top.Distances, again.Distances)
				fr, err := other.SearchWithRequest(&core.SearchRequest{Query: d.query(1), TopK: 10, Params: c.search, FilterExpr: "shard = 1"})
				require.NoError(t, err)
				require.NotEmpty(t, fr.IDs)
			}
			if idx.CheckFeature(api.SupportEstimateMemory) {
				require.Greater(t, idx.EstimateMemory(1000), uint64(1000*mvDim*4))
			}
			// relabel
			require.NoError(t, idx.UpdateID(d.ids[7], 99999))
			require.True(t, idx.CheckIDExist(99999))
			// immutable
			require.NoError(t, idx.SetImmutable())
			_, err = idx.Add(d.base(0, 1))
			require.Equal(t, api.WrongStatus, core.CodeOf(err))
		})
	}
}

func intersect(a, b []int64) []int64 {
	set := map[int64]bool{}
	for _, x := range b {
		set[x] = true
	}
	var out []int64
	for _, x := range a {
		if set[x] {
			out = append(out, x)
		}
	}
	return out
}

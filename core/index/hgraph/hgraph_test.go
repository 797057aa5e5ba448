package hgraph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
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

func normalizeRows(v []float32, d int) {
	for i := 0; i+d <= len(v); i += d {
		metric.Normalize(v[i : i+d])
	}
}

func newIndex(t testing.TB, m string, d int, extra string) *Index {
	t.Helper()
	js := fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100%s}}`, m, d, extra)
	c, err := params.ParseCreate(Name, js)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	return x
}

func seq(lo, n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(lo + i)
	}
	return ids
}

// oracle returns the exact k nearest labels of q among rows (labels = row index + base).
func oracle(m metric.Kind, data []float32, d int, q []float32, k int, skip func(int) bool) []int64 {
	type p struct {
		d float32
		i int
	}
	var all []p
	for i := 0; i*d < len(data); i++ {
		if skip != nil && skip(i) {
			continue
		}
		all = append(all, p{metric.Reference(m, q, data[i*d:(i+1)*d]), i})
	}
	sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d })
	out := make([]int64, 0, k)
	for _, x := range all[:min(k, len(all))] {
		out = append(out, int64(x.i))
	}
	return out
}

func recallOf(got []api.Neighbor, want []int64) float64 {
	set := map[int64]bool{}
	for _, w := range want {
		set[w] = true
	}
	hit := 0
	for _, g := range got {
		if set[g.ID] {
			hit++
		}
	}
	return float64(hit) / float64(len(want))
}

func searchOpts(ef int) *api.SearchOptions {
	return &api.SearchOptions{Block: []byte(fmt.Sprintf(`{"ef_search":%d}`, ef)), Parallelism: 1}
}

func meanRecall(t testing.TB, x *Index, m metric.Kind, data, queries []float32, d, k, ef int, skip func(int) bool) float64 {
	t.Helper()
	nq := len(queries) / d
	total := 0.0
	for i := 0; i < nq; i++ {
		q := queries[i*d : (i+1)*d]
		got, err := x.KnnSearch(q, k, searchOpts(ef))
		require.NoError(t, err)
		total += recallOf(got, oracle(m, data, d, q, k, skip))
	}
	return total / float64(nq)
}

func TestRecallAgainstOracle(t *testing.T) {
	const n, d, k = 3000, 24, 10
	for _, mt := range []metric.Kind{metric.L2, metric.IP, metric.Cosine} {
		t.Run(mt.String(), func(t *testing.T) {
			data := clustered(1, n, d, 20)
			queries := clustered(2, 50, d, 20)
			if mt != metric.L2 {
				// ip on unit vectors: a graph's MIPS recall on widely varying norms is a
				// property of the data rather than of the index
				normalizeRows(data, d)
				normalizeRows(queries, d)
			}
			x := newIndex(t, mt.String(), d, "")
			failed, err := x.Build(data, seq(0, n), nil)
			require.NoError(t, err)
			require.Empty(t, failed)
			// ef 150: a parallel build on a loaded machine links a little worse (about 0.95 at
			// ef 100 then), and the check is of the search, not of that margin
			r := meanRecall(t, x, mt, data, queries, d, k, 150, nil)
			t.Logf("recall@%d = %.4f", k, r)
			require.GreaterOrEqual(t, r, 0.95)
		})
	}
}

func TestSaveLoadIdentical(t *testing.T) {
	const n, d = 2000, 16
	data := clustered(3, n, d, 10)
	x := newIndex(t, "l2", d, "")
	_, err := x.Build(data, seq(100, n), nil)
	require.NoError(t, err)
	_, err = x.Remove([]int64{100, 150, 170})
	require.NoError(t, err)
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	y := newIndex(t, "l2", d, "")
	require.NoError(t, y.Load(f))
	require.Equal(t, x.NumElements(), y.NumElements())
	for i := 0; i < 30; i++ {
		q := data[i*d : (i+1)*d]
		a, err := x.KnnSearch(q, 10, searchOpts(50))
		require.NoError(t, err)
		b, err := y.KnnSearch(q, 10, searchOpts(50))
		require.NoError(t, err)
		require.Equal(t, a, b)
		for _, nb := range a {
			require.NotContains(t, []int64{100, 150, 170}, nb.ID)
		}
	}
	// a mismatching index refuses the file
	z := newIndex(t, "l2", d, `,"use_reorder":true`)
	require.Equal(t, api.InvalidArgument, api.CodeOf(z.Load(f)))
}

func TestEmptyAndSmall(t *testing.T) {
	x := newIndex(t, "l2", 4, "")
	got, err := x.KnnSearch([]float32{1, 2, 3, 4}, 5, searchOpts(10))
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = x.Add([]float32{1, 2, 3, 4, 5, 6, 7, 8}, []int64{7, 9}, nil)
	require.NoError(t, err)
	got, err = x.KnnSearch([]float32{1, 2, 3, 4}, 5, searchOpts(10))
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, int64(7), got[0].ID)
	require.InDelta(t, 0, got[0].Distance, 1e-6)
	require.InDelta(t, 64, got[1].Distance, 1e-4)
	failed, err := x.Add([]float32{0, 0, 0, 0}, []int64{7}, nil)
	require.NoError(t, err)
	require.Equal(t, []int64{7}, failed)
	_ = math.Inf
}

// TestSearchAllocations checks that a steady-state search allocates only its result slice:
// searcher state, computers and parsed parameters come from pools and caches.
func TestSearchAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	const n, d = 1000, 16
	data := clustered(101, n, d, 5)
	x := newIndex(t, "l2", d, "")
	_, err := x.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	opts := searchOpts(40)
	q := data[:d]
	_, err = x.KnnSearch(q, 10, opts)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := x.KnnSearch(q, 10, opts); err != nil {
			t.Fatal(err)
		}
	})
	require.LessOrEqual(t, allocs, 1.0)
}

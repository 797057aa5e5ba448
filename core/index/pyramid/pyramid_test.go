package pyramid_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/metric"
)

const dim = 16

// tenantData is n clustered vectors spread over tenants of skewed sizes, each tenant's rows in
// shops: paths "t<i>/s<j>".
type tenantData struct {
	vecs   []float32
	ids    []int64
	paths  []string
	tenant []int
}

func makeData(seed uint64, n, tenants int) tenantData {
	r := rand.New(rand.NewPCG(seed, 11))
	centers := make([]float32, 12*dim)
	for i := range centers {
		centers[i] = float32(r.NormFloat64() * 3)
	}
	d := tenantData{vecs: make([]float32, n*dim), ids: make([]int64, n), paths: make([]string, n), tenant: make([]int, n)}
	for i := 0; i < n; i++ {
		c := r.IntN(12)
		for j := 0; j < dim; j++ {
			d.vecs[i*dim+j] = centers[c*dim+j] + float32(r.NormFloat64())
		}
		// skewed: tenant t with weight 1/(t+1)
		t := int(float64(tenants) * r.Float64() * r.Float64())
		d.tenant[i] = t
		d.ids[i] = int64(10_000 + 7*i)
		d.paths[i] = fmt.Sprintf("t%d/s%d", t, r.IntN(3))
	}
	return d
}

func create(t testing.TB, m, extra string) *core.Index {
	t.Helper()
	idx, err := core.CreateIndex("pyramid", fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":80%s}}`, m, dim, extra))
	require.NoError(t, err)
	return idx
}

func build(t testing.TB, idx *core.Index, d tenantData) {
	t.Helper()
	failed, err := idx.Build(&core.Dataset{NumElements: len(d.ids), Dim: dim, IDs: d.ids, Float32: d.vecs, Paths: d.paths})
	require.NoError(t, err)
	require.Empty(t, failed)
}

// exact returns the k nearest labels among the rows keep accepts.
func exact(m string, d tenantData, q []float32, k int, keep func(i int) bool) []core.Neighbor {
	kind, _ := metric.Parse(m)
	var out []core.Neighbor
	for i := range d.ids {
		if keep != nil && !keep(i) {
			continue
		}
		out = append(out, core.Neighbor{ID: d.ids[i], Distance: metric.Reference(kind, q, d.vecs[i*dim:(i+1)*dim])})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Distance < out[b].Distance })
	if len(out) > k {
		out = out[:k]
	}
	return out
}

func search(t testing.TB, idx *core.Index, q []float32, k int, params string, paths map[string]string) []core.Neighbor {
	t.Helper()
	ds := &core.Dataset{NumElements: 1, Dim: dim, Float32: q}
	for name, p := range paths {
		if name == "" {
			ds.Paths = []string{p}
			continue
		}
		if ds.HierarchyPaths == nil {
			ds.HierarchyPaths = map[string][]string{}
		}
		ds.HierarchyPaths[name] = []string{p}
	}
	res, err := idx.KnnSearch(ds, k, params, nil)
	require.NoError(t, err)
	out := make([]core.Neighbor, len(res.IDs))
	for i := range res.IDs {
		out[i] = core.Neighbor{ID: res.IDs[i], Distance: res.Distances[i]}
	}
	return out
}

func recall(got, want []core.Neighbor) (hit, total int) {
	ids := map[int64]bool{}
	for _, g := range got {
		ids[g.ID] = true
	}
	for _, w := range want {
		if ids[w.ID] {
			hit++
		}
	}
	return hit, len(want)
}

func normalize(v []float32) {
	for i := 0; i+dim <= len(v); i += dim {
		metric.Normalize(v[i : i+dim])
	}
}

func rowOf(label int64) int { return int(label-10_000) / 7 }

const ef = `{"pyramid":{"ef_search":60}}`

func TestTenantSearchStaysInsideAndFindsNeighbours(t *testing.T) {
	for _, m := range []string{"l2", "ip", "cosine"} {
		t.Run(m, func(t *testing.T) {
			d := makeData(1, 3000, 30)
			queries := makeData(2, 40, 30)
			if m == "ip" { // inner product on unit vectors: the graph's neighbourhoods are l2's
				normalize(d.vecs)
				normalize(queries.vecs)
			}
			idx := create(t, m, "")
			build(t, idx, d)
			hit, total := 0, 0
			for i := range queries.ids {
				q := queries.vecs[i*dim : (i+1)*dim]
				tn := queries.tenant[i]
				path := fmt.Sprintf("t%d", tn)
				got := search(t, idx, q, 10, ef, map[string]string{"": path})
				for _, g := range got {
					require.Equal(t, tn, d.tenant[rowOf(g.ID)], "a result outside tenant %d", tn)
				}
				want := exact(m, d, q, 10, func(r int) bool { return d.tenant[r] == tn })
				h, n := recall(got, want)
				hit, total = hit+h, total+n
				// a shop inside the tenant
				shop := d.paths[rowOf(want[0].ID)]
				got = search(t, idx, q, 10, ef, map[string]string{"": shop})
				for _, g := range got {
					require.Equal(t, shop, d.paths[rowOf(g.ID)])
				}
				require.Equal(t, want[0].ID, got[0].ID)
				// the root, without a path
				all := search(t, idx, q, 10, ef, nil)
				h, n = recall(all, exact(m, d, q, 10, nil))
				hit, total = hit+h, total+n
			}
			require.GreaterOrEqual(t, float64(hit)/float64(total), 0.95)
		})
	}
}

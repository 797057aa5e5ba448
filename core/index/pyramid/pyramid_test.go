package pyramid_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/index/pyramid"
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

func TestCreateParameters(t *testing.T) {
	for _, c := range []struct {
		extra string
		ok    bool
	}{
		{``, true},
		{`,"index_min_size":50,"no_build_levels":[0,2],"use_reorder":true,"store_raw_vector":true`, true},
		{`,"hierarchies":["site",{"name":"category","max_degree":8,"no_build_levels":[0],"index_min_size":3,"alpha":1.0,"ef_construction":40}]`, true},
		{`,"base_quantization_type":"sq8","build_thread_count":2`, true},
		{`,"graph_type":"odescent"`, true},
		{`,"graph_type":"odescent","graph_iter_turn":5,"neighbor_sample_rate":0.5,"min_in_degree":2,"build_block_size":100,"alpha":1.0`, true},
		{`,"graph_type":"odescent","neighbor_sample_rate":0`, false},
		{`,"graph_type":"odescent","min_in_degree":17`, false},
		{`,"graph_type":"odescent","graph_iter_turn":0`, false},
		{`,"graph_type":"bogus"`, false},
		{`,"graph_iter_turn":10`, false},
		{`,"max_degree":2`, false},
		{`,"ef_construction":0`, false},
		{`,"alpha":0`, false},
		{`,"index_min_size":-1`, false},
		{`,"no_build_levels":[-1]`, false},
		{`,"no_build_levels":"0"`, false},
		{`,"hierarchies":[]`, false},
		{`,"hierarchies":["a","a"]`, false},
		{`,"hierarchies":[""]`, false},
		{`,"hierarchies":[{"max_degree":8}]`, false},
		{`,"hierarchies":[{"name":"a","max_degree":0}]`, false},
		{`,"hierarchies":[{"name":"a","bogus":1}]`, false},
		{`,"hierarchies":[3]`, false},
		{`,"support_duplicate":true`, true},
		{`,"persist_source_id":true`, false},
		{`,"bogus":1`, false},
		{`,"rabitq_version":"split","base_quantization_type":"rabitq","use_reorder":true,"precise_quantization_type":"rabitq","rabitq_bits_per_dim_precise":3`, true},
		{`,"rabitq_version":"split","base_quantization_type":"rabitq","precise_quantization_type":"rabitq","rabitq_bits_per_dim_precise":3`, false},
		{`,"rabitq_version":"split","base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"rabitq","rabitq_bits_per_dim_precise":3`, false},
	} {
		_, err := core.CreateIndex("pyramid", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"max_degree":16%s}}`, dim, c.extra))
		if c.ok {
			require.NoError(t, err, c.extra)
		} else {
			require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%s: %v", c.extra, err)
		}
	}
}

func TestSearchParameters(t *testing.T) {
	d := makeData(3, 300, 5)
	idx := create(t, "l2", "")
	build(t, idx, d)
	q := d.vecs[:dim]
	for _, c := range []struct {
		params string
		ok     bool
	}{
		{`{"pyramid":{"ef_search":10}}`, true},
		{`{"pyramid":{"ef_search":10,"subindex_ef_search":20,"hops_limit":100,"rabitq_error_rate":2}}`, true},
		{`{"pyramid":{}}`, false},
		{``, false},
		{`{"pyramid":{"ef_search":0}}`, false},
		{`{"pyramid":{"ef_search":1001}}`, false},
		{`{"pyramid":{"ef_search":10,"subindex_ef_search":0}}`, false},
		{`{"pyramid":{"ef_search":10,"hops_limit":-1}}`, false},
		{`{"pyramid":{"ef_search":10,"hierarchies":[]}}`, false},
		{`{"pyramid":{"ef_search":10,"hierarchies":["x"]}}`, false},
		{`{"pyramid":{"ef_search":10,"hierarchy_op":"union"}}`, false},
		{`{"pyramid":{"ef_search":10,"hierarchies":["a","b"]}}`, false},
		{`{"pyramid":{"ef_search":10,"hierarchies":["a","b"],"hierarchy_op":"xor"}}`, false},
		{`{"pyramid":{"ef_search":10,"rabitq_error_rate":0}}`, false},
		{`{"pyramid":{"ef_search":10,"bogus":1}}`, false},
	} {
		_, err := idx.KnnSearch(&core.Dataset{NumElements: 1, Dim: dim, Float32: q, Paths: []string{"t0"}}, 10, c.params, nil)
		if c.ok {
			require.NoError(t, err, c.params)
		} else {
			require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%s: %v", c.params, err)
		}
	}
}

func TestPathErrors(t *testing.T) {
	d := makeData(4, 50, 3)
	idx := create(t, "l2", "")
	one := func(paths []string) *core.Dataset {
		return &core.Dataset{NumElements: 1, Dim: dim, IDs: []int64{1}, Float32: d.vecs[:dim], Paths: paths}
	}
	for name, ds := range map[string]*core.Dataset{
		"no paths":      {NumElements: 1, Dim: dim, IDs: []int64{1}, Float32: d.vecs[:dim]},
		"empty path":    one([]string{""}),
		"empty segment": one([]string{"a//b"}),
		"bar":           one([]string{"a|b"}),
		"too deep":      one([]string{strings.Repeat("a/", 300) + "a"}),
		"two paths":     {NumElements: 1, Dim: dim, IDs: []int64{1}, Float32: d.vecs[:dim], Paths: []string{"a", "b"}},
		"named":         {NumElements: 1, Dim: dim, IDs: []int64{1}, Float32: d.vecs[:dim], HierarchyPaths: map[string][]string{"site": {"a"}}},
	} {
		_, err := idx.Add(ds)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%s: %v", name, err)
	}
	require.EqualValues(t, 0, idx.GetNumElements())
	build(t, idx, d)
	_, err := idx.Build(one([]string{"a"}))
	require.Equal(t, api.BuildTwice, api.CodeOf(err))
	// a path that names no subtree finds nothing
	require.Empty(t, search(t, idx, d.vecs[:dim], 5, ef, map[string]string{"": "t99"}))
	require.Empty(t, search(t, idx, d.vecs[:dim], 5, ef, map[string]string{"": "t0/s9"}))
	// named paths on an unnamed index
	_, err = idx.KnnSearch(&core.Dataset{NumElements: 1, Dim: dim, Float32: d.vecs[:dim], HierarchyPaths: map[string][]string{"x": {"t0"}}}, 5, ef, nil)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	// other index types refuse paths
	hg, err := core.CreateIndex("hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{}}`, dim))
	require.NoError(t, err)
	_, err = hg.Add(one([]string{"a"}))
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
}

// alternatives: "a|b" searches both subtrees; a path and its own prefix are searched once.
func TestQueryPathAlternatives(t *testing.T) {
	d := makeData(5, 1200, 8)
	idx := create(t, "l2", "")
	build(t, idx, d)
	for i := 0; i < 10; i++ {
		q := d.vecs[(i*37)*dim : (i*37+1)*dim]
		got := search(t, idx, q, 10, ef, map[string]string{"": "t1|t2/s0"})
		want := exact("l2", d, q, 10, func(r int) bool { return d.tenant[r] == 1 || d.paths[r] == "t2/s0" })
		h, n := recall(got, want)
		require.GreaterOrEqual(t, h, n-1)
		seen := map[int64]bool{}
		for _, g := range got {
			require.False(t, seen[g.ID])
			seen[g.ID] = true
			require.True(t, d.tenant[rowOf(g.ID)] == 1 || d.paths[rowOf(g.ID)] == "t2/s0")
		}
		got = search(t, idx, q, 10, ef, map[string]string{"": "t1|t1/s1|t1/s1"})
		h, n = recall(got, exact("l2", d, q, 10, func(r int) bool { return d.tenant[r] == 1 }))
		require.GreaterOrEqual(t, h, n-1)
	}
}

func TestIndexMinSizeAndNoBuildLevels(t *testing.T) {
	d := makeData(6, 2000, 20)
	for _, extra := range []string{
		`,"index_min_size":60`,
		`,"no_build_levels":[1]`,
		`,"no_build_levels":[0,2]`,
		`,"no_build_levels":[2],"index_min_size":1000`,
	} {
		t.Run(extra, func(t *testing.T) {
			idx := create(t, "l2", extra)
			// two adds: groups cross index_min_size between them
			half := len(d.ids) / 2
			_, err := idx.Add(&core.Dataset{NumElements: half, Dim: dim, IDs: d.ids[:half], Float32: d.vecs[:half*dim], Paths: d.paths[:half]})
			require.NoError(t, err)
			_, err = idx.Add(&core.Dataset{NumElements: len(d.ids) - half, Dim: dim, IDs: d.ids[half:], Float32: d.vecs[half*dim:], Paths: d.paths[half:]})
			require.NoError(t, err)
			hit, total := 0, 0
			for i := 0; i < 30; i++ {
				q := d.vecs[(i*61)*dim : (i*61+1)*dim]
				for _, p := range []string{fmt.Sprintf("t%d", d.tenant[i*61]), d.paths[i*61]} {
					got := search(t, idx, q, 10, ef, map[string]string{"": p})
					want := exact("l2", d, q, 10, func(r int) bool { return d.paths[r] == p || strings.HasPrefix(d.paths[r], p+"/") })
					h, n := recall(got, want)
					hit, total = hit+h, total+n
				}
			}
			require.GreaterOrEqual(t, float64(hit)/float64(total), 0.95)
			st := idx.Engine().(*pyramid.Index).Stats()
			require.EqualValues(t, len(d.ids), st.NumElements)
			lv := st.Hierarchies[0].Levels
			require.Len(t, lv, 3)
			require.Equal(t, 1, lv[0].Nodes)
			require.Equal(t, len(d.ids), lv[1].Vectors)
			switch extra {
			case `,"index_min_size":60`:
				require.Positive(t, lv[1].FlatNodes+lv[2].FlatNodes)
				require.Positive(t, lv[1].GraphNodes)
			case `,"no_build_levels":[1]`:
				require.Equal(t, lv[1].Nodes, lv[1].NoIndexNodes)
			case `,"no_build_levels":[0,2]`:
				require.Equal(t, 1, lv[0].NoIndexNodes)
				_, err := idx.KnnSearch(&core.Dataset{NumElements: 1, Dim: dim, Float32: d.vecs[:dim]}, 5, ef, nil)
				require.Equal(t, api.InvalidArgument, api.CodeOf(err), "no path, no root graph")
			}
		})
	}
}

// two hierarchies over the same vectors: "site" (the tenant) and "category" (the cluster of
// the row id modulo 4); queries over one, over both with union and with intersection.
func TestHierarchies(t *testing.T) {
	d := makeData(7, 2400, 6)
	cat := make([]string, len(d.ids))
	for i := range cat {
		cat[i] = fmt.Sprintf("c%d/x%d", i%4, i%3)
	}
	idx := create(t, "l2", `,"hierarchies":["site",{"name":"category","max_degree":12,"index_min_size":100}]`)
	failed, err := idx.Build(&core.Dataset{NumElements: len(d.ids), Dim: dim, IDs: d.ids, Float32: d.vecs,
		HierarchyPaths: map[string][]string{"site": d.paths, "category": cat}})
	require.NoError(t, err)
	require.Empty(t, failed)
	inCat := func(r int, c int) bool { return r%4 == c }
	type qc struct {
		params string
		paths  map[string]string
		keep   func(r, tn, c int) bool
	}
	hit, total := 0, 0
	for i := 0; i < 25; i++ {
		row := i * 93
		q := d.vecs[row*dim : (row+1)*dim]
		tn, c := d.tenant[row], row%4
		site, category := fmt.Sprintf("t%d", tn), fmt.Sprintf("c%d", c)
		for _, x := range []qc{
			{ef, map[string]string{"site": site}, func(r, tn, c int) bool { return d.tenant[r] == tn }},
			{ef, map[string]string{"category": category}, func(r, tn, c int) bool { return inCat(r, c) }},
			{`{"pyramid":{"ef_search":60,"hierarchies":["category"]}}`, map[string]string{"category": category, "site": site}, func(r, tn, c int) bool { return inCat(r, c) }},
			{`{"pyramid":{"ef_search":60,"hierarchy_op":"union"}}`, map[string]string{"category": category, "site": site}, func(r, tn, c int) bool { return inCat(r, c) || d.tenant[r] == tn }},
			{`{"pyramid":{"ef_search":60,"hierarchy_op":"intersection"}}`, map[string]string{"category": category, "site": site}, func(r, tn, c int) bool { return inCat(r, c) && d.tenant[r] == tn }},
			{`{"pyramid":{"ef_search":60,"hierarchies":["site","category"],"hierarchy_op":"intersection"}}`, map[string]string{"category": category + "/x1", "site": site}, func(r, tn, c int) bool { return inCat(r, c) && r%3 == 1 && d.tenant[r] == tn }},
			// a hierarchy named without a path is searched at its root: the intersection is the other subtree
			{`{"pyramid":{"ef_search":60,"hierarchies":["site","category"],"hierarchy_op":"intersection"}}`, map[string]string{"site": site}, func(r, tn, c int) bool { return d.tenant[r] == tn }},
		} {
			got := search(t, idx, q, 10, x.params, x.paths)
			want := exact("l2", d, q, 10, func(r int) bool { return x.keep(r, tn, c) })
			for _, g := range got {
				require.True(t, x.keep(rowOf(g.ID), tn, c), "%s %v: label %d outside", x.params, x.paths, g.ID)
			}
			h, n := recall(got, want)
			hit, total = hit+h, total+n
		}
	}
	require.GreaterOrEqual(t, float64(hit)/float64(total), 0.95)
	q := d.vecs[:dim]
	for name, c := range map[string]struct {
		params string
		paths  map[string]string
	}{
		"no hierarchy named":        {ef, nil},
		"two without op":            {ef, map[string]string{"site": "t0", "category": "c0"}},
		"unknown hierarchy":         {`{"pyramid":{"ef_search":10,"hierarchies":["bogus"]}}`, nil},
		"range over two":            {`{"pyramid":{"ef_search":10,"hierarchies":["site","category"],"hierarchy_op":"union"}}`, nil},
		"plain path, several trees": {ef, map[string]string{"": "t0"}},
	} {
		ds := &core.Dataset{NumElements: 1, Dim: dim, Float32: q}
		for h, p := range c.paths {
			if h == "" {
				ds.Paths = []string{p}
			} else {
				if ds.HierarchyPaths == nil {
					ds.HierarchyPaths = map[string][]string{}
				}
				ds.HierarchyPaths[h] = []string{p}
			}
		}
		var err error
		if name == "range over two" {
			_, err = idx.RangeSearch(ds, 10, c.params, nil, -1)
		} else {
			_, err = idx.KnnSearch(ds, 5, c.params, nil)
		}
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%s: %v", name, err)
	}
	// build rows into one hierarchy only: the other does not hold them
	_, err = idx.Add(&core.Dataset{NumElements: 1, Dim: dim, IDs: []int64{1}, Float32: q, HierarchyPaths: map[string][]string{"site": {"new"}}})
	require.NoError(t, err)
	got := search(t, idx, q, 3, ef, map[string]string{"site": "new"})
	require.Len(t, got, 1)
	require.EqualValues(t, 1, got[0].ID)
	for _, g := range search(t, idx, q, 50, `{"pyramid":{"ef_search":60,"hierarchies":["category"]}}`, nil) {
		require.NotEqualValues(t, 1, g.ID)
	}
	_, err = idx.Add(&core.Dataset{NumElements: 1, Dim: dim, IDs: []int64{2}, Float32: q, HierarchyPaths: map[string][]string{"bogus": {"new"}}})
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
}

// filters, removal and range search inside a path.
func TestFiltersRemoveRangeInsidePath(t *testing.T) {
	d := makeData(8, 2000, 10)
	idx := create(t, "l2", `,"use_reorder":true,"base_quantization_type":"sq8"`)
	attrs := make([]map[string]any, len(d.ids))
	for i := range attrs {
		attrs[i] = map[string]any{"parity": i % 2}
	}
	_, err := idx.Build(&core.Dataset{NumElements: len(d.ids), Dim: dim, IDs: d.ids, Float32: d.vecs, Paths: d.paths, Attributes: attrs})
	require.NoError(t, err)
	removed := map[int64]bool{}
	for i := 0; i < len(d.ids); i += 5 {
		removed[d.ids[i]] = true
	}
	var rm []int64
	for id := range removed {
		rm = append(rm, id)
	}
	n, err := idx.Remove(rm...)
	require.NoError(t, err)
	require.Equal(t, len(rm), n)
	require.EqualValues(t, len(rm), idx.GetNumberRemoved())
	hit, total := 0, 0
	for i := 0; i < 20; i++ {
		row := i*97 + 1
		q := d.vecs[row*dim : (row+1)*dim]
		tn := d.tenant[row]
		path := fmt.Sprintf("t%d", tn)
		keep := func(r int) bool { return d.tenant[r] == tn && !removed[d.ids[r]] && r%2 == 0 }
		res, err := idx.SearchWithRequest(&core.SearchRequest{Query: &core.Dataset{NumElements: 1, Dim: dim, Float32: q, Paths: []string{path}},
			TopK: 10, Params: ef, FilterExpr: "parity = 0"})
		require.NoError(t, err)
		got := make([]core.Neighbor, len(res.IDs))
		for j := range res.IDs {
			got[j] = core.Neighbor{ID: res.IDs[j], Distance: res.Distances[j]}
			require.True(t, keep(rowOf(res.IDs[j])))
		}
		h, n := recall(got, exact("l2", d, q, 10, keep))
		hit, total = hit+h, total+n
		// range: the radius of the 5th exact neighbour inside the tenant
		want := exact("l2", d, q, 5, func(r int) bool { return d.tenant[r] == tn && !removed[d.ids[r]] })
		radius := want[len(want)-1].Distance * 1.0001
		rs, err := idx.RangeSearch(&core.Dataset{NumElements: 1, Dim: dim, Float32: q, Paths: []string{path}}, radius, ef, nil, -1)
		require.NoError(t, err)
		require.LessOrEqual(t, len(rs.IDs), len(want)+1)
		for j, id := range rs.IDs {
			require.Equal(t, tn, d.tenant[rowOf(id)])
			require.False(t, removed[id])
			require.LessOrEqual(t, rs.Distances[j], radius)
		}
		require.GreaterOrEqual(t, len(rs.IDs), len(want)-1)
		lim, err := idx.RangeSearch(&core.Dataset{NumElements: 1, Dim: dim, Float32: q, Paths: []string{path}}, radius, ef, nil, 2)
		require.NoError(t, err)
		require.LessOrEqual(t, len(lim.IDs), 2)
	}
	require.GreaterOrEqual(t, float64(hit)/float64(total), 0.9)
	// a removed label comes back when added again
	row := rowOf(rm[0])
	_, err = idx.Add(&core.Dataset{NumElements: 1, Dim: dim, IDs: rm[:1], Float32: d.vecs[row*dim : (row+1)*dim], Paths: []string{"back"}})
	require.NoError(t, err)
	got := search(t, idx, d.vecs[row*dim:(row+1)*dim], 1, ef, map[string]string{"": "back"})
	require.Equal(t, rm[0], got[0].ID)
}

func TestSerializeCloneAndMemory(t *testing.T) {
	d := makeData(9, 1500, 12)
	extra := `,"hierarchies":["site",{"name":"shop","index_min_size":40,"no_build_levels":[0]}],"store_raw_vector":true`
	idx := create(t, "l2", extra)
	shop := make([]string, len(d.paths))
	for i, p := range d.paths {
		shop[i] = strings.Replace(p, "/", "-", 1) + "/leaf"
	}
	_, err := idx.Build(&core.Dataset{NumElements: len(d.ids), Dim: dim, IDs: d.ids, Float32: d.vecs,
		HierarchyPaths: map[string][]string{"site": d.paths, "shop": shop}})
	require.NoError(t, err)
	_, err = idx.Remove(d.ids[3], d.ids[40])
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, idx.Serialize(&buf))
	loaded, err := core.Load(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	clone, err := idx.Clone()
	require.NoError(t, err)
	for _, other := range []*core.Index{loaded, clone} {
		require.Equal(t, idx.GetNumElements(), other.GetNumElements())
		require.Equal(t, idx.GetNumberRemoved(), other.GetNumberRemoved())
		for i := 0; i < 10; i++ {
			q := d.vecs[(i*131)*dim : (i*131+1)*dim]
			for _, paths := range []map[string]string{{"site": d.paths[i*131]}, {"shop": shop[i*131]}, {"site": fmt.Sprintf("t%d", d.tenant[i*131])}} {
				require.Equal(t, search(t, idx, q, 10, ef, paths), search(t, other, q, 10, ef, paths))
			}
		}
		require.Equal(t, idx.Engine().(*pyramid.Index).Stats(), other.Engine().(*pyramid.Index).Stats())
	}
	// the clone is independent
	_, err = clone.Add(&core.Dataset{NumElements: 1, Dim: dim, IDs: []int64{5}, Float32: d.vecs[:dim], HierarchyPaths: map[string][]string{"site": {"z"}}})
	require.NoError(t, err)
	require.Equal(t, idx.GetNumElements()+1, clone.GetNumElements())
	// raw vectors and distances by id
	v, err := idx.GetRawVectorByIDs([]int64{d.ids[7]})
	require.NoError(t, err)
	require.Equal(t, d.vecs[7*dim:8*dim], v.Float32)
	dist, err := idx.CalcDistanceByID(d.vecs[:dim], d.ids[7])
	require.NoError(t, err)
	require.InDelta(t, metric.Reference(metric.L2, d.vecs[:dim], d.vecs[7*dim:8*dim]), dist, 1e-3)
	// memory: codes + raw + graphs; more than the vectors alone
	require.Greater(t, idx.GetMemoryUsage(), int64(2*len(d.vecs)*4))
	// a file loads only into an index that builds its trees the same way
	other := create(t, "l2", `,"hierarchies":["site",{"name":"shop","index_min_size":41,"no_build_levels":[0]}],"store_raw_vector":true`)
	require.Error(t, other.Deserialize(bytes.NewReader(buf.Bytes())))
	// corrupt files fail cleanly
	b := buf.Bytes()
	for _, cut := range []int{len(b) / 3, len(b) / 2, len(b) - 9} {
		_, err := core.Load(bytes.NewReader(b[:cut]))
		require.Error(t, err)
	}
}

func TestFeaturesAreTruthful(t *testing.T) {
	idx := create(t, "l2", "")
	for _, f := range []api.Feature{api.SupportBuild, api.SupportAddAfterBuild, api.SupportAddFromEmpty, api.SupportKnnSearch,
		api.SupportKnnSearchWithIDFilter, api.SupportRangeSearch, api.SupportRangeSearchWithIDFilter, api.SupportDeleteByID,
		api.SupportCalDistanceByID, api.SupportGetRawVectorByIDs, api.SupportSerializeFile, api.SupportDeserializeFile,
		api.SupportClone, api.SupportExportModel, api.SupportMergeIndex, api.SupportGetMemoryUsage, api.SupportSearchConcurrent, api.SupportAddConcurrent,
		api.SupportMetricTypeL2, api.SupportMetricTypeInnerProduct, api.SupportMetricTypeCosine, api.SupportEstimateMemory} {
		require.True(t, idx.CheckFeature(f), "%d", f)
	}
	// VSAG's pyramid has no iterator search: KNN_ITERATOR_FILTER_SEARCH (9) and
	// CONTINUE_SEARCH_SESSION (52) stay off
	for _, f := range []api.Feature{api.NeedTrain, api.SupportKnnIteratorFilterSearch, api.SupportContinueSearchSession, api.SupportFeedback} {
		require.False(t, idx.CheckFeature(f), "%d", f)
	}
	sq := create(t, "l2", `,"base_quantization_type":"sq8"`)
	require.True(t, sq.CheckFeature(api.NeedTrain))
	require.False(t, sq.CheckFeature(api.SupportGetRawVectorByIDs))
	// export model: trained, empty, same parameters
	d := makeData(10, 300, 4)
	build(t, sq, d)
	m, err := sq.ExportModel()
	require.NoError(t, err)
	require.EqualValues(t, 0, m.GetNumElements())
	build(t, m, d)
	q := d.vecs[:dim]
	require.Equal(t, search(t, sq, q, 5, ef, map[string]string{"": "t1"}), search(t, m, q, 5, ef, map[string]string{"": "t1"}))
}

func TestConcurrentAddSearchRemove(t *testing.T) {
	d := makeData(11, 3000, 15)
	idx := create(t, "l2", `,"index_min_size":30,"build_thread_count":2`)
	half := 1000
	_, err := idx.Build(&core.Dataset{NumElements: half, Dim: dim, IDs: d.ids[:half], Float32: d.vecs[:half*dim], Paths: d.paths[:half]})
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	wg.Add(3)
	go func() {
		defer wg.Done()
		for lo := half; lo < len(d.ids); lo += 250 {
			hi := min(lo+250, len(d.ids))
			if _, err := idx.Add(&core.Dataset{NumElements: hi - lo, Dim: dim, IDs: d.ids[lo:hi], Float32: d.vecs[lo*dim : hi*dim], Paths: d.paths[lo:hi]}); err != nil {
				errs <- err
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 300; i++ {
			row := (i * 17) % len(d.ids)
			p := fmt.Sprintf("t%d", d.tenant[row])
			res, err := idx.KnnSearch(&core.Dataset{NumElements: 1, Dim: dim, Float32: d.vecs[row*dim : (row+1)*dim], Paths: []string{p}}, 5, ef, nil)
			if err != nil {
				errs <- err
				return
			}
			for _, id := range res.IDs {
				if d.tenant[rowOf(id)] != d.tenant[row] {
					errs <- fmt.Errorf("label %d outside tenant %d", id, d.tenant[row])
					return
				}
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < half; i += 9 {
			if _, err := idx.Remove(d.ids[i]); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, len(d.ids)-(half+8)/9, idx.GetNumElements())
}

// A vector whose path ends at a level without an index is found by a search of that node (its
// own vectors are scanned besides the children's graphs), and Stats reports the levels.
func TestVectorsEndingAtNoBuildLevel(t *testing.T) {
	d := makeData(12, 600, 4)
	paths := make([]string, len(d.paths))
	for i, p := range d.paths {
		if i%3 == 0 {
			p = fmt.Sprintf("t%d", d.tenant[i]) // ends at level 1
		}
		paths[i] = p
	}
	d.paths = paths
	idx := create(t, "l2", `,"no_build_levels":[1]`)
	build(t, idx, d)
	for i := 0; i < 12; i++ {
		row := i * 47
		q := d.vecs[row*dim : (row+1)*dim]
		tn := d.tenant[row]
		got := search(t, idx, q, 10, ef, map[string]string{"": fmt.Sprintf("t%d", tn)})
		want := exact("l2", d, q, 10, func(r int) bool { return d.tenant[r] == tn })
		h, n := recall(got, want)
		require.GreaterOrEqual(t, h, n-1)
		require.Equal(t, d.ids[row], got[0].ID)
	}
	js := idx.Engine().(*pyramid.Index).StatsJSON()
	require.Contains(t, js, `"no_index_nodes":4`)
}

// Paths that end in a unique item make a node per vector: those tiny groups get no graph, so
// memory stays a small multiple of the vectors' (a graph per vector would cost kilobytes each).
func TestUniqueLeavesStaySmall(t *testing.T) {
	d := makeData(13, 3000, 10)
	for i := range d.paths {
		d.paths[i] = fmt.Sprintf("t%d/item%d", d.tenant[i], i)
	}
	idx := create(t, "l2", "")
	build(t, idx, d)
	vecBytes := int64(len(d.vecs) * 4)
	require.Less(t, idx.GetMemoryUsage(), 4*vecBytes+1<<20, "memory %d for %d bytes of vectors", idx.GetMemoryUsage(), vecBytes)
	st := idx.Engine().(*pyramid.Index).Stats()
	require.Equal(t, 3000, st.Hierarchies[0].Levels[2].FlatNodes)
	q := d.vecs[5*dim : 6*dim]
	got := search(t, idx, q, 1, ef, map[string]string{"": d.paths[5]})
	require.Equal(t, d.ids[5], got[0].ID)
}

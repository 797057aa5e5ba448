package core

import (
	"bytes"
	"fmt"
	"math/rand"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/attr"
)

var colors = []string{"red", "green", "blue", "black"}

// attrData returns n clustered vectors, labels 1000+i, and attributes for every row but each
// seventh (which has none).
func attrData(seed int64, n, d int) ([]float32, []int64, []map[string]any) {
	r := rand.New(rand.NewSource(seed))
	v := make([]float32, n*d)
	for i := range v {
		v[i] = float32(r.NormFloat64()) + float32(i/d%5)
	}
	ids := make([]int64, n)
	as := make([]map[string]any, n)
	for i := range ids {
		ids[i] = int64(1000 + i)
		if i%7 == 6 {
			continue
		}
		as[i] = map[string]any{
			"color": colors[i%len(colors)],
			"price": i % 50,
			"score": float64(i%10) / 10,
			"tags":  []string{fmt.Sprintf("t%d", i%3), fmt.Sprintf("u%d", i%5)},
		}
	}
	return v, ids, as
}

// oracle returns the k nearest labels (squared L2) among those that pass expr and keep.
func oracle(t *testing.T, v []float32, ids []int64, as []map[string]any, d int, q []float32, k int, expr string, keep func(int64) bool) []int64 {
	e, err := attr.Compile(expr)
	require.NoError(t, err)
	type cand struct {
		id   int64
		dist float32
	}
	var cs []cand
	for i, id := range ids {
		s, err := attr.FromMap(as[i])
		require.NoError(t, err)
		if !e.Eval(s) || (keep != nil && !keep(id)) {
			continue
		}
		var dd float32
		for j := 0; j < d; j++ {
			x := v[i*d+j] - q[j]
			dd += x * x
		}
		cs = append(cs, cand{id, dd})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].dist < cs[j].dist })
	out := []int64{}
	for i := 0; i < len(cs) && i < k; i++ {
		out = append(out, cs[i].id)
	}
	return out
}

func labelsOf(ns []Neighbor) []int64 {
	out := []int64{}
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

var attrExprs = []string{
	`color = "red"`,
	`price < 10 AND color IN ["green", "blue"]`,
	`tags = "t1" OR score >= 0.8`,
	`NOT (color = "red") AND price != 3`,
	`color NOT IN ["red"]`, // labels without attributes pass
	`multi_in(tags, "u4|u0") AND price > 40`,
	`price = 7`, // very selective
}

func TestAttributeFilterBruteForceMatchesOracle(t *testing.T) {
	const n, d, k = 400, 8, 10
	v, ids, as := attrData(1, n, d)
	idx, err := CreateIndex("brute_force", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d}`, d))
	require.NoError(t, err)
	_, err = idx.Build(&Dataset{NumElements: n, Dim: d, IDs: ids, Float32: v, Attributes: as})
	require.NoError(t, err)
	odd := func(l int64) bool { return l%2 == 1 }
	qs, _, _ := attrData(2, 5, d)
	for _, expr := range attrExprs {
		for qi := 0; qi < 5; qi++ {
			q := qs[qi*d : (qi+1)*d]
			got, err := idx.SearchWithFilterString(q, k, "", expr, nil)
			require.NoError(t, err)
			assert.Equal(t, oracle(t, v, ids, as, d, q, k, expr, nil), labelsOf(got), expr)

			got, err = idx.SearchWithFilterString(q, k, "", expr, ExcludeFunc(func(l int64) bool { return !odd(l) }))
			require.NoError(t, err)
			assert.Equal(t, oracle(t, v, ids, as, d, q, k, expr, odd), labelsOf(got), "%s with id filter", expr)
		}
		// batch equals per query
		bi := make([]int64, 5*k)
		bd := make([]float32, 5*k)
		require.NoError(t, idx.BatchSearchIntoWithFilterString(qs, 5, k, "", expr, nil, bi, bd))
		for qi := 0; qi < 5; qi++ {
			want := oracle(t, v, ids, as, d, qs[qi*d:(qi+1)*d], k, expr, nil)
			row := bi[qi*k : (qi+1)*k]
			assert.Equal(t, want, row[:len(want)], expr)
			for _, id := range row[len(want):] {
				assert.Equal(t, int64(-1), id)
			}
		}
	}
	// the Dataset and range forms
	res, err := idx.KnnSearchWithFilterString(&Dataset{NumElements: 1, Dim: d, Float32: qs[:d]}, k, "", `color = "blue"`, nil)
	require.NoError(t, err)
	got, err := idx.GetAttributesByIDs(res.IDs)
	require.NoError(t, err)
	for _, m := range got {
		assert.Equal(t, "blue", m["color"])
	}
	rr, err := idx.RangeSearchWithFilterString(&Dataset{NumElements: 1, Dim: d, Float32: qs[:d]}, 1e9, "", `price = 7`, nil, -1)
	require.NoError(t, err)
	want := 0
	for i := range ids {
		if i%50 == 7 && as[i] != nil {
			want++
		}
	}
	assert.Len(t, rr.IDs, want)
	for _, id := range rr.IDs {
		assert.Equal(t, int64(7), (id-1000)%50)
	}
}

func TestAttributeFilterHGraphRecall(t *testing.T) {
	const n, d, k = 1000, 8, 10
	v, ids, as := attrData(3, n, d)
	idx, err := CreateIndex("hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":80,"build_thread_count":1}}`, d))
	require.NoError(t, err)
	_, err = idx.Build(&Dataset{NumElements: n, Dim: d, IDs: ids, Float32: v, Attributes: as})
	require.NoError(t, err)
	qs, _, _ := attrData(4, 20, d)
	for _, expr := range attrExprs {
		hit, total := 0, 0
		for qi := 0; qi < 20; qi++ {
			q := qs[qi*d : (qi+1)*d]
			want := oracle(t, v, ids, as, d, q, k, expr, nil)
			got, err := idx.SearchWithFilterString(q, k, `{"hgraph":{"ef_search":80}}`, expr, nil)
			require.NoError(t, err)
			e, _ := attr.Compile(expr)
			attrsOf, err := idx.GetAttributesByIDs(labelsOf(got))
			require.NoError(t, err)
			for _, m := range attrsOf {
				s, _ := attr.FromMap(m)
				require.True(t, e.Eval(s), "%s returned a label that fails it", expr)
			}
			in := map[int64]bool{}
			for _, id := range want {
				in[id] = true
			}
			for _, nb := range got {
				if in[nb.ID] {
					hit++
				}
			}
			total += len(want)
		}
		recall := float64(hit) / float64(total)
		assert.GreaterOrEqual(t, recall, 0.9, "%s: recall %.3f", expr, recall)
	}
}

func TestAttributesLifecycle(t *testing.T) {
	for _, name := range []string{"brute_force", "hgraph"} {
		t.Run(name, func(t *testing.T) {
			js := `{"dtype":"float32","metric_type":"l2","dim":2}`
			if name == "hgraph" {
				js = `{"dtype":"float32","metric_type":"l2","dim":2,"index_param":{"base_quantization_type":"fp32","max_degree":8,"ef_construction":20}}`
			}
			idx, err := CreateIndex(name, js)
			require.NoError(t, err)
			vecs := []float32{0, 0, 1, 1, 2, 2, 3, 3}
			as := []map[string]any{{"c": "a"}, {"c": "b"}, {"c": "dup"}, nil}
			failed, err := idx.Build(&Dataset{NumElements: 4, Dim: 2, IDs: []int64{1, 2, 2, 4}, Float32: vecs, Attributes: as})
			require.NoError(t, err)
			require.Equal(t, []int64{2}, failed)
			got, err := idx.GetAttributesByIDs([]int64{1, 2, 4})
			require.NoError(t, err)
			assert.Equal(t, []map[string]any{{"c": "a"}, {"c": "b"}, nil}, got, "first occurrence of a duplicate wins")

			// adding an existing label again keeps its attributes
			failed, err = idx.Add(&Dataset{NumElements: 2, Dim: 2, IDs: []int64{1, 5}, Float32: vecs[:4], Attributes: []map[string]any{{"c": "new"}, {"c": "e", "n": []int{1, 2}}}})
			require.NoError(t, err)
			require.Equal(t, []int64{1}, failed)
			got, err = idx.GetAttributesByIDs([]int64{1, 5})
			require.NoError(t, err)
			assert.Equal(t, "a", got[0]["c"])
			assert.Equal(t, []int64{1, 2}, got[1]["n"])

			search := ""
			if name == "hgraph" {
				search = `{"hgraph":{"ef_search":10}}`
			}
			find := func(x *Index, expr string) []int64 {
				ns, err := x.SearchWithFilterString([]float32{0, 0}, 10, search, expr, nil)
				require.NoError(t, err)
				l := labelsOf(ns)
				sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
				return l
			}
			assert.Equal(t, []int64{1, 2}, find(idx, `c IN ["a", "b"]`))
			assert.Equal(t, []int64{4}, find(idx, `c NOT IN ["a", "b", "e"]`))

			n, err := idx.Remove(2)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			_, err = idx.GetAttributesByIDs([]int64{2})
			require.Equal(t, api.InvalidArgument, CodeOf(err))
			assert.Equal(t, []int64{1}, find(idx, `c IN ["a", "b"]`))

			// a label re-added after removal starts with its new attributes
			_, err = idx.Add(&Dataset{NumElements: 1, Dim: 2, IDs: []int64{2}, Float32: vecs[2:4], Attributes: []map[string]any{{"c": "again"}}})
			require.NoError(t, err)
			assert.Equal(t, []int64{2}, find(idx, `c = "again"`))

			require.NoError(t, idx.UpdateID(1, 10))
			assert.Equal(t, []int64{10}, find(idx, `c = "a"`))

			var buf bytes.Buffer
			require.NoError(t, idx.Serialize(&buf))
			loaded, err := LoadBytes(buf.Bytes())
			require.NoError(t, err)
			into, err := CreateIndex(name, js)
			require.NoError(t, err)
			require.NoError(t, into.Deserialize(bytes.NewReader(buf.Bytes())))
			cl, err := idx.Clone()
			require.NoError(t, err)
			for _, x := range []*Index{loaded, into, cl} {
				assert.Equal(t, []int64{10}, find(x, `c = "a"`))
				assert.Equal(t, []int64{2, 5}, find(x, `c IN ["again", "e"] AND NOT c = "x"`))
				assert.Equal(t, []int64{4}, find(x, `c != "a" AND c NOT IN ["again", "e"]`))
				got, err := x.GetAttributesByIDs([]int64{5})
				require.NoError(t, err)
				assert.Equal(t, []int64{1, 2}, got[0]["n"])
			}
			// the clone is independent
			_, err = cl.Remove(10)
			require.NoError(t, err)
			assert.Equal(t, []int64{10}, find(idx, `c = "a"`))
			assert.Greater(t, idx.GetMemoryUsage(), cl.GetMemoryUsage()-1<<20)
		})
	}
}

func TestAttributeErrors(t *testing.T) {
	idx, err := CreateIndex("brute_force", `{"dim":2}`)
	require.NoError(t, err)
	vecs := []float32{0, 0, 1, 1}
	_, err = idx.Build(&Dataset{NumElements: 2, Dim: 2, IDs: []int64{1, 2}, Float32: vecs, Attributes: []map[string]any{{"a": 1}}})
	require.Equal(t, api.InvalidArgument, CodeOf(err), "one attribute row for two vectors")
	_, err = idx.Build(&Dataset{NumElements: 2, Dim: 2, IDs: []int64{1, 2}, Float32: vecs, Attributes: []map[string]any{{"a": 1}, {"a": struct{}{}}}})
	require.Equal(t, api.InvalidArgument, CodeOf(err))
	require.ErrorContains(t, err, "row 1")
	require.Equal(t, int64(0), idx.GetNumElements(), "a rejected batch adds nothing")
	_, err = idx.Build(&Dataset{NumElements: 2, Dim: 2, IDs: []int64{1, 2}, Float32: vecs, Attributes: []map[string]any{{"a": 1}, {"a": 2}}})
	require.NoError(t, err)

	_, err = idx.SearchWithFilterString([]float32{0, 0}, 1, "", `a = `, nil)
	require.Equal(t, api.InvalidArgument, CodeOf(err))
	require.ErrorContains(t, err, "position 4")
	_, err = idx.AttributeFilter(`a IN [1, "x"]`, nil)
	require.Equal(t, api.InvalidArgument, CodeOf(err))

	f, err := idx.AttributeFilter("", nil)
	require.NoError(t, err)
	require.Nil(t, f, "an empty expression filters nothing")
	ns, err := idx.SearchWithFilterString([]float32{0, 0}, 5, "", `a = 2`, nil)
	require.NoError(t, err)
	assert.Equal(t, []int64{2}, labelsOf(ns))
	ns, err = idx.SearchWithFilterString([]float32{0, 0}, 5, "", `a = 3`, nil)
	require.NoError(t, err)
	assert.Empty(t, ns)
}

func TestBatchAttributeFilterAgrees(t *testing.T) {
	const n, d = 300, 2
	v, ids, as := attrData(8, n, d)
	ids[0], ids[1] = -5, 1<<40 // a negative label and one beyond the dense bitset range
	idx, err := CreateIndex("brute_force", `{"dim":2}`)
	require.NoError(t, err)
	_, err = idx.Build(&Dataset{NumElements: n, Dim: d, IDs: ids, Float32: v, Attributes: as})
	require.NoError(t, err)
	keepOdd := KeepFunc(func(l int64) bool { return l%2 != 0 }, 0.5)
	for _, expr := range attrExprs {
		for _, idf := range []Filter{nil, keepOdd} {
			lazy, err := idx.AttributeFilter(expr, idf)
			require.NoError(t, err)
			batch, err := idx.BatchAttributeFilter(expr, idf)
			require.NoError(t, err)
			for _, l := range append(ids, 99999, -7) {
				require.Equal(t, lazy.CheckValid(l), batch.CheckValid(l), "%s label %d", expr, l)
			}
			require.InDelta(t, lazy.ValidRatio(), batch.ValidRatio(), 0.1) // both sampled
		}
	}
	_, err = idx.BatchAttributeFilter("a ==", nil)
	require.Equal(t, api.InvalidArgument, CodeOf(err))
	f, err := idx.BatchAttributeFilter("", nil)
	require.NoError(t, err)
	require.Nil(t, f)
}

func TestAttributeFilterValidRatio(t *testing.T) {
	const n, d = 700, 2
	v, ids, as := attrData(5, n, d)
	idx, err := CreateIndex("brute_force", `{"dim":2}`)
	require.NoError(t, err)
	_, err = idx.Build(&Dataset{NumElements: n, Dim: d, IDs: ids, Float32: v, Attributes: as})
	require.NoError(t, err)
	for expr, want := range map[string]float64{
		`price >= 0`:          6.0 / 7,
		`NOT price >= 0`:      1.0 / 7,
		`color = "red"`:       6.0 / 7 / 4,
		`price >= 0 OR true`:  1,
		`price = -1`:          1.0 / n, // the floor
		`color NOT IN ["no"]`: 1,
	} {
		f, err := idx.AttributeFilter(expr, nil)
		require.NoError(t, err)
		assert.InDelta(t, want, f.ValidRatio(), 0.08, expr)
	}
	f, err := idx.AttributeFilter(`price >= 0`, api.KeepFunc(func(int64) bool { return true }, 0.5))
	require.NoError(t, err)
	assert.InDelta(t, 6.0/7/2, f.ValidRatio(), 0.05)
}

func TestAttributeFilterConcurrent(t *testing.T) {
	const d = 4
	v, ids, as := attrData(6, 600, d)
	idx, err := CreateIndex("brute_force", `{"dim":4}`)
	require.NoError(t, err)
	_, err = idx.Build(&Dataset{NumElements: 300, Dim: d, IDs: ids[:300], Float32: v[:300*d], Attributes: as[:300]})
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		for i := 300; i < 600; i += 30 {
			_, err := idx.Add(&Dataset{NumElements: 30, Dim: d, IDs: ids[i : i+30], Float32: v[i*d : (i+30)*d], Attributes: as[i : i+30]})
			assert.NoError(t, err)
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 100; i += 5 {
			_, err := idx.Remove(ids[i])
			assert.NoError(t, err)
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			ns, err := idx.SearchWithFilterString(v[:d], 5, "", `color = "red"`, nil)
			assert.NoError(t, err)
			for _, nb := range ns {
				assert.Equal(t, int64(0), (nb.ID-1000)%4, "only red rows")
			}
		}
	}()
	wg.Wait()
}

// BenchmarkAttributeFilter compares a brute_force search without a filter, with an expression
// that keeps about a quarter of the labels, and with the same selection as a KeepFunc.
func BenchmarkAttributeFilter(b *testing.B) {
	const n, d = 20000, 64
	v, ids, as := attrData(7, n, d)
	idx, err := CreateIndex("brute_force", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d}`, d))
	require.NoError(b, err)
	_, err = idx.Build(&Dataset{NumElements: n, Dim: d, IDs: ids, Float32: v, Attributes: as})
	require.NoError(b, err)
	q := v[:d]
	expr := `color = "red" AND price < 40`
	b.Run("none", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = idx.Search(q, 10, "", nil)
		}
	})
	b.Run("expr", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = idx.SearchWithFilterString(q, 10, "", expr, nil)
		}
	})
	b.Run("keepfunc", func(b *testing.B) {
		keep := KeepFunc(func(l int64) bool {
			i := l - 1000
			return i%7 != 6 && i%4 == 0 && i%50 < 40
		}, 0.2)
		for i := 0; i < b.N; i++ {
			_, _ = idx.Search(q, 10, "", keep)
		}
	})
	b.Run("batch16/expr", func(b *testing.B) {
		ids, dists := make([]int64, 16*10), make([]float32, 16*10)
		for i := 0; i < b.N; i++ {
			_ = idx.BatchSearchIntoWithFilterString(v[:16*d], 16, 10, "", expr, nil, ids, dists)
		}
	})
	b.Run("batch16/none", func(b *testing.B) {
		ids, dists := make([]int64, 16*10), make([]float32, 16*10)
		for i := 0; i < b.N; i++ {
			_ = idx.BatchSearchInto(v[:16*d], 16, 10, "", nil, ids, dists)
		}
	})
	b.Run("compile", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = idx.AttributeFilter(expr, nil)
		}
	})
}

package core

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/attr"
)

// agreeExprs are filter expressions whose compiled label set is checked against evaluation
// label by label: equality, IN, ranges, AND/OR/NOT, multi-valued fields, labels without
// attributes passing.
var agreeExprs = append([]string{
	`price = 7.0`,
	`price IN [1, 2, 3] OR color = "black"`,
	`price > 10 AND price <= 20 AND NOT tags = "u1"`,
	`score = 0.5 OR score = 0.7`,
	`NOT color = "red" OR price < 5`,
	`missing = 1`,
	`missing != 1`,
	`true`,
}, attrExprs...)

// checkFiltersAgree compares, for every expression and id filter, the compiled filter with
// evaluating the expression on the label's stored attributes, over the index's live labels and
// a few labels it does not hold; what the filter lists with what it keeps; and its ValidRatio
// with the share it keeps.
func checkFiltersAgree(t *testing.T, idx *Index, labels []int64, slack int) {
	t.Helper()
	probe := append(append([]int64{}, labels...), 99999, -7, 1<<41)
	sets := make(map[int64]attr.Set, len(probe))
	for _, l := range probe {
		if !idx.eng().Contains(l) {
			continue
		}
		ms, err := idx.GetAttributesByIDs([]int64{l})
		require.NoError(t, err)
		s, err := attr.FromMap(ms[0])
		require.NoError(t, err)
		sets[l] = s
	}
	total := int(idx.GetNumElements())
	excl := api.NewBitset()
	for i, l := range labels {
		if i%3 == 0 {
			excl.Set(l, true)
		}
	}
	idFilters := map[string]Filter{
		"none":   nil,
		"keep":   KeepFunc(func(l int64) bool { return l%2 != 0 }, 0.5),
		"bitset": api.BitsetFilter(excl, total),
	}
	for _, expr := range agreeExprs {
		e, err := attr.Compile(expr)
		require.NoError(t, err)
		for name, ids := range idFilters {
			f, err := idx.AttributeFilter(expr, ids)
			require.NoError(t, err)
			kept := 0
			for _, l := range probe {
				want := e.Eval(sets[l]) && (ids == nil || ids.CheckValid(l))
				require.Equal(t, want, f.CheckValid(l), "%s (%s) label %d", expr, name, l)
				if want && idx.eng().Contains(l) {
					kept++
				}
			}
			kl, ok := f.(api.KeptLister)
			require.True(t, ok, "%s: the compiled filter lists its labels", expr)
			lo, hi := int64(-10), int64(1<<41)
			if n, ok := kl.CountKept(lo, hi); ok {
				var listed []int64
				kl.ForEachKept(lo, hi, func(l int64) bool { listed = append(listed, l); return true })
				assert.GreaterOrEqual(t, n, len(listed), expr)
				live := 0
				for _, l := range listed {
					require.True(t, f.CheckValid(l), "%s lists %d", expr, l)
					if idx.eng().Contains(l) {
						live++
					}
				}
				assert.Equal(t, kept, live, "%s (%s): live labels listed", expr, name)
			}
			if ids == nil && total > 0 {
				// labels removed since they were added still count, as passing or failing: at most
				// slack of them
				r := float64(f.ValidRatio()) * float64(total)
				assert.InDelta(t, float64(max(kept, 1)), r, float64(slack)+0.01, "%s ratio for %d labels kept", expr, kept)
			}
		}
	}
}

func TestAttributeFilterCompiledAgrees(t *testing.T) {
	for name, keys := range map[string]string{"brute_force": "", "hgraph": `,"index_param":{"max_degree":8,"ef_construction":40}`} {
		t.Run(name, func(t *testing.T) {
			const n, d = 400, 4
			v, ids, as := attrData(21, n, d)
			ids[0], ids[1], ids[2] = -5, 1<<40, -1 // negative labels and one beyond the dense bitset range
			idx, err := CreateIndex(name, fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d%s}`, d, keys))
			require.NoError(t, err)
			_, err = idx.Build(&Dataset{NumElements: n, Dim: d, IDs: ids, Float32: v, Attributes: as})
			require.NoError(t, err)
			checkFiltersAgree(t, idx, ids, 0)

			// remove some labels, relabel some, add labels again with other attributes
			for _, l := range ids[10:40] {
				_, err := idx.Remove(l)
				require.NoError(t, err)
			}
			if name == "hgraph" {
				for i := 40; i < 50; i++ {
					require.NoError(t, idx.UpdateID(ids[i], 50000+int64(i)))
					ids[i] = 50000 + int64(i)
				}
			}
			re := make([]map[string]any, 20)
			for i := range re {
				re[i] = map[string]any{"color": "red", "price": 7, "tags": []string{"u1"}}
			}
			re[3] = nil // added again without attributes: it loses them
			_, err = idx.Add(&Dataset{NumElements: 20, Dim: d, IDs: ids[10:30], Float32: v[10*d : 30*d], Attributes: re})
			require.NoError(t, err)
			var live []int64
			for _, l := range ids {
				if idx.eng().Contains(l) {
					live = append(live, l)
				}
			}
			checkFiltersAgree(t, idx, live, 30)

			// the inverted index is rebuilt on load
			var buf bytes.Buffer
			require.NoError(t, idx.Serialize(&buf))
			back, err := CreateIndex(name, fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d%s}`, d, keys))
			require.NoError(t, err)
			require.NoError(t, back.Deserialize(&buf))
			checkFiltersAgree(t, back, live, 0)
		})
	}
}

// TestHGraphListedScanMatchesOracle checks hgraph's exact path over the labels a filter lists
// (an attribute filter, an id bitset, both) against the exact answer.
func TestHGraphListedScanMatchesOracle(t *testing.T) {
	const n, d, k = 600, 8, 10
	v, ids, as := attrData(31, n, d)
	idx, err := CreateIndex("hgraph", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"fp32","max_degree":12,"ef_construction":60}}`, d))
	require.NoError(t, err)
	_, err = idx.Build(&Dataset{NumElements: n, Dim: d, IDs: ids, Float32: v, Attributes: as})
	require.NoError(t, err)
	for _, l := range ids[:30] { // removed labels are not listed
		_, err := idx.Remove(l)
		require.NoError(t, err)
	}
	live := func(l int64) bool { return l >= ids[30] }
	excl := api.NewBitset() // excludes the even labels
	for _, l := range ids {
		if l%2 == 0 {
			excl.Set(l, true)
		}
	}
	odd := func(l int64) bool { return l%2 != 0 && live(l) }
	qs, _, _ := attrData(32, 4, d)
	js := `{"hgraph":{"ef_search":20,"brute_force_threshold":1}}`
	for _, expr := range attrExprs {
		for qi := 0; qi < 4; qi++ {
			q := qs[qi*d : (qi+1)*d]
			res, err := idx.SearchWithRequest(&SearchRequest{Query: &Dataset{NumElements: 1, Dim: d, Float32: q}, TopK: k, Params: js, FilterExpr: expr})
			require.NoError(t, err)
			assert.Equal(t, oracle(t, v, ids, as, d, q, k, expr, live), res.IDs[:len(oracle(t, v, ids, as, d, q, k, expr, live))], expr)
			res, err = idx.SearchWithRequest(&SearchRequest{Query: &Dataset{NumElements: 1, Dim: d, Float32: q}, TopK: k, Params: js, FilterExpr: expr, IDs: excl})
			require.NoError(t, err)
			want := oracle(t, v, ids, as, d, q, k, expr, odd)
			assert.Equal(t, want, res.IDs[:len(want)], "%s with an id bitset", expr)
		}
	}
	// the id bitset alone, and in range mode
	q := qs[:d]
	res, err := idx.SearchWithRequest(&SearchRequest{Query: &Dataset{NumElements: 1, Dim: d, Float32: q}, TopK: k, Params: js, IDs: excl})
	require.NoError(t, err)
	assert.Equal(t, oracle(t, v, ids, as, d, q, k, "true", odd), res.IDs)
	rr, err := idx.SearchWithRequest(&SearchRequest{Query: &Dataset{NumElements: 1, Dim: d, Float32: q}, Mode: RangeSearchMode, Radius: 1e9, Params: js, FilterExpr: `price = 7`})
	require.NoError(t, err)
	want := 0
	for i := range ids {
		if i%50 == 7 && as[i] != nil && live(ids[i]) {
			want++
		}
	}
	assert.Len(t, rr.Dataset.IDs, want)
}

// TestAttributeFilterConcurrentHGraph adds labels with attributes, changes and removes them
// while filtered searches run, on both the exact and the graph path (run it with -race).
func TestAttributeFilterConcurrentHGraph(t *testing.T) {
	const d = 4
	v, ids, as := attrData(41, 900, d)
	idx, err := CreateIndex("hgraph", `{"dtype":"float32","metric_type":"l2","dim":4,"index_param":{"max_degree":8,"ef_construction":40}}`)
	require.NoError(t, err)
	_, err = idx.Build(&Dataset{NumElements: 300, Dim: d, IDs: ids[:300], Float32: v[:300*d], Attributes: as[:300]})
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(4)
	go func() {
		defer wg.Done()
		for i := 300; i < 900; i += 30 {
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
	for _, th := range []string{"1", "0"} {
		js := fmt.Sprintf(`{"hgraph":{"ef_search":30,"brute_force_threshold":%s}}`, th)
		go func() {
			defer wg.Done()
			for i := 0; i < 60; i++ {
				res, err := idx.SearchWithRequest(&SearchRequest{Query: &Dataset{NumElements: 1, Dim: d, Float32: v[i*d : (i+1)*d]}, TopK: 5, Params: js, FilterExpr: `color = "red" AND price < 30`})
				if !assert.NoError(t, err) {
					return
				}
				for _, id := range res.IDs {
					if id >= 0 {
						assert.Equal(t, int64(0), (id-1000)%4, "only red rows")
						assert.Less(t, (id-1000)%50, int64(30))
					}
				}
			}
		}()
	}
	wg.Wait()
}

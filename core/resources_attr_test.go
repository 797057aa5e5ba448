package core

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// attrCases are the index types whose attributes (kept by the index for every type) are
// checked against the budget.
var attrCases = []struct {
	name, typ, create, search string
	paths                     bool
}{
	{"brute_force", "brute_force", resIndexes[0].create, resIndexes[0].search, false},
	{"hgraph", "hgraph", resIndexes[1].create, resIndexes[1].search, false},
	{"ivf", "ivf", resIndexes[4].create, resIndexes[4].search, false},
	{"pyramid", "pyramid", budgetCases[0].create, budgetCases[0].search, true},
}

// withAttrs gives each row of ds a tenant, a color and a note of noteLen bytes.
func withAttrs(ds *Dataset, noteLen int) *Dataset {
	ds.Attributes = make([]map[string]any, ds.NumElements)
	for i := range ds.Attributes {
		ds.Attributes[i] = map[string]any{
			"tenant": int64(ds.IDs[i] % 7),
			"color":  []string{"red", "blue", "green"}[ds.IDs[i]%3],
			"note":   strings.Repeat(string(rune('a'+ds.IDs[i]%26)), noteLen),
		}
	}
	return ds
}

// TestBudgetCoversAttributes: the attributes of the rows are charged; a batch whose vectors
// fit but whose attributes do not is NO_ENOUGH_MEMORY naming the attributes, stores nothing
// and leaves the earlier rows and their attributes intact; the same rows without attributes
// then fit; a force remove and a reset release the attributes' charge.
func TestBudgetCoversAttributes(t *testing.T) {
	for _, tc := range attrCases {
		t.Run(tc.name, func(t *testing.T) {
			// twin indexes: plain measures what the vectors of the next batch take
			plain, err := CreateIndex(tc.typ, tc.create)
			require.NoError(t, err)
			idx, err := CreateIndex(tc.typ, tc.create)
			require.NoError(t, err)
			_, err = plain.Build(budgetData(600, 1, 0, tc.paths))
			require.NoError(t, err)
			before := idx.BudgetedMemory()
			_, err = idx.Build(withAttrs(budgetData(600, 1, 0, tc.paths), 100))
			require.NoError(t, err)
			// the attributes are charged: 600 notes of 100 bytes at least
			require.Greater(t, idx.BudgetedMemory()-before, plain.BudgetedMemory()+600*100)
			require.Equal(t, idx.attrMemory(), idx.res.attr.t.Held())

			next := func(attrs bool) *Dataset {
				ds := budgetData(50, 2, 600, tc.paths)
				if attrs {
					return withAttrs(ds, 8000)
				}
				return ds
			}
			used := plain.BudgetedMemory()
			_, err = plain.Add(next(false))
			require.NoError(t, err)
			vectors := plain.BudgetedMemory() - used

			require.NoError(t, idx.SetMemoryBudget(idx.BudgetedMemory()+vectors+64<<10))
			used = idx.BudgetedMemory()
			_, err = idx.Add(next(true)) // 50 notes of 8000 bytes: 400 KB
			require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
			require.Contains(t, err.Error(), "attributes")
			require.Equal(t, int64(600), idx.GetNumElements())
			require.Equal(t, used, idx.BudgetedMemory(), "a refused batch left a charge behind")
			got, err := idx.GetAttributesByIDs([]int64{0, 599})
			require.NoError(t, err)
			require.Equal(t, int64(0), got[0]["tenant"])
			require.Equal(t, strings.Repeat(string(rune('a'+599%26)), 100), got[1]["note"])
			res, err := idx.KnnSearch(resData(1, 9, 0), 5, tc.search, nil)
			require.NoError(t, err)
			require.Len(t, res.IDs, 5)

			_, err = idx.Add(next(false))
			require.NoError(t, err)
			require.Equal(t, int64(650), idx.GetNumElements())
			require.LessOrEqual(t, idx.BudgetedMemory(), idx.MemoryBudget())

			require.NoError(t, idx.SetMemoryBudget(0))
			held := idx.res.attr.t.Held()
			if _, err := idx.RemoveWithMode([]int64{0, 1, 2}, RemoveForce); err == nil {
				require.Less(t, idx.res.attr.t.Held(), held)
			}
			require.NoError(t, idx.Reset())
			require.Equal(t, idx.attrMemory(), idx.res.attr.t.Held())
			require.Zero(t, idx.attrMemory())
		})
	}
}

// TestBudgetMergeAttributes: a merge whose vectors fit but whose attributes do not is
// NO_ENOUGH_MEMORY naming them, merges nothing and leaves the charge as it was.
func TestBudgetMergeAttributes(t *testing.T) {
	create, search := resIndexes[1].create, resIndexes[1].search
	mk := func(ds *Dataset) *Index {
		x, err := CreateIndex("hgraph", create)
		require.NoError(t, err)
		_, err = x.Build(ds)
		require.NoError(t, err)
		return x
	}
	plainDst, dst := mk(resData(500, 1, 0)), mk(resData(500, 1, 0))
	plainSrc := mk(resData(50, 2, 1000))
	src := mk(withAttrs(resData(50, 2, 1000), 8000))
	used := plainDst.BudgetedMemory()
	_, err := plainDst.Merge([]MergeUnit{{Index: plainSrc}})
	require.NoError(t, err)
	vectors := plainDst.BudgetedMemory() - used

	require.NoError(t, dst.SetMemoryBudget(dst.BudgetedMemory()+vectors+64<<10))
	used = dst.BudgetedMemory()
	_, err = dst.Merge([]MergeUnit{{Index: src}})
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
	require.Contains(t, err.Error(), "attributes")
	require.Equal(t, int64(500), dst.GetNumElements())
	require.Equal(t, used, dst.BudgetedMemory())
	_, err = dst.KnnSearch(resData(1, 9, 0), 5, search, nil)
	require.NoError(t, err)
	_, err = dst.Merge([]MergeUnit{{Index: plainSrc}})
	require.NoError(t, err)
	require.Equal(t, int64(550), dst.GetNumElements())
}

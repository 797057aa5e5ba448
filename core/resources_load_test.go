package core

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// TestBudgetRefusesLoad: loading an index beyond the budget of the index loaded into (or the
// global one, for a one-call load) is NO_ENOUGH_MEMORY, leaves the index empty, usable and
// charged as before; with room it loads and charges what it loaded, attributes and extra info
// included.
func TestBudgetRefusesLoad(t *testing.T) {
	cases := append([]struct {
		name, typ, create, search string
		paths                     bool
	}{}, attrCases...)
	cases = append(cases, struct {
		name, typ, create, search string
		paths                     bool
	}{"hgraph-extra", "hgraph", `{"dtype":"float32","metric_type":"l2","dim":32,"extra_info_size":64,"index_param":{"base_quantization_type":"sq8","max_degree":16,"ef_construction":60}}`, resIndexes[1].search, false})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := CreateIndex(tc.typ, tc.create)
			require.NoError(t, err)
			ds := withAttrs(budgetData(1500, 3, 0, tc.paths), 200)
			if strings.Contains(tc.create, "extra_info_size") {
				ds.ExtraInfos = bytes.Repeat([]byte{7}, 1500*64)
			}
			_, err = src.Build(ds)
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, src.Serialize(&buf))
			blob := buf.Bytes()
			want := src.BudgetedMemory()
			require.Greater(t, want, int64(1500*200))

			// the index's own budget: refused, empty, charged as before, then loads with room
			dst, err := CreateIndex(tc.typ, tc.create)
			require.NoError(t, err)
			empty := dst.BudgetedMemory()
			require.NoError(t, dst.SetMemoryBudget(want*3/4))
			err = dst.Deserialize(bytes.NewReader(blob))
			require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
			require.Zero(t, dst.GetNumElements())
			require.Equal(t, empty, dst.BudgetedMemory(), "a refused load left a charge behind")
			_, err = dst.KnnSearch(resData(1, 9, 0), 5, tc.search, nil)
			require.NoError(t, err)
			err = dst.DeserializeBinarySet(mustBinarySet(t, src))
			require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
			require.Equal(t, empty, dst.BudgetedMemory())

			require.NoError(t, dst.SetMemoryBudget(want*2))
			require.NoError(t, dst.Deserialize(bytes.NewReader(blob)))
			require.Equal(t, int64(1500), dst.GetNumElements())
			got := dst.BudgetedMemory()
			require.InDelta(t, float64(want), float64(got), float64(want)/5, "loaded %d, the source charges %d", got, want)
			require.Equal(t, dst.attrMemory(), dst.res.attr.t.Held())
			attrs, err := dst.GetAttributesByIDs([]int64{42})
			require.NoError(t, err)
			require.Equal(t, int64(0), attrs[0]["tenant"])

			// the global budget, for a one-call load (indexes of earlier tests collected first,
			// so their charges do not drop out in the middle)
			settleGlobal()
			base := GlobalBudgetedMemory()
			require.NoError(t, SetGlobalMemoryBudget(base+want/2))
			_, err = LoadBytes(blob)
			require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
			require.LessOrEqual(t, GlobalBudgetedMemory(), base, "a refused load left a global charge behind")
			require.NoError(t, SetGlobalMemoryBudget(0))
			one, err := LoadBytes(blob)
			require.NoError(t, err)
			require.Greater(t, one.BudgetedMemory(), want*4/5)
			require.Equal(t, int64(1500), one.GetNumElements())
		})
	}
}

// settleGlobal collects unreferenced indexes and lets their charges be released.
func settleGlobal() {
	for i := 0; i < 3; i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
}

func mustBinarySet(t *testing.T, x *Index) BinarySet {
	t.Helper()
	set, err := x.SerializeBinarySet()
	require.NoError(t, err)
	return set
}

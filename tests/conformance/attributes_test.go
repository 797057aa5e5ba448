package conformance

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// attrsOf gives row i a colour, a price and two tags; each fifth row has no attributes.
func attrsOf(i int) map[string]any {
	if i%5 == 4 {
		return nil
	}
	return map[string]any{
		"color": []string{"red", "green", "blue"}[i%3],
		"price": i % 40,
		"tags":  []string{fmt.Sprintf("g%d", i%4), "all"},
	}
}

// TestAttributeFilterSearch: every index type keeps attributes per label and returns only the
// labels whose attributes satisfy the expression and that the id filter keeps, with the recall
// of the case measured against an oracle scan of the passing labels; attributes survive
// remove, save/load and clone.
func TestAttributeFilterSearch(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		if !c.Exact && c.MinRecall < 0.9 {
			t.Skip("recall too low to compare")
		}
		idx := newIndex(t, c, "l2")
		as := make([]map[string]any, nb)
		for i := range as {
			as[i] = attrsOf(i)
		}
		failed, err := idx.Build(&core.Dataset{NumElements: nb, Dim: dim, IDs: data.ids, Float32: data.base, Attributes: as})
		require.NoError(t, err)
		require.Empty(t, failed)

		pass := func(expr string, i int) bool {
			a := as[i]
			switch expr {
			case `color = "red" AND price < 20`:
				return a != nil && a["color"] == "red" && a["price"].(int) < 20
			case `tags IN ["g1", "g2"] OR color NOT IN ["red", "green", "blue"]`:
				return a == nil || i%4 == 1 || i%4 == 2
			}
			panic(expr)
		}
		odd := func(l int64) bool { return labelIndex(l)%2 == 1 }
		check := func(x *core.Index, removed map[int64]bool) {
			t.Helper()
			for _, expr := range []string{`color = "red" AND price < 20`, `tags IN ["g1", "g2"] OR color NOT IN ["red", "green", "blue"]`} {
				hit, total := 0, 0
				for q := 0; q < 10; q++ {
					var want []int64
					for _, n := range oracle("l2", query(q), removed) {
						if i := labelIndex(n.ID); pass(expr, i) && odd(n.ID) && len(want) < k {
							want = append(want, n.ID)
						}
					}
					got, err := x.SearchWithFilterString(query(q), k, c.Search, expr, core.KeepFunc(odd, 0.5))
					require.NoError(t, err)
					in := map[int64]bool{}
					for _, id := range want {
						in[id] = true
					}
					for _, n := range got {
						require.True(t, pass(expr, labelIndex(n.ID)) && odd(n.ID) && !removed[n.ID], "%s returned label %d", expr, n.ID)
						if in[n.ID] {
							hit++
						}
					}
					total += len(want)
				}
				require.GreaterOrEqual(t, float64(hit)/float64(total), c.MinRecall, expr)
			}
		}
		check(idx, nil)

		_, err = idx.SearchWithFilterString(query(0), k, c.Search, `price >`, nil)
		require.Equal(t, api.InvalidArgument, core.CodeOf(err))

		removed := map[int64]bool{}
		if idx.CheckFeature(api.SupportDeleteByID) {
			for i := 0; i < nb; i += 7 {
				_, err := idx.Remove(data.ids[i])
				require.NoError(t, err)
				removed[data.ids[i]] = true
			}
			check(idx, removed)
		}
		var buf bytes.Buffer
		require.NoError(t, idx.Serialize(&buf))
		loaded, err := core.LoadBytes(buf.Bytes())
		require.NoError(t, err)
		check(loaded, removed)
		cl, err := idx.Clone()
		require.NoError(t, err)
		check(cl, removed)
	})
}

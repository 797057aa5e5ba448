package conformance

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// TestExtraInfoFilter: every index type with extra info filters searches on the stored bytes
// (SUPPORT_KNN_SEARCH_WITH_EX_FILTER): only labels whose extra info passes come back, at the
// case's recall against an oracle of the passing labels, also after a save and load.
func TestExtraInfoFilter(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		if !c.Exact && c.MinRecall < 0.9 {
			t.Skip("recall too low to compare")
		}
		js := strings.Replace(c.Create("l2", dim), "{", `{"extra_info_size":4,`, 1)
		idx, err := core.CreateIndex(c.Index, js)
		require.NoError(t, err)
		require.True(t, idx.CheckFeature(api.SupportKnnSearchWithExFilter))
		extra := make([]byte, nb*4)
		for i := 0; i < nb; i++ {
			binary.LittleEndian.PutUint32(extra[i*4:], uint32(i%3))
		}
		_, err = idx.Build(&core.Dataset{NumElements: nb, Dim: dim, IDs: data.ids, Float32: data.base, ExtraInfos: extra})
		require.NoError(t, err)
		pass := func(i int) bool { return i%3 == 1 }
		filter, err := idx.ExtraInfoFilter(func(b []byte) bool { return binary.LittleEndian.Uint32(b) == 1 }, 1.0/3)
		require.NoError(t, err)
		check := func(x *core.Index, f core.Filter) {
			hit, total := 0, 0
			for q := 0; q < 10; q++ {
				var want []int64
				for _, n := range oracle("l2", query(q), nil) {
					if pass(labelIndex(n.ID)) && len(want) < k {
						want = append(want, n.ID)
					}
				}
				got, err := x.Search(query(q), k, c.Search, f)
				require.NoError(t, err)
				in := map[int64]bool{}
				for _, id := range want {
					in[id] = true
				}
				for _, n := range got {
					require.True(t, pass(labelIndex(n.ID)), "label %d does not pass", n.ID)
					if in[n.ID] {
						hit++
					}
				}
				total += len(want)
			}
			require.GreaterOrEqual(t, float64(hit)/float64(total), c.MinRecall-0.05)
		}
		check(idx, filter)
		cl, err := idx.Clone()
		require.NoError(t, err)
		f2, err := cl.ExtraInfoFilter(func(b []byte) bool { return binary.LittleEndian.Uint32(b) == 1 }, 1.0/3)
		require.NoError(t, err)
		check(cl, f2)

		plain := newIndex(t, c, "l2")
		_, err = plain.ExtraInfoFilter(func([]byte) bool { return true }, 1)
		require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err))
		require.False(t, plain.CheckFeature(api.SupportKnnSearchWithExFilter))
	})
}

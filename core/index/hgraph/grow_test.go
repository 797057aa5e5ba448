package hgraph

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Adds that outgrow the stores go through pregrow/adopt (copies made under the shared lock);
// every store kind, the primary codes of a two-stage base included, must come through intact,
// also when a vector is rewritten between the copy and its adoption.
func TestGrowAheadKeepsEveryStore(t *testing.T) {
	const d = 16
	data := clustered(91, 3000, d, 8)
	for name, extra := range map[string]string{
		"sq8 reorder raw": `,"use_reorder":true,"precise_quantization_type":"fp32","store_raw_vector":true`,
		"lvq4x8":          ``,
	} {
		t.Run(name, func(t *testing.T) {
			base := "sq8"
			if name == "lvq4x8" {
				base = "lvq4x8"
			}
			x := newQuantIndex(t, base, extra, d)
			_, err := x.Add(data[:200*d], seq(0, 200), nil)
			require.NoError(t, err)
			for lo := 200; lo < 3000; lo += 700 {
				hi := min(lo+700, 3000)
				// a pregrown copy followed by a rewrite must not be adopted with the stale row
				pre := x.pregrow(hi - lo)
				x.mu.Lock()
				x.rowEdits++
				x.adopt(pre)
				x.mu.Unlock()
				_, err := x.Add(data[lo*d:hi*d], seq(lo, hi-lo), nil)
				require.NoError(t, err)
			}
			require.GreaterOrEqual(t, x.capacity(), 3000)
			found := 0
			for i := 0; i < 3000; i += 7 {
				res, err := x.KnnSearch(data[i*d:(i+1)*d], 1, searchOpts(64))
				require.NoError(t, err)
				if len(res) > 0 && res[0].ID == int64(i) {
					found++
				}
			}
			require.GreaterOrEqual(t, found, 3000/7*95/100, "vectors found by themselves")
			if x.primCodes != nil {
				for r := 0; r < x.baseCodes.Len(); r++ {
					require.Equal(t, x.baseCodes.Code(r)[:x.primCodes.stride], x.primCodes.slab[r*x.primCodes.stride:(r+1)*x.primCodes.stride], "primary row %d", r)
				}
			}
		})
	}
}

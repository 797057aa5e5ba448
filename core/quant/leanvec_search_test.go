package quant

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
)

// TestLeanVecQueryMat checks the query matrix the primary computer projects with: a half
// copy when every entry fits the half range (within half rounding of the float32
// projection), the float32 matrix otherwise (the exact projection), and a new copy after the
// transform changes.
func TestLeanVecQueryMat(t *testing.T) {
	const dim, d = 40, 8
	data := lvqData(200, dim, 5)
	q := data[:dim]
	for _, tc := range []struct {
		name  string
		entry float32 // written to one entry of the matrix; 0 keeps the trained one
		half  bool
	}{
		{"fits half", 0, true},
		{"beyond half", 1e5, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lv, err := NewLeanVec(dim, metric.L2, Options{LeanVecDims: d})
			require.NoError(t, err)
			require.NoError(t, lv.Train(data, 200))
			tr := *lv.tr
			tr.Data = append([]float32(nil), tr.Data...)
			if tc.entry != 0 {
				tr.Data[3] = tc.entry
			}
			tr.Query = tr.Data
			lv.tr = &tr
			m := lv.queryMat()
			assert.Equal(t, tc.half, m.cols != nil)
			assert.Same(t, m, lv.queryMat(), "kept while the transform stays")
			// a dense query, and one with half its entries zero (their columns are skipped)
			sparse := append([]float32(nil), q...)
			for j := 0; j < dim; j += 2 {
				sparse[j] = 0
			}
			for _, query := range [][]float32{q, sparse} {
				for _, centre := range []bool{true, false} {
					want, got, scratch := make([]float32, d), make([]float32, d), make([]float32, dim)
					tr.ProjectQuery(want, query, scratch, centre)
					lv.projectQuery(got, query, scratch, centre)
					for r := range want {
						if tc.half {
							assert.InDelta(t, want[r], got[r], 2e-3*(1+math.Abs(float64(want[r]))), "row %d", r)
						} else {
							assert.Equal(t, want[r], got[r], "row %d", r)
						}
					}
				}
			}
			other := tr
			lv.tr = &other
			assert.NotSame(t, m, lv.queryMat(), "rebuilt for a new transform")
		})
	}
}

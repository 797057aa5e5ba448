package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/govsag/vsag/core/metric"
	"github.com/stretchr/testify/require"
)

// TestLeanVecPacked checks leanvec's packed traversal rows against the primary computer over
// the prefixes, for every training and metric: distances within the int16 query's rounding,
// single, batch and row scans identical, and no packed form but for lvq8 primary codes.
func TestLeanVecPacked(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const dim, k, n = 40, 33, 200 // k past one 32-dimension block
	basis := orthonormal(r, k, dim)
	offset := make([]float64, dim)
	for j := range offset {
		offset[j] = 0.5
	}
	sd := make([]float64, k)
	for j := range sd {
		sd[j] = 3 / float64(1+j/4)
	}
	data := planted(r, n+5, basis, sd, offset, 0.05)
	base, queries := data[:n*dim], data[n*dim:]
	for _, pk := range leanvecPrimaryKinds {
		for _, tk := range leanvecTrainings {
			for _, m := range []metric.Kind{metric.L2, metric.IP, metric.Cosine} {
				t.Run(fmt.Sprintf("%s/%s/%s", pk, tk, m), func(t *testing.T) {
					b, qs := base, queries
					if m == metric.Cosine {
						b, qs = normalizedRows(base, dim), normalizedRows(queries, dim)
					}
					o := Options{LeanVecDims: k, LeanVecPrimary: pk, LeanVecSecondary: "fp16", LeanVecTraining: tk}
					lv := newTrainedLeanVec(t, dim, m, o, b)
					pq := lv.PackedPrimary()
					if pk != "lvq8" {
						require.Nil(t, pq)
						return
					}
					require.NotNil(t, pq)
					size, ps := lv.CodeSize(), pq.CodeSize()
					require.Equal(t, 8+64, ps)
					slab, pslab := make([]byte, n*size), make([]byte, n*ps)
					for i := 0; i < n; i++ {
						code := slab[i*size : (i+1)*size]
						lv.Encode(code, b[i*dim:(i+1)*dim])
						lv.PackPrimary(pslab[i*ps:(i+1)*ps], code)
						enc := make([]byte, ps)
						pq.Encode(enc, b[i*dim:(i+1)*dim])
						require.Equal(t, pslab[i*ps:(i+1)*ps], enc, "Encode")
					}
					// Decode gives the primary quantizer's decoding of the prefix.
					d1, d2 := make([]float32, dim), make([]float32, dim)
					pq.Decode(d1, pslab[:ps])
					lv.Primary().Decode(d2, slab[:lv.PrimaryCodeSize()])
					require.Equal(t, d2, d1)

					pc, kc := lv.NewPrimaryComputer(), pq.NewComputer()
					ids := []uint32{0, uint32(n - 1), 17, 17}
					for qi := 0; qi < 5; qi++ {
						q := qs[qi*dim : (qi+1)*dim]
						pc.SetQuery(q)
						kc.SetQuery(q)
						want, got := make([]float32, n), make([]float32, n)
						pc.DistanceRows(slab, want)
						kc.DistanceRows(pslab, got)
						var spread float64
						for _, w := range want {
							spread = max(spread, math.Abs(float64(w)))
						}
						for i := range want {
							require.InDelta(t, want[i], got[i], 1e-4*(1+spread), "row %d", i)
							require.Equal(t, got[i], kc.Distance(pslab[i*ps:(i+1)*ps]))
						}
						out := make([]float32, len(ids))
						kc.DistanceBatch(pslab, ids, out)
						for i, id := range ids {
							require.Equal(t, got[id], out[i])
						}
					}
				})
			}
		}
	}
	t.Run("off", func(t *testing.T) {
		defer func(on bool) { PackedPrimaryOn = on }(PackedPrimaryOn)
		PackedPrimaryOn = false
		lv := newTrainedLeanVec(t, dim, metric.L2, Options{LeanVecDims: k}, base)
		require.Nil(t, lv.PackedPrimary())
	})
}

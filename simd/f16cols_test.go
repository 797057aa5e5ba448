package simd

import (
	"math"
	"testing"
)

func TestAccumulateF16Cols(t *testing.T) {
	forLevels(t, func(t *testing.T) {
		r := newRand(41)
		for _, out := range []int{1, 15, 16, 17, 160, 255, 256, 257, 300, 600} {
			for _, pad := range []int{0, 5} {
				stride, ncols := out+pad, 50
				cols := make([]uint16, stride*ncols)
				vals := make([]float32, len(cols))
				for i := range vals {
					vals[i] = float32(r.NormFloat64())
				}
				F32ToF16(cols, vals)
				F16ToF32(vals, cols)
				for _, cnt := range []int{0, 1, 7, 40} {
					idx := make([]uint32, cnt)
					w := make([]float32, cnt)
					for k := range idx {
						idx[k] = uint32(r.IntN(ncols))
						w[k] = float32(r.NormFloat64())
					}
					z := make([]float32, out+1)
					want := make([]float64, out)
					for i := range want {
						z[i] = float32(i) / 7
						want[i] = float64(z[i])
					}
					z[out] = 12345 // past the end: untouched
					var mag float64
					for k, j := range idx {
						for i := range want {
							x := float64(w[k]) * float64(vals[int(j)*stride+i])
							want[i] += x
							mag += math.Abs(x)
						}
					}
					AccumulateF16Cols(z[:out], cols, stride, idx, w)
					for i := range want {
						if d := math.Abs(float64(z[i]) - want[i]); d > 1e-5*(1+mag) {
							t.Fatalf("out=%d pad=%d cnt=%d: z[%d] = %v, want %v", out, pad, cnt, i, z[i], want[i])
						}
					}
					if z[out] != 12345 {
						t.Fatalf("out=%d cnt=%d: wrote past z", out, cnt)
					}
				}
			}
		}
	})
}

func TestAccumulateF16ColsBounds(t *testing.T) {
	cols := make([]uint16, 10*16)
	z := make([]float32, 16)
	mustPanic(t, "column past the end", func() { AccumulateF16Cols(z, cols, 16, []uint32{10}, []float32{1}) })
	mustPanic(t, "column longer than the slab's tail", func() { AccumulateF16Cols(z, cols, 15, []uint32{10}, []float32{1}) })
	mustPanic(t, "short weights", func() { AccumulateF16Cols(z, cols, 16, []uint32{1, 2}, []float32{1}) })
	mustPanic(t, "negative stride", func() { AccumulateF16Cols(z, cols, -1, []uint32{1}, []float32{1}) })
	AccumulateF16Cols(z, cols, 16, []uint32{9}, []float32{1}) // the last column
}

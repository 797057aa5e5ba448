package simd

import (
	"math"
	"testing"
)

func TestAccumulateF16Cols(t *testing.T) {
	forLevels(t, func(t *testing.T) {
		r := newRand(41)
		for _, out := range []int{1, 7, 8, 15, 16, 17, 160, 255, 256, 257, 300, 600} {
			for _, pad := range []int{0, 5} {
				stride := out + pad
				for _, n := range []int{0, 1, 7, 8, 9, 16, 17, 40, 100} {
					cols := make([]uint16, stride*max(n-1, 0)+out)
					vals := make([]float32, len(cols))
					for i := range vals {
						vals[i] = float32(r.NormFloat64())
					}
					F32ToF16(cols, vals)
					F16ToF32(vals, cols)
					x := make([]float32, n)
					for j := range x {
						if r.IntN(3) > 0 { // a third of the entries zero
							x[j] = float32(r.NormFloat64())
						}
					}
					z := make([]float32, out+1)
					want := make([]float64, out)
					for i := range want {
						z[i] = float32(i) / 7
						want[i] = float64(z[i])
					}
					z[out] = 12345 // past the end: untouched
					var mag float64
					for j, v := range x {
						for i := range want {
							p := float64(v) * float64(vals[j*stride+i])
							want[i] += p
							mag += math.Abs(p)
						}
					}
					AccumulateF16Cols(z[:out], cols, stride, x)
					for i := range want {
						if d := math.Abs(float64(z[i]) - want[i]); d > 1e-5*(1+mag) {
							t.Fatalf("out=%d pad=%d n=%d: z[%d] = %v, want %v", out, pad, n, i, z[i], want[i])
						}
					}
					if z[out] != 12345 {
						t.Fatalf("out=%d n=%d: wrote past z", out, n)
					}
				}
			}
		}
	})
}

// TestAccumulateF16ColsSkipsZeros checks that the columns of zero entries are not read: they
// hold NaN, which would poison every sum.
func TestAccumulateF16ColsSkipsZeros(t *testing.T) {
	forLevels(t, func(t *testing.T) {
		const out, n = 40, 37
		cols := make([]uint16, out*n)
		x := make([]float32, n)
		for j := range x {
			v := float32(0)
			if j%3 == 0 {
				v = 1
				x[j] = float32(j)
			} else {
				v = float32(math.NaN())
			}
			for i := 0; i < out; i++ {
				cols[j*out+i] = f32ToF16One(v)
			}
		}
		z := make([]float32, out)
		AccumulateF16Cols(z, cols, out, x)
		var want float32
		for _, v := range x {
			want += v
		}
		for i, v := range z {
			if v != want {
				t.Fatalf("z[%d] = %v, want %v", i, v, want)
			}
		}
	})
}

func TestAccumulateF16ColsBounds(t *testing.T) {
	cols := make([]uint16, 10*16)
	z := make([]float32, 16)
	mustPanic(t, "column past the end", func() { AccumulateF16Cols(z, cols, 16, make([]float32, 11)) })
	mustPanic(t, "last column longer than the matrix's tail", func() { AccumulateF16Cols(z, cols, 15, make([]float32, 11)) })
	mustPanic(t, "outputs longer than the matrix", func() { AccumulateF16Cols(make([]float32, 161), cols, 0, make([]float32, 1)) })
	mustPanic(t, "negative stride", func() { AccumulateF16Cols(z, cols, -1, []float32{1}) })
	AccumulateF16Cols(z, cols, 16, make([]float32, 10)) // every column
}

func TestAccumulateF16ColsNoAlloc(t *testing.T) {
	const out, n = 160, 100
	cols := make([]uint16, out*n)
	x, z := make([]float32, n), make([]float32, out)
	x[3] = 1
	if a := testing.AllocsPerRun(10, func() { AccumulateF16Cols(z, cols, out, x) }); a != 0 {
		t.Fatalf("%v allocations per call", a)
	}
}

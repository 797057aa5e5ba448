package simd

import (
	"math"
	"math/rand"
	"testing"
)

// TestAxpy checks Axpy at every level against float64 arithmetic, for lengths around the
// vector widths, with dst longer than x left alone past len(x).
func TestAxpy(t *testing.T) {
	defer func() { _ = SetLevel(Levels()[len(Levels())-1]) }()
	rng := rand.New(rand.NewSource(5))
	for _, lvl := range Levels() {
		if err := SetLevel(lvl); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 128, 784} {
			x := make([]float32, n)
			dst := make([]float32, n+3)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			for i := range dst {
				dst[i] = float32(rng.NormFloat64())
			}
			a := float32(rng.NormFloat64())
			want := make([]float64, len(dst))
			for i := range dst {
				want[i] = float64(dst[i])
				if i < n {
					want[i] += float64(a) * float64(x[i])
				}
			}
			Axpy(dst, x, a)
			for i := range dst {
				if math.Abs(float64(dst[i])-want[i]) > 1e-5*(1+math.Abs(want[i])) {
					t.Fatalf("%s n=%d: dst[%d] = %g, want %g", lvl, n, i, dst[i], want[i])
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Axpy with dst shorter than x did not panic")
		}
	}()
	Axpy(make([]float32, 3), make([]float32, 4), 1)
}

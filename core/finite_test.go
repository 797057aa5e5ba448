package core

import (
	"math"
	"testing"
)

func TestFirstNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 23} {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(i) - 3.5
		}
		if got := firstNonFinite(v); got != -1 {
			t.Fatalf("n=%d finite: got %d", n, got)
		}
		for at := 0; at < n; at++ {
			for _, bad := range []float32{nan, inf, -inf} {
				w := append([]float32(nil), v...)
				w[at] = bad
				if at+1 < n {
					w[n-1] = bad // a later one must not be reported first
				}
				if got := firstNonFinite(w); got != at {
					t.Fatalf("n=%d bad %v at %d: got %d", n, bad, at, got)
				}
			}
		}
	}
	// the largest finite values are finite
	if got := firstNonFinite([]float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32}); got != -1 {
		t.Fatalf("extremes: got %d", got)
	}
	// query-sized vectors: the SIMD pass and the scan behind it, with squares that overflow
	for _, n := range []int{784, 1000, 3 * 128} {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(i%17) - 8
		}
		if got := firstNonFinite(v); got != -1 {
			t.Fatalf("n=%d finite: got %d", n, got)
		}
		for _, at := range []int{0, 15, 16, 17, n / 2, n - 1} {
			for _, bad := range []float32{nan, inf, -inf} {
				w := append([]float32(nil), v...)
				w[at] = bad
				if got := firstNonFinite(w); got != at {
					t.Fatalf("n=%d bad %v at %d: got %d", n, bad, at, got)
				}
				w[0], w[1] = 3e38, -3e38 // the sum of squares overflows before the bad value
				if at > 1 {
					if got := firstNonFinite(w); got != at {
						t.Fatalf("n=%d overflow then bad %v at %d: got %d", n, bad, at, got)
					}
				}
			}
		}
		w := append([]float32(nil), v...)
		w[n/3] = math.MaxFloat32
		if got := firstNonFinite(w); got != -1 {
			t.Fatalf("n=%d overflowing squares of finite values: got %d", n, got)
		}
	}
}

// BenchmarkFirstNonFinite checks one Fashion-MNIST-sized query, as every search does.
func BenchmarkFirstNonFinite(b *testing.B) {
	v := make([]float32, 784)
	for i := range v {
		v[i] = float32(i % 255)
	}
	for b.Loop() {
		if firstNonFinite(v) != -1 {
			b.Fatal("finite vector reported")
		}
	}
}

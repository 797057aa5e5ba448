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
}

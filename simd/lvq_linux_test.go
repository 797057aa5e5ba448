package simd

import (
	"testing"
	"unsafe"
)

// TestLVQGuardPage places a row and a query so that each ends exactly where
// an unmapped page begins: a kernel that reads past either (a full-width
// load in a tail) faults here.
func TestLVQGuardPage(t *testing.T) {
	mem, page := guardedPages(t)
	forLVQLevels(t, func(t *testing.T) {
		r := newRand(5)
		for _, cb := range lvqCombos {
			for n := 1; n <= 70; n++ {
				row := randLVQRow(r, n, cb.b1, cb.b2)
				slab := mem[page-len(row.bytes) : page]
				copy(slab, row.bytes)
				q := unsafe.Slice((*float32)(unsafe.Pointer(&mem[3*page-4*n])), n)
				copy(q, randF32(r, n, 1))
				for _, ip := range []bool{true, false} {
					got := lvqCall(q, slab, cb.b1, cb.b2, ip)
					want, mag := lvqWant(q, row.x, ip)
					if d := float64(got) - want; d > 2e-6*mag+1e-6 || d < -2e-6*mag-1e-6 {
						t.Fatalf("%dx%d n=%d: got %v, want %v", cb.b1, cb.b2, n, got, want)
					}
				}
			}
		}
	})
}

//go:build !purego

package simd

import "unsafe"

// axpy runs axpyF32AVX512 or axpyF32AVX2 over the whole vectors and the Go loop over the tail.
func axpy(dst, x []float32, a float32) {
	var w int
	switch k.fam {
	case famAVX512:
		w = 16
	case famAVX2:
		w = 8
	default:
		axpyGeneric(dst, x, a)
		return
	}
	m := len(x) &^ (w - 1)
	if m > 0 {
		if w == 16 {
			axpyF32AVX512(unsafe.SliceData(dst), unsafe.SliceData(x), a, m)
		} else {
			axpyF32AVX2(unsafe.SliceData(dst), unsafe.SliceData(x), a, m)
		}
	}
	if m < len(x) {
		axpyGeneric(dst[m:], x[m:], a)
	}
}

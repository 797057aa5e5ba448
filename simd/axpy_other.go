//go:build purego || !amd64

package simd

func axpy(dst, x []float32, a float32) { axpyGeneric(dst, x, a) }

//go:build purego || !amd64

package simd

func accF16Cols(z []float32, cols []uint16, stride int, x []float32) {
	accF16ColsGeneric(z, cols, stride, x)
}

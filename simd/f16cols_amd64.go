//go:build !purego

package simd

import "unsafe"

// accF16ColsKernel is the signature of the generated column kernels.
type accF16ColsKernel func(z *float32, cols *uint16, stride int, x *float32, n int)

// accF16ColsAVX512 and accF16ColsAVX2 hold accF16Cols<v><level> at index v-1: the kernel keeping
// v vectors of sums (16 float32 lanes on AVX-512, 8 on AVX2) in registers.
var (
	accF16ColsAVX512 = [...]accF16ColsKernel{
		accF16Cols1AVX512, accF16Cols2AVX512, accF16Cols3AVX512, accF16Cols4AVX512,
		accF16Cols5AVX512, accF16Cols6AVX512, accF16Cols7AVX512, accF16Cols8AVX512,
		accF16Cols9AVX512, accF16Cols10AVX512, accF16Cols11AVX512, accF16Cols12AVX512,
		accF16Cols13AVX512, accF16Cols14AVX512, accF16Cols15AVX512, accF16Cols16AVX512,
	}
	accF16ColsAVX2 = [...]accF16ColsKernel{
		accF16Cols1AVX2, accF16Cols2AVX2, accF16Cols3AVX2, accF16Cols4AVX2,
		accF16Cols5AVX2, accF16Cols6AVX2, accF16Cols7AVX2, accF16Cols8AVX2,
		accF16Cols9AVX2, accF16Cols10AVX2, accF16Cols11AVX2, accF16Cols12AVX2,
	}
)

// accF16Cols receives checked arguments (len(x) >= 1, every column inside cols). Whole vectors
// of outputs go to the level's kernels, as many per call as one keeps in registers; the last
// len(z) % width outputs go to Go.
func accF16Cols(z []float32, cols []uint16, stride int, x []float32) {
	var kernels []accF16ColsKernel
	width := 16
	switch k.fam {
	case famAVX512:
		kernels = accF16ColsAVX512[:]
	case famAVX2:
		kernels, width = accF16ColsAVX2[:], 8
	default:
		accF16ColsGeneric(z, cols, stride, x)
		return
	}
	block := width * len(kernels)
	full := len(z) / width * width
	for lo := 0; lo < full; lo += block {
		kernels[min(block, full-lo)/width-1](&z[lo], &cols[lo], 2*stride, unsafe.SliceData(x), len(x))
	}
	if full < len(z) {
		accF16ColsGeneric(z[full:], cols[full:], stride, x)
	}
}

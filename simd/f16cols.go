package simd

// AccumulateF16Cols adds to z the columns of a column-major fp16 matrix weighted by x:
// z[i] += x[j] * cols[j*stride+i] for every j < len(x) with x[j] != 0 and every i < len(z),
// the columns taken in order of j. It is a matrix-vector product in which the vector's zeros
// cost nothing (an image's background, a sparse feature vector) and no horizontal sums are
// needed. On AVX-512 (AVX2) the sums of up to 256 (96) outputs stay in registers over all the
// columns; the generic level widens each value and adds it in Go. It panics if a column lies
// outside cols or if stride < 0.
func AccumulateF16Cols(z []float32, cols []uint16, stride int, x []float32) {
	if stride < 0 {
		panic("simd: negative stride")
	}
	if len(x) == 0 || len(z) == 0 {
		return
	}
	if len(z) > len(cols) || (stride > 0 && len(x)-1 > (len(cols)-len(z))/stride) {
		panic("simd: column out of range of the matrix")
	}
	accF16Cols(z, cols, stride, x)
}

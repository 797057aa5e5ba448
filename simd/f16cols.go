package simd

// AccumulateF16Cols adds to z the weighted fp16 columns of a column-major matrix:
// z[i] += w[k] * cols[idx[k]*stride+i] for every k < len(idx) and i < len(z), the columns
// taken in order. It is a matrix-vector product over the nonzero entries of the vector only
// (idx their positions, w their values): zeros cost nothing and no horizontal sums are needed.
// On AVX-512 (AVX2) the sums of up to 256 (96) outputs stay in registers over all the columns;
// the generic level widens each value and adds it in Go. It panics if a column lies outside cols, if stride < 0 or
// if len(w) < len(idx).
func AccumulateF16Cols(z []float32, cols []uint16, stride int, idx []uint32, w []float32) {
	if len(w) < len(idx) {
		panic("simd: slice shorter than required length")
	}
	checkBatch(len(z), len(cols), stride, idx)
	if len(idx) == 0 || len(z) == 0 {
		return
	}
	accF16Cols(z, cols, stride, idx, w[:len(idx)])
}

// accF16ColsGeneric is AccumulateF16Cols on checked arguments, one value at a time.
func accF16ColsGeneric(z []float32, cols []uint16, stride int, idx []uint32, w []float32) {
	for k, j := range idx {
		col := cols[int(j)*stride:][:len(z)]
		wk := w[k]
		for i, h := range col {
			z[i] += wk * f16ToF32One(h)
		}
	}
}

package simd

// accF16ColsGeneric is AccumulateF16Cols on checked arguments, one value at a time.
func accF16ColsGeneric(z []float32, cols []uint16, stride int, x []float32) {
	for j, v := range x {
		if v == 0 {
			continue
		}
		col := cols[j*stride:][:len(z)]
		for i, h := range col {
			z[i] += v * f16ToF32One(h)
		}
	}
}

package simd

// Pure-Go references for the row (flat-scan) forms and the scaled SQ
// kernels.

func sq8L2ScaledGeneric(q []float32, code []uint8, lo, scale []float32) float32 {
	n := len(q)
	code, lo, scale = code[:n], lo[:n], scale[:n]
	var s float32
	for j, x := range q {
		d := x - (lo[j] + float32(code[j])*scale[j])
		s += d * d
	}
	return s
}

func sq8IPScaledGeneric(q []float32, code []uint8, lo, scale []float32) float32 {
	n := len(q)
	code, lo, scale = code[:n], lo[:n], scale[:n]
	var s float32
	for j, x := range q {
		s += x * (lo[j] + float32(code[j])*scale[j])
	}
	return s
}

func sq4L2ScaledGeneric(q []float32, code []uint8, lo, scale []float32) float32 {
	n := len(q)
	code, lo, scale = code[:(n+1)/2], lo[:n], scale[:n]
	var s float32
	for j, x := range q {
		d := x - (lo[j] + float32(nibble(code, j))*scale[j])
		s += d * d
	}
	return s
}

func sq4IPScaledGeneric(q []float32, code []uint8, lo, scale []float32) float32 {
	n := len(q)
	code, lo, scale = code[:(n+1)/2], lo[:n], scale[:n]
	var s float32
	for j, x := range q {
		s += x * (lo[j] + float32(nibble(code, j))*scale[j])
	}
	return s
}

func halfRowsWith(f func(q []float32, c []uint16) float32) func(q []float32, codes []uint16, stride int, out []float32) {
	return func(q []float32, codes []uint16, stride int, out []float32) {
		n := len(q)
		for i := range out {
			off := i * stride
			out[i] = f(q, codes[off:off+n])
		}
	}
}

func sqRowsWith(f func(q []float32, code []uint8, lo, scale []float32) float32) func(q []float32, codes []uint8, stride int, lo, scale, out []float32) {
	return func(q []float32, codes []uint8, stride int, lo, scale, out []float32) {
		n := len(q)
		for i := range out {
			off := i * stride
			out[i] = f(q, codes[off:off+n], lo, scale)
		}
	}
}

func u8RowsWith(f func(a, b []uint8) uint32) func(a, codes []uint8, stride int, out []uint32) {
	return func(a, codes []uint8, stride int, out []uint32) {
		n := len(a)
		for i := range out {
			off := i * stride
			out[i] = f(a, codes[off:off+n])
		}
	}
}

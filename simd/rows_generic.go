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

func sq8L2ResidualGeneric(r []float32, code []uint8, scale []float32) float32 {
	n := len(r)
	code, scale = code[:n], scale[:n]
	var s float32
	for j, x := range r {
		d := x - float32(code[j])*scale[j]
		s += d * d
	}
	return s
}

func dotF32U8Generic(w []float32, code []uint8) float32 {
	code = code[:len(w)]
	var s float32
	for j, x := range w {
		s += x * float32(code[j])
	}
	return s
}

func residRowsWith(f func(r []float32, code []uint8, scale []float32) float32) func(r []float32, codes []uint8, stride int, scale, out []float32) {
	return func(r []float32, codes []uint8, stride int, scale, out []float32) {
		n := len(r)
		for i := range out {
			off := i * stride
			out[i] = f(r, codes[off:off+n], scale)
		}
	}
}

func dotF32U8RowsWith(f func(w []float32, code []uint8) float32) func(w []float32, codes []uint8, stride int, out []float32) {
	return func(w []float32, codes []uint8, stride int, out []float32) {
		n := len(w)
		for i := range out {
			off := i * stride
			out[i] = f(w, codes[off:off+n])
		}
	}
}
